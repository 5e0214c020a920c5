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
    let channels = Channels::default().with(EmailChannel::new(&settings(sink.port)).unwrap());
    let runner = register(
        Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w"),
        channels,
    );
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
    let channels = Channels::default().with(EmailChannel::new(&settings(port)).unwrap());
    let runner = register(
        Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w"),
        channels,
    );
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
    let channels = Channels::default().with(EmailChannel::new(&settings(sink.port)).unwrap());
    let runner = register(
        Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "w"),
        channels,
    );
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
