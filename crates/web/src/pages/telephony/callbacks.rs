//! The callback worklist (TEL-11): calls the hotline could not answer — abandoned in the
//! queue, no operator free, out of hours, a callback requested from the menu (with the
//! voicemail when one was left) — as a list of tasks with their attempts and outcomes. "Call
//! back" is one click: the engine rings the operator's phone, then the citizen, with the
//! hotline as caller id (TEL-10); the operator then records how it went, and a final outcome
//! closes the task. Tasks are shown to those whose console covers the hotline's tenant.

use super::Telephony;
use crate::auth::{Ctx, audit_change, require_at};
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use tongdai_domain::access::{Permission, Target};
use tongdai_store::callbacks::{self, NewAttempt, Task};
use tongdai_store::org;
use tongdai_telephony::api::{Command, CommandReply, CommandRequest};

/// Outcomes an operator records, and whether each closes the task.
pub const OUTCOMES: [(&str, bool); 5] = [
    ("reached", true),
    ("no_answer", false),
    ("busy", false),
    ("wrong_number", true),
    ("closed", true),
];

/// One attempt as shown.
#[derive(Debug, Clone)]
pub struct AttemptView {
    pub at: String,
    pub outcome: String,
    pub note: String,
}

/// One task as shown.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub id: String,
    pub created: String,
    pub number: String,
    pub reason: String,
    pub queue: String,
    pub voicemail: bool,
    pub attempts: Vec<AttemptView>,
    pub done: String,
}

/// A choice of outcome.
#[derive(Debug, Clone)]
pub struct OutcomeChoice {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "telephony/callbacks.html")]
struct CallbacksPage {
    layout: Layout,
    engine_on: bool,
    has_agent: bool,
    open: Vec<TaskView>,
    done: Vec<TaskView>,
    outcomes: Vec<OutcomeChoice>,
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Where a task belongs: the tenant whose hotline number it was called on, on the day it was
/// called (a number passes to the successor tenant after a reorganisation).
async fn task_target(state: &AppState, task: &Task) -> Result<Target, AppError> {
    let mut c = state.store.conn().await?;
    let did = task.did.as_str();
    let national = did.trim_start_matches('+').trim_start_matches("84");
    let day = tongdai_domain::time::to_vietnam(task.created_at).date();
    let hotline = org::hotlines(&mut c, None)
        .await?
        .into_iter()
        .filter(|h| h.number == did || h.number == national || h.number == format!("0{national}"))
        .find(|h| h.validity.contains(day));
    Ok(match hotline {
        Some(h) => Target {
            tenant_path: org::tenant_path(&mut c, h.tenant_id).await?,
            agency_id: None,
        },
        None => Target::global(),
    })
}

/// The tasks the user's console covers.
async fn visible(state: &AppState, ctx: &Ctx, tasks: Vec<Task>) -> Result<Vec<Task>, AppError> {
    let p = &ctx.user()?.principal;
    let mut targets: HashMap<(String, chrono::NaiveDate), bool> = HashMap::new();
    let mut out = Vec::new();
    for t in tasks {
        let key = (
            t.did.clone(),
            tongdai_domain::time::to_vietnam(t.created_at).date(),
        );
        let ok = match targets.get(&key) {
            Some(ok) => *ok,
            None => {
                let ok = p.allows(Permission::ConsoleUse, &task_target(state, &t).await?);
                targets.insert(key, ok);
                ok
            }
        };
        if ok {
            out.push(t);
        }
    }
    Ok(out)
}

/// Why the task exists, in the reader's language.
fn reason_label(ctx: &Ctx, reason: &str) -> String {
    match reason {
        "requested" => ctx.tr.t("callbacks.reason_requested"),
        "abandoned_in_queue" => ctx.tr.t("callbacks.reason_abandoned_in_queue"),
        "no_agent" => ctx.tr.t("callbacks.reason_no_agent"),
        "out_of_hours" => ctx.tr.t("callbacks.reason_out_of_hours"),
        other => other,
    }
    .to_owned()
}

/// An attempt's outcome, in the reader's language.
fn outcome_label(ctx: &Ctx, outcome: &str) -> String {
    match outcome {
        "dialing" => ctx.tr.t("callbacks.outcome_dialing"),
        "reached" => ctx.tr.t("callbacks.outcome_reached"),
        "no_answer" => ctx.tr.t("callbacks.outcome_no_answer"),
        "busy" => ctx.tr.t("callbacks.outcome_busy"),
        "wrong_number" => ctx.tr.t("callbacks.outcome_wrong_number"),
        "closed" => ctx.tr.t("callbacks.outcome_closed"),
        other => other,
    }
    .to_owned()
}

fn view(ctx: &Ctx, t: &Task) -> TaskView {
    TaskView {
        id: t.id.clone(),
        created: ctx.tr.datetime(&t.created_at),
        number: t.number.clone(),
        reason: reason_label(ctx, &t.reason),
        queue: t.queue_id.clone().unwrap_or_default(),
        voicemail: t.voicemail_id.is_some(),
        attempts: t
            .attempts
            .iter()
            .map(|a| AttemptView {
                at: ctx.tr.datetime(&a.at),
                outcome: outcome_label(ctx, &a.outcome),
                note: a.note.clone(),
            })
            .collect(),
        done: t.done_at.map(|d| ctx.tr.datetime(&d)).unwrap_or_default(),
    }
}

async fn own_agent(t: &Telephony, account: i64) -> Result<Option<String>, AppError> {
    t.store.agent_of_account(account).await.map_err(internal)
}

/// `GET /callbacks`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let (open, done) = {
        let mut c = state.store.conn().await?;
        (
            callbacks::tasks(&mut c, false, 500).await?,
            callbacks::tasks(&mut c, true, 50).await?,
        )
    };
    let open = visible(&state, &ctx, open).await?;
    let done = visible(&state, &ctx, done).await?;
    let (engine_on, has_agent) = match &state.telephony {
        Some(t) => (
            t.engine().is_some(),
            own_agent(t, user.account.id).await?.is_some(),
        ),
        None => (false, false),
    };
    let page = CallbacksPage {
        layout: Layout::new(&ctx, "callbacks.title", flash::read(&headers)),
        engine_on,
        has_agent,
        open: open.iter().map(|t| view(&ctx, t)).collect(),
        done: done.iter().map(|t| view(&ctx, t)).collect(),
        outcomes: OUTCOMES
            .iter()
            .map(|(o, _)| OutcomeChoice {
                value: o,
                label: outcome_label(&ctx, o),
            })
            .collect(),
    };
    render_page(&page, &headers)
}

/// A task the user may act on, or a refusal.
async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Task, AppError> {
    let task = {
        let mut c = state.store.conn().await?;
        callbacks::task(&mut c, id).await?
    }
    .ok_or(AppError::NotFound)?;
    require_at(
        state,
        ctx,
        Permission::ConsoleUse,
        &task_target(state, &task).await?,
        &format!("callback:{id}"),
    )
    .await?;
    Ok(task)
}

fn telephony(state: &AppState) -> Option<&Arc<Telephony>> {
    state.telephony.as_ref()
}

/// `POST /callbacks/{task}/dial`: the engine rings the operator's own phone, then the
/// citizen (`callback.dial`, the command the console API takes); the attempt is recorded as
/// `dialing` with the new call's id. With the engine off, nothing is dialled and the page says
/// so.
pub async fn dial(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let task = load(&state, &ctx, &id).await?;
    let user = ctx.user()?;
    if task.status != "open" {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.already_done"),
        ));
    }
    let Some(t) = telephony(&state) else {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.engine_off"),
        ));
    };
    let Some(agent) = own_agent(t, user.account.id).await? else {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.no_agent"),
        ));
    };
    let Some(engine) = t.engine() else {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.engine_off"),
        ));
    };
    let command = Command::CallbackDial {
        task_id: task.id.clone(),
        agent_id: agent.clone(),
        number: task.number.clone(),
    };
    // One key per attempt: a double click dials once.
    let key = format!("callback:{}:{}", task.id, task.attempts.len());
    let reply = engine
        .command(CommandRequest {
            idempotency_key: format!("{}:{key}", user.account.id),
            command: command.clone(),
        })
        .await;
    let mut tx = state.store.begin().await?;
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "telephony.command",
        &format!("idempotency:{key}"),
        serde_json::json!({ "command": command, "ok": reply.is_ok() }),
    )
    .await?;
    let resp = match &reply {
        CommandReply::Ok { detail } => {
            callbacks::record_attempt(
                &mut tx,
                &NewAttempt {
                    task_id: &task.id,
                    account_id: Some(user.account.id),
                    agent_id: Some(&agent),
                    call_id: detail.as_deref(),
                    outcome: "dialing",
                    note: "",
                    closes: false,
                },
                state.now(),
            )
            .await?;
            redirect_with(
                "/callbacks",
                "success",
                &ctx.tr.f("callbacks.dialing", &[("number", &task.number)]),
            )
        }
        CommandReply::Error { message, .. } => redirect_with(
            "/callbacks",
            "error",
            &ctx.tr.f("callbacks.dial_failed", &[("message", message)]),
        ),
    };
    tx.commit().await?;
    Ok(resp)
}

/// The outcome form.
#[derive(Debug, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// `POST /callbacks/{task}/attempts`: how the call went; a final outcome closes the task.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<OutcomeForm>,
) -> Result<Response, AppError> {
    let task = load(&state, &ctx, &id).await?;
    let user = ctx.user()?;
    let Some((outcome, closes)) = OUTCOMES.iter().find(|(o, _)| *o == f.outcome.trim()) else {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.choose_outcome"),
        ));
    };
    let note = f.note.trim();
    if note.chars().count() > 500 {
        return Ok(redirect_with(
            "/callbacks",
            "error",
            ctx.tr.t("callbacks.note_too_long"),
        ));
    }
    let agent = match telephony(&state) {
        Some(t) => own_agent(t, user.account.id).await?,
        None => None,
    };
    let mut tx = state.store.begin().await?;
    let attempt = callbacks::record_attempt(
        &mut tx,
        &NewAttempt {
            task_id: &task.id,
            account_id: Some(user.account.id),
            agent_id: agent.as_deref(),
            call_id: None,
            outcome,
            note,
            closes: *closes,
        },
        state.now(),
    )
    .await?;
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "callback.attempt",
        &format!("callback:{}", task.id),
        serde_json::json!({ "attempt": attempt, "outcome": outcome, "note": note, "closes": closes }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/callbacks",
        "success",
        ctx.tr.t("callbacks.recorded"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: bool,
}

/// `GET /api/v1/callbacks?done=`: the worklist as JSON (the console shows the count).
pub async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, crate::error::ApiError> {
    use axum::response::IntoResponse;
    let tasks = {
        let mut c = state.store.conn().await?;
        callbacks::tasks(&mut c, q.done, 500).await?
    };
    let tasks = visible(&state, &ctx, tasks).await?;
    let json: Vec<serde_json::Value> = tasks
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "call_id": t.call_id,
                "number": t.number,
                "did": t.did,
                "queue_id": t.queue_id,
                "reason": t.reason,
                "created_at": t.created_at,
                "status": t.status,
                "done_at": t.done_at,
                "voicemail_id": t.voicemail_id,
                "attempts": t.attempts.iter().map(|a| serde_json::json!({
                    "at": a.at, "outcome": a.outcome, "note": a.note, "call_id": a.call_id,
                    "agent_id": a.agent_id,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(axum::Json(json).into_response())
}
