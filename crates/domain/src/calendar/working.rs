//! The compiled working calendar and its day-level views.

use super::CalendarError;
use super::config::{CalendarConfig, DeclaredIndex};
use super::exception::DayException;
use super::hours::Span;
use super::lunar;
use super::schedule::{DayInfo, DayKind, Entry, Holiday, YearTable};
use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// Years whose tables are cached after first use; others are computed on demand.
const CACHE_FIRST_YEAR: i32 = 1900;
const CACHE_LAST_YEAR: i32 = 2199;

/// First and last dates the calendar computes (years 1–9999).
pub(crate) const MIN_DATE: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
pub(crate) const MAX_DATE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();

/// A working calendar: office hours, holidays and declared days, with the working-time
/// arithmetic of the deadline clocks (CASE-6). Cloning is cheap (a shared pointer); the yearly
/// tables are computed once, on first use, and shared by the clones.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub config: CalendarConfig,
    pub declared: DeclaredIndex,
    /// Weekly spans, Monday first.
    pub week: [Vec<Span>; 7],
    /// Opening time of an ordinary week, in nanoseconds.
    pub week_nanos: i128,
    /// Open weekdays in an ordinary week.
    pub week_days: u32,
    cache: Box<[OnceLock<YearTable>]>,
}

impl WorkingCalendar {
    /// A calendar from its configuration, validated (rules, declared days; office hours are
    /// valid by construction).
    pub fn new(config: CalendarConfig) -> Result<WorkingCalendar, CalendarError> {
        config.validate()?;
        Ok(WorkingCalendar::build(config))
    }

    fn build(config: CalendarConfig) -> WorkingCalendar {
        let week: [Vec<Span>; 7] = std::array::from_fn(|i| {
            let wd = chrono::Weekday::try_from(i as u8).unwrap_or(chrono::Weekday::Mon);
            config.office_hours.on(wd).spans()
        });
        let week_nanos = i128::from(config.office_hours.week_seconds()) * 1_000_000_000;
        let week_days = week.iter().filter(|d| !d.is_empty()).count() as u32;
        let years = (CACHE_LAST_YEAR - CACHE_FIRST_YEAR + 1) as usize;
        let cache = (0..years).map(|_| OnceLock::new()).collect();
        let declared = DeclaredIndex::new(&config.exceptions);
        WorkingCalendar {
            inner: Arc::new(Inner {
                config,
                declared,
                week,
                week_nanos,
                week_days,
                cache,
            }),
        }
    }

    /// The same calendar with the declared days of `year` replaced by `days` (the year's
    /// official notice).
    pub fn with_declared_year(
        &self,
        year: i32,
        days: Vec<DayException>,
    ) -> Result<WorkingCalendar, CalendarError> {
        let mut config = self.inner.config.clone();
        config.declare_year(year, days)?;
        WorkingCalendar::new(config)
    }

    /// The configuration this calendar was built from.
    pub fn config(&self) -> &CalendarConfig {
        &self.inner.config
    }

    /// A fingerprint of the configuration (SHA-256, hex): store it with each computed deadline
    /// so that a later calendar edit never silently changes what was announced.
    pub fn version(&self) -> String {
        let json = serde_json::to_vec(&self.inner.config).unwrap_or_default();
        data_encoding::HEXLOWER.encode(&Sha256::digest(&json))
    }

    /// Everything about one day: working or not, why, and its intervals.
    pub fn day_info(&self, date: NaiveDate) -> Result<DayInfo, CalendarError> {
        check_year(date.year())?;
        let table = self.inner.table(date.year());
        let lunar = lunar::solar_to_lunar(date);
        Ok(match table.get(date) {
            Some(Entry {
                exception: e,
                intervals,
                ..
            }) => DayInfo {
                date,
                kind: DayKind::of(&e.kind),
                name: Some(e.name.clone()),
                intervals: intervals.clone(),
                status: Some(e.status),
                source_document: e.source_document.clone(),
                lunar,
            },
            None => {
                let intervals = self.inner.config.office_hours.on(date.weekday()).clone();
                let kind = if intervals.is_empty() {
                    DayKind::WeeklyRest
                } else {
                    DayKind::Workday
                };
                DayInfo {
                    date,
                    kind,
                    name: None,
                    intervals,
                    status: None,
                    source_document: None,
                    lunar,
                }
            }
        })
    }

    /// The days off of a year (holidays, compensatory days, swapped days, declared closures),
    /// sorted by date: what `tongdai calendar holidays YEAR` prints, one per line.
    pub fn holidays(&self, year: i32) -> Result<Vec<Holiday>, CalendarError> {
        check_year(year)?;
        let table = self.inner.table(year);
        Ok(table
            .entries()
            .filter(|e| e.kind.is_day_off())
            .map(|e| Holiday {
                date: e.date,
                name: e.name.clone(),
                kind: e.kind.clone(),
                status: e.status,
                source_document: e.source_document.clone(),
            })
            .collect())
    }

    /// Every exceptional day of a year, generated and declared, after overriding: the list an
    /// administrator reviews and confirms against the year's notice.
    pub fn year_exceptions(&self, year: i32) -> Result<Vec<DayException>, CalendarError> {
        check_year(year)?;
        Ok(self.inner.table(year).entries().cloned().collect())
    }

    /// The month view of the administration page: each day with its kind and name.
    pub fn month(&self, year: i32, month: u32) -> Result<Vec<DayInfo>, CalendarError> {
        check_year(year)?;
        let first =
            NaiveDate::from_ymd_opt(year, month, 1).ok_or(CalendarError::BadMonth(month))?;
        first
            .iter_days()
            .take_while(|d| d.month() == month)
            .map(|d| self.day_info(d))
            .collect()
    }
}

impl Default for WorkingCalendar {
    /// The calendar of [`CalendarConfig::default`].
    fn default() -> Self {
        WorkingCalendar::build(CalendarConfig::default())
    }
}

pub(crate) fn check_year(year: i32) -> Result<(), CalendarError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::YearOutOfRange(year))
    }
}

impl Inner {
    /// The table of a year: cached for 1900–2199, computed on demand otherwise.
    pub(crate) fn table(&self, year: i32) -> Cow<'_, YearTable> {
        let build = || {
            YearTable::build(
                year,
                &self.config.rules,
                &self.config.office_hours,
                &self.declared,
            )
        };
        match usize::try_from(year - CACHE_FIRST_YEAR)
            .ok()
            .and_then(|i| self.cache.get(i))
        {
            Some(cell) => Cow::Borrowed(cell.get_or_init(build)),
            None => Cow::Owned(build()),
        }
    }
}
