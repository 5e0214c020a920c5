//! The one place a case changes (CASE-3 … CASE-12).
//!
//! [`receive`] turns a validated [`NewCase`] into a case; [`decide`] applies a [`Command`].
//! Both check the rights table first ([`super::rights::RIGHTS`]), then the command's own
//! conditions, and return an [`Outcome`] — the new case, its history events, clock effects
//! and notifications — or a [`Refusal`] with a Vietnamese message. They read no clock and do
//! no I/O: the store loads the case, calls them, and writes the outcome in one transaction.

use super::code::{CaseCode, CodeFamily};
use super::command::{Command, ExtensionDecision, MergeTarget};
use super::deadline::{ClockEffect, DeadlinePolicy, Deadlines, policy_for};
use super::event::{
    ActorRecord, Audience, Event, EventDetail, LinkedEvent, Notification, NotificationKind,
};
use super::intake::{self, AttachmentMeta, IntakeLimits, NewCase, RawAttachment};
use super::kind::{CaseKind, ContentClass};
use super::redact;
use super::refusal::Refusal;
use super::rights::{self, Actor, ActorKind};
use super::state::{Answer, Case, CaseState, ExtensionRequest, Publication, Rating, Resolution};
use crate::Instant;
use crate::calendar::WorkingCalendar;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A tenant's case settings; serde with defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CasePolicy {
    pub deadlines: DeadlinePolicy,
    /// Overrides per kind (e.g. a longer focal limit for service requests).
    pub deadlines_by_kind: BTreeMap<CaseKind, DeadlinePolicy>,
    pub intake: IntakeLimits,
    pub windows: Windows,
}

/// How long a citizen may react to an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Windows {
    /// The citizen may reopen until office close on this working day after the answer; the
    /// system closes the case after it.
    pub reopen_working_days: u32,
    /// The citizen may rate within this many days of the answer.
    pub rating_days: u32,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            reopen_working_days: 5,
            rating_days: 30,
        }
    }
}

impl CasePolicy {
    /// The deadline policy of a kind.
    pub fn deadlines_for(&self, kind: CaseKind) -> &DeadlinePolicy {
        policy_for(&self.deadlines, &self.deadlines_by_kind, kind)
    }
}

/// What a decision needs besides the case and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: Instant,
    pub calendar: &'a WorkingCalendar,
    pub policy: &'a CasePolicy,
    /// The ancestors of the case's tenant (a province-wide grant reaches its communes).
    pub tenant_path: &'a [i64],
}

/// The identity the store allocated for a new case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseIds {
    pub id: i64,
    pub code: CaseCode,
    pub tenant_id: i64,
}

/// Everything a decision changes, to be written in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The case after the change.
    pub case: Case,
    /// History lines to append (CASE-12).
    pub events: Vec<Event>,
    /// History lines for other cases (the target of a merge).
    pub linked_events: Vec<LinkedEvent>,
    pub clock_effects: Vec<ClockEffect>,
    /// To queue in the outbox (CASE-5).
    pub notifications: Vec<Notification>,
    /// The deadline columns after the change.
    pub deadlines: Deadlines,
}

impl Outcome {
    pub fn state(&self) -> CaseState {
        self.case.state
    }
}

fn invalid(field: &'static str, message: String) -> Refusal {
    Refusal::Invalid { field, message }
}

fn actor_record(actor: &Actor, kind: ActorKind) -> ActorRecord {
    match actor {
        Actor::Staff {
            account_id, name, ..
        } => ActorRecord {
            kind,
            account_id: Some(*account_id),
            name: Some(name.clone()),
        },
        _ => ActorRecord {
            kind,
            account_id: None,
            name: None,
        },
    }
}

/// The change being built.
pub(super) struct Change<'a> {
    pub(super) case: Case,
    actor: ActorRecord,
    ctx: &'a Context<'a>,
    events: Vec<Event>,
    linked: Vec<LinkedEvent>,
    clocks: Vec<ClockEffect>,
    notes: Vec<Notification>,
}

impl<'a> Change<'a> {
    fn now(&self) -> Instant {
        self.ctx.now
    }

    fn cal(&self) -> &'a WorkingCalendar {
        self.ctx.calendar
    }

    fn deadlines(&self) -> &'a DeadlinePolicy {
        self.ctx.policy.deadlines_for(self.case.kind)
    }

    pub(super) fn limits(&self) -> &'a IntakeLimits {
        &self.ctx.policy.intake
    }

    /// Appends an event and moves to `to`.
    fn event(&mut self, to: CaseState, detail: EventDetail) {
        self.events.push(Event {
            at: self.ctx.now,
            actor: self.actor.clone(),
            from_state: Some(self.case.state),
            to_state: to,
            detail,
        });
        self.case.state = to;
    }

    /// An event that does not change the state.
    pub(super) fn record(&mut self, detail: EventDetail) {
        let s = self.case.state;
        self.event(s, detail);
    }

    fn notify(&mut self, audience: Audience, kind: NotificationKind) {
        self.notes.push(Notification {
            audience,
            kind,
            case_id: self.case.id,
            case_code: self.case.code,
            confidential: self.case.confidential,
        });
    }

    fn notify_lead(&mut self, kind: NotificationKind, head_too: bool) {
        if let Some(a) = self.case.lead_agency_id {
            self.notify(Audience::FocalOfficers { agency_id: a }, kind);
            if head_too {
                self.notify(Audience::AgencyHead { agency_id: a }, kind);
            }
        }
    }

    fn coordinators(&self) -> Audience {
        Audience::Coordinators {
            tenant_id: self.case.tenant_id,
        }
    }

    fn withdraw_extension(&mut self) {
        if let Some(p) = self.case.pending_extension.take() {
            self.record(EventDetail::ExtensionWithdrawn { hours: p.hours });
        }
    }

    fn meet_statutory(&mut self) {
        let fx = self.case.clocks.meet_statutory(self.ctx.now);
        self.clocks.extend(fx);
    }

    fn text(&self, s: &str, what: &'static str, field: &'static str) -> Result<String, Refusal> {
        intake::validate_required_text(s, self.limits().answer_max_chars, what)
            .map_err(|m| invalid(field, m))
    }

    fn note_text(
        &self,
        s: &str,
        what: &'static str,
        field: &'static str,
    ) -> Result<String, Refusal> {
        intake::validate_required_text(s, self.limits().note_max_chars, what)
            .map_err(|m| invalid(field, m))
    }

    fn optional_note(
        &self,
        s: &Option<String>,
        field: &'static str,
    ) -> Result<Option<String>, Refusal> {
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => self.note_text(t, "Ghi chú", field).map(Some),
        }
    }

    fn finish(self) -> Outcome {
        let deadlines = self.case.deadlines(self.ctx.calendar);
        Outcome {
            case: self.case,
            events: self.events,
            linked_events: self.linked,
            clock_effects: self.clocks,
            notifications: self.notes,
            deadlines,
        }
    }
}

/// Creates a case from a validated contact (CASE-1). Operators and coordinators of the
/// tenant, the system (imports) and citizens (public forms, self-service channels only, for
/// their own phone number) may create one. The statutory clock starts at receipt.
pub fn receive(
    new: NewCase,
    ids: CaseIds,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let kinds = rights::creator_kinds(actor, ids.tenant_id, ctx.tenant_path);
    let Some(&kind) = kinds.first() else {
        return Err(Refusal::CannotCreate);
    };
    if let Actor::Citizen { phone } = actor {
        if !new.channel().is_self_service() {
            return Err(invalid(
                "channel",
                "Người dân chỉ gửi phản ánh, kiến nghị qua kênh trực tuyến.".into(),
            ));
        }
        if *phone != new.caller().phone {
            return Err(invalid(
                "phone",
                "Số điện thoại không khớp với số đã xác thực.".into(),
            ));
        }
    }
    if ids.code.family() != CodeFamily::of(new.kind()) {
        return Err(Refusal::CodeMismatch(ids.code));
    }
    let received_at = new.received_at().unwrap_or(ctx.now);
    if received_at > ctx.now {
        return Err(Refusal::ReceivedInFuture);
    }
    let p = new.into_parts();
    let case = Case {
        id: ids.id,
        code: ids.code,
        tenant_id: ids.tenant_id,
        state: CaseState::Received,
        resume_state: None,
        kind: p.kind,
        class: None,
        channel: p.channel,
        caller: p.caller,
        content: p.content,
        field_id: p.field_id,
        category_id: p.category_id,
        pressing: false,
        complex: false,
        confidential: p.kind.is_confidential(),
        received_at,
        received_by: actor.account_id(),
        notice_version: p.notice_version.clone(),
        call_ids: p.call_id.into_iter().collect(),
        dossier_code: p.dossier_code,
        tthc_code: p.tthc_code,
        attachment_count: u32::try_from(p.attachments.len()).unwrap_or(u32::MAX),
        attachment_bytes: p.attachments.iter().map(|a| a.size_bytes).sum(),
        lead_agency_id: None,
        other_agency_ids: Vec::new(),
        clocks: Default::default(),
        pending_extension: None,
        answer: None,
        answered_at: None,
        approved_by: None,
        publication: None,
        rating: None,
        resolution: None,
        reopen_count: 0,
        hard_breached: false,
        closed_at: None,
    };
    let mut c = Change {
        case,
        actor: actor_record(actor, kind),
        ctx,
        events: Vec::new(),
        linked: Vec::new(),
        clocks: Vec::new(),
        notes: Vec::new(),
    };
    c.events.push(Event {
        at: ctx.now,
        actor: c.actor.clone(),
        from_state: None,
        to_state: CaseState::Received,
        detail: EventDetail::Received {
            channel: p.channel,
            kind: p.kind,
            notice_version: p.notice_version,
        },
    });
    for a in p.attachments {
        c.record(EventDetail::AttachmentAdded { attachment: a });
    }
    let policy = ctx.policy.deadlines_for(p.kind);
    let fx = c
        .case
        .clocks
        .start_statutory(ctx.calendar, policy, received_at);
    c.clocks.extend(fx);
    c.notify(Audience::Citizen, NotificationKind::Received);
    if kind != ActorKind::Operator && kind != ActorKind::Coordinator {
        // Operators and coordinators handle what they type in; contacts that arrive alone
        // must reach the coordinators' queue.
        let to = c.coordinators();
        c.notify(to, NotificationKind::Received);
    }
    Ok(c.finish())
}

/// Applies `command` by `actor` to `case` at `ctx.now`.
pub fn decide(
    case: &Case,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let ck = command.kind();
    let state = case.state;
    let kinds = rights::actor_kinds(actor, case, ctx.tenant_path);
    let Some(&acting) = kinds.iter().find(|k| rights::permits(ck, state, **k)) else {
        return Err(if rights::anyone_may(ck, state) {
            Refusal::NotPermitted { command: ck, state }
        } else {
            Refusal::WrongState { command: ck, state }
        });
    };
    let mut c = Change {
        case: case.clone(),
        actor: actor_record(actor, acting),
        ctx,
        events: Vec::new(),
        linked: Vec::new(),
        clocks: Vec::new(),
        notes: Vec::new(),
    };
    apply(&mut c, command, acting, actor)?;
    Ok(c.finish())
}

fn apply(
    c: &mut Change<'_>,
    command: &Command,
    acting: ActorKind,
    actor: &Actor,
) -> Result<(), Refusal> {
    let now = c.now();
    match command {
        Command::Classify {
            kind,
            class,
            field_id,
            pressing,
            complex,
        } => classify(c, *kind, *class, *field_id, *pressing, *complex),
        Command::AnswerOnSpot { answer } => {
            if c.case.kind.must_redirect() {
                return Err(Refusal::KindMustRedirect(c.case.kind));
            }
            let text = c.text(answer, "Nội dung trả lời", "answer")?;
            c.case.answer = Some(Answer {
                text: text.clone(),
                by_account: actor.account_id(),
                at: now,
            });
            c.case.answered_at = Some(now);
            c.meet_statutory();
            c.event(
                CaseState::AnsweredOnCall,
                EventDetail::AnsweredOnCall { answer: text },
            );
            c.notify(Audience::Citizen, NotificationKind::AnsweredOnCall);
            Ok(())
        }
        Command::Redirect { guidance } => {
            let kind = c.case.kind;
            let Some(standard) = kind.redirect_guidance() else {
                return Err(Refusal::KindNotRedirectable(kind));
            };
            let guidance = match guidance.as_deref().map(str::trim) {
                None | Some("") => standard.to_owned(),
                Some(g) => c.text(g, "Nội dung hướng dẫn", "guidance")?,
            };
            c.case.resolution = Some(Resolution::Redirected {
                guidance: guidance.clone(),
            });
            c.meet_statutory();
            c.event(CaseState::Redirected, EventDetail::Redirected { guidance });
            c.notify(Audience::Citizen, NotificationKind::Redirected);
            Ok(())
        }
        Command::NotAccept { reason } => {
            let reason = c.text(reason, "Lý do không tiếp nhận", "reason")?;
            c.case.resolution = Some(Resolution::NotAccepted {
                reason: reason.clone(),
            });
            c.meet_statutory();
            c.event(CaseState::NotAccepted, EventDetail::NotAccepted { reason });
            c.notify(Audience::Citizen, NotificationKind::NotAccepted);
            Ok(())
        }
        Command::ForwardOut { body, reason } => {
            if c.case.kind.must_redirect() {
                return Err(Refusal::KindMustRedirect(c.case.kind));
            }
            let body = intake::validate_required_text(body, 200, "Cơ quan có thẩm quyền")
                .map_err(|m| invalid("body", m))?;
            let reason = c.text(reason, "Lý do chuyển", "reason")?;
            c.case.resolution = Some(Resolution::ForwardedOut {
                body: body.clone(),
                reason: reason.clone(),
            });
            c.meet_statutory();
            c.event(
                CaseState::ForwardedOut,
                EventDetail::ForwardedOut { body, reason },
            );
            c.notify(Audience::Citizen, NotificationKind::ForwardedOut);
            Ok(())
        }
        Command::Forward {
            lead_agency_id,
            other_agency_ids,
            note,
        } => forward(c, *lead_agency_id, other_agency_ids, note),
        Command::Acknowledge => {
            c.event(CaseState::Acknowledged, EventDetail::Acknowledged);
            Ok(())
        }
        Command::ReturnMisrouted { reason } => {
            let reason = c.text(reason, "Lý do trả lại", "reason")?;
            let fx = c.case.clocks.stop_agency(now);
            c.clocks.extend(fx);
            c.withdraw_extension();
            let fx = c.case.clocks.reopen_statutory();
            c.clocks.extend(fx);
            let agency_id = c.case.lead_agency_id.take();
            c.case.other_agency_ids.clear();
            c.event(
                CaseState::Classifying,
                EventDetail::Returned { agency_id, reason },
            );
            let to = c.coordinators();
            c.notify(to, NotificationKind::Returned);
            Ok(())
        }
        Command::Answer { text } => answer(c, text, actor),
        Command::Approve { comment } => {
            if c.case.answer.is_none() {
                return Err(Refusal::NotAnswered);
            }
            let comment = c.optional_note(comment, "comment")?;
            let fx = c.case.clocks.stop_agency(now);
            c.clocks.extend(fx);
            c.case.answered_at = Some(now);
            c.case.approved_by = actor.account_id();
            c.case.resume_state = None;
            c.event(CaseState::Answered, EventDetail::Approved { comment });
            c.notify(Audience::Citizen, NotificationKind::Answered);
            let to = c.coordinators();
            c.notify(to, NotificationKind::Answered);
            c.notify_lead(NotificationKind::Approved, false);
            Ok(())
        }
        Command::RequestChanges { comment } => {
            let comment = c.note_text(comment, "Ý kiến chỉnh sửa", "comment")?;
            let fx = c.case.clocks.resume_agency(c.cal(), now);
            c.clocks.extend(fx);
            let back = c
                .case
                .resume_state
                .take()
                .unwrap_or(CaseState::Acknowledged);
            c.event(back, EventDetail::ChangesRequested { comment });
            c.notify_lead(NotificationKind::ChangesRequested, true);
            Ok(())
        }
        Command::Pause { reason } => {
            let reason = c.note_text(reason, "Lý do tạm dừng", "reason")?;
            c.case.resume_state = Some(c.case.state);
            let fx = c.case.clocks.pause_agency(now);
            c.clocks.extend(fx);
            c.event(CaseState::Paused, EventDetail::Paused { reason });
            c.notify(Audience::Citizen, NotificationKind::Paused);
            let to = c.coordinators();
            c.notify(to, NotificationKind::Paused);
            Ok(())
        }
        Command::Resume => {
            let fx = c.case.clocks.resume_agency(c.cal(), now);
            c.clocks.extend(fx);
            let back = c
                .case
                .resume_state
                .take()
                .unwrap_or(CaseState::Acknowledged);
            c.event(back, EventDetail::Resumed);
            if acting == ActorKind::Coordinator {
                c.notify_lead(NotificationKind::Resumed, false);
            } else {
                let to = c.coordinators();
                c.notify(to, NotificationKind::Resumed);
            }
            Ok(())
        }
        Command::RequestExtension { hours, reason } => {
            if c.case.pending_extension.is_some() {
                return Err(Refusal::ExtensionPending);
            }
            let max = c.deadlines().extension_max_hours;
            if *hours == 0 || *hours > max {
                return Err(invalid(
                    "hours",
                    format!("Số giờ gia hạn phải từ 1 đến {max} giờ làm việc."),
                ));
            }
            let reason = c.note_text(reason, "Lý do xin gia hạn", "reason")?;
            c.case.pending_extension = Some(ExtensionRequest {
                hours: *hours,
                reason: reason.clone(),
                by_account: actor.account_id(),
                at: now,
            });
            c.record(EventDetail::ExtensionRequested {
                hours: *hours,
                reason,
            });
            let to = c.coordinators();
            c.notify(to, NotificationKind::ExtensionRequested);
            Ok(())
        }
        Command::DecideExtension { decision, comment } => {
            let comment = c.optional_note(comment, "comment")?;
            let Some(req) = c.case.pending_extension.take() else {
                return Err(Refusal::NoPendingExtension);
            };
            let kind = match decision {
                ExtensionDecision::Approve => {
                    let fx = c.case.clocks.extend_agency(c.cal(), req.hours);
                    c.clocks.extend(fx);
                    NotificationKind::ExtensionApproved
                }
                ExtensionDecision::Reject => NotificationKind::ExtensionRejected,
            };
            c.record(EventDetail::ExtensionDecided {
                decision: *decision,
                hours: req.hours,
                comment,
            });
            c.notify_lead(kind, true);
            Ok(())
        }
        Command::Escalate => {
            let Some(focal) = c.case.clocks.focal.as_ref() else {
                return Err(Refusal::NoClock);
            };
            if !focal.is_running() {
                return Err(Refusal::NoClock);
            }
            let due = focal.due_at;
            if now < due {
                return Err(Refusal::NotDue { due });
            }
            let fx = c.case.clocks.escalate(c.cal());
            c.clocks.extend(fx);
            c.event(
                CaseState::Escalated,
                EventDetail::Escalated { focal_due_at: due },
            );
            // The focal officer and the head are told (CASE-6); the coordinators follow
            // escalations in the overdue lists and the daily summary, and are told when the
            // head's limit is breached too.
            c.notify_lead(NotificationKind::Escalated, true);
            Ok(())
        }
        Command::HardDeadlineBreached => {
            if c.case.hard_breached {
                return Err(Refusal::AlreadyBreached);
            }
            let Some(due) = c.case.clocks.hard_due(c.cal()) else {
                return Err(Refusal::NoClock);
            };
            if now < due {
                return Err(Refusal::NotDue { due });
            }
            c.case.hard_breached = true;
            c.record(EventDetail::HardDeadlineBreached { hard_due_at: due });
            let tenant_id = c.case.tenant_id;
            c.notify(
                Audience::Leadership { tenant_id },
                NotificationKind::HardBreach,
            );
            let to = c.coordinators();
            c.notify(to, NotificationKind::HardBreach);
            if let Some(a) = c.case.lead_agency_id {
                c.notify(
                    Audience::AgencyHead { agency_id: a },
                    NotificationKind::HardBreach,
                );
            }
            Ok(())
        }
        Command::Close => {
            let automatic = acting == ActorKind::System;
            if automatic {
                let until = reopen_until(c)?;
                if now <= until {
                    return Err(Refusal::NotDue { due: until });
                }
            }
            c.case.closed_at = Some(now);
            c.event(CaseState::Closed, EventDetail::Closed { automatic });
            Ok(())
        }
        Command::Rate { stars, comment } => {
            if !(1..=5).contains(stars) {
                return Err(invalid("stars", "Mức đánh giá từ 1 đến 5 sao.".into()));
            }
            if c.case.rating.is_some() {
                return Err(Refusal::AlreadyRated);
            }
            let answered = c.case.answered_at.ok_or(Refusal::NotAnswered)?;
            let until = answered + TimeDelta::days(i64::from(c.ctx.policy.windows.rating_days));
            if now > until {
                return Err(Refusal::WindowClosed {
                    what: "đánh giá",
                    until,
                });
            }
            let comment = c.optional_note(comment, "comment")?;
            c.case.rating = Some(Rating {
                stars: *stars,
                comment: comment.clone(),
                at: now,
            });
            c.record(EventDetail::Rated {
                stars: *stars,
                comment,
            });
            if *stars <= 2 {
                let to = c.coordinators();
                c.notify(to, NotificationKind::LowRating);
            }
            Ok(())
        }
        Command::Reopen { reason } => reopen(c, reason, acting),
        Command::Publish { public_text } => {
            if !c.case.kind.is_publishable() || c.case.confidential {
                return Err(Refusal::NotPublishable);
            }
            let text = c.text(public_text, "Nội dung công khai", "public_text")?;
            let found = redact::personal_data_in(&text, &redact::Subject::of_case(&c.case));
            if !found.is_empty() {
                return Err(Refusal::PersonalData(found));
            }
            c.case.publication = Some(Publication {
                text: text.clone(),
                by_account: actor.account_id(),
                at: now,
            });
            c.case.closed_at.get_or_insert(now);
            c.event(
                CaseState::Published,
                EventDetail::Published { public_text: text },
            );
            Ok(())
        }
        Command::Unpublish { reason } => {
            let reason = c.note_text(reason, "Lý do gỡ công khai", "reason")?;
            c.case.publication = None;
            c.event(CaseState::Closed, EventDetail::Unpublished { reason });
            Ok(())
        }
        Command::Merge { into } => merge(c, into),
        Command::AddNote { text } => {
            let text = c.note_text(text, "Nội dung ghi chú", "text")?;
            c.record(EventDetail::NoteAdded { text });
            citizen_added(c, acting);
            Ok(())
        }
        Command::AddAttachment { attachment } => add_attachment(c, attachment, acting),
        Command::UpdateFields { changes } => super::fields::update_fields(c, changes),
    }
}

fn classify(
    c: &mut Change<'_>,
    kind: CaseKind,
    class: Option<ContentClass>,
    field_id: Option<i64>,
    pressing: bool,
    complex: bool,
) -> Result<(), Refusal> {
    match class {
        None if kind.takes_content_class() => {
            return Err(invalid(
                "class",
                format!(
                    "Cần chọn nội dung {} theo Điều 5 Nghị định 20/2008/NĐ-CP.",
                    kind.label_vi().to_lowercase()
                ),
            ));
        }
        Some(cl) if !cl.fits(kind) => {
            return Err(invalid(
                "class",
                format!(
                    "Nội dung “{}” không thuộc loại “{}”.",
                    cl.label_vi(),
                    kind.label_vi()
                ),
            ));
        }
        _ => {}
    }
    let field_id = intake::validate_id(field_id).map_err(|m| invalid("field_id", m))?;
    let previous_kind = c.case.kind;
    c.case.kind = kind;
    c.case.class = class;
    c.case.field_id = field_id;
    c.case.pressing = pressing;
    c.case.complex = complex;
    c.case.confidential |= kind.is_confidential();
    c.event(
        CaseState::Classifying,
        EventDetail::Classified {
            previous_kind,
            kind,
            class,
            field_id,
            pressing,
            complex,
        },
    );
    Ok(())
}

fn forward(
    c: &mut Change<'_>,
    lead: i64,
    others: &[i64],
    note: &Option<String>,
) -> Result<(), Refusal> {
    if c.case.kind.must_redirect() {
        return Err(Refusal::KindMustRedirect(c.case.kind));
    }
    if c.case.kind.takes_content_class() && c.case.class.is_none() {
        return Err(Refusal::NotClassified);
    }
    if lead <= 0 || others.iter().any(|o| *o <= 0) {
        return Err(invalid("lead_agency_id", "Mã cơ quan không hợp lệ.".into()));
    }
    let note = c.optional_note(note, "note")?;
    let mut others: Vec<i64> = others.iter().copied().filter(|o| *o != lead).collect();
    others.sort_unstable();
    others.dedup();
    let previous = c.case.lead_agency_id;
    let now = c.now();
    let policy = c.deadlines();
    c.withdraw_extension();
    let fx = c.case.clocks.start_agency(c.cal(), policy, now);
    c.clocks.extend(fx);
    c.meet_statutory();
    c.case.lead_agency_id = Some(lead);
    c.case.other_agency_ids = others.clone();
    c.case.hard_breached = false;
    c.event(
        CaseState::Assigned,
        EventDetail::Forwarded {
            lead_agency_id: lead,
            other_agency_ids: others.clone(),
            note,
            previous_lead_agency_id: previous,
        },
    );
    c.notify(
        Audience::FocalOfficers { agency_id: lead },
        NotificationKind::Forwarded,
    );
    for o in others {
        c.notify(
            Audience::FocalOfficers { agency_id: o },
            NotificationKind::SupportRequested,
        );
    }
    if let Some(p) = previous.filter(|p| *p != lead) {
        c.notify(
            Audience::FocalOfficers { agency_id: p },
            NotificationKind::Recalled,
        );
    }
    c.notify(Audience::Citizen, NotificationKind::Forwarded);
    Ok(())
}

fn answer(c: &mut Change<'_>, text: &str, actor: &Actor) -> Result<(), Refusal> {
    let text = c.text(text, "Nội dung trả lời", "text")?;
    let now = c.now();
    c.withdraw_extension();
    c.case.answer = Some(Answer {
        text: text.clone(),
        by_account: actor.account_id(),
        at: now,
    });
    if c.case.complex {
        // CASE-7: the agency's clocks pause while the Committee considers the answer.
        c.case.resume_state = Some(c.case.state);
        let fx = c.case.clocks.pause_agency(now);
        c.clocks.extend(fx);
        c.event(
            CaseState::AwaitingApproval,
            EventDetail::SubmittedForApproval { text },
        );
        let tenant_id = c.case.tenant_id;
        c.notify(
            Audience::Leadership { tenant_id },
            NotificationKind::AwaitingApproval,
        );
    } else {
        let fx = c.case.clocks.stop_agency(now);
        c.clocks.extend(fx);
        c.case.answered_at = Some(now);
        c.event(CaseState::Answered, EventDetail::Answered { text });
        c.notify(Audience::Citizen, NotificationKind::Answered);
        let to = c.coordinators();
        c.notify(to, NotificationKind::Answered);
    }
    Ok(())
}

/// Office close on the n-th working day after the answer.
fn reopen_until(c: &Change<'_>) -> Result<Instant, Refusal> {
    let answered = c.case.answered_at.ok_or(Refusal::NotAnswered)?;
    c.cal()
        .working_days_deadline(answered, c.ctx.policy.windows.reopen_working_days)
        .map_err(|_| Refusal::NoClock)
}

fn reopen(c: &mut Change<'_>, reason: &str, acting: ActorKind) -> Result<(), Refusal> {
    let reason = c.note_text(reason, "Lý do mở lại", "reason")?;
    if acting == ActorKind::Citizen {
        let until = reopen_until(c)?;
        if c.now() > until {
            return Err(Refusal::WindowClosed {
                what: "mở lại hồ sơ",
                until,
            });
        }
    }
    if c.case.lead_agency_id.is_none() {
        return Err(Refusal::NoLeadAgency);
    }
    let now = c.now();
    let was_published = c.case.publication.take().is_some();
    c.case.rating = None;
    c.case.answered_at = None;
    c.case.closed_at = None;
    c.case.approved_by = None;
    c.case.hard_breached = false;
    c.case.reopen_count += 1;
    let policy = c.deadlines();
    let fx = c.case.clocks.start_agency(c.cal(), policy, now);
    c.clocks.extend(fx);
    c.event(
        CaseState::Reopened,
        EventDetail::Reopened {
            reason,
            was_published,
        },
    );
    c.notify_lead(NotificationKind::Reopened, true);
    let to = c.coordinators();
    c.notify(to, NotificationKind::Reopened);
    Ok(())
}

fn merge(c: &mut Change<'_>, into: &MergeTarget) -> Result<(), Refusal> {
    if into.id == c.case.id {
        return Err(Refusal::MergeIntoSelf);
    }
    if into.state.is_terminal() {
        return Err(Refusal::MergeTargetClosed {
            code: into.code,
            state: into.state,
        });
    }
    let now = c.now();
    let fx = c.case.clocks.stop_agency(now);
    c.clocks.extend(fx);
    c.withdraw_extension();
    c.case.resolution = Some(Resolution::Merged {
        into_id: into.id,
        into_code: into.code,
    });
    let with_agency = c.case.state.is_with_agency();
    c.event(
        CaseState::Merged,
        EventDetail::Merged {
            into_id: into.id,
            into_code: into.code,
        },
    );
    c.linked.push(LinkedEvent {
        case_id: into.id,
        event: Event {
            at: now,
            actor: c.actor.clone(),
            from_state: Some(into.state),
            to_state: into.state,
            detail: EventDetail::MergedFrom {
                from_id: c.case.id,
                from_code: c.case.code,
            },
        },
    });
    if with_agency {
        c.notify_lead(NotificationKind::Merged, false);
    }
    c.notify(Audience::Citizen, NotificationKind::Merged);
    Ok(())
}

fn citizen_added(c: &mut Change<'_>, acting: ActorKind) {
    if acting != ActorKind::Citizen {
        return;
    }
    if c.case.state.is_with_agency() && c.case.lead_agency_id.is_some() {
        c.notify_lead(NotificationKind::CitizenAddedInfo, false);
    } else {
        let to = c.coordinators();
        c.notify(to, NotificationKind::CitizenAddedInfo);
    }
}

fn add_attachment(
    c: &mut Change<'_>,
    raw: &RawAttachment,
    acting: ActorKind,
) -> Result<(), Refusal> {
    let limits = c.limits();
    let meta = AttachmentMeta::validate(raw, limits).map_err(|m| invalid("attachment", m))?;
    if c.case.attachment_count as usize >= limits.attachments_max_count {
        return Err(invalid(
            "attachment",
            format!(
                "Hồ sơ đã có tối đa {} tệp đính kèm.",
                limits.attachments_max_count
            ),
        ));
    }
    let total = c.case.attachment_bytes.saturating_add(meta.size_bytes);
    if total > limits.attachments_max_total_bytes {
        return Err(invalid(
            "attachment",
            "Tổng dung lượng tệp đính kèm của hồ sơ vượt quá giới hạn.".into(),
        ));
    }
    c.case.attachment_count += 1;
    c.case.attachment_bytes = total;
    c.record(EventDetail::AttachmentAdded { attachment: meta });
    citizen_added(c, acting);
    Ok(())
}
