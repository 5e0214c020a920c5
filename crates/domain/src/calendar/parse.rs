//! Parsing what people type: a number of hours ("8", "1.5", "48") and an RFC 3339 instant.

use super::{CalendarError, WorkingCalendar};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// The largest accepted number of hours (about 114 years of wall-clock time).
const MAX_HOURS: u64 = 1_000_000;
const NANOS_PER_HOUR: u64 = 3_600_000_000_000;

/// A non-negative decimal number of hours: "8", "1.5", "48", "0,25" (Vietnamese decimal
/// comma), optionally followed by "h". Exact (no floating point): "1.1" is 66 minutes.
/// Up to 9 decimals; at most 1 000 000 hours.
pub fn parse_hours(s: &str) -> Result<TimeDelta, CalendarError> {
    let bad = || CalendarError::BadHours(s.chars().take(40).collect());
    let t = s.trim();
    let t = t.strip_suffix(['h', 'H']).unwrap_or(t).trim_end();
    let (int, frac) = match t.split_once(['.', ',']) {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 7 || !digits(int) || frac.len() > 9 || !digits(frac) {
        return Err(bad());
    }
    if t.contains(['.', ',']) && frac.is_empty() {
        return Err(bad());
    }
    let whole: u64 = int.parse().map_err(|_| bad())?;
    let frac_value: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    if whole > MAX_HOURS || (whole == MAX_HOURS && frac_value > 0) {
        return Err(bad());
    }
    // 3600e9 is divisible by 10^9, so the fraction converts exactly.
    let scale = 10u64.pow(frac.len() as u32);
    let total = whole * NANOS_PER_HOUR + frac_value * (NANOS_PER_HOUR / scale);
    let total = i64::try_from(total).map_err(|_| bad())?;
    Ok(TimeDelta::nanoseconds(total))
}

impl WorkingCalendar {
    /// `tongdai calendar due START HOURS`: `start` in RFC 3339 plus `hours` of working time,
    /// as RFC 3339 in the offset of `start` ("Z" kept as "Z").
    pub fn due_rfc3339(&self, start: &str, hours: &str) -> Result<String, CalendarError> {
        let start = start.trim();
        let parsed = DateTime::parse_from_rfc3339(start)
            .map_err(|_| CalendarError::BadInstant(start.chars().take(40).collect()))?;
        let due = self.try_add_working(parsed.with_timezone(&Utc), parse_hours(hours)?)?;
        let use_z = start.ends_with(['Z', 'z']);
        Ok(due
            .with_timezone(parsed.offset())
            .to_rfc3339_opts(SecondsFormat::AutoSi, use_z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case6_parse_hours_accepts_decimal_hours() {
        assert_eq!(parse_hours("8").unwrap(), TimeDelta::hours(8));
        assert_eq!(parse_hours("48").unwrap(), TimeDelta::hours(48));
        assert_eq!(parse_hours("1.5").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_hours(" 0,25 ").unwrap(), TimeDelta::minutes(15));
        assert_eq!(parse_hours("1.1").unwrap(), TimeDelta::minutes(66));
        assert_eq!(parse_hours("8h").unwrap(), TimeDelta::hours(8));
        assert_eq!(parse_hours("0").unwrap(), TimeDelta::zero());
        assert_eq!(parse_hours("1000000").unwrap(), TimeDelta::hours(1_000_000));
    }

    #[test]
    fn case6_due_in_the_offset_of_the_start() {
        let cal = WorkingCalendar::default();
        let due = |s, h| cal.due_rfc3339(s, h);
        assert_eq!(
            due("2025-03-14T15:00:00+07:00", "8").unwrap(),
            "2025-03-17T16:00:00+07:00"
        );
        assert_eq!(
            due("2025-03-14T08:00:00Z", "8").unwrap(),
            "2025-03-17T09:00:00Z"
        );
        assert_eq!(
            due("2025-03-14T10:00:00+02:00", "1.5").unwrap(),
            "2025-03-17T02:30:00+02:00"
        );
        assert!(matches!(
            due("2025-03-14 15:00", "8"),
            Err(CalendarError::BadInstant(_))
        ));
        assert!(matches!(
            due("2025-03-14T15:00:00+07:00", "x"),
            Err(CalendarError::BadHours(_))
        ));
    }

    #[test]
    fn case6_parse_hours_rejects_garbage() {
        for bad in [
            "",
            "h",
            "-1",
            "+1",
            "1.",
            ".5",
            "1e3",
            "NaN",
            "inf",
            "1.2.3",
            "8 giờ",
            "1000001",
            "1000000.5",
            "0.0000000001",
            "１",
        ] {
            assert!(parse_hours(bad).is_err(), "{bad:?}");
        }
    }
}
