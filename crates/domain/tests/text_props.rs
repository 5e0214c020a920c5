//! Properties of the Vietnamese text rules (KB-3): folding is idempotent, NFC and NFD inputs
//! give the same keys, tone placement is canonical, and nothing panics on arbitrary input
//! (the decoders and the legacy-encoding detector read outside input).

use proptest::prelude::*;
use tongdai_domain::text::{
    LegacyEncoding, accent_key, decode_legacy, decode_telex, decode_typing, decode_vni,
    detect_legacy, fold, folded_key, nfc, repair_legacy, search_keys, tokens, within_one_edit,
    within_one_typo,
};
use unicode_normalization::UnicodeNormalization;

/// Text made of Vietnamese letters (precomposed and decomposed), ASCII, digits and punctuation.
fn vietnamese_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> =
        "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ\
         AĂÂĐÊÔƠƯÁÀẢÃẠ0123456789 .,-/()\u{300}\u{301}\u{303}\u{309}\u{323}"
            .chars()
            .collect();
    proptest::collection::vec(proptest::sample::select(alphabet), 0..40)
        .prop_map(|chars| chars.into_iter().collect())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// KB-3: folding twice changes nothing.
    #[test]
    fn fold_is_idempotent(s in any::<String>()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn fold_is_idempotent_on_vietnamese(s in vietnamese_text()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once.clone());
        prop_assert!(!once.contains('đ') && !once.contains('Đ'));
    }

    /// KB-3: text arriving in NFD (macOS, some keyboards) yields the same keys as NFC.
    #[test]
    fn nfc_and_nfd_give_the_same_keys(s in vietnamese_text()) {
        let composed: String = s.nfc().collect();
        let decomposed: String = s.nfd().collect();
        prop_assert_eq!(fold(&composed), fold(&decomposed));
        prop_assert_eq!(folded_key(&composed), folded_key(&decomposed));
        prop_assert_eq!(accent_key(&composed), accent_key(&decomposed));
        let nfc_keys: Vec<_> = tokens(&nfc(&composed)).map(|t| search_keys(t.text)).collect();
        let nfd_keys: Vec<_> = tokens(&nfc(&decomposed)).map(|t| search_keys(t.text)).collect();
        prop_assert_eq!(nfc_keys, nfd_keys);
    }

    /// KB-3: the accented key is already canonical, and folding it gives the folded key
    /// (a shrunk failure once was the code-like text "0.i0ò", see `code_like_tokens_keep_their_shape`).
    #[test]
    fn accent_key_is_canonical(s in vietnamese_text()) {
        let key = accent_key(&s);
        prop_assert_eq!(accent_key(&key), key.clone());
        prop_assert_eq!(folded_key(&key), folded_key(&s));
    }

    /// KB-3: search keys of a token are stable under re-keying.
    #[test]
    fn search_keys_are_stable(s in vietnamese_text()) {
        for t in tokens(&nfc(&s)) {
            let keys = search_keys(t.text);
            prop_assert_eq!(search_keys(&keys.accent), keys.clone());
            prop_assert_eq!(fold(&keys.accent), keys.folded);
        }
    }

    /// Outside input never panics the decoders, the tokenizer or the legacy detector.
    #[test]
    fn no_panic_on_arbitrary_strings(s in any::<String>()) {
        let _ = decode_telex(&s);
        let _ = decode_vni(&s);
        let _ = decode_typing(&s);
        let _ = detect_legacy(&s);
        let _ = repair_legacy(&s);
        let _ = decode_legacy(&s, LegacyEncoding::Tcvn3);
        let _ = decode_legacy(&s, LegacyEncoding::Vni);
        let _ = accent_key(&s);
        for t in tokens(&s) {
            prop_assert_eq!(&s[t.start..t.end], t.text);
            let _ = search_keys(t.text);
        }
    }

    /// Outside bytes (lossily decoded, as an import would) never panic either.
    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&bytes);
        let latin1: String = bytes.iter().map(|b| char::from(*b)).collect();
        for text in [s.as_ref(), latin1.as_str()] {
            let _ = repair_legacy(text);
            let _ = decode_typing(text);
            let _ = folded_key(text);
        }
    }

    /// Telex/VNI decodings are always well-formed, lowercase NFC syllables.
    #[test]
    fn decodings_are_syllables(s in "[a-z]{1,8}", d in "[a-z]{1,4}[1-9][a-z]{0,3}") {
        for decoded in [decode_telex(&s), decode_vni(&d)].into_iter().flatten() {
            prop_assert!(tongdai_domain::text::is_vietnamese_syllable(&decoded), "{}", decoded);
            prop_assert_eq!(nfc(&decoded), decoded);
        }
    }

    /// The one-edit helper agrees with a full Levenshtein distance.
    #[test]
    fn within_one_edit_matches_levenshtein(a in "[abcđơ]{0,6}", b in "[abcđơ]{0,6}") {
        prop_assert_eq!(within_one_edit(&a, &b), levenshtein(&a, &b) <= 1);
        prop_assert_eq!(within_one_edit(&a, &b), within_one_edit(&b, &a));
        if within_one_edit(&a, &b) {
            prop_assert!(within_one_typo(&a, &b));
        }
    }
}

/// A regression found by the property above: tone canonicalisation must not reach into
/// code-like tokens, or re-keying splits them differently.
#[test]
fn code_like_tokens_keep_their_shape() {
    let key = accent_key("0.i0ò");
    assert_eq!(accent_key(&key), key);
    assert_eq!(accent_key("hòa"), accent_key("hoà"));
}
