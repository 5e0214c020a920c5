//! The organisation as data (ORG-1, ADM-1, ADM-5): tenants (a province, a commune, or a
//! pre-2025 district), their agencies, administrative units, fields and case categories.
//!
//! Everything is versioned by a validity period and linked by lineage, because the 2025
//! reform merged communes and reused their codes: identity is (code, validity), never a name.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A validity period: from a date, to an optional last day (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Input that cannot make a valid organisation record (Vietnamese messages for forms).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("Ngày kết thúc hiệu lực phải sau ngày bắt đầu.")]
    ValidityReversed,
    #[error("Tên không được để trống.")]
    EmptyName,
    #[error("Tên quá dài (tối đa {0} ký tự).")]
    NameTooLong(usize),
    #[error(
        "Mã `{0}` không hợp lệ: chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới."
    )]
    BadCode(String),
    #[error("Mã đơn vị hành chính `{code}` không hợp lệ cho cấp {level}.")]
    BadUnitCode { code: String, level: String },
    #[error("Loại `{0}` không hợp lệ.")]
    UnknownKind(String),
}

impl Validity {
    /// A period; `to` must not be before `from`.
    pub fn new(from: NaiveDate, to: Option<NaiveDate>) -> Result<Self, OrgError> {
        if to.is_some_and(|to| to < from) {
            return Err(OrgError::ValidityReversed);
        }
        Ok(Validity { from, to })
    }

    /// Whether the record is in force on `date`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal / $vi:literal / $en:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code stored in the database.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The Vietnamese label.
            pub fn label_vi(self) -> &'static str { match self { $($name::$variant => $vi),+ } }
            /// The English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
        }

        impl FromStr for $name {
            type Err = OrgError;
            fn from_str(s: &str) -> Result<Self, OrgError> {
                $name::ALL.iter().copied().find(|k| k.code() == s).ok_or_else(|| OrgError::UnknownKind(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

code_enum! {
    /// The level of government a tenant is.
    TenantKind {
        Province = "province" / "Tỉnh/Thành phố" / "Province",
        /// Before 1 July 2025 only.
        District = "district" / "Huyện/Quận/Thị xã (trước 2025)" / "District (before 2025)",
        Commune = "commune" / "Xã/Phường/Đặc khu" / "Commune",
    }
}

code_enum! {
    /// What an agency is; routing and the UI use it, rights never do.
    AgencyKind {
        /// Văn phòng HĐND và UBND: routes complex cases to the Committee (CASE-7).
        CommitteeOffice = "committee_office" / "Văn phòng HĐND và UBND" / "Committee office",
        /// A specialised office (phòng chuyên môn).
        Office = "office" / "Phòng chuyên môn" / "Specialised office",
        /// The People's Committee of a commune (before 2025, under a district).
        CommuneCommittee = "commune_committee" / "UBND xã/phường/thị trấn" / "Commune People's Committee",
        /// Trung tâm Phục vụ hành chính công / bộ phận một cửa.
        ServiceCentre = "service_centre" / "Trung tâm Phục vụ hành chính công" / "Public service centre",
        Police = "police" / "Công an" / "Police",
        PostOffice = "post_office" / "Bưu điện" / "Post office",
        Other = "other" / "Đơn vị khác" / "Other unit",
    }
}

code_enum! {
    /// Kinds of administrative units (QĐ 19/2025/QĐ-TTg and earlier lists).
    UnitKind {
        Tinh = "tinh" / "Tỉnh" / "Province",
        ThanhPho = "thanh_pho" / "Thành phố" / "City",
        Huyen = "huyen" / "Huyện" / "District",
        Quan = "quan" / "Quận" / "Urban district",
        ThiXa = "thi_xa" / "Thị xã" / "Town",
        ThiTran = "thi_tran" / "Thị trấn" / "Township",
        Xa = "xa" / "Xã" / "Commune",
        Phuong = "phuong" / "Phường" / "Ward",
        DacKhu = "dac_khu" / "Đặc khu" / "Special zone",
    }
}

code_enum! {
    /// How units or agencies were reorganised.
    LineageKind {
        /// The whole predecessor went into the successor (nhập toàn bộ).
        Full = "full" / "Nhập toàn bộ" / "Merged whole",
        /// Part of the predecessor went into the successor (split).
        Partial = "partial" / "Nhập một phần" / "Merged in part",
        /// Same body, new name or code.
        Rename = "rename" / "Đổi tên" / "Renamed",
    }
}

impl UnitKind {
    /// Province-level (1), district-level (2) or commune-level (3).
    pub fn level(self) -> u8 {
        match self {
            UnitKind::Tinh | UnitKind::ThanhPho => 1,
            UnitKind::Huyen | UnitKind::Quan | UnitKind::ThiXa => 2,
            UnitKind::ThiTran | UnitKind::Xa | UnitKind::Phuong | UnitKind::DacKhu => 3,
        }
    }

    /// Recognise the kind from an official name: "Thị trấn An Châu" → ThiTran.
    /// "Thành phố" is ambiguous (province-level or district-level); the level decides.
    pub fn from_name(name: &str, level: u8) -> Option<UnitKind> {
        let n = name.trim();
        let pairs: &[(&str, UnitKind)] = &[
            ("Tỉnh", UnitKind::Tinh),
            ("Huyện", UnitKind::Huyen),
            ("Quận", UnitKind::Quan),
            ("Thị xã", UnitKind::ThiXa),
            ("Thị trấn", UnitKind::ThiTran),
            ("Xã", UnitKind::Xa),
            ("Phường", UnitKind::Phuong),
            ("Đặc khu", UnitKind::DacKhu),
        ];
        if n.starts_with("Thành phố") {
            return Some(if level == 1 {
                UnitKind::ThanhPho
            } else {
                UnitKind::ThiXa
            });
        }
        pairs
            .iter()
            .find(|(p, _)| n.starts_with(p))
            .map(|(_, k)| *k)
    }
}

/// Check an administrative unit code: 2 digits for a province, 3 for a district, 5 for a
/// commune (the national numbering, QĐ 124/2004 and QĐ 19/2025).
pub fn validate_unit_code(code: &str, level: u8) -> Result<(), OrgError> {
    let len = match level {
        1 => 2,
        2 => 3,
        _ => 5,
    };
    if code.len() == len && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(OrgError::BadUnitCode {
            code: code.to_owned(),
            level: level.to_string(),
        })
    }
}

/// A short machine code for tenants, agencies, fields, categories: `van-phong`, `tu_phap.2021`.
pub fn validate_code(code: &str) -> Result<(), OrgError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(OrgError::BadCode(code.to_owned()))
    }
}

/// A display name: trimmed, not empty, at most `max` characters.
pub fn validate_name(name: &str, max: usize) -> Result<String, OrgError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(OrgError::EmptyName);
    }
    if n.chars().count() > max {
        return Err(OrgError::NameTooLong(max));
    }
    Ok(n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn validity_periods_org_1() {
        let v = Validity::new(d(2021, 7, 1), Some(d(2025, 6, 30))).unwrap();
        assert!(v.contains(d(2025, 6, 30)));
        assert!(!v.contains(d(2025, 7, 1)));
        assert!(Validity::new(d(2025, 7, 1), Some(d(2025, 6, 30))).is_err());
        assert!(
            Validity::new(d(2025, 7, 1), None)
                .unwrap()
                .contains(d(2099, 1, 1))
        );
    }

    #[test]
    fn unit_kinds_and_codes() {
        assert_eq!(
            UnitKind::from_name("Thị trấn An Châu", 3),
            Some(UnitKind::ThiTran)
        );
        assert_eq!(UnitKind::from_name("Xã Vĩnh Hanh", 3), Some(UnitKind::Xa));
        assert_eq!(
            UnitKind::from_name("Thành phố Long Xuyên", 2),
            Some(UnitKind::ThiXa)
        );
        assert_eq!(
            UnitKind::from_name("Tỉnh An Giang", 1),
            Some(UnitKind::Tinh)
        );
        assert!(validate_unit_code("30589", 3).is_ok());
        assert!(validate_unit_code("3058", 3).is_err());
        assert!(validate_unit_code("91", 1).is_ok());
        assert_eq!("xa".parse::<UnitKind>().unwrap(), UnitKind::Xa);
        assert!("village".parse::<UnitKind>().is_err());
    }

    #[test]
    fn codes_and_names() {
        assert!(validate_code("phong-tu-phap").is_ok());
        assert!(validate_code("Phòng").is_err());
        assert!(validate_code("").is_err());
        assert_eq!(
            validate_name("  Phòng Nội vụ ", 100).unwrap(),
            "Phòng Nội vụ"
        );
        assert_eq!(validate_name("  ", 100), Err(OrgError::EmptyName));
        assert_eq!(validate_name("abc", 2), Err(OrgError::NameTooLong(2)));
    }
}
