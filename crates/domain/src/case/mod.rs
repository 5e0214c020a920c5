//! Cases: questions, feedback and petitions (CASE-1 … CASE-14, SEC-4).
//!
//! A case is a value ([`Case`]) that changes in one way only: [`decide`] takes the case, who
//! acts ([`Actor`]), what they ask ([`Command`]) and the context (the instant, the working
//! calendar, the tenant's [`CasePolicy`]) and either refuses with a typed, Vietnamese
//! [`Refusal`] or returns an [`Outcome`]: the new case, the events to append to its history,
//! the deadline-clock effects and the notifications to put in the outbox. [`receive`] does the
//! same for a new case. The store applies an outcome in one transaction; nothing else writes.
//!
//! - [`kind`]: kinds (PAKN and what is not), NĐ 20/2008 content classes, channels, the
//!   standard redirect guidance.
//! - [`intake`]: validating a contact into a [`NewCase`] (every field error at once).
//! - [`code`]: the citizen-facing case code `PA-2026-000123`.
//! - [`state`]: states and the [`Case`] record.
//! - [`command`], [`rights`], [`machine`], [`event`]: what may be asked, by whom, and what
//!   it does.
//! - [`deadline`]: the focal, head and statutory clocks (CASE-6) and urgency colours.
//! - [`mod@redact`]: masking personal data before publication (CASE-10, SEC-4).
//! - [`similar`]: duplicate detection (CASE-14). [`routing`]: agency suggestions (CASE-4).
//! - [`offer`]: what a screen offers an actor (commands, the caller's identity, urgency).

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal / $vi:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The Vietnamese label shown in the UI.
            pub fn label_vi(self) -> &'static str { match self { $($name::$variant => $vi),+ } }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::case::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|k| k.code() == s)
                    .ok_or_else(|| $crate::case::UnknownCode {
                        what: stringify!($name),
                        code: s.chars().take(40).collect(),
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub mod code;
pub mod command;
pub mod deadline;
pub mod event;
mod fields;
pub mod intake;
pub mod kind;
pub mod machine;
pub mod offer;
pub mod redact;
pub mod refusal;
pub mod rights;
pub mod routing;
pub mod similar;
pub mod state;

pub use code::{CaseCode, CodeError, CodeFamily};
pub use command::{CaseField, Command, CommandKind, ExtensionDecision, FieldChange, MergeTarget};
pub use deadline::{
    Budget, Clock, ClockName, ClockUnit, Clocks, DeadlinePolicy, Deadlines, HardLimitMode, Urgency,
};
pub use event::{
    ActorRecord, Audience, ClockEffect, Event, EventDetail, LinkedEvent, Notification,
    NotificationKind,
};
pub use intake::{
    AttachmentMeta, Caller, FieldError, IntakeError, IntakeField, IntakeLimits, NewCase,
    RawAttachment, RawIntake,
};
pub use kind::{CaseKind, Channel, ContentClass};
pub use machine::{CaseIds, CasePolicy, Context, Outcome, Windows, decide, receive};
pub use offer::{allowed_commands, sees_caller_identity};
pub use redact::{MaskKind, Redacted, Subject, redact};
pub use refusal::Refusal;
pub use rights::{Actor, ActorKind, RIGHTS, Right};
pub use routing::{RoutingRule, suggest};
pub use similar::{DuplicateSettings, rank_duplicates, similarity};
pub use state::{Case, CaseState};

/// A code that is not one of an enumeration's values (API input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Giá trị `{code}` không hợp lệ ({what}).")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}
