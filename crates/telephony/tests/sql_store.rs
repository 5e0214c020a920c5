//! The SQL [`EngineStore`] on the product's database (SQLite by default, PostgreSQL with
//! `TONGDAI_TEST_BACKEND=postgres`): round trips of every row type, the atomic agent
//! reservation between two "nodes", SIP secrets sealed at rest, and the engine itself on the
//! SQL store — crash recovery (`interrupted`, TEL-8), console commands, and SIPp scenario
//! a+b (greeting, DTMF, queue, registered agent, recording, CDR) with the rows read back
//! from the database.

mod common;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use tongdai_store::testing::TestDb;
use tongdai_telephony::acd::strategy::{AgentState, AgentStatus};
use tongdai_telephony::api::{Command, CommandRequest};
use tongdai_telephony::cdr::{CallRecord, CdrStatus, Disposition, LegRecord, LegRole};
use tongdai_telephony::flow::demo_flow;
use tongdai_telephony::recording::verify_chain;
use tongdai_telephony::store::admin::{AgentInput, CallFilter, check_flow};
use tongdai_telephony::store::{
    CallEventRow, CallbackReason, CallbackTaskRow, EngineStore, NodeRow, QueueEntryRow,
    RecordingRow, SecretKey, SqlStore, VoicemailRow,
};
use tongdai_telephony::{Clock, Engine, EngineConfig, FixedHours};

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

async fn sql_store(db: &TestDb) -> SqlStore {
    SqlStore::new(db.store.clone(), SecretKey::random())
}

fn agent_input(id: &str) -> AgentInput {
    AgentInput {
        id: id.into(),
        display_name: format!("Agent {id}"),
        sip_username: id.into(),
        sip_password: Some(AGENT_PASSWORD.into()),
        account_id: None,
        wrap_up_s: Some(0),
    }
}

/// Load the interop tests' demo configuration into the SQL store.
async fn load_demo(s: &SqlStore, agents: &[&str], tthc: &[&str]) {
    let now = chrono::Utc::now();
    for a in agents {
        s.put_agent(&agent_input(a), now).await.unwrap();
    }
    s.put_trunk(&demo_trunk(), now).await.unwrap();
    for q in [
        queue("tthc", tthc, serde_json::json!({})),
        queue("pakn", &[], serde_json::json!({})),
        queue("general", &[], serde_json::json!({})),
    ] {
        s.put_queue(&q, now).await.unwrap();
    }
    let v = s
        .save_flow(&demo_flow("demo", &["1800888880"]), "demo", None, now)
        .await
        .unwrap();
    assert!(s.activate_flow("demo", v, now).await.unwrap());
}

fn config(dir: &std::path::Path) -> EngineConfig {
    EngineConfig {
        sip_udp: std::net::SocketAddr::from(([127, 0, 0, 1], free_port())),
        rtp_ports: free_range(40),
        recordings_dir: dir.join("recordings"),
        prompts_dir: dir.join("prompts"),
        generate_prompts: false,
        staff_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    }
}

/// TEL-4 / issue 5 point 1: `reserve_agent` is one conditional UPDATE; of two nodes (two
/// connection pools) racing for the same idle agent, exactly one wins, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_4_two_nodes_never_reserve_the_same_agent() {
    let db = TestDb::new().await;
    let a = sql_store(&db).await;
    // a second pool on the same database = a second node
    let other = tongdai_store::Store::connect(&db.url).await.unwrap();
    let b = SqlStore::new(other, SecretKey::random());
    let now = chrono::Utc::now();
    for i in 0..5 {
        a.put_agent(&agent_input(&format!("a{i}")), now)
            .await
            .unwrap();
    }
    for round in 0..5 {
        let id = format!("a{round}");
        let mut tasks = Vec::new();
        for n in 0..8 {
            let s = if n % 2 == 0 { a.clone() } else { b.clone() };
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                s.reserve_agent(&id, &format!("call-{n}"), &format!("node-{}", n % 2), now)
                    .await
                    .unwrap()
            }));
        }
        let mut won = 0;
        for t in tasks {
            if t.await.unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "round {round}: exactly one reservation succeeds");
    }
    // freed, it can be reserved again; a retired agent cannot
    a.set_agent_state("a0", AgentState::Idle, None)
        .await
        .unwrap();
    assert!(b.reserve_agent("a0", "c9", "node-1", now).await.unwrap());
    assert!(a.delete_agent("a1").await.unwrap());
    a.set_agent_state("a1", AgentState::Idle, None)
        .await
        .unwrap();
    assert!(!a.reserve_agent("a1", "c9", "node-1", now).await.unwrap());
    assert!(
        !a.reserve_agent("nobody", "c9", "node-1", now)
            .await
            .unwrap()
    );
    // a restarting node releases what it held, and only that
    let before = a.agent_list().await.unwrap();
    let held = |l: &[tongdai_telephony::store::admin::AgentAdmin], node: &str| {
        l.iter()
            .filter(|x| x.node_id.as_deref() == Some(node) && x.state != AgentState::Idle)
            .count() as u64
    };
    let (h1, h0) = (held(&before, "node-1"), held(&before, "node-0"));
    assert!(h1 >= 1);
    assert_eq!(b.release_node_agents("node-1").await.unwrap(), h1);
    let after = a.agent_list().await.unwrap();
    assert_eq!(held(&after, "node-1"), 0);
    assert_eq!(
        held(&after, "node-0"),
        h0,
        "the other node's reservations stay"
    );
}

/// Configuration rows round-trip; SIP passwords are sealed in the database and open only
/// with the installation's key.
#[tokio::test]
async fn tel_3_configuration_round_trips_and_secrets_are_sealed() {
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    load_demo(&s, &["agent1", "agent2"], &["agent1", "agent2"]).await;
    let mut trunk = demo_trunk();
    trunk.id = "carrier".into();
    trunk.registration = Some(tongdai_telephony::trunk::TrunkRegistration {
        registrar: "127.0.0.1:5999".into(),
        username: "hotline".into(),
        password: "trunk-secret-pw".into(),
        expires_s: 600,
    });
    s.put_trunk(&trunk, chrono::Utc::now()).await.unwrap();

    let agents = s.agents().await.unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0].sip_password, AGENT_PASSWORD);
    assert_eq!(agents[0].status, AgentStatus::LoggedOut);
    let trunks = s.trunks().await.unwrap();
    assert_eq!(trunks.len(), 2);
    let back = trunks.iter().find(|t| t.id == "carrier").unwrap();
    assert_eq!(back, &trunk);
    assert_eq!(
        trunks.iter().find(|t| t.id == "demo").unwrap(),
        &demo_trunk()
    );
    // nothing in the database shows the secrets
    let mut c = db.store.conn().await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT sip_password FROM agents UNION ALL SELECT registration_password FROM trunks \
         UNION ALL SELECT config FROM trunks",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert!(
        stored
            .iter()
            .all(|v| !v.contains(AGENT_PASSWORD) && !v.contains("trunk-secret-pw"))
    );
    drop(c);
    let other_key = SqlStore::new(db.store.clone(), SecretKey::random());
    assert!(
        other_key.agents().await.is_err(),
        "another key cannot open them"
    );

    let queues = s.queues().await.unwrap();
    let tthc = queues.iter().find(|q| q.id == "tthc").unwrap();
    assert_eq!(
        tthc,
        &queue("tthc", &["agent1", "agent2"], serde_json::json!({}))
    );
    // editing an agent without a password keeps it; the engine state is kept too
    s.set_agent_state("agent1", AgentState::InCall, Some("c1"))
        .await
        .unwrap();
    let mut edit = agent_input("agent1");
    edit.sip_password = None;
    edit.display_name = "Lê Văn Tổng Đài".into();
    s.put_agent(&edit, chrono::Utc::now()).await.unwrap();
    let a1 = s.agent("agent1").await.unwrap().unwrap();
    assert_eq!(a1.sip_password, AGENT_PASSWORD);
    assert_eq!(a1.display_name, "Lê Văn Tổng Đài");
    assert_eq!(a1.state, AgentState::InCall);
    let mut new = agent_input("agent3");
    new.sip_password = None;
    assert!(s.put_agent(&new, chrono::Utc::now()).await.is_err());

    // flow versions: only the active one is loaded by the engine
    let flows = s.flows().await.unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].version, 1);
    let mut f2 = demo_flow("demo", &["1800.888.880"]);
    f2.start = "hours".into();
    let v2 = s
        .save_flow(&f2, "draft", None, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(v2, 2);
    assert_eq!(s.flows().await.unwrap()[0].version, 1, "draft not active");
    let (doc, active) = s.flow_document("demo", None).await.unwrap().unwrap();
    assert!(!active);
    assert_eq!(doc.dids, vec!["1800888880".to_string()], "DIDs normalised");
    assert!(
        s.activate_flow("demo", 2, chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !s.activate_flow("demo", 9, chrono::Utc::now())
            .await
            .unwrap()
    );
    let flows = s.flows().await.unwrap();
    assert_eq!((flows.len(), flows[0].version), (1, 2));
    assert_eq!(s.flow_versions().await.unwrap().len(), 2);
}

/// Runtime rows: queue entries, events, CDR with legs, recordings in chain order,
/// callbacks, voicemails, node heartbeats (TEL-7, TEL-8, TEL-11).
#[tokio::test]
async fn tel_8_runtime_rows_round_trip() {
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    let t0 = t("2026-11-30T02:00:00Z");
    let e = QueueEntryRow {
        call_id: "c1".into(),
        queue_id: "tthc".into(),
        node_id: "n1".into(),
        caller_number: "+84912345678".into(),
        enqueued_at: t0,
        priority: 0,
    };
    s.put_queue_entry(&e).await.unwrap();
    s.put_queue_entry(&e).await.unwrap();
    s.remove_queue_entry("c1").await.unwrap();
    let mut c = db.store.conn().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_entries")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(n, 0);
    drop(c);

    let id = tongdai_telephony::trunk::caller_identity("0912345678", None, false, false);
    let mut rec = CallRecord::arrived(
        "c1".into(),
        "n1".into(),
        "1800888880".into(),
        &id,
        "sip-1".into(),
        t0,
    );
    rec.vars.insert("topic".into(), "pakn".into());
    rec.legs.push(LegRecord {
        leg_id: "l1".into(),
        role: LegRole::Caller,
        target: "+84912345678".into(),
        started_at: t0,
        answered_at: Some(t0),
        ended_at: None,
        final_sip_code: None,
        initiated_by: None,
    });
    s.put_call(&rec).await.unwrap();
    assert_eq!(s.open_calls("n1").await.unwrap(), vec![rec.clone()]);
    assert!(s.open_calls("n2").await.unwrap().is_empty());
    for seq in 1..=3u64 {
        s.append_call_event(&CallEventRow {
            call_id: "c1".into(),
            leg_id: Some("l1".into()),
            seq,
            at: t0 + chrono::TimeDelta::seconds(seq as i64 * 10),
            kind: "x".into(),
            data: serde_json::json!({"n": seq}),
        })
        .await
        .unwrap();
    }
    assert_eq!(
        s.last_event_at("c1").await.unwrap(),
        Some(t0 + chrono::TimeDelta::seconds(30))
    );
    assert_eq!(s.last_event_at("none").await.unwrap(), None);
    assert_eq!(s.call_events("c1").await.unwrap().len(), 3);
    rec.legs[0].ended_at = Some(t0 + chrono::TimeDelta::seconds(40));
    rec.legs[0].final_sip_code = Some(200);
    rec.interrupt(t0 + chrono::TimeDelta::seconds(40));
    s.put_call(&rec).await.unwrap();
    assert!(s.open_calls("n1").await.unwrap().is_empty());
    assert_eq!(s.call("c1").await.unwrap().unwrap(), rec);
    let listed = s
        .list_calls(&CallFilter {
            since: Some(t0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed, vec![rec.clone()]);
    assert!(
        s.list_calls(&CallFilter {
            since: Some(t0 + chrono::TimeDelta::seconds(1)),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
    );

    assert_eq!(s.last_recording_chain_hash().await.unwrap(), None);
    let mut prev = None;
    for i in 0..3 {
        let id = format!("r{i}");
        let sha = format!("{i:064}");
        let chain = tongdai_telephony::recording::chain_hash(prev.as_deref(), &id, &sha);
        s.put_recording(&RecordingRow {
            id: id.clone(),
            call_id: "c1".into(),
            path: format!("/x/{id}.wav"),
            bytes: 44 + i,
            duration_ms: 1000,
            sha256: sha,
            prev_chain_hash: prev.clone(),
            chain_hash: chain.clone(),
            started_at: t0,
            closed_at: t0,
            repaired: i == 1,
        })
        .await
        .unwrap();
        assert_eq!(
            s.last_recording_chain_hash().await.unwrap(),
            Some(chain.clone())
        );
        prev = Some(chain);
    }
    let chain = s.recording_chain().await.unwrap();
    assert_eq!(
        verify_chain(
            chain
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        ),
        Ok(())
    );
    assert!(s.recording("r1").await.unwrap().unwrap().row.repaired);

    s.put_callback_task(&CallbackTaskRow {
        id: "cb1".into(),
        call_id: "c1".into(),
        number: "+84912345678".into(),
        did: "1800888880".into(),
        queue_id: Some("tthc".into()),
        reason: CallbackReason::AbandonedInQueue,
        created_at: t0,
    })
    .await
    .unwrap();
    let cbs = s.open_callbacks(10).await.unwrap();
    assert_eq!(cbs.len(), 1);
    assert_eq!(cbs[0].task.reason, CallbackReason::AbandonedInQueue);
    s.put_voicemail(&VoicemailRow {
        id: "v1".into(),
        call_id: "c1".into(),
        number: "+84912345678".into(),
        path: "/x/v1.wav".into(),
        duration_ms: 5000,
        sha256: "ab".into(),
        created_at: t0,
    })
    .await
    .unwrap();

    for (node, at) in [("n1", t0), ("n2", t0 + chrono::TimeDelta::seconds(60))] {
        s.heartbeat(&NodeRow {
            node_id: node.into(),
            sip_addr: "127.0.0.1:5060".into(),
            heartbeat_at: at,
            draining: false,
        })
        .await
        .unwrap();
    }
    assert_eq!(
        s.stale_nodes(t0 + chrono::TimeDelta::seconds(30))
            .await
            .unwrap(),
        vec!["n1".to_string()]
    );
}

/// TEL-2, TEL-3: an administrator's flow document is checked before it can be activated;
/// the problems are listed in Vietnamese.
#[test]
fn tel_2_flow_documents_are_checked_in_vietnamese() {
    let prompts: Vec<&str> = tongdai_telephony::flow::DEMO_PROMPTS
        .iter()
        .map(|p| p.0)
        .collect();
    let queues = ["tthc", "pakn", "general"];
    let ok = serde_json::to_string(&demo_flow("demo", &["1800888880"])).unwrap();
    assert!(check_flow(&ok, |p| prompts.contains(&p), |q| queues.contains(&q)).is_ok());
    let errs = check_flow(&ok, |p| prompts.contains(&p), |q| q != "tthc").unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("hàng đợi «tthc»")),
        "{errs:?}"
    );
    let errs = check_flow("{ not json", |_| true, |_| true).unwrap_err();
    assert!(errs[0].contains("JSON"), "{errs:?}");
    let mut f = demo_flow("demo", &["1800888880"]);
    f.nodes.remove("notice");
    let greet = serde_json::json!({"type": "play", "prompts": ["loi_chao"], "next": "main"});
    f.nodes
        .insert("greet".into(), serde_json::from_value(greet).unwrap());
    let errs = check_flow(
        &serde_json::to_string(&f).unwrap(),
        |p| prompts.contains(&p),
        |_| true,
    )
    .unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("thông báo ghi âm")),
        "{errs:?}"
    );
}

/// TEL-8 on the SQL store: a node crashed during a call; on restart the CDR is closed as
/// `interrupted` at its last event, and the agent it had bridged is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_8_sql_crash_closes_call_interrupted_and_frees_agent() {
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    load_demo(&s, &["agent1"], &["agent1"]).await;
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let t0 = t("2026-11-30T02:00:00Z");
    let id = tongdai_telephony::trunk::caller_identity("0912345678", None, false, false);
    let mut rec = CallRecord::arrived(
        "01937a00-0000-7000-8000-000000000001".into(),
        "node-1".into(),
        "1800888880".into(),
        &id,
        "sip-call".into(),
        t0,
    );
    rec.agent_id = Some("agent1".into());
    rec.agent_answered_at = Some(t0 + chrono::TimeDelta::seconds(20));
    s.put_call(&rec).await.unwrap();
    s.append_call_event(&CallEventRow {
        call_id: rec.call_id.clone(),
        leg_id: None,
        seq: 1,
        at: t0 + chrono::TimeDelta::seconds(95),
        kind: "agent.answered".into(),
        data: serde_json::json!({}),
    })
    .await
    .unwrap();
    assert!(
        s.reserve_agent("agent1", &rec.call_id, "node-1", t0)
            .await
            .unwrap()
    );
    s.set_agent_state("agent1", AgentState::InCall, Some(&rec.call_id))
        .await
        .unwrap();

    let engine = Engine::start(
        config(dir.path()),
        Arc::new(s.clone()),
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    .unwrap();
    let c = s.call(&rec.call_id).await.unwrap().unwrap();
    assert_eq!(c.status, CdrStatus::Closed);
    assert_eq!(c.disposition, Some(Disposition::Interrupted));
    assert_eq!(c.ended_at, Some(t0 + chrono::TimeDelta::seconds(95)));
    assert!(s.open_calls("node-1").await.unwrap().is_empty());
    assert_eq!(
        engine.agent("agent1").map(|a| a.1),
        Some(AgentState::Idle),
        "the agent of the lost call is offered again"
    );
    assert_eq!(
        s.agent("agent1").await.unwrap().unwrap().state,
        AgentState::Idle
    );
    // console commands persist the agent's status in the database
    let r = engine
        .command(CommandRequest {
            idempotency_key: "k1".into(),
            command: Command::AgentLogin {
                agent_id: "agent1".into(),
            },
        })
        .await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(
        s.agent("agent1").await.unwrap().unwrap().status,
        AgentStatus::Available
    );
    engine.shutdown(Duration::from_secs(1)).await;
}

/// SIPp scenario a+b on the SQL store (TEL-2…TEL-5, TEL-7, TEL-8): greeting, RFC 4733 digit,
/// queue `tthc`, the digest-registered agent answers, the call is recorded; the CDR, its
/// legs, the events, the recording row and the agent's state are read back from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_sql_sipp_greeting_queue_agent_recording_cdr() {
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    load_demo(&s, &["agent1"], &["agent1"]).await;
    let dir = tempfile::tempdir().unwrap();
    make_prompts(&dir.path().join("prompts"), "1");
    let mut cfg = config(dir.path());
    cfg.rtp_ports = free_range(200);
    let e = Engine::start(cfg, Arc::new(s.clone()), open(), Clock::system())
        .await
        .unwrap();
    let sdir = dir.path().join("sipp");
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
    let mut r = Sipp::start(&sdir, "register", &reg);
    assert_eq!(
        r.wait(Duration::from_secs(15)),
        Some(0),
        "REGISTER with the password opened from the database"
    );
    let login = e
        .command(CommandRequest {
            idempotency_key: "login".into(),
            command: Command::AgentLogin {
                agent_id: "agent1".into(),
            },
        })
        .await;
    assert!(login.is_ok());
    let mut uas = Sipp::start(
        &sdir,
        "agent",
        &sipp_args(None, "uas_agent.xml", agent_port, free_port(), &["-m", "1"]),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut uac = Sipp::start(
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
                "4000",
                "-set",
                "dtmf_at_ms",
                "2500",
                "-m",
                "1",
            ],
        ),
    );
    let rc =
        tokio::task::spawn_blocking(move || (uac.wait(Duration::from_secs(45)), uac.log_text()))
            .await
            .unwrap();
    assert_eq!(rc.0, Some(0), "caller SIPp failed: {}", rc.1);
    let rc2 = tokio::task::spawn_blocking(move || uas.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(rc2, Some(0), "agent SIPp failed");
    let settled = eventually(Duration::from_secs(10), || {
        let st = e.stats();
        st.active_calls == 0 && st.rtp_ports_in_use == 0 && st.recorders == 0
    })
    .await;
    assert!(settled, "{:?}", e.stats());
    // the last writes are asynchronous: wait for the closed CDR
    let mut cdr = None;
    for _ in 0..50 {
        let calls = s.list_calls(&CallFilter::default()).await.unwrap();
        if let Some(c) = calls.first().filter(|c| c.status == CdrStatus::Closed) {
            cdr = Some(c.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cdr = cdr.expect("a closed CDR in the database");
    assert_eq!(cdr.disposition, Some(Disposition::Answered), "{cdr:?}");
    assert_eq!(cdr.ivr_path, "1");
    assert_eq!(cdr.queue_id.as_deref(), Some("tthc"));
    assert_eq!(cdr.agent_id.as_deref(), Some("agent1"));
    assert_eq!(cdr.caller_number, "+84912345678");
    assert!(cdr.notice_played_at.is_some());
    assert!(cdr.legs.iter().any(|l| l.role == LegRole::Caller));
    assert!(
        cdr.legs
            .iter()
            .any(|l| l.role == LegRole::Agent && l.target == "agent1"),
        "{:?}",
        cdr.legs
    );
    assert!(!s.call_events(&cdr.call_id).await.unwrap().is_empty());
    let rid = cdr.recording_id.clone().expect("recorded");
    let rec = s.recording(&rid).await.unwrap().expect("recording row");
    assert_eq!(Some(rec.row.sha256.clone()), cdr.recording_sha256);
    assert_eq!(
        tongdai_telephony::recording::sha256_file(std::path::Path::new(&rec.row.path)).unwrap(),
        rec.row.sha256
    );
    let mut c = db.store.conn().await.unwrap();
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_entries")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(waiting, 0, "the queue entry was removed");
    drop(c);
    let a = s.agent("agent1").await.unwrap().unwrap();
    assert_eq!(
        a.state,
        AgentState::Idle,
        "wrap-up 0: idle again in the database"
    );
    e.shutdown(Duration::from_secs(2)).await;
}

/// TEL-7, SEC-3: the retention job deletes recordings older than the period, each with an
/// audit row, keeps the ones under legal hold, and keeps every row (the chain stays whole).
#[tokio::test]
async fn tel_7_retention_deletes_expired_recordings_except_legal_hold() {
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let now = t("2027-12-01T03:00:00Z");
    let mut prev = None;
    for (id, closed) in [
        ("old", "2026-10-01T03:00:00Z"),
        ("held", "2026-10-02T03:00:00Z"),
        ("recent", "2027-11-01T03:00:00Z"),
    ] {
        let path = dir.path().join(format!("{id}.wav"));
        std::fs::write(&path, b"RIFF").unwrap();
        let sha = format!("{:064}", id.len());
        let chain = tongdai_telephony::recording::chain_hash(prev.as_deref(), id, &sha);
        s.put_recording(&RecordingRow {
            id: id.into(),
            call_id: format!("call-{id}"),
            path: path.display().to_string(),
            bytes: 4,
            duration_ms: 1,
            sha256: sha,
            prev_chain_hash: prev.clone(),
            chain_hash: chain.clone(),
            started_at: t(closed),
            closed_at: t(closed),
            repaired: false,
        })
        .await
        .unwrap();
        prev = Some(chain);
    }
    assert!(
        s.set_legal_hold("held", true, "Thanh tra vụ việc 12/2027")
            .await
            .unwrap()
    );
    assert!(!s.set_legal_hold("none", true, "x").await.unwrap());
    let r = tongdai_telephony::store::retention::purge_expired(&s, now, 12)
        .await
        .unwrap();
    assert_eq!(r.deleted, 1);
    assert!(!dir.path().join("old.wav").exists());
    assert!(
        dir.path().join("held.wav").exists(),
        "legal hold blocks deletion"
    );
    assert!(dir.path().join("recent.wav").exists());
    let old = s.recording("old").await.unwrap().unwrap();
    assert_eq!(old.deleted_at, Some(now));
    assert!(s.recording("held").await.unwrap().unwrap().legal_hold);
    let again = tongdai_telephony::store::retention::purge_expired(&s, now, 12)
        .await
        .unwrap();
    assert_eq!(again.deleted, 0, "idempotent");
    let mut c = db.store.conn().await.unwrap();
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT target FROM audit_log WHERE action = 'recording.delete.retention'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert_eq!(audited, vec!["recording:old".to_string()]);
    drop(c);
    assert_eq!(s.recording_chain().await.unwrap().len(), 3, "rows are kept");
    // released from hold, it goes at the next run
    assert!(s.set_legal_hold("held", false, "").await.unwrap());
    let r = tongdai_telephony::store::retention::purge_expired(&s, now, 12)
        .await
        .unwrap();
    assert_eq!(r.deleted, 1);
}

/// Issue 5 point 2: the demo telephony data is loaded once, next to the demo organisation:
/// agents 1001/1002 linked to the operators `tongdai1`/`tongdai2`, the trunk accepting
/// 127.0.0.1 for the three hotline numbers, the demo flow active and valid, three queues.
#[tokio::test]
async fn tel_demo_data_links_operators_and_serves_the_hotline() {
    let db = TestDb::new().await;
    let now = chrono::Utc::now();
    tongdai_store::demo::seed(&db.store, "demo-pw-123456", now)
        .await
        .unwrap();
    let s = sql_store(&db).await;
    let r = tongdai_telephony::store::demo::seed(&s, "sip-pw", now)
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(r.agents.len(), 2);
    assert!(
        tongdai_telephony::store::demo::seed(&s, "sip-pw", now)
            .await
            .unwrap()
            .is_none(),
        "only once"
    );
    let agents = s.agent_list().await.unwrap();
    assert_eq!(agents.len(), 2);
    let mut c = db.store.conn().await.unwrap();
    for (username, ext) in [("tongdai1", "1001"), ("tongdai2", "1002")] {
        let id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
            .bind(username)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(s.agent_of_account(id).await.unwrap().as_deref(), Some(ext));
    }
    drop(c);
    assert_eq!(
        s.agent("1001").await.unwrap().unwrap().sip_password,
        "sip-pw"
    );
    let trunks = s.trunks().await.unwrap();
    assert!(trunks[0].allows("127.0.0.1".parse().unwrap()));
    assert_eq!(
        trunks[0].dids,
        vec!["1800888880", "1800888889", "1800888898"]
    );
    let flows = s.flows().await.unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].dids.len(), 3);
    let prompts: Vec<&str> = tongdai_telephony::flow::DEMO_PROMPTS
        .iter()
        .map(|p| p.0)
        .collect();
    let queues: Vec<String> = s
        .queues()
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(queues, vec!["general", "pakn", "tthc"]);
    let doc = serde_json::to_string(&flows[0]).unwrap();
    assert!(
        check_flow(
            &doc,
            |p| prompts.contains(&p),
            |q| queues.iter().any(|x| x == q)
        )
        .is_ok()
    );
}

/// Issue 5 point 8 (design §11): phones' registrations shared through the database. Each node
/// writes the bindings it holds and reads the others'; a phone that moved keeps the node of its
/// latest REGISTER; a node forgets only its own rows.
#[tokio::test]
async fn tel_4_registrations_are_shared_between_nodes() {
    use tongdai_telephony::store::Registration;
    let db = TestDb::new().await;
    let s = sql_store(&db).await;
    let now = chrono::Utc::now();
    let reg = |user: &str, port: u16, ttl: i64| Registration {
        username: user.into(),
        contact: format!("sip:{user}@127.0.0.1:{port}"),
        source: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        expires_at_unix: now.timestamp() + ttl,
    };
    s.sync_registrations("a", &[reg("1001", 5071, 60), reg("1002", 5072, 60)], now)
        .await
        .unwrap();
    let seen_by_b = s.remote_registrations("b", now).await.unwrap();
    assert_eq!(
        seen_by_b
            .iter()
            .map(|r| r.username.as_str())
            .collect::<Vec<_>>(),
        ["1001", "1002"]
    );
    assert_eq!(seen_by_b[0].source.port(), 5071);
    assert!(
        s.remote_registrations("a", now).await.unwrap().is_empty(),
        "not its own"
    );

    // 1001 re-registers with B (later expiry): B holds it now, and A syncing its older binding
    // does not take it back.
    s.sync_registrations("b", &[reg("1001", 6001, 120)], now)
        .await
        .unwrap();
    s.sync_registrations("a", &[reg("1001", 5071, 60), reg("1002", 5072, 60)], now)
        .await
        .unwrap();
    let seen_by_a = s.remote_registrations("a", now).await.unwrap();
    assert_eq!(seen_by_a.len(), 1);
    assert_eq!(
        seen_by_a[0].source.port(),
        6001,
        "1001 rung through B's binding"
    );

    // A's phones unregister: A forgets its rows, not B's.
    s.sync_registrations("a", &[], now).await.unwrap();
    let seen_by_c = s.remote_registrations("c", now).await.unwrap();
    assert_eq!(
        seen_by_c
            .iter()
            .map(|r| r.username.as_str())
            .collect::<Vec<_>>(),
        ["1001"]
    );
    // Expired bindings are not offered.
    let later = now + chrono::Duration::seconds(121);
    assert!(s.remote_registrations("c", later).await.unwrap().is_empty());
}
