//! What a caller asks: text, how many hits, and filters.

use serde::{Deserialize, Serialize};
use tongdai_domain::text::folded_key;

use crate::doc::DocKind;

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// What the operator or citizen typed, with or without diacritics.
    pub text: String,
    /// Most hits to return.
    pub limit: usize,
    /// Restrictions on kind, field, level and agency.
    #[serde(default)]
    pub filters: Filters,
}

impl Query {
    /// A query for `text` returning at most `limit` hits, unfiltered.
    pub fn new(text: impl Into<String>, limit: usize) -> Self {
        Query {
            text: text.into(),
            limit,
            filters: Filters::default(),
        }
    }

    /// The same query with filters.
    pub fn with_filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }
}

/// Filters, matched accent-insensitively: a document passes a filter when one of its values
/// equals the filter or contains it as whole words ("ho tich" passes "Hộ tịch", "xa" passes
/// "Cấp Xã").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Filters {
    /// Only procedures or only FAQs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DocKind>,
    /// Field (*lĩnh vực*).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linh_vuc: Option<String>,
    /// Level (*cấp thực hiện*).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<String>,
    /// Agency (*cơ quan*).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_quan: Option<String>,
}

impl Filters {
    pub(crate) fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.linh_vuc.is_none()
            && self.cap.is_none()
            && self.co_quan.is_none()
    }
}

/// Folded filter values, ready to compare with stored folded values.
#[derive(Debug, Clone)]
pub(crate) struct CompiledFilters {
    kind: Option<DocKind>,
    linh_vuc: Option<String>,
    cap: Option<String>,
    co_quan: Option<String>,
}

impl CompiledFilters {
    pub(crate) fn new(f: &Filters) -> Self {
        let fold = |s: &Option<String>| {
            s.as_deref()
                .map(folded_key)
                .filter(|k| !k.is_empty())
                .map(|k| format!(" {k} "))
        };
        CompiledFilters {
            kind: f.kind,
            linh_vuc: fold(&f.linh_vuc),
            cap: fold(&f.cap),
            co_quan: fold(&f.co_quan),
        }
    }

    pub(crate) fn accepts(
        &self,
        kind: DocKind,
        linh_vuc: &[String],
        cap: &[String],
        co_quan: &[String],
    ) -> bool {
        fn any(filter: &Option<String>, values: &[String]) -> bool {
            match filter {
                None => true,
                Some(f) => values.iter().any(|v| format!(" {v} ").contains(f.as_str())),
            }
        }
        self.kind.is_none_or(|k| k == kind)
            && any(&self.linh_vuc, linh_vuc)
            && any(&self.cap, cap)
            && any(&self.co_quan, co_quan)
    }
}
