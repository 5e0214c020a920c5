//! Highlighted excerpts: the window of the body with the most matched words, HTML-escaped,
//! matched words in `<mark>`.

use tongdai_domain::text::tokens;

use crate::index::Stored;
use crate::vocab::Vocab;

/// Tokens shown in a snippet.
const WINDOW: usize = 28;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The snippet of a document for the matched folded terms: from the body when it has a match,
/// else from the name.
pub(crate) fn snippet(vocab: &Vocab, doc: &Stored, matched: &[u32]) -> String {
    let is_match = |t: &str| {
        vocab
            .folded_of_token(t)
            .is_some_and(|f| matched.contains(&f))
    };
    let body = highlight(&doc.body, is_match);
    match body {
        Some(s) => s,
        None => highlight(&doc.name, is_match).unwrap_or_else(|| {
            let mut out = String::new();
            escape_html(&doc.name, &mut out);
            out
        }),
    }
}

fn highlight(text: &str, is_match: impl Fn(&str) -> bool) -> Option<String> {
    let toks: Vec<_> = tokens(text).collect();
    let hit: Vec<bool> = toks.iter().map(|t| is_match(t.text)).collect();
    if !hit.iter().any(|h| *h) {
        return None;
    }
    // The window with the most matched tokens (the earliest on ties).
    let w = WINDOW.min(toks.len());
    let mut count: usize = hit[..w].iter().filter(|h| **h).count();
    let (mut best, mut best_start) = (count, 0);
    for start in 1..=toks.len() - w {
        count = count + usize::from(hit[start + w - 1]) - usize::from(hit[start - 1]);
        if count > best {
            best = count;
            best_start = start;
        }
    }
    let (first, last) = (best_start, best_start + w - 1);
    let mut out = String::new();
    let begin = if first == 0 { 0 } else { toks[first].start };
    let end = if last + 1 == toks.len() {
        text.len()
    } else {
        toks[last].end
    };
    if first > 0 {
        out.push('…');
    }
    let mut at = begin;
    for (t, h) in toks[first..=last].iter().zip(&hit[first..=last]) {
        escape_html(&text[at..t.start], &mut out);
        if *h {
            out.push_str("<mark>");
            escape_html(t.text, &mut out);
            out.push_str("</mark>");
        } else {
            escape_html(t.text, &mut out);
        }
        at = t.end;
    }
    escape_html(&text[at..end], &mut out);
    if last + 1 < toks.len() {
        out.push('…');
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongdai_domain::text::search_keys;

    fn words<'a>(list: &'a [&'a str]) -> impl Fn(&str) -> bool + 'a {
        move |t: &str| list.contains(&search_keys(t).folded.as_str())
    }

    #[test]
    fn marks_and_escapes() {
        let s = highlight(
            "Tờ khai <đăng ký> khai sinh & giấy chứng sinh",
            words(&["khai", "sinh"]),
        )
        .unwrap();
        assert_eq!(
            s,
            "Tờ <mark>khai</mark> &lt;đăng ký&gt; <mark>khai</mark> <mark>sinh</mark> &amp; giấy chứng <mark>sinh</mark>"
        );
        assert_eq!(highlight("không có gì", words(&["khai"])), None);
    }

    #[test]
    fn long_text_gets_a_window_with_ellipses() {
        let mut text = "lorem ".repeat(100);
        text.push_str("khai sinh ");
        text.push_str(&"ipsum ".repeat(100));
        let s = highlight(&text, words(&["khai", "sinh"])).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>khai</mark> <mark>sinh</mark>"));
    }
}
