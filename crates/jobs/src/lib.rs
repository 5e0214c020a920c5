//! The durable job runner.
//!
//! Architecture Invariant: deadlines, deliveries and scheduled work are rows in the `jobs`
//! table, never in-memory timers. A runner claims due rows with a lease, runs the handler for
//! the job's kind, and marks the row done (or schedules a retry with back-off). A crash leaves
//! the row leased; when the lease expires another runner (or the restarted one) takes it
//! again, so every handler must be idempotent.
//!
//! A runner claims only the kinds it has handlers for, each on its own index range: a job of a
//! kind this node does not run (a telephony job on a web-only node, say) waits for a node that
//! does, instead of failing here.
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
use tongdai_store::jobs::{self, Job, JobStatus, Kinds, NewJob};
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
    /// Jobs the handler marked done in its own transaction.
    completed: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl JobContext {
    /// Mark jobs done in the handler's own transaction, so that they are done exactly when its
    /// effects are committed: a crash between the two can then not run them again, and the
    /// runner saves a transaction. Call it last in the transaction, and return `Ok` for these
    /// jobs only if that transaction commits.
    pub async fn complete_in(
        &self,
        c: &mut tongdai_store::AnyConnection,
        ids: &[i64],
    ) -> Result<(), StoreError> {
        jobs::complete_many(c, ids, &self.worker, self.now).await?;
        self.completed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(ids.iter().copied());
        Ok(())
    }

    fn completed_here(&self, id: i64) -> bool {
        self.completed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }
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

/// The outcome of each job of a batch, in the order of the jobs.
pub type BatchOutcome = Vec<Result<(), JobError>>;

/// A handler of many jobs of one kind at once (the deadline jobs: a few hundred cases decided
/// and written in one transaction). The runner marks the jobs that succeeded done in one
/// statement and retries the others.
pub trait BatchHandler: Send + Sync {
    /// Run the jobs; must be idempotent (they may run again after a crash). Returns one
    /// outcome per job, in order.
    fn run<'a>(&'a self, jobs: &'a [Job], ctx: &'a JobContext) -> BoxFuture<'a, BatchOutcome>;
}

impl<F, Fut> BatchHandler for F
where
    F: Fn(Vec<Job>, JobContext) -> Fut + Send + Sync,
    Fut: Future<Output = BatchOutcome> + Send + 'static,
{
    fn run<'a>(&'a self, jobs: &'a [Job], ctx: &'a JobContext) -> BoxFuture<'a, BatchOutcome> {
        Box::pin(self(jobs.to_vec(), ctx.clone()))
    }
}

#[derive(Clone)]
enum Handler {
    One(Arc<dyn JobHandler>),
    Many(Arc<dyn BatchHandler>),
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
    handlers: Arc<HashMap<String, Handler>>,
    worker: String,
    /// How long a claimed job stays reserved for this worker.
    pub lease: chrono::Duration,
    /// Jobs claimed at once (of kinds run one by one). Small, because a claimed job waits for
    /// those before it within its lease (a delivery job carries up to
    /// `notifications::DELIVER_CHUNK` messages).
    pub batch: i64,
    /// Jobs of a batch kind claimed and run together.
    pub batch_size: i64,
    /// Workers claiming and running side by side: one decides a batch of deadlines while the
    /// other writes its own (SQLite has one writer; on PostgreSQL they claim with
    /// `SKIP LOCKED`).
    pub workers: usize,
    /// Passes made, to turn which single kind is claimed first.
    passes: Arc<std::sync::atomic::AtomicUsize>,
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
            batch: 10,
            batch_size: 500,
            workers: 2,
            passes: Arc::default(),
        }
    }

    /// Register the handler of a kind.
    pub fn handle(mut self, kind: &str, handler: impl JobHandler + 'static) -> Runner {
        Arc::make_mut(&mut self.handlers).insert(kind.to_owned(), Handler::One(Arc::new(handler)));
        self
    }

    /// Register the handler of a kind whose due jobs are run together.
    pub fn handle_batch(mut self, kind: &str, handler: impl BatchHandler + 'static) -> Runner {
        Arc::make_mut(&mut self.handlers).insert(kind.to_owned(), Handler::Many(Arc::new(handler)));
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

    /// Claim and run every job due now, until none is left, with [`Runner::workers`] workers
    /// side by side. Returns what happened.
    pub async fn run_pending(&self) -> Result<PassReport, StoreError> {
        if self.workers <= 1 {
            return self.drain().await;
        }
        let mut set = tokio::task::JoinSet::new();
        for i in 0..self.workers {
            let mut r = self.clone();
            r.worker = format!("{}/{i}", self.worker);
            set.spawn(async move { r.drain().await });
        }
        let mut total = PassReport::default();
        let mut first_error = None;
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(r)) => {
                    total.done += r.done;
                    total.retried += r.retried;
                    total.failed += r.failed;
                }
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(StoreError::Invalid(format!("job worker: {e}")));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    /// One worker: passes until one finds nothing due.
    async fn drain(&self) -> Result<PassReport, StoreError> {
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

    /// One batch: the due jobs claimed, those of batch kinds run together per kind, the others
    /// one by one.
    async fn pass(&self) -> Result<PassReport, StoreError> {
        let now = self.clock.now();
        let (mut batch_kinds, mut single_kinds): (Vec<String>, Vec<String>) =
            (Vec::new(), Vec::new());
        for (kind, h) in self.handlers.iter() {
            match h {
                Handler::Many(_) => batch_kinds.push(kind.clone()),
                Handler::One(_) => single_kinds.push(kind.clone()),
            }
        }
        batch_kinds.sort();
        // The kinds run one by one share a small limit; which comes first turns with each
        // pass, so that a flood of one kind does not starve the others.
        single_kinds.sort();
        if !single_kinds.is_empty() {
            let turn = self
                .passes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let n = single_kinds.len();
            single_kinds.rotate_left(turn % n);
        }
        let claimed = {
            let mut tx = self.store.begin().await?;
            // Each batch kind is its own batch; the single kinds share one small limit.
            let mut wanted: Vec<(&[String], i64)> = batch_kinds
                .iter()
                .map(|k| (std::slice::from_ref(k), self.batch_size))
                .collect();
            wanted.push((&single_kinds, self.batch));
            let mut claimed = Vec::new();
            for (kinds, limit) in wanted {
                claimed.extend(
                    jobs::claim_kinds(
                        &mut tx,
                        &self.worker,
                        now,
                        self.lease,
                        limit,
                        Kinds::Only(kinds),
                    )
                    .await?,
                );
            }
            tx.commit().await?;
            claimed
        };
        let mut report = PassReport::default();
        let mut batches: Vec<(Arc<dyn BatchHandler>, Vec<Job>)> = Vec::new();
        let mut single = Vec::new();
        for job in claimed {
            match self.handlers.get(&job.kind) {
                Some(Handler::Many(h)) => {
                    match batches
                        .iter_mut()
                        .find(|(_, jobs)| jobs[0].kind == job.kind)
                    {
                        Some((_, jobs)) => jobs.push(job),
                        None => batches.push((h.clone(), vec![job])),
                    }
                }
                _ => single.push(job),
            }
        }
        for (handler, jobs) in batches {
            let ctx = self.context();
            let mut outcomes = handler.run(&jobs, &ctx).await.into_iter();
            let mut done = Vec::with_capacity(jobs.len());
            for job in jobs {
                match outcomes.next().unwrap_or_else(|| {
                    Err(JobError::Retry("the batch handler gave no outcome".into()))
                }) {
                    Ok(()) if ctx.completed_here(job.id) => report.done += 1,
                    Ok(()) => done.push(job.id),
                    Err(e) => self.record_failure(job, &e, &mut report).await?,
                }
            }
            if !done.is_empty() {
                let mut c = self.store.conn().await?;
                jobs::complete_many(&mut c, &done, &self.worker, self.clock.now()).await?;
            }
            report.done += done.len();
        }
        for job in single {
            let ctx = self.context();
            let outcome = match self.handlers.get(&job.kind) {
                Some(Handler::One(h)) => h.run(&job, &ctx).await,
                _ => Err(JobError::Fatal(format!(
                    "no handler for job kind `{}`",
                    job.kind
                ))),
            };
            match outcome {
                Ok(()) => {
                    let mut c = self.store.conn().await?;
                    jobs::complete(&mut c, job.id, &self.worker, self.clock.now()).await?;
                    report.done += 1;
                }
                Err(e) => self.record_failure(job, &e, &mut report).await?,
            }
        }
        Ok(report)
    }

    fn context(&self) -> JobContext {
        JobContext {
            store: self.store.clone(),
            now: self.clock.now(),
            worker: self.worker.clone(),
            completed: Arc::default(),
        }
    }

    /// A failed job: retried after a back-off, or failed for good (fatal errors, or attempts
    /// used up).
    async fn record_failure(
        &self,
        job: Job,
        e: &JobError,
        report: &mut PassReport,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let (retry_at, job) = match e {
            JobError::Fatal(_) => (
                now,
                Job {
                    max_attempts: job.attempts,
                    ..job
                },
            ),
            _ => (now + backoff(job.attempts), job),
        };
        let mut c = self.store.conn().await?;
        match jobs::fail(&mut c, &job, &self.worker, &e.to_string(), retry_at, now).await? {
            JobStatus::Failed => {
                tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed for good");
                report.failed += 1;
            }
            _ => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, attempt = job.attempts, "job failed; will retry");
                report.retried += 1;
            }
        }
        Ok(())
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
