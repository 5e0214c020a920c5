//! Media receive path without a task per leg: a few shard tasks (one per core) wake every
//! 20 ms on absolute deadlines and drain every socket of their shard until it would block.
//! At 50 packets/s per leg this replaces one reactor wake-up per packet with one pass per
//! tick, which is what the CPU budget per call needs; the price is up to one tick (20 ms) of
//! added relay delay (the poller runs on the same 20 ms clock as the pacer), which the far end's jitter buffer absorbs.

use super::leg::LegMedia;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Handle to the shard tasks.
#[derive(Debug)]
pub struct MediaPoller {
    shards: Vec<mpsc::UnboundedSender<Arc<LegMedia>>>,
    next: AtomicUsize,
    /// Datagrams read by all shards.
    pub datagrams: Arc<AtomicU64>,
}

impl MediaPoller {
    /// Start `shards` tasks ticking every `tick`.
    pub fn start(shards: usize, tick: Duration) -> MediaPoller {
        let datagrams = Arc::new(AtomicU64::new(0));
        let shards = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::unbounded_channel();
                let d = datagrams.clone();
                tokio::spawn(run(rx, tick, d));
                tx
            })
            .collect();
        MediaPoller {
            shards,
            next: AtomicUsize::new(0),
            datagrams,
        }
    }

    /// Serve a new leg (round robin over the shards).
    pub fn add(&self, leg: Arc<LegMedia>) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        let _ = self.shards[i].send(leg);
    }
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<Arc<LegMedia>>,
    tick: Duration,
    datagrams: Arc<AtomicU64>,
) {
    let mut legs: Vec<Arc<LegMedia>> = Vec::new();
    let mut buf = vec![0u8; 2048];
    let start = tokio::time::Instant::now();
    let mut n: u32 = 0;
    loop {
        loop {
            match rx.try_recv() {
                Ok(l) => legs.push(l),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => return,
            }
        }
        let mut got = 0;
        for l in &legs {
            got += l.drain(&mut buf);
        }
        datagrams.fetch_add(got as u64, Ordering::Relaxed);
        legs.retain(|l| !l.is_closed());
        n = n.wrapping_add(1);
        let mut deadline = start + tick * n;
        let now = tokio::time::Instant::now();
        if deadline + tick * 10 < now {
            // fell far behind (suspended): re-anchor instead of spinning
            n = ((now - start).as_millis() / tick.as_millis().max(1)) as u32;
            deadline = now + tick;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            l = rx.recv() => match l {
                Some(l) => legs.push(l),
                None => return,
            },
        }
    }
}
