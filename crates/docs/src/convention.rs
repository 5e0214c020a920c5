//! Vietnamese writing conventions for numbers, dates and the header lines of an official
//! document (NĐ 30/2020/NĐ-CP Appendix I).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// The place-and-date line of an official document: `An Châu, ngày 05 tháng 02 năm 2026`.
///
/// NĐ 30/2020 writes a leading zero for days below 10 and for months 1 and 2 only (so that
/// "1" cannot later become "11" or "12"): `ngày 05 tháng 02`, but `ngày 15 tháng 3`.
/// Without a place the line starts with a capital: `Ngày 05 tháng 02 năm 2026`.
pub fn date_line(place: &str, date: NaiveDate) -> String {
    let day = date.day();
    let month = date.month();
    let day = if day < 10 {
        format!("0{day}")
    } else {
        day.to_string()
    };
    let month = if month <= 2 {
        format!("0{month}")
    } else {
        month.to_string()
    };
    let place = place.trim();
    if place.is_empty() {
        format!("Ngày {day} tháng {month} năm {}", date.year())
    } else {
        format!("{place}, ngày {day} tháng {month} năm {}", date.year())
    }
}

/// The number-and-symbol line: `Số: 05/BC-UBND`, with a leading zero below 10.
///
/// The number is given by the records clerk (*văn thư*) when the document is registered, so a
/// draft leaves a gap to write it in: `Số:       /BC-UBND`.
pub fn number_line(number: Option<u32>, symbol: &str) -> String {
    let symbol = symbol.trim();
    match number {
        Some(number) => format!("Số: {number:02}/{symbol}"),
        None => format!("Số:       /{symbol}"),
    }
}

/// An integer with Vietnamese digit grouping: `1.234.567`, `-12`.
pub fn format_integer(value: i64) -> String {
    let digits = group_thousands(&value.unsigned_abs().to_string());
    if value < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

/// A decimal with Vietnamese separators: `1.234,50` for `1234.5` with 2 places.
/// Non-finite values give an empty string; places are clamped to 6.
pub fn format_decimal(value: f64, places: u8) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let places = usize::from(places.min(6));
    let fixed = format!("{:.*}", places, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let is_zero = fixed.bytes().all(|b| b == b'0' || b == b'.');
    let sign = if value < 0.0 && !is_zero { "-" } else { "" };
    let whole = group_thousands(whole);
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole},{fraction}")
    }
}

/// A date as `dd/mm/yyyy`.
pub fn format_date(date: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
}

/// A civil date and time as `dd/mm/yyyy hh:mm`.
pub fn format_datetime(datetime: NaiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        format_date(datetime.date()),
        datetime.hour(),
        datetime.minute()
    )
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn rep_date_line_pads_days_below_ten_and_months_one_and_two() {
        assert_eq!(
            date_line("An Châu", date(2026, 2, 5)),
            "An Châu, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            date_line("An Châu", date(2026, 1, 31)),
            "An Châu, ngày 31 tháng 01 năm 2026"
        );
        assert_eq!(
            date_line("Hà Nội", date(2026, 3, 9)),
            "Hà Nội, ngày 09 tháng 3 năm 2026"
        );
        assert_eq!(
            date_line("Hà Nội", date(2025, 12, 10)),
            "Hà Nội, ngày 10 tháng 12 năm 2025"
        );
        assert_eq!(
            date_line("  ", date(2025, 12, 10)),
            "Ngày 10 tháng 12 năm 2025"
        );
    }

    #[test]
    fn rep_number_line_leaves_a_gap_for_the_clerk() {
        assert_eq!(number_line(Some(5), "BC-UBND"), "Số: 05/BC-UBND");
        assert_eq!(number_line(Some(123), "UBND-VP"), "Số: 123/UBND-VP");
        assert_eq!(number_line(None, "BC-UBND"), "Số:       /BC-UBND");
    }

    #[test]
    fn numbers_use_vietnamese_separators() {
        assert_eq!(format_integer(0), "0");
        assert_eq!(format_integer(999), "999");
        assert_eq!(format_integer(1000), "1.000");
        assert_eq!(format_integer(-1_234_567), "-1.234.567");
        assert_eq!(format_integer(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(format_decimal(1234.5, 2), "1.234,50");
        assert_eq!(format_decimal(95.456, 1), "95,5");
        assert_eq!(format_decimal(-0.001, 2), "0,00");
        assert_eq!(format_decimal(-3.0, 0), "-3");
        assert_eq!(format_decimal(f64::NAN, 2), "");
        assert_eq!(format_decimal(1.0, 200), "1,000000");
    }

    #[test]
    fn dates_are_day_month_year() {
        assert_eq!(format_date(date(2026, 2, 5)), "05/02/2026");
        let at = date(2026, 2, 5).and_hms_opt(7, 4, 59).expect("valid time");
        assert_eq!(format_datetime(at), "05/02/2026 07:04");
    }
}
