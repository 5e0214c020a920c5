//! The in-memory inverted index: documents in, postings per folded term, updated one document
//! at a time.

use std::collections::HashMap;

use thiserror::Error;
use tongdai_domain::text::{folded_key, nfc, tokens};

use crate::doc::{Doc, DocKind};
use crate::hit::Hit;
use crate::query::Query;
use crate::synonyms::Synonyms;
use crate::vocab::Vocab;
use crate::{plan, score};

/// Field indexes.
pub(crate) const NAME: usize = 0;
pub(crate) const KEYWORDS: usize = 1;
pub(crate) const BODY: usize = 2;
pub(crate) const FIELDS: usize = 3;

/// Separates keywords in the token stream so that phrases never span two keywords.
pub(crate) const GAP: u32 = u32::MAX;

/// One posting: a document and the candidate-stage weight of the term's occurrences in it,
/// computed once at indexing (re-ranking re-reads the document's tokens for exact figures).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Posting {
    pub(crate) doc: u32,
    pub(crate) weight: f32,
}

/// A stored document: what results show and what scoring re-reads.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) kind: DocKind,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) body: String,
    /// Accent-term ids per field, in order ([`GAP`] between keywords).
    pub(crate) tokens: [Vec<u32>; FIELDS],
    pub(crate) linh_vuc: Vec<String>,
    pub(crate) cap: Vec<String>,
    pub(crate) co_quan: Vec<String>,
    /// Tokens per field (without gaps).
    pub(crate) lens: [u32; FIELDS],
}

impl Stored {
    pub(crate) fn len(&self, field: usize) -> usize {
        self.lens[field] as usize
    }
}

/// A synonym list compiled for querying, to pass to [`SearchIndex::search_with`]; compile
/// once per list and keep it (compiling reads every entry).
#[derive(Debug, Clone, Default)]
pub struct SynonymSet(plan::CompiledSynonyms);

impl SynonymSet {
    /// Compiles a list.
    pub fn compile(synonyms: &Synonyms) -> Self {
        SynonymSet(plan::CompiledSynonyms::compile(synonyms))
    }
}

/// Why a document was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DocError {
    /// The id (procedure code or FAQ id) is blank.
    #[error("a {0} document needs an id")]
    MissingId(&'static str),
    /// The name (procedure name or FAQ question) is blank.
    #[error("{kind} {id} has no name")]
    MissingName {
        /// `procedure` or `faq`.
        kind: &'static str,
        /// Its id.
        id: String,
    },
}

/// The search index of procedures and FAQs (KB-3).
///
/// Build it with [`SearchIndex::new`], feed it with [`upsert`](SearchIndex::upsert) (adds or
/// replaces by kind and id) and [`remove`](SearchIndex::remove), or all at once with
/// [`rebuild`](SearchIndex::rebuild); query it with [`search`](SearchIndex::search).
#[derive(Debug, Clone)]
pub struct SearchIndex {
    pub(crate) vocab: Vocab,
    pub(crate) docs: Vec<Option<Stored>>,
    ids: HashMap<(DocKind, String), u32>,
    pub(crate) postings: Vec<Vec<Posting>>,
    /// The postings of documents that have the term in their name or keywords: for common
    /// terms the candidate stage reads only these (their body matches still count in the
    /// re-ranking).
    pub(crate) title_postings: Vec<Vec<Posting>>,
    pub(crate) len_sum: [u64; FIELDS],
    pub(crate) live: usize,
    pub(crate) synonyms: plan::CompiledSynonyms,
    source_synonyms: Synonyms,
}

impl SearchIndex {
    /// An empty index that expands queries with `synonyms`.
    pub fn new(synonyms: Synonyms) -> Self {
        SearchIndex {
            vocab: Vocab::default(),
            docs: Vec::new(),
            ids: HashMap::new(),
            postings: Vec::new(),
            title_postings: Vec::new(),
            len_sum: [0; FIELDS],
            live: 0,
            synonyms: plan::CompiledSynonyms::compile(&synonyms),
            source_synonyms: synonyms,
        }
    }

    /// Replaces the synonym list (an administrator edited it); documents stay indexed.
    pub fn set_synonyms(&mut self, synonyms: Synonyms) {
        self.synonyms = plan::CompiledSynonyms::compile(&synonyms);
        self.source_synonyms = synonyms;
    }

    /// The synonym list in use.
    pub fn synonyms(&self) -> &Synonyms {
        &self.source_synonyms
    }

    /// Number of documents indexed.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Whether a document of this kind and id is indexed.
    pub fn contains(&self, kind: DocKind, id: &str) -> bool {
        self.ids.contains_key(&(kind, id.to_owned()))
    }

    /// Drops everything and indexes `docs` (at start-up). Documents that fail validation are
    /// skipped and returned with their errors.
    pub fn rebuild(&mut self, docs: impl IntoIterator<Item = Doc>) -> Vec<DocError> {
        let synonyms = std::mem::replace(&mut self.source_synonyms, Synonyms::empty());
        *self = SearchIndex::new(synonyms);
        docs.into_iter()
            .filter_map(|d| self.upsert(d).err())
            .collect()
    }

    /// Adds a document, or replaces the one with the same kind and id.
    pub fn upsert(&mut self, doc: Doc) -> Result<(), DocError> {
        let id = doc.id.trim().to_owned();
        if id.is_empty() {
            return Err(DocError::MissingId(doc.kind.as_str()));
        }
        if folded_key(&doc.name).is_empty() {
            return Err(DocError::MissingName {
                kind: doc.kind.as_str(),
                id,
            });
        }
        self.remove(doc.kind, &id);
        let name = nfc(doc.name.trim());
        let body = nfc(&doc.body);
        let mut name_tokens = Vec::new();
        self.push_tokens(&name, &mut name_tokens);
        let mut keyword_tokens = Vec::new();
        for k in &doc.keywords {
            if !keyword_tokens.is_empty() {
                keyword_tokens.push(GAP);
            }
            self.push_tokens(&nfc(k), &mut keyword_tokens);
        }
        let mut body_tokens = Vec::new();
        self.push_tokens(&body, &mut body_tokens);
        let tokens = [name_tokens, keyword_tokens, body_tokens];
        let lens = std::array::from_fn(|f| tokens[f].iter().filter(|t| **t != GAP).count() as u32);
        let stored = Stored {
            kind: doc.kind,
            id: id.clone(),
            name,
            body,
            tokens,
            lens,
            linh_vuc: doc.linh_vuc.iter().map(|s| folded_key(s)).collect(),
            cap: doc.cap.iter().map(|s| folded_key(s)).collect(),
            co_quan: doc.co_quan.iter().map(|s| folded_key(s)).collect(),
        };
        let num = self.docs.len() as u32;
        let mut tf: HashMap<u32, [u8; FIELDS]> = HashMap::new();
        for (field, toks) in stored.tokens.iter().enumerate() {
            for t in toks.iter().filter(|t| **t != GAP) {
                let f = self.vocab.folded_of_accent(*t);
                let e = tf.entry(f).or_insert([0; FIELDS]);
                e[field] = e[field].saturating_add(1);
            }
            self.len_sum[field] += stored.len(field) as u64;
        }
        if self.postings.len() < self.vocab.folded_count() {
            self.postings
                .resize_with(self.vocab.folded_count(), Vec::new);
            self.title_postings
                .resize_with(self.vocab.folded_count(), Vec::new);
        }
        for (f, tf) in tf {
            // Document numbers only grow, so appending keeps every posting list sorted.
            let posting = Posting {
                doc: num,
                weight: score::candidate_weight(tf, lens),
            };
            self.postings[f as usize].push(posting);
            if tf[NAME] > 0 || tf[KEYWORDS] > 0 {
                self.title_postings[f as usize].push(posting);
            }
        }
        self.docs.push(Some(stored));
        self.ids.insert((doc.kind, id), num);
        self.live += 1;
        Ok(())
    }

    fn push_tokens(&mut self, text: &str, out: &mut Vec<u32>) {
        for t in tokens(text) {
            if let Some(id) = self.vocab.intern(t.text) {
                out.push(id);
            }
        }
    }

    /// Removes a document; false if it was not indexed.
    pub fn remove(&mut self, kind: DocKind, id: &str) -> bool {
        let Some(num) = self.ids.remove(&(kind, id.trim().to_owned())) else {
            return false;
        };
        let Some(stored) = self.docs[num as usize].take() else {
            return false;
        };
        let mut folded: Vec<u32> = stored
            .tokens
            .iter()
            .flatten()
            .filter(|t| **t != GAP)
            .map(|t| self.vocab.folded_of_accent(*t))
            .collect();
        folded.sort_unstable();
        folded.dedup();
        for f in folded {
            for list in [
                &mut self.postings[f as usize],
                &mut self.title_postings[f as usize],
            ] {
                if let Ok(i) = list.binary_search_by_key(&num, |p| p.doc) {
                    list.remove(i);
                }
            }
        }
        for field in 0..FIELDS {
            self.len_sum[field] -= stored.len(field) as u64;
        }
        self.live -= 1;
        true
    }

    /// Answers a query: the best hits first, at most `query.limit`.
    pub fn search(&self, query: &Query) -> Vec<Hit> {
        if self.live == 0 || query.limit == 0 {
            return Vec::new();
        }
        let plan = plan::Plan::build(self, &query.text);
        score::run(self, &plan, query)
    }

    /// Answers a query expanding it with `synonyms` instead of the index's own list: one index
    /// serves several tenants, each with its own synonyms (KB-3).
    pub fn search_with(&self, query: &Query, synonyms: &SynonymSet) -> Vec<Hit> {
        if self.live == 0 || query.limit == 0 {
            return Vec::new();
        }
        let plan = plan::Plan::build_with(self, &synonyms.0, &query.text);
        score::run(self, &plan, query)
    }

    pub(crate) fn avg_len(&self, field: usize) -> f32 {
        if self.live == 0 {
            return 1.0;
        }
        (self.len_sum[field] as f32 / self.live as f32).max(1.0)
    }

    pub(crate) fn df(&self, folded: u32) -> usize {
        self.postings.get(folded as usize).map_or(0, Vec::len)
    }
}
