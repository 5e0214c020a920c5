//! PDF documents in the layout of NĐ 30/2020/NĐ-CP Appendix I.
//!
//! Two kinds: [`OfficialDocument`] (a letter or a report with the national header, signature
//! block and distribution list) and [`TableDocument`] (a title block and a long table, for the
//! logbook and report annexes). Both render to `Vec<u8>` with `to_pdf()`.
//!
//! Layout runs in two passes: text is shaped and broken into lines with the real font metrics,
//! placed on pages as drawing operations, then drawn with krilla, which embeds a subset of the
//! font (only the glyphs used), so a one-page letter stays small.

mod flow;
mod font;
mod lines;
mod official;
mod render;
mod table;
mod table_document;

pub use official::{Authority, Block, DocumentKind, OfficialDocument, Signature};
pub use table::{Column, Table};
pub use table_document::TableDocument;

/// Horizontal alignment of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
    /// Both edges flush, the last line of a paragraph flush left.
    Justify,
}

/// Page orientation of an A4 sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// 210 × 297 mm.
    #[default]
    Portrait,
    /// 297 × 210 mm, for wide tables.
    Landscape,
}

/// Page margins in millimetres.
///
/// The default is the tight end of NĐ 30/2020's ranges (top and bottom 20–25 mm, left
/// 30–35 mm, right 15–20 mm), which leaves the most room while staying inside them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Top margin; the page number is centred in it.
    pub top: f32,
    /// Bottom margin.
    pub bottom: f32,
    /// Left margin (the binding side).
    pub left: f32,
    /// Right margin.
    pub right: f32,
}

impl Default for Margins {
    fn default() -> Self {
        Margins {
            top: 20.0,
            bottom: 20.0,
            left: 30.0,
            right: 15.0,
        }
    }
}

/// Body text size: NĐ 30/2020 allows 13 or 14 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodySize {
    /// 13 pt.
    Pt13,
    /// 14 pt.
    #[default]
    Pt14,
}

impl BodySize {
    pub(crate) fn points(self) -> f32 {
        match self {
            BodySize::Pt13 => 13.0,
            BodySize::Pt14 => 14.0,
        }
    }
}
