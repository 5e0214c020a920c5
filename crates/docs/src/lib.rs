//! Documents as files: tongdai's letters, reports and registers as PDF, XLSX and CSV.
//!
//! The crate is pure — data in, bytes out — so the web server, the report jobs and the CLI
//! can all call it without a database or a clock:
//!
//! - [`pdf::OfficialDocument`]: a reply letter (*công văn*) or a report (*báo cáo*) in the
//!   layout of NĐ 30/2020/NĐ-CP Appendix I (REP, CASE-13, §2.1 reply letter);
//! - [`pdf::TableDocument`]: a title block and a long table (the *sổ theo dõi* logbook, report
//!   annexes), portrait or landscape, header repeated on every page;
//! - [`xlsx::write_table`] / [`xlsx::write_workbook`]: typed cells, frozen header, dd/mm/yyyy;
//! - [`csv::write_table`]: UTF-8 with BOM, RFC 4180, safe against formula injection.
//!
//! The PDF text is set in Liberation Serif 2.1.5 (metric-compatible with Times New Roman, full
//! Vietnamese coverage, SIL OFL 1.1: `fonts/OFL.txt`), embedded and subsetted. All text is
//! NFC-normalised first, so decomposed input (macOS, some keyboards) lands on the font's
//! precomposed glyphs.
//!
//! ```
//! use chrono::NaiveDate;
//! use tongdai_docs::pdf::{Authority, Block, DocumentKind, OfficialDocument, Signature};
//! use tongdai_docs::{Cell, csv, xlsx};
//!
//! let date = NaiveDate::from_ymd_opt(2026, 2, 5).unwrap();
//! let letter = OfficialDocument {
//!     symbol: "UBND-VP".into(), // number left to the records clerk: "Số:       /UBND-VP"
//!     place: "An Châu".into(),
//!     recipients: vec!["Bà Nguyễn Thị Hồng Nhung".into()],
//!     body: vec![Block::Paragraph("Ủy ban nhân dân xã An Châu trả lời như sau: …".into())],
//!     signature: Signature {
//!         authority: vec![Authority::OnBehalfOf("Ủy ban nhân dân".into())],
//!         title: "Chủ tịch".into(),
//!         name: "Nguyễn Văn An".into(),
//!     },
//!     distribution: vec!["Như trên".into(), "Lưu: VT".into()],
//!     ..OfficialDocument::new(
//!         "Ủy ban nhân dân xã An Châu",
//!         DocumentKind::Letter,
//!         "Trả lời phản ánh, kiến nghị của bà Nguyễn Thị Hồng Nhung",
//!         date,
//!     )
//! };
//! let pdf: Vec<u8> = letter.to_pdf()?;
//! assert!(pdf.starts_with(b"%PDF-"));
//!
//! let rows = vec![vec![Cell::Integer(1), Cell::Date(date), Cell::text("=1+1")]];
//! let workbook: Vec<u8> = xlsx::write_table("Sổ theo dõi", &["STT", "Ngày", "Nội dung"], &rows)?;
//! let table: Vec<u8> = csv::write_table(&["STT", "Ngày", "Nội dung"], &rows)?;
//! assert!(table.ends_with(b"'=1+1\r\n")); // formula neutralised
//! # let _ = workbook;
//! # Ok::<(), tongdai_docs::Error>(())
//! ```

pub mod csv;
pub mod pdf;
pub mod xlsx;

mod cell;
mod convention;
mod error;
mod text;

pub use cell::{Cell, Sheet};
pub use convention::{
    date_line, format_date, format_datetime, format_decimal, format_integer, number_line,
};
pub use error::Error;
