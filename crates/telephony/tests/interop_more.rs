//! More interop against SIPp: voicemail (TEL-11 overflow) and SIP over TCP (issue 5, SIP edge).

mod common;

use common::*;
use std::time::Duration;
use tongdai_telephony::cdr::Disposition;
use tongdai_telephony::flow::demo_flow;
use tongdai_telephony::{Clock, FixedHours};

/// Voicemail: after the notice the caller leaves a 3-second message (their 400 Hz tone),
/// the engine thanks them and hangs up; the voicemail row has the file's hash and the CDR
/// says `overflow_voicemail`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_voicemail_records_the_caller_and_hangs_up() {
    let flow = serde_json::from_value(serde_json::json!({
        "id": "vm", "version": 1, "dids": ["1800888898"], "start": "a",
        "nodes": {
            "a": {"type": "answer", "next": "n"},
            "n": {"type": "notice", "prompt": "thong_bao_ghi_am", "next": "vm"},
            "vm": {"type": "voicemail", "max_s": 3, "next": "bye"},
            "bye": {"type": "hangup", "prompt": "cam_on"}
        }
    }))
    .unwrap();
    let t = start_engine(
        vec![flow],
        vec![demo_trunk()],
        vec![],
        vec![],
        open(),
        Clock::system(),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let args = sipp_args(
        Some(e.sip_addr()),
        "uac_ivr_engine_bye.xml",
        free_port(),
        free_port(),
        &["-s", "1800888898", "-set", "dtmf_at_ms", "500", "-m", "1"],
    );
    let mut uac = Sipp::start(&sdir, "caller", &args);
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(30)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(rc.0, Some(0), "caller SIPp failed: {}", rc.1);
    let snap = t.store.snapshot();
    let vm = snap.voicemails.last().expect("voicemail row");
    assert!(
        (2700..=3300).contains(&vm.duration_ms),
        "{} ms",
        vm.duration_ms
    );
    let path = std::path::PathBuf::from(&vm.path);
    assert_eq!(
        tongdai_telephony::recording::sha256_file(&path).unwrap(),
        vm.sha256
    );
    let ((f, a), _) = stereo_tones(&path, t.dir.path());
    assert!(near(f, 400.0) && a > 0.05, "the caller's message: {f} Hz");
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::OverflowVoicemail));
    e.shutdown(Duration::from_secs(1)).await;
}

/// SIP over TCP: a caller on TCP reaches the out-of-hours branch, presses 1, gets a callback
/// task and the engine's BYE on the same connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_sip_over_tcp_call() {
    let t = start_engine_with(
        vec![demo_flow("demo", &["1800888880"])],
        vec![demo_trunk()],
        vec![],
        vec![
            queue("tthc", &[], serde_json::json!({})),
            queue("pakn", &[], serde_json::json!({})),
            queue("general", &[], serde_json::json!({})),
        ],
        std::sync::Arc::new(FixedHours(false)),
        Clock::system(),
        |c| c.sip_tcp = Some(c.sip_udp),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let args = sipp_args(
        Some(e.sip_addr()),
        "uac_ivr_engine_bye.xml",
        free_port(),
        free_port(),
        &[
            "-s",
            "1800888880",
            "-set",
            "dtmf_at_ms",
            "2200",
            "-m",
            "1",
            "-t",
            "t1",
        ],
    );
    let mut uac = Sipp::start(&sdir, "caller-tcp", &args);
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(40)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(rc.0, Some(0), "caller SIPp (TCP) failed: {}", rc.1);
    let snap = t.store.snapshot();
    assert_eq!(
        snap.calls.last().unwrap().disposition,
        Some(Disposition::OutOfHours)
    );
    assert_eq!(snap.callbacks.len(), 1);
    e.shutdown(Duration::from_secs(1)).await;
}

/// Trunk keep-alive (design §8): OPTIONS to the carrier proxy; the trunk is up after two
/// answers and down after three misses, and the console hears both changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_trunk_options_keepalive_marks_up_then_down() {
    let proxy_port = free_port();
    let mut trunk = demo_trunk();
    trunk.outbound_proxy = Some(format!("127.0.0.1:{proxy_port}").parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sdir = dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let mut proxy = Sipp::start(
        &sdir,
        "proxy",
        &sipp_args(
            None,
            "uas_options.xml",
            proxy_port,
            free_port(),
            &["-m", "3"],
        ),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = start_engine_with(
        vec![],
        vec![trunk],
        vec![],
        vec![],
        open(),
        Clock::system(),
        |c| c.trunk_options_interval_s = 1,
    )
    .await;
    let e = &t.engine;
    let mut events = e.events();
    let mut seen = vec![];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    while seen.len() < 2 {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("trunk state events in time")
            .unwrap();
        if let tongdai_telephony::api::EventKind::TrunkState { trunk_id, up } = ev.kind {
            assert_eq!(trunk_id, "demo");
            seen.push(up);
        }
    }
    assert_eq!(
        seen,
        vec![true, false],
        "up after the answers, down after the proxy stopped answering"
    );
    assert_eq!(e.trunk_up("demo"), Some(false));
    let rc = tokio::task::spawn_blocking(move || proxy.wait(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(rc, Some(0), "the proxy answered three OPTIONS");
    e.shutdown(Duration::from_secs(1)).await;
}

/// Trunk registration (design §8): the carrier's registrar challenges with 401, the engine
/// answers with the trunk's digest credentials (verified by the registrar scenario, 403 if
/// wrong) and the trunk is registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_trunk_registers_with_digest_auth() {
    let registrar_port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let sdir = dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let mut registrar = Sipp::start(
        &sdir,
        "registrar",
        &sipp_args(
            None,
            "uas_registrar.xml",
            registrar_port,
            free_port(),
            &["-m", "1"],
        ),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut trunk = demo_trunk();
    trunk.registration = Some(tongdai_telephony::trunk::TrunkRegistration {
        registrar: format!("127.0.0.1:{registrar_port}"),
        username: "carrier-user".into(),
        password: "carrier-pw".into(),
        expires_s: 600,
    });
    let t = start_engine(vec![], vec![trunk], vec![], vec![], open(), Clock::system()).await;
    let e = &t.engine;
    let ok = eventually(Duration::from_secs(10), || {
        e.trunk_registered("demo") == Some(true)
    })
    .await;
    assert!(ok, "trunk registered: {:?}", e.trunk_registered("demo"));
    let rc = tokio::task::spawn_blocking(move || {
        (registrar.wait(Duration::from_secs(5)), registrar.log_text())
    })
    .await
    .unwrap();
    assert_eq!(rc.0, Some(0), "registrar: {}", rc.1);
    e.shutdown(Duration::from_secs(1)).await;
}

/// Trunk caps (design §8, SEC-5): with `max_concurrent = 1`, a second simultaneous call from
/// the trunk gets 503 while the first goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_trunk_concurrent_call_cap_refuses_with_503() {
    let mut trunk = demo_trunk();
    trunk.max_concurrent = 1;
    let t = start_engine(
        vec![demo_flow("demo", &["1800888880"])],
        vec![trunk],
        vec![],
        vec![
            queue("tthc", &[], serde_json::json!({})),
            queue("pakn", &[], serde_json::json!({})),
            queue("general", &[], serde_json::json!({})),
        ],
        open(),
        Clock::system(),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let args = sipp_args(
        Some(e.sip_addr()),
        "uac_load.xml",
        free_port(),
        free_port(),
        &[
            "-s",
            "1800888880",
            "-d",
            "3000",
            "-m",
            "2",
            "-l",
            "2",
            "-r",
            "10",
        ],
    );
    let mut uac = Sipp::start(&sdir, "caller", &args);
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(30)), uac.log_text()))
            .await
            .unwrap();
    assert_ne!(rc.0, Some(0), "one of the two calls failed: {}", rc.1);
    assert!(rc.1.contains("503"), "refused with 503: {}", rc.1);
    let ok = eventually(Duration::from_secs(10), || e.stats().active_calls == 0).await;
    assert!(ok);
    assert_eq!(
        t.store.snapshot().calls.len(),
        1,
        "only the first call got in"
    );
    assert!(e.stats().guard.rate_limited >= 1);
    e.shutdown(Duration::from_secs(1)).await;
}

/// Known pitfall 5: the caller puts the engine on hold (`a=sendonly`) and resumes; the
/// engine answers `a=recvonly` then `a=sendrecv` (checked by the SIPp scenario), the re-INVITEs
/// are neither new calls nor a flood, and the flow is not restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_hold_and_resume_reinvite_from_the_caller() {
    let t = start_engine(
        vec![demo_flow("demo", &["1800888880"])],
        vec![demo_trunk()],
        vec![],
        vec![
            queue("tthc", &[], serde_json::json!({})),
            queue("pakn", &[], serde_json::json!({})),
            queue("general", &[], serde_json::json!({})),
        ],
        open(),
        Clock::system(),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let args = sipp_args(
        Some(e.sip_addr()),
        "uac_hold_resume.xml",
        free_port(),
        free_port(),
        &["-s", "1800888880", "-d", "1500", "-m", "1"],
    );
    let mut uac = Sipp::start(&sdir, "caller", &args);
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(30)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(
        rc.0,
        Some(0),
        "hold answered recvonly, resume sendrecv: {}",
        rc.1
    );
    let ok = eventually(Duration::from_secs(10), || {
        let s = e.stats();
        s.active_calls == 0 && s.sip_legs == 0 && s.rtp_ports_in_use == 0 && s.pacer_streams == 0
    })
    .await;
    assert!(ok, "{:?}", e.stats());
    let snap = t.store.snapshot();
    assert_eq!(snap.calls.len(), 1, "a re-INVITE is not a new call");
    assert_eq!(snap.calls[0].disposition, Some(Disposition::AbandonedInIvr));
    let greetings = snap
        .events
        .iter()
        .filter(|ev| ev.kind == "flow.node" && ev.data["node"] == "answer")
        .count();
    assert_eq!(greetings, 1, "the flow was not restarted");
    assert_eq!(e.stats().guard.rate_limited, 0);
    e.shutdown(Duration::from_secs(1)).await;
}

/// Click-to-call (TEL-10) and callback dialling (TEL-11): the console asks the engine to call
/// a citizen for an agent; the agent's phone rings first, then the citizen through the trunk
/// (hotline number as identity); both are bridged and recorded (left = citizen 1200 Hz,
/// right = agent 1000 Hz); a hangup from the console ends both legs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_10_click_to_call_rings_agent_then_citizen() {
    let citizen_port = free_port();
    let mut trunk = demo_trunk();
    trunk.outbound_proxy = Some(format!("127.0.0.1:{citizen_port}").parse().unwrap());
    let t = start_engine_with(
        vec![],
        vec![trunk],
        vec![agent("agent1")],
        vec![queue("tthc", &["agent1"], serde_json::json!({}))],
        open(),
        Clock::system(),
        |c| c.trunk_options_interval_s = 3600,
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
    let mut agent_uas = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    let msgs = sdir.join("citizen_messages.log");
    let mut citizen = Sipp::start(
        &sdir,
        "citizen",
        &sipp_args(
            None,
            "uas_officer.xml",
            citizen_port,
            free_port(),
            &[
                "-m",
                "1",
                "-trace_msg",
                "-message_file",
                msgs.to_str().unwrap(),
            ],
        ),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut events = e.events();
    let cmd = tongdai_telephony::api::Command::CallbackDial {
        task_id: "task-7".into(),
        agent_id: "agent1".into(),
        number: "0987654321".into(),
    };
    let reply = e
        .command(tongdai_telephony::api::CommandRequest {
            idempotency_key: "c2c".into(),
            command: cmd,
        })
        .await;
    let call_id = match reply {
        tongdai_telephony::api::CommandReply::Ok { detail: Some(id) } => id,
        other => panic!("{other:?}"),
    };
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(15), events.recv())
            .await
            .expect("answered")
            .unwrap();
        if matches!(
            ev.kind,
            tongdai_telephony::api::EventKind::CallAnswered { .. }
        ) {
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let busy = e
        .command(tongdai_telephony::api::CommandRequest {
            idempotency_key: "c2c-2".into(),
            command: tongdai_telephony::api::Command::Originate {
                agent_id: "agent1".into(),
                number: "0912345678".into(),
            },
        })
        .await;
    assert!(!busy.is_ok(), "the agent is busy: {busy:?}");
    let international = e
        .command(tongdai_telephony::api::CommandRequest {
            idempotency_key: "c2c-3".into(),
            command: tongdai_telephony::api::Command::Originate {
                agent_id: "agent1".into(),
                number: "+12025550100".into(),
            },
        })
        .await;
    assert!(!international.is_ok(), "toll fraud: no international calls");
    let hang = e
        .command(tongdai_telephony::api::CommandRequest {
            idempotency_key: "h".into(),
            command: tongdai_telephony::api::Command::CallHangup {
                call_id: call_id.clone(),
            },
        })
        .await;
    assert!(hang.is_ok());
    let (a, c) = tokio::task::spawn_blocking(move || {
        (
            (
                agent_uas.wait(Duration::from_secs(10)),
                agent_uas.log_text(),
            ),
            (citizen.wait(Duration::from_secs(10)), citizen.log_text()),
        )
    })
    .await
    .unwrap();
    assert_eq!(a.0, Some(0), "agent: {}", a.1);
    assert_eq!(c.0, Some(0), "citizen: {}", c.1);
    let ok = eventually(Duration::from_secs(10), || {
        let s = e.stats();
        s.active_calls == 0
            && s.sip_legs == 0
            && s.rtp_ports_in_use == 0
            && s.pacer_streams == 0
            && s.recorders == 0
    })
    .await;
    assert!(ok, "{:?}", e.stats());
    let m = std::fs::read_to_string(&msgs).unwrap_or_default();
    assert!(
        m.contains("P-Asserted-Identity: <sip:1800888880@"),
        "hotline number as identity"
    );
    let snap = t.store.snapshot();
    let cdr = snap.calls.iter().find(|c| c.call_id == call_id).unwrap();
    assert_eq!(cdr.direction, tongdai_telephony::cdr::Direction::Outbound);
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    assert_eq!(
        cdr.vars.get("callback_task_id").map(String::as_str),
        Some("task-7")
    );
    assert_eq!(cdr.caller_number, "+84987654321");
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let ((lf, _), (rf, _)) = stereo_tones(&rec, t.dir.path());
    assert!(near(lf, 1200.0), "left = citizen: {lf}");
    assert!(near(rf, 1000.0), "right = agent: {rf}");
    assert_eq!(
        e.agent("agent1").map(|a| a.1),
        Some(tongdai_telephony::acd::strategy::AgentState::Idle)
    );
    e.shutdown(Duration::from_secs(1)).await;
}
