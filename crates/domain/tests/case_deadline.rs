//! CASE-6: the focal, head and statutory clocks on the worked examples of vietnam.md §3–4:
//! the Friday 15:00 case under each reading of "48 giờ", across weekends, Tết 2026 and
//! make-up Saturdays; pauses, extensions and urgency colours.

mod case_common;

use case_common::{cal, vn};
use chrono::TimeDelta;
use tongdai_domain::Instant;
use tongdai_domain::case::deadline::{
    Budget, Clock, ClockEffect, ClockName, ClockUnit, Clocks, DeadlinePolicy, HardLimitMode,
    Urgency, working_days_due,
};

fn policy(mode: HardLimitMode) -> DeadlinePolicy {
    DeadlinePolicy {
        hard_limit_mode: mode,
        ..DeadlinePolicy::default()
    }
}

fn assigned(at: Instant, mode: HardLimitMode) -> Clocks {
    let mut c = Clocks::default();
    c.start_agency(cal(), &policy(mode), at);
    c
}

#[test]
fn case6_focal_clock_friday_1500_is_due_monday_1600() {
    let c = assigned(vn(2026, 3, 13, 15, 0), HardLimitMode::B);
    assert_eq!(c.focal_due(), Some(vn(2026, 3, 16, 16, 0)));
}

#[test]
fn case6_head_deadline_per_reading_a_to_d_matches_the_design_table() {
    let friday = vn(2026, 3, 13, 15, 0);
    let expect = [
        (HardLimitMode::A, vn(2026, 3, 15, 15, 0)), // Sunday 15:00 (before the focal due)
        (HardLimitMode::B, vn(2026, 3, 18, 16, 0)), // Wednesday 16:00
        (HardLimitMode::C, vn(2026, 3, 17, 15, 0)), // Tuesday 15:00
        (HardLimitMode::D, vn(2026, 3, 24, 14, 0)), // Tuesday of the next week 14:00
    ];
    for (mode, due) in expect {
        let c = assigned(friday, mode);
        assert_eq!(c.hard_due(cal()), Some(due), "mode {mode}");
        assert_eq!(c.focal_due(), Some(vn(2026, 3, 16, 16, 0)), "mode {mode}");
    }
}

#[test]
fn case6_mode_b_head_clock_starts_at_the_focal_deadline_on_escalation() {
    let mut c = assigned(vn(2026, 3, 13, 15, 0), HardLimitMode::B);
    assert!(c.head.is_none(), "mode b: no head clock before escalation");
    let fx = c.escalate(cal());
    assert_eq!(
        fx,
        vec![
            ClockEffect::Stopped {
                clock: ClockName::Focal,
                at: vn(2026, 3, 16, 16, 0),
                due_at: vn(2026, 3, 16, 16, 0),
                on_time: false
            },
            ClockEffect::Started {
                clock: ClockName::Head,
                started_at: vn(2026, 3, 16, 16, 0),
                due_at: vn(2026, 3, 18, 16, 0)
            }
        ]
    );
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 3, 18, 16, 0)));
    assert_eq!(c.head.as_ref().unwrap().unit, ClockUnit::Wall);
}

#[test]
fn case6_snap_to_opening_moves_a_wall_deadline_out_of_the_weekend() {
    let friday = vn(2026, 3, 13, 15, 0);
    let snap = |mode| {
        let mut c = Clocks::default();
        let p = DeadlinePolicy {
            hard_limit_mode: mode,
            snap_to_opening: true,
            ..DeadlinePolicy::default()
        };
        c.start_agency(cal(), &p, friday);
        c.hard_due(cal()).unwrap()
    };
    // Sunday 15:00 → Monday 07:00.
    assert_eq!(snap(HardLimitMode::A), vn(2026, 3, 16, 7, 0));
    // Wednesday 16:00 is the end of an interval: it stays.
    assert_eq!(snap(HardLimitMode::B), vn(2026, 3, 18, 16, 0));
    // Assigned Tuesday 17 at 11:30: + 48 h = Thursday 11:30, lunch → 13:00.
    let mut c = Clocks::default();
    let p = DeadlinePolicy {
        hard_limit_mode: HardLimitMode::A,
        snap_to_opening: true,
        ..DeadlinePolicy::default()
    };
    c.start_agency(cal(), &p, vn(2026, 3, 17, 11, 30));
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 3, 19, 13, 0)));
}

#[test]
fn case6_tet_2026_break_is_skipped() {
    // Friday 13/2/2026 15:00, the last working hour before the Tết break (14–22/2, TB 9441).
    let c = assigned(vn(2026, 2, 13, 15, 0), HardLimitMode::B);
    assert_eq!(c.focal_due(), Some(vn(2026, 2, 23, 16, 0)));
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 2, 25, 16, 0)));
    let c = assigned(vn(2026, 2, 13, 15, 0), HardLimitMode::C);
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 2, 24, 15, 0)));
    let c = assigned(vn(2026, 2, 13, 15, 0), HardLimitMode::D);
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 3, 3, 14, 0)));
    // Mode a is wall-clock: Sunday 15/2 15:00, in the middle of Tết.
    let c = assigned(vn(2026, 2, 13, 15, 0), HardLimitMode::A);
    assert_eq!(c.hard_due(cal()), Some(vn(2026, 2, 15, 15, 0)));
}

#[test]
fn case6_make_up_saturdays_count_as_working_days() {
    // Saturday 26/4/2025 was worked in exchange for Friday 2/5/2025.
    let c = assigned(vn(2025, 4, 25, 15, 0), HardLimitMode::B);
    assert_eq!(c.focal_due(), Some(vn(2025, 4, 26, 16, 0)));
    // Saturday 15/2/2025 was worked in exchange for Monday 27/1/2025 (Tết 2025).
    let c = assigned(vn(2025, 2, 14, 15, 0), HardLimitMode::B);
    assert_eq!(c.focal_due(), Some(vn(2025, 2, 15, 16, 0)));
    // Mode c counts the make-up Saturday as one of its two working days.
    let c = assigned(vn(2025, 2, 14, 15, 0), HardLimitMode::C);
    assert_eq!(c.hard_due(cal()), Some(vn(2025, 2, 17, 15, 0)));
}

#[test]
fn case6_statutory_clock_is_five_working_days_from_receipt() {
    let p = DeadlinePolicy::default();
    let mut c = Clocks::default();
    c.start_statutory(cal(), &p, vn(2026, 3, 13, 10, 0));
    assert_eq!(c.statutory.unwrap().due_at, vn(2026, 3, 20, 16, 0));
    // Received Thursday 12/2/2026: Fri 13, then Tết, Mon 23 … Thu 26.
    let mut c = Clocks::default();
    c.start_statutory(cal(), &p, vn(2026, 2, 12, 9, 0));
    assert_eq!(c.statutory.unwrap().due_at, vn(2026, 2, 26, 16, 0));
    let fx = c.meet_statutory(vn(2026, 2, 25, 9, 0));
    assert_eq!(
        fx,
        vec![ClockEffect::StatutoryMet {
            at: vn(2026, 2, 25, 9, 0),
            on_time: true
        }]
    );
    assert!(
        c.meet_statutory(vn(2026, 2, 27, 9, 0)).is_empty(),
        "met once"
    );
    assert_eq!(
        c.reopen_statutory(),
        vec![ClockEffect::StatutoryReopened {
            due_at: vn(2026, 2, 26, 16, 0)
        }]
    );
}

#[test]
fn case6_a_pause_pushes_the_focal_deadline_by_the_paused_working_time() {
    // Monday 16/3 09:00 + 8 working hours = Tuesday 10:00.
    let mut c = assigned(vn(2026, 3, 16, 9, 0), HardLimitMode::B);
    assert_eq!(c.focal_due(), Some(vn(2026, 3, 17, 10, 0)));
    c.pause_agency(vn(2026, 3, 16, 14, 0));
    let fx = c.resume_agency(cal(), vn(2026, 3, 17, 8, 0));
    // Paused Mon 14–16 and Tue 07–08: 3 working hours → Tuesday 15:00.
    assert_eq!(c.focal_due(), Some(vn(2026, 3, 17, 15, 0)));
    assert!(fx.contains(&ClockEffect::Resumed {
        clock: ClockName::Focal,
        at: vn(2026, 3, 17, 8, 0),
        due_at: vn(2026, 3, 17, 15, 0)
    }));
    // The mode-b projection follows: 48 h after the new focal due.
    assert!(fx.contains(&ClockEffect::HardDueProjected {
        due_at: vn(2026, 3, 19, 15, 0)
    }));
    let focal = c.focal.as_ref().unwrap();
    assert_eq!(focal.recompute(cal()), focal.due_at);
}

#[test]
fn case6_a_pause_after_the_deadline_does_not_revive_the_clock() {
    let mut clock = Clock::start(
        cal(),
        ClockUnit::Working,
        Budget::Hours { hours: 8 },
        vn(2026, 3, 16, 9, 0),
        false,
    );
    let due = clock.due_at;
    clock.pause(vn(2026, 3, 18, 9, 0));
    clock.resume(cal(), vn(2026, 3, 19, 9, 0));
    assert_eq!(clock.due_at, due);
}

#[test]
fn case6_wall_clock_pause_counts_wall_time() {
    let mut clock = Clock::start(
        cal(),
        ClockUnit::Wall,
        Budget::Hours { hours: 48 },
        vn(2026, 3, 16, 16, 0),
        false,
    );
    clock.pause(vn(2026, 3, 17, 20, 0));
    clock.resume(cal(), vn(2026, 3, 18, 8, 30));
    assert_eq!(clock.due_at, vn(2026, 3, 19, 4, 30));
}

#[test]
fn case6_an_extension_adds_working_hours_to_every_running_agency_clock() {
    let mut c = assigned(vn(2026, 3, 16, 9, 0), HardLimitMode::D);
    let focal = c.focal_due().unwrap();
    let head = c.hard_due(cal()).unwrap();
    c.extend_agency(cal(), 4);
    assert_eq!(c.focal_due(), Some(vn(2026, 3, 17, 16, 0)));
    assert_eq!(
        cal().working_between(focal, c.focal_due().unwrap()),
        TimeDelta::hours(4)
    );
    assert_eq!(
        cal().working_between(head, c.hard_due(cal()).unwrap()),
        TimeDelta::hours(4)
    );
    // A stopped clock is not extended.
    c.stop_agency(vn(2026, 3, 17, 9, 0));
    assert!(c.extend_agency(cal(), 4).is_empty());
    assert_eq!(c.focal_due(), Some(vn(2026, 3, 17, 16, 0)));
}

#[test]
fn case6_stopping_a_paused_clock_stops_it_when_the_pause_began() {
    let mut clock = Clock::start(
        cal(),
        ClockUnit::Working,
        Budget::Hours { hours: 8 },
        vn(2026, 3, 16, 9, 0),
        false,
    );
    clock.pause(vn(2026, 3, 16, 15, 0));
    assert_eq!(
        clock.stop(vn(2026, 3, 20, 9, 0)),
        Some(vn(2026, 3, 16, 15, 0))
    );
    assert_eq!(clock.met(), Some(true));
    assert_eq!(clock.stop(vn(2026, 3, 21, 9, 0)), None);
}

#[test]
fn case6_urgency_colours_follow_the_time_left() {
    let p = DeadlinePolicy::default();
    // Monday 09:00 → Tuesday 10:00 (8 working hours).
    let mut clock = Clock::start(
        cal(),
        ClockUnit::Working,
        Budget::Hours { hours: 8 },
        vn(2026, 3, 16, 9, 0),
        false,
    );
    let at = |h, d| clock.urgency(cal(), &p, vn(2026, 3, d, h, 0));
    assert_eq!(at(10, 16), Urgency::Green); // 7 h of 8 left
    assert_eq!(at(14, 16), Urgency::Green); // 5 h left
    assert_eq!(at(15, 16), Urgency::Amber); // 4 h left: 50 %
    assert_eq!(at(9, 17), Urgency::Red); // 1 h left
    assert_eq!(at(10, 17), Urgency::Overdue);
    assert_eq!(at(20, 16), Urgency::Amber); // evening: still 3 working hours
    clock.pause(vn(2026, 3, 16, 15, 0));
    assert_eq!(
        clock.urgency(cal(), &p, vn(2026, 3, 18, 9, 0)),
        Urgency::Paused
    );
    clock.stop(vn(2026, 3, 16, 15, 30));
    assert_eq!(
        clock.urgency(cal(), &p, vn(2026, 3, 18, 9, 0)),
        Urgency::Done
    );
    // A wall clock due on Sunday is red on Friday after office hours: no working time left.
    let wall = Clock::start(
        cal(),
        ClockUnit::Wall,
        Budget::Hours { hours: 48 },
        vn(2026, 3, 13, 15, 0),
        false,
    );
    assert_eq!(
        wall.urgency(cal(), &p, vn(2026, 3, 13, 17, 0)),
        Urgency::Red
    );
    assert_eq!(
        wall.urgency(cal(), &p, vn(2026, 3, 13, 15, 30)),
        Urgency::Red
    );
}

#[test]
fn case6_working_days_due_keeps_the_time_of_day_and_prefers_the_interval_end() {
    // Friday 16:00 exactly (an interval end) + 2 working days = Tuesday 16:00.
    assert_eq!(
        working_days_due(cal(), vn(2026, 3, 13, 16, 0), 2),
        vn(2026, 3, 17, 16, 0)
    );
    // Friday 18:00 starts Monday 07:00; 2 working days later is Wednesday 07:00, which is
    // the same working instant as Tuesday 16:00: the earlier one is the deadline.
    assert_eq!(
        working_days_due(cal(), vn(2026, 3, 13, 18, 0), 2),
        vn(2026, 3, 17, 16, 0)
    );
    assert_eq!(
        working_days_due(cal(), vn(2026, 3, 13, 18, 0), 0),
        vn(2026, 3, 16, 7, 0)
    );
}

#[test]
fn case6_policy_serde_has_defaults_and_the_mode_codes() {
    let p: DeadlinePolicy = serde_json::from_str(r#"{"hard_limit_mode":"d"}"#).unwrap();
    assert_eq!(p.hard_limit_mode, HardLimitMode::D);
    assert_eq!(p.focal_limit_hours, 8);
    assert_eq!(p.head_limit_hours, 48);
    assert_eq!(DeadlinePolicy::default().hard_limit_mode, HardLimitMode::B);
    assert!(serde_json::from_str::<DeadlinePolicy>(r#"{"hard_limit_mode":"e"}"#).is_err());
    let c = assigned(vn(2026, 3, 13, 15, 0), HardLimitMode::C);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Clocks>(&json).unwrap(), c);
}

/// CASE-6: seconds after the minute do not push a deadline to the next morning.
#[test]
fn case6_seconds_are_dropped_from_the_start() {
    use tongdai_domain::case::deadline::{Budget, Clock, ClockUnit};
    let cal = tongdai_domain::calendar::WorkingCalendar::default();
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-13T15:00:40+07:00")
        .unwrap()
        .to_utc();
    let c = Clock::start(
        &cal,
        ClockUnit::Working,
        Budget::Hours { hours: 8 },
        at,
        false,
    );
    assert_eq!(c.due_at.to_rfc3339(), "2026-03-16T09:00:00+00:00");
}
