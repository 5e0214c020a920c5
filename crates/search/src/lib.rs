//! Knowledge-base search for tongdai: one in-memory engine for administrative procedures (TTHC)
//! and FAQs (KB-1, KB-2, KB-3).
//!
//! The engine takes documents in and answers queries; it does not know about storage. A query
//! finds the same documents with or without diacritics, with either tone placement
//! (`hòa`/`hoà`), with `d` for `đ`, with `i` for `y` (`kí`/`ký`), with one typo per word, typed
//! as raw Telex or VNI, and through synonyms and abbreviations kept as editable data
//! ([`Synonyms`]). Ranking prefers matches in the name, phrases over scattered words, and
//! exactly accented words over folded ones.
//!
//! ```
//! use tongdai_search::{Doc, DocKind, Query, SearchIndex, Synonyms};
//!
//! let mut index = SearchIndex::new(Synonyms::default_list());
//! index
//!     .upsert(Doc {
//!         kind: DocKind::Procedure,
//!         id: "1.001193".into(),
//!         name: "Đăng ký khai sinh".into(),
//!         ..Doc::default()
//!     })
//!     .unwrap();
//! let hits = index.search(&Query::new("lam giay khai sinh cho con", 5));
//! assert_eq!(hits[0].id, "1.001193");
//! ```

pub mod demo;
mod doc;
mod hit;
mod index;
mod plan;
mod query;
mod score;
mod snippet;
mod synonyms;
mod vocab;

pub use doc::{
    CachThuc, CanCu, CoQuan, Doc, DocKind, FaqRecord, GiayTo, KetQua, LinhVuc, PhiLePhi,
    ProcedureRecord, ThanhPhanHoSo, ThoiHan, TrinhTu,
};
pub use hit::{Hit, hits_to_json};
pub use index::{DocError, SearchIndex, SynonymSet};
pub use query::{Filters, Query};
pub use snippet::escape_html;
pub use synonyms::{Synonym, SynonymError, SynonymKind, Synonyms};
