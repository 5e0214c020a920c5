//! Queue statistics: estimated wait (ETA), rolling average handle time, service level.

use serde::{Deserialize, Serialize};

/// Estimated wait as announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eta {
    Minutes(u32),
    /// "more than N minutes" (the cap).
    MoreThan(u32),
}

/// ETA = position × average handle time ÷ agents serving, rounded up to a minute, capped.
pub fn eta(position: u32, avg_handle_s: u32, agents_serving: u32, cap_min: u32) -> Eta {
    let agents = agents_serving.max(1) as u64;
    let secs = (position as u64 * avg_handle_s as u64).div_ceil(agents);
    let mins = secs.div_ceil(60).max(1);
    if mins > cap_min as u64 {
        Eta::MoreThan(cap_min)
    } else {
        Eta::Minutes(mins as u32)
    }
}

/// Rolling average of the last N handle times (talk + wrap-up).
#[derive(Debug, Clone)]
pub struct RollingAverage {
    window: std::collections::VecDeque<u32>,
    cap: usize,
    default: u32,
}

impl RollingAverage {
    pub fn new(cap: usize, default: u32) -> Self {
        RollingAverage {
            window: Default::default(),
            cap: cap.max(1),
            default,
        }
    }
    pub fn push(&mut self, v: u32) {
        if self.window.len() == self.cap {
            self.window.pop_front();
        }
        self.window.push_back(v);
    }
    pub fn get(&self) -> u32 {
        if self.window.is_empty() {
            return self.default;
        }
        (self.window.iter().map(|v| *v as u64).sum::<u64>() / self.window.len() as u64) as u32
    }
}

/// Service-level counters for one queue and period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevel {
    pub threshold_s: u32,
    pub answered: u64,
    pub answered_within: u64,
    pub abandoned: u64,
    pub abandoned_within: u64,
    /// Abandons under 5 s, counted apart (misdials, not service failures).
    pub short_abandoned: u64,
}

impl ServiceLevel {
    pub fn new(threshold_s: u32) -> Self {
        ServiceLevel {
            threshold_s,
            ..Default::default()
        }
    }
    pub fn on_answered(&mut self, wait_s: u32) {
        self.answered += 1;
        if wait_s <= self.threshold_s {
            self.answered_within += 1;
        }
    }
    pub fn on_abandoned(&mut self, wait_s: u32) {
        if wait_s < 5 {
            self.short_abandoned += 1;
            return;
        }
        self.abandoned += 1;
        if wait_s <= self.threshold_s {
            self.abandoned_within += 1;
        }
    }
    /// SL = answered within T ÷ answered (None before any answer).
    pub fn sl(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_within as f64 / self.answered as f64)
    }
    /// SL2 = (answered within T + abandoned within T) ÷ (answered + abandoned).
    pub fn sl2(&self) -> Option<f64> {
        let d = self.answered + self.abandoned;
        (d > 0).then(|| (self.answered_within + self.abandoned_within) as f64 / d as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_rounds_up_and_caps() {
        assert_eq!(eta(1, 180, 2, 10), Eta::Minutes(2)); // 90 s -> 2 min
        assert_eq!(eta(3, 120, 3, 10), Eta::Minutes(2));
        assert_eq!(
            eta(1, 10, 5, 10),
            Eta::Minutes(1),
            "never announce zero minutes"
        );
        assert_eq!(eta(50, 180, 2, 10), Eta::MoreThan(10));
        assert_eq!(
            eta(2, 60, 0, 10),
            Eta::Minutes(2),
            "no agent serving counts as one"
        );
    }

    #[test]
    fn service_levels() {
        let mut s = ServiceLevel::new(20);
        s.on_answered(10);
        s.on_answered(30);
        s.on_abandoned(15);
        s.on_abandoned(40);
        s.on_abandoned(2);
        assert_eq!(s.sl(), Some(0.5));
        assert_eq!(s.sl2(), Some(0.5));
        assert_eq!(s.short_abandoned, 1);
    }

    #[test]
    fn rolling_average_window() {
        let mut r = RollingAverage::new(2, 180);
        assert_eq!(r.get(), 180);
        r.push(100);
        r.push(200);
        r.push(300);
        assert_eq!(r.get(), 250);
    }

    proptest::proptest! {
        #[test]
        fn eta_is_monotonic_in_position(p in 0u32..500, aht in 1u32..3600, agents in 0u32..50) {
            let m = |e: Eta| match e { Eta::Minutes(m) => m, Eta::MoreThan(m) => m + 1 };
            proptest::prop_assert!(m(eta(p, aht, agents, 10)) <= m(eta(p + 1, aht, agents, 10)));
        }
    }
}
