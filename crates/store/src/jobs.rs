//! The durable job queue (deadlines, deliveries, scheduled work are rows, never sleeps).
//!
//! A job is claimed with a lease: a worker that dies mid-job leaves a `running` row whose
//! lease expires, and another worker takes it again. Handlers must therefore be idempotent,
//! and they commit their effects together with [`complete`] in one transaction where they can.

use crate::bulk::{self, Value};
use crate::error::Result;
use crate::{instant, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Instant,
    /// At most one job per key ever exists (done and cancelled jobs keep theirs), so the key
    /// names one occurrence: `summary:2026-11-30`, `deadline:forward:812:due`.
    pub dedupe_key: Option<String>,
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` due at `run_at`, retried up to 10 times.
    pub fn new(kind: &str, payload: serde_json::Value, run_at: Instant) -> Self {
        NewJob {
            kind: kind.to_owned(),
            payload,
            run_at,
            dedupe_key: None,
            max_attempts: 10,
        }
    }

    /// Set the de-duplication key.
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Instant,
    pub attempts: i64,
    pub max_attempts: i64,
    pub dedupe_key: Option<String>,
}

/// Status of a job row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobStatus {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => JobStatus::Pending,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => return None,
        })
    }
}

/// Enqueue a job; returns its id, or `None` when a job with the same key already exists.
pub async fn enqueue(c: &mut AnyConnection, j: &NewJob, now: Instant) -> Result<Option<i64>> {
    Ok(enqueue_many(c, std::slice::from_ref(j), now)
        .await?
        .into_iter()
        .next())
}

/// Enqueue jobs in multi-row statements; returns the ids of those created (a job whose key
/// exists already is skipped).
pub async fn enqueue_many(
    c: &mut AnyConnection,
    jobs: &[NewJob],
    now: Instant,
) -> Result<Vec<i64>> {
    let rows: Vec<Vec<Value>> = jobs
        .iter()
        .map(|j| {
            vec![
                j.kind.as_str().into(),
                j.payload.to_string().into(),
                j.dedupe_key.clone().into(),
                micros(j.run_at).into(),
                "pending".into(),
                j.max_attempts.into(),
                micros(now).into(),
                micros(now).into(),
            ]
        })
        .collect();
    let ids: Vec<(i64,)> = bulk::fetch(
        c,
        "INSERT INTO jobs (kind, payload, dedupe_key, run_at, status, max_attempts, created_at, updated_at) ",
        &rows,
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Claim up to `limit` due jobs for `worker`, leasing them until `now + lease`. Jobs whose
/// lease expired (their worker died) are due again.
pub async fn claim(
    c: &mut AnyConnection,
    worker: &str,
    now: Instant,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<Job>> {
    claim_kinds(c, worker, now, lease, limit, Kinds::All).await
}

/// Which kinds of jobs a claim takes.
#[derive(Debug, Clone, Copy)]
pub enum Kinds<'a> {
    /// Any kind, by due time.
    All,
    /// These kinds, each read on its own range of `jobs_kind_due`, in the order given, until
    /// the limit is reached.
    Only(&'a [String]),
}

/// Kinds are names registered in code (`case.escalate`); anything else is refused rather than
/// sent to the database.
fn check_kind(kind: &str) -> Result<()> {
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(crate::StoreError::Invalid(format!("job kind `{kind}`")));
    }
    Ok(())
}

/// [`claim`], of some kinds only.
pub async fn claim_kinds(
    c: &mut AnyConnection,
    worker: &str,
    now: Instant,
    lease: chrono::Duration,
    limit: i64,
    kinds: Kinds<'_>,
) -> Result<Vec<Job>> {
    let mut jobs = match kinds {
        Kinds::All => claim_where(c, worker, now, lease, limit, None).await?,
        Kinds::Only(list) => {
            for kind in list {
                check_kind(kind)?;
            }
            let mut jobs = Vec::new();
            for kind in list {
                let left = limit - jobs.len() as i64;
                if left <= 0 {
                    break;
                }
                jobs.extend(claim_where(c, worker, now, lease, left, Some(kind)).await?);
            }
            jobs
        }
    };
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

async fn claim_where(
    c: &mut AnyConnection,
    worker: &str,
    now: Instant,
    lease: chrono::Duration,
    limit: i64,
    kind: Option<&str>,
) -> Result<Vec<Job>> {
    type ClaimedRow = (i64, String, String, i64, i64, i64, Option<String>);
    let kind_is = if kind.is_some() { " AND kind = $5" } else { "" };
    // On PostgreSQL, concurrent workers skip the rows another is claiming instead of queueing
    // behind its lock and then finding them taken (SQLite has one writer at a time).
    let skip = if c.backend_name() == "PostgreSQL" {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    // Jobs whose worker died first, then due ones by due time: two index ranges (of
    // `jobs_due (status, run_at)`, or of `jobs_kind_due (kind, status, run_at)` for one kind),
    // each stopping at the limit. (One `OR` of both conditions sorted every due job before
    // taking the first few: 100 ms a claim with 100,000 due.) The status condition is repeated
    // on the outer UPDATE: on PostgreSQL a concurrent worker that waited for the row lock
    // re-checks it against the new row and skips the job. It is a CASE so that no index serves
    // it: written as an OR, SQLite drove the UPDATE by it and read every due job (50 ms).
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM ( \
                 SELECT id FROM (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3{kind_is} \
                                 ORDER BY locked_until LIMIT $4{skip}) AS expired \
                 UNION ALL \
                 SELECT id FROM (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3{kind_is} \
                                 ORDER BY run_at, id LIMIT $4{skip}) AS due) AS claimable LIMIT $4) \
           AND CASE status WHEN 'pending' THEN run_at <= $3 WHEN 'running' THEN locked_until < $3 ELSE FALSE END \
         RETURNING id, kind, payload, run_at, attempts, max_attempts, dedupe_key"
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(micros(now + lease))
        .bind(micros(now))
        .bind(limit);
    if let Some(kind) = kind {
        q = q.bind(kind);
    }
    let rows: Vec<ClaimedRow> = q.fetch_all(&mut *c).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, payload, run_at, attempts, max_attempts, dedupe_key)| Job {
                id,
                kind,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                run_at: instant(run_at),
                attempts,
                max_attempts,
                dedupe_key,
            },
        )
        .collect())
}

/// Mark a claimed job done (only if this worker still holds it).
pub async fn complete(c: &mut AnyConnection, id: i64, worker: &str, now: Instant) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET status = 'done', finished_at = $1, updated_at = $1, locked_by = NULL, locked_until = NULL \
         WHERE id = $2 AND status = 'running' AND locked_by = $3",
    )
    .bind(micros(now))
    .bind(id)
    .bind(worker)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Mark many jobs done in one statement (the batch handlers' jobs); returns how many were
/// still this worker's.
pub async fn complete_many(
    c: &mut AnyConnection,
    ids: &[i64],
    worker: &str,
    now: Instant,
) -> Result<u64> {
    let mut done = 0;
    for chunk in ids.chunks(1_000) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "UPDATE jobs SET status = 'done', finished_at = $1, updated_at = $1, locked_by = NULL, locked_until = NULL \
             WHERE id IN ({list}) AND status = 'running' AND locked_by = $2"
        );
        done += sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(now))
            .bind(worker)
            .execute(&mut *c)
            .await?
            .rows_affected();
    }
    Ok(done)
}

/// Record a failure: retried at `retry_at`, or failed for good after `max_attempts`.
pub async fn fail(
    c: &mut AnyConnection,
    job: &Job,
    worker: &str,
    error: &str,
    retry_at: Instant,
    now: Instant,
) -> Result<JobStatus> {
    let final_failure = job.attempts >= job.max_attempts;
    let status = if final_failure { "failed" } else { "pending" };
    let err: String = error.chars().take(2000).collect();
    sqlx::query(
        "UPDATE jobs SET status = $1, last_error = $2, run_at = $3, updated_at = $4, locked_by = NULL, locked_until = NULL, \
         finished_at = CASE WHEN $1 = 'failed' THEN $4 ELSE NULL END WHERE id = $5 AND locked_by = $6",
    )
    .bind(status)
    .bind(&err)
    .bind(micros(retry_at))
    .bind(micros(now))
    .bind(job.id)
    .bind(worker)
    .execute(&mut *c)
    .await?;
    Ok(if final_failure {
        JobStatus::Failed
    } else {
        JobStatus::Pending
    })
}

/// Cancel pending jobs with a key (e.g. a deadline made moot by an answer).
pub async fn cancel_by_key(c: &mut AnyConnection, dedupe_key: &str, now: Instant) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE jobs SET status = 'cancelled', finished_at = $1, updated_at = $1 \
         WHERE dedupe_key = $2 AND status = 'pending'",
    )
    .bind(micros(now))
    .bind(dedupe_key)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// The status of a job.
pub async fn status(c: &mut AnyConnection, id: i64) -> Result<Option<JobStatus>> {
    let s: Option<String> = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    Ok(s.as_deref().and_then(JobStatus::parse))
}

/// The earliest run time of a pending job, so a runner can sleep until then.
pub async fn next_due(c: &mut AnyConnection) -> Result<Option<Instant>> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE status = 'pending'")
            .fetch_one(&mut *c)
            .await?;
    Ok(v.map(instant))
}
