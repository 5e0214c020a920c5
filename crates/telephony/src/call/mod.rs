//! The call actor: one tokio task per call owns every leg of the call (caller A, agent B,
//! consult/transfer C), runs the DID's flow, waits in the queue, bridges, records, writes the
//! CDR, and on every exit path tears all legs down (CANCEL ringing, BYE answered, release
//! ports, stop playback, close the recording).
//!
//! **Answering from the console** (`call.answer`, issue 7): operators answer on their SIP
//! phone, and a B2BUA cannot pick up a phone's ringing call for it. The one mechanism that
//! common phones share is an auto-answer hint on the INVITE, so the engine CANCELs the ringing
//! offer and, once the phone has confirmed it (or after 2 s), offers the call again with
//! `Call-Info: <sip:ENGINE>;answer-after=0` and
//! `Alert-Info: <sip:ENGINE>;info=alert-autoanswer;delay=0`.
//! The phone must be configured to honour them (it is off by default everywhere, as it
//! opens the microphone without a touch; allow it only on phones registered to the engine):
//! Yealink and Grandstream "allow intercom / auto answer by Call-Info", Snom "Alert-Info auto
//! answer", AudioCodes `voip/auto_answer/enabled = 1`, MicroSIP's auto answer on the header,
//! recent baresip with `;sip_autoanswer=yes` on the account (Debian's baresip 1.0 has no such
//! option: its `answermode=auto` answers every call). A phone without it simply rings again
//! and the operator answers on the handset. NOTIFY `Event: talk` (BroadSoft remote control)
//! would spare the second ring, but fewer phones accept it.

use crate::acd::runtime::{JoinError, Offer, OfferOutcome, Waiting};
use crate::acd::strategy::AgentState;
use crate::api::{Command, CommandErrorCode, CommandReply, EventKind};
use crate::cdr::{CallRecord, HangupSide, LegRecord, LegRole, Milestones};
use crate::engine::Shared;
use crate::flow::{Flow, Node};
use crate::media::leg::{LegMedia, MediaEvent};
use crate::media::prompt::Prompt;
use crate::recording::{Channel, Recorder};
use crate::sdp::{self, Direction};
use crate::sip::{InboundCall, LegId, OutboundTarget, SipLegEvent};
use crate::store::{CallEventRow, CallbackReason, CallbackTaskRow, QueueEntryRow, RecordingRow};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Messages to a call actor from the engine.
#[derive(Debug)]
pub enum CallMsg {
    Offer(Offer),
    Command(Command, oneshot::Sender<CommandReply>),
    Shutdown,
}

/// Why the flow stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    CallerGone,
    AgentGone,
    EngineHangup,
    Shutdown,
    Rejected(u16),
    RtpTimeout,
}

enum Ev {
    Leg(LegId, SipLegEvent),
    Digit(char),
    PlayDone(u64),
    Msg(CallMsg),
    Timeout,
}

/// One leg: SIP dialog + RTP endpoint.
struct Leg {
    id: LegId,
    media: Arc<LegMedia>,
    answered: bool,
    role: LegRole,
    cdr_index: usize,
}

struct Call {
    sh: Arc<Shared>,
    id: String,
    caller: Leg,
    caller_offer: Vec<u8>,
    legs_rx: mpsc::UnboundedReceiver<(LegId, SipLegEvent)>,
    legs_tx: mpsc::UnboundedSender<(LegId, SipLegEvent)>,
    media_rx: mpsc::UnboundedReceiver<MediaEvent>,
    media_tx: mpsc::UnboundedSender<MediaEvent>,
    msgs: mpsc::UnboundedReceiver<CallMsg>,
    /// Outgoing legs (offers, agent, consult/transfer target) by id.
    others: HashMap<LegId, Leg>,
    /// Legs we asked to end and whose final event we still wait for.
    closing: HashMap<LegId, Leg>,
    agent: Option<LegId>,
    agent_id: Option<String>,
    queue_id: Option<String>,
    cdr: CallRecord,
    ms: Milestones,
    digits: VecDeque<char>,
    recorder: Option<Arc<Recorder>>,
    rec_started: Option<chrono::DateTime<chrono::Utc>>,
    event_seq: u64,
    side: HangupSide,
    /// Click-to-call: the agent whose phone rang first (released at the end).
    originate_agent: Option<String>,
    /// The agent's audio to the caller is replaced by silence (`call.mute`).
    muted: bool,
}

/// Start the actor of an inbound call.
pub(crate) fn spawn_inbound(sh: Arc<Shared>, inb: InboundCall) {
    let (legs_tx, legs_rx) = mpsc::unbounded_channel();
    let (media_tx, media_rx) = mpsc::unbounded_channel();
    let (msg_tx, msgs) = mpsc::unbounded_channel();
    sh.sip.attach(inb.leg, legs_tx.clone());
    let Some((sock, port)) = sh.ports.bind() else {
        tracing::error!("no RTP port free: 503");
        let _ = sh.sip.reject(inb.leg, 503);
        sh.trunk_call_done_for(inb.source.ip());
        return;
    };
    let media = match LegMedia::start(inb.leg, sock, port, media_tx.clone(), &sh.poller) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "RTP socket");
            sh.ports.release(port);
            let _ = sh.sip.reject(inb.leg, 503);
            sh.trunk_call_done_for(inb.source.ip());
            return;
        }
    };
    media.set_signaling_ip(inb.source.ip());
    let call_id = uuid::Uuid::now_v7().to_string();
    let trunk = sh
        .policy
        .trunks
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|t| t.allows(inb.source.ip()))
        .cloned();
    let trusted = trunk.as_ref().is_some_and(|t| t.trust_pai);
    let identity = crate::trunk::caller_identity(
        &inb.from_user,
        inb.pai_user.as_deref(),
        trusted,
        inb.privacy_id,
    );
    let did = crate::trunk::normalise_did(&inb.request_user)
        .or_else(|| crate::trunk::normalise_did(&inb.to_user))
        .unwrap_or_default();
    let now = sh.clock.now();
    let mut cdr = CallRecord::arrived(
        call_id.clone(),
        sh.cfg.node_id.clone(),
        did,
        &identity,
        inb.call_id.clone(),
        now,
    );
    cdr.trunk_id = trunk.map(|t| t.id);
    cdr.legs.push(LegRecord {
        leg_id: inb.leg.to_string(),
        role: LegRole::Caller,
        target: identity.number.clone(),
        started_at: now,
        answered_at: None,
        ended_at: None,
        final_sip_code: None,
        initiated_by: None,
    });
    sh.calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(call_id.clone(), msg_tx);
    sh.calls_started.fetch_add(1, Ordering::Relaxed);
    let call = Call {
        sh,
        id: call_id,
        caller: Leg {
            id: inb.leg,
            media,
            answered: false,
            role: LegRole::Caller,
            cdr_index: 0,
        },
        caller_offer: inb.sdp,
        legs_rx,
        legs_tx,
        media_rx,
        media_tx,
        msgs,
        others: HashMap::new(),
        closing: HashMap::new(),
        agent: None,
        agent_id: None,
        queue_id: None,
        cdr,
        ms: Milestones::default(),
        digits: VecDeque::new(),
        recorder: None,
        rec_started: None,
        event_seq: 0,
        side: HangupSide::Engine,
        originate_agent: None,
        muted: false,
    };
    tokio::spawn(call.run());
}

/// Where an agent's phone is (its live registration); `from_user` is what its display shows.
fn agent_target_for(sh: &Shared, sip_username: &str, from_user: &str) -> Option<OutboundTarget> {
    let reg = sh.sip.registration(sip_username)?;
    let c = &reg.contact;
    let uri = match (c.find('<'), c.find('>')) {
        (Some(a), Some(b)) if b > a => c[a + 1..b].to_string(),
        _ => c.split(';').next().unwrap_or("").trim().to_string(),
    };
    let uri = if uri.starts_with("sip:") {
        uri
    } else {
        format!("sip:{sip_username}@{}", reg.source)
    };
    Some(OutboundTarget {
        uri,
        destination: reg.source,
        from_user: from_user.trim_start_matches('+').to_string(),
        assert_identity: false,
        credentials: None,
        auto_answer: false,
    })
}

/// A national number through the first trunk that allows it (hotline number as identity,
/// toll-fraud number patterns); with the trunk's id.
fn trunk_target(sh: &Shared, number: &str) -> Option<(String, OutboundTarget)> {
    let trunks = sh.policy.trunks.read().unwrap_or_else(|e| e.into_inner());
    let t = trunks
        .iter()
        .find(|t| t.outbound_proxy.is_some() && t.outbound_allowed(number))?;
    let proxy = t.outbound_proxy?;
    let national = format!("0{}", crate::trunk::normalise_did(number)?);
    Some((
        t.id.clone(),
        OutboundTarget {
            uri: format!("sip:{national}@{proxy}"),
            destination: proxy,
            from_user: t.hotline_number.clone(),
            assert_identity: true,
            credentials: t
                .registration
                .as_ref()
                .map(|r| (r.username.clone(), r.password.clone())),
            auto_answer: false,
        },
    ))
}

/// Click-to-call (TEL-10, TEL-11 callbacks): ring the agent's phone first, then the citizen
/// through the trunk; bridged, recorded and written to the CDR like an inbound call
/// (`direction = outbound`). Returns the root call id.
pub(crate) fn spawn_originate(
    sh: Arc<Shared>,
    agent_id: &str,
    number: &str,
    callback_task: Option<&str>,
) -> Result<String, CommandReply> {
    let Some((trunk_id, citizen)) = trunk_target(&sh, number) else {
        return Err(CommandReply::err(
            CommandErrorCode::NotAllowed,
            "number not allowed or no trunk for outbound calls",
        ));
    };
    let call_id = uuid::Uuid::now_v7().to_string();
    let sip_user = {
        let mut acd = sh.acd.lock().unwrap_or_else(|e| e.into_inner());
        let Some(a) = acd.agents.get_mut(agent_id) else {
            return Err(CommandReply::err(
                CommandErrorCode::NotFound,
                "no such agent",
            ));
        };
        if a.state != AgentState::Idle {
            return Err(CommandReply::err(
                CommandErrorCode::Busy,
                "the agent is not idle",
            ));
        }
        a.state = AgentState::InCall;
        a.call_id = Some(call_id.clone());
        a.row.sip_username.clone()
    };
    let release_agent = |sh: &Shared| {
        let mut acd = sh.acd.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = acd.agents.get_mut(agent_id) {
            a.state = AgentState::Idle;
            a.call_id = None;
        }
    };
    let identity = crate::trunk::caller_identity(number, None, false, false);
    let Some(agent) = agent_target_for(&sh, &sip_user, &identity.number) else {
        release_agent(&sh);
        return Err(CommandReply::err(
            CommandErrorCode::NotFound,
            "the agent's phone is not registered",
        ));
    };
    let (legs_tx, legs_rx) = mpsc::unbounded_channel();
    let (media_tx, media_rx) = mpsc::unbounded_channel();
    let (msg_tx, msgs) = mpsc::unbounded_channel();
    let Some((sock, port)) = sh.ports.bind() else {
        release_agent(&sh);
        return Err(CommandReply::err(
            CommandErrorCode::Busy,
            "no RTP port free",
        ));
    };
    let leg = LegId::new();
    let media = match LegMedia::start(leg, sock, port, media_tx.clone(), &sh.poller) {
        Ok(m) => m,
        Err(e) => {
            sh.ports.release(port);
            release_agent(&sh);
            return Err(CommandReply::err(CommandErrorCode::Internal, e.to_string()));
        }
    };
    media.set_signaling_ip(citizen.destination.ip());
    let now = sh.clock.now();
    let did = crate::trunk::normalise_did(&citizen.from_user)
        .unwrap_or_else(|| citizen.from_user.clone());
    let mut cdr = CallRecord::arrived(
        call_id.clone(),
        sh.cfg.node_id.clone(),
        did,
        &identity,
        String::new(),
        now,
    );
    cdr.direction = crate::cdr::Direction::Outbound;
    cdr.trunk_id = Some(trunk_id);
    cdr.agent_id = Some(agent_id.to_string());
    if let Some(t) = callback_task {
        cdr.vars.insert("callback_task_id".into(), t.to_string());
    }
    cdr.legs.push(LegRecord {
        leg_id: leg.to_string(),
        role: LegRole::Caller,
        target: identity.number.clone(),
        started_at: now,
        answered_at: None,
        ended_at: None,
        final_sip_code: None,
        initiated_by: Some(agent_id.to_string()),
    });
    sh.calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(call_id.clone(), msg_tx);
    sh.calls_started.fetch_add(1, Ordering::Relaxed);
    let call = Call {
        sh,
        id: call_id.clone(),
        caller: Leg {
            id: leg,
            media,
            answered: false,
            role: LegRole::Caller,
            cdr_index: 0,
        },
        caller_offer: vec![],
        legs_rx,
        legs_tx,
        media_rx,
        media_tx,
        msgs,
        others: HashMap::new(),
        closing: HashMap::new(),
        agent: None,
        agent_id: None,
        queue_id: None,
        cdr,
        ms: Milestones::default(),
        digits: VecDeque::new(),
        recorder: None,
        rec_started: None,
        event_seq: 0,
        side: HangupSide::Engine,
        originate_agent: Some(agent_id.to_string()),
        muted: false,
    };
    tokio::spawn(call.run_originate(agent, citizen));
    Ok(call_id)
}

impl Call {
    async fn run_originate(mut self, agent: OutboundTarget, citizen: OutboundTarget) {
        let _ = self.sh.store.put_call(&self.cdr).await;
        self.event(
            "call.originated",
            None,
            serde_json::json!({"agent": self.originate_agent, "number": self.cdr.caller_number}),
        )
        .await;
        let end = self.originate(agent, citizen).await;
        self.finish(end).await;
    }

    /// Wait for the final answer of an outgoing leg (other legs' events are handled or kept).
    async fn await_answer(&mut self, leg: LegId, limit: Duration) -> Result<Option<Vec<u8>>, End> {
        let until = Instant::now() + limit;
        loop {
            let ev = tokio::select! {
                Some((l, e)) = self.legs_rx.recv() => Ev::Leg(l, e),
                Some(m) = self.msgs.recv() => Ev::Msg(m),
                _ = tokio::time::sleep_until(until) => Ev::Timeout,
            };
            match ev {
                Ev::Leg(l, SipLegEvent::Answered { sdp }) if l == leg => return Ok(sdp),
                Ev::Leg(l, SipLegEvent::Failed { code }) if l == leg => {
                    self.cdr.hangup_sip_code = Some(code);
                    return Ok(None);
                }
                Ev::Leg(l, SipLegEvent::Ended { .. } | SipLegEvent::Cancelled) if l == leg => {
                    return Ok(None);
                }
                Ev::Leg(l, SipLegEvent::Ended { .. }) if Some(l) == self.agent => {
                    self.side = HangupSide::Agent;
                    return Err(End::AgentGone);
                }
                Ev::Timeout => {
                    return Ok(None);
                }
                Ev::Msg(CallMsg::Shutdown) => return Err(End::Shutdown),
                Ev::Msg(CallMsg::Command(Command::CallHangup { .. }, reply)) => {
                    let _ = reply.send(CommandReply::ok());
                    self.side = HangupSide::Agent;
                    return Err(End::EngineHangup);
                }
                Ev::Msg(m) => self.refuse(m),
                _ => {}
            }
        }
    }

    async fn originate(
        &mut self,
        agent: OutboundTarget,
        citizen: OutboundTarget,
    ) -> Result<(), End> {
        let agent_id = self.originate_agent.clone().unwrap_or_default();
        let Some(a) = self.new_leg(LegRole::Agent, &agent_id, &agent) else {
            return Err(End::EngineHangup);
        };
        self.agent = Some(a);
        let sdp = self.await_answer(a, Duration::from_secs(30)).await?;
        if sdp.is_none() || !self.leg_answered(a, sdp.as_deref()) {
            if let Some(l) = self.others.remove(&a) {
                self.release(l, None);
            }
            self.agent = None;
            return Err(End::EngineHangup);
        }
        // the agent hears music while the citizen's phone rings
        let agent_media = self.others.get(&a).map(|l| l.media.clone());
        if let Some(m) = &agent_media {
            self.sh.pacer.play(
                m,
                self.prompts(&["nhac_cho".to_string()]),
                true,
                &self.media_tx,
            );
        }
        let offer = sdp::write_offer(
            rand::random::<u32>() as u64,
            1,
            self.sh.media_ip,
            self.caller.media.port,
            Direction::SendRecv,
        );
        if self
            .sh
            .sip
            .invite(self.caller.id, &citizen, offer, self.legs_tx.clone())
            .is_err()
        {
            return Err(End::EngineHangup);
        }
        let sdp = self
            .await_answer(self.caller.id, Duration::from_secs(60))
            .await?;
        let remote = sdp.as_deref().and_then(|b| sdp::parse(b).ok());
        let Some(n) = remote.as_ref().and_then(|r| r.negotiate().ok()) else {
            return Err(End::EngineHangup);
        };
        let r = remote.unwrap_or_else(|| unreachable!("negotiated above"));
        self.caller
            .media
            .set_remote(r.rtp_addr, r.ip, n.law, n.telephone_event);
        self.caller.answered = true;
        self.caller
            .media
            .last_rx_ms
            .store(mono_now_ms(), Ordering::Relaxed);
        let now = self.sh.clock.now();
        self.cdr.answered_at = Some(now);
        self.cdr.agent_answered_at = Some(now);
        self.cdr.legs[0].answered_at = Some(now);
        self.ms.agent_answered = true;
        if let Some(m) = &agent_media {
            self.sh.pacer.stop(m);
        }
        self.bridge(a);
        self.start_recording(a);
        let _ = self.sh.store.put_call(&self.cdr).await;
        self.sh.emit(EventKind::CallAnswered {
            call_id: self.id.clone(),
            agent_id: Some(agent_id),
        });
        self.talk().await
    }

    async fn run(mut self) {
        let _ = self.sh.store.put_call(&self.cdr).await;
        self.event(
            "call.arrived",
            None,
            serde_json::json!({"did": self.cdr.did, "caller": self.cdr.caller_number}),
        )
        .await;
        self.sh.emit(EventKind::CallArrived {
            call_id: self.id.clone(),
            did: self.cdr.did.clone(),
            caller_number: self.cdr.caller_number.clone(),
        });
        let end = self.run_flow().await;
        self.finish(end).await;
    }

    async fn event(&mut self, kind: &str, leg: Option<LegId>, data: serde_json::Value) {
        self.event_seq += 1;
        let row = CallEventRow {
            call_id: self.id.clone(),
            leg_id: leg.map(|l| l.to_string()),
            seq: self.event_seq,
            at: self.sh.clock.now(),
            kind: kind.into(),
            data,
        };
        if let Err(e) = self.sh.store.append_call_event(&row).await {
            tracing::warn!(error = %e, "call event not stored");
        }
    }

    // ---------- waiting for things ----------

    /// Next event for the flow; caller hang-up, RTP timeout and shutdown end the flow.
    async fn wait(&mut self, until: Option<Instant>) -> Result<Ev, End> {
        loop {
            let rtp_check = Instant::now() + Duration::from_secs(5);
            let wake = until.map(|u| u.min(rtp_check)).unwrap_or(rtp_check);
            let ev = tokio::select! {
                Some((leg, e)) = self.legs_rx.recv() => Ev::Leg(leg, e),
                Some(m) = self.media_rx.recv() => match m {
                    MediaEvent::Dtmf { leg, digit } if leg == self.caller.id => Ev::Digit(digit),
                    MediaEvent::Dtmf { .. } => continue,
                    MediaEvent::PlayDone { token, .. } => Ev::PlayDone(token),
                },
                Some(m) = self.msgs.recv() => Ev::Msg(m),
                _ = tokio::time::sleep_until(wake) => {
                    if until.is_some_and(|u| Instant::now() >= u) { Ev::Timeout } else {
                        let limit = self.sh.cfg.rtp_timeout_s as u64 * 1000;
                        if self.caller.answered && limit > 0 && !self.caller.media.on_hold.load(Ordering::Relaxed) && self.caller.media.silent_for_ms() > limit {
                            tracing::warn!(call_id = %self.id, "RTP timeout");
                            return Err(End::RtpTimeout);
                        }
                        continue;
                    }
                }
            };
            match ev {
                Ev::Leg(leg, e) if leg == self.caller.id => match e {
                    SipLegEvent::Cancelled | SipLegEvent::Ended { .. } => {
                        self.caller.answered = false;
                        self.side = HangupSide::Caller;
                        self.ms.caller_hung_up = true;
                        return Err(End::CallerGone);
                    }
                    SipLegEvent::InfoDtmf { digit } => return Ok(Ev::Digit(digit)),
                    SipLegEvent::ReInvite { sdp, responder } => {
                        let answer = self.reoffer(&self.caller.media.clone(), &sdp);
                        match answer {
                            Some(a) => responder.respond(200, Some(a)).await,
                            None => responder.respond(488, None).await,
                        }
                    }
                    SipLegEvent::Answered { .. } => {}
                    _ => {}
                },
                Ev::Leg(leg, e) if self.closing.contains_key(&leg) => {
                    if matches!(
                        e,
                        SipLegEvent::Failed { .. }
                            | SipLegEvent::Ended { .. }
                            | SipLegEvent::Cancelled
                    ) {
                        if let Some(l) = self.closing.remove(&leg) {
                            self.release(l, None);
                        }
                    } else if matches!(e, SipLegEvent::Answered { .. }) {
                        // a 200 that crossed our CANCEL: the stack ACKs and BYEs it
                        self.hangup_later(leg);
                    }
                }
                Ev::Leg(leg, SipLegEvent::ReInvite { sdp, responder }) => {
                    let m = self.others.get(&leg).map(|l| l.media.clone());
                    match m.and_then(|m| self.reoffer(&m, &sdp)) {
                        Some(a) => responder.respond(200, Some(a)).await,
                        None => responder.respond(488, None).await,
                    }
                }
                Ev::Msg(CallMsg::Shutdown) => return Err(End::Shutdown),
                Ev::Msg(CallMsg::Command(Command::CallHangup { .. }, reply)) => {
                    let _ = reply.send(CommandReply::ok());
                    self.side = HangupSide::Agent;
                    return Err(End::EngineHangup);
                }
                other => return Ok(other),
            }
        }
    }

    /// Answer an in-dialog offer on `m`'s leg (hold/resume keeps SSRC and recording).
    fn reoffer(&self, m: &Arc<LegMedia>, sdp_body: &[u8]) -> Option<String> {
        let r = sdp::parse(sdp_body).ok()?;
        let n = r.negotiate().ok()?;
        m.set_remote(r.rtp_addr, r.ip, n.law, n.telephone_event);
        m.on_hold.store(r.direction.is_hold(), Ordering::Relaxed);
        Some(sdp::write_answer(
            1,
            2,
            self.sh.media_ip,
            m.port,
            &n,
            r.direction.answer(),
        ))
    }

    fn prompts(&self, ids: &[String]) -> Vec<Arc<Prompt>> {
        let p = self.sh.prompts.read().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter_map(|id| {
                let x = p.get(id);
                if x.is_none() {
                    tracing::warn!(prompt = %id, "prompt missing");
                }
                x
            })
            .collect()
    }

    fn play(&self, ids: &[String], looping: bool) -> u64 {
        let prompts = self.prompts(ids);
        self.sh
            .pacer
            .play(&self.caller.media, prompts, looping, &self.media_tx)
    }

    /// Play and wait for the end; with `interruptible`, a digit stops it and is kept.
    async fn play_wait(&mut self, ids: &[String], interruptible: bool) -> Result<(), End> {
        let token = self.play(ids, false);
        let limit = Instant::now() + Duration::from_secs(600);
        loop {
            match self.wait(Some(limit)).await? {
                Ev::PlayDone(t) if t == token => return Ok(()),
                Ev::Digit(d) => {
                    self.digits.push_back(d);
                    if interruptible {
                        self.sh.pacer.stop(&self.caller.media);
                        return Ok(());
                    }
                }
                Ev::Timeout => return Ok(()),
                Ev::Msg(m) => self.refuse(m),
                _ => {}
            }
        }
    }

    fn refuse(&self, m: CallMsg) {
        match m {
            CallMsg::Command(c, reply) => {
                let message = match c {
                    Command::CallMute { .. } | Command::CallUnmute { .. } => {
                        "the call is not answered: there is nothing to mute"
                    }
                    Command::CallAnswer { .. } => "the call is not ringing at this agent's phone",
                    _ => "the call is not with an agent",
                };
                let _ = reply.send(CommandReply::err(CommandErrorCode::InvalidState, message));
            }
            CallMsg::Offer(o) => {
                let ev = self
                    .sh
                    .acd
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .offer_result(
                        &o.queue_id,
                        &o.call_id,
                        &o.agent_id,
                        OfferOutcome::Withdrawn,
                        self.sh.clock.now(),
                    );
                self.sh.emit_all(ev);
            }
            CallMsg::Shutdown => {}
        }
    }

    // ---------- the flow ----------

    async fn run_flow(&mut self) -> Result<(), End> {
        let flow: Option<Arc<Flow>> = self
            .sh
            .flows
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.cdr.did)
            .cloned();
        let Some(flow) = flow else {
            tracing::warn!(did = %self.cdr.did, "no flow for this number: 404");
            return Err(End::Rejected(404));
        };
        self.cdr.flow_id = Some(flow.id.clone());
        self.cdr.flow_version = Some(flow.version);
        let _ = self.sh.sip.ringing(self.caller.id);
        let mut node_id = flow.start.clone();
        for _ in 0..1000 {
            let Some(node) = flow.nodes.get(&node_id).cloned() else {
                return Err(End::EngineHangup);
            };
            self.event("flow.node", None, serde_json::json!({"node": node_id}))
                .await;
            node_id = match node {
                Node::Answer { next } => {
                    self.answer_caller()?;
                    next
                }
                Node::Hours {
                    calendar,
                    open,
                    closed,
                } => {
                    if self.sh.office_open(&calendar) {
                        open
                    } else {
                        self.ms.out_of_hours = true;
                        closed
                    }
                }
                Node::Play {
                    prompts,
                    interruptible,
                    next,
                } => {
                    self.play_wait(&prompts, interruptible).await?;
                    next
                }
                Node::Notice { prompt, next } => {
                    self.play_wait(&[prompt], false).await?;
                    self.cdr.notice_played_at = Some(self.sh.clock.now());
                    next
                }
                Node::Menu {
                    prompt,
                    digits,
                    timeout,
                    invalid,
                    retries,
                    timeout_s,
                    invalid_prompt,
                } => {
                    self.menu(
                        &prompt,
                        &digits,
                        &timeout,
                        &invalid,
                        retries,
                        timeout_s,
                        invalid_prompt.as_deref(),
                    )
                    .await?
                }
                Node::Queue {
                    queue,
                    max_wait_s,
                    on_max_wait,
                    on_no_agent,
                    on_full,
                    after,
                } => match self.queue(&queue, max_wait_s).await? {
                    QueueExit::Served => match after {
                        Some(a) => a,
                        None => return Err(End::AgentGone),
                    },
                    QueueExit::MaxWait => on_max_wait.unwrap_or_else(|| "__hangup".into()),
                    QueueExit::NoAgent => {
                        self.ms.no_agent = true;
                        on_no_agent.unwrap_or_else(|| "__hangup".into())
                    }
                    QueueExit::Full => on_full.unwrap_or_else(|| "__hangup".into()),
                },
                Node::Transfer {
                    target,
                    on_answered,
                    on_failed,
                } => match self.transfer_node(&target).await? {
                    true => match on_answered {
                        Some(n) => n,
                        None => return Err(End::AgentGone),
                    },
                    false => on_failed,
                },
                Node::Voicemail { max_s, next } => {
                    self.voicemail(max_s).await?;
                    next
                }
                Node::Callback { next } => {
                    self.callback_task(CallbackReason::Requested).await;
                    self.ms.callback_requested = true;
                    next
                }
                Node::Hangup { prompt } => {
                    if let Some(p) = prompt {
                        self.play_wait(&[p], false).await?;
                    }
                    return Err(End::EngineHangup);
                }
                Node::Goto { next } => next,
                Node::Set { var, value, next } => {
                    self.cdr.vars.insert(var, value);
                    next
                }
            };
            if node_id == "__hangup" {
                return Err(End::EngineHangup);
            }
        }
        Err(End::EngineHangup)
    }

    fn answer_caller(&mut self) -> Result<(), End> {
        if self.caller.answered {
            return Ok(());
        }
        let Ok(remote) = sdp::parse(&self.caller_offer) else {
            return Err(End::Rejected(488));
        };
        let Ok(n) = remote.negotiate() else {
            return Err(End::Rejected(488));
        };
        self.caller
            .media
            .set_remote(remote.rtp_addr, remote.ip, n.law, n.telephone_event);
        let answer = sdp::write_answer(
            rand::random::<u32>() as u64,
            1,
            self.sh.media_ip,
            self.caller.media.port,
            &n,
            remote.direction.answer(),
        );
        if self.sh.sip.answer(self.caller.id, answer).is_err() {
            return Err(End::CallerGone);
        }
        self.caller.answered = true;
        self.caller.media.last_rx_ms.store(0, Ordering::Relaxed);
        self.caller
            .media
            .last_rx_ms
            .store(mono_now_ms(), Ordering::Relaxed);
        let now = self.sh.clock.now();
        self.cdr.answered_at = Some(now);
        self.cdr.legs[0].answered_at = Some(now);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn menu(
        &mut self,
        prompt: &str,
        digits: &std::collections::BTreeMap<String, String>,
        timeout: &str,
        invalid: &str,
        retries: u32,
        timeout_s: u32,
        invalid_prompt: Option<&str>,
    ) -> Result<String, End> {
        let mut last_invalid = false;
        for _ in 0..retries.max(1) {
            if self.digits.is_empty() {
                self.play_wait(&[prompt.to_string()], true).await?;
            }
            let d = match self.digits.pop_front() {
                Some(d) => Some(d),
                None => {
                    let until = Instant::now() + Duration::from_secs(timeout_s as u64);
                    loop {
                        match self.wait(Some(until)).await? {
                            Ev::Digit(d) => break Some(d),
                            Ev::Timeout => break None,
                            Ev::Msg(m) => self.refuse(m),
                            _ => {}
                        }
                    }
                }
            };
            match d {
                Some(d) => {
                    self.cdr.ivr_path.push(d);
                    if let Some(n) = digits.get(&d.to_string()) {
                        self.event(
                            "ivr.digit",
                            None,
                            serde_json::json!({"digit": d.to_string()}),
                        )
                        .await;
                        return Ok(n.clone());
                    }
                    last_invalid = true;
                    if let Some(p) = invalid_prompt {
                        self.play_wait(&[p.to_string()], true).await?;
                    }
                }
                None => last_invalid = false,
            }
        }
        Ok(if last_invalid {
            invalid.to_string()
        } else {
            timeout.to_string()
        })
    }

    async fn callback_task(&mut self, reason: CallbackReason) {
        if self.cdr.callback_task_id.is_some() {
            return;
        }
        let id = uuid::Uuid::now_v7().to_string();
        let t = CallbackTaskRow {
            id: id.clone(),
            call_id: self.id.clone(),
            number: self.cdr.caller_number.clone(),
            did: self.cdr.did.clone(),
            queue_id: self.queue_id.clone(),
            reason,
            created_at: self.sh.clock.now(),
        };
        if let Err(e) = self.sh.store.put_callback_task(&t).await {
            tracing::error!(error = %e, "callback task not stored");
        }
        self.cdr.callback_task_id = Some(id.clone());
        self.sh.emit(EventKind::CallbackCreated {
            call_id: self.id.clone(),
            task_id: id,
            number: self.cdr.caller_number.clone(),
        });
    }

    async fn voicemail(&mut self, max_s: u32) -> Result<(), End> {
        let path = self
            .sh
            .cfg
            .recordings_dir
            .join(format!("vm-{}.wav", self.id));
        let Ok(rec) = Recorder::create(&path) else {
            return Ok(());
        };
        let rec = Arc::new(rec);
        self.caller
            .media
            .record_into(Some((rec.clone(), Channel::Left)));
        self.sh.pacer.add_recorder(rec.clone());
        let until = Instant::now() + Duration::from_secs(max_s as u64);
        let r = loop {
            match self.wait(Some(until)).await {
                Ok(Ev::Timeout) | Ok(Ev::Digit('#')) => break Ok(()),
                Ok(Ev::Msg(m)) => self.refuse(m),
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        self.caller.media.record_into(None);
        self.sh.pacer.remove_recorder(rec.clone());
        if let Ok(c) = rec.close() {
            let row = crate::store::VoicemailRow {
                id: uuid::Uuid::now_v7().to_string(),
                call_id: self.id.clone(),
                number: self.cdr.caller_number.clone(),
                path: c.path.display().to_string(),
                duration_ms: c.duration_ms,
                sha256: c.sha256,
                created_at: self.sh.clock.now(),
            };
            let _ = self.sh.store.put_voicemail(&row).await;
            self.ms.voicemail_left = true;
        }
        r
    }

    // ---------- outgoing legs ----------

    fn new_leg(
        &mut self,
        role: LegRole,
        target_name: &str,
        target: &OutboundTarget,
    ) -> Option<LegId> {
        let (sock, port) = self.sh.ports.bind()?;
        let id = LegId::new();
        let media = match LegMedia::start(id, sock, port, self.media_tx.clone(), &self.sh.poller) {
            Ok(m) => m,
            Err(_) => {
                self.sh.ports.release(port);
                return None;
            }
        };
        media.set_signaling_ip(target.destination.ip());
        let offer = sdp::write_offer(
            rand::random::<u32>() as u64,
            1,
            self.sh.media_ip,
            port,
            Direction::SendRecv,
        );
        if let Err(e) = self.sh.sip.invite(id, target, offer, self.legs_tx.clone()) {
            tracing::warn!(error = %e, "INVITE not sent");
            media.close();
            self.sh.ports.release(port);
            return None;
        }
        let idx = self.cdr.legs.len();
        self.cdr.legs.push(LegRecord {
            leg_id: id.to_string(),
            role,
            target: target_name.into(),
            started_at: self.sh.clock.now(),
            answered_at: None,
            ended_at: None,
            final_sip_code: None,
            initiated_by: self
                .agent_id
                .clone()
                .filter(|_| role != LegRole::AgentOffer),
        });
        self.others.insert(
            id,
            Leg {
                id,
                media,
                answered: false,
                role,
                cdr_index: idx,
            },
        );
        Some(id)
    }

    /// Apply a 200's SDP to an outgoing leg.
    fn leg_answered(&mut self, id: LegId, sdp_body: Option<&[u8]>) -> bool {
        let Some(l) = self.others.get_mut(&id) else {
            return false;
        };
        let Some(r) = sdp_body.and_then(|b| sdp::parse(b).ok()) else {
            return false;
        };
        let Ok(n) = r.negotiate() else { return false };
        l.media
            .set_remote(r.rtp_addr, r.ip, n.law, n.telephone_event);
        l.answered = true;
        let now = self.sh.clock.now();
        self.cdr.legs[l.cdr_index].answered_at = Some(now);
        true
    }

    /// Ask a leg to end; its port is released when its final event arrives (or at the end).
    async fn end_leg(&mut self, id: LegId, code: Option<u16>) {
        if let Some(l) = self.others.remove(&id) {
            l.media.close();
            if let Some(c) = code {
                self.cdr.legs[l.cdr_index].final_sip_code.get_or_insert(c);
            }
            self.cdr.legs[l.cdr_index]
                .ended_at
                .get_or_insert(self.sh.clock.now());
            self.hangup_later(id);
            self.closing.insert(id, l);
        }
    }

    /// A leg whose CANCEL/BYE is already sent: wait for its final event like [`Self::end_leg`].
    fn await_end(&mut self, id: LegId) {
        if let Some(l) = self.others.remove(&id) {
            l.media.close();
            self.cdr.legs[l.cdr_index]
                .ended_at
                .get_or_insert(self.sh.clock.now());
            self.closing.insert(id, l);
        }
    }

    /// Ring `o`'s agent again, asking the phone to answer by itself (`call.answer`); the
    /// offer keeps its reservation. Withdrawn when the phone is no longer reachable.
    async fn ring_auto(
        &mut self,
        o: Offer,
        ring: &mut HashMap<LegId, (Instant, Offer)>,
        auto: &mut HashSet<LegId>,
    ) {
        let leg = self
            .agent_target(&o.sip_username)
            .map(|t| OutboundTarget {
                auto_answer: true,
                ..t
            })
            .and_then(|t| self.new_leg(LegRole::AgentOffer, &o.agent_id, &t));
        match leg {
            Some(leg) => {
                auto.insert(leg);
                let until = Instant::now() + Duration::from_secs(o.ring_timeout_s as u64);
                ring.insert(leg, (until, o));
            }
            None => self.offer_done(&o, OfferOutcome::Withdrawn).await,
        }
    }

    /// Send CANCEL/BYE without waiting for the transaction (a dead peer would hold the actor
    /// for 32 s of retransmissions); the leg's final event arrives on the leg channel.
    fn hangup_later(&self, id: LegId) {
        let sip = self.sh.sip.clone();
        tokio::spawn(async move {
            if let Err(e) = sip.hangup(id).await {
                tracing::debug!(leg = %id, error = %e, "hangup");
            }
        });
    }

    /// A leg whose dialog is over: free its port.
    fn release(&mut self, l: Leg, code: Option<u16>) {
        l.media.close();
        self.harvest(&l.media);
        self.sh.ports.release(l.port());
        if let Some(c) = code {
            self.cdr.legs[l.cdr_index].final_sip_code.get_or_insert(c);
        }
        self.cdr.legs[l.cdr_index]
            .ended_at
            .get_or_insert(self.sh.clock.now());
    }

    fn harvest(&self, m: &LegMedia) {
        let s = m.rx_stats();
        let t = &self.sh.totals;
        t.rx_packets.fetch_add(s.packets, Ordering::Relaxed);
        t.rx_lost.fetch_add(s.lost, Ordering::Relaxed);
        t.rx_late.fetch_add(s.late, Ordering::Relaxed);
        t.relayed.fetch_add(
            m.counters.relayed.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        t.tx_packets.fetch_add(
            m.counters.tx_packets.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
    }

    fn agent_target(&self, sip_username: &str) -> Option<OutboundTarget> {
        agent_target_for(&self.sh, sip_username, &self.cdr.caller_number)
    }

    /// Resolve a transfer target: an agent/extension with a registered phone, else a
    /// national number through the trunk (hotline number as identity, toll-fraud checks).
    fn transfer_target(&self, target: &str) -> Option<OutboundTarget> {
        let agent_user = {
            let acd = self.sh.acd.lock().unwrap_or_else(|e| e.into_inner());
            acd.agents
                .values()
                .find(|a| a.row.id == target || a.row.sip_username == target)
                .map(|a| a.row.sip_username.clone())
        };
        if let Some(u) = agent_user
            .or_else(|| Some(target.to_string()))
            .and_then(|u| self.agent_target(&u))
        {
            return Some(u);
        }
        trunk_target(&self.sh, target).map(|(_, t)| t)
    }

    // ---------- queue ----------

    async fn queue(
        &mut self,
        queue_id: &str,
        max_wait_override: Option<u32>,
    ) -> Result<QueueExit, End> {
        let now = self.sh.clock.now();
        let joined = {
            let mut acd = self.sh.acd.lock().unwrap_or_else(|e| e.into_inner());
            acd.join(
                queue_id,
                Waiting {
                    call_id: self.id.clone(),
                    enqueued_at: self.cdr.queue_entered_at.unwrap_or(now),
                    priority: 0,
                    caller_number: self.cdr.caller_number.clone(),
                    ringing: Default::default(),
                },
            )
        };
        match joined {
            Err(JoinError::Full) => return Ok(QueueExit::Full),
            Err(JoinError::NoAgent) | Err(JoinError::UnknownQueue) => {
                return Ok(QueueExit::NoAgent);
            }
            Ok(_) => {}
        }
        self.queue_id = Some(queue_id.to_string());
        self.cdr.queue_id = Some(queue_id.to_string());
        // overflow keeps the original enqueue time for fairness
        self.cdr.queue_entered_at.get_or_insert(now);
        self.ms.in_queue = true;
        let entry = QueueEntryRow {
            call_id: self.id.clone(),
            queue_id: queue_id.into(),
            node_id: self.sh.cfg.node_id.clone(),
            caller_number: self.cdr.caller_number.clone(),
            enqueued_at: now,
            priority: 0,
        };
        let _ = self.sh.store.put_queue_entry(&entry).await;
        self.event("queue.enter", None, serde_json::json!({"queue": queue_id}))
            .await;
        let row = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queues
            .get(queue_id)
            .map(|q| q.row.clone());
        let Some(row) = row else {
            return Ok(QueueExit::NoAgent);
        };
        let moh = vec![row.moh_prompt.clone()];
        let mut moh_token = self.play(&moh, true);
        let mut announce_token = 0u64;
        let max_wait = max_wait_override.map(|s| Instant::now() + Duration::from_secs(s as u64));
        let announce_every = Duration::from_secs(row.announce_every_s.max(1) as u64);
        let mut next_announce =
            (row.announce_every_s > 0).then(|| Instant::now() + Duration::from_secs(5));
        let mut last_position = 0u32;
        let mut ring_deadlines: HashMap<LegId, (Instant, Offer)> = HashMap::new();
        // `call.answer`: ringing legs being CANCELled before the offer with the auto-answer
        // hint (re-offered when the phone confirms, or at the instant given), and the
        // re-offered legs
        let mut answering: HashMap<LegId, Instant> = HashMap::new();
        let mut auto_legs: HashSet<LegId> = HashSet::new();
        let mut no_agent_since: Option<Instant> = None;
        self.sh.dispatch();
        if let Some(q) = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queue_summary(queue_id, now)
        {
            self.sh.emit(q);
        }
        let result = loop {
            let mut until = Instant::now() + Duration::from_secs(1);
            for (d, _) in ring_deadlines.values() {
                until = until.min(*d);
            }
            for d in answering.values() {
                until = until.min(*d);
            }
            if let Some(m) = max_wait {
                until = until.min(m);
            }
            if let Some(a) = next_announce {
                until = until.min(a);
            }
            let ev = match self.wait(Some(until)).await {
                Ok(ev) => ev,
                Err(e) => break Err(e),
            };
            match ev {
                Ev::Timeout => {
                    let now_i = Instant::now();
                    // the phone never confirmed the CANCEL: offer again all the same
                    let late: Vec<LegId> = answering
                        .iter()
                        .filter(|(_, d)| **d <= now_i)
                        .map(|(l, _)| *l)
                        .collect();
                    for l in late {
                        answering.remove(&l);
                        self.await_end(l);
                        if let Some((_, o)) = ring_deadlines.remove(&l) {
                            self.ring_auto(o, &mut ring_deadlines, &mut auto_legs).await;
                        }
                    }
                    // ring timeouts
                    let expired: Vec<LegId> = ring_deadlines
                        .iter()
                        .filter(|(l, (d, _))| *d <= now_i && !answering.contains_key(l))
                        .map(|(l, _)| *l)
                        .collect();
                    for l in expired {
                        if let Some((_, o)) = ring_deadlines.remove(&l) {
                            self.end_leg(l, Some(408)).await;
                            self.offer_done(&o, OfferOutcome::NoAnswer).await;
                        }
                    }
                    if max_wait.is_some_and(|m| m <= now_i) {
                        break Ok(QueueExit::MaxWait);
                    }
                    if !self
                        .sh
                        .acd
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .has_logged_in(queue_id)
                    {
                        let since = *no_agent_since.get_or_insert(now_i);
                        if now_i.duration_since(since) >= Duration::from_secs(row.no_agent_s as u64)
                        {
                            break Ok(QueueExit::NoAgent);
                        }
                    } else {
                        no_agent_since = None;
                    }
                    if next_announce.is_some_and(|a| a <= now_i) && ring_deadlines.is_empty() {
                        next_announce = Some(now_i + announce_every);
                        let pos = self
                            .sh
                            .acd
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .position(queue_id, &self.id);
                        if let Some((p, eta)) = pos
                            && p != last_position
                        {
                            last_position = p;
                            announce_token = self.play(&announcement(p, eta), false);
                        }
                    }
                }
                Ev::PlayDone(t) if t == announce_token => {
                    moh_token = self.play(&moh, true);
                }
                Ev::PlayDone(t) if t == moh_token => {}
                Ev::Msg(CallMsg::Offer(o)) => match self.agent_target(&o.sip_username) {
                    Some(target) => match self.new_leg(LegRole::AgentOffer, &o.agent_id, &target) {
                        Some(leg) => {
                            ring_deadlines.insert(
                                leg,
                                (
                                    Instant::now() + Duration::from_secs(o.ring_timeout_s as u64),
                                    o.clone(),
                                ),
                            );
                            let wait_s = (self.sh.clock.now()
                                - self.cdr.queue_entered_at.unwrap_or(now))
                            .num_seconds()
                            .max(0) as u32;
                            self.sh.emit(EventKind::CallOffered {
                                call_id: self.id.clone(),
                                agent_id: o.agent_id.clone(),
                                caller_number: if self.cdr.caller_private {
                                    "anonymous".into()
                                } else {
                                    self.cdr.caller_number.clone()
                                },
                                did: self.cdr.did.clone(),
                                ivr_path: self.cdr.ivr_path.clone(),
                                queue_id: queue_id.into(),
                                wait_s,
                            });
                        }
                        None => self.offer_done(&o, OfferOutcome::Withdrawn).await,
                    },
                    None => self.offer_done(&o, OfferOutcome::Withdrawn).await,
                },
                Ev::Msg(CallMsg::Command(Command::CallAnswer { agent_id, .. }, reply)) => {
                    let ringing = ring_deadlines
                        .iter()
                        .find(|(_, (_, o))| o.agent_id == agent_id)
                        .map(|(l, _)| *l);
                    let r = match ringing {
                        None => CommandReply::err(
                            CommandErrorCode::InvalidState,
                            "the call is not ringing at this agent's phone",
                        ),
                        // asked already: the phone is about to answer
                        Some(l) if answering.contains_key(&l) || auto_legs.contains(&l) => {
                            CommandReply::ok()
                        }
                        Some(l) => {
                            // CANCEL first: a phone with one line would refuse a second
                            // INVITE as busy while the first still rings
                            tracing::info!(call_id = %self.id, agent = %agent_id, "answer from the console: offering again with auto-answer");
                            self.hangup_later(l);
                            answering.insert(l, Instant::now() + Duration::from_secs(2));
                            self.event(
                                "agent.answer_requested",
                                Some(l),
                                serde_json::json!({"agent": agent_id}),
                            )
                            .await;
                            CommandReply::ok()
                        }
                    };
                    let _ = reply.send(r);
                }
                Ev::Leg(leg, e @ (SipLegEvent::Failed { .. } | SipLegEvent::Ended { .. }))
                    if answering.contains_key(&leg) =>
                {
                    // the phone confirmed the CANCEL: ring it again with the hint
                    answering.remove(&leg);
                    let code = match e {
                        SipLegEvent::Failed { code } => Some(code),
                        _ => None,
                    };
                    if let Some(l) = self.others.remove(&leg) {
                        self.release(l, code);
                    }
                    if let Some((_, o)) = ring_deadlines.remove(&leg) {
                        self.ring_auto(o, &mut ring_deadlines, &mut auto_legs).await;
                    }
                }
                Ev::Leg(leg, SipLegEvent::Answered { sdp })
                    if ring_deadlines.contains_key(&leg) =>
                {
                    // answered on the handset before our CANCEL arrived: that is an answer too
                    answering.remove(&leg);
                    let Some((_, o)) = ring_deadlines.remove(&leg) else {
                        continue;
                    };
                    if !self.leg_answered(leg, sdp.as_deref()) {
                        self.end_leg(leg, Some(488)).await;
                        self.offer_done(&o, OfferOutcome::Withdrawn).await;
                        continue;
                    }
                    // first answer wins: cancel the other ringing agents
                    for (other, (_, oo)) in ring_deadlines.drain().collect::<Vec<_>>() {
                        self.end_leg(other, Some(487)).await;
                        self.offer_done(&oo, OfferOutcome::Withdrawn).await;
                    }
                    self.sh.pacer.stop(&self.caller.media);
                    self.agent_answered(leg, &o).await;
                    break Ok(QueueExit::Served);
                }
                Ev::Leg(leg, e @ (SipLegEvent::Failed { .. } | SipLegEvent::Ended { .. }))
                    if ring_deadlines.contains_key(&leg) =>
                {
                    let code = match e {
                        SipLegEvent::Failed { code } => code,
                        _ => 0,
                    };
                    if let Some((_, o)) = ring_deadlines.remove(&leg)
                        && let Some(l) = self.others.remove(&leg)
                    {
                        self.release(l, Some(code));
                        let outcome = if matches!(code, 486 | 600 | 603) {
                            OfferOutcome::Rejected
                        } else {
                            OfferOutcome::NoAnswer
                        };
                        self.offer_done(&o, outcome).await;
                    }
                }
                Ev::Digit(d) => self.digits.push_back(d),
                Ev::Msg(m) => self.refuse(m),
                _ => {}
            }
        };
        // leaving the queue on every path
        let ringing = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .leave(queue_id, &self.id);
        // legs already CANCELled for a re-offer are not CANCELled twice
        for leg in answering.into_keys() {
            self.await_end(leg);
        }
        for (leg, (_, o)) in ring_deadlines.drain().collect::<Vec<_>>() {
            self.end_leg(leg, Some(487)).await;
            self.offer_done(&o, OfferOutcome::Withdrawn).await;
        }
        let _ = ringing;
        let _ = self.sh.store.remove_queue_entry(&self.id).await;
        let left = self.sh.clock.now();
        let wait_s = (left - self.cdr.queue_entered_at.unwrap_or(left))
            .num_seconds()
            .max(0) as u32;
        match &result {
            Ok(QueueExit::Served) => {}
            _ => {
                self.cdr.queue_left_at = Some(left);
                self.sh.pacer.stop(&self.caller.media);
            }
        }
        if matches!(result, Err(End::CallerGone)) {
            self.sh
                .acd
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .abandoned(queue_id, wait_s);
            self.callback_task(CallbackReason::AbandonedInQueue).await;
        }
        if matches!(result, Ok(QueueExit::NoAgent)) {
            self.callback_task(CallbackReason::NoAgent).await;
        }
        if let Some(q) = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queue_summary(queue_id, left)
        {
            self.sh.emit(q);
        }
        self.sh.dispatch();
        match result {
            Ok(QueueExit::Served) => self.talk().await.map(|_| QueueExit::Served),
            other => other,
        }
    }

    async fn offer_done(&mut self, o: &Offer, outcome: OfferOutcome) {
        let ev = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .offer_result(
                &o.queue_id,
                &o.call_id,
                &o.agent_id,
                outcome,
                self.sh.clock.now(),
            );
        self.sh.emit_all(ev);
        if outcome != OfferOutcome::Answered {
            let _ = self
                .sh
                .store
                .set_agent_state(&o.agent_id, AgentState::Idle, None)
                .await;
            let sh = self.sh.clone();
            tokio::spawn(async move { sh.dispatch() });
        }
    }

    async fn agent_answered(&mut self, leg: LegId, o: &Offer) {
        self.offer_done(o, OfferOutcome::Answered).await;
        let _ = self
            .sh
            .store
            .set_agent_state(&o.agent_id, AgentState::InCall, Some(&self.id))
            .await;
        if let Some(l) = self.others.get_mut(&leg) {
            l.role = LegRole::Agent;
            self.cdr.legs[l.cdr_index].role = LegRole::Agent;
        }
        let now = self.sh.clock.now();
        let wait_s = (now - self.cdr.queue_entered_at.unwrap_or(now))
            .num_seconds()
            .max(0) as u32;
        self.sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .answered(&o.queue_id, wait_s);
        self.agent = Some(leg);
        self.agent_id = Some(o.agent_id.clone());
        self.ms.agent_answered = true;
        self.cdr.agent_id = Some(o.agent_id.clone());
        self.cdr.agent_answered_at = Some(now);
        self.cdr.queue_left_at = Some(now);
        self.bridge(leg);
        self.start_recording(leg);
        let _ = self.sh.store.put_call(&self.cdr).await;
        self.event(
            "agent.answered",
            Some(leg),
            serde_json::json!({"agent": o.agent_id}),
        )
        .await;
        self.sh.emit(EventKind::CallAnswered {
            call_id: self.id.clone(),
            agent_id: Some(o.agent_id.clone()),
        });
    }

    fn bridge(&self, leg: LegId) {
        let Some(other) = self.others.get(&leg).map(|l| l.media.clone()) else {
            return;
        };
        self.sh.pacer.stop(&self.caller.media);
        self.caller.media.source_changed();
        other.source_changed();
        self.caller.media.bridge_to(Some(other.clone()));
        other.bridge_to(Some(self.caller.media.clone()));
        if let Some(r) = &self.recorder {
            other.record_into(Some((r.clone(), Channel::Right)));
        }
    }

    fn unbridge_caller(&self) {
        self.caller.media.bridge_to(None);
        for l in self.others.values() {
            l.media.bridge_to(None);
        }
    }

    fn start_recording(&mut self, leg: LegId) {
        if !self.sh.cfg.record_calls || self.recorder.is_some() {
            return;
        }
        let path = self.sh.cfg.recordings_dir.join(format!("{}.wav", self.id));
        match Recorder::create(&path) {
            Ok(r) => {
                let r = Arc::new(r);
                self.caller
                    .media
                    .record_into(Some((r.clone(), Channel::Left)));
                if let Some(l) = self.others.get(&leg) {
                    l.media.record_into(Some((r.clone(), Channel::Right)));
                }
                self.sh.pacer.add_recorder(r.clone());
                self.recorder = Some(r);
                self.rec_started = Some(self.sh.clock.now());
            }
            Err(e) => tracing::error!(error = %e, "recording not started"),
        }
    }

    // ---------- talking, hold, transfers ----------

    async fn talk(&mut self) -> Result<(), End> {
        let mut xfer: Option<(LegId, bool, String)> = None; // (C leg, attended, target)
        let mut consult_up = false;
        let mut held = false;
        loop {
            let ev = self.wait(None).await?;
            match ev {
                Ev::Leg(leg, SipLegEvent::Ended { .. }) if Some(leg) == self.agent => {
                    if let Some(l) = self.others.remove(&leg) {
                        self.release(l, None);
                    }
                    self.agent = None;
                    match xfer.take() {
                        // the agent hung up during a consultation: complete automatically
                        Some((c, true, target)) if consult_up => {
                            self.complete_transfer(c, &target).await;
                        }
                        Some((c, _, target)) => {
                            // blind transfer still ringing, or consult not answered: caller waits for C
                            xfer = Some((c, false, target));
                            self.side = HangupSide::Agent;
                        }
                        None => {
                            self.side = HangupSide::Agent;
                            return Err(End::AgentGone);
                        }
                    }
                }
                Ev::Leg(leg, SipLegEvent::Answered { sdp })
                    if xfer.as_ref().is_some_and(|x| x.0 == leg) =>
                {
                    let (c, attended, target) = xfer.clone().unwrap_or((leg, false, String::new()));
                    if !self.leg_answered(c, sdp.as_deref()) {
                        self.end_leg(c, Some(488)).await;
                        xfer = None;
                        continue;
                    }
                    if attended && self.agent.is_some() {
                        // consultation: agent ↔ officer; caller keeps MOH
                        consult_up = true;
                        if let (Some(b), Some(cm)) = (
                            self.agent
                                .and_then(|a| self.others.get(&a))
                                .map(|l| l.media.clone()),
                            self.others.get(&c).map(|l| l.media.clone()),
                        ) {
                            b.bridge_to(Some(cm.clone()));
                            cm.bridge_to(Some(b));
                        }
                    } else {
                        xfer = None;
                        self.complete_transfer(c, &target).await;
                    }
                }
                Ev::Leg(leg, SipLegEvent::Failed { code })
                    if xfer.as_ref().is_some_and(|x| x.0 == leg) =>
                {
                    let target = xfer.take().map(|x| x.2).unwrap_or_default();
                    if let Some(l) = self.others.remove(&leg) {
                        self.release(l, Some(code));
                    }
                    self.sh.emit(EventKind::TransferFailed {
                        call_id: self.id.clone(),
                        target,
                        code,
                    });
                    match self.agent {
                        // never drop the citizen: back to the agent
                        Some(a) => self.bridge(a),
                        None => return Err(End::AgentGone),
                    }
                }
                Ev::Leg(leg, SipLegEvent::Ended { .. }) => {
                    // the transfer target or the bridged officer hung up
                    if let Some(l) = self.others.remove(&leg) {
                        self.release(l, None);
                    }
                    if xfer.as_ref().is_some_and(|x| x.0 == leg) {
                        xfer = None;
                        consult_up = false;
                        if let Some(a) = self.agent {
                            self.bridge(a);
                        }
                    } else if self.agent.is_none() || Some(leg) == self.agent {
                        self.side = HangupSide::Agent;
                        return Err(End::AgentGone);
                    }
                }
                Ev::Leg(leg, SipLegEvent::Refer { target }) if Some(leg) == self.agent => {
                    // blind transfer from the agent's phone
                    let _ = self.sh.sip.notify_refer(leg, 100, false).await;
                    let ok = self.start_transfer(&target, false, &mut xfer);
                    let _ = self
                        .sh
                        .sip
                        .notify_refer(leg, if ok { 200 } else { 503 }, true)
                        .await;
                }
                Ev::Msg(CallMsg::Command(cmd, reply)) => {
                    let r = match cmd {
                        Command::CallHold { .. } if !held => {
                            held = true;
                            self.unbridge_caller();
                            let moh = self
                                .sh
                                .acd
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .queues
                                .get(self.queue_id.as_deref().unwrap_or(""))
                                .map(|q| q.row.moh_prompt.clone())
                                .unwrap_or_else(|| "nhac_cho".into());
                            self.play(&[moh], true);
                            self.sh.emit(EventKind::CallHeld {
                                call_id: self.id.clone(),
                                on_hold: true,
                            });
                            CommandReply::ok()
                        }
                        Command::CallMute { .. } if self.agent.is_some() => {
                            self.set_muted(true).await;
                            CommandReply::ok()
                        }
                        Command::CallUnmute { .. } if self.agent.is_some() => {
                            self.set_muted(false).await;
                            CommandReply::ok()
                        }
                        // a second click, or a hint that crossed the phone's own answer
                        Command::CallAnswer { agent_id, .. }
                            if self.agent_id.as_deref() == Some(agent_id.as_str()) =>
                        {
                            CommandReply::ok()
                        }
                        Command::CallUnhold { .. } if held => {
                            held = false;
                            if let Some(a) = self.agent {
                                self.bridge(a);
                            }
                            self.sh.emit(EventKind::CallHeld {
                                call_id: self.id.clone(),
                                on_hold: false,
                            });
                            CommandReply::ok()
                        }
                        Command::TransferBlind { target, .. } if xfer.is_none() => {
                            if self.start_transfer(&target, false, &mut xfer) {
                                CommandReply::ok()
                            } else {
                                CommandReply::err(
                                    CommandErrorCode::NotFound,
                                    "transfer target unreachable or not allowed",
                                )
                            }
                        }
                        Command::TransferAttendedStart { target, .. } if xfer.is_none() => {
                            if self.start_transfer(&target, true, &mut xfer) {
                                CommandReply::ok()
                            } else {
                                CommandReply::err(
                                    CommandErrorCode::NotFound,
                                    "transfer target unreachable or not allowed",
                                )
                            }
                        }
                        Command::TransferAttendedComplete { .. } if consult_up => {
                            if let Some((c, _, target)) = xfer.take() {
                                consult_up = false;
                                self.complete_transfer(c, &target).await;
                            }
                            CommandReply::ok()
                        }
                        Command::TransferAttendedCancel { .. }
                            if xfer.as_ref().is_some_and(|x| x.1) =>
                        {
                            if let Some((c, _, target)) = xfer.take() {
                                consult_up = false;
                                self.end_leg(c, None).await;
                                if let Some(a) = self.agent {
                                    self.bridge(a);
                                }
                                self.sh.emit(EventKind::TransferCancelled {
                                    call_id: self.id.clone(),
                                    target,
                                });
                            }
                            CommandReply::ok()
                        }
                        _ => CommandReply::err(
                            CommandErrorCode::InvalidState,
                            "command not valid in this state",
                        ),
                    };
                    let _ = reply.send(r);
                }
                Ev::Msg(m) => self.refuse(m),
                _ => {}
            }
        }
    }

    /// Originate leg C; the caller hears MOH meanwhile.
    fn start_transfer(
        &mut self,
        target: &str,
        attended: bool,
        xfer: &mut Option<(LegId, bool, String)>,
    ) -> bool {
        let Some(t) = self.transfer_target(target) else {
            return false;
        };
        let role = if attended {
            LegRole::Consult
        } else {
            LegRole::TransferTarget
        };
        let Some(c) = self.new_leg(role, target, &t) else {
            return false;
        };
        self.unbridge_caller();
        // the consultation (agent ↔ officer) is not part of the caller's recording
        if let Some(a) = self.agent.and_then(|a| self.others.get(&a)) {
            a.media.record_into(None);
        }
        self.play(&["nhac_cho".to_string()], true);
        *xfer = Some((c, attended, target.to_string()));
        self.cdr.transfers += 1;
        self.sh.emit(EventKind::TransferStarted {
            call_id: self.id.clone(),
            kind: if attended {
                "attended".into()
            } else {
                "blind".into()
            },
            target: target.into(),
        });
        true
    }

    /// Mute or unmute the agent's audio: whoever is bridged to the agent (the caller, or the
    /// officer during a consultation) hears silence, as with a handset's mute key. Repeating
    /// it is harmless and tells the consoles again.
    async fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
        if let Some(l) = self.agent.and_then(|a| self.others.get(&a)) {
            l.media.muted.store(muted, Ordering::Relaxed);
        }
        self.event(
            "call.muted",
            self.agent,
            serde_json::json!({"muted": muted}),
        )
        .await;
        self.sh.emit(EventKind::CallMuted {
            call_id: self.id.clone(),
            muted,
        });
    }

    /// Bridge caller ↔ C, end the agent leg.
    async fn complete_transfer(&mut self, c: LegId, target: &str) {
        if let Some(a) = self.agent.take() {
            self.end_leg(a, None).await;
        }
        // the officer's audio is not muted: the agent's mute ends with the agent's leg
        if std::mem::take(&mut self.muted) {
            self.sh.emit(EventKind::CallMuted {
                call_id: self.id.clone(),
                muted: false,
            });
        }
        if let Some(l) = self.others.get_mut(&c) {
            l.role = LegRole::TransferTarget;
            self.cdr.legs[l.cdr_index].role = LegRole::TransferTarget;
        }
        self.agent = Some(c);
        self.bridge(c);
        self.ms.transferred = true;
        self.release_agent_after_call().await;
        self.sh.emit(EventKind::TransferCompleted {
            call_id: self.id.clone(),
            target: target.into(),
        });
    }

    /// Transfer node of a flow (no agent involved).
    async fn transfer_node(&mut self, target: &str) -> Result<bool, End> {
        let mut x = None;
        if !self.start_transfer(target, false, &mut x) {
            return Ok(false);
        }
        let Some((c, _, _)) = x else { return Ok(false) };
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            match self.wait(Some(until)).await? {
                Ev::Leg(l, SipLegEvent::Answered { sdp }) if l == c => {
                    if !self.leg_answered(c, sdp.as_deref()) {
                        self.end_leg(c, Some(488)).await;
                        return Ok(false);
                    }
                    self.agent = Some(c);
                    self.bridge(c);
                    self.start_recording(c);
                    self.ms.transferred = true;
                    return self.talk().await.map(|_| true);
                }
                Ev::Leg(l, SipLegEvent::Failed { code }) if l == c => {
                    if let Some(l) = self.others.remove(&c) {
                        self.release(l, Some(code));
                    }
                    self.sh.pacer.stop(&self.caller.media);
                    return Ok(false);
                }
                Ev::Timeout => {
                    self.end_leg(c, Some(408)).await;
                    self.sh.pacer.stop(&self.caller.media);
                    return Ok(false);
                }
                Ev::Msg(m) => self.refuse(m),
                _ => {}
            }
        }
    }

    /// The agent is free of this call: wrap-up, then idle.
    async fn release_agent_after_call(&mut self) {
        let (Some(agent_id), Some(queue_id)) = (self.agent_id.take(), self.queue_id.clone()) else {
            return;
        };
        let now = self.sh.clock.now();
        let talk = self
            .cdr
            .agent_answered_at
            .map(|a| (now - a).num_seconds().max(0) as u32)
            .unwrap_or(0);
        let (wrap, ev) = self
            .sh
            .acd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .call_ended(&queue_id, &agent_id, talk, now);
        self.sh.emit_all(ev);
        self.cdr.wrap_up_s = Some(wrap);
        let state = if wrap > 0 {
            AgentState::WrapUp
        } else {
            AgentState::Idle
        };
        let _ = self.sh.store.set_agent_state(&agent_id, state, None).await;
        let sh = self.sh.clone();
        tokio::spawn(async move {
            if wrap > 0 {
                tokio::time::sleep(Duration::from_secs(wrap as u64)).await;
                let ev = sh
                    .acd
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .end_wrapup(&agent_id);
                if !ev.is_empty() {
                    sh.emit_all(ev);
                    let _ = sh
                        .store
                        .set_agent_state(&agent_id, AgentState::Idle, None)
                        .await;
                }
            }
            sh.dispatch();
        });
    }

    // ---------- the end ----------

    async fn finish(mut self, end: Result<(), End>) {
        let end = end.err().unwrap_or(End::EngineHangup);
        self.sh.pacer.stop(&self.caller.media);
        self.unbridge_caller();
        if let End::Rejected(code) = end {
            let _ = self.sh.sip.reject(self.caller.id, code);
            self.ms.rejected = true;
            self.cdr.hangup_sip_code = Some(code);
        } else if end != End::CallerGone {
            // BYE (or 480 before answer) to the caller
            self.hangup_later(self.caller.id);
        }
        // every other leg: CANCEL ringing, BYE answered
        let ids: Vec<LegId> = self.others.keys().copied().collect();
        for id in ids {
            self.end_leg(id, None).await;
        }
        self.release_agent_after_call().await;
        if let Some(agent_id) = self.originate_agent.take() {
            let ev = {
                let mut acd = self.sh.acd.lock().unwrap_or_else(|e| e.into_inner());
                match acd.agents.get_mut(&agent_id) {
                    Some(a) if a.call_id.as_deref() == Some(&self.id) => {
                        a.state = AgentState::Idle;
                        a.call_id = None;
                        a.last_call_ended = Some(self.sh.clock.now());
                        vec![EventKind::AgentStateChanged {
                            agent_id: agent_id.clone(),
                            state: AgentState::Idle,
                        }]
                    }
                    _ => vec![],
                }
            };
            self.sh.emit_all(ev);
            let _ = self
                .sh
                .store
                .set_agent_state(&agent_id, AgentState::Idle, None)
                .await;
            self.sh.dispatch();
        }
        if let Some(q) = self.queue_id.clone() {
            self.sh
                .acd
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .leave(&q, &self.id);
        }
        // recording
        if let Some(r) = self.recorder.take() {
            self.caller.media.record_into(None);
            self.sh.pacer.remove_recorder(r.clone());
            match r.close() {
                Ok(c) => {
                    let prev = self
                        .sh
                        .store
                        .last_recording_chain_hash()
                        .await
                        .ok()
                        .flatten();
                    let rid = uuid::Uuid::now_v7().to_string();
                    let chain = crate::recording::chain_hash(prev.as_deref(), &rid, &c.sha256);
                    let row = RecordingRow {
                        id: rid.clone(),
                        call_id: self.id.clone(),
                        path: c.path.display().to_string(),
                        bytes: c.bytes,
                        duration_ms: c.duration_ms,
                        sha256: c.sha256.clone(),
                        prev_chain_hash: prev,
                        chain_hash: chain,
                        started_at: self.rec_started.unwrap_or(self.cdr.arrived_at),
                        closed_at: self.sh.clock.now(),
                        repaired: false,
                    };
                    if let Err(e) = self.sh.store.put_recording(&row).await {
                        tracing::error!(error = %e, "recording row not stored");
                    }
                    self.cdr.recording_id = Some(rid.clone());
                    self.cdr.recording_sha256 = Some(c.sha256.clone());
                    self.sh.emit(EventKind::RecordingReady {
                        call_id: self.id.clone(),
                        recording_id: rid,
                        sha256: c.sha256,
                    });
                }
                Err(e) => tracing::error!(error = %e, "recording not closed"),
            }
        }
        let cause = match end {
            End::CallerGone => "caller_hangup",
            End::AgentGone => "agent_hangup",
            End::EngineHangup => "normal_clearing",
            End::Shutdown => "shutdown",
            End::Rejected(_) => "rejected",
            End::RtpTimeout => "rtp_timeout",
        };
        let side = if end == End::CallerGone {
            HangupSide::Caller
        } else {
            self.side
        };
        self.cdr.close(self.ms, side, cause, self.sh.clock.now());
        self.event("call.ended", None, serde_json::json!({"cause": cause}))
            .await;
        if let Err(e) = self.sh.store.put_call(&self.cdr).await {
            tracing::error!(error = %e, "CDR not stored");
        }
        if let Some(d) = self.cdr.disposition {
            self.sh.emit(EventKind::CallEnded {
                call_id: self.id.clone(),
                disposition: d,
            });
        }
        self.sh
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
        // wait (bounded) for the legs we ended to confirm, then free every port
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.closing.is_empty() && Instant::now() < deadline {
            match tokio::time::timeout_at(deadline, self.legs_rx.recv()).await {
                Ok(Some((
                    leg,
                    SipLegEvent::Failed { .. } | SipLegEvent::Ended { .. } | SipLegEvent::Cancelled,
                ))) => {
                    if let Some(l) = self.closing.remove(&leg) {
                        self.release(l, None);
                    }
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        for (_, l) in self.closing.drain().collect::<Vec<_>>() {
            self.release(l, None);
        }
        let caller = &self.caller;
        caller.media.close();
        self.harvest(&caller.media);
        self.sh.ports.release(caller.media.port);
        self.sh.trunk_call_done(self.cdr.trunk_id.as_deref());
        self.sh.calls_finished.fetch_add(1, Ordering::Relaxed);
    }
}

impl Leg {
    fn port(&self) -> u16 {
        self.media.port
    }
}

fn mono_now_ms() -> u64 {
    // LegMedia measures silence against the same process-wide monotonic origin
    crate::media::leg::now_ms()
}

/// Exits of a queue node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueueExit {
    Served,
    MaxWait,
    NoAgent,
    Full,
}

/// Position and ETA announcement (Vietnamese number fragments).
fn announcement(position: u32, eta: crate::acd::stats::Eta) -> Vec<String> {
    if position == 1 {
        return vec!["quy_vi_la_nguoi_tiep_theo".into()];
    }
    let mut v = vec!["vi_tri_cua_quy_vi".to_string()];
    v.extend(
        crate::vi_numbers::read_number(position)
            .into_iter()
            .map(crate::vi_numbers::fragment_prompt_id),
    );
    v.push("thoi_gian_cho_khoang".into());
    match eta {
        crate::acd::stats::Eta::Minutes(m) => {
            v.extend(
                crate::vi_numbers::read_number(m)
                    .into_iter()
                    .map(crate::vi_numbers::fragment_prompt_id),
            );
            v.push("phut".into());
        }
        crate::acd::stats::Eta::MoreThan(_) => v.push("hon_muoi_phut".into()),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acd::stats::Eta;

    #[test]
    fn announcements_use_vietnamese_number_fragments() {
        assert_eq!(
            announcement(1, Eta::Minutes(1)),
            vec!["quy_vi_la_nguoi_tiep_theo"]
        );
        assert_eq!(
            announcement(21, Eta::Minutes(5)),
            vec![
                "vi_tri_cua_quy_vi",
                "so_hai",
                "so_muoi_2",
                "so_mot_2",
                "thoi_gian_cho_khoang",
                "so_nam",
                "phut"
            ]
        );
        assert_eq!(
            announcement(3, Eta::MoreThan(10))
                .last()
                .map(String::as_str),
            Some("hon_muoi_phut")
        );
    }
}
