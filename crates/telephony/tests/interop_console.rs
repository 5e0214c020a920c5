//! The console's mute and answer (issue 7, TEL-9) against independent SIP stacks: baresip as
//! the citizen proves by tone frequency that it stops hearing the agent while muted and hears
//! it again after unmute; a SIPp phone configured for auto-answer picks up when the operator
//! presses "answer" in the console.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use tongdai_telephony::api::{Command as Cmd, CommandErrorCode, CommandReply, CommandRequest};
use tongdai_telephony::api::{EngineEvent, EventKind};
use tongdai_telephony::cdr::{Disposition, LegRole};
use tongdai_telephony::{Clock, EngineHandle};

/// Answer, recording notice, queue `tthc` (agent1): the shortest flow the validator accepts.
fn flow() -> tongdai_telephony::flow::Flow {
    serde_json::from_value(serde_json::json!({
        "id": "console", "version": 1, "dids": ["1800888880"], "start": "a",
        "nodes": {
            "a": {"type": "answer", "next": "n"},
            "n": {"type": "notice", "prompt": "thong_bao_ghi_am", "next": "q"},
            "q": {"type": "queue", "queue": "tthc"}
        }
    }))
    .unwrap()
}

async fn command(e: &EngineHandle, key: &str, command: Cmd) -> CommandReply {
    e.command(CommandRequest {
        idempotency_key: key.into(),
        command,
    })
    .await
}

/// The next event `f` picks (bounded).
async fn next_event<T>(
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
    limit: Duration,
    mut f: impl FnMut(EventKind) -> Option<T>,
) -> Option<T> {
    let end = tokio::time::Instant::now() + limit;
    loop {
        let ev = tokio::time::timeout_at(end, events.recv())
            .await
            .ok()?
            .ok()?;
        if let Some(t) = f(ev.kind) {
            return Some(t);
        }
    }
}

async fn assert_clean(e: &EngineHandle) {
    let ok = eventually(Duration::from_secs(10), || {
        let s = e.stats();
        s.active_calls == 0 && s.sip_legs == 0 && s.rtp_ports_in_use == 0 && s.recorders == 0
    })
    .await;
    assert!(ok, "resources left after the call: {:?}", e.stats());
}

/// TEL-9, TEL-7: the console mutes the agent for three seconds. baresip (the citizen) hears
/// the agent's 1000 Hz, then three seconds of silence — silence frames, not a gap: its dump
/// of what it decoded grows by that much — then 1000 Hz again; the recording's staff channel
/// is silent meanwhile while the caller's channel goes on; `call.muted` tells the consoles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_9_mute_silences_the_agent_for_the_caller_and_the_recording() {
    let t = start_engine(
        vec![flow()],
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
    assert_eq!(
        register(&sdir, e.sip_addr(), "agent1", agent_port, AGENT_PASSWORD),
        Some(0)
    );
    login(e, "agent1").await;
    let mut uas = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    let mut events = e.events();
    let bdir = t.dir.path().join("baresip");
    let (rtp_lo, _) = free_range(20);
    baresip_dir(&bdir, free_port(), (rtp_lo, rtp_lo + 20));
    let log = std::fs::File::create(bdir.join("baresip.log")).unwrap();
    let dial = format!("/dial sip:1800888880@{}", e.sip_addr());
    let mut child = Command::new("baresip")
        .current_dir(&bdir)
        .args(["-f", ".", "-e", &dial, "-t", "40"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("baresip (apt-get install baresip)");
    let call_id = next_event(&mut events, Duration::from_secs(20), |k| match k {
        EventKind::CallAnswered { call_id, .. } => Some(call_id),
        _ => None,
    })
    .await
    .expect("the agent answered");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = command(
        e,
        "m1",
        Cmd::CallMute {
            call_id: call_id.clone(),
        },
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    let muted = next_event(&mut events, Duration::from_secs(2), |k| match k {
        EventKind::CallMuted { call_id: c, muted } if c == call_id => Some(muted),
        _ => None,
    })
    .await;
    assert_eq!(muted, Some(true), "call.muted for the consoles");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = command(
        e,
        "u1",
        Cmd::CallUnmute {
            call_id: call_id.clone(),
        },
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = command(
        e,
        "x1",
        Cmd::CallHangup {
            call_id: call_id.clone(),
        },
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    assert_clean(e).await;
    // baresip closed its dumps with the call; it may go
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = child.kill();
    let _ = child.wait();
    let rc = tokio::task::spawn_blocking(move || uas.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(rc, Some(0), "agent SIPp");
    let blog = std::fs::read_to_string(bdir.join("baresip.log")).unwrap_or_default();
    let dec = std::fs::read_dir(bdir.join("rec"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .unwrap_or_else(|| panic!("baresip wrote no dec dump: {blog}"));

    // What the citizen heard, in quarter seconds: agent, silence (≈ 3 s), agent again.
    let heard = windows(&dec, t.dir.path(), None, 250);
    let agent_tone = |f: f64, rms: f64| near(f, 1000.0) && rms > 0.05;
    let silent = |_: f64, rms: f64| rms < 0.005;
    let (start, len) = longest_run(&heard, silent);
    assert!(
        (10..=15).contains(&len),
        "about 3 s of silence while muted, got {len} quarter seconds at {start}: {heard:?}"
    );
    let before = &heard[start.saturating_sub(8)..start];
    let after = &heard[start + len..(start + len + 8).min(heard.len())];
    assert!(
        before.iter().filter(|(f, r)| agent_tone(*f, *r)).count() >= 6,
        "the agent before the mute: {before:?}"
    );
    assert!(
        after.iter().filter(|(f, r)| agent_tone(*f, *r)).count() >= 6,
        "the agent after the unmute: {after:?}"
    );

    // The recording: the staff channel silent as long, the caller's channel never.
    let snap = t.store.snapshot();
    let cdr = snap.calls.last().unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    let rec = std::path::PathBuf::from(&snap.recordings.last().unwrap().path);
    let staff = windows(&rec, t.dir.path(), Some(2), 250);
    let (s_start, s_len) = longest_run(&staff, silent);
    assert!(
        (10..=15).contains(&s_len),
        "staff channel silent while muted: {s_len} at {s_start}: {staff:?}"
    );
    assert!(
        staff[s_start + s_len..]
            .iter()
            .filter(|(f, r)| agent_tone(*f, *r))
            .count()
            >= 6,
        "staff channel back after the unmute"
    );
    let caller = windows(&rec, t.dir.path(), Some(1), 250);
    let (_, c_len) = longest_run(&caller, silent);
    assert!(c_len <= 2, "the caller's channel goes on: {caller:?}");
    let rows = snap
        .events
        .iter()
        .filter(|r| r.call_id == call_id && r.kind == "call.muted")
        .count();
    assert_eq!(rows, 2, "mute and unmute in the call's events");
    e.shutdown(Duration::from_secs(1)).await;
}

/// TEL-9: the phone rings and the operator presses "answer" in the console. Before that,
/// mute is refused (nothing answered yet) and another agent cannot answer it; the engine
/// CANCELs the offer and rings the same phone again with `Call-Info: …;answer-after=0` (and
/// only that INVITE carries it); the phone, configured to honour it, picks up; the call record
/// keeps both offers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_9_answer_from_the_console_rings_again_with_auto_answer() {
    let t = start_engine(
        vec![flow()],
        vec![demo_trunk()],
        vec![agent("agent1"), agent("agent2")],
        vec![queue(
            "tthc",
            &["agent1"],
            serde_json::json!({"ring_timeout_s": 20}),
        )],
        open(),
        Clock::system(),
    )
    .await;
    let e = &t.engine;
    let sdir = t.dir.path().join("sipp");
    make_sipp_dir(&sdir);
    let agent_port = free_port();
    assert_eq!(
        register(&sdir, e.sip_addr(), "agent1", agent_port, AGENT_PASSWORD),
        Some(0)
    );
    login(e, "agent1").await;
    let mut uas = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(
            None,
            "uas_agent_auto_answer.xml",
            agent_port,
            free_port(),
            &["-m", "2", "-trace_msg"],
        ),
    );
    let mut events = e.events();
    // the caller presses its digit 4 s after the answer (its `-set dtmf_at_ms` has no effect:
    // the scenario's Global declaration wins), then waits for the engine's BYE
    let bye_from = tokio::time::Instant::now() + Duration::from_millis(6500);
    let mut uac = Sipp::start(
        &sdir,
        "caller",
        &sipp_args(
            Some(e.sip_addr()),
            "uac_ivr_engine_bye.xml",
            free_port(),
            free_port(),
            &["-s", "1800888880", "-m", "1"],
        ),
    );
    let call_id = next_event(&mut events, Duration::from_secs(20), |k| match k {
        EventKind::CallOffered {
            call_id, agent_id, ..
        } if agent_id == "agent1" => Some(call_id),
        _ => None,
    })
    .await
    .expect("offered to agent1");
    // ringing, not answered: nothing to mute; not agent2's call to answer
    tokio::time::sleep(Duration::from_millis(800)).await;
    let r = command(
        e,
        "m0",
        Cmd::CallMute {
            call_id: call_id.clone(),
        },
    )
    .await;
    match r {
        CommandReply::Error { code, message } => {
            assert_eq!(code, CommandErrorCode::InvalidState);
            assert!(message.contains("not answered"), "{message}");
        }
        ok => panic!("mute before the answer: {ok:?}"),
    }
    let r = command(
        e,
        "a2",
        Cmd::CallAnswer {
            call_id: call_id.clone(),
            agent_id: "agent2".into(),
        },
    )
    .await;
    assert!(
        matches!(&r, CommandReply::Error { code: CommandErrorCode::InvalidState, message } if message.contains("not ringing")),
        "{r:?}"
    );
    let r = command(
        e,
        "a1",
        Cmd::CallAnswer {
            call_id: call_id.clone(),
            agent_id: "agent1".into(),
        },
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    let answered = next_event(&mut events, Duration::from_secs(10), |k| match k {
        EventKind::CallAnswered {
            call_id: c,
            agent_id,
        } if c == call_id => agent_id,
        _ => None,
    })
    .await;
    assert_eq!(answered.as_deref(), Some("agent1"), "the phone picked up");
    let again = command(
        e,
        "a1-again",
        Cmd::CallAnswer {
            call_id: call_id.clone(),
            agent_id: "agent1".into(),
        },
    )
    .await;
    assert!(again.is_ok(), "a second press does no harm: {again:?}");
    tokio::time::sleep_until(bye_from).await;
    let r = command(
        e,
        "x",
        Cmd::CallHangup {
            call_id: call_id.clone(),
        },
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(20)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(rc.0, Some(0), "caller SIPp: {}", rc.1);
    let rc =
        tokio::task::spawn_blocking(move || (uas.wait(Duration::from_secs(20)), uas.log_text()))
            .await
            .unwrap();
    assert_eq!(
        rc.0,
        Some(0),
        "agent SIPp (offer CANCELled, re-offer answered): {}",
        rc.1
    );
    assert_clean(e).await;

    // The phone saw two INVITEs; only the second asked it to answer by itself.
    let messages = std::fs::read_dir(&sdir)
        .unwrap()
        .flatten()
        .filter(|f| {
            let n = f.file_name().to_string_lossy().into_owned();
            n.starts_with("uas_agent_auto_answer") && n.ends_with("_messages.log")
        })
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .collect::<String>();
    let invites: Vec<&str> = messages
        .split("INVITE sip:")
        .skip(1)
        .filter(|m| m.contains("CSeq: 1 INVITE") || m.contains("INVITE\r\n"))
        .collect();
    let hinted: Vec<&&str> = invites
        .iter()
        .filter(|m| m.contains("answer-after=0"))
        .collect();
    assert_eq!(hinted.len(), 1, "one INVITE with the hint: {messages}");
    assert!(
        hinted[0].lines().any(|l| l.starts_with("Call-Info: <sip:")
            && l.trim_end().ends_with(";answer-after=0")),
        "Call-Info: <sip:ENGINE>;answer-after=0 {}",
        hinted[0]
    );
    assert!(hinted[0].contains("info=alert-autoanswer"));
    assert!(
        invites.len() >= 2,
        "the offer, then the re-offer: {messages}"
    );

    let snap = t.store.snapshot();
    let cdr = snap.calls.iter().find(|c| c.call_id == call_id).unwrap();
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    assert_eq!(cdr.agent_id.as_deref(), Some("agent1"));
    let offers: Vec<_> = cdr
        .legs
        .iter()
        .filter(|l| l.role == LegRole::AgentOffer)
        .collect();
    assert_eq!(offers.len(), 1, "{:?}", cdr.legs);
    assert_eq!(offers[0].final_sip_code, Some(487));
    assert_eq!(
        cdr.legs.iter().filter(|l| l.role == LegRole::Agent).count(),
        1
    );
    assert!(
        snap.events
            .iter()
            .any(|r| r.call_id == call_id && r.kind == "agent.answer_requested")
    );
    e.shutdown(Duration::from_secs(1)).await;
}
