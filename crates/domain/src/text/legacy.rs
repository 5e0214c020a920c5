//! Text in the pre-Unicode Vietnamese byte encodings TCVN3 (ABC) and VNI-Windows.
//!
//! Old spreadsheets were typed in fonts such as `.VnTime` (TCVN3) or `VNI-Times` (VNI). Read as
//! Unicode, their bytes show up as Latin-1 letters: TCVN3 "B¶o Th¾ng" is *Bảo Thắng*, VNI
//! "Vieät Nam" is *Việt Nam*. Detection is conservative: text that already holds Vietnamese
//! Unicode letters is never touched, and a conversion is accepted only when nearly every word it
//! changes becomes a well-formed Vietnamese syllable, so French or German text stays as it is.

use std::borrow::Cow;

use super::normalize::lower_nfc;
use super::syllable::is_vietnamese_syllable;
use super::tokenize::tokens;

/// A legacy Vietnamese encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyEncoding {
    /// TCVN 5712:1993 VN3, the "ABC" encoding of the `.Vn…` fonts (one byte per letter).
    Tcvn3,
    /// VNI-Windows: a base letter followed by a mark byte.
    Vni,
}

/// TCVN3 (ABC): Unicode letter and the Latin-1 char its byte shows up as.
const TCVN3: [(char, char); 74] = [
    ('à', 'µ'),
    ('á', '¸'),
    ('ả', '¶'),
    ('ã', '·'),
    ('ạ', '¹'),
    ('ă', '¨'),
    ('ằ', '»'),
    ('ắ', '¾'),
    ('ẳ', '¼'),
    ('ẵ', '½'),
    ('ặ', 'Æ'),
    ('â', '©'),
    ('ầ', 'Ç'),
    ('ấ', 'Ê'),
    ('ẩ', 'È'),
    ('ẫ', 'É'),
    ('ậ', 'Ë'),
    ('đ', '®'),
    ('è', 'Ì'),
    ('é', 'Ð'),
    ('ẻ', 'Î'),
    ('ẽ', 'Ï'),
    ('ẹ', 'Ñ'),
    ('ê', 'ª'),
    ('ề', 'Ò'),
    ('ế', 'Õ'),
    ('ể', 'Ó'),
    ('ễ', 'Ô'),
    ('ệ', 'Ö'),
    ('ì', '×'),
    ('í', 'Ý'),
    ('ỉ', 'Ø'),
    ('ĩ', 'Ü'),
    ('ị', 'Þ'),
    ('ò', 'ß'),
    ('ó', 'ã'),
    ('ỏ', 'á'),
    ('õ', 'â'),
    ('ọ', 'ä'),
    ('ô', '«'),
    ('ồ', 'å'),
    ('ố', 'è'),
    ('ổ', 'æ'),
    ('ỗ', 'ç'),
    ('ộ', 'é'),
    ('ơ', '¬'),
    ('ờ', 'ê'),
    ('ớ', 'í'),
    ('ở', 'ë'),
    ('ỡ', 'ì'),
    ('ợ', 'î'),
    ('ù', 'ï'),
    ('ú', 'ó'),
    ('ủ', 'ñ'),
    ('ũ', 'ò'),
    ('ụ', 'ô'),
    ('ư', '\u{AD}'),
    ('ừ', 'õ'),
    ('ứ', 'ø'),
    ('ử', 'ö'),
    ('ữ', '÷'),
    ('ự', 'ù'),
    ('ỳ', 'ú'),
    ('ý', 'ý'),
    ('ỷ', 'û'),
    ('ỹ', 'ü'),
    ('ỵ', 'þ'),
    ('Ă', '¡'),
    ('Â', '¢'),
    ('Đ', '§'),
    ('Ê', '£'),
    ('Ô', '¤'),
    ('Ơ', '¥'),
    ('Ư', '¦'),
];

/// VNI-Windows mark bytes (as Latin-1 chars, lowercase forms) after `a`: circumflex and breve
/// series. Index = tone (none, acute, grave, hook, tilde, dot).
const VNI_CIRCUMFLEX: [char; 6] = ['â', 'á', 'à', 'å', 'ã', 'ä'];
const VNI_BREVE: [char; 6] = ['ê', 'é', 'è', 'ú', 'ü', 'ë'];
/// Tone marks after a plain vowel (or after `ô` = ơ, `ö` = ư): acute, grave, hook, tilde, dot.
const VNI_TONES: [char; 5] = ['ù', 'ø', 'û', 'õ', 'ï'];

const TONED: [&str; 12] = [
    "aáàảãạ",
    "ăắằẳẵặ",
    "âấầẩẫậ",
    "eéèẻẽẹ",
    "êếềểễệ",
    "iíìỉĩị",
    "oóòỏõọ",
    "ôốồổỗộ",
    "ơớờởỡợ",
    "uúùủũụ",
    "ưứừửữự",
    "yýỳỷỹỵ",
];

fn toned(base: char, tone: usize) -> char {
    TONED
        .iter()
        .find(|row| row.starts_with(base))
        .and_then(|row| row.chars().nth(tone))
        .unwrap_or(base)
}

fn same_case(c: char, upper: bool) -> String {
    if upper {
        c.to_uppercase().collect()
    } else {
        c.to_string()
    }
}

/// Converts TCVN3 text (as Latin-1 chars) to Unicode.
pub fn decode_tcvn3(text: &str) -> String {
    text.chars()
        .map(|c| TCVN3.iter().find(|(_, t)| *t == c).map_or(c, |(u, _)| *u))
        .collect()
}

/// Converts VNI-Windows text (as Latin-1 chars) to Unicode.
pub fn decode_vni_windows(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let upper = c.is_uppercase();
        let lower = c.to_lowercase().next().unwrap_or(c);
        let next = chars
            .get(i + 1)
            .map(|n| n.to_lowercase().next().unwrap_or(*n));
        // Single bytes that are letters on their own.
        let single = match lower {
            'ô' => Some('ơ'),
            'ö' => Some('ư'),
            'ñ' => Some('đ'),
            'í' => Some('í'),
            'ì' => Some('ì'),
            'æ' => Some('ỉ'),
            'ó' => Some('ĩ'),
            'ò' => Some('ị'),
            'î' => Some('ỵ'),
            _ => None,
        };
        let base = match (lower, single) {
            (_, Some(s)) => s,
            ('a' | 'e' | 'o' | 'u' | 'y', None) => lower,
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        i += 1;
        let mut letter = base;
        if let Some(n) = next {
            let circumflex = VNI_CIRCUMFLEX.iter().position(|m| *m == n);
            let breve = VNI_BREVE.iter().position(|m| *m == n);
            let tone = VNI_TONES.iter().position(|m| *m == n);
            match (base, circumflex, breve, tone) {
                ('a' | 'e' | 'o', Some(t), _, _) => {
                    let hat = match base {
                        'a' => 'â',
                        'e' => 'ê',
                        _ => 'ô',
                    };
                    letter = toned(hat, t);
                    i += 1;
                }
                ('a', None, Some(t), _) => {
                    letter = toned('ă', t);
                    i += 1;
                }
                ('a' | 'e' | 'o' | 'u' | 'y' | 'ơ' | 'ư', None, _, Some(t)) => {
                    letter = toned(base, t + 1);
                    i += 1;
                }
                _ => {}
            }
        }
        out.push_str(&same_case(letter, upper));
    }
    out
}

/// Converts legacy-encoded text to Unicode.
pub fn decode_legacy(text: &str, encoding: LegacyEncoding) -> String {
    match encoding {
        LegacyEncoding::Tcvn3 => decode_tcvn3(text),
        LegacyEncoding::Vni => decode_vni_windows(text),
    }
}

/// True when text already contains letters only Unicode Vietnamese uses (ă, ơ, ư, đ, ạ…).
fn has_vietnamese_unicode(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x0102..=0x0103 | 0x0110..=0x0111 | 0x0128..=0x0129 | 0x0168..=0x0169 | 0x01A0..=0x01A1 | 0x01AF..=0x01B0 | 0x1EA0..=0x1EF9))
}

/// Latin-1 chars that Unicode Vietnamese never uses but each legacy encoding does: a text must
/// hold at least one before it is considered legacy-encoded at all.
const TCVN3_EVIDENCE: &str = "µ¸¶·¹¨»¾¼½Æ©ÇÈË®ÌÐÎÏÑªÖ×ØÜÞßäåæçëîïñö÷øûüþ¡¢§£¤¥¦¬«\u{AD}";
const VNI_EVIDENCE: &str = "øûïåäëüæîñöØÛÏÅÄËÜÆÎÑÖ";

/// Share of changed words that became well-formed syllables, and how many words changed.
fn conversion_quality(original: &str, converted: &str) -> (f64, usize) {
    let mut changed = 0;
    let mut valid = 0;
    for (b, a) in original
        .split_whitespace()
        .zip(converted.split_whitespace())
    {
        if b == a {
            continue;
        }
        changed += 1;
        let word = a.trim_matches(|c: char| !c.is_alphanumeric());
        let syllables: Vec<&str> = tokens(word).map(|t| t.text).collect();
        if !syllables.is_empty()
            && syllables
                .iter()
                .all(|s| is_vietnamese_syllable(&lower_nfc(s)))
        {
            valid += 1;
        }
    }
    if changed == 0 {
        (0.0, 0)
    } else {
        (valid as f64 / changed as f64, changed)
    }
}

/// Detects TCVN3 or VNI text; `None` for Unicode text, plain ASCII, or anything the detector
/// is not confident about.
pub fn detect_legacy(text: &str) -> Option<LegacyEncoding> {
    if text.is_ascii() || has_vietnamese_unicode(text) {
        return None;
    }
    let mut best: Option<(LegacyEncoding, f64, usize)> = None;
    for (encoding, evidence) in [
        (LegacyEncoding::Tcvn3, TCVN3_EVIDENCE),
        (LegacyEncoding::Vni, VNI_EVIDENCE),
    ] {
        if !text.chars().any(|c| evidence.contains(c)) {
            continue;
        }
        let converted = decode_legacy(text, encoding);
        let (ratio, changed) = conversion_quality(text, &converted);
        if changed > 0 && ratio >= 0.9 && best.is_none_or(|(_, r, c)| (ratio, changed) > (r, c)) {
            best = Some((encoding, ratio, changed));
        }
    }
    best.map(|(encoding, _, _)| encoding)
}

/// Returns the text converted to Unicode when it is confidently TCVN3 or VNI, else unchanged.
pub fn repair_legacy(text: &str) -> Cow<'_, str> {
    match detect_legacy(text) {
        Some(encoding) => Cow::Owned(decode_legacy(text, encoding)),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_place_names() {
        assert_eq!(decode_tcvn3("B¶o Th¾ng"), "Bảo Thắng");
        assert_eq!(decode_tcvn3("B¸t X¸t"), "Bát Xát");
        assert_eq!(decode_tcvn3("M\u{AD}êng Kh\u{AD}¬ng"), "Mường Khương");
        assert_eq!(
            detect_legacy("§¨ng ký khai sinh"),
            Some(LegacyEncoding::Tcvn3)
        );
        assert_eq!(
            repair_legacy("Chøng thùc b¶n sao tõ b¶n chÝnh"),
            "Chứng thực bản sao từ bản chính"
        );
    }

    #[test]
    fn vni_words() {
        assert_eq!(decode_vni_windows("Vieät Nam"), "Việt Nam");
        assert_eq!(
            decode_vni_windows("Xin chaøo caùc baïn"),
            "Xin chào các bạn"
        );
        assert_eq!(
            decode_vni_windows("ÑAÊNG KYÙ KHAI SINH"),
            "ĐĂNG KÝ KHAI SINH"
        );
        assert_eq!(decode_vni_windows("ñöôøng"), "đường");
        assert_eq!(
            detect_legacy("Ñaêng kyù khai sinh"),
            Some(LegacyEncoding::Vni)
        );
        assert_eq!(repair_legacy("Đường ñöôøng"), "Đường ñöôøng");
    }

    #[test]
    fn unicode_and_foreign_text_is_left_alone() {
        for text in [
            "Đăng ký khai sinh",
            "Hoà Bình",
            "café crème",
            "Müller straße",
            "plain ascii",
            "naïve",
        ] {
            assert_eq!(detect_legacy(text), None, "{text}");
            assert_eq!(repair_legacy(text), text);
        }
    }
}
