//! CASE-3 … CASE-12, SEC-2: every (state × command × actor) combination against an
//! expectation written here, independently of `RIGHTS`: the allowed ones succeed and land in
//! the expected state; the others are refused with a typed refusal and a Vietnamese message.

mod case_common;

use case_common::*;
use tongdai_domain::Instant;
use tongdai_domain::case::deadline::{Clocks, DeadlinePolicy};
use tongdai_domain::case::state::{Answer, ExtensionRequest, Publication};
use tongdai_domain::case::{
    Actor, ActorKind, Case, CaseCode, CaseKind, CaseState, Command, CommandKind, ContentClass,
    ExtensionDecision, FieldChange, MergeTarget, RIGHTS, RawAttachment, Refusal, decide,
};

use ActorKind as A;
use CaseState as S;
use CommandKind as C;

/// Who may do what, as the product owner would state it.
fn expected(state: CaseState, command: CommandKind, actor: ActorKind) -> bool {
    let intake = matches!(state, S::Received | S::Classifying);
    let focal_stage = matches!(state, S::Assigned | S::Acknowledged | S::Reopened);
    let head_stage = focal_stage || state == S::Escalated;
    let answered = matches!(state, S::Answered | S::Closed | S::Published);
    let lead_officer = |a| (a == A::LeadFocal && focal_stage) || (a == A::LeadHead && head_stage);
    let terminal = matches!(
        state,
        S::AnsweredOnCall | S::Redirected | S::NotAccepted | S::ForwardedOut | S::Merged
    );
    let with_agency = matches!(
        state,
        S::Assigned
            | S::Acknowledged
            | S::Escalated
            | S::AwaitingApproval
            | S::Paused
            | S::Reopened
    );
    match command {
        C::Classify | C::NotAccept | C::ForwardOut => actor == A::Coordinator && intake,
        C::AnswerOnSpot => actor == A::Operator && state == S::Received,
        C::Redirect => {
            (actor == A::Operator && state == S::Received) || (actor == A::Coordinator && intake)
        }
        C::Forward => {
            actor == A::Coordinator
                && matches!(
                    state,
                    S::Received | S::Classifying | S::Assigned | S::Reopened
                )
        }
        C::Acknowledge => {
            matches!(actor, A::LeadFocal | A::LeadHead)
                && matches!(state, S::Assigned | S::Reopened)
        }
        C::ReturnMisrouted | C::Answer | C::Pause | C::RequestExtension => lead_officer(actor),
        C::Approve | C::RequestChanges => actor == A::Leadership && state == S::AwaitingApproval,
        C::Resume => {
            matches!(actor, A::LeadFocal | A::LeadHead | A::Coordinator) && state == S::Paused
        }
        C::DecideExtension => actor == A::Coordinator && (head_stage || state == S::Paused),
        C::Escalate => actor == A::System && focal_stage,
        C::HardDeadlineBreached => actor == A::System && head_stage,
        C::Close => matches!(actor, A::Coordinator | A::System) && state == S::Answered,
        C::Rate => actor == A::Citizen && answered,
        C::Reopen => matches!(actor, A::Citizen | A::Coordinator) && answered,
        C::Publish => actor == A::Coordinator && matches!(state, S::Answered | S::Closed),
        C::Unpublish => actor == A::Coordinator && state == S::Published,
        C::Merge => {
            actor == A::Coordinator && !terminal && !answered && state != S::AwaitingApproval
        }
        C::AddNote | C::AddAttachment => match actor {
            A::Operator | A::Coordinator | A::Leadership | A::LeadFocal | A::LeadHead => true,
            A::Support => with_agency,
            A::Citizen => !terminal && !answered,
            A::System => false,
        },
        C::UpdateFields => match actor {
            A::Operator => state == S::Received,
            A::Coordinator => true,
            A::LeadFocal | A::LeadHead => lead_officer(actor),
            _ => false,
        },
    }
}

/// The state an allowed command leads to from `state` (fixtures resume to Acknowledged).
fn expected_target(state: CaseState, command: CommandKind) -> CaseState {
    match command {
        C::Classify | C::ReturnMisrouted => S::Classifying,
        C::AnswerOnSpot => S::AnsweredOnCall,
        C::Redirect => S::Redirected,
        C::NotAccept => S::NotAccepted,
        C::ForwardOut => S::ForwardedOut,
        C::Forward => S::Assigned,
        C::Acknowledge | C::RequestChanges | C::Resume => S::Acknowledged,
        C::Answer | C::Approve => S::Answered,
        C::Pause => S::Paused,
        C::Escalate => S::Escalated,
        C::Close | C::Unpublish => S::Closed,
        C::Reopen => S::Reopened,
        C::Publish => S::Published,
        C::Merge => S::Merged,
        C::RequestExtension
        | C::DecideExtension
        | C::HardDeadlineBreached
        | C::Rate
        | C::AddNote
        | C::AddAttachment
        | C::UpdateFields => state,
    }
}

fn actor_of(kind: ActorKind) -> Actor {
    match kind {
        A::Operator => operator(),
        A::Coordinator => coordinator(),
        A::Leadership => leadership(),
        A::LeadFocal => lead_focal(),
        A::LeadHead => lead_head(),
        A::Support => support_officer(),
        A::Citizen => citizen(),
        A::System => Actor::System,
    }
}

fn start() -> Instant {
    vn(2026, 3, 2, 9, 0)
}
fn answered_at() -> Instant {
    vn(2026, 3, 16, 9, 0)
}

/// "Now" for a command: an hour after the answer (inside every citizen window, past every
/// agency deadline), or a month later for the system's automatic closing.
fn now_for(command: CommandKind) -> Instant {
    if command == C::Close {
        vn(2026, 4, 20, 10, 0)
    } else {
        vn(2026, 3, 16, 10, 0)
    }
}

/// A case in `state` that meets the conditions of `command` (so that only rights decide).
fn fixture(state: CaseState, command: CommandKind) -> Case {
    let mut case = received_case(start());
    case.state = state;
    case.kind = if command == C::Redirect {
        CaseKind::KhieuNai
    } else {
        CaseKind::PhanAnh
    };
    case.class = Some(ContentClass::ChamTreSachNhieu);
    case.lead_agency_id = Some(LEAD);
    case.other_agency_ids = vec![SUPPORT];
    let mut clocks = Clocks::default();
    clocks.start_statutory(cal(), &DeadlinePolicy::default(), start());
    clocks.start_agency(cal(), &DeadlinePolicy::default(), start());
    match state {
        S::Escalated => {
            clocks.escalate(cal());
        }
        S::Paused | S::AwaitingApproval => {
            clocks.pause_agency(vn(2026, 3, 2, 10, 0));
            case.resume_state = Some(S::Acknowledged);
        }
        S::Answered | S::Closed | S::Published => {
            clocks.stop_agency(answered_at());
            case.answered_at = Some(answered_at());
        }
        _ => {}
    }
    case.clocks = clocks;
    case.answer = Some(Answer {
        text: "Hồ sơ đã được giải quyết.".into(),
        by_account: Some(4),
        at: answered_at(),
    });
    if state == S::Published {
        case.publication = Some(Publication {
            text: "Nội dung công khai.".into(),
            by_account: Some(2),
            at: answered_at(),
        });
    }
    if command == C::DecideExtension {
        case.pending_extension = Some(ExtensionRequest {
            hours: 8,
            reason: "Cần xác minh thực địa".into(),
            by_account: Some(4),
            at: start(),
        });
    }
    case
}

fn command(kind: CommandKind) -> Command {
    match kind {
        C::Classify => Command::Classify {
            kind: CaseKind::PhanAnh,
            class: Some(ContentClass::ChamTreSachNhieu),
            field_id: Some(3),
            pressing: true,
            complex: false,
        },
        C::AnswerOnSpot => Command::AnswerOnSpot {
            answer: "Ông/bà nộp bổ sung bản sao giấy tờ tại Trung tâm Phục vụ hành chính công."
                .into(),
        },
        C::Redirect => Command::Redirect { guidance: None },
        C::NotAccept => Command::NotAccept {
            reason: "Nội dung không rõ ràng.".into(),
        },
        C::ForwardOut => Command::ForwardOut {
            body: "Sở Nông nghiệp và Môi trường tỉnh Đồng Tháp".into(),
            reason: "Không thuộc thẩm quyền của địa phương.".into(),
        },
        C::Forward => Command::Forward {
            lead_agency_id: LEAD,
            other_agency_ids: vec![SUPPORT],
            note: None,
        },
        C::Acknowledge => Command::Acknowledge,
        C::ReturnMisrouted => Command::ReturnMisrouted {
            reason: "Không thuộc lĩnh vực của cơ quan.".into(),
        },
        C::Answer => Command::Answer {
            text: "Hồ sơ của ông/bà đã có kết quả, mời nhận tại bộ phận một cửa.".into(),
        },
        C::Approve => Command::Approve { comment: None },
        C::RequestChanges => Command::RequestChanges {
            comment: "Bổ sung căn cứ pháp lý.".into(),
        },
        C::Pause => Command::Pause {
            reason: "Chờ người dân bổ sung giấy tờ.".into(),
        },
        C::Resume => Command::Resume,
        C::RequestExtension => Command::RequestExtension {
            hours: 8,
            reason: "Cần xác minh thực địa.".into(),
        },
        C::DecideExtension => Command::DecideExtension {
            decision: ExtensionDecision::Approve,
            comment: None,
        },
        C::Escalate => Command::Escalate,
        C::HardDeadlineBreached => Command::HardDeadlineBreached,
        C::Close => Command::Close,
        C::Rate => Command::Rate {
            stars: 4,
            comment: None,
        },
        C::Reopen => Command::Reopen {
            reason: "Câu trả lời chưa thỏa đáng.".into(),
        },
        C::Publish => Command::Publish {
            public_text:
                "Phản ánh về việc chậm cấp giấy chứng nhận quyền sử dụng đất đã được giải quyết."
                    .into(),
        },
        C::Unpublish => Command::Unpublish {
            reason: "Cần rà soát lại nội dung.".into(),
        },
        C::Merge => Command::Merge {
            into: MergeTarget {
                id: 99,
                code: CaseCode::parse("PA-2026-000099").unwrap(),
                state: S::Assigned,
            },
        },
        C::AddNote => Command::AddNote {
            text: "Đã gọi lại cho người dân.".into(),
        },
        C::AddAttachment => Command::AddAttachment {
            attachment: RawAttachment {
                name: "bien-ban.pdf".into(),
                size_bytes: 1_000,
                content_type: "application/pdf".into(),
            },
        },
        C::UpdateFields => Command::UpdateFields {
            changes: vec![FieldChange::Pressing(true)],
        },
    }
}

#[test]
fn case12_sec2_every_state_command_actor_combination() {
    let mut allowed = 0;
    let mut refused = 0;
    let mut used = std::collections::HashSet::new();
    for &state in CaseState::ALL {
        for &ck in CommandKind::ALL {
            let anyone = ActorKind::ALL.iter().any(|a| expected(state, ck, *a));
            let mut actors: Vec<(Option<ActorKind>, Actor)> = ActorKind::ALL
                .iter()
                .map(|k| (Some(*k), actor_of(*k)))
                .collect();
            actors.push((None, outsider()));
            actors.push((
                None,
                Actor::Citizen {
                    phone: tongdai_domain::phone::PhoneNumber::parse("0987 654 321").unwrap(),
                },
            ));
            for (kind, actor) in actors {
                let case = fixture(state, ck);
                let cmd = command(ck);
                let want = kind.is_some_and(|k| expected(state, ck, k));
                let got = decide(&case, &actor, &cmd, &ctx(now_for(ck)));
                let what = format!("{state} × {ck} × {kind:?}");
                if want {
                    let out = got.unwrap_or_else(|e| panic!("{what}: refused: {e}"));
                    assert_eq!(out.state(), expected_target(state, ck), "{what}");
                    assert!(!out.events.is_empty(), "{what}: no history event");
                    let last = out.events.last().unwrap();
                    assert_eq!(Some(last.actor.kind), kind, "{what}");
                    assert_eq!(last.to_state, out.state(), "{what}");
                    allowed += 1;
                    used.insert(ck);
                } else {
                    let err = got.err().unwrap_or_else(|| panic!("{what}: allowed"));
                    match &err {
                        Refusal::WrongState { command, state: s } => {
                            assert!(!anyone, "{what}: someone may, so not a wrong state");
                            assert_eq!((*command, *s), (ck, state));
                        }
                        Refusal::NotPermitted { command, state: s } => {
                            assert!(anyone, "{what}: nobody may, so a wrong state");
                            assert_eq!((*command, *s), (ck, state));
                        }
                        other => panic!("{what}: refused for the wrong reason: {other:?}"),
                    }
                    let msg = err.to_string();
                    assert!(
                        msg.contains(ck.label_vi()) && msg.contains(state.label_vi()),
                        "{msg}"
                    );
                    assert!(err.is_rights());
                    refused += 1;
                }
            }
        }
    }
    assert_eq!(
        used.len(),
        CommandKind::ALL.len(),
        "every command is allowed somewhere"
    );
    assert_eq!(
        allowed + refused,
        CaseState::ALL.len() * CommandKind::ALL.len() * (ActorKind::ALL.len() + 2)
    );
    assert!(allowed > 150, "{allowed}");
}

#[test]
fn case12_the_rights_table_holds_no_impossible_line() {
    for r in RIGHTS {
        assert!(
            !r.actors.is_empty() && !r.states.is_empty(),
            "{:?}",
            r.command
        );
        for a in r.actors {
            for s in r.states {
                assert!(expected(*s, r.command, *a), "{} {} {}", r.command, s, a);
            }
        }
    }
}

#[test]
fn sec2_tenant_grants_reach_their_tenant_and_its_sub_tenants_only() {
    use tongdai_domain::access::{Grant, Role};
    let case = fixture(S::Received, C::Classify);
    let cmd = command(C::Classify);
    let other_tenant = Actor::Staff {
        account_id: 20,
        name: "Điều phối xã khác".into(),
        grants: vec![Grant::new(Role::Coordinator, Some(2), None).unwrap()],
    };
    assert!(matches!(
        decide(&case, &other_tenant, &cmd, &ctx(now_for(C::Classify))),
        Err(Refusal::NotPermitted { .. })
    ));
    // A province coordinator (tenant 9) reaches a commune case when 9 is on its tenant path.
    let province = Actor::Staff {
        account_id: 21,
        name: "Điều phối tỉnh".into(),
        grants: vec![Grant::new(Role::Coordinator, Some(9), None).unwrap()],
    };
    let path = [9];
    let mut c = ctx(now_for(C::Classify));
    c.tenant_path = &path;
    assert!(decide(&case, &province, &cmd, &c).is_ok());
    // An installation-wide coordinator reaches every tenant.
    let global = Actor::Staff {
        account_id: 22,
        name: "Điều phối".into(),
        grants: vec![Grant::new(Role::Coordinator, None, None).unwrap()],
    };
    assert!(decide(&case, &global, &cmd, &ctx(now_for(C::Classify))).is_ok());
}
