//! Scale-out (issue 5 point 8, design §11): two engine nodes on one store. The operator's phone
//! registers with node A (as Kamailio would route its REGISTER); the citizen's call reaches node
//! B, whose ACD picks the operator and rings the phone through the registration A shared in
//! the store. SIPp plays the phone and the caller.

mod common;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use tongdai_telephony::Clock;
use tongdai_telephony::cdr::Disposition;
use tongdai_telephony::flow::demo_flow;
use tongdai_telephony::store::MemoryStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_4_a_phone_registered_with_one_node_is_rung_by_another() {
    let store = Arc::new(MemoryStore::new(
        vec![demo_flow("demo", &["1800888880"])],
        vec![demo_trunk()],
        vec![agent("agent1"), agent("agent2")],
        demo_queues(),
    ));
    let node = |id: &'static str| {
        move |c: &mut tongdai_telephony::EngineConfig| {
            c.node_id = id.into();
            c.registration_sync_s = 1;
        }
    };
    let a = start_engine_on(store.clone(), open(), Clock::system(), node("node-a")).await;
    let b = start_engine_on(store.clone(), open(), Clock::system(), node("node-b")).await;
    let sdir = a.dir.path().join("sipp");
    make_sipp_dir(&sdir);

    // The phone registers with A only.
    let agent_port = free_port();
    let rc = register(
        &sdir,
        a.engine.sip_addr(),
        "agent1",
        agent_port,
        AGENT_PASSWORD,
    );
    assert_eq!(rc, Some(0), "REGISTER with node A");
    assert!(
        a.engine
            .registrations()
            .iter()
            .any(|r| r.username == "agent1")
    );
    assert!(
        b.engine.registrations().is_empty(),
        "B holds no binding of its own"
    );
    // A shares it; B reads it on its next sync.
    let shared = eventually(Duration::from_secs(10), || {
        store
            .snapshot()
            .registrations
            .get("agent1")
            .is_some_and(|(node, _)| node == "node-a")
    })
    .await;
    assert!(shared, "A wrote the binding to the store");
    tokio::time::sleep(Duration::from_millis(2_500)).await;

    login(&b.engine, "agent1").await;
    let mut phone = Sipp::start(
        &sdir,
        "phone",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The call reaches B; the caller presses 1 (queue tthc, agent1).
    let mut caller = Sipp::start(
        &sdir,
        "caller",
        &sipp_args(
            Some(b.engine.sip_addr()),
            "uac_greeting_queue.xml",
            free_port(),
            free_port(),
            &[
                "-s",
                "1800888880",
                "-d",
                "3000",
                "-set",
                "dtmf_at_ms",
                "2500",
                "-m",
                "1",
            ],
        ),
    );
    let rc = tokio::task::spawn_blocking(move || {
        (caller.wait(Duration::from_secs(45)), caller.log_text())
    })
    .await
    .unwrap();
    assert_eq!(rc.0, Some(0), "caller: {}", rc.1);
    let rc = tokio::task::spawn_blocking(move || {
        (phone.wait(Duration::from_secs(20)), phone.log_text())
    })
    .await
    .unwrap();
    assert_eq!(
        rc.0,
        Some(0),
        "the phone registered with A was rung by B: {}",
        rc.1
    );
    let answered = eventually(Duration::from_secs(10), || {
        store.snapshot().calls.iter().any(|c| {
            c.disposition == Some(Disposition::Answered)
                && c.node_id == "node-b"
                && c.agent_id.as_deref() == Some("agent1")
        })
    })
    .await;
    assert!(
        answered,
        "B's call record: answered by agent1: {:?}",
        store.snapshot().calls
    );
}
