//! Ranking, in two stages.
//!
//! 1. **Candidates**: every posting of every query term adds a BM25F-style score to its
//!    document; the best few hundred go on.
//! 2. **Re-ranking**: each candidate's stored token streams are read once to get, per query
//!    term, its frequency per field, whether the accents typed match, and which query tokens
//!    sit next to each other. From these: the best alternative per token, the best cover of the
//!    query by tokens and synonym spans, then multipliers for coverage, matches in the name,
//!    phrases, and how much of the name the query explains.

use crate::hit::Hit;
use crate::index::{BODY, FIELDS, GAP, KEYWORDS, NAME, SearchIndex, Stored};
use crate::plan::{Plan, QToken, STOP_WEIGHT};
use crate::query::{CompiledFilters, Query};
use crate::snippet::snippet;

/// Field weights: a match in the name counts most.
const FIELD_WEIGHT: [f32; FIELDS] = [5.0, 2.0, 1.0];
/// Length normalisation per field.
const FIELD_B: [f32; FIELDS] = [0.4, 0.5, 0.75];
const K1: f32 = 1.2;
/// Penalty when the caller typed accents and the document has the word with other accents.
const ACCENT_MISMATCH: f32 = 0.75;
const MIN_CANDIDATES: usize = 200;
/// Terms in more than 1/COMMON_SHARE of the documents are "common" in the candidate stage.
const COMMON_SHARE: usize = 50;
/// Terms in more than 1/VERY_COMMON_SHARE of the documents may be skipped altogether.
const VERY_COMMON_SHARE: usize = 10;
/// Above this many documents the candidate stage may skip very common terms.
const LARGE_COLLECTION: usize = 20_000;

/// Field lengths the candidate stage normalises against (fixed, so that a posting's weight can
/// be computed once at indexing and never drifts as the collection changes).
const REFERENCE_LEN: [f32; FIELDS] = [10.0, 10.0, 120.0];

fn saturate(x: f32) -> f32 {
    x / (K1 + x)
}

/// The candidate-stage weight of a term's occurrences in one document: BM25F-style saturation
/// of the field-weighted, length-normalised frequencies.
pub(crate) fn candidate_weight(tf: [u8; FIELDS], lens: [u32; FIELDS]) -> f32 {
    let x: f32 = (0..FIELDS)
        .map(|f| {
            let norm = 1.0 - FIELD_B[f] + FIELD_B[f] * lens[f] as f32 / REFERENCE_LEN[f];
            FIELD_WEIGHT[f] * f32::from(tf[f]) / norm
        })
        .sum();
    saturate(x)
}

pub(crate) fn run(index: &SearchIndex, plan: &Plan, query: &Query) -> Vec<Hit> {
    if plan.terms.is_empty() {
        return Vec::new();
    }
    let filters = (!query.filters.is_empty()).then(|| CompiledFilters::new(&query.filters));
    let candidates = candidates(index, plan, filters.as_ref(), query.limit);
    let lookup = TermLookup::new(index, plan);
    let mut scored: Vec<(f32, u32, Vec<bool>)> = candidates
        .into_iter()
        .filter_map(|d| {
            let stored = index.docs[d as usize].as_ref()?;
            let (score, matched) = rerank(index, plan, &lookup, stored);
            (score > 0.0).then_some((score, d, matched))
        })
        .collect();
    scored.sort_by(|a, b| {
        let (da, db) = (
            index.docs[a.1 as usize].as_ref(),
            index.docs[b.1 as usize].as_ref(),
        );
        b.0.total_cmp(&a.0)
            .then_with(|| da.map(|d| d.kind).cmp(&db.map(|d| d.kind)))
            .then_with(|| da.map(|d| &d.id).cmp(&db.map(|d| &d.id)))
    });
    scored
        .into_iter()
        .take(query.limit)
        .filter_map(|(score, d, matched)| {
            let stored = index.docs[d as usize].as_ref()?;
            let terms: Vec<u32> = plan
                .terms
                .iter()
                .zip(&matched)
                .filter(|(_, m)| **m)
                .map(|(t, _)| t.folded)
                .collect();
            Some(Hit {
                kind: stored.kind,
                id: stored.id.clone(),
                name: stored.name.clone(),
                score,
                snippet: snippet(&index.vocab, stored, &terms),
            })
        })
        .collect()
}

/// Stage 1: accumulate approximate scores over the postings of all query terms.
fn candidates(
    index: &SearchIndex,
    plan: &Plan,
    filters: Option<&CompiledFilters>,
    limit: usize,
) -> Vec<u32> {
    let mut weight = vec![0f32; plan.terms.len()];
    let mut note = |tok: &QToken, scale: f32| {
        let w = if tok.stop { STOP_WEIGHT } else { 1.0 } * scale;
        for a in &tok.alts {
            weight[a.term] = weight[a.term].max(a.weight * w);
        }
    };
    for tok in &plan.tokens {
        note(tok, 1.0);
    }
    for span in &plan.spans {
        let scale = span.weight * (span.end - span.start) as f32 / span.tokens.len() as f32;
        for tok in &span.tokens {
            note(tok, scale);
        }
    }
    let allowed: Option<Vec<bool>> = filters.map(|f| {
        index
            .docs
            .iter()
            .map(|d| {
                d.as_ref()
                    .is_some_and(|d| f.accepts(d.kind, &d.linh_vuc, &d.cap, &d.co_quan))
            })
            .collect()
    });
    let mut acc = vec![0f32; index.docs.len()];
    let mut touched: Vec<u32> = Vec::new();
    let keep = (limit * 20).max(MIN_CANDIDATES);
    // A term in more than this many documents is common: only its title postings are read.
    let common = (index.live / COMMON_SHARE).max(MIN_CANDIDATES);
    // Most selective terms first; in a large collection, once the selective terms have found
    // plenty of candidates, common terms only matter in re-ranking and are not read here.
    let mut order: Vec<usize> = (0..plan.terms.len()).filter(|t| weight[*t] > 0.0).collect();
    order.sort_by(|a, b| {
        let wa = weight[*a] * plan.terms[*a].idf;
        let wb = weight[*b] * plan.terms[*b].idf;
        wb.total_cmp(&wa)
    });
    for t in order {
        let term = &plan.terms[t];
        let w = weight[t] * term.idf;
        let f = term.folded as usize;
        let df = index.postings[f].len();
        let is_common = df > common;
        if df > index.live / VERY_COMMON_SHARE
            && index.live > LARGE_COLLECTION
            && touched.len() >= keep * 4
        {
            continue;
        }
        let list = if is_common {
            &index.title_postings[f]
        } else {
            &index.postings[f]
        };
        for p in list {
            if allowed.as_ref().is_some_and(|a| !a[p.doc as usize]) {
                continue;
            }
            let slot = &mut acc[p.doc as usize];
            if *slot == 0.0 {
                touched.push(p.doc);
            }
            *slot += w * p.weight;
        }
    }
    if touched.len() > keep {
        touched.select_nth_unstable_by(keep, |a, b| acc[*b as usize].total_cmp(&acc[*a as usize]));
        touched.truncate(keep);
    }
    touched
}

/// What re-ranking learns about one query term in one document.
#[derive(Debug, Clone, Copy, Default)]
struct TermStats {
    tf: [u16; FIELDS],
    accent_match: bool,
}

/// From a folded term id to the query terms on it, without hashing: a dense slot per folded
/// term of the vocabulary (a few tens of kilobytes per query).
struct TermLookup {
    slot: Vec<u16>,
    groups: Vec<Vec<usize>>,
}

impl TermLookup {
    fn new(index: &SearchIndex, plan: &Plan) -> Self {
        let mut slot = vec![0u16; index.vocab.folded_count()];
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (t, term) in plan.terms.iter().enumerate() {
            let s = &mut slot[term.folded as usize];
            if *s == 0 {
                groups.push(Vec::new());
                *s = groups.len() as u16;
            }
            groups[*s as usize - 1].push(t);
        }
        TermLookup { slot, groups }
    }

    fn get(&self, folded: u32) -> Option<&[usize]> {
        match self.slot.get(folded as usize) {
            Some(&s) if s > 0 => Some(&self.groups[s as usize - 1]),
            _ => None,
        }
    }
}

/// Stage 2: the precise score of one document, and which terms it matched.
fn rerank(index: &SearchIndex, plan: &Plan, lookup: &TermLookup, doc: &Stored) -> (f32, Vec<bool>) {
    let mut stats = vec![TermStats::default(); plan.terms.len()];
    // Bits of query tokens found next to each other: in the title fields and in the body.
    let mut title_pairs = 0u64;
    let mut body_pairs = 0u64;
    let mut name_hits = 0usize;
    let mut name_words = 0usize;
    for (field, toks) in doc.tokens.iter().enumerate() {
        let mut prev = 0u64;
        for &a in toks {
            if a == GAP {
                prev = 0;
                continue;
            }
            let f = index.vocab.folded_of_accent(a);
            let mut mask = 0u64;
            if let Some(ts) = lookup.get(f) {
                for &t in ts {
                    let s = &mut stats[t];
                    s.tf[field] = s.tf[field].saturating_add(1);
                    if plan.terms[t].accent == Some(a) {
                        s.accent_match = true;
                    }
                    mask |= plan.term_bits[t];
                }
            }
            let pairs = prev & (mask >> 1);
            if field == BODY {
                body_pairs |= pairs;
            } else {
                title_pairs |= pairs;
            }
            if field == NAME && !plan.stop_ids.contains(&f) {
                name_words += 1;
                name_hits += usize::from(mask != 0);
            }
            prev = mask;
        }
    }
    let norm: [f32; FIELDS] = std::array::from_fn(|f| {
        1.0 - FIELD_B[f] + FIELD_B[f] * doc.len(f) as f32 / index.avg_len(f)
    });
    let term_score: Vec<f32> = plan
        .terms
        .iter()
        .zip(&stats)
        .map(|(term, s)| {
            let tf: f32 = (0..FIELDS)
                .map(|f| FIELD_WEIGHT[f] * f32::from(s.tf[f]) / norm[f])
                .sum();
            let accent = if term.typed_accent && term.accent.is_some() && !s.accent_match {
                ACCENT_MISMATCH
            } else {
                1.0
            };
            term.idf * saturate(tf) * accent
        })
        .collect();
    let in_title = |t: usize| stats[t].tf[NAME] + stats[t].tf[KEYWORDS] > 0;
    // Best alternative of a token: (score, found in the title).
    let token_best = |tok: &QToken| -> (f32, bool) {
        tok.alts.iter().fold((0.0, false), |(best, title), a| {
            let s = a.weight * term_score[a.term];
            if s > best {
                (s, in_title(a.term))
            } else {
                (best, title)
            }
        })
    };
    let tokens: Vec<(f32, bool)> = plan.tokens.iter().map(token_best).collect();
    let spans: Vec<(f32, f32, bool)> = plan
        .spans
        .iter()
        .map(|span| {
            let parts: Vec<(f32, bool)> = span.tokens.iter().map(token_best).collect();
            let found = parts.iter().filter(|p| p.0 > 0.0).count();
            let mean = parts.iter().map(|p| p.0).sum::<f32>() / parts.len() as f32;
            let share = found as f32 / parts.len() as f32;
            let title = parts.iter().filter(|p| p.1).count() * 2 >= parts.len();
            let cap: f32 = plan.tokens[span.start..span.end]
                .iter()
                .map(|t| if t.stop { STOP_WEIGHT } else { 1.0 } * t.potential)
                .sum();
            let score =
                (span.weight * (span.end - span.start) as f32 * mean).min(span.weight * cap);
            (score, share, title)
        })
        .collect();
    let features = Features {
        tokens: &tokens,
        spans: &spans,
        title_pairs,
        body_pairs,
    };
    // The typed words alone, the best cover by dynamic programming, and each single synonym:
    // the multipliers below depend on the cover, so the best final score decides.
    let mut covers = vec![all_tokens(plan), best_cover(plan, &tokens, &spans)];
    for k in 0..plan.spans.len() {
        covers.push(single_span(plan, k));
    }
    let name_precision = name_hits as f32 / name_words.max(1) as f32;
    let best = covers
        .iter()
        .map(|c| features.score(plan, c))
        .fold(0f32, f32::max)
        * (1.0 + 0.3 * name_precision);
    if best <= 0.0 {
        return (0.0, vec![false; plan.terms.len()]);
    }
    let matched = stats.iter().map(|s| s.tf.iter().any(|t| *t > 0)).collect();
    (best, matched)
}

/// What the cover-dependent part of the score reads.
struct Features<'a> {
    /// Per typed token: best score and whether it was found in the title fields.
    tokens: &'a [(f32, bool)],
    /// Per span: score, share of its words found, found in the title.
    spans: &'a [(f32, f32, bool)],
    title_pairs: u64,
    body_pairs: u64,
}

impl Features<'_> {
    /// Base score of a cover times coverage, title-coverage and phrase multipliers.
    fn score(&self, plan: &Plan, cover: &[Segment]) -> f32 {
        let (mut base, mut weight, mut covered, mut title_covered) = (0f32, 0f32, 0f32, 0f32);
        let (mut pairs, mut title_adjacent, mut body_adjacent) = (0u32, 0u32, 0u32);
        let mut count_pair = |bit: u32| {
            pairs += 1;
            title_adjacent += u32::from(self.title_pairs >> bit & 1 == 1);
            body_adjacent += u32::from(self.body_pairs >> bit & 1 == 1);
        };
        let mut prev_content: Option<u32> = None;
        for seg in cover {
            match *seg {
                Segment::Token(i) => {
                    let tok = &plan.tokens[i];
                    let w = if tok.stop { STOP_WEIGHT } else { 1.0 };
                    let (s, in_title) = self.tokens[i];
                    base += w * s;
                    weight += w;
                    if s > 0.0 {
                        covered += w;
                        if in_title {
                            title_covered += w;
                        }
                    }
                    if tok.stop {
                        prev_content = None;
                    } else {
                        if let Some(p) = prev_content.filter(|p| *p + 1 == tok.bit) {
                            count_pair(p);
                        }
                        prev_content = Some(tok.bit);
                    }
                }
                Segment::Span(k) => {
                    let span = &plan.spans[k];
                    let w = (span.end - span.start) as f32;
                    let (s, share, in_title) = self.spans[k];
                    base += s;
                    weight += w;
                    covered += w * share;
                    if in_title {
                        title_covered += w * share;
                    }
                    for pair in span.tokens.windows(2) {
                        count_pair(pair[0].bit);
                    }
                    prev_content = None;
                }
            }
        }
        if base <= 0.0 || weight <= 0.0 {
            return 0.0;
        }
        let coverage = covered / weight;
        let title_coverage = title_covered / weight;
        let (phrase_title, phrase_body) = if pairs == 0 {
            (0.0, 0.0)
        } else {
            (
                title_adjacent as f32 / pairs as f32,
                body_adjacent as f32 / pairs as f32,
            )
        };
        base * (0.3 + 0.7 * coverage * coverage)
            * (1.0 + 0.5 * title_coverage)
            * (1.0 + 0.4 * phrase_title + 0.15 * phrase_body)
    }
}

fn all_tokens(plan: &Plan) -> Vec<Segment> {
    (0..plan.tokens.len()).map(Segment::Token).collect()
}

fn single_span(plan: &Plan, k: usize) -> Vec<Segment> {
    let span = &plan.spans[k];
    let mut out: Vec<Segment> = (0..span.start).map(Segment::Token).collect();
    out.push(Segment::Span(k));
    out.extend((span.end..plan.tokens.len()).map(Segment::Token));
    out
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Token(usize),
    Span(usize),
}

/// The best way to cover the typed tokens, each by itself or within a synonym span.
fn best_cover(plan: &Plan, tokens: &[(f32, bool)], spans: &[(f32, f32, bool)]) -> Vec<Segment> {
    let n = plan.tokens.len();
    let mut best = vec![0f32; n + 1];
    let mut choice: Vec<Option<Segment>> = vec![None; n + 1];
    for end in 1..=n {
        let tok = &plan.tokens[end - 1];
        let w = if tok.stop { STOP_WEIGHT } else { 1.0 };
        best[end] = best[end - 1] + w * tokens[end - 1].0;
        choice[end] = Some(Segment::Token(end - 1));
        for (k, span) in plan.spans.iter().enumerate() {
            if span.end == end {
                let s = best[span.start] + spans[k].0;
                if s > best[end] {
                    best[end] = s;
                    choice[end] = Some(Segment::Span(k));
                }
            }
        }
    }
    let mut segments = Vec::new();
    let mut at = n;
    while at > 0 {
        match choice[at] {
            Some(Segment::Span(k)) => {
                segments.push(Segment::Span(k));
                at = plan.spans[k].start;
            }
            _ => {
                segments.push(Segment::Token(at - 1));
                at -= 1;
            }
        }
    }
    segments.reverse();
    segments
}
