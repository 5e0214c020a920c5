//! Intake by an operator (CASE-1, CASE-4, CASE-14): one form, keyboard first, with the
//! administrative unit found as one types, duplicate suggestions (same phone or similar
//! content) and the routing suggestion, both refreshed by htmx while typing. Every field is
//! validated by the domain with a Vietnamese message next to it; the case code is shown on
//! success.
//!
//! Answer or forward in one place (CASE-3): a knowledge-base panel beside the form fills its
//! answer, and besides "record" the form has "answer now" and "forward" buttons (Alt+S, Alt+R,
//! Alt+F) that record the case and apply the command in one transaction
//! (`CaseService::intake_then`): both are saved or neither, and a refusal re-renders the form
//! with everything typed.

use super::{Failure, HIDDEN, failure};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::flash;
use crate::forms::FormErrors;
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::{redirect_with, render, render_page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tongdai_cases::{IntakeThenError, Origin, Upload};
use tongdai_domain::access::{Permission, Principal};
use tongdai_domain::case::{
    self, Actor, Case, CaseKind, Channel, Command, CommandKind, RawIntake, Refusal,
};
use tongdai_domain::time::to_vietnam;
use tongdai_store::org;

/// The version of the personal-data notice (SEC-4) shown on the forms and played by the IVR
/// before the first prompt; stored with every case.
pub const NOTICE_VERSION: &str = "2026.1";

/// The tenants a principal records cases for: each tenant of an intake grant and those below.
pub async fn intake_tenants(state: &AppState, p: &Principal) -> Result<Vec<org::Tenant>, AppError> {
    let mut c = state.store.conn().await?;
    let all = org::tenants(&mut c).await?;
    let today = to_vietnam(state.now()).date();
    let scope = p.tenant_scope(Permission::CaseIntake);
    let mut ids: Vec<i64> = Vec::new();
    match scope {
        None => ids.extend(all.iter().map(|t| t.id)),
        Some(list) => {
            for t in list {
                ids.extend(org::tenant_subtree(&mut c, t).await?);
            }
        }
    }
    Ok(all
        .into_iter()
        .filter(|t| ids.contains(&t.id) && t.validity.contains(today))
        .collect())
}

#[derive(Template)]
#[template(path = "cases/intake.html")]
struct IntakePage {
    layout: Layout,
    v: HashMap<String, String>,
    errors: FormErrors,
    tenants: Vec<Choice>,
    channels: Vec<Choice>,
    kinds: Vec<Choice>,
    fields: Vec<Choice>,
    /// The agencies "forward" may name: the routing suggestion first, then by tenant.
    agency_groups: Vec<AgencyGroup>,
    /// The operator chose the agency (the routing suggestion no longer changes it).
    agency_chosen: bool,
    notice_version: &'static str,
}

/// Agencies under one heading of the forward select.
#[derive(Debug, Clone)]
pub struct AgencyGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

impl IntakePage {
    fn v(&self, name: &str) -> &str {
        self.v.get(name).map_or("", String::as_str)
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    v: HashMap<String, String>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let tenants = intake_tenants(state, &user.principal).await?;
    let tenant_now = v
        .get("tenant_id")
        .cloned()
        .or_else(|| tenants.first().map(|t| t.id.to_string()))
        .unwrap_or_default();
    let channel_now = v.get("channel").cloned().unwrap_or_else(|| "phone".into());
    let kind_now = v
        .get("kind")
        .cloned()
        .unwrap_or_else(|| "hoi_dap_tthc".into());
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
    let (agency_groups, agency_chosen) =
        forward_choices(state, ctx, &tenants, &v, &tenant_now, &kind_now, &field_now).await?;
    let page = IntakePage {
        layout: Layout::new(ctx, "intake.title", flash::read(headers)),
        tenants: tenants
            .iter()
            .map(|t| Choice::new(t.id, t.name.clone(), &tenant_now))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| Choice::new(c.code(), c.label_vi(), &channel_now))
            .collect(),
        kinds: CaseKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &kind_now))
            .collect(),
        fields: field_choices,
        agency_groups,
        agency_chosen,
        v,
        errors,
        notice_version: NOTICE_VERSION,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /cases/new?phone=&call_id=&channel=`: the console opens the form pre-filled with the
/// caller's number and linked to the call (TEL-9); other fields start empty.
pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let prefill: HashMap<String, String> = q
        .into_iter()
        .filter(|(k, v)| matches!(k.as_str(), "phone" | "call_id" | "channel") && v.len() <= 100)
        .collect();
    form_page(
        &state,
        &ctx,
        &headers,
        prefill,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A multipart form: its text fields and its files.
#[derive(Debug)]
pub struct Submitted {
    pub text: HashMap<String, String>,
    pub files: Vec<Upload>,
    /// A file was over the limit, or the body could not be read.
    pub file_error: Option<String>,
}

/// Read a multipart intake form; files over the limit are refused as soon as they pass it.
pub async fn read_form(mut m: Multipart, limit: usize) -> Submitted {
    let mut out = Submitted {
        text: HashMap::new(),
        files: Vec::new(),
        file_error: None,
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                out.file_error = Some(super::view::too_large(limit));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            match super::view::read_limited(field, limit).await {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => out.files.push(Upload {
                    name: file_name,
                    bytes,
                }),
                Err(m) => out.file_error = Some(format!("{file_name}: {m}")),
            }
        } else if let Ok(t) = field.text().await {
            use unicode_normalization::UnicodeNormalization;
            out.text.insert(name, t.nfc().collect());
        }
    }
    out
}

/// The contact typed into a form.
pub fn raw_intake(v: &HashMap<String, String>) -> (RawIntake, Vec<(String, String)>) {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let mut id = |k: &str| -> Option<i64> {
        let s = get(k);
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match s.parse::<i64>() {
            Ok(i) => Some(i),
            Err(_) => {
                errors.push((k.to_owned(), "Giá trị không hợp lệ.".to_owned()));
                None
            }
        }
    };
    let raw = RawIntake {
        caller_name: get("caller_name"),
        organisation: get("organisation"),
        phone: get("phone"),
        email: get("email"),
        address: get("address"),
        admin_unit_id: id("admin_unit_id"),
        channel: get("channel"),
        kind: get("kind"),
        content: get("content"),
        field_id: id("field_id"),
        category_id: id("category_id"),
        attachments: Vec::new(),
        notice_version: get("notice_version"),
        received_at: None,
        call_id: get("call_id"),
        dossier_code: get("dossier_code"),
        tthc_code: get("tthc_code"),
    };
    (raw, errors)
}

/// What the intake form's submit button asks for (its `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Record the case only (also the Enter key: the first submit button).
    Save,
    /// CASE-3: record it and answer on the spot with the form's answer.
    Answer,
    /// Record it and pass it to the agency chosen on the form.
    Forward,
}

impl Action {
    fn of(v: &HashMap<String, String>) -> Action {
        match v.get("action").map(String::as_str) {
            Some("answer") => Action::Answer,
            Some("forward") => Action::Forward,
            _ => Action::Save,
        }
    }
}

/// What to do with a case right after intake, checked before anything is written.
enum Then {
    Answer(String),
    Forward(org::Agency),
}

/// The command that follows intake. Only coordinators may forward (the rights table); an
/// operator's "forward" therefore leaves the case with the coordinators, received, with a note
/// naming the agency they propose, and the coordinator's forward form then offers the routing
/// suggestion as usual.
fn then_command(then: &Then, actor: &Actor, case: &Case, tenant_path: &[i64]) -> Command {
    match then {
        Then::Answer(answer) => Command::AnswerOnSpot {
            answer: answer.clone(),
        },
        Then::Forward(agency) => {
            let may_forward = case::rights::actor_kinds(actor, case, tenant_path)
                .into_iter()
                .any(|k| case::rights::permits(CommandKind::Forward, case.state, k));
            if may_forward {
                Command::Forward {
                    lead_agency_id: agency.id,
                    other_agency_ids: Vec::new(),
                    note: None,
                }
            } else {
                Command::AddNote {
                    text: format!(
                        "Đề nghị điều phối viên chuyển hồ sơ đến cơ quan chủ trì: {}.",
                        agency.name
                    ),
                }
            }
        }
    }
}

/// Check what the chosen action needs besides the contact: an answer, or an agency of the
/// receiving tenant (or below) in force; a kind that must be redirected is neither answered
/// nor forwarded.
async fn then_of(
    state: &AppState,
    action: Action,
    tenant_id: i64,
    v: &HashMap<String, String>,
    errors: &mut FormErrors,
) -> Result<Option<Then>, AppError> {
    if action == Action::Save {
        return Ok(None);
    }
    if let Ok(kind) = v.get("kind").map_or("", String::as_str).parse::<CaseKind>()
        && kind.must_redirect()
    {
        errors.add("kind", Refusal::KindMustRedirect(kind).to_string());
    }
    let text = |k: &str| v.get(k).map_or("", |s| s.trim());
    match action {
        Action::Save => Ok(None),
        Action::Answer => {
            if text("answer").is_empty() {
                errors.add(
                    "answer",
                    "Chưa có nội dung trả lời: nhập câu trả lời (hoặc bấm “Dùng câu trả lời này” \
                     ở một kết quả tra cứu) rồi bấm “Trả lời ngay”.",
                );
                return Ok(None);
            }
            Ok(Some(Then::Answer(text("answer").to_owned())))
        }
        Action::Forward => {
            let Ok(id) = text("forward_agency_id").parse::<i64>() else {
                errors.add(
                    "forward_agency_id",
                    "Chọn cơ quan chủ trì rồi bấm “Chuyển cơ quan”.",
                );
                return Ok(None);
            };
            let today = to_vietnam(state.now()).date();
            let mut c = state.store.conn().await?;
            let subtree = org::tenant_subtree(&mut c, tenant_id).await?;
            match org::agency(&mut c, id).await {
                Ok(a) if subtree.contains(&a.tenant_id) && a.validity.contains(today) => {
                    Ok(Some(Then::Forward(a)))
                }
                Ok(_) | Err(tongdai_store::StoreError::NotFound(_)) => {
                    errors.add(
                        "forward_agency_id",
                        "Cơ quan này không thuộc đơn vị tiếp nhận hoặc đã hết hiệu lực.",
                    );
                    Ok(None)
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// `POST /cases`: record the case (multipart: fields and attachments; the CSRF token travels
/// in the query string), and with "answer now" or "forward" the command that follows, in the
/// same transaction (CASE-3).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let form = read_form(multipart, state.cases.settings.max_attachment_bytes).await;
    let action = Action::of(&form.text);
    let mut errors = FormErrors::default();
    let tenants = intake_tenants(&state, &user.principal).await?;
    let tenant_id = form
        .text
        .get("tenant_id")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .or_else(|| tenants.first().map(|t| t.id));
    let Some(tenant_id) = tenant_id.filter(|t| tenants.iter().any(|x| x.id == *t)) else {
        errors.add("tenant_id", "Chọn đơn vị tiếp nhận.");
        return form_page(
            &state,
            &ctx,
            &headers,
            form.text,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if let Some(m) = &form.file_error {
        errors.add("attachments", m.clone());
    }
    let (raw, id_errors) = raw_intake(&form.text);
    for (k, m) in id_errors {
        errors.add(&k, m);
    }
    let then = then_of(&state, action, tenant_id, &form.text, &mut errors).await?;
    if !errors.is_empty() {
        return form_page(
            &state,
            &ctx,
            &headers,
            form.text,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = Actor::staff(&user.principal);
    let origin = Origin {
        ip: ctx.ip.clone(),
        public: false,
    };
    let Some(then) = then else {
        return match state
            .cases
            .intake(&actor, tenant_id, raw, &form.files, &origin)
            .await
        {
            Ok(r) => {
                let msg = ctx
                    .tr
                    .f("intake.created", &[("code", &r.case.code.to_string())]);
                Ok(redirect_with(
                    &format!("/cases/{}", r.case.id),
                    "success",
                    &msg,
                ))
            }
            Err(e) => intake_refused(&state, &ctx, &headers, form.text, tenant_id, e).await,
        };
    };
    let result = state
        .cases
        .intake_then(&actor, tenant_id, raw, &form.files, &origin, |c, path| {
            then_command(&then, &actor, c, path)
        })
        .await;
    match result {
        Ok((c, _)) => {
            let code = c.code.to_string();
            let msg = match &then {
                Then::Answer(_) => ctx.tr.f("intake.answered", &[("code", &code)]),
                Then::Forward(a) if c.lead_agency_id == Some(a.id) => ctx
                    .tr
                    .f("intake.forwarded", &[("code", &code), ("agency", &a.name)]),
                Then::Forward(a) => ctx.tr.f(
                    "intake.forward_proposed",
                    &[("code", &code), ("agency", &a.name)],
                ),
            };
            Ok(redirect_with(&format!("/cases/{}", c.id), "success", &msg))
        }
        Err(IntakeThenError::Intake(e)) => {
            intake_refused(&state, &ctx, &headers, form.text, tenant_id, e).await
        }
        Err(IntakeThenError::Then(e)) => {
            let (what, command) = match &then {
                Then::Answer(_) => (ctx.tr.t("intake.what_answer"), CommandKind::AnswerOnSpot),
                Then::Forward(_) => (ctx.tr.t("intake.what_forward"), CommandKind::Forward),
            };
            let mut reasons = Vec::new();
            let status = match failure(e) {
                Failure::Fields(list) => {
                    for (k, m) in list {
                        let field = match k.as_str() {
                            "answer" => "answer",
                            "lead_agency_id" | "agency" | "note" | "text" => "forward_agency_id",
                            _ => "",
                        };
                        if !field.is_empty() {
                            errors.add(field, m.clone());
                        }
                        reasons.push(m);
                    }
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Failure::Rights(m) => {
                    crate::auth::refuse(
                        &state,
                        &ctx,
                        &format!("case.{}", command.code()),
                        &format!("tenant:{tenant_id}"),
                    )
                    .await;
                    reasons.push(m);
                    StatusCode::FORBIDDEN
                }
                Failure::Stale(m) | Failure::RateLimited(m) => return Err(AppError::Conflict(m)),
                Failure::Other(e) => return Err(e),
            };
            let general = ctx.tr.f(
                "intake.not_saved",
                &[("what", what), ("reason", &reasons.join(" "))],
            );
            errors.add("_", general);
            form_page(&state, &ctx, &headers, form.text, errors, status).await
        }
    }
}

/// The form again after the case itself was refused (its fields, the right to record it).
async fn intake_refused(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    v: HashMap<String, String>,
    tenant_id: i64,
    e: tongdai_cases::CaseError,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    match failure(e) {
        Failure::Fields(list) => {
            for (k, m) in list {
                errors.add(&k, m);
            }
            form_page(
                state,
                ctx,
                headers,
                v,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Failure::Rights(m) => {
            crate::auth::refuse(state, ctx, "CaseIntake", &format!("tenant:{tenant_id}")).await;
            errors.add("tenant_id", m);
            form_page(state, ctx, headers, v, errors, StatusCode::FORBIDDEN).await
        }
        Failure::Stale(m) | Failure::RateLimited(m) => Err(AppError::Conflict(m)),
        Failure::Other(e) => Err(e),
    }
}

/// The forward select: agencies in force of the tenants the user records cases for, the
/// routing suggestion for what the form holds first (and selected unless the operator chose).
async fn forward_choices(
    state: &AppState,
    ctx: &Ctx,
    tenants: &[org::Tenant],
    v: &HashMap<String, String>,
    tenant_now: &str,
    kind_now: &str,
    field_now: &str,
) -> Result<(Vec<AgencyGroup>, bool), AppError> {
    let today = to_vietnam(state.now()).date();
    let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
    let mut c = state.store.conn().await?;
    let agencies: Vec<org::Agency> = org::agencies(&mut c, Some(&ids))
        .await?
        .into_iter()
        .filter(|a| a.validity.contains(today))
        .collect();
    let chosen = v
        .get("forward_agency_id")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let suggested = match (tenant_now.parse::<i64>(), kind_now.parse::<CaseKind>()) {
        (Ok(t), Ok(kind)) => {
            suggest(
                &mut c,
                t,
                kind,
                field_now.trim().parse().ok(),
                v.get("admin_unit_id").and_then(|u| u.trim().parse().ok()),
            )
            .await?
        }
        _ => Vec::new(),
    };
    let current = chosen
        .clone()
        .or_else(|| suggested.first().map(i64::to_string))
        .unwrap_or_default();
    let mut groups = Vec::new();
    let first: Vec<Choice> = suggested
        .iter()
        .filter_map(|s| agencies.iter().find(|a| a.id == *s))
        .map(|a| Choice::new(a.id, format!("{} ★", a.name), &current))
        .collect();
    if !first.is_empty() {
        groups.push(AgencyGroup {
            label: ctx.tr.t("case.suggested").to_owned(),
            options: first,
        });
    }
    for t in tenants {
        let options: Vec<Choice> = agencies
            .iter()
            .filter(|a| a.tenant_id == t.id && !suggested.contains(&a.id))
            .map(|a| Choice::new(a.id, a.name.clone(), &current))
            .collect();
        if !options.is_empty() {
            groups.push(AgencyGroup {
                label: t.name.clone(),
                options,
            });
        }
    }
    Ok((groups, chosen.is_some()))
}

/// The agencies the active routing rules of a tenant (and its ancestors) suggest (CASE-4).
async fn suggest(
    c: &mut tongdai_store::AnyConnection,
    tenant: i64,
    kind: CaseKind,
    field_id: Option<i64>,
    admin_unit_id: Option<i64>,
) -> Result<Vec<i64>, AppError> {
    let path = org::tenant_path(c, tenant).await?;
    let rules: Vec<case::RoutingRule> = tongdai_store::cases::routing_rules(c, &path)
        .await?
        .into_iter()
        .filter(|r| r.active)
        .map(|r| r.rule)
        .collect();
    Ok(case::routing::suggest_for(
        &rules,
        field_id,
        kind,
        admin_unit_id,
    ))
}

/// A possible duplicate as the intake form lists it.
#[derive(Debug, Clone)]
pub struct DuplicateView {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub received_at: String,
    pub caller: String,
    pub excerpt: String,
    pub same_phone: bool,
    pub similarity: String,
}

#[derive(Template)]
#[template(path = "cases/duplicates.html")]
struct DuplicatesPartial {
    tr: crate::i18n::Tr,
    items: Vec<DuplicateView>,
    asked: bool,
}

#[derive(Debug, Deserialize)]
pub struct DuplicateQuery {
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    content: String,
}

/// `GET /cases/new/duplicates`: open cases from the same phone or with similar content
/// (CASE-14), as the operator types.
pub async fn duplicates(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DuplicateQuery>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let tenants = intake_tenants(&state, &user.principal).await?;
    let tenant = q
        .tenant_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|t| tenants.iter().any(|x| x.id == *t))
        .or_else(|| tenants.first().map(|t| t.id));
    let asked = q.phone.trim().len() >= 9 || q.content.trim().chars().count() >= 15;
    let mut items = Vec::new();
    if let (Some(tenant), true) = (tenant, asked) {
        let found = state
            .cases
            .duplicates(tenant, &q.phone, &q.content, None)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        for (c, m) in found.into_iter().take(5) {
            let excerpt: String = c.content.chars().take(140).collect();
            items.push(DuplicateView {
                id: c.id,
                code: c.code.to_string(),
                state: c.state.label_vi().to_owned(),
                received_at: tongdai_domain::time::datetime_short_vi(c.received_at),
                caller: if c.confidential {
                    HIDDEN.to_owned()
                } else {
                    format!("{} — {}", c.caller.name, c.caller.phone.display())
                },
                excerpt,
                same_phone: m.same_phone,
                similarity: format!("{:.0}%", m.content_similarity * 100.0),
            });
        }
    }
    render(&DuplicatesPartial {
        tr: ctx.tr,
        items,
        asked,
    })
}

#[derive(Template)]
#[template(path = "cases/routing_hint.html")]
struct RoutingPartial {
    tr: crate::i18n::Tr,
    /// Suggested agencies (id, name), best first.
    agencies: Vec<(i64, String)>,
}

#[derive(Debug, Deserialize)]
pub struct RoutingQuery {
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    field_id: String,
    #[serde(default)]
    admin_unit_id: String,
}

/// `GET /cases/new/routing`: the agencies the routing rules suggest for what is typed (CASE-4).
pub async fn routing(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RoutingQuery>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let tenants = intake_tenants(&state, &user.principal).await?;
    let tenant = q
        .tenant_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|t| tenants.iter().any(|x| x.id == *t))
        .or_else(|| tenants.first().map(|t| t.id));
    let mut agencies = Vec::new();
    if let (Some(tenant), Ok(kind)) = (tenant, q.kind.parse::<CaseKind>()) {
        let mut c = state.store.conn().await?;
        let ids = suggest(
            &mut c,
            tenant,
            kind,
            q.field_id.trim().parse().ok(),
            q.admin_unit_id.trim().parse().ok(),
        )
        .await?;
        for id in ids.into_iter().take(3) {
            if let Ok(a) = org::agency(&mut c, id).await {
                agencies.push((a.id, a.name));
            }
        }
    }
    render(&RoutingPartial {
        tr: ctx.tr,
        agencies,
    })
}

#[derive(Template)]
#[template(path = "cases/units.html")]
struct UnitsPartial {
    tr: crate::i18n::Tr,
    units: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    unit_q: String,
}

/// `GET /cases/units`: administrative units in force whose name matches (with or without
/// diacritics), as the options of the form's unit field (ORG-1).
pub async fn units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let needle = tongdai_store::fold(q.unit_q.trim());
    let mut choices = vec![Choice::new("", "—", "")];
    if needle.chars().count() >= 2 {
        let today = to_vietnam(state.now()).date();
        let mut c = state.store.conn().await?;
        let found = org::units(
            &mut c,
            &org::UnitFilter {
                name_folded: Some(needle),
                level: None,
                valid_on: Some(today),
                parent_id: None,
                limit: 20,
            },
        )
        .await?;
        for (i, u) in found.iter().enumerate() {
            choices.push(Choice {
                value: u.id.to_string(),
                label: format!("{} ({})", u.name, u.code),
                selected: i == 0,
            });
        }
        if !found.is_empty() {
            choices[0].selected = false;
        }
    }
    render(&UnitsPartial {
        tr: ctx.tr,
        units: choices,
    })
}
