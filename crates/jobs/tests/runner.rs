//! The runner on a real database: jobs run once, failures retry with back-off, a crashed
//! worker's job is taken over after its lease, fatal errors fail for good, and a kind this
//! runner has no handler for waits for a runner that has one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tongdai_domain::time::Clock;
use tongdai_jobs::{JobError, Runner};
use tongdai_store::clock::SystemClock;
use tongdai_store::jobs::{self, JobStatus, NewJob};
use tongdai_store::testing::TestDb;

#[tokio::test]
async fn runs_retries_and_takes_over_after_a_crash() {
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runs = Arc::new(AtomicUsize::new(0));
    let fails_left = Arc::new(AtomicUsize::new(2));
    let (r, f) = (runs.clone(), fails_left.clone());
    let runner = Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w1").handle(
        "flaky",
        move |_job, _ctx| {
            let (r, f) = (r.clone(), f.clone());
            async move {
                r.fetch_add(1, Ordering::SeqCst);
                if f.load(Ordering::SeqCst) > 0 {
                    f.fetch_sub(1, Ordering::SeqCst);
                    return Err(JobError::Retry("smtp down".into()));
                }
                Ok(())
            }
        },
    );
    let id = runner
        .enqueue(NewJob::new("flaky", serde_json::json!({}), clock.now()))
        .await
        .unwrap()
        .unwrap();
    let first = runner.run_pending().await.unwrap();
    assert_eq!((first.done, first.retried), (0, 1));
    // Nothing happens before the back-off ends.
    assert_eq!(runner.run_pending().await.unwrap().retried, 0);
    clock.advance(chrono::Duration::seconds(31));
    assert_eq!(runner.run_pending().await.unwrap().retried, 1);
    clock.advance(chrono::Duration::seconds(61));
    assert_eq!(runner.run_pending().await.unwrap().done, 1);
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        jobs::status(&mut c, id).await.unwrap(),
        Some(JobStatus::Done)
    );
    drop(c);

    // A worker that claimed a job and died: another takes it once the lease has expired.
    let id2 = runner
        .enqueue(NewJob::new("flaky", serde_json::json!({}), clock.now()))
        .await
        .unwrap()
        .unwrap();
    {
        let mut c = db.store.conn().await.unwrap();
        let claimed = jobs::claim(
            &mut c,
            "dead-worker",
            clock.now(),
            chrono::Duration::seconds(120),
            10,
        )
        .await
        .unwrap();
        assert_eq!(claimed.len(), 1);
    }
    assert_eq!(
        runner.run_pending().await.unwrap().done,
        0,
        "still leased by the dead worker"
    );
    clock.advance(chrono::Duration::seconds(121));
    assert_eq!(runner.run_pending().await.unwrap().done, 1);
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        jobs::status(&mut c, id2).await.unwrap(),
        Some(JobStatus::Done)
    );
}

#[tokio::test]
async fn fatal_errors_fail_for_good_and_unknown_kinds_wait() {
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runner = Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w1")
        .handle("bad", |_job, _ctx| async {
            Err(JobError::Fatal("payload is not a case".into()))
        });
    let a = runner
        .enqueue(NewJob::new("bad", serde_json::json!({}), clock.now()))
        .await
        .unwrap()
        .unwrap();
    let b = runner
        .enqueue(NewJob::new("mystery", serde_json::json!({}), clock.now()))
        .await
        .unwrap()
        .unwrap();
    let report = runner.run_pending().await.unwrap();
    assert_eq!((report.failed, report.done), (1, 0));
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        jobs::status(&mut c, a).await.unwrap(),
        Some(JobStatus::Failed)
    );
    assert_eq!(
        jobs::status(&mut c, b).await.unwrap(),
        Some(JobStatus::Pending),
        "not this node's kind: left for a node that runs it"
    );
    // A node that runs it takes it.
    let other = Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w2")
        .handle("mystery", |_job, _ctx| async { Ok(()) });
    assert_eq!(other.run_pending().await.unwrap().done, 1);
    assert_eq!(
        jobs::status(&mut c, b).await.unwrap(),
        Some(JobStatus::Done)
    );
}
