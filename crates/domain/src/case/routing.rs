//! Routing suggestions (CASE-4): which agency a case should go to, from rules the
//! coordinator maintains ("land cases from commune X go to its Phòng Kinh tế").
//!
//! A rule's criteria are optional; an absent one matches anything. Among the rules that
//! match, the most specific (most criteria) comes first, then the highest priority; each
//! agency is suggested once, at its best rank. Suggestions only: the coordinator forwards.

use super::kind::CaseKind;
use super::state::Case;
use serde::{Deserialize, Serialize};

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub field_id: Option<i64>,
    pub kind: Option<CaseKind>,
    pub admin_unit_id: Option<i64>,
    pub agency_id: i64,
    /// Higher wins among equally specific rules.
    #[serde(default)]
    pub priority: i32,
}

impl RoutingRule {
    fn matches(&self, field_id: Option<i64>, kind: CaseKind, admin_unit_id: Option<i64>) -> bool {
        self.field_id.is_none_or(|f| field_id == Some(f))
            && self.kind.is_none_or(|k| k == kind)
            && self.admin_unit_id.is_none_or(|u| admin_unit_id == Some(u))
    }

    /// How many criteria the rule sets.
    pub fn specificity(&self) -> u8 {
        u8::from(self.field_id.is_some())
            + u8::from(self.kind.is_some())
            + u8::from(self.admin_unit_id.is_some())
    }
}

/// Agencies for a case with these attributes, best first.
pub fn suggest_for(
    rules: &[RoutingRule],
    field_id: Option<i64>,
    kind: CaseKind,
    admin_unit_id: Option<i64>,
) -> Vec<i64> {
    let mut matching: Vec<&RoutingRule> = rules
        .iter()
        .filter(|r| r.matches(field_id, kind, admin_unit_id))
        .collect();
    matching.sort_by(|a, b| {
        b.specificity()
            .cmp(&a.specificity())
            .then(b.priority.cmp(&a.priority))
            .then(a.agency_id.cmp(&b.agency_id))
    });
    let mut out: Vec<i64> = Vec::new();
    for r in matching {
        if !out.contains(&r.agency_id) {
            out.push(r.agency_id);
        }
    }
    out
}

/// Agencies for a case, best first (by its field, kind and the caller's administrative unit).
pub fn suggest(rules: &[RoutingRule], case: &Case) -> Vec<i64> {
    suggest_for(rules, case.field_id, case.kind, case.caller.admin_unit_id)
}
