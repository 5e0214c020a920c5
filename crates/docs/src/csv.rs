//! CSV exports that open correctly in Excel in Vietnam and cannot smuggle formulas.
//!
//! - UTF-8 with a byte-order mark: without it Excel reads the file as Windows-1258/1252 and
//!   "Nguyễn" becomes mojibake.
//! - RFC 4180: comma separated, CRLF line ends, fields quoted when they hold `,` `"` or a
//!   line break, quotes doubled.
//! - Text cells hold what citizens typed, so a text whose first visible character is `=`,
//!   `+`, `-` or `@` (or their full-width forms) is prefixed with `'` — the OWASP advice
//!   against CSV injection; Excel shows the apostrophe-prefixed text as text. Integer and
//!   decimal cells are typed values and are written as numbers, unprefixed.
//! - Dates are ISO 8601 (`2026-02-05`, `2026-02-05 14:30:00`): the only date form Excel reads
//!   the same way whatever the computer's regional settings (`05/02/2026` is 2 May under
//!   US settings, which many Vietnamese offices run).

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use crate::text::clean;
use crate::{Cell, Error};

/// UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes a header row and the rows as CSV.
///
/// Rows may have any number of cells (CSV has no fixed width); shape checks belong to the
/// caller or to the PDF/XLSX writers.
pub fn write_table<H: AsRef<str>>(headers: &[H], rows: &[Vec<Cell>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(BOM.len() + rows.len() * 64);
    out.extend_from_slice(BOM);
    let mut writer = WriterBuilder::new()
        .flexible(true)
        .quote_style(QuoteStyle::Necessary)
        .terminator(Terminator::CRLF)
        .from_writer(out);
    writer.write_record(headers.iter().map(|h| guard(&clean(h.as_ref()))))?;
    let mut record = Vec::new();
    for row in rows {
        record.clear();
        record.extend(row.iter().map(field));
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Csv(::csv::Error::from(e.into_error())))
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => guard(&clean(text)),
        Cell::Integer(value) => value.to_string(),
        Cell::Decimal { value, places } if value.is_finite() => {
            format!("{:.*}", usize::from((*places).min(6)), value)
        }
        Cell::Decimal { .. } => String::new(),
        Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
        Cell::DateTime(datetime) => datetime.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// Characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// Prefixes `'` to text a spreadsheet would take for a formula.
pub fn guard(text: &str) -> String {
    match text.trim_start().chars().next() {
        Some(first) if TRIGGERS.contains(&first) => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_formula_triggers_are_neutralised() {
        assert_eq!(
            guard("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(guard("+84912345678"), "'+84912345678");
        assert_eq!(guard("-1+2"), "'-1+2");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("  =1+1"), "'  =1+1");
        assert_eq!(guard("＝1+1"), "'＝1+1");
        assert_eq!(guard("Nguyễn Văn An"), "Nguyễn Văn An");
        assert_eq!(guard("a=b"), "a=b");
        assert_eq!(guard(""), "");
    }

    #[test]
    fn numbers_are_not_prefixed() {
        assert_eq!(field(&Cell::Integer(-5)), "-5");
        assert_eq!(field(&Cell::decimal(-2.5, 2)), "-2.50");
        assert_eq!(field(&Cell::decimal(f64::INFINITY, 2)), "");
    }
}
