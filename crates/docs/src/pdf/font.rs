//! The embedded Liberation Serif family and text shaping.
//!
//! Text is shaped with rustybuzz, the shaper krilla itself uses, and the shaped glyphs are
//! handed to krilla unchanged: the widths used for line breaking are the widths drawn.

use std::cell::RefCell;
use std::ops::Range;
use std::str::FromStr;
use std::sync::LazyLock;

use krilla::text::{Font, GlyphId};
use rustybuzz::{Direction, Language, Script, ShapePlan, UnicodeBuffer};

static REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-Italic.ttf");
static BOLD_ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf");

/// The four faces of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// One face: the shaper's view and krilla's view of the same bytes.
pub(crate) struct Face {
    shaper: rustybuzz::Face<'static>,
    pub(crate) pdf: Font,
    units_per_em: f32,
    /// Ascender above the baseline, in em.
    pub(crate) ascender: f32,
    /// Descender below the baseline, in em (positive).
    pub(crate) descender: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Self {
        // The fonts are part of the crate, not input: failing to read them is a build defect,
        // which `embedded_fonts_load_and_cover_vietnamese` catches.
        let shaper = rustybuzz::Face::from_slice(data, 0).expect("embedded font parses");
        let pdf = Font::new(data.into(), 0).expect("embedded font parses");
        let units_per_em = shaper.units_per_em() as f32;
        let ascender = f32::from(shaper.ascender()) / units_per_em;
        let descender = -f32::from(shaper.descender()) / units_per_em;
        Face {
            shaper,
            pdf,
            units_per_em,
            ascender,
            descender,
        }
    }
}

static FACES: LazyLock<[Face; 4]> = LazyLock::new(|| {
    [
        Face::load(REGULAR),
        Face::load(BOLD),
        Face::load(ITALIC),
        Face::load(BOLD_ITALIC),
    ]
});

static VIETNAMESE: LazyLock<Option<Language>> = LazyLock::new(|| Language::from_str("vi").ok());

thread_local! {
    /// Shaping buffers are reused: a 10,000-row register shapes ~100,000 strings.
    static BUFFER: RefCell<Option<UnicodeBuffer>> = const { RefCell::new(None) };
    /// Shape plans per face and script: building one costs more than shaping a table cell.
    static PLANS: RefCell<Vec<(Style, Script, ShapePlan)>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn face(style: Style) -> &'static Face {
    let index = match style {
        Style::Regular => 0,
        Style::Bold => 1,
        Style::Italic => 2,
        Style::BoldItalic => 3,
    };
    &FACES[index]
}

/// A shaped glyph, positions in em. Implements krilla's `Glyph` so runs go to the PDF as-is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShapedGlyph {
    pub(crate) id: u16,
    /// Byte range of the glyph's cluster in the text it was shaped from.
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) advance: f32,
    pub(crate) x_offset: f32,
    pub(crate) y_offset: f32,
    /// A breakable, stretchable space.
    pub(crate) space: bool,
}

impl krilla::text::Glyph for ShapedGlyph {
    fn glyph_id(&self) -> GlyphId {
        GlyphId::new(u32::from(self.id))
    }

    fn text_range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    fn x_advance(&self, size: f32) -> f32 {
        self.advance * size
    }

    fn x_offset(&self, size: f32) -> f32 {
        self.x_offset * size
    }

    fn y_offset(&self, size: f32) -> f32 {
        self.y_offset * size
    }

    fn y_advance(&self, _size: f32) -> f32 {
        0.0
    }

    fn location(&self) -> Option<krilla::surface::Location> {
        None
    }
}

/// Text after shaping: the glyphs in visual order with their clusters.
#[derive(Debug, Clone)]
pub(crate) struct Shaped {
    pub(crate) text: String,
    pub(crate) glyphs: Vec<ShapedGlyph>,
}

impl Shaped {
    /// Total advance in em.
    pub(crate) fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// Spaces that may break a line; no-break spaces stay glued.
fn is_break_space(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}'))
}

/// Shapes one paragraph (no line breaks inside) left to right.
///
/// Texts are Vietnamese or Latin; right-to-left scripts are drawn in logical order rather
/// than reordered (they do not occur in the documents this crate makes, and the font has no
/// glyphs for them anyway).
pub(crate) fn shape(style: Style, text: &str) -> Shaped {
    let face = face(style);
    // Offsets are stored as u32: a paragraph longer than 4 GiB is cut (it would not fit any
    // PDF page anyway).
    let text = if text.len() > u32::MAX as usize {
        let mut end = u32::MAX as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        text
    };
    let mut buffer = BUFFER
        .with(|cell| cell.borrow_mut().take())
        .unwrap_or_default();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(Direction::LeftToRight);
    if let Some(language) = VIETNAMESE.as_ref() {
        buffer.set_language(language.clone());
    }
    let script = buffer.script();
    let output = PLANS.with(|cell| {
        let mut plans = cell.borrow_mut();
        let index = match plans
            .iter()
            .position(|(s, c, _)| *s == style && *c == script)
        {
            Some(index) => index,
            None => {
                let plan = ShapePlan::new(
                    &face.shaper,
                    Direction::LeftToRight,
                    Some(script),
                    VIETNAMESE.as_ref(),
                    &[],
                );
                plans.push((style, script, plan));
                plans.len() - 1
            }
        };
        rustybuzz::shape_with_plan(&face.shaper, &plans[index].2, buffer)
    });
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let upem = face.units_per_em;
    // A cluster ends where the next different cluster starts (clusters are monotonic left to
    // right); computed backwards so runs of glyphs sharing a cluster stay linear.
    let mut ends = vec![text.len(); infos.len()];
    for i in (0..infos.len().saturating_sub(1)).rev() {
        ends[i] = if infos[i + 1].cluster != infos[i].cluster {
            infos[i + 1].cluster as usize
        } else {
            ends[i + 1]
        };
    }
    let mut glyphs = Vec::with_capacity(infos.len());
    for ((info, pos), &end) in infos.iter().zip(positions).zip(&ends) {
        let start = info.cluster as usize;
        let end = end.max(start);
        let cluster = text.get(start..end).unwrap_or("");
        glyphs.push(ShapedGlyph {
            id: u16::try_from(info.glyph_id).unwrap_or(0),
            start: start as u32,
            end: end as u32,
            advance: pos.x_advance as f32 / upem,
            x_offset: pos.x_offset as f32 / upem,
            y_offset: pos.y_offset as f32 / upem,
            space: is_break_space(cluster),
        });
    }
    BUFFER.with(|cell| *cell.borrow_mut() = Some(output.clear()));
    Shaped {
        text: text.to_owned(),
        glyphs,
    }
}

/// Width of a single line of text in points.
pub(crate) fn measure(style: Style, size: f32, text: &str) -> f32 {
    shape(style, text).width() * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_load_and_cover_vietnamese() {
        let sample = "ỦY BAN NHÂN DÂN XÃ AN CHÂU Nguyễn Thị Hồng Nhung phản ánh, kiến nghị \
                      ăâđêôơư ĂÂĐÊÔƠƯ ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ";
        for style in [
            Style::Regular,
            Style::Bold,
            Style::Italic,
            Style::BoldItalic,
        ] {
            let shaped = shape(style, sample);
            let missing: Vec<&str> = shaped
                .glyphs
                .iter()
                .filter(|g| g.id == 0)
                .map(|g| &shaped.text[g.start as usize..g.end as usize])
                .collect();
            assert!(missing.is_empty(), "{style:?} lacks glyphs for {missing:?}");
            assert!(shaped.width() > 10.0);
        }
    }

    #[test]
    fn clusters_cover_the_text_and_spaces_are_marked() {
        let shaped = shape(Style::Regular, "Hồ sơ  đất");
        let spaces = shaped.glyphs.iter().filter(|g| g.space).count();
        assert_eq!(spaces, 3);
        assert_eq!(shaped.glyphs[0].start, 0);
        assert_eq!(
            shaped.glyphs.last().map(|g| g.end as usize),
            Some(shaped.text.len())
        );
    }

    #[test]
    fn bold_is_wider_than_regular() {
        let text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        assert!(measure(Style::Bold, 13.0, text) > measure(Style::Regular, 13.0, text));
    }
}
