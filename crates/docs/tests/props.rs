//! No panic on arbitrary Unicode in any field: citizen-typed text reaches every document.

mod common;

use common::fixtures::{date, logbook, reply_letter};
use proptest::prelude::*;
use tongdai_docs::pdf::{Authority, Block, Column, DocumentKind, Signature, Table};
use tongdai_docs::{Cell, Sheet, csv, xlsx};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,300}",
        // Long words, combining marks without a base, bidi and zero-width characters.
        "[a-zđ\u{0300}-\u{0323}\u{200B}-\u{200F}\u{202A}-\u{202E} ]{0,200}",
        "[ạ-ỹ\u{4E00}-\u{4E20}\u{1F600}-\u{1F610}\u{0627}-\u{064A}]{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn rep_any_text_in_a_letter_renders(
        fields in proptest::collection::vec(text(), 12),
        number in proptest::option::of(any::<u32>()),
        year in 1i32..=9999,
    ) {
        let mut letter = reply_letter();
        letter.parent_body = Some(fields[0].clone());
        letter.issuing_body = fields[1].clone();
        letter.number = number;
        letter.symbol = fields[2].clone();
        letter.place = fields[3].clone();
        letter.date = date(year, 12, 31);
        letter.kind = DocumentKind::Other(fields[4].clone());
        letter.summary = fields[5].clone();
        letter.recipients = vec![fields[6].clone(), fields[7].clone()];
        letter.body = vec![
            Block::Heading(fields[8].clone()),
            Block::Paragraph(fields[9].clone()),
            Block::Table(Table::new(
                vec![Column::new(fields[10].clone(), 1.0), Column::new("x", 3.0)],
                vec![vec![fields[11].clone().into(), Cell::decimal(f64::NAN, 3)]],
            )),
        ];
        letter.signature = Signature {
            authority: vec![Authority::Authorised(fields[0].clone())],
            title: fields[1].clone(),
            name: fields[2].clone(),
        };
        letter.distribution = fields.clone();
        let pdf = letter.to_pdf().expect("renders");
        prop_assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn case13_any_text_in_a_register_renders_and_exports(
        cells in proptest::collection::vec(text(), 9),
        widths in proptest::collection::vec(prop_oneof![0.0001f32..100.0, Just(f32::MAX), Just(f32::MIN_POSITIVE)], 9),
        title in text(),
    ) {
        let mut document = logbook(3);
        for (column, width) in document.table.columns.iter_mut().zip(widths) {
            column.width = width;
        }
        document.title = title.clone();
        document.subtitle = vec![cells[0].clone()];
        document.issuing_body = Some(cells[1].clone());
        let row: Vec<Cell> = cells.iter().cloned().map(Cell::from).collect();
        document.table.rows.push(row.clone());
        document.table.totals = Some(row.clone());
        document.font_size = f32::NAN;
        prop_assert!(document.to_pdf().expect("renders").starts_with(b"%PDF-"));

        let headers: Vec<&str> = cells.iter().map(String::as_str).collect();
        let rows = vec![row];
        let sheets = [
            Sheet { name: &title, title: &title, headers: &headers, rows: &rows },
            Sheet { name: &title, title: "", headers: &headers, rows: &rows },
        ];
        prop_assert!(xlsx::write_workbook(&sheets).expect("xlsx").starts_with(b"PK"));
        prop_assert!(csv::write_table(&headers, &rows).expect("csv").starts_with(csv::BOM));
    }
}
