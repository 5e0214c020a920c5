//! SIP as the rest of the engine sees it: our own leg identifiers, events and commands.
//! Only [`adapter`] talks to the SIP stack (rsipstack `=0.7.14`), so upgrading it means
//! editing one module and rerunning the interop suite.

pub mod adapter;
pub mod auth;

use std::net::{IpAddr, SocketAddr};

/// One SIP dialog (a call leg) owned by exactly one call actor.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct LegId(pub uuid::Uuid);

impl LegId {
    pub fn new() -> LegId {
        LegId(uuid::Uuid::now_v7())
    }
}

impl Default for LegId {
    fn default() -> Self {
        LegId::new()
    }
}

impl std::fmt::Display for LegId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A new inbound INVITE, already past the guard.
#[derive(Debug, Clone)]
pub struct InboundCall {
    pub leg: LegId,
    pub source: SocketAddr,
    /// User part of the Request-URI.
    pub request_user: String,
    /// User part of To.
    pub to_user: String,
    /// User part of From.
    pub from_user: String,
    /// User part of P-Asserted-Identity, if any.
    pub pai_user: Option<String>,
    /// `Privacy: id` present.
    pub privacy_id: bool,
    pub call_id: String,
    pub sdp: Vec<u8>,
    pub user_agent: Option<String>,
}

/// What happened on a leg (delivered to the owning call actor).
#[derive(Debug)]
pub enum SipLegEvent {
    /// 18x on an outgoing leg (with SDP for early media).
    Provisional { code: u16, sdp: Option<Vec<u8>> },
    /// 200 OK on an outgoing leg (ACK sent) or ACK received for our 200 on an incoming leg.
    Answered { sdp: Option<Vec<u8>> },
    /// Final failure on an outgoing leg.
    Failed { code: u16 },
    /// The caller cancelled an incoming leg before answer.
    Cancelled,
    /// The peer ended the leg (BYE), or the dialog timed out.
    Ended { reason: EndReason },
    /// An in-dialog offer (hold/resume, new address); answer with [`Responder`].
    ReInvite { sdp: Vec<u8>, responder: Responder },
    /// REFER from the peer (blind transfer from a phone); already answered 202.
    Refer { target: String },
    /// SIP INFO `application/dtmf-relay`.
    InfoDtmf { digit: char },
}

/// Why a leg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    RemoteBye,
    LocalBye,
    Timeout,
    Other,
}

/// Answers one in-dialog request (re-INVITE).
pub struct Responder(pub(crate) adapter::ResponderInner);

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Responder")
    }
}

impl Responder {
    /// Reply with `code` and an optional SDP body.
    pub async fn respond(self, code: u16, sdp: Option<String>) {
        self.0.respond(code, sdp).await
    }
}

/// Where an outgoing leg goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTarget {
    /// Request-URI, e.g. `sip:agent1@127.0.0.1:5090` or `sip:0912345678@carrier`.
    pub uri: String,
    /// Where to send the INVITE (registered contact's source address, or the trunk proxy).
    pub destination: SocketAddr,
    /// From user (the hotline number towards the trunk, `tongdai` towards agents).
    pub from_user: String,
    /// Add P-Asserted-Identity with the from user (trunk calls).
    pub assert_identity: bool,
    /// Credentials for a 401/407 challenge.
    pub credentials: Option<(String, String)>,
    /// Ask the phone to answer by itself (`Call-Info: …;answer-after=0`, the console's
    /// answer button): honoured only by phones configured to accept it.
    pub auto_answer: bool,
}

/// How the source of a SIP message is treated by the guard and the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceClass {
    /// A carrier trunk (its id); calls accepted without authentication.
    Trunk(String),
    /// A staff network: phones may REGISTER with digest auth.
    Staff,
    /// Anybody else: silently dropped.
    Unknown,
}

/// What the adapter asks the engine about peers (the engine answers from its loaded data).
pub trait SipPolicy: Send + Sync + std::fmt::Debug {
    fn classify(&self, ip: IpAddr) -> SourceClass;
    /// Whether `ip` is in a staff network (phones may REGISTER from there, even when the
    /// address also belongs to a trunk, as on a one-machine demo).
    fn is_staff(&self, ip: IpAddr) -> bool;
    /// The SIP password of an agent's phone (digest auth).
    fn agent_password(&self, username: &str) -> Option<String>;
    /// True while draining: OPTIONS get 503, new INVITEs get 503.
    fn draining(&self) -> bool;
}
