//! The public form (CASE-1, SEC-4, SEC-5) and its embeddable copy for the local portal
//! (ADM-6). Name, address and phone are required (NĐ 20/2008 Art. 7); the personal-data notice
//! is shown and its version stored; attachments are checked by their content; submissions are
//! limited per address and per phone. On success the case code and how to look it up.
//!
//! The embeddable copy may be framed by any site (`frame-ancestors *`, no `X-Frame-Options`).
//! Its POST carries no cookie a frame could rely on (third-party cookies are blocked), so it
//! is exempt from CSRF like the public API: a forged submission can do no more than a citizen
//! could, and it is rate-limited the same way.

use super::{NOTICE_VI, PublicLayout, public_tenant};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::admin::Choice;
use crate::pages::cases::intake::{NOTICE_VERSION, raw_intake, read_form};
use crate::pages::cases::{Failure, failure};
use crate::pages::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tongdai_cases::Origin;
use tongdai_domain::case::{Actor, CaseKind, NewCase};
use tongdai_domain::phone::PhoneNumber;
use tongdai_store::org;

/// The CSP of framed pages: as strict as the others, except who may frame them.
const EMBED_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors *; form-action 'self'; base-uri 'self'";

/// Mark a response as frameable by the local portal (ADM-6).
pub fn frameable(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert("x-frame-allowed", HeaderValue::from_static("1"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EMBED_CSP),
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct TenantQuery {
    #[serde(default, rename = "don-vi")]
    pub don_vi: String,
}

#[derive(Template)]
#[template(path = "public/submit.html")]
struct SubmitPage {
    layout: PublicLayout,
    action: String,
    v: HashMap<String, String>,
    errors: FormErrors,
    error: String,
    kinds: Vec<Choice>,
    fields: Vec<Choice>,
    notice: &'static str,
}

impl SubmitPage {
    fn v(&self, name: &str) -> &str {
        self.v.get(name).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "public/submitted.html")]
struct SubmittedPage {
    layout: PublicLayout,
    code: String,
    lookup: String,
}

fn action(embed: bool, tenant: &org::Tenant, csrf: &str) -> String {
    let q = crate::auth::urlencode(&tenant.code);
    if embed {
        format!("/nhung/gui-phan-anh?don-vi={q}")
    } else {
        format!("/gui-phan-anh?don-vi={q}&_csrf={csrf}")
    }
}

/// What the form shows: the values typed, the problems found, and the answer's status.
struct Shown {
    v: HashMap<String, String>,
    errors: FormErrors,
    error: String,
    status: StatusCode,
}

impl Shown {
    /// An empty form.
    fn blank() -> Shown {
        Shown {
            v: HashMap::new(),
            errors: FormErrors::default(),
            error: String::new(),
            status: StatusCode::OK,
        }
    }
}

async fn form(
    state: &AppState,
    ctx: &Ctx,
    tenant: &org::Tenant,
    embed: bool,
    shown: Shown,
) -> Result<Response, AppError> {
    let Shown {
        v,
        errors,
        error,
        status,
    } = shown;
    let kind_now = v.get("kind").cloned().unwrap_or_else(|| "phan_anh".into());
    let field_now = v.get("field_id").cloned().unwrap_or_default();
    let fields = {
        let mut c = state.store.conn().await?;
        org::fields(&mut c).await?
    };
    let mut field_choices = vec![Choice::new("", "—", &field_now)];
    field_choices.extend(
        fields
            .iter()
            .filter(|f| f.active)
            .map(|f| Choice::new(f.id, f.name.clone(), &field_now)),
    );
    let page = SubmitPage {
        layout: PublicLayout::new(
            ctx,
            ctx.tr.t("public.submit_title").to_owned(),
            tenant,
            embed,
        ),
        action: action(embed, tenant, &ctx.csrf),
        v,
        errors,
        error,
        kinds: CaseKind::ALL
            .iter()
            .filter(|k| k.is_pakn())
            .map(|k| Choice::new(k.code(), k.label_vi(), &kind_now))
            .collect(),
        fields: field_choices,
        notice: NOTICE_VI,
    };
    let resp = (status, render(&page)?).into_response();
    Ok(if embed { frameable(resp) } else { resp })
}

/// `GET /gui-phan-anh`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TenantQuery>,
) -> Result<Response, AppError> {
    let tenant = public_tenant(&state, &q.don_vi).await?;
    form(&state, &ctx, &tenant, false, Shown::blank()).await
}

/// `GET /nhung/gui-phan-anh`: the same form, for the local portal's frame (ADM-6).
pub async fn embed_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TenantQuery>,
) -> Result<Response, AppError> {
    let tenant = public_tenant(&state, &q.don_vi).await?;
    form(&state, &ctx, &tenant, true, Shown::blank()).await
}

async fn submit(
    state: &AppState,
    ctx: &Ctx,
    don_vi: &str,
    multipart: Multipart,
    embed: bool,
) -> Result<Response, AppError> {
    let tenant = public_tenant(state, don_vi).await?;
    let data = read_form(multipart, state.cases.settings.max_attachment_bytes).await;
    let mut v = data.text;
    let mut errors = FormErrors::default();
    if let Some(m) = &data.file_error {
        errors.add("attachments", m.clone());
    }
    // The notice is read, not pre-ticked (NĐ 356/2025): its version goes with the case.
    let acknowledged = crate::forms::checkbox(&v.get("notice").cloned());
    if acknowledged {
        v.insert("notice_version".into(), NOTICE_VERSION.into());
    } else {
        v.remove("notice_version");
        errors.add(
            "notice",
            "Vui lòng xác nhận đã đọc thông báo xử lý dữ liệu cá nhân.",
        );
    }
    v.insert("channel".into(), if embed { "embed" } else { "web" }.into());
    if !v
        .get("kind")
        .and_then(|k| k.parse::<CaseKind>().ok())
        .is_some_and(CaseKind::is_pakn)
    {
        v.insert("kind".into(), "phan_anh".into());
    }
    let (raw, id_errors) = raw_intake(&v);
    for (k, m) in id_errors {
        errors.add(&k, m);
    }
    let phone = PhoneNumber::parse(&raw.phone).ok();
    let (Some(phone), true) = (phone, errors.is_empty()) else {
        // Every problem at once: the domain's checks too.
        if let Err(e) = NewCase::validate(&raw, &Default::default()) {
            for fe in e.errors {
                if !errors.has(fe.field.code()) {
                    errors.add(fe.field.code(), fe.message);
                }
            }
        }
        let shown = Shown {
            v,
            errors,
            error: String::new(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return form(state, ctx, &tenant, embed, shown).await;
    };
    let origin = Origin {
        ip: ctx.ip.clone(),
        public: true,
    };
    let result = state
        .cases
        .intake(
            &Actor::Citizen { phone },
            tenant.id,
            raw,
            &data.files,
            &origin,
        )
        .await;
    match result {
        Ok(r) => {
            let code = r.case.code.to_string();
            let page = SubmittedPage {
                layout: PublicLayout::new(
                    ctx,
                    ctx.tr.t("public.submitted_title").to_owned(),
                    &tenant,
                    embed,
                ),
                lookup: format!("/tra-cuu?ma={code}"),
                code,
            };
            let resp = (StatusCode::CREATED, render(&page)?).into_response();
            Ok(if embed { frameable(resp) } else { resp })
        }
        Err(e) => {
            let (status, error) = match failure(e) {
                Failure::Fields(list) => {
                    for (k, m) in list {
                        errors.add(&k, m);
                    }
                    (StatusCode::UNPROCESSABLE_ENTITY, String::new())
                }
                Failure::RateLimited(m) => (StatusCode::TOO_MANY_REQUESTS, m),
                Failure::Rights(m) | Failure::Stale(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
                Failure::Other(e) => return Err(e),
            };
            let shown = Shown {
                v,
                errors,
                error,
                status,
            };
            form(state, ctx, &tenant, embed, shown).await
        }
    }
}

/// `POST /gui-phan-anh` (multipart; the CSRF token of the pre-session cookie in the query).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TenantQuery>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    submit(&state, &ctx, &q.don_vi, multipart, false).await
}

/// `POST /nhung/gui-phan-anh` (multipart, cookie-less, from the local portal's frame).
pub async fn embed_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TenantQuery>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    submit(&state, &ctx, &q.don_vi, multipart, true).await
}
