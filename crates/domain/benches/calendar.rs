//! Throughput of the working calendar (CASE-6, ADM-4): working-hour additions, working time
//! between instants, working-day counting and lunar conversions, from random instants across
//! 2024–2030 on the default Vietnamese calendar. Prints operations per second.
//!
//! Run: `cargo bench -p tongdai-domain --bench calendar`

// A benchmark measures elapsed time: the only place in the domain crate that reads a clock.
#![allow(clippy::disallowed_methods)]

use chrono::{NaiveDate, TimeDelta};
use std::hint::black_box;
use std::time::{Duration, Instant as Clock};
use tongdai_domain::Instant;
use tongdai_domain::calendar::{WorkingCalendar, lunar};
use tongdai_domain::time::from_vietnam;

/// xorshift64*: reproducible pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn instants(rng: &mut Rng, n: usize) -> Vec<Instant> {
    let start = from_vietnam(
        NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let span = 7 * 365 * 86_400;
    (0..n)
        .map(|_| start + TimeDelta::seconds(rng.below(span) as i64))
        .collect()
}

/// Runs `f` over the inputs repeatedly for about `budget`, returns operations per second.
fn measure<T>(inputs: &[T], budget: Duration, mut f: impl FnMut(&T)) -> f64 {
    let started = Clock::now();
    let mut ops = 0u64;
    while started.elapsed() < budget {
        for x in inputs {
            f(x);
        }
        ops += inputs.len() as u64;
    }
    ops as f64 / started.elapsed().as_secs_f64()
}

fn report(name: &str, per_sec: f64) {
    println!(
        "{name:<48} {:>12.0} /s  {:>9.0} ns/op",
        per_sec,
        1e9 / per_sec
    );
}

fn main() {
    let budget = Duration::from_millis(1500);
    let mut rng = Rng(0x7d0_c0ffee);
    let starts = instants(&mut rng, 10_000);
    let pairs: Vec<(Instant, Instant)> = starts
        .iter()
        .map(|a| (*a, *a + TimeDelta::seconds(rng.below(30 * 86_400) as i64)))
        .collect();

    // Cold start: a new calendar and the tables of 2024–2030 (built once, then cached).
    let cold = Clock::now();
    let cal = WorkingCalendar::default();
    for t in &starts[..100] {
        black_box(cal.add_working(*t, TimeDelta::hours(8)));
    }
    let cold = cold.elapsed();
    let build = Clock::now();
    let fresh = WorkingCalendar::default();
    black_box(fresh.holidays(2026).unwrap());
    let one_year = build.elapsed();

    println!("tongdai working calendar benchmark (release; 10 000 random starts in 2024–2030)");
    println!(
        "{:<48} {:>12.1} ms",
        "new calendar + first 100 additions (cold)",
        cold.as_secs_f64() * 1e3
    );
    println!(
        "{:<48} {:>12.1} µs",
        "new calendar + one year's table",
        one_year.as_secs_f64() * 1e6
    );
    let h8 = TimeDelta::hours(8);
    let h48 = TimeDelta::hours(48);
    report(
        "add_working 8 h",
        measure(&starts, budget, |t| {
            black_box(cal.add_working(black_box(*t), h8));
        }),
    );
    report(
        "add_working 48 h",
        measure(&starts, budget, |t| {
            black_box(cal.add_working(black_box(*t), h48));
        }),
    );
    report(
        "add_working 2000 h (skips whole weeks)",
        measure(&starts, budget, |t| {
            black_box(cal.add_working(black_box(*t), TimeDelta::hours(2000)));
        }),
    );
    report(
        "working_between (0–30 days apart)",
        measure(&pairs, budget, |(a, b)| {
            black_box(cal.working_between(black_box(*a), black_box(*b)));
        }),
    );
    report(
        "is_working_time",
        measure(&starts, budget, |t| {
            black_box(cal.is_working_time(black_box(*t)));
        }),
    );
    let dates: Vec<NaiveDate> = starts.iter().map(|t| t.date_naive()).collect();
    report(
        "add_working_days 5",
        measure(&dates, budget, |d| {
            black_box(cal.add_working_days(black_box(*d), 5).unwrap());
        }),
    );
    report(
        "lunar::solar_to_lunar",
        measure(&dates, budget, |d| {
            black_box(lunar::solar_to_lunar(black_box(*d)));
        }),
    );
    report(
        "lunar::tet (lunar 1/1 → solar)",
        measure(&(1900..2200).collect::<Vec<i32>>(), budget, |y| {
            black_box(lunar::tet(black_box(*y)).unwrap());
        }),
    );
}
