//! Delivery of the outbox (CASE-5, CH-3, CH-5).
//!
//! A message is an outbox row written in the transaction of the event that causes it, with a
//! `notify.deliver` job. The job's handler here picks the row's channel, sends it, and records
//! the outcome (`accepted`, `failed`); temporary failures are retried by the job runner with
//! back-off. Channels are an interface: e-mail (SMTP) now; SMS gateways and Zalo implement the
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

async fn deliver(channels: Channels, job: Job, ctx: JobContext) -> Result<(), JobError> {
    let id = job
        .payload
        .get("outbox_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobError::Fatal("payload without outbox_id".into()))?;
    let row = {
        let mut c = ctx.store.conn().await?;
        notifications::get(&mut c, id).await?
    };
    if matches!(
        row.status,
        OutboxStatus::Accepted | OutboxStatus::Delivered | OutboxStatus::Failed
    ) {
        return Ok(()); // already done by an earlier run
    }
    let Some(channel) = channels.0.get(row.message.channel.as_str()) else {
        let mut c = ctx.store.conn().await?;
        let msg = format!(
            "channel `{}` is not configured on this node",
            row.message.channel
        );
        notifications::record_attempt(&mut c, id, OutboxStatus::Failed, None, Some(&msg), ctx.now)
            .await?;
        return Err(JobError::Fatal(msg));
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
            Ok(())
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
            Err(JobError::Retry(e))
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
            Err(JobError::Fatal(e))
        }
    }
}

/// Register the delivery handler on a runner.
pub fn register(runner: Runner, channels: Channels) -> Runner {
    runner.handle(DELIVER_JOB, move |job: Job, ctx: JobContext| {
        deliver(channels.clone(), job, ctx)
    })
}
