//! One Vietnamese syllable: where its tone goes, whether it is well formed, and the i/y rule.
//!
//! Functions here take a syllable as lowercase NFC `char`s. A syllable is split into an
//! initial consonant (with `qu` and `gi` counted as initials when a vowel follows), a vowel
//! nucleus and a final consonant.

use super::letters::{Tone, has_quality_mark, is_base_vowel, split_tone, with_tone};

/// Initial consonants, longest first so that the first prefix that matches is the right one.
const INITIALS: [&str; 27] = [
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// Nuclei that end in a glide and so take no final consonant.
const OPEN_NUCLEI: [&str; 30] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu",
    "ua", "ưa", "iêu", "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu", "ueo",
];

/// Nuclei that need a final consonant.
const CLOSED_NUCLEI: [&str; 10] = ["ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ", "oo"];

/// Nuclei with or without a final consonant.
const FREE_NUCLEI: [&str; 16] = [
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy", "ue", "uơ",
];

/// The parts of a syllable, as index ranges into its chars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts {
    nucleus_start: usize,
    nucleus_end: usize,
}

/// Finds the vowel nucleus of toneless lowercase chars.
fn parts(chars: &[char]) -> Option<Parts> {
    let n = chars.len();
    let mut i = 0;
    while i < n && !is_base_vowel(chars[i]) {
        i += 1;
    }
    if i == n {
        return None;
    }
    if i > 0 && i + 1 < n && is_base_vowel(chars[i + 1]) {
        let qu = chars[i - 1] == 'q' && chars[i] == 'u';
        let gi = chars[i - 1] == 'g' && chars[i] == 'i';
        if qu || gi {
            i += 1;
        }
    } else if i > 0 && chars[i - 1] == 'q' && chars[i] == 'u' && i + 1 == n {
        return None;
    }
    let start = i;
    let mut end = start;
    while end < n && is_base_vowel(chars[end]) {
        end += 1;
    }
    Some(Parts {
        nucleus_start: start,
        nucleus_end: end,
    })
}

/// The index of the vowel that carries the tone in the canonical ("new") style: a vowel with a
/// quality mark first (the last one, for `ươ`); else the second vowel of `oa`, `oe`, `uy` or of
/// any two-vowel nucleus followed by a consonant; else the middle of three vowels; else the
/// first.
fn tone_index(chars: &[char]) -> Option<usize> {
    let p = parts(chars)?;
    let nucleus = &chars[p.nucleus_start..p.nucleus_end];
    if let Some(i) = nucleus.iter().rposition(|c| has_quality_mark(*c)) {
        return Some(p.nucleus_start + i);
    }
    let has_final = p.nucleus_end < chars.len();
    let offset = match nucleus {
        [_] => 0,
        [_, _] if has_final => 1,
        ['o', 'a'] | ['o', 'e'] | ['u', 'y'] => 1,
        [_, _] => 0,
        _ => 1,
    };
    Some(p.nucleus_start + offset)
}

/// Strips the tones from lowercase chars in place and returns the tone found (the last one, if
/// a malformed syllable carries several) with the index it was on.
fn strip_tone(chars: &mut [char]) -> (Tone, Option<usize>) {
    let mut found = (Tone::Level, None);
    for (i, c) in chars.iter_mut().enumerate() {
        if let Some((base, tone)) = split_tone(*c) {
            *c = base;
            if tone != Tone::Level {
                found = (tone, Some(i));
            }
        }
    }
    found
}

/// Moves the tone of one lowercase syllable to its canonical vowel in place, so that old and
/// new spellings (`hòa`/`hoà`, `thủy`/`thuỷ`, `khỏe`/`khoẻ`) become the same chars.
pub fn canonicalize_tone(chars: &mut [char]) {
    // Only syllables have a tone position; codes like "0.i0ò" are left as typed (moving the
    // mark inside them would change how they split into tokens).
    if !chars.iter().all(|c| c.is_alphabetic()) {
        return;
    }
    let (tone, at) = strip_tone(chars);
    let Some(at) = at else { return };
    let target = tone_index(chars).unwrap_or(at);
    chars[target] = with_tone(chars[target], tone);
}

/// Places `tone` on the canonical vowel of toneless chars (used by the typing decoders).
pub(crate) fn place_tone(chars: &mut [char], tone: Tone) -> bool {
    if tone == Tone::Level {
        return true;
    }
    match tone_index(chars) {
        Some(i) => {
            chars[i] = with_tone(chars[i], tone);
            true
        }
        None => false,
    }
}

/// Treats `y` and `i` alike when the vowel stands alone after an initial consonant
/// (`kí`/`ký`, `lí`/`lý`, `sĩ`/`sỹ`, `qui`/`quy`), the one place where both spellings are in
/// use. Rewrites `y` to `i` in place, keeping the tone.
pub fn unify_i_y(chars: &mut [char]) {
    let bases: Vec<char> = chars
        .iter()
        .map(|c| split_tone(*c).map_or(*c, |(b, _)| b))
        .collect();
    let Some(p) = parts(&bases) else { return };
    if p.nucleus_start == 0 || p.nucleus_end != chars.len() || p.nucleus_end - p.nucleus_start != 1
    {
        return;
    }
    let i = p.nucleus_start;
    if bases[i] == 'y' {
        let tone = split_tone(chars[i]).map_or(Tone::Level, |(_, t)| t);
        chars[i] = with_tone('i', tone);
    }
}

/// Whether lowercase text (with or without a tone) is a well-formed Vietnamese syllable.
///
/// Used to accept a Telex/VNI decoding or a legacy-encoding conversion only when it yields real
/// syllables, so English words and names are left alone.
pub fn is_vietnamese_syllable(syllable: &str) -> bool {
    let mut chars: Vec<char> = syllable.chars().collect();
    if chars.is_empty() || chars.len() > 8 {
        return false;
    }
    let (tone, _) = strip_tone(&mut chars);
    let text: String = chars.iter().collect();
    let initial = INITIALS
        .iter()
        .find(|i| {
            text.starts_with(*i) && {
                // `gi` and `qu` are initials only before another vowel.
                let rest = &text[i.len()..];
                !((**i == "gi" || **i == "qu") && !rest.starts_with(|c: char| is_base_vowel(c)))
            }
        })
        .copied()
        .unwrap_or("");
    let rest = &text[initial.len()..];
    let nucleus_len = rest.chars().take_while(|c| is_base_vowel(*c)).count();
    if nucleus_len == 0 {
        // "gi" alone is the syllable "gi" (as in "gì").
        return initial == "gi" && rest.is_empty();
    }
    let split = rest
        .char_indices()
        .nth(nucleus_len)
        .map_or(rest.len(), |(i, _)| i);
    let (nucleus, fin) = rest.split_at(split);
    if !FINALS.contains(&fin) {
        return false;
    }
    let nucleus_ok = if OPEN_NUCLEI.contains(&nucleus) {
        fin.is_empty()
    } else if CLOSED_NUCLEI.contains(&nucleus) {
        !fin.is_empty()
    } else {
        FREE_NUCLEI.contains(&nucleus)
    };
    if !nucleus_ok {
        return false;
    }
    // Syllables closed by a stop take only the acute or the dot-below tone.
    let stop = matches!(fin, "c" | "ch" | "p" | "t");
    !stop || matches!(tone, Tone::Level | Tone::Acute | Tone::Dot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        canonicalize_tone(&mut chars);
        chars.into_iter().collect()
    }

    fn iy(s: &str) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        unify_i_y(&mut chars);
        chars.into_iter().collect()
    }

    #[test]
    fn old_and_new_tone_placement_meet() {
        assert_eq!(canon("hòa"), "hoà");
        assert_eq!(canon("hoà"), "hoà");
        assert_eq!(canon("thủy"), "thuỷ");
        assert_eq!(canon("khỏe"), "khoẻ");
        assert_eq!(canon("khoẻ"), "khoẻ");
        assert_eq!(canon("hoàng"), "hoàng");
        assert_eq!(canon("hòang"), "hoàng");
    }

    #[test]
    fn tone_goes_where_vietnamese_puts_it() {
        for word in [
            "của",
            "mùa",
            "người",
            "đường",
            "giữa",
            "già",
            "gì",
            "quả",
            "quý",
            "ngoài",
            "thuận",
            "quyết",
            "huỳnh",
            "tuổi",
            "khuỷu",
            "nghĩa",
            "hộ",
            "tịch",
            "chứng",
            "thực",
        ] {
            assert_eq!(canon(word), word, "{word}");
        }
    }

    #[test]
    fn lone_y_after_a_consonant_is_i() {
        assert_eq!(iy("ký"), "kí");
        assert_eq!(iy("lý"), "lí");
        assert_eq!(iy("sỹ"), "sĩ");
        assert_eq!(iy("quy"), "qui");
        assert_eq!(iy("y"), "y");
        assert_eq!(iy("ý"), "ý");
        assert_eq!(iy("thuỷ"), "thuỷ");
        assert_eq!(iy("tuy"), "tuy");
        assert_eq!(iy("yêu"), "yêu");
    }

    #[test]
    fn well_formed_syllables() {
        for ok in [
            "đường",
            "hồ",
            "sơ",
            "khai",
            "sinh",
            "nghiêng",
            "quyết",
            "gì",
            "giữa",
            "xoong",
            "hoà",
            "thuỷ",
            "tịch",
            "một",
            "ăn",
            "yêu",
            "oanh",
            "khuya",
        ] {
            assert!(is_vietnamese_syllable(ok), "{ok}");
        }
        for bad in [
            "news", "shơ", "lắ", "bàt", "john", "xyz", "tes", "ươ", "ă", "qu", "ctr",
        ] {
            assert!(!is_vietnamese_syllable(bad), "{bad}");
        }
    }
}
