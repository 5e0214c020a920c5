//! Who may do what to a case, and when (CASE-3 … CASE-12, SEC-2).
//!
//! The rights are data: [`RIGHTS`] lists, per command, which kinds of actor may issue it in
//! which states. An actor's kinds depend on the case: a focal officer is `lead_focal` for the
//! lead agency's cases, `support` for cases its agency supports, and nobody for the others.
//! The state machine checks this table first, then the command's own conditions (payload,
//! kind of case, time windows).
//!
//! Decisions the plan leaves open, made here:
//! - Once a case is escalated the head of the agency owns it: the focal officer may still add
//!   notes and attachments (drafting for the head) but no longer answers, pauses, returns it
//!   or asks for more time. The head may do all of that at any stage.
//! - The coordinator closes answered cases; the system closes them by itself once the
//!   citizen's reopening window has passed.
//! - The coordinator may re-forward a case the agency has not acknowledged yet, and a
//!   reopened one; later it goes back through the agency's `return_misrouted`.

use super::command::CommandKind;
use super::state::{Case, CaseState};
use crate::access::{Grant, Principal, Role};
use crate::phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// Who issues a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in account with its grants.
    Staff {
        account_id: i64,
        name: String,
        grants: Vec<Grant>,
    },
    /// A citizen who proved the case code and the phone number (CASE-9); they act on the case
    /// only if the phone is the caller's.
    Citizen { phone: PhoneNumber },
    /// The job runner (deadlines, automatic closing, imports).
    System,
}

impl Actor {
    /// The actor of a signed-in principal.
    pub fn staff(p: &Principal) -> Actor {
        Actor::Staff {
            account_id: p.account_id,
            name: p.display_name.clone(),
            grants: p.grants.clone(),
        }
    }

    pub fn account_id(&self) -> Option<i64> {
        match self {
            Actor::Staff { account_id, .. } => Some(*account_id),
            _ => None,
        }
    }
}

code_enum! {
    /// The capacity in which an actor acts on one case. The order is the preference when an
    /// account holds several.
    ActorKind {
        /// *Tổng đài viên*.
        Operator = "operator" / "Tổng đài viên",
        /// *Phòng Nội vụ* (or whichever unit plays the role): classifies, forwards, moderates.
        Coordinator = "coordinator" / "Điều phối",
        /// The Committee and its office: approve complex answers (CASE-7).
        Leadership = "leadership" / "Lãnh đạo UBND",
        /// A focal officer of the case's lead agency.
        LeadFocal = "lead_focal" / "Cán bộ đầu mối cơ quan chủ trì",
        /// The head of the case's lead agency.
        LeadHead = "lead_head" / "Thủ trưởng cơ quan chủ trì",
        /// A focal officer or head of a supporting agency.
        Support = "support" / "Cơ quan phối hợp",
        /// The caller, proven by code and phone.
        Citizen = "citizen" / "Người dân",
        /// The job runner.
        System = "system" / "Hệ thống",
    }
}

/// The kinds an actor has on `case`. `tenant_path` lists the case's tenant's ancestors (a
/// province-wide grant reaches its communes); the case's own tenant is always included.
pub fn actor_kinds(actor: &Actor, case: &Case, tenant_path: &[i64]) -> Vec<ActorKind> {
    let mut kinds = match actor {
        Actor::System => vec![ActorKind::System],
        Actor::Citizen { phone } if *phone == case.caller.phone => vec![ActorKind::Citizen],
        Actor::Citizen { .. } => Vec::new(),
        Actor::Staff { grants, .. } => grants
            .iter()
            .filter_map(|g| staff_kind(g, case, tenant_path))
            .collect(),
    };
    kinds.sort();
    kinds.dedup();
    kinds
}

fn covers_tenant(g: &Grant, tenant_id: i64, tenant_path: &[i64]) -> bool {
    match g.tenant_id {
        None => true,
        Some(t) => t == tenant_id || tenant_path.contains(&t),
    }
}

fn staff_kind(g: &Grant, case: &Case, tenant_path: &[i64]) -> Option<ActorKind> {
    let tenant = covers_tenant(g, case.tenant_id, tenant_path);
    let agency = g.agency_id;
    match g.role {
        Role::Operator if tenant => Some(ActorKind::Operator),
        Role::Coordinator if tenant => Some(ActorKind::Coordinator),
        Role::Leadership if tenant => Some(ActorKind::Leadership),
        Role::FocalOfficer | Role::AgencyHead => {
            let a = agency?;
            if case.is_lead(a) {
                Some(if g.role == Role::FocalOfficer {
                    ActorKind::LeadFocal
                } else {
                    ActorKind::LeadHead
                })
            } else if case.is_support(a) {
                Some(ActorKind::Support)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The kinds in which an actor may create a case in `tenant_id`: operators and coordinators
/// of the tenant, the system (imports), and citizens (public forms).
pub fn creator_kinds(actor: &Actor, tenant_id: i64, tenant_path: &[i64]) -> Vec<ActorKind> {
    let mut kinds: Vec<ActorKind> = match actor {
        Actor::System => vec![ActorKind::System],
        Actor::Citizen { .. } => vec![ActorKind::Citizen],
        Actor::Staff { grants, .. } => grants
            .iter()
            .filter(|g| covers_tenant(g, tenant_id, tenant_path))
            .filter_map(|g| match g.role {
                Role::Operator => Some(ActorKind::Operator),
                Role::Coordinator => Some(ActorKind::Coordinator),
                _ => None,
            })
            .collect(),
    };
    kinds.sort();
    kinds.dedup();
    kinds
}

/// One line of the rights table: `actors` may issue `command` in `states`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Right {
    pub command: CommandKind,
    pub actors: &'static [ActorKind],
    pub states: &'static [CaseState],
}

use ActorKind as A;
use CaseState as S;
use CommandKind as C;

const INTAKE: &[CaseState] = &[S::Received, S::Classifying];
/// Where the lead agency's focal officer works on a case.
const FOCAL: &[CaseState] = &[S::Assigned, S::Acknowledged, S::Reopened];
/// Where the head of the lead agency works on a case: also once escalated.
const HEAD: &[CaseState] = &[S::Assigned, S::Acknowledged, S::Escalated, S::Reopened];
const ANSWERED: &[CaseState] = &[S::Answered, S::Closed, S::Published];
const ALL: &[CaseState] = CaseState::ALL;
const CITIZEN_OPEN: &[CaseState] = &[
    S::Received,
    S::Classifying,
    S::Assigned,
    S::Acknowledged,
    S::Escalated,
    S::AwaitingApproval,
    S::Paused,
    S::Reopened,
];
const SUPPORT: &[CaseState] = &[
    S::Assigned,
    S::Acknowledged,
    S::Escalated,
    S::AwaitingApproval,
    S::Paused,
    S::Reopened,
];
const EXTENSION_DECISION: &[CaseState] = &[
    S::Assigned,
    S::Acknowledged,
    S::Escalated,
    S::Paused,
    S::Reopened,
];
const MERGEABLE: &[CaseState] = &[
    S::Received,
    S::Classifying,
    S::Assigned,
    S::Acknowledged,
    S::Escalated,
    S::Paused,
    S::Reopened,
];
const STAFF_NOTES: &[ActorKind] = &[
    A::Operator,
    A::Coordinator,
    A::Leadership,
    A::LeadFocal,
    A::LeadHead,
];

const fn r(
    command: CommandKind,
    actors: &'static [ActorKind],
    states: &'static [CaseState],
) -> Right {
    Right {
        command,
        actors,
        states,
    }
}

/// The rights table.
pub const RIGHTS: &[Right] = &[
    r(C::Classify, &[A::Coordinator], INTAKE),
    r(C::AnswerOnSpot, &[A::Operator], &[S::Received]),
    r(C::Redirect, &[A::Operator], &[S::Received]),
    r(C::Redirect, &[A::Coordinator], INTAKE),
    r(C::NotAccept, &[A::Coordinator], INTAKE),
    r(C::ForwardOut, &[A::Coordinator], INTAKE),
    r(
        C::Forward,
        &[A::Coordinator],
        &[S::Received, S::Classifying, S::Assigned, S::Reopened],
    ),
    r(
        C::Acknowledge,
        &[A::LeadFocal, A::LeadHead],
        &[S::Assigned, S::Reopened],
    ),
    r(C::ReturnMisrouted, &[A::LeadFocal], FOCAL),
    r(C::ReturnMisrouted, &[A::LeadHead], HEAD),
    r(C::Answer, &[A::LeadFocal], FOCAL),
    r(C::Answer, &[A::LeadHead], HEAD),
    r(C::Approve, &[A::Leadership], &[S::AwaitingApproval]),
    r(C::RequestChanges, &[A::Leadership], &[S::AwaitingApproval]),
    r(C::Pause, &[A::LeadFocal], FOCAL),
    r(C::Pause, &[A::LeadHead], HEAD),
    r(
        C::Resume,
        &[A::LeadFocal, A::LeadHead, A::Coordinator],
        &[S::Paused],
    ),
    r(C::RequestExtension, &[A::LeadFocal], FOCAL),
    r(C::RequestExtension, &[A::LeadHead], HEAD),
    r(C::DecideExtension, &[A::Coordinator], EXTENSION_DECISION),
    r(C::Escalate, &[A::System], FOCAL),
    r(C::HardDeadlineBreached, &[A::System], HEAD),
    r(C::Close, &[A::Coordinator, A::System], &[S::Answered]),
    r(C::Rate, &[A::Citizen], ANSWERED),
    r(C::Reopen, &[A::Citizen, A::Coordinator], ANSWERED),
    r(C::Publish, &[A::Coordinator], &[S::Answered, S::Closed]),
    r(C::Unpublish, &[A::Coordinator], &[S::Published]),
    r(C::Merge, &[A::Coordinator], MERGEABLE),
    r(C::AddNote, STAFF_NOTES, ALL),
    r(C::AddNote, &[A::Support], SUPPORT),
    r(C::AddNote, &[A::Citizen], CITIZEN_OPEN),
    r(C::AddAttachment, STAFF_NOTES, ALL),
    r(C::AddAttachment, &[A::Support], SUPPORT),
    r(C::AddAttachment, &[A::Citizen], CITIZEN_OPEN),
    r(C::UpdateFields, &[A::Operator], &[S::Received]),
    r(C::UpdateFields, &[A::Coordinator], ALL),
    r(C::UpdateFields, &[A::LeadFocal], FOCAL),
    r(C::UpdateFields, &[A::LeadHead], HEAD),
];

/// Whether `actor` may issue `command` in `state`.
pub fn permits(command: CommandKind, state: CaseState, actor: ActorKind) -> bool {
    RIGHTS
        .iter()
        .any(|r| r.command == command && r.states.contains(&state) && r.actors.contains(&actor))
}

/// Whether anyone may issue `command` in `state` (to tell "wrong state" from "not yours").
pub fn anyone_may(command: CommandKind, state: CaseState) -> bool {
    RIGHTS
        .iter()
        .any(|r| r.command == command && r.states.contains(&state))
}
