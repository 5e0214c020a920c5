//! XLSX read back with calamine (cell values, types, dates) and with the zip reader (frozen
//! header, formats), as Excel and LibreOffice would open them (REP, CASE-13).

mod common;

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::fixtures::{LOGBOOK_HEADERS, at, date, logbook_row, logbook_rows};
use tongdai_docs::{Cell, Error, Sheet, xlsx};

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a valid XLSX")
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut file = archive.by_name(name).expect("part present");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

fn string(data: &Data) -> &str {
    match data {
        Data::String(s) => s,
        other => panic!("expected a string, got {other:?}"),
    }
}

#[test]
fn rep_logbook_reads_back_with_types_and_dates() {
    let rows = logbook_rows(50);
    let bytes =
        xlsx::write_table("Sổ theo dõi tháng 01/2026", &LOGBOOK_HEADERS, &rows).expect("workbook");
    let mut workbook = open(bytes.clone());
    // `/` is not allowed in a tab name.
    assert_eq!(workbook.sheet_names(), vec!["Sổ theo dõi tháng 01 2026"]);
    let range = workbook
        .worksheet_range("Sổ theo dõi tháng 01 2026")
        .expect("sheet");
    assert_eq!(range.start(), Some((0, 0)));
    assert_eq!(range.height(), 2 + 50);
    assert_eq!(string(&range[(0, 0)]), "Sổ theo dõi tháng 01/2026");
    for (col, header) in LOGBOOK_HEADERS.iter().enumerate() {
        assert_eq!(string(&range[(1, col)]), *header);
    }
    for (i, expected) in rows.iter().enumerate() {
        let row = 2 + i;
        for (col, cell) in expected.iter().enumerate() {
            let got = &range[(row, col)];
            match cell {
                Cell::Integer(n) => assert_eq!(got, &Data::Float(*n as f64), "({row},{col})"),
                Cell::Text(t) => assert_eq!(string(got), t, "({row},{col})"),
                Cell::DateTime(when) => {
                    let Data::DateTime(excel) = got else {
                        panic!("({row},{col}) is {got:?}, not a date")
                    };
                    assert_eq!(excel.as_datetime(), Some(*when), "({row},{col})");
                }
                Cell::Empty => assert_eq!(got, &Data::Empty, "({row},{col})"),
                other => panic!("fixture has no {other:?}"),
            }
        }
    }
    // The first data row is 1 January 2026, 07:00.
    assert!(
        matches!(&range[(2, 1)], Data::DateTime(d) if d.as_datetime() == Some(at(2026, 1, 1, 7, 0)))
    );

    // The header is frozen below the title and heading rows, and the headings are bold.
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"ySplit="2""#), "{sheet}");
    assert!(sheet.contains(r#"state="frozen""#));
    assert!(sheet.contains("<autoFilter"));
    let styles = part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains(r#"formatCode="dd/mm/yyyy hh:mm""#),
        "{styles}"
    );
    assert!(styles.contains("<b/>"));
}

#[test]
fn rep_every_cell_type_round_trips() {
    let rows = vec![
        vec![
            Cell::Date(date(2026, 2, 5)),
            Cell::decimal(95.456, 1),
            Cell::Integer(-12),
            Cell::text("=1+1"),
            Cell::Empty,
        ],
        vec![
            Cell::Date(date(1800, 1, 1)),
            Cell::decimal(f64::NAN, 2),
            Cell::Integer(i64::MAX),
            Cell::text("dòng 1\ndòng 2"),
            Cell::text("Nguye\u{302}\u{303}n"),
        ],
    ];
    let headers = ["Ngày", "Tỷ lệ", "Số", "Văn bản", "Tên"];
    let bytes = xlsx::write_table("", &headers, &rows).expect("workbook");
    let mut workbook = open(bytes.clone());
    let name = workbook.sheet_names()[0].clone();
    assert_eq!(name, "Trang 1");
    let range = workbook.worksheet_range(&name).expect("sheet");
    // No title: headings in row 1, data from row 2.
    assert_eq!(string(&range[(0, 0)]), "Ngày");
    let Data::DateTime(d) = &range[(1, 0)] else {
        panic!("date cell")
    };
    assert_eq!(d.as_datetime().map(|t| t.date()), Some(date(2026, 2, 5)));
    assert_eq!(range[(1, 1)], Data::Float(95.456));
    assert_eq!(range[(1, 2)], Data::Float(-12.0));
    // Text stays text in XLSX: a string cell is never evaluated.
    assert_eq!(string(&range[(1, 3)]), "=1+1");
    // Excel's calendar starts in 1900: older dates are text.
    assert_eq!(string(&range[(2, 0)]), "01/01/1800");
    assert_eq!(range[(2, 1)], Data::Empty);
    // Beyond 2^53 a double would lose digits.
    assert_eq!(string(&range[(2, 2)]), i64::MAX.to_string());
    assert_eq!(string(&range[(2, 3)]), "dòng 1\ndòng 2");
    assert_eq!(string(&range[(2, 4)]), "Nguyễn");
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"ySplit="1""#));
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="dd/mm/yyyy""#));
    assert!(styles.contains(r##"formatCode="#,##0.0""##));
}

#[test]
fn rep_several_sheets_get_unique_valid_names() {
    let january = logbook_rows(3);
    let february: Vec<Vec<Cell>> = (3..5).map(logbook_row).collect();
    let sheets = [
        Sheet {
            name: "Tháng 01/2026",
            title: "Sổ theo dõi tháng 01/2026",
            headers: &LOGBOOK_HEADERS,
            rows: &january,
        },
        Sheet {
            name: "tháng 01/2026",
            title: "Sổ theo dõi tháng 02/2026",
            headers: &LOGBOOK_HEADERS,
            rows: &february,
        },
    ];
    let mut workbook = open(xlsx::write_workbook(&sheets).expect("workbook"));
    let names = workbook.sheet_names();
    assert_eq!(names, vec!["Tháng 01 2026", "tháng 01 2026 (2)"]);
    let second = workbook.worksheet_range(&names[1]).expect("sheet");
    assert_eq!(second.height(), 2 + 2);
    assert_eq!(second[(2, 0)], Data::Float(4.0));
}

#[test]
fn too_wide_a_sheet_is_an_error() {
    let headers: Vec<&str> = vec!["x"; 16_385];
    assert!(matches!(
        xlsx::write_table("Rộng", &headers, &[]),
        Err(Error::SheetTooLarge {
            columns: 16_385,
            ..
        })
    ));
}
