//! In-app notifications and the outbox of messages for other channels (CASE-5, CH-5).
//!
//! Both are written by the caller in the transaction of the event that causes them. Outbox
//! rows come with a `notify.deliver` job in the same transaction, one job for up to
//! [`DELIVER_CHUNK`] rows queued together; the job's handler (crate `tongdai-notify`) sends
//! them and records each outcome on its row.

use crate::bulk::{self, Value};
use crate::error::Result;
use crate::jobs::{self, NewJob};
use crate::{StoreError, instant, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// The job kind that delivers outbox rows (payload `{"outbox_ids": [..]}`; jobs queued before
/// batching carry `{"outbox_id": n}`).
pub const DELIVER_JOB: &str = "notify.deliver";

/// Outbox rows one delivery job carries. A batch of escalations tells hundreds of people at
/// once; a job per message was a quarter of the rows the deadline runner wrote.
pub const DELIVER_CHUNK: usize = 20;

/// The outbox rows a delivery job's payload names.
pub fn delivery_ids(payload: &serde_json::Value) -> Option<Vec<i64>> {
    if let Some(one) = payload.get("outbox_id").and_then(serde_json::Value::as_i64) {
        return Some(vec![one]);
    }
    let ids: Option<Vec<i64>> = payload
        .get("outbox_ids")?
        .as_array()?
        .iter()
        .map(serde_json::Value::as_i64)
        .collect();
    ids.filter(|ids| !ids.is_empty())
}

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: Instant,
    pub read_at: Option<Instant>,
}

type NotificationRow = (i64, i64, String, String, String, String, i64, Option<i64>);

fn notification(r: NotificationRow) -> Notification {
    Notification {
        id: r.0,
        account_id: r.1,
        kind: r.2,
        title: r.3,
        body: r.4,
        link: r.5,
        created_at: instant(r.6),
        read_at: r.7.map(instant),
    }
}

/// An in-app notification to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub account_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// Add an in-app notification for an account.
pub async fn notify(
    c: &mut AnyConnection,
    account_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
    now: Instant,
) -> Result<i64> {
    let n = NewNotification {
        account_id,
        kind: kind.into(),
        title: title.into(),
        body: body.into(),
        link: link.into(),
    };
    notify_many(c, std::slice::from_ref(&n), now)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Corrupt("notification insert returned no id".into()))
}

/// Add in-app notifications in multi-row statements; returns their ids.
pub async fn notify_many(
    c: &mut AnyConnection,
    all: &[NewNotification],
    now: Instant,
) -> Result<Vec<i64>> {
    let rows: Vec<Vec<Value>> = all
        .iter()
        .map(|n| {
            vec![
                n.account_id.into(),
                n.kind.as_str().into(),
                n.title.as_str().into(),
                n.body.as_str().into(),
                n.link.as_str().into(),
                micros(now).into(),
            ]
        })
        .collect();
    let ids: Vec<(i64,)> = bulk::fetch(
        c,
        "INSERT INTO notifications (account_id, kind, title, body, link, created_at) ",
        &rows,
        "RETURNING id",
    )
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// An account's notifications after `after_id`, oldest first (what a live stream sends).
pub async fn since(
    c: &mut AnyConnection,
    account_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Notification>> {
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT id, account_id, kind, title, body, link, created_at, read_at FROM notifications \
         WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(account_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(notification).collect())
}

/// An account's latest notifications, newest first.
pub async fn latest(
    c: &mut AnyConnection,
    account_id: i64,
    limit: i64,
) -> Result<Vec<Notification>> {
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT id, account_id, kind, title, body, link, created_at, read_at FROM notifications \
         WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(notification).collect())
}

/// How many unread notifications an account has.
pub async fn unread_count(c: &mut AnyConnection, account_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(&mut *c)
    .await?)
}

/// Mark an account's notifications read up to an id.
pub async fn mark_read(
    c: &mut AnyConnection,
    account_id: i64,
    up_to: i64,
    now: Instant,
) -> Result<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND id <= $3 AND read_at IS NULL")
        .bind(micros(now))
        .bind(account_id)
        .bind(up_to)
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// A message for another channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub case_id: Option<i64>,
    /// Names this message once: a retry of the cause does not send it twice.
    pub idempotency_key: String,
}

/// The status of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Queued,
    /// Handed to the provider (an SMTP server said 250), not yet confirmed delivered.
    Accepted,
    Delivered,
    Failed,
}

impl OutboxStatus {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Accepted => "accepted",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<OutboxStatus> {
        Some(match s {
            "queued" => OutboxStatus::Queued,
            "accepted" => OutboxStatus::Accepted,
            "delivered" => OutboxStatus::Delivered,
            "failed" => OutboxStatus::Failed,
            _ => return None,
        })
    }
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub message: OutgoingMessage,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: Instant,
    pub sent_at: Option<Instant>,
}

/// Queue a message and its delivery job; `None` when a message with the same idempotency key
/// was queued before.
pub async fn enqueue(
    c: &mut AnyConnection,
    m: &OutgoingMessage,
    now: Instant,
) -> Result<Option<i64>> {
    Ok(enqueue_many(c, std::slice::from_ref(m), now)
        .await?
        .into_iter()
        .next())
}

/// Queue messages and their delivery jobs in multi-row statements; returns the ids of the
/// messages queued (one whose idempotency key was used before is skipped).
pub async fn enqueue_many(
    c: &mut AnyConnection,
    messages: &[OutgoingMessage],
    now: Instant,
) -> Result<Vec<i64>> {
    let rows: Vec<Vec<Value>> = messages
        .iter()
        .map(|m| {
            vec![
                m.channel.as_str().into(),
                m.recipient.as_str().into(),
                m.subject.as_str().into(),
                m.body.as_str().into(),
                m.kind.as_str().into(),
                m.case_id.into(),
                m.idempotency_key.as_str().into(),
                "queued".into(),
                micros(now).into(),
                micros(now).into(),
            ]
        })
        .collect();
    let ids: Vec<(i64,)> = bulk::fetch(
        c,
        "INSERT INTO outbox (channel, recipient, subject, body, kind, case_id, idempotency_key, status, created_at, updated_at) ",
        &rows,
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .await?;
    let mut ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    ids.sort_unstable();
    let jobs: Vec<NewJob> = ids
        .chunks(DELIVER_CHUNK)
        .map(|chunk| {
            NewJob::new(DELIVER_JOB, serde_json::json!({ "outbox_ids": chunk }), now)
                .dedupe(format!("{DELIVER_JOB}:{}", chunk[0]))
        })
        .collect();
    jobs::enqueue_many(c, &jobs, now).await?;
    Ok(ids)
}

type OutboxDbRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);
const OUTBOX_COLUMNS: &str = "id, channel, recipient, subject, body, kind, case_id, idempotency_key, status, attempts, provider_id, last_error, created_at, sent_at";

fn outbox_row(r: OutboxDbRow) -> Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.0,
        message: OutgoingMessage {
            channel: r.1,
            recipient: r.2,
            subject: r.3,
            body: r.4,
            kind: r.5,
            case_id: r.6,
            idempotency_key: r.7,
        },
        status: OutboxStatus::parse(&r.8)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox status {}", r.8)))?,
        attempts: r.9,
        provider_id: r.10,
        last_error: r.11,
        created_at: instant(r.12),
        sent_at: r.13.map(instant),
    })
}

/// One outbox row.
pub async fn get(c: &mut AnyConnection, id: i64) -> Result<OutboxRow> {
    let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1");
    let row: Option<OutboxDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    outbox_row(row.ok_or_else(|| StoreError::NotFound(format!("outbox {id}")))?)
}

/// Outbox rows about a case, oldest first.
pub async fn for_case(c: &mut AnyConnection, case_id: i64) -> Result<Vec<OutboxRow>> {
    let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE case_id = $1 ORDER BY id");
    let rows: Vec<OutboxDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?;
    rows.into_iter().map(outbox_row).collect()
}

/// Record a delivery attempt's outcome.
pub async fn record_attempt(
    c: &mut AnyConnection,
    id: i64,
    status: OutboxStatus,
    provider_id: Option<&str>,
    error: Option<&str>,
    now: Instant,
) -> Result<()> {
    let sent =
        matches!(status, OutboxStatus::Accepted | OutboxStatus::Delivered).then(|| micros(now));
    sqlx::query(
        "UPDATE outbox SET status = $1, attempts = attempts + 1, provider_id = COALESCE($2, provider_id), last_error = $3, \
         updated_at = $4, sent_at = COALESCE(sent_at, $5) WHERE id = $6",
    )
    .bind(status.code())
    .bind(provider_id)
    .bind(error)
    .bind(micros(now))
    .bind(sent)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}
