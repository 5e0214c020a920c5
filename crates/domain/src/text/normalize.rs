//! NFC on input and the folded (diacritic-free) form of text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises text to NFC.
///
/// macOS and some keyboards send NFD ("Nguyễn" is 6 code points in NFC, 8 in NFD); everything
/// that enters the system is stored in NFC so that equal-looking strings compare equal.
pub fn nfc(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    text.nfc().collect()
}

/// Folds text for accent-insensitive matching: NFD, combining marks dropped, `đ`/`Đ` → `d`
/// (they do not decompose), lowercase.
///
/// `"Đường Hòa Bình"` → `"duong hoa binh"`. Idempotent, and NFC and NFD inputs fold alike.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    push_folded(text, &mut out);
    if !out.is_ascii() {
        // Lowercasing can, for a handful of non-Vietnamese letters, produce a letter that
        // decomposes again; a second pass makes folding idempotent for every input.
        let again = out.clone();
        out.clear();
        push_folded(&again, &mut out);
    }
    out
}

fn push_folded(text: &str, out: &mut String) {
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Lowercases and NFC-normalises: the base of the accented search key.
pub fn lower_nfc(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.to_lowercase().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_and_d_stroke() {
        assert_eq!(fold("Đường Hòa Bình Thạnh"), "duong hoa binh thanh");
        assert_eq!(fold("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
        assert_eq!(fold("Nguyễn"), "nguyen");
    }

    #[test]
    fn nfd_and_nfc_fold_alike() {
        let nfd: String = "Nguyễn Thị Thủy".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị Thủy");
        assert_eq!(fold(&nfd), fold("Nguyễn Thị Thủy"));
        assert_eq!(nfc(&nfd), "Nguyễn Thị Thủy");
    }
}
