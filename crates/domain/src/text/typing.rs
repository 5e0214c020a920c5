//! Decoding raw Telex and VNI keystrokes that reached us unconverted.
//!
//! People who type without an input method active, or whose input method is off, send the
//! keystrokes themselves: Telex `dduwowngf` or VNI `d9u7o7ng2` for *đường*. The decoders here
//! turn one token into a syllable, and only when the token matches the pattern *and* the result
//! is a well-formed Vietnamese syllable, so English words and ASCII names survive: callers use
//! the decoding as an extra alternative, never as a replacement.

use super::letters::{Tone, is_base_vowel};
use super::syllable::{is_vietnamese_syllable, place_tone};

/// Decodes one Telex-typed token (`hoof` → `hồ`, `sow` → `sơ`, `dduwowngf` → `đường`).
///
/// `None` unless the token is ASCII letters, contains a Telex key (`dd`, `aa`, `ee`, `oo`, `w`
/// or a tone key after a vowel) and decodes to a well-formed syllable.
pub fn decode_telex(token: &str) -> Option<String> {
    if token.is_empty() || token.len() > 12 || !token.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let lower = token.to_ascii_lowercase();
    let mut out: Vec<char> = Vec::with_capacity(lower.len());
    let mut tone = Tone::Level;
    let mut changed = false;
    let mut seen_vowel = false;
    for c in lower.chars() {
        match c {
            'd' if out.len() == 1 && out[0] == 'd' => {
                out[0] = 'đ';
                changed = true;
            }
            'a' | 'e' | 'o' if out.last() == Some(&c) => {
                let last = out.len() - 1;
                out[last] = match c {
                    'a' => 'â',
                    'e' => 'ê',
                    _ => 'ô',
                };
                changed = true;
            }
            'w' => {
                apply_horn_or_breve(&mut out);
                seen_vowel = true;
                changed = true;
            }
            's' | 'f' | 'r' | 'x' | 'j' if seen_vowel => {
                tone = match c {
                    's' => Tone::Acute,
                    'f' => Tone::Grave,
                    'r' => Tone::Hook,
                    'x' => Tone::Tilde,
                    _ => Tone::Dot,
                };
                changed = true;
            }
            'z' if seen_vowel => {
                tone = Tone::Level;
                changed = true;
            }
            c => {
                seen_vowel |= is_base_vowel(c);
                out.push(c);
            }
        }
    }
    if !changed {
        return None;
    }
    finish(out, tone)
}

/// Telex `w`: `uo` → `ươ`, else the last `a` → `ă`, `o` → `ơ`, `u` → `ư` of the vowel run;
/// alone (after a consonant or at the start) it is `ư`.
fn apply_horn_or_breve(out: &mut Vec<char>) {
    let run_start = out
        .iter()
        .rposition(|c| !is_base_vowel(*c))
        .map_or(0, |i| i + 1);
    let run = &mut out[run_start..];
    if let Some(i) = run.windows(2).position(|w| w == ['u', 'o']) {
        run[i] = 'ư';
        run[i + 1] = 'ơ';
        return;
    }
    if let Some(i) = run.iter().rposition(|c| matches!(c, 'a' | 'o' | 'u')) {
        run[i] = match run[i] {
            'a' => 'ă',
            'o' => 'ơ',
            _ => 'ư',
        };
        return;
    }
    out.push('ư');
}

/// Decodes one VNI-typed token (`d9u7o7ng2` → `đường`, `ho62` → `hồ`).
///
/// Digits 1–5 are the tones (acute, grave, hook, tilde, dot), 6 the circumflex, 7 the horn,
/// 8 the breve and 9 the stroke of `đ`. `None` unless the token starts with a letter, holds at
/// least one such digit and decodes to a well-formed syllable.
pub fn decode_vni(token: &str) -> Option<String> {
    let bytes = token.as_bytes();
    if bytes.is_empty()
        || token.len() > 14
        || !bytes[0].is_ascii_alphabetic()
        || !bytes.iter().all(|b| b.is_ascii_alphanumeric())
        || !bytes.iter().any(|b| (b'1'..=b'9').contains(b))
    {
        return None;
    }
    let lower = token.to_ascii_lowercase();
    let mut out: Vec<char> = Vec::with_capacity(lower.len());
    let mut tone = Tone::Level;
    for c in lower.chars() {
        match c {
            '1'..='5' => {
                tone = match c {
                    '1' => Tone::Acute,
                    '2' => Tone::Grave,
                    '3' => Tone::Hook,
                    '4' => Tone::Tilde,
                    _ => Tone::Dot,
                };
            }
            '6' => mark_last(&mut out, &['a', 'e', 'o'], |c| match c {
                'a' => 'â',
                'e' => 'ê',
                _ => 'ô',
            })?,
            '7' => {
                let i = out.iter().rposition(|c| matches!(c, 'o' | 'u'))?;
                if out[i] == 'o' && i > 0 && out[i - 1] == 'u' {
                    out[i - 1] = 'ư';
                }
                out[i] = if out[i] == 'o' { 'ơ' } else { 'ư' };
            }
            '8' => mark_last(&mut out, &['a'], |_| 'ă')?,
            '9' => {
                let i = out.iter().position(|c| *c == 'd')?;
                out[i] = 'đ';
            }
            '0' => return None,
            c => out.push(c),
        }
    }
    finish(out, tone)
}

fn mark_last(out: &mut [char], targets: &[char], to: impl Fn(char) -> char) -> Option<()> {
    let i = out.iter().rposition(|c| targets.contains(c))?;
    out[i] = to(out[i]);
    Some(())
}

fn finish(mut out: Vec<char>, tone: Tone) -> Option<String> {
    if !place_tone(&mut out, tone) {
        return None;
    }
    let text: String = out.into_iter().collect();
    is_vietnamese_syllable(&text).then_some(text)
}

/// Decodes a token typed in Telex or VNI, whichever pattern it matches.
pub fn decode_typing(token: &str) -> Option<String> {
    if token.bytes().any(|b| b.is_ascii_digit()) {
        decode_vni(token)
    } else {
        decode_telex(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telex_examples() {
        assert_eq!(decode_telex("dduwowngf").as_deref(), Some("đường"));
        assert_eq!(decode_telex("hoof").as_deref(), Some("hồ"));
        assert_eq!(decode_telex("sow").as_deref(), Some("sơ"));
        assert_eq!(decode_telex("DDaWng").as_deref(), Some("đăng"));
        assert_eq!(decode_telex("kys").as_deref(), Some("ký"));
        assert_eq!(decode_telex("nguoiwf").as_deref(), Some("người"));
        assert_eq!(decode_telex("hoaf").as_deref(), Some("hoà"));
        assert_eq!(decode_telex("chuwngs").as_deref(), Some("chứng"));
        assert_eq!(decode_telex("thuwcj").as_deref(), Some("thực"));
        assert_eq!(decode_telex("tichj").as_deref(), Some("tịch"));
    }

    #[test]
    fn telex_leaves_plain_and_english_words() {
        for word in [
            "duong", "khai", "sinh", "phan", "anh", "news", "show", "laws", "John", "CCCD",
        ] {
            assert_eq!(decode_telex(word), None, "{word}");
        }
    }

    #[test]
    fn vni_examples() {
        assert_eq!(decode_vni("d9u7o7ng2").as_deref(), Some("đường"));
        assert_eq!(decode_vni("d9uong72").as_deref(), Some("đường"));
        assert_eq!(decode_vni("ho62").as_deref(), Some("hồ"));
        assert_eq!(decode_vni("so7").as_deref(), Some("sơ"));
        assert_eq!(decode_vni("d9a8ng").as_deref(), Some("đăng"));
        assert_eq!(decode_vni("ky1").as_deref(), Some("ký"));
    }

    #[test]
    fn vni_leaves_codes_and_words() {
        for word in ["1.001193", "h2", "abc", "mp3", "b52", "covid19"] {
            assert_eq!(decode_vni(word), None, "{word}");
        }
    }
}
