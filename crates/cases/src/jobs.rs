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
use tongdai_store::jobs::{Job, NewJob};

/// Job kinds.
pub const ESCALATE: &str = "case.escalate";
pub const HARD_BREACH: &str = "case.hard_breach";
pub const AUTO_CLOSE: &str = "case.auto_close";
pub const DAILY_SUMMARY: &str = "case.daily_summary";

fn job(kind: &str, case_id: i64, at: Instant) -> NewJob {
    NewJob::new(kind, serde_json::json!({ "case_id": case_id }), at)
        .dedupe(format!("{kind}:{case_id}:{}", at.timestamp_micros()))
}

/// The jobs a case's deadlines call for (queued in the transaction of the change; one that was
/// queued before, keyed by the same instant, is skipped then).
pub fn deadline_jobs(
    case: &Case,
    d: &Deadlines,
    cal: &WorkingCalendar,
    policy: &CasePolicy,
) -> Vec<NewJob> {
    let mut out = Vec::new();
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
        out.push(job(ESCALATE, case.id, due));
    }
    if (with_officer || case.state == CaseState::Escalated)
        && !case.hard_breached
        && let Some(hard) = d.hard_due_at
    {
        out.push(job(HARD_BREACH, case.id, hard));
    }
    if case.state == CaseState::Answered
        && let Some(answered) = case.answered_at
        && let Ok(until) = cal.working_days_deadline(answered, policy.windows.reopen_working_days)
    {
        // A second after the window's end, so "the window has passed" holds.
        out.push(job(
            AUTO_CLOSE,
            case.id,
            until + chrono::Duration::seconds(1),
        ));
    }
    out
}

fn case_id(job: &Job) -> Result<i64, JobError> {
    job.payload
        .get("case_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobError::Fatal("payload without case_id".into()))
}

async fn system_decision(
    service: &CaseService,
    job: &Job,
    command: &Command,
) -> Result<(), JobError> {
    let case_id = case_id(job)?;
    match service.decide(case_id, &Actor::System, command, None).await {
        Ok((case, _)) => {
            tracing::info!(case = %case.code, job = job.kind, state = case.state.code(), "deadline job applied");
            Ok(())
        }
        // Not due (the deadline moved), already done (a rerun after a crash), or the case moved on.
        Err(CaseError::Refused(r)) => {
            tracing::debug!(case_id, job = job.kind, reason = %r, "deadline job not applicable");
            Ok(())
        }
        Err(e) => Err(job_error(e)),
    }
}

fn job_error(e: CaseError) -> JobError {
    match e {
        e if e.is_conflict() => JobError::Retry(e.to_string()),
        CaseError::Store(e) => JobError::Store(e),
        e => JobError::Fatal(e.to_string()),
    }
}

/// Run due deadline jobs of one kind together: one transaction for the batch
/// ([`CaseService::decide_for_system`]); when another writer changed one of its cases
/// meanwhile, the jobs are run one by one instead.
async fn system_decisions(
    service: &CaseService,
    jobs: &[Job],
    ctx: &JobContext,
    command: Command,
    failpoint: &str,
) -> Vec<Result<(), JobError>> {
    let mut outcomes: Vec<Result<(), JobError>> = Vec::with_capacity(jobs.len());
    let mut items = Vec::with_capacity(jobs.len());
    let mut ids = Vec::with_capacity(jobs.len());
    for job in jobs {
        match case_id(job) {
            Ok(id) => {
                items.push((id, command.clone()));
                ids.push(job.id);
                outcomes.push(Ok(()));
            }
            Err(e) => outcomes.push(Err(e)),
        }
    }
    match service.decide_for_system(&items, Some((ctx, &ids))).await {
        Ok(batch) => {
            tracing::info!(
                kind = jobs.first().map(|j| j.kind.as_str()).unwrap_or(""),
                applied = batch.applied,
                not_applicable = batch.not_applicable,
                "deadline jobs applied"
            );
            service.failpoint(failpoint);
            outcomes
        }
        Err(e) if e.is_conflict() => {
            tracing::debug!(error = %e, "a case changed during the batch; deciding one by one");
            let mut one_by_one = Vec::with_capacity(jobs.len());
            for (job, earlier) in jobs.iter().zip(outcomes) {
                one_by_one.push(match earlier {
                    Ok(()) => {
                        let r = system_decision(service, job, &command).await;
                        service.failpoint(failpoint);
                        r
                    }
                    Err(e) => Err(e),
                });
            }
            one_by_one
        }
        Err(e) => {
            let message = e.to_string();
            let retry = matches!(e, CaseError::Store(_));
            outcomes
                .into_iter()
                .map(|o| {
                    o.and_then(|()| {
                        Err(if retry {
                            JobError::Retry(message.clone())
                        } else {
                            JobError::Fatal(message.clone())
                        })
                    })
                })
                .collect()
        }
    }
}

/// Register the case jobs on a runner.
pub fn register(runner: Runner, service: CaseService) -> Runner {
    let batch = |command: Command, failpoint: &'static str| {
        let s = service.clone();
        move |jobs: Vec<Job>, ctx: JobContext| {
            let s = s.clone();
            let command = command.clone();
            async move { system_decisions(&s, &jobs, &ctx, command, failpoint).await }
        }
    };
    let summary = service.clone();
    runner
        .handle_batch(
            ESCALATE,
            batch(Command::Escalate, "case.escalate.after_commit"),
        )
        .handle_batch(
            HARD_BREACH,
            batch(
                Command::HardDeadlineBreached,
                "case.hard_breach.after_commit",
            ),
        )
        .handle_batch(
            AUTO_CLOSE,
            batch(Command::Close, "case.auto_close.after_commit"),
        )
        .handle(DAILY_SUMMARY, move |job: Job, _ctx: JobContext| {
            let s = summary.clone();
            async move { crate::summary::run(&s, &job).await }
        })
}
