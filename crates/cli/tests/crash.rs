//! CASE-6: a restart, a crash or a clock jump never loses or doubles an escalation. The real
//! binary is killed in the middle of the escalation's transaction (nothing is kept; the job
//! stays leased and runs again after its lease), then right after its commit (the escalation
//! and the job's completion were one transaction: nothing runs again), then started again:
//! the case is escalated exactly once and its head told once.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant as Wall};
use tongdai_cases::{CaseService, CaseSettings, Origin};
use tongdai_domain::case::{
    Actor, CaseKind, CaseState, Command as CaseCommand, ContentClass, RawIntake,
};
use tongdai_domain::time::Clock;
use tongdai_store::clock::SystemClock;
use tongdai_store::files::FileStore;
use tongdai_store::testing::{backend, fresh_url};
use tongdai_store::{Backend, Store, accounts, cases, org};

const BIN: &str = env!("CARGO_BIN_EXE_tongdai");

fn start(dir: &Path, url: &str, envs: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", url)
        .env("TONGDAI_ADMIN_PASSWORD", "Mật khẩu quản trị 2026")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start tongdai serve")
}

/// Wait until the server says it listens (or exits).
fn wait_listening(child: &mut Child) {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Wall::now() + Duration::from_secs(90);
    while Wall::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains("http://")
        {
            return;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
    }
    panic!("server did not start");
}

async fn actor(store: &Store, username: &str) -> Actor {
    let mut c = store.conn().await.unwrap();
    let (account, _) = accounts::find_for_login(&mut c, username)
        .await
        .unwrap()
        .unwrap();
    Actor::staff(&accounts::principal(&mut c, &account).await.unwrap())
}

/// Run the server with its clock `offset` seconds ahead and a failpoint set, until the
/// failpoint aborts it.
fn run_until_abort(
    dir: &Path,
    url: &str,
    offset: i64,
    failpoint: &str,
) -> std::process::ExitStatus {
    let mut crashing = start(
        dir,
        url,
        &[
            ("TONGDAI_CLOCK_OFFSET_SECONDS", offset.to_string()),
            ("TONGDAI_FAILPOINTS", failpoint.into()),
        ],
    );
    let deadline = Wall::now() + Duration::from_secs(90);
    loop {
        if let Some(s) = crashing.try_wait().unwrap() {
            return s;
        }
        assert!(
            Wall::now() < deadline,
            "the server did not reach the failpoint {failpoint}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The escalation jobs in a status.
async fn escalate_jobs(store: &Store, status: &str) -> i64 {
    let mut c = store.conn().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'case.escalate' AND status = $1")
        .bind(status)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

async fn escalations(store: &Store, case_id: i64) -> usize {
    let mut c = store.conn().await.unwrap();
    cases::history(&mut c, case_id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "escalated")
        .count()
}

#[tokio::test]
async fn killing_the_server_mid_escalation_neither_loses_nor_doubles_it_case_6() {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend() {
        Backend::Postgres => fresh_url().await.0,
        Backend::Sqlite => format!("sqlite://{}/data/tongdai.db", dir.path().display()),
    };
    // A first start creates the database and the demo organisation.
    let mut first = start(dir.path(), &url, &[]);
    wait_listening(&mut first);
    first.kill().unwrap();
    first.wait().unwrap();

    // A case is received and forwarded now (real time).
    let store = Store::connect(&url).await.unwrap();
    let clock = SystemClock::shared();
    let files = tempfile::tempdir().unwrap();
    let service = CaseService::new(
        store.clone(),
        clock.clone() as Arc<dyn Clock>,
        FileStore::new(files.path()),
        CaseSettings::default(),
    );
    let (province, agency) = {
        let mut c = store.conn().await.unwrap();
        let p = org::tenant_by_code(&mut c, "tinh-an-giang")
            .await
            .unwrap()
            .unwrap()
            .id;
        let a = org::agencies(&mut c, None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.code == "vp-hdnd-ubnd" && a.name.contains("An Châu"))
            .unwrap()
            .id;
        (p, a)
    };
    let raw = RawIntake {
        caller_name: "Lê Văn Tám".into(),
        phone: "0988 123 456".into(),
        address: "xã An Châu".into(),
        channel: "phone".into(),
        kind: "phan_anh".into(),
        content: "Cán bộ tiếp nhận hồ sơ yêu cầu nộp thêm giấy tờ không có trong quy định.".into(),
        notice_version: "2026-01".into(),
        ..Default::default()
    };
    let received = service
        .intake(
            &actor(&store, "tongdai1").await,
            province,
            raw,
            &[],
            &Origin::default(),
        )
        .await
        .unwrap();
    let id = received.case.id;
    let coordinator = actor(&store, "dieuphoi").await;
    service
        .decide(
            id,
            &coordinator,
            &CaseCommand::Classify {
                kind: CaseKind::PhanAnh,
                class: Some(ContentClass::ChamTreSachNhieu),
                field_id: None,
                pressing: false,
                complex: false,
            },
            None,
        )
        .await
        .unwrap();
    let (case, _) = service
        .decide(
            id,
            &coordinator,
            &CaseCommand::Forward {
                lead_agency_id: agency,
                other_agency_ids: vec![],
                note: None,
            },
            None,
        )
        .await
        .unwrap();
    let due = case.clocks.focal.as_ref().unwrap().due_at;
    let to_due = (due - clock.now()).num_seconds();

    // The server starts a minute after the deadline and dies inside the escalation's
    // transaction (the failpoint aborts the process just before the commit).
    let status = run_until_abort(
        dir.path(),
        &url,
        to_due + 60,
        "case.system_batch.before_commit",
    );
    assert!(!status.success(), "the process was aborted");
    assert_eq!(
        escalations(&store, id).await,
        0,
        "nothing of the aborted transaction is kept"
    );
    assert_eq!(
        escalate_jobs(&store, "running").await,
        1,
        "the job is still leased by the dead process"
    );

    // Restarted after the job's lease (2 minutes) has passed: the job runs again, escalates
    // and marks itself done in one commit, and the process dies right after it.
    let status = run_until_abort(
        dir.path(),
        &url,
        to_due + 60 + 300,
        "case.escalate.after_commit",
    );
    assert!(!status.success(), "the process was aborted");
    assert_eq!(
        escalations(&store, id).await,
        1,
        "the escalation was committed"
    );
    assert_eq!(
        escalate_jobs(&store, "done").await,
        1,
        "the job was done in the escalation's own transaction"
    );

    // Started again after another lease: nothing is left to run, nothing runs twice.
    let mut again = start(
        dir.path(),
        &url,
        &[(
            "TONGDAI_CLOCK_OFFSET_SECONDS",
            (to_due + 60 + 600).to_string(),
        )],
    );
    wait_listening(&mut again);
    let deadline = Wall::now() + Duration::from_secs(60);
    loop {
        let mut c = store.conn().await.unwrap();
        let running: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'case.escalate' AND status <> 'done'",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        if running == 0 {
            break;
        }
        assert!(
            Wall::now() < deadline,
            "the restarted server did not finish the job"
        );
        drop(c);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    again.kill().unwrap();
    again.wait().unwrap();
    assert_eq!(escalations(&store, id).await, 1, "escalated exactly once");
    let (case, _) = service.load(id).await.unwrap();
    assert_eq!(case.state, CaseState::Escalated);
    // The head was told once.
    let mut c = store.conn().await.unwrap();
    let (head, _) = accounts::find_for_login(&mut c, "truong.anchau")
        .await
        .unwrap()
        .unwrap();
    let told = tongdai_store::notifications::latest(&mut c, head.id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "escalated")
        .count();
    assert_eq!(told, 1);
}
