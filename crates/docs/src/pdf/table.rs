//! Tables over many pages: headings repeated on every page, wrapped cells, rows taller than a
//! page split between pages, an optional totals row.

use super::Align;
use super::flow::{Flow, Op, TextStyle, text_items};
use super::font::Style;
use super::lines::TextBlock;
use crate::text::clean;
use crate::{Cell, Error};

/// Padding inside a cell, in points.
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.0;
/// Line height of table text, as a multiple of the font size.
const LEADING: f32 = 1.15;
const BORDER: f32 = 0.5;

/// A column: its heading, its share of the table's width and how its cells are aligned.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Heading, printed bold and centred.
    pub title: String,
    /// Share of the table width; shares are relative (`[1, 2, 1]` = `[0.25, 0.5, 0.25]`).
    pub width: f32,
    /// Alignment of the cells; `None` right-aligns numbers, centres dates, left-aligns text.
    pub align: Option<Align>,
}

impl Column {
    /// A column with automatic alignment.
    pub fn new(title: impl Into<String>, width: f32) -> Self {
        Column {
            title: title.into(),
            width,
            align: None,
        }
    }

    /// The same column with fixed alignment.
    pub fn align(mut self, align: Align) -> Self {
        self.align = Some(align);
        self
    }
}

/// A table for [`super::TableDocument`] or inside an [`super::OfficialDocument`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Columns, at least one.
    pub columns: Vec<Column>,
    /// Rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// A last row in bold ("Tổng cộng"), one cell per column.
    pub totals: Option<Vec<Cell>>,
    /// A row "(1) (2) (3) …" under the headings, as Vietnamese report tables have, so the text
    /// can refer to columns by number.
    pub column_numbers: bool,
}

impl Table {
    /// A table with these columns and rows.
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> Self {
        Table {
            columns,
            rows,
            totals: None,
            column_numbers: false,
        }
    }

    /// Checks the shape: columns present, widths positive, one cell per column in every row.
    pub fn validate(&self) -> Result<(), Error> {
        if self.columns.is_empty() {
            return Err(Error::NoColumns);
        }
        for (column, c) in self.columns.iter().enumerate() {
            if !(c.width.is_finite() && c.width > 0.0) {
                return Err(Error::ColumnWidth {
                    column,
                    width: c.width,
                });
            }
        }
        let expected = self.columns.len();
        for (row, cells) in self.rows.iter().chain(&self.totals).enumerate() {
            if cells.len() != expected {
                return Err(Error::RowLength {
                    row,
                    expected,
                    found: cells.len(),
                });
            }
        }
        Ok(())
    }
}

/// One row laid out: a text block per cell.
struct RowLayout {
    cells: Vec<(TextBlock, Align)>,
    style: TextStyle,
    /// Lines of the tallest cell, at least 1.
    lines: usize,
    /// Centre shorter cells vertically (headings).
    centred: bool,
}

impl RowLayout {
    fn new(texts: Vec<(String, Align)>, style: TextStyle, widths: &[f32], centred: bool) -> Self {
        let cells: Vec<(TextBlock, Align)> = texts
            .into_iter()
            .zip(widths)
            .map(|((text, align), width)| {
                let inner = (width - 2.0 * PAD_X).max(1.0);
                (
                    TextBlock::new(style.style, style.size, &clean(&text), inner, 0.0),
                    align,
                )
            })
            .collect();
        let lines = cells
            .iter()
            .map(|(block, _)| block.lines.len())
            .max()
            .unwrap_or(0)
            .max(1);
        RowLayout {
            cells,
            style,
            lines,
            centred,
        }
    }

    fn height_of(&self, lines: usize) -> f32 {
        lines as f32 * self.style.line_height() + 2.0 * PAD_Y
    }
}

/// Where the table sits and how its rows look.
struct Layout {
    x: f32,
    widths: Vec<f32>,
    header: Vec<RowLayout>,
    body: TextStyle,
    totals: TextStyle,
}

impl Layout {
    fn header_height(&self) -> f32 {
        self.header.iter().map(|row| row.height_of(row.lines)).sum()
    }

    fn draw_header(&self, flow: &mut Flow) {
        for (i, row) in self.header.iter().enumerate() {
            self.draw_fragment(flow, row, 0, row.lines, i == 0);
        }
    }

    /// Draws lines `from..to` of `row` at the cursor, with borders, and moves the cursor.
    fn draw_fragment(&self, flow: &mut Flow, row: &RowLayout, from: usize, to: usize, top: bool) {
        let line_height = row.style.line_height();
        let shown = to - from;
        let height = row.height_of(shown.max(1));
        let mut x = self.x;
        for ((block, align), width) in row.cells.iter().zip(&self.widths) {
            let inner = width - 2.0 * PAD_X;
            let items = text_items(block, row.style, x + PAD_X, inner, *align, 0.0);
            let count = block.lines.len();
            let centre = if row.centred && count < shown {
                (shown - count) as f32 * line_height / 2.0
            } else {
                0.0
            };
            for (k, item) in items.into_iter().enumerate().take(to).skip(from) {
                let dy = PAD_Y + centre + (k - from) as f32 * line_height;
                for op in item.ops {
                    flow.draw(shift(op, dy));
                }
            }
            x += width;
        }
        let right = x;
        let rule = |flow: &mut Flow, x1: f32, y1: f32, x2: f32, y2: f32| {
            flow.draw(Op::Rule {
                x1,
                y1,
                x2,
                y2,
                width: BORDER,
            });
        };
        if top {
            rule(flow, self.x, 0.0, right, 0.0);
        }
        rule(flow, self.x, height, right, height);
        let mut edge = self.x;
        rule(flow, edge, 0.0, edge, height);
        for width in &self.widths {
            edge += width;
            rule(flow, edge, 0.0, edge, height);
        }
        flow.cursor.y += height;
    }
}

fn shift(op: Op, dy: f32) -> Op {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            style,
            run,
        } => Op::Text {
            x,
            baseline: baseline + dy,
            size,
            style,
            run,
        },
        Op::Rule {
            x1,
            y1,
            x2,
            y2,
            width,
        } => Op::Rule {
            x1,
            y1: y1 + dy,
            x2,
            y2: y2 + dy,
            width,
        },
    }
}

fn cell_align(column: &Column, cell: &Cell) -> Align {
    match column.align {
        Some(Align::Justify) => Align::Left,
        Some(align) => align,
        None => match cell {
            Cell::Integer(_) | Cell::Decimal { .. } => Align::Right,
            Cell::Date(_) | Cell::DateTime(_) => Align::Center,
            Cell::Empty | Cell::Text(_) => Align::Left,
        },
    }
}

/// Lays out `table` at the cursor, `width` points wide from `x`, text at `size` points.
pub(crate) fn place_table(
    flow: &mut Flow,
    table: &Table,
    x: f32,
    width: f32,
    size: f32,
) -> Result<(), Error> {
    table.validate()?;
    // Shares are scaled by the largest first, so huge finite shares cannot sum to infinity.
    let largest = table.columns.iter().map(|c| c.width).fold(0.0f32, f32::max);
    let total_share: f32 = table.columns.iter().map(|c| c.width / largest).sum();
    let widths: Vec<f32> = table
        .columns
        .iter()
        .map(|c| c.width / largest / total_share * width)
        .collect();
    let heading = TextStyle::new(Style::Bold, size, LEADING);
    let mut header = vec![RowLayout::new(
        table
            .columns
            .iter()
            .map(|c| (c.title.clone(), Align::Center))
            .collect(),
        heading,
        &widths,
        true,
    )];
    if table.column_numbers {
        header.push(RowLayout::new(
            (1..=table.columns.len())
                .map(|n| (format!("({n})"), Align::Center))
                .collect(),
            TextStyle::new(Style::Italic, size, LEADING),
            &widths,
            true,
        ));
    }
    let layout = Layout {
        x,
        widths,
        header,
        body: TextStyle::new(Style::Regular, size, LEADING),
        totals: TextStyle::new(Style::Bold, size, LEADING),
    };
    let header_height = layout.header_height();
    let one_line = layout.body.line_height() + 2.0 * PAD_Y;
    // Headings never stand alone at the foot of a page.
    if flow.remaining() < header_height + one_line && !flow.at_top() {
        flow.next_page();
    }
    let mut header_at_top = flow.at_top();
    layout.draw_header(flow);
    let mut rows_on_page = 0usize;

    let rows = table
        .rows
        .iter()
        .map(|cells| (cells, layout.body))
        .chain(table.totals.iter().map(|cells| (cells, layout.totals)));
    for (cells, style) in rows {
        let texts = table
            .columns
            .iter()
            .zip(cells)
            .map(|(column, cell)| (cell.display(), cell_align(column, cell)))
            .collect();
        let row = RowLayout::new(texts, style, &layout.widths, false);
        let line_height = style.line_height();
        let mut done = 0usize;
        loop {
            let left = row.lines - done;
            let need = row.height_of(left);
            if need <= flow.remaining() + 0.01 {
                layout.draw_fragment(flow, &row, done, row.lines, false);
                rows_on_page += 1;
                break;
            }
            let fits_on_fresh_page = need <= flow.frame.text_height() - header_height;
            let fit = ((flow.remaining() - 2.0 * PAD_Y) / line_height).floor();
            let fit = if fit.is_finite() && fit > 0.0 {
                fit as usize
            } else {
                0
            };
            let page_is_fresh = rows_on_page == 0 && header_at_top;
            if !page_is_fresh && (fits_on_fresh_page || fit < 2) {
                flow.next_page();
                header_at_top = true;
                layout.draw_header(flow);
                rows_on_page = 0;
                continue;
            }
            // Taller than a page: split it. On a fresh page at least one line goes out, so the
            // loop always progresses, even under headings taller than the page.
            let fit = fit.clamp(1, left);
            layout.draw_fragment(flow, &row, done, done + fit, false);
            done += fit;
            if done >= row.lines {
                rows_on_page += 1;
                break;
            }
            flow.next_page();
            header_at_top = true;
            layout.draw_header(flow);
            rows_on_page = 0;
        }
    }
    Ok(())
}
