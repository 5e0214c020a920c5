//! The demo knowledge base shipped with the product: commune-level procedures transcribed from
//! the national TTHC database, FAQs per field, and the default synonym list
//! (`crates/search/data/`).

use thiserror::Error;

use crate::doc::{Doc, FaqRecord, ProcedureRecord};
use crate::synonyms::Synonyms;

/// The procedures file: a JSON array of `tthc_record.schema.json` records.
pub const PROCEDURES_JSON: &str = include_str!("../data/procedures.json");
/// The FAQ file: a JSON array of [`FaqRecord`].
pub const FAQS_JSON: &str = include_str!("../data/faqs.json");
/// The default synonym list.
pub const SYNONYMS_JSON: &str = include_str!("../data/synonyms.json");

/// A knowledge file that does not parse.
#[derive(Debug, Error)]
#[error("{file}: {message}")]
pub struct DemoDataError {
    /// Which file.
    pub file: &'static str,
    /// The parser's message.
    pub message: String,
}

/// Reads procedure records from a JSON array (the format of `procedures.json`).
pub fn parse_procedures(json: &str) -> Result<Vec<ProcedureRecord>, DemoDataError> {
    serde_json::from_str(json).map_err(|e| DemoDataError {
        file: "procedures",
        message: e.to_string(),
    })
}

/// Reads FAQ records from a JSON array (the format of `faqs.json`).
pub fn parse_faqs(json: &str) -> Result<Vec<FaqRecord>, DemoDataError> {
    serde_json::from_str(json).map_err(|e| DemoDataError {
        file: "faqs",
        message: e.to_string(),
    })
}

/// The shipped procedure records.
pub fn procedures() -> Result<Vec<ProcedureRecord>, DemoDataError> {
    parse_procedures(PROCEDURES_JSON)
}

/// The shipped FAQs.
pub fn faqs() -> Result<Vec<FaqRecord>, DemoDataError> {
    parse_faqs(FAQS_JSON)
}

/// All shipped documents, procedures first.
pub fn documents() -> Result<Vec<Doc>, DemoDataError> {
    let mut docs: Vec<Doc> = procedures()?.iter().map(ProcedureRecord::to_doc).collect();
    docs.extend(faqs()?.iter().map(FaqRecord::to_doc));
    Ok(docs)
}

/// The default synonym list.
pub fn synonyms() -> Synonyms {
    Synonyms::default_list()
}
