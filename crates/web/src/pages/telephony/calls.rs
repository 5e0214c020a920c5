//! The call records page (TEL-8): who called which number when, the menu path, the queue, the
//! agent, wait and talk times, the disposition and the recording.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::render_page;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tongdai_telephony::store::admin::CallFilter;

/// One call as listed.
#[derive(Debug, Clone)]
pub struct CallView {
    pub call_id: String,
    pub arrived: String,
    pub caller: String,
    pub did: String,
    pub ivr_path: String,
    pub queue: String,
    pub agent: String,
    pub wait_s: String,
    pub talk_s: String,
    pub disposition: String,
    pub recording_id: String,
}

#[derive(Template)]
#[template(path = "telephony/calls.html")]
struct CallsPage {
    layout: Layout,
    available: bool,
    calls: Vec<CallView>,
    day: String,
}

#[derive(Debug, Deserialize)]
pub struct CallsQuery {
    /// A civil date (Vietnam time), `YYYY-MM-DD`.
    #[serde(default)]
    day: String,
}

fn secs(v: Option<u32>) -> String {
    v.map(|s| format!("{}:{:02}", s / 60, s % 60))
        .unwrap_or_default()
}

/// `GET /telephony/calls?day=YYYY-MM-DD`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<CallsQuery>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let mut filter = CallFilter {
        limit: Some(300),
        ..Default::default()
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(q.day.trim(), "%Y-%m-%d") {
        let start = tongdai_domain::time::from_vietnam(d.and_time(chrono::NaiveTime::MIN));
        filter.since = Some(start);
        filter.until = Some(start + chrono::TimeDelta::days(1));
    }
    let calls = match &state.telephony {
        Some(t) => t
            .store
            .list_calls(&filter)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    let views = calls
        .into_iter()
        .map(|c| CallView {
            arrived: ctx.tr.datetime(&c.arrived_at),
            caller: if c.caller_private {
                ctx.tr
                    .f("tel.private_caller", &[("number", &c.caller_number)])
            } else {
                c.caller_number.clone()
            },
            did: c.did.clone(),
            ivr_path: c.ivr_path.clone(),
            queue: c.queue_id.clone().unwrap_or_default(),
            agent: c.agent_id.clone().unwrap_or_default(),
            wait_s: secs(c.wait_s),
            talk_s: secs(c.talk_s),
            disposition: c
                .disposition
                .map(|d| disposition_label(&ctx, d))
                .unwrap_or_else(|| ctx.tr.t("tel.in_progress").to_owned()),
            recording_id: c.recording_id.clone().unwrap_or_default(),
            call_id: c.call_id,
        })
        .collect();
    let page = CallsPage {
        layout: Layout::new(&ctx, "tel.calls", None),
        available: state.telephony.is_some(),
        calls: views,
        day: q.day,
    };
    render_page(&page, &headers)
}

/// How a call ended, in the reader's language.
fn disposition_label(ctx: &Ctx, d: tongdai_telephony::cdr::Disposition) -> String {
    use tongdai_telephony::cdr::Disposition::*;
    match d {
        Answered => ctx.tr.t("tel.disp_answered"),
        AbandonedInIvr => ctx.tr.t("tel.disp_abandoned_in_ivr"),
        AbandonedInQueue => ctx.tr.t("tel.disp_abandoned_in_queue"),
        OutOfHours => ctx.tr.t("tel.disp_out_of_hours"),
        NoAgent => ctx.tr.t("tel.disp_no_agent"),
        OverflowVoicemail => ctx.tr.t("tel.disp_overflow_voicemail"),
        CallbackRequested => ctx.tr.t("tel.disp_callback_requested"),
        Transferred => ctx.tr.t("tel.disp_transferred"),
        Rejected => ctx.tr.t("tel.disp_rejected"),
        Failed => ctx.tr.t("tel.disp_failed"),
        Interrupted => ctx.tr.t("tel.disp_interrupted"),
    }
    .to_owned()
}
