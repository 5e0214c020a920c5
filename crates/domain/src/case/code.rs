//! The case code a citizen is given and follows the case with (CASE-9): `PA-2026-000123`.
//!
//! Scheme: a two-letter family prefix, the year of receipt (Vietnam civil time), and a
//! sequence of at least six digits.
//!
//! - `HD` *hỏi đáp* TTHC, `PA` *phản ánh* / *kiến nghị*, `DV` *yêu cầu dịch vụ*, `CK`
//!   *chuyển kênh* (*khiếu nại*, *tố cáo*, out of scope). Not `KN`: in "PAKN" that reads as
//!   *kiến nghị*; and one prefix for the screened-out kinds keeps a *tố cáo* from being
//!   recognisable by its code (its identity is confidential).
//! - The prefix is fixed at intake and never changes, even when the coordinator reclassifies
//!   the kind: a code handed to a citizen must keep working.
//! - The store allocates the sequence once per installation and year, across families, so the
//!   digits alone (`2026000123`) identify a case: a caller can key them in on the phone
//!   (CASE-9, TEL-3) where letters are awkward.
//!
//! The parser reads citizen input, so it is lenient about case and separators (`pa 2026
//! 000123`, `PA2026000123`, `pa_2026_123`) and strict about everything else; it never panics.

use super::kind::CaseKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

code_enum! {
    /// The family of kinds a code prefix stands for.
    CodeFamily {
        HoiDap = "hd" / "Hỏi đáp thủ tục hành chính",
        PhanAnhKienNghi = "pa" / "Phản ánh, kiến nghị",
        DichVu = "dv" / "Yêu cầu dịch vụ",
        ChuyenKenh = "ck" / "Chuyển kênh khác",
    }
}

impl CodeFamily {
    /// The family of a kind at intake.
    pub fn of(kind: CaseKind) -> CodeFamily {
        match kind {
            CaseKind::HoiDapTthc => CodeFamily::HoiDap,
            CaseKind::PhanAnh | CaseKind::KienNghi => CodeFamily::PhanAnhKienNghi,
            CaseKind::YeuCauDichVu => CodeFamily::DichVu,
            CaseKind::KhieuNai | CaseKind::ToCao | CaseKind::NgoaiPhamVi => CodeFamily::ChuyenKenh,
        }
    }

    /// The two capital letters of the code.
    pub fn prefix(self) -> &'static str {
        match self {
            CodeFamily::HoiDap => "HD",
            CodeFamily::PhanAnhKienNghi => "PA",
            CodeFamily::DichVu => "DV",
            CodeFamily::ChuyenKenh => "CK",
        }
    }

    fn from_prefix(p: &str) -> Option<CodeFamily> {
        CodeFamily::ALL
            .iter()
            .copied()
            .find(|f| f.prefix().eq_ignore_ascii_case(p))
    }
}

/// Lowest year a code may carry (the product did not exist before).
pub const MIN_YEAR: u16 = 2000;
/// Sequences have at least this many digits (zero-padded).
pub const SEQ_MIN_DIGITS: usize = 6;
/// And at most this many (a billion cases a year is more than enough).
pub const SEQ_MAX_DIGITS: usize = 9;

/// A case code: family, year, sequence (≥ 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseCode {
    family: CodeFamily,
    year: u16,
    seq: u32,
}

/// Why a code was refused (Vietnamese, shown to citizens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("Mã hồ sơ trống.")]
    Empty,
    #[error("Mã hồ sơ không đúng dạng (ví dụ đúng: PA-2026-000123).")]
    Malformed,
    #[error("Mã hồ sơ có tiền tố không hợp lệ (HD, PA, DV hoặc CK).")]
    UnknownPrefix,
    #[error("Năm trong mã hồ sơ không hợp lệ.")]
    BadYear,
    #[error("Số thứ tự trong mã hồ sơ không hợp lệ.")]
    BadSequence,
}

impl CaseCode {
    /// A code from its parts; the year must have four digits and be at least [`MIN_YEAR`],
    /// the sequence at least 1 and at most [`SEQ_MAX_DIGITS`] digits.
    pub fn new(family: CodeFamily, year: u16, seq: u32) -> Result<CaseCode, CodeError> {
        if !(MIN_YEAR..=9999).contains(&year) {
            return Err(CodeError::BadYear);
        }
        if seq == 0 || seq > 999_999_999 {
            return Err(CodeError::BadSequence);
        }
        Ok(CaseCode { family, year, seq })
    }

    /// The code of a new case of `kind` received in `year` with sequence `seq`.
    pub fn for_kind(kind: CaseKind, year: u16, seq: u32) -> Result<CaseCode, CodeError> {
        CaseCode::new(CodeFamily::of(kind), year, seq)
    }

    pub fn family(&self) -> CodeFamily {
        self.family
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The digits a caller keys in: year then the zero-padded sequence (`2026000123`).
    pub fn digits(&self) -> String {
        format!("{}{:0width$}", self.year, self.seq, width = SEQ_MIN_DIGITS)
    }

    /// Parse what a citizen typed: prefix, year and sequence, in any case, separated by
    /// nothing or by up to three of `-`, `_`, `.`, `/`, space; surrounding white space ignored.
    pub fn parse(input: &str) -> Result<CaseCode, CodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.len() > 40 || !s.is_ascii() {
            return Err(CodeError::Malformed);
        }
        let b = s.as_bytes();
        if b.len() < 2 || !b[0].is_ascii_alphabetic() || !b[1].is_ascii_alphabetic() {
            return Err(CodeError::Malformed);
        }
        let family = CodeFamily::from_prefix(&s[..2]).ok_or(CodeError::UnknownPrefix)?;
        let rest = skip_separator(&s[2..])?;
        // The year is four digits, so "PA2026000123" splits without a separator.
        let (year, rest) = take_digits(rest, 4);
        if year.len() != 4 {
            return Err(if year.is_empty() {
                CodeError::Malformed
            } else {
                CodeError::BadYear
            });
        }
        let rest = skip_separator(rest)?;
        let (seq, rest) = take_digits(rest, usize::MAX);
        if !rest.is_empty() || seq.is_empty() {
            return Err(CodeError::Malformed);
        }
        let seq = parse_seq(seq)?;
        let year: u16 = year.parse().map_err(|_| CodeError::BadYear)?;
        CaseCode::new(family, year, seq)
    }

    /// Parse keypad input: four digits of year then the sequence (`2026000123`), as
    /// `(year, seq)`; the family is unknown from digits and not needed (sequences are unique
    /// per installation and year).
    pub fn parse_digits(input: &str) -> Result<(u16, u32), CodeError> {
        let s = input.trim().trim_end_matches('#');
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if !s.bytes().all(|c| c.is_ascii_digit()) || s.len() < 5 {
            return Err(CodeError::Malformed);
        }
        let year: u16 = s[..4].parse().map_err(|_| CodeError::BadYear)?;
        if year < MIN_YEAR {
            return Err(CodeError::BadYear);
        }
        let seq = parse_seq(&s[4..])?;
        Ok((year, seq))
    }
}

fn take_digits(s: &str, max: usize) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).take(max).count();
    s.split_at(n)
}

/// Skips up to three separator characters (`-`, `_`, `.`, `/`, space: "PA - 2026"); what
/// follows them must be a digit.
fn skip_separator(s: &str) -> Result<&str, CodeError> {
    let n = s
        .bytes()
        .take_while(|b| matches!(b, b'-' | b'_' | b'.' | b'/' | b' '))
        .count();
    let rest = &s[n..];
    if n > 3 || (n > 0 && !rest.starts_with(|c: char| c.is_ascii_digit())) {
        return Err(CodeError::Malformed);
    }
    Ok(rest)
}

fn parse_seq(digits: &str) -> Result<u32, CodeError> {
    if digits.is_empty() || digits.len() > SEQ_MAX_DIGITS {
        return Err(CodeError::BadSequence);
    }
    let seq: u32 = digits.parse().map_err(|_| CodeError::BadSequence)?;
    if seq == 0 {
        return Err(CodeError::BadSequence);
    }
    Ok(seq)
}

impl fmt::Display for CaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:0width$}",
            self.family.prefix(),
            self.year,
            self.seq,
            width = SEQ_MIN_DIGITS
        )
    }
}

impl FromStr for CaseCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseCode::parse(s)
    }
}

impl TryFrom<String> for CaseCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CaseCode::parse(&s)
    }
}

impl From<CaseCode> for String {
    fn from(c: CaseCode) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case9_formats_and_parses_back() {
        let c = CaseCode::for_kind(CaseKind::PhanAnh, 2026, 123).unwrap();
        assert_eq!(c.to_string(), "PA-2026-000123");
        assert_eq!(c.digits(), "2026000123");
        assert_eq!(CaseCode::parse("PA-2026-000123").unwrap(), c);
        for s in [
            "pa-2026-000123",
            " PA 2026 000123 ",
            "PA2026000123",
            "pa_2026_123",
            "Pa.2026/0123",
            "PA - 2026 - 000123",
        ] {
            assert_eq!(CaseCode::parse(s).unwrap(), c, "{s}");
        }
        assert_eq!(
            CaseCode::for_kind(CaseKind::ToCao, 2026, 1_234_567)
                .unwrap()
                .to_string(),
            "CK-2026-1234567"
        );
        assert_eq!(CaseCode::parse_digits("2026000123#").unwrap(), (2026, 123));
    }

    #[test]
    fn case9_refuses_what_is_not_a_code() {
        use CodeError::*;
        for (s, e) in [
            ("", Empty),
            ("   ", Empty),
            ("KN-2026-000123", UnknownPrefix),
            ("PA-26-000123", BadYear),
            ("PA-1999-000123", BadYear),
            ("PA-2026-000000", BadSequence),
            ("PA-2026-1234567890", BadSequence),
            ("PA----2026-000123", Malformed),
            ("PA-2026-", Malformed),
            ("PA-2026-000123x", Malformed),
            ("PA-2026", Malformed),
            ("P-2026-1", Malformed),
            ("PĂ-2026-000123", Malformed),
            ("PA-2026-00 0123", Malformed),
        ] {
            assert_eq!(CaseCode::parse(s), Err(e), "{s:?}");
        }
        assert!(CaseCode::parse_digits("1999000001").is_err());
        assert!(CaseCode::parse_digits("20260000000000").is_err());
        assert!(CaseCode::parse_digits("2026*1").is_err());
    }

    #[test]
    fn case9_serde_uses_the_display_form() {
        let c = CaseCode::for_kind(CaseKind::HoiDapTthc, 2025, 42).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"HD-2025-000042\"");
        assert_eq!(serde_json::from_str::<CaseCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<CaseCode>("\"XX-2025-1\"").is_err());
    }
}
