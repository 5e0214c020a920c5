//! Greedy line breaking over shaped text, and runs ready to draw.
//!
//! Vietnamese separates syllables with spaces, so spaces are the break opportunities. A word
//! wider than the line (a long URL, a case code, arbitrary input) is broken between clusters,
//! never inside one, so a base letter keeps its marks.

use std::ops::Range;

use super::font::{Shaped, ShapedGlyph, Style, shape};

/// One line: a range of glyphs of a [`Shaped`] paragraph.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) glyphs: Range<usize>,
    /// Advance without trailing spaces, in em.
    pub(crate) width: f32,
    /// Spaces between words inside the line (stretched when justifying).
    pub(crate) spaces: usize,
    /// Last line of its paragraph: never justified.
    pub(crate) last: bool,
}

/// Breaks `shaped` into lines `first` em wide for the first line and `rest` em for the others.
pub(crate) fn break_lines(shaped: &Shaped, first: f32, rest: f32) -> Vec<Line> {
    let glyphs = &shaped.glyphs;
    let n = glyphs.len();
    let mut lines = Vec::new();
    let mut start = skip_spaces(glyphs, 0);
    while start < n {
        let limit = if lines.is_empty() { first } else { rest };
        let (end, next) = fit(glyphs, start, limit);
        lines.push(make_line(glyphs, start, end));
        start = skip_spaces(glyphs, next);
    }
    if let Some(last) = lines.last_mut() {
        last.last = true;
    }
    lines
}

/// Where the line starting at `start` ends (exclusive, trailing spaces dropped) and where the
/// next one starts.
fn fit(glyphs: &[ShapedGlyph], start: usize, limit: f32) -> (usize, usize) {
    let n = glyphs.len();
    let mut x = 0.0;
    // (end of the text before the last run of spaces, start of the word after it)
    let mut last_break: Option<(usize, usize)> = None;
    let mut space_run: Option<usize> = None;
    let mut i = start;
    while i < n {
        let glyph = &glyphs[i];
        if glyph.space {
            space_run.get_or_insert(i);
            x += glyph.advance;
            i += 1;
            continue;
        }
        if let Some(run) = space_run.take() {
            last_break = Some((run, i));
        }
        if x + glyph.advance > limit && i > start {
            if let Some(found) = last_break {
                return found;
            }
            let boundary = cluster_boundary_at_or_before(glyphs, start, i);
            return (boundary, boundary);
        }
        x += glyph.advance;
        i += 1;
    }
    let end = space_run.unwrap_or(n);
    (end, n)
}

/// The last cluster boundary in `(start, i]`; if the first cluster alone is too wide, the end
/// of that cluster (the line overflows rather than making no progress).
fn cluster_boundary_at_or_before(glyphs: &[ShapedGlyph], start: usize, i: usize) -> usize {
    let mut k = i;
    while k > start {
        if glyphs[k].start != glyphs[k - 1].start {
            return k;
        }
        k -= 1;
    }
    let mut k = start + 1;
    while k < glyphs.len() && glyphs[k].start == glyphs[start].start {
        k += 1;
    }
    k
}

fn skip_spaces(glyphs: &[ShapedGlyph], mut i: usize) -> usize {
    while i < glyphs.len() && glyphs[i].space {
        i += 1;
    }
    i
}

fn make_line(glyphs: &[ShapedGlyph], start: usize, end: usize) -> Line {
    let slice = &glyphs[start..end];
    Line {
        glyphs: start..end,
        width: slice.iter().map(|g| g.advance).sum(),
        spaces: slice.iter().filter(|g| g.space).count(),
        last: false,
    }
}

/// A run of glyphs with the text they stand for, positioned relative to its own start.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) text: String,
    pub(crate) glyphs: Vec<ShapedGlyph>,
}

/// Text laid out in lines of a given width: one or more paragraphs (split at `\n`).
#[derive(Debug, Clone)]
pub(crate) struct TextBlock {
    pub(crate) size: f32,
    paragraphs: Vec<Shaped>,
    /// (paragraph index, line)
    pub(crate) lines: Vec<(usize, Line)>,
}

impl TextBlock {
    /// Lays out `text` (already cleaned) at `size` points in lines of `width` points, the first
    /// line of each paragraph indented by `indent` points.
    pub(crate) fn new(style: Style, size: f32, text: &str, width: f32, indent: f32) -> Self {
        let mut paragraphs = Vec::new();
        let mut lines = Vec::new();
        let rest = (width / size).max(0.0);
        let first = ((width - indent) / size).max(0.0);
        for paragraph in text.split('\n') {
            let shaped = shape(style, paragraph);
            let index = paragraphs.len();
            lines.extend(
                break_lines(&shaped, first, rest)
                    .into_iter()
                    .map(|line| (index, line)),
            );
            paragraphs.push(shaped);
        }
        TextBlock {
            size,
            paragraphs,
            lines,
        }
    }

    /// Like [`TextBlock::new`] without indent, but with lines of even length: the narrowest
    /// width that needs no more lines than `width` does. Headings look better that way
    /// ("ỦY BAN NHÂN DÂN / XÃ AN CHÂU", not "ỦY BAN NHÂN DÂN XÃ AN / CHÂU").
    pub(crate) fn balanced(style: Style, size: f32, text: &str, width: f32) -> Self {
        let widest = TextBlock::new(style, size, text, width, 0.0);
        let count = widest.lines.len();
        if count <= 1 {
            return widest;
        }
        let relayout = |width: f32| {
            let em = (width / size).max(0.0);
            let mut lines = Vec::new();
            for (index, shaped) in widest.paragraphs.iter().enumerate() {
                lines.extend(
                    break_lines(shaped, em, em)
                        .into_iter()
                        .map(|line| (index, line)),
                );
            }
            lines
        };
        let (mut low, mut high) = (0.0f32, width);
        let mut best = None;
        for _ in 0..16 {
            let mid = (low + high) / 2.0;
            let lines = relayout(mid);
            if lines.len() <= count {
                high = mid;
                best = Some(lines);
            } else {
                low = mid;
            }
        }
        match best {
            Some(lines) => TextBlock { lines, ..widest },
            None => widest,
        }
    }

    /// Width of line `i` in points.
    pub(crate) fn line_width(&self, i: usize) -> f32 {
        self.lines[i].1.width * self.size
    }

    /// Widest line in points.
    pub(crate) fn max_width(&self) -> f32 {
        (0..self.lines.len())
            .map(|i| self.line_width(i))
            .fold(0.0, f32::max)
    }

    /// Whether line `i` opens a paragraph (and so carries the first-line indent).
    pub(crate) fn starts_paragraph(&self, i: usize) -> bool {
        i == 0 || self.lines[i - 1].0 != self.lines[i].0
    }

    /// The glyphs of line `i`, each space widened by `extra` points.
    pub(crate) fn run(&self, i: usize, extra: f32) -> Run {
        let (paragraph, line) = &self.lines[i];
        let shaped = &self.paragraphs[*paragraph];
        let glyphs = &shaped.glyphs[line.glyphs.clone()];
        let (Some(first), Some(last)) = (glyphs.first(), glyphs.last()) else {
            return Run {
                text: String::new(),
                glyphs: Vec::new(),
            };
        };
        let from = first.start.min(last.start);
        let to = first.end.max(last.end);
        let text = shaped
            .text
            .get(from as usize..to as usize)
            .unwrap_or("")
            .to_owned();
        let extra_em = extra / self.size;
        let glyphs = glyphs
            .iter()
            .map(|g| ShapedGlyph {
                start: g.start - from,
                end: g.end - from,
                advance: if g.space {
                    g.advance + extra_em
                } else {
                    g.advance
                },
                ..*g
            })
            .collect();
        Run { text, glyphs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(shaped: &Shaped, lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                let g = &shaped.glyphs[line.glyphs.clone()];
                match (g.first(), g.last()) {
                    (Some(a), Some(b)) => shaped.text[a.start as usize..b.end as usize].to_owned(),
                    _ => String::new(),
                }
            })
            .collect()
    }

    #[test]
    fn breaks_at_spaces_and_drops_them_at_line_ends() {
        let shaped = shape(Style::Regular, "phản ánh kiến nghị về thủ tục hành chính");
        let width = shape(Style::Regular, "phản ánh kiến nghị").width() + 0.01;
        let lines = break_lines(&shaped, width, width);
        let got = texts(&shaped, &lines);
        assert_eq!(got[0], "phản ánh kiến nghị");
        assert!(got.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert_eq!(got.join(" "), "phản ánh kiến nghị về thủ tục hành chính");
        assert!(lines.last().is_some_and(|l| l.last));
        assert!(lines.iter().all(|l| l.width <= width));
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_between_clusters() {
        let shaped = shape(
            Style::Regular,
            "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
        );
        let lines = break_lines(&shaped, 5.0, 5.0);
        assert!(lines.len() > 1);
        assert_eq!(
            texts(&shaped, &lines).concat(),
            "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
        );
    }

    #[test]
    fn always_progresses_even_when_nothing_fits() {
        let shaped = shape(Style::Regular, "Nguyễn Văn An");
        let lines = break_lines(&shaped, 0.0, 0.0);
        assert_eq!(texts(&shaped, &lines).concat(), "NguyễnVănAn");
        assert!(break_lines(&shape(Style::Regular, "   "), 1.0, 1.0).is_empty());
    }

    #[test]
    fn justified_runs_stretch_only_spaces() {
        let block = TextBlock::new(Style::Regular, 14.0, "một hai ba bốn năm", 60.0, 0.0);
        let run = block.run(0, 2.0);
        let plain = block.run(0, 0.0);
        let stretched: f32 = run.glyphs.iter().map(|g| g.advance).sum();
        let natural: f32 = plain.glyphs.iter().map(|g| g.advance).sum();
        let spaces = block.lines[0].1.spaces as f32;
        assert!((stretched - natural - spaces * 2.0 / 14.0).abs() < 1e-4);
    }
}
