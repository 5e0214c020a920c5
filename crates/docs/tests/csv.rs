//! CSV read back with the `csv` crate: BOM, RFC 4180 quoting, formula-injection guard (SEC).

mod common;

use common::fixtures::{LOGBOOK_HEADERS, at, date, logbook_rows};
use proptest::prelude::*;
use tongdai_docs::Cell;
use tongdai_docs::csv::{BOM, write_table};
use unicode_normalization::UnicodeNormalization;

fn read(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(BOM).expect("UTF-8 BOM first");
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn rep_logbook_round_trips_with_bom_and_crlf() {
    let rows = logbook_rows(20);
    let bytes = write_table(&LOGBOOK_HEADERS, &rows).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
    let records = read(&bytes);
    assert_eq!(records.len(), 21);
    assert_eq!(records[0], LOGBOOK_HEADERS);
    assert_eq!(records[1][0], "1");
    assert_eq!(records[1][1], "2026-01-01 07:00:00");
    assert_eq!(records[1][2], "Nguyễn Thị Hồng Nhung");
    assert_eq!(records[1][7], "");
    // The content with a comma survives quoting.
    assert_eq!(
        records[4][5],
        "Phản ánh tình trạng xả thải của cơ sở chăn nuôi heo gần khu dân cư, gây ô nhiễm \
         nguồn nước và không khí; đề nghị kiểm tra, xử lý dứt điểm."
    );
}

#[test]
fn sec_formula_injection_is_neutralised_but_numbers_are_not() {
    let rows = vec![vec![
        Cell::text("=HYPERLINK(\"http://evil\",\"bấm\")"),
        Cell::text("+84912345678"),
        Cell::text("-2+3"),
        Cell::text("@SUM(A1:A9)"),
        Cell::text("  =1+1"),
        Cell::text("Ghi chú \"trích dẫn\", có dấu phẩy\nvà xuống dòng"),
        Cell::Integer(-5),
        Cell::decimal(-2.5, 2),
        Cell::Date(date(2026, 2, 5)),
        Cell::DateTime(at(2026, 2, 5, 14, 30)),
    ]];
    let bytes = write_table(&["a"; 10], &rows).expect("csv");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(text.contains("\"Ghi chú \"\"trích dẫn\"\", có dấu phẩy\nvà xuống dòng\""));
    let records = read(&bytes);
    assert_eq!(
        records[1],
        vec![
            "'=HYPERLINK(\"http://evil\",\"bấm\")",
            "'+84912345678",
            "'-2+3",
            "'@SUM(A1:A9)",
            "'  =1+1",
            "Ghi chú \"trích dẫn\", có dấu phẩy\nvà xuống dòng",
            "-5",
            "-2.50",
            "2026-02-05",
            "2026-02-05 14:30:00",
        ]
    );
}

proptest! {
    /// Any text a citizen types comes back as typed (NFC, line ends as `\n`), or with one
    /// leading `'` when a spreadsheet would take it for a formula.
    #[test]
    fn sec_any_text_round_trips(cells in proptest::collection::vec("[^\\p{Cc}]{0,40}|\\PC{0,10}\r?\n\\PC{0,10}", 1..6)) {
        let row: Vec<Cell> = cells.iter().map(|c| Cell::text(c.as_str())).collect();
        let records = read(&write_table(&["x"], &[row]).expect("csv"));
        prop_assert_eq!(records.len(), 2);
        for (typed, got) in cells.iter().zip(&records[1]) {
            let expected: String = typed
                .replace("\r\n", "\n")
                .replace(['\u{2028}', '\u{2029}'], "\n")
                .nfc()
                .collect();
            let trigger = expected
                .trim_start()
                .starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']);
            if trigger {
                prop_assert_eq!(got, &format!("'{expected}"));
            } else {
                prop_assert_eq!(got, &expected);
            }
        }
    }
}
