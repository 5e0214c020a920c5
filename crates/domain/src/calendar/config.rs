//! The stored, editable form of a working calendar.

use super::CalendarError;
use super::exception::DayException;
use super::hours::OfficeHours;
use super::published;
use super::rules::{self, HolidayRule};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Everything that defines a working calendar: office hours, holiday rules and the declared
/// days (official notices, administrator entries). Serialisable so the store can persist it and
/// the administration page can edit it; [`super::WorkingCalendar::new`] validates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarConfig {
    pub office_hours: OfficeHours,
    pub rules: Vec<HolidayRule>,
    /// Declared days, which override generated ones (see [`DayException`]).
    #[serde(default)]
    pub exceptions: Vec<DayException>,
}

impl Default for CalendarConfig {
    /// The Vietnamese defaults: Mon–Fri 07:00–11:00 and 13:00–16:00, the Labour Code 2019
    /// holidays (24/11 present but disabled), and the published 2024–2026 civil-servant
    /// schedules as confirmed days.
    fn default() -> Self {
        CalendarConfig {
            office_hours: OfficeHours::default(),
            rules: rules::default_rules(),
            exceptions: published::civil_servant_schedules(),
        }
    }
}

impl CalendarConfig {
    /// Replaces the declared days of `year` by `days` (the year's official notice). Every day
    /// must be in that year and dates must not repeat; on error nothing changes.
    pub fn declare_year(
        &mut self,
        year: i32,
        days: Vec<DayException>,
    ) -> Result<(), CalendarError> {
        let mut seen = HashSet::new();
        for d in &days {
            if d.date.year() != year {
                return Err(CalendarError::ExceptionOutsideYear { date: d.date, year });
            }
            if !seen.insert(d.date) {
                return Err(CalendarError::DuplicateException(d.date));
            }
            d.validate()?;
        }
        self.exceptions.retain(|e| e.date.year() != year);
        self.exceptions.extend(days);
        self.exceptions.sort_by_key(|e| e.date);
        Ok(())
    }

    /// Adds one declared day, replacing a declared day on the same date.
    pub fn declare(&mut self, day: DayException) -> Result<(), CalendarError> {
        day.validate()?;
        self.exceptions.retain(|e| e.date != day.date);
        self.exceptions.push(day);
        self.exceptions.sort_by_key(|e| e.date);
        Ok(())
    }

    /// Removes the declared day of `date`, if any; the generated day (if any) shows again.
    pub fn undeclare(&mut self, date: NaiveDate) -> bool {
        let before = self.exceptions.len();
        self.exceptions.retain(|e| e.date != date);
        before != self.exceptions.len()
    }

    /// The declared days of one year.
    pub fn declared_in(&self, year: i32) -> impl Iterator<Item = &DayException> {
        self.exceptions
            .iter()
            .filter(move |e| e.date.year() == year)
    }

    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        let mut ids = HashSet::new();
        for r in &self.rules {
            r.validate()?;
            if !ids.insert(r.id.as_str()) {
                return Err(CalendarError::DuplicateRule(r.id.clone()));
            }
        }
        let mut dates = HashSet::new();
        for e in &self.exceptions {
            e.validate()?;
            if !(1..=9999).contains(&e.date.year()) {
                return Err(CalendarError::YearOutOfRange(e.date.year()));
            }
            if !dates.insert(e.date) {
                return Err(CalendarError::DuplicateException(e.date));
            }
        }
        Ok(())
    }
}

/// The declared days grouped by year, for the generator and the year tables.
#[derive(Debug, Default)]
pub(crate) struct DeclaredIndex {
    by_year: BTreeMap<i32, Vec<DayException>>,
}

impl DeclaredIndex {
    pub(crate) fn new(days: &[DayException]) -> DeclaredIndex {
        let mut by_year: BTreeMap<i32, Vec<DayException>> = BTreeMap::new();
        for d in days {
            by_year.entry(d.date.year()).or_default().push(d.clone());
        }
        for list in by_year.values_mut() {
            list.sort_by_key(|e| e.date);
        }
        DeclaredIndex { by_year }
    }

    pub(crate) fn year(&self, year: i32) -> &[DayException] {
        self.by_year.get(&year).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn contains(&self, date: NaiveDate) -> bool {
        self.year(date.year())
            .binary_search_by_key(&date, |e| e.date)
            .is_ok()
    }

    /// The rules whose generated days of `year` are replaced by declared ones.
    pub(crate) fn replaced_rules(&self, year: i32) -> BTreeSet<&str> {
        self.year(year)
            .iter()
            .filter_map(|e| e.rule.as_deref())
            .collect()
    }
}
