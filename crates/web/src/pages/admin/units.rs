//! Administrative units (ORG-1): search with or without diacritics, validity and lineage
//! ("xã Vĩnh Nhuận, huyện Châu Thành" → today's Xã Vĩnh Hanh), and the CSV import.

use super::Choice;
use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::forms::checkbox;
use crate::layout::Layout;
use crate::pages::render_page;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::access::Permission;
use tongdai_store::org::{self, UnitFilter};
use tongdai_store::units_import::{ImportOptions, import_csv};

/// A unit as listed.
#[derive(Debug, Clone)]
pub struct UnitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub validity: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin/units.html")]
struct ListPage {
    layout: Layout,
    units: Vec<UnitView>,
    q: String,
    levels: Vec<Choice>,
    current_only: bool,
    can_import: bool,
    report: String,
}

#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    level: String,
    current: Option<String>,
}

fn view(ctx: &Ctx, u: &org::AdminUnit, today: chrono::NaiveDate) -> UnitView {
    let validity = match u.validity.to {
        Some(to) => format!("{} – {}", ctx.tr.date(&u.validity.from), ctx.tr.date(&to)),
        None => format!(
            "{} {}",
            ctx.tr.t("common.since"),
            ctx.tr.date(&u.validity.from)
        ),
    };
    UnitView {
        id: u.id,
        code: u.code.clone(),
        name: u.name.clone(),
        kind: u.kind.label_vi().to_owned(),
        validity,
        current: u.validity.contains(today),
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    q: UnitQuery,
    report: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let current_only = checkbox(&q.current);
    let filter = UnitFilter {
        name_folded: Some(tongdai_store::fold(q.q.trim())).filter(|s| !s.is_empty()),
        level: q.level.parse().ok(),
        valid_on: current_only.then_some(today),
        parent_id: None,
        limit: 300,
    };
    let units = {
        let mut c = state.store.conn().await?;
        org::units(&mut c, &filter).await?
    };
    let levels = vec![
        Choice::new("", ctx.tr.t("common.all"), &q.level),
        Choice::new(1, ctx.tr.t("units.level1"), &q.level),
        Choice::new(2, ctx.tr.t("units.level2"), &q.level),
        Choice::new(3, ctx.tr.t("units.level3"), &q.level),
    ];
    let can_import = ctx.user()?.principal.has(Permission::OrgManage);
    let page = ListPage {
        layout: Layout::new(ctx, "admin.units", flash::read(headers)),
        units: units.iter().map(|u| view(ctx, u, today)).collect(),
        q: q.q,
        levels,
        current_only,
        can_import,
        report,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /admin/units`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    // Units are public reference data: any holder of OrgRead (the route's rule) may search them.
    list_page(&state, &ctx, &headers, q, String::new(), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "admin/unit.html")]
struct UnitPage {
    layout: Layout,
    unit: UnitView,
    legal_basis: String,
    parent: Option<UnitView>,
    predecessors: Vec<UnitView>,
    successors: Vec<UnitView>,
    today_units: Vec<UnitView>,
}

/// `GET /admin/units/{id}`
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let mut c = state.store.conn().await?;
    let u = org::unit(&mut c, id).await?;
    let parent = match u.parent_id {
        Some(p) => Some(view(&ctx, &org::unit(&mut c, p).await?, today)),
        None => None,
    };
    let mut predecessors = Vec::new();
    let mut successors = Vec::new();
    for l in org::unit_lineage(&mut c, id).await? {
        if l.successor_id == id {
            predecessors.push(view(
                &ctx,
                &org::unit(&mut c, l.predecessor_id).await?,
                today,
            ));
        } else {
            successors.push(view(&ctx, &org::unit(&mut c, l.successor_id).await?, today));
        }
    }
    let today_units = org::current_successors(&mut c, id, today)
        .await?
        .iter()
        .map(|x| view(&ctx, x, today))
        .collect();
    let page = UnitPage {
        layout: Layout::with_title(&ctx, u.name.clone(), None),
        unit: view(&ctx, &u, today),
        legal_basis: u.legal_basis,
        parent,
        predecessors,
        successors,
        today_units,
    };
    render_page(&page, &headers)
}

/// Largest CSV accepted by the import (the whole country is about 1 MB).
const MAX_CSV: usize = 5 * 1024 * 1024;

/// `POST /admin/units/import` (multipart: `file`, `dry_run`, `effective`, `legal_basis`).
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let mut data: Option<Vec<u8>> = None;
    let mut opts = ImportOptions::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "file" => {
                if bytes.len() > MAX_CSV {
                    return Err(AppError::BadRequest(ctx.tr.t("units.too_big").to_owned()));
                }
                if std::str::from_utf8(&bytes).is_err() {
                    return Err(AppError::BadRequest(ctx.tr.t("units.not_text").to_owned()));
                }
                data = Some(bytes.to_vec());
            }
            "dry_run" => opts.dry_run = !bytes.is_empty() && &bytes[..] != b"0",
            "effective" => {
                if let Ok(d) = chrono::NaiveDate::parse_from_str(
                    std::str::from_utf8(&bytes).unwrap_or("").trim(),
                    "%Y-%m-%d",
                ) {
                    opts.effective = d;
                }
            }
            "legal_basis" => {
                let s = String::from_utf8_lossy(&bytes).trim().to_owned();
                if !s.is_empty() {
                    opts.legal_basis = s.chars().take(200).collect();
                }
            }
            _ => {}
        }
    }
    let Some(data) = data.filter(|d| !d.is_empty()) else {
        return Err(AppError::BadRequest(ctx.tr.t("units.no_file").to_owned()));
    };
    let report = match import_csv(&state.store, &data, &opts).await {
        Ok(r) => r,
        Err(e) => {
            let q = UnitQuery {
                q: String::new(),
                level: String::new(),
                current: None,
            };
            return list_page(
                &state,
                &ctx,
                &headers,
                q,
                e.to_string(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if !report.dry_run {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "org.units.import",
            "",
            serde_json::json!({ "rows": report.rows, "created": report.units_created, "links": report.links_created, "problems": report.problems.len() }),
        )
        .await?;
        tx.commit().await?;
    }
    let q = UnitQuery {
        q: String::new(),
        level: String::new(),
        current: None,
    };
    list_page(
        &state,
        &ctx,
        &headers,
        q,
        report.summary_vi(),
        StatusCode::OK,
    )
    .await
}
