//! CASE-6: properties of the deadline clocks on the published calendar (2024–2027, with Tết,
//! holidays and make-up Saturdays). Clocks count from the start's whole minute (seconds are
//! dropped). A due instant is never before its start minute, is monotone in
//! the start, never moves earlier because of a pause, moves by exactly h working hours for an
//! extension of h hours, and the incremental updates equal a recomputation from scratch.

mod case_common;

use case_common::{cal, vn};
use chrono::TimeDelta;
use proptest::prelude::*;
use tongdai_domain::Instant;
use tongdai_domain::case::deadline::{
    Adjustment, Budget, Clock, ClockUnit, Clocks, DeadlinePolicy, HardLimitMode, due_instant,
    floor_to_minute,
};

fn instant() -> impl Strategy<Value = Instant> {
    let start = vn(2024, 1, 1, 0, 0);
    let span = (vn(2027, 6, 1, 0, 0) - start).num_seconds();
    prop_oneof![
        (0..span).prop_map(move |s| start + TimeDelta::seconds(s)),
        // On quarter hours, where interval boundaries are.
        (0..span / 900).prop_map(move |q| start + TimeDelta::seconds(q * 900)),
    ]
}

fn unit() -> impl Strategy<Value = ClockUnit> {
    prop_oneof![Just(ClockUnit::Working), Just(ClockUnit::Wall)]
}

fn budget() -> impl Strategy<Value = Budget> {
    prop_oneof![
        (0u32..120).prop_map(|hours| Budget::Hours { hours }),
        (0u32..8).prop_map(|days| Budget::WorkingDays { days }),
    ]
}

fn mode() -> impl Strategy<Value = HardLimitMode> {
    prop::sample::select(HardLimitMode::ALL.to_vec())
}

/// Pauses as (offset after the previous event, length), in minutes.
fn pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((0i64..6000, 0i64..6000), 0..4)
}

fn apply_pauses(mut clock: Clock, pauses: &[(i64, i64)]) -> (Clock, Vec<(Instant, Instant)>) {
    let mut t = clock.started_at;
    let mut done = Vec::new();
    for (gap, len) in pauses {
        let from = t + TimeDelta::minutes(*gap);
        let to = from + TimeDelta::minutes(*len);
        assert!(clock.pause(from));
        assert!(clock.resume(cal(), to));
        done.push((from, to));
        t = to;
    }
    (clock, done)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn case6_due_is_never_before_the_start(start in instant(), unit in unit(), budget in budget(), snap: bool) {
        let due = due_instant(cal(), unit, budget, start, &[], snap);
        prop_assert!(due >= floor_to_minute(start));
    }

    #[test]
    fn case6_due_is_monotone_in_the_start(a in instant(), b in instant(), unit in unit(), budget in budget(), snap: bool) {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(
            due_instant(cal(), unit, budget, a, &[], snap) <= due_instant(cal(), unit, budget, b, &[], snap)
        );
    }

    #[test]
    fn case6_a_working_budget_of_h_hours_is_h_working_hours(start in instant(), hours in 1u32..120) {
        let due = due_instant(cal(), ClockUnit::Working, Budget::Hours { hours }, start, &[], false);
        prop_assert_eq!(cal().working_between(floor_to_minute(start), due), TimeDelta::hours(i64::from(hours)));
    }

    #[test]
    fn case6_pausing_never_makes_a_deadline_earlier(start in instant(), unit in unit(), budget in budget(), snap: bool, p in pauses()) {
        let clock = Clock::start(cal(), unit, budget, start, snap);
        let before = clock.due_at;
        let mut previous = before;
        let mut clock = clock;
        for step in p.chunks(1) {
            let (c, _) = apply_pauses(clock, step);
            clock = c;
            prop_assert!(clock.due_at >= previous);
            previous = clock.due_at;
            // Pauses that begin before the due instant leave the remaining budget intact.
        }
        prop_assert!(clock.due_at >= before);
        prop_assert_eq!(clock.recompute(cal()), clock.due_at);
    }

    #[test]
    fn case6_a_pause_inside_a_working_clock_moves_it_by_the_paused_working_time(start in instant(), hours in 1u32..60, gap in 0i64..600, len in 0i64..6000) {
        let clock = Clock::start(cal(), ClockUnit::Working, Budget::Hours { hours }, start, false);
        let due = clock.due_at;
        let (clock, done) = apply_pauses(clock, &[(gap, len)]);
        let (from, to) = done[0];
        let paused = cal().working_between(from, to);
        if from < due {
            prop_assert_eq!(clock.due_at, cal().add_working(due, paused));
            // The active (unpaused) working time from start to due is still the budget.
            let start = floor_to_minute(start);
            let active = cal().working_between(start, clock.due_at) - cal().working_between(from.max(start), to.min(clock.due_at));
            prop_assert_eq!(active, TimeDelta::hours(i64::from(hours)));
        } else {
            prop_assert_eq!(clock.due_at, due);
        }
    }

    #[test]
    fn case6_an_extension_of_h_hours_moves_the_due_by_exactly_h_working_hours(start in instant(), unit in unit(), budget in budget(), snap: bool, h in 1u32..80, p in pauses()) {
        let (mut clock, _) = apply_pauses(Clock::start(cal(), unit, budget, start, snap), &p);
        let before = clock.due_at;
        prop_assert!(clock.extend(cal(), h));
        prop_assert!(clock.due_at > before);
        prop_assert_eq!(cal().working_between(before, clock.due_at), TimeDelta::hours(i64::from(h)));
        prop_assert_eq!(clock.due_at, cal().add_working(before, TimeDelta::hours(i64::from(h))));
        prop_assert_eq!(clock.recompute(cal()), clock.due_at);
    }

    #[test]
    fn case6_incremental_updates_equal_recomputation(start in instant(), unit in unit(), budget in budget(), snap: bool, p in pauses(), ext in prop::collection::vec(1u32..20, 0..3)) {
        let (mut clock, done) = apply_pauses(Clock::start(cal(), unit, budget, start, snap), &p);
        for h in &ext {
            clock.extend(cal(), *h);
        }
        let mut adjustments: Vec<Adjustment> = done.iter().map(|(from, to)| Adjustment::Pause { from: *from, to: *to }).collect();
        adjustments.extend(ext.iter().map(|h| Adjustment::Extension { hours: *h }));
        prop_assert_eq!(clock.due_at, due_instant(cal(), unit, budget, start, &adjustments, snap));
    }

    #[test]
    fn case6_head_deadline_never_precedes_the_focal_one_except_in_mode_a(start in instant(), mode in mode(), focal in 1u32..16, head in 1u32..96) {
        let p = DeadlinePolicy { hard_limit_mode: mode, focal_limit_hours: focal, head_limit_hours: head, ..DeadlinePolicy::default() };
        let mut c = Clocks::default();
        c.start_agency(cal(), &p, start);
        let focal_due = c.focal_due().unwrap();
        let hard = c.hard_due(cal()).unwrap();
        prop_assert!(hard >= start);
        if mode == HardLimitMode::B {
            prop_assert!(hard >= focal_due + TimeDelta::hours(i64::from(head)));
            // Escalation starts the head clock where the projection said it would end.
            c.escalate(cal());
            prop_assert_eq!(c.hard_due(cal()), Some(hard));
        }
        if mode == HardLimitMode::D && head >= focal {
            prop_assert!(hard >= focal_due);
        }
    }
}
