//! Vietnamese text: NFC normalisation, folding (diacritics removed, đ→d), tone-placement
//! canonicalisation, i/y unification, Telex/VNI decoding, tokenisation, one-edit typo
//! matching and legacy (TCVN3, VNI) encodings — the text rules search depends on (KB-3).
//!
//! Two keys describe a token for search:
//! - the **accent key** keeps the diacritics but puts the tone where the new style does
//!   (`hòa` and `hoà` → `hoà`), so a search can prefer matches typed with the right accents;
//! - the **folded key** drops every diacritic (`Đường` → `duong`), so a search finds the same
//!   documents whether or not the caller typed accents.
//!
//! [`search_keys`] also treats a lone `y` after a consonant as `i` (`ký` = `kí`), since both
//! spellings are in official use.

pub mod edit;
pub mod legacy;
mod letters;
mod normalize;
pub mod syllable;
pub mod tokenize;
pub mod typing;

pub use edit::{within_one_edit, within_one_typo};
pub use legacy::{LegacyEncoding, decode_legacy, detect_legacy, repair_legacy};
pub use letters::Tone;
pub use normalize::{fold, lower_nfc, nfc};
pub use syllable::is_vietnamese_syllable;
pub use tokenize::{Token, Tokens, tokens};
pub use typing::{decode_telex, decode_typing, decode_vni};

/// The two search keys of one token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKeys {
    /// Lowercase NFC, canonical tone placement, `y` → `i` where both are used.
    pub accent: String,
    /// The accent key folded: no diacritics, `đ` → `d`.
    pub folded: String,
}

impl TokenKeys {
    /// Whether the token carries any diacritic (its accent and folded keys differ).
    pub fn has_diacritics(&self) -> bool {
        self.accent != self.folded
    }
}

/// Lowercase NFC chars of a token without stray combining marks: marks NFC could not compose
/// (a second tone on one vowel) are typing noise, and keeping them would make keys unstable.
fn key_chars(token: &str) -> Vec<char> {
    lower_nfc(token)
        .chars()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// Search keys of one token (a syllable, a number or a code).
pub fn search_keys(token: &str) -> TokenKeys {
    let mut chars = key_chars(token);
    syllable::canonicalize_tone(&mut chars);
    syllable::unify_i_y(&mut chars);
    let accent: String = chars.into_iter().collect();
    let folded = fold(&accent);
    TokenKeys { accent, folded }
}

/// The accented key of a text: tokens lowercased, NFC, tone placement canonical, joined by
/// single spaces ("Hòa Bình Thạnh" and "Hoà Bình Thạnh" → "hoà bình thạnh").
pub fn accent_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(&nfc(text)) {
        let mut chars = key_chars(token.text);
        if chars.is_empty() {
            continue;
        }
        syllable::canonicalize_tone(&mut chars);
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(chars);
    }
    out
}

/// The folded key of a text: tokens folded and joined by single spaces
/// ("Đường  Hòa-Bình" → "duong hoa binh").
pub fn folded_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(&nfc(text)) {
        let folded = fold(token.text);
        if folded.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_unify_spellings() {
        assert_eq!(search_keys("Hòa"), search_keys("hoà"));
        assert_eq!(search_keys("THỦY"), search_keys("thuỷ"));
        assert_eq!(search_keys("ký"), search_keys("kí"));
        assert_eq!(search_keys("ký").folded, "ki");
        assert_eq!(search_keys("Đường").folded, "duong");
        assert!(search_keys("Đường").has_diacritics());
        assert!(!search_keys("duong").has_diacritics());
        assert_eq!(search_keys("1.001193").accent, "1.001193");
    }

    #[test]
    fn text_keys() {
        assert_eq!(accent_key("Hòa Bình Thạnh"), accent_key("Hoà Bình Thạnh"));
        assert_eq!(accent_key("Khỏe"), "khoẻ");
        assert_eq!(folded_key("Đường  Hòa-Bình"), "duong hoa binh");
    }
}
