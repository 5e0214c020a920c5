//! The daily summaries (CASE-13): what the 16:30 job kept for each tenant, newest first, for
//! the coordinators and the leadership of the tenants they cover.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::pages::render_page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use tongdai_domain::access::Permission;
use tongdai_domain::time::datetime_short_vi;
use tongdai_store::{cases, org};

/// A kept summary as shown.
#[derive(Debug, Clone)]
pub struct SummaryView {
    pub tenant: String,
    pub day: String,
    pub generated_at: String,
    pub received: i64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "cases/summaries.html")]
struct SummariesPage {
    layout: Layout,
    summaries: Vec<SummaryView>,
}

/// `GET /summaries`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let tenants: Vec<i64> = match p.tenant_scope(Permission::CaseReports) {
        None => org::tenants(&mut c)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect(),
        Some(ids) => {
            let mut all = Vec::new();
            for t in ids {
                all.extend(org::tenant_subtree(&mut c, t).await?);
            }
            all
        }
    };
    let names: std::collections::HashMap<i64, String> = org::tenants(&mut c)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let summaries = cases::summaries(&mut c, &tenants, 60)
        .await?
        .into_iter()
        .map(|s| SummaryView {
            tenant: names.get(&s.tenant_id).cloned().unwrap_or_default(),
            day: tongdai_domain::time::date_short_vi(s.day),
            generated_at: datetime_short_vi(s.generated_at),
            received: s.content["received"].as_i64().unwrap_or(0),
            text: tongdai_cases::summary::render_text(&s.content),
        })
        .collect();
    let page = SummariesPage {
        layout: Layout::new(&ctx, "summaries.title", flash::read(&headers)),
        summaries,
    };
    render_page(&page, &headers)
}
