//! Drawing laid-out pages with krilla.

use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::{Document, SerializeSettings};

use super::Align;
use super::flow::{Frame, Op, TextStyle, text_items};
use super::font::{Style, face};
use super::lines::TextBlock;
use crate::Error;

/// Page numbers as NĐ 30/2020 wants them: centred in the top margin, from page 2 on.
fn page_number_ops(frame: &Frame, page: usize, size: f32) -> Vec<Op> {
    let style = TextStyle::new(Style::Regular, size, 1.0);
    let block = TextBlock::new(
        Style::Regular,
        size,
        &(page + 1).to_string(),
        frame.width,
        0.0,
    );
    let items = text_items(
        &block,
        style,
        frame.left,
        frame.text_width(),
        Align::Center,
        0.0,
    );
    // The line box is centred vertically in the top margin.
    let top = (frame.top - style.line_height()) / 2.0;
    items
        .into_iter()
        .flat_map(|item| item.ops)
        .map(|op| match op {
            Op::Text {
                x,
                baseline,
                size,
                style,
                run,
            } => Op::Text {
                x,
                baseline: baseline + top,
                size,
                style,
                run,
            },
            rule => rule,
        })
        .collect()
}

/// Writes the pages as a PDF. `page_number_size` is the size of the page numbers.
pub(crate) fn render(
    frame: &Frame,
    pages: Vec<Vec<Op>>,
    title: &str,
    page_number_size: f32,
) -> Result<Vec<u8>, Error> {
    let mut document = Document::new_with(SerializeSettings::default());
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("vi".to_owned())
            .creator("tongdai".to_owned())
            .producer("tongdai-docs (krilla)".to_owned()),
    );
    let settings = PageSettings::from_wh(frame.width, frame.height)
        .ok_or_else(|| Error::Pdf("invalid page size".to_owned()))?;
    for (index, ops) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let numbers = if index > 0 {
            page_number_ops(frame, index, page_number_size)
        } else {
            Vec::new()
        };
        for op in ops.into_iter().chain(numbers) {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    style,
                    run,
                } => {
                    if run.glyphs.is_empty() {
                        continue;
                    }
                    surface.draw_glyphs(
                        Point::from_xy(x, baseline),
                        &run.glyphs,
                        face(style).pdf.clone(),
                        &run.text,
                        size,
                        false,
                    );
                }
                Op::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(x1, y1);
                    path.line_to(x2, y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| Error::Pdf(e.to_string()))
}
