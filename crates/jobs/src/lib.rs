//! The durable job runner.
//!
//! Architecture Invariant: deadlines, deliveries and scheduled work are rows in the `jobs`
//! table, never in-memory timers. A runner claims due rows with a lease, runs the handler for
//! the job's kind, and marks the row done (or schedules a retry with back-off). A crash leaves
//! the row leased; when the lease expires another runner (or the restarted one) takes it
//! again, so every handler must be idempotent.
//!
//! Tests call [`Runner::run_pending`] to run everything due "now" (as their clock says)
//! without waiting.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use tongdai_domain::Instant;
use tongdai_domain::time::Clock;
use tongdai_store::jobs::{self, Job, JobStatus, NewJob};
use tongdai_store::{Store, StoreError};

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a server is down, a lock is held).
    #[error("temporary failure: {0}")]
    Retry(String),
    /// Trying again cannot help (bad payload); the job fails for good.
    #[error("permanent failure: {0}")]
    Fatal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a handler gets besides the job.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub store: Store,
    /// The instant the runner considers "now".
    pub now: Instant,
    pub worker: String,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handler of one kind of job.
pub trait JobHandler: Send + Sync {
    /// Run the job; must be idempotent (it may run again after a crash).
    fn run<'a>(&'a self, job: &'a Job, ctx: &'a JobContext) -> BoxFuture<'a, Result<(), JobError>>;
}

impl<F, Fut> JobHandler for F
where
    F: Fn(Job, JobContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run<'a>(&'a self, job: &'a Job, ctx: &'a JobContext) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(self(job.clone(), ctx.clone()))
    }
}

/// What one pass of the runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub done: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The runner: handlers by kind, a lease, and a back-off.
#[derive(Clone)]
pub struct Runner {
    store: Store,
    clock: Arc<dyn Clock>,
    handlers: Arc<HashMap<String, Arc<dyn JobHandler>>>,
    worker: String,
    /// How long a claimed job stays reserved for this worker.
    pub lease: chrono::Duration,
    /// Jobs claimed at once.
    pub batch: i64,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("worker", &self.worker)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Back-off after the n-th failed attempt: 30 s, 1 min, 2 min, … capped at 1 hour.
pub fn backoff(attempt: i64) -> chrono::Duration {
    let exponent = (attempt.max(1) - 1).min(16);
    chrono::Duration::seconds(30i64.saturating_mul(1i64 << exponent).min(3600))
}

impl Runner {
    /// A runner with no handlers yet; `worker` names this process in the rows it leases.
    pub fn new(store: Store, clock: Arc<dyn Clock>, worker: impl Into<String>) -> Runner {
        Runner {
            store,
            clock,
            handlers: Arc::new(HashMap::new()),
            worker: worker.into(),
            lease: chrono::Duration::seconds(120),
            batch: 50,
        }
    }

    /// Register the handler of a kind.
    pub fn handle(mut self, kind: &str, handler: impl JobHandler + 'static) -> Runner {
        Arc::make_mut(&mut self.handlers).insert(kind.to_owned(), Arc::new(handler));
        self
    }

    /// The kinds this runner knows.
    pub fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.handlers.keys().cloned().collect();
        k.sort();
        k
    }

    /// Enqueue a job (in its own transaction).
    pub async fn enqueue(&self, job: NewJob) -> Result<Option<i64>, StoreError> {
        let mut c = self.store.conn().await?;
        jobs::enqueue(&mut c, &job, self.clock.now()).await
    }

    /// Claim and run every job due now, until none is left. Returns what happened.
    pub async fn run_pending(&self) -> Result<PassReport, StoreError> {
        let mut total = PassReport::default();
        loop {
            let pass = self.pass().await?;
            total.done += pass.done;
            total.retried += pass.retried;
            total.failed += pass.failed;
            if pass.done + pass.retried + pass.failed == 0 {
                return Ok(total);
            }
        }
    }

    /// One batch.
    async fn pass(&self) -> Result<PassReport, StoreError> {
        let now = self.clock.now();
        let claimed = {
            let mut tx = self.store.begin().await?;
            let claimed = jobs::claim(&mut tx, &self.worker, now, self.lease, self.batch).await?;
            tx.commit().await?;
            claimed
        };
        let mut report = PassReport::default();
        for job in claimed {
            let ctx = JobContext {
                store: self.store.clone(),
                now: self.clock.now(),
                worker: self.worker.clone(),
            };
            let outcome = match self.handlers.get(&job.kind) {
                Some(h) => h.run(&job, &ctx).await,
                None => Err(JobError::Fatal(format!(
                    "no handler for job kind `{}`",
                    job.kind
                ))),
            };
            let mut c = self.store.conn().await?;
            match outcome {
                Ok(()) => {
                    jobs::complete(&mut c, job.id, &self.worker, self.clock.now()).await?;
                    report.done += 1;
                }
                Err(e) => {
                    let now = self.clock.now();
                    let (retry_at, job) = match &e {
                        JobError::Fatal(_) => (
                            now,
                            Job {
                                max_attempts: job.attempts,
                                ..job
                            },
                        ),
                        _ => (now + backoff(job.attempts), job),
                    };
                    match jobs::fail(&mut c, &job, &self.worker, &e.to_string(), retry_at, now)
                        .await?
                    {
                        JobStatus::Failed => {
                            tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed for good");
                            report.failed += 1;
                        }
                        _ => {
                            tracing::warn!(job = job.id, kind = %job.kind, error = %e, attempt = job.attempts, "job failed; will retry");
                            report.retried += 1;
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// Run forever: a pass, then sleep until the next due job (at most `poll`), until
    /// `shutdown` resolves.
    pub async fn run(self, poll: StdDuration, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_pending().await {
                tracing::error!(error = %e, "job runner pass failed");
            }
            let wait = match self.store.conn().await {
                Ok(mut c) => match jobs::next_due(&mut c).await {
                    Ok(Some(at)) => (at - self.clock.now())
                        .to_std()
                        .unwrap_or(StdDuration::ZERO)
                        .min(poll),
                    _ => poll,
                },
                Err(_) => poll,
            };
            tokio::select! {
                () = tokio::time::sleep(wait.max(StdDuration::from_millis(50))) => {}
                () = &mut shutdown => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(3), chrono::Duration::seconds(120));
        assert_eq!(backoff(20), chrono::Duration::seconds(3600));
        assert!(backoff(0) >= chrono::Duration::seconds(30));
    }
}

pub mod maintenance;
