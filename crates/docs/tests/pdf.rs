//! PDFs read back with poppler: the words, the pages, the page size, the page numbers and the
//! embedded fonts are what a records clerk and a search indexer see (REP, CASE-13).

mod common;

use common::fixtures::{self, date, logbook, monthly_report, reply_letter};
use common::{Pdf, Word, squash};
use tongdai_docs::Error;
use tongdai_docs::pdf::{Column, DocumentKind, Margins, OfficialDocument, Table, TableDocument};
use unicode_normalization::UnicodeNormalization;

/// Top margin of 20 mm in points: page numbers live above it, body text below it.
const TOP_MARGIN: f32 = 20.0 * 72.0 / 25.4;
const A4_PORTRAIT: &str = "595.276 x 841.89 pts (A4)";
const A4_LANDSCAPE: &str = "841.89 x 595.276 pts (A4)";

fn words_in_top_margin(pdf: &Pdf, page: usize) -> Vec<Word> {
    pdf.words(page)
        .into_iter()
        .filter(|w| w.y_max < TOP_MARGIN)
        .collect()
}

#[test]
fn rep_reply_letter_reads_back_word_for_word() {
    let pdf = Pdf::new(&reply_letter().to_pdf().expect("letter renders"));
    assert_eq!(pdf.page_count(), 1);
    assert_eq!(pdf.page_sizes(), vec![A4_PORTRAIT]);

    let text = squash(&pdf.text());
    for expected in [
        "ỦY BAN NHÂN DÂN",
        "XÃ AN CHÂU",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "An Châu, ngày 05 tháng 02 năm 2026",
        "Số: /UBND-VP",
        "V/v Trả lời phản ánh, kiến nghị của bà",
        "Kính gửi: Bà Nguyễn Thị Hồng Nhung, ấp An Hòa, xã An Châu",
        "Ủy ban nhân dân xã An Châu nhận được phản ánh, kiến nghị của bà Nguyễn Thị Hồng \
         Nhung qua Tổng đài 1800.888.880 ngày 20/01/2026 về việc chậm cấp bản sao trích lục \
         khai sinh cho con tại Bộ phận Một cửa của xã.",
        "trân trọng cảm ơn bà đã phản ánh, kiến nghị./.",
        "Nơi nhận:",
        "- Như trên;",
        "- Chủ tịch UBND xã (để b/c);",
        "- Lưu: VT, VP.",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Trần Văn Bình",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // A letter has no kind line.
    assert!(!text.contains("CÔNG VĂN"));
    // The signer's name was typed decomposed (NFD); the PDF carries precomposed glyphs.
    let nfc: String = text.nfc().collect();
    assert_eq!(text, nfc, "extracted text is NFC");
    assert!(
        words_in_top_margin(&pdf, 1).is_empty(),
        "no page number on page 1"
    );
    let info = pdf.info(1);
    assert!(
        info.contains(
            "Title:           V/v Trả lời phản ánh, kiến nghị của bà Nguyễn Thị Hồng Nhung"
        ),
        "{info}"
    );
}

#[test]
fn rep_several_addressees_are_listed_beside_the_label() {
    let mut letter = reply_letter();
    letter.recipients = vec![
        "Sở Tư pháp tỉnh An Giang".to_owned(),
        "- Công an xã An Châu;".to_owned(),
    ];
    let pdf = Pdf::new(&letter.to_pdf().expect("letter renders"));
    let text = squash(&pdf.text());
    assert!(
        text.contains("Kính gửi: - Sở Tư pháp tỉnh An Giang; - Công an xã An Châu."),
        "{text}"
    );
    let words = pdf.words(1);
    let label = words.iter().find(|w| w.text == "gửi:").expect("label");
    let dashes: Vec<&Word> = words
        .iter()
        .filter(|w| w.text == "-" && w.x_min > label.x_max && w.y_min > label.y_min - 1.0)
        .take(2)
        .collect();
    assert_eq!(dashes.len(), 2);
    assert!(
        (dashes[0].y_max - label.y_max).abs() < 1.0,
        "first addressee on the label's line"
    );
    assert!(
        (dashes[0].x_min - dashes[1].x_min).abs() < 0.5,
        "addressees aligned"
    );
}

#[test]
fn rep_same_input_gives_the_same_bytes() {
    // No clock, no random ids: a regenerated letter is byte-identical (caching, audit hashes).
    assert_eq!(
        reply_letter().to_pdf().expect("renders"),
        reply_letter().to_pdf().expect("renders")
    );
}

#[test]
fn rep_the_number_line_sits_beside_the_date_line() {
    let pdf = Pdf::new(&reply_letter().to_pdf().expect("letter renders"));
    let words = pdf.words(1);
    let find = |text: &str| {
        words
            .iter()
            .find(|w| w.text == text)
            .unwrap_or_else(|| panic!("{text} on page 1"))
            .clone()
    };
    let number = find("Số:");
    let date = find("Châu,");
    assert!(
        (number.y_max - date.y_max).abs() < 1.5,
        "{number:?} vs {date:?}"
    );
    assert!(number.x_max < date.x_min);
    // The issuer is in the left column, the national name in the right one.
    assert!(find("ỦY").x_min < find("CỘNG").x_min);
}

#[test]
fn rep_report_runs_over_pages_numbered_from_page_two() {
    let pdf = Pdf::new(&monthly_report().to_pdf().expect("report renders"));
    let pages = pdf.page_count();
    assert_eq!(pages, 3);
    assert_eq!(pdf.page_sizes(), vec![A4_PORTRAIT; 3]);

    assert!(
        words_in_top_margin(&pdf, 1).is_empty(),
        "no page number on page 1"
    );
    for page in 2..=pages {
        let numbers = words_in_top_margin(&pdf, page);
        assert_eq!(numbers.len(), 1, "page {page}: {numbers:?}");
        let number = &numbers[0];
        assert_eq!(number.text, page.to_string());
        // Centred over the text area (left margin 30 mm, right 15 mm).
        let centre = (30.0 + (210.0 - 15.0)) / 2.0 * 72.0 / 25.4;
        let middle = (number.x_min + number.x_max) / 2.0;
        assert!(
            (middle - centre).abs() < 2.0,
            "page {page} number at {middle}"
        );
    }

    let first = squash(&pdf.page_text(1));
    for expected in [
        "UBND TỈNH AN GIANG",
        "Số: 05/BC-UBND",
        "BÁO CÁO",
        "Tình hình tiếp nhận, xử lý phản ánh, kiến nghị qua Tổng đài",
        "(1) (2) (3) (4)",
        "1 Điện thoại 280 89,74",
        "2 Cổng thông tin điện tử 24 7,69",
        "Tổng cộng 312 100,00",
    ] {
        assert!(
            first.contains(expected),
            "missing {expected:?} in:\n{first}"
        );
    }
}

#[test]
fn rep_headings_and_signature_never_stand_alone() {
    let pdf = Pdf::new(&monthly_report().to_pdf().expect("report renders"));
    let pages: Vec<String> = (1..=pdf.page_count())
        .map(|p| squash(&pdf.page_text(p)))
        .collect();
    let page_of = |needle: &str| {
        pages
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not found"))
    };
    assert_eq!(
        page_of("III. Đề xuất, kiến nghị"),
        page_of("Đề nghị Ủy ban nhân dân tỉnh")
    );
    let signature = page_of("Nguyễn Văn An");
    assert_eq!(page_of("TM. ỦY BAN NHÂN DÂN"), signature);
    assert_eq!(page_of("Nơi nhận:"), signature);
    assert_eq!(
        page_of("ghi âm của Tổng đài."),
        signature,
        "body text goes with the signature"
    );
}

#[test]
fn rep_fonts_are_embedded_as_subsets() {
    let bytes = reply_letter().to_pdf().expect("letter renders");
    let pdf = Pdf::new(&bytes);
    let fonts = pdf.fonts();
    assert!(!fonts.is_empty());
    for row in &fonts {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert!(columns[0].contains("+LiberationSerif"), "subset tag: {row}");
        // emb sub uni
        let n = columns.len();
        assert_eq!(&columns[n - 5..n - 2], &["yes", "yes", "yes"], "{row}");
    }
    // Four faces of ~380 KB each would be 1.5 MB unsubsetted.
    assert!(bytes.len() < 120_000, "letter is {} bytes", bytes.len());
}

#[test]
fn rep_letter_text_snapshot() {
    let pdf = Pdf::new(&reply_letter().to_pdf().expect("letter renders"));
    let text: String = pdf
        .text()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("reply_letter_text", text.trim_end());
}

#[test]
fn rep_report_title_and_date_follow_the_decree() {
    let mut report = monthly_report();
    report.date = date(2026, 3, 9);
    report.number = None;
    let text = squash(&Pdf::new(&report.to_pdf().expect("renders")).page_text(1));
    assert!(text.contains("An Châu, ngày 09 tháng 3 năm 2026"), "{text}");
    assert!(text.contains("Số: /BC-UBND"), "{text}");
}

#[test]
fn case13_logbook_of_300_rows_repeats_its_headings_on_every_page() {
    let pdf = Pdf::new(&logbook(300).to_pdf().expect("logbook renders"));
    let pages = pdf.page_count();
    assert!(pages >= 10, "300 rows on {pages} pages");
    assert_eq!(pdf.page_sizes(), vec![A4_LANDSCAPE; pages]);

    let mut numbers = Vec::new();
    for page in 1..=pages {
        let text = squash(&pdf.page_text(page));
        for heading in [
            "STT",
            "Thời gian",
            "Nội dung phản ánh, kiến nghị",
            "Tình trạng",
        ] {
            assert!(
                text.contains(heading),
                "page {page} lacks heading {heading:?}"
            );
        }
        let words = pdf.words(page);
        let stt = words.iter().find(|w| w.text == "STT").expect("STT heading");
        let column_end = words
            .iter()
            .find(|w| w.text == "Thời")
            .expect("second heading")
            .x_min;
        numbers.extend(
            words
                .iter()
                .filter(|w| w.y_min > stt.y_max && w.x_max < column_end)
                .filter_map(|w| w.text.parse::<usize>().ok()),
        );
    }
    assert_eq!(
        numbers,
        (1..=300).collect::<Vec<_>>(),
        "every row once, in order"
    );
    let text = squash(&pdf.text());
    assert!(text.contains("SỔ THEO DÕI TIẾP NHẬN PHẢN ÁNH, KIẾN NGHỊ QUA TỔNG ĐÀI"));
    assert!(text.contains("(Từ ngày 01/01/2026 đến ngày 31/01/2026)"));
    assert!(text.contains("Lê Thị Ánh Tuyết"));
    assert!(text.contains("Công ty TNHH"));
}

#[test]
fn case13_a_row_taller_than_a_page_is_split_across_pages() {
    let long: Vec<String> = (1..=1500).map(|i| format!("đoạn{i}")).collect();
    let table = Table::new(
        vec![Column::new("STT", 1.0), Column::new("Nội dung", 6.0)],
        vec![
            vec![1.into(), long.join(" ").into()],
            vec![2.into(), "Dòng sau".into()],
        ],
    );
    let pdf = Pdf::new(
        &TableDocument::new("Phụ lục", table)
            .to_pdf()
            .expect("renders"),
    );
    assert!(pdf.page_count() >= 3);
    let tokens: Vec<String> = squash(&pdf.text())
        .split(' ')
        .filter(|t| t.starts_with("đoạn"))
        .map(str::to_owned)
        .collect();
    assert_eq!(tokens, long, "every word once, in order");
    for page in 2..=pdf.page_count() {
        assert!(
            pdf.page_text(page).contains("Nội dung"),
            "headings on page {page}"
        );
    }
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let table = |columns: Vec<Column>, rows| TableDocument::new("T", Table::new(columns, rows));
    assert!(matches!(
        table(vec![], vec![]).to_pdf(),
        Err(Error::NoColumns)
    ));
    assert!(matches!(
        table(vec![Column::new("A", f32::NAN)], vec![]).to_pdf(),
        Err(Error::ColumnWidth { column: 0, .. })
    ));
    assert!(matches!(
        table(vec![Column::new("A", 1.0)], vec![vec![1.into(), 2.into()]]).to_pdf(),
        Err(Error::RowLength {
            row: 0,
            expected: 1,
            found: 2
        })
    ));
    let mut letter = reply_letter();
    letter.margins = Margins {
        left: 150.0,
        ..Margins::default()
    };
    assert!(matches!(letter.to_pdf(), Err(Error::Margins { .. })));
    let mut letter = reply_letter();
    letter
        .body
        .push(tongdai_docs::pdf::Block::Table(Table::default()));
    assert!(matches!(letter.to_pdf(), Err(Error::NoColumns)));
}

#[test]
fn an_empty_document_still_renders() {
    let pdf = Pdf::new(
        &OfficialDocument::new("", DocumentKind::Report, "", date(2026, 1, 1))
            .to_pdf()
            .expect("renders"),
    );
    assert_eq!(pdf.page_count(), 1);
    let table = TableDocument::new("", Table::new(vec![Column::new("", 1.0)], vec![]));
    assert_eq!(Pdf::new(&table.to_pdf().expect("renders")).page_count(), 1);
    let _ = fixtures::LOGBOOK_HEADERS;
}
