//! The callback worklist (TEL-11): the engine writes a task for a missed, abandoned,
//! out-of-hours or requested call (`callback_tasks`, migration 0200); operators call back and
//! every attempt is recorded with its outcome (`callback_attempts`, migration 0401). A final
//! outcome closes the task.

use crate::error::Result;
use crate::{instant, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// One attempt to call back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub task_id: String,
    pub account_id: Option<i64>,
    pub agent_id: Option<String>,
    /// The outbound call's id when the engine placed one.
    pub call_id: Option<String>,
    pub outcome: String,
    pub note: String,
    pub at: Instant,
}

/// A callback task with what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: String,
    /// The call that left the task behind.
    pub call_id: String,
    pub number: String,
    pub did: String,
    pub queue_id: Option<String>,
    /// `requested`, `abandoned_in_queue`, `no_agent`, `out_of_hours`.
    pub reason: String,
    pub created_at: Instant,
    /// `open` or `done`.
    pub status: String,
    pub done_at: Option<Instant>,
    /// The voicemail the caller left, if any.
    pub voicemail_id: Option<String>,
    /// Oldest first.
    pub attempts: Vec<Attempt>,
}

type TaskRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

const TASK_SQL: &str = "SELECT t.id, t.call_id, t.number, t.did, t.queue_id, t.reason, t.created_at, \
     t.status, t.done_at, (SELECT MIN(v.id) FROM voicemails v WHERE v.call_id = t.call_id) \
     FROM callback_tasks t";

fn task_of(r: TaskRow) -> Task {
    Task {
        id: r.0,
        call_id: r.1,
        number: r.2,
        did: r.3,
        queue_id: r.4,
        reason: r.5,
        created_at: instant(r.6),
        status: r.7,
        done_at: r.8.map(instant),
        voicemail_id: r.9,
        attempts: Vec::new(),
    }
}

async fn with_attempts(c: &mut AnyConnection, mut tasks: Vec<Task>) -> Result<Vec<Task>> {
    for t in &mut tasks {
        t.attempts = attempts(c, &t.id).await?;
    }
    Ok(tasks)
}

/// Tasks, oldest first: the open ones, or (with `done`) the closed ones, newest first.
pub async fn tasks(c: &mut AnyConnection, done: bool, limit: i64) -> Result<Vec<Task>> {
    let sql = if done {
        format!("{TASK_SQL} WHERE t.status <> 'open' ORDER BY t.done_at DESC, t.id LIMIT $1")
    } else {
        format!("{TASK_SQL} WHERE t.status = 'open' ORDER BY t.created_at, t.id LIMIT $1")
    };
    let rows: Vec<TaskRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    let tasks = rows.into_iter().map(task_of).collect();
    with_attempts(c, tasks).await
}

/// One task.
pub async fn task(c: &mut AnyConnection, id: &str) -> Result<Option<Task>> {
    let row: Option<TaskRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TASK_SQL} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_attempts(c, vec![task_of(r)]).await?.pop()),
    }
}

/// The attempts on a task, oldest first.
pub async fn attempts(c: &mut AnyConnection, task_id: &str) -> Result<Vec<Attempt>> {
    type Row = (
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, task_id, account_id, agent_id, call_id, outcome, note, at \
         FROM callback_attempts WHERE task_id = $1 ORDER BY at, id",
    )
    .bind(task_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Attempt {
            id: r.0,
            task_id: r.1,
            account_id: r.2,
            agent_id: r.3,
            call_id: r.4,
            outcome: r.5,
            note: r.6,
            at: instant(r.7),
        })
        .collect())
}

/// What is recorded of one attempt.
#[derive(Debug, Clone, Default)]
pub struct NewAttempt<'a> {
    pub task_id: &'a str,
    pub account_id: Option<i64>,
    pub agent_id: Option<&'a str>,
    pub call_id: Option<&'a str>,
    pub outcome: &'a str,
    pub note: &'a str,
    /// Whether the outcome closes the task.
    pub closes: bool,
}

/// Record an attempt; a final outcome closes the task (an already closed task stays closed).
pub async fn record_attempt(
    c: &mut AnyConnection,
    a: &NewAttempt<'_>,
    now: Instant,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO callback_attempts (task_id, account_id, agent_id, call_id, outcome, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.task_id)
    .bind(a.account_id)
    .bind(a.agent_id)
    .bind(a.call_id)
    .bind(a.outcome)
    .bind(a.note)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?;
    if a.closes {
        sqlx::query(
            "UPDATE callback_tasks SET status = 'done', done_at = $1, assigned_to = $2 \
             WHERE id = $3 AND status = 'open'",
        )
        .bind(micros(now))
        .bind(a.account_id)
        .bind(a.task_id)
        .execute(&mut *c)
        .await?;
    }
    Ok(id)
}
