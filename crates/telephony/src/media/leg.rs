//! One leg's media endpoint: an RTP socket from the port range, symmetric RTP with
//! latching, the relay to a bridged peer (own SSRC/seq/timestamp, marker on source change,
//! A-law ↔ µ-law by table), the recording tap, DTMF detection and receive statistics.

use super::dtmf::DtmfDetector;
use super::g711::Law;
use super::rtp::{self, OutStream, RxStats};
use crate::recording::{Channel, Recorder};
use crate::sip::LegId;
use std::collections::VecDeque;
use std::net::UdpSocket;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Silent payloads (the largest frame relayed) sent in place of a muted leg's audio.
static ALAW_QUIET: [u8; 480] = [super::g711::ALAW_SILENCE; 480];
static ULAW_QUIET: [u8; 480] = [super::g711::ULAW_SILENCE; 480];

/// What media tells the call actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    Dtmf {
        leg: LegId,
        digit: char,
    },
    /// A prompt sequence started with a token finished.
    PlayDone {
        leg: LegId,
        token: u64,
    },
}

/// RTP ports (even numbers) of the configured range.
#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    free: Mutex<VecDeque<u16>>,
    in_use: AtomicUsize,
}

impl PortPool {
    pub fn new(ip: IpAddr, first: u16, last: u16) -> PortPool {
        let first = first + (first % 2);
        let free = (first..last).step_by(2).collect();
        PortPool {
            ip,
            free: Mutex::new(free),
            in_use: AtomicUsize::new(0),
        }
    }

    /// Bind a socket on the next free port (skipping ports another program holds).
    pub fn bind(&self) -> Option<(std::net::UdpSocket, u16)> {
        let mut g = self.free.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..g.len() {
            let port = g.pop_front()?;
            match std::net::UdpSocket::bind(SocketAddr::new(self.ip, port)) {
                Ok(s) => {
                    self.in_use.fetch_add(1, Ordering::Relaxed);
                    return Some((s, port));
                }
                Err(_) => g.push_back(port),
            }
        }
        None
    }

    pub fn release(&self, port: u16) {
        self.in_use.fetch_sub(1, Ordering::Relaxed);
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(port);
    }

    /// Ports currently held by legs (asserted to be 0 after every test scenario).
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }
}

/// Where the far end is and how it speaks.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    /// From SDP; `None` while unknown or on `c=0.0.0.0` hold.
    pub sdp_addr: Option<SocketAddr>,
    pub sdp_ip: Option<IpAddr>,
    /// Address the peer's SIP came from: behind NAT the SDP holds a private address while
    /// RTP arrives from this one (pitfall 2), so packets from here are accepted and latched.
    pub signaling_ip: Option<IpAddr>,
    /// Source of the first valid packet (symmetric RTP).
    pub latched: Option<SocketAddr>,
    pub law: Option<Law>,
    pub te_pt: Option<u8>,
}

/// Per-leg counters (the load bench reads the sums).
#[derive(Debug, Default)]
pub struct LegCounters {
    pub rx_packets: AtomicU64,
    pub tx_packets: AtomicU64,
    pub dropped_foreign: AtomicU64,
    pub relayed: AtomicU64,
}

/// The media side of one leg.
pub struct LegMedia {
    pub leg: LegId,
    pub port: u16,
    socket: Arc<UdpSocket>,
    remote: Mutex<Remote>,
    out: Mutex<OutStream>,
    peer: Mutex<Option<Arc<LegMedia>>>,
    rec: Mutex<Option<(Arc<Recorder>, Channel)>>,
    rx: Mutex<RxStats>,
    dtmf: Mutex<DtmfDetector>,
    /// Token of the prompt sequence the pacer may play on this leg (0 = none).
    pub play_token: AtomicU64,
    pub counters: LegCounters,
    /// Milliseconds (engine monotonic clock) of the last packet received.
    pub last_rx_ms: AtomicU64,
    pub on_hold: AtomicBool,
    /// What this leg receives is replaced by silence (the agent muted from the console): the
    /// peer still gets a packet every 20 ms and the recorder a silent frame.
    pub muted: AtomicBool,
    events: mpsc::UnboundedSender<MediaEvent>,
    closed: AtomicBool,
}

impl std::fmt::Debug for LegMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegMedia")
            .field("leg", &self.leg)
            .field("port", &self.port)
            .finish()
    }
}

/// Milliseconds since the first call (process-wide monotonic origin).
pub fn now_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

impl LegMedia {
    /// Wrap a bound socket and hand it to a media poller shard.
    pub fn start(
        leg: LegId,
        socket: std::net::UdpSocket,
        port: u16,
        events: mpsc::UnboundedSender<MediaEvent>,
        poller: &super::poller::MediaPoller,
    ) -> std::io::Result<Arc<LegMedia>> {
        socket.set_nonblocking(true)?;
        let socket = Arc::new(socket);
        let m = Arc::new(LegMedia {
            leg,
            port,
            socket,
            remote: Mutex::new(Remote::default()),
            out: Mutex::new(OutStream::new_random()),
            peer: Mutex::new(None),
            rec: Mutex::new(None),
            rx: Mutex::new(RxStats::default()),
            dtmf: Mutex::new(DtmfDetector::default()),
            play_token: AtomicU64::new(0),
            counters: LegCounters::default(),
            last_rx_ms: AtomicU64::new(now_ms()),
            on_hold: AtomicBool::new(false),
            muted: AtomicBool::new(false),
            events,
            closed: AtomicBool::new(false),
        });
        poller.add(m.clone());
        Ok(m)
    }

    /// Set what SDP said (answer or re-INVITE). Resets latching when the address changed.
    pub fn set_remote(
        &self,
        addr: Option<SocketAddr>,
        ip: Option<IpAddr>,
        law: Law,
        te_pt: Option<u8>,
    ) {
        let mut r = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        if r.sdp_addr != addr && addr.is_some() {
            r.latched = None;
        }
        r.sdp_addr = addr;
        if ip.is_some() && !ip.is_some_and(|i| i.is_unspecified()) {
            r.sdp_ip = ip;
        }
        r.law = Some(law);
        r.te_pt = te_pt;
    }

    /// Accept (and latch) RTP from the peer's signaling address too.
    pub fn set_signaling_ip(&self, ip: IpAddr) {
        self.remote
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .signaling_ip = Some(ip);
    }

    pub fn law(&self) -> Law {
        self.remote
            .lock()
            .map(|r| r.law.unwrap_or(Law::Alaw))
            .unwrap_or(Law::Alaw)
    }

    fn destination(&self) -> Option<SocketAddr> {
        let r = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        r.latched.or(r.sdp_addr)
    }

    /// Relay what this leg receives to `peer` (None stops relaying).
    pub fn bridge_to(&self, peer: Option<Arc<LegMedia>>) {
        *self.peer.lock().unwrap_or_else(|e| e.into_inner()) = peer;
    }

    /// Send what this leg receives into `rec` on `ch` (None stops).
    pub fn record_into(&self, rec: Option<(Arc<Recorder>, Channel)>) {
        *self.rec.lock().unwrap_or_else(|e| e.into_inner()) = rec;
    }

    /// Mark a change of what we send on this leg (new prompt, MOH, new bridged party).
    pub fn source_changed(&self) {
        self.out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .source_changed();
    }

    /// Send one frame of generated audio (already in this leg's law).
    pub fn send_frame(&self, payload: &[u8], pt: u8) {
        let Some(dst) = self.destination() else {
            return;
        };
        if self.on_hold.load(Ordering::Relaxed) {
            return;
        }
        let mut buf = [0u8; rtp::HEADER_LEN + 480];
        let n = payload.len().min(480);
        self.out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_header(&mut buf, pt, n as u32);
        buf[rtp::HEADER_LEN..rtp::HEADER_LEN + n].copy_from_slice(&payload[..n]);
        if self
            .socket
            .send_to(&buf[..rtp::HEADER_LEN + n], dst)
            .is_ok()
        {
            self.counters.tx_packets.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn relay_in(&self, payload: &[u8], from_law: Law) {
        let Some(dst) = self.destination() else {
            return;
        };
        if self.on_hold.load(Ordering::Relaxed) {
            return;
        }
        let law = self.law();
        let mut buf = [0u8; rtp::HEADER_LEN + 480];
        let n = payload.len().min(480);
        buf[rtp::HEADER_LEN..rtp::HEADER_LEN + n].copy_from_slice(&payload[..n]);
        from_law.transcode_in_place(law, &mut buf[rtp::HEADER_LEN..rtp::HEADER_LEN + n]);
        self.out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_header(&mut buf, law.payload_type(), n as u32);
        if self
            .socket
            .send_to(&buf[..rtp::HEADER_LEN + n], dst)
            .is_ok()
        {
            self.counters.tx_packets.fetch_add(1, Ordering::Relaxed);
            self.counters.relayed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Receive statistics of the audio stream.
    pub fn rx_stats(&self) -> RxStats {
        self.rx.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Milliseconds since the last packet.
    pub fn silent_for_ms(&self) -> u64 {
        now_ms().saturating_sub(self.last_rx_ms.load(Ordering::Relaxed))
    }

    /// Stop receiving (the poller drops the leg at its next tick; the owner releases the port).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.bridge_to(None);
        self.record_into(None);
        self.play_token.store(0, Ordering::Relaxed);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Drain every datagram waiting on the socket (called by the poller each tick).
    pub(crate) fn drain(&self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while !self.closed.load(Ordering::Relaxed) {
            match self.socket.recv_from(buf) {
                Ok((len, src)) => {
                    n += 1;
                    self.on_datagram(&buf[..len], src);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // ICMP port unreachable from a peer that went away: keep going
                    tracing::trace!(error = %e, "RTP receive error");
                    if n > 10_000 {
                        break;
                    }
                    n += 1;
                }
            }
            if n >= 256 {
                break; // fairness between legs under a flood
            }
        }
        n
    }

    fn on_datagram(&self, pkt: &[u8], src: SocketAddr) {
        let (te_pt, law) = {
            let mut r = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            let ok = r.sdp_ip == Some(src.ip())
                || r.signaling_ip == Some(src.ip())
                || r.latched.is_some_and(|l| l.ip() == src.ip());
            if !ok {
                self.counters
                    .dropped_foreign
                    .fetch_add(1, Ordering::Relaxed);
                return; // RTP injection from another address
            }
            if r.latched.is_none() && src.port() != 0 {
                r.latched = Some(src);
            }
            (r.te_pt, r.law.unwrap_or(Law::Alaw))
        };
        let Ok(p) = rtp::parse(pkt) else { return };
        self.last_rx_ms.store(now_ms(), Ordering::Relaxed);
        self.counters.rx_packets.fetch_add(1, Ordering::Relaxed);
        if Some(p.payload_type) == te_pt {
            let d = self
                .dtmf
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .on_packet(p.ssrc, p.timestamp, p.payload);
            if let Some(digit) = d {
                let _ = self.events.send(MediaEvent::Dtmf {
                    leg: self.leg,
                    digit,
                });
            }
            return;
        }
        let Some(plaw) = Law::from_payload_type(p.payload_type) else {
            return;
        };
        let _ = law;
        self.rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .on_packet(p.ssrc, p.sequence);
        let payload = if self.muted.load(Ordering::Relaxed) {
            let quiet: &[u8] = match plaw {
                Law::Alaw => &ALAW_QUIET,
                Law::Ulaw => &ULAW_QUIET,
            };
            &quiet[..p.payload.len().min(quiet.len())]
        } else {
            p.payload
        };
        let rec = self.rec.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((r, ch)) = rec {
            r.push(ch, plaw, payload);
        }
        let peer = self.peer.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(peer) = peer {
            peer.relay_in(payload, plaw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn packet(seq: u16, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; rtp::HEADER_LEN + payload.len()];
        rtp::write_header(&mut b, false, 8, seq, u32::from(seq) * 160, 0x1234);
        b[rtp::HEADER_LEN..].copy_from_slice(payload);
        b
    }

    /// TEL-9 (the console's mute): a muted agent leg relays silence in place of its audio,
    /// one packet for each packet received, so the caller's stream has no gap (consecutive
    /// sequence numbers); the recording's staff channel is silent meanwhile; unmuted, the
    /// audio flows again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tel_9_muted_leg_relays_and_records_silence_without_a_gap() {
        let poller = super::super::poller::MediaPoller::start(1, Duration::from_millis(5));
        let (tx, _rx) = mpsc::unbounded_channel();
        let bind = || {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            let p = s.local_addr().unwrap().port();
            (s, p)
        };
        let ((s1, p1), (s2, p2)) = (bind(), bind());
        let agent = LegMedia::start(LegId::new(), s1, p1, tx.clone(), &poller).unwrap();
        let caller = LegMedia::start(LegId::new(), s2, p2, tx, &poller).unwrap();
        let phone = UdpSocket::bind("127.0.0.1:0").unwrap();
        let citizen = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        agent.set_remote(Some(phone.local_addr().unwrap()), ip, Law::Alaw, None);
        caller.set_remote(Some(citizen.local_addr().unwrap()), ip, Law::Alaw, None);
        agent.bridge_to(Some(caller.clone()));
        let dir = tempfile::tempdir().unwrap();
        let rec = Arc::new(Recorder::create(&dir.path().join("r.wav")).unwrap());
        agent.record_into(Some((rec.clone(), Channel::Right)));
        let voice = [0x2Au8; 160];
        let mut relayed = vec![];
        for seq in 0..6u16 {
            agent.muted.store((2..4).contains(&seq), Ordering::Relaxed);
            phone
                .send_to(&packet(seq, &voice), ("127.0.0.1", p1))
                .unwrap();
            let mut buf = [0u8; 512];
            let (n, _) = tokio::time::timeout(Duration::from_secs(2), citizen.recv_from(&mut buf))
                .await
                .expect("one packet relayed for each packet received")
                .unwrap();
            let p = rtp::parse(&buf[..n]).unwrap();
            relayed.push((p.sequence, p.payload.to_vec()));
            rec.tick();
        }
        for w in relayed.windows(2) {
            assert_eq!(
                w[1].0,
                w[0].0.wrapping_add(1),
                "no gap in the caller's stream"
            );
        }
        for (i, (_, payload)) in relayed.iter().enumerate() {
            let want = if (2..4).contains(&i) { 0xD5 } else { 0x2A };
            assert_eq!(payload.len(), 160);
            assert!(payload.iter().all(|b| *b == want), "packet {i}");
        }
        rec.close().unwrap();
        let bytes = std::fs::read(dir.path().join("r.wav")).unwrap();
        let data = &bytes[bytes.len() - 6 * 320..];
        for (i, frame) in data.chunks(320).enumerate() {
            let want = if (2..4).contains(&i) { 0xD5 } else { 0x2A };
            assert!(
                frame.chunks(2).all(|s| s[1] == want),
                "staff channel of frame {i}"
            );
        }
        agent.close();
        caller.close();
    }
}
