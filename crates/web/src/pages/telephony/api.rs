//! The console's API (TEL-9 groundwork, design §10): the engine's events as server-sent
//! events, resumable by sequence number; commands with an idempotency key, scoped — an
//! operator commands only their own agent and the calls it is in, supervisors any; call
//! records as JSON (TEL-8).

use super::Telephony;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tongdai_domain::access::Permission;
use tongdai_telephony::api::{Command, CommandErrorCode, CommandReply, CommandRequest};
use tongdai_telephony::store::admin::CallFilter;

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({
            "error": "telephony_off",
            "message": "Tổng đài (SIP) đang tắt hoặc chưa khởi động.",
        })),
    )
        .into_response()
}

fn telephony(state: &AppState) -> Option<&Arc<Telephony>> {
    state.telephony.as_ref()
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Resume after this sequence number (the `Last-Event-ID` header does the same).
    since: Option<u64>,
}

/// `GET /api/v1/telephony/events`: server-sent events, one per engine event (`id` = its
/// sequence number, `event` = its type, `data` = the JSON). A reconnecting console sends
/// `Last-Event-ID` (browsers do) or `?since=`; when events were lost meanwhile, a `resync`
/// event tells it to reload its state.
pub async fn events(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response, ApiError> {
    ctx.user()?;
    let since = q.since.or_else(|| {
        headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    });
    let Some(t) = telephony(&state).filter(|t| t.engine().is_some()) else {
        // No engine: say so once; the browser retries later.
        let once = futures_util::stream::iter(vec![Ok::<_, std::convert::Infallible>(
            Event::default()
                .event("unavailable")
                .retry(Duration::from_secs(30))
                .data("{\"error\":\"telephony_off\"}"),
        )]);
        return Ok(Sse::new(once).into_response());
    };
    let sub = t.events.subscribe(since);
    let mut first: Vec<Event> = Vec::new();
    if sub.gap {
        first.push(Event::default().event("resync").data("{}"));
    }
    for e in &sub.replay {
        first.push(to_sse(e));
    }
    struct St {
        first: std::collections::VecDeque<Event>,
        live: tokio::sync::broadcast::Receiver<tongdai_telephony::api::EngineEvent>,
    }
    let st = St {
        first: first.into(),
        live: sub.live,
    };
    let body = futures_util::stream::unfold(st, |mut st| async move {
        if let Some(e) = st.first.pop_front() {
            return Some((Ok::<_, std::convert::Infallible>(e), st));
        }
        match st.live.recv().await {
            Ok(e) => Some((Ok(to_sse(&e)), st)),
            // Events were lost: the console reloads its state.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                Some((Ok(Event::default().event("resync").data("{}")), st))
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => None,
        }
    });
    Ok(Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn to_sse(e: &tongdai_telephony::api::EngineEvent) -> Event {
    let v = serde_json::to_value(e).unwrap_or_default();
    let kind = v["type"].as_str().unwrap_or("event").to_owned();
    Event::default()
        .id(e.seq.to_string())
        .event(kind)
        .data(v.to_string())
}

/// The agent a command is about, or the call.
enum Subject<'a> {
    Agent(&'a str),
    Call(&'a str),
    Admin,
}

fn subject(c: &Command) -> Subject<'_> {
    use Command::*;
    match c {
        AgentLogin { agent_id }
        | AgentLogout { agent_id }
        | AgentPause { agent_id, .. }
        | AgentUnpause { agent_id }
        | AgentEndWrapup { agent_id }
        | Originate { agent_id, .. }
        | CallbackDial { agent_id, .. }
        // an offered call is not the agent's yet: answering is about the agent's own phone,
        // and the engine checks that the call rings there
        | CallAnswer { agent_id, .. } => Subject::Agent(agent_id),
        CallHangup { call_id }
        | CallHold { call_id }
        | CallUnhold { call_id }
        | CallMute { call_id }
        | CallUnmute { call_id }
        | TransferBlind { call_id, .. }
        | TransferAttendedStart { call_id, .. }
        | TransferAttendedComplete { call_id }
        | TransferAttendedCancel { call_id } => Subject::Call(call_id),
        HoursOverride { .. } => Subject::Admin,
    }
}

/// Whether `user` may issue `cmd`: supervisors any agent and call; operators their own
/// agent and the calls it is in (offered, talking or wrapping up).
async fn may(t: &Telephony, user: &CurrentUser, cmd: &Command) -> Result<bool, ApiError> {
    let p = &user.principal;
    match subject(cmd) {
        Subject::Admin => Ok(p.has(Permission::TelephonyManage)),
        _ if p.has(Permission::ConsoleSupervise) => Ok(true),
        s => {
            let Some(own) = t
                .store
                .agent_of_account(user.account.id)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
            else {
                return Ok(false);
            };
            match s {
                Subject::Agent(a) => Ok(a == own),
                Subject::Call(call) => {
                    let agent = t
                        .store
                        .agent(&own)
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                    let listed = t
                        .store
                        .agent_list()
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                    let in_call = listed
                        .iter()
                        .any(|a| a.id == own && a.call_id.as_deref() == Some(call));
                    let cdr = t
                        .store
                        .call(call)
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                    Ok(agent.is_some()
                        && (in_call || cdr.is_some_and(|c| c.agent_id.as_deref() == Some(&own))))
                }
                Subject::Admin => Ok(false),
            }
        }
    }
}

/// `POST /api/v1/telephony/commands` with the engine's command JSON:
/// `{"idempotency_key": "…", "command": {"type": "agent.pause", "agent_id": "1001", "reason": "…"}}`.
/// A retried key returns the first reply. 200 with `{"result":"ok"}`, or an error status with
/// `{"result":"error","code":…}`.
pub async fn command(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(req): Json<CommandRequest>,
) -> Result<Response, ApiError> {
    let user = ctx.user()?;
    let Some(t) = telephony(&state) else {
        return Ok(unavailable());
    };
    let key = req.idempotency_key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::Validation(vec![(
            "idempotency_key".into(),
            "Cần một khóa chống lặp (1–200 ký tự).".into(),
        )]));
    }
    if !may(t, user, &req.command).await? {
        return Err(AppError::Forbidden.into());
    }
    let Some(engine) = t.engine() else {
        return Ok(unavailable());
    };
    // Keys are per account, so one user cannot read another's replies by guessing keys.
    let reply = engine
        .command(CommandRequest {
            idempotency_key: format!("{}:{key}", user.account.id),
            command: req.command.clone(),
        })
        .await;
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "telephony.command",
            &format!("idempotency:{key}"),
            serde_json::json!({ "command": req.command, "ok": reply.is_ok() }),
        )
        .await?;
        tx.commit().await?;
    }
    let status = match &reply {
        CommandReply::Ok { .. } => StatusCode::OK,
        CommandReply::Error { code, .. } => match code {
            CommandErrorCode::NotFound => StatusCode::NOT_FOUND,
            CommandErrorCode::InvalidState | CommandErrorCode::Busy => StatusCode::CONFLICT,
            CommandErrorCode::NotAllowed => StatusCode::FORBIDDEN,
            CommandErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
    };
    Ok((status, Json(reply)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CallsQuery {
    since: Option<String>,
    until: Option<String>,
    agent: Option<String>,
    limit: Option<u32>,
}

pub(super) fn rfc3339(
    field: &str,
    v: Option<&str>,
) -> Result<Option<tongdai_domain::Instant>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| {
                ApiError::Validation(vec![(
                    field.into(),
                    "Thời điểm phải theo RFC 3339, ví dụ 2026-12-01T00:00:00+07:00.".into(),
                )])
            }),
    }
}

/// `GET /api/v1/telephony/calls?since=&until=&agent=&limit=`: call records, newest first
/// (the same JSON as `tongdai cdr list`).
pub async fn calls(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CallsQuery>,
) -> Result<Response, ApiError> {
    ctx.user()?;
    let Some(t) = telephony(&state) else {
        return Ok(Json(Vec::<serde_json::Value>::new()).into_response());
    };
    let filter = CallFilter {
        since: rfc3339("since", q.since.as_deref())?,
        until: rfc3339("until", q.until.as_deref())?,
        agent_id: q.agent.filter(|a| !a.trim().is_empty()),
        limit: Some(q.limit.unwrap_or(500).clamp(1, 5000)),
    };
    let list = t
        .store
        .list_calls(&filter)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(list).into_response())
}
