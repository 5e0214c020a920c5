//! Office hours: per weekday, a list of intervals of civil time in Vietnam (UTC+7).
//!
//! Intervals are half-open, `[start, end)`: an office open 07:00–11:00 is open at 10:59:59.999
//! and closed at 11:00, which is what lets a deadline "land exactly at an interval end".
//! Every list is validated when built (sorted, non-overlapping, within the day), also when it
//! is read back from stored configuration.

use super::CalendarError;
use chrono::{NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const DAY_SECONDS: u32 = 86_400;

/// A time of day from 00:00 to 24:00 inclusive, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockTime(u32);

impl ClockTime {
    /// Hours and minutes; 24:00 is allowed (the end of the day).
    pub fn hm(hour: u32, minute: u32) -> Result<ClockTime, CalendarError> {
        ClockTime::hms(hour, minute, 0)
    }

    /// Hours, minutes and seconds; 24:00:00 is allowed (the end of the day).
    pub fn hms(hour: u32, minute: u32, second: u32) -> Result<ClockTime, CalendarError> {
        let secs = hour
            .checked_mul(3600)
            .and_then(|h| h.checked_add(minute * 60 + second));
        match secs {
            Some(s) if minute < 60 && second < 60 && s <= DAY_SECONDS => Ok(ClockTime(s)),
            _ => Err(CalendarError::BadClockTime(format!(
                "{hour:02}:{minute:02}:{second:02}"
            ))),
        }
    }

    /// Seconds since midnight (86 400 for 24:00).
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// The time of day, or `None` for 24:00.
    pub fn to_naive(self) -> Option<NaiveTime> {
        NaiveTime::from_num_seconds_from_midnight_opt(self.0, 0).filter(|_| self.0 < DAY_SECONDS)
    }

    /// The time of day of a `NaiveTime` (seconds kept, fractions dropped).
    pub fn from_naive(t: NaiveTime) -> ClockTime {
        ClockTime(t.num_seconds_from_midnight())
    }
}

impl fmt::Display for ClockTime {
    /// "07:00", or "07:00:30" when there are seconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

impl FromStr for ClockTime {
    type Err = CalendarError;

    /// "7:00", "07:00", "07:00:30", "24:00".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CalendarError::BadClockTime(s.chars().take(40).collect());
        let parts: Vec<&str> = s.trim().split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let mut nums = [0u32; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            nums[i] = p.parse().map_err(|_| bad())?;
        }
        ClockTime::hms(nums[0], nums[1], nums[2]).map_err(|_| bad())
    }
}

/// An opening interval of one day, `[start, end)`, with `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DayInterval {
    start: ClockTime,
    end: ClockTime,
}

impl DayInterval {
    /// An interval; `start` must be before `end`.
    pub fn new(start: ClockTime, end: ClockTime) -> Result<DayInterval, CalendarError> {
        if start < end {
            Ok(DayInterval { start, end })
        } else {
            Err(CalendarError::BadInterval(format!("{start}-{end}")))
        }
    }

    /// Shorthand: `DayInterval::hm(7, 0, 11, 0)` is 07:00–11:00.
    pub fn hm(h1: u32, m1: u32, h2: u32, m2: u32) -> Result<DayInterval, CalendarError> {
        DayInterval::new(ClockTime::hm(h1, m1)?, ClockTime::hm(h2, m2)?)
    }

    pub fn start(&self) -> ClockTime {
        self.start
    }

    pub fn end(&self) -> ClockTime {
        self.end
    }

    /// Its length in seconds.
    pub fn seconds(&self) -> u32 {
        self.end.0 - self.start.0
    }
}

impl fmt::Display for DayInterval {
    /// "07:00-11:00": the form used in configuration files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl FromStr for DayInterval {
    type Err = CalendarError;

    /// "07:00-11:00" (an en dash or spaces around the dash are accepted).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CalendarError::BadInterval(s.chars().take(40).collect());
        let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
        let start: ClockTime = a.parse().map_err(|_| bad())?;
        let end: ClockTime = b.parse().map_err(|_| bad())?;
        DayInterval::new(start, end).map_err(|_| bad())
    }
}

impl TryFrom<String> for DayInterval {
    type Error = CalendarError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DayInterval> for String {
    fn from(i: DayInterval) -> String {
        i.to_string()
    }
}

/// The opening intervals of one day: sorted, non-overlapping (touching is allowed), possibly
/// empty (closed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<DayInterval>", into = "Vec<DayInterval>")]
pub struct Intervals(Vec<DayInterval>);

impl Intervals {
    /// A day's intervals, validated.
    pub fn new(list: Vec<DayInterval>) -> Result<Intervals, CalendarError> {
        for pair in list.windows(2) {
            if pair[1].start < pair[0].end {
                return Err(CalendarError::IntervalsOverlap(format!(
                    "{}, {}",
                    pair[0], pair[1]
                )));
            }
        }
        Ok(Intervals(list))
    }

    /// A closed day.
    pub fn closed() -> Intervals {
        Intervals(Vec::new())
    }

    /// Parses "07:00-11:00, 13:00-16:00"; an empty string or "nghỉ" is a closed day.
    pub fn parse(s: &str) -> Result<Intervals, CalendarError> {
        if s.trim() == "nghỉ" {
            return Ok(Intervals::closed());
        }
        let list = s
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<DayInterval>, _>>()?;
        Intervals::new(list)
    }

    pub fn as_slice(&self) -> &[DayInterval] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Total opening time in seconds.
    pub fn seconds(&self) -> u32 {
        self.0.iter().map(DayInterval::seconds).sum()
    }

    /// The intervals as nanoseconds since local midnight, the unit of the arithmetic.
    pub(crate) fn spans(&self) -> Vec<Span> {
        self.0
            .iter()
            .map(|i| Span {
                start: i64::from(i.start.0) * NANOS_PER_SECOND,
                end: i64::from(i.end.0) * NANOS_PER_SECOND,
            })
            .collect()
    }
}

impl fmt::Display for Intervals {
    /// "07:00-11:00, 13:00-16:00"; "nghỉ" (closed) when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nghỉ");
        }
        for (i, iv) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{iv}")?;
        }
        Ok(())
    }
}

impl TryFrom<Vec<DayInterval>> for Intervals {
    type Error = CalendarError;
    fn try_from(list: Vec<DayInterval>) -> Result<Self, Self::Error> {
        Intervals::new(list)
    }
}

impl From<Intervals> for Vec<DayInterval> {
    fn from(i: Intervals) -> Self {
        i.0
    }
}

pub(crate) const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// An interval in nanoseconds since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: i64,
    pub end: i64,
}

/// Office hours for each weekday, in Asia/Ho_Chi_Minh civil time. At least one weekday must
/// be open, otherwise no deadline could ever fall due.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WeekTable", into = "WeekTable")]
pub struct OfficeHours {
    week: [Intervals; 7],
}

/// The stored form of [`OfficeHours`]: one list per weekday, `mon` … `sun`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekTable {
    #[serde(default)]
    pub mon: Intervals,
    #[serde(default)]
    pub tue: Intervals,
    #[serde(default)]
    pub wed: Intervals,
    #[serde(default)]
    pub thu: Intervals,
    #[serde(default)]
    pub fri: Intervals,
    #[serde(default)]
    pub sat: Intervals,
    #[serde(default)]
    pub sun: Intervals,
}

impl OfficeHours {
    /// Office hours from a list per weekday, Monday first.
    pub fn new(week: [Intervals; 7]) -> Result<OfficeHours, CalendarError> {
        if week.iter().all(Intervals::is_empty) {
            return Err(CalendarError::NoOfficeHours);
        }
        Ok(OfficeHours { week })
    }

    /// The same intervals on the given weekdays, closed on the others.
    pub fn uniform(days: &[Weekday], day: Intervals) -> Result<OfficeHours, CalendarError> {
        let mut week: [Intervals; 7] = Default::default();
        for wd in days {
            week[wd.num_days_from_monday() as usize] = day.clone();
        }
        OfficeHours::new(week)
    }

    /// The intervals of a weekday.
    pub fn on(&self, weekday: Weekday) -> &Intervals {
        &self.week[weekday.num_days_from_monday() as usize]
    }

    /// Whether the weekday is a weekly rest day (no office hours).
    pub fn is_rest_day(&self, weekday: Weekday) -> bool {
        self.on(weekday).is_empty()
    }

    /// The hours of a make-up working day (*ngày làm bù*, usually a Saturday): those of the
    /// first open weekday from Monday. An administrator who wants other hours on a given day
    /// declares special hours for it instead.
    pub fn makeup_day(&self) -> &Intervals {
        self.week
            .iter()
            .find(|d| !d.is_empty())
            .unwrap_or(&self.week[0])
    }

    /// Opening time of a whole week, in seconds.
    pub fn week_seconds(&self) -> u32 {
        self.week.iter().map(Intervals::seconds).sum()
    }
}

impl Default for OfficeHours {
    /// The plan's intake hours: Monday to Friday 07:00–11:00 and 13:00–16:00 (7 hours a day);
    /// Saturday and Sunday closed (weekly rest of state bodies, QĐ 188/1999/QĐ-TTg).
    fn default() -> Self {
        let day = Intervals(vec![
            DayInterval {
                start: ClockTime(7 * 3600),
                end: ClockTime(11 * 3600),
            },
            DayInterval {
                start: ClockTime(13 * 3600),
                end: ClockTime(16 * 3600),
            },
        ]);
        let closed = Intervals::closed();
        OfficeHours {
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                closed.clone(),
                closed,
            ],
        }
    }
}

impl TryFrom<WeekTable> for OfficeHours {
    type Error = CalendarError;
    fn try_from(w: WeekTable) -> Result<Self, Self::Error> {
        OfficeHours::new([w.mon, w.tue, w.wed, w.thu, w.fri, w.sat, w.sun])
    }
}

impl From<OfficeHours> for WeekTable {
    fn from(h: OfficeHours) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = h.week;
        WeekTable {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adm4_default_hours_are_seven_per_weekday() {
        let h = OfficeHours::default();
        assert_eq!(h.on(Weekday::Mon).seconds(), 7 * 3600);
        assert_eq!(h.on(Weekday::Fri).to_string(), "07:00-11:00, 13:00-16:00");
        assert!(h.is_rest_day(Weekday::Sat) && h.is_rest_day(Weekday::Sun));
        assert_eq!(h.week_seconds(), 35 * 3600);
    }

    #[test]
    fn adm4_intervals_are_validated() {
        assert!("07:00-11:00".parse::<DayInterval>().is_ok());
        assert!("13:00–24:00".parse::<DayInterval>().is_ok());
        for bad in [
            "11:00-07:00",
            "07:00-07:00",
            "25:00-26:00",
            "7-11",
            "07:60-08:00",
            "",
            "-",
        ] {
            assert!(bad.parse::<DayInterval>().is_err(), "{bad}");
        }
        assert!(Intervals::parse("07:00-11:00, 10:00-12:00").is_err());
        assert!(Intervals::parse("13:00-16:00, 07:00-11:00").is_err());
        assert!(Intervals::parse("07:00-11:00, 11:00-12:00").is_ok());
        assert_eq!(Intervals::parse("").unwrap(), Intervals::closed());
        let empty: [Intervals; 7] = Default::default();
        assert_eq!(OfficeHours::new(empty), Err(CalendarError::NoOfficeHours));
    }

    #[test]
    fn adm4_office_hours_serde_validates() {
        let json = serde_json::to_string(&OfficeHours::default()).unwrap();
        assert!(
            json.contains(r#""mon":["07:00-11:00","13:00-16:00"]"#),
            "{json}"
        );
        let back: OfficeHours = serde_json::from_str(&json).unwrap();
        assert_eq!(back, OfficeHours::default());
        assert!(
            serde_json::from_str::<OfficeHours>(r#"{"mon":["13:00-16:00","07:00-11:00"]}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<OfficeHours>(r#"{"sat":[]}"#).is_err());
    }
}
