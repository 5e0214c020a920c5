//! Interop with baresip (Debian `baresip`), a second independent SIP/RTP stack: baresip
//! calls the hotline, hears the greeting (600 Hz fixture), waits, and then hears the agent
//! (SIPp, 1000 Hz); the engine records the call with baresip's own audio (its 400 Hz file) on
//! the left channel. Design §14 scenario a with baresip as the caller.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use tongdai_telephony::Clock;
use tongdai_telephony::api::{Command as Cmd, CommandRequest};
use tongdai_telephony::cdr::Disposition;

/// Scenario a with baresip as the caller (TEL-2, TEL-4, TEL-5, TEL-7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_baresip_caller_hears_greeting_then_agent() {
    let flow = serde_json::from_value(serde_json::json!({
        "id": "bs", "version": 1, "dids": ["1800888880"], "start": "a",
        "nodes": {
            "a": {"type": "answer", "next": "g"},
            "g": {"type": "play", "prompts": ["loi_chao", "loi_chao", "loi_chao"], "next": "n"},
            "n": {"type": "notice", "prompt": "thong_bao_ghi_am", "next": "q"},
            "q": {"type": "queue", "queue": "tthc"}
        }
    }))
    .unwrap();
    let t = start_engine(
        vec![flow],
        vec![demo_trunk()],
        vec![agent("agent1")],
        vec![queue("tthc", &["agent1"], serde_json::json!({}))],
        open(),
        Clock::system(),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let agent_port = free_port();
    let reg = sipp_args(
        Some(e.sip_addr()),
        "uac_register.xml",
        agent_port,
        free_port(),
        &[
            "-s",
            "agent1",
            "-au",
            "agent1",
            "-ap",
            AGENT_PASSWORD,
            "-m",
            "1",
        ],
    );
    assert_eq!(
        Sipp::start(&sdir, "register", &reg).wait(Duration::from_secs(15)),
        Some(0)
    );
    let r = e
        .command(CommandRequest {
            idempotency_key: "l".into(),
            command: Cmd::AgentLogin {
                agent_id: "agent1".into(),
            },
        })
        .await;
    assert!(r.is_ok());
    let mut uas = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    let bdir = t.dir.path().join("baresip");
    let (rtp_lo, _) = free_range(20);
    baresip_dir(&bdir, free_port(), (rtp_lo, rtp_lo + 20));
    let log = std::fs::File::create(bdir.join("baresip.log")).unwrap();
    let dial = format!("/dial sip:1800888880@{}", e.sip_addr());
    let mut child = Command::new("baresip")
        .current_dir(&bdir)
        .args(["-f", ".", "-e", &dial, "-t", "14"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("baresip (apt-get install baresip)");
    let status = tokio::task::spawn_blocking(move || {
        let end = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < end {
            if let Ok(Some(s)) = child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    })
    .await
    .unwrap();
    assert!(status.is_some(), "baresip quit by itself after -t");
    let rc = tokio::task::spawn_blocking(move || uas.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(rc, Some(0), "agent SIPp");
    let blog = std::fs::read_to_string(bdir.join("baresip.log")).unwrap_or_default();
    if std::env::var_os("TONGDAI_TEST_LOG").is_some() {
        eprintln!("{blog}");
    }
    let dec = std::fs::read_dir(bdir.join("rec"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .unwrap_or_else(|| panic!("baresip wrote no dec dump: {blog}"));
    // first 2.5 s: the greeting fixture; last 2 s: the agent
    let head = t.dir.path().join("head.wav");
    sox(&[
        dec.to_str().unwrap(),
        head.to_str().unwrap(),
        "trim",
        "0.3",
        "2.2",
    ]);
    let (hf, ha) = tone(&head);
    assert!(
        near(hf, 600.0) && ha > 0.05,
        "baresip heard the greeting first: {hf} Hz rms {ha}"
    );
    let tail = t.dir.path().join("tail.wav");
    sox(&[dec.to_str().unwrap(), tail.to_str().unwrap(), "trim", "-2"]);
    let (tf, ta) = tone(&tail);
    assert!(
        near(tf, 1000.0) && ta > 0.05,
        "then the agent: {tf} Hz rms {ta}"
    );
    let ok = eventually(Duration::from_secs(10), || {
        e.stats().active_calls == 0 && e.stats().rtp_ports_in_use == 0
    })
    .await;
    assert!(ok, "{:?}", e.stats());
    let snap = t.store.snapshot();
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let ((lf, _), (rf, _)) = stereo_tones(&rec, t.dir.path());
    assert!(near(lf, 400.0), "left = baresip's voice: {lf}");
    assert!(near(rf, 1000.0), "right = the agent: {rf}");
    e.shutdown(Duration::from_secs(1)).await;
}
