//! Vietnamese phone numbers (vietnam.md §10): parse what people type, store one canonical
//! form, show the national form, mask it in public and on reports.
//!
//! The canonical form is E.164 (`+84` and the national number without its leading 0) for
//! subscriber numbers; service numbers (1800, 1900, short codes) are not reachable from abroad
//! and keep their national form. Numbers are portable between carriers, so nothing here
//! routes or prices by prefix.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// 03x, 05x, 07x, 08x, 09x: 10 digits with the leading 0.
    Mobile,
    /// 02xx area codes: 11 digits with the leading 0.
    Landline,
    /// 1800: called party pays (the hotline itself).
    TollFree,
    /// 1900: caller pays.
    Premium,
    /// 3- and 4-digit public service numbers (113, 114, 115, 1022, …).
    Short,
    /// A number outside Vietnam, in E.164.
    International,
}

/// A validated phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    canonical: String,
}

/// Why a phone number was refused (Vietnamese messages, shown on forms).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Số điện thoại trống.")]
    Empty,
    #[error("Số điện thoại chỉ được chứa chữ số, dấu cách, dấu chấm, gạch ngang, ngoặc và dấu +.")]
    BadCharacters,
    #[error("Số điện thoại không đúng định dạng của Việt Nam.")]
    NotVietnamese,
    #[error("Số điện thoại quốc tế không hợp lệ.")]
    BadInternational,
}

/// 11-digit mobile prefixes converted to 10 digits in 2018 (../data/vn_mobile_prefix_conversion_2018.csv).
pub const PREFIX_CONVERSION_2018: &[(&str, &str)] = &[
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

impl PhoneNumber {
    /// Parse what a person or a system typed: `0912 345 678`, `0912.345.678`, `84912345678`,
    /// `+84 912 345 678`, `(+84) 912-345-678`, old 11-digit mobiles (`01683 456 789`, converted),
    /// `1800.888.880`, `0296 3123 456`, `+33 1 23 45 67 89`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " .-()+\u{a0}".contains(c))
        {
            return Err(PhoneError::BadCharacters);
        }
        let plus = trimmed.contains('+');
        if plus && !trimmed.trim_start_matches('(').starts_with('+') {
            return Err(PhoneError::BadCharacters);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        // International form: +CC… or 00CC…
        let (international, digits) = if plus {
            (true, digits)
        } else if let Some(rest) = digits.strip_prefix("00") {
            (true, rest.to_owned())
        } else {
            (false, digits)
        };
        if international {
            if let Some(national) = digits.strip_prefix("84") {
                return Self::from_national(&format!("0{national}"));
            }
            if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
                return Err(PhoneError::BadInternational);
            }
            return Ok(PhoneNumber {
                canonical: format!("+{digits}"),
            });
        }
        // "84912345678": a gateway form without the plus (but not a 1800/1900 or short number).
        if digits.starts_with("84") && (digits.len() == 11 || digits.len() == 12) {
            return Self::from_national(&format!("0{}", &digits[2..]));
        }
        Self::from_national(&digits)
    }

    fn from_national(digits: &str) -> Result<Self, PhoneError> {
        let service = |d: &str| {
            Ok(PhoneNumber {
                canonical: d.to_owned(),
            })
        };
        if (digits.starts_with("1800") || digits.starts_with("1900"))
            && (digits.len() == 8 || digits.len() == 10)
        {
            return service(digits);
        }
        if matches!(
            digits,
            "111" | "112" | "113" | "114" | "115" | "116" | "119" | "1022" | "1900" | "18001091"
        ) {
            return service(digits);
        }
        if !digits.starts_with('0') {
            // Written without the trunk 0, as some forms and gateways do ("912345678").
            return match digits.len() {
                9 | 10 => Self::from_national(&format!("0{digits}")),
                _ => Err(PhoneError::NotVietnamese),
            };
        }
        let national = &digits[1..];
        let first = national.as_bytes().first().copied().unwrap_or(b'0');
        match (first, digits.len()) {
            (b'3' | b'5' | b'7' | b'8' | b'9', 10) => Ok(PhoneNumber {
                canonical: format!("+84{national}"),
            }),
            (b'2', 11) => Ok(PhoneNumber {
                canonical: format!("+84{national}"),
            }),
            (b'1', 11) => {
                let converted = PREFIX_CONVERSION_2018
                    .iter()
                    .find(|(old, _)| digits.starts_with(old))
                    .map(|(old, new)| format!("{new}{}", &digits[old.len()..]))
                    .ok_or(PhoneError::NotVietnamese)?;
                Ok(PhoneNumber {
                    canonical: format!("+84{}", &converted[1..]),
                })
            }
            _ => Err(PhoneError::NotVietnamese),
        }
    }

    /// `+84912345678`, or the national form for service numbers.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The kind of number.
    pub fn kind(&self) -> PhoneKind {
        let c = &self.canonical;
        if let Some(n) = c.strip_prefix("+84") {
            if n.starts_with('2') {
                PhoneKind::Landline
            } else {
                PhoneKind::Mobile
            }
        } else if c.starts_with('+') {
            PhoneKind::International
        } else if c.starts_with("1800") && c.len() > 4 {
            PhoneKind::TollFree
        } else if c.starts_with("1900") && c.len() > 4 {
            PhoneKind::Premium
        } else {
            PhoneKind::Short
        }
    }

    /// Whether the number identifies a person (caller-ID matching ignores the others).
    pub fn is_personal(&self) -> bool {
        matches!(
            self.kind(),
            PhoneKind::Mobile | PhoneKind::Landline | PhoneKind::International
        )
    }

    /// The national form as dialled in Vietnam: `0912345678`.
    pub fn national(&self) -> String {
        match self.canonical.strip_prefix("+84") {
            Some(n) => format!("0{n}"),
            None => self.canonical.clone(),
        }
    }

    /// The form SMS and Zalo gateways want: `84912345678`.
    pub fn gateway(&self) -> String {
        match self.canonical.strip_prefix('+') {
            Some(n) => n.to_owned(),
            None => self.canonical.clone(),
        }
    }

    /// Grouped for reading: `0912 345 678`, `0296 3123 456`, `1800 888 880`.
    pub fn display(&self) -> String {
        let n = self.national();
        let groups: &[usize] = match (self.kind(), n.len()) {
            (PhoneKind::Mobile, 10) => &[4, 3, 3],
            (PhoneKind::Landline, 11) if n.starts_with("024") || n.starts_with("028") => &[3, 4, 4],
            (PhoneKind::Landline, 11) => &[4, 4, 3],
            (PhoneKind::TollFree | PhoneKind::Premium, 10) => &[4, 3, 3],
            (PhoneKind::TollFree | PhoneKind::Premium, 8) => &[4, 4],
            _ => return n,
        };
        let mut out = Vec::new();
        let mut i = 0;
        for g in groups {
            out.push(&n[i..i + g]);
            i += g;
        }
        out.join(" ")
    }

    /// Masked for public pages and reports: `0912 *** 678`.
    pub fn masked(&self) -> String {
        let n = self.national();
        if n.len() < 7 || !self.is_personal() {
            return self.display();
        }
        format!("{} *** {}", &n[..4], &n[n.len() - 3..])
    }

    /// The forms under which this number may appear in older records: for a mobile converted
    /// in 2018, its 11-digit form too (caller history matches both).
    pub fn historical_forms(&self) -> Vec<String> {
        let mut forms = vec![self.canonical.clone()];
        let n = self.national();
        if self.kind() == PhoneKind::Mobile {
            for (old, new) in PREFIX_CONVERSION_2018 {
                if let Some(rest) = n.strip_prefix(new) {
                    forms.push(format!("+84{}{rest}", &old[1..]));
                }
            }
        }
        forms
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.canonical
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canon(s: &str) -> String {
        PhoneNumber::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .canonical()
            .to_owned()
    }

    #[test]
    fn accepts_the_ways_people_write_a_mobile() {
        for s in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "84912345678",
            "+84912345678",
            "+84 912 345 678",
            "(+84) 912-345-678",
            "0084912345678",
            "912345678",
        ] {
            assert_eq!(canon(s), "+84912345678", "{s}");
        }
    }

    #[test]
    fn converts_old_eleven_digit_mobiles() {
        assert_eq!(canon("01683456789"), "+84383456789");
        assert_eq!(canon("0123 456 7890"), "+84834567890");
        assert_eq!(canon("+84 121 456 7890"), "+84794567890");
        let p = PhoneNumber::parse("0383456789").unwrap();
        assert!(p.historical_forms().contains(&"+841683456789".to_owned()));
    }

    #[test]
    fn landlines_service_and_foreign_numbers() {
        let l = PhoneNumber::parse("0296 3123 456").unwrap();
        assert_eq!(
            (l.canonical(), l.kind()),
            ("+842963123456", PhoneKind::Landline)
        );
        assert_eq!(l.display(), "0296 3123 456");
        assert_eq!(
            PhoneNumber::parse("024 3825 1234").unwrap().display(),
            "024 3825 1234"
        );
        let h = PhoneNumber::parse("1800.888.880").unwrap();
        assert_eq!(
            (h.canonical(), h.kind()),
            ("1800888880", PhoneKind::TollFree)
        );
        assert_eq!(h.display(), "1800 888 880");
        assert!(!h.is_personal());
        assert_eq!(PhoneNumber::parse("113").unwrap().kind(), PhoneKind::Short);
        let f = PhoneNumber::parse("+33 1 23 45 67 89").unwrap();
        assert_eq!(
            (f.canonical(), f.kind()),
            ("+33123456789", PhoneKind::International)
        );
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("09123abc78"),
            Err(PhoneError::BadCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("0112345678"),
            Err(PhoneError::NotVietnamese)
        );
        assert_eq!(
            PhoneNumber::parse("091234567"),
            Err(PhoneError::NotVietnamese)
        );
        assert_eq!(
            PhoneNumber::parse("09123456789"),
            Err(PhoneError::NotVietnamese)
        );
        assert_eq!(PhoneNumber::parse("12+34"), Err(PhoneError::BadCharacters));
        assert_eq!(
            PhoneNumber::parse("+0123"),
            Err(PhoneError::BadInternational)
        );
    }

    #[test]
    fn display_forms() {
        let p = PhoneNumber::parse("0912345678").unwrap();
        assert_eq!(p.display(), "0912 345 678");
        assert_eq!(p.masked(), "0912 *** 678");
        assert_eq!(p.gateway(), "84912345678");
        assert_eq!(p.national(), "0912345678");
    }

    proptest! {
        #[test]
        fn never_panics_and_canonical_is_stable(s in "\\PC{0,30}") {
            if let Ok(p) = PhoneNumber::parse(&s) {
                prop_assert_eq!(PhoneNumber::parse(p.canonical()).unwrap(), p.clone());
                prop_assert_eq!(PhoneNumber::parse(&p.national()).unwrap(), p);
            }
        }

        #[test]
        fn every_mobile_round_trips(prefix in prop::sample::select(vec!["03","05","07","08","09"]), rest in "[0-9]{8}") {
            let national = format!("{prefix}{rest}");
            let p = PhoneNumber::parse(&national).unwrap();
            prop_assert_eq!(p.national(), national);
            prop_assert_eq!(p.kind(), PhoneKind::Mobile);
        }
    }
}
