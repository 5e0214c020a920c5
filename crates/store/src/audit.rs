//! The append-only, hash-chained audit log (SEC-3, issue 3 point 8).

use crate::error::Result;
use crate::{Store, StoreError};
use sqlx::AnyConnection;
use tongdai_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, NewAuditEntry};

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at_us: i64,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    target: String,
    detail: String,
    ip: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at_us: r.at_us,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            target: r.target,
            detail: r.detail,
            ip: r.ip,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Append an entry in the caller's transaction, so the entry exists exactly when the change
/// it records does.
pub async fn append(c: &mut AnyConnection, e: NewAuditEntry) -> Result<AuditEntry> {
    // A no-op update takes the head row's lock on PostgreSQL (SQLite's write transaction is
    // already exclusive), so concurrent appends queue here and the chain stays linear.
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *c)
        .await?;
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *c)
            .await?;
    let entry = e.chain(Some((seq, &hash)));
    sqlx::query(
        "INSERT INTO audit_log (seq, at_us, actor_id, actor_name, action, target, detail, ip, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.seq)
    .bind(entry.at_us)
    .bind(entry.actor_id)
    .bind(&entry.actor_name)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .bind(&entry.ip)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(entry.seq)
        .bind(&entry.hash)
        .execute(&mut *c)
        .await?;
    Ok(entry)
}

/// Append in a transaction of its own (for events that change nothing else: refusals,
/// failed logins).
pub async fn record(store: &Store, e: NewAuditEntry) -> Result<AuditEntry> {
    let mut tx = store.begin().await?;
    let entry = append(&mut tx, e).await?;
    tx.commit().await?;
    Ok(entry)
}

/// A filter for the audit page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action_prefix: Option<String>,
    pub actor: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Entries, newest first.
pub async fn list(c: &mut AnyConnection, f: &Filter) -> Result<Vec<AuditEntry>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, at_us, actor_id, actor_name, action, target, detail, ip, prev_hash, hash FROM audit_log \
         WHERE ($1 = '' OR action LIKE $2) AND ($3 = '' OR actor_name = $3) AND seq < $4 \
         ORDER BY seq DESC LIMIT $5",
    )
    .bind(f.action_prefix.clone().unwrap_or_default())
    .bind(format!("{}%", f.action_prefix.clone().unwrap_or_default()))
    .bind(f.actor.clone().unwrap_or_default())
    .bind(f.before_seq.unwrap_or(i64::MAX))
    .bind(f.limit.clamp(1, 1000))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// The outcome of `tongdai audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: u64 },
    Broken(ChainBreak),
}

/// Walk the whole chain in pages and check every link and the head.
pub async fn verify(store: &Store) -> Result<Verification> {
    let mut c = store.conn().await?;
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *c)
            .await?;
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, at_us, actor_id, actor_name, action, target, detail, ip, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&mut *c)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let e = AuditEntry::from(r);
            after = e.seq;
            if let Err(b) = v.push(&e) {
                return Ok(Verification::Broken(b));
            }
        }
    }
    match v.finish(head_seq, &head_hash) {
        Ok(n) => Ok(Verification::Intact { entries: n }),
        Err(b) => Ok(Verification::Broken(b)),
    }
}

/// Render a detail object as JSON text (never pass secrets here).
pub fn detail(v: serde_json::Value) -> String {
    serde_json::to_string(&v).unwrap_or_else(|_| "{}".into())
}

impl From<ChainBreak> for StoreError {
    fn from(b: ChainBreak) -> Self {
        StoreError::Corrupt(b.to_string())
    }
}
