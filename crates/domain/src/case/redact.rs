//! Removing personal data from a text before it is published (CASE-10, SEC-4; vietnam.md §8:
//! "Redact names, phones, IDs, addresses before publication").
//!
//! What is masked, keeping the text readable:
//! - the caller's full name, with or without diacritics, and their given name alone when it
//!   stands as a name (capitalised, not part of a longer proper noun such as "An Giang"):
//!   "ông Nguyễn Văn An" → "ông N***", "Nguyễn Văn An" → "ông/bà N***";
//! - phone numbers in any common written form (`0912 345 678`, `0912.345.678`, `+84 912 345
//!   678`, `(+84) 912-345-678`, `84912345678`): "0912 *** 678";
//! - e-mail addresses: "a***@gmail.com";
//! - CCCD (12 digits) and CMND (9 digits) numbers, and any other run of 9 or more digits
//!   (dossier codes, account numbers): only the last digits stay;
//! - the specific part of the caller's address (house number, street, hamlet; the commune and
//!   province are public): "***".
//!
//! Amounts of money ("15.000.000 đồng") and national procedure codes stay. The masker errs on
//! the side of masking: the coordinator moderates the result before publication and sees the
//! list of what was masked.

use super::intake::clean_text;
use super::state::Case;
use crate::phone::PhoneNumber;
use crate::text::{fold, nfc, search_keys, tokens};
use serde::{Deserialize, Serialize};

code_enum! {
    /// What was masked.
    MaskKind {
        Name = "name" / "họ tên",
        GivenName = "given_name" / "tên gọi",
        Phone = "phone" / "số điện thoại",
        Email = "email" / "thư điện tử",
        IdNumber = "id_number" / "số CCCD/CMND",
        Number = "number" / "dãy số dài",
        Address = "address" / "địa chỉ",
    }
}

/// Whose data to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub phones: Vec<PhoneNumber>,
    pub emails: Vec<String>,
    pub address: String,
}

impl Subject {
    /// The caller of a case.
    pub fn of_case(case: &Case) -> Subject {
        Subject {
            name: case.caller.name.clone(),
            phones: vec![case.caller.phone.clone()],
            emails: case.caller.email.iter().cloned().collect(),
            address: case.caller.address.clone(),
        }
    }
}

/// One masked stretch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masked {
    pub kind: MaskKind,
    pub original: String,
    pub replacement: String,
}

/// The masked text and what was masked (personal data: show it to the moderator only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redacted {
    pub text: String,
    pub masked: Vec<Masked>,
}

/// Masks the personal data of `subject`, and any phone number, e-mail address or ID number,
/// in `text` (normalised to NFC first).
pub fn redact(text: &str, subject: &Subject) -> Redacted {
    let text = nfc(text);
    let mut spans = Vec::new();
    find_emails(&text, &mut spans);
    find_numbers(&text, subject, &mut spans);
    find_names(&text, &subject.name, &mut spans);
    find_address(&text, &subject.address, &mut spans);
    let (out, mut masked) = apply(&text, spans);
    let (out, more) = mask_remaining_phones(out, subject);
    masked.extend(more);
    Redacted { text: out, masked }
}

/// The kinds of strong personal data in `text` (everything [`redact`] would mask except a
/// given name alone, which is too often an ordinary word): a text meant for publication
/// must come back empty.
pub fn personal_data_in(text: &str, subject: &Subject) -> Vec<MaskKind> {
    let mut kinds: Vec<MaskKind> = redact(text, subject)
        .masked
        .into_iter()
        .map(|m| m.kind)
        .filter(|k| *k != MaskKind::GivenName)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[derive(Debug, Clone)]
struct Span {
    start: usize,
    end: usize,
    kind: MaskKind,
    replacement: String,
}

fn apply(text: &str, mut spans: Vec<Span>) -> (String, Vec<Masked>) {
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out = String::with_capacity(text.len());
    let mut masked = Vec::new();
    let mut pos = 0;
    for s in spans {
        if s.start < pos {
            continue;
        }
        out.push_str(&text[pos..s.start]);
        out.push_str(&s.replacement);
        masked.push(Masked {
            kind: s.kind,
            original: text[s.start..s.end].to_owned(),
            replacement: s.replacement,
        });
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    (out, masked)
}

// ---------------------------------------------------------------------------------------
// E-mail addresses

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

fn find_emails(text: &str, spans: &mut Vec<Span>) {
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map(|(i, _)| i)
            .unwrap_or(at);
        let mut end = at
            + 1
            + text[at + 1..]
                .char_indices()
                .take_while(|(_, c)| is_domain_char(*c))
                .last()
                .map(|(i, c)| i + c.len_utf8())
                .unwrap_or(0);
        while end > at + 1 && text[..end].ends_with(['.', '-']) {
            end -= 1;
        }
        let local = &text[start..at];
        let domain = &text[at + 1..end];
        if local.is_empty() || !domain.contains('.') {
            continue;
        }
        let first = local.chars().next().unwrap_or('*');
        spans.push(Span {
            start,
            end,
            kind: MaskKind::Email,
            replacement: format!("{first}***@{domain}"),
        });
    }
}

// ---------------------------------------------------------------------------------------
// Phone numbers, ID numbers and other long digit runs

const SEPARATORS: &[char] = &[' ', '\u{a0}', '.', '-', '(', ')'];

/// Maximal stretches of digits joined by short separators ("0912 345 678", "(+84) 912-345").
fn number_runs(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() {
            i += 1;
            continue;
        }
        // Include a leading "+", "(+", "(" directly before the first digit.
        let mut start = i;
        if start > 0 && chars[start - 1].1 == '+' {
            start -= 1;
        }
        if start > 0 && chars[start - 1].1 == '(' {
            start -= 1;
        }
        let mut end = i; // index of the last digit
        let mut j = i + 1;
        loop {
            while j < chars.len() && chars[j].1.is_ascii_digit() {
                end = j;
                j += 1;
            }
            // A separator stretch: at most 3 chars of SEPARATORS, at most one '.', and a '.'
            // only alone (". " ends a sentence); then a digit.
            let mut k = j;
            while k < chars.len() && k - j < 4 && SEPARATORS.contains(&chars[k].1) {
                k += 1;
            }
            let sep: String = chars[j..k].iter().map(|(_, c)| *c).collect();
            let ok = !sep.is_empty()
                && sep.len() <= 3
                && (!sep.contains('.') || sep == ".")
                && k < chars.len()
                && chars[k].1.is_ascii_digit();
            if ok {
                j = k;
            } else {
                break;
            }
        }
        let mut end_byte = chars[end].0 + 1;
        // A closing parenthesis right after the digits belongs to the run.
        if end + 1 < chars.len()
            && chars[end + 1].1 == ')'
            && text[chars[start].0..].starts_with('(')
        {
            end_byte += 1;
        }
        runs.push((chars[start].0, end_byte));
        i = end + 1;
    }
    runs
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// "1.500.000" followed by a currency word: an amount, not personal data.
fn is_money(run: &str, after: &str) -> bool {
    let groups: Vec<&str> = run.split(['.', ',']).collect();
    let grouped = groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && !groups[0].starts_with('0')
        && groups[0].bytes().all(|b| b.is_ascii_digit())
        && groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    if !grouped {
        return false;
    }
    let next = fold(after.split_whitespace().next().unwrap_or(""));
    let word: String = next.chars().take_while(|c| c.is_alphanumeric()).collect();
    matches!(
        word.as_str(),
        "d" | "dong" | "vnd" | "trieu" | "ty" | "nghin" | "ngan" | "usd"
    )
}

/// "1.001612.000.00.00" followed by ".H01": a national procedure code (public).
fn is_procedure_code(run: &str, after: &str) -> bool {
    let parts: Vec<&str> = run.split('.').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    lens == [1, 6, 3, 2, 2]
        && after.starts_with(".H")
        && after[2..].starts_with(|c: char| c.is_ascii_digit())
}

/// Whether a run is written the way phone numbers are: with the trunk 0, the country code
/// or a plus. "385123456" parses as a phone without its 0, but in a text it is far more
/// likely a 9-digit CMND.
fn written_as_phone(run: &str, digits: &str) -> bool {
    run.starts_with(['0', '+', '('])
        || (digits.starts_with("84") && (11..=12).contains(&digits.len()))
}

fn significant(p: &PhoneNumber) -> String {
    let n = p.national();
    n.strip_prefix('0').unwrap_or(&n).to_owned()
}

fn mask_number(digits: &str) -> String {
    let n = digits.len();
    format!("{} *** {}", &digits[..2], &digits[n - 2..])
}

fn find_numbers(text: &str, subject: &Subject, spans: &mut Vec<Span>) {
    let subject_digits: Vec<String> = subject.phones.iter().map(significant).collect();
    for (start, end) in number_runs(text) {
        let run = &text[start..end];
        let digits = digits_of(run);
        let contains_subject = subject_digits
            .iter()
            .any(|s| !s.is_empty() && digits.contains(s));
        if digits.len() < 9 && !contains_subject {
            continue;
        }
        let after = &text[end..];
        if !contains_subject && (is_money(run, after) || is_procedure_code(run, after)) {
            continue;
        }
        let (kind, replacement) = match PhoneNumber::parse(run) {
            Ok(p) if p.is_personal() && written_as_phone(run, &digits) => {
                (MaskKind::Phone, p.masked())
            }
            _ if digits.len() == 9 || digits.len() == 12 => {
                let n = digits.len();
                (
                    MaskKind::IdNumber,
                    format!("{}{}", "*".repeat(n - 3), &digits[n - 3..]),
                )
            }
            _ => (MaskKind::Number, mask_number(&digits)),
        };
        spans.push(Span {
            start,
            end,
            kind,
            replacement,
        });
    }
}

/// A last pass: the subject's phone digits must not survive in any form, whatever separators
/// were used (a form the run finder did not join, such as "0912 / 345 678").
fn mask_remaining_phones(text: String, subject: &Subject) -> (String, Vec<Masked>) {
    let mut text = text;
    let mut masked = Vec::new();
    for p in &subject.phones {
        let needle = significant(p);
        if needle.len() < 6 {
            continue;
        }
        loop {
            // Digits of the text with their byte positions, skipping any non-alphanumeric
            // separator between them.
            let mut digits = String::new();
            let mut pos = Vec::new();
            for (i, c) in text.char_indices() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    pos.push(i);
                } else if c.is_alphanumeric() {
                    digits.push('x');
                    pos.push(i);
                }
            }
            let Some(at) = digits.find(&needle) else {
                break;
            };
            // Take the trunk 0 or the country code (with its plus) along.
            let first = if digits[..at].ends_with('0') {
                at - 1
            } else if digits[..at].ends_with("84") {
                at - 2
            } else {
                at
            };
            let mut start = pos[first];
            if text[..start].ends_with('+') {
                start -= 1;
            }
            let end = pos[at + needle.len() - 1] + 1;
            let replacement = p.masked();
            masked.push(Masked {
                kind: MaskKind::Phone,
                original: text[start..end].to_owned(),
                replacement: replacement.clone(),
            });
            text.replace_range(start..end, &replacement);
        }
    }
    (text, masked)
}

// ---------------------------------------------------------------------------------------
// Names and addresses

struct Tok {
    start: usize,
    end: usize,
    folded: String,
    text: String,
}

fn toks(text: &str) -> Vec<Tok> {
    tokens(text)
        .map(|t| Tok {
            start: t.start,
            end: t.end,
            folded: fold(t.text),
            text: t.text.to_owned(),
        })
        .collect()
}

fn folded_tokens(s: &str) -> Vec<String> {
    tokens(&nfc(s)).map(|t| fold(t.text)).collect()
}

/// Start indices (in `hay`) of every occurrence of `needle`, compared folded.
fn find_seq(hay: &[Tok], needle: &[String]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| {
            needle
                .iter()
                .enumerate()
                .all(|(k, n)| hay[i + k].folded == *n)
        })
        .collect()
}

const HONORIFICS: &[&str] = &[
    "ong", "ba", "anh", "chi", "co", "chu", "bac", "em", "chau", "di", "cu",
];

fn is_capitalised(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

/// Whether the text before `start` ends a sentence (or is empty).
fn sentence_start(text: &str, start: usize) -> bool {
    match text[..start].trim_end().chars().last() {
        None => true,
        Some(c) => ".!?:;\n\"“(".contains(c),
    }
}

fn find_names(text: &str, name: &str, spans: &mut Vec<Span>) {
    let needle = folded_tokens(name);
    if needle.is_empty() {
        return;
    }
    let hay = toks(text);
    let family = tokens(&nfc(name))
        .next()
        .and_then(|t| t.text.chars().next())
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_else(|| "X".into());
    let mask = format!("{family}***");
    let honorific_before = |i: usize| i > 0 && HONORIFICS.contains(&hay[i - 1].folded.as_str());
    let replacement = |i: usize, start: usize| {
        if honorific_before(i) {
            mask.clone()
        } else if sentence_start(text, start) {
            format!("Ông/bà {mask}")
        } else {
            format!("ông/bà {mask}")
        }
    };
    let mut full = vec![false; hay.len()];
    for i in find_seq(&hay, &needle) {
        let (start, end) = (hay[i].start, hay[i + needle.len() - 1].end);
        for f in &mut full[i..i + needle.len()] {
            *f = true;
        }
        spans.push(Span {
            start,
            end,
            kind: MaskKind::Name,
            replacement: replacement(i, start),
        });
    }
    if needle.len() < 2 {
        return;
    }
    // The given name alone: accents as written (so "An" does not match "ăn" or "ân"),
    // capitalised, and not next to another capitalised word unless that word is an
    // honorific ("Bình Hòa", "An Giang" are places).
    let given = tokens(&nfc(name))
        .last()
        .map(|t| search_keys(t.text).accent)
        .unwrap_or_default();
    for (i, t) in hay.iter().enumerate() {
        if full[i] || !is_capitalised(&t.text) || search_keys(&t.text).accent != given {
            continue;
        }
        let adjacent = |j: usize| {
            let between = if j < i {
                &text[hay[j].end..t.start]
            } else {
                &text[t.end..hay[j].start]
            };
            between.chars().all(|c| c == ' ' || c == '\u{a0}') && is_capitalised(&hay[j].text)
        };
        let before = i > 0 && adjacent(i - 1) && !honorific_before(i);
        let after = i + 1 < hay.len() && adjacent(i + 1);
        if before || after {
            continue;
        }
        spans.push(Span {
            start: t.start,
            end: t.end,
            kind: MaskKind::GivenName,
            replacement: replacement(i, t.start),
        });
    }
}

/// Words that open a public administrative part of an address.
const UNIT_WORDS: &[&[&str]] = &[
    &["xa"],
    &["phuong"],
    &["thi", "tran"],
    &["thi", "xa"],
    &["huyen"],
    &["quan"],
    &["tinh"],
    &["thanh", "pho"],
    &["tp"],
    &["dac", "khu"],
];

/// The length of the unit word starting at token `i`, if one does.
fn unit_word_at(toks: &[Tok], i: usize) -> Option<usize> {
    UNIT_WORDS
        .iter()
        .find(|w| {
            i + w.len() <= toks.len() && w.iter().enumerate().all(|(k, s)| toks[i + k].folded == *s)
        })
        .map(|w| w.len())
}

fn find_address(text: &str, address: &str, spans: &mut Vec<Span>) {
    let addr = clean_text(address);
    let at = toks(&addr);
    let comma_before =
        |i: usize| i > 0 && addr[at[i - 1].end..at[i].start].contains([',', ';', '\n']);
    // The specific part ends where the public administrative part begins: a unit word at the
    // start of a comma-separated component, or followed by a capitalised name ("xã Bình Hòa",
    // but not "tỉnh lộ 10").
    let cut = (0..at.len())
        .find(|&i| {
            unit_word_at(&at, i).is_some_and(|n| {
                i == 0 || comma_before(i) || at.get(i + n).is_some_and(|t| is_capitalised(&t.text))
            })
        })
        .unwrap_or(at.len());
    if cut == 0 {
        return;
    }
    let hay = toks(text);
    let mut push = |needle: &[String]| {
        for i in find_seq(&hay, needle) {
            spans.push(Span {
                start: hay[i].start,
                end: hay[i + needle.len() - 1].end,
                kind: MaskKind::Address,
                replacement: "***".into(),
            });
        }
    };
    let whole: Vec<String> = at[..cut].iter().map(|t| t.folded.clone()).collect();
    push(&whole);
    // A component alone, when it is distinctive: two or more tokens with letters in them
    // ("đường Trần Hưng Đạo", "ấp Hòa Long"), not a bare "số 12".
    let mut components: Vec<Vec<String>> = Vec::new();
    for (i, t) in at[..cut].iter().enumerate() {
        if i == 0 || comma_before(i) {
            components.push(Vec::new());
        }
        if let Some(c) = components.last_mut() {
            c.push(t.folded.clone());
        }
    }
    for mut comp in components {
        // Without its house number ("số 12", "12/3"): the street or hamlet alone.
        let named = comp
            .iter()
            .position(|t| {
                t.chars().any(char::is_alphabetic) && !["so", "nha"].contains(&t.as_str())
            })
            .unwrap_or(comp.len());
        comp.drain(..named);
        let letters = comp
            .iter()
            .filter(|t| t.chars().any(char::is_alphabetic))
            .count();
        if comp.len() >= 2 && letters >= 2 && comp.len() < whole.len() {
            push(&comp);
        }
    }
}
