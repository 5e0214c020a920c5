//! Cases for staff (CASE-1 … CASE-14, SEC-2, SEC-3): intake, the case page with one form per
//! command the viewer may issue, the queues and lists, routing rules, the logbook, the daily
//! summaries, and the staff API.
//!
//! Who sees a case is decided from the case itself: the domain's rights table gives the viewer
//! a capacity on it (`rights::actor_kinds`) or not; officers keep read access to the cases
//! their agency worked on. Nothing here changes a case except through `CaseService`.

pub mod api;
pub mod intake;
pub mod lists;
pub mod logbook;
pub mod routing;
pub mod schema;
pub mod summaries;
pub mod view;

use crate::auth::{Ctx, refuse};
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use std::collections::HashMap;
use tongdai_cases::CaseError;
use tongdai_domain::case::offer::urgency;
use tongdai_domain::case::{
    self, Actor, ActorKind, Case, CaseKind, CaseState, Channel, Refusal, Urgency,
};
use tongdai_domain::phone::PhoneNumber;
use tongdai_store::org;

/// A case opened by a signed-in user, with what they may see of it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub case: Case,
    pub version: i64,
    pub tenant_path: Vec<i64>,
    pub actor: Actor,
    /// The viewer's capacities on the case (empty for an agency that handled it before).
    pub kinds: Vec<ActorKind>,
    /// Whether the caller's identity may be shown (not for a *tố cáo*, except to the
    /// coordinator).
    pub identity: bool,
}

/// Load a case for the current user, or refuse (audited) when they have no part in it.
pub async fn open(state: &AppState, ctx: &Ctx, id: i64) -> Result<Opened, AppError> {
    let user = ctx.user()?;
    let mut c = state.store.conn().await?;
    let (case, version) = tongdai_store::cases::get(&mut c, id).await?;
    let tenant_path = org::tenant_path(&mut c, case.tenant_id).await?;
    let actor = Actor::staff(&user.principal);
    let kinds = case::rights::actor_kinds(&actor, &case, &tenant_path);
    let identity = if kinds.is_empty() {
        // An agency the case went to before (recalled, re-forwarded) keeps read access.
        let agencies = user.principal.agency_ids();
        if !tongdai_store::cases::went_to_agency(&mut c, id, &agencies).await? {
            drop(c);
            refuse(state, ctx, "CaseRead", &format!("case:{id}")).await;
            return Err(AppError::Forbidden);
        }
        !case.confidential
    } else {
        case::sees_caller_identity(&case, &actor, &tenant_path)
    };
    Ok(Opened {
        case,
        version,
        tenant_path,
        actor,
        kinds,
        identity,
    })
}

/// What a refused or failed case change means for a page.
#[derive(Debug)]
pub enum Failure {
    /// Field problems, by form field name.
    Fields(Vec<(String, String)>),
    /// Not allowed in this state or for this user.
    Rights(String),
    /// Someone changed the case meanwhile.
    Stale(String),
    RateLimited(String),
    Other(AppError),
}

/// Map a service error onto what a form shows.
pub fn failure(e: CaseError) -> Failure {
    match e {
        CaseError::Refused(Refusal::Fields(f)) | CaseError::Intake(f) => Failure::Fields(
            f.errors
                .into_iter()
                .map(|e| (e.field.code().to_owned(), e.message))
                .collect(),
        ),
        CaseError::Refused(Refusal::Invalid { field, message }) => {
            Failure::Fields(vec![(field.to_owned(), message)])
        }
        CaseError::Refused(r) if r.is_rights() => Failure::Rights(r.to_string()),
        CaseError::Refused(r) => Failure::Fields(vec![("_".to_owned(), r.to_string())]),
        CaseError::Upload(u) => Failure::Fields(vec![("attachments".to_owned(), u.to_string())]),
        CaseError::RateLimited => Failure::RateLimited(CaseError::RateLimited.to_string()),
        e if e.is_conflict() => Failure::Stale(e.to_string()),
        CaseError::Store(s) => Failure::Other(s.into()),
    }
}

impl Failure {
    /// As a JSON API error.
    pub fn api(self) -> ApiError {
        match self {
            Failure::Fields(f) => ApiError::Validation(f),
            Failure::Rights(_) => ApiError::App(AppError::Forbidden),
            Failure::Stale(m) => ApiError::App(AppError::Conflict(m)),
            Failure::RateLimited(_) => ApiError::App(AppError::TooManyRequests),
            Failure::Other(e) => ApiError::App(e),
        }
    }
}

/// Names of agencies, fields, tenants and accounts, looked up once per page.
#[derive(Debug, Default)]
pub struct Names {
    pub agencies: HashMap<i64, String>,
    pub fields: HashMap<i64, String>,
    pub tenants: HashMap<i64, String>,
    accounts: HashMap<i64, String>,
}

impl Names {
    pub async fn load(state: &AppState) -> Result<Names, AppError> {
        let mut c = state.store.conn().await?;
        let agencies = org::agencies(&mut c, None)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let fields = org::fields(&mut c)
            .await?
            .into_iter()
            .map(|f| (f.id, f.name))
            .collect();
        let tenants = org::tenants(&mut c)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        Ok(Names {
            agencies,
            fields,
            tenants,
            accounts: HashMap::new(),
        })
    }

    pub fn agency(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.agencies.get(&i).cloned())
            .unwrap_or_default()
    }

    pub fn field(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.fields.get(&i).cloned())
            .unwrap_or_default()
    }

    /// An account's display name (looked up on first use).
    pub async fn account(&mut self, state: &AppState, id: Option<i64>) -> String {
        let Some(id) = id else {
            return String::new();
        };
        if let Some(n) = self.accounts.get(&id) {
            return n.clone();
        }
        let name = match state.store.conn().await {
            Ok(mut c) => tongdai_store::accounts::get(&mut c, id)
                .await
                .map(|a| a.display_name)
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        self.accounts.insert(id, name.clone());
        name
    }
}

/// The text that replaces a confidential caller's identity (SEC-4).
pub const HIDDEN: &str = "(Thông tin người gửi được giữ bí mật)";

/// A stored phone as shown to the viewer: whole, or masked (`0912 *** 678`).
pub fn phone_for(canonical: &str, whole: bool) -> String {
    match PhoneNumber::parse(canonical) {
        Ok(p) if whole => p.display(),
        Ok(p) => p.masked(),
        Err(_) => String::new(),
    }
}

/// A state code's Vietnamese label.
pub fn state_label(code: &str) -> String {
    code.parse::<CaseState>()
        .map(|s| s.label_vi().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

pub fn kind_label(code: &str) -> String {
    code.parse::<CaseKind>()
        .map(|s| s.label_vi().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

pub fn channel_label(code: &str) -> String {
    code.parse::<Channel>()
        .map(|s| s.label_vi().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// The CSS class of an urgency (the colour of a deadline on lists).
pub fn urgency_class(u: Urgency) -> &'static str {
    match u {
        Urgency::Green => "ok",
        Urgency::Amber => "warn",
        Urgency::Red | Urgency::Overdue => "bad",
        Urgency::Paused => "info",
        Urgency::Done => "",
    }
}

/// The urgency of a case now, with its tenant's calendar and policy.
pub async fn urgency_now(state: &AppState, case: &Case) -> Result<Urgency, AppError> {
    let mut c = state.store.conn().await?;
    let tc = state
        .cases
        .tenant_context(&mut c, case.tenant_id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(urgency(
        case,
        &tc.calendar,
        tc.policy.deadlines_for(case.kind),
        state.now(),
    ))
}

/// `?before=<received micros>.<id>` keyset cursors.
pub fn parse_cursor(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

pub fn cursor(at: tongdai_domain::Instant, id: i64) -> String {
    format!("{}.{id}", tongdai_store::micros(at))
}
