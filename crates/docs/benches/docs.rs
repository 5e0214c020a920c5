//! Render times and file sizes (REP, CASE-13):
//!
//!     cargo bench -p tongdai-docs --bench docs
//!
//! Prints, for each document, the median wall time of several runs and the output size.

#[path = "../tests/common/fixtures.rs"]
mod fixtures;

use std::hint::black_box;
use std::time::{Duration, Instant};

use fixtures::{LOGBOOK_HEADERS, logbook, logbook_rows, monthly_report, reply_letter};
use tongdai_docs::{csv, xlsx};

/// Runs `f` `runs` times (after one warm-up) and returns the median time and the last size.
fn measure(runs: usize, mut f: impl FnMut() -> Vec<u8>) -> (Duration, usize) {
    let mut size = black_box(f()).len();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let bytes = black_box(f());
        times.push(start.elapsed());
        size = bytes.len();
    }
    times.sort();
    (times[times.len() / 2], size)
}

fn report(name: &str, (time, size): (Duration, usize)) {
    println!(
        "{name:<36} {:>10.1} ms {:>12} bytes ({:.1} KiB)",
        time.as_secs_f64() * 1e3,
        size,
        size as f64 / 1024.0
    );
}

/// Page count from poppler's `pdfinfo`, when it is installed.
fn page_count(pdf: &[u8]) -> Option<usize> {
    let path = std::env::temp_dir().join(format!("tongdai-docs-bench-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).ok()?;
    let output = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .ok();
    let _ = std::fs::remove_file(&path);
    String::from_utf8(output?.stdout)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))?
        .trim()
        .parse()
        .ok()
}

fn main() {
    let letter = reply_letter();
    let report_doc = monthly_report();
    let book = logbook(10_000);
    let rows = logbook_rows(10_000);

    println!("tongdai-docs render benchmark (median of runs, release build)");
    report(
        "letter, 1 page (PDF)",
        measure(50, || letter.to_pdf().expect("pdf")),
    );
    report(
        "report, 3 pages (PDF)",
        measure(20, || report_doc.to_pdf().expect("pdf")),
    );
    report(
        "logbook, 10,000 rows (PDF)",
        measure(5, || book.to_pdf().expect("pdf")),
    );
    if let Some(pages) = page_count(&book.to_pdf().expect("pdf")) {
        println!("  logbook pages (pdfinfo): {pages}");
    }
    report(
        "logbook, 10,000 rows (XLSX)",
        measure(5, || {
            xlsx::write_table("Sổ theo dõi", &LOGBOOK_HEADERS, &rows).expect("xlsx")
        }),
    );
    report(
        "logbook, 10,000 rows (CSV)",
        measure(10, || {
            csv::write_table(&LOGBOOK_HEADERS, &rows).expect("csv")
        }),
    );
}
