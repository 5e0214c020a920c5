//! Transfers (TEL-6, design §5, scenarios f and g) against SIPp: the caller (UAC), the agent
//! (UAS, 1000 Hz) and the focal officer reached through the trunk (UAS, 1200 Hz). Every leg
//! is cleaned up on every path (legs, ports, pacer streams counted after each test).

mod common;

use common::*;
use std::time::Duration;
use tokio::sync::broadcast;
use tongdai_telephony::api::{Command, CommandReply, CommandRequest, EngineEvent, EventKind};
use tongdai_telephony::cdr::{Disposition, LegRole};
use tongdai_telephony::flow::demo_flow;
use tongdai_telephony::{Clock, EngineHandle};

struct Rig {
    t: TestEngine,
    uac: Sipp,
    agent: Sipp,
    officer: Sipp,
    officer_msgs: std::path::PathBuf,
    events: broadcast::Receiver<EngineEvent>,
}

async fn rig(talk_ms: u32) -> Rig {
    rig_with(talk_ms, "uas_officer.xml", None).await
}

/// The rig with another officer scenario and optional trunk credentials (401/407).
async fn rig_with(talk_ms: u32, officer_scenario: &str, credentials: Option<(&str, &str)>) -> Rig {
    let officer_port = free_port();
    let mut trunk = demo_trunk();
    trunk.outbound_proxy = Some(format!("127.0.0.1:{officer_port}").parse().unwrap());
    trunk.registration = credentials.map(|(u, p)| tongdai_telephony::trunk::TrunkRegistration {
        registrar: String::new(), // credentials for challenges only; no REGISTER
        username: u.into(),
        password: p.into(),
        expires_s: 600,
    });
    let t = start_engine_with(
        vec![demo_flow("demo", &["1800888880"])],
        vec![trunk],
        vec![agent("agent1")],
        vec![
            queue("tthc", &["agent1"], serde_json::json!({})),
            queue("pakn", &[], serde_json::json!({})),
            queue("general", &[], serde_json::json!({})),
        ],
        open(),
        Clock::system(),
        |c| c.trunk_options_interval_s = 3600,
    )
    .await;
    let e = t.engine.clone();
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let agent_port = free_port();
    let args = sipp_args(
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
        Sipp::start(&sdir, "register", &args).wait(Duration::from_secs(15)),
        Some(0)
    );
    let r = e
        .command(CommandRequest {
            idempotency_key: "login".into(),
            command: Command::AgentLogin {
                agent_id: "agent1".into(),
            },
        })
        .await;
    assert!(r.is_ok());
    let agent = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    let officer_msgs = sdir.join("officer_messages.log");
    let officer = Sipp::start(
        &sdir,
        "officer",
        &sipp_args(
            None,
            officer_scenario,
            officer_port,
            free_port(),
            &[
                "-m",
                "1",
                "-trace_msg",
                "-message_file",
                officer_msgs.to_str().unwrap(),
            ],
        ),
    );
    let events = e.events();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let uac = Sipp::start(
        &sdir,
        "caller",
        &sipp_args(
            Some(e.sip_addr()),
            "uac_greeting_queue.xml",
            free_port(),
            free_port(),
            &[
                "-s",
                "1800888880",
                "-d",
                &talk_ms.to_string(),
                "-set",
                "dtmf_at_ms",
                "2500",
                "-m",
                "1",
            ],
        ),
    );
    Rig {
        t,
        uac,
        agent,
        officer,
        officer_msgs,
        events,
    }
}

async fn answered_call(events: &mut broadcast::Receiver<EngineEvent>) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("call answered in time")
            .expect("events");
        if let EventKind::CallAnswered {
            call_id,
            agent_id: Some(_),
        } = ev.kind
        {
            return call_id;
        }
    }
}

async fn wait_event(
    events: &mut broadcast::Receiver<EngineEvent>,
    want: impl Fn(&EventKind) -> bool,
) -> EventKind {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("event in time")
            .expect("events");
        if want(&ev.kind) {
            return ev.kind;
        }
    }
}

async fn cmd(e: &EngineHandle, key: &str, c: Command) -> CommandReply {
    e.command(CommandRequest {
        idempotency_key: key.into(),
        command: c,
    })
    .await
}

async fn finish(mut r: Rig) -> (TestEngine, String) {
    let mut uac = r.uac;
    let mut agent = r.agent;
    let mut officer = r.officer;
    let (a, b, c) = tokio::task::spawn_blocking(move || {
        let a = (uac.wait(Duration::from_secs(60)), uac.log_text());
        let b = (agent.wait(Duration::from_secs(15)), agent.log_text());
        let c = (officer.wait(Duration::from_secs(15)), officer.log_text());
        (a, b, c)
    })
    .await
    .unwrap();
    assert_eq!(a.0, Some(0), "caller: {}", a.1);
    assert_eq!(b.0, Some(0), "agent: {}", b.1);
    assert_eq!(c.0, Some(0), "officer: {}", c.1);
    let e = &r.t.engine;
    let clean = eventually(Duration::from_secs(10), || {
        let s = e.stats();
        s.active_calls == 0
            && s.sip_legs == 0
            && s.rtp_ports_in_use == 0
            && s.pacer_streams == 0
            && s.recorders == 0
    })
    .await;
    assert!(clean, "resources left: {:?}", e.stats());
    let _ = r.events.try_recv();
    let msgs = std::fs::read_to_string(&r.officer_msgs).unwrap_or_default();
    (r.t, msgs)
}

/// Scenario f: blind transfer from the console to an external number through the trunk.
/// The outbound INVITE carries the hotline number as From and P-Asserted-Identity; the agent
/// leg ends, the caller talks to the officer (right channel 1200 Hz at the end), the CDR has
/// a `transfer_target` leg and disposition `transferred`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_6_blind_transfer_to_external_number_via_trunk() {
    let mut r = rig(12000).await;
    let call = answered_call(&mut r.events).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let e = r.t.engine.clone();
    let rep = cmd(
        &e,
        "x1",
        Command::TransferBlind {
            call_id: call.clone(),
            target: "0987654321".into(),
        },
    )
    .await;
    assert!(rep.is_ok(), "{rep:?}");
    assert_eq!(
        cmd(
            &e,
            "x1",
            Command::TransferBlind {
                call_id: call.clone(),
                target: "0987654321".into()
            }
        )
        .await,
        rep,
        "same idempotency key, same reply"
    );
    wait_event(&mut r.events, |k| {
        matches!(k, EventKind::TransferCompleted { .. })
    })
    .await;
    let (t, msgs) = finish(r).await;
    assert!(
        msgs.contains("INVITE sip:0987654321@"),
        "dialled the national number: {msgs}"
    );
    assert!(
        msgs.contains("P-Asserted-Identity: <sip:1800888880@"),
        "hotline number as identity"
    );
    assert!(
        msgs.contains("From: <sip:1800888880@"),
        "hotline number in From"
    );
    let snap = t.store.snapshot();
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Transferred), "{cdr:?}");
    assert_eq!(cdr.transfers, 1);
    let xfer = cdr
        .legs
        .iter()
        .find(|l| l.role == LegRole::TransferTarget)
        .expect("transfer leg");
    assert!(xfer.answered_at.is_some());
    assert_eq!(xfer.initiated_by.as_deref(), Some("agent1"));
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let (f, a) = channel_tail_tone(&rec, t.dir.path(), 2, "2");
    assert!(
        near(f, 1200.0) && a > 0.05,
        "after the transfer the right channel is the officer: {f} Hz"
    );
    let (f, _) = channel_tail_tone(&rec, t.dir.path(), 1, "2");
    assert!(near(f, 400.0), "left channel still the caller: {f} Hz");
    t.engine.shutdown(Duration::from_secs(2)).await;
}

/// Scenario g (complete): consult the officer while the caller hears music on hold, then
/// complete: caller ↔ officer, the agent leg ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_6_attended_transfer_consult_then_complete() {
    let mut r = rig(14000).await;
    let call = answered_call(&mut r.events).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let e = r.t.engine.clone();
    assert!(
        cmd(
            &e,
            "s",
            Command::TransferAttendedStart {
                call_id: call.clone(),
                target: "0987654321".into()
            }
        )
        .await
        .is_ok()
    );
    let early = cmd(
        &e,
        "c0",
        Command::TransferAttendedComplete {
            call_id: call.clone(),
        },
    )
    .await;
    assert!(
        !early.is_ok(),
        "cannot complete before the officer answered"
    );
    tokio::time::sleep(Duration::from_secs(3)).await; // officer rings 0.5 s, then consultation
    assert!(
        cmd(
            &e,
            "c",
            Command::TransferAttendedComplete {
                call_id: call.clone()
            }
        )
        .await
        .is_ok()
    );
    wait_event(&mut r.events, |k| {
        matches!(k, EventKind::TransferCompleted { .. })
    })
    .await;
    let (t, _) = finish(r).await;
    let snap = t.store.snapshot();
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Transferred), "{cdr:?}");
    assert!(
        cdr.legs
            .iter()
            .any(|l| l.role == LegRole::TransferTarget && l.answered_at.is_some())
    );
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let (f, _) = channel_tail_tone(&rec, t.dir.path(), 2, "2");
    assert!(near(f, 1200.0), "caller now with the officer: {f} Hz");
    t.engine.shutdown(Duration::from_secs(2)).await;
}

/// Scenario g (cancel): consult, then cancel: the officer leg gets BYE and the caller is back
/// with the agent (right channel 1000 Hz at the end); disposition `answered`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_6_attended_transfer_consult_then_cancel() {
    let mut r = rig(14000).await;
    let call = answered_call(&mut r.events).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let e = r.t.engine.clone();
    assert!(
        cmd(
            &e,
            "s",
            Command::TransferAttendedStart {
                call_id: call.clone(),
                target: "0987654321".into()
            }
        )
        .await
        .is_ok()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        cmd(
            &e,
            "x",
            Command::TransferAttendedCancel {
                call_id: call.clone()
            }
        )
        .await
        .is_ok()
    );
    wait_event(&mut r.events, |k| {
        matches!(k, EventKind::TransferCancelled { .. })
    })
    .await;
    let (t, _) = finish(r).await;
    let snap = t.store.snapshot();
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    let consult = cdr
        .legs
        .iter()
        .find(|l| l.role == LegRole::Consult)
        .expect("consult leg");
    assert!(consult.answered_at.is_some() && consult.ended_at.is_some());
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let (f, _) = channel_tail_tone(&rec, t.dir.path(), 2, "2");
    assert!(near(f, 1000.0), "caller back with the agent: {f} Hz");
    t.engine.shutdown(Duration::from_secs(2)).await;
}

/// Design §8: the carrier challenges the outbound INVITE with 407; the engine answers the
/// challenge once with the trunk's credentials (the officer's scenario verifies the digest
/// and answers 403 if it is wrong), and the transfer completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_6_blind_transfer_through_a_carrier_that_challenges_with_407() {
    let mut r = rig_with(
        12000,
        "uas_officer_407.xml",
        Some(("carrier-user", "carrier-pw")),
    )
    .await;
    let call = answered_call(&mut r.events).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let e = r.t.engine.clone();
    let rep = cmd(
        &e,
        "b",
        Command::TransferBlind {
            call_id: call.clone(),
            target: "0987654321".into(),
        },
    )
    .await;
    assert!(rep.is_ok(), "{rep:?}");
    wait_event(&mut r.events, |k| {
        matches!(k, EventKind::TransferCompleted { .. })
    })
    .await;
    let (t, msgs) = finish(r).await;
    // the digest of the second INVITE (RFC 2617, MD5 without qop), recomputed with md5sum
    let auth = msgs
        .lines()
        .find(|l| l.starts_with("Proxy-Authorization: Digest"))
        .unwrap_or_else(|| panic!("no credentials: {msgs}"));
    let field = |k: &str| {
        auth.split(&format!("{k}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(field("username"), "carrier-user");
    assert_eq!(field("realm"), "carrier.test");
    let md5 = |s: String| {
        use std::io::Write;
        let mut c = std::process::Command::new("md5sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        let out = c.wait_with_output().unwrap().stdout;
        String::from_utf8(out)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let ha1 = md5("carrier-user:carrier.test:carrier-pw".into());
    let ha2 = md5(format!("INVITE:{}", field("uri")));
    let want = md5(format!("{ha1}:{}:{ha2}", field("nonce")));
    assert_eq!(field("response"), want, "correct digest");
    let snap = t.store.snapshot();
    assert_eq!(
        snap.calls.last().unwrap().disposition,
        Some(Disposition::Transferred)
    );
    t.engine.shutdown(Duration::from_secs(2)).await;
}
