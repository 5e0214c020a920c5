//! tongdai's telephony engine: a B2BUA with media anchored in the engine (design:
//! `docs`/telephony.md). Requirements TEL-1…TEL-8, TEL-11, SEC-3, SEC-5.
//!
//! Layers, outside in: [`sip::adapter`] (the only user of the SIP stack) and [`guard`];
//! [`media`] (RTP, G.711, DTMF, pacer, prompts, relay); one call actor per call
//! ([`call`]) running the DID's [`flow`], asking the [`acd`] for agents, writing the
//! [`recording`] and the [`cdr`]; [`api`] events and commands for the console; [`store`]
//! is the persistence boundary the SQL store implements.

pub mod acd;
pub mod api;
pub mod call;
pub mod cdr;
pub mod clock;
pub mod engine;
pub mod flow;
pub mod guard;
pub mod media;
pub mod recording;
pub mod sdp;
pub mod settings;
pub mod sip;
pub mod store;
pub mod trunk;
pub mod vi_numbers;

pub use clock::{Clock, FixedHours, HoursOverride, OpenHours};
pub use engine::{Engine, EngineConfig, EngineError, EngineHandle, EngineStats};
pub use store::{EngineStore, MemoryStore, SecretKey, SqlStore};
