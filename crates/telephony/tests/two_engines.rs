//! Two engines in one process over loopback sockets: engine A's flow transfers the citizen
//! through its "trunk" to engine B, which answers with its own flow. Exercises the engine as
//! UAS and UAC against itself (rsipstack on both sides), media relayed through both, and the
//! recording on A (left = citizen 400 Hz, right = B's 600 Hz prompt).

mod common;

use common::*;
use std::time::Duration;
use tongdai_telephony::Clock;
use tongdai_telephony::cdr::Disposition;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_two_engines_transfer_through_a_trunk_to_each_other() {
    // B: the "carrier side", answers calls for 0912345678 from 127.0.0.1 with a long prompt
    let flow_b = serde_json::from_value(serde_json::json!({
        "id": "b", "version": 1, "dids": ["0912345678"], "start": "a",
        "nodes": {
            "a": {"type": "answer", "next": "p"},
            "p": {"type": "play", "prompts": ["loi_chao", "loi_chao", "loi_chao", "loi_chao", "loi_chao", "loi_chao", "loi_chao", "loi_chao"], "next": "bye"},
            "bye": {"type": "hangup"}
        }
    }))
    .unwrap();
    let mut trunk_b = demo_trunk();
    trunk_b.dids = vec!["912345678".into()];
    let b = start_engine(
        vec![flow_b],
        vec![trunk_b],
        vec![],
        vec![],
        open(),
        Clock::system(),
    )
    .await;
    // A: the hotline, whose flow transfers every call to 0912345678 through a trunk = B
    let flow_a = serde_json::from_value(serde_json::json!({
        "id": "a", "version": 1, "dids": ["1800888880"], "start": "a",
        "nodes": {
            "a": {"type": "answer", "next": "n"},
            "n": {"type": "notice", "prompt": "thong_bao_ghi_am", "next": "x"},
            "x": {"type": "transfer", "target": "0912345678", "on_failed": "bye"},
            "bye": {"type": "hangup"}
        }
    }))
    .unwrap();
    let mut trunk_a = demo_trunk();
    trunk_a.outbound_proxy = Some(b.engine.sip_addr());
    let a = start_engine_with(
        vec![flow_a],
        vec![trunk_a],
        vec![],
        vec![],
        open(),
        Clock::system(),
        |c| c.trunk_options_interval_s = 3600,
    )
    .await;
    let sdir = a.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let args = sipp_args(
        Some(a.engine.sip_addr()),
        "uac_load.xml",
        free_port(),
        free_port(),
        &["-s", "1800888880", "-d", "5000", "-m", "1"],
    );
    let mut uac = Sipp::start(&sdir, "caller", &args);
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(30)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(rc.0, Some(0), "caller: {}", rc.1);
    for (name, e) in [("A", &a.engine), ("B", &b.engine)] {
        let ok = eventually(Duration::from_secs(10), || {
            let s = e.stats();
            s.active_calls == 0
                && s.sip_legs == 0
                && s.rtp_ports_in_use == 0
                && s.pacer_streams == 0
                && s.recorders == 0
        })
        .await;
        assert!(ok, "engine {name} left resources: {:?}", e.stats());
    }
    let sa = a.store.snapshot();
    let sb = b.store.snapshot();
    assert_eq!(
        sa.calls.last().unwrap().disposition,
        Some(Disposition::Transferred)
    );
    let cb = sb.calls.last().expect("B saw the call");
    assert_eq!(
        cb.caller_number, "1800888880",
        "A presented the hotline number (PAI trusted from B's trunk)"
    );
    assert_eq!(
        cb.caller_number_source,
        tongdai_telephony::trunk::IdentitySource::PAssertedIdentity
    );
    let rec = std::path::PathBuf::from(&sa.recordings.last().expect("A recorded").path);
    let ((lf, _), (rf, ra)) = stereo_tones(&rec, a.dir.path());
    assert!(near(lf, 400.0), "left = citizen: {lf}");
    assert!(
        near(rf, 600.0) && ra > 0.05,
        "right = engine B's prompt, relayed by B and A: {rf}"
    );
    assert!(
        b.engine.stats().rx_packets > 100,
        "B received the citizen's audio through A"
    );
    a.engine.shutdown(Duration::from_secs(1)).await;
    b.engine.shutdown(Duration::from_secs(1)).await;
}
