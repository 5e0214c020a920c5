//! Turning query text into what scoring needs: per query token its alternatives (as typed,
//! Telex/VNI-decoded, one typo away, a prefix of the word being typed), and synonym spans that
//! may stand in for several tokens.

use std::collections::{HashMap, HashSet};

use tongdai_domain::text::{decode_typing, nfc, search_keys, tokens};

use crate::index::SearchIndex;
use crate::synonyms::Synonyms;

/// Longest query considered, in tokens (a spoken question fits easily).
const MAX_QUERY_TOKENS: usize = 32;
/// Weight of a stop word relative to a content word.
pub(crate) const STOP_WEIGHT: f32 = 0.2;
/// Weight of a word one typo away from what was typed.
const TYPO_WEIGHT: f32 = 0.7;
/// Weight of a completion of the word still being typed.
const PREFIX_WEIGHT: f32 = 0.75;
/// Weight of a synonym's expansion relative to the words typed: everyday words lead to the
/// official term with almost full weight; the reverse (official term typed, everyday words in
/// the document) and sideways (one everyday word for another) count less, since documents
/// that use the official term should come first.
const TO_OFFICIAL_WEIGHT: f32 = 0.95;
const SIDEWAYS_WEIGHT: f32 = 0.6;
const TO_EVERYDAY_WEIGHT: f32 = 0.45;
const MAX_TYPO_ALTERNATIVES: usize = 6;
const MAX_PREFIX_ALTERNATIVES: usize = 8;
const MAX_SPANS: usize = 24;

/// Synonym entries as folded token sequences, indexed by their first token.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledSynonyms {
    groups: Vec<Vec<Vec<String>>>,
    by_first: HashMap<String, Vec<(usize, usize)>>,
    stop_accent: HashSet<String>,
    stop_folded: HashSet<String>,
}

fn folded_tokens(text: &str) -> Vec<String> {
    tokens(&nfc(text))
        .map(|t| search_keys(t.text).folded)
        .filter(|f| !f.is_empty())
        .collect()
}

impl CompiledSynonyms {
    pub(crate) fn compile(s: &Synonyms) -> Self {
        let mut c = CompiledSynonyms::default();
        for entry in &s.entries {
            let mut variants: Vec<Vec<String>> = Vec::new();
            for term in std::iter::once(&entry.official).chain(&entry.everyday) {
                let toks = folded_tokens(term);
                if !toks.is_empty() && !variants.contains(&toks) {
                    variants.push(toks);
                }
            }
            if variants.len() < 2 {
                continue;
            }
            let g = c.groups.len();
            for (v, toks) in variants.iter().enumerate() {
                c.by_first.entry(toks[0].clone()).or_default().push((g, v));
            }
            c.groups.push(variants);
        }
        for w in &s.stopwords {
            for t in tokens(&nfc(w)) {
                let k = search_keys(t.text);
                c.stop_accent.insert(k.accent);
                c.stop_folded.insert(k.folded);
            }
        }
        c
    }

    fn is_stop(&self, accent: &str, folded: &str, typed_accent: bool) -> bool {
        if typed_accent {
            self.stop_accent.contains(accent)
        } else {
            self.stop_folded.contains(folded)
        }
    }
}

/// A distinct term the query looks for.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub(crate) folded: u32,
    /// The accented term typed, when the caller typed accents and the index knows it.
    pub(crate) accent: Option<u32>,
    /// Whether the caller typed accents for this term (only then does a mismatch cost).
    pub(crate) typed_accent: bool,
    pub(crate) idf: f32,
}

/// One way a query token can match: a term and how much a match counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alt {
    pub(crate) term: usize,
    pub(crate) weight: f32,
}

/// A query token (typed, or part of a synonym expansion).
#[derive(Debug, Clone)]
pub(crate) struct QToken {
    pub(crate) alts: Vec<Alt>,
    pub(crate) stop: bool,
    /// The most a match of this token can be worth (the best idf of its alternatives; a
    /// never-seen word counts as the rarest): a synonym standing in for typed words is capped
    /// by what those words could score themselves.
    pub(crate) potential: f32,
    /// Its bit in the per-position match masks.
    pub(crate) bit: u32,
}

/// A synonym expansion standing in for typed tokens `start..end`.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) tokens: Vec<QToken>,
    pub(crate) weight: f32,
}

/// The planned query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub(crate) terms: Vec<Term>,
    pub(crate) tokens: Vec<QToken>,
    pub(crate) spans: Vec<Span>,
    /// Query bits of each term (a term may serve several tokens).
    pub(crate) term_bits: Vec<u64>,
    /// Folded ids of stop words, so that "Thủ tục" in a name does not dilute it.
    pub(crate) stop_ids: HashSet<u32>,
}

impl Plan {
    pub(crate) fn build(index: &SearchIndex, text: &str) -> Plan {
        Plan::build_with(index, &index.synonyms, text)
    }

    /// The plan with another synonym list than the index's own (a tenant's list).
    pub(crate) fn build_with(index: &SearchIndex, synonyms: &CompiledSynonyms, text: &str) -> Plan {
        let text = nfc(text);
        let open_end = !text.ends_with(char::is_whitespace);
        let raw: Vec<&str> = tokens(&text)
            .map(|t| t.text)
            .take(MAX_QUERY_TOKENS)
            .collect();
        let mut b = Builder {
            index,
            synonyms,
            plan: Plan::default(),
            term_ids: HashMap::new(),
        };
        // Candidate folded forms of each token, for synonym matching.
        let mut forms: Vec<Vec<String>> = Vec::new();
        for (i, tok) in raw.iter().enumerate() {
            let keys = search_keys(tok);
            if keys.folded.is_empty() {
                continue;
            }
            let typed_accent = keys.has_diacritics();
            let stop = synonyms.is_stop(&keys.accent, &keys.folded, typed_accent);
            let mut alts = Vec::new();
            let mut form = vec![keys.folded.clone()];
            if let Some(f) = index.vocab.folded_id(&keys.folded) {
                let accent = index.vocab.accent_id(&keys.accent);
                alts.push(b.alt(f, accent, typed_accent, 1.0));
            }
            if let Some(decoded) = decode_typing(tok) {
                let dk = search_keys(&decoded);
                if let Some(f) = index.vocab.folded_id(&dk.folded) {
                    let accent = index.vocab.accent_id(&dk.accent);
                    alts.push(b.alt(f, accent, true, 1.0));
                }
                form.push(dk.folded);
            }
            if alts.is_empty() {
                let mut near = index.vocab.typo_neighbours(&keys.folded);
                near.sort_by_key(|f| std::cmp::Reverse(index.df(*f)));
                for f in near.into_iter().take(MAX_TYPO_ALTERNATIVES) {
                    alts.push(b.alt(f, None, false, TYPO_WEIGHT));
                }
                let last = i + 1 == raw.len();
                if last && open_end && keys.folded.chars().count() >= 3 {
                    for f in index
                        .vocab
                        .with_prefix(&keys.folded, MAX_PREFIX_ALTERNATIVES)
                    {
                        alts.push(b.alt(f, None, false, PREFIX_WEIGHT));
                    }
                }
            }
            let bit = b.plan.tokens.len() as u32;
            let unseen = (1.0 + (index.live as f32 + 0.5) / 0.5).ln();
            let potential = if alts.is_empty() {
                unseen
            } else {
                alts.iter()
                    .map(|a| b.plan.terms[a.term].idf)
                    .fold(0.0, f32::max)
            };
            b.plan.tokens.push(QToken {
                alts,
                stop,
                bit,
                potential,
            });
            forms.push(form);
        }
        b.add_synonym_spans(&forms);
        b.plan.stop_ids = synonyms
            .stop_folded
            .iter()
            .filter_map(|f| index.vocab.folded_id(f))
            .collect();
        b.finish()
    }
}

struct Builder<'a> {
    index: &'a SearchIndex,
    synonyms: &'a CompiledSynonyms,
    plan: Plan,
    term_ids: HashMap<(u32, Option<u32>, bool), usize>,
}

impl Builder<'_> {
    fn alt(&mut self, folded: u32, accent: Option<u32>, typed_accent: bool, weight: f32) -> Alt {
        let accent = if typed_accent { accent } else { None };
        let key = (folded, accent, typed_accent);
        let next = self.plan.terms.len();
        let term = *self.term_ids.entry(key).or_insert(next);
        if term == next {
            let n = self.index.live as f32;
            let df = self.index.df(folded) as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            self.plan.terms.push(Term {
                folded,
                accent,
                typed_accent,
                idf,
            });
        }
        Alt { term, weight }
    }

    fn add_synonym_spans(&mut self, forms: &[Vec<String>]) {
        let syn = self.synonyms;
        let mut next_bit = self.plan.tokens.len() as u32;
        let mut seen: HashSet<(usize, usize, usize, usize)> = HashSet::new();
        for start in 0..forms.len() {
            for first in &forms[start] {
                let Some(starts) = syn.by_first.get(first) else {
                    continue;
                };
                for &(g, v) in starts {
                    let variant = &syn.groups[g][v];
                    let end = start + variant.len();
                    if end > forms.len()
                        || !variant
                            .iter()
                            .enumerate()
                            .all(|(k, t)| forms[start + k].contains(t))
                    {
                        continue;
                    }
                    for (u, other) in syn.groups[g].iter().enumerate() {
                        if u == v
                            || self.plan.spans.len() >= MAX_SPANS
                            || next_bit as usize + other.len() > 64
                            || !seen.insert((start, end, g, u))
                        {
                            continue;
                        }
                        let mut toks = Vec::new();
                        for t in other {
                            let alts = match self.index.vocab.folded_id(t) {
                                Some(f) => vec![self.alt(f, None, false, 1.0)],
                                None => Vec::new(),
                            };
                            toks.push(QToken {
                                alts,
                                stop: false,
                                bit: next_bit,
                                potential: 0.0,
                            });
                            next_bit += 1;
                        }
                        // Variant 0 of a group is the official term.
                        let weight = match (v, u) {
                            (_, 0) => TO_OFFICIAL_WEIGHT,
                            (0, _) => TO_EVERYDAY_WEIGHT,
                            _ => SIDEWAYS_WEIGHT,
                        };
                        if toks.iter().any(|t| !t.alts.is_empty()) {
                            self.plan.spans.push(Span {
                                start,
                                end,
                                tokens: toks,
                                weight,
                            });
                        }
                    }
                }
            }
        }
    }

    fn finish(mut self) -> Plan {
        let mut bits = vec![0u64; self.plan.terms.len()];
        let all = self
            .plan
            .tokens
            .iter()
            .chain(self.plan.spans.iter().flat_map(|s| &s.tokens));
        for tok in all {
            for a in &tok.alts {
                bits[a.term] |= 1u64 << tok.bit;
            }
        }
        self.plan.term_bits = bits;
        self.plan
    }
}
