//! Delivery of the outbox (CASE-5, CH-3, CH-5).
//!
//! A message is an outbox row written in the transaction of the event that causes it, with a
//! `notify.deliver` job (one per chunk of rows queued together). The job's handler here picks
//! each row's channel, sends it, and records the outcome (`accepted`, `failed`); temporary
//! failures are retried by the job runner with back-off. Channels are an interface: e-mail (SMTP) now; SMS gateways and Zalo implement the
//! same trait.
//!
//! Delivery is at-least-once: a crash between the provider's acceptance and the row's update
//! sends the message again on retry. E-mails carry the outbox idempotency key as `Message-ID`
//! so a receiving system can recognise the repeat.

pub mod email;
#[cfg(feature = "testing")]
pub mod testing;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tongdai_jobs::{JobContext, JobError, Runner};
use tongdai_store::jobs::Job;
use tongdai_store::notifications::{self, DELIVER_JOB, OutboxStatus, OutgoingMessage};

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later (server down, timeout, 4xx).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Trying again cannot help (bad address, 5xx rejection, channel not configured).
    #[error("permanent: {0}")]
    Permanent(String),
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A way of reaching people: e-mail, SMS, Zalo.
pub trait Channel: Send + Sync {
    /// The channel's name as stored in `outbox.channel`.
    fn name(&self) -> &'static str;
    /// Send one message; `Ok` carries the provider's id for the message, if any.
    fn send<'a>(
        &'a self,
        message: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<Option<String>, SendError>>;
}

/// The channels configured on this node.
#[derive(Clone, Default)]
pub struct Channels(Arc<HashMap<&'static str, Arc<dyn Channel>>>);

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Channels")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Channels {
    /// Add a channel.
    pub fn with(mut self, channel: impl Channel + 'static) -> Channels {
        Arc::make_mut(&mut self.0).insert(channel.name(), Arc::new(channel));
        self
    }
}

/// What happened to one outbox row.
enum Sent {
    Done,
    Later(String),
    Never(String),
}

/// Deliver the outbox rows a job names. Rows already done (an earlier run of the job) are
/// skipped, so a retry sends only what is still queued. The job is retried while any row failed
/// temporarily, and failed when a row failed for good; each row keeps its own outcome.
async fn deliver(channels: Channels, job: Job, ctx: JobContext) -> Result<(), JobError> {
    let ids = notifications::delivery_ids(&job.payload)
        .ok_or_else(|| JobError::Fatal("payload without outbox ids".into()))?;
    let (mut later, mut never) = (Vec::new(), Vec::new());
    for id in ids {
        match deliver_one(&channels, id, &ctx).await? {
            Sent::Done => {}
            Sent::Later(e) => later.push(format!("{id}: {e}")),
            Sent::Never(e) => never.push(format!("{id}: {e}")),
        }
    }
    if !later.is_empty() {
        Err(JobError::Retry(later.join("; ")))
    } else if !never.is_empty() {
        Err(JobError::Fatal(never.join("; ")))
    } else {
        Ok(())
    }
}

async fn deliver_one(channels: &Channels, id: i64, ctx: &JobContext) -> Result<Sent, JobError> {
    let row = {
        let mut c = ctx.store.conn().await?;
        notifications::get(&mut c, id).await?
    };
    if matches!(
        row.status,
        OutboxStatus::Accepted | OutboxStatus::Delivered | OutboxStatus::Failed
    ) {
        return Ok(Sent::Done); // already done by an earlier run
    }
    let Some(channel) = channels.0.get(row.message.channel.as_str()) else {
        let mut c = ctx.store.conn().await?;
        let msg = format!(
            "channel `{}` is not configured on this node",
            row.message.channel
        );
        notifications::record_attempt(&mut c, id, OutboxStatus::Failed, None, Some(&msg), ctx.now)
            .await?;
        return Ok(Sent::Never(msg));
    };
    let outcome = channel.send(&row.message).await;
    let mut c = ctx.store.conn().await?;
    match outcome {
        Ok(provider_id) => {
            notifications::record_attempt(
                &mut c,
                id,
                OutboxStatus::Accepted,
                provider_id.as_deref(),
                None,
                ctx.now,
            )
            .await?;
            tracing::info!(outbox = id, channel = %row.message.channel, kind = %row.message.kind, "message sent");
            Ok(Sent::Done)
        }
        Err(SendError::Temporary(e)) => {
            notifications::record_attempt(
                &mut c,
                id,
                OutboxStatus::Queued,
                None,
                Some(&e),
                ctx.now,
            )
            .await?;
            Ok(Sent::Later(e))
        }
        Err(SendError::Permanent(e)) => {
            notifications::record_attempt(
                &mut c,
                id,
                OutboxStatus::Failed,
                None,
                Some(&e),
                ctx.now,
            )
            .await?;
            Ok(Sent::Never(e))
        }
    }
}

/// Register the delivery handler on a runner.
pub fn register(runner: Runner, channels: Channels) -> Runner {
    runner.handle(DELIVER_JOB, move |job: Job, ctx: JobContext| {
        deliver(channels.clone(), job, ctx)
    })
}
