//! Telephony in the web application (issue 5): administration of flows, queues, agents,
//! trunks and prompts (TEL-2, TEL-3), call records (TEL-8), recordings (TEL-7, SEC-3), and
//! the console's events and commands (TEL-9 groundwork).

pub mod admin;
pub mod api;
pub mod callbacks;
pub mod calls;
pub mod events;
pub mod recordings;
pub mod schema;
mod state;

pub use state::{Telephony, valid_prompt_id};
