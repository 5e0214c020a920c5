//! The wallboard (REP-5): calls waiting and the longest wait, operators by state, calls
//! answered and abandoned today, the service level, cases due soon — a full-screen page for a
//! TV that refreshes its figures every few seconds (htmx polling of `/wallboard/data`). The
//! figures come from the database (queue entries, agents, call records, cases), so every web
//! node shows the same board whichever engine node holds the calls.

use crate::auth::Ctx;
use crate::error::{ApiError, AppError};
use crate::i18n::Tr;
use crate::layout::Layout;
use crate::pages::{render, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};
use tongdai_store::cases;
use tongdai_telephony::acd::strategy::{AgentState, AgentStatus};
use tongdai_telephony::cdr::Disposition;
use tongdai_telephony::store::admin::CallFilter;

/// A call answered within this many seconds counts towards the service level.
pub const SL_THRESHOLD_S: u32 = 20;
/// Cases whose deadline falls within this many hours are "due soon".
pub const DUE_SOON_HOURS: i64 = 24;

/// A case due soon.
#[derive(Debug, Clone, Serialize)]
pub struct DueCase {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub due: String,
    pub overdue: bool,
}

/// The board's figures.
#[derive(Debug, Clone, Serialize, Template)]
#[template(path = "wallboard_data.html")]
pub struct Board {
    pub waiting: u32,
    pub longest_wait_s: u32,
    pub longest_wait: String,
    pub available: u32,
    pub on_call: u32,
    pub ringing: u32,
    pub wrap_up: u32,
    pub paused: u32,
    pub logged_out: u32,
    /// Who the duty roster expects on duty now (ADM-3).
    pub on_duty: Vec<String>,
    /// Of them, those whose phone is not logged in to the queues (a gap to fill now).
    pub on_duty_absent: Vec<String>,
    pub answered_today: u32,
    pub abandoned_today: u32,
    /// Percentage of answered-or-abandoned calls answered within the threshold; `None`
    /// before the first such call of the day.
    pub service_level: Option<u32>,
    pub sl_threshold_s: u32,
    pub sl_label: String,
    pub due_soon: Vec<DueCase>,
    pub due_soon_count: usize,
    pub updated: String,
    #[serde(skip)]
    pub tr: Tr,
}

fn mmss(s: u32) -> String {
    format!("{}:{:02}", s / 60, s % 60)
}

async fn board(state: &AppState, ctx: &Ctx) -> Result<Board, AppError> {
    let user = ctx.user()?;
    let now = state.now();
    let internal = |e: tongdai_telephony::store::StoreError| AppError::Internal(e.to_string());
    let (waiting, oldest) = {
        let mut c = state.store.conn().await?;
        tongdai_store::console::waiting(&mut c).await?
    };
    let longest_wait_s = oldest
        .map(|t| u32::try_from((now - t).num_seconds().max(0)).unwrap_or(0))
        .unwrap_or(0);
    let mut b = Board {
        waiting,
        longest_wait_s,
        longest_wait: mmss(longest_wait_s),
        available: 0,
        on_call: 0,
        ringing: 0,
        wrap_up: 0,
        paused: 0,
        logged_out: 0,
        on_duty: Vec::new(),
        on_duty_absent: Vec::new(),
        answered_today: 0,
        abandoned_today: 0,
        service_level: None,
        sl_threshold_s: SL_THRESHOLD_S,
        sl_label: ctx.tr.f(
            "wallboard.service_level",
            &[("seconds", &SL_THRESHOLD_S.to_string())],
        ),
        due_soon: Vec::new(),
        due_soon_count: 0,
        updated: ctx.tr.datetime(&now),
        tr: ctx.tr,
    };
    let mut logged_in = std::collections::HashSet::new();
    if let Some(t) = &state.telephony {
        for a in t.store.agent_list().await.map_err(internal)? {
            if a.status != AgentStatus::LoggedOut {
                logged_in.insert(a.id.clone());
            }
            match (&a.status, a.state) {
                (AgentStatus::LoggedOut, _) => b.logged_out += 1,
                (_, AgentState::InCall) => b.on_call += 1,
                (_, AgentState::Offered) => b.ringing += 1,
                (_, AgentState::WrapUp) => b.wrap_up += 1,
                (AgentStatus::OnBreak(_), AgentState::Idle) => b.paused += 1,
                (AgentStatus::Available, AgentState::Idle) => b.available += 1,
            }
        }
        let today = tongdai_domain::time::to_vietnam(now).date();
        let start = tongdai_domain::time::from_vietnam(today.and_time(NaiveTime::MIN));
        let calls = t
            .store
            .list_calls(&CallFilter {
                since: Some(start),
                until: None,
                agent_id: None,
                limit: Some(20_000),
            })
            .await
            .map_err(internal)?;
        let mut in_time = 0u32;
        for c in &calls {
            match c.disposition {
                Some(Disposition::Answered) => {
                    b.answered_today += 1;
                    if c.wait_s.unwrap_or(0) <= SL_THRESHOLD_S {
                        in_time += 1;
                    }
                }
                Some(Disposition::AbandonedInQueue) => b.abandoned_today += 1,
                _ => {}
            }
        }
        let offered = b.answered_today + b.abandoned_today;
        // Rounded to the nearest percent; none before the first call of the day.
        b.service_level = (in_time * 100 + offered / 2).checked_div(offered);
    }
    let mut c = state.store.conn().await?;
    let scope = tongdai_cases::scope::of(&mut c, &user.principal).await?;
    // Who the duty roster expects now (ADM-3), against who is logged in.
    let tenants: Vec<i64> = match &scope.tenants {
        Some(t) => t.clone(),
        None => tongdai_store::org::tenants(&mut c)
            .await?
            .iter()
            .map(|t| t.id)
            .collect(),
    };
    let today = tongdai_domain::time::to_vietnam(now).date();
    let shifts: Vec<_> = tongdai_store::roster::shifts(&mut c, &tenants, today, today)
        .await?
        .into_iter()
        .map(|r| r.shift)
        .collect();
    for id in tongdai_domain::roster::on_duty(&shifts, now) {
        if let Ok(a) = tongdai_store::accounts::get(&mut c, id).await {
            // Expected but not taking calls: no phone (agent) of theirs is logged in.
            let agent = match &state.telephony {
                Some(t) => t.store.agent_of_account(id).await.map_err(internal)?,
                None => None,
            };
            if !agent.is_some_and(|agent| logged_in.contains(&agent)) {
                b.on_duty_absent.push(a.display_name.clone());
            }
            b.on_duty.push(a.display_name);
        }
    }
    let due = cases::list(
        &mut c,
        &cases::Filter {
            scope,
            overdue_at: Some(now + TimeDelta::hours(DUE_SOON_HOURS)),
            order_by_due: true,
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    b.due_soon_count = due.len();
    b.due_soon = due
        .into_iter()
        .take(12)
        .map(|r| DueCase {
            id: r.id,
            code: r.code.clone(),
            state: crate::pages::cases::state_label(&r.state),
            due: r.due_at.map(|d| ctx.tr.datetime(&d)).unwrap_or_default(),
            overdue: r.due_at.is_some_and(|d| d < now),
        })
        .collect();
    Ok(b)
}

#[derive(Template)]
#[template(path = "wallboard.html")]
struct WallboardPage {
    layout: Layout,
    /// The figures' fragment, rendered by [`Board`] (the same HTML the page then polls).
    board_html: String,
}

/// `GET /wallboard`: the full-screen board.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let board = board(&state, &ctx).await?;
    render_page(
        &WallboardPage {
            layout: Layout::new(&ctx, "wallboard.title", None),
            board_html: board.render()?,
        },
        &headers,
    )
}

#[derive(Debug, Deserialize)]
pub struct DataQuery {
    #[serde(default)]
    format: String,
}

/// `GET /wallboard/data[?format=json]`: the figures, as the fragment the board polls or JSON.
pub async fn data(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DataQuery>,
) -> Result<Response, ApiError> {
    let board = board(&state, &ctx).await?;
    if q.format == "json" {
        return Ok(Json(&board).into_response());
    }
    Ok(render(&board)?)
}
