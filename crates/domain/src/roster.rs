//! The duty roster (ADM-3): who staffs the hotline when. Shifts are intervals of civil time on a
//! date; the roster knows how many operators each opening interval needs, and finds the gaps in
//! advance — the times when fewer operators are expected than needed.

use crate::Instant;
use crate::calendar::WorkingCalendar;
use crate::time::{from_vietnam, to_vietnam};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// One operator's shift on a date (Vietnam civil time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub account_id: i64,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Why a shift was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShiftError {
    #[error("Giờ kết thúc ca phải sau giờ bắt đầu.")]
    EndBeforeStart,
    #[error("Ca trực trùng với một ca khác của cùng người ({0}).")]
    Overlap(String),
}

impl Shift {
    /// A validated shift.
    pub fn new(
        account_id: i64,
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
    ) -> Result<Shift, ShiftError> {
        if end <= start {
            return Err(ShiftError::EndBeforeStart);
        }
        Ok(Shift {
            account_id,
            date,
            start,
            end,
        })
    }

    /// The shift as instants.
    pub fn span(&self) -> (Instant, Instant) {
        (
            from_vietnam(self.date.and_time(self.start)),
            from_vietnam(self.date.and_time(self.end)),
        )
    }

    /// Whether two shifts of the same person overlap.
    pub fn overlaps(&self, other: &Shift) -> bool {
        self.account_id == other.account_id
            && self.date == other.date
            && self.start < other.end
            && other.start < self.end
    }
}

/// Check a new shift against a person's other shifts.
pub fn check_overlap(new: &Shift, existing: &[Shift]) -> Result<(), ShiftError> {
    match existing.iter().find(|s| new.overlaps(s)) {
        Some(s) => Err(ShiftError::Overlap(format!(
            "{}–{}",
            s.start.format("%H:%M"),
            s.end.format("%H:%M")
        ))),
        None => Ok(()),
    }
}

/// A stretch of opening time with fewer operators expected than needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub from: Instant,
    pub to: Instant,
    pub expected: u32,
    pub needed: u32,
}

/// The gaps between `from` and `to`: opening intervals of the calendar where fewer than `needed`
/// shifts are on. Computed by sweeping the boundaries of intervals and shifts.
pub fn gaps(
    cal: &WorkingCalendar,
    shifts: &[Shift],
    needed: u32,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Gap> {
    let mut out: Vec<Gap> = Vec::new();
    let mut day = from;
    while day <= to {
        let Ok(info) = cal.day_info(day) else { break };
        for interval in info.intervals.as_slice() {
            let (Some(s), Some(e)) = (interval.start().to_naive(), interval.end().to_naive())
            else {
                continue;
            };
            let (open, close) = (from_vietnam(day.and_time(s)), from_vietnam(day.and_time(e)));
            let spans: Vec<(Instant, Instant)> = shifts
                .iter()
                .filter(|x| x.date == day)
                .map(Shift::span)
                .collect();
            let mut points: Vec<Instant> = vec![open, close];
            for (a, b) in &spans {
                for p in [*a, *b] {
                    if p > open && p < close {
                        points.push(p);
                    }
                }
            }
            points.sort();
            points.dedup();
            for w in points.windows(2) {
                let (a, b) = (w[0], w[1]);
                let expected = spans.iter().filter(|(s, e)| *s <= a && *e >= b).count() as u32;
                if expected < needed {
                    match out.last_mut() {
                        Some(g) if g.to == a && g.expected == expected => g.to = b,
                        _ => out.push(Gap {
                            from: a,
                            to: b,
                            expected,
                            needed,
                        }),
                    }
                }
            }
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    out
}

/// Who is expected on duty at an instant.
pub fn on_duty(shifts: &[Shift], t: Instant) -> Vec<i64> {
    let local = to_vietnam(t);
    let mut ids: Vec<i64> = shifts
        .iter()
        .filter(|s| s.date == local.date() && s.start <= local.time() && local.time() < s.end)
        .map(|s| s.account_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// ADM-3: gaps are the opening hours nobody (or too few) covers.
    #[test]
    fn finds_gaps_in_advance_adm_3() {
        let cal = WorkingCalendar::default();
        let monday = d(2026, 3, 16);
        let shifts = vec![
            Shift::new(1, monday, t(7, 0), t(11, 0)).unwrap(),
            Shift::new(2, monday, t(7, 0), t(9, 0)).unwrap(),
            Shift::new(1, monday, t(13, 0), t(15, 0)).unwrap(),
        ];
        let g = gaps(&cal, &shifts, 2, monday, monday);
        let show: Vec<(String, String, u32)> = g
            .iter()
            .map(|g| {
                (
                    to_vietnam(g.from).format("%H:%M").to_string(),
                    to_vietnam(g.to).format("%H:%M").to_string(),
                    g.expected,
                )
            })
            .collect();
        assert_eq!(
            show,
            vec![
                ("09:00".into(), "11:00".into(), 1),
                ("13:00".into(), "15:00".into(), 1),
                ("15:00".into(), "16:00".into(), 0)
            ]
        );
        // A weekend or a holiday needs nobody: Tết 2026.
        assert!(gaps(&cal, &[], 1, d(2026, 2, 16), d(2026, 2, 22)).is_empty());
        assert_eq!(
            on_duty(&shifts, from_vietnam(monday.and_time(t(8, 0)))),
            vec![1, 2]
        );
        assert_eq!(
            on_duty(&shifts, from_vietnam(monday.and_time(t(16, 0)))),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn refuses_backwards_and_overlapping_shifts() {
        let monday = d(2026, 3, 16);
        assert_eq!(
            Shift::new(1, monday, t(11, 0), t(7, 0)),
            Err(ShiftError::EndBeforeStart)
        );
        let a = Shift::new(1, monday, t(7, 0), t(11, 0)).unwrap();
        let b = Shift::new(1, monday, t(10, 0), t(12, 0)).unwrap();
        let c = Shift::new(2, monday, t(10, 0), t(12, 0)).unwrap();
        assert!(check_overlap(&b, std::slice::from_ref(&a)).is_err());
        assert!(check_overlap(&c, &[a]).is_ok());
    }
}
