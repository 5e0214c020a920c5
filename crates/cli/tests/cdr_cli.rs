//! TEL-8 from the outside: `tongdai cdr list --format json [--since RFC3339]` prints the call
//! records of the database `serve` uses as one JSON array, newest first, with the API's field
//! names, and refuses a malformed instant with a clear message.

use chrono::{DateTime, TimeDelta, Utc};
use std::path::Path;
use std::process::{Command, Output};
use tongdai_store::testing::{backend, fresh_url};
use tongdai_store::{Backend, Store};
use tongdai_telephony::cdr::{CallRecord, HangupSide, Milestones};
use tongdai_telephony::trunk::caller_identity;
use tongdai_telephony::{EngineStore, SecretKey, SqlStore};

const BIN: &str = env!("CARGO_BIN_EXE_tongdai");

fn run(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(args);
    if let Some(u) = url {
        cmd.env("DATABASE_URL", u);
    }
    cmd.output().expect("run tongdai")
}

fn json(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON array on stdout")
}

/// A closed call answered by agent 1001 after `wait` seconds in the queue.
fn answered(id: &str, at: DateTime<Utc>, wait: i64, talk: i64) -> CallRecord {
    let who = caller_identity("0912345678", None, false, false);
    let mut r = CallRecord::arrived(
        id.into(),
        "n1".into(),
        "1800888880".into(),
        &who,
        format!("sip-{id}"),
        at,
    );
    r.queue_id = Some("tthc".into());
    r.queue_entered_at = Some(at + TimeDelta::seconds(5));
    let answer = at + TimeDelta::seconds(5 + wait);
    r.agent_id = Some("1001".into());
    r.agent_answered_at = Some(answer);
    r.close(
        Milestones {
            in_queue: true,
            agent_answered: true,
            ..Default::default()
        },
        HangupSide::Caller,
        "bye",
        answer + TimeDelta::seconds(talk),
    );
    r
}

#[tokio::test]
async fn tel_8_cdr_list_prints_the_records_as_one_json_array() {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend() {
        Backend::Postgres => Some(fresh_url().await.0),
        Backend::Sqlite => None,
    };
    // A fresh directory: the command applies the migrations itself and finds no call.
    let o = run(
        dir.path(),
        url.as_deref(),
        &["cdr", "list", "--format", "json"],
    );
    assert_eq!(json(&o), Vec::<serde_json::Value>::new());

    // Two calls written the way the engine writes them, into the same database.
    let db_url = url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("data/tongdai.db").display()));
    let store = Store::connect(&db_url).await.unwrap();
    let key = SecretKey::load_or_create(&dir.path().join("data/secrets/sip.key")).unwrap();
    let tel = SqlStore::new(store.clone(), key);
    let t0: DateTime<Utc> = "2026-12-01T02:00:00Z".parse().unwrap();
    tel.put_call(&answered("early", t0, 12, 90)).await.unwrap();
    tel.put_call(&answered("late", t0 + TimeDelta::hours(3), 40, 300))
        .await
        .unwrap();
    store.close().await;

    let all = json(&run(
        dir.path(),
        url.as_deref(),
        &["cdr", "list", "--format", "json"],
    ));
    let ids: Vec<&str> = all.iter().map(|c| c["call_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["late", "early"], "newest first");
    let late = &all[0];
    assert_eq!(late["did"], "1800888880");
    assert_eq!(late["caller_number"], "+84912345678");
    assert_eq!(late["agent_id"], "1001");
    assert_eq!(late["wait_s"], 40);
    assert_eq!(late["talk_s"], 300);
    assert_eq!(late["disposition"], "answered");

    // --since keeps the later call only (an instant with the Vietnamese offset).
    let since = json(&run(
        dir.path(),
        url.as_deref(),
        &[
            "cdr",
            "list",
            "--format",
            "json",
            "--since",
            "2026-12-01T10:00:00+07:00",
        ],
    ));
    assert_eq!(since.len(), 1);
    assert_eq!(since[0]["call_id"], "late");

    // A malformed instant is a clear error, not an empty list.
    let bad = run(
        dir.path(),
        url.as_deref(),
        &["cdr", "list", "--format", "json", "--since", "hôm qua"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}
