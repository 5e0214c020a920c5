//! Days that differ from the weekly office hours: holidays, compensatory days, swapped days
//! off, make-up working days and days with special hours.

use super::CalendarError;
use super::hours::Intervals;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What happens on an exceptional day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// A public holiday (*ngày nghỉ lễ, Tết*), Labour Code 2019 Art. 112.
    Holiday,
    /// A compensatory day off (*nghỉ bù*) for a holiday on a weekly rest day, Art. 111(3).
    Compensatory,
    /// A working day given off in exchange for a make-up day (*nghỉ hoán đổi*).
    SwapOff,
    /// A rest day worked in exchange (*làm bù*), with the hours of a normal working day.
    MakeupWorkday,
    /// Different hours that day (empty: closed).
    SpecialHours(Intervals),
}

impl ExceptionKind {
    /// Whether the office is closed that day.
    pub fn is_day_off(&self) -> bool {
        match self {
            ExceptionKind::Holiday | ExceptionKind::Compensatory | ExceptionKind::SwapOff => true,
            ExceptionKind::MakeupWorkday => false,
            ExceptionKind::SpecialHours(i) => i.is_empty(),
        }
    }

    /// The Vietnamese label for the administration page.
    pub fn label_vi(&self) -> &'static str {
        match self {
            ExceptionKind::Holiday => "Nghỉ lễ, Tết",
            ExceptionKind::Compensatory => "Nghỉ bù",
            ExceptionKind::SwapOff => "Nghỉ hoán đổi",
            ExceptionKind::MakeupWorkday => "Làm bù",
            ExceptionKind::SpecialHours(_) => "Giờ làm việc đặc biệt",
        }
    }
}

/// Where an exceptional day comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    /// Computed from the rules; to be checked against the year's official notice.
    Generated,
    /// Taken from the official notice (or entered by an administrator).
    Confirmed,
}

impl ExceptionStatus {
    pub fn label_vi(self) -> &'static str {
        match self {
            ExceptionStatus::Generated => "Dự kiến theo quy tắc",
            ExceptionStatus::Confirmed => "Đã xác nhận",
        }
    }
}

/// One exceptional day.
///
/// Declared entries (in [`super::CalendarConfig::exceptions`]) override generated ones: an
/// entry replaces whatever was generated for its date, and an entry that names a `rule`
/// replaces everything that rule generated in that year, its compensatory days included,
/// because the official notice settles a holiday as a whole (e.g. Tết 2025: the Saturday in
/// the Tết days got no separate Monday off).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayException {
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    /// Vietnamese name, e.g. "Tết Nguyên đán (Mùng 1)", "Nghỉ bù Giỗ Tổ Hùng Vương".
    pub name: String,
    /// The document that set the day, e.g. "Thông báo 9441/TB-BNV ngày 16/10/2025".
    #[serde(default)]
    pub source_document: Option<String>,
    pub status: ExceptionStatus,
    /// The holiday rule this day belongs to (see [`super::HolidayRule::id`]), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl DayException {
    /// A confirmed (declared) day.
    pub fn confirmed(date: NaiveDate, kind: ExceptionKind, name: impl Into<String>) -> Self {
        DayException {
            date,
            kind,
            name: name.into(),
            source_document: None,
            status: ExceptionStatus::Confirmed,
            rule: None,
        }
    }

    /// The same entry citing its source document.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source_document = Some(source.into());
        self
    }

    /// The same entry as part of a holiday rule (it then replaces that rule's generated days
    /// of the year).
    pub fn for_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(CalendarError::BadExceptionName(self.date));
        }
        Ok(())
    }
}
