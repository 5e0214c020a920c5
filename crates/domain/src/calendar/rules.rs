//! Holiday rules and the yearly generator: statutory holidays of Labour Code 45/2019/QH14
//! Art. 112 (with Tết and Giỗ Tổ from the computed lunar calendar) and the compensatory days
//! of Art. 111(3).

use super::exception::{DayException, ExceptionKind, ExceptionStatus};
use super::hours::OfficeHours;
use super::lunar::{self, LunarDate};
use super::{CalendarError, DeclaredIndex};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;

/// The legal basis of the default rules.
pub const LABOUR_CODE_ART_112: &str = "Bộ luật Lao động 45/2019/QH14, Điều 112";

/// When a holiday falls, year after year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleDate {
    /// A fixed solar date (29 February only in leap years).
    Solar { month: u32, day: u32 },
    /// A date of the lunar calendar, in the lunar year that begins in the solar year (skipped
    /// the years the day does not exist, e.g. day 30 of a 29-day month).
    Lunar { month: u32, day: u32 },
    /// Tết Nguyên đán: `days_before` last days of the old lunar year, then Mùng 1 … Mùng
    /// `days_from_new_year`.
    LunarNewYear {
        days_before: u32,
        days_from_new_year: u32,
    },
    /// A solar date plus one adjacent day: the day before when the date falls on one of
    /// `previous_day_when`, the day after otherwise (Quốc khánh: 2/9 + 1/9 or 3/9).
    SolarWithAdjacent {
        month: u32,
        day: u32,
        previous_day_when: Vec<Weekday>,
    },
}

/// A holiday rule. Rules are configuration: an administrator can disable one, add one, or
/// limit one to a range of years.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HolidayRule {
    /// Stable key, lower-case ASCII (`tet_nguyen_dan`); declared days refer to it.
    pub id: String,
    /// Vietnamese name shown on the calendar.
    pub name: String,
    pub enabled: bool,
    pub date: RuleDate,
    /// First and last years the rule applies (inclusive); `None` = unbounded.
    #[serde(default)]
    pub from_year: Option<i32>,
    #[serde(default)]
    pub until_year: Option<i32>,
    #[serde(default)]
    pub legal_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl HolidayRule {
    fn new(id: &str, name: &str, date: RuleDate) -> HolidayRule {
        HolidayRule {
            id: id.to_string(),
            name: name.to_string(),
            enabled: true,
            date,
            from_year: None,
            until_year: None,
            legal_basis: Some(LABOUR_CODE_ART_112.to_string()),
            note: None,
        }
    }

    /// Whether the rule generates days in `year`.
    pub fn applies_in(&self, year: i32) -> bool {
        self.enabled
            && self.from_year.is_none_or(|y| year >= y)
            && self.until_year.is_none_or(|y| year <= y)
    }

    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        let bad = |reason: &str| CalendarError::BadRule {
            id: self.id.clone(),
            reason: reason.into(),
        };
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok {
            return Err(bad(
                "mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới",
            ));
        }
        let n = self.name.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(bad("tên không được để trống (tối đa 200 ký tự)"));
        }
        if let (Some(a), Some(b)) = (self.from_year, self.until_year)
            && b < a
        {
            return Err(bad("năm kết thúc trước năm bắt đầu"));
        }
        match &self.date {
            RuleDate::Solar { month, day } | RuleDate::SolarWithAdjacent { month, day, .. } => {
                // 2000 is a leap year: 29/2 is a valid rule date.
                if NaiveDate::from_ymd_opt(2000, *month, *day).is_none() {
                    return Err(bad("ngày dương lịch không tồn tại"));
                }
            }
            RuleDate::Lunar { month, day } => {
                if !(1..=12).contains(month) || !(1..=30).contains(day) {
                    return Err(bad("ngày âm lịch phải từ 1 đến 30, tháng từ 1 đến 12"));
                }
            }
            RuleDate::LunarNewYear {
                days_before,
                days_from_new_year,
            } => {
                if *days_before > 10 || *days_from_new_year > 10 {
                    return Err(bad("tối đa 10 ngày trước và 10 ngày sau Mùng 1"));
                }
                if days_before + days_from_new_year == 0 {
                    return Err(bad("Tết phải có ít nhất một ngày nghỉ"));
                }
            }
        }
        Ok(())
    }

    /// The days this rule gives in solar `year` (before compensatory days), with their names.
    fn occurrences(&self, year: i32) -> Vec<(NaiveDate, String)> {
        match &self.date {
            RuleDate::Solar { month, day } => NaiveDate::from_ymd_opt(year, *month, *day)
                .map(|d| vec![(d, self.name.clone())])
                .unwrap_or_default(),
            RuleDate::Lunar { month, day } => {
                lunar::lunar_to_solar(LunarDate::new(year, *month, *day))
                    .map(|d| vec![(d, self.name.clone())])
                    .unwrap_or_default()
            }
            RuleDate::LunarNewYear {
                days_before,
                days_from_new_year,
            } => {
                let Ok(tet) = lunar::tet(year) else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for i in (1..=u64::from(*days_before)).rev() {
                    if let Some(d) = tet.checked_sub_days(Days::new(i)) {
                        let l = lunar::solar_to_lunar(d);
                        out.push((
                            d,
                            format!("{} ({} tháng {})", self.name, l.day, l.month_name_vi()),
                        ));
                    }
                }
                for k in 1..=u64::from(*days_from_new_year) {
                    if let Some(d) = tet.checked_add_days(Days::new(k - 1)) {
                        out.push((d, format!("{} (Mùng {k})", self.name)));
                    }
                }
                out
            }
            RuleDate::SolarWithAdjacent {
                month,
                day,
                previous_day_when,
            } => {
                let Some(d) = NaiveDate::from_ymd_opt(year, *month, *day) else {
                    return Vec::new();
                };
                let adjacent = if previous_day_when.contains(&d.weekday()) {
                    d.pred_opt()
                } else {
                    d.succ_opt()
                };
                let mut out = vec![(d, self.name.clone())];
                if let Some(a) = adjacent {
                    out.push((a, format!("{} (ngày liền kề)", self.name)));
                }
                out.sort();
                out
            }
        }
    }
}

/// The statutory holidays of Labour Code 2019 Art. 112, as rules, plus the pending 24/11.
///
/// Two choices are defaults set yearly by the Prime Minister, to be confirmed against the
/// year's notice (declare the days to override them):
/// - Tết: the last day of the old lunar year + Mùng 1–4 (2026 matches TB 9441/TB-BNV; other
///   years often used 2 days before + 3 after).
/// - Quốc khánh: 2/9 + 1/9 when 2/9 is a Tuesday (a four-day weekend) or a Saturday, 3/9
///   otherwise (2024 Mon → 3/9 and 2025 Tue → 1/9 match; note that 2022, a Friday, used 1/9).
///
/// These rules are applied to every year; before 2021 (Labour Code 2012 and earlier, one day
/// for Quốc khánh) past calendars differ, which matters only for historical reports.
pub fn default_rules() -> Vec<HolidayRule> {
    use Weekday::{Sat, Tue};
    let mut culture_day = HolidayRule::new(
        "ngay_van_hoa_viet_nam",
        "Ngày Văn hóa Việt Nam",
        RuleDate::Solar { month: 11, day: 24 },
    );
    culture_day.enabled = false;
    culture_day.legal_basis = None;
    culture_day.note = Some(
        "Dự kiến ngày nghỉ lễ thứ 12 (NQ 30/NQ-CP năm 2026 giao sửa Điều 112 BLLĐ); chưa có hiệu \
         lực pháp luật. Bật khi luật sửa đổi có hiệu lực và đặt năm bắt đầu."
            .into(),
    );
    let mut tet = HolidayRule::new(
        "tet_nguyen_dan",
        "Tết Nguyên đán",
        RuleDate::LunarNewYear {
            days_before: 1,
            days_from_new_year: 4,
        },
    );
    tet.note = Some("5 ngày; các ngày cụ thể do Thủ tướng quyết định hằng năm.".into());
    let mut national_day = HolidayRule::new(
        "quoc_khanh",
        "Quốc khánh",
        RuleDate::SolarWithAdjacent {
            month: 9,
            day: 2,
            previous_day_when: vec![Tue, Sat],
        },
    );
    national_day.note =
        Some("2/9 và một ngày liền kề (1/9 hoặc 3/9) do Thủ tướng quyết định hằng năm.".into());
    vec![
        HolidayRule::new(
            "tet_duong_lich",
            "Tết Dương lịch",
            RuleDate::Solar { month: 1, day: 1 },
        ),
        tet,
        HolidayRule::new(
            "gio_to_hung_vuong",
            "Giỗ Tổ Hùng Vương",
            RuleDate::Lunar { month: 3, day: 10 },
        ),
        HolidayRule::new(
            "ngay_chien_thang",
            "Ngày Chiến thắng",
            RuleDate::Solar { month: 4, day: 30 },
        ),
        HolidayRule::new(
            "quoc_te_lao_dong",
            "Ngày Quốc tế Lao động",
            RuleDate::Solar { month: 5, day: 1 },
        ),
        national_day,
        culture_day,
    ]
}

/// The days the rules generate for the solar `years`: holidays, then one compensatory day for
/// each holiday on a weekly rest day or on another holiday (Art. 111(3)), placed on the next
/// day that is neither a rest day, a holiday, a declared day nor an already given compensatory
/// day. A rule replaced by a declared day of a year generates nothing that year. The caller
/// asks for the neighbouring years too and keeps the days it needs, so that a compensatory day
/// crossing New Year sees the holidays of both years.
pub(crate) fn generate(
    rules: &[HolidayRule],
    hours: &OfficeHours,
    declared: &DeclaredIndex,
    years: RangeInclusive<i32>,
) -> Vec<DayException> {
    let mut holidays: Vec<(NaiveDate, usize, String)> = Vec::new();
    for year in years {
        let replaced = declared.replaced_rules(year);
        for (idx, rule) in rules.iter().enumerate() {
            if rule.applies_in(year) && !replaced.contains(rule.id.as_str()) {
                holidays.extend(
                    rule.occurrences(year)
                        .into_iter()
                        .map(|(d, name)| (d, idx, name)),
                );
            }
        }
    }
    holidays.sort_by_key(|(d, idx, _)| (*d, *idx));

    let taken: BTreeSet<NaiveDate> = holidays.iter().map(|(d, _, _)| *d).collect();
    let mut seen = BTreeSet::new();
    let mut given = BTreeSet::new();
    let mut out = Vec::with_capacity(holidays.len() + 4);
    for (date, idx, name) in holidays {
        let rule = &rules[idx];
        let collided = !seen.insert(date);
        if !collided {
            out.push(generated(date, ExceptionKind::Holiday, name, rule));
        }
        if !(collided || hours.is_rest_day(date.weekday())) {
            continue;
        }
        let mut c = date;
        // At most a week of rest days in a row plus the finite holidays and declared days.
        while let Some(next) = c.succ_opt() {
            c = next;
            let free = !hours.is_rest_day(c.weekday())
                && !taken.contains(&c)
                && !given.contains(&c)
                && !declared.contains(c);
            if free {
                given.insert(c);
                let name = format!("Nghỉ bù {}", rule.name);
                out.push(generated(c, ExceptionKind::Compensatory, name, rule));
                break;
            }
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

fn generated(
    date: NaiveDate,
    kind: ExceptionKind,
    name: String,
    rule: &HolidayRule,
) -> DayException {
    DayException {
        date,
        kind,
        name,
        source_document: rule.legal_basis.clone(),
        status: ExceptionStatus::Generated,
        rule: Some(rule.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn adm4_default_rules_are_valid_and_culture_day_is_disabled() {
        let rules = default_rules();
        for r in &rules {
            r.validate().unwrap();
        }
        let culture = rules
            .iter()
            .find(|r| r.id == "ngay_van_hoa_viet_nam")
            .unwrap();
        assert!(!culture.applies_in(2026));
        assert_eq!(rules.iter().filter(|r| r.enabled).count(), 6);
    }

    #[test]
    fn adm4_quoc_khanh_adjacent_day() {
        let r = default_rules()
            .into_iter()
            .find(|r| r.id == "quoc_khanh")
            .unwrap();
        let days = |y| {
            r.occurrences(y)
                .into_iter()
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        assert_eq!(days(2025), vec![d(2025, 9, 1), d(2025, 9, 2)]); // Tuesday
        assert_eq!(days(2023), vec![d(2023, 9, 1), d(2023, 9, 2)]); // Saturday
        assert_eq!(days(2024), vec![d(2024, 9, 2), d(2024, 9, 3)]); // Monday
        assert_eq!(days(2026), vec![d(2026, 9, 2), d(2026, 9, 3)]); // Wednesday
    }

    #[test]
    fn adm4_rule_validation() {
        let mut r = HolidayRule::new("x", "X", RuleDate::Solar { month: 2, day: 30 });
        assert!(r.validate().is_err());
        r.date = RuleDate::Solar { month: 2, day: 29 };
        r.validate().unwrap();
        r.id = "Bad Id".into();
        assert!(r.validate().is_err());
        r.id = "ok".into();
        r.from_year = Some(2030);
        r.until_year = Some(2020);
        assert!(r.validate().is_err());
        let t = HolidayRule::new(
            "t",
            "T",
            RuleDate::LunarNewYear {
                days_before: 0,
                days_from_new_year: 0,
            },
        );
        assert!(t.validate().is_err());
    }
}
