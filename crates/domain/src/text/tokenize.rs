//! Splitting text into syllables (Vietnamese words are space-separated syllables).

use unicode_normalization::char::is_combining_mark;

/// One token: a syllable, a number or a code, with its byte range in the text it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token as written.
    pub text: &'a str,
    /// Byte offset of its first char.
    pub start: usize,
    /// Byte offset just past its last char.
    pub end: usize,
}

/// Iterator over the tokens of a text; see [`tokens`].
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = &self.text[self.pos..];
        let (skip, _) = rest.char_indices().find(|(_, c)| is_token_char(*c))?;
        let start = self.pos + skip;
        let mut end = start;
        let mut prev: Option<char> = None;
        let mut chars = self.text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let joins_code = c == '.'
                && prev.is_some_and(|p| p.is_ascii_digit())
                && chars.peek().is_some_and(|(_, n)| n.is_ascii_alphanumeric());
            if is_token_char(c) || joins_code {
                end = start + i + c.len_utf8();
                prev = Some(c);
            } else {
                break;
            }
        }
        self.pos = end;
        Some(Token {
            text: &self.text[start..end],
            start,
            end,
        })
    }
}

/// The tokens of `text`: maximal runs of letters, digits and combining marks. A dot between a
/// digit and a letter or digit stays inside the token, so procedure codes such as `1.001193` or
/// `1.001612.000.00.00.H01` are one token.
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokens(s).map(|t| t.text).collect()
    }

    #[test]
    fn splits_syllables_and_keeps_codes() {
        assert_eq!(
            texts("Đăng ký khai sinh (1.001193)."),
            ["Đăng", "ký", "khai", "sinh", "1.001193"]
        );
        assert_eq!(
            texts("mã 1.001612.000.00.00.H01, TN&MT"),
            ["mã", "1.001612.000.00.00.H01", "TN", "MT"]
        );
        assert_eq!(texts("  "), Vec::<&str>::new());
        assert_eq!(texts("năm 2025."), ["năm", "2025"]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let s = "Hộ tịch: khai sinh";
        for t in tokens(s) {
            assert_eq!(&s[t.start..t.end], t.text);
        }
    }
}
