//! What a screen offers (CASE-3 … CASE-12, SEC-2, SEC-4): the commands `allowed_commands`
//! offers are never refused for rights, the ones it leaves out are, confidential callers are
//! hidden from everyone but the coordinator, and the urgency follows the running clock.

mod case_common;

use case_common::*;
use tongdai_domain::Instant;
use tongdai_domain::case::offer::urgency;
use tongdai_domain::case::state::ExtensionRequest;
use tongdai_domain::case::{
    Actor, Case, CaseKind, CaseState, Command, CommandKind, ContentClass, ExtensionDecision,
    FieldChange, MergeTarget, RawAttachment, Urgency, allowed_commands, decide,
    sees_caller_identity,
};

fn t0() -> Instant {
    vn(2026, 3, 10, 9, 0)
}

/// A payload for each command that passes the command's own checks on an ordinary case.
fn sample(kind: CommandKind, case: &Case) -> Command {
    match kind {
        CommandKind::Classify => Command::Classify {
            kind: CaseKind::PhanAnh,
            class: Some(ContentClass::KhongPhuHopThucTe),
            field_id: None,
            pressing: false,
            complex: false,
        },
        CommandKind::AnswerOnSpot => Command::AnswerOnSpot {
            answer: "Hướng dẫn trực tiếp qua điện thoại.".into(),
        },
        CommandKind::Redirect => Command::Redirect { guidance: None },
        CommandKind::NotAccept => Command::NotAccept {
            reason: "Nội dung không rõ ràng.".into(),
        },
        CommandKind::ForwardOut => Command::ForwardOut {
            body: "Công an tỉnh".into(),
            reason: "Thuộc thẩm quyền cơ quan khác.".into(),
        },
        CommandKind::Forward => Command::Forward {
            lead_agency_id: LEAD,
            other_agency_ids: vec![],
            note: None,
        },
        CommandKind::Acknowledge => Command::Acknowledge,
        CommandKind::ReturnMisrouted => Command::ReturnMisrouted {
            reason: "Không thuộc lĩnh vực của cơ quan.".into(),
        },
        CommandKind::Answer => Command::Answer {
            text: "Cơ quan trả lời như sau.".into(),
        },
        CommandKind::Approve => Command::Approve { comment: None },
        CommandKind::RequestChanges => Command::RequestChanges {
            comment: "Bổ sung căn cứ pháp lý.".into(),
        },
        CommandKind::Pause => Command::Pause {
            reason: "Chờ người dân bổ sung giấy tờ.".into(),
        },
        CommandKind::Resume => Command::Resume,
        CommandKind::RequestExtension => Command::RequestExtension {
            hours: 8,
            reason: "Cần xác minh thực địa.".into(),
        },
        CommandKind::DecideExtension => Command::DecideExtension {
            decision: ExtensionDecision::Approve,
            comment: None,
        },
        CommandKind::Escalate => Command::Escalate,
        CommandKind::HardDeadlineBreached => Command::HardDeadlineBreached,
        CommandKind::Close => Command::Close,
        CommandKind::Rate => Command::Rate {
            stars: 5,
            comment: None,
        },
        CommandKind::Reopen => Command::Reopen {
            reason: "Chưa giải quyết.".into(),
        },
        CommandKind::Publish => Command::Publish {
            public_text: "Câu hỏi về thủ tục và câu trả lời của cơ quan.".into(),
        },
        CommandKind::Unpublish => Command::Unpublish {
            reason: "Đăng nhầm.".into(),
        },
        CommandKind::Merge => Command::Merge {
            into: MergeTarget {
                id: case.id + 1,
                code: case.code,
                state: CaseState::Received,
            },
        },
        CommandKind::AddNote => Command::AddNote {
            text: "Ghi chú.".into(),
        },
        CommandKind::AddAttachment => Command::AddAttachment {
            attachment: RawAttachment {
                name: "bo-sung.pdf".into(),
                size_bytes: 1000,
                content_type: "application/pdf".into(),
            },
        },
        CommandKind::UpdateFields => Command::UpdateFields {
            changes: vec![FieldChange::Content(
                "Nội dung đã được chỉnh sửa cho rõ ràng hơn.".into(),
            )],
        },
    }
}

/// The same case in each state it can reach, by real decisions.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let received = received_case(t0());
    out.push(received.clone());
    let classified = decide(
        &received,
        &coordinator(),
        &sample(CommandKind::Classify, &received),
        &ctx(t0()),
    )
    .unwrap()
    .case;
    out.push(classified.clone());
    let assigned = decide(
        &classified,
        &coordinator(),
        &Command::Forward {
            lead_agency_id: LEAD,
            other_agency_ids: vec![SUPPORT],
            note: None,
        },
        &ctx(t0()),
    )
    .unwrap()
    .case;
    out.push(assigned.clone());
    let acked = decide(&assigned, &lead_focal(), &Command::Acknowledge, &ctx(t0()))
        .unwrap()
        .case;
    out.push(acked.clone());
    let mut extension = acked.clone();
    extension.pending_extension = Some(ExtensionRequest {
        hours: 8,
        reason: "Xác minh".into(),
        by_account: Some(4),
        at: t0(),
    });
    out.push(extension);
    let paused = decide(
        &acked,
        &lead_focal(),
        &sample(CommandKind::Pause, &acked),
        &ctx(t0()),
    )
    .unwrap()
    .case;
    out.push(paused);
    let answered = decide(
        &acked,
        &lead_focal(),
        &sample(CommandKind::Answer, &acked),
        &ctx(t0()),
    )
    .unwrap()
    .case;
    out.push(answered.clone());
    let closed = decide(&answered, &coordinator(), &Command::Close, &ctx(t0()))
        .unwrap()
        .case;
    out.push(closed);
    let mut complaint = received_case(t0());
    complaint.kind = CaseKind::KhieuNai;
    out.push(complaint);
    out
}

fn actors() -> Vec<(&'static str, Actor)> {
    vec![
        ("operator", operator()),
        ("coordinator", coordinator()),
        ("leadership", leadership()),
        ("lead focal", lead_focal()),
        ("lead head", lead_head()),
        ("support", support_officer()),
        ("outsider", outsider()),
        ("citizen", citizen()),
    ]
}

/// CASE-3 … CASE-12: every offered command gets past the rights check of the state machine;
/// every command left out is refused for rights or by the case's own conditions.
#[test]
fn offered_commands_are_the_permitted_ones_case_12() {
    let mut offered_somewhere = 0;
    for case in cases() {
        for (who, actor) in actors() {
            let offered = allowed_commands(&case, &actor, &[]);
            for kind in CommandKind::ALL {
                let cmd = sample(*kind, &case);
                let result = decide(&case, &actor, &cmd, &ctx(t0()));
                let rights_refusal = matches!(&result, Err(r) if r.is_rights());
                if offered.contains(kind) {
                    offered_somewhere += 1;
                    assert!(
                        !rights_refusal,
                        "{who} offered {kind} in {} but refused: {result:?}",
                        case.state
                    );
                } else if result.is_ok() {
                    panic!(
                        "{who} not offered {kind} in {} ({}) but the state machine accepts it",
                        case.state, case.kind
                    );
                }
            }
        }
    }
    assert!(offered_somewhere > 40, "{offered_somewhere}");
}

#[test]
fn screens_offer_what_each_role_does_case_4() {
    let received = received_case(t0());
    assert_eq!(
        allowed_commands(&received, &operator(), &[]),
        vec![
            CommandKind::AnswerOnSpot,
            CommandKind::AddNote,
            CommandKind::AddAttachment,
            CommandKind::UpdateFields
        ]
    );
    let coordinator_offer = allowed_commands(&received, &coordinator(), &[]);
    for c in [
        CommandKind::Classify,
        CommandKind::Forward,
        CommandKind::NotAccept,
        CommandKind::Merge,
    ] {
        assert!(coordinator_offer.contains(&c), "{c}");
    }
    assert!(!coordinator_offer.contains(&CommandKind::Redirect));
    assert!(allowed_commands(&received, &outsider(), &[]).is_empty());
    assert!(allowed_commands(&received, &lead_focal(), &[]).is_empty());
    // Never the deadline commands, which only the job runner issues.
    for case in cases() {
        for (_, a) in actors() {
            let offer = allowed_commands(&case, &a, &[]);
            assert!(!offer.contains(&CommandKind::Escalate));
            assert!(!offer.contains(&CommandKind::HardDeadlineBreached));
        }
    }
}

/// SEC-4, CASE-2: a denouncer's identity is for the coordinator only.
#[test]
fn confidential_callers_are_seen_by_the_coordinator_only_sec_4() {
    let mut raw = raw_intake();
    raw.kind = "to_cao".into();
    let case = received(raw, t0()).case;
    assert!(case.confidential);
    assert!(sees_caller_identity(&case, &coordinator(), &[]));
    for a in [operator(), leadership(), lead_focal(), outsider()] {
        assert!(!sees_caller_identity(&case, &a, &[]), "{a:?}");
    }
    let ordinary = received_case(t0());
    assert!(sees_caller_identity(&ordinary, &operator(), &[]));
    assert!(sees_caller_identity(&ordinary, &leadership(), &[]));
    assert!(
        !sees_caller_identity(&ordinary, &outsider(), &[]),
        "no capacity, no data"
    );
    // A denunciation is redirected, never forwarded to an agency.
    let offer = allowed_commands(&case, &operator(), &[]);
    assert!(offer.contains(&CommandKind::Redirect));
    assert!(!offer.contains(&CommandKind::AnswerOnSpot));
}

/// CASE-6: the colour follows the focal clock, then the head's after escalation.
#[test]
fn urgency_follows_the_running_clock_case_6() {
    let policy = &policy().deadlines;
    let received = received_case(t0());
    assert_eq!(urgency(&received, cal(), policy, t0()), Urgency::Done);
    let assigned = decide(
        &decide(
            &received,
            &coordinator(),
            &sample(CommandKind::Classify, &received),
            &ctx(t0()),
        )
        .unwrap()
        .case,
        &coordinator(),
        &sample(CommandKind::Forward, &received),
        &ctx(t0()),
    )
    .unwrap()
    .case;
    // Forwarded Tuesday 09:00: due Wednesday 10:00 (8 working hours of 07–11 and 13–16).
    let due = assigned.clocks.focal.as_ref().unwrap().due_at;
    assert_eq!(due, vn(2026, 3, 11, 10, 0));
    assert_eq!(urgency(&assigned, cal(), policy, t0()), Urgency::Green);
    assert_eq!(
        urgency(&assigned, cal(), policy, vn(2026, 3, 10, 15, 0)),
        Urgency::Amber
    );
    assert_eq!(
        urgency(&assigned, cal(), policy, vn(2026, 3, 11, 9, 30)),
        Urgency::Red
    );
    assert_eq!(urgency(&assigned, cal(), policy, due), Urgency::Overdue);
    let escalated = decide(&assigned, &Actor::System, &Command::Escalate, &ctx(due))
        .unwrap()
        .case;
    assert_eq!(escalated.state, CaseState::Escalated);
    assert_eq!(
        urgency(&escalated, cal(), policy, due),
        Urgency::Green,
        "the head's 48 hours start"
    );
    let paused = decide(
        &assigned,
        &lead_focal(),
        &sample(CommandKind::Pause, &assigned),
        &ctx(t0()),
    )
    .unwrap()
    .case;
    assert_eq!(urgency(&paused, cal(), policy, t0()), Urgency::Paused);
}
