//! The only module that imports the SIP stack (rsipstack `=0.7.14`). It turns transactions
//! and dialogs into our [`SipLegEvent`]s and carries out our leg commands; REGISTER digest
//! authentication, OPTIONS and the guard hook live here too because they touch raw messages.

use super::auth::NonceBook;
use super::{
    EndReason, InboundCall, LegId, OutboundTarget, Responder, SipLegEvent, SipPolicy, SourceClass,
};
use crate::guard::{Guard, MessageFacts, Verdict};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{
    DialogState, DialogStateReceiver, TerminatedReason, TransactionHandle,
};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::HasHeaders;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, SipMessage, StatusCode, Uri};
use rsipstack::transaction::endpoint::{EndpointInner, TransportEventInspector};
use rsipstack::transaction::{EndpointBuilder, Transaction};
use rsipstack::transport::{SipAddr, TransportEvent, TransportLayer, udp::UdpConnection};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Events of all legs of one call actor.
pub type LegEventSender = mpsc::UnboundedSender<(LegId, SipLegEvent)>;

/// Errors of the SIP adapter.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("SIP stack: {0}")]
    Stack(String),
    #[error("unknown leg {0}")]
    UnknownLeg(LegId),
    #[error("bad address or URI: {0}")]
    BadAddress(String),
}

impl From<rsipstack::Error> for SipError {
    fn from(e: rsipstack::Error) -> Self {
        SipError::Stack(e.to_string())
    }
}

/// Transport settings.
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    pub udp: SocketAddr,
    pub tcp: Option<SocketAddr>,
    /// TLS listener with PEM certificate and key.
    pub tls: Option<(SocketAddr, Vec<u8>, Vec<u8>)>,
    /// Address written into Contact headers (the external IP behind NAT).
    pub advertised_ip: IpAddr,
    pub realm: String,
    pub user_agent: String,
}

/// A phone registration (agent's softphone).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    pub username: String,
    /// The Contact URI the phone registered.
    pub contact: String,
    /// Where its REGISTER came from (we send INVITEs there: NAT-safe).
    pub source: SocketAddr,
    pub expires_at_unix: i64,
}

pub(crate) struct ResponderInner {
    handle: TransactionHandle,
}

impl ResponderInner {
    pub(crate) async fn respond(self, code: u16, sdp: Option<String>) {
        let headers = sdp
            .as_ref()
            .map(|_| vec![Header::ContentType("application/sdp".into())]);
        if let Err(e) = self
            .handle
            .respond(StatusCode::from(code), headers, sdp.map(String::into_bytes))
            .await
        {
            tracing::debug!(error = %e, "in-dialog response not sent");
        }
    }
}

/// The SIP side of the engine.
pub struct SipAdapter {
    endpoint: Arc<EndpointInner>,
    dialogs: Arc<DialogLayer>,
    legs: Mutex<HashMap<LegId, InviteDialog>>,
    contact: Uri,
    advertised: SocketAddr,
    realm: String,
    policy: Arc<dyn SipPolicy>,
    guard: Arc<Guard>,
    nonces: NonceBook,
    registrations: Mutex<HashMap<String, Registration>>,
    /// Phones registered with other nodes (read from the shared store): rung when this node's
    /// ACD picks their agent and they are not registered here.
    remote: Mutex<HashMap<String, Registration>>,
    cancel: CancellationToken,
}

impl std::fmt::Debug for SipAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipAdapter")
            .field("advertised", &self.advertised)
            .finish()
    }
}

struct GuardInspector {
    guard: Arc<Guard>,
    policy: Arc<dyn SipPolicy>,
}

#[async_trait::async_trait]
impl TransportEventInspector for GuardInspector {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        let TransportEvent::Incoming(msg, conn, from) = &event else {
            return Some(event);
        };
        let Ok(src) = from.get_socketaddr() else {
            return None;
        };
        let class = self.policy.classify(src.ip());
        let (is_request, method) = match msg {
            SipMessage::Request(r) => (true, r.method.to_string()),
            SipMessage::Response(_) => (false, String::new()),
        };
        let in_dialog = msg
            .to_header()
            .ok()
            .and_then(|t| t.tag().ok().flatten())
            .is_some();
        let ua = msg.header_value("User-Agent");
        let body_len = match msg {
            SipMessage::Request(r) => r.body.len(),
            SipMessage::Response(r) => r.body.len(),
        };
        let size = body_len
            + msg
                .headers()
                .iter()
                .map(|h| h.to_string().len() + 2)
                .sum::<usize>();
        let facts = MessageFacts {
            source: src.ip(),
            class: &class,
            is_request,
            method: &method,
            in_dialog,
            user_agent: ua.as_deref(),
            size,
            headers: msg.headers().len(),
        };
        match self.guard.check(&facts, Instant::now()) {
            Verdict::Accept => Some(event),
            Verdict::Drop => None,
            Verdict::Busy => {
                if let SipMessage::Request(req) = msg {
                    let resp = busy_response(req);
                    conn.send(resp.into(), Some(from)).await.ok();
                }
                None
            }
        }
    }
}

/// 503 + Retry-After for a known peer over its rate limit (built without a transaction).
fn busy_response(req: &rsipstack::sip::Request) -> rsipstack::sip::Response {
    let mut headers = req.headers.clone();
    headers.retain(|h| {
        matches!(
            h,
            Header::Via(_) | Header::CallId(_) | Header::From(_) | Header::To(_) | Header::CSeq(_)
        )
    });
    headers.push(Header::RetryAfter("5".into()));
    headers.push(Header::ContentLength(0u32.into()));
    rsipstack::sip::Response {
        status_code: StatusCode::ServiceUnavailable,
        wire_reason: None,
        version: *req.version(),
        headers,
        body: vec![],
    }
}

fn user_of(v: &str) -> String {
    // `"Name" <sip:user@host;p>;tag=x` -> user ; tolerant of tel: and bare forms
    let inner = match (v.find('<'), v.find('>')) {
        (Some(a), Some(b)) if b > a => &v[a + 1..b],
        _ => v.split(';').next().unwrap_or(v),
    };
    let inner = inner.trim();
    let rest = inner
        .strip_prefix("sip:")
        .or_else(|| inner.strip_prefix("sips:"))
        .or_else(|| inner.strip_prefix("tel:"))
        .unwrap_or(inner);
    let user = match rest.find('@') {
        Some(i) => &rest[..i],
        None if inner.starts_with("tel:") => rest.split(';').next().unwrap_or(""),
        None => "",
    };
    user.split(';')
        .next()
        .unwrap_or("")
        .chars()
        .take(64)
        .collect()
}

/// The SIP parser entry point the transport uses for every datagram (exposed for the
/// fuzz/property tests: it must never panic on any input).
pub fn parse_message(bytes: &[u8]) -> bool {
    SipMessage::try_from(bytes).is_ok()
}

/// Test hook: the user-part extraction the adapter applies to From/To/PAI.
pub fn header_user(v: &str) -> String {
    user_of(v)
}

impl SipAdapter {
    /// Bind the transports and start serving. Returns the adapter and the inbound-call stream.
    pub async fn start(
        cfg: AdapterConfig,
        policy: Arc<dyn SipPolicy>,
        guard: Arc<Guard>,
        cancel: CancellationToken,
    ) -> Result<(Arc<SipAdapter>, mpsc::Receiver<InboundCall>), SipError> {
        // rustls panics on first TLS use when two crypto providers are linked; pick ring.
        let _ = rustls_provider();
        let transport = TransportLayer::new(cancel.child_token());
        let external = SocketAddr::new(cfg.advertised_ip, cfg.udp.port());
        let udp =
            UdpConnection::create_connection(cfg.udp, Some(external), Some(cancel.child_token()))
                .await?;
        let bound = udp.get_addr().get_socketaddr()?;
        transport.add_transport(udp.into());
        if let Some(tcp) = cfg.tcp {
            let l = rsipstack::transport::TcpListenerConnection::new(tcp, None).await?;
            transport.add_transport(l.into());
        }
        if let Some((addr, cert, key)) = cfg.tls.clone() {
            let tls = rsipstack::transport::tls::TlsConfig {
                cert: Some(cert),
                key: Some(key),
                ..Default::default()
            };
            let l = rsipstack::transport::tls::TlsListenerConnection::new(addr, None, tls).await?;
            transport.add_transport(l.into());
        }
        let endpoint = EndpointBuilder::new()
            .with_user_agent(&cfg.user_agent)
            .with_cancel_token(cancel.child_token())
            .with_transport_layer(transport)
            .with_transport_inspector(Box::new(GuardInspector {
                guard: guard.clone(),
                policy: policy.clone(),
            }))
            .with_allows(vec![
                Method::Invite,
                Method::Ack,
                Method::Cancel,
                Method::Bye,
                Method::Options,
                Method::Info,
                Method::Refer,
                Method::Notify,
                Method::Update,
                Method::Register,
            ])
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let inner = endpoint.inner.clone();
        let dialogs = Arc::new(DialogLayer::new(inner.clone()));
        let advertised = SocketAddr::new(cfg.advertised_ip, bound.port());
        let contact = Uri::try_from(format!("sip:tongdai@{advertised}").as_str())
            .map_err(|e| SipError::BadAddress(e.to_string()))?;
        let adapter = Arc::new(SipAdapter {
            endpoint: inner.clone(),
            dialogs,
            legs: Mutex::new(HashMap::new()),
            contact,
            advertised,
            realm: cfg.realm.clone(),
            policy,
            guard,
            nonces: NonceBook::new(Duration::from_secs(300), 10_000),
            registrations: Mutex::new(HashMap::new()),
            remote: Mutex::new(HashMap::new()),
            cancel: cancel.clone(),
        });
        let serve = inner.clone();
        tokio::spawn(async move {
            if let Err(e) = serve.serve().await {
                tracing::error!(error = %e, "SIP endpoint stopped");
            }
        });
        let (calls_tx, calls_rx) = mpsc::channel(1024);
        let a = adapter.clone();
        tokio::spawn(async move { a.incoming_loop(incoming, calls_tx).await });
        tracing::info!(listen = %bound, advertised = %advertised, "SIP adapter listening");
        Ok((adapter, calls_rx))
    }

    /// Address (advertised IP + bound UDP port) used in Contact headers.
    pub fn advertised(&self) -> SocketAddr {
        self.advertised
    }

    /// Open legs (for the leak checks of the tests).
    pub fn leg_count(&self) -> usize {
        self.legs.lock().map(|g| g.len()).unwrap_or(0)
    }

    /// Dialogs the stack still holds.
    pub fn dialog_count(&self) -> usize {
        self.dialogs.len()
    }

    /// Currently registered phones.
    pub fn registrations(&self) -> Vec<Registration> {
        let now = chrono::Utc::now().timestamp();
        let g = self.registrations.lock().unwrap_or_else(|e| e.into_inner());
        g.values()
            .filter(|r| r.expires_at_unix > now)
            .cloned()
            .collect()
    }

    /// The registration of one agent's phone, if live: its binding with this node, else one
    /// with another node (see [`SipAdapter::set_remote_registrations`]).
    pub fn registration(&self, username: &str) -> Option<Registration> {
        let now = chrono::Utc::now().timestamp();
        let local = {
            let g = self.registrations.lock().unwrap_or_else(|e| e.into_inner());
            g.get(username).filter(|r| r.expires_at_unix > now).cloned()
        };
        local.or_else(|| {
            let g = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            g.get(username).filter(|r| r.expires_at_unix > now).cloned()
        })
    }

    /// Replace what this node knows of the phones registered with other nodes.
    pub fn set_remote_registrations(&self, remote: Vec<Registration>) {
        let mut g = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        *g = remote
            .into_iter()
            .map(|r| (r.username.clone(), r))
            .collect();
    }

    async fn incoming_loop(
        self: Arc<Self>,
        mut incoming: rsipstack::transaction::TransactionReceiver,
        calls: mpsc::Sender<InboundCall>,
    ) {
        loop {
            let tx = tokio::select! {
                _ = self.cancel.cancelled() => break,
                tx = incoming.recv() => match tx { Some(tx) => tx, None => break },
            };
            let a = self.clone();
            let calls = calls.clone();
            tokio::spawn(async move { a.on_transaction(tx, calls).await });
        }
    }

    async fn on_transaction(
        self: Arc<Self>,
        mut tx: Transaction,
        calls: mpsc::Sender<InboundCall>,
    ) {
        let source = tx
            .connection
            .as_ref()
            .and_then(|c| c.get_remote_addr().and_then(|a| a.get_socketaddr().ok()))
            .or_else(|| {
                rsipstack::transport::SipConnection::get_destination(&SipMessage::Request(
                    tx.original.clone(),
                ))
                .ok()
            });
        let has_to_tag = tx
            .original
            .to_header()
            .ok()
            .and_then(|t| t.tag().ok().flatten())
            .is_some();
        if has_to_tag {
            if let Some(mut d) = self.dialogs.match_dialog(&tx) {
                if let Err(e) = d.handle(&mut tx).await {
                    tracing::debug!(error = %e, "in-dialog request failed");
                }
            } else if tx.original.method != Method::Ack {
                tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok();
            }
            return;
        }
        match tx.original.method {
            Method::Invite => self.on_invite(tx, source, calls).await,
            Method::Options => {
                let code = if self.policy.draining() {
                    StatusCode::ServiceUnavailable
                } else {
                    StatusCode::OK
                };
                let headers = vec![
                    Header::Allow(
                        "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE".into(),
                    ),
                    Header::Accept("application/sdp, application/dtmf-relay".into()),
                ];
                tx.reply_with(code, headers, None).await.ok();
            }
            Method::Register => self.on_register(tx, source).await,
            Method::Ack => {}
            _ => {
                tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok();
            }
        }
    }

    async fn on_register(&self, mut tx: Transaction, source: Option<SocketAddr>) {
        let Some(source) = source else { return };
        if !self.policy.is_staff(source.ip()) {
            tx.reply(StatusCode::Forbidden).await.ok();
            return;
        }
        let user = tx
            .original
            .to_header()
            .map(|t| user_of(&t.to_string()))
            .unwrap_or_default();
        let auth = tx.original.header_value("Authorization");
        let verified = match (auth, self.policy.agent_password(&user)) {
            (Some(a), Some(password)) => {
                let value = a.trim_start_matches("Authorization:").trim().to_string();
                match rsipstack::sip::typed::Authorization::parse(&value) {
                    Ok(parsed) => {
                        let method = Method::Register;
                        parsed.username == user
                            && parsed.realm == self.realm
                            && self.nonces.is_valid(&parsed.nonce)
                            && rsipstack::sip::DigestGenerator::from(&parsed, &password, &method)
                                .verify(&parsed.response)
                    }
                    Err(_) => false,
                }
            }
            (Some(_), None) => false,
            (None, _) => {
                self.challenge(&mut tx).await;
                return;
            }
        };
        if !verified {
            self.guard.auth_failed(source.ip(), Instant::now());
            tracing::warn!(%source, %user, "REGISTER with wrong credentials");
            self.challenge(&mut tx).await;
            return;
        }
        self.guard.auth_succeeded(source.ip());
        let expires = tx
            .original
            .header_value("Expires")
            .and_then(|v| v.trim_start_matches("Expires:").trim().parse::<i64>().ok())
            .or_else(|| {
                tx.original.header_value("Contact").and_then(|c| {
                    c.split(';').find_map(|p| {
                        p.trim()
                            .strip_prefix("expires=")
                            .and_then(|v| v.trim().parse().ok())
                    })
                })
            })
            .unwrap_or(3600)
            .clamp(0, 7200);
        let contact = tx.original.header_value("Contact").unwrap_or_default();
        {
            let mut g = self.registrations.lock().unwrap_or_else(|e| e.into_inner());
            if expires == 0 {
                g.remove(&user);
            } else {
                g.insert(
                    user.clone(),
                    Registration {
                        username: user.clone(),
                        contact: contact.clone(),
                        source,
                        expires_at_unix: chrono::Utc::now().timestamp() + expires,
                    },
                );
            }
        }
        tracing::info!(%user, %source, expires, "phone registered");
        let headers = vec![Header::Expires((expires as u32).into())];
        tx.reply_with(StatusCode::OK, headers, None).await.ok();
    }

    async fn challenge(&self, tx: &mut Transaction) {
        let nonce = self.nonces.issue();
        let h = format!(
            "Digest realm=\"{}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"",
            self.realm, nonce
        );
        tx.reply_with(
            StatusCode::Unauthorized,
            vec![Header::WwwAuthenticate(h.into())],
            None,
        )
        .await
        .ok();
    }

    async fn on_invite(
        self: Arc<Self>,
        mut tx: Transaction,
        source: Option<SocketAddr>,
        calls: mpsc::Sender<InboundCall>,
    ) {
        let Some(source) = source else { return };
        match self.policy.classify(source.ip()) {
            SourceClass::Trunk(_) => {}
            // phones may not place calls through the engine (toll fraud); strangers never get here
            _ => {
                tx.reply(StatusCode::Forbidden).await.ok();
                return;
            }
        }
        if self.policy.draining() {
            tx.reply(StatusCode::ServiceUnavailable).await.ok();
            return;
        }
        let leg = LegId::new();
        let (state_tx, state_rx) = self.dialogs.new_dialog_state_channel();
        let dialog = match self.dialogs.get_or_create_server_invite(
            &tx,
            state_tx,
            None,
            Some(self.contact.clone()),
        ) {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!(error = %e, "cannot create dialog");
                tx.reply(StatusCode::BadRequest).await.ok();
                return;
            }
        };
        let req = &tx.original;
        let hv = |n: &str| req.header_value(n);
        let call = InboundCall {
            leg,
            source,
            request_user: user_of(&req.uri.to_string()),
            to_user: hv("To").map(|v| user_of(&v)).unwrap_or_default(),
            from_user: hv("From").map(|v| user_of(&v)).unwrap_or_default(),
            pai_user: hv("P-Asserted-Identity")
                .map(|v| user_of(&v))
                .filter(|u| !u.is_empty()),
            privacy_id: hv("Privacy").is_some_and(|p| p.to_ascii_lowercase().contains("id")),
            call_id: req
                .call_id_header()
                .map(|c| c.value().to_string())
                .unwrap_or_default(),
            sdp: req.body.clone(),
            user_agent: hv("User-Agent"),
        };
        self.legs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(leg, dialog.clone());
        // the call actor attaches its event channel with `attach`; until then events queue here
        let pending = PendingEvents::new();
        PENDING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(leg, pending.clone());
        let a = self.clone();
        tokio::spawn(async move { a.translate_server(leg, state_rx, pending).await });
        if calls.try_send(call).is_err() {
            tracing::warn!("engine busy: inbound call refused");
            dialog
                .reject(Some(StatusCode::ServiceUnavailable), None)
                .ok();
        }
        let mut d = dialog;
        if let Err(e) = d.handle(&mut tx).await {
            tracing::debug!(error = %e, "INVITE transaction ended with error");
        }
    }

    /// Route the events of an inbound leg to its call actor.
    pub fn attach(&self, leg: LegId, events: LegEventSender) {
        if let Some(p) = PENDING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&leg)
        {
            p.attach(leg, events);
        }
    }

    async fn translate_server(
        self: Arc<Self>,
        leg: LegId,
        mut rx: DialogStateReceiver,
        out: PendingEvents,
    ) {
        let mut answered = false;
        while let Some(st) = rx.recv().await {
            match st {
                DialogState::Confirmed(..) => {
                    if !answered {
                        answered = true;
                        out.send(leg, SipLegEvent::Answered { sdp: None });
                    }
                }
                DialogState::Terminated(_, reason) => {
                    let ev = match reason {
                        TerminatedReason::UacCancel => SipLegEvent::Cancelled,
                        TerminatedReason::UacBye => SipLegEvent::Ended {
                            reason: EndReason::RemoteBye,
                        },
                        TerminatedReason::UasBye => SipLegEvent::Ended {
                            reason: EndReason::LocalBye,
                        },
                        TerminatedReason::Timeout => SipLegEvent::Ended {
                            reason: EndReason::Timeout,
                        },
                        _ => SipLegEvent::Ended {
                            reason: EndReason::Other,
                        },
                    };
                    out.send(leg, ev);
                    break;
                }
                other => self.in_dialog(leg, other, &out).await,
            }
        }
        self.forget(leg);
    }

    async fn in_dialog(&self, leg: LegId, st: DialogState, out: &PendingEvents) {
        match st {
            DialogState::Updated(_, req, handle) => {
                if req.body.is_empty() && req.method == Method::Update {
                    handle.reply(StatusCode::OK).await.ok();
                } else {
                    out.send(
                        leg,
                        SipLegEvent::ReInvite {
                            sdp: req.body.clone(),
                            responder: Responder(ResponderInner { handle }),
                        },
                    );
                }
            }
            DialogState::Info(_, req, handle) => {
                let body = String::from_utf8_lossy(&req.body).to_string();
                handle.reply(StatusCode::OK).await.ok();
                if let Some(digit) = crate::media::dtmf::parse_dtmf_relay(&body) {
                    out.send(leg, SipLegEvent::InfoDtmf { digit });
                }
            }
            DialogState::Refer(_, req, handle) => {
                let target = req
                    .header_value("Refer-To")
                    .map(|v| v.trim_start_matches("Refer-To:").trim().to_string());
                match target {
                    Some(t) => {
                        handle.reply(StatusCode::Accepted).await.ok();
                        out.send(
                            leg,
                            SipLegEvent::Refer {
                                target: user_of(&t),
                            },
                        );
                    }
                    None => {
                        handle.reply(StatusCode::BadRequest).await.ok();
                    }
                }
            }
            DialogState::Options(_, _, handle)
            | DialogState::Notify(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                handle.reply(StatusCode::OK).await.ok();
            }
            _ => {}
        }
    }

    fn forget(&self, leg: LegId) {
        let d = self
            .legs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&leg);
        if let Some(d) = d {
            self.dialogs.remove_dialog(&d.id());
        }
        PENDING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&leg);
    }

    fn dialog(&self, leg: LegId) -> Result<InviteDialog, SipError> {
        self.legs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&leg)
            .cloned()
            .ok_or(SipError::UnknownLeg(leg))
    }

    /// 180 Ringing on an inbound leg.
    pub fn ringing(&self, leg: LegId) -> Result<(), SipError> {
        Ok(self.dialog(leg)?.ringing(None, None)?)
    }

    /// 200 OK with our SDP answer on an inbound leg.
    pub fn answer(&self, leg: LegId, sdp: String) -> Result<(), SipError> {
        let headers = vec![Header::ContentType("application/sdp".into())];
        Ok(self
            .dialog(leg)?
            .accept(Some(headers), Some(sdp.into_bytes()))?)
    }

    /// Refuse an inbound leg before answer.
    pub fn reject(&self, leg: LegId, code: u16) -> Result<(), SipError> {
        Ok(self
            .dialog(leg)?
            .reject(Some(StatusCode::from(code)), None)?)
    }

    /// End a leg whatever its state: CANCEL a ringing outgoing leg, BYE an answered one,
    /// 480 an unanswered inbound one.
    pub async fn hangup(&self, leg: LegId) -> Result<(), SipError> {
        let d = self.dialog(leg)?;
        let state = d.state();
        let confirmed = matches!(
            state,
            DialogState::Confirmed(..)
                | DialogState::WaitAck(..)
                | DialogState::Updated(..)
                | DialogState::Info(..)
                | DialogState::Refer(..)
                | DialogState::Options(..)
                | DialogState::Notify(..)
        );
        if matches!(state, DialogState::Terminated(..)) {
            self.forget(leg);
            return Ok(());
        }
        match d.role() {
            rsipstack::transaction::key::TransactionRole::Client => {
                if confirmed {
                    d.bye().await?;
                } else {
                    d.cancel().await?;
                }
            }
            rsipstack::transaction::key::TransactionRole::Server => {
                if confirmed {
                    d.bye().await?;
                } else {
                    d.reject(Some(StatusCode::TemporarilyUnavailable), None)?;
                }
            }
        }
        Ok(())
    }

    /// Send an out-of-dialog OPTIONS to `dest` (trunk keep-alive); the final status code, or
    /// `None` when nothing answered within `wait`.
    pub async fn options_ping(&self, dest: SocketAddr, wait: Duration) -> Option<u16> {
        let branch = format!(
            "z9hG4bK-{}",
            data_encoding::HEXLOWER.encode(&rand::random::<[u8; 8]>())
        );
        let tag = data_encoding::HEXLOWER.encode(&rand::random::<[u8; 4]>());
        let call_id = format!("{}@tongdai", uuid::Uuid::new_v4());
        let text = format!(
            "OPTIONS sip:{dest} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch={branch};rport\r\nFrom: <sip:tongdai@{me}>;tag={tag}\r\nTo: <sip:{dest}>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContact: <sip:tongdai@{me}>\r\nContent-Length: 0\r\n\r\n",
            me = self.advertised
        );
        let req = rsipstack::sip::Request::try_from(text.as_str()).ok()?;
        let key = rsipstack::transaction::key::TransactionKey::from_request(
            &req,
            rsipstack::transaction::key::TransactionRole::Client,
        )
        .ok()?;
        let mut tx = Transaction::new_client(key, req, self.endpoint.clone(), None);
        tx.destination = Some(SipAddr::from(dest));
        tx.send().await.ok()?;
        let fut = async {
            while let Some(msg) = tx.receive().await {
                if let SipMessage::Response(r) = msg
                    && r.status_code.kind() != rsipstack::sip::StatusCodeKind::Provisional
                {
                    return Some(u16::from(r.status_code));
                }
            }
            None
        };
        tokio::time::timeout(wait, fut).await.ok().flatten()
    }

    /// Keep a registration at a carrier's registrar (RFC 3261 §10: REGISTER with digest auth
    /// on 401/407, refresh at 75 % of the granted expiry, exponential back-off on failure).
    /// `on_state(true)` after each successful REGISTER, `on_state(false)` after each failure.
    /// Runs until `cancel`.
    pub async fn keep_registered(
        &self,
        registrar: &str,
        username: &str,
        password: &str,
        expires: u32,
        cancel: CancellationToken,
        mut on_state: impl FnMut(bool) + Send,
    ) -> Result<(), SipError> {
        let server = Uri::try_from(format!("sip:{registrar}").as_str())
            .map_err(|e| SipError::BadAddress(e.to_string()))?;
        let cred = Credential {
            username: username.into(),
            password: password.into(),
            realm: None,
            auth_username: None,
        };
        let mut reg =
            rsipstack::dialog::registration::Registration::new(self.endpoint.clone(), Some(cred));
        reg.keep_alive(server, expires, cancel, |outcome| {
            on_state(matches!(
                outcome,
                rsipstack::dialog::registration::RefreshOutcome::Registered(_)
            ))
        })
        .await;
        Ok(())
    }

    /// NOTIFY the REFER subscription of a leg (`sipfrag` status); `terminated` closes it.
    pub async fn notify_refer(
        &self,
        leg: LegId,
        code: u16,
        terminated: bool,
    ) -> Result<(), SipError> {
        let d = self.dialog(leg)?;
        let state = if terminated {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        d.notify_refer(StatusCode::from(code), state).await?;
        Ok(())
    }

    /// Place an outgoing INVITE; events arrive on `events` tagged with the new leg id.
    pub fn invite(
        self: &Arc<Self>,
        leg: LegId,
        target: &OutboundTarget,
        sdp: String,
        events: LegEventSender,
    ) -> Result<LegId, SipError> {
        let bad = |e: rsipstack::sip::Error| SipError::BadAddress(e.to_string());
        let caller =
            Uri::try_from(format!("sip:{}@{}", target.from_user, self.advertised).as_str())
                .map_err(bad)?;
        let callee = Uri::try_from(target.uri.as_str()).map_err(bad)?;
        let mut headers = vec![];
        if target.assert_identity {
            headers.push(Header::Other(
                "P-Asserted-Identity".into(),
                format!("<sip:{}@{}>", target.from_user, self.advertised),
            ));
        }
        if target.auto_answer {
            // Call-Info answer-after (RFC 3261's header with the BroadSoft parameter) is what
            // most desk phones and softphones honour; Alert-Info's alert-autoanswer is the
            // older form some (Snom, Yealink, AudioCodes) still look for.
            headers.push(Header::Other(
                "Call-Info".into(),
                format!("<sip:{}>;answer-after=0", self.advertised),
            ));
            headers.push(Header::Other(
                "Alert-Info".into(),
                format!("<sip:{}>;info=alert-autoanswer;delay=0", self.advertised),
            ));
        }
        let opt = InviteOption {
            caller,
            callee,
            destination: Some(SipAddr::from(target.destination)),
            content_type: Some("application/sdp".into()),
            offer: Some(sdp.into_bytes()),
            contact: self.contact.clone(),
            credential: target.credentials.as_ref().map(|(u, p)| Credential {
                username: u.clone(),
                password: p.clone(),
                realm: None,
                auth_username: None,
            }),
            headers: Some(headers),
            ..Default::default()
        };
        let (state_tx, state_rx) = self.dialogs.new_dialog_state_channel();
        let (dialog, join) = self.dialogs.do_invite_async(opt, state_tx)?;
        self.legs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(leg, dialog);
        let a = self.clone();
        tokio::spawn(async move { a.translate_client(leg, state_rx, join, events).await });
        Ok(leg)
    }

    async fn translate_client(
        self: Arc<Self>,
        leg: LegId,
        mut rx: DialogStateReceiver,
        join: tokio::task::JoinHandle<rsipstack::dialog::invitation::InviteAsyncResult>,
        events: LegEventSender,
    ) {
        let out = PendingEvents::attached(leg, events);
        let mut join = Some(join);
        let mut answered = false;
        let mut finished = false;
        loop {
            tokio::select! {
                r = async { join.as_mut().expect("polled only while Some").await }, if join.is_some() => {
                    join = None;
                    match r {
                        Ok(Ok((_, Some(resp)))) if resp.status_code.kind() == rsipstack::sip::StatusCodeKind::Successful => {
                            answered = true;
                            out.send(leg, SipLegEvent::Answered { sdp: Some(resp.body.clone()) });
                        }
                        Ok(Ok((_, Some(resp)))) => {
                            finished = true;
                            out.send(leg, SipLegEvent::Failed { code: u16::from(resp.status_code) });
                        }
                        Ok(Ok((_, None))) => { finished = true; out.send(leg, SipLegEvent::Failed { code: 487 }); }
                        Ok(Err(e)) => {
                            finished = true;
                            let code = match &e { rsipstack::Error::DialogError(_, _, c) => u16::from(c.clone()), _ => 408 };
                            out.send(leg, SipLegEvent::Failed { code });
                        }
                        Err(_) => { finished = true; out.send(leg, SipLegEvent::Failed { code: 500 }); }
                    }
                    if finished { break; }
                }
                st = rx.recv() => {
                    let Some(st) = st else { break };
                    match st {
                        DialogState::Early(_, resp) => {
                            let sdp = (!resp.body.is_empty()).then(|| resp.body.clone());
                            out.send(leg, SipLegEvent::Provisional { code: u16::from(resp.status_code), sdp });
                        }
                        DialogState::Terminated(_, reason) => {
                            if answered {
                                let r = match reason {
                                    TerminatedReason::UasBye => EndReason::RemoteBye,
                                    TerminatedReason::UacBye => EndReason::LocalBye,
                                    TerminatedReason::Timeout => EndReason::Timeout,
                                    _ => EndReason::Other,
                                };
                                out.send(leg, SipLegEvent::Ended { reason: r });
                                break;
                            }
                            // before the answer the join result reports the failure
                        }
                        other => self.in_dialog(leg, other, &out).await,
                    }
                }
            }
        }
        if let Some(j) = join {
            // wait for the INVITE transaction to finish so its dialog is gone before we forget it
            let _ = tokio::time::timeout(Duration::from_secs(40), j).await;
        }
        self.forget(leg);
    }
}

/// Events of an inbound leg that arrive before its call actor attached.
#[derive(Clone)]
struct PendingEvents(Arc<Mutex<PendingState>>);

enum PendingState {
    Queued(Vec<(LegId, SipLegEvent)>),
    Attached(LegEventSender),
}

impl PendingEvents {
    fn new() -> Self {
        PendingEvents(Arc::new(Mutex::new(PendingState::Queued(Vec::new()))))
    }
    fn attached(_leg: LegId, tx: LegEventSender) -> Self {
        PendingEvents(Arc::new(Mutex::new(PendingState::Attached(tx))))
    }
    fn send(&self, leg: LegId, ev: SipLegEvent) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *g {
            PendingState::Queued(q) => {
                if q.len() < 64 {
                    q.push((leg, ev));
                }
            }
            PendingState::Attached(tx) => {
                let _ = tx.send((leg, ev));
            }
        }
    }
    fn attach(&self, _leg: LegId, tx: LegEventSender) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let PendingState::Queued(q) = &mut *g {
            for ev in q.drain(..) {
                let _ = tx.send(ev);
            }
        }
        *g = PendingState::Attached(tx);
    }
}

static PENDING: std::sync::LazyLock<Mutex<HashMap<LegId, PendingEvents>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

/// Install ring as rustls' process-wide crypto provider (once): rustls panics on the first
/// TLS connection when two providers are linked and none was chosen.
fn rustls_provider() -> bool {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DONE.get_or_init(|| {
        rustls::crypto::ring::default_provider()
            .install_default()
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_part_extraction() {
        assert_eq!(
            user_of("\"Citizen\" <sip:0912345678@10.0.0.1:5060;user=phone>;tag=abc"),
            "0912345678"
        );
        assert_eq!(user_of("sip:1800888880@127.0.0.1:5060"), "1800888880");
        assert_eq!(user_of("<tel:+84912345678>"), "+84912345678");
        assert_eq!(user_of("<sip:127.0.0.1>"), "");
        assert_eq!(user_of(""), "");
        assert_eq!(user_of("<<<>>>@@"), "");
    }

    proptest::proptest! {
        #[test]
        fn user_of_never_panics(s in ".{0,80}") {
            let _ = user_of(&s);
        }
    }
}
