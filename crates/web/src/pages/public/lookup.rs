//! Looking up a case by its code and the phone number given (CASE-9), then rating the answer
//! or reopening the case within the window (CASE-8) as the citizen. Nothing about a case shows
//! unless both the code and the phone match, and a wrong code and a wrong phone read the same;
//! each address has a budget of attempts.

use super::{PublicLayout, public_tenant};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::cases::{Failure, failure};
use crate::pages::render;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::case::{Actor, Case, CaseCode, CaseState, Command};
use tongdai_domain::phone::PhoneNumber;
use tongdai_domain::time::datetime_short_vi;

/// A case found by code and phone, as the citizen sees it.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub code: String,
    pub kind: String,
    pub state: String,
    pub state_code: String,
    pub received_at: String,
    pub content: String,
    pub answer: String,
    pub answered_at: String,
    pub resolution: String,
    pub rating: String,
    pub can_rate: bool,
    pub can_reopen: bool,
}

#[derive(Template)]
#[template(path = "public/lookup.html")]
struct LookupPage {
    layout: PublicLayout,
    code: String,
    phone: String,
    found: Option<Found>,
    error: String,
    message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    ma: String,
    #[serde(default, rename = "don-vi")]
    don_vi: String,
}

/// The form of a lookup, a rating or a reopening.
#[derive(Debug, Default, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
    #[serde(default, rename = "don-vi")]
    don_vi: String,
}

/// The message for a code and phone that do not match (the same for both mistakes).
pub const NOT_FOUND: &str = "Không tìm thấy hồ sơ với mã hồ sơ và số điện thoại này. Vui lòng kiểm tra lại hoặc gọi Tổng đài.";

/// The case with this code whose caller's phone is this one; `None` otherwise.
pub async fn find(state: &AppState, code: &str, phone: &str) -> Result<Option<Case>, AppError> {
    let (Ok(code), Ok(phone)) = (CaseCode::parse(code.trim()), PhoneNumber::parse(phone)) else {
        return Ok(None);
    };
    let mut c = state.store.conn().await?;
    let found = tongdai_store::cases::by_code(&mut c, &code).await?;
    Ok(found
        .map(|(case, _)| case)
        .filter(|case| case.caller.phone == phone))
}

/// The citizen's view of their case.
pub fn found_view(case: &Case) -> Found {
    let answered = matches!(
        case.state,
        CaseState::Answered | CaseState::Closed | CaseState::Published
    );
    Found {
        code: case.code.to_string(),
        kind: case.kind.label_vi().to_owned(),
        state: case.state.label_vi().to_owned(),
        state_code: case.state.code().to_owned(),
        received_at: datetime_short_vi(case.received_at),
        content: case.content.clone(),
        answer: case
            .answer
            .as_ref()
            .filter(|_| answered || case.state == CaseState::AnsweredOnCall)
            .map(|a| a.text.clone())
            .unwrap_or_default(),
        answered_at: case.answered_at.map(datetime_short_vi).unwrap_or_default(),
        resolution: match &case.resolution {
            Some(tongdai_domain::case::state::Resolution::Redirected { guidance }) => {
                guidance.clone()
            }
            Some(tongdai_domain::case::state::Resolution::NotAccepted { reason }) => reason.clone(),
            Some(tongdai_domain::case::state::Resolution::ForwardedOut { body, reason }) => {
                format!("{body}: {reason}")
            }
            Some(tongdai_domain::case::state::Resolution::Merged { into_code, .. }) => {
                format!("Hồ sơ đã được gộp vào hồ sơ {into_code}.")
            }
            None => String::new(),
        },
        rating: case
            .rating
            .as_ref()
            .map(|r| format!("{}/5", r.stars))
            .unwrap_or_default(),
        can_rate: answered && case.rating.is_none(),
        can_reopen: answered && case.lead_agency_id.is_some(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn lookup_page(
    state: &AppState,
    ctx: &Ctx,
    don_vi: &str,
    code: String,
    phone: String,
    found: Option<Found>,
    error: String,
    message: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tenant = public_tenant(state, don_vi).await?;
    let page = LookupPage {
        layout: PublicLayout::new(ctx, ctx.tr.t("lookup.title").to_owned(), &tenant, false),
        code,
        phone,
        found,
        error,
        message,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /tra-cuu`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupQuery>,
) -> Result<Response, AppError> {
    lookup_page(
        &state,
        &ctx,
        &q.don_vi,
        q.ma,
        String::new(),
        None,
        String::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// Spend one attempt of the address's budget, or answer 429.
async fn budget(state: &AppState, ctx: &Ctx, f: &LookupForm) -> Result<Option<Response>, AppError> {
    if state.lookups.allow(&ctx.ip) {
        return Ok(None);
    }
    let msg = ctx.tr.t("lookup.rate_limited").to_owned();
    Ok(Some(
        lookup_page(
            state,
            ctx,
            &f.don_vi,
            f.code.clone(),
            String::new(),
            None,
            msg,
            String::new(),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?,
    ))
}

/// `POST /tra-cuu`
pub async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LookupForm>,
) -> Result<Response, AppError> {
    if let Some(r) = budget(&state, &ctx, &f).await? {
        return Ok(r);
    }
    match find(&state, &f.code, &f.phone).await? {
        Some(case) => {
            lookup_page(
                &state,
                &ctx,
                &f.don_vi,
                f.code.trim().to_uppercase(),
                f.phone.clone(),
                Some(found_view(&case)),
                String::new(),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        None => {
            lookup_page(
                &state,
                &ctx,
                &f.don_vi,
                f.code.clone(),
                String::new(),
                None,
                NOT_FOUND.into(),
                String::new(),
                StatusCode::NOT_FOUND,
            )
            .await
        }
    }
}

async fn act(
    state: &AppState,
    ctx: &Ctx,
    f: &LookupForm,
    command: impl FnOnce(&LookupForm) -> Result<Command, String>,
    done: &str,
) -> Result<Response, AppError> {
    if let Some(r) = budget(state, ctx, f).await? {
        return Ok(r);
    }
    let Some(case) = find(state, &f.code, &f.phone).await? else {
        return lookup_page(
            state,
            ctx,
            &f.don_vi,
            f.code.clone(),
            String::new(),
            None,
            NOT_FOUND.into(),
            String::new(),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    let actor = Actor::Citizen {
        phone: case.caller.phone.clone(),
    };
    let outcome = match command(f) {
        Ok(cmd) => state
            .cases
            .decide(case.id, &actor, &cmd, None)
            .await
            .map_err(|e| match failure(e) {
                Failure::Fields(list) => list
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join(" "),
                Failure::Rights(m) | Failure::Stale(m) | Failure::RateLimited(m) => m,
                Failure::Other(e) => e.to_string(),
            }),
        Err(m) => Err(m),
    };
    let (case, error, message, status) = match outcome {
        Ok((case, _)) => (case, String::new(), done.to_owned(), StatusCode::OK),
        Err(m) => (case, m, String::new(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    lookup_page(
        state,
        ctx,
        &f.don_vi,
        case.code.to_string(),
        f.phone.clone(),
        Some(found_view(&case)),
        error,
        message,
        status,
    )
    .await
}

/// `POST /tra-cuu/danh-gia`: the citizen rates the answer (CASE-8).
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LookupForm>,
) -> Result<Response, AppError> {
    let done = ctx.tr.t("lookup.rated").to_owned();
    act(
        &state,
        &ctx,
        &f,
        |f| {
            let stars = f
                .stars
                .trim()
                .parse::<u8>()
                .map_err(|_| "Chọn mức đánh giá từ 1 đến 5 sao.".to_owned())?;
            Ok(Command::Rate {
                stars,
                comment: Some(f.comment.trim().to_owned()).filter(|c| !c.is_empty()),
            })
        },
        &done,
    )
    .await
}

/// `POST /tra-cuu/mo-lai`: the citizen does not accept the answer (CASE-8).
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LookupForm>,
) -> Result<Response, AppError> {
    let done = ctx.tr.t("lookup.reopened").to_owned();
    act(
        &state,
        &ctx,
        &f,
        |f| {
            Ok(Command::Reopen {
                reason: f.reason.clone(),
            })
        },
        &done,
    )
    .await
}
