//! The engine's events as the console receives them: a bounded log of the latest events (so a
//! console that reconnects resumes from the last sequence number it saw, `Last-Event-ID` or
//! `?since=`) and a live channel. Subscribing and replaying happen under one lock, so a
//! resumed stream has neither a gap nor a duplicate.

use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::broadcast;
use tongdai_telephony::EngineHandle;
use tongdai_telephony::api::EngineEvent;

/// How many events are kept for resuming consoles.
pub const KEEP: usize = 10_000;

/// The recent events and the live channel.
#[derive(Debug)]
pub struct EventLog {
    inner: Mutex<VecDeque<EngineEvent>>,
    live: broadcast::Sender<EngineEvent>,
}

/// What a subscriber gets: the events after its sequence number, whether some were lost
/// (older than the log), and the live receiver.
#[derive(Debug)]
pub struct Subscription {
    pub replay: Vec<EngineEvent>,
    pub gap: bool,
    pub live: broadcast::Receiver<EngineEvent>,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            inner: Mutex::new(VecDeque::new()),
            live: broadcast::channel(4096).0,
        }
    }
}

impl EventLog {
    /// Record one event and pass it on.
    pub fn push(&self, e: EngineEvent) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() == KEEP {
            g.pop_front();
        }
        g.push_back(e.clone());
        let _ = self.live.send(e);
    }

    /// Subscribe after sequence number `since` (0 = only new events).
    pub fn subscribe(&self, since: Option<u64>) -> Subscription {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let live = self.live.subscribe();
        let (replay, gap) = match since {
            None => (Vec::new(), false),
            Some(s) => {
                let replay: Vec<EngineEvent> = g.iter().filter(|e| e.seq > s).cloned().collect();
                let oldest = g.front().map_or(s + 1, |e| e.seq);
                (replay, oldest > s + 1)
            }
        };
        Subscription { replay, gap, live }
    }

    /// Copy the engine's events into the log until the engine stops.
    pub fn follow(self: std::sync::Arc<Self>, engine: &EngineHandle) {
        let mut rx = engine.events();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(e) => self.push(e),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(lost = n, "console event log fell behind the engine");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongdai_telephony::api::EventKind;

    fn ev(seq: u64) -> EngineEvent {
        EngineEvent {
            seq,
            node_id: "n".into(),
            at: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
            kind: EventKind::CallHeld {
                call_id: "c".into(),
                on_hold: true,
            },
        }
    }

    #[test]
    fn resume_replays_after_the_sequence_number_without_gap_or_duplicate() {
        let log = EventLog::default();
        for s in 1..=5 {
            log.push(ev(s));
        }
        let mut sub = log.subscribe(Some(3));
        assert_eq!(
            sub.replay.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(!sub.gap);
        log.push(ev(6));
        assert_eq!(sub.live.try_recv().map(|e| e.seq).ok(), Some(6));
        assert!(sub.live.try_recv().is_err(), "5 is not sent twice");
        let fresh = log.subscribe(None);
        assert!(fresh.replay.is_empty());
    }

    #[test]
    fn a_console_too_far_behind_is_told_of_the_gap() {
        let log = EventLog::default();
        for s in 1..=(KEEP as u64 + 10) {
            log.push(ev(s));
        }
        let sub = log.subscribe(Some(2));
        assert!(sub.gap);
        assert_eq!(sub.replay.len(), KEEP);
        assert!(!log.subscribe(Some(10)).gap);
    }
}
