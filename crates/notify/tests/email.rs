//! CASE-5 / CH-3: outbox messages reach a real SMTP server (Debian's aiosmtpd), with the
//! Vietnamese subject intact; a server that is down means a retry, not a lost message.

use std::sync::Arc;
use tongdai_domain::time::Clock;
use tongdai_jobs::Runner;
use tongdai_notify::email::{EmailChannel, EmailSettings};
use tongdai_notify::testing::SmtpSink;
use tongdai_notify::{Channels, register};
use tongdai_store::clock::SystemClock;
use tongdai_store::notifications::{self, OutboxStatus, OutgoingMessage};
use tongdai_store::testing::TestDb;

fn message(key: &str) -> OutgoingMessage {
    OutgoingMessage {
        channel: "email".into(),
        recipient: "can.bo@an-chau.gov.vn".into(),
        subject: "Phản ánh PA-2026-000123 được chuyển đến cơ quan".into(),
        body: "Kính gửi đồng chí cán bộ đầu mối,\nHạn trả lời: 16:00 ngày 16/03/2026.".into(),
        kind: "forwarded".into(),
        case_id: None,
        idempotency_key: key.into(),
    }
}

/// A runner that delivers through the SMTP server on `port`.
fn delivery_runner(db: &TestDb, clock: &Arc<SystemClock>, port: u16) -> Runner {
    let channels = Channels::default().with(EmailChannel::new(&settings(port)).unwrap());
    register(
        Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w"),
        channels,
    )
}

fn settings(port: u16) -> EmailSettings {
    EmailSettings {
        enabled: true,
        host: "127.0.0.1".into(),
        port,
        timeout_seconds: 3,
        from: "Tổng đài An Giang <tongdai@angiang.gov.vn>".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn outbox_mail_arrives_once_case_5() {
    let sink = SmtpSink::start();
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runner = delivery_runner(&db, &clock, sink.port);
    let id = {
        let mut tx = db.store.begin().await.unwrap();
        let id = notifications::enqueue(&mut tx, &message("case-1-forwarded"), clock.now())
            .await
            .unwrap()
            .unwrap();
        assert!(
            notifications::enqueue(&mut tx, &message("case-1-forwarded"), clock.now())
                .await
                .unwrap()
                .is_none(),
            "same key, no second message"
        );
        tx.commit().await.unwrap();
        id
    };
    let report = runner.run_pending().await.unwrap();
    assert_eq!(report.done, 1);
    let received = sink.wait_for(1);
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert_eq!(m.subject, "Phản ánh PA-2026-000123 được chuyển đến cơ quan");
    assert_eq!(m.to, "can.bo@an-chau.gov.vn");
    assert!(
        m.body.contains("Hạn trả lời: 16:00 ngày 16/03/2026."),
        "{}",
        m.body
    );
    assert!(
        m.message_id.contains("case-1-forwarded"),
        "{}",
        m.message_id
    );
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        notifications::get(&mut c, id).await.unwrap().status,
        OutboxStatus::Accepted
    );
    drop(c);
    // Running again sends nothing more.
    runner.run_pending().await.unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_server_that_is_down_means_a_retry_ch_5() {
    let port = SmtpSink::free_port();
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runner = delivery_runner(&db, &clock, port);
    let id = {
        let mut tx = db.store.begin().await.unwrap();
        let id = notifications::enqueue(&mut tx, &message("k2"), clock.now())
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let report = runner.run_pending().await.unwrap();
    assert_eq!(report.retried, 1, "nobody listens on {port}");
    let mut c = db.store.conn().await.unwrap();
    let row = notifications::get(&mut c, id).await.unwrap();
    assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 1));
    assert!(row.last_error.is_some());
    drop(c);
    // The server comes back; after the back-off the message goes out.
    let sink = SmtpSink::start_on(port);
    assert_eq!(
        runner.run_pending().await.unwrap().done,
        0,
        "not before the back-off"
    );
    clock.advance(chrono::Duration::seconds(31));
    assert_eq!(runner.run_pending().await.unwrap().done, 1);
    assert_eq!(sink.wait_for(1).len(), 1);
}

#[tokio::test]
async fn bad_addresses_fail_for_good() {
    let sink = SmtpSink::start();
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runner = delivery_runner(&db, &clock, sink.port);
    let mut m = message("k3");
    m.recipient = "không phải địa chỉ".into();
    let mut sms = message("k4");
    sms.channel = "sms".into();
    let (a, b) = {
        let mut tx = db.store.begin().await.unwrap();
        let a = notifications::enqueue(&mut tx, &m, clock.now())
            .await
            .unwrap()
            .unwrap();
        let b = notifications::enqueue(&mut tx, &sms, clock.now())
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        (a, b)
    };
    assert_eq!(runner.run_pending().await.unwrap().failed, 2);
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        notifications::get(&mut c, a).await.unwrap().status,
        OutboxStatus::Failed
    );
    let unconfigured = notifications::get(&mut c, b).await.unwrap();
    assert_eq!(unconfigured.status, OutboxStatus::Failed);
    assert!(unconfigured.last_error.unwrap().contains("sms"));
}

/// CASE-5: messages queued together share delivery jobs (one per `DELIVER_CHUNK`), yet each
/// keeps its own outcome: a server that is down retries the chunk, a retry sends only what is
/// still queued (nothing twice), and a bad address fails alone.
#[tokio::test]
async fn messages_queued_together_share_a_job_and_keep_their_own_outcome_case_5() {
    let port = SmtpSink::free_port();
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    let runner = delivery_runner(&db, &clock, port);
    let n = notifications::DELIVER_CHUNK + 10;
    let mut all: Vec<OutgoingMessage> = (0..n)
        .map(|i| {
            let mut m = message(&format!("chunk-{i}"));
            m.recipient = format!("can.bo.{i}@an-chau.gov.vn");
            m
        })
        .collect();
    all[n - 1].recipient = "không phải địa chỉ".into();
    let ids = {
        let mut tx = db.store.begin().await.unwrap();
        let ids = notifications::enqueue_many(&mut tx, &all, clock.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids
    };
    assert_eq!(ids.len(), n);
    // Two jobs: nobody listens yet, so both are retried and every message stays queued.
    let report = runner.run_pending().await.unwrap();
    assert_eq!((report.done, report.retried), (0, 2), "{report:?}");
    let mut c = db.store.conn().await.unwrap();
    for id in &ids[..n - 1] {
        assert_eq!(
            notifications::get(&mut c, *id).await.unwrap().status,
            OutboxStatus::Queued
        );
    }
    drop(c);
    // The server comes up: the first chunk is sent whole; the second sends its good messages,
    // its bad address having failed for good (the job is done or failed, never retried again).
    let sink = SmtpSink::start_on(port);
    clock.advance(chrono::Duration::seconds(31));
    let report = runner.run_pending().await.unwrap();
    assert_eq!(
        (report.done + report.failed, report.retried),
        (2, 0),
        "{report:?}"
    );
    let received = sink.wait_for(n - 1);
    assert_eq!(received.len(), n - 1);
    let mut to: Vec<&str> = received.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    to.dedup();
    assert_eq!(to.len(), n - 1, "each message once");
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        notifications::get(&mut c, ids[n - 1]).await.unwrap().status,
        OutboxStatus::Failed
    );
    assert_eq!(
        notifications::get(&mut c, ids[0]).await.unwrap().status,
        OutboxStatus::Accepted
    );
    drop(c);
    // Nothing left to send, nothing sent twice.
    clock.advance(chrono::Duration::hours(2));
    runner.run_pending().await.unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.messages().len(), n - 1);
}
