//! Published answers (CASE-10): the moderated, redacted texts, searchable with or without
//! diacritics (only the published text is searched, never what the caller wrote), newest
//! first, a page at a time.

use super::{PublicLayout, public_tenant};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::cases::{cursor, parse_cursor};
use crate::pages::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use tongdai_domain::case::{Case, CaseCode, CaseState};
use tongdai_domain::time::datetime_short_vi;
use tongdai_store::{cases, org};

/// A published answer as listed.
#[derive(Debug, Clone)]
pub struct Published {
    pub code: String,
    pub kind: String,
    pub field: String,
    pub published_at: String,
    pub text: String,
    pub excerpt: String,
}

fn published(case: &Case, fields: &[org::Field]) -> Option<Published> {
    let p = case.publication.as_ref()?;
    let excerpt: String = p.text.chars().take(300).collect();
    Some(Published {
        code: case.code.to_string(),
        kind: case.kind.label_vi().to_owned(),
        field: case
            .field_id
            .and_then(|f| fields.iter().find(|x| x.id == f))
            .map(|f| f.name.clone())
            .unwrap_or_default(),
        published_at: datetime_short_vi(p.at),
        excerpt: if p.text.chars().count() > 300 {
            format!("{excerpt}…")
        } else {
            excerpt
        },
        text: p.text.clone(),
    })
}

#[derive(Template)]
#[template(path = "public/answers.html")]
struct AnswersPage {
    layout: PublicLayout,
    q: String,
    items: Vec<Published>,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct AnswersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    before: String,
    #[serde(default, rename = "don-vi")]
    don_vi: String,
}

/// How many answers a page shows.
pub const PAGE: i64 = 20;

/// The tenants whose answers a tenant's portal shows: itself and those below.
async fn portal_tenants(state: &AppState, tenant: &org::Tenant) -> Result<Vec<i64>, AppError> {
    let mut c = state.store.conn().await?;
    Ok(org::tenant_subtree(&mut c, tenant.id).await?)
}

/// `GET /hoi-dap`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AnswersQuery>,
) -> Result<Response, AppError> {
    let tenant = public_tenant(&state, &q.don_vi).await?;
    let tenants = portal_tenants(&state, &tenant).await?;
    let (found, fields) = {
        let mut c = state.store.conn().await?;
        (
            cases::published(
                &mut c,
                Some(&tenants),
                q.q.trim(),
                parse_cursor(&q.before),
                PAGE,
            )
            .await?,
            org::fields(&mut c).await?,
        )
    };
    let next = if found.len() as i64 == PAGE {
        found
            .last()
            .and_then(|c| c.publication.as_ref().map(|p| cursor(p.at, c.id)))
            .map(|cur| {
                format!(
                    "/hoi-dap?don-vi={}&q={}&before={cur}",
                    crate::auth::urlencode(&tenant.code),
                    crate::auth::urlencode(q.q.trim())
                )
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let page = AnswersPage {
        layout: PublicLayout::new(&ctx, ctx.tr.t("answers.title").to_owned(), &tenant, false),
        items: found.iter().filter_map(|c| published(c, &fields)).collect(),
        q: q.q,
        next,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "public/answer.html")]
struct AnswerPage {
    layout: PublicLayout,
    item: Published,
}

/// `GET /hoi-dap/{code}`: one published answer.
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<AnswersQuery>,
) -> Result<Response, AppError> {
    let tenant = public_tenant(&state, &q.don_vi).await?;
    let code = CaseCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let (case, fields) = {
        let mut c = state.store.conn().await?;
        (
            cases::by_code(&mut c, &code).await?,
            org::fields(&mut c).await?,
        )
    };
    let item = case
        .map(|(c, _)| c)
        .filter(|c| c.state == CaseState::Published)
        .and_then(|c| published(&c, &fields))
        .ok_or(AppError::NotFound)?;
    let page = AnswerPage {
        layout: PublicLayout::new(&ctx, item.code.clone(), &tenant, false),
        item,
    };
    render(&page)
}
