//! The engine entry point: [`Engine::start`] binds SIP and RTP, loads flows, trunks, agents
//! and queues from the store, closes calls a crash left open, and returns an
//! [`EngineHandle`] (events, commands, statistics, graceful shutdown).

use crate::acd::runtime::{Acd, OfferOutcome};
use crate::acd::strategy::AgentStatus;
use crate::api::{Command, CommandErrorCode, CommandReply, CommandRequest, EngineEvent, EventKind};
use crate::call::{self, CallMsg};
use crate::clock::{Clock, HoursOverride, OpenHours};
use crate::flow::Flow;
use crate::guard::{Guard, GuardLimits, GuardStats};
use crate::media::leg::PortPool;
use crate::media::pacer::Pacer;
use crate::media::prompt::PromptSet;
use crate::sip::adapter::{AdapterConfig, SipAdapter};
use crate::sip::{SipPolicy, SourceClass};
use crate::store::{EngineStore, NodeRow};
use crate::trunk::{Cidr, Trunk};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// Engine settings (the binary fills them from its configuration and `TONGDAI_SIP_LISTEN`).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub node_id: String,
    /// SIP over UDP (default `127.0.0.1:5060`).
    pub sip_udp: SocketAddr,
    /// SIP over TCP (usually the same address).
    pub sip_tcp: Option<SocketAddr>,
    /// SIP over TLS: address, certificate PEM path, key PEM path.
    pub sip_tls: Option<(SocketAddr, PathBuf, PathBuf)>,
    /// IP written into Contact and SDP (external address behind NAT); default: the listen IP.
    pub advertised_ip: Option<IpAddr>,
    /// IP the RTP sockets bind to.
    pub rtp_ip: IpAddr,
    /// RTP port range (even ports, one per leg).
    pub rtp_ports: (u16, u16),
    pub recordings_dir: PathBuf,
    pub prompts_dir: PathBuf,
    /// Generate missing demo prompts with espeak-ng + sox at start.
    pub generate_prompts: bool,
    /// Networks agents' phones register from.
    pub staff_networks: Vec<Cidr>,
    pub guard: GuardLimits,
    pub realm: String,
    /// End a call when a leg not on hold sends nothing for this long.
    pub rtp_timeout_s: u32,
    /// Concurrent calls on this node.
    pub max_calls: usize,
    /// Record answered calls (TEL-7).
    pub record_calls: bool,
    /// OPTIONS keep-alive towards each trunk's proxy (down after 3 misses, up after 2 answers).
    pub trunk_options_interval_s: u32,
    /// How often (seconds) phones' registrations are shared with the other nodes.
    pub registration_sync_s: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            node_id: "node-1".into(),
            sip_udp: "127.0.0.1:5060"
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 5060))),
            sip_tcp: None,
            sip_tls: None,
            advertised_ip: None,
            rtp_ip: IpAddr::from([127, 0, 0, 1]),
            rtp_ports: (30000, 40000),
            recordings_dir: PathBuf::from("data/recordings"),
            prompts_dir: PathBuf::from("data/prompts"),
            generate_prompts: true,
            staff_networks: vec![Cidr {
                addr: IpAddr::from([127, 0, 0, 1]),
                prefix: 8,
            }],
            guard: GuardLimits::default(),
            realm: "tongdai".into(),
            rtp_timeout_s: 60,
            max_calls: 2000,
            record_calls: true,
            trunk_options_interval_s: 30,
            registration_sync_s: 2,
        }
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Sip(#[from] crate::sip::adapter::SipError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Prompt(#[from] crate::media::prompt::PromptError),
    #[error("flow {flow} is invalid: {errors}")]
    InvalidFlow { flow: String, errors: String },
    #[error("{0}")]
    Io(String),
}

/// What the adapter asks: classification of sources and agents' SIP passwords.
#[derive(Debug, Default)]
pub(crate) struct Policy {
    pub trunks: RwLock<Vec<Trunk>>,
    pub staff: Vec<Cidr>,
    pub agent_passwords: RwLock<HashMap<String, String>>,
    pub draining: AtomicBool,
}

impl SipPolicy for Policy {
    fn classify(&self, ip: IpAddr) -> SourceClass {
        let trunks = self.trunks.read().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = trunks.iter().find(|t| t.allows(ip)) {
            return SourceClass::Trunk(t.id.clone());
        }
        if self.staff.iter().any(|c| c.contains(ip)) {
            return SourceClass::Staff;
        }
        SourceClass::Unknown
    }
    fn is_staff(&self, ip: IpAddr) -> bool {
        self.staff.iter().any(|c| c.contains(ip))
    }
    fn agent_password(&self, username: &str) -> Option<String> {
        self.agent_passwords
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(username)
            .cloned()
    }
    fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }
}

/// Media totals of finished legs (the load bench reads them).
#[derive(Debug, Default)]
pub struct MediaTotals {
    pub rx_packets: AtomicU64,
    pub rx_lost: AtomicU64,
    pub rx_late: AtomicU64,
    pub relayed: AtomicU64,
    pub tx_packets: AtomicU64,
}

/// Everything the call actors share.
pub(crate) struct Shared {
    pub cfg: EngineConfig,
    pub store: Arc<dyn EngineStore>,
    pub hours: Arc<dyn OpenHours>,
    pub clock: Clock,
    pub sip: Arc<SipAdapter>,
    pub pacer: Pacer,
    pub poller: crate::media::poller::MediaPoller,
    pub ports: PortPool,
    pub prompts: RwLock<PromptSet>,
    pub flows: RwLock<HashMap<String, Arc<Flow>>>,
    pub policy: Arc<Policy>,
    pub acd: Mutex<Acd>,
    pub calls: Mutex<HashMap<String, mpsc::UnboundedSender<CallMsg>>>,
    pub events: broadcast::Sender<EngineEvent>,
    pub seq: AtomicU64,
    pub hours_override: Mutex<Option<HoursOverride>>,
    pub guard: Arc<Guard>,
    pub idempotency: Mutex<HashMap<String, CommandReply>>,
    pub cancel: CancellationToken,
    pub totals: MediaTotals,
    pub media_ip: IpAddr,
    pub calls_started: AtomicU64,
    pub calls_finished: AtomicU64,
    pub trunk_health: Mutex<HashMap<String, TrunkHealth>>,
    /// Calls per trunk (caps).
    pub trunk_load: Mutex<HashMap<String, TrunkLoad>>,
    /// Trunks that require registration: registered now?
    pub trunk_registered: Arc<Mutex<HashMap<String, bool>>>,
}

/// Keep-alive state of one trunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrunkHealth {
    pub up: bool,
    pub misses: u32,
    pub successes: u32,
}

impl TrunkHealth {
    /// Account one OPTIONS result; returns the new state when it changed.
    pub fn observe(&mut self, answered: bool) -> Option<bool> {
        if answered {
            self.successes += 1;
            self.misses = 0;
            if !self.up && self.successes >= 2 {
                self.up = true;
                return Some(true);
            }
        } else {
            self.misses += 1;
            self.successes = 0;
            if self.up && self.misses >= 3 {
                self.up = false;
                return Some(false);
            }
        }
        None
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("node", &self.cfg.node_id)
            .finish()
    }
}

impl Shared {
    /// Publish an event with the next sequence number.
    pub fn emit(&self, kind: EventKind) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let _ = self.events.send(EngineEvent {
            seq,
            node_id: self.cfg.node_id.clone(),
            at: self.clock.now(),
            kind,
        });
    }

    pub fn emit_all(&self, kinds: Vec<EventKind>) {
        for k in kinds {
            self.emit(k);
        }
    }

    /// Match waiting callers with free agents and send the offers to the call actors.
    pub fn dispatch(self: &Arc<Self>) {
        let now = self.clock.now();
        let sip = self.sip.clone();
        let (offers, events) = {
            let mut acd = self.acd.lock().unwrap_or_else(|e| e.into_inner());
            acd.dispatch(now, &|u| sip.registration(u).is_some())
        };
        self.emit_all(events);
        for o in offers {
            let sh = self.clone();
            tokio::spawn(async move {
                let lease =
                    sh.clock.now() + chrono::TimeDelta::seconds(o.ring_timeout_s as i64 + 10);
                let reserved = sh.store.reserve_agent(&o.agent_id, &o.call_id, &sh.cfg.node_id, lease).await.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "reservation failed in the store; offering anyway on this node");
                    true
                });
                let tx = sh
                    .calls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&o.call_id)
                    .cloned();
                let delivered =
                    reserved && tx.is_some_and(|tx| tx.send(CallMsg::Offer(o.clone())).is_ok());
                if !delivered {
                    let ev = sh
                        .acd
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .offer_result(
                            &o.queue_id,
                            &o.call_id,
                            &o.agent_id,
                            OfferOutcome::Withdrawn,
                            sh.clock.now(),
                        );
                    sh.emit_all(ev);
                    if reserved {
                        let _ = sh
                            .store
                            .set_agent_state(
                                &o.agent_id,
                                crate::acd::strategy::AgentState::Idle,
                                None,
                            )
                            .await;
                    }
                }
            });
        }
    }

    /// A call of `trunk` ended (frees its place under the trunk's concurrent-call cap).
    pub fn trunk_call_done(&self, trunk: Option<&str>) {
        if let Some(t) = trunk
            && let Some(load) = self
                .trunk_load
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(t)
        {
            load.active = load.active.saturating_sub(1);
        }
    }

    /// As [`Shared::trunk_call_done`], for a call refused before its actor started.
    pub fn trunk_call_done_for(&self, ip: IpAddr) {
        let id = self
            .policy
            .trunks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|t| t.allows(ip))
            .map(|t| t.id.clone());
        self.trunk_call_done(id.as_deref());
    }

    /// Office open now (override, then calendar).
    pub fn office_open(&self, calendar: &str) -> bool {
        let o = *self
            .hours_override
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        crate::clock::office_open(self.hours.as_ref(), o, calendar, self.clock.now())
    }
}

/// Statistics for monitoring and the tests' leak checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EngineStats {
    pub active_calls: usize,
    pub sip_legs: usize,
    pub sip_dialogs: usize,
    pub rtp_ports_in_use: usize,
    pub pacer_streams: u64,
    pub recorders: u64,
    pub pacer_late_ticks: u64,
    pub calls_started: u64,
    pub calls_finished: u64,
    pub rx_packets: u64,
    pub rx_lost: u64,
    pub rx_late: u64,
    pub relayed_packets: u64,
    pub guard: GuardStats,
}

/// The handle the binary and the web crate hold.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    sh: Arc<Shared>,
}

/// Entry point.
#[derive(Debug)]
pub struct Engine;

impl Engine {
    /// Start the engine. `clock` drives office hours and CDR times (tests inject one).
    pub async fn start(
        cfg: EngineConfig,
        store: Arc<dyn EngineStore>,
        hours: Arc<dyn OpenHours>,
        clock: Clock,
    ) -> Result<EngineHandle, EngineError> {
        if cfg.generate_prompts {
            match crate::media::prompt::ensure_demo_prompts(&cfg.prompts_dir) {
                Ok(n) if n > 0 => {
                    tracing::info!(generated = n, dir = %cfg.prompts_dir.display(), "generated demo prompts (espeak-ng); recorded human voices are better")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not generate demo prompts"),
            }
        }
        std::fs::create_dir_all(&cfg.recordings_dir)
            .map_err(|e| EngineError::Io(format!("{}: {e}", cfg.recordings_dir.display())))?;
        let prompts = PromptSet::load_dir(&cfg.prompts_dir)?;
        let flows_v = store.flows().await?;
        let mut flows = HashMap::new();
        for f in flows_v {
            if let Err(errs) = crate::flow::validate(&f, |p| prompts.contains(p)) {
                let msg = errs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(EngineError::InvalidFlow {
                    flow: f.id.clone(),
                    errors: msg,
                });
            }
            let f = Arc::new(f);
            for d in &f.dids {
                flows.insert(
                    crate::trunk::normalise_did(d).unwrap_or_else(|| d.clone()),
                    f.clone(),
                );
            }
        }
        match store.release_node_agents(&cfg.node_id).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                agents = n,
                "agents held by this node before a restart are free again"
            ),
            Err(e) => tracing::error!(error = %e, "cannot release this node's agents"),
        }
        let agents = store.agents().await?;
        let queues = store.queues().await?;
        let policy = Arc::new(Policy {
            trunks: RwLock::new(store.trunks().await?),
            staff: cfg.staff_networks.clone(),
            agent_passwords: RwLock::new(
                agents
                    .iter()
                    .map(|a| (a.sip_username.clone(), a.sip_password.clone()))
                    .collect(),
            ),
            draining: AtomicBool::new(false),
        });
        let guard = Arc::new(Guard::new(cfg.guard.clone()));
        let cancel = CancellationToken::new();
        let advertised = cfg.advertised_ip.unwrap_or(cfg.sip_udp.ip());
        let tls = match &cfg.sip_tls {
            Some((addr, cert, key)) => {
                let c = std::fs::read(cert)
                    .map_err(|e| EngineError::Io(format!("{}: {e}", cert.display())))?;
                let k = std::fs::read(key)
                    .map_err(|e| EngineError::Io(format!("{}: {e}", key.display())))?;
                Some((*addr, c, k))
            }
            None => None,
        };
        let acfg = AdapterConfig {
            udp: cfg.sip_udp,
            tcp: cfg.sip_tcp,
            tls,
            advertised_ip: advertised,
            realm: cfg.realm.clone(),
            user_agent: "tongdai".into(),
        };
        let (sip, inbound) =
            SipAdapter::start(acfg, policy.clone(), guard.clone(), cancel.clone()).await?;
        let (events, _) = broadcast::channel(4096);
        let media_ip = cfg.advertised_ip.unwrap_or(cfg.rtp_ip);
        let sh = Arc::new(Shared {
            ports: PortPool::new(cfg.rtp_ip, cfg.rtp_ports.0, cfg.rtp_ports.1),
            cfg,
            store,
            hours,
            clock,
            sip,
            pacer: Pacer::start(),
            poller: crate::media::poller::MediaPoller::start(2, Duration::from_millis(20)),
            prompts: RwLock::new(prompts),
            flows: RwLock::new(flows),
            policy,
            acd: Mutex::new(Acd::load(agents, queues)),
            calls: Mutex::new(HashMap::new()),
            events,
            seq: AtomicU64::new(0),
            hours_override: Mutex::new(None),
            guard,
            idempotency: Mutex::new(HashMap::new()),
            cancel,
            totals: MediaTotals::default(),
            media_ip,
            calls_started: AtomicU64::new(0),
            calls_finished: AtomicU64::new(0),
            trunk_health: Mutex::new(HashMap::new()),
            trunk_registered: Arc::new(Mutex::new(HashMap::new())),
            trunk_load: Mutex::new(HashMap::new()),
        });
        close_interrupted(&sh).await;
        let s = sh.clone();
        tokio::spawn(async move { accept_loop(s, inbound).await });
        let s = sh.clone();
        tokio::spawn(async move { housekeeping(s).await });
        let s = sh.clone();
        tokio::spawn(async move { trunk_monitor(s).await });
        register_trunks(&sh);
        Ok(EngineHandle { sh })
    }
}

/// Close this node's calls a crash left `in_progress`, and repair their recordings.
async fn close_interrupted(sh: &Arc<Shared>) {
    let open = match sh.store.open_calls(&sh.cfg.node_id).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "cannot read open calls");
            return;
        }
    };
    for mut c in open {
        let last = sh
            .store
            .last_event_at(&c.call_id)
            .await
            .ok()
            .flatten()
            .unwrap_or(c.arrived_at);
        c.interrupt(last);
        let path = sh.cfg.recordings_dir.join(format!("{}.wav", c.call_id));
        if path.exists() {
            match crate::recording::repair_header(&path) {
                Ok(closed) => {
                    let prev = sh.store.last_recording_chain_hash().await.ok().flatten();
                    let rid = uuid::Uuid::now_v7().to_string();
                    let chain = crate::recording::chain_hash(prev.as_deref(), &rid, &closed.sha256);
                    let row = crate::store::RecordingRow {
                        id: rid.clone(),
                        call_id: c.call_id.clone(),
                        path: closed.path.display().to_string(),
                        bytes: closed.bytes,
                        duration_ms: closed.duration_ms,
                        sha256: closed.sha256.clone(),
                        prev_chain_hash: prev,
                        chain_hash: chain,
                        started_at: c.agent_answered_at.unwrap_or(c.arrived_at),
                        closed_at: sh.clock.now(),
                        repaired: true,
                    };
                    let _ = sh.store.put_recording(&row).await;
                    c.recording_id = Some(rid);
                    c.recording_sha256 = Some(closed.sha256);
                }
                Err(e) => tracing::warn!(error = %e, "partial recording not repaired"),
            }
        }
        tracing::warn!(call_id = %c.call_id, "closing a call interrupted by a crash");
        if let Err(e) = sh.store.put_call(&c).await {
            tracing::error!(error = %e, "cannot close interrupted call");
        }
    }
}

async fn accept_loop(sh: Arc<Shared>, mut inbound: mpsc::Receiver<crate::sip::InboundCall>) {
    loop {
        let call = tokio::select! {
            _ = sh.cancel.cancelled() => break,
            c = inbound.recv() => match c { Some(c) => c, None => break },
        };
        let active = sh.calls.lock().map(|g| g.len()).unwrap_or(0);
        if active >= sh.cfg.max_calls {
            tracing::warn!(active, "call limit reached: 503");
            let _ = sh.sip.reject(call.leg, 503);
            continue;
        }
        // per-trunk caps (design §8/§9): concurrent calls and calls per second
        let trunk = sh
            .policy
            .trunks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|t| t.allows(call.source.ip()))
            .cloned();
        if let Some(t) = trunk {
            let now = std::time::Instant::now();
            let refused = {
                let mut g = sh.trunk_load.lock().unwrap_or_else(|e| e.into_inner());
                let load = g.entry(t.id.clone()).or_default();
                load.recent
                    .retain(|at| now.duration_since(*at) < Duration::from_secs(1));
                if load.active >= t.max_concurrent as usize
                    || load.recent.len() >= t.max_cps as usize
                {
                    true
                } else {
                    load.active += 1;
                    load.recent.push_back(now);
                    false
                }
            };
            if refused {
                tracing::warn!(trunk = %t.id, "trunk call or rate limit reached: 503");
                sh.guard
                    .counters
                    .rate_limited
                    .fetch_add(1, Ordering::Relaxed);
                let _ = sh.sip.reject(call.leg, 503);
                continue;
            }
        }
        call::spawn_inbound(sh.clone(), call);
    }
}

/// Calls in progress and recent arrivals of one trunk.
#[derive(Debug, Default)]
pub(crate) struct TrunkLoad {
    pub active: usize,
    pub recent: std::collections::VecDeque<std::time::Instant>,
}

async fn housekeeping(sh: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = sh.cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        n += 1;
        sh.dispatch(); // tier widening and reject delays need time to pass
        if n.is_multiple_of(sh.cfg.registration_sync_s.max(1) as u64) {
            sync_registrations(&sh).await;
        }
        if n.is_multiple_of(10) {
            let row = NodeRow {
                node_id: sh.cfg.node_id.clone(),
                sip_addr: sh.sip.advertised().to_string(),
                heartbeat_at: sh.clock.now(),
                draining: sh.policy.draining.load(Ordering::Relaxed),
            };
            if let Err(e) = sh.store.heartbeat(&row).await {
                tracing::warn!(error = %e, "heartbeat not stored");
            }
        }
    }
}

/// Share this node's phone registrations through the store and learn the other nodes' (design
/// §11: behind Kamailio a phone registers with one node, and any node's ACD may pick its agent).
async fn sync_registrations(sh: &Arc<Shared>) {
    let now = sh.clock.now();
    let local = sh.sip.registrations();
    if let Err(e) = sh
        .store
        .sync_registrations(&sh.cfg.node_id, &local, now)
        .await
    {
        tracing::warn!(error = %e, "registrations not shared");
        return;
    }
    match sh.store.remote_registrations(&sh.cfg.node_id, now).await {
        Ok(remote) => {
            let fresh = remote
                .iter()
                .any(|r| !local.iter().any(|l| l.username == r.username));
            sh.sip.set_remote_registrations(remote);
            if fresh {
                sh.dispatch();
            }
        }
        Err(e) => tracing::warn!(error = %e, "other nodes' registrations not read"),
    }
}

/// Register at the carriers that require it (one task per trunk).
fn register_trunks(sh: &Arc<Shared>) {
    let trunks: Vec<Trunk> = sh
        .policy
        .trunks
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for t in trunks {
        let Some(r) = t.registration.clone() else {
            continue;
        };
        if r.registrar.is_empty() {
            continue;
        }
        let sh2 = sh.clone();
        let state = sh.trunk_registered.clone();
        tokio::spawn(async move {
            let id = t.id.clone();
            let res = sh2
                .sip
                .keep_registered(
                    &r.registrar,
                    &r.username,
                    &r.password,
                    r.expires_s,
                    sh2.cancel.child_token(),
                    |ok| {
                        let mut g = state.lock().unwrap_or_else(|e| e.into_inner());
                        if g.insert(id.clone(), ok) != Some(ok) {
                            tracing::info!(trunk = %id, registered = ok, "trunk registration");
                        }
                    },
                )
                .await;
            if let Err(e) = res {
                tracing::error!(trunk = %t.id, error = %e, "trunk registration not started");
            }
        });
    }
}

/// OPTIONS every `trunk_options_interval_s` to each trunk that has an outbound proxy.
async fn trunk_monitor(sh: Arc<Shared>) {
    let every = Duration::from_secs(sh.cfg.trunk_options_interval_s.max(1) as u64);
    let wait = every.min(Duration::from_secs(5));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = sh.cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let trunks: Vec<(String, SocketAddr)> = sh
            .policy
            .trunks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|t| t.outbound_proxy.map(|p| (t.id.clone(), p)))
            .collect();
        for (id, proxy) in trunks {
            let answered = matches!(sh.sip.options_ping(proxy, wait).await, Some(c) if c < 500);
            let changed = sh
                .trunk_health
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(id.clone())
                .or_default()
                .observe(answered);
            if let Some(up) = changed {
                tracing::warn!(trunk = %id, up, "trunk state changed");
                sh.emit(EventKind::TrunkState { trunk_id: id, up });
            }
        }
    }
}

impl EngineHandle {
    /// Registration state of a trunk that requires one (`None` before the first attempt).
    pub fn trunk_registered(&self, trunk_id: &str) -> Option<bool> {
        self.sh
            .trunk_registered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(trunk_id)
            .copied()
    }

    /// Keep-alive state of a trunk (`None` before the first OPTIONS answer or without proxy).
    pub fn trunk_up(&self, trunk_id: &str) -> Option<bool> {
        self.sh
            .trunk_health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(trunk_id)
            .map(|h| h.up)
    }

    /// Subscribe to events (a console resumes by skipping sequence numbers it has seen).
    pub fn events(&self) -> broadcast::Receiver<EngineEvent> {
        self.sh.events.subscribe()
    }

    /// The SIP address calls should be sent to.
    pub fn sip_addr(&self) -> SocketAddr {
        self.sh.sip.advertised()
    }

    /// Phones currently registered.
    pub fn registrations(&self) -> Vec<crate::sip::adapter::Registration> {
        self.sh.sip.registrations()
    }

    /// Counters (leak checks: legs, dialogs, ports and pacer streams must return to 0).
    pub fn stats(&self) -> EngineStats {
        let sh = &self.sh;
        let ps = sh.pacer.stats();
        EngineStats {
            active_calls: sh.calls.lock().map(|g| g.len()).unwrap_or(0),
            sip_legs: sh.sip.leg_count(),
            sip_dialogs: sh.sip.dialog_count(),
            rtp_ports_in_use: sh.ports.in_use(),
            pacer_streams: ps.streams.load(Ordering::Relaxed),
            recorders: ps.recorders.load(Ordering::Relaxed),
            pacer_late_ticks: ps.late_ticks.load(Ordering::Relaxed),
            calls_started: sh.calls_started.load(Ordering::Relaxed),
            calls_finished: sh.calls_finished.load(Ordering::Relaxed),
            rx_packets: sh.totals.rx_packets.load(Ordering::Relaxed),
            rx_lost: sh.totals.rx_lost.load(Ordering::Relaxed),
            rx_late: sh.totals.rx_late.load(Ordering::Relaxed),
            relayed_packets: sh.totals.relayed.load(Ordering::Relaxed),
            guard: sh.guard.stats(),
        }
    }

    /// ACD view of one agent: (status, state).
    pub fn agent(&self, agent_id: &str) -> Option<(AgentStatus, crate::acd::strategy::AgentState)> {
        let acd = self.sh.acd.lock().unwrap_or_else(|e| e.into_inner());
        acd.agents
            .get(agent_id)
            .map(|a| (a.status.clone(), a.state))
    }

    /// Run a console command; a repeated idempotency key returns the first reply.
    pub async fn command(&self, req: CommandRequest) -> CommandReply {
        if let Some(r) = self
            .sh
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&req.idempotency_key)
        {
            return r.clone();
        }
        let reply = self.run_command(req.command).await;
        let mut g = self
            .sh
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if g.len() > 10_000 {
            g.clear();
        }
        g.insert(req.idempotency_key, reply.clone());
        reply
    }

    async fn run_command(&self, c: Command) -> CommandReply {
        let sh = &self.sh;
        let status_change = |agent_id: &str, status: AgentStatus| {
            let ev = sh
                .acd
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_status(agent_id, status);
            match ev {
                Some(ev) => {
                    sh.emit_all(ev);
                    true
                }
                None => false,
            }
        };
        let (agent, status) = match &c {
            Command::AgentLogin { agent_id } | Command::AgentUnpause { agent_id } => {
                (agent_id.clone(), Some(AgentStatus::Available))
            }
            Command::AgentLogout { agent_id } => (agent_id.clone(), Some(AgentStatus::LoggedOut)),
            Command::AgentPause { agent_id, reason } => {
                (agent_id.clone(), Some(AgentStatus::OnBreak(reason.clone())))
            }
            _ => (String::new(), None),
        };
        if let Some(status) = status {
            if !status_change(&agent, status.clone()) {
                return CommandReply::err(CommandErrorCode::NotFound, format!("no agent {agent}"));
            }
            let _ = sh.store.set_agent_status(&agent, &status).await;
            sh.dispatch();
            return CommandReply::ok();
        }
        match c {
            Command::AgentEndWrapup { agent_id } => {
                let ev = sh
                    .acd
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .end_wrapup(&agent_id);
                if ev.is_empty() {
                    return CommandReply::err(
                        CommandErrorCode::InvalidState,
                        "agent is not in wrap-up",
                    );
                }
                sh.emit_all(ev);
                let _ = sh
                    .store
                    .set_agent_state(&agent_id, crate::acd::strategy::AgentState::Idle, None)
                    .await;
                sh.dispatch();
                CommandReply::ok()
            }
            Command::HoursOverride { value } => {
                *sh.hours_override.lock().unwrap_or_else(|e| e.into_inner()) = value;
                CommandReply::ok()
            }
            Command::CallHangup { ref call_id }
            | Command::CallHold { ref call_id }
            | Command::CallUnhold { ref call_id }
            | Command::CallMute { ref call_id }
            | Command::CallUnmute { ref call_id }
            | Command::CallAnswer { ref call_id, .. }
            | Command::TransferBlind { ref call_id, .. }
            | Command::TransferAttendedStart { ref call_id, .. }
            | Command::TransferAttendedComplete { ref call_id }
            | Command::TransferAttendedCancel { ref call_id } => {
                let tx = sh
                    .calls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(call_id)
                    .cloned();
                let Some(tx) = tx else {
                    return CommandReply::err(CommandErrorCode::NotFound, "no such call");
                };
                let (rtx, rrx) = tokio::sync::oneshot::channel();
                if tx.send(CallMsg::Command(c.clone(), rtx)).is_err() {
                    return CommandReply::err(CommandErrorCode::NotFound, "call ended");
                }
                rrx.await
                    .unwrap_or_else(|_| CommandReply::err(CommandErrorCode::NotFound, "call ended"))
            }
            Command::Originate { agent_id, number } => {
                match call::spawn_originate(sh.clone(), &agent_id, &number, None) {
                    Ok(call_id) => CommandReply::Ok {
                        detail: Some(call_id),
                    },
                    Err(r) => r,
                }
            }
            Command::CallbackDial {
                task_id,
                agent_id,
                number,
            } => match call::spawn_originate(sh.clone(), &agent_id, &number, Some(&task_id)) {
                Ok(call_id) => CommandReply::Ok {
                    detail: Some(call_id),
                },
                Err(r) => r,
            },
            _ => CommandReply::err(CommandErrorCode::Internal, "unhandled command"),
        }
    }

    /// Start or stop draining: OPTIONS and new INVITEs get 503 (Kamailio's dispatcher stops
    /// sending calls), calls in progress go on.
    pub fn set_draining(&self, draining: bool) {
        self.sh.policy.draining.store(draining, Ordering::Relaxed);
    }

    /// Reload trunks and agents' credentials from the store (after an administrator edit).
    pub async fn reload_peers(&self) -> Result<(), EngineError> {
        let trunks = self.sh.store.trunks().await?;
        let agents = self.sh.store.agents().await?;
        *self
            .sh
            .policy
            .trunks
            .write()
            .unwrap_or_else(|e| e.into_inner()) = trunks;
        *self
            .sh
            .policy
            .agent_passwords
            .write()
            .unwrap_or_else(|e| e.into_inner()) = agents
            .iter()
            .map(|a| (a.sip_username.clone(), a.sip_password.clone()))
            .collect();
        Ok(())
    }

    /// Reload prompts and the active flows from the store (after an administrator activated a
    /// flow or uploaded a prompt). Calls in progress keep the flow they started with. An
    /// invalid flow is refused and the flows in use stay.
    pub async fn reload_flows(&self) -> Result<usize, EngineError> {
        let prompts = PromptSet::load_dir(&self.sh.cfg.prompts_dir)?;
        let mut flows = HashMap::new();
        let list = self.sh.store.flows().await?;
        let n = list.len();
        for f in list {
            if let Err(errs) = crate::flow::validate(&f, |p| prompts.contains(p)) {
                let msg = errs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(EngineError::InvalidFlow {
                    flow: f.id.clone(),
                    errors: msg,
                });
            }
            let f = Arc::new(f);
            for d in &f.dids {
                flows.insert(
                    crate::trunk::normalise_did(d).unwrap_or_else(|| d.clone()),
                    f.clone(),
                );
            }
        }
        *self.sh.prompts.write().unwrap_or_else(|e| e.into_inner()) = prompts;
        *self.sh.flows.write().unwrap_or_else(|e| e.into_inner()) = flows;
        Ok(n)
    }

    /// Drain (OPTIONS and new INVITEs get 503), hang up the calls, close their records and
    /// recordings, stop the SIP stack. Bounded by `grace`.
    pub async fn shutdown(&self, grace: Duration) {
        self.sh.policy.draining.store(true, Ordering::Relaxed);
        let txs: Vec<_> = self
            .sh
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for tx in txs {
            let _ = tx.send(CallMsg::Shutdown);
        }
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline && self.stats().active_calls > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // let BYE transactions finish
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.sh.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::TrunkHealth;

    #[test]
    fn trunk_up_after_two_answers_down_after_three_misses() {
        let mut h = TrunkHealth::default();
        assert_eq!(h.observe(true), None);
        assert_eq!(h.observe(true), Some(true));
        assert_eq!(h.observe(false), None);
        assert_eq!(h.observe(false), None);
        assert_eq!(h.observe(true), None, "a success resets the misses");
        for _ in 0..2 {
            assert_eq!(h.observe(false), None);
        }
        assert_eq!(h.observe(false), Some(false));
        assert_eq!(h.observe(true), None);
        assert_eq!(h.observe(true), Some(true));
    }
}
