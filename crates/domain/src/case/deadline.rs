//! The deadline clocks of a case (CASE-6, NĐ 20/2008 Art. 9; vietnam.md §3).
//!
//! Three clocks:
//! - **focal** (`due_at`): the agency's focal officer answers within 8 working hours of being
//!   notified (the plan, II.5);
//! - **head** (`hard_due_at`): past that, the head of the agency resolves "nhưng không quá 48
//!   giờ" — ambiguous, so [`HardLimitMode`] implements every reading of vietnam.md §3's table;
//! - **statutory** (`statutory_due_at`): NĐ 20/2008 Art. 9 gives 5 working days from receipt
//!   to classify and forward; met when the case leaves the coordinator's hands.
//!
//! A [`Clock`] keeps what it was started with and every adjustment (pauses, approved
//! extensions) in order, so its due instant can be recomputed from scratch and checked; the
//! incremental updates used by the state machine give the same result. Paused time pushes a
//! deadline by the time the pause took *in the clock's own unit* (working time for working
//! clocks, wall time for wall clocks); only pauses that begin before the current due instant
//! count (an expired clock stays expired). An extension of `h` hours moves the due instant by
//! exactly `h` working hours.

use super::kind::CaseKind;
use crate::Instant;
use crate::calendar::WorkingCalendar;
use crate::time::{from_vietnam, to_vietnam};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

code_enum! {
    /// The readings of "không quá 48 giờ" (vietnam.md §3). For a case assigned Friday 15:00
    /// (focal due Monday 16:00): a → Sunday 15:00, b → Wednesday 16:00, c → Tuesday 15:00,
    /// d → Tuesday of the following week 14:00.
    HardLimitMode {
        /// 48 wall-clock hours from assignment (can fall before the focal deadline).
        A = "a" / "48 giờ liên tục kể từ khi giao",
        /// 48 wall-clock hours from escalation: the default, the only wall-clock reading that
        /// never contradicts the focal deadline.
        B = "b" / "48 giờ liên tục kể từ khi chuyển thủ trưởng",
        /// 2 working days from assignment (the head limit divided by 24, rounded up), at the
        /// same time of day.
        C = "c" / "2 ngày làm việc kể từ khi giao",
        /// 48 working hours from assignment.
        D = "d" / "48 giờ làm việc kể từ khi giao",
    }
}

/// The deadline settings of a tenant (and, optionally, of one kind); serde with defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlinePolicy {
    /// Working hours the focal officer has (plan: 8).
    pub focal_limit_hours: u32,
    /// Hours the head has (plan: "không quá 48 giờ"), read per `hard_limit_mode`.
    pub head_limit_hours: u32,
    pub hard_limit_mode: HardLimitMode,
    /// Move a wall-clock deadline that falls outside working time to the next opening
    /// (Sunday 15:00 → Monday 07:00).
    pub snap_to_opening: bool,
    /// NĐ 20/2008 Art. 9: working days to classify and forward.
    pub statutory_working_days: u32,
    /// The largest extension an officer may ask for at once, in working hours.
    pub extension_max_hours: u32,
    /// Amber when at most this share of the time is left.
    pub amber_percent: u8,
    /// Red when at most this much working time is left.
    pub red_working_minutes: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            focal_limit_hours: 8,
            head_limit_hours: 48,
            hard_limit_mode: HardLimitMode::B,
            snap_to_opening: false,
            statutory_working_days: 5,
            extension_max_hours: 40,
            amber_percent: 50,
            red_working_minutes: 60,
        }
    }
}

code_enum! {
    /// What a clock counts.
    ClockUnit {
        Working = "working" / "Giờ làm việc",
        Wall = "wall" / "Giờ liên tục",
    }
}

code_enum! {
    /// The two agency clocks.
    ClockName {
        Focal = "focal" / "Hạn cán bộ đầu mối",
        Head = "head" / "Hạn thủ trưởng",
    }
}

code_enum! {
    /// The colour of a running deadline on lists and the wall board.
    Urgency {
        Green = "green" / "Còn hạn",
        Amber = "amber" / "Sắp đến hạn",
        Red = "red" / "Gấp",
        Overdue = "overdue" / "Quá hạn",
        Paused = "paused" / "Tạm dừng",
        Done = "done" / "Đã xử lý",
    }
}

/// How much time a clock grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Budget {
    /// Hours in the clock's unit.
    Hours { hours: u32 },
    /// Working days: the same time of day on the n-th working day after the start.
    WorkingDays { days: u32 },
}

/// Something that moved a clock after it started, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Adjustment {
    Pause { from: Instant, to: Instant },
    Extension { hours: u32 },
}

/// One deadline clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub unit: ClockUnit,
    pub budget: Budget,
    pub started_at: Instant,
    pub snap_to_opening: bool,
    pub adjustments: Vec<Adjustment>,
    pub paused_since: Option<Instant>,
    pub stopped_at: Option<Instant>,
    /// The current due instant (kept in step with the adjustments).
    pub due_at: Instant,
}

/// `t` advanced by `d` in `unit`.
pub fn advance(cal: &WorkingCalendar, unit: ClockUnit, t: Instant, d: TimeDelta) -> Instant {
    match unit {
        ClockUnit::Working => cal.add_working(t, d),
        ClockUnit::Wall => t.checked_add_signed(d.max(TimeDelta::zero())).unwrap_or(t),
    }
}

/// The time from `a` to `b` in `unit` (zero when `b <= a`).
pub fn measure(cal: &WorkingCalendar, unit: ClockUnit, a: Instant, b: Instant) -> TimeDelta {
    match unit {
        ClockUnit::Working => cal.working_between(a, b),
        ClockUnit::Wall => (b - a).max(TimeDelta::zero()),
    }
}

/// The same time of day on the `days`-th working day after the start (a start outside working
/// time counts from the next opening); when that instant is outside working time, the latest
/// instant with the same working time (an interval end rather than the next morning).
pub fn working_days_due(cal: &WorkingCalendar, start: Instant, days: u32) -> Instant {
    let s0 = cal.add_working(start, TimeDelta::zero());
    if days == 0 {
        return s0;
    }
    let local = to_vietnam(s0);
    let Ok(date) = cal.add_working_days(local.date(), days) else {
        return cal.add_working(s0, TimeDelta::MAX);
    };
    let candidate = from_vietnam(date.and_time(local.time()));
    cal.add_working(s0, cal.working_between(s0, candidate))
}

/// The base due instant of a budget, before adjustments.
fn base_due(cal: &WorkingCalendar, unit: ClockUnit, budget: Budget, start: Instant) -> Instant {
    match budget {
        Budget::Hours { hours } => advance(cal, unit, start, TimeDelta::hours(i64::from(hours))),
        Budget::WorkingDays { days } => working_days_due(cal, start, days),
    }
}

/// Applies one adjustment to a due instant.
fn adjust(cal: &WorkingCalendar, unit: ClockUnit, due: Instant, a: &Adjustment) -> Instant {
    match *a {
        Adjustment::Pause { from, to } if from < due => {
            advance(cal, unit, due, measure(cal, unit, from, to))
        }
        Adjustment::Pause { .. } => due,
        Adjustment::Extension { hours } => cal.add_working(due, TimeDelta::hours(i64::from(hours))),
    }
}

fn snap(cal: &WorkingCalendar, unit: ClockUnit, on: bool, due: Instant) -> Instant {
    if on && unit == ClockUnit::Wall {
        cal.add_working(due, TimeDelta::zero())
    } else {
        due
    }
}

/// The due instant of a clock, from scratch: the base, then each adjustment in order, then
/// (for wall clocks, when asked) moved to the next opening.
pub fn due_instant(
    cal: &WorkingCalendar,
    unit: ClockUnit,
    budget: Budget,
    start: Instant,
    adjustments: &[Adjustment],
    snap_to_opening: bool,
) -> Instant {
    // Deadlines are counted in whole minutes from the start: a case forwarded at 15:00:40 on
    // a Friday is due Monday 16:00, not Tuesday 07:00 because of forty seconds.
    let mut due = base_due(cal, unit, budget, floor_to_minute(start));
    for a in adjustments {
        due = adjust(cal, unit, due, a);
    }
    snap(cal, unit, snap_to_opening, due)
}

/// The instant without its seconds.
pub fn floor_to_minute(t: Instant) -> Instant {
    let secs = t.timestamp().div_euclid(60) * 60;
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or(t)
}

impl Clock {
    /// A clock started at `at`.
    pub fn start(
        cal: &WorkingCalendar,
        unit: ClockUnit,
        budget: Budget,
        at: Instant,
        snap_to_opening: bool,
    ) -> Clock {
        Clock {
            unit,
            budget,
            started_at: at,
            snap_to_opening,
            adjustments: Vec::new(),
            paused_since: None,
            stopped_at: None,
            due_at: due_instant(cal, unit, budget, at, &[], snap_to_opening),
        }
    }

    /// The due instant recomputed from the start and the adjustments (what `due_at` must be).
    pub fn recompute(&self, cal: &WorkingCalendar) -> Instant {
        due_instant(
            cal,
            self.unit,
            self.budget,
            self.started_at,
            &self.adjustments,
            self.snap_to_opening,
        )
    }

    /// Neither stopped nor paused.
    pub fn is_running(&self) -> bool {
        self.stopped_at.is_none() && self.paused_since.is_none()
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped_at.is_some()
    }

    /// Pauses a running clock; false when it was not running.
    pub fn pause(&mut self, at: Instant) -> bool {
        if !self.is_running() {
            return false;
        }
        self.paused_since = Some(at);
        true
    }

    /// Resumes a paused clock: the pause becomes an adjustment and pushes the due instant.
    pub fn resume(&mut self, cal: &WorkingCalendar, at: Instant) -> bool {
        let Some(from) = self.paused_since.take() else {
            return false;
        };
        if self.stopped_at.is_some() {
            return false;
        }
        self.adjustments.push(Adjustment::Pause {
            from,
            to: at.max(from),
        });
        self.due_at = self.recompute(cal);
        true
    }

    /// Adds `hours` working hours to a clock that has not stopped.
    pub fn extend(&mut self, cal: &WorkingCalendar, hours: u32) -> bool {
        if self.stopped_at.is_some() {
            return false;
        }
        self.adjustments.push(Adjustment::Extension { hours });
        self.due_at = self.recompute(cal);
        true
    }

    /// Stops the clock. A paused clock stops when its pause began (the work was handed in
    /// then). Returns the stop instant, or `None` when it had already stopped.
    pub fn stop(&mut self, at: Instant) -> Option<Instant> {
        if self.stopped_at.is_some() {
            return None;
        }
        let at = self.paused_since.take().unwrap_or(at);
        self.stopped_at = Some(at);
        Some(at)
    }

    /// Whether the clock stopped by its due instant; `None` while it runs.
    pub fn met(&self) -> Option<bool> {
        self.stopped_at.map(|s| s <= self.due_at)
    }

    /// The clock's time granted so far, pauses excluded (base budget plus extensions).
    fn active_total(&self, cal: &WorkingCalendar) -> TimeDelta {
        let paused: TimeDelta = self
            .adjustments
            .iter()
            .filter_map(|a| match *a {
                Adjustment::Pause { from, to } if from < self.due_at => {
                    Some(measure(cal, self.unit, from, to))
                }
                _ => None,
            })
            .fold(TimeDelta::zero(), |a, b| a + b);
        (measure(cal, self.unit, self.started_at, self.due_at) - paused).max(TimeDelta::zero())
    }

    /// The colour of the clock at `now` (CASE-6): done or paused when not running; overdue
    /// at or past the due instant; red with at most `red_working_minutes` of working time
    /// left; amber with at most `amber_percent` of the clock's time left; green otherwise.
    pub fn urgency(&self, cal: &WorkingCalendar, policy: &DeadlinePolicy, now: Instant) -> Urgency {
        if self.stopped_at.is_some() {
            return Urgency::Done;
        }
        if self.paused_since.is_some() {
            return Urgency::Paused;
        }
        if now >= self.due_at {
            return Urgency::Overdue;
        }
        let left_working = cal.working_between(now, self.due_at);
        if left_working <= TimeDelta::minutes(i64::from(policy.red_working_minutes)) {
            return Urgency::Red;
        }
        let total = self.active_total(cal).num_seconds();
        let left = measure(cal, self.unit, now, self.due_at).num_seconds();
        if total > 0 && left * 100 <= total * i64::from(policy.amber_percent) {
            Urgency::Amber
        } else {
            Urgency::Green
        }
    }
}

/// How the head clock is read, fixed when the agency clocks start so that a later policy edit
/// never moves an announced deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadRule {
    pub mode: HardLimitMode,
    pub hours: u32,
    pub snap_to_opening: bool,
}

/// The statutory clock (NĐ 20/2008 Art. 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutoryClock {
    pub due_at: Instant,
    /// When the case was classified and forwarded (or otherwise disposed of).
    pub met_at: Option<Instant>,
}

/// The clocks of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clocks {
    pub focal: Option<Clock>,
    /// Modes a, c, d: started with the focal clock. Mode b: started at escalation; until
    /// then [`Clocks::hard_due`] projects it from the focal due instant.
    pub head: Option<Clock>,
    pub head_rule: Option<HeadRule>,
    pub statutory: Option<StatutoryClock>,
}

/// The three deadline columns of a case (vietnam.md §2.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub due_at: Option<Instant>,
    pub hard_due_at: Option<Instant>,
    pub statutory_due_at: Option<Instant>,
}

/// A change to a clock, as data for the store (scheduling the escalation job, reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClockEffect {
    Started {
        clock: ClockName,
        started_at: Instant,
        due_at: Instant,
    },
    Paused {
        clock: ClockName,
        at: Instant,
    },
    Resumed {
        clock: ClockName,
        at: Instant,
        due_at: Instant,
    },
    Extended {
        clock: ClockName,
        hours: u32,
        due_at: Instant,
    },
    Stopped {
        clock: ClockName,
        at: Instant,
        due_at: Instant,
        on_time: bool,
    },
    /// The head deadline as projected before escalation (mode b) changed.
    HardDueProjected {
        due_at: Instant,
    },
    StatutoryStarted {
        due_at: Instant,
    },
    StatutoryMet {
        at: Instant,
        on_time: bool,
    },
    StatutoryReopened {
        due_at: Instant,
    },
}

impl Clocks {
    /// The statutory clock of a case received at `received_at`.
    pub fn start_statutory(
        &mut self,
        cal: &WorkingCalendar,
        policy: &DeadlinePolicy,
        received_at: Instant,
    ) -> Vec<ClockEffect> {
        let due_at = cal
            .working_days_deadline(received_at, policy.statutory_working_days)
            .unwrap_or_else(|_| cal.add_working(received_at, TimeDelta::MAX));
        self.statutory = Some(StatutoryClock {
            due_at,
            met_at: None,
        });
        vec![ClockEffect::StatutoryStarted { due_at }]
    }

    /// Marks the statutory clock met (once).
    pub fn meet_statutory(&mut self, at: Instant) -> Vec<ClockEffect> {
        match &mut self.statutory {
            Some(s) if s.met_at.is_none() => {
                s.met_at = Some(at);
                vec![ClockEffect::StatutoryMet {
                    at,
                    on_time: at <= s.due_at,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// The case is back with the coordinator: the statutory clock runs again, from receipt.
    pub fn reopen_statutory(&mut self) -> Vec<ClockEffect> {
        match &mut self.statutory {
            Some(s) if s.met_at.is_some() => {
                s.met_at = None;
                vec![ClockEffect::StatutoryReopened { due_at: s.due_at }]
            }
            _ => Vec::new(),
        }
    }

    /// Starts the agency clocks at `at` (forwarding or reopening), stopping any earlier ones.
    pub fn start_agency(
        &mut self,
        cal: &WorkingCalendar,
        policy: &DeadlinePolicy,
        at: Instant,
    ) -> Vec<ClockEffect> {
        let mut fx = self.stop_agency(at);
        let focal = Clock::start(
            cal,
            ClockUnit::Working,
            Budget::Hours {
                hours: policy.focal_limit_hours,
            },
            at,
            false,
        );
        fx.push(ClockEffect::Started {
            clock: ClockName::Focal,
            started_at: at,
            due_at: focal.due_at,
        });
        self.focal = Some(focal);
        let rule = HeadRule {
            mode: policy.hard_limit_mode,
            hours: policy.head_limit_hours,
            snap_to_opening: policy.snap_to_opening,
        };
        self.head_rule = Some(rule);
        let head = match rule.mode {
            HardLimitMode::A => Some((ClockUnit::Wall, Budget::Hours { hours: rule.hours })),
            HardLimitMode::B => None,
            HardLimitMode::C => Some((
                ClockUnit::Working,
                Budget::WorkingDays {
                    days: rule.hours.div_ceil(24),
                },
            )),
            HardLimitMode::D => Some((ClockUnit::Working, Budget::Hours { hours: rule.hours })),
        };
        self.head =
            head.map(|(unit, budget)| Clock::start(cal, unit, budget, at, rule.snap_to_opening));
        match &self.head {
            Some(h) => fx.push(ClockEffect::Started {
                clock: ClockName::Head,
                started_at: at,
                due_at: h.due_at,
            }),
            None => fx.extend(self.projection_effect(cal)),
        }
        fx
    }

    fn projection_effect(&self, cal: &WorkingCalendar) -> Option<ClockEffect> {
        if self.head.is_some() {
            return None;
        }
        self.hard_due(cal)
            .map(|due_at| ClockEffect::HardDueProjected { due_at })
    }

    fn each_agency(&mut self) -> impl Iterator<Item = (ClockName, &mut Clock)> {
        [
            (ClockName::Focal, self.focal.as_mut()),
            (ClockName::Head, self.head.as_mut()),
        ]
        .into_iter()
        .filter_map(|(n, c)| c.map(|c| (n, c)))
    }

    /// Stops the agency clocks that still run or are paused.
    pub fn stop_agency(&mut self, at: Instant) -> Vec<ClockEffect> {
        let mut fx = Vec::new();
        for (clock, c) in self.each_agency() {
            if let Some(stopped) = c.stop(at) {
                fx.push(ClockEffect::Stopped {
                    clock,
                    at: stopped,
                    due_at: c.due_at,
                    on_time: stopped <= c.due_at,
                });
            }
        }
        fx
    }

    /// Pauses the running agency clocks.
    pub fn pause_agency(&mut self, at: Instant) -> Vec<ClockEffect> {
        let mut fx = Vec::new();
        for (clock, c) in self.each_agency() {
            if c.pause(at) {
                fx.push(ClockEffect::Paused { clock, at });
            }
        }
        fx
    }

    /// Resumes the paused agency clocks; their due instants move by the pause.
    pub fn resume_agency(&mut self, cal: &WorkingCalendar, at: Instant) -> Vec<ClockEffect> {
        let mut fx = Vec::new();
        for (clock, c) in self.each_agency() {
            if c.resume(cal, at) {
                fx.push(ClockEffect::Resumed {
                    clock,
                    at,
                    due_at: c.due_at,
                });
            }
        }
        fx.extend(self.projection_effect(cal));
        fx
    }

    /// Extends the agency clocks that have not stopped by `hours` working hours.
    pub fn extend_agency(&mut self, cal: &WorkingCalendar, hours: u32) -> Vec<ClockEffect> {
        let mut fx = Vec::new();
        for (clock, c) in self.each_agency() {
            if c.extend(cal, hours) {
                fx.push(ClockEffect::Extended {
                    clock,
                    hours,
                    due_at: c.due_at,
                });
            }
        }
        fx.extend(self.projection_effect(cal));
        fx
    }

    /// Escalation at the focal deadline: the focal clock stops there (missed), and in mode b
    /// the head clock starts there. The escalation instant is the deadline itself, not the
    /// moment a job noticed it, so the head deadline does not depend on job timing.
    pub fn escalate(&mut self, cal: &WorkingCalendar) -> Vec<ClockEffect> {
        let mut fx = Vec::new();
        let Some(focal) = self.focal.as_mut() else {
            return fx;
        };
        let at = focal.due_at;
        if let Some(stopped) = focal.stop(at) {
            fx.push(ClockEffect::Stopped {
                clock: ClockName::Focal,
                at: stopped,
                due_at: focal.due_at,
                on_time: false,
            });
        }
        if self.head.is_none() {
            let rule = self.head_rule.unwrap_or(HeadRule {
                mode: HardLimitMode::B,
                hours: DeadlinePolicy::default().head_limit_hours,
                snap_to_opening: false,
            });
            let head = Clock::start(
                cal,
                ClockUnit::Wall,
                Budget::Hours { hours: rule.hours },
                at,
                rule.snap_to_opening,
            );
            fx.push(ClockEffect::Started {
                clock: ClockName::Head,
                started_at: at,
                due_at: head.due_at,
            });
            self.head = Some(head);
        }
        fx
    }

    /// The focal due instant.
    pub fn focal_due(&self) -> Option<Instant> {
        self.focal.as_ref().map(|c| c.due_at)
    }

    /// The head (hard) due instant: the head clock's, or in mode b before escalation, the
    /// projection from the focal due instant.
    pub fn hard_due(&self, cal: &WorkingCalendar) -> Option<Instant> {
        if let Some(h) = &self.head {
            return Some(h.due_at);
        }
        let focal = self.focal.as_ref()?;
        let rule = self.head_rule?;
        let due = advance(
            cal,
            ClockUnit::Wall,
            focal.due_at,
            TimeDelta::hours(i64::from(rule.hours)),
        );
        Some(snap(cal, ClockUnit::Wall, rule.snap_to_opening, due))
    }

    /// The three deadline columns.
    pub fn deadlines(&self, cal: &WorkingCalendar) -> Deadlines {
        Deadlines {
            due_at: self.focal_due(),
            hard_due_at: self.hard_due(cal),
            statutory_due_at: self.statutory.map(|s| s.due_at),
        }
    }
}

/// Per-kind overrides of a tenant's deadline policy.
pub fn policy_for<'a>(
    default: &'a DeadlinePolicy,
    by_kind: &'a std::collections::BTreeMap<CaseKind, DeadlinePolicy>,
    kind: CaseKind,
) -> &'a DeadlinePolicy {
    by_kind.get(&kind).unwrap_or(default)
}
