//! A sliding-window limiter per key (a client address), in memory: lookups by code and phone
//! are cheap to try, so each address gets a budget (CASE-9, SEC-5). Submissions are limited by
//! the case service from the database instead, so that limit holds across nodes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per key in any `window`.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    seen: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            seen: Mutex::default(),
        }
    }

    /// Count an event for `key`; false when the key is over its budget.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.seen.lock() else {
            return true;
        };
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        let v = map.entry(key.to_owned()).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        if v.len() >= self.max {
            return false;
        }
        v.push(now);
        true
    }
}

impl Default for RateLimiter {
    /// Lookups: 20 per address in 10 minutes.
    fn default() -> Self {
        RateLimiter::new(20, Duration::from_secs(600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_within_the_window() {
        let l = RateLimiter::new(3, Duration::from_secs(60));
        assert!(l.allow("a") && l.allow("a") && l.allow("a"));
        assert!(!l.allow("a"));
        assert!(l.allow("b"));
        let quick = RateLimiter::new(1, Duration::from_millis(20));
        assert!(quick.allow("a"));
        assert!(!quick.allow("a"));
        std::thread::sleep(Duration::from_millis(30));
        assert!(quick.allow("a"));
    }
}
