//! ADM-4: the yearly schedule — statutory holidays generated from the rules and the lunar
//! calendar, compensatory days, and the published 2024–2026 civil-servant schedules.

use chrono::{Datelike, NaiveDate, Weekday};
use tongdai_domain::calendar::{
    CalendarConfig, CalendarError, DayException, DayKind, ExceptionKind, ExceptionStatus,
    Intervals, RuleDate, WorkingCalendar,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn days_off(cal: &WorkingCalendar, year: i32) -> Vec<(NaiveDate, ExceptionKind, ExceptionStatus)> {
    cal.holidays(year)
        .unwrap()
        .into_iter()
        .map(|h| (h.date, h.kind, h.status))
        .collect()
}

fn is_working(cal: &WorkingCalendar, date: NaiveDate) -> bool {
    cal.day_info(date).unwrap().is_working()
}

use ExceptionKind::{Compensatory, Holiday, SwapOff};
use ExceptionStatus::{Confirmed, Generated};

#[test]
fn adm4_schedule_2026_tet_per_tb_9441() {
    let cal = WorkingCalendar::default();
    let off = days_off(&cal, 2026);
    let expected = vec![
        (d(2026, 1, 1), Holiday, Generated),
        (d(2026, 2, 16), Holiday, Confirmed),
        (d(2026, 2, 17), Holiday, Confirmed),
        (d(2026, 2, 18), Holiday, Confirmed),
        (d(2026, 2, 19), Holiday, Confirmed),
        (d(2026, 2, 20), Holiday, Confirmed),
        (d(2026, 4, 26), Holiday, Generated), // Giỗ Tổ on a Sunday
        (d(2026, 4, 27), Compensatory, Generated),
        (d(2026, 4, 30), Holiday, Generated),
        (d(2026, 5, 1), Holiday, Generated),
        (d(2026, 9, 2), Holiday, Generated),
        (d(2026, 9, 3), Holiday, Generated),
    ];
    assert_eq!(off, expected);
    let tet = cal.day_info(d(2026, 2, 17)).unwrap();
    assert_eq!(tet.name.as_deref(), Some("Tết Nguyên đán (Mùng 1)"));
    assert!(tet.source_document.unwrap().contains("9441/TB-BNV"));
    // The continuous break runs Sat 14 to Sun 22 February; Monday 23 is a working day.
    for day in 14..=22 {
        assert!(!is_working(&cal, d(2026, 2, day)), "{day}/2");
    }
    assert!(is_working(&cal, d(2026, 2, 13)) && is_working(&cal, d(2026, 2, 23)));
    let comp = cal.day_info(d(2026, 4, 27)).unwrap();
    assert_eq!(comp.kind, DayKind::Compensatory);
    assert_eq!(comp.name.as_deref(), Some("Nghỉ bù Giỗ Tổ Hùng Vương"));
}

#[test]
fn adm4_schedule_2025_swaps_and_makeup_saturdays() {
    let cal = WorkingCalendar::default();
    let off = days_off(&cal, 2025);
    let expected = vec![
        (d(2025, 1, 1), Holiday, Generated),
        (d(2025, 1, 27), SwapOff, Confirmed),
        (d(2025, 1, 28), Holiday, Confirmed),
        (d(2025, 1, 29), Holiday, Confirmed),
        (d(2025, 1, 30), Holiday, Confirmed),
        (d(2025, 1, 31), Holiday, Confirmed),
        (d(2025, 2, 1), Holiday, Confirmed),
        (d(2025, 4, 7), Holiday, Generated),
        (d(2025, 4, 30), Holiday, Confirmed),
        (d(2025, 5, 1), Holiday, Confirmed),
        (d(2025, 5, 2), SwapOff, Confirmed),
        (d(2025, 9, 1), Holiday, Confirmed),
        (d(2025, 9, 2), Holiday, Confirmed),
    ];
    assert_eq!(off, expected);
    // Tết break 25/1–2/2; no generated Monday 3/2 for the Saturday 1/2 (the notice settles Tết).
    for date in d(2025, 1, 25)
        .iter_days()
        .take_while(|x| *x <= d(2025, 2, 2))
    {
        assert!(!is_working(&cal, date), "{date}");
    }
    assert!(is_working(&cal, d(2025, 2, 3)));
    // Make-up Saturdays are working days with the weekday hours.
    for sat in [d(2025, 2, 15), d(2025, 4, 26)] {
        let info = cal.day_info(sat).unwrap();
        assert_eq!(sat.weekday(), Weekday::Sat);
        assert_eq!(info.kind, DayKind::MakeupWorkday);
        assert_eq!(info.intervals.to_string(), "07:00-11:00, 13:00-16:00");
    }
    // 30/4–4/5 break.
    for date in d(2025, 4, 30)
        .iter_days()
        .take_while(|x| *x <= d(2025, 5, 4))
    {
        assert!(!is_working(&cal, date), "{date}");
    }
}

#[test]
fn adm4_schedule_2024() {
    let cal = WorkingCalendar::default();
    let off: Vec<NaiveDate> = days_off(&cal, 2024)
        .into_iter()
        .map(|(date, _, _)| date)
        .collect();
    let mut expected = vec![d(2024, 1, 1)];
    expected.extend((8..=14).map(|x| d(2024, 2, x)));
    expected.extend([
        d(2024, 4, 18),
        d(2024, 4, 29),
        d(2024, 4, 30),
        d(2024, 5, 1),
    ]);
    expected.extend([d(2024, 9, 2), d(2024, 9, 3)]);
    assert_eq!(off, expected);
    assert_eq!(
        cal.day_info(d(2024, 5, 4)).unwrap().kind,
        DayKind::MakeupWorkday
    );
    assert_eq!(cal.day_info(d(2024, 4, 29)).unwrap().kind, DayKind::SwapOff);
    assert_eq!(
        cal.day_info(d(2024, 2, 10)).unwrap().name.as_deref(),
        Some("Tết Nguyên đán (Mùng 1)")
    );
}

#[test]
fn adm4_generated_years_follow_labour_code_art_111_112() {
    let cal = WorkingCalendar::default();
    // 2023 (nothing declared): Giỗ Tổ Sat 29/4, 30/4 Sun, 1/5 Mon → compensatory Tue 2 and
    // Wed 3 May, as the 2023 notice had; 1/1 on a Sunday → Mon 2/1; 2/9 Sat + 1/9, Mon 4/9.
    let off: Vec<(NaiveDate, ExceptionKind)> = cal
        .holidays(2023)
        .unwrap()
        .into_iter()
        .map(|h| (h.date, h.kind))
        .collect();
    for expected in [
        (d(2023, 1, 2), Compensatory),
        (d(2023, 4, 29), Holiday),
        (d(2023, 5, 2), Compensatory),
        (d(2023, 5, 3), Compensatory),
        (d(2023, 9, 1), Holiday),
        (d(2023, 9, 4), Compensatory),
    ] {
        assert!(off.contains(&expected), "{expected:?} in {off:?}");
    }
    // 2027: Tết Mùng 1 on Saturday 6/2; default 5/2–9/2 with two weekend days → Wed 10, Thu 11.
    let tet: Vec<NaiveDate> = cal
        .holidays(2027)
        .unwrap()
        .into_iter()
        .filter(|h| h.name.contains("Tết Nguyên đán"))
        .map(|h| h.date)
        .collect();
    assert_eq!(tet, (5..=11).map(|x| d(2027, 2, x)).collect::<Vec<_>>());
    // Every generated year from 1990 to 2100 has the 11 statutory days, the lunar ones on
    // the computed dates, all generated, and the days off are never working days.
    for year in 1990..=2100 {
        let hs = cal.holidays(year).unwrap();
        let statutory = hs.iter().filter(|h| h.kind == Holiday).count();
        if !(2024..=2025).contains(&year) {
            assert_eq!(statutory, 11, "{year}: {hs:?}");
        }
        let tet = tongdai_domain::calendar::lunar::tet(year).unwrap();
        assert!(
            hs.iter().any(|h| h.date == tet && h.kind == Holiday),
            "Tết {year}"
        );
        for h in &hs {
            assert_eq!(h.date.year(), year);
            assert!(!is_working(&cal, h.date), "{h}");
        }
        for h in hs.iter().filter(|h| h.kind == Compensatory) {
            assert!(
                !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun),
                "{h}"
            );
        }
    }
}

#[test]
fn adm4_holidays_print_one_iso_date_and_name_per_line() {
    let cal = WorkingCalendar::default();
    let lines: Vec<String> = cal
        .holidays(2026)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(lines[0], "2026-01-01 Tết Dương lịch");
    assert_eq!(lines[1], "2026-02-16 Tết Nguyên đán (29 tháng Chạp)");
    assert!(lines.contains(&"2026-04-26 Giỗ Tổ Hùng Vương".to_string()));
    assert!(lines.contains(&"2026-09-02 Quốc khánh".to_string()));
    assert!(matches!(
        cal.holidays(0),
        Err(CalendarError::YearOutOfRange(0))
    ));
}

#[test]
fn adm4_culture_day_is_a_disabled_rule_that_can_be_enabled() {
    let cal = WorkingCalendar::default();
    assert!(is_working(&cal, d(2026, 11, 24)));
    let mut config = CalendarConfig::default();
    let rule = config
        .rules
        .iter_mut()
        .find(|r| r.id == "ngay_van_hoa_viet_nam")
        .unwrap();
    assert_eq!(rule.date, RuleDate::Solar { month: 11, day: 24 });
    rule.enabled = true;
    rule.from_year = Some(2026);
    let cal = WorkingCalendar::new(config).unwrap();
    assert_eq!(
        cal.day_info(d(2026, 11, 24)).unwrap().name.as_deref(),
        Some("Ngày Văn hóa Việt Nam")
    );
    assert!(is_working(&cal, d(2025, 11, 24)), "before from_year");
    // 24/11/2029 is a Saturday: compensatory Monday 26/11.
    assert_eq!(
        cal.day_info(d(2029, 11, 26)).unwrap().kind,
        DayKind::Compensatory
    );
}

#[test]
fn adm4_declared_days_override_generated_ones() {
    let base = WorkingCalendar::default();
    // A notice for Quốc khánh 2026 (hypothetical here): 1/9 and 2/9 instead of 2/9 and 3/9.
    let notice = "Thông báo thử nghiệm";
    let days = vec![
        DayException::confirmed(d(2026, 9, 1), Holiday, "Quốc khánh (ngày liền kề)")
            .with_source(notice)
            .for_rule("quoc_khanh"),
        DayException::confirmed(d(2026, 9, 2), Holiday, "Quốc khánh")
            .with_source(notice)
            .for_rule("quoc_khanh"),
    ];
    let cal = base.with_declared_year(2026, days).unwrap();
    assert!(!is_working(&cal, d(2026, 9, 1)));
    assert!(
        is_working(&cal, d(2026, 9, 3)),
        "the generated 3/9 is replaced"
    );
    // Declaring 2026 replaced the built-in 2026 Tết too: the generated Tết is back.
    assert_eq!(
        cal.day_info(d(2026, 2, 16)).unwrap().status,
        Some(Generated)
    );
    // Without a rule, a declared day only overrides its own date.
    let mut config = CalendarConfig::default();
    let half_day = Intervals::parse("07:00-11:00").unwrap();
    config
        .declare(DayException::confirmed(
            d(2026, 4, 30),
            ExceptionKind::SpecialHours(half_day.clone()),
            "Trực lễ buổi sáng",
        ))
        .unwrap();
    let cal = WorkingCalendar::new(config).unwrap();
    let info = cal.day_info(d(2026, 4, 30)).unwrap();
    assert_eq!(
        (info.kind, info.intervals),
        (DayKind::SpecialHours, half_day)
    );
    assert!(!is_working(&cal, d(2026, 5, 1)));
}

#[test]
fn adm4_collisions_and_custom_rules_get_compensatory_days() {
    let mut config = CalendarConfig::default();
    config.exceptions.clear();
    let mut extra = config.rules[0].clone();
    extra.id = "thu_nghiem".into();
    extra.name = "Ngày thử nghiệm".into();
    config.rules.push(extra); // also on 1/1
    let cal = WorkingCalendar::new(config).unwrap();
    // 1/1/2025 is a Wednesday: the second holiday on the same day gives Thursday 2/1 off.
    let info = cal.day_info(d(2025, 1, 2)).unwrap();
    assert_eq!(info.kind, DayKind::Compensatory);
    assert_eq!(info.name.as_deref(), Some("Nghỉ bù Ngày thử nghiệm"));
}

#[test]
fn adm4_compensatory_day_spills_into_next_year() {
    let mut config = CalendarConfig::default();
    let mut eve = config.rules[0].clone();
    eve.id = "cuoi_nam".into();
    eve.name = "Cuối năm".into();
    eve.date = RuleDate::Solar { month: 12, day: 31 };
    config.rules.push(eve);
    let cal = WorkingCalendar::new(config).unwrap();
    // 31/12/2028 is a Sunday; 1/1/2029 (Mon) is a holiday: compensatory Tuesday 2/1/2029.
    assert_eq!(d(2028, 12, 31).weekday(), Weekday::Sun);
    let info = cal.day_info(d(2029, 1, 2)).unwrap();
    assert_eq!(info.name.as_deref(), Some("Nghỉ bù Cuối năm"));
}

#[test]
fn adm4_month_view() {
    let cal = WorkingCalendar::default();
    let feb = cal.month(2026, 2).unwrap();
    assert_eq!(feb.len(), 28);
    assert_eq!(feb[13].kind, DayKind::WeeklyRest); // Sat 14/2
    assert_eq!(feb[15].kind, DayKind::Holiday);
    assert_eq!(feb[16].lunar.to_string(), "1/1 năm Bính Ngọ");
    assert_eq!(feb[22].kind, DayKind::Workday);
    assert_eq!(feb[22].intervals.seconds(), 7 * 3600);
    assert!(matches!(
        cal.month(2026, 13),
        Err(CalendarError::BadMonth(13))
    ));
    assert_eq!(cal.month(2024, 2).unwrap().len(), 29);
}

#[test]
fn adm4_config_round_trips_through_json_and_is_validated() {
    let config = CalendarConfig::default();
    let json = serde_json::to_string_pretty(&config).unwrap();
    let back: CalendarConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config);
    let a = WorkingCalendar::new(back).unwrap();
    assert_eq!(a.version(), WorkingCalendar::default().version());
    assert_eq!(a.version().len(), 64);

    let mut dup = config.clone();
    dup.rules.push(dup.rules[0].clone());
    assert!(matches!(
        WorkingCalendar::new(dup),
        Err(CalendarError::DuplicateRule(_))
    ));
    let mut dup = config.clone();
    dup.exceptions.push(dup.exceptions[0].clone());
    assert!(matches!(
        WorkingCalendar::new(dup),
        Err(CalendarError::DuplicateException(_))
    ));
    let mut unnamed = config.clone();
    unnamed.exceptions[0].name = "  ".into();
    assert!(WorkingCalendar::new(unnamed).is_err());

    let mut edited = config.clone();
    edited.declare_year(2027, vec![]).unwrap();
    assert_eq!(edited, config, "nothing declared in 2027");
    assert!(
        edited
            .declare_year(
                2027,
                vec![DayException::confirmed(d(2026, 1, 2), Holiday, "x")]
            )
            .is_err()
    );
    let other = WorkingCalendar::new({
        let mut c = config.clone();
        c.undeclare(d(2026, 2, 16));
        c
    })
    .unwrap();
    assert_ne!(other.version(), a.version());

    // Stored office hours are validated on load.
    let bad = json.replacen("\"07:00-11:00\"", "\"11:00-07:00\"", 1);
    assert!(serde_json::from_str::<CalendarConfig>(&bad).is_err());
}
