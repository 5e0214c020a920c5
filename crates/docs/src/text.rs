//! Cleaning text before it is measured and drawn.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// NFC, line ends as `\n`, tabs as spaces, other control characters dropped.
///
/// NFC matters for Vietnamese: "Nguyễn" typed on macOS arrives as `e` + U+0302 + U+0303,
/// which the font would draw as stacked marks; NFC turns it into the precomposed `ễ`.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    if out.is_ascii() || is_nfc_quick(out.chars()) == IsNormalized::Yes {
        out
    } else {
        out.nfc().collect()
    }
}

/// A single line: [`clean`], with line breaks turned into spaces.
pub(crate) fn clean_line(text: &str) -> String {
    clean(text).replace('\n', " ")
}

/// Upper case keeping line breaks, for names the caller may break by hand
/// ("ỦY BAN NHÂN DÂN\nXÃ AN CHÂU").
pub(crate) fn upper_lines(text: &str) -> String {
    clean(text).trim().to_uppercase().nfc().collect()
}

/// Kinds of body whose name reads as "kind / place": when the name needs two lines, the break
/// goes after the kind ("ỦY BAN NHÂN DÂN / XÃ AN CHÂU").
const BODY_KINDS: [&str; 4] = [
    "ỦY BAN NHÂN DÂN",
    "UỶ BAN NHÂN DÂN",
    "HỘI ĐỒNG NHÂN DÂN",
    "VĂN PHÒNG HĐND VÀ UBND",
];

/// An issuing body's name in capitals, with a line break after its kind unless the caller
/// broke it already.
pub(crate) fn body_name(text: &str) -> String {
    let name = upper_lines(text);
    if name.contains('\n') {
        return name;
    }
    for kind in BODY_KINDS {
        if let Some(rest) = name.strip_prefix(kind)
            && rest.starts_with(' ')
            && !rest.trim().is_empty()
        {
            return format!("{kind}\n{}", rest.trim());
        }
    }
    name
}

/// Upper case for headings ("Ủy ban nhân dân" → "ỦY BAN NHÂN DÂN"), kept in NFC.
pub(crate) fn upper(text: &str) -> String {
    clean_line(text).to_uppercase().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb3_decomposed_vietnamese_becomes_precomposed() {
        let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Ho\u{302}\u{300}ng Nhung";
        assert_eq!(clean(nfd), "Nguyễn Thị Hồng Nhung");
        assert_eq!(
            clean(nfd).chars().count(),
            "Nguyễn Thị Hồng Nhung".chars().count()
        );
    }

    #[test]
    fn control_characters_are_tamed() {
        assert_eq!(clean("a\r\nb\rc\u{7}\td"), "a\nb\nc d");
        assert_eq!(clean_line("a\nb"), "a b");
    }

    #[test]
    fn body_names_break_after_their_kind() {
        assert_eq!(
            body_name("Ủy ban nhân dân xã An Châu"),
            "ỦY BAN NHÂN DÂN\nXÃ AN CHÂU"
        );
        assert_eq!(
            body_name("Ủy ban nhân dân\nxã An Châu"),
            "ỦY BAN NHÂN DÂN\nXÃ AN CHÂU"
        );
        assert_eq!(body_name("UBND tỉnh An Giang"), "UBND TỈNH AN GIANG");
        assert_eq!(body_name("Ủy ban nhân dân"), "ỦY BAN NHÂN DÂN");
    }

    #[test]
    fn headings_upper_case_vietnamese() {
        assert_eq!(
            upper("Ủy ban nhân dân xã An Châu"),
            "ỦY BAN NHÂN DÂN XÃ AN CHÂU"
        );
        assert_eq!(upper("đường"), "ĐƯỜNG");
    }
}
