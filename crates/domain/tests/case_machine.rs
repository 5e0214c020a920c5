//! CASE-1 … CASE-14: cases through the state machine, from intake to publication, with the
//! events, clock effects and notifications each step hands the store.

mod case_common;

use case_common::*;
use tongdai_domain::Instant;
use tongdai_domain::case::deadline::{ClockEffect, ClockName, DeadlinePolicy, HardLimitMode};
use tongdai_domain::case::event::{Audience, EventDetail, NotificationKind};
use tongdai_domain::case::{
    Actor, ActorKind, Case, CaseCode, CaseKind, CasePolicy, CaseState, Command, ContentClass,
    ExtensionDecision, FieldChange, IntakeField, MaskKind, MergeTarget, NewCase, Outcome,
    RawAttachment, Refusal, decide, receive,
};

fn run(case: &Case, actor: &Actor, cmd: Command, at: Instant) -> Outcome {
    decide(case, actor, &cmd, &ctx(at)).unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn refuse(case: &Case, actor: &Actor, cmd: Command, at: Instant) -> Refusal {
    decide(case, actor, &cmd, &ctx(at)).expect_err("should be refused")
}

fn notified(o: &Outcome) -> Vec<(Audience, NotificationKind)> {
    o.notifications
        .iter()
        .map(|n| (n.audience, n.kind))
        .collect()
}

fn classify(complex: bool) -> Command {
    Command::Classify {
        kind: CaseKind::PhanAnh,
        class: Some(ContentClass::ChamTreSachNhieu),
        field_id: Some(3),
        pressing: false,
        complex,
    }
}

fn forward() -> Command {
    Command::Forward {
        lead_agency_id: LEAD,
        other_agency_ids: vec![SUPPORT, LEAD, SUPPORT],
        note: Some("Đề nghị xử lý trong ngày.".into()),
    }
}

/// Received Friday 13/3/2026 14:00, classified, forwarded at 15:00.
fn assigned_case(complex: bool) -> Case {
    let c = received_case(vn(2026, 3, 13, 14, 0));
    let c = run(
        &c,
        &coordinator(),
        classify(complex),
        vn(2026, 3, 13, 14, 30),
    )
    .case;
    run(&c, &coordinator(), forward(), vn(2026, 3, 13, 15, 0)).case
}

fn answer(text: &str) -> Command {
    Command::Answer { text: text.into() }
}

#[test]
fn case1_receiving_records_the_contact_and_starts_the_statutory_clock() {
    let o = received(raw_intake(), vn(2026, 3, 13, 14, 0));
    let c = &o.case;
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.code.to_string(), "PA-2026-000123");
    assert_eq!(c.caller.phone.canonical(), "+84912345678");
    assert_eq!(c.received_by, Some(1));
    assert_eq!(c.call_ids, vec!["0190f1e2-call".to_owned()]);
    assert_eq!((c.attachment_count, c.attachment_bytes), (1, 120_000));
    assert_eq!(c.notice_version, "2026.1");
    let codes: Vec<&str> = o.events.iter().map(|e| e.code()).collect();
    assert_eq!(codes, ["received", "attachment_added"]);
    assert_eq!(o.events[0].from_state, None);
    assert_eq!(o.events[0].actor.kind, ActorKind::Operator);
    assert_eq!(
        o.clock_effects,
        vec![ClockEffect::StatutoryStarted {
            due_at: vn(2026, 3, 20, 16, 0)
        }]
    );
    assert_eq!(o.deadlines.statutory_due_at, Some(vn(2026, 3, 20, 16, 0)));
    assert_eq!(o.deadlines.due_at, None);
    // The citizen gets the code; an operator's own case needs no coordinator alert.
    assert_eq!(
        notified(&o),
        vec![(Audience::Citizen, NotificationKind::Received)]
    );
}

#[test]
fn case1_who_may_create_a_case() {
    let new = || NewCase::validate(&raw_intake(), &policy().intake).unwrap();
    let at = ctx(vn(2026, 3, 13, 14, 0));
    // Post-office staff, inspectors, agency officers do not create cases.
    assert_eq!(
        receive(new(), ids("phan_anh", 1, 1), &outsider(), &at),
        Err(Refusal::CannotCreate)
    );
    // A citizen only through a self-service channel, for the phone they proved.
    let refused = receive(new(), ids("phan_anh", 1, 1), &citizen(), &at).unwrap_err();
    assert!(matches!(
        refused,
        Refusal::Invalid {
            field: "channel",
            ..
        }
    ));
    let mut web = raw_intake();
    web.channel = "web".into();
    let web_new = || NewCase::validate(&web, &policy().intake).unwrap();
    let o = receive(web_new(), ids("phan_anh", 1, 1), &citizen(), &at).unwrap();
    assert_eq!(o.events[0].actor.kind, ActorKind::Citizen);
    assert!(notified(&o).contains(&(
        Audience::Coordinators { tenant_id: TENANT },
        NotificationKind::Received
    )));
    let stranger = Actor::Citizen {
        phone: tongdai_domain::phone::PhoneNumber::parse("0987654321").unwrap(),
    };
    assert!(matches!(
        receive(web_new(), ids("phan_anh", 1, 1), &stranger, &at),
        Err(Refusal::Invalid { field: "phone", .. })
    ));
    // The code family must match the kind; receipt cannot be in the future.
    assert!(matches!(
        receive(new(), ids("hoi_dap_tthc", 1, 1), &operator(), &at),
        Err(Refusal::CodeMismatch(_))
    ));
    let mut late = raw_intake();
    late.received_at = Some(vn(2026, 3, 14, 0, 0));
    let late = NewCase::validate(&late, &policy().intake).unwrap();
    assert_eq!(
        receive(late, ids("phan_anh", 1, 1), &operator(), &at),
        Err(Refusal::ReceivedInFuture)
    );
}

#[test]
fn case3_the_operator_answers_on_the_spot() {
    let mut raw = raw_intake();
    raw.kind = "hoi_dap_tthc".into();
    raw.content = "Hỏi thủ tục đăng ký khai sinh cần những giấy tờ gì?".into();
    let c = {
        let new = NewCase::validate(&raw, &policy().intake).unwrap();
        receive(
            new,
            ids("hoi_dap_tthc", 7, 7),
            &operator(),
            &ctx(vn(2026, 3, 13, 9, 0)),
        )
        .unwrap()
        .case
    };
    let o = run(
        &c,
        &operator(),
        Command::AnswerOnSpot {
            answer: "Cần tờ khai và giấy chứng sinh; nộp tại UBND xã.".into(),
        },
        vn(2026, 3, 13, 9, 5),
    );
    assert_eq!(o.state(), CaseState::AnsweredOnCall);
    assert!(o.state().is_terminal());
    assert_eq!(o.case.answered_at, Some(vn(2026, 3, 13, 9, 5)));
    assert!(o.clock_effects.contains(&ClockEffect::StatutoryMet {
        at: vn(2026, 3, 13, 9, 5),
        on_time: true
    }));
    assert_eq!(
        notified(&o),
        vec![(Audience::Citizen, NotificationKind::AnsweredOnCall)]
    );
    // Nothing moves a terminal case except notes.
    assert!(matches!(
        refuse(&o.case, &coordinator(), forward(), vn(2026, 3, 13, 10, 0)),
        Refusal::WrongState { .. }
    ));
}

#[test]
fn case2_complaints_and_denunciations_are_redirected_and_kept_confidential() {
    let mut raw = raw_intake();
    raw.kind = "to_cao".into();
    raw.content = "Tôi tố cáo cán bộ địa chính xã nhận tiền của người dân.".into();
    let new = NewCase::validate(&raw, &policy().intake).unwrap();
    let c = receive(
        new,
        ids("to_cao", 8, 8),
        &operator(),
        &ctx(vn(2026, 3, 13, 9, 0)),
    )
    .unwrap()
    .case;
    assert!(c.confidential);
    assert_eq!(c.code.to_string(), "CK-2026-000008");
    assert_eq!(
        refuse(&c, &coordinator(), forward(), vn(2026, 3, 13, 9, 30)),
        Refusal::KindMustRedirect(CaseKind::ToCao)
    );
    assert_eq!(
        refuse(
            &c,
            &operator(),
            Command::AnswerOnSpot {
                answer: "…".into()
            },
            vn(2026, 3, 13, 9, 30)
        ),
        Refusal::KindMustRedirect(CaseKind::ToCao)
    );
    let o = run(
        &c,
        &operator(),
        Command::Redirect { guidance: None },
        vn(2026, 3, 13, 9, 30),
    );
    assert_eq!(o.state(), CaseState::Redirected);
    let EventDetail::Redirected { guidance } = &o.events[0].detail else {
        panic!("{:?}", o.events[0].detail)
    };
    assert!(guidance.contains("Luật Tố cáo số 25/2018/QH14"));
    assert!(o.notifications.iter().all(|n| n.confidential));
    // A PAKN kind cannot be redirected.
    let pakn = received_case(vn(2026, 3, 13, 9, 0));
    assert_eq!(
        refuse(
            &pakn,
            &coordinator(),
            Command::Redirect { guidance: None },
            vn(2026, 3, 13, 9, 30)
        ),
        Refusal::KindNotRedirectable(CaseKind::PhanAnh)
    );
}

#[test]
fn case4_classification_requires_the_nd20_class_of_its_kind() {
    let c = received_case(vn(2026, 3, 13, 9, 0));
    let at = vn(2026, 3, 13, 9, 30);
    let bad = Command::Classify {
        kind: CaseKind::KienNghi,
        class: Some(ContentClass::ChamTreSachNhieu),
        field_id: None,
        pressing: false,
        complex: false,
    };
    assert!(matches!(
        refuse(&c, &coordinator(), bad, at),
        Refusal::Invalid { field: "class", .. }
    ));
    let missing = Command::Classify {
        kind: CaseKind::PhanAnh,
        class: None,
        field_id: None,
        pressing: false,
        complex: false,
    };
    assert!(matches!(
        refuse(&c, &coordinator(), missing, at),
        Refusal::Invalid { field: "class", .. }
    ));
    // Forwarding an unclassified phản ánh is refused.
    assert_eq!(
        refuse(&c, &coordinator(), forward(), at),
        Refusal::NotClassified
    );
    let o = run(&c, &coordinator(), classify(false), at);
    assert_eq!(o.state(), CaseState::Classifying);
    assert!(matches!(
        o.events[0].detail,
        EventDetail::Classified {
            previous_kind: CaseKind::PhanAnh,
            class: Some(ContentClass::ChamTreSachNhieu),
            ..
        }
    ));
}

#[test]
fn case4_case5_case6_forward_escalate_and_the_head_answers() {
    let c = received_case(vn(2026, 3, 13, 14, 0));
    let c = run(&c, &coordinator(), classify(false), vn(2026, 3, 13, 14, 30)).case;
    let o = run(&c, &coordinator(), forward(), vn(2026, 3, 13, 15, 0));
    assert_eq!(o.state(), CaseState::Assigned);
    assert_eq!(
        o.case.other_agency_ids,
        vec![SUPPORT],
        "lead and duplicates removed"
    );
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 16, 16, 0)));
    assert_eq!(o.deadlines.hard_due_at, Some(vn(2026, 3, 18, 16, 0)));
    assert!(o.clock_effects.contains(&ClockEffect::StatutoryMet {
        at: vn(2026, 3, 13, 15, 0),
        on_time: true
    }));
    assert_eq!(
        notified(&o),
        vec![
            (
                Audience::FocalOfficers { agency_id: LEAD },
                NotificationKind::Forwarded
            ),
            (
                Audience::FocalOfficers { agency_id: SUPPORT },
                NotificationKind::SupportRequested
            ),
            (Audience::Citizen, NotificationKind::Forwarded),
        ]
    );
    let c = run(
        &o.case,
        &lead_focal(),
        Command::Acknowledge,
        vn(2026, 3, 16, 8, 0),
    )
    .case;
    // Too early to escalate.
    assert_eq!(
        refuse(
            &c,
            &Actor::System,
            Command::Escalate,
            vn(2026, 3, 16, 15, 59)
        ),
        Refusal::NotDue {
            due: vn(2026, 3, 16, 16, 0)
        }
    );
    let o = run(
        &c,
        &Actor::System,
        Command::Escalate,
        vn(2026, 3, 16, 16, 3),
    );
    assert_eq!(o.state(), CaseState::Escalated);
    assert!(o.clock_effects.contains(&ClockEffect::Started {
        clock: ClockName::Head,
        started_at: vn(2026, 3, 16, 16, 0),
        due_at: vn(2026, 3, 18, 16, 0)
    }));
    let n = notified(&o);
    assert!(n.contains(&(
        Audience::AgencyHead { agency_id: LEAD },
        NotificationKind::Escalated
    )));
    assert!(n.contains(&(
        Audience::FocalOfficers { agency_id: LEAD },
        NotificationKind::Escalated
    )));
    assert!(
        !n.iter()
            .any(|(a, _)| matches!(a, Audience::Coordinators { .. })),
        "coordinators are told at the head's breach, not at the focal one: {n:?}"
    );
    let c = o.case;
    // Decision: once escalated, the focal officer no longer answers; the head does.
    assert!(matches!(
        refuse(
            &c,
            &lead_focal(),
            answer("Đã giải quyết."),
            vn(2026, 3, 17, 9, 0)
        ),
        Refusal::NotPermitted { .. }
    ));
    assert!(
        run(
            &c,
            &lead_focal(),
            Command::AddNote {
                text: "Dự thảo trả lời đã trình thủ trưởng.".into()
            },
            vn(2026, 3, 17, 9, 0)
        )
        .events
        .iter()
        .any(|e| e.code() == "note_added")
    );
    let o = run(
        &c,
        &lead_head(),
        answer("Hồ sơ đã được giải quyết, mời ông/bà nhận kết quả."),
        vn(2026, 3, 17, 10, 0),
    );
    assert_eq!(o.state(), CaseState::Answered);
    assert_eq!(o.case.answered_at, Some(vn(2026, 3, 17, 10, 0)));
    assert!(o.clock_effects.contains(&ClockEffect::Stopped {
        clock: ClockName::Head,
        at: vn(2026, 3, 17, 10, 0),
        due_at: vn(2026, 3, 18, 16, 0),
        on_time: true
    }));
    assert!(notified(&o).contains(&(Audience::Citizen, NotificationKind::Answered)));
    assert_eq!(o.events[0].actor.kind, ActorKind::LeadHead);
    assert_eq!(o.events[0].actor.account_id, Some(5));
}

#[test]
fn case6_hard_breach_is_reported_once_to_leadership() {
    let c = assigned_case(false);
    let c = run(
        &c,
        &Actor::System,
        Command::Escalate,
        vn(2026, 3, 16, 16, 0),
    )
    .case;
    assert_eq!(
        refuse(
            &c,
            &Actor::System,
            Command::HardDeadlineBreached,
            vn(2026, 3, 18, 15, 0)
        ),
        Refusal::NotDue {
            due: vn(2026, 3, 18, 16, 0)
        }
    );
    let o = run(
        &c,
        &Actor::System,
        Command::HardDeadlineBreached,
        vn(2026, 3, 18, 16, 1),
    );
    assert_eq!(o.state(), CaseState::Escalated);
    assert!(o.case.hard_breached);
    assert!(notified(&o).contains(&(
        Audience::Leadership { tenant_id: TENANT },
        NotificationKind::HardBreach
    )));
    assert_eq!(
        refuse(
            &o.case,
            &Actor::System,
            Command::HardDeadlineBreached,
            vn(2026, 3, 19, 9, 0)
        ),
        Refusal::AlreadyBreached
    );
}

#[test]
fn case6_mode_a_can_breach_before_escalation() {
    let policy = CasePolicy {
        deadlines: DeadlinePolicy {
            hard_limit_mode: HardLimitMode::A,
            ..DeadlinePolicy::default()
        },
        ..CasePolicy::default()
    };
    let c = received_case(vn(2026, 3, 13, 14, 0));
    let c = decide(
        &c,
        &coordinator(),
        &classify(false),
        &ctx_with(vn(2026, 3, 13, 14, 30), &policy),
    )
    .unwrap()
    .case;
    let o = decide(
        &c,
        &coordinator(),
        &forward(),
        &ctx_with(vn(2026, 3, 13, 15, 0), &policy),
    )
    .unwrap();
    assert_eq!(o.deadlines.hard_due_at, Some(vn(2026, 3, 15, 15, 0)));
    let o = decide(
        &o.case,
        &Actor::System,
        &Command::HardDeadlineBreached,
        &ctx_with(vn(2026, 3, 15, 15, 0), &policy),
    )
    .unwrap();
    assert_eq!(o.state(), CaseState::Assigned);
    assert!(o.case.hard_breached);
}

#[test]
fn case7_complex_answers_wait_for_the_committee() {
    let c = assigned_case(true);
    let o = run(
        &c,
        &lead_focal(),
        answer("Dự thảo trả lời."),
        vn(2026, 3, 16, 9, 0),
    );
    assert_eq!(o.state(), CaseState::AwaitingApproval);
    assert_eq!(o.case.answered_at, None, "the citizen is not answered yet");
    assert!(notified(&o).contains(&(
        Audience::Leadership { tenant_id: TENANT },
        NotificationKind::AwaitingApproval
    )));
    assert!(o.clock_effects.contains(&ClockEffect::Paused {
        clock: ClockName::Focal,
        at: vn(2026, 3, 16, 9, 0)
    }));
    // The Committee asks for changes a working day later: the focal clock resumes, pushed by
    // the 7 working hours it spent with the Committee.
    let o = run(
        &o.case,
        &leadership(),
        Command::RequestChanges {
            comment: "Nêu rõ căn cứ pháp lý.".into(),
        },
        vn(2026, 3, 17, 9, 0),
    );
    assert_eq!(o.state(), CaseState::Assigned);
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 17, 16, 0)));
    let o = run(
        &o.case,
        &lead_focal(),
        answer("Trả lời có căn cứ."),
        vn(2026, 3, 17, 10, 0),
    );
    assert_eq!(o.state(), CaseState::AwaitingApproval);
    // Only leadership approves.
    assert!(matches!(
        refuse(
            &o.case,
            &coordinator(),
            Command::Approve { comment: None },
            vn(2026, 3, 17, 11, 0)
        ),
        Refusal::NotPermitted { .. }
    ));
    let o = run(
        &o.case,
        &leadership(),
        Command::Approve { comment: None },
        vn(2026, 3, 18, 9, 0),
    );
    assert_eq!(o.state(), CaseState::Answered);
    assert_eq!(o.case.approved_by, Some(3));
    assert_eq!(o.case.answered_at, Some(vn(2026, 3, 18, 9, 0)));
    // The focal clock stopped when the agency handed the answer in, on time.
    assert!(o.clock_effects.contains(&ClockEffect::Stopped {
        clock: ClockName::Focal,
        at: vn(2026, 3, 17, 10, 0),
        due_at: vn(2026, 3, 17, 16, 0),
        on_time: true
    }));
    let n = notified(&o);
    assert!(n.contains(&(Audience::Citizen, NotificationKind::Answered)));
    assert!(n.contains(&(
        Audience::FocalOfficers { agency_id: LEAD },
        NotificationKind::Approved
    )));
}

#[test]
fn case6_pausing_for_the_citizen_stops_the_clocks() {
    let c = assigned_case(false);
    let o = run(
        &c,
        &lead_focal(),
        Command::Pause {
            reason: "Đề nghị bổ sung bản sao sổ hộ khẩu.".into(),
        },
        vn(2026, 3, 16, 8, 0),
    );
    assert_eq!(o.state(), CaseState::Paused);
    assert!(notified(&o).contains(&(Audience::Citizen, NotificationKind::Paused)));
    // Nothing escalates while paused.
    assert!(matches!(
        refuse(
            &o.case,
            &Actor::System,
            Command::Escalate,
            vn(2026, 3, 17, 9, 0)
        ),
        Refusal::WrongState { .. }
    ));
    // The citizen supplies a document; the officer resumes Tuesday 08:00.
    let c = run(
        &o.case,
        &citizen(),
        Command::AddAttachment {
            attachment: RawAttachment {
                name: "so-ho-khau.jpg".into(),
                size_bytes: 200_000,
                content_type: "image/jpeg".into(),
            },
        },
        vn(2026, 3, 16, 19, 0),
    );
    assert_eq!(
        notified(&c),
        vec![(
            Audience::FocalOfficers { agency_id: LEAD },
            NotificationKind::CitizenAddedInfo
        )]
    );
    let o = run(
        &c.case,
        &lead_focal(),
        Command::Resume,
        vn(2026, 3, 17, 8, 0),
    );
    assert_eq!(o.state(), CaseState::Assigned);
    // Paused Monday 08:00 – Tuesday 08:00: 7 working hours; due Monday 16:00 → Tuesday 16:00.
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 17, 16, 0)));
    assert_eq!(o.deadlines.hard_due_at, Some(vn(2026, 3, 19, 16, 0)));
}

#[test]
fn case6_extensions_are_asked_by_the_agency_and_decided_by_the_coordinator() {
    let c = assigned_case(false);
    let ask = |h| Command::RequestExtension {
        hours: h,
        reason: "Cần xác minh thực địa.".into(),
    };
    assert!(matches!(
        refuse(&c, &lead_focal(), ask(0), vn(2026, 3, 16, 9, 0)),
        Refusal::Invalid { field: "hours", .. }
    ));
    assert!(matches!(
        refuse(&c, &lead_focal(), ask(41), vn(2026, 3, 16, 9, 0)),
        Refusal::Invalid { field: "hours", .. }
    ));
    let o = run(&c, &lead_focal(), ask(4), vn(2026, 3, 16, 9, 0));
    assert_eq!(o.state(), CaseState::Assigned);
    assert!(notified(&o).contains(&(
        Audience::Coordinators { tenant_id: TENANT },
        NotificationKind::ExtensionRequested
    )));
    assert_eq!(
        refuse(&o.case, &lead_focal(), ask(2), vn(2026, 3, 16, 9, 5)),
        Refusal::ExtensionPending
    );
    let decide_ext = |d| Command::DecideExtension {
        decision: d,
        comment: None,
    };
    // The agency cannot grant itself time.
    assert!(matches!(
        refuse(
            &o.case,
            &lead_head(),
            decide_ext(ExtensionDecision::Approve),
            vn(2026, 3, 16, 10, 0)
        ),
        Refusal::NotPermitted { .. }
    ));
    let approved = run(
        &o.case,
        &coordinator(),
        decide_ext(ExtensionDecision::Approve),
        vn(2026, 3, 16, 10, 0),
    );
    // Monday 16:00 + 4 working hours = Tuesday 11:00.
    assert_eq!(approved.deadlines.due_at, Some(vn(2026, 3, 17, 11, 0)));
    assert_eq!(approved.case.pending_extension, None);
    assert!(notified(&approved).contains(&(
        Audience::AgencyHead { agency_id: LEAD },
        NotificationKind::ExtensionApproved
    )));
    let rejected = run(
        &o.case,
        &coordinator(),
        decide_ext(ExtensionDecision::Reject),
        vn(2026, 3, 16, 10, 0),
    );
    assert_eq!(rejected.deadlines.due_at, Some(vn(2026, 3, 16, 16, 0)));
    assert_eq!(
        refuse(
            &rejected.case,
            &coordinator(),
            decide_ext(ExtensionDecision::Approve),
            vn(2026, 3, 16, 10, 0)
        ),
        Refusal::NoPendingExtension
    );
    // A pending request lapses, in the history, when the agency answers.
    let answered = run(
        &o.case,
        &lead_focal(),
        answer("Đã giải quyết."),
        vn(2026, 3, 16, 11, 0),
    );
    let codes: Vec<&str> = answered.events.iter().map(|e| e.code()).collect();
    assert_eq!(codes, ["extension_withdrawn", "answered"]);
}

#[test]
fn case4_a_misrouted_case_goes_back_to_the_coordinator() {
    let c = assigned_case(false);
    let o = run(
        &c,
        &lead_focal(),
        Command::ReturnMisrouted {
            reason: "Thuộc thẩm quyền Phòng Kinh tế.".into(),
        },
        vn(2026, 3, 16, 8, 0),
    );
    assert_eq!(o.state(), CaseState::Classifying);
    assert_eq!(o.case.lead_agency_id, None);
    assert!(o.case.other_agency_ids.is_empty());
    assert!(o.clock_effects.contains(&ClockEffect::StatutoryReopened {
        due_at: vn(2026, 3, 20, 16, 0)
    }));
    assert_eq!(
        notified(&o),
        vec![(
            Audience::Coordinators { tenant_id: TENANT },
            NotificationKind::Returned
        )]
    );
    // The former lead agency has no say any more.
    assert!(matches!(
        refuse(
            &o.case,
            &lead_focal(),
            Command::AddNote { text: "x".into() },
            vn(2026, 3, 16, 9, 0)
        ),
        Refusal::NotPermitted { .. }
    ));
    let o = run(
        &o.case,
        &coordinator(),
        Command::Forward {
            lead_agency_id: OTHER_AGENCY,
            other_agency_ids: vec![],
            note: None,
        },
        vn(2026, 3, 16, 9, 0),
    );
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 17, 10, 0)));
}

#[test]
fn case4_re_forwarding_an_unacknowledged_case_recalls_it_from_the_first_agency() {
    let c = assigned_case(false);
    let o = run(
        &c,
        &coordinator(),
        Command::Forward {
            lead_agency_id: OTHER_AGENCY,
            other_agency_ids: vec![],
            note: None,
        },
        vn(2026, 3, 16, 8, 0),
    );
    assert!(notified(&o).contains(&(
        Audience::FocalOfficers { agency_id: LEAD },
        NotificationKind::Recalled
    )));
    assert!(o.clock_effects.iter().any(|e| matches!(
        e,
        ClockEffect::Stopped {
            clock: ClockName::Focal,
            ..
        }
    )));
    // Monday 08:00 + 8 working hours = Tuesday 09:00.
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 17, 9, 0)));
}

fn answered_case() -> Case {
    let c = assigned_case(false);
    run(
        &c,
        &lead_focal(),
        answer("Hồ sơ của ông Nguyễn Văn An đã có kết quả ngày 16/3."),
        vn(2026, 3, 16, 9, 0),
    )
    .case
}

#[test]
fn case8_the_citizen_rates_within_the_window() {
    let c = answered_case();
    let rate = |s| Command::Rate {
        stars: s,
        comment: Some("Giải quyết chậm.".into()),
    };
    assert!(matches!(
        refuse(&c, &citizen(), rate(6), vn(2026, 3, 16, 10, 0)),
        Refusal::Invalid { field: "stars", .. }
    ));
    let stranger = Actor::Citizen {
        phone: tongdai_domain::phone::PhoneNumber::parse("0987654321").unwrap(),
    };
    assert!(matches!(
        refuse(&c, &stranger, rate(5), vn(2026, 3, 16, 10, 0)),
        Refusal::NotPermitted { .. }
    ));
    assert!(matches!(
        refuse(&c, &citizen(), rate(5), vn(2026, 4, 16, 10, 0)),
        Refusal::WindowClosed { .. }
    ));
    let o = run(&c, &citizen(), rate(2), vn(2026, 3, 16, 10, 0));
    assert_eq!(o.case.rating.as_ref().map(|r| r.stars), Some(2));
    assert_eq!(
        notified(&o),
        vec![(
            Audience::Coordinators { tenant_id: TENANT },
            NotificationKind::LowRating
        )]
    );
    assert_eq!(
        refuse(&o.case, &citizen(), rate(4), vn(2026, 3, 16, 11, 0)),
        Refusal::AlreadyRated
    );
}

#[test]
fn case8_reopening_and_closing() {
    let c = answered_case(); // answered Monday 16/3 09:00
    let reopen = Command::Reopen {
        reason: "Tôi chưa nhận được kết quả.".into(),
    };
    // The citizen may reopen until office close on the 5th working day (Monday 23/3 16:00).
    assert!(matches!(
        refuse(&c, &citizen(), reopen.clone(), vn(2026, 3, 23, 16, 1)),
        Refusal::WindowClosed { .. }
    ));
    // The system closes only after that window.
    assert!(matches!(
        refuse(&c, &Actor::System, Command::Close, vn(2026, 3, 23, 15, 0)),
        Refusal::NotDue { .. }
    ));
    let closed = run(&c, &Actor::System, Command::Close, vn(2026, 3, 23, 17, 0));
    assert_eq!(closed.state(), CaseState::Closed);
    assert!(matches!(
        closed.events[0].detail,
        EventDetail::Closed { automatic: true }
    ));
    // The coordinator may reopen at any time.
    let o = run(
        &closed.case,
        &coordinator(),
        reopen.clone(),
        vn(2026, 4, 1, 9, 0),
    );
    assert_eq!(o.state(), CaseState::Reopened);
    assert_eq!(o.case.reopen_count, 1);
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 4, 2, 10, 0)));
    // Within the window, the citizen reopens; the agency gets a new 8-hour clock.
    let o = run(&c, &citizen(), reopen, vn(2026, 3, 18, 9, 0));
    assert_eq!(o.state(), CaseState::Reopened);
    assert_eq!(o.case.answered_at, None);
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 19, 10, 0)));
    assert!(notified(&o).contains(&(
        Audience::FocalOfficers { agency_id: LEAD },
        NotificationKind::Reopened
    )));
    let o = run(
        &o.case,
        &lead_focal(),
        answer("Kết quả đã gửi qua bưu điện."),
        vn(2026, 3, 18, 14, 0),
    );
    assert_eq!(o.state(), CaseState::Answered);
}

#[test]
fn case10_publication_is_moderated_and_personal_data_refused() {
    let c = answered_case();
    let at = vn(2026, 3, 16, 10, 0);
    let leak = Command::Publish {
        public_text: "Ông Nguyễn Văn An (0912.345.678) phản ánh chậm cấp giấy chứng nhận.".into(),
    };
    match refuse(&c, &coordinator(), leak, at) {
        Refusal::PersonalData(kinds) => {
            assert_eq!(kinds, vec![MaskKind::Name, MaskKind::Phone])
        }
        other => panic!("{other:?}"),
    }
    let redacted = tongdai_domain::case::redact(
        "Ông Nguyễn Văn An (0912.345.678) phản ánh chậm cấp giấy chứng nhận.",
        &tongdai_domain::case::Subject::of_case(&c),
    );
    let o = run(
        &c,
        &coordinator(),
        Command::Publish {
            public_text: redacted.text.clone(),
        },
        at,
    );
    assert_eq!(o.state(), CaseState::Published);
    assert_eq!(o.case.publication.as_ref().unwrap().text, redacted.text);
    assert_eq!(o.case.closed_at, Some(at));
    let o = run(
        &o.case,
        &coordinator(),
        Command::Unpublish {
            reason: "Người dân đề nghị gỡ.".into(),
        },
        at,
    );
    assert_eq!(o.state(), CaseState::Closed);
    assert_eq!(o.case.publication, None);
    // Service requests and confidential cases are never published.
    let mut service = c.clone();
    service.kind = CaseKind::YeuCauDichVu;
    assert_eq!(
        refuse(
            &service,
            &coordinator(),
            Command::Publish {
                public_text: "Yêu cầu đã xử lý.".into()
            },
            at
        ),
        Refusal::NotPublishable
    );
    let mut secret = c;
    secret.confidential = true;
    assert_eq!(
        refuse(
            &secret,
            &coordinator(),
            Command::Publish {
                public_text: "Đã xử lý.".into()
            },
            at
        ),
        Refusal::NotPublishable
    );
}

#[test]
fn case12_field_changes_are_events_with_old_and_new_values() {
    let c = assigned_case(false);
    let at = vn(2026, 3, 16, 9, 0);
    let o = run(
        &c,
        &coordinator(),
        Command::UpdateFields {
            changes: vec![
                FieldChange::Phone("0383 456 789".into()),
                FieldChange::Address("ấp Hòa Long, xã Bình Hòa, tỉnh An Giang".into()),
                FieldChange::Pressing(true),
            ],
        },
        at,
    );
    let changes: Vec<_> = o
        .events
        .iter()
        .map(|e| match &e.detail {
            EventDetail::FieldChanged { field, old, new } => (
                field.code(),
                old.clone(),
                new.clone(),
                e.detail.touches_caller_identity(),
            ),
            d => panic!("{d:?}"),
        })
        .collect();
    // The unchanged address makes no event.
    assert_eq!(
        changes,
        vec![
            (
                "phone",
                Some("+84912345678".into()),
                Some("+84383456789".into()),
                true
            ),
            ("pressing", Some("false".into()), Some("true".into()), false),
        ]
    );
    assert!(o.case.pressing);
    // Every invalid value is reported at once.
    match refuse(
        &c,
        &coordinator(),
        Command::UpdateFields {
            changes: vec![
                FieldChange::Phone("12".into()),
                FieldChange::Email("không-phải-email".into()),
                FieldChange::CallerName("Ẩn danh".into()),
            ],
        },
        at,
    ) {
        Refusal::Fields(e) => {
            assert!(e.has(IntakeField::Phone) && e.has(IntakeField::Email));
            assert!(e.has(IntakeField::CallerName));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refuse(
            &c,
            &coordinator(),
            Command::UpdateFields {
                changes: vec![FieldChange::Pressing(false)]
            },
            at
        ),
        Refusal::NothingChanged
    );
}

#[test]
fn case14_merging_records_the_link_on_both_cases() {
    let c = assigned_case(false);
    let target = MergeTarget {
        id: 42,
        code: CaseCode::parse("PA-2026-000042").unwrap(),
        state: CaseState::Acknowledged,
    };
    let at = vn(2026, 3, 16, 9, 0);
    assert_eq!(
        refuse(
            &c,
            &coordinator(),
            Command::Merge {
                into: MergeTarget {
                    id: c.id,
                    ..target.clone()
                }
            },
            at
        ),
        Refusal::MergeIntoSelf
    );
    assert!(matches!(
        refuse(
            &c,
            &coordinator(),
            Command::Merge {
                into: MergeTarget {
                    state: CaseState::Merged,
                    ..target.clone()
                }
            },
            at
        ),
        Refusal::MergeTargetClosed { .. }
    ));
    let o = run(&c, &coordinator(), Command::Merge { into: target }, at);
    assert_eq!(o.state(), CaseState::Merged);
    assert_eq!(o.linked_events.len(), 1);
    assert_eq!(o.linked_events[0].case_id, 42);
    assert!(matches!(
        o.linked_events[0].event.detail,
        EventDetail::MergedFrom { from_id: 100, .. }
    ));
    assert!(notified(&o).contains(&(Audience::Citizen, NotificationKind::Merged)));
    assert!(o.clock_effects.iter().any(|e| matches!(
        e,
        ClockEffect::Stopped {
            clock: ClockName::Focal,
            ..
        }
    )));
}

#[test]
fn case12_commands_and_outcomes_are_plain_json() {
    let cmd: Command = serde_json::from_str(
        r#"{"command":"forward","lead_agency_id":10,"other_agency_ids":[11]}"#,
    )
    .unwrap();
    assert_eq!(
        cmd,
        Command::Forward {
            lead_agency_id: 10,
            other_agency_ids: vec![11],
            note: None
        }
    );
    let cmd: Command = serde_json::from_str(
        r#"{"command":"update_fields","changes":[{"field":"pressing","value":true}]}"#,
    )
    .unwrap();
    assert_eq!(
        cmd,
        Command::UpdateFields {
            changes: vec![FieldChange::Pressing(true)]
        }
    );
    let c = assigned_case(false);
    let o = run(
        &c,
        &Actor::System,
        Command::Escalate,
        vn(2026, 3, 16, 16, 0),
    );
    let json = serde_json::to_value(&o).unwrap();
    assert_eq!(json["case"]["state"], "escalated");
    assert_eq!(json["events"][0]["detail"]["type"], "escalated");
    assert_eq!(json["notifications"][0]["audience"]["to"], "focal_officers");
    assert_eq!(json["clock_effects"][0]["type"], "stopped");
    let back: Outcome = serde_json::from_value(json).unwrap();
    assert_eq!(back, o);
}

#[test]
fn case6_per_kind_policies_override_the_tenant_default() {
    let mut policy = CasePolicy::default();
    policy.deadlines_by_kind.insert(
        CaseKind::PhanAnh,
        DeadlinePolicy {
            focal_limit_hours: 16,
            ..DeadlinePolicy::default()
        },
    );
    let json = serde_json::to_string(&policy).unwrap();
    let policy: CasePolicy = serde_json::from_str(&json).unwrap();
    let c = received_case(vn(2026, 3, 13, 14, 0));
    let c = decide(
        &c,
        &coordinator(),
        &classify(false),
        &ctx_with(vn(2026, 3, 13, 14, 30), &policy),
    )
    .unwrap()
    .case;
    let o = decide(
        &c,
        &coordinator(),
        &forward(),
        &ctx_with(vn(2026, 3, 13, 15, 0), &policy),
    )
    .unwrap();
    // Friday 15:00 + 16 working hours = Wednesday 08:00.
    assert_eq!(o.deadlines.due_at, Some(vn(2026, 3, 18, 8, 0)));
    let empty: CasePolicy = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, CasePolicy::default());
}
