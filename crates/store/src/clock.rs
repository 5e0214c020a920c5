//! The system clock with an adjustable offset: production reads real time; tests and
//! demonstrations move it forward ("the officer misses the deadline") without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tongdai_domain::Instant;
use tongdai_domain::time::Clock;

/// Real time plus an offset (zero in production).
#[derive(Debug, Default)]
pub struct SystemClock {
    offset_us: AtomicI64,
}

impl SystemClock {
    /// A shared clock with no offset.
    pub fn shared() -> Arc<SystemClock> {
        Arc::new(SystemClock::default())
    }

    /// Move the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let us = by.num_microseconds().unwrap_or(0);
        self.offset_us.fetch_add(us, Ordering::SeqCst);
    }

    /// Make `now()` return `to` at this moment (and run on from there).
    pub fn set(&self, to: Instant) {
        let real = chrono::Utc::now();
        let us = (to - real).num_microseconds().unwrap_or(0);
        self.offset_us.store(us, Ordering::SeqCst);
    }

    /// The current offset.
    pub fn offset(&self) -> chrono::Duration {
        chrono::Duration::microseconds(self.offset_us.load(Ordering::SeqCst))
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        chrono::Utc::now() + self.offset()
    }
}
