//! Deadline jobs (CASE-6): escalation at the focal deadline, the head deadline breach, and the
//! automatic close after the citizen's reopening window; plus the daily summary (CASE-13).
//!
//! Each job is keyed by the instant it was scheduled for. A job that finds the case not due (the
//! deadline moved), or already past that step (it ran before a crash), does nothing.

use crate::{CaseError, CaseService};
use tongdai_domain::Instant;
use tongdai_domain::calendar::WorkingCalendar;
use tongdai_domain::case::{Actor, Case, CasePolicy, CaseState, Command, Deadlines};
use tongdai_jobs::{JobContext, JobError, Runner};
use tongdai_store::AnyConnection;
use tongdai_store::jobs::{self, Job, NewJob};

/// Job kinds.
pub const ESCALATE: &str = "case.escalate";
pub const HARD_BREACH: &str = "case.hard_breach";
pub const AUTO_CLOSE: &str = "case.auto_close";
pub const DAILY_SUMMARY: &str = "case.daily_summary";

fn job(kind: &str, case_id: i64, at: Instant) -> NewJob {
    NewJob::new(kind, serde_json::json!({ "case_id": case_id }), at)
        .dedupe(format!("{kind}:{case_id}:{}", at.timestamp_micros()))
}

/// Queue the jobs a case's deadlines call for (in the caller's transaction).
pub async fn schedule(
    c: &mut AnyConnection,
    case: &Case,
    d: &Deadlines,
    cal: &WorkingCalendar,
    policy: &CasePolicy,
    now: Instant,
) -> Result<(), CaseError> {
    let focal_running = case
        .clocks
        .focal
        .as_ref()
        .is_some_and(|f| f.stopped_at.is_none() && f.paused_since.is_none());
    let with_officer = matches!(
        case.state,
        CaseState::Assigned | CaseState::Acknowledged | CaseState::Reopened
    );
    if with_officer
        && focal_running
        && let Some(due) = d.due_at
    {
        jobs::enqueue(c, &job(ESCALATE, case.id, due), now).await?;
    }
    if (with_officer || case.state == CaseState::Escalated)
        && !case.hard_breached
        && let Some(hard) = d.hard_due_at
    {
        jobs::enqueue(c, &job(HARD_BREACH, case.id, hard), now).await?;
    }
    if case.state == CaseState::Answered
        && let Some(answered) = case.answered_at
        && let Ok(until) = cal.working_days_deadline(answered, policy.windows.reopen_working_days)
    {
        // A second after the window's end, so "the window has passed" holds.
        jobs::enqueue(
            c,
            &job(AUTO_CLOSE, case.id, until + chrono::Duration::seconds(1)),
            now,
        )
        .await?;
    }
    Ok(())
}

async fn system_decision(
    service: &CaseService,
    job: &Job,
    command: Command,
    failpoint: &str,
) -> Result<(), JobError> {
    let case_id = job
        .payload
        .get("case_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobError::Fatal("payload without case_id".into()))?;
    match service
        .decide(case_id, &Actor::System, &command, None)
        .await
    {
        Ok((case, _)) => {
            tracing::info!(case = %case.code, job = job.kind, state = case.state.code(), "deadline job applied");
            service.failpoint(failpoint);
            Ok(())
        }
        // Not due (the deadline moved), already done (a rerun after a crash), or the case moved on.
        Err(CaseError::Refused(r)) => {
            tracing::debug!(case_id, job = job.kind, reason = %r, "deadline job not applicable");
            Ok(())
        }
        Err(e) if e.is_conflict() => Err(JobError::Retry(e.to_string())),
        Err(CaseError::Store(e)) => Err(JobError::Store(e)),
        Err(e) => Err(JobError::Fatal(e.to_string())),
    }
}

/// Register the case jobs on a runner.
pub fn register(runner: Runner, service: CaseService) -> Runner {
    let (s1, s2, s3, s4) = (service.clone(), service.clone(), service.clone(), service);
    runner
        .handle(ESCALATE, move |job: Job, _ctx: JobContext| {
            let s = s1.clone();
            async move {
                system_decision(&s, &job, Command::Escalate, "case.escalate.after_commit").await
            }
        })
        .handle(HARD_BREACH, move |job: Job, _ctx: JobContext| {
            let s = s2.clone();
            async move {
                system_decision(
                    &s,
                    &job,
                    Command::HardDeadlineBreached,
                    "case.hard_breach.after_commit",
                )
                .await
            }
        })
        .handle(AUTO_CLOSE, move |job: Job, _ctx: JobContext| {
            let s = s3.clone();
            async move {
                system_decision(&s, &job, Command::Close, "case.auto_close.after_commit").await
            }
        })
        .handle(DAILY_SUMMARY, move |job: Job, _ctx: JobContext| {
            let s = s4.clone();
            async move { crate::summary::run(&s, &job).await }
        })
}
