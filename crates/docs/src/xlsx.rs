//! XLSX exports: typed cells, a bold frozen header, dd/mm/yyyy dates, one or more sheets.
//!
//! Each sheet is laid out as: title (row 1, bold, merged across the columns; omitted when
//! empty), headings (bold, bordered, frozen, with an auto-filter), then the data. Text is
//! always written as a string cell, never as a formula, so citizen-typed text starting with
//! `=` is harmless here (unlike CSV).

use std::collections::HashSet;

use chrono::Datelike;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::text::{clean, clean_line};
use crate::{Cell, Error, Sheet};

/// Excel's row and column limits.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
/// Excel's limit on characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Widest column, in Excel character units; longer text wraps.
const MAX_WIDTH: f64 = 60.0;

/// One sheet titled `title` (also its tab name) with these headings and rows.
pub fn write_table(title: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, Error> {
    write_workbook(&[Sheet {
        name: title,
        title,
        headers,
        rows,
    }])
}

/// A workbook with one worksheet per [`Sheet`], in order.
pub fn write_workbook(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, Error> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut used = HashSet::new();
    for (index, sheet) in sheets.iter().enumerate() {
        let name = sheet_name(sheet.name, index, &mut used);
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name.as_str())?;
        write_sheet(worksheet, &name, sheet, &formats)?;
    }
    if sheets.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    wrapped: Format,
    date: Format,
    datetime: Format,
    decimals: Vec<Format>,
}

impl Formats {
    fn new() -> Self {
        let decimals = (0..=6)
            .map(|places| {
                let pattern = if places == 0 {
                    "#,##0".to_owned()
                } else {
                    format!("#,##0.{}", "0".repeat(places))
                };
                Format::new().set_num_format(pattern)
            })
            .collect();
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin),
            text: Format::new(),
            wrapped: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            date: Format::new()
                .set_num_format("dd/mm/yyyy")
                .set_align(FormatAlign::Center),
            datetime: Format::new()
                .set_num_format("dd/mm/yyyy hh:mm")
                .set_align(FormatAlign::Center),
            decimals,
        }
    }
}

fn write_sheet(
    worksheet: &mut Worksheet,
    name: &str,
    sheet: &Sheet<'_>,
    formats: &Formats,
) -> Result<(), Error> {
    let title = fit_cell(&clean_line(sheet.title));
    let has_title = !title.trim().is_empty();
    let header_row = usize::from(has_title);
    let first_data = header_row + 1;
    let columns = sheet
        .headers
        .len()
        .max(sheet.rows.iter().map(Vec::len).max().unwrap_or(0));
    let max_rows = MAX_ROWS - first_data;
    if sheet.rows.len() > max_rows || columns > MAX_COLUMNS {
        return Err(Error::SheetTooLarge {
            sheet: name.to_owned(),
            rows: sheet.rows.len(),
            columns,
            max_rows,
            max_columns: MAX_COLUMNS,
        });
    }
    let last_col = columns.saturating_sub(1) as u16;

    if has_title {
        if columns > 1 {
            worksheet.merge_range(0, 0, 0, last_col, &title, &formats.title)?;
        } else {
            worksheet.write_string_with_format(0, 0, &title, &formats.title)?;
        }
    }

    // Widths in Excel character units, from the longest line of each column.
    let mut widths = vec![6.0f64; columns];
    for (col, header) in sheet.headers.iter().enumerate() {
        let header = fit_cell(&clean(header));
        widths[col] = widths[col].max(longest_line(&header).min(30.0) + 2.0);
        worksheet.write_string_with_format(
            header_row as u32,
            col as u16,
            &header,
            &formats.header,
        )?;
    }
    for row in sheet.rows {
        for (col, cell) in row.iter().enumerate() {
            let wanted = match cell {
                Cell::Date(_) => 12.0,
                Cell::DateTime(_) => 17.0,
                other => longest_line(&other.display()) + 2.0,
            };
            widths[col] = widths[col].max(wanted.min(MAX_WIDTH));
        }
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let excel_row = (first_data + r) as u32;
        for (c, cell) in row.iter().enumerate() {
            let wrap = widths[c] >= MAX_WIDTH;
            write_cell(worksheet, excel_row, c as u16, cell, wrap, formats)?;
        }
    }
    for (col, width) in widths.iter().enumerate() {
        worksheet.set_column_width(col as u16, *width)?;
    }

    worksheet.set_freeze_panes(first_data as u32, 0)?;
    if columns > 0 {
        let last_row = (first_data + sheet.rows.len())
            .saturating_sub(1)
            .max(header_row) as u32;
        worksheet.autofilter(header_row as u32, 0, last_row, last_col)?;
        worksheet.set_repeat_rows(header_row as u32, header_row as u32)?;
    }
    // Printing: A4, as wide as a page.
    worksheet.set_paper_size(9);
    if columns > 6 {
        worksheet.set_landscape();
    }
    worksheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    wrap: bool,
    formats: &Formats,
) -> Result<(), Error> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            let text = fit_cell(&clean(text));
            let format = if wrap || text.contains('\n') {
                &formats.wrapped
            } else {
                &formats.text
            };
            worksheet.write_string_with_format(row, col, &text, format)?;
        }
        Cell::Integer(value) => {
            // Beyond 2^53 a double loses digits: keep those as text.
            if value.unsigned_abs() <= (1u64 << 53) {
                worksheet.write_number(row, col, *value as f64)?;
            } else {
                worksheet.write_string(row, col, value.to_string())?;
            }
        }
        Cell::Decimal { value, places } => {
            if value.is_finite() {
                let format = &formats.decimals[usize::from((*places).min(6))];
                worksheet.write_number_with_format(row, col, *value, format)?;
            }
        }
        Cell::Date(date) => {
            if excel_year(date.year()) {
                worksheet.write_datetime_with_format(row, col, date, &formats.date)?;
            } else {
                worksheet.write_string(row, col, cell.display())?;
            }
        }
        Cell::DateTime(datetime) => {
            if excel_year(datetime.year()) {
                worksheet.write_datetime_with_format(row, col, datetime, &formats.datetime)?;
            } else {
                worksheet.write_string(row, col, cell.display())?;
            }
        }
    }
    Ok(())
}

/// Excel's calendar runs from 1900 to 9999; other dates are written as text.
fn excel_year(year: i32) -> bool {
    (1900..=9999).contains(&year)
}

/// Text cut to Excel's 32,767-character limit (counted in UTF-16 units, as Excel does),
/// marked as cut: an export must not fail because one citizen wrote a very long message.
fn fit_cell(text: &str) -> String {
    if utf16_len(text) <= MAX_CELL_CHARS {
        return text.to_owned();
    }
    let marker = " …[cắt bớt]";
    let mut out = truncate_utf16(text, MAX_CELL_CHARS - utf16_len(marker)).to_owned();
    out.push_str(marker);
    out
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `text` of at most `max` UTF-16 units, cut between characters.
fn truncate_utf16(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (index, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &text[..index];
        }
    }
    text
}

fn longest_line(text: &str) -> f64 {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0) as f64
}

/// Excel's tab-name limit, in UTF-16 units.
const MAX_SHEET_NAME: usize = 31;

/// A tab name Excel accepts: at most 31 UTF-16 units, none of `[]:*?/\`, not starting or
/// ending with `'`, not "History", unique ignoring case.
fn sheet_name(raw: &str, index: usize, used: &mut HashSet<String>) -> String {
    let cleaned: String = clean_line(raw)
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let tidy = |name: &str| name.trim().trim_matches('\'').trim().to_owned();
    let mut base = tidy(truncate_utf16(&tidy(&cleaned), MAX_SHEET_NAME));
    if base.is_empty() || base.eq_ignore_ascii_case("history") {
        base = format!("Trang {}", index + 1);
    }
    let mut name = base.clone();
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        let suffix = format!(" ({n})");
        let stem = tidy(truncate_utf16(&base, MAX_SHEET_NAME - suffix.len()));
        name = format!("{stem}{suffix}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_follow_excel_rules() {
        let mut used = HashSet::new();
        assert_eq!(sheet_name("Tháng 01/2026", 0, &mut used), "Tháng 01 2026");
        assert_eq!(
            sheet_name("tháng 01/2026", 1, &mut used),
            "tháng 01 2026 (2)"
        );
        assert_eq!(sheet_name("'[]'", 2, &mut used), "Trang 3");
        assert_eq!(sheet_name("History", 3, &mut used), "Trang 4");
        let long = sheet_name(&"Phản ánh kiến nghị ".repeat(5), 4, &mut used);
        assert!(utf16_len(&long) <= 31);
        let again = sheet_name(&"Phản ánh kiến nghị ".repeat(5), 5, &mut used);
        assert!(utf16_len(&again) <= 31 && again.ends_with("(2)"));
        // Emoji take two UTF-16 units each.
        let emoji = sheet_name(&"😀".repeat(20), 6, &mut used);
        assert_eq!(utf16_len(&emoji), 30);
        assert_eq!(sheet_name("abc'def", 7, &mut used), "abc'def");
        let quoted = sheet_name(&format!("{}'x", "a".repeat(30)), 8, &mut used);
        assert!(!quoted.ends_with('\''));
    }

    #[test]
    fn overlong_text_is_cut_to_the_excel_limit() {
        let text = "ạ".repeat(40_000);
        let cut = fit_cell(&text);
        assert_eq!(utf16_len(&cut), MAX_CELL_CHARS);
        assert!(cut.ends_with("[cắt bớt]"));
        let emoji = fit_cell(&"😀".repeat(20_000));
        assert!(utf16_len(&emoji) <= MAX_CELL_CHARS);
    }
}
