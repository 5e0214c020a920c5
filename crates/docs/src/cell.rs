//! Typed table cells shared by the PDF, XLSX and CSV writers, so one set of rows can be
//! exported in all three formats and each format shows a value in its own best way
//! (a number cell in XLSX, Vietnamese digit grouping in PDF, a plain number in CSV).

use chrono::{NaiveDate, NaiveDateTime};

/// One value in a table.
///
/// Dates and times are civil time in Vietnam: the caller converts an instant with
/// `tongdai_domain::time` first, so this crate never deals with time zones.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// Nothing.
    #[default]
    Empty,
    /// Text as typed; in CSV it is guarded against formula injection.
    Text(String),
    /// A whole number (counts, sequence numbers).
    Integer(i64),
    /// A number shown with a fixed number of decimal places (averages, percentages).
    /// Non-finite values are written as empty cells.
    Decimal {
        /// The value.
        value: f64,
        /// Decimal places shown, at most 6.
        places: u8,
    },
    /// A calendar date, shown dd/mm/yyyy.
    Date(NaiveDate),
    /// A civil date and time, shown dd/mm/yyyy hh:mm.
    DateTime(NaiveDateTime),
}

impl Cell {
    /// Text cell from anything string-like.
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    /// Decimal cell with `places` decimal places (clamped to 6).
    pub fn decimal(value: f64, places: u8) -> Self {
        Cell::Decimal {
            value,
            places: places.min(6),
        }
    }

    /// The value as people read it in a Vietnamese document: `1.234`, `12,50`, `05/02/2026`.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Integer(value) => crate::format_integer(*value),
            Cell::Decimal { value, places } => crate::format_decimal(*value, *places),
            Cell::Date(date) => crate::format_date(*date),
            Cell::DateTime(datetime) => crate::format_datetime(*datetime),
        }
    }

    /// Numbers read best right-aligned in a table column.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Integer(_) | Cell::Decimal { .. })
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(value.to_owned())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Integer(value)
    }
}

impl From<i32> for Cell {
    fn from(value: i32) -> Self {
        Cell::Integer(value.into())
    }
}

impl From<u32> for Cell {
    fn from(value: u32) -> Self {
        Cell::Integer(value.into())
    }
}

impl From<NaiveDate> for Cell {
    fn from(value: NaiveDate) -> Self {
        Cell::Date(value)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(value: NaiveDateTime) -> Self {
        Cell::DateTime(value)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// One worksheet of an XLSX workbook: a name for the tab, a title row, the header and rows.
#[derive(Debug, Clone, Copy)]
pub struct Sheet<'a> {
    /// Tab name; cleaned to Excel's rules (31 characters, no `[]:*?/\`, unique).
    pub name: &'a str,
    /// Title printed in the first row above the header; empty for none.
    pub title: &'a str,
    /// Column headings.
    pub headers: &'a [&'a str],
    /// Data rows, one cell per heading.
    pub rows: &'a [Vec<Cell>],
}
