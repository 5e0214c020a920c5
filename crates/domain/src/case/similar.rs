//! Duplicate and related cases (CASE-14).
//!
//! Two contents are compared without diacritics (callers type with or without them, and
//! operators transcribe calls in a hurry): folded syllables, function words dropped, then the
//! Jaccard index of the syllable sets and of the sets of adjacent-syllable pairs, averaged.
//! Syllables capture shared vocabulary, pairs capture shared phrases ("giấy khai sinh",
//! "đèn đường"); word segmentation is not needed (vietnam.md §9). A candidate from the same
//! phone number is a strong signal (the same caller calling again), similar content a weaker
//! one (several callers about the same pothole), and both together the strongest.

use crate::phone::PhoneNumber;
use crate::text::{fold, tokens};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Vietnamese function words that say nothing about the subject, folded.
const STOP_WORDS: &[&str] = &[
    "a", "ai", "anh", "ba", "bi", "boi", "cac", "can", "cho", "chi", "co", "con", "cua", "cung",
    "da", "dang", "de", "den", "do", "duoc", "em", "gi", "hay", "hoac", "khi", "la", "lai", "len",
    "ma", "mot", "nay", "neu", "nen", "nhe", "nhung", "nhu", "nua", "o", "ong", "ra", "rat", "roi",
    "se", "tai", "thi", "toi", "trong", "tu", "va", "vao", "vay", "ve", "vi", "voi", "xin",
];

/// The compared features of a text: its content syllables and adjacent pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shingles {
    words: HashSet<String>,
    pairs: HashSet<(String, String)>,
}

impl Shingles {
    pub fn of(text: &str) -> Shingles {
        let syllables: Vec<String> = tokens(text)
            .map(|t| fold(t.text))
            .filter(|s| !STOP_WORDS.contains(&s.as_str()))
            .collect();
        let pairs = syllables
            .windows(2)
            .map(|w| (w[0].clone(), w[1].clone()))
            .collect();
        Shingles {
            words: syllables.into_iter().collect(),
            pairs,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Similarity in [0, 1]: the mean of the two Jaccard indexes (syllables only when either
    /// text has fewer than two content syllables).
    pub fn similarity(&self, other: &Shingles) -> f64 {
        let words = jaccard(&self.words, &other.words);
        if self.pairs.is_empty() || other.pairs.is_empty() {
            return words;
        }
        (words + jaccard(&self.pairs, &other.pairs)) / 2.0
    }
}

fn jaccard<T: Eq + std::hash::Hash>(a: &HashSet<T>, b: &HashSet<T>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// The similarity of two contents, in [0, 1].
pub fn similarity(a: &str, b: &str) -> f64 {
    Shingles::of(a).similarity(&Shingles::of(b))
}

/// How signals combine into a score; serde with defaults. With the defaults a same-caller
/// case with nothing in common still shows, last (a related case), while another caller's
/// report needs a content similarity of 1/3 (in tests, the same pothole described by two
/// callers scores about 0.48; different topics stay under 0.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateSettings {
    /// Candidates scoring below are not shown.
    pub threshold: f64,
    /// The score of a same-phone candidate with nothing in common (a related case); shared
    /// content raises it towards 1.
    pub same_phone_base: f64,
    /// The weight of content similarity when the phone differs.
    pub content_weight: f64,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings {
            threshold: 0.3,
            same_phone_base: 0.3,
            content_weight: 0.9,
        }
    }
}

/// An earlier case the store pre-selected (recent or still open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub case_id: i64,
    pub phone: Option<PhoneNumber>,
    pub content: String,
}

/// A candidate that may be a duplicate of, or related to, the new case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateMatch {
    pub case_id: i64,
    pub score: f64,
    pub same_phone: bool,
    pub content_similarity: f64,
}

/// The candidates at or above the threshold, best first (ties: newer case first).
pub fn rank_duplicates(
    phone: Option<&PhoneNumber>,
    content: &str,
    candidates: &[Candidate],
    settings: &DuplicateSettings,
) -> Vec<DuplicateMatch> {
    let probe = Shingles::of(content);
    let mut out: Vec<DuplicateMatch> = candidates
        .iter()
        .map(|c| {
            let sim = probe.similarity(&Shingles::of(&c.content));
            let same_phone = phone.is_some_and(|p| p.is_personal() && c.phone.as_ref() == Some(p));
            let score = if same_phone {
                settings.same_phone_base + (1.0 - settings.same_phone_base) * sim
            } else {
                settings.content_weight * sim
            };
            DuplicateMatch {
                case_id: c.case_id,
                score,
                same_phone,
                content_similarity: sim,
            }
        })
        .filter(|m| m.score >= settings.threshold)
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.case_id.cmp(&a.case_id)));
    out
}
