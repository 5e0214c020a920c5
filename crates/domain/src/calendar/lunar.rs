//! The Vietnamese lunar calendar (*âm lịch*), computed, never tabulated.
//!
//! A port of Hồ Ngọc Đức's published algorithm ("Thuật toán tính âm lịch",
//! informatik.uni-leipzig.de/~duc/amlich): new moons and the sun's longitude after Jean Meeus,
//! *Astronomical Algorithms*; the lunar month containing the winter solstice is month 11; in a
//! year with 13 lunar months (from one month 11 to the next) the first month without a major
//! solar term (*trung khí*) is the leap month and repeats the number of the month before it.
//!
//! Days start at local midnight in **UTC+7**. That is why a Chinese calendar library (UTC+8)
//! is wrong for Vietnam: a new moon between 23:00 and 24:00 Beijing time falls on different
//! days, which moves Tết by a day (2007: 17/2 in Vietnam, 18/2 in China) or, through the leap
//! month, by a month (1985: 21/1 against 20/2). The `*_at` functions take the offset as a
//! parameter only so that tests can show this difference.
//!
//! Dates are proleptic Gregorian. The author validated the algorithm for 1800–2199; it runs for
//! any year (precision slowly degrades far from the present) and never panics.

use super::CalendarError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::fmt;

/// Vietnam's offset from UTC in hours, the time zone of the Vietnamese lunar calendar.
pub const VIETNAM_TIME_ZONE: f64 = 7.0;

/// A date of the lunar calendar. `year` is the solar year in which the lunar year begins
/// (lunar 1/1/2026 = 17/2/2026); `leap` marks the repeated month of a 13-month year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub leap: bool,
}

impl LunarDate {
    /// A lunar date in an ordinary (non-leap) month; checked when converted.
    pub fn new(year: i32, month: u32, day: u32) -> LunarDate {
        LunarDate {
            year,
            month,
            day,
            leap: false,
        }
    }

    /// The month as said in Vietnamese: "Giêng" for 1, "Chạp" for 12, the number otherwise.
    pub fn month_name_vi(&self) -> String {
        let base = match self.month {
            1 => "Giêng".to_string(),
            12 => "Chạp".to_string(),
            m => m.to_string(),
        };
        if self.leap {
            format!("{base} nhuận")
        } else {
            base
        }
    }
}

impl fmt::Display for LunarDate {
    /// "10/3 năm Bính Ngọ", "1/4 nhuận năm Canh Tý".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { " nhuận" } else { "" };
        write!(
            f,
            "{}/{}{} năm {}",
            self.day,
            self.month,
            leap,
            year_name(self.year)
        )
    }
}

const CAN: [&str; 10] = [
    "Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý",
];
const CHI: [&str; 12] = [
    "Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi",
];

/// The sexagenary name of a lunar year: 2024 → "Giáp Thìn", 2026 → "Bính Ngọ".
pub fn year_name(year: i32) -> String {
    let can = (i64::from(year) + 6).rem_euclid(10) as usize;
    let chi = (i64::from(year) + 8).rem_euclid(12) as usize;
    format!("{} {}", CAN[can], CHI[chi])
}

/// The lunar date of a solar date in Vietnam.
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    solar_to_lunar_at(date, VIETNAM_TIME_ZONE)
}

/// The solar date of a lunar date in Vietnam; an error when the date does not exist (day 30 of
/// a 29-day month, a leap flag on a month that is not leap that year, month or day out of range).
pub fn lunar_to_solar(lunar: LunarDate) -> Result<NaiveDate, CalendarError> {
    lunar_to_solar_at(lunar, VIETNAM_TIME_ZONE)
}

/// Mùng 1 Tết (lunar 1/1) of the lunar year that begins in solar `year`.
pub fn tet(year: i32) -> Result<NaiveDate, CalendarError> {
    lunar_to_solar(LunarDate::new(year, 1, 1))
}

/// The leap month of the lunar year that begins in solar `year` (months 1–12 of that year;
/// a leap month 11 or 12 belongs to the year too), or `None` in a 12-month year.
pub fn leap_month(year: i32) -> Option<u32> {
    leap_month_at(year, VIETNAM_TIME_ZONE)
}

/// Number of days (29 or 30) of a lunar month; an error if the month does not exist.
pub fn month_length(year: i32, month: u32, leap: bool) -> Result<u32, CalendarError> {
    let first = lunar_to_solar(LunarDate {
        year,
        month,
        day: 1,
        leap,
    })?;
    let next_start = new_moon_day(month_index(first) + 1, VIETNAM_TIME_ZONE);
    Ok((next_start - jd(first)) as u32)
}

/// [`solar_to_lunar`] for another time zone (hours east of UTC), for comparisons only.
pub fn solar_to_lunar_at(date: NaiveDate, tz: f64) -> LunarDate {
    let day_number = jd(date);
    let month_start = new_moon_day(month_index_at(day_number, tz), tz);
    let yy = date.year();
    let mut a11 = lunar_month_11(yy, tz);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        a11 = lunar_month_11(yy - 1, tz);
    } else {
        lunar_year = yy + 1;
        b11 = lunar_month_11(yy + 1, tz);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_month_diff = leap_month_offset(a11, tz);
        if diff >= leap_month_diff {
            lunar_month = diff + 10;
            if diff == leap_month_diff {
                leap = true;
            }
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: lunar_year,
        month: lunar_month.clamp(1, 12) as u32,
        day: lunar_day.clamp(1, 30) as u32,
        leap,
    }
}

/// [`lunar_to_solar`] for another time zone (hours east of UTC), for comparisons only.
pub fn lunar_to_solar_at(lunar: LunarDate, tz: f64) -> Result<NaiveDate, CalendarError> {
    let LunarDate {
        year,
        month,
        day,
        leap,
    } = lunar;
    let missing = CalendarError::NoSuchLunarDate {
        year,
        month,
        day,
        leap,
    };
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return Err(missing);
    }
    if !(1..=9999).contains(&year) {
        return Err(CalendarError::YearOutOfRange(year));
    }
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1, tz), lunar_month_11(year, tz))
    } else {
        (lunar_month_11(year, tz), lunar_month_11(year + 1, tz))
    };
    let k = (0.5 + (a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return Err(missing);
        } else if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return Err(missing);
    }
    let month_start = new_moon_day(k + off, tz);
    let next_start = new_moon_day(k + off + 1, tz);
    if i64::from(day) > next_start - month_start {
        return Err(missing);
    }
    date_from_jd(month_start + i64::from(day) - 1).ok_or(missing)
}

/// [`leap_month`] for another time zone.
pub fn leap_month_at(year: i32, tz: f64) -> Option<u32> {
    // The leap month of lunar year `year` lies between its month 11 of the previous year
    // (a11) and the next one (b11), or, for a leap 11/12, after b11: check both spans.
    for (from, to) in [(year - 1, year), (year, year + 1)] {
        let a11 = lunar_month_11(from, tz);
        let b11 = lunar_month_11(to, tz);
        if b11 - a11 > 365 {
            let leap_off = leap_month_offset(a11, tz);
            let mut m = leap_off - 2;
            if m < 0 {
                m += 12;
            }
            let m = m as u32;
            // Months 11 and 12 after a11 belong to lunar year `from`; the others to `to`.
            let owner = if m >= 11 { from } else { to };
            if owner == year {
                return Some(m);
            }
        }
    }
    None
}

/// The Julian day number of a date (proleptic Gregorian).
fn jd(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + 1_721_425
}

fn date_from_jd(jd: i64) -> Option<NaiveDate> {
    let days = i32::try_from(jd - 1_721_425).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// The index k of the new moon that starts the lunar month containing `date` (Vietnam).
fn month_index(date: NaiveDate) -> i64 {
    month_index_at(jd(date), VIETNAM_TIME_ZONE)
}

/// The index k of the new moon that starts the lunar month containing day `day_number`:
/// `new_moon_day(k) <= day_number < new_moon_day(k + 1)`.
///
/// The published code estimates k from the *mean* lunation and tries k + 1 and k only. A true
/// new moon can come up to about 14 hours after the mean one, and then the estimate is one too
/// high: the day before such a new moon got lunar day 0 (e.g. 7/5/2054, where the port showed
/// two "day 1"s in a row). Stepping until the bracket holds fixes that and changes nothing else.
fn month_index_at(day_number: i64, tz: f64) -> i64 {
    let mut k = ((day_number as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64 + 1;
    // Each step moves one lunation; the estimate is never off by more than one or two.
    for _ in 0..4 {
        if new_moon_day(k, tz) > day_number {
            k -= 1;
        } else if new_moon_day(k + 1, tz) <= day_number {
            k += 1;
        } else {
            break;
        }
    }
    k
}

/// The Julian day (with fraction, UTC) of the k-th new moon after the one of 1900-01-01
/// (Meeus, chapter 49, reduced series).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries from 1900 January 0.5
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin(); // mean new moon
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3; // sun's mean anomaly
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3; // moon's
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3; // latitude arg.
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let deltat = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - deltat
}

/// The day number (local civil day at `tz`) of the k-th new moon.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    (new_moon(k) + 0.5 + tz / 24.0).floor() as i64
}

/// The sun's apparent longitude in radians, [0, 2π), at Julian day `jdn` (UTC).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2_451_545.0) / 36525.0; // Julian centuries from 2000-01-01 12:00 UTC
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// Which of the 12 major-term sectors (0–11, 30° each) the sun is in at the local midnight
/// that starts day `day_number`.
fn sun_sector(day_number: i64, tz: f64) -> i64 {
    (sun_longitude(day_number as f64 - 0.5 - tz / 24.0) / PI * 6.0).floor() as i64
}

/// The day number of the start of lunar month 11 of solar year `yy` (the month containing
/// the winter solstice).
fn lunar_month_11(yy: i32, tz: f64) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(yy, 12, 31).map_or_else(
        // Outside chrono's range: estimate from the mean year, precision no longer matters.
        || (f64::from(yy) * 365.2425 + 1_721_424.0) as i64,
        jd,
    );
    let off = dec31 - 2_415_021;
    let k = (off as f64 / 29.530_588_853).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_sector(nm, tz) >= 9 {
        new_moon_day(k - 1, tz)
    } else {
        nm
    }
}

/// In a 13-month span starting at month 11 (day number `a11`), the offset (in months after
/// a11) of the first month that contains no major solar term: the leap month.
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut i = 1; // start with the month following month 11
    let mut arc = sun_sector(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn julian_day_numbers_match_the_astronomical_ones() {
        assert_eq!(jd(d(2000, 1, 1)), 2_451_545);
        assert_eq!(jd(d(1900, 1, 1)), 2_415_021);
        assert_eq!(date_from_jd(2_451_545), Some(d(2000, 1, 1)));
    }

    #[test]
    fn year_names() {
        assert_eq!(year_name(2024), "Giáp Thìn");
        assert_eq!(year_name(2025), "Ất Tỵ");
        assert_eq!(year_name(2026), "Bính Ngọ");
        assert_eq!(year_name(1985), "Ất Sửu");
    }

    #[test]
    fn display_and_month_names() {
        let l = solar_to_lunar(d(2026, 4, 26));
        assert_eq!(l.to_string(), "10/3 năm Bính Ngọ");
        assert_eq!(LunarDate::new(2026, 12, 30).month_name_vi(), "Chạp");
        let leap = LunarDate {
            year: 2025,
            month: 6,
            day: 1,
            leap: true,
        };
        assert_eq!(leap.month_name_vi(), "6 nhuận");
    }
}
