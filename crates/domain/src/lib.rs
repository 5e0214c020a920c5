//! The pure core of tongdai.
//!
//! Everything here is a value or a function of values: no database, no HTTP, no SIP, no clock.
//! Callers pass the current instant in (`now: Instant`), which is what makes deadlines,
//! calendars and lock-outs testable with a virtual clock.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod org;
pub mod password;
pub mod phone;
pub mod roster;
pub mod text;
pub mod time;
pub mod totp;

pub use time::Instant;
