//! Instants, civil time in Vietnam, and the formats the product shows.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// An instant on the UTC time line. Stored as microseconds since the Unix epoch.
pub type Instant = DateTime<Utc>;

/// Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975).
pub const VIETNAM_OFFSET_SECONDS: i32 = 7 * 3600;

/// The fixed offset of Asia/Ho_Chi_Minh.
pub fn vietnam_offset() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS).expect("UTC+7 is a valid offset")
}

/// The civil date and time in Vietnam of an instant.
pub fn to_vietnam(t: Instant) -> NaiveDateTime {
    t.with_timezone(&vietnam_offset()).naive_local()
}

/// The instant of a civil date and time in Vietnam (never ambiguous: no DST).
pub fn from_vietnam(local: NaiveDateTime) -> Instant {
    (local - chrono::Duration::seconds(i64::from(VIETNAM_OFFSET_SECONDS))).and_utc()
}

/// Microseconds since the Unix epoch: the storage form of an instant.
pub fn to_micros(t: Instant) -> i64 {
    t.timestamp_micros()
}

/// The inverse of [`to_micros`]; out-of-range values saturate to the epoch.
pub fn from_micros(us: i64) -> Instant {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

const WEEKDAYS_VI: [&str; 7] = [
    "Thứ Hai",
    "Thứ Ba",
    "Thứ Tư",
    "Thứ Năm",
    "Thứ Sáu",
    "Thứ Bảy",
    "Chủ nhật",
];

/// "Thứ Hai" … "Chủ nhật" for a date.
pub fn weekday_vi(date: NaiveDate) -> &'static str {
    use chrono::Datelike;
    WEEKDAYS_VI[date.weekday().num_days_from_monday() as usize]
}

/// The date as written in Vietnamese administrative documents: "ngày 05 tháng 02 năm 2026".
pub fn date_long_vi(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "ngày {:02} tháng {:02} năm {}",
        date.day(),
        date.month(),
        date.year()
    )
}

/// The short Vietnamese date form: "05/02/2026".
pub fn date_short_vi(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// An instant shown in Vietnam's civil time: "14:05 05/02/2026".
pub fn datetime_short_vi(t: Instant) -> String {
    to_vietnam(t).format("%H:%M %d/%m/%Y").to_string()
}

/// A whole number with Vietnamese digit grouping: 1234567 → "1.234.567".
pub fn number_vi(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Where "now" comes from. The domain never reads a clock; the edges (web handlers, the job
/// runner, the SIP engine) ask one of these and pass the instant in, so tests can move time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn vietnam_round_trip() {
        let local = NaiveDate::from_ymd_opt(2026, 2, 16)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        let t = from_vietnam(local);
        assert_eq!(t.to_rfc3339(), "2026-02-16T00:00:00+00:00");
        assert_eq!(to_vietnam(t), local);
        assert_eq!(from_micros(to_micros(t)), t);
    }

    #[test]
    fn vietnamese_formats() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 5).unwrap();
        assert_eq!(date_long_vi(d), "ngày 05 tháng 02 năm 2026");
        assert_eq!(date_short_vi(d), "05/02/2026");
        assert_eq!(weekday_vi(d), "Thứ Năm");
        assert_eq!(number_vi(1_234_567), "1.234.567");
        assert_eq!(number_vi(-1000), "-1.000");
        assert_eq!(number_vi(999), "999");
        assert_eq!(number_vi(0), "0");
    }
}
