//! The persistence boundary (design §7, §11). Everything the engine loads or persists goes
//! through [`EngineStore`]; the lead implements it over SQL (tables listed in the crate
//! README), the engine's tests use [`MemoryStore`]. Rows are serde-friendly and carry the
//! field names the API shows.

pub mod admin;
pub mod demo;
mod memory;
pub mod retention;
pub mod secret;
mod sql;

pub use memory::MemoryStore;
pub use secret::SecretKey;
pub use sql::SqlStore;

use crate::acd::strategy::{AgentState, AgentStatus, Strategy};
use crate::cdr::CallRecord;
use crate::flow::Flow;
pub use crate::sip::adapter::Registration;
use crate::trunk::Trunk;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Store failure (the engine logs it and carries on; calls are never dropped for it).
#[derive(Debug, Clone, thiserror::Error)]
#[error("engine store: {0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

/// An agent (operator) with the credentials of their SIP phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRow {
    pub id: String,
    pub display_name: String,
    /// SIP username of the phone (digest auth, `sip:<user>@…`).
    pub sip_username: String,
    /// SIP password (a secret: encrypt at rest in the SQL store).
    pub sip_password: String,
    pub status: AgentStatus,
    pub state: AgentState,
    /// Overrides the queue's wrap-up time.
    pub wrap_up_s: Option<u32>,
}

/// Agent ↔ queue link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    pub agent_id: String,
    pub level: u32,
    pub position: u32,
}

fn d_ring() -> u32 {
    18
}
fn d_wrap() -> u32 {
    10
}
fn d_nna() -> u32 {
    2
}
fn d_rej() -> u32 {
    10
}
fn d_tier() -> u32 {
    30
}
fn d_len() -> u32 {
    200
}
fn d_sl() -> u32 {
    20
}
fn d_ann() -> u32 {
    45
}
fn d_moh() -> String {
    "nhac_cho".into()
}
fn d_aht() -> u32 {
    180
}

/// A queue and its tier links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default = "d_ring")]
    pub ring_timeout_s: u32,
    #[serde(default = "d_wrap")]
    pub wrap_up_s: u32,
    #[serde(default = "d_nna")]
    pub max_no_answer: u32,
    #[serde(default = "d_rej")]
    pub reject_delay_s: u32,
    #[serde(default = "d_tier")]
    pub tier_wait_s: u32,
    #[serde(default = "d_len")]
    pub max_len: u32,
    #[serde(default = "d_sl")]
    pub sl_threshold_s: u32,
    /// Position/ETA announcements every N seconds (0 = never).
    #[serde(default = "d_ann")]
    pub announce_every_s: u32,
    #[serde(default = "d_moh")]
    pub moh_prompt: String,
    /// Let callers join while nobody is logged in.
    #[serde(default)]
    pub join_empty: bool,
    /// Leave to `on_no_agent` when nobody has been logged in for this long (0 = at once).
    #[serde(default)]
    pub no_agent_s: u32,
    /// Assumed average handle time before there is history.
    #[serde(default = "d_aht")]
    pub default_handle_s: u32,
    pub tiers: Vec<TierRow>,
}

/// A caller waiting in a queue (one row per waiting call; any node can see the backlog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntryRow {
    pub call_id: String,
    pub queue_id: String,
    pub node_id: String,
    pub caller_number: String,
    pub enqueued_at: DateTime<Utc>,
    pub priority: i32,
}

/// An append-only call event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEventRow {
    pub call_id: String,
    pub leg_id: Option<String>,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub data: serde_json::Value,
}

/// Recording metadata with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingRow {
    pub id: String,
    pub call_id: String,
    pub path: String,
    pub bytes: u64,
    pub duration_ms: u64,
    pub sha256: String,
    pub prev_chain_hash: Option<String>,
    pub chain_hash: String,
    pub started_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    /// Closed by crash repair rather than at the end of the call.
    pub repaired: bool,
}

/// Why a callback task exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackReason {
    Requested,
    AbandonedInQueue,
    NoAgent,
    OutOfHours,
}

/// A callback task (TEL-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackTaskRow {
    pub id: String,
    pub call_id: String,
    pub number: String,
    pub did: String,
    pub queue_id: Option<String>,
    pub reason: CallbackReason,
    pub created_at: DateTime<Utc>,
}

/// A voicemail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoicemailRow {
    pub id: String,
    pub call_id: String,
    pub number: String,
    pub path: String,
    pub duration_ms: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A node's heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRow {
    pub node_id: String,
    pub sip_addr: String,
    pub heartbeat_at: DateTime<Utc>,
    pub draining: bool,
}

/// What the engine persists and loads. Small on purpose: configuration is read at start
/// and on reload; runtime rows are written as things happen.
#[async_trait::async_trait]
pub trait EngineStore: Send + Sync + std::fmt::Debug {
    // configuration (administrators edit it in the web app)
    async fn flows(&self) -> StoreResult<Vec<Flow>>;
    async fn trunks(&self) -> StoreResult<Vec<Trunk>>;
    async fn agents(&self) -> StoreResult<Vec<AgentRow>>;
    async fn queues(&self) -> StoreResult<Vec<QueueRow>>;

    // agents: status is set by people, state by the engine
    async fn set_agent_status(&self, agent_id: &str, status: &AgentStatus) -> StoreResult<()>;
    /// Atomically reserve an idle agent for a call (`UPDATE agents SET state='offered',
    /// call_id=…, node_id=…, lease_until=… WHERE id=… AND state='idle'`); false when taken.
    async fn reserve_agent(
        &self,
        agent_id: &str,
        call_id: &str,
        node_id: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Set the engine state (and the call it is tied to).
    async fn set_agent_state(
        &self,
        agent_id: &str,
        state: AgentState,
        call_id: Option<&str>,
    ) -> StoreResult<()>;
    /// At start: agents this node had reserved or bridged before it stopped are free again
    /// (the node has no calls yet). Returns how many were released.
    async fn release_node_agents(&self, _node_id: &str) -> StoreResult<u64> {
        Ok(0)
    }

    // queue entries
    async fn put_queue_entry(&self, e: &QueueEntryRow) -> StoreResult<()>;
    async fn remove_queue_entry(&self, call_id: &str) -> StoreResult<()>;

    // calls
    async fn append_call_event(&self, e: &CallEventRow) -> StoreResult<()>;
    /// Insert or replace the CDR (with its legs).
    async fn put_call(&self, c: &CallRecord) -> StoreResult<()>;
    /// In-progress CDRs of a node (to close them as interrupted after a crash).
    async fn open_calls(&self, node_id: &str) -> StoreResult<Vec<CallRecord>>;
    /// Time of the last event of a call.
    async fn last_event_at(&self, call_id: &str) -> StoreResult<Option<DateTime<Utc>>>;

    // recordings, callbacks, voicemail
    /// The chain hash of the newest recording row.
    async fn last_recording_chain_hash(&self) -> StoreResult<Option<String>>;
    async fn put_recording(&self, r: &RecordingRow) -> StoreResult<()>;
    async fn put_callback_task(&self, t: &CallbackTaskRow) -> StoreResult<()>;
    async fn put_voicemail(&self, v: &VoicemailRow) -> StoreResult<()>;

    // phones' registrations, shared by the nodes (design §11: any node rings any phone)
    /// Record the live registrations this node holds, and forget those of its rows that are
    /// not among them (unregistered, or moved to another node). A phone's row belongs to the
    /// node of its latest REGISTER (the later expiry wins).
    async fn sync_registrations(
        &self,
        _node_id: &str,
        _live: &[Registration],
        _now: DateTime<Utc>,
    ) -> StoreResult<()> {
        Ok(())
    }
    /// Live registrations held by the other nodes.
    async fn remote_registrations(
        &self,
        _node_id: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<Vec<Registration>> {
        Ok(Vec::new())
    }

    // nodes
    async fn heartbeat(&self, n: &NodeRow) -> StoreResult<()>;
    /// Nodes whose heartbeat is older than `before`.
    async fn stale_nodes(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>>;
}
