//! The working calendar (ADM-4): office hours, statutory holidays (with Tết and Giỗ Tổ Hùng
//! Vương from the Vietnamese lunar calendar), compensatory days, declared days off and make-up
//! working days; and the working-time arithmetic the deadline clocks use (CASE-6).
//!
//! - [`lunar`]: Hồ Ngọc Đức's lunar calendar for UTC+7.
//! - [`OfficeHours`]: intervals per weekday in Asia/Ho_Chi_Minh civil time.
//! - [`HolidayRule`]s generate each year's holidays and compensatory days; [`DayException`]s
//!   declared in the [`CalendarConfig`] (the official notices; 2024–2026 built in) override them.
//! - [`WorkingCalendar`]: the compiled calendar with `add_working`, `working_between`,
//!   `next_opening`, working-day counting, `day_info`, `holidays` and the `month` view.
//!
//! ```
//! use tongdai_domain::calendar::{WorkingCalendar, parse_hours};
//! use tongdai_domain::time::from_vietnam;
//! use chrono::NaiveDate;
//!
//! let cal = WorkingCalendar::default();
//! // Received Friday 13/3/2026 at 15:00, 8 working hours: due Monday 16:00.
//! let friday = NaiveDate::from_ymd_opt(2026, 3, 13).unwrap();
//! let received = from_vietnam(friday.and_hms_opt(15, 0, 0).unwrap());
//! let due = cal.add_working(received, parse_hours("8").unwrap());
//! assert_eq!(due.to_rfc3339(), "2026-03-16T09:00:00+00:00");
//! ```

mod arithmetic;
mod config;
mod error;
mod exception;
mod hours;
pub mod lunar;
mod parse;
mod published;
mod rules;
mod schedule;
mod working;

pub use config::CalendarConfig;
pub(crate) use config::DeclaredIndex;
pub use error::CalendarError;
pub use exception::{DayException, ExceptionKind, ExceptionStatus};
pub use hours::{ClockTime, DayInterval, Intervals, OfficeHours, WeekTable};
pub use parse::parse_hours;
pub use published::civil_servant_schedules;
pub use rules::{HolidayRule, LABOUR_CODE_ART_112, RuleDate, default_rules};
pub use schedule::{DayInfo, DayKind, Holiday};
pub use working::WorkingCalendar;
