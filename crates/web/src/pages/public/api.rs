//! The public case API (ADM-6, CASE-1, CASE-9): a citizen's submission from another portal or
//! app, and the status of a case by its code and phone. No cookies, no session: exempt from
//! CSRF, limited per address (lookups) and per address and phone (submissions).

use super::lookup::find;
use super::public_tenant;
use crate::auth::Ctx;
use crate::error::{ApiError, AppError};
use crate::pages::cases::{Failure, failure};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongdai_cases::Origin;
use tongdai_domain::case::{Actor, CaseKind, NewCase, RawIntake};
use tongdai_domain::phone::PhoneNumber;

/// A citizen's submission (JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Submission {
    /// The code of the tenant (`xa-an-chau`); the hotline's top tenant when empty.
    pub tenant: String,
    pub caller_name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub admin_unit_id: Option<i64>,
    /// `hoi_dap_tthc`, `phan_anh` (default), `kien_nghi`, `yeu_cau_dich_vu`.
    pub kind: String,
    pub field_id: Option<i64>,
    pub content: String,
    /// The version of the personal-data notice the portal showed (SEC-4).
    pub notice_version: String,
    /// `web` (default) or `embed`.
    pub channel: String,
}

/// What a successful submission returns.
#[derive(Debug, Serialize)]
pub struct Submitted {
    pub code: String,
    pub state: String,
    pub lookup_url: String,
    pub message: String,
}

/// Parse a JSON body, or say what is wrong with it as a field error (422).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::Validation(vec![(
            "body".into(),
            format!("Dữ liệu JSON không hợp lệ: {e}"),
        )])
    })
}

/// `POST /api/v1/public/cases`
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, ApiError> {
    let s: Submission = parse_json(&body)?;
    let tenant = public_tenant(&state, &s.tenant).await?;
    let kind = if s.kind.trim().is_empty() {
        "phan_anh".to_owned()
    } else {
        s.kind.trim().to_owned()
    };
    let channel = if s.channel.trim().is_empty() {
        "web".to_owned()
    } else {
        s.channel.trim().to_owned()
    };
    let mut fields = Vec::new();
    if kind.parse::<CaseKind>().is_ok_and(|k| !k.is_pakn()) {
        fields.push((
            "kind".to_owned(),
            "Chỉ nhận hỏi đáp thủ tục hành chính, phản ánh, kiến nghị hoặc yêu cầu dịch vụ qua cổng này.".to_owned(),
        ));
    }
    let raw = RawIntake {
        caller_name: s.caller_name,
        organisation: s.organisation,
        phone: s.phone,
        email: s.email,
        address: s.address,
        admin_unit_id: s.admin_unit_id,
        channel,
        kind,
        content: s.content,
        field_id: s.field_id,
        notice_version: s.notice_version,
        ..Default::default()
    };
    if let Err(e) = NewCase::validate(&raw, &Default::default()) {
        fields.extend(
            e.errors
                .into_iter()
                .map(|fe| (fe.field.code().to_owned(), fe.message)),
        );
    }
    let phone = PhoneNumber::parse(&raw.phone).ok();
    let Some(phone) = phone.filter(|_| fields.is_empty()) else {
        return Err(ApiError::Validation(fields));
    };
    let origin = Origin {
        ip: ctx.ip.clone(),
        public: true,
    };
    match state
        .cases
        .intake(&Actor::Citizen { phone }, tenant.id, raw, &[], &origin)
        .await
    {
        Ok(r) => {
            let code = r.case.code.to_string();
            Ok((
                StatusCode::CREATED,
                Json(Submitted {
                    lookup_url: format!("/tra-cuu?ma={code}"),
                    message: format!(
                        "Đã tiếp nhận. Mã hồ sơ của ông/bà là {code}; tra cứu bằng mã hồ sơ và số điện thoại."
                    ),
                    code,
                    state: r.case.state.code().to_owned(),
                }),
            )
                .into_response())
        }
        Err(e) => Err(failure(e).api()),
    }
}

/// The status of a case for its citizen.
#[derive(Debug, Serialize)]
pub struct Status {
    pub code: String,
    pub kind: String,
    pub state: String,
    pub state_label: String,
    pub received_at: String,
    pub answered_at: Option<String>,
    /// The agency's answer, once it reached the citizen.
    pub answer: Option<String>,
    /// The redacted text on the portal, when published.
    pub public_text: Option<String>,
    pub rating: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PhoneQuery {
    #[serde(default)]
    phone: String,
}

/// `GET /api/v1/public/cases/{code}?phone=…`: 404 unless the phone is the caller's.
pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PhoneQuery>,
) -> Result<Json<Status>, ApiError> {
    if !state.lookups.allow(&ctx.ip) {
        return Err(ApiError::App(AppError::TooManyRequests));
    }
    let Some(case) = find(&state, &code, &q.phone).await? else {
        return Err(ApiError::App(AppError::NotFound));
    };
    let view = super::lookup::found_view(&case);
    Ok(Json(Status {
        code: view.code,
        kind: case.kind.code().to_owned(),
        state: case.state.code().to_owned(),
        state_label: view.state,
        received_at: case.received_at.to_rfc3339(),
        answered_at: case.answered_at.map(|t| t.to_rfc3339()),
        answer: Some(view.answer).filter(|a| !a.is_empty()),
        public_text: case.publication.as_ref().map(|p| p.text.clone()),
        rating: case.rating.as_ref().map(|r| r.stars),
    }))
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        f.api()
    }
}
