//! The knowledge base of tongdai (KB-1…KB-4, ADM-6): the catalogue of administrative
//! procedures (TTHC) with every version kept and tenants' local copies, imports from JSON, CSV
//! and XLSX, questions and answers with their review workflow, synonym lists, and one search
//! index over procedures and FAQs that stays current on every change.
//!
//! Storage is `tongdai_store::kb` (rows only); the search engine is `tongdai_search`; this
//! crate holds the rules between them: what a valid record is ([`record`]), how files are read
//! ([`import`]), how versions compare ([`diff`]), how an FAQ moves from draft to published
//! ([`faq`]), and the service that applies changes and keeps the index ([`KbService`]).

pub mod demo;
pub mod diff;
pub mod error;
pub mod faq;
pub mod import;
mod lenient;
pub mod record;
pub mod service;

pub use error::{KbError, Problem};
pub use faq::{FaqAction, FaqContent, FaqStatus};
pub use import::{FileFormat, SourceFile, SourceRecord};
pub use record::{Normalized, Tthc, normalize};
pub use service::{
    Actor, Faq, ImportOptions, ImportReport, KbService, LoadStats, Procedure, RowReport, Scope,
    VersionView,
};
pub use tongdai_search::{DocKind, Hit, hits_to_json};
