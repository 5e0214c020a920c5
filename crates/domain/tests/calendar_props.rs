//! CASE-6 / ADM-4: properties of the working-time arithmetic, on the Vietnamese default
//! calendar and on random office hours, checked against a day-by-day reference walk.

use chrono::{NaiveDate, TimeDelta, Timelike};
use proptest::prelude::*;
use std::sync::OnceLock;
use tongdai_domain::Instant;
use tongdai_domain::calendar::{
    CalendarConfig, DayInterval, Intervals, OfficeHours, WorkingCalendar, parse_hours,
};
use tongdai_domain::time::{from_vietnam, to_vietnam};

fn default_cal() -> &'static WorkingCalendar {
    static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
    CAL.get_or_init(WorkingCalendar::default)
}

const NS: i64 = 1_000_000_000;

/// Instants from 1990 to 2100, half of them in 2024–2026, some with sub-second parts and some
/// exactly on a quarter hour (where interval boundaries are).
fn instant() -> impl Strategy<Value = Instant> {
    let start = |y| {
        from_vietnam(
            NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
    };
    let span = |a: i32, b: i32| (start(b) - start(a)).num_seconds();
    prop_oneof![
        (0..span(1990, 2101), 0u32..1_000_000_000).prop_map(move |(s, n)| start(1990)
            + TimeDelta::seconds(s)
            + TimeDelta::nanoseconds(i64::from(n))),
        (0..span(2024, 2027)).prop_map(move |s| start(2024) + TimeDelta::seconds(s)),
        (0..span(2024, 2027) / 900).prop_map(move |q| start(2024) + TimeDelta::seconds(q * 900)),
    ]
}

/// Durations up to 300 hours, in minutes, seconds or nanoseconds, including zero.
fn duration() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (0i64..=300 * 60).prop_map(TimeDelta::minutes),
        (0i64..=300 * 3600).prop_map(TimeDelta::seconds),
        (0i64..=20 * 3600 * NS).prop_map(TimeDelta::nanoseconds),
        (0i64..=60).prop_map(|h| TimeDelta::hours(h * 7)),
    ]
}

/// Random valid office hours on a 15-minute grid (possibly 00:00 and 24:00), at least one
/// open weekday.
fn office_hours() -> impl Strategy<Value = OfficeHours> {
    let day = prop::collection::btree_set(0u32..=96, 0..=6).prop_map(|points| {
        let p: Vec<u32> = points.into_iter().collect();
        let list = p
            .chunks_exact(2)
            .map(|c| {
                let t =
                    |q: u32| tongdai_domain::calendar::ClockTime::hm(q / 4, q % 4 * 15).unwrap();
                DayInterval::new(t(c[0]), t(c[1])).unwrap()
            })
            .collect();
        Intervals::new(list).unwrap()
    });
    prop::array::uniform7(day).prop_filter_map("no open day", |w| OfficeHours::new(w).ok())
}

fn custom_cal(hours: OfficeHours) -> WorkingCalendar {
    WorkingCalendar::new(CalendarConfig {
        office_hours: hours,
        ..CalendarConfig::default()
    })
    .unwrap()
}

fn local(t: Instant) -> (NaiveDate, i64) {
    let l = to_vietnam(t);
    (
        l.date(),
        i64::from(l.num_seconds_from_midnight()) * NS + i64::from(l.nanosecond()),
    )
}

fn day_spans(cal: &WorkingCalendar, date: NaiveDate) -> Vec<(i64, i64)> {
    let info = cal.day_info(date).unwrap();
    info.intervals
        .as_slice()
        .iter()
        .map(|i| {
            (
                i64::from(i.start().seconds()) * NS,
                i64::from(i.end().seconds()) * NS,
            )
        })
        .collect()
}

fn at(date: NaiveDate, ns: i64) -> Instant {
    from_vietnam(date.and_hms_opt(0, 0, 0).unwrap()) + TimeDelta::nanoseconds(ns)
}

/// Reference addition (d > 0): walk day by day through the public day views.
fn reference_add(cal: &WorkingCalendar, t: Instant, d: TimeDelta) -> Instant {
    let (mut date, mut p) = local(t);
    let mut rem = d.num_nanoseconds().unwrap();
    loop {
        for (s, e) in day_spans(cal, date) {
            if e <= p {
                continue;
            }
            let start = s.max(p);
            if rem <= e - start {
                return at(date, start + rem);
            }
            rem -= e - start;
        }
        date = date.succ_opt().unwrap();
        p = 0;
    }
}

/// Reference working time between two instants.
fn reference_between(cal: &WorkingCalendar, a: Instant, b: Instant) -> TimeDelta {
    if b <= a {
        return TimeDelta::zero();
    }
    let (mut date, mut p) = local(a);
    let (end_date, end_p) = local(b);
    let mut total = 0i64;
    loop {
        let hi = if date == end_date { end_p } else { 86_400 * NS };
        for (s, e) in day_spans(cal, date) {
            total += (e.min(hi) - s.max(p)).max(0);
        }
        if date == end_date {
            return TimeDelta::nanoseconds(total);
        }
        date = date.succ_opt().unwrap();
        p = 0;
    }
}

fn at_interval_end(cal: &WorkingCalendar, r: Instant) -> bool {
    let (date, p) = local(r);
    let ends_today = day_spans(cal, date).iter().any(|(_, e)| *e == p);
    let ends_yesterday = p == 0
        && day_spans(cal, date.pred_opt().unwrap())
            .iter()
            .any(|(_, e)| *e == 86_400 * NS);
    ends_today || ends_yesterday
}

fn check_all(
    cal: &WorkingCalendar,
    t1: Instant,
    t2: Instant,
    h1: TimeDelta,
    h2: TimeDelta,
) -> Result<(), TestCaseError> {
    let (t1, t2) = if t1 <= t2 { (t1, t2) } else { (t2, t1) };
    let (h1, h2) = if h1 <= h2 { (h1, h2) } else { (h2, h1) };
    let add = |t, h| cal.add_working(t, h);
    // Monotone in the start and in the duration.
    prop_assert!(add(t1, h1) <= add(t2, h1));
    prop_assert!(add(t1, h1) <= add(t1, h2));
    // Additive.
    prop_assert_eq!(add(add(t1, h1), h2), add(t1, h1 + h2));
    // Inverse of working_between.
    let r = add(t1, h2);
    prop_assert!(r >= t1);
    prop_assert_eq!(cal.working_between(t1, r), h2);
    // The result is working time or an interval end.
    prop_assert!(cal.is_working_time(r) || at_interval_end(cal, r), "{r}");
    if h2 > TimeDelta::zero() {
        prop_assert!(at_interval_end(cal, r) || cal.is_working_time(r));
        prop_assert!(cal.is_working_time(r - TimeDelta::nanoseconds(1)));
    }
    // is_working_time agrees with working_between over one nanosecond.
    let ns = TimeDelta::nanoseconds(1);
    prop_assert_eq!(
        cal.is_working_time(t1),
        cal.working_between(t1, t1 + ns) == ns
    );
    let open = cal.next_opening(t1);
    prop_assert!(open >= t1 && cal.is_working_time(open));
    prop_assert_eq!(cal.working_between(t1, open), TimeDelta::zero());
    // working_between is additive over a split point and zero backwards.
    prop_assert_eq!(
        cal.working_between(t1, t2),
        cal.working_between(t1, r.clamp(t1, t2)) + cal.working_between(r.clamp(t1, t2), t2)
    );
    prop_assert_eq!(cal.working_between(t2, t1), TimeDelta::zero());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn case6_properties_on_the_vietnamese_calendar(
        t1 in instant(), t2 in instant(), h1 in duration(), h2 in duration()
    ) {
        check_all(default_cal(), t1, t2, h1, h2)?;
    }

    #[test]
    fn case6_properties_on_random_office_hours(
        hours in office_hours(), t1 in instant(), h1 in duration(), h2 in duration(), gap in 0i64..(30 * 86_400)
    ) {
        let cal = custom_cal(hours);
        check_all(&cal, t1, t1 + TimeDelta::seconds(gap), h1, h2)?;
    }

    #[test]
    fn case6_matches_a_day_by_day_reference(
        t in instant(), h in duration(), gap in 0i64..(60 * 86_400)
    ) {
        let cal = default_cal();
        prop_assume!(h > TimeDelta::zero());
        prop_assert_eq!(cal.add_working(t, h), reference_add(cal, t, h));
        let b = t + TimeDelta::seconds(gap);
        prop_assert_eq!(cal.working_between(t, b), reference_between(cal, t, b));
    }

    #[test]
    fn case6_random_hours_match_the_reference(
        hours in office_hours(), t in instant(), h in duration(), gap in 0i64..(60 * 86_400)
    ) {
        let cal = custom_cal(hours);
        prop_assume!(h > TimeDelta::zero());
        prop_assert_eq!(cal.add_working(t, h), reference_add(&cal, t, h));
        let b = t + TimeDelta::seconds(gap);
        prop_assert_eq!(cal.working_between(t, b), reference_between(&cal, t, b));
    }

    #[test]
    fn case6_working_days_are_inverse(days in 0i64..(110 * 366), n in 0u32..400) {
        let cal = default_cal();
        let date = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + TimeDelta::days(days);
        let due = cal.add_working_days(date, n).unwrap();
        prop_assert_eq!(cal.working_days_between(date, due), n);
        if n > 0 {
            prop_assert!(cal.is_working_day(due));
            prop_assert_eq!(cal.working_days_between(date, due.pred_opt().unwrap()), n - 1);
        }
        let by_walk = date.iter_days().skip(1).take_while(|d| *d <= due).filter(|d| cal.is_working_day(*d)).count();
        prop_assert_eq!(by_walk as u32, n);
    }

    /// Outside input: any string either parses to a non-negative duration or is an error.
    #[test]
    fn case6_parse_hours_never_panics(s in ".{0,24}") {
        if let Ok(d) = parse_hours(&s) {
            prop_assert!(d >= TimeDelta::zero());
        }
    }

    #[test]
    fn case6_parse_hours_accepts_decimals(whole in 0u32..10_000, frac in 0u32..100) {
        let d = parse_hours(&format!("{whole}.{frac:02}")).unwrap();
        prop_assert_eq!(d, TimeDelta::hours(i64::from(whole)) + TimeDelta::seconds(i64::from(frac) * 36));
    }

    /// Stored configuration is outside input too: arbitrary JSON never panics the loader.
    #[test]
    fn adm4_config_loader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(c) = serde_json::from_slice::<CalendarConfig>(&bytes) {
            let _ = WorkingCalendar::new(c);
        }
    }

    #[test]
    fn adm4_interval_parser_never_panics(s in "[0-9:\\-–, ]{0,30}") {
        if let Ok(i) = Intervals::parse(&s) {
            prop_assert_eq!(Intervals::parse(&i.to_string()).unwrap(), i);
        }
    }
}
