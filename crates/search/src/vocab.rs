//! The term dictionaries: folded terms (what postings are keyed by), accented terms (for the
//! exact-accent preference), a cache from written tokens to their keys, and a deletion index
//! over folded terms for one-edit typo lookup.

use std::collections::{BTreeMap, HashMap};

use tongdai_domain::text::{search_keys, within_one_typo};

/// Shortest folded term (in chars) that typo tolerance applies to: shorter words have too many
/// neighbours one edit away.
pub(crate) const MIN_TYPO_CHARS: usize = 3;

#[derive(Debug, Default, Clone)]
pub(crate) struct Vocab {
    folded: BTreeMap<String, u32>,
    folded_terms: Vec<String>,
    accent: HashMap<String, u32>,
    accent_folded: Vec<u32>,
    surface: HashMap<String, Option<u32>>,
    deletes: HashMap<String, Vec<u32>>,
}

impl Vocab {
    /// The accent-term id of a written token, creating the terms it needs. `None` for tokens
    /// without a key (stray marks).
    pub(crate) fn intern(&mut self, token: &str) -> Option<u32> {
        if let Some(id) = self.surface.get(token) {
            return *id;
        }
        let keys = search_keys(token);
        let id = if keys.accent.is_empty() {
            None
        } else {
            let folded = self.intern_folded(&keys.folded);
            let next = self.accent_folded.len() as u32;
            let id = *self.accent.entry(keys.accent).or_insert(next);
            if id == next {
                self.accent_folded.push(folded);
            }
            Some(id)
        };
        if self.surface.len() < 2_000_000 {
            self.surface.insert(token.to_owned(), id);
        }
        id
    }

    fn intern_folded(&mut self, folded: &str) -> u32 {
        if let Some(id) = self.folded.get(folded) {
            return *id;
        }
        let id = self.folded_terms.len() as u32;
        self.folded.insert(folded.to_owned(), id);
        self.folded_terms.push(folded.to_owned());
        let chars: Vec<char> = folded.chars().collect();
        if chars.len() >= MIN_TYPO_CHARS {
            for d in deletions(&chars) {
                let list = self.deletes.entry(d).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        id
    }

    /// The folded term of a written token, from the cache of tokens seen while indexing (no
    /// normalisation on the hot path), else by computing its keys.
    pub(crate) fn folded_of_token(&self, token: &str) -> Option<u32> {
        match self.surface.get(token) {
            Some(accent) => accent.map(|a| self.folded_of_accent(a)),
            None => self.folded_id(&search_keys(token).folded),
        }
    }

    pub(crate) fn folded_id(&self, folded: &str) -> Option<u32> {
        self.folded.get(folded).copied()
    }

    pub(crate) fn accent_id(&self, accent: &str) -> Option<u32> {
        self.accent.get(accent).copied()
    }

    pub(crate) fn folded_of_accent(&self, accent_id: u32) -> u32 {
        self.accent_folded[accent_id as usize]
    }

    pub(crate) fn folded_count(&self) -> usize {
        self.folded_terms.len()
    }

    /// Folded terms one typing slip away from `folded` (excluding itself).
    pub(crate) fn typo_neighbours(&self, folded: &str) -> Vec<u32> {
        let chars: Vec<char> = folded.chars().collect();
        if chars.len() < MIN_TYPO_CHARS {
            return Vec::new();
        }
        let mut out: Vec<u32> = Vec::new();
        let consider = |id: u32, out: &mut Vec<u32>| {
            if !out.contains(&id) && self.folded_terms[id as usize] != folded {
                out.push(id);
            }
        };
        // `folded` is a term with one char removed: the caller left a char out.
        if let Some(ids) = self.deletes.get(folded) {
            for id in ids {
                consider(*id, &mut out);
            }
        }
        for d in deletions(&chars) {
            // The caller typed one char too many (`kyy`: the term is `ky`, kept as `ki`).
            for key in [d.clone(), search_keys(&d).folded] {
                if let Some(id) = self.folded.get(&key) {
                    consider(*id, &mut out);
                }
            }
            // Substitution or swap: both sides lose one char and meet.
            if let Some(ids) = self.deletes.get(&d) {
                for id in ids {
                    consider(*id, &mut out);
                }
            }
        }
        out.retain(|id| {
            let term = &self.folded_terms[*id as usize];
            within_one_typo(folded, term)
                || deletions(&chars)
                    .iter()
                    .any(|d| &search_keys(d).folded == term)
        });
        out
    }

    /// Folded terms that start with `prefix` (for the word still being typed), at most `max`.
    pub(crate) fn with_prefix(&self, prefix: &str, max: usize) -> Vec<u32> {
        self.folded
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| k.as_str() != prefix)
            .take(max)
            .map(|(_, id)| *id)
            .collect()
    }
}

fn deletions(chars: &[char]) -> Vec<String> {
    let mut out: Vec<String> = (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_neighbours_cover_insert_delete_substitute_swap() {
        let mut v = Vocab::default();
        for w in ["sinh", "khai", "xin", "tịch", "hôn"] {
            v.intern(w);
        }
        let names = |q: &str| -> Vec<String> {
            let mut n: Vec<String> = v
                .typo_neighbours(q)
                .iter()
                .map(|id| v.folded_terms[*id as usize].clone())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names("xinh"), ["sinh", "xin"]);
        assert_eq!(names("khia"), ["khai"]);
        assert_eq!(names("khaii"), ["khai"]);
        assert_eq!(names("tich"), Vec::<String>::new());
        assert_eq!(names("tcih"), ["tich"]);
    }

    #[test]
    fn accent_terms_share_a_folded_term() {
        let mut v = Vocab::default();
        let a = v.intern("Hòa").unwrap();
        let b = v.intern("hoà").unwrap();
        let c = v.intern("hoa").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(v.folded_of_accent(a), v.folded_of_accent(c));
        assert_eq!(v.intern("\u{301}"), None);
    }
}
