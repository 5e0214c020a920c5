//! The Vietnamese vowel letters as (base letter, tone) pairs.
//!
//! A toned vowel such as `ố` is a *base* letter carrying its quality mark (`ô`) plus one of five
//! tones. Splitting and re-joining the two is what lets tone placement be canonicalised and
//! Telex/VNI typing be decoded without going through Unicode normalisation for every syllable.

use std::sync::OnceLock;

/// The six tones, in the order the rows of [`VOWEL_ROWS`] list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tone {
    /// *thanh ngang*: no mark.
    Level,
    /// *huyền* (grave).
    Grave,
    /// *sắc* (acute).
    Acute,
    /// *hỏi* (hook above).
    Hook,
    /// *ngã* (tilde).
    Tilde,
    /// *nặng* (dot below).
    Dot,
}

impl Tone {
    const ALL: [Tone; 6] = [
        Tone::Level,
        Tone::Grave,
        Tone::Acute,
        Tone::Hook,
        Tone::Tilde,
        Tone::Dot,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Each row: the base vowel, then the same vowel with grave, acute, hook, tilde and dot below.
const VOWEL_ROWS: [&str; 12] = [
    "aàáảãạ",
    "ăằắẳẵặ",
    "âầấẩẫậ",
    "eèéẻẽẹ",
    "êềếểễệ",
    "iìíỉĩị",
    "oòóỏõọ",
    "ôồốổỗộ",
    "ơờớởỡợ",
    "uùúủũụ",
    "ưừứửữự",
    "yỳýỷỹỵ",
];

fn table() -> &'static [(char, char, Tone)] {
    static TABLE: OnceLock<Vec<(char, char, Tone)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows = Vec::with_capacity(72);
        for row in VOWEL_ROWS {
            let mut chars = row.chars();
            let base = chars.next().unwrap_or('a');
            rows.push((base, base, Tone::Level));
            for (tone, c) in Tone::ALL[1..].iter().zip(chars) {
                rows.push((c, base, *tone));
            }
        }
        rows.sort_by_key(|r| r.0);
        rows
    })
}

/// Splits a lowercase Vietnamese vowel into its base letter and tone; `None` for anything else.
pub fn split_tone(c: char) -> Option<(char, Tone)> {
    let t = table();
    t.binary_search_by_key(&c, |r| r.0)
        .ok()
        .map(|i| (t[i].1, t[i].2))
}

/// Puts `tone` on a lowercase base vowel (`a ă â e ê i o ô ơ u ư y`); other letters are returned
/// unchanged.
pub fn with_tone(base: char, tone: Tone) -> char {
    for row in VOWEL_ROWS {
        if row.starts_with(base) {
            return row.chars().nth(tone.index()).unwrap_or(base);
        }
    }
    base
}

/// True for the twelve lowercase base vowels.
pub fn is_base_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// True for base vowels that carry a quality mark: where the tone goes first.
pub fn has_quality_mark(c: char) -> bool {
    matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_toned_vowel_round_trips() {
        for row in VOWEL_ROWS {
            let base = row.chars().next().unwrap();
            for (tone, c) in Tone::ALL.iter().zip(row.chars()) {
                assert_eq!(split_tone(c), Some((base, *tone)), "{c}");
                assert_eq!(with_tone(base, *tone), c);
            }
        }
        assert_eq!(split_tone('b'), None);
        assert_eq!(split_tone('đ'), None);
    }
}
