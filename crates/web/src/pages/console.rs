//! The operator console (TEL-9, TEL-10, CASE-1, CASE-3): one screen where a call becomes an
//! answered case. The agent bar (queues log-in, available / paused with a reason / wrap-up,
//! the current call with its timer, hold, hang up, blind and attended transfer, keyboard
//! shortcuts) is driven in the browser (`static/app.js`) by the engine's events
//! (`/api/v1/telephony/events`) and commands (`/api/v1/telephony/commands`). The server side
//! here: the page, the screen pop (earlier calls and cases of the caller's number), and the
//! transfer panel (an agency's focal officers and their phone numbers).

use crate::auth::{Ctx, require_at};
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::{render, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongdai_domain::access::{Permission, Target};
use tongdai_domain::phone::PhoneNumber;
use tongdai_store::{cases, org};

/// Pause reasons offered in the agent bar.
pub const PAUSE_REASONS: [&str; 4] = ["break", "meeting", "training", "paperwork"];

#[derive(Template)]
#[template(path = "console/console.html")]
struct ConsolePage {
    layout: Layout,
    agent_id: String,
    engine_on: bool,
    pauses: Vec<Choice>,
    agencies: Vec<Choice>,
    supervise: bool,
}

/// `GET /console`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let (agent_id, engine_on) = match &state.telephony {
        Some(t) => (
            t.store
                .agent_of_account(user.account.id)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .unwrap_or_default(),
            t.engine().is_some(),
        ),
        None => (String::new(), false),
    };
    let agencies = transfer_agencies(&state, &ctx).await?;
    let pauses = PAUSE_REASONS
        .iter()
        .map(|r| Choice::new(r, pause_label(&ctx, r), ""))
        .collect();
    let page = ConsolePage {
        layout: Layout::new(&ctx, "console.title", crate::flash::read(&headers)),
        agent_id,
        engine_on,
        pauses,
        agencies: agencies
            .iter()
            .map(|a| Choice::new(a.id, a.name.clone(), ""))
            .collect(),
        supervise: user.principal.has(Permission::ConsoleSupervise),
    };
    render_page(&page, &headers)
}

fn pause_label(ctx: &Ctx, r: &str) -> String {
    match r {
        "break" => ctx.tr.t("console.pause_break"),
        "meeting" => ctx.tr.t("console.pause_meeting"),
        "training" => ctx.tr.t("console.pause_training"),
        _ => ctx.tr.t("console.pause_paperwork"),
    }
    .to_owned()
}

/// The agencies whose officers the user may transfer to: those of the tenants the user's
/// grants reach, in force today.
async fn transfer_agencies(state: &AppState, ctx: &Ctx) -> Result<Vec<org::Agency>, AppError> {
    let p = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let scope = tongdai_cases::scope::of(&mut c, p).await?;
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    Ok(org::agencies(&mut c, scope.tenants.as_deref())
        .await?
        .into_iter()
        .filter(|a| a.validity.contains(today))
        .collect())
}

/// One earlier call of the caller.
#[derive(Debug, Clone, Serialize)]
pub struct PopCall {
    pub call_id: String,
    pub arrived: String,
    pub disposition: String,
    pub agent_id: String,
    pub case_id: String,
}

/// One case of the caller.
#[derive(Debug, Clone, Serialize)]
pub struct PopCase {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
}

/// The screen pop (TEL-9).
#[derive(Debug, Clone, Serialize, Template)]
#[template(path = "console/pop.html")]
pub struct Pop {
    /// The number as the engine gave it (`+84…`).
    pub number: String,
    /// Grouped for reading (`0912 345 678`), empty when it is not a phone number.
    pub display: String,
    pub call_id: String,
    pub calls: Vec<PopCall>,
    pub cases: Vec<PopCase>,
    /// The intake form, pre-filled and linked to the call.
    pub intake_url: String,
    #[serde(skip)]
    pub tr: crate::i18n::Tr,
}

#[derive(Debug, Deserialize)]
pub struct PopQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    call: String,
    /// `json` for the JSON form; HTML fragment otherwise.
    #[serde(default)]
    format: String,
}

fn enc(s: &str) -> String {
    crate::auth::urlencode(s)
}

/// `GET /console/pop?number=+84…&call=…[&format=json]`: the caller's earlier calls (newest
/// first) and cases (with state and deadline, within the user's case scope), and the link to
/// the pre-filled intake form.
pub async fn pop(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PopQuery>,
) -> Result<Response, ApiError> {
    let user = ctx.user()?;
    let raw = q.number.trim();
    let call_id: String = q.call.trim().chars().take(100).collect();
    let phone = PhoneNumber::parse(raw).ok();
    let (canonical, national, display) = match &phone {
        Some(p) => (p.canonical().to_owned(), p.national(), p.display()),
        None => (raw.to_owned(), raw.to_owned(), String::new()),
    };
    let mut calls = Vec::new();
    let mut case_views = Vec::new();
    if !raw.is_empty() {
        let mut c = state.store.conn().await?;
        let numbers: Vec<&str> = if canonical == national {
            vec![canonical.as_str()]
        } else {
            vec![canonical.as_str(), national.as_str()]
        };
        for e in tongdai_store::console::calls_from(&mut c, &numbers, &call_id, 10).await? {
            calls.push(PopCall {
                call_id: e.call_id,
                arrived: ctx.tr.datetime(&e.arrived_at),
                disposition: e.disposition.unwrap_or_default(),
                agent_id: e.agent_id.unwrap_or_default(),
                case_id: e.case_id.unwrap_or_default(),
            });
        }
        if phone.is_some() {
            let scope = tongdai_cases::scope::of(&mut c, &user.principal).await?;
            let now = state.now();
            let list = cases::list(
                &mut c,
                &cases::Filter {
                    scope,
                    phone: Some(canonical.clone()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await?;
            for r in list {
                case_views.push(PopCase {
                    id: r.id,
                    code: r.code.clone(),
                    state: crate::pages::cases::state_label(&r.state),
                    received: ctx.tr.datetime(&r.received_at),
                    due: r.due_at.map(|d| ctx.tr.datetime(&d)).unwrap_or_default(),
                    overdue: r.answered_at.is_none() && r.due_at.is_some_and(|d| d < now),
                });
            }
        }
    }
    let intake_url = format!(
        "/cases/new?channel=phone&phone={}&call_id={}",
        enc(if display.is_empty() { raw } else { &national }),
        enc(&call_id)
    );
    let pop = Pop {
        number: raw.to_owned(),
        display,
        call_id,
        calls,
        cases: case_views,
        intake_url,
        tr: ctx.tr,
    };
    if q.format == "json" {
        return Ok(Json(&pop).into_response());
    }
    Ok(render(&pop)?)
}

/// One officer in the transfer panel.
#[derive(Debug, Clone)]
pub struct OfficerView {
    pub name: String,
    pub title: String,
    pub duty: String,
    pub phone: String,
    /// The number as the engine dials it (national digits).
    pub dial: String,
}

#[derive(Template)]
#[template(path = "console/officers.html")]
struct OfficersFragment {
    tr: crate::i18n::Tr,
    agency: String,
    officers: Vec<OfficerView>,
}

#[derive(Debug, Deserialize)]
pub struct OfficersQuery {
    #[serde(default)]
    agency: String,
}

/// `GET /console/officers?agency=ID`: the agency's active focal officers, heads and
/// procedure-support staff with their phone numbers, each with a transfer button (the
/// browser sends `call.transfer.blind` or `call.transfer.attended.start` to the number).
pub async fn officers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OfficersQuery>,
) -> Result<Response, AppError> {
    let Ok(id) = q.agency.trim().parse::<i64>() else {
        // No agency chosen (the empty option): an empty panel.
        return render(&OfficersFragment {
            tr: ctx.tr,
            agency: String::new(),
            officers: Vec::new(),
        });
    };
    let (agency, contacts, path) = {
        let mut c = state.store.conn().await?;
        let agency = org::agency(&mut c, id).await?;
        let contacts = org::contacts(&mut c, id).await?;
        let path = org::tenant_path(&mut c, agency.tenant_id).await?;
        (agency, contacts, path)
    };
    require_at(
        &state,
        &ctx,
        Permission::ConsoleUse,
        &Target {
            tenant_path: path,
            agency_id: Some(id),
        },
        &format!("agency:{id}"),
    )
    .await?;
    let officers = contacts
        .into_iter()
        .filter(|c| c.active)
        .map(|c| {
            let parsed = PhoneNumber::parse(&c.phone).ok();
            OfficerView {
                name: c.name,
                title: c.title,
                duty: c.duty.label_vi().to_owned(),
                phone: parsed
                    .as_ref()
                    .map(PhoneNumber::display)
                    .unwrap_or_else(|| c.phone.clone()),
                dial: parsed
                    .as_ref()
                    .map(PhoneNumber::national)
                    .unwrap_or(c.phone),
            }
        })
        .collect();
    render(&OfficersFragment {
        tr: ctx.tr,
        agency: agency.name,
        officers,
    })
}

/// `GET /console/state`: the user's own agent as the engine last stored it — status, state,
/// the current call and its caller — so a console that (re)connects resynchronises before the
/// next event arrives (issue 7, resilience).
pub async fn agent_state(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let user = ctx.user()?;
    let internal = |e: tongdai_telephony::store::StoreError| AppError::Internal(e.to_string());
    let Some(t) = &state.telephony else {
        return Ok(Json(serde_json::json!({ "agent_id": null, "engine": false })).into_response());
    };
    let Some(own) = t
        .store
        .agent_of_account(user.account.id)
        .await
        .map_err(internal)?
    else {
        return Ok(Json(serde_json::json!({
            "agent_id": null,
            "engine": t.engine().is_some(),
        }))
        .into_response());
    };
    let agent = t
        .store
        .agent_list()
        .await
        .map_err(internal)?
        .into_iter()
        .find(|a| a.id == own);
    let (status, agent_state, call_id) = match &agent {
        Some(a) => (
            serde_json::to_value(&a.status).unwrap_or_default(),
            serde_json::to_value(a.state).unwrap_or_default(),
            a.call_id.clone(),
        ),
        None => (serde_json::Value::Null, serde_json::Value::Null, None),
    };
    let caller = match &call_id {
        Some(id) => t
            .store
            .call(id)
            .await
            .map_err(internal)?
            .map(|c| c.caller_number),
        None => None,
    };
    Ok(Json(serde_json::json!({
        "agent_id": own,
        "engine": t.engine().is_some(),
        "status": status,
        "state": agent_state,
        "call_id": call_id,
        "caller_number": caller,
    }))
    .into_response())
}
