//! [`EngineStore`] on the product's database (`tongdai_store::Store`: SQLite or PostgreSQL
//! through one set of portable queries; tables in migration `0200_telephony.sql`).
//!
//! Conventions of the store crate: instants are BIGINT microseconds, booleans 0/1, JSON
//! documents TEXT. Several engine nodes may share one PostgreSQL database: the agent
//! reservation is one conditional UPDATE, so two nodes never offer the same agent.

use super::secret::SecretKey;
use super::*;
use sqlx::Row;
use std::sync::Arc;
use tongdai_store::{Store, flag, instant, micros};

/// The SQL implementation of [`EngineStore`], plus the administration functions the web
/// application calls (see [`super::admin`]).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(super) db: Store,
    pub(super) key: Arc<SecretKey>,
}

pub(super) fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// The snake_case name serde gives a unit enum value.
pub(super) fn enum_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The inverse of [`enum_name`].
pub(super) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| StoreError(format!("«{s}»: {e}")))
}

pub(super) fn opt_micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(micros)
}

impl SqlStore {
    /// A store on `db` sealing SIP secrets with `key`.
    pub fn new(db: Store, key: SecretKey) -> SqlStore {
        SqlStore {
            db,
            key: Arc::new(key),
        }
    }

    /// The database.
    pub fn db(&self) -> &Store {
        &self.db
    }

    async fn legs(&self, call_id: &str) -> StoreResult<Vec<crate::cdr::LegRecord>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(
            "SELECT leg_id, role, target, started_at, answered_at, ended_at, final_sip_code, \
             initiated_by FROM call_legs WHERE call_id = $1 ORDER BY started_at, leg_id",
        )
        .bind(call_id)
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(crate::cdr::LegRecord {
                    leg_id: r.try_get("leg_id").map_err(db_err)?,
                    role: parse_enum(&r.try_get::<String, _>("role").map_err(db_err)?)?,
                    target: r.try_get("target").map_err(db_err)?,
                    started_at: instant(r.try_get("started_at").map_err(db_err)?),
                    answered_at: r
                        .try_get::<Option<i64>, _>("answered_at")
                        .map_err(db_err)?
                        .map(instant),
                    ended_at: r
                        .try_get::<Option<i64>, _>("ended_at")
                        .map_err(db_err)?
                        .map(instant),
                    final_sip_code: r
                        .try_get::<Option<i64>, _>("final_sip_code")
                        .map_err(db_err)?
                        .and_then(|c| u16::try_from(c).ok()),
                    initiated_by: r.try_get("initiated_by").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// A CDR with its legs from its `record` JSON.
    pub(super) async fn call_from_json(&self, json: &str) -> StoreResult<CallRecord> {
        let mut rec: CallRecord = serde_json::from_str(json).map_err(db_err)?;
        rec.legs = self.legs(&rec.call_id).await?;
        Ok(rec)
    }
}

fn agent_row(key: &SecretKey, r: &sqlx::any::AnyRow) -> StoreResult<AgentRow> {
    let status: String = r.try_get("status").map_err(db_err)?;
    Ok(AgentRow {
        id: r.try_get("id").map_err(db_err)?,
        display_name: r.try_get("display_name").map_err(db_err)?,
        sip_username: r.try_get("sip_username").map_err(db_err)?,
        sip_password: key.open(&r.try_get::<String, _>("sip_password").map_err(db_err)?)?,
        status: serde_json::from_str(&status).map_err(db_err)?,
        state: parse_enum(&r.try_get::<String, _>("state").map_err(db_err)?)?,
        wrap_up_s: r
            .try_get::<Option<i64>, _>("wrap_up_s")
            .map_err(db_err)?
            .and_then(|v| u32::try_from(v).ok()),
    })
}

pub(super) const AGENT_COLUMNS: &str =
    "id, display_name, sip_username, sip_password, status, state, wrap_up_s";

impl SqlStore {
    pub(super) fn agent_from_row(&self, r: &sqlx::any::AnyRow) -> StoreResult<AgentRow> {
        agent_row(&self.key, r)
    }
}

#[async_trait::async_trait]
impl EngineStore for SqlStore {
    async fn flows(&self) -> StoreResult<Vec<Flow>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let docs: Vec<String> =
            sqlx::query_scalar("SELECT document FROM flows WHERE active = 1 ORDER BY id")
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        docs.iter()
            .map(|d| serde_json::from_str(d).map_err(db_err))
            .collect()
    }

    async fn trunks(&self) -> StoreResult<Vec<Trunk>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT config, registration_password FROM trunks ORDER BY id")
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        rows.iter()
            .map(|(config, pw)| {
                let mut t: Trunk = serde_json::from_str(config).map_err(db_err)?;
                if let Some(r) = t.registration.as_mut() {
                    r.password = self.key.open(pw)?;
                }
                Ok(t)
            })
            .collect()
    }

    async fn agents(&self) -> StoreResult<Vec<AgentRow>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE active = 1 ORDER BY id"
        )))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| agent_row(&self.key, r)).collect()
    }

    async fn queues(&self) -> StoreResult<Vec<QueueRow>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let qs: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, config FROM queues ORDER BY id")
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        let tiers: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT t.queue_id, t.agent_id, t.level, t.position FROM queue_tiers t \
             JOIN agents a ON a.id = t.agent_id WHERE a.active = 1 \
             ORDER BY t.queue_id, t.level, t.position, t.agent_id",
        )
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        qs.into_iter()
            .map(|(id, name, config)| {
                let mut q = queue_from_config(&id, &name, &config)?;
                q.tiers = tiers
                    .iter()
                    .filter(|t| t.0 == id)
                    .map(|t| TierRow {
                        agent_id: t.1.clone(),
                        level: u32::try_from(t.2).unwrap_or(1),
                        position: u32::try_from(t.3).unwrap_or(0),
                    })
                    .collect();
                Ok(q)
            })
            .collect()
    }

    async fn set_agent_status(&self, agent_id: &str, status: &AgentStatus) -> StoreResult<()> {
        let json = serde_json::to_string(status).map_err(db_err)?;
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query("UPDATE agents SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(json)
            .bind(micros(Utc::now()))
            .bind(agent_id)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn reserve_agent(
        &self,
        agent_id: &str,
        call_id: &str,
        node_id: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One statement: of two nodes racing for the same idle agent, exactly one changes
        // the row (PostgreSQL re-checks the WHERE clause after the row lock; SQLite has a
        // single writer).
        let mut c = self.db.conn().await.map_err(db_err)?;
        let n = sqlx::query(
            "UPDATE agents SET state = 'offered', call_id = $1, node_id = $2, lease_until = $3 \
             WHERE id = $4 AND state = 'idle' AND active = 1",
        )
        .bind(call_id)
        .bind(node_id)
        .bind(micros(lease_until))
        .bind(agent_id)
        .execute(&mut *c)
        .await
        .map_err(db_err)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn set_agent_state(
        &self,
        agent_id: &str,
        state: AgentState,
        call_id: Option<&str>,
    ) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query("UPDATE agents SET state = $1, call_id = $2, lease_until = NULL WHERE id = $3")
            .bind(enum_name(&state))
            .bind(call_id)
            .bind(agent_id)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn release_node_agents(&self, node_id: &str) -> StoreResult<u64> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let n = sqlx::query(
            "UPDATE agents SET state = 'idle', call_id = NULL, lease_until = NULL \
             WHERE node_id = $1 AND state <> 'idle'",
        )
        .bind(node_id)
        .execute(&mut *c)
        .await
        .map_err(db_err)?
        .rows_affected();
        Ok(n)
    }

    async fn put_queue_entry(&self, e: &QueueEntryRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO queue_entries (call_id, queue_id, node_id, caller_number, enqueued_at, \
             priority) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id) DO UPDATE SET \
             queue_id = excluded.queue_id, node_id = excluded.node_id, \
             caller_number = excluded.caller_number, enqueued_at = excluded.enqueued_at, \
             priority = excluded.priority",
        )
        .bind(&e.call_id)
        .bind(&e.queue_id)
        .bind(&e.node_id)
        .bind(&e.caller_number)
        .bind(micros(e.enqueued_at))
        .bind(i64::from(e.priority))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn remove_queue_entry(&self, call_id: &str) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query("DELETE FROM queue_entries WHERE call_id = $1")
            .bind(call_id)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn append_call_event(&self, e: &CallEventRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO call_events (call_id, seq, leg_id, at, kind, data) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id, seq) DO NOTHING",
        )
        .bind(&e.call_id)
        .bind(i64::try_from(e.seq).unwrap_or(i64::MAX))
        .bind(e.leg_id.as_deref())
        .bind(micros(e.at))
        .bind(&e.kind)
        .bind(e.data.to_string())
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn put_call(&self, rec: &CallRecord) -> StoreResult<()> {
        let mut doc = rec.clone();
        doc.legs = Vec::new();
        let json = serde_json::to_string(&doc).map_err(db_err)?;
        let mut tx = self.db.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO calls (call_id, node_id, status, direction, did, caller_number, \
             arrived_at, ended_at, queue_id, agent_id, disposition, recording_id, case_id, record) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (call_id) DO UPDATE SET node_id = excluded.node_id, \
             status = excluded.status, direction = excluded.direction, did = excluded.did, \
             caller_number = excluded.caller_number, arrived_at = excluded.arrived_at, \
             ended_at = excluded.ended_at, queue_id = excluded.queue_id, \
             agent_id = excluded.agent_id, disposition = excluded.disposition, \
             recording_id = excluded.recording_id, case_id = excluded.case_id, \
             record = excluded.record",
        )
        .bind(&rec.call_id)
        .bind(&rec.node_id)
        .bind(enum_name(&rec.status))
        .bind(enum_name(&rec.direction))
        .bind(&rec.did)
        .bind(&rec.caller_number)
        .bind(micros(rec.arrived_at))
        .bind(opt_micros(rec.ended_at))
        .bind(rec.queue_id.as_deref())
        .bind(rec.agent_id.as_deref())
        .bind(rec.disposition.map(|d| enum_name(&d)))
        .bind(rec.recording_id.as_deref())
        .bind(rec.case_id.as_deref())
        .bind(json)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("DELETE FROM call_legs WHERE call_id = $1")
            .bind(&rec.call_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for l in &rec.legs {
            sqlx::query(
                "INSERT INTO call_legs (call_id, leg_id, role, target, started_at, answered_at, \
                 ended_at, final_sip_code, initiated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (call_id, leg_id) DO NOTHING",
            )
            .bind(&rec.call_id)
            .bind(&l.leg_id)
            .bind(enum_name(&l.role))
            .bind(&l.target)
            .bind(micros(l.started_at))
            .bind(opt_micros(l.answered_at))
            .bind(opt_micros(l.ended_at))
            .bind(l.final_sip_code.map(i64::from))
            .bind(l.initiated_by.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn open_calls(&self, node_id: &str) -> StoreResult<Vec<CallRecord>> {
        let docs: Vec<String> = {
            let mut c = self.db.conn().await.map_err(db_err)?;
            sqlx::query_scalar(
                "SELECT record FROM calls WHERE node_id = $1 AND status = 'in_progress' \
                 ORDER BY arrived_at",
            )
            .bind(node_id)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?
        };
        let mut out = Vec::with_capacity(docs.len());
        for d in &docs {
            out.push(self.call_from_json(d).await?);
        }
        Ok(out)
    }

    async fn last_event_at(&self, call_id: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let t: Option<i64> =
            sqlx::query_scalar("SELECT MAX(at) FROM call_events WHERE call_id = $1")
                .bind(call_id)
                .fetch_one(&mut *c)
                .await
                .map_err(db_err)?;
        Ok(t.map(instant))
    }

    async fn last_recording_chain_hash(&self) -> StoreResult<Option<String>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query_scalar("SELECT chain_hash FROM recordings ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)
    }

    async fn put_recording(&self, r: &RecordingRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO recordings (id, call_id, path, bytes, duration_ms, sha256, \
             prev_chain_hash, chain_hash, started_at, closed_at, repaired) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&r.id)
        .bind(&r.call_id)
        .bind(&r.path)
        .bind(i64::try_from(r.bytes).unwrap_or(i64::MAX))
        .bind(i64::try_from(r.duration_ms).unwrap_or(i64::MAX))
        .bind(&r.sha256)
        .bind(r.prev_chain_hash.as_deref())
        .bind(&r.chain_hash)
        .bind(micros(r.started_at))
        .bind(micros(r.closed_at))
        .bind(flag(r.repaired))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn put_callback_task(&self, t: &CallbackTaskRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO callback_tasks (id, call_id, number, did, queue_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&t.id)
        .bind(&t.call_id)
        .bind(&t.number)
        .bind(&t.did)
        .bind(t.queue_id.as_deref())
        .bind(enum_name(&t.reason))
        .bind(micros(t.created_at))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn put_voicemail(&self, v: &VoicemailRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO voicemails (id, call_id, number, path, duration_ms, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&v.id)
        .bind(&v.call_id)
        .bind(&v.number)
        .bind(&v.path)
        .bind(i64::try_from(v.duration_ms).unwrap_or(i64::MAX))
        .bind(&v.sha256)
        .bind(micros(v.created_at))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn heartbeat(&self, n: &NodeRow) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO nodes (node_id, sip_addr, heartbeat_at, draining) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (node_id) DO UPDATE SET sip_addr = excluded.sip_addr, \
             heartbeat_at = excluded.heartbeat_at, draining = excluded.draining",
        )
        .bind(&n.node_id)
        .bind(&n.sip_addr)
        .bind(micros(n.heartbeat_at))
        .bind(flag(n.draining))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn sync_registrations(
        &self,
        node_id: &str,
        live: &[Registration],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await.map_err(db_err)?;
        let mine: Vec<String> =
            sqlx::query_scalar("SELECT username FROM phone_registrations WHERE node_id = $1")
                .bind(node_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
        for gone in mine
            .iter()
            .filter(|u| !live.iter().any(|r| &r.username == *u))
        {
            sqlx::query("DELETE FROM phone_registrations WHERE username = $1 AND node_id = $2")
                .bind(gone)
                .bind(node_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for r in live {
            // The later expiry wins: a phone that moved to another node stays there even if
            // this node syncs its older binding afterwards.
            sqlx::query(
                "INSERT INTO phone_registrations (username, contact, source, node_id, expires_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (username) DO UPDATE SET contact = excluded.contact, source = excluded.source, \
                 node_id = excluded.node_id, expires_at = excluded.expires_at, updated_at = excluded.updated_at \
                 WHERE phone_registrations.expires_at <= excluded.expires_at",
            )
            .bind(&r.username)
            .bind(&r.contact)
            .bind(r.source.to_string())
            .bind(node_id)
            .bind(r.expires_at_unix)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn remote_registrations(
        &self,
        node_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Registration>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT username, contact, source, expires_at FROM phone_registrations \
             WHERE node_id <> $1 AND expires_at > $2 ORDER BY username",
        )
        .bind(node_id)
        .bind(now.timestamp())
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(|(username, contact, source, expires_at_unix)| {
                Some(Registration {
                    username,
                    contact,
                    source: source.parse().ok()?,
                    expires_at_unix,
                })
            })
            .collect())
    }

    async fn stale_nodes(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query_scalar("SELECT node_id FROM nodes WHERE heartbeat_at < $1 ORDER BY node_id")
            .bind(micros(before))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)
    }
}

/// A queue from its stored settings (the JSON of [`QueueRow`] without id, name and tiers).
pub(super) fn queue_from_config(id: &str, name: &str, config: &str) -> StoreResult<QueueRow> {
    let mut v: serde_json::Value = serde_json::from_str(config).map_err(db_err)?;
    let o = v
        .as_object_mut()
        .ok_or_else(|| StoreError(format!("queue {id}: settings are not a JSON object")))?;
    o.insert("id".into(), id.into());
    o.insert("name".into(), name.into());
    o.insert("tiers".into(), serde_json::Value::Array(vec![]));
    serde_json::from_value(v).map_err(|e| StoreError(format!("queue {id}: {e}")))
}

/// The stored settings of a queue (see [`queue_from_config`]).
pub(super) fn queue_config(q: &QueueRow) -> StoreResult<String> {
    let mut v = serde_json::to_value(q).map_err(db_err)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
        o.remove("name");
        o.remove("tiers");
    }
    Ok(v.to_string())
}
