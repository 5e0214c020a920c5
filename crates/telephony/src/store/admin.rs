//! Administration of the telephony data on the SQL store (TEL-2, TEL-3, TEL-7, TEL-8): flow
//! versions, trunks, agents, queues, call records and recordings. The web pages and the CLI
//! call these; the engine only reads through [`EngineStore`].

use super::sql::{AGENT_COLUMNS, db_err, enum_name, opt_micros, queue_config};
use super::*;
use sqlx::Row;
use tongdai_store::{flag, instant, micros};

/// One stored version of a flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowVersion {
    pub id: String,
    pub version: u32,
    pub dids: Vec<String>,
    pub active: bool,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// An agent as administrators see it (no password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentAdmin {
    pub id: String,
    pub account_id: Option<i64>,
    pub display_name: String,
    pub sip_username: String,
    pub status: AgentStatus,
    pub state: AgentState,
    pub wrap_up_s: Option<u32>,
    pub node_id: Option<String>,
    pub call_id: Option<String>,
}

/// An agent to create or update.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgentInput {
    pub id: String,
    pub display_name: String,
    pub sip_username: String,
    /// `None` keeps the stored password (required for a new agent).
    pub sip_password: Option<String>,
    pub account_id: Option<i64>,
    pub wrap_up_s: Option<u32>,
}

/// Which call records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub agent_id: Option<String>,
    pub limit: Option<u32>,
}

/// A recording row with its administration state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingInfo {
    #[serde(flatten)]
    pub row: RecordingRow,
    pub legal_hold: bool,
    pub legal_hold_reason: String,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A callback task with its workflow state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackInfo {
    #[serde(flatten)]
    pub task: CallbackTaskRow,
    pub status: String,
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn recording_info(r: &sqlx::any::AnyRow) -> StoreResult<RecordingInfo> {
    let g = |c: &str| -> StoreResult<i64> { r.try_get::<i64, _>(c).map_err(db_err) };
    Ok(RecordingInfo {
        row: RecordingRow {
            id: r.try_get("id").map_err(db_err)?,
            call_id: r.try_get("call_id").map_err(db_err)?,
            path: r.try_get("path").map_err(db_err)?,
            bytes: u64::try_from(g("bytes")?).unwrap_or(0),
            duration_ms: u64::try_from(g("duration_ms")?).unwrap_or(0),
            sha256: r.try_get("sha256").map_err(db_err)?,
            prev_chain_hash: r.try_get("prev_chain_hash").map_err(db_err)?,
            chain_hash: r.try_get("chain_hash").map_err(db_err)?,
            started_at: instant(g("started_at")?),
            closed_at: instant(g("closed_at")?),
            repaired: g("repaired")? != 0,
        },
        legal_hold: g("legal_hold")? != 0,
        legal_hold_reason: r.try_get("legal_hold_reason").map_err(db_err)?,
        deleted_at: r
            .try_get::<Option<i64>, _>("deleted_at")
            .map_err(db_err)?
            .map(instant),
    })
}

const RECORDING_COLUMNS: &str = "id, call_id, path, bytes, duration_ms, sha256, prev_chain_hash, \
     chain_hash, started_at, closed_at, repaired, legal_hold, legal_hold_reason, deleted_at";

impl SqlStore {
    // ---- flows ----

    /// Every stored flow version, newest first within each flow.
    pub async fn flow_versions(&self) -> StoreResult<Vec<FlowVersion>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(
            "SELECT id, version, dids, active, note, created_at, activated_at FROM flows \
             ORDER BY id, version DESC",
        )
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(FlowVersion {
                    id: r.try_get("id").map_err(db_err)?,
                    version: u32_of(r.try_get("version").map_err(db_err)?),
                    dids: serde_json::from_str(&r.try_get::<String, _>("dids").map_err(db_err)?)
                        .map_err(db_err)?,
                    active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
                    note: r.try_get("note").map_err(db_err)?,
                    created_at: instant(r.try_get("created_at").map_err(db_err)?),
                    activated_at: r
                        .try_get::<Option<i64>, _>("activated_at")
                        .map_err(db_err)?
                        .map(instant),
                })
            })
            .collect()
    }

    /// One version of a flow (the newest when `version` is `None`), and whether it is active.
    pub async fn flow_document(
        &self,
        id: &str,
        version: Option<u32>,
    ) -> StoreResult<Option<(Flow, bool)>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let row: Option<(String, i64)> = match version {
            Some(v) => {
                sqlx::query_as("SELECT document, active FROM flows WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(i64::from(v))
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_err)?
            }
            None => sqlx::query_as(
                "SELECT document, active FROM flows WHERE id = $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?,
        };
        match row {
            Some((doc, active)) => Ok(Some((
                serde_json::from_str(&doc).map_err(db_err)?,
                active != 0,
            ))),
            None => Ok(None),
        }
    }

    /// Store `flow` as a new version (its `version` field is set to the next number); not
    /// active until [`SqlStore::activate_flow`]. Returns the version.
    pub async fn save_flow(
        &self,
        flow: &Flow,
        note: &str,
        by: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let mut tx = self.db.begin().await.map_err(db_err)?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM flows WHERE id = $1")
            .bind(&flow.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let version = u32_of(last.unwrap_or(0)) + 1;
        let mut f = flow.clone();
        f.version = version;
        f.dids = f
            .dids
            .iter()
            .map(|d| crate::trunk::normalise_did(d).unwrap_or_else(|| d.clone()))
            .collect();
        sqlx::query(
            "INSERT INTO flows (id, version, dids, document, active, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7)",
        )
        .bind(&f.id)
        .bind(i64::from(version))
        .bind(serde_json::to_string(&f.dids).map_err(db_err)?)
        .bind(serde_json::to_string(&f).map_err(db_err)?)
        .bind(note)
        .bind(by)
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(version)
    }

    /// Make `version` the active version of flow `id` (the others are deactivated in the same
    /// transaction). False when that version does not exist.
    pub async fn activate_flow(
        &self,
        id: &str,
        version: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await.map_err(db_err)?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT version FROM flows WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(i64::from(version))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query("UPDATE flows SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "UPDATE flows SET active = 1, activated_at = $1 WHERE id = $2 AND version = $3",
        )
        .bind(micros(now))
        .bind(id)
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    // ---- trunks ----

    /// Create or replace a trunk (its registration password sealed).
    pub async fn put_trunk(&self, t: &Trunk, now: DateTime<Utc>) -> StoreResult<()> {
        let mut doc = t.clone();
        let sealed = match doc.registration.as_mut() {
            Some(r) => self.key.seal(&std::mem::take(&mut r.password)),
            None => String::new(),
        };
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO trunks (id, name, config, registration_password, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             config = excluded.config, registration_password = excluded.registration_password, \
             updated_at = excluded.updated_at",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(serde_json::to_string(&doc).map_err(db_err)?)
        .bind(sealed)
        .bind(micros(now))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Remove a trunk; false when there was none.
    pub async fn delete_trunk(&self, id: &str) -> StoreResult<bool> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let n = sqlx::query("DELETE FROM trunks WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .map_err(db_err)?
            .rows_affected();
        Ok(n > 0)
    }

    // ---- agents ----

    /// Every agent (active ones), without passwords.
    pub async fn agent_list(&self) -> StoreResult<Vec<AgentAdmin>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(
            "SELECT id, account_id, display_name, sip_username, status, state, wrap_up_s, \
             node_id, call_id FROM agents WHERE active = 1 ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AgentAdmin {
                    id: r.try_get("id").map_err(db_err)?,
                    account_id: r.try_get("account_id").map_err(db_err)?,
                    display_name: r.try_get("display_name").map_err(db_err)?,
                    sip_username: r.try_get("sip_username").map_err(db_err)?,
                    status: serde_json::from_str(
                        &r.try_get::<String, _>("status").map_err(db_err)?,
                    )
                    .map_err(db_err)?,
                    state: super::sql::parse_enum(
                        &r.try_get::<String, _>("state").map_err(db_err)?,
                    )?,
                    wrap_up_s: r
                        .try_get::<Option<i64>, _>("wrap_up_s")
                        .map_err(db_err)?
                        .map(u32_of),
                    node_id: r.try_get("node_id").map_err(db_err)?,
                    call_id: r.try_get("call_id").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// The agent (with its password) by id.
    pub async fn agent(&self, id: &str) -> StoreResult<Option<AgentRow>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE id = $1 AND active = 1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
        row.map(|r| self.agent_from_row(&r)).transpose()
    }

    /// The agent linked to a staff account (an operator commands only this one).
    pub async fn agent_of_account(&self, account_id: i64) -> StoreResult<Option<String>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query_scalar(
            "SELECT id FROM agents WHERE account_id = $1 AND active = 1 ORDER BY id LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)
    }

    /// Create or update an agent. A new agent needs a password; the engine's state of an
    /// existing one is kept.
    pub async fn put_agent(&self, a: &AgentInput, now: DateTime<Utc>) -> StoreResult<()> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let sealed = a.sip_password.as_deref().map(|p| self.key.seal(p));
        let n = sqlx::query(
            "UPDATE agents SET display_name = $1, sip_username = $2, \
             sip_password = COALESCE($3, sip_password), account_id = $4, wrap_up_s = $5, \
             active = 1, updated_at = $6 WHERE id = $7",
        )
        .bind(&a.display_name)
        .bind(&a.sip_username)
        .bind(sealed.as_deref())
        .bind(a.account_id)
        .bind(a.wrap_up_s.map(i64::from))
        .bind(micros(now))
        .bind(&a.id)
        .execute(&mut *c)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n > 0 {
            return Ok(());
        }
        let Some(sealed) = sealed else {
            return Err(StoreError(format!(
                "agent {}: a password is required",
                a.id
            )));
        };
        sqlx::query(
            "INSERT INTO agents (id, account_id, display_name, sip_username, sip_password, \
             wrap_up_s, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&a.id)
        .bind(a.account_id)
        .bind(&a.display_name)
        .bind(&a.sip_username)
        .bind(sealed)
        .bind(a.wrap_up_s.map(i64::from))
        .bind(micros(now))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Retire an agent (its CDRs keep the id; tiers are removed).
    pub async fn delete_agent(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.db.begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM queue_tiers WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let n = sqlx::query(
            "UPDATE agents SET active = 0, account_id = NULL, \
             sip_username = id || '#retired' WHERE id = $1 AND active = 1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(n > 0)
    }

    // ---- queues ----

    /// Create or replace a queue and its tiers.
    pub async fn put_queue(&self, q: &QueueRow, now: DateTime<Utc>) -> StoreResult<()> {
        let config = queue_config(q)?;
        let mut tx = self.db.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO queues (id, name, config, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, config = excluded.config, \
             updated_at = excluded.updated_at",
        )
        .bind(&q.id)
        .bind(&q.name)
        .bind(config)
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("DELETE FROM queue_tiers WHERE queue_id = $1")
            .bind(&q.id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for t in &q.tiers {
            sqlx::query(
                "INSERT INTO queue_tiers (queue_id, agent_id, level, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&q.id)
            .bind(&t.agent_id)
            .bind(i64::from(t.level))
            .bind(i64::from(t.position))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError(format!("queue {}: agent {}: {e}", q.id, t.agent_id)))?;
        }
        tx.commit().await.map_err(db_err)
    }

    /// Remove a queue and its tiers.
    pub async fn delete_queue(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.db.begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM queue_tiers WHERE queue_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let n = sqlx::query("DELETE FROM queues WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(n > 0)
    }

    /// One queue by id.
    pub async fn queue(&self, id: &str) -> StoreResult<Option<QueueRow>> {
        Ok(self.queues().await?.into_iter().find(|q| q.id == id))
    }

    // ---- call records ----

    /// Call records, newest first.
    pub async fn list_calls(&self, f: &CallFilter) -> StoreResult<Vec<CallRecord>> {
        let mut sql = String::from("SELECT record FROM calls WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if f.since.is_some() {
            sql.push_str(&format!(" AND arrived_at >= {}", next()));
        }
        if f.until.is_some() {
            sql.push_str(&format!(" AND arrived_at < {}", next()));
        }
        if f.agent_id.is_some() {
            sql.push_str(&format!(" AND agent_id = {}", next()));
        }
        sql.push_str(" ORDER BY arrived_at DESC, call_id");
        if let Some(l) = f.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let docs: Vec<String> = {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            if let Some(t) = f.since {
                q = q.bind(micros(t));
            }
            if let Some(t) = f.until {
                q = q.bind(micros(t));
            }
            if let Some(a) = &f.agent_id {
                q = q.bind(a.clone());
            }
            let mut c = self.db.conn().await.map_err(db_err)?;
            q.fetch_all(&mut *c).await.map_err(db_err)?
        };
        let mut out = Vec::with_capacity(docs.len());
        for d in &docs {
            out.push(self.call_from_json(d).await?);
        }
        Ok(out)
    }

    /// One call record.
    pub async fn call(&self, call_id: &str) -> StoreResult<Option<CallRecord>> {
        let doc: Option<String> = {
            let mut c = self.db.conn().await.map_err(db_err)?;
            sqlx::query_scalar("SELECT record FROM calls WHERE call_id = $1")
                .bind(call_id)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_err)?
        };
        match doc {
            Some(d) => Ok(Some(self.call_from_json(&d).await?)),
            None => Ok(None),
        }
    }

    /// The events of a call, in order.
    pub async fn call_events(&self, call_id: &str) -> StoreResult<Vec<CallEventRow>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows: Vec<(i64, Option<String>, i64, String, String)> = sqlx::query_as(
            "SELECT seq, leg_id, at, kind, data FROM call_events WHERE call_id = $1 ORDER BY seq",
        )
        .bind(call_id)
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(seq, leg_id, at, kind, data)| {
                Ok(CallEventRow {
                    call_id: call_id.to_owned(),
                    leg_id,
                    seq: u64::try_from(seq).unwrap_or(0),
                    at: instant(at),
                    kind,
                    data: serde_json::from_str(&data).map_err(db_err)?,
                })
            })
            .collect()
    }

    // ---- recordings ----

    /// Recordings, newest first.
    pub async fn recordings(&self, limit: u32) -> StoreResult<Vec<RecordingInfo>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings ORDER BY seq DESC LIMIT {limit}"
        )))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter().map(recording_info).collect()
    }

    /// One recording.
    pub async fn recording(&self, id: &str) -> StoreResult<Option<RecordingInfo>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
        row.as_ref().map(recording_info).transpose()
    }

    /// Every recording row in chain order (for `verify_chain`).
    pub async fn recording_chain(&self) -> StoreResult<Vec<(String, String, String)>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query_as("SELECT id, sha256, chain_hash FROM recordings ORDER BY seq")
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)
    }

    /// Put a recording under legal hold (or release it); false when it does not exist.
    pub async fn set_legal_hold(&self, id: &str, hold: bool, reason: &str) -> StoreResult<bool> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let n = sqlx::query(
            "UPDATE recordings SET legal_hold = $1, legal_hold_reason = $2 WHERE id = $3",
        )
        .bind(flag(hold))
        .bind(reason)
        .bind(id)
        .execute(&mut *c)
        .await
        .map_err(db_err)?
        .rows_affected();
        Ok(n > 0)
    }

    /// Recordings closed before `before`, not on hold and not yet deleted (oldest first).
    pub async fn expired_recordings(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<RecordingInfo>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings WHERE closed_at < $1 AND legal_hold = 0 \
             AND deleted_at IS NULL ORDER BY seq LIMIT {limit}"
        )))
        .bind(micros(before))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.iter().map(recording_info).collect()
    }

    /// The tenant that owns hotline `number` on `today` (ISO date), for its working calendar.
    pub async fn hotline_tenant(&self, number: &str, today: &str) -> StoreResult<Option<i64>> {
        let mut c = self.db.conn().await.map_err(db_err)?;
        sqlx::query_scalar(
            "SELECT tenant_id FROM hotline_numbers WHERE number = $1 AND valid_from <= $2 \
             AND (valid_to IS NULL OR valid_to >= $2) ORDER BY valid_from DESC LIMIT 1",
        )
        .bind(number)
        .bind(today)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)
    }

    // ---- callbacks ----

    /// Open callback tasks, oldest first.
    pub async fn open_callbacks(&self, limit: u32) -> StoreResult<Vec<CallbackInfo>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            i64,
            String,
        );
        let mut c = self.db.conn().await.map_err(db_err)?;
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, call_id, number, did, queue_id, reason, created_at, status \
                 FROM callback_tasks WHERE status = 'open' ORDER BY created_at LIMIT {limit}"
        )))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, call_id, number, did, queue_id, reason, at, status)| {
                Ok(CallbackInfo {
                    task: CallbackTaskRow {
                        id,
                        call_id,
                        number,
                        did,
                        queue_id,
                        reason: super::sql::parse_enum(&reason)?,
                        created_at: instant(at),
                    },
                    status,
                })
            })
            .collect()
    }
}

/// Mark a recording deleted inside the caller's transaction (the retention job writes the
/// audit row in the same transaction). False when it is on hold or already deleted.
pub async fn mark_recording_deleted(
    c: &mut sqlx::AnyConnection,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = sqlx::query(
        "UPDATE recordings SET deleted_at = $1 WHERE id = $2 AND legal_hold = 0 \
         AND deleted_at IS NULL",
    )
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await
    .map_err(db_err)?
    .rows_affected();
    Ok(n > 0)
}

/// Parse and check a flow document (JSON) as an administrator submitted it. Errors are in
/// Vietnamese, one per problem; a flow that passes can be activated.
pub fn check_flow(
    text: &str,
    prompt_exists: impl Fn(&str) -> bool,
    queue_exists: impl Fn(&str) -> bool,
) -> Result<Flow, Vec<String>> {
    let flow: Flow = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "Tài liệu không đúng định dạng JSON của luồng cuộc gọi (dòng {}, cột {}): {}",
            e.line(),
            e.column(),
            e
        )]
    })?;
    let mut errs: Vec<String> = Vec::new();
    if flow.id.trim().is_empty() {
        errs.push("Mã luồng (id) không được để trống.".into());
    }
    if flow.dids.is_empty() {
        errs.push("Luồng phải gắn với ít nhất một số gọi vào (dids).".into());
    }
    for d in &flow.dids {
        if crate::trunk::normalise_did(d).is_none() {
            errs.push(format!("Số gọi vào «{d}» không hợp lệ."));
        }
    }
    for (id, node) in &flow.nodes {
        if let crate::flow::Node::Queue { queue, .. } = node
            && !queue_exists(queue)
        {
            errs.push(format!(
                "Nút «{id}» chuyển vào hàng đợi «{queue}», hàng đợi này không tồn tại."
            ));
        }
    }
    if let Err(v) = crate::flow::validate(&flow, prompt_exists) {
        errs.extend(v.iter().map(crate::flow::FlowError::message_vi));
    }
    if errs.is_empty() { Ok(flow) } else { Err(errs) }
}

/// The state names the pages show.
pub fn agent_state_name(s: AgentState) -> String {
    enum_name(&s)
}

/// Leg and call times for JSON output of optional instants.
pub fn micros_of(t: Option<DateTime<Utc>>) -> Option<i64> {
    opt_micros(t)
}
