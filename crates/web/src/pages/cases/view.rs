//! The case page (CASE-2 … CASE-12, SEC-3, SEC-4): details, attachments, the timeline of
//! events, and one form per command the viewer may issue now, each carrying the version the
//! page showed so that a change made on a stale view is refused. Opening the page, downloading
//! an attachment or printing the reply letter is written to the audit log.

use super::{Failure, HIDDEN, Names, Opened, failure, open, urgency_class};
use crate::auth::{Ctx, audit_change, refuse};
use crate::error::AppError;
use crate::flash;
use crate::forms::FormErrors;
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongdai_domain::access::Role;
use tongdai_domain::case::state::Resolution;
use tongdai_domain::case::{
    self, ActorKind, Case, CaseCode, CaseKind, CaseState, Command, CommandKind, ContentClass,
    EventDetail, ExtensionDecision, FieldChange, MergeTarget, Urgency,
};
use tongdai_domain::time::{datetime_short_vi, to_vietnam};
use tongdai_store::{accounts, cases, org};

/// The case as the page shows it.
#[derive(Debug, Clone, Default)]
pub struct CaseView {
    pub id: i64,
    pub code: String,
    pub state_code: String,
    pub state: String,
    pub kind_code: String,
    pub kind: String,
    pub class: String,
    pub channel: String,
    pub received_at: String,
    pub received_by: String,
    pub pressing: bool,
    pub complex: bool,
    pub confidential: bool,
    pub identity: bool,
    pub caller_name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub content: String,
    pub field: String,
    pub lead_agency: String,
    pub other_agencies: String,
    pub due_at: String,
    pub hard_due_at: String,
    pub statutory_due_at: String,
    pub urgency: String,
    pub urgency_class: String,
    pub answer: String,
    pub answered_by: String,
    pub answered_at: String,
    pub approved_by: String,
    pub publication: String,
    pub rating: String,
    pub resolution: String,
    pub extension: String,
    pub dossier_code: String,
    pub tthc_code: String,
    pub notice_version: String,
    pub reopen_count: u32,
    pub has_answer: bool,
}

/// One line of the timeline (CASE-12).
#[derive(Debug, Clone)]
pub struct EventView {
    pub at: String,
    pub label: String,
    pub actor: String,
    pub transition: String,
    pub detail: String,
}

/// An attachment as listed.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub content_type: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    layout: Layout,
    c: CaseView,
    events: Vec<EventView>,
    attachments: Vec<AttachmentView>,
    commands: Vec<String>,
    command_labels: Vec<(String, String)>,
    version: i64,
    errors: FormErrors,
    error: String,
    typed: Vec<(String, String)>,
    kinds: Vec<Choice>,
    classes: Vec<Choice>,
    fields: Vec<Choice>,
    agencies: Vec<Choice>,
    support_agencies: Vec<Choice>,
    suggested: String,
    guidance: String,
    public_text: String,
    masked: Vec<String>,
    can_download: bool,
    can_attach: bool,
    can_print: bool,
}

impl CasePage {
    /// Whether the viewer may issue a command (its form is shown).
    fn can(&self, code: &str) -> bool {
        self.commands.iter().any(|c| c == code)
    }

    /// What the user typed in a field of the `command` form before it was refused.
    fn val(&self, command: &str, name: &str) -> &str {
        if self.errors.get("command") != command {
            return "";
        }
        self.typed
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The problem with a field of the `command` form, if that form was refused.
    fn err(&self, command: &str, name: &str) -> &str {
        if self.errors.get("command") != command {
            return "";
        }
        self.errors.get(name)
    }

    /// The label of a command (the form's button).
    fn label(&self, code: &str) -> &str {
        self.command_labels
            .iter()
            .find(|(k, _)| k == code)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn opt_time(t: Option<tongdai_domain::Instant>) -> String {
    t.map(datetime_short_vi).unwrap_or_default()
}

/// The human text of an event's details; the caller's identity stays hidden when the viewer
/// may not see it.
fn detail_text(d: &EventDetail, names: &Names, identity: bool) -> String {
    match d {
        EventDetail::Received {
            channel,
            notice_version,
            ..
        } => format!(
            "Kênh: {}; thông báo xử lý dữ liệu cá nhân phiên bản {notice_version}",
            channel.label_vi()
        ),
        EventDetail::Classified {
            kind,
            class,
            field_id,
            pressing,
            complex,
            ..
        } => {
            let mut s = kind.label_vi().to_owned();
            if let Some(c) = class {
                s.push_str(&format!(" — {}", c.label_vi()));
            }
            let f = names.field(*field_id);
            if !f.is_empty() {
                s.push_str(&format!("; lĩnh vực {f}"));
            }
            if *pressing {
                s.push_str("; bức xúc");
            }
            if *complex {
                s.push_str("; cần xin ý kiến UBND");
            }
            s
        }
        EventDetail::AnsweredOnCall { answer } => answer.clone(),
        EventDetail::Redirected { guidance } => guidance.clone(),
        EventDetail::NotAccepted { reason } => reason.clone(),
        EventDetail::ForwardedOut { body, reason } => format!("{body}: {reason}"),
        EventDetail::Forwarded {
            lead_agency_id,
            other_agency_ids,
            note,
            ..
        } => {
            let mut s = format!("Chủ trì: {}", names.agency(Some(*lead_agency_id)));
            if !other_agency_ids.is_empty() {
                let others: Vec<String> = other_agency_ids
                    .iter()
                    .map(|a| names.agency(Some(*a)))
                    .collect();
                s.push_str(&format!("; phối hợp: {}", others.join(", ")));
            }
            if let Some(n) = note {
                s.push_str(&format!("; {n}"));
            }
            s
        }
        EventDetail::Acknowledged | EventDetail::Resumed => String::new(),
        EventDetail::Returned { reason, .. } => reason.clone(),
        EventDetail::Answered { text } | EventDetail::SubmittedForApproval { text } => text.clone(),
        EventDetail::Approved { comment } => comment.clone().unwrap_or_default(),
        EventDetail::ChangesRequested { comment } => comment.clone(),
        EventDetail::Paused { reason } => reason.clone(),
        EventDetail::ExtensionRequested { hours, reason } => {
            format!("{hours} giờ làm việc: {reason}")
        }
        EventDetail::ExtensionDecided {
            decision,
            hours,
            comment,
        } => format!(
            "{} ({hours} giờ){}",
            decision.label_vi(),
            comment
                .as_ref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ),
        EventDetail::ExtensionWithdrawn { hours } => format!("{hours} giờ"),
        EventDetail::Escalated { focal_due_at } => {
            format!("Hạn cán bộ đầu mối: {}", datetime_short_vi(*focal_due_at))
        }
        EventDetail::HardDeadlineBreached { hard_due_at } => {
            format!("Hạn thủ trưởng: {}", datetime_short_vi(*hard_due_at))
        }
        EventDetail::Closed { automatic } => {
            if *automatic {
                "Tự động đóng khi hết thời hạn mở lại".into()
            } else {
                String::new()
            }
        }
        EventDetail::Rated { stars, comment } => format!(
            "{stars}/5{}",
            comment
                .as_ref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ),
        EventDetail::Reopened { reason, .. } => reason.clone(),
        EventDetail::Published { public_text } => public_text.clone(),
        EventDetail::Unpublished { reason } => reason.clone(),
        EventDetail::Merged { into_code, .. } => format!("Gộp vào {into_code}"),
        EventDetail::MergedFrom { from_code, .. } => format!("Nhận hồ sơ {from_code}"),
        EventDetail::NoteAdded { text } => text.clone(),
        EventDetail::AttachmentAdded { attachment } => attachment.name.clone(),
        EventDetail::FieldChanged { field, old, new } => {
            if d.touches_caller_identity() && !identity {
                format!("{}: (bảo mật)", field.label_vi())
            } else {
                format!(
                    "{}: «{}» → «{}»",
                    field.label_vi(),
                    old.clone().unwrap_or_default(),
                    new.clone().unwrap_or_default()
                )
            }
        }
    }
}

/// Build the view of a case for a viewer.
async fn case_view(state: &AppState, o: &Opened, names: &mut Names) -> Result<CaseView, AppError> {
    let c = &o.case;
    let d = {
        let mut conn = state.store.conn().await?;
        let tc = state
            .cases
            .tenant_context(&mut conn, c.tenant_id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        (c.deadlines(&tc.calendar), {
            case::offer::urgency(
                c,
                &tc.calendar,
                tc.policy.deadlines_for(c.kind),
                state.now(),
            )
        })
    };
    let (deadlines, urgency) = d;
    let id = o.identity;
    let hide = |s: &str| if id { s.to_owned() } else { String::new() };
    let resolution = match &c.resolution {
        Some(Resolution::Redirected { guidance }) => guidance.clone(),
        Some(Resolution::NotAccepted { reason }) => reason.clone(),
        Some(Resolution::ForwardedOut { body, reason }) => format!("{body}: {reason}"),
        Some(Resolution::Merged { into_code, .. }) => format!("Gộp vào {into_code}"),
        None => String::new(),
    };
    Ok(CaseView {
        id: c.id,
        code: c.code.to_string(),
        state_code: c.state.code().to_owned(),
        state: c.state.label_vi().to_owned(),
        kind_code: c.kind.code().to_owned(),
        kind: c.kind.label_vi().to_owned(),
        class: c.class.map(|k| k.label_vi().to_owned()).unwrap_or_default(),
        channel: c.channel.label_vi().to_owned(),
        received_at: datetime_short_vi(c.received_at),
        received_by: names.account(state, c.received_by).await,
        pressing: c.pressing,
        complex: c.complex,
        confidential: c.confidential,
        identity: id,
        caller_name: if id {
            c.caller.name.clone()
        } else {
            HIDDEN.into()
        },
        organisation: hide(c.caller.organisation.as_deref().unwrap_or("")),
        phone: if id {
            c.caller.phone.display()
        } else {
            String::new()
        },
        email: hide(c.caller.email.as_deref().unwrap_or("")),
        address: hide(&c.caller.address),
        content: c.content.clone(),
        field: names.field(c.field_id),
        lead_agency: names.agency(c.lead_agency_id),
        other_agencies: c
            .other_agency_ids
            .iter()
            .map(|a| names.agency(Some(*a)))
            .collect::<Vec<_>>()
            .join(", "),
        due_at: opt_time(deadlines.due_at),
        hard_due_at: opt_time(deadlines.hard_due_at),
        statutory_due_at: opt_time(deadlines.statutory_due_at),
        urgency: if urgency == Urgency::Done {
            String::new()
        } else {
            urgency.label_vi().to_owned()
        },
        urgency_class: urgency_class(urgency).to_owned(),
        answer: c
            .answer
            .as_ref()
            .map(|a| a.text.clone())
            .unwrap_or_default(),
        answered_by: names
            .account(state, c.answer.as_ref().and_then(|a| a.by_account))
            .await,
        answered_at: opt_time(c.answered_at),
        approved_by: names.account(state, c.approved_by).await,
        publication: c
            .publication
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default(),
        rating: c
            .rating
            .as_ref()
            .map(|r| {
                format!(
                    "{}/5{}",
                    r.stars,
                    r.comment
                        .as_ref()
                        .map(|x| format!(" — {x}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        resolution,
        extension: c
            .pending_extension
            .as_ref()
            .map(|e| format!("{} giờ làm việc: {}", e.hours, e.reason))
            .unwrap_or_default(),
        dossier_code: c.dossier_code.clone().unwrap_or_default(),
        tthc_code: c.tthc_code.clone().unwrap_or_default(),
        notice_version: c.notice_version.clone(),
        reopen_count: c.reopen_count,
        has_answer: c.answer.is_some(),
    })
}

/// Whether the viewer may download attachments and print the letter: a capacity on the case
/// and the right to see who the caller is (an attachment is often the caller's own letter).
fn may_handle_files(o: &Opened) -> bool {
    !o.kinds.is_empty() && o.identity
}

struct Extra {
    errors: FormErrors,
    error: String,
    typed: Vec<(String, String)>,
}

async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    o: Opened,
    extra: Extra,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut names = super::Names::load(state).await?;
    let view = case_view(state, &o, &mut names).await?;
    let commands: Vec<CommandKind> = case::allowed_commands(&o.case, &o.actor, &o.tenant_path);
    let (history, attachment_rows, rules) = {
        let mut c = state.store.conn().await?;
        let path = o.tenant_path.clone();
        (
            cases::history(&mut c, o.case.id).await?,
            cases::attachments(&mut c, o.case.id).await?,
            cases::routing_rules(&mut c, &path).await?,
        )
    };
    let mut events = Vec::with_capacity(history.len());
    for e in &history {
        let detail = serde_json::from_value::<EventDetail>(e.detail.clone()).ok();
        let actor_kind = e
            .actor_kind
            .parse::<ActorKind>()
            .map(|k| k.label_vi().to_owned())
            .unwrap_or_default();
        let actor = if e.actor_name.is_empty() {
            actor_kind
        } else {
            format!("{} ({actor_kind})", e.actor_name)
        };
        let transition = match &e.from_state {
            Some(f) if *f != e.to_state => format!(
                "{} → {}",
                super::state_label(f),
                super::state_label(&e.to_state)
            ),
            None => super::state_label(&e.to_state),
            _ => String::new(),
        };
        events.push(EventView {
            at: datetime_short_vi(e.at),
            label: detail
                .as_ref()
                .map(|d| d.label_vi().to_owned())
                .unwrap_or_else(|| e.kind.clone()),
            actor,
            transition,
            detail: detail
                .as_ref()
                .map(|d| detail_text(d, &names, o.identity))
                .unwrap_or_default(),
        });
    }
    let attachments = attachment_rows
        .iter()
        .map(|a| AttachmentView {
            id: a.id,
            name: a.original_name.clone(),
            size: size_text(a.size),
            content_type: a.content_type.clone(),
            at: datetime_short_vi(a.created_at),
        })
        .collect();
    // The forward form: agencies of the case's tenant and below, the suggested one first.
    let today = to_vietnam(state.now()).date();
    let (agency_list, field_list) = {
        let mut c = state.store.conn().await?;
        let subtree = org::tenant_subtree(&mut c, o.case.tenant_id).await?;
        (
            org::agencies(&mut c, Some(&subtree)).await?,
            org::fields(&mut c).await?,
        )
    };
    let active_rules: Vec<case::RoutingRule> = rules
        .into_iter()
        .filter(|r| r.active)
        .map(|r| r.rule)
        .collect();
    let suggestions = case::suggest(&active_rules, &o.case);
    let suggested_id = suggestions.first().copied();
    let current_lead = o.case.lead_agency_id.or(suggested_id);
    let mut agencies: Vec<Choice> = Vec::new();
    let mut support_agencies = Vec::new();
    let in_force: Vec<&org::Agency> = agency_list
        .iter()
        .filter(|a| a.validity.contains(today))
        .collect();
    for a in suggestions
        .iter()
        .filter_map(|s| in_force.iter().find(|a| a.id == *s))
        .chain(in_force.iter().filter(|a| !suggestions.contains(&a.id)))
    {
        let label = match suggestions.iter().position(|s| *s == a.id) {
            Some(0) => format!("{} ★", a.name),
            _ => a.name.clone(),
        };
        agencies.push(Choice {
            value: a.id.to_string(),
            label,
            selected: Some(a.id) == current_lead,
        });
        support_agencies.push(Choice {
            value: a.id.to_string(),
            label: a.name.clone(),
            selected: o.case.other_agency_ids.contains(&a.id),
        });
    }
    let suggested = suggested_id
        .map(|s| names.agency(Some(s)))
        .unwrap_or_default();
    let kind_now = o.case.kind.code();
    let kinds = CaseKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label_vi(), kind_now))
        .collect();
    let class_now = o.case.class.map(|c| c.code()).unwrap_or("");
    let mut classes = vec![Choice::new("", "—", class_now)];
    classes.extend(
        ContentClass::ALL
            .iter()
            .map(|c| Choice::new(c.code(), c.label_vi(), class_now)),
    );
    let field_now = o.case.field_id.map(|f| f.to_string()).unwrap_or_default();
    let mut fields = vec![Choice::new("", "—", &field_now)];
    fields.extend(
        field_list
            .iter()
            .filter(|f| f.active)
            .map(|f| Choice::new(f.id, f.name.clone(), &field_now)),
    );
    // The publication proposal: the question and the answer with personal data masked.
    let (public_text, masked) = if commands.contains(&CommandKind::Publish) {
        let subject = case::Subject::of_case(&o.case);
        let q = case::redact(&o.case.content, &subject);
        let a = case::redact(
            o.case
                .answer
                .as_ref()
                .map(|a| a.text.as_str())
                .unwrap_or(""),
            &subject,
        );
        let masked = q
            .masked
            .iter()
            .chain(a.masked.iter())
            .map(|m| {
                format!(
                    "{}: «{}» → «{}»",
                    m.kind.label_vi(),
                    m.original,
                    m.replacement
                )
            })
            .collect();
        (
            format!("Nội dung: {}\n\nTrả lời: {}", q.text, a.text),
            masked,
        )
    } else {
        (
            o.case
                .publication
                .as_ref()
                .map(|p| p.text.clone())
                .unwrap_or_default(),
            vec![],
        )
    };
    let can_download = may_handle_files(&o);
    let page = CasePage {
        layout: Layout::with_title(
            ctx,
            format!("{} — {}", o.case.code, o.case.kind.label_vi()),
            flash::read(headers),
        ),
        can_attach: commands.contains(&CommandKind::AddAttachment),
        can_print: can_download
            && o.case.answer.is_some()
            && matches!(
                o.case.state,
                CaseState::Answered
                    | CaseState::Closed
                    | CaseState::Published
                    | CaseState::AnsweredOnCall
            ),
        command_labels: CommandKind::ALL
            .iter()
            .map(|k| (k.code().to_owned(), capitalise(k.label_vi())))
            .collect(),
        commands: commands.iter().map(|c| c.code().to_owned()).collect(),
        c: view,
        events,
        attachments,
        version: o.version,
        errors: extra.errors,
        error: extra.error,
        typed: extra.typed,
        kinds,
        classes,
        fields,
        agencies,
        support_agencies,
        suggested,
        guidance: o
            .case
            .kind
            .redirect_guidance()
            .unwrap_or_default()
            .to_owned(),
        public_text,
        masked,
        can_download,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Write an audit entry in its own transaction (views, downloads, exports: SEC-3).
pub async fn audit_access(
    state: &AppState,
    ctx: &Ctx,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let mut tx = state.store.begin().await?;
    audit_change(&mut tx, state, ctx, action, target, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// `GET /cases/{id}`: the case; viewing its personal data is audited (SEC-3).
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = open(&state, &ctx, id).await?;
    audit_access(
        &state,
        &ctx,
        "case.view",
        &format!("case:{id}"),
        serde_json::json!({ "code": o.case.code.to_string(), "identity": o.identity }),
    )
    .await?;
    case_page(
        &state,
        &ctx,
        &headers,
        o,
        Extra {
            errors: FormErrors::default(),
            error: String::new(),
            typed: Vec::new(),
        },
        StatusCode::OK,
    )
    .await
}

/// A submitted form, as name/value pairs (a name may repeat: supporting agencies).
#[derive(Debug)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn checked(&self, name: &str) -> bool {
        crate::forms::checkbox(&Some(self.get(name).to_owned()))
    }

    fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

fn id_field(
    f: &Fields,
    name: &str,
    errors: &mut Vec<(String, String)>,
    required: bool,
) -> Option<i64> {
    let v = f.get(name).trim();
    if v.is_empty() {
        if required {
            errors.push((name.into(), "Cần chọn một giá trị.".into()));
        }
        return None;
    }
    match v.parse::<i64>() {
        Ok(i) if i > 0 => Some(i),
        _ => {
            errors.push((name.into(), "Giá trị không hợp lệ.".into()));
            None
        }
    }
}

/// Turn a submitted command form into a domain command; field problems by form field.
pub async fn command_from_form(
    state: &AppState,
    o: &Opened,
    kind: CommandKind,
    f: &Fields,
) -> Result<Command, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let text = |name: &str| f.get(name).to_owned();
    let command = match kind {
        CommandKind::Classify => {
            let k = f.get("kind").parse::<CaseKind>();
            if k.is_err() {
                errors.push(("kind".into(), "Loại hồ sơ không hợp lệ.".into()));
            }
            let class = match f.opt("class") {
                None => None,
                Some(c) => match c.parse::<ContentClass>() {
                    Ok(c) => Some(c),
                    Err(_) => {
                        errors.push(("class".into(), "Nội dung phân loại không hợp lệ.".into()));
                        None
                    }
                },
            };
            let field_id = id_field(f, "field_id", &mut errors, false);
            match k {
                Ok(kind) => Command::Classify {
                    kind,
                    class,
                    field_id,
                    pressing: f.checked("pressing"),
                    complex: f.checked("complex"),
                },
                Err(_) => return Err(errors),
            }
        }
        CommandKind::AnswerOnSpot => Command::AnswerOnSpot {
            answer: text("answer"),
        },
        CommandKind::Redirect => Command::Redirect {
            guidance: f.opt("guidance"),
        },
        CommandKind::NotAccept => Command::NotAccept {
            reason: text("reason"),
        },
        CommandKind::ForwardOut => Command::ForwardOut {
            body: text("body"),
            reason: text("reason"),
        },
        CommandKind::Forward => {
            let lead = id_field(f, "lead_agency_id", &mut errors, true);
            let mut others = Vec::new();
            for v in f.all("other_agency_ids") {
                match v.trim().parse::<i64>() {
                    Ok(i) if i > 0 => others.push(i),
                    _ if v.trim().is_empty() => {}
                    _ => errors.push(("other_agency_ids".into(), "Giá trị không hợp lệ.".into())),
                }
            }
            match lead {
                Some(lead_agency_id) if errors.is_empty() => Command::Forward {
                    lead_agency_id,
                    other_agency_ids: others,
                    note: f.opt("note"),
                },
                _ => return Err(errors),
            }
        }
        CommandKind::Acknowledge => Command::Acknowledge,
        CommandKind::ReturnMisrouted => Command::ReturnMisrouted {
            reason: text("reason"),
        },
        CommandKind::Answer => Command::Answer { text: text("text") },
        CommandKind::Approve => Command::Approve {
            comment: f.opt("comment"),
        },
        CommandKind::RequestChanges => Command::RequestChanges {
            comment: text("comment"),
        },
        CommandKind::Pause => Command::Pause {
            reason: text("reason"),
        },
        CommandKind::Resume => Command::Resume,
        CommandKind::RequestExtension => {
            let hours = match f.get("hours").trim().parse::<u32>() {
                Ok(h) if h > 0 => h,
                _ => {
                    errors.push((
                        "hours".into(),
                        "Số giờ gia hạn là một số nguyên dương.".into(),
                    ));
                    return Err(errors);
                }
            };
            Command::RequestExtension {
                hours,
                reason: text("reason"),
            }
        }
        CommandKind::DecideExtension => match f.get("decision").parse::<ExtensionDecision>() {
            Ok(decision) => Command::DecideExtension {
                decision,
                comment: f.opt("comment"),
            },
            Err(_) => {
                errors.push(("decision".into(), "Chọn đồng ý hoặc không đồng ý.".into()));
                return Err(errors);
            }
        },
        CommandKind::Close => Command::Close,
        CommandKind::Reopen => Command::Reopen {
            reason: text("reason"),
        },
        CommandKind::Publish => Command::Publish {
            public_text: text("public_text"),
        },
        CommandKind::Unpublish => Command::Unpublish {
            reason: text("reason"),
        },
        CommandKind::Merge => {
            let target = merge_target(state, o, f.get("into")).await;
            match target {
                Ok(into) => Command::Merge { into },
                Err(m) => {
                    errors.push(("into".into(), m));
                    return Err(errors);
                }
            }
        }
        CommandKind::AddNote => Command::AddNote { text: text("text") },
        CommandKind::UpdateFields => {
            let changes = field_changes(o, f);
            if changes.is_empty() {
                errors.push(("_".into(), "Không có thay đổi nào.".into()));
                return Err(errors);
            }
            Command::UpdateFields { changes }
        }
        CommandKind::Rate
        | CommandKind::Escalate
        | CommandKind::HardDeadlineBreached
        | CommandKind::AddAttachment => {
            errors.push((
                "command".into(),
                "Thao tác này không thực hiện qua biểu mẫu này.".into(),
            ));
            return Err(errors);
        }
    };
    if errors.is_empty() {
        Ok(command)
    } else {
        Err(errors)
    }
}

/// The case another is merged into, found by its code; the viewer must have a part in it too.
pub async fn merge_target(state: &AppState, o: &Opened, code: &str) -> Result<MergeTarget, String> {
    let code = CaseCode::parse(code.trim())
        .map_err(|_| "Mã hồ sơ không hợp lệ (ví dụ PA-2026-000123).".to_owned())?;
    let mut c = state.store.conn().await.map_err(|e| e.to_string())?;
    let Some((target, _)) = cases::by_code(&mut c, &code)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Err(format!("Không tìm thấy hồ sơ {code}."));
    };
    let path = org::tenant_path(&mut c, target.tenant_id)
        .await
        .map_err(|e| e.to_string())?;
    if case::rights::actor_kinds(&o.actor, &target, &path).is_empty() {
        return Err(format!("Không tìm thấy hồ sơ {code}."));
    }
    Ok(MergeTarget {
        id: target.id,
        code: target.code,
        state: target.state,
    })
}

/// The fields a correction form changed (only those the viewer could see).
fn field_changes(o: &Opened, f: &Fields) -> Vec<FieldChange> {
    let c = &o.case;
    let mut out = Vec::new();
    let differs = |name: &str, current: &str| -> Option<String> {
        let present = f.0.iter().any(|(k, _)| k == name);
        let v = f.get(name).trim();
        (present && v != current.trim()).then(|| v.to_owned())
    };
    if o.identity {
        if let Some(v) = differs("caller_name", &c.caller.name) {
            out.push(FieldChange::CallerName(v));
        }
        if let Some(v) = differs(
            "organisation",
            c.caller.organisation.as_deref().unwrap_or(""),
        ) {
            out.push(FieldChange::Organisation(v));
        }
        if let Some(v) = differs("phone", &c.caller.phone.display())
            && tongdai_domain::phone::PhoneNumber::parse(&v).ok().as_ref() != Some(&c.caller.phone)
        {
            out.push(FieldChange::Phone(v));
        }
        if let Some(v) = differs("email", c.caller.email.as_deref().unwrap_or("")) {
            out.push(FieldChange::Email(v));
        }
        if let Some(v) = differs("address", &c.caller.address) {
            out.push(FieldChange::Address(v));
        }
    }
    if let Some(v) = differs("content", &c.content) {
        out.push(FieldChange::Content(v));
    }
    if let Some(v) = differs("dossier_code", c.dossier_code.as_deref().unwrap_or("")) {
        out.push(FieldChange::DossierCode(v));
    }
    if let Some(v) = differs("tthc_code", c.tthc_code.as_deref().unwrap_or("")) {
        out.push(FieldChange::TthcCode(v));
    }
    out
}

/// The form field where a domain field's error shows.
fn form_field(field: &str) -> String {
    match field {
        "caller_name" | "organisation" | "phone" | "email" | "address" | "content"
        | "dossier_code" | "tthc_code" | "kind" | "class" | "field_id" | "hours" | "into" => {
            field.to_owned()
        }
        "agency" | "lead_agency_id" => "lead_agency_id".into(),
        "public_text" => "public_text".into(),
        "guidance" => "guidance".into(),
        "answer" => "answer".into(),
        "text" => "text".into(),
        "reason" => "reason".into(),
        "comment" => "comment".into(),
        "body" => "body".into(),
        "attachment" | "attachments" => "file".into(),
        _ => "_".into(),
    }
}

/// `POST /cases/{id}/commands`: one command from the case page's forms.
pub async fn command(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let o = open(&state, &ctx, id).await?;
    let f = Fields(pairs);
    let typed: Vec<(String, String)> = f.0.iter().filter(|(k, _)| k != "_csrf").cloned().collect();
    let rerender = |o: Opened, errors: FormErrors, error: String, status: StatusCode| {
        let (state, ctx, headers, typed) = (&state, &ctx, &headers, typed.clone());
        async move {
            case_page(
                state,
                ctx,
                headers,
                o,
                Extra {
                    errors,
                    error,
                    typed,
                },
                status,
            )
            .await
        }
    };
    let Ok(kind) = f.get("command").parse::<CommandKind>() else {
        return Err(AppError::BadRequest("Thao tác không hợp lệ.".into()));
    };
    let version = f.get("version").trim().parse::<i64>().ok();
    if version.is_none() {
        return Err(AppError::BadRequest("Thiếu phiên bản của hồ sơ.".into()));
    }
    let command = match command_from_form(&state, &o, kind, &f).await {
        Ok(c) => c,
        Err(errs) => {
            let mut errors = FormErrors::default();
            let mut general = String::new();
            for (k, v) in errs {
                if k == "_" || k == "command" {
                    general = v;
                } else {
                    errors.add(&k, v);
                }
            }
            errors.add("command", kind.code());
            return rerender(o, errors, general, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state.cases.decide(id, &o.actor, &command, version).await {
        Ok((case, _)) => {
            let msg = format!(
                "{}: {} — {}",
                ctx.tr.t("case.done"),
                capitalise(kind.label_vi()),
                case.state.label_vi()
            );
            Ok(redirect_with(&format!("/cases/{id}"), "success", &msg))
        }
        Err(e) => match failure(e) {
            Failure::Fields(list) => {
                let mut errors = FormErrors::default();
                let mut general = String::new();
                for (k, v) in list {
                    let k = form_field(&k);
                    if k == "_" {
                        general = v;
                    } else {
                        errors.add(&k, v);
                    }
                }
                errors.add("command", kind.code());
                rerender(o, errors, general, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Failure::Rights(m) => {
                refuse(
                    &state,
                    &ctx,
                    &format!("case.{}", kind.code()),
                    &format!("case:{id}"),
                )
                .await;
                rerender(o, FormErrors::default(), m, StatusCode::FORBIDDEN).await
            }
            Failure::Stale(_) => {
                let fresh = open(&state, &ctx, id).await?;
                rerender(
                    fresh,
                    FormErrors::default(),
                    ctx.tr.t("case.stale").to_owned(),
                    StatusCode::CONFLICT,
                )
                .await
            }
            Failure::RateLimited(m) => Err(AppError::BadRequest(m)),
            Failure::Other(e) => Err(e),
        },
    }
}

/// `POST /cases/{id}/attachments`: one file added to the case (multipart; the CSRF token and
/// the version travel in the query string).
pub async fn attach(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let o = open(&state, &ctx, id).await?;
    let mut upload = None;
    let limit = state.cases.settings.max_attachment_bytes;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return attach_error(&state, &ctx, &headers, o, too_large(limit)).await;
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("tep-dinh-kem").to_owned();
            match read_limited(field, limit).await {
                Ok(bytes) => upload = Some(tongdai_cases::Upload { name, bytes }),
                Err(m) => return attach_error(&state, &ctx, &headers, o, m).await,
            }
        }
    }
    let Some(upload) = upload.filter(|u| !u.bytes.is_empty()) else {
        return attach_error(&state, &ctx, &headers, o, "Chưa chọn tệp.".into()).await;
    };
    match state.cases.attach(id, &o.actor, &upload, q.version).await {
        Ok(_) => Ok(redirect_with(
            &format!("/cases/{id}"),
            "success",
            ctx.tr.t("case.attached"),
        )),
        Err(e) => match failure(e) {
            Failure::Fields(list) => {
                let m = list
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join(" ");
                attach_error(&state, &ctx, &headers, o, m).await
            }
            Failure::Rights(m) => {
                refuse(&state, &ctx, "case.add_attachment", &format!("case:{id}")).await;
                case_page(
                    &state,
                    &ctx,
                    &headers,
                    o,
                    Extra {
                        errors: FormErrors::default(),
                        error: m,
                        typed: vec![],
                    },
                    StatusCode::FORBIDDEN,
                )
                .await
            }
            Failure::Stale(_) => {
                let fresh = open(&state, &ctx, id).await?;
                case_page(
                    &state,
                    &ctx,
                    &headers,
                    fresh,
                    Extra {
                        errors: FormErrors::default(),
                        error: ctx.tr.t("case.stale").to_owned(),
                        typed: vec![],
                    },
                    StatusCode::CONFLICT,
                )
                .await
            }
            Failure::RateLimited(m) => Err(AppError::BadRequest(m)),
            Failure::Other(e) => Err(e),
        },
    }
}

/// The query of an upload form.
#[derive(Debug, serde::Deserialize)]
pub struct VersionQuery {
    pub version: Option<i64>,
}

/// The message for a file over the limit.
pub fn too_large(limit: usize) -> String {
    format!(
        "Tệp quá lớn (tối đa {} MB).",
        (limit / (1024 * 1024)).max(1)
    )
}

/// Read an uploaded field, refusing it as soon as it passes `limit` bytes.
pub async fn read_limited(
    mut field: axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(_) => return Err(too_large(limit)),
        }
    }
}

async fn attach_error(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    o: Opened,
    message: String,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    errors.add("file", message);
    case_page(
        state,
        ctx,
        headers,
        o,
        Extra {
            errors,
            error: String::new(),
            typed: vec![],
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `GET /cases/{id}/attachments/{attachment}`: the file, for staff who handle the case and
/// may see the caller; every download is audited (SEC-3).
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let o = open(&state, &ctx, id).await?;
    if !may_handle_files(&o) {
        refuse(&state, &ctx, "case.attachment", &format!("case:{id}")).await;
        return Err(AppError::Forbidden);
    }
    let a = {
        let mut c = state.store.conn().await?;
        cases::attachment(&mut c, id, attachment).await?
    };
    let bytes = state
        .cases
        .files
        .get(&a.sha256)
        .map_err(|e| AppError::Internal(format!("attachment {attachment}: {e}")))?;
    audit_access(
        &state,
        &ctx,
        "case.attachment.download",
        &format!("case:{id}"),
        serde_json::json!({ "attachment": attachment, "name": a.original_name }),
    )
    .await?;
    Ok(file_response(&bytes, &a.content_type, &a.original_name))
}

/// A file as a download.
pub fn file_response(bytes: &[u8], content_type: &str, name: &str) -> Response {
    let mut resp = bytes.to_vec().into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::auth::urlencode(name).replace('/', "%2F")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /cases/{id}/reply.pdf`: the official reply letter (CASE-8; NĐ 30/2020 layout) from the
/// lead agency, with the answer.
pub async fn reply_letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = open(&state, &ctx, id).await?;
    if !may_handle_files(&o) {
        refuse(&state, &ctx, "case.reply_letter", &format!("case:{id}")).await;
        return Err(AppError::Forbidden);
    }
    let Some(answer) = o.case.answer.clone() else {
        return Err(AppError::NotFound);
    };
    if !matches!(
        o.case.state,
        CaseState::Answered | CaseState::Closed | CaseState::Published | CaseState::AnsweredOnCall
    ) {
        return Err(AppError::NotFound);
    }
    let pdf = letter(&state, &o.case, &answer.text).await?;
    audit_access(
        &state,
        &ctx,
        "case.reply_letter",
        &format!("case:{id}"),
        serde_json::json!({ "code": o.case.code.to_string() }),
    )
    .await?;
    let mut resp = file_response(
        &pdf,
        "application/pdf",
        &format!("tra-loi-{}.pdf", o.case.code),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("inline; filename=\"tra-loi-{}.pdf\"", o.case.code))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// The place name of a tenant for the date line: "UBND xã An Châu" → "An Châu".
fn place_of(tenant_name: &str) -> String {
    let lower = tenant_name.to_lowercase();
    for prefix in [
        "ubnd thành phố ",
        "ubnd tỉnh ",
        "ubnd huyện ",
        "ubnd xã ",
        "ubnd phường ",
        "ubnd thị trấn ",
        "ubnd đặc khu ",
    ] {
        if lower.starts_with(prefix) {
            return tenant_name.chars().skip(prefix.chars().count()).collect();
        }
    }
    tenant_name.to_owned()
}

/// "UBND xã An Châu" → "Ủy ban nhân dân xã An Châu".
fn committee(tenant_name: &str) -> String {
    match tenant_name.strip_prefix("UBND ") {
        Some(rest) => format!("Ủy ban nhân dân {rest}"),
        None => tenant_name.to_owned(),
    }
}

async fn letter(state: &AppState, case: &Case, answer: &str) -> Result<Vec<u8>, AppError> {
    use tongdai_docs::pdf::{Block, DocumentKind, OfficialDocument, Signature};
    let mut c = state.store.conn().await?;
    let tenant = org::tenant(&mut c, case.tenant_id).await?;
    let agency = match case.lead_agency_id {
        Some(a) => Some(org::agency(&mut c, a).await?),
        None => None,
    };
    let agency_tenant = match &agency {
        Some(a) => org::tenant(&mut c, a.tenant_id).await?,
        None => tenant.clone(),
    };
    let head = match &agency {
        Some(a) => accounts::holders(&mut c, Role::AgencyHead, Some(a.id), &[])
            .await?
            .into_iter()
            .next()
            .map(|h| h.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let issuer = agency
        .as_ref()
        .map(|a| a.name.clone())
        .unwrap_or_else(|| committee(&tenant.name));
    let parent = agency.as_ref().map(|_| agency_tenant.name.clone());
    let name = &case.caller.name;
    let kind = case.kind.label_vi().to_lowercase();
    let today = to_vietnam(state.now()).date();
    let received = tongdai_domain::time::date_short_vi(to_vietnam(case.received_at).date());
    let mut body = vec![Block::Paragraph(format!(
        "{issuer} nhận được {kind} của ông/bà {name} (mã hồ sơ {code}, tiếp nhận ngày {received}) với nội dung: {content}",
        code = case.code,
        content = case.content.replace('\n', " "),
    ))];
    body.push(Block::Paragraph(format!(
        "Về nội dung trên, {issuer} trả lời như sau:"
    )));
    body.push(Block::Paragraph(answer.to_owned()));
    body.push(Block::Paragraph(format!(
        "Ông/bà có thể tra cứu tình trạng hồ sơ bằng mã {} và số điện thoại đã cung cấp tại trang tra cứu của Tổng đài.",
        case.code
    )));
    let doc = OfficialDocument {
        parent_body: parent,
        symbol: "PAKN".into(),
        place: place_of(&agency_tenant.name),
        recipients: vec![format!("Ông/Bà {name}")],
        body,
        signature: Signature {
            authority: vec![],
            title: "Thủ trưởng cơ quan".into(),
            name: head,
        },
        distribution: vec!["Như trên".into(), "Lưu: VT".into()],
        ..OfficialDocument::new(
            issuer.clone(),
            DocumentKind::Letter,
            format!("Trả lời {kind} của ông/bà {name}"),
            today,
        )
    };
    doc.to_pdf()
        .map_err(|e| AppError::Internal(format!("reply letter: {e}")))
}
