//! A search result and its JSON form.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::doc::DocKind;

/// One result.
///
/// Serialises to exactly `{"kind": "procedure", "code": "1.001193", "name": …, "score": …}` for
/// procedures and `{"kind": "faq", "id": …, "name": …, "score": …}` for FAQs — what
/// `tongdai kb search --format json` prints. The snippet is for HTML pages and is not part of
/// the JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Procedure or FAQ.
    pub kind: DocKind,
    /// The procedure code or the FAQ id.
    pub id: String,
    /// The procedure name or the FAQ question.
    pub name: String,
    /// Relevance; only the order is meaningful.
    pub score: f32,
    /// An HTML-escaped excerpt with the matched words in `<mark>`.
    pub snippet: String,
}

impl Serialize for Hit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("kind", self.kind.as_str())?;
        let key = match self.kind {
            DocKind::Procedure => "code",
            DocKind::Faq => "id",
        };
        map.serialize_entry(key, &self.id)?;
        map.serialize_entry("name", &self.name)?;
        // Four decimals: enough to order, stable across platforms.
        let score = (f64::from(self.score) * 10_000.0).round() / 10_000.0;
        map.serialize_entry("score", &score)?;
        map.end()
    }
}

/// The JSON array of hits, as printed by `tongdai kb search --format json`.
pub fn hits_to_json(hits: &[Hit]) -> String {
    serde_json::to_string_pretty(hits).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_per_kind() {
        let p = Hit {
            kind: DocKind::Procedure,
            id: "1.001193".into(),
            name: "Đăng ký khai sinh".into(),
            score: 12.345_678,
            snippet: "<mark>x</mark>".into(),
        };
        let f = Hit {
            kind: DocKind::Faq,
            id: "faq-1".into(),
            ..p.clone()
        };
        let v: serde_json::Value = serde_json::from_str(&hits_to_json(&[p, f])).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"kind": "procedure", "code": "1.001193", "name": "Đăng ký khai sinh", "score": 12.3457},
                {"kind": "faq", "id": "faq-1", "name": "Đăng ký khai sinh", "score": 12.3457}
            ])
        );
    }
}
