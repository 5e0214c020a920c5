//! The staff case API (CASE-1 … CASE-12, SEC-2, SEC-3): the same checks as the pages, with a
//! session or a personal API token (`Authorization: Bearer td_…`): list, read (audited),
//! intake, and one command of the domain's `Command` JSON with the version it applies to.

use super::lists::{ListQuery, filter_of};
use super::view::audit_access;
use super::{Opened, cursor, failure, open, phone_for};
use crate::auth::{Ctx, refuse};
use crate::error::{ApiError, AppError};
use crate::pages::public::api::parse_json;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongdai_cases::Origin;
use tongdai_domain::access::Role;
use tongdai_domain::case::{self, Actor, Command, RawIntake};
use tongdai_store::cases;

/// A case in a list.
#[derive(Debug, Serialize)]
pub struct CaseItem {
    pub id: i64,
    pub code: String,
    pub tenant_id: i64,
    pub state: String,
    pub kind: String,
    pub channel: String,
    pub received_at: String,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub lead_agency_id: Option<i64>,
    pub due_at: Option<String>,
    pub hard_due_at: Option<String>,
    pub answered_at: Option<String>,
    pub pressing: bool,
    pub confidential: bool,
}

/// A page of cases.
#[derive(Debug, Serialize)]
pub struct CaseList {
    pub items: Vec<CaseItem>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The query of the list: the page's filters and a page size.
#[derive(Debug, Default, Deserialize)]
pub struct ApiListQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    #[serde(default)]
    pub limit: String,
}

fn api_user(ctx: &Ctx) -> Result<&crate::auth::CurrentUser, ApiError> {
    ctx.user().map_err(|_| ApiError::Unauthorized)
}

/// `GET /api/v1/cases`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiListQuery>,
) -> Result<Json<CaseList>, ApiError> {
    let p = &api_user(&ctx)?.principal;
    let mut f = filter_of(&q.list);
    f.limit = q.limit.trim().parse::<i64>().unwrap_or(50).clamp(1, 500);
    let rows = {
        let mut c = state.store.conn().await?;
        f.scope = tongdai_cases::scope::of(&mut c, p).await?;
        cases::list(&mut c, &f).await?
    };
    let whole = p.roles().contains(&Role::Coordinator);
    let next = (rows.len() as i64 == f.limit)
        .then(|| rows.last().map(|r| cursor(r.received_at, r.id)))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| CaseItem {
            caller_name: (!r.confidential).then(|| r.caller_name.clone()),
            caller_phone: (!r.confidential).then(|| phone_for(&r.caller_phone, whole)),
            id: r.id,
            code: r.code,
            tenant_id: r.tenant_id,
            state: r.state,
            kind: r.kind,
            channel: r.channel,
            received_at: r.received_at.to_rfc3339(),
            lead_agency_id: r.lead_agency_id,
            due_at: r.due_at.map(|t| t.to_rfc3339()),
            hard_due_at: r.hard_due_at.map(|t| t.to_rfc3339()),
            answered_at: r.answered_at.map(|t| t.to_rfc3339()),
            pressing: r.pressing,
            confidential: r.confidential,
        })
        .collect();
    Ok(Json(CaseList { items, next }))
}

/// The caller of a case, when the viewer may see them.
#[derive(Debug, Serialize)]
pub struct CallerJson {
    pub name: String,
    pub organisation: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
    pub admin_unit_id: Option<i64>,
}

/// One line of the history.
#[derive(Debug, Serialize)]
pub struct EventJson {
    pub at: String,
    pub kind: String,
    pub actor_kind: String,
    pub actor_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
}

/// A case with what the viewer may do on it.
#[derive(Debug, Serialize)]
pub struct CaseJson {
    pub id: i64,
    pub code: String,
    /// Send it back as `expected_version` with a command.
    pub version: i64,
    pub tenant_id: i64,
    pub state: String,
    pub kind: String,
    pub class: Option<String>,
    pub channel: String,
    pub confidential: bool,
    /// Absent for a confidential case unless the viewer is its coordinator.
    pub caller: Option<CallerJson>,
    pub content: String,
    pub field_id: Option<i64>,
    pub lead_agency_id: Option<i64>,
    pub other_agency_ids: Vec<i64>,
    pub received_at: String,
    pub due_at: Option<String>,
    pub hard_due_at: Option<String>,
    pub statutory_due_at: Option<String>,
    pub answer: Option<String>,
    pub publication: Option<String>,
    pub rating: Option<u8>,
    /// The commands the viewer may issue now (`command` codes of the body of
    /// `POST /api/v1/cases/{id}/commands`).
    pub allowed_commands: Vec<String>,
    pub history: Vec<EventJson>,
}

async fn case_json(state: &AppState, o: &Opened) -> Result<CaseJson, ApiError> {
    let c = &o.case;
    let (history, deadlines) = {
        let mut conn = state.store.conn().await?;
        let tc = state
            .cases
            .tenant_context(&mut conn, c.tenant_id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        (
            cases::history(&mut conn, c.id).await?,
            c.deadlines(&tc.calendar),
        )
    };
    let rfc = |t: Option<tongdai_domain::Instant>| t.map(|t| t.to_rfc3339());
    Ok(CaseJson {
        id: c.id,
        code: c.code.to_string(),
        version: o.version,
        tenant_id: c.tenant_id,
        state: c.state.code().to_owned(),
        kind: c.kind.code().to_owned(),
        class: c.class.map(|k| k.code().to_owned()),
        channel: c.channel.code().to_owned(),
        confidential: c.confidential,
        caller: o.identity.then(|| CallerJson {
            name: c.caller.name.clone(),
            organisation: c.caller.organisation.clone(),
            phone: c.caller.phone.canonical().to_owned(),
            email: c.caller.email.clone(),
            address: c.caller.address.clone(),
            admin_unit_id: c.caller.admin_unit_id,
        }),
        content: c.content.clone(),
        field_id: c.field_id,
        lead_agency_id: c.lead_agency_id,
        other_agency_ids: c.other_agency_ids.clone(),
        received_at: c.received_at.to_rfc3339(),
        due_at: rfc(deadlines.due_at),
        hard_due_at: rfc(deadlines.hard_due_at),
        statutory_due_at: rfc(deadlines.statutory_due_at),
        answer: c.answer.as_ref().map(|a| a.text.clone()),
        publication: c.publication.as_ref().map(|p| p.text.clone()),
        rating: c.rating.as_ref().map(|r| r.stars),
        allowed_commands: case::allowed_commands(c, &o.actor, &o.tenant_path)
            .into_iter()
            .map(|k| k.code().to_owned())
            .collect(),
        history: history
            .into_iter()
            .map(|e| EventJson {
                at: e.at.to_rfc3339(),
                kind: e.kind,
                actor_kind: e.actor_kind,
                actor_name: e.actor_name,
                from_state: e.from_state,
                to_state: e.to_state,
            })
            .collect(),
    })
}

/// `GET /api/v1/cases/{id}`: audited like the page (SEC-3).
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<CaseJson>, ApiError> {
    api_user(&ctx)?;
    let o = open(&state, &ctx, id).await?;
    audit_access(
        &state,
        &ctx,
        "case.view",
        &format!("case:{id}"),
        serde_json::json!({ "code": o.case.code.to_string(), "identity": o.identity, "via": "api" }),
    )
    .await?;
    Ok(Json(case_json(&state, &o).await?))
}

/// A staff intake (JSON): the contact and the tenant it is recorded for.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeJson {
    pub tenant_id: Option<i64>,
    pub caller_name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub admin_unit_id: Option<i64>,
    pub channel: String,
    pub kind: String,
    pub content: String,
    pub field_id: Option<i64>,
    pub category_id: Option<i64>,
    pub notice_version: String,
    pub call_id: String,
    pub dossier_code: String,
    pub tthc_code: String,
}

/// What a change returns.
#[derive(Debug, Serialize)]
pub struct Changed {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub version: i64,
}

/// `POST /api/v1/cases`: record a case (CASE-1).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = api_user(&ctx)?;
    let j: IntakeJson = parse_json(&body)?;
    let tenants = super::intake::intake_tenants(&state, &user.principal).await?;
    let tenant_id = j.tenant_id.or_else(|| tenants.first().map(|t| t.id));
    let Some(tenant_id) = tenant_id.filter(|t| tenants.iter().any(|x| x.id == *t)) else {
        refuse(&state, &ctx, "CaseIntake", "tenant").await;
        return Err(ApiError::App(AppError::Forbidden));
    };
    let raw = RawIntake {
        caller_name: j.caller_name,
        organisation: j.organisation,
        phone: j.phone,
        email: j.email,
        address: j.address,
        admin_unit_id: j.admin_unit_id,
        channel: j.channel,
        kind: j.kind,
        content: j.content,
        field_id: j.field_id,
        category_id: j.category_id,
        notice_version: j.notice_version,
        call_id: j.call_id,
        dossier_code: j.dossier_code,
        tthc_code: j.tthc_code,
        ..Default::default()
    };
    let actor = Actor::staff(&user.principal);
    let origin = Origin {
        ip: ctx.ip.clone(),
        public: false,
    };
    match state
        .cases
        .intake(&actor, tenant_id, raw, &[], &origin)
        .await
    {
        Ok(r) => Ok((
            StatusCode::CREATED,
            Json(Changed {
                id: r.case.id,
                code: r.case.code.to_string(),
                state: r.case.state.code().to_owned(),
                version: r.version,
            }),
        )
            .into_response()),
        Err(e) => Err(failure(e).api()),
    }
}

/// A command with the version of the case it was decided on.
#[derive(Debug, Deserialize)]
pub struct CommandJson {
    #[serde(flatten)]
    pub command: Command,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{id}/commands`: the domain's `Command` JSON (`{"command": "forward",
/// "lead_agency_id": 7, …, "expected_version": 3}`).
pub async fn command(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Changed>, ApiError> {
    api_user(&ctx)?;
    let o = open(&state, &ctx, id).await?;
    let j: CommandJson = parse_json(&body)?;
    let command = match j.command {
        // The target is what the database says, never what the client claims.
        Command::Merge { into } => {
            let code = {
                let mut c = state.store.conn().await?;
                match cases::get(&mut c, into.id).await {
                    Ok((t, _)) => t.code.to_string(),
                    Err(_) => String::new(),
                }
            };
            match super::view::merge_target(&state, &o, &code).await {
                Ok(into) => Command::Merge { into },
                Err(m) => return Err(ApiError::Validation(vec![("into".into(), m)])),
            }
        }
        Command::AddAttachment { .. } => {
            return Err(ApiError::Validation(vec![(
                "command".into(),
                "Tệp đính kèm được gửi qua trang hồ sơ (tệp được kiểm tra nội dung).".into(),
            )]));
        }
        other => other,
    };
    match state
        .cases
        .decide(id, &o.actor, &command, j.expected_version)
        .await
    {
        Ok((case, version)) => Ok(Json(Changed {
            id,
            code: case.code.to_string(),
            state: case.state.code().to_owned(),
            version,
        })),
        Err(e) => {
            let f = failure(e);
            if matches!(f, super::Failure::Rights(_)) {
                refuse(
                    &state,
                    &ctx,
                    &format!("case.{}", command.kind().code()),
                    &format!("case:{id}"),
                )
                .await;
            }
            Err(f.api())
        }
    }
}
