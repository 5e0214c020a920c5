//! The knowledge base for citizens and the local portal (KB-1…KB-4, ADM-6): public pages for
//! search, procedures and FAQs (readable on a phone, printable), an embeddable search widget,
//! and a JSON API. `?t=<tenant code>` shows a tenant's view: its local copies of procedures,
//! its FAQs (and its ancestors' and sub-tenants'), its synonyms. No sign-in, no cookies needed.

use super::kb::{FaqLink, HitView, SearchQuery, hit_views, kind_choices, kind_of, procedure_view};
use super::render_page;
use crate::auth::Ctx;
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongdai_kb::{FaqContent, Scope, hits_to_json};
use tongdai_store::org;

/// `?t=` of a public page.
#[derive(Debug, Deserialize, Default)]
pub struct TenantQuery {
    #[serde(default)]
    t: String,
}

/// The tenant named by `?t=` (none when empty; 404 when unknown).
async fn tenant_of(state: &AppState, code: &str) -> Result<Option<org::Tenant>, AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let mut c = state.store.conn().await?;
    match org::tenant_by_code(&mut c, code).await? {
        Some(t) => Ok(Some(t)),
        None => Err(AppError::NotFound),
    }
}

async fn scope_of(state: &AppState, tenant: Option<&org::Tenant>) -> Result<Scope, AppError> {
    match tenant {
        None => Ok(Scope::everything()),
        Some(t) => state
            .kb
            .scope_for_tenant(t.id)
            .await
            .map_err(|e| AppError::Internal(e.to_string())),
    }
}

/// `?t=code` to carry on links, or "".
fn suffix(tenant: Option<&org::Tenant>) -> String {
    tenant
        .map(|t| format!("?t={}", crate::auth::urlencode(&t.code)))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "kb/public_search.html")]
struct SearchPage {
    layout: Layout,
    tenant: String,
    back: String,
    tenant_code: String,
    q: String,
    kinds: Vec<Choice>,
    hits: Vec<HitView>,
    searched: bool,
}

/// `GET /portal/kb?q=&t=`: search for citizens (works without JavaScript).
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let scope = scope_of(&state, tenant.as_ref()).await?;
    let searched = !q.q.trim().is_empty();
    let hits = if searched {
        state
            .kb
            .search(
                &q.q,
                q.limit.unwrap_or(20).clamp(1, 50),
                kind_of(&q.kind),
                &scope,
            )
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    } else {
        Vec::new()
    };
    let page = SearchPage {
        layout: Layout::new(&ctx, "kb.public_title", None),
        tenant: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        back: format!("/portal/kb{}", suffix(tenant.as_ref())),
        tenant_code: tenant.as_ref().map(|t| t.code.clone()).unwrap_or_default(),
        kinds: kind_choices(&ctx, &q.kind),
        hits: hit_views(&hits, "/portal/kb", &suffix(tenant.as_ref())),
        q: q.q,
        searched,
    };
    render_page(&page, &headers)
}

#[derive(Template)]
#[template(path = "kb/public_procedure.html")]
struct ProcedurePage {
    layout: Layout,
    tenant: String,
    back: String,
    p: super::kb::ProcedureView,
    faqs: Vec<FaqLink>,
    suffix: String,
}

/// `GET /portal/kb/procedures/{code}?t=`: a procedure, with the tenant's local copy.
pub async fn procedure(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<Response, AppError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let p = state
        .kb
        .procedure(&code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)?;
    let local = match &tenant {
        Some(t) => state
            .kb
            .local_copy_for(p.row.id, t.id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?,
        None => None,
    };
    let local_tenant = match &local {
        Some(l) => {
            let mut c = state.store.conn().await?;
            org::tenant(&mut c, l.tenant_id).await?.name
        }
        None => String::new(),
    };
    let scope = scope_of(&state, tenant.as_ref()).await?;
    let faqs = state
        .kb
        .faqs_for_procedure(&code, &scope)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|(code, f)| FaqLink {
            code,
            question: f.cau_hoi,
        })
        .collect();
    let sfx = suffix(tenant.as_ref());
    let page = ProcedurePage {
        layout: Layout::with_title(&ctx, p.record.ten_tthc.clone(), None),
        tenant: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        back: format!("/portal/kb{sfx}"),
        p: procedure_view(&p, local.as_ref().map(|l| (l, local_tenant))),
        faqs,
        suffix: sfx,
    };
    render_page(&page, &headers)
}

#[derive(Template)]
#[template(path = "kb/public_faq.html")]
struct FaqPage {
    layout: Layout,
    tenant: String,
    back: String,
    f: FaqContent,
    agency: String,
    published: String,
    suffix: String,
}

/// The published FAQ of a code, within the tenant's view.
async fn published_faq(
    state: &AppState,
    code: &str,
    tenant: Option<&org::Tenant>,
) -> Result<(tongdai_kb::Faq, FaqContent), AppError> {
    let f = state
        .kb
        .faq_by_code(code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)?;
    let Some(content) = f.published.clone() else {
        return Err(AppError::NotFound);
    };
    let scope = scope_of(state, tenant).await?;
    if scope
        .faq_tenants
        .as_ref()
        .is_some_and(|t| !t.contains(&f.row.tenant_id))
    {
        return Err(AppError::NotFound);
    }
    Ok((f, content))
}

/// `GET /portal/kb/faqs/{faq}?t=`: a published question and its answer.
pub async fn faq(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<Response, AppError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let (f, content) = published_faq(&state, &code, tenant.as_ref()).await?;
    let sfx = suffix(tenant.as_ref());
    let page = FaqPage {
        layout: Layout::with_title(&ctx, content.cau_hoi.clone(), None),
        tenant: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        back: format!("/portal/kb{sfx}"),
        agency: content.co_quan.clone(),
        published: f
            .row
            .published_at
            .map(|t| {
                ctx.tr
                    .date(&tongdai_domain::time::to_vietnam(tongdai_store::instant(t)).date())
            })
            .unwrap_or_default(),
        f: content,
        suffix: sfx,
    };
    render_page(&page, &headers)
}

#[derive(Template)]
#[template(path = "kb/widget.html")]
struct WidgetPage {
    layout: Layout,
    tenant: String,
    tenant_code: String,
    q: String,
    hits: Vec<HitView>,
    searched: bool,
}

/// `GET /portal/kb/widget?t=&q=`: the search box a local portal embeds in an `<iframe>`;
/// results open the full public pages in a new tab. The only page that may be framed.
pub async fn widget(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let scope = scope_of(&state, tenant.as_ref()).await?;
    let searched = !q.q.trim().is_empty();
    let hits = if searched {
        state
            .kb
            .search(&q.q, q.limit.unwrap_or(8).clamp(1, 20), None, &scope)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    } else {
        Vec::new()
    };
    let page = WidgetPage {
        layout: Layout::new(&ctx, "kb.public_title", None),
        tenant: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        tenant_code: tenant.as_ref().map(|t| t.code.clone()).unwrap_or_default(),
        hits: hit_views(&hits, "/portal/kb", &suffix(tenant.as_ref())),
        q: q.q,
        searched,
    };
    let mut resp = super::render(&page)?;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors *; form-action 'self'; base-uri 'self'",
        ),
    );
    h.insert("x-frame-allowed", HeaderValue::from_static("1"));
    Ok(resp)
}

// ------------------------------------------------------------ JSON API

fn public_json(body: String) -> Response {
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    // Public data without credentials: any portal's scripts may read it.
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// `GET /api/v1/public/kb/search?q=&limit=&kind=&t=`: the ranked hits, one JSON array of
/// `{kind, code|id, name, score}` (as `tongdai kb search --format json`).
pub async fn api_search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    if q.q.chars().count() > 500 {
        return Err(ApiError::Validation(vec![(
            "q".into(),
            "Tối đa 500 ký tự.".into(),
        )]));
    }
    let tenant = tenant_of(&state, &q.t).await?;
    let scope = scope_of(&state, tenant.as_ref()).await?;
    let hits = state
        .kb
        .search(
            &q.q,
            q.limit.unwrap_or(10).clamp(1, 100),
            kind_of(&q.kind),
            &scope,
        )
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(public_json(hits_to_json(&hits)))
}

/// A tenant's local copy in the API.
#[derive(Debug, Serialize)]
pub struct LocalJson {
    pub tenant: String,
    pub agency: String,
    pub address: String,
    pub online_url: String,
    pub note: String,
}

/// A procedure in the API: the record (fields of the national schema), its version, and the
/// tenant's local copy when `?t=` names one that has it.
#[derive(Debug, Serialize)]
pub struct ProcedureJson {
    pub code: String,
    pub version: i64,
    pub active: bool,
    pub record: tongdai_kb::Tthc,
    pub local: Option<LocalJson>,
    pub faqs: Vec<String>,
}

/// `GET /api/v1/public/kb/procedures/{code}?t=`
pub async fn api_procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<Response, ApiError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let p = state
        .kb
        .procedure(&code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)?;
    let local = match &tenant {
        Some(t) => state
            .kb
            .local_copy_for(p.row.id, t.id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?,
        None => None,
    };
    let local = match local {
        Some(l) => {
            let mut c = state.store.conn().await?;
            Some(LocalJson {
                tenant: org::tenant(&mut c, l.tenant_id).await?.code,
                agency: l.agency_name,
                address: l.address,
                online_url: l.online_url,
                note: l.note,
            })
        }
        None => None,
    };
    let scope = scope_of(&state, tenant.as_ref()).await?;
    let faqs = state
        .kb
        .faqs_for_procedure(&code, &scope)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let body = ProcedureJson {
        code: p.row.code.clone(),
        version: p.row.version,
        active: p.row.active != 0,
        record: p.record,
        local,
        faqs,
    };
    Ok(public_json(
        serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

/// An FAQ in the API.
#[derive(Debug, Serialize)]
pub struct FaqJson {
    pub id: String,
    #[serde(flatten)]
    pub content: FaqContent,
    pub published_at: Option<String>,
}

/// `GET /api/v1/public/kb/faqs/{faq}?t=`
pub async fn api_faq(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<Response, ApiError> {
    let tenant = tenant_of(&state, &q.t).await?;
    let (f, content) = published_faq(&state, &code, tenant.as_ref()).await?;
    let body = FaqJson {
        id: f.row.code,
        content,
        published_at: f
            .row
            .published_at
            .map(|t| tongdai_store::instant(t).to_rfc3339()),
    };
    Ok(public_json(
        serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}
