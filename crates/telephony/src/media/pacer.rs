//! The pacer: one task that wakes every 20 ms on absolute deadlines (start + n × 20 ms, so
//! it never drifts) and sends one frame to every stream that plays generated audio, then
//! ticks every recorder. Hundreds of queued callers cost one timer, not hundreds.

use super::g711::Law;
use super::leg::{LegMedia, MediaEvent};
use super::prompt::Prompt;
use crate::recording::Recorder;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// One playback request.
#[derive(Debug)]
pub struct PlayJob {
    pub media: Arc<LegMedia>,
    pub prompts: Vec<Arc<Prompt>>,
    pub looping: bool,
    pub token: u64,
    pub events: mpsc::UnboundedSender<MediaEvent>,
}

struct Running {
    job: PlayJob,
    law: Law,
    idx: usize,
    pos: usize,
}

enum Cmd {
    Play(PlayJob),
    Record(Arc<Recorder>),
    Unrecord(Arc<Recorder>),
}

/// Handle to the pacer task.
#[derive(Clone, Debug)]
pub struct Pacer {
    tx: mpsc::UnboundedSender<Cmd>,
    next_token: Arc<AtomicU64>,
    stats: Arc<PacerStats>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PacerCmd")
    }
}

/// Timing health of the pacer (late ticks mean the machine is overloaded).
#[derive(Debug, Default)]
pub struct PacerStats {
    pub ticks: AtomicU64,
    pub late_ticks: AtomicU64,
    pub streams: AtomicU64,
    pub recorders: AtomicU64,
    pub frames_sent: AtomicU64,
}

impl Pacer {
    /// Start the pacer task; it stops when every handle is dropped.
    pub fn start() -> Pacer {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(PacerStats::default());
        let s = stats.clone();
        tokio::spawn(async move { run(rx, s).await });
        Pacer {
            tx,
            next_token: Arc::new(AtomicU64::new(1)),
            stats,
        }
    }

    /// Play `prompts` (looped if asked) on `media`; returns the token reported in
    /// [`MediaEvent::PlayDone`]. Any earlier playback on that leg stops.
    pub fn play(
        &self,
        media: &Arc<LegMedia>,
        prompts: Vec<Arc<Prompt>>,
        looping: bool,
        events: &mpsc::UnboundedSender<MediaEvent>,
    ) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        media.play_token.store(token, Ordering::Relaxed);
        media.source_changed();
        let _ = self.tx.send(Cmd::Play(PlayJob {
            media: media.clone(),
            prompts,
            looping,
            token,
            events: events.clone(),
        }));
        token
    }

    /// Stop whatever plays on `media`.
    pub fn stop(&self, media: &LegMedia) {
        media.play_token.store(0, Ordering::Relaxed);
    }

    pub fn add_recorder(&self, r: Arc<Recorder>) {
        let _ = self.tx.send(Cmd::Record(r));
    }

    pub fn remove_recorder(&self, r: Arc<Recorder>) {
        let _ = self.tx.send(Cmd::Unrecord(r));
    }

    pub fn stats(&self) -> &PacerStats {
        &self.stats
    }
}

async fn run(mut rx: mpsc::UnboundedReceiver<Cmd>, stats: Arc<PacerStats>) {
    let mut running: Vec<Running> = Vec::new();
    let mut recorders: Vec<Arc<Recorder>> = Vec::new();
    let start = tokio::time::Instant::now();
    let mut n: u64 = 0;
    loop {
        n += 1;
        let deadline = start + Duration::from_millis(20 * n);
        tokio::select! {
            biased;
            cmd = rx.recv() => {
                match cmd {
                    Some(Cmd::Play(job)) => {
                        let law = job.media.law();
                        running.retain(|r| !Arc::ptr_eq(&r.job.media, &job.media));
                        running.push(Running { job, law, idx: 0, pos: 0 });
                    }
                    Some(Cmd::Record(r)) => recorders.push(r),
                    Some(Cmd::Unrecord(r)) => recorders.retain(|x| !Arc::ptr_eq(x, &r)),
                    None => break,
                }
                n -= 1; // this wake-up was not a tick
                continue;
            }
            _ = tokio::time::sleep_until(deadline) => {}
        }
        let now = tokio::time::Instant::now();
        if now > deadline + Duration::from_millis(10) {
            stats.late_ticks.fetch_add(1, Ordering::Relaxed);
            // fell far behind (suspended machine): re-anchor instead of bursting
            if now > deadline + Duration::from_millis(200) {
                n = (now - start).as_millis() as u64 / 20;
            }
        }
        stats.ticks.fetch_add(1, Ordering::Relaxed);
        running.retain_mut(|r| tick_one(r, &stats));
        for rec in &recorders {
            rec.tick();
        }
        stats.streams.store(running.len() as u64, Ordering::Relaxed);
        stats
            .recorders
            .store(recorders.len() as u64, Ordering::Relaxed);
    }
}

/// Send the next frame of one stream; false when it is finished or was stopped.
fn tick_one(r: &mut Running, stats: &PacerStats) -> bool {
    let m = &r.job.media;
    if m.play_token.load(Ordering::Relaxed) != r.job.token || m.is_closed() {
        return false;
    }
    let pt = r.law.payload_type();
    let mut frame = [r.law.silence(); 160];
    let mut filled = 0;
    while filled < 160 {
        let Some(p) = r.job.prompts.get(r.idx) else {
            if r.job.looping && !r.job.prompts.is_empty() {
                r.idx = 0;
                r.pos = 0;
                continue;
            }
            break;
        };
        let bytes = p.bytes(r.law);
        if r.pos >= bytes.len() {
            r.idx += 1;
            r.pos = 0;
            continue;
        }
        let take = (160 - filled).min(bytes.len() - r.pos);
        frame[filled..filled + take].copy_from_slice(&bytes[r.pos..r.pos + take]);
        filled += take;
        r.pos += take;
    }
    if filled == 0 {
        let _ = r.job.events.send(MediaEvent::PlayDone {
            leg: m.leg,
            token: r.job.token,
        });
        m.play_token
            .compare_exchange(r.job.token, 0, Ordering::Relaxed, Ordering::Relaxed)
            .ok();
        return false;
    }
    m.send_frame(&frame, pt);
    stats.frames_sent.fetch_add(1, Ordering::Relaxed);
    true
}
