//! The audit log, read-only (issue 3 point 8): administrators and inspectors read it, nobody
//! edits it (there is no route that could).

use super::render_page;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tongdai_store::audit;

/// An entry as shown.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<EntryView>,
    action: String,
    actor: String,
    next_before: Option<i64>,
    verified: String,
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    before: Option<i64>,
    verify: Option<String>,
}

/// `GET /audit`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    // The route requires AuditRead; the log is one chain for the whole installation, so an
    // inspector of any tenant reads all of it (entries carry no tenant).
    let limit = 100;
    let filter = audit::Filter {
        action_prefix: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        actor: Some(q.actor.trim().to_lowercase()).filter(|s| !s.is_empty()),
        before_seq: q.before,
        limit,
    };
    let rows = {
        let mut c = state.store.conn().await?;
        audit::list(&mut c, &filter).await?
    };
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|e| e.seq))
        .flatten();
    let entries = rows
        .into_iter()
        .map(|e| EntryView {
            seq: e.seq,
            at: ctx.tr.datetime(&tongdai_store::instant(e.at_us)),
            actor: if e.actor_name.is_empty() {
                "—".into()
            } else {
                e.actor_name
            },
            action: e.action,
            target: e.target,
            detail: e.detail,
            ip: e.ip,
        })
        .collect();
    let verified = if q.verify.is_some() {
        match audit::verify(&state.store).await? {
            audit::Verification::Intact { entries } => {
                ctx.tr.f("audit.intact", &[("n", &entries.to_string())])
            }
            audit::Verification::Broken(b) => format!("{} {b}", ctx.tr.t("audit.broken")),
        }
    } else {
        String::new()
    };
    let page = AuditPage {
        layout: Layout::new(&ctx, "nav.audit", None),
        entries,
        action: q.action,
        actor: q.actor,
        next_before,
        verified,
    };
    render_page(&page, &headers)
}
