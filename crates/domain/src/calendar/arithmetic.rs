//! Working-time arithmetic (CASE-6): adding working hours, measuring working time between two
//! instants, next opening, and counting working days.
//!
//! The walk goes interval by interval in Vietnam civil time, and jumps over whole ordinary
//! weeks (no exceptional day in them) in one step, so an addition costs a few days of walking
//! plus one step per exceptional day, whatever the duration. Arithmetic is exact to the
//! nanosecond. The calendar covers years 1 to 9999; beyond, the `try_` forms return
//! [`CalendarError::OutOfRange`] and the others saturate.

use super::CalendarError;
use super::hours::{NANOS_PER_SECOND, Span};
use super::schedule::YearTable;
use super::working::{Inner, MAX_DATE, MIN_DATE, WorkingCalendar};
use crate::Instant;
use crate::time::{from_vietnam, to_vietnam};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Timelike};
use std::borrow::Cow;

const DAY_NANOS: i64 = 86_400 * NANOS_PER_SECOND;

/// A position in Vietnam civil time: a date and nanoseconds since its midnight (0 ..= 24 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    date: NaiveDate,
    ns: i64,
}

/// The first instant of the calendar (0001-01-01 00:00 in Vietnam).
fn first_instant() -> Instant {
    from_vietnam(MIN_DATE.and_time(NaiveTime::MIN))
}

/// The instant just after the calendar (10000-01-01 00:00 in Vietnam).
fn end_instant() -> Instant {
    from_vietnam(MAX_DATE.and_time(NaiveTime::MIN)) + TimeDelta::days(1)
}

/// The civil position of an instant inside the calendar's range.
fn local(t: Instant) -> Option<Pos> {
    if t < first_instant() || t >= end_instant() {
        return None;
    }
    let l = to_vietnam(t);
    let nanos = i64::from(l.nanosecond().min(999_999_999));
    let ns = i64::from(l.num_seconds_from_midnight()) * NANOS_PER_SECOND + nanos;
    Some(Pos { date: l.date(), ns })
}

/// Like [`local`], but an instant before the range starts at its first instant.
fn local_clamped(t: Instant) -> Result<Pos, CalendarError> {
    if t < first_instant() {
        return Ok(Pos {
            date: MIN_DATE,
            ns: 0,
        });
    }
    local(t).ok_or(CalendarError::OutOfRange)
}

fn instant(p: Pos) -> Instant {
    from_vietnam(p.date.and_time(NaiveTime::MIN)) + TimeDelta::nanoseconds(p.ns)
}

fn next_day(d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    d.succ_opt()
        .filter(|n| *n <= MAX_DATE)
        .ok_or(CalendarError::OutOfRange)
}

fn plus_days(d: NaiveDate, n: i128) -> Result<NaiveDate, CalendarError> {
    let n = u64::try_from(n).map_err(|_| CalendarError::OutOfRange)?;
    d.checked_add_days(Days::new(n))
        .filter(|n| *n <= MAX_DATE)
        .ok_or(CalendarError::OutOfRange)
}

fn nanos(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * i128::from(NANOS_PER_SECOND) + i128::from(d.subsec_nanos())
}

fn delta(n: i128) -> TimeDelta {
    let secs = n.div_euclid(i128::from(NANOS_PER_SECOND));
    let sub = n.rem_euclid(i128::from(NANOS_PER_SECOND));
    i64::try_from(secs)
        .ok()
        .and_then(|s| TimeDelta::new(s, sub as u32))
        .unwrap_or(TimeDelta::MAX)
}

/// Walks days while keeping the current year's table at hand.
struct Walker<'a> {
    inner: &'a Inner,
    year: i32,
    table: Cow<'a, YearTable>,
}

impl<'a> Walker<'a> {
    fn new(inner: &'a Inner, date: NaiveDate) -> Walker<'a> {
        Walker {
            inner,
            year: date.year(),
            table: inner.table(date.year()),
        }
    }

    fn load(&mut self, date: NaiveDate) {
        if date.year() != self.year {
            self.year = date.year();
            self.table = self.inner.table(self.year);
        }
    }

    /// The opening spans of a day.
    fn spans(&mut self, date: NaiveDate) -> &[Span] {
        self.load(date);
        match self.table.get(date) {
            Some(e) => &e.spans,
            None => &self.inner.week[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// The first exceptional date on or after `date`, or the next 1 January: the days from
    /// `date` up to it follow the ordinary week.
    fn ordinary_until(&mut self, date: NaiveDate) -> NaiveDate {
        self.load(date);
        self.table.next_on_or_after(date).unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(date.year() + 1, 1, 1).unwrap_or(NaiveDate::MAX)
        })
    }

    /// Whole ordinary weeks from `date` (at most `limit`): their number, 0 if none.
    fn ordinary_weeks(&mut self, date: NaiveDate, limit: i128) -> i128 {
        let days = self
            .ordinary_until(date)
            .signed_duration_since(date)
            .num_days();
        (i128::from(days) / 7).min(limit).max(0)
    }
}

impl WorkingCalendar {
    /// Whether the office is open at `t` (intervals are half-open: open at 07:00, closed at
    /// 11:00).
    pub fn is_working_time(&self, t: Instant) -> bool {
        let Some(p) = local(t) else { return false };
        Walker::new(&self.inner, p.date)
            .spans(p.date)
            .iter()
            .any(|s| s.start <= p.ns && p.ns < s.end)
    }

    /// `t` plus `d` of working time: the instant at which `d` of office time has elapsed since
    /// `t`. A start outside working time counts from the next opening; a result landing exactly
    /// at the end of an interval stays there (16:00, not the next morning); make-up days count.
    /// With `d` = 0 the result is `t` when `t` is working time or an interval end, the next
    /// opening otherwise. A negative `d` counts as 0; a result after year 9999 saturates.
    pub fn add_working(&self, t: Instant, d: TimeDelta) -> Instant {
        self.try_add_working(t, d.max(TimeDelta::zero()))
            .unwrap_or_else(|_| end_instant().max(t))
    }

    /// [`Self::add_working`], with an error for a negative duration or a result out of range.
    pub fn try_add_working(&self, t: Instant, d: TimeDelta) -> Result<Instant, CalendarError> {
        if d < TimeDelta::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        let inner = &*self.inner;
        let mut rem = nanos(d);
        let mut pos = local_clamped(t)?;
        // No day has more than 24 working hours: fail fast when even that cannot fit.
        plus_days(pos.date, rem / i128::from(DAY_NANOS))?;
        let mut w = Walker::new(inner, pos.date);
        if rem == 0 && pos.ns == 0 {
            // Midnight right after an interval ending at 24:00 is an interval end.
            if let Some(prev) = pos.date.pred_opt().filter(|p| *p >= MIN_DATE)
                && w.spans(prev).last().is_some_and(|s| s.end == DAY_NANOS)
            {
                return Ok(t);
            }
        }
        loop {
            if pos.ns == 0 && inner.week_nanos > 0 && rem > inner.week_nanos {
                let k = w.ordinary_weeks(pos.date, (rem - 1) / inner.week_nanos);
                if k > 0 {
                    pos.date = plus_days(pos.date, 7 * k)?;
                    rem -= k * inner.week_nanos;
                    continue;
                }
            }
            for s in w.spans(pos.date) {
                if s.end < pos.ns || (s.end == pos.ns && rem > 0) {
                    continue;
                }
                let start = s.start.max(pos.ns);
                let avail = i128::from(s.end - start);
                if rem <= avail {
                    return Ok(instant(Pos {
                        date: pos.date,
                        ns: start + rem as i64,
                    }));
                }
                rem -= avail;
            }
            pos = Pos {
                date: next_day(pos.date)?,
                ns: 0,
            };
        }
    }

    /// Working time between `a` and `b` (zero when `b <= a`).
    pub fn working_between(&self, a: Instant, b: Instant) -> TimeDelta {
        if b <= a {
            return TimeDelta::zero();
        }
        let Ok(mut pos) = local_clamped(a) else {
            return TimeDelta::zero();
        };
        let end = local(b).unwrap_or(Pos {
            date: MAX_DATE,
            ns: DAY_NANOS,
        });
        let inner = &*self.inner;
        let mut w = Walker::new(inner, pos.date);
        let mut total: i128 = 0;
        loop {
            if pos.date == end.date {
                total += overlap(w.spans(pos.date), pos.ns, end.ns);
                break;
            }
            if pos.ns == 0 && inner.week_nanos > 0 {
                let days_left = end.date.signed_duration_since(pos.date).num_days();
                let k = w.ordinary_weeks(pos.date, i128::from(days_left / 7));
                if k > 0 {
                    total += k * inner.week_nanos;
                    match plus_days(pos.date, 7 * k) {
                        Ok(d) => pos.date = d,
                        Err(_) => break,
                    }
                    continue;
                }
            }
            total += overlap(w.spans(pos.date), pos.ns, DAY_NANOS);
            match next_day(pos.date) {
                Ok(d) => pos = Pos { date: d, ns: 0 },
                Err(_) => break,
            }
        }
        delta(total)
    }

    /// The first instant at or after `t` that is working time (`t` itself when the office is
    /// open); saturates after year 9999.
    pub fn next_opening(&self, t: Instant) -> Instant {
        self.try_next_opening(t)
            .unwrap_or_else(|_| end_instant().max(t))
    }

    /// [`Self::next_opening`], with an error when there is none before year 10000.
    pub fn try_next_opening(&self, t: Instant) -> Result<Instant, CalendarError> {
        let mut pos = local_clamped(t)?;
        let mut w = Walker::new(&self.inner, pos.date);
        loop {
            if let Some(s) = w.spans(pos.date).iter().find(|s| s.end > pos.ns) {
                return Ok(instant(Pos {
                    date: pos.date,
                    ns: s.start.max(pos.ns),
                }));
            }
            pos = Pos {
                date: next_day(pos.date)?,
                ns: 0,
            };
        }
    }

    /// Whether the office opens at all on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        (MIN_DATE..=MAX_DATE).contains(&date)
            && !Walker::new(&self.inner, date).spans(date).is_empty()
    }

    /// The `n`-th working day after `date` (`date` itself is not counted, as a period in days
    /// starts the day after the event: Civil Code 91/2015/QH13 Art. 147); `date` when `n` = 0.
    /// Used for the statutory 5 working days of NĐ 20/2008/NĐ-CP Art. 9.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if !(MIN_DATE..=MAX_DATE).contains(&date) {
            return Err(CalendarError::OutOfRange);
        }
        plus_days(date, i128::from(n))?; // n working days take at least n days
        let inner = &*self.inner;
        let week_days = i128::from(inner.week_days);
        let mut w = Walker::new(inner, date);
        let mut cur = date;
        let mut rem = i128::from(n);
        loop {
            if rem == 0 {
                return Ok(cur);
            }
            if week_days > 0 && rem > week_days {
                let start = next_day(cur)?;
                let k = w.ordinary_weeks(start, (rem - 1) / week_days);
                if k > 0 {
                    cur = plus_days(cur, 7 * k)?;
                    rem -= k * week_days;
                    continue;
                }
            }
            cur = next_day(cur)?;
            if !w.spans(cur).is_empty() {
                rem -= 1;
            }
        }
    }

    /// The number of working days `d` with `a < d <= b` (0 when `b <= a`), the inverse of
    /// [`Self::add_working_days`].
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let b = b.min(MAX_DATE);
        let mut cur = a.max(MIN_DATE.pred_opt().unwrap_or(NaiveDate::MIN));
        if b <= cur {
            return 0;
        }
        let inner = &*self.inner;
        let week_days = i128::from(inner.week_days);
        let mut w = Walker::new(inner, b);
        let mut count: i128 = 0;
        while cur < b {
            let Ok(start) = next_day(cur) else { break };
            if week_days > 0 {
                let days_left = b.signed_duration_since(cur).num_days();
                let k = w.ordinary_weeks(start, i128::from(days_left / 7));
                if k > 0 {
                    count += k * week_days;
                    match plus_days(cur, 7 * k) {
                        Ok(d) => cur = d,
                        Err(_) => break,
                    }
                    continue;
                }
            }
            cur = start;
            if !w.spans(cur).is_empty() {
                count += 1;
            }
        }
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The deadline of a period of `n` working days received at `t`: the close of office on
    /// the `n`-th working day after the day of `t` (with `n` = 0: the close of the day of `t`,
    /// or of the next working day). Office close rather than midnight, because the answer must
    /// be handled during office hours.
    pub fn working_days_deadline(&self, t: Instant, n: u32) -> Result<Instant, CalendarError> {
        let date = local_clamped(t)?.date;
        let mut target = self.add_working_days(date, n)?;
        let mut w = Walker::new(&self.inner, target);
        loop {
            if let Some(last) = w.spans(target).last() {
                return Ok(instant(Pos {
                    date: target,
                    ns: last.end,
                }));
            }
            target = next_day(target)?;
        }
    }
}

/// Working nanoseconds of `spans` inside `[lo, hi)`.
fn overlap(spans: &[Span], lo: i64, hi: i64) -> i128 {
    spans
        .iter()
        .map(|s| i128::from((s.end.min(hi) - s.start.max(lo)).max(0)))
        .sum()
}
