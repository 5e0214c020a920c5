//! Reading values as people and other systems write them: a list given as one string, numbers
//! with Vietnamese separators ("8.000", "0,5"), channel names instead of numbers, text in a
//! legacy encoding. Every reader records what it could not use, with the field's path.

use serde_json::Value;
use tongdai_domain::text::{fold, nfc, repair_legacy};

use crate::error::Problem;

/// What reading a record found wrong (the record is refused) or doubtful (it is kept).
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
}

impl Findings {
    pub(crate) fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(field, message));
    }

    pub(crate) fn warning(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(Problem::new(field, message));
    }
}

/// Text as stored: legacy encodings (TCVN3, VNI) repaired, NFC, trimmed, runs of whitespace
/// (newlines included) collapsed to one space.
pub(crate) fn clean_line(s: &str) -> String {
    let repaired = repair_legacy(s);
    nfc(&repaired)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Like [`clean_line`] but keeps line breaks (each line trimmed, blank lines dropped).
pub(crate) fn clean_text(s: &str) -> String {
    let repaired = repair_legacy(s);
    nfc(&repaired)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A short description of a value for messages.
pub(crate) fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    format!("«{out}»")
}

/// A scalar as text: strings cleaned, numbers written plainly, `null` as "". Arrays and
/// objects are a problem.
pub(crate) fn text(v: &Value, field: &str, f: &mut Findings, keep_lines: bool) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => {
            if keep_lines {
                clean_text(s)
            } else {
                clean_line(s)
            }
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.to_string(),
        },
        Value::Bool(b) => if *b { "có" } else { "không" }.to_owned(),
        Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => {
            // A list where one text was expected: join it rather than refuse the record.
            let parts: Vec<String> = items
                .iter()
                .map(|i| text(i, field, f, keep_lines))
                .filter(|s| !s.is_empty())
                .collect();
            parts.join(if keep_lines { "\n" } else { "; " })
        }
        other => {
            f.problem(
                field,
                format!("cần một đoạn văn bản, nhận {}", shown(other)),
            );
            String::new()
        }
    }
}

/// Splits a cell that holds a list: by line, and by `;` or `|` (and `,` when `comma`).
pub(crate) fn split_list(s: &str, comma: bool) -> Vec<String> {
    s.split(|c: char| c == '\n' || c == ';' || c == '|' || (comma && c == ','))
        .map(clean_line)
        .filter(|x| !x.is_empty())
        .collect()
}

/// A list of texts from an array, or from one string split with [`split_list`].
pub(crate) fn text_list(v: &Value, field: &str, f: &mut Findings, comma: bool) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => split_list(s, comma),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| text(item, &format!("{field}[{i}]"), f, false))
            .filter(|s| !s.is_empty())
            .collect(),
        other => vec![text(other, field, f, false)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

/// The items of a list field: an array as is, one object as a list of one, a string split by
/// lines (and `;` when `semicolons`), nothing for `null`.
pub(crate) fn items(v: &Value, semicolons: bool) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        Value::String(s) => s
            .split(|c: char| c == '\n' || (semicolons && c == ';'))
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| Value::String(x.to_owned()))
            .collect(),
        other => vec![other.clone()],
    }
}

/// A number written the Vietnamese way or the English way: "8.000" and "10,000" are
/// thousands, "0,5" and "2.5" are fractions, "1.234.567,5" is both.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    if !t.starts_with(|c: char| c.is_ascii_digit()) || !t.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let dots = t.matches('.').count();
    let commas = t.matches(',').count();
    let grouped = |sep: char| {
        let parts: Vec<&str> = t.split(sep).collect();
        parts.len() > 1
            && (1..=3).contains(&parts[0].len())
            && parts[1..].iter().all(|p| p.len() == 3)
    };
    let plain = match (dots, commas) {
        (0, 0) => t.clone(),
        (_, 0) if grouped('.') => t.replace('.', ""),
        (0, _) if grouped(',') => t.replace(',', ""),
        (1, 0) => t.clone(),
        (0, 1) => t.replace(',', "."),
        (_, 1) if t.rfind(',') > t.rfind('.') => {
            let (int, frac) = t.split_once(',')?;
            let int_ok = {
                let parts: Vec<&str> = int.split('.').collect();
                (1..=3).contains(&parts[0].len()) && parts[1..].iter().all(|p| p.len() == 3)
            };
            if !int_ok {
                return None;
            }
            format!("{}.{frac}", int.replace('.', ""))
        }
        (1, _) if t.rfind('.') > t.rfind(',') => {
            let (int, frac) = t.split_once('.')?;
            let int_ok = {
                let parts: Vec<&str> = int.split(',').collect();
                (1..=3).contains(&parts[0].len()) && parts[1..].iter().all(|p| p.len() == 3)
            };
            if !int_ok {
                return None;
            }
            format!("{}.{frac}", int.replace(',', ""))
        }
        _ => return None,
    };
    plain.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A number from a JSON number or a numeric string.
pub(crate) fn number(v: &Value, field: &str, f: &mut Findings) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => match parse_number(s) {
            Some(x) => Some(x),
            None => {
                f.problem(field, format!("cần một số, nhận {}", shown(v)));
                None
            }
        },
        other => {
            f.problem(field, format!("cần một số, nhận {}", shown(other)));
            None
        }
    }
}

/// A count (whole, not negative).
pub(crate) fn count(v: &Value, field: &str, f: &mut Findings) -> Option<u32> {
    let x = number(v, field, f)?;
    if x < 0.0 || x.fract() != 0.0 || x > 1_000_000.0 {
        f.problem(
            field,
            format!("cần một số nguyên không âm, nhận {}", shown(v)),
        );
        return None;
    }
    Some(x as u32)
}

/// A yes/no value: `true`, `1`, "có", "x"…; anything unreadable is a warning and ignored.
pub(crate) fn yes_no(v: &Value, field: &str, f: &mut Findings) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64().unwrap_or(0.0) != 0.0),
        Value::String(s) => match fold(s.trim()).as_str() {
            "" => None,
            "1" | "co" | "true" | "x" | "yes" | "cong khai" => Some(true),
            "0" | "khong" | "false" | "no" => Some(false),
            _ => {
                f.warning(field, format!("không hiểu giá trị có/không {}", shown(v)));
                None
            }
        },
        other => {
            f.warning(
                field,
                format!("không hiểu giá trị có/không {}", shown(other)),
            );
            None
        }
    }
}

/// A date as `YYYY-MM-DD`, from ISO text (a time part is dropped) or `DD/MM/YYYY`; an
/// unreadable date is kept as written, with a warning.
pub(crate) fn date(v: &Value, field: &str, f: &mut Findings) -> String {
    let s = text(v, field, f, false);
    if s.is_empty() {
        return s;
    }
    let head = s.split(['T', ' ']).next().unwrap_or(&s);
    for fmt in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(head, fmt) {
            return d.format("%Y-%m-%d").to_string();
        }
    }
    f.warning(
        field,
        format!("ngày không đọc được {}, giữ nguyên", shown(v)),
    );
    s
}

/// A web address: only `http(s)://` addresses are kept (anything else could run script when
/// shown as a link); others are dropped with a warning.
pub(crate) fn url(v: &Value, field: &str, f: &mut Findings) -> String {
    let s = text(v, field, f, false);
    if s.is_empty() {
        return s;
    }
    let lower = s.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && !s.contains(char::is_whitespace)
        && s.len() <= 2000
    {
        s
    } else {
        f.warning(
            field,
            format!("địa chỉ web không hợp lệ {}, bỏ qua", shown(v)),
        );
        String::new()
    }
}

/// A leading number and what follows it ("5 Ngày làm việc" → 5, "Ngày làm việc").
pub(crate) fn leading_number(s: &str) -> Option<(f64, String)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(s.len(), |(i, _)| i);
    let num = s[..end].trim_end_matches(['.', ',']);
    let value = parse_number(num)?;
    Some((value, s[num.len()..].trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vietnamese_and_english_numbers() {
        for (s, want) in [
            ("8.000", 8000.0),
            ("1.234.567", 1_234_567.0),
            ("10,000", 10_000.0),
            ("0,5", 0.5),
            ("2.5", 2.5),
            ("1.234.567,5", 1_234_567.5),
            ("1,234.5", 1234.5),
            ("15", 15.0),
            (" 3 ", 3.0),
        ] {
            assert_eq!(parse_number(s), Some(want), "{s}");
        }
        for s in [
            "",
            "abc",
            "1..2",
            ".5",
            "5.",
            "1.2.3",
            "12.34.567",
            "-3",
            "1e5",
        ] {
            assert_eq!(parse_number(s), None, "{s}");
        }
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(
            leading_number("5 Ngày làm việc"),
            Some((5.0, "Ngày làm việc".into()))
        );
        assert_eq!(leading_number("8.000 đồng"), Some((8000.0, "đồng".into())));
        assert_eq!(leading_number("Ngay trong ngày"), None);
    }

    #[test]
    fn lists_and_text() {
        let mut f = Findings::default();
        assert_eq!(
            text_list(&json!("Cấp Xã; Cấp Tỉnh"), "x", &mut f, false),
            ["Cấp Xã", "Cấp Tỉnh"]
        );
        assert_eq!(
            text_list(&json!(["a", 3, null]), "x", &mut f, false),
            ["a", "3"]
        );
        assert_eq!(text(&json!("  a \n  b "), "x", &mut f, false), "a b");
        assert_eq!(text(&json!("  a \n\n  b "), "x", &mut f, true), "a\nb");
        assert!(f.problems.is_empty());
        text(&json!({"a": 1}), "y", &mut f, false);
        assert_eq!(f.problems[0].field, "y");
    }

    #[test]
    fn dates_urls_flags() {
        let mut f = Findings::default();
        assert_eq!(date(&json!("05/02/2026"), "d", &mut f), "2026-02-05");
        assert_eq!(
            date(&json!("2026-02-05T10:00:00"), "d", &mut f),
            "2026-02-05"
        );
        assert!(f.warnings.is_empty());
        assert_eq!(date(&json!("mai"), "d", &mut f), "mai");
        assert_eq!(f.warnings.len(), 1);
        assert_eq!(url(&json!("javascript:alert(1)"), "u", &mut f), "");
        assert_eq!(
            url(&json!("https://dichvucong.gov.vn/x"), "u", &mut f),
            "https://dichvucong.gov.vn/x"
        );
        assert_eq!(yes_no(&json!("Có"), "b", &mut f), Some(true));
        assert_eq!(yes_no(&json!(0), "b", &mut f), Some(false));
    }
}
