//! Housekeeping jobs: removing expired sessions once a day. Each run schedules the next, and
//! start-up schedules one if none is pending, so a server that was down catches up.

use crate::{JobContext, JobError, Runner};
use chrono::{Days, NaiveTime};
use tongdai_domain::Instant;
use tongdai_domain::time::{from_vietnam, to_vietnam};
use tongdai_store::jobs::{self, Job, NewJob};
use tongdai_store::sessions;

/// The kind of the session purge job.
pub const PURGE_SESSIONS: &str = "maintenance.purge_sessions";

/// 02:00 Vietnam time on the day after `now`.
fn next_night(now: Instant) -> Instant {
    let local = to_vietnam(now).date();
    let day = local.checked_add_days(Days::new(1)).unwrap_or(local);
    from_vietnam(day.and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default()))
}

fn purge_job(at: Instant) -> NewJob {
    NewJob::new(PURGE_SESSIONS, serde_json::json!({}), at)
        .dedupe(format!("{PURGE_SESSIONS}:{}", to_vietnam(at).date()))
}

async fn purge(_job: Job, ctx: JobContext) -> Result<(), JobError> {
    let mut tx = ctx.store.begin().await?;
    let n = sessions::purge_expired(&mut tx, ctx.now).await?;
    jobs::enqueue(&mut tx, &purge_job(next_night(ctx.now)), ctx.now).await?;
    tx.commit().await?;
    tracing::info!(removed = n, "expired sessions removed");
    Ok(())
}

/// Register the housekeeping handlers.
pub fn register(runner: Runner) -> Runner {
    runner.handle(PURGE_SESSIONS, purge)
}

/// Make sure tonight's purge is scheduled (idempotent).
pub async fn schedule(runner: &Runner, now: Instant) -> Result<(), tongdai_store::StoreError> {
    runner.enqueue(purge_job(next_night(now))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_night_is_two_o_clock_vietnam_time() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T23:30:00+07:00")
            .unwrap()
            .to_utc();
        assert_eq!(next_night(now).to_rfc3339(), "2026-11-29T19:00:00+00:00");
    }
}
