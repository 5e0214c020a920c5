//! Engine life cycle without SIP peers: crash recovery of CDRs and recordings (TEL-7,
//! TEL-8), flow validation before activation, console commands and their idempotency.

mod common;

use common::*;
use std::sync::Arc;
use tongdai_telephony::api::{Command, CommandReply, CommandRequest};
use tongdai_telephony::cdr::{CallRecord, CdrStatus, Disposition};
use tongdai_telephony::flow::demo_flow;
use tongdai_telephony::recording::{Channel, Recorder, verify_chain};
use tongdai_telephony::store::{CallEventRow, EngineStore};
use tongdai_telephony::{Clock, Engine, EngineConfig, EngineError, FixedHours, MemoryStore};

fn config(dir: &std::path::Path) -> EngineConfig {
    EngineConfig {
        sip_udp: std::net::SocketAddr::from(([127, 0, 0, 1], free_port())),
        rtp_ports: free_range(20),
        recordings_dir: dir.join("recordings"),
        prompts_dir: dir.join("prompts"),
        generate_prompts: false,
        ..Default::default()
    }
}

fn queues() -> Vec<tongdai_telephony::store::QueueRow> {
    vec![
        queue("tthc", &[], serde_json::json!({})),
        queue("pakn", &[], serde_json::json!({})),
        queue("general", &[], serde_json::json!({})),
    ]
}

/// A node crashed in the middle of a recorded call: on restart the CDR is closed as
/// `interrupted` at the time of its last event, and the partial recording gets its header
/// repaired, its SHA-256 and a place in the hash chain (TEL-7, TEL-8).
#[tokio::test]
async fn tel_8_crash_leaves_cdr_interrupted_and_recording_repaired() {
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let store = Arc::new(MemoryStore::new(
        vec![demo_flow("demo", &["1800888880"])],
        vec![demo_trunk()],
        vec![],
        queues(),
    ));
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-30T02:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let id = tongdai_telephony::trunk::caller_identity("0912345678", None, false, false);
    let mut rec = CallRecord::arrived(
        "01937a00-0000-7000-8000-000000000001".into(),
        "node-1".into(),
        "1800888880".into(),
        &id,
        "sip-call".into(),
        t0,
    );
    rec.agent_answered_at = Some(t0 + chrono::TimeDelta::seconds(20));
    store.put_call(&rec).await.unwrap();
    let ev = CallEventRow {
        call_id: rec.call_id.clone(),
        leg_id: None,
        seq: 1,
        at: t0 + chrono::TimeDelta::seconds(95),
        kind: "agent.answered".into(),
        data: serde_json::json!({}),
    };
    store.append_call_event(&ev).await.unwrap();
    // the partial recording the crashed node left behind (header never patched)
    let path = dir
        .path()
        .join("recordings")
        .join(format!("{}.wav", rec.call_id));
    let r = Recorder::create(&path).unwrap();
    for _ in 0..100 {
        r.push(
            Channel::Left,
            tongdai_telephony::media::g711::Law::Alaw,
            &[0x55; 160],
        );
        r.tick();
    }
    std::mem::forget(r);
    let engine = Engine::start(
        config(dir.path()),
        store.clone(),
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    .unwrap();
    let c = store.call(&rec.call_id).unwrap();
    assert_eq!(c.status, CdrStatus::Closed);
    assert_eq!(c.disposition, Some(Disposition::Interrupted));
    assert_eq!(
        c.ended_at,
        Some(t0 + chrono::TimeDelta::seconds(95)),
        "end time = last event"
    );
    let snap = store.snapshot();
    let row = snap.recordings.last().expect("recording row");
    assert!(row.repaired);
    assert_eq!(row.duration_ms, 2000);
    assert_eq!(Some(row.sha256.clone()), c.recording_sha256);
    assert_eq!(
        tongdai_telephony::recording::sha256_file(&path).unwrap(),
        row.sha256
    );
    let chain: Vec<(&str, &str, &str)> = snap
        .recordings
        .iter()
        .map(|r| (r.id.as_str(), r.sha256.as_str(), r.chain_hash.as_str()))
        .collect();
    assert_eq!(verify_chain(chain), Ok(()));
    engine.shutdown(std::time::Duration::from_secs(1)).await;
}

/// A flow whose queue can be reached without the recording notice is refused at start.
#[tokio::test]
async fn tel_flow_without_notice_is_refused_before_activation() {
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let mut flow = demo_flow("demo", &["1800888880"]);
    let greet = serde_json::json!({"type": "play", "prompts": ["loi_chao"], "next": "main"});
    flow.nodes
        .insert("greet".into(), serde_json::from_value(greet).unwrap());
    flow.nodes.remove("notice");
    let store = Arc::new(MemoryStore::new(
        vec![flow],
        vec![demo_trunk()],
        vec![],
        vec![],
    ));
    match Engine::start(
        config(dir.path()),
        store,
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    {
        Err(EngineError::InvalidFlow { flow, errors }) => {
            assert_eq!(flow, "demo");
            assert!(errors.contains("recording notice"), "{errors}");
        }
        other => panic!("expected InvalidFlow, got {other:?}"),
    }
}

/// Console commands: agents' status changes are events with increasing sequence numbers,
/// unknown targets are errors, and an idempotency key replays the first reply (TEL-5).
#[tokio::test]
async fn tel_5_agent_commands_events_and_idempotency() {
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let store = Arc::new(MemoryStore::new(
        vec![],
        vec![demo_trunk()],
        vec![agent("agent1")],
        vec![queue("tthc", &["agent1"], serde_json::json!({}))],
    ));
    let e = Engine::start(
        config(dir.path()),
        store.clone(),
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    .unwrap();
    let mut events = e.events();
    let run = |key: &str, c: Command| {
        let e = e.clone();
        let key = key.to_string();
        async move {
            e.command(CommandRequest {
                idempotency_key: key,
                command: c,
            })
            .await
        }
    };
    let lunch = tongdai_telephony::acd::strategy::AgentStatus::OnBreak("lunch".into());
    assert!(
        run(
            "k1",
            Command::AgentLogin {
                agent_id: "agent1".into()
            }
        )
        .await
        .is_ok()
    );
    let pause = Command::AgentPause {
        agent_id: "agent1".into(),
        reason: "lunch".into(),
    };
    assert!(run("k2", pause).await.is_ok());
    assert_eq!(e.agent("agent1").unwrap().0, lunch);
    // replaying k1 does not log the agent in again
    assert!(
        run(
            "k1",
            Command::AgentLogin {
                agent_id: "agent1".into()
            }
        )
        .await
        .is_ok()
    );
    assert_eq!(e.agent("agent1").unwrap().0, lunch);
    let unknown = run(
        "k3",
        Command::AgentLogin {
            agent_id: "nobody".into(),
        },
    )
    .await;
    assert!(matches!(unknown, CommandReply::Error { .. }));
    let no_call = run(
        "k4",
        Command::CallHangup {
            call_id: "none".into(),
        },
    )
    .await;
    assert!(matches!(no_call, CommandReply::Error { .. }));
    let no_wrap = run(
        "k5",
        Command::AgentEndWrapup {
            agent_id: "agent1".into(),
        },
    )
    .await;
    assert!(matches!(no_wrap, CommandReply::Error { .. }));
    let first = events.recv().await.unwrap();
    let second = events.recv().await.unwrap();
    assert!(second.seq > first.seq, "per-node sequence numbers increase");
    assert_eq!(
        serde_json::to_value(&first).unwrap()["type"],
        "agent.status"
    );
    assert_eq!(store.snapshot().agents[0].status, lunch, "status persisted");
    e.shutdown(std::time::Duration::from_secs(1)).await;
}
