//! A title block and a long table: the *sổ theo dõi* logbook, report annexes (*phụ lục*).

use super::flow::{Flow, Frame, Item, Op, TextStyle, mm, text_items};
use super::font::Style;
use super::lines::TextBlock;
use super::render::render;
use super::table::{Table, place_table};
use super::{Align, Margins, Orientation};
use crate::Error;
use crate::text::{body_name, clean_line, upper, upper_lines};

/// A document that is mostly one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDocument {
    /// Portrait or landscape A4.
    pub orientation: Orientation,
    /// Page margins.
    pub margins: Margins,
    /// Parent body printed top left above the issuer (capitals, not bold).
    pub parent_body: Option<String>,
    /// Issuer printed top left (bold capitals, short rule beneath).
    pub issuing_body: Option<String>,
    /// Title, centred in bold capitals: `SỔ THEO DÕI TIẾP NHẬN PHẢN ÁNH, KIẾN NGHỊ`.
    pub title: String,
    /// Lines under the title, centred in italics: `(Từ ngày 01/02/2026 đến ngày 28/02/2026)`.
    pub subtitle: Vec<String>,
    /// The table.
    pub table: Table,
    /// Size of the table text in points, clamped to 6–14.
    pub font_size: f32,
}

impl TableDocument {
    /// A landscape document with 11 pt table text.
    pub fn new(title: impl Into<String>, table: Table) -> Self {
        TableDocument {
            orientation: Orientation::Landscape,
            margins: Margins::default(),
            parent_body: None,
            issuing_body: None,
            title: title.into(),
            subtitle: Vec::new(),
            table,
            font_size: 11.0,
        }
    }

    /// Renders the PDF.
    pub fn to_pdf(&self) -> Result<Vec<u8>, Error> {
        self.table.validate()?;
        let frame = Frame::new(self.orientation, self.margins)?;
        let mut flow = Flow::new(frame);
        let (x, width) = (frame.left, frame.text_width());
        let size = if self.font_size.is_finite() {
            self.font_size.clamp(6.0, 14.0)
        } else {
            11.0
        };

        if let Some(issuer) = self
            .issuing_body
            .as_deref()
            .filter(|i| !i.trim().is_empty())
        {
            let column = (width * 0.4).min(mm(90.0));
            let mut items = Vec::new();
            if let Some(parent) = self.parent_body.as_deref().filter(|p| !p.trim().is_empty()) {
                let parent =
                    TextBlock::balanced(Style::Regular, 13.0, &upper_lines(parent), column);
                items.extend(text_items(
                    &parent,
                    TextStyle::new(Style::Regular, 13.0, 1.1),
                    x,
                    column,
                    Align::Center,
                    0.0,
                ));
            }
            let block = TextBlock::balanced(Style::Bold, 13.0, &body_name(issuer), column);
            let rule = block.max_width() * 0.4;
            items.extend(text_items(
                &block,
                TextStyle::new(Style::Bold, 13.0, 1.1),
                x,
                column,
                Align::Center,
                0.0,
            ));
            let centre = x + column / 2.0;
            items.push(Item {
                height: 8.0,
                ops: vec![Op::Rule {
                    x1: centre - rule / 2.0,
                    y1: 2.5,
                    x2: centre + rule / 2.0,
                    y2: 2.5,
                    width: 0.6,
                }],
                gap: false,
            });
            flow.place(items, false);
        }

        let title = upper(&self.title);
        if !title.trim().is_empty() {
            flow.space(6.0);
            flow.place(lines(Style::Bold, 14.0, &title, x, width), false);
        }
        for line in &self.subtitle {
            let line = clean_line(line);
            if !line.trim().is_empty() {
                flow.place(lines(Style::Italic, 13.0, &line, x, width), false);
            }
        }
        flow.space(10.0);
        place_table(&mut flow, &self.table, x, width, size)?;

        let title = clean_line(&self.title);
        render(&frame, flow.pages, &title, 13.0)
    }
}

fn lines(style: Style, size: f32, text: &str, x: f32, width: f32) -> Vec<Item> {
    let block = TextBlock::new(style, size, text, width, 0.0);
    text_items(
        &block,
        TextStyle::new(style, size, 1.15),
        x,
        width,
        Align::Center,
        0.0,
    )
}
