//! Synonyms and abbreviations as data an administrator edits (KB-3).
//!
//! Each entry ties the words people really say (*sổ đỏ*, *giấy đỏ*) or an abbreviation
//! (*UBND*) to the official term (*giấy chứng nhận quyền sử dụng đất*, *ủy ban nhân dân*). The
//! engine treats all terms of one entry as interchangeable, in both directions, and matches
//! them accent-insensitively. Stop words are the filler of spoken questions ("cho tôi hỏi",
//! "ở đâu"): they still count, but little.
//!
//! Two formats: JSON (the shipped default, [`Synonyms::from_json`] / [`Synonyms::to_json`]) and
//! a line format for a text box ([`Synonyms::from_text`] / [`Synonyms::to_text`]):
//!
//! ```text
//! # comment
//! sổ đỏ, sổ hồng, giấy đỏ => giấy chứng nhận quyền sử dụng đất
//! UBND => ủy ban nhân dân
//! stopwords: tôi, em, ở đâu
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;
use tongdai_domain::text::folded_key;

/// Whether an entry is an everyday expression or an abbreviation (informational: both expand
/// the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SynonymKind {
    /// What people say instead of the official term.
    #[default]
    Everyday,
    /// An abbreviation of the official term.
    Abbreviation,
}

/// One entry: the official term and what people say for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synonym {
    /// The official term, as in procedure names.
    pub official: String,
    /// Everyday expressions or abbreviations that mean the same.
    pub everyday: Vec<String>,
    /// Everyday expression or abbreviation.
    #[serde(default)]
    pub kind: SynonymKind,
    /// Why the entry exists, for the administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A validated synonym list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Synonyms {
    /// Format version, 1.
    #[serde(default = "version_one")]
    pub version: u32,
    /// The entries.
    pub entries: Vec<Synonym>,
    /// Filler words of spoken questions, given little weight.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

fn version_one() -> u32 {
    1
}

/// Why a synonym list was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SynonymError {
    /// The JSON does not parse or does not have the expected shape.
    #[error("synonym file is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// A text line is not `terms => official` nor `stopwords: …`.
    #[error("line {line}: expected `everyday, … => official` or `stopwords: …`, found {text:?}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// The offending line.
        text: String,
    },
    /// An entry has no official term or no everyday term.
    #[error("entry {index}: {reason}")]
    Entry {
        /// 0-based entry index.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A format version this build does not read.
    #[error("unsupported synonym file version {0}")]
    Version(u32),
}

impl Synonyms {
    /// Builds and validates a list.
    pub fn new(entries: Vec<Synonym>, stopwords: Vec<String>) -> Result<Self, SynonymError> {
        let s = Synonyms {
            version: 1,
            entries,
            stopwords,
        };
        s.validate()?;
        Ok(s)
    }

    /// No synonyms, no stop words.
    pub fn empty() -> Self {
        Synonyms {
            version: 1,
            entries: Vec::new(),
            stopwords: Vec::new(),
        }
    }

    fn validate(&self) -> Result<(), SynonymError> {
        if self.version != 1 {
            return Err(SynonymError::Version(self.version));
        }
        for (index, e) in self.entries.iter().enumerate() {
            let bad = |reason: &str| SynonymError::Entry {
                index,
                reason: reason.to_owned(),
            };
            if folded_key(&e.official).is_empty() {
                return Err(bad("the official term is empty"));
            }
            if e.everyday.is_empty() {
                return Err(bad("no everyday term or abbreviation"));
            }
            if e.everyday.iter().any(|t| folded_key(t).is_empty()) {
                return Err(bad("an everyday term is empty"));
            }
        }
        Ok(())
    }

    /// Reads the JSON format.
    pub fn from_json(json: &str) -> Result<Self, SynonymError> {
        let s: Synonyms =
            serde_json::from_str(json).map_err(|e| SynonymError::Json(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Writes the JSON format (pretty-printed, stable order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the line format (see the module documentation).
    pub fn from_text(text: &str) -> Result<Self, SynonymError> {
        let mut entries = Vec::new();
        let mut stopwords = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = || SynonymError::Syntax {
                line: i + 1,
                text: raw.to_owned(),
            };
            if let Some(rest) = line.strip_prefix("stopwords:") {
                stopwords.extend(split_terms(rest));
                continue;
            }
            let (left, right) = line.split_once("=>").ok_or_else(syntax)?;
            let everyday = split_terms(left);
            let official = right.trim().to_owned();
            if everyday.is_empty() || official.is_empty() {
                return Err(syntax());
            }
            let kind = if everyday.iter().all(|t| looks_like_abbreviation(t)) {
                SynonymKind::Abbreviation
            } else {
                SynonymKind::Everyday
            };
            entries.push(Synonym {
                official,
                everyday,
                kind,
                note: None,
            });
        }
        Synonyms::new(entries, stopwords)
    }

    /// Writes the line format.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.everyday.join(", "));
            out.push_str(" => ");
            out.push_str(&e.official);
            out.push('\n');
        }
        if !self.stopwords.is_empty() {
            out.push_str("stopwords: ");
            out.push_str(&self.stopwords.join(", "));
            out.push('\n');
        }
        out
    }

    /// The default list shipped with the product: everyday terms for procedures, papers and
    /// offices with their official counterparts, the usual abbreviations, and stop words.
    pub fn default_list() -> Self {
        // The shipped file is checked by a unit test; a broken edit fails the build's tests.
        Synonyms::from_json(include_str!("../data/synonyms.json"))
            .unwrap_or_else(|_| Synonyms::empty())
    }
}

fn split_terms(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn looks_like_abbreviation(term: &str) -> bool {
    let letters: Vec<char> = term.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.iter().all(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_list_is_valid_and_large_enough() {
        let s = Synonyms::from_json(include_str!("../data/synonyms.json")).expect("valid file");
        let everyday = s
            .entries
            .iter()
            .filter(|e| e.kind == SynonymKind::Everyday)
            .count();
        let terms: usize = s.entries.iter().map(|e| e.everyday.len()).sum();
        assert!(everyday >= 50, "{everyday} everyday entries");
        assert!(terms >= 80, "{terms} terms");
        assert!(!s.stopwords.is_empty());
        assert_eq!(Synonyms::default_list(), s);
    }

    #[test]
    fn json_round_trip() {
        let s = Synonyms::default_list();
        assert_eq!(Synonyms::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn text_round_trip_and_kinds() {
        let text = "# demo\nsổ đỏ, giấy đỏ => giấy chứng nhận quyền sử dụng đất\nUBND => ủy ban nhân dân\nstopwords: tôi, ở đâu\n";
        let s = Synonyms::from_text(text).unwrap();
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].kind, SynonymKind::Everyday);
        assert_eq!(s.entries[1].kind, SynonymKind::Abbreviation);
        assert_eq!(s.stopwords, ["tôi", "ở đâu"]);
        assert_eq!(Synonyms::from_text(&s.to_text()).unwrap(), s);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert!(matches!(
            Synonyms::from_text("sổ đỏ giấy đỏ"),
            Err(SynonymError::Syntax { line: 1, .. })
        ));
        assert!(matches!(
            Synonyms::from_text(" => x"),
            Err(SynonymError::Syntax { .. })
        ));
        assert!(matches!(
            Synonyms::from_json("{"),
            Err(SynonymError::Json(_))
        ));
        let empty = r#"{"entries":[{"official":"  ","everyday":["x"]}]}"#;
        assert!(matches!(
            Synonyms::from_json(empty),
            Err(SynonymError::Entry { index: 0, .. })
        ));
        let v2 = r#"{"version":2,"entries":[]}"#;
        assert_eq!(Synonyms::from_json(v2), Err(SynonymError::Version(2)));
    }
}
