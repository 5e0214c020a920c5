//! Pages as lists of drawing operations, and a cursor that flows content down them.
//!
//! Layout is done first and drawing second, so layout needs no PDF objects and columns can
//! be laid out side by side by rewinding the cursor.

use super::font::{Style, face};
use super::lines::{Run, TextBlock};
use super::{Align, Margins, Orientation};

/// Millimetres to PDF points.
pub(crate) fn mm(value: f32) -> f32 {
    value * 72.0 / 25.4
}

/// A drawing operation in page coordinates (points, origin top left, y down).
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        style: Style,
        run: Run,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
}

impl Op {
    fn shifted(mut self, dy: f32) -> Op {
        match &mut self {
            Op::Text { baseline, .. } => *baseline += dy,
            Op::Rule { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        self
    }
}

/// Page size and the box text may use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) left: f32,
    pub(crate) top: f32,
    pub(crate) right: f32,
    pub(crate) bottom: f32,
}

impl Frame {
    pub(crate) fn new(orientation: Orientation, margins: Margins) -> Result<Self, crate::Error> {
        let (width, height) = match orientation {
            Orientation::Portrait => (mm(210.0), mm(297.0)),
            Orientation::Landscape => (mm(297.0), mm(210.0)),
        };
        let all = [margins.top, margins.bottom, margins.left, margins.right];
        let text_width = width - mm(margins.left + margins.right);
        let text_height = height - mm(margins.top + margins.bottom);
        if all.iter().any(|m| !m.is_finite() || *m < 0.0)
            || !(text_width >= mm(50.0) && text_height >= mm(50.0))
        {
            let to_mm = |pt: f32| {
                if pt.is_finite() {
                    pt * 25.4 / 72.0
                } else {
                    0.0
                }
            };
            return Err(crate::Error::Margins {
                width_mm: to_mm(text_width),
                height_mm: to_mm(text_height),
            });
        }
        Ok(Frame {
            width,
            height,
            left: mm(margins.left),
            top: mm(margins.top),
            right: width - mm(margins.right),
            bottom: height - mm(margins.bottom),
        })
    }

    pub(crate) fn text_width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn text_height(&self) -> f32 {
        self.bottom - self.top
    }
}

/// Where the next content goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cursor {
    pub(crate) page: usize,
    pub(crate) y: f32,
}

impl Cursor {
    /// The cursor further down the document.
    pub(crate) fn later(self, other: Cursor) -> Cursor {
        if (other.page, other.y) > (self.page, self.y) {
            other
        } else {
            self
        }
    }
}

/// One unbreakable line box: its height and its operations relative to its top.
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
    /// Vertical space that disappears at the top of a page.
    pub(crate) gap: bool,
}

impl Item {
    pub(crate) fn gap(height: f32) -> Item {
        Item {
            height,
            ops: Vec::new(),
            gap: true,
        }
    }
}

/// Typography of a text block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    pub(crate) style: Style,
    pub(crate) size: f32,
    /// Line height as a multiple of the font size.
    pub(crate) leading: f32,
}

impl TextStyle {
    pub(crate) fn new(style: Style, size: f32, leading: f32) -> Self {
        TextStyle {
            style,
            size,
            leading,
        }
    }

    pub(crate) fn line_height(&self) -> f32 {
        self.size * self.leading
    }

    /// Baseline below the top of a line box, the ink centred in the box.
    pub(crate) fn baseline(&self) -> f32 {
        let face = face(self.style);
        let ink = (face.ascender + face.descender) * self.size;
        (self.line_height() - ink) / 2.0 + face.ascender * self.size
    }
}

/// Lines of `block` as items in a column at `x`, `width` wide.
pub(crate) fn text_items(
    block: &TextBlock,
    style: TextStyle,
    x: f32,
    width: f32,
    align: Align,
    indent: f32,
) -> Vec<Item> {
    let baseline = style.baseline();
    (0..block.lines.len())
        .map(|i| {
            let line_width = block.line_width(i);
            let indent = if block.starts_paragraph(i) {
                indent
            } else {
                0.0
            };
            let (dx, extra) = match align {
                Align::Left => (indent, 0.0),
                Align::Center => ((width - line_width) / 2.0, 0.0),
                Align::Right => (width - line_width, 0.0),
                Align::Justify => {
                    let line = &block.lines[i].1;
                    let slack = width - indent - line_width;
                    if line.last || line.spaces == 0 || slack <= 0.0 {
                        (indent, 0.0)
                    } else {
                        (indent, slack / line.spaces as f32)
                    }
                }
            };
            Item {
                height: style.line_height(),
                ops: vec![Op::Text {
                    x: x + dx,
                    baseline,
                    size: style.size,
                    style: style.style,
                    run: block.run(i, extra),
                }],
                gap: false,
            }
        })
        .collect()
}

/// The document being laid out.
#[derive(Debug)]
pub(crate) struct Flow {
    pub(crate) frame: Frame,
    pub(crate) pages: Vec<Vec<Op>>,
    pub(crate) cursor: Cursor,
}

impl Flow {
    pub(crate) fn new(frame: Frame) -> Self {
        Flow {
            frame,
            pages: vec![Vec::new()],
            cursor: Cursor {
                page: 0,
                y: frame.top,
            },
        }
    }

    pub(crate) fn remaining(&self) -> f32 {
        self.frame.bottom - self.cursor.y
    }

    pub(crate) fn at_top(&self) -> bool {
        self.cursor.y <= self.frame.top
    }

    pub(crate) fn next_page(&mut self) {
        self.cursor = Cursor {
            page: self.cursor.page + 1,
            y: self.frame.top,
        };
        while self.pages.len() <= self.cursor.page {
            self.pages.push(Vec::new());
        }
    }

    /// Adds an operation at the cursor's page, moved down by the cursor's y.
    pub(crate) fn draw(&mut self, op: Op) {
        let dy = self.cursor.y;
        self.pages[self.cursor.page].push(op.shifted(dy));
    }

    /// Places items one after another, starting a new page when one does not fit. With
    /// `keep_together`, the whole group moves to a new page if it would fit on one.
    pub(crate) fn place(&mut self, items: Vec<Item>, keep_together: bool) {
        if keep_together {
            let total: f32 = items.iter().map(|item| item.height).sum();
            if total > self.remaining() && total <= self.frame.text_height() && !self.at_top() {
                self.next_page();
            }
        }
        for item in items {
            if item.gap {
                if !self.at_top() {
                    self.cursor.y += item.height.min(self.remaining().max(0.0));
                }
                continue;
            }
            if item.height > self.remaining() && !self.at_top() {
                self.next_page();
            }
            for op in item.ops {
                self.draw(op);
            }
            self.cursor.y += item.height;
        }
    }

    /// Places items; the last `keep` of them stay on one page together with the `tail`
    /// points of content that follow them (a heading with the first lines of its paragraph,
    /// the last lines of the body with the signature block).
    pub(crate) fn place_with_next(&mut self, mut items: Vec<Item>, keep: usize, tail: f32) {
        let kept = items.split_off(items.len().saturating_sub(keep));
        self.place(items, false);
        let height = kept.iter().map(|item| item.height).sum::<f32>() + tail;
        if height > self.remaining() && height <= self.frame.text_height() && !self.at_top() {
            self.next_page();
        }
        self.place(kept, false);
    }

    /// Vertical space (dropped at the top of a page).
    pub(crate) fn space(&mut self, height: f32) {
        self.place(vec![Item::gap(height)], false);
    }
}
