//! The staff JSON API (same permission checks as the pages; session cookie or personal API
//! token) and its OpenAPI document.

use crate::auth::{Ctx, require_at};
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tongdai_domain::access::Permission;
use tongdai_store::org;

/// `GET /api/v1/me`
#[derive(Debug, Serialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<MeGrant>,
}

/// A role of the current user.
#[derive(Debug, Serialize)]
pub struct MeGrant {
    pub role: String,
    pub tenant_id: Option<i64>,
    pub agency_id: Option<i64>,
}

/// `GET /api/v1/me`
pub async fn me(ctx: Ctx) -> Result<Json<Me>, ApiError> {
    let u = ctx.user().map_err(|_| ApiError::Unauthorized)?;
    Ok(Json(Me {
        id: u.account.id,
        username: u.account.username.clone(),
        display_name: u.account.display_name.clone(),
        roles: u
            .principal
            .grants
            .iter()
            .map(|g| MeGrant {
                role: g.role.code().into(),
                tenant_id: g.tenant_id,
                agency_id: g.agency_id,
            })
            .collect(),
    }))
}

/// An agency in the API.
#[derive(Debug, Serialize)]
pub struct AgencyJson {
    pub id: i64,
    pub tenant_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub is_coordinator: bool,
    pub contacts: Vec<ContactJson>,
}

/// A contact in the API.
#[derive(Debug, Serialize)]
pub struct ContactJson {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub duty: String,
    pub active: bool,
}

async fn agency_json(state: &AppState, a: org::Agency) -> Result<AgencyJson, AppError> {
    let mut c = state.store.conn().await?;
    let contacts = org::contacts(&mut c, a.id)
        .await?
        .into_iter()
        .map(|x| ContactJson {
            id: x.id,
            name: x.name,
            title: x.title,
            phone: x.phone,
            duty: x.duty.code().into(),
            active: x.active,
        })
        .collect();
    Ok(AgencyJson {
        id: a.id,
        tenant_id: a.tenant_id,
        code: a.code,
        name: a.name,
        kind: a.kind.code().into(),
        valid_from: a.validity.from.to_string(),
        valid_to: a.validity.to.map(|d| d.to_string()),
        is_coordinator: a.is_coordinator,
        contacts,
    })
}

/// `GET /api/v1/agencies`: the agencies the caller may read.
pub async fn agencies(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<AgencyJson>>, ApiError> {
    let user = ctx.user().map_err(|_| ApiError::Unauthorized)?;
    let all = {
        let mut c = state.store.conn().await?;
        org::agencies(&mut c, None).await?
    };
    let mut out = Vec::new();
    for a in all {
        let target = crate::pages::agency::agency_target(&state, &a).await?;
        if user.principal.allows(Permission::AgencyRead, &target) {
            out.push(agency_json(&state, a).await?);
        }
    }
    Ok(Json(out))
}

/// `GET /api/v1/agencies/{id}`
pub async fn agency(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<AgencyJson>, ApiError> {
    let a = {
        let mut c = state.store.conn().await?;
        org::agency(&mut c, id).await?
    };
    let target = crate::pages::agency::agency_target(&state, &a).await?;
    require_at(
        &state,
        &ctx,
        Permission::AgencyRead,
        &target,
        &format!("agency:{id}"),
    )
    .await?;
    Ok(Json(agency_json(&state, a).await?))
}

/// `GET /api/openapi.json`: generated from the route table, so it lists every route.
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::routes::openapi_document())
}
