//! What a screen may offer an actor on a case (the web's case page, the API): the commands the
//! rights table lets them issue now, whether they may see the caller's identity, and the colour
//! of the deadline that currently runs.
//!
//! The state machine stays the judge: these helpers only decide what to *show*. A form offered
//! here may still be refused by [`super::decide`] (a text too long, a window just closed), and a
//! command not offered is refused there too.

use super::command::CommandKind;
use super::deadline::{DeadlinePolicy, Urgency};
use super::rights::{self, Actor, ActorKind};
use super::state::{Case, CaseState};
use crate::Instant;
use crate::calendar::WorkingCalendar;

/// Commands only the job runner issues (deadlines): never offered on a screen.
const SYSTEM_ONLY: &[CommandKind] = &[CommandKind::Escalate, CommandKind::HardDeadlineBreached];

/// The commands `actor` may issue on `case` now: those the rights table grants one of the
/// actor's kinds in the case's state, less those the case itself rules out at once (a
/// redirect for a kind the hotline handles, forwarding a complaint, publishing a confidential
/// case, deciding an extension nobody asked for, asking for a second one, rating twice). In
/// [`CommandKind::ALL`] order, so screens list them consistently.
pub fn allowed_commands(case: &Case, actor: &Actor, tenant_path: &[i64]) -> Vec<CommandKind> {
    let kinds = rights::actor_kinds(actor, case, tenant_path);
    CommandKind::ALL
        .iter()
        .copied()
        .filter(|c| !SYSTEM_ONLY.contains(c))
        .filter(|c| kinds.iter().any(|k| rights::permits(*c, case.state, *k)))
        .filter(|c| applicable(case, *c))
        .collect()
}

/// Conditions of a command that depend on the case only (not on its payload or the clock).
fn applicable(case: &Case, command: CommandKind) -> bool {
    use CommandKind as C;
    match command {
        C::Redirect => case.kind.must_redirect(),
        C::AnswerOnSpot | C::Forward | C::ForwardOut => !case.kind.must_redirect(),
        C::Publish => case.kind.is_publishable() && !case.confidential,
        C::DecideExtension => case.pending_extension.is_some(),
        C::RequestExtension => case.pending_extension.is_none(),
        C::Rate => case.rating.is_none() && case.answered_at.is_some(),
        C::Reopen => case.lead_agency_id.is_some(),
        _ => true,
    }
}

/// Whether `actor` may see who the caller is. A *tố cáo* is confidential (Luật Tố cáo
/// 25/2018/QH14 Art. 47–48): only the coordinator who handles it sees the denouncer; everyone
/// else — operators, officers, leadership — sees the case without the caller's name, phone,
/// e-mail or address. Actors with no capacity on the case see nothing of it at all.
pub fn sees_caller_identity(case: &Case, actor: &Actor, tenant_path: &[i64]) -> bool {
    let kinds = rights::actor_kinds(actor, case, tenant_path);
    if kinds.is_empty() {
        return false;
    }
    !case.confidential || kinds.contains(&ActorKind::Coordinator)
}

/// The colour of the deadline the case is under now (CASE-6): the focal officer's clock while
/// it runs, the head's once the focal clock stopped at escalation; `Done` when no agency holds
/// the case.
pub fn urgency(
    case: &Case,
    cal: &WorkingCalendar,
    policy: &DeadlinePolicy,
    now: Instant,
) -> Urgency {
    if !case.state.is_with_agency() {
        return Urgency::Done;
    }
    let focal = case.clocks.focal.as_ref();
    let clock = match focal {
        Some(f) if !f.is_stopped() => Some(f),
        _ => case.clocks.head.as_ref(),
    };
    match clock {
        Some(c) => c.urgency(cal, policy, now),
        None if case.state == CaseState::Paused => Urgency::Paused,
        None => Urgency::Done,
    }
}
