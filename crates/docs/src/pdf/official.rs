//! Letters and reports in the layout of NĐ 30/2020/NĐ-CP Appendix I (REP, CASE-13; the
//! reply letter of NĐ 20/2008 Art. 14–15).
//!
//! ```text
//!   UBND TỈNH …                        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
//!   ỦY BAN NHÂN DÂN XÃ AN CHÂU                Độc lập - Tự do - Hạnh phúc
//!         ─────                               ───────────────────────────
//!   Số: 05/BC-UBND                     An Châu, ngày 05 tháng 02 năm 2026
//!   (V/v … for a letter)
//!                              BÁO CÁO
//!                 Tình hình tiếp nhận, xử lý phản ánh, kiến nghị …
//!                               ─────
//!                         Kính gửi: …
//!         Body, first line indented, justified …
//!   Nơi nhận:                               TM. ỦY BAN NHÂN DÂN
//!   - …;                                         CHỦ TỊCH
//!   - Lưu: VT.
//!                                             Nguyễn Văn An
//! ```

use chrono::NaiveDate;

use super::flow::{Flow, Frame, Item, Op, TextStyle, mm, text_items};
use super::font::{Style, measure};
use super::lines::TextBlock;
use super::render::render;
use super::table::{Table, place_table};
use super::{Align, BodySize, Margins, Orientation};
use crate::text::{body_name, clean, clean_line, upper, upper_lines};
use crate::{Error, date_line, number_line};

/// Line height of single spacing in Word for Times New Roman, as a multiple of the size.
const SINGLE: f32 = 1.15;
/// First-line indent of body paragraphs: NĐ 30/2020 asks for 1–1.27 cm.
const INDENT_MM: f32 = 12.7;
/// Space after each body paragraph: NĐ 30/2020 asks for at least 6 pt.
const PARAGRAPH_SPACE: f32 = 6.0;
const RULE: f32 = 0.6;

/// What kind of document it is; all but [`DocumentKind::Letter`] print their name in bold
/// capitals above the summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DocumentKind {
    /// *Báo cáo*.
    #[default]
    Report,
    /// *Kế hoạch*.
    Plan,
    /// *Thông báo*.
    Notice,
    /// *Công văn*: no name line; the summary goes under the number as "V/v …".
    Letter,
    /// Any other named kind (*Tờ trình*, *Quyết định* …), printed in capitals.
    Other(String),
}

impl DocumentKind {
    /// The name line, or `None` for a letter.
    pub fn name(&self) -> Option<String> {
        match self {
            DocumentKind::Report => Some("BÁO CÁO".to_owned()),
            DocumentKind::Plan => Some("KẾ HOẠCH".to_owned()),
            DocumentKind::Notice => Some("THÔNG BÁO".to_owned()),
            DocumentKind::Letter => None,
            DocumentKind::Other(name) => Some(upper(name)),
        }
    }
}

/// On whose authority the signer signs, printed above the signer's title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// *TM.* (on behalf of a collective body): `TM. ỦY BAN NHÂN DÂN`.
    OnBehalfOf(String),
    /// *KT.* (deputy signing for the head): `KT. CHỦ TỊCH`.
    Deputy(String),
    /// *TL.* (by order of the head).
    ByOrderOf(String),
    /// *TUQ.* (by authorisation of the head).
    Authorised(String),
}

impl Authority {
    fn line(&self) -> String {
        let (prefix, text) = match self {
            Authority::OnBehalfOf(text) => ("TM.", text),
            Authority::Deputy(text) => ("KT.", text),
            Authority::ByOrderOf(text) => ("TL.", text),
            Authority::Authorised(text) => ("TUQ.", text),
        };
        format!("{prefix} {}", upper(text))
    }
}

/// The signature block. The signature itself (ink, seal or the agency's digital signature)
/// goes in the space left between the title and the name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// Authority lines, outermost first: `[OnBehalfOf("Ủy ban nhân dân"), Deputy("Chủ tịch")]`.
    pub authority: Vec<Authority>,
    /// The signer's title: `Phó Chủ tịch` (printed in bold capitals; write `Q. Chủ tịch` for
    /// an acting head).
    pub title: String,
    /// The signer's name, printed in bold as written.
    pub name: String,
}

/// A piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph: first line indented, aligned as the document says. Each `\n` starts a
    /// new paragraph.
    Paragraph(String),
    /// A heading inside the body ("I. KẾT QUẢ TIẾP NHẬN"), bold.
    Heading(String),
    /// A table across the text width, in a smaller size; headings repeat on each page.
    Table(Table),
}

/// A letter (*công văn*) or a report (*báo cáo*) ready to render.
///
/// Texts may be typed in any case and in NFC or NFD; headings are put in capitals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OfficialDocument {
    /// The body above the issuer, printed in capitals (not bold), e.g. `UBND TỈNH AN GIANG`.
    pub parent_body: Option<String>,
    /// The issuer, printed in bold capitals, e.g. `Ủy ban nhân dân xã An Châu`.
    pub issuing_body: String,
    /// The number given by the records clerk; `None` leaves a gap to write it in.
    pub number: Option<u32>,
    /// The symbol after the number: `BC-UBND`, `UBND-VP`.
    pub symbol: String,
    /// Place name for the date line: `An Châu`.
    pub place: String,
    /// Date of issue.
    pub date: NaiveDate,
    /// Kind of document.
    pub kind: DocumentKind,
    /// Summary (*trích yếu*): under the kind name, or after "V/v" for a letter.
    pub summary: String,
    /// Addressees after "Kính gửi:"; empty for none (usual for reports).
    pub recipients: Vec<String>,
    /// The body.
    pub body: Vec<Block>,
    /// The signature block.
    pub signature: Signature,
    /// Distribution list (*Nơi nhận*), e.g. `["Như trên", "Lưu: VT"]`; dashes and the final
    /// `;`/`.` are added.
    pub distribution: Vec<String>,
    /// Body text size.
    pub body_size: BodySize,
    /// Line spacing as a multiple of single spacing, 1.0–1.5 (NĐ 30/2020); clamped.
    pub line_spacing: f32,
    /// Alignment of body paragraphs; justified unless set otherwise.
    pub align: Option<Align>,
    /// Page margins.
    pub margins: Margins,
}

impl OfficialDocument {
    /// A document with the defaults of NĐ 30/2020: 14 pt, single spacing, justified.
    pub fn new(
        issuing_body: impl Into<String>,
        kind: DocumentKind,
        summary: impl Into<String>,
        date: NaiveDate,
    ) -> Self {
        OfficialDocument {
            issuing_body: issuing_body.into(),
            kind,
            summary: summary.into(),
            date,
            line_spacing: 1.0,
            ..OfficialDocument::default()
        }
    }

    /// The document title for the PDF's metadata: `BÁO CÁO Tình hình …`, `V/v …`.
    pub fn title(&self) -> String {
        let summary = clean_line(&self.summary);
        match self.kind.name() {
            Some(name) => format!("{name} {summary}").trim().to_owned(),
            None => format!("V/v {summary}"),
        }
    }

    /// Renders the PDF.
    pub fn to_pdf(&self) -> Result<Vec<u8>, Error> {
        let frame = Frame::new(Orientation::Portrait, self.margins)?;
        let mut flow = Flow::new(frame);
        let body = self.body_size.points();
        let spacing = if self.line_spacing.is_finite() {
            self.line_spacing.clamp(1.0, 1.5)
        } else {
            1.0
        };
        let text = TextStyle::new(Style::Regular, body, SINGLE * spacing);

        self.header(&mut flow, body);
        self.title_block(&mut flow, body);
        self.addressees(&mut flow, text);
        let closing = Closing::new(self, flow.frame, body);
        self.body_blocks(&mut flow, text, closing.signature_height())?;
        closing.place(&mut flow);

        render(&frame, flow.pages, &self.title(), body)
    }

    /// National header and the issuer, number and date (page 1).
    fn header(&self, flow: &mut Flow, body: f32) {
        let frame = flow.frame;
        let width = frame.text_width();
        let motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        // 13 pt when the right column has room for it, else 12 (both allowed).
        let right_share = 0.58;
        let motto_size = if measure(Style::Bold, 13.0, motto) <= width * right_share - 4.0 {
            13.0
        } else {
            12.0
        };
        let right_width = (measure(Style::Bold, motto_size, motto) + 4.0).max(width * right_share);
        let left_width = width - right_width;
        let (left_x, right_x) = (frame.left, frame.left + left_width);
        let leading = 1.1;
        let start = flow.cursor;

        // Left: parent body, issuer, short rule.
        let mut left = Vec::new();
        if let Some(parent) = self.parent_body.as_deref().filter(|p| !p.trim().is_empty()) {
            let parent =
                TextBlock::balanced(Style::Regular, 13.0, &upper_lines(parent), left_width);
            left.extend(text_items(
                &parent,
                TextStyle::new(Style::Regular, 13.0, leading),
                left_x,
                left_width,
                Align::Center,
                0.0,
            ));
        }
        let issuer = TextBlock::balanced(
            Style::Bold,
            13.0,
            &body_name(&self.issuing_body),
            left_width,
        );
        let issuer_width = issuer.max_width();
        left.extend(text_items(
            &issuer,
            TextStyle::new(Style::Bold, 13.0, leading),
            left_x,
            left_width,
            Align::Center,
            0.0,
        ));
        // NĐ 30: a rule 1/3 to 1/2 as long as the line above, centred.
        left.push(rule_item(left_x + left_width / 2.0, issuer_width * 0.4));
        flow.place(left, false);
        let left_end = flow.cursor;

        // Right: national name, motto with a rule as long as the motto.
        flow.cursor = start;
        let mut right = centred(
            Style::Bold,
            motto_size,
            leading,
            motto,
            right_x,
            right_width,
        );
        let slogan = "Độc lập - Tự do - Hạnh phúc";
        right.extend(centred(
            Style::Bold,
            body,
            leading,
            slogan,
            right_x,
            right_width,
        ));
        let slogan_width = measure(Style::Bold, body, slogan);
        right.push(rule_item(right_x + right_width / 2.0, slogan_width));
        flow.place(right, false);
        let right_end = flow.cursor;

        // Number and date on one line, the letter's "V/v" under the number.
        flow.cursor = left_end.later(right_end);
        flow.space(4.0);
        let row = flow.cursor;
        let mut number = centred(
            Style::Regular,
            13.0,
            leading,
            &number_line(self.number, &clean_line(&self.symbol)),
            left_x,
            left_width,
        );
        if self.kind == DocumentKind::Letter {
            let summary = format!("V/v {}", clean_line(&self.summary));
            number.extend(centred(
                Style::Regular,
                12.0,
                1.1,
                &summary,
                left_x,
                left_width,
            ));
        }
        flow.place(number, false);
        let number_end = flow.cursor;
        flow.cursor = row;
        let date = date_line(&clean_line(&self.place), self.date);
        flow.place(
            centred(Style::Italic, body, leading, &date, right_x, right_width),
            false,
        );
        flow.cursor = number_end.later(flow.cursor);
    }

    /// The kind's name and the summary, with a short rule (not for letters).
    fn title_block(&self, flow: &mut Flow, body: f32) {
        let Some(name) = self.kind.name() else {
            return;
        };
        let frame = flow.frame;
        let (x, width) = (frame.left, frame.text_width());
        flow.space(18.0);
        let mut items = centred(Style::Bold, body, SINGLE, &name, x, width);
        let summary = clean_line(&self.summary);
        if !summary.trim().is_empty() {
            let block = TextBlock::new(Style::Bold, body, &summary, width * 0.85, 0.0);
            let summary_width = block.max_width();
            items.extend(text_items(
                &block,
                TextStyle::new(Style::Bold, body, SINGLE),
                x,
                width,
                Align::Center,
                0.0,
            ));
            items.push(rule_item(x + width / 2.0, summary_width * 0.4));
        }
        flow.place(items, true);
    }

    /// "Kính gửi: …", one addressee on the line, several as a dashed list beside the label.
    fn addressees(&self, flow: &mut Flow, text: TextStyle) {
        let recipients: Vec<String> = self
            .recipients
            .iter()
            .map(|r| clean_line(r).trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if recipients.is_empty() {
            return;
        }
        let frame = flow.frame;
        let (x, width) = (frame.left, frame.text_width());
        let style = TextStyle::new(Style::Regular, text.size, SINGLE);
        flow.space(12.0);
        if let [only] = recipients.as_slice() {
            let line = format!("Kính gửi: {}", strip_list_mark(only));
            flow.place(
                centred(Style::Regular, text.size, SINGLE, &line, x, width),
                true,
            );
            flow.space(6.0);
            return;
        }
        let label = "Kính gửi:";
        let label_width = measure(Style::Regular, text.size, &format!("{label} "));
        let count = recipients.len();
        let lines: Vec<String> = recipients
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let end = if i + 1 == count { "." } else { ";" };
                format!("- {}{end}", strip_list_mark(r))
            })
            .collect();
        let widest = lines
            .iter()
            .map(|l| measure(Style::Regular, text.size, l))
            .fold(0.0, f32::max);
        let block_width = (label_width + widest).min(width);
        let start_x = x + (width - block_width) / 2.0;
        let list_x = start_x + label_width;
        let list_width = x + width - list_x;
        let mut label_items = text_items(
            &TextBlock::new(Style::Regular, text.size, label, label_width * 2.0, 0.0),
            style,
            start_x,
            label_width,
            Align::Left,
            0.0,
        );
        let mut items = Vec::new();
        for line in &lines {
            let block = TextBlock::new(Style::Regular, text.size, line, list_width, 0.0);
            items.extend(text_items(
                &block,
                style,
                list_x,
                list_width,
                Align::Left,
                0.0,
            ));
        }
        // The label shares the first addressee's line.
        if let (Some(first), Some(label)) = (items.first_mut(), label_items.pop()) {
            first.ops.extend(label.ops);
        }
        flow.place(items, false);
        flow.space(6.0);
    }

    /// The body. A heading keeps with the first two lines after it, and the last two lines
    /// of the body go with the signature block (`signature` points tall), so neither stands
    /// alone at the top or the foot of a page.
    fn body_blocks(&self, flow: &mut Flow, text: TextStyle, signature: f32) -> Result<(), Error> {
        let frame = flow.frame;
        let (x, width) = (frame.left, frame.text_width());
        let align = self.align.unwrap_or(Align::Justify);
        let indent = mm(INDENT_MM);
        let bold = TextStyle {
            style: Style::Bold,
            ..text
        };

        let mut units = Vec::new();
        for block in &self.body {
            match block {
                Block::Paragraph(content) | Block::Heading(content) => {
                    let heading = matches!(block, Block::Heading(_));
                    let style = if heading { bold } else { text };
                    for paragraph in clean(content).split('\n') {
                        if paragraph.trim().is_empty() {
                            continue;
                        }
                        let laid =
                            TextBlock::new(style.style, style.size, paragraph, width, indent);
                        let items = text_items(&laid, style, x, width, align, indent);
                        units.push(Unit::Text { items, heading });
                    }
                }
                Block::Table(table) => units.push(Unit::Table(table)),
            }
        }

        // What must follow the last text on the same page.
        let closing = PARAGRAPH_SPACE + 12.0 + signature;
        let height = |items: &[Item]| items.iter().map(|item| item.height).sum::<f32>();
        flow.space(6.0);
        let count = units.len();
        let mut units = units.into_iter().enumerate().peekable();
        while let Some((index, unit)) = units.next() {
            let is_last = index + 1 == count;
            match unit {
                Unit::Text { items, heading } => {
                    let tail = match units.peek() {
                        _ if is_last => closing,
                        Some((
                            next,
                            Unit::Text {
                                items: following, ..
                            },
                        )) if heading => {
                            let kept = following.len().min(2);
                            let mut tail = PARAGRAPH_SPACE + height(&following[..kept]);
                            if next + 1 == count && kept == following.len() {
                                tail += closing;
                            }
                            tail
                        }
                        Some((_, Unit::Table(_))) if heading => 3.0 * text.line_height(),
                        _ => 0.0,
                    };
                    let keep = if heading {
                        items.len()
                    } else if is_last {
                        2
                    } else {
                        0
                    };
                    flow.place_with_next(items, keep, tail);
                    flow.space(PARAGRAPH_SPACE);
                }
                Unit::Table(table) => {
                    place_table(flow, table, x, width, text.size - 2.0)?;
                    flow.space(PARAGRAPH_SPACE * 2.0);
                }
            }
        }
        Ok(())
    }
}

/// The end of the document: distribution list on the left, signature block on the right,
/// both starting on one line.
struct Closing {
    signature: Vec<Item>,
    distribution: Vec<Item>,
}

impl Closing {
    fn new(document: &OfficialDocument, frame: Frame, body: f32) -> Self {
        let width = frame.text_width();
        let left_width = width * 0.42;
        let right_width = width - left_width;
        let (left_x, right_x) = (frame.left, frame.left + left_width);

        let mut signature = Vec::new();
        let sign = &document.signature;
        for line in sign.authority.iter().map(Authority::line) {
            signature.extend(centred(
                Style::Bold,
                body,
                SINGLE,
                &line,
                right_x,
                right_width,
            ));
        }
        let title = upper(&sign.title);
        if !title.trim().is_empty() {
            signature.extend(centred(
                Style::Bold,
                body,
                SINGLE,
                &title,
                right_x,
                right_width,
            ));
        }
        // Room for the signature, the seal or the digital signature's image.
        signature.push(Item {
            height: body * SINGLE * 4.5,
            ops: Vec::new(),
            gap: false,
        });
        let name = clean_line(&sign.name);
        signature.extend(centred(
            Style::Bold,
            body,
            SINGLE,
            &name,
            right_x,
            right_width,
        ));

        let entries: Vec<String> = document
            .distribution
            .iter()
            .map(|d| strip_list_mark(&clean_line(d)).to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        let mut distribution = Vec::new();
        if !entries.is_empty() {
            distribution.extend(text_items(
                &TextBlock::new(Style::BoldItalic, 12.0, "Nơi nhận:", left_width, 0.0),
                TextStyle::new(Style::BoldItalic, 12.0, SINGLE),
                left_x,
                left_width,
                Align::Left,
                0.0,
            ));
            let count = entries.len();
            let style = TextStyle::new(Style::Regular, 11.0, 1.1);
            let list_width = left_width - 6.0;
            for (i, entry) in entries.iter().enumerate() {
                let end = if i + 1 == count { "." } else { ";" };
                let line = format!("- {entry}{end}");
                let block = TextBlock::new(Style::Regular, 11.0, &line, list_width, 0.0);
                distribution.extend(text_items(
                    &block,
                    style,
                    left_x,
                    list_width,
                    Align::Left,
                    0.0,
                ));
            }
        }
        Closing {
            signature,
            distribution,
        }
    }

    fn signature_height(&self) -> f32 {
        self.signature.iter().map(|item| item.height).sum()
    }

    fn place(self, flow: &mut Flow) {
        flow.space(12.0);
        // The signature block stays in one piece; the list starts beside it and may run on.
        let height = self.signature_height();
        if height > flow.remaining() && height <= flow.frame.text_height() && !flow.at_top() {
            flow.next_page();
        }
        let start = flow.cursor;
        flow.place(self.signature, false);
        let signature_end = flow.cursor;
        flow.cursor = start;
        flow.place(self.distribution, false);
        flow.cursor = signature_end.later(flow.cursor);
    }
}

/// A paragraph laid out in lines, or a table laid out when placed.
enum Unit<'a> {
    Text { items: Vec<Item>, heading: bool },
    Table(&'a Table),
}

/// Lines of `text` centred in a column.
fn centred(style: Style, size: f32, leading: f32, text: &str, x: f32, width: f32) -> Vec<Item> {
    let block = TextBlock::new(style, size, text, width, 0.0);
    text_items(
        &block,
        TextStyle::new(style, size, leading),
        x,
        width,
        Align::Center,
        0.0,
    )
}

/// A thin horizontal rule centred on `centre`, in an item of its own.
fn rule_item(centre: f32, length: f32) -> Item {
    let half = length.max(0.0) / 2.0;
    Item {
        height: 6.5,
        ops: vec![Op::Rule {
            x1: centre - half,
            y1: 3.5,
            x2: centre + half,
            y2: 3.5,
            width: RULE,
        }],
        gap: false,
    }
}

/// "- Như trên;" → "Như trên": the list marks are added back uniformly.
fn strip_list_mark(entry: &str) -> &str {
    entry
        .trim()
        .trim_start_matches(['-', '–', '+', '•'])
        .trim_end_matches([';', '.', ','])
        .trim()
}
