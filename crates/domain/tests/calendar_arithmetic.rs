//! CASE-6 / ADM-4: working-hour arithmetic on the published calendar — the worked examples of
//! the design guide, across weekends, holidays and make-up Saturdays.

use chrono::{FixedOffset, NaiveDate, TimeDelta, TimeZone};
use tongdai_domain::Instant;
use tongdai_domain::calendar::{
    CalendarConfig, CalendarError, DayException, ExceptionKind, Intervals, OfficeHours,
    WorkingCalendar, parse_hours,
};
use tongdai_domain::time::{from_vietnam, to_vietnam};

/// An instant given in Vietnam civil time.
fn vn(y: i32, m: u32, d: u32, h: u32, mi: u32) -> Instant {
    from_vietnam(
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap(),
    )
}

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

fn due(cal: &WorkingCalendar, start: Instant, h: &str) -> Instant {
    cal.add_working(start, parse_hours(h).unwrap())
}

#[test]
fn case6_friday_1500_plus_8h_is_monday_1600() {
    let cal = WorkingCalendar::default();
    assert_eq!(
        due(&cal, vn(2025, 3, 14, 15, 0), "8"),
        vn(2025, 3, 17, 16, 0)
    );
    assert_eq!(
        cal.working_between(vn(2025, 3, 14, 15, 0), vn(2025, 3, 17, 16, 0)),
        hours(8)
    );
}

#[test]
fn case6_monday_holiday_moves_due_to_tuesday_1600() {
    let cal = WorkingCalendar::default();
    // Monday 7/4/2025 is Giỗ Tổ Hùng Vương (lunar 10/3).
    assert_eq!(due(&cal, vn(2025, 4, 4, 15, 0), "8"), vn(2025, 4, 8, 16, 0));
    // A Monday declared off by an administrator has the same effect.
    let mut config = CalendarConfig::default();
    config
        .declare(DayException::confirmed(
            NaiveDate::from_ymd_opt(2025, 3, 17).unwrap(),
            ExceptionKind::Holiday,
            "Nghỉ đột xuất",
        ))
        .unwrap();
    let cal = WorkingCalendar::new(config).unwrap();
    assert_eq!(
        due(&cal, vn(2025, 3, 14, 15, 0), "8"),
        vn(2025, 3, 18, 16, 0)
    );
}

#[test]
fn case6_received_at_lunch_counts_from_1300() {
    let cal = WorkingCalendar::default();
    let t = vn(2025, 3, 12, 11, 30);
    assert!(!cal.is_working_time(t));
    assert_eq!(cal.next_opening(t), vn(2025, 3, 12, 13, 0));
    assert_eq!(due(&cal, t, "1"), vn(2025, 3, 12, 14, 0));
    assert_eq!(due(&cal, t, "8"), vn(2025, 3, 13, 14, 0));
    assert_eq!(
        cal.working_between(t, vn(2025, 3, 12, 13, 0)),
        TimeDelta::zero()
    );
}

#[test]
fn case6_thursday_1610_plus_8h_is_monday_0800() {
    let cal = WorkingCalendar::default();
    assert_eq!(
        due(&cal, vn(2025, 3, 13, 16, 10), "8"),
        vn(2025, 3, 17, 8, 0)
    );
}

#[test]
fn case6_makeup_saturdays_count_as_working() {
    let cal = WorkingCalendar::default();
    // Fri 14/2/2025 15:00: 1 h Friday, then make-up Saturday 15/2 07–11 and 13–16.
    assert_eq!(
        due(&cal, vn(2025, 2, 14, 15, 0), "8"),
        vn(2025, 2, 15, 16, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 4, 25, 15, 0), "8"),
        vn(2025, 4, 26, 16, 0)
    );
    assert_eq!(due(&cal, vn(2024, 5, 3, 15, 0), "8"), vn(2024, 5, 4, 16, 0));
    assert_eq!(
        due(&cal, vn(2025, 2, 14, 15, 0), "5"),
        vn(2025, 2, 15, 11, 0)
    );
    assert!(cal.is_working_time(vn(2025, 2, 15, 9, 0)));
    // An ordinary Saturday does not.
    assert!(!cal.is_working_time(vn(2025, 2, 22, 9, 0)));
    assert_eq!(
        due(&cal, vn(2025, 2, 21, 15, 0), "8"),
        vn(2025, 2, 24, 16, 0)
    );
}

#[test]
fn case6_deadline_at_interval_end_stays_there() {
    let cal = WorkingCalendar::default();
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 7, 0), "4"),
        vn(2025, 3, 10, 11, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 7, 0), "7"),
        vn(2025, 3, 10, 16, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 7, 0), "35"),
        vn(2025, 3, 14, 16, 0)
    );
    // Starting at an interval end counts from the next opening.
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 11, 0), "1"),
        vn(2025, 3, 10, 14, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 16, 0), "1"),
        vn(2025, 3, 11, 8, 0)
    );
    // Zero hours: an interval end stays, a closed instant moves to the next opening.
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 16, 0), "0"),
        vn(2025, 3, 10, 16, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 3, 10, 17, 0), "0"),
        vn(2025, 3, 11, 7, 0)
    );
}

#[test]
fn case6_across_tet_2025_and_2026() {
    let cal = WorkingCalendar::default();
    // Fri 13/2/2026 15:00: Tết 16–20/2, so Monday 23/2 16:00.
    assert_eq!(
        due(&cal, vn(2026, 2, 13, 15, 0), "8"),
        vn(2026, 2, 23, 16, 0)
    );
    // Fri 24/1/2025 15:00: Mon 27/1 swapped, Tết 28/1–1/2: Monday 3/2 16:00.
    assert_eq!(
        due(&cal, vn(2025, 1, 24, 15, 0), "8"),
        vn(2025, 2, 3, 16, 0)
    );
    assert_eq!(
        cal.working_between(vn(2025, 1, 24, 0, 0), vn(2025, 2, 3, 0, 0)),
        hours(7)
    );
}

#[test]
fn case6_48_working_hours_reading_d_of_the_guide() {
    let cal = WorkingCalendar::default();
    // Assigned Fri 14/3/2025 15:00; 48 working hours: Tuesday of the week after, 14:00.
    assert_eq!(
        due(&cal, vn(2025, 3, 14, 15, 0), "48"),
        vn(2025, 3, 25, 14, 0)
    );
    assert_eq!(
        due(&cal, vn(2025, 3, 14, 15, 0), "1.5"),
        vn(2025, 3, 17, 7, 30)
    );
}

#[test]
fn case6_far_years_use_computed_lunar_holidays() {
    let cal = WorkingCalendar::default();
    // Tết 2100: computed Mùng 1; the generated break is closed.
    let tet = tongdai_domain::calendar::lunar::tet(2100).unwrap();
    let day = from_vietnam(tet.and_hms_opt(9, 0, 0).unwrap());
    assert!(!cal.is_working_time(day));
    let before = cal.working_between(day - TimeDelta::days(10), day + TimeDelta::days(10));
    assert!(before < hours(14 * 7) && before > TimeDelta::zero());
    // 1990: 2/1/1990 was a Tuesday, the calendar works there too.
    assert_eq!(due(&cal, vn(1990, 1, 2, 7, 0), "7"), vn(1990, 1, 2, 16, 0));
    // A long addition jumps whole weeks and still lands on a working instant.
    let t = vn(2024, 1, 2, 9, 0);
    let r = cal.add_working(t, hours(100_000));
    assert_eq!(cal.working_between(t, r), hours(100_000));
    assert!(cal.is_working_time(r) || cal.is_working_time(r - TimeDelta::nanoseconds(1)));
}

#[test]
fn case6_result_keeps_the_instant_whatever_the_input_offset() {
    let cal = WorkingCalendar::default();
    // Friday 15:00 in Vietnam written as 08:00Z, and as 10:00+02:00.
    let z = "2025-03-14T08:00:00Z".parse::<Instant>().unwrap();
    let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
    let other = plus2
        .with_ymd_and_hms(2025, 3, 14, 10, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(z, other);
    let r = cal.add_working(z, hours(8));
    assert_eq!(
        r.with_timezone(&plus2).to_rfc3339(),
        "2025-03-17T11:00:00+02:00"
    );
    assert_eq!(to_vietnam(r).to_string(), "2025-03-17 16:00:00");
}

#[test]
fn adm4_next_opening_and_working_time() {
    let cal = WorkingCalendar::default();
    assert_eq!(
        cal.next_opening(vn(2025, 3, 15, 10, 0)),
        vn(2025, 3, 17, 7, 0)
    ); // Saturday
    assert_eq!(
        cal.next_opening(vn(2025, 3, 12, 10, 0)),
        vn(2025, 3, 12, 10, 0)
    );
    assert_eq!(
        cal.next_opening(vn(2026, 2, 13, 16, 0)),
        vn(2026, 2, 23, 7, 0)
    );
    assert!(cal.is_working_time(vn(2025, 3, 12, 7, 0)));
    assert!(!cal.is_working_time(vn(2025, 3, 12, 11, 0)));
    assert!(cal.is_working_time(vn(2025, 3, 12, 10, 59)));
    assert_eq!(
        cal.working_between(vn(2025, 3, 13, 0, 0), vn(2025, 3, 12, 0, 0)),
        TimeDelta::zero()
    );
    assert_eq!(
        cal.working_between(vn(2025, 3, 10, 0, 0), vn(2025, 3, 17, 0, 0)),
        hours(35)
    );
    assert_eq!(
        cal.working_between(vn(2025, 1, 1, 0, 0), vn(2026, 1, 1, 0, 0)),
        hours(7 * 251)
    );
}

#[test]
fn case6_statutory_working_days() {
    let cal = WorkingCalendar::default();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    // Received Friday 14/3/2025: 5 working days → Friday 21/3, closing at 16:00.
    assert_eq!(
        cal.add_working_days(day(2025, 3, 14), 5).unwrap(),
        day(2025, 3, 21)
    );
    assert_eq!(
        cal.working_days_deadline(vn(2025, 3, 14, 9, 0), 5).unwrap(),
        vn(2025, 3, 21, 16, 0)
    );
    // Across Tết 2026: Thu 12/2 → Fri 13, Mon 23, Tue 24, Wed 25, Thu 26.
    assert_eq!(
        cal.add_working_days(day(2026, 2, 12), 5).unwrap(),
        day(2026, 2, 26)
    );
    assert_eq!(
        cal.working_days_between(day(2026, 2, 12), day(2026, 2, 26)),
        5
    );
    // A make-up Saturday is a working day.
    assert_eq!(
        cal.add_working_days(day(2025, 2, 14), 1).unwrap(),
        day(2025, 2, 15)
    );
    assert!(cal.is_working_day(day(2025, 2, 15)));
    assert!(!cal.is_working_day(day(2025, 2, 16)));
    // 0 days: the day itself; received on a Sunday, closes the next working day.
    assert_eq!(
        cal.add_working_days(day(2025, 3, 16), 0).unwrap(),
        day(2025, 3, 16)
    );
    assert_eq!(
        cal.working_days_deadline(vn(2025, 3, 16, 9, 0), 0).unwrap(),
        vn(2025, 3, 17, 16, 0)
    );
    // Year 2025: 261 weekdays, 12 of them off (1/1, 27/1, 28–31/1, 7/4, 30/4, 1/5, 2/5, 1/9,
    // 2/9), 2 make-up Saturdays: 251 working days, counted both ways.
    let by_days = day(2025, 1, 1)
        .iter_days()
        .take_while(|d| *d <= day(2025, 12, 31))
        .filter(|d| cal.day_info(*d).unwrap().is_working())
        .count() as u32;
    assert_eq!(
        cal.working_days_between(day(2024, 12, 31), day(2025, 12, 31)),
        by_days
    );
    assert_eq!(by_days, 251);
}

#[test]
fn case6_out_of_range_and_bad_input_never_panic() {
    let cal = WorkingCalendar::default();
    let t = vn(2025, 3, 14, 15, 0);
    assert_eq!(
        cal.try_add_working(t, hours(-1)),
        Err(CalendarError::NegativeDuration)
    );
    assert_eq!(
        cal.add_working(t, hours(-1)),
        cal.add_working(t, TimeDelta::zero())
    );
    let far = cal.add_working(t, TimeDelta::MAX);
    assert!(far > vn(9999, 12, 31, 0, 0));
    assert_eq!(
        cal.try_add_working(t, TimeDelta::MAX),
        Err(CalendarError::OutOfRange)
    );
    let max = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    let min = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    assert!(!cal.is_working_time(max) && !cal.is_working_time(min));
    assert_eq!(cal.add_working(max, hours(8)), max);
    assert!(cal.add_working(min, hours(8)) > min);
    assert!(cal.working_between(min, max) > TimeDelta::zero());
    assert!(cal.add_working_days(NaiveDate::MAX, 1).is_err());
    assert!(
        cal.add_working_days(NaiveDate::from_ymd_opt(9999, 12, 1).unwrap(), u32::MAX)
            .is_err()
    );
}

#[test]
fn adm4_calendar_is_shared_between_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<WorkingCalendar>();
    let cal = WorkingCalendar::default();
    let copy = cal.clone();
    let handle = std::thread::spawn(move || copy.add_working(vn(2026, 2, 13, 15, 0), hours(8)));
    assert_eq!(
        handle.join().unwrap(),
        cal.add_working(vn(2026, 2, 13, 15, 0), hours(8))
    );
}

#[test]
fn adm4_custom_office_hours() {
    // A one-stop centre open Monday–Saturday morning, 07:30–11:30 and 13:30–17:00 on weekdays.
    let weekday = Intervals::parse("07:30-11:30, 13:30-17:00").unwrap();
    let saturday = Intervals::parse("07:30-11:30").unwrap();
    let mut week: [Intervals; 7] = Default::default();
    for w in week.iter_mut().take(5) {
        *w = weekday.clone();
    }
    week[5] = saturday;
    let config = CalendarConfig {
        office_hours: OfficeHours::new(week).unwrap(),
        ..CalendarConfig::default()
    };
    let cal = WorkingCalendar::new(config).unwrap();
    // Friday 16:00 + 2 h: 1 h Friday, 1 h Saturday morning.
    assert_eq!(
        due(&cal, vn(2025, 3, 14, 16, 0), "2"),
        vn(2025, 3, 15, 8, 30)
    );
    let week = cal.working_between(vn(2025, 3, 10, 0, 0), vn(2025, 3, 17, 0, 0));
    assert_eq!(week, TimeDelta::minutes(5 * 450 + 240));
}
