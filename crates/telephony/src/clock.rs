//! Time as the engine sees it. Flows (office hours), CDR times and queue statistics read
//! this clock; tests inject a shifted or manual clock (scenario c: a call on a Sunday).
//! Media pacing never uses it: the pacer runs on the monotonic tokio clock.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// A clock handle, cheap to clone.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
enum Inner {
    System,
    /// Runs at real speed from `origin` (set when the clock was made).
    Shifted {
        origin: DateTime<Utc>,
        real: std::time::Instant,
    },
    /// Stands still until moved.
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Inner::System))
    }
    /// A clock that starts at `origin` now and runs at real speed.
    pub fn starting_at(origin: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Inner::Shifted {
            origin,
            real: std::time::Instant::now(),
        }))
    }
    /// A clock that only moves when told (unit tests).
    pub fn manual(t: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Inner::Manual(Mutex::new(t))))
    }
    /// Current time.
    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Inner::System => Utc::now(),
            Inner::Shifted { origin, real } => {
                *origin + chrono::TimeDelta::from_std(real.elapsed()).unwrap_or_default()
            }
            Inner::Manual(m) => *m.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
    /// Move a manual clock forward (no effect on the others).
    pub fn advance(&self, d: std::time::Duration) {
        if let Inner::Manual(m) = &*self.0 {
            let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
            *g += chrono::TimeDelta::from_std(d).unwrap_or_default();
        }
    }
}

/// Office hours as the `hours` flow node asks for them. The binary passes the working
/// calendar (ADM-4); tests pass fixed answers.
pub trait OpenHours: Send + Sync + std::fmt::Debug {
    /// Whether the office behind `calendar` (a calendar id from the flow) is open at `t`.
    fn is_open(&self, calendar: &str, t: DateTime<Utc>) -> bool;
}

impl OpenHours for tongdai_domain::calendar::WorkingCalendar {
    fn is_open(&self, _calendar: &str, t: DateTime<Utc>) -> bool {
        self.is_working_time(t)
    }
}

/// Always open or always closed (tests, and installs without a calendar yet).
#[derive(Debug, Clone, Copy)]
pub struct FixedHours(pub bool);

impl OpenHours for FixedHours {
    fn is_open(&self, _calendar: &str, _t: DateTime<Utc>) -> bool {
        self.0
    }
}

/// The administrator's manual switch, checked before the calendar: force open or closed
/// (a typhoon closes the office; an emergency opens the line on a holiday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursOverride {
    ForceOpen,
    ForceClosed,
}

/// Combine the override and the calendar.
pub fn office_open(
    hours: &dyn OpenHours,
    overridden: Option<HoursOverride>,
    calendar: &str,
    t: DateTime<Utc>,
) -> bool {
    match overridden {
        Some(HoursOverride::ForceOpen) => true,
        Some(HoursOverride::ForceClosed) => false,
        None => hours.is_open(calendar, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-29T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = Clock::manual(t0);
        assert_eq!(c.now(), t0);
        c.advance(std::time::Duration::from_secs(90));
        assert_eq!(c.now(), t0 + chrono::TimeDelta::seconds(90));
    }

    #[test]
    fn override_wins_over_calendar() {
        let t = Utc::now();
        assert!(!office_open(
            &FixedHours(true),
            Some(HoursOverride::ForceClosed),
            "default",
            t
        ));
        assert!(office_open(
            &FixedHours(false),
            Some(HoursOverride::ForceOpen),
            "default",
            t
        ));
        assert!(office_open(&FixedHours(true), None, "default", t));
    }
}
