//! A year's schedule: the generated days merged with the declared ones, precomputed once per
//! year into a table with constant-time lookup by date; and the views built from it.

use super::config::DeclaredIndex;
use super::exception::{DayException, ExceptionKind, ExceptionStatus};
use super::hours::{Intervals, OfficeHours, Span};
use super::lunar::LunarDate;
use super::rules::{self, HolidayRule};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One exceptional day with its opening intervals resolved.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub exception: DayException,
    pub intervals: Intervals,
    pub spans: Vec<Span>,
}

/// The exceptional days of one solar year, sorted by date, indexed by day of the year.
#[derive(Debug, Clone)]
pub(crate) struct YearTable {
    entries: Vec<Entry>,
    /// `index[ordinal0]` is 1 + the position in `entries`, or 0 for an ordinary day.
    index: Vec<u16>,
}

impl YearTable {
    /// Generated days of `year` (including compensatory days spilling over from the previous
    /// year), overridden by the declared days of `year`. Costs a few lunar conversions: built
    /// once per year and cached by the calendar.
    pub(crate) fn build(
        year: i32,
        rules: &[HolidayRule],
        hours: &OfficeHours,
        declared: &DeclaredIndex,
    ) -> YearTable {
        let mut days: BTreeMap<NaiveDate, DayException> = BTreeMap::new();
        for e in rules::generate(rules, hours, declared, year - 1..=year + 1) {
            if e.date.year() == year {
                days.entry(e.date).or_insert(e);
            }
        }
        for e in declared.year(year) {
            days.insert(e.date, e.clone());
        }
        let mut index = vec![0u16; 366];
        let entries: Vec<Entry> = days
            .into_values()
            .map(|exception| {
                let intervals = match &exception.kind {
                    ExceptionKind::MakeupWorkday => hours.makeup_day().clone(),
                    ExceptionKind::SpecialHours(i) => i.clone(),
                    _ => Intervals::closed(),
                };
                let spans = intervals.spans();
                Entry {
                    exception,
                    intervals,
                    spans,
                }
            })
            .collect();
        for (i, e) in entries.iter().enumerate() {
            let pos = u16::try_from(i + 1).unwrap_or(u16::MAX);
            index[e.exception.date.ordinal0() as usize] = pos;
        }
        YearTable { entries, index }
    }

    /// The exceptional day of `date` (which must be in this table's year).
    pub(crate) fn get(&self, date: NaiveDate) -> Option<&Entry> {
        match self.index.get(date.ordinal0() as usize) {
            Some(&pos) if pos > 0 => self.entries.get(usize::from(pos) - 1),
            _ => None,
        }
    }

    /// The first exceptional date on or after `date` in this year, if any.
    pub(crate) fn next_on_or_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        let i = self.entries.partition_point(|e| e.exception.date < date);
        self.entries.get(i).map(|e| e.exception.date)
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &DayException> {
        self.entries.iter().map(|e| &e.exception)
    }
}

/// Why a day is, or is not, a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary day with the weekly office hours.
    Workday,
    /// A weekday without office hours (Saturday, Sunday by default).
    WeeklyRest,
    Holiday,
    Compensatory,
    SwapOff,
    MakeupWorkday,
    SpecialHours,
}

impl DayKind {
    /// The Vietnamese label for the administration page.
    pub fn label_vi(self) -> &'static str {
        match self {
            DayKind::Workday => "Ngày làm việc",
            DayKind::WeeklyRest => "Nghỉ hằng tuần",
            DayKind::Holiday => "Nghỉ lễ, Tết",
            DayKind::Compensatory => "Nghỉ bù",
            DayKind::SwapOff => "Nghỉ hoán đổi",
            DayKind::MakeupWorkday => "Làm bù",
            DayKind::SpecialHours => "Giờ làm việc đặc biệt",
        }
    }

    pub(crate) fn of(kind: &ExceptionKind) -> DayKind {
        match kind {
            ExceptionKind::Holiday => DayKind::Holiday,
            ExceptionKind::Compensatory => DayKind::Compensatory,
            ExceptionKind::SwapOff => DayKind::SwapOff,
            ExceptionKind::MakeupWorkday => DayKind::MakeupWorkday,
            ExceptionKind::SpecialHours(_) => DayKind::SpecialHours,
        }
    }
}

/// Everything the calendar knows about one day: for the month view and for explaining a
/// deadline ("why is Monday not counted?").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday or exception name, `None` for ordinary days.
    pub name: Option<String>,
    /// Opening intervals that day (empty: closed).
    pub intervals: Intervals,
    pub status: Option<ExceptionStatus>,
    pub source_document: Option<String>,
    /// The lunar date, shown next to the solar one on the administration page.
    pub lunar: LunarDate,
}

impl DayInfo {
    /// Whether the office is open at some time that day.
    pub fn is_working(&self) -> bool {
        !self.intervals.is_empty()
    }
}

/// A day off of a year, as `tongdai calendar holidays YEAR` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: ExceptionKind,
    pub status: ExceptionStatus,
    pub source_document: Option<String>,
}

impl fmt::Display for Holiday {
    /// "2026-02-17 Tết Nguyên đán (Mùng 1)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date.format("%Y-%m-%d"), self.name)
    }
}
