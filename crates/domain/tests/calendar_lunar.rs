//! ADM-4: the Vietnamese lunar calendar (Hồ Ngọc Đức's algorithm, UTC+7) that places Tết and
//! Giỗ Tổ Hùng Vương.

use chrono::{Datelike, NaiveDate};
use tongdai_domain::calendar::lunar::{self, LunarDate};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn adm4_tet_dates_published_for_vietnam() {
    for (year, tet) in [
        (2020, d(2020, 1, 25)),
        (2021, d(2021, 2, 12)),
        (2022, d(2022, 2, 1)),
        (2023, d(2023, 1, 22)),
        (2024, d(2024, 2, 10)),
        (2025, d(2025, 1, 29)),
        (2026, d(2026, 2, 17)),
        (1985, d(1985, 1, 21)),
        (2007, d(2007, 2, 17)),
    ] {
        assert_eq!(lunar::tet(year).unwrap(), tet, "Tết {year}");
        assert_eq!(
            lunar::solar_to_lunar(tet),
            LunarDate::new(year, 1, 1),
            "{tet}"
        );
    }
}

#[test]
fn adm4_gio_to_hung_vuong_dates() {
    for (year, date) in [
        (2023, d(2023, 4, 29)),
        (2024, d(2024, 4, 18)),
        (2025, d(2025, 4, 7)),
        (2026, d(2026, 4, 26)),
    ] {
        assert_eq!(
            lunar::lunar_to_solar(LunarDate::new(year, 3, 10)).unwrap(),
            date
        );
        assert_eq!(lunar::solar_to_lunar(date), LunarDate::new(year, 3, 10));
    }
}

/// UTC+7 versus UTC+8: the Chinese calendar puts Tết 1985 a month later (via the leap month)
/// and Tết 2007 a day later. A UTC+8 library would be wrong for Vietnam.
#[test]
fn adm4_vietnam_differs_from_china_utc8() {
    let china = |y| lunar::lunar_to_solar_at(LunarDate::new(y, 1, 1), 8.0).unwrap();
    assert_eq!(china(1985), d(1985, 2, 20));
    assert_eq!(china(2007), d(2007, 2, 18));
    assert_ne!(china(1985), lunar::tet(1985).unwrap());
    assert_ne!(china(2007), lunar::tet(2007).unwrap());
    // 21/1/1985 is still in the old year in China: the 12th month.
    let cn = lunar::solar_to_lunar_at(d(1985, 1, 21), 8.0);
    assert_eq!((cn.year, cn.month), (1984, 12));
}

#[test]
fn adm4_leap_months() {
    assert_eq!(lunar::leap_month(2020), Some(4));
    assert_eq!(lunar::leap_month(2023), Some(2));
    assert_eq!(lunar::leap_month(2025), Some(6));
    assert_eq!(lunar::leap_month(2024), None);
    assert_eq!(lunar::leap_month(2026), None);
    let leap_first = lunar::lunar_to_solar(LunarDate {
        year: 2025,
        month: 6,
        day: 1,
        leap: true,
    });
    let plain_first = lunar::lunar_to_solar(LunarDate::new(2025, 6, 1)).unwrap();
    assert!(leap_first.unwrap() > plain_first);
    assert!(
        lunar::lunar_to_solar(LunarDate {
            year: 2024,
            month: 6,
            day: 1,
            leap: true
        })
        .is_err()
    );
}

#[test]
fn adm4_impossible_lunar_dates_are_errors() {
    for bad in [
        LunarDate::new(2025, 0, 1),
        LunarDate::new(2025, 13, 1),
        LunarDate::new(2025, 1, 0),
        LunarDate::new(2025, 1, 31),
        LunarDate::new(0, 1, 1),
        LunarDate::new(10_000, 1, 1),
    ] {
        assert!(lunar::lunar_to_solar(bad).is_err(), "{bad:?}");
    }
    // Day 30 exists only in 30-day months.
    for year in 2020..2030 {
        for month in 1..=12 {
            let len = lunar::month_length(year, month, false).unwrap();
            assert!(len == 29 || len == 30);
            let day30 = lunar::lunar_to_solar(LunarDate::new(year, month, 30));
            assert_eq!(day30.is_ok(), len == 30, "{year}-{month}");
        }
    }
}

/// Every day of 1900–2199: solar → lunar → solar is the identity; lunar days advance by one
/// or restart at 1 after day 29 or 30; months follow each other, a leap month repeating the
/// number of the month before; a year has 12 or 13 months and starts at lunar 1/1.
#[test]
fn adm4_round_trip_every_day_1900_2199() {
    let mut date = d(1900, 1, 1);
    let end = d(2199, 12, 31);
    let mut prev = lunar::solar_to_lunar(date);
    let mut months_in_year = 0;
    while date < end {
        date = date.succ_opt().unwrap();
        let l = lunar::solar_to_lunar(date);
        assert_eq!(lunar::lunar_to_solar(l).unwrap(), date, "{date} -> {l:?}");
        if l.day == 1 {
            assert!(
                prev.day == 29 || prev.day == 30,
                "{date}: month of {} days",
                prev.day
            );
            if l.leap {
                assert_eq!((l.month, l.year), (prev.month, prev.year), "{date}");
                assert!(!prev.leap);
            } else if l.month == 1 {
                assert_eq!(prev.month, 12, "{date}");
                assert_eq!(l.year, prev.year + 1, "{date}");
                if months_in_year > 0 {
                    assert!(months_in_year == 12 || months_in_year == 13, "{date}");
                }
                months_in_year = 0;
            } else {
                assert_eq!(l.month, prev.month + 1, "{date}");
                assert_eq!(l.year, prev.year);
            }
            months_in_year += 1;
        } else {
            assert_eq!(
                (l.day, l.month, l.year, l.leap),
                (prev.day + 1, prev.month, prev.year, prev.leap)
            );
        }
        prev = l;
    }
}

/// Tết always falls between 21 January and 20 February (it is the second new moon after the
/// winter solstice, or the third in a year with leap month 11 or 12).
#[test]
fn adm4_tet_window_1900_2199() {
    for year in 1900..=2199 {
        let t = lunar::tet(year).unwrap();
        assert_eq!(t.year(), year);
        assert!(
            t >= d(year, 1, 21) && t <= d(year, 2, 20),
            "Tết {year} = {t}"
        );
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any date of 1900–2199 round-trips and lands in a valid lunar date.
        #[test]
        fn adm4_solar_lunar_round_trip(days in 0i64..(300 * 366)) {
            let date = d(1900, 1, 1) + chrono::Days::new(days as u64);
            prop_assume!(date.year() <= 2199);
            let l = lunar::solar_to_lunar(date);
            prop_assert!((1..=12).contains(&l.month) && (1..=30).contains(&l.day));
            prop_assert_eq!(lunar::lunar_to_solar(l).unwrap(), date);
            let len = lunar::month_length(l.year, l.month, l.leap).unwrap();
            prop_assert!(len == 29 || len == 30);
            prop_assert!(l.day <= len);
        }

        /// Arbitrary lunar inputs never panic: a date or an error.
        #[test]
        fn adm4_lunar_to_solar_total(year in -20000i32..20000, month in 0u32..20, day in 0u32..40, leap: bool) {
            let _ = lunar::lunar_to_solar(LunarDate { year, month, day, leap });
        }
    }
}
