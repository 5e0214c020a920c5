//! SIP front door (design §9, SEC-5): drop unknown sources, token buckets per source IP and
//! method, global call-rate cap, scanner User-Agents, blocking after repeated authentication
//! failures, size limits. Decisions are pure over (source, method, headers, now), so they
//! are unit-tested without sockets; the adapter calls [`Guard::check`] for every message.

use crate::sip::SourceClass;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// User-Agent substrings of SIP scanners (lower case).
pub const SCANNER_AGENTS: &[&str] = &[
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "vaxsipuseragent",
    "sipscan",
    "sip-scan",
    "iwar",
    "sundayddr",
    "smap",
    "pplsip",
    "sipsak-scan",
];

/// Limits of the guard.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GuardLimits {
    /// New INVITEs per second per source IP (burst = 2 × rate).
    pub invites_per_ip_per_s: f64,
    /// Other out-of-dialog requests per second per source IP.
    pub requests_per_ip_per_s: f64,
    /// New calls per second over all sources.
    pub global_cps: f64,
    /// Failed digest authentications before the source is blocked.
    pub max_auth_failures: u32,
    /// How long a source stays blocked.
    pub block_s: u64,
    /// Largest message accepted (bytes).
    pub max_message_bytes: usize,
    /// Most headers accepted in one message.
    pub max_headers: usize,
}

impl Default for GuardLimits {
    fn default() -> Self {
        GuardLimits {
            invites_per_ip_per_s: 50.0,
            requests_per_ip_per_s: 50.0,
            global_cps: 200.0,
            max_auth_failures: 5,
            block_s: 600,
            max_message_bytes: 64 * 1024,
            max_headers: 100,
        }
    }
}

/// What to do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Drop without answer (unknown source, blocked, scanner, flood from a stranger).
    Drop,
    /// Answer 503 with Retry-After (a known peer over its limit).
    Busy,
}

/// Counters exposed to monitoring and asserted by the flood tests.
#[derive(Debug, Default)]
pub struct GuardCounters {
    pub accepted: AtomicU64,
    pub dropped_unknown_source: AtomicU64,
    pub dropped_blocked: AtomicU64,
    pub dropped_scanner: AtomicU64,
    pub rate_limited: AtomicU64,
    pub oversized: AtomicU64,
    pub auth_failures: AtomicU64,
    pub blocks: AtomicU64,
}

/// A snapshot of the counters (serde, for the console API).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GuardStats {
    pub accepted: u64,
    pub dropped_unknown_source: u64,
    pub dropped_blocked: u64,
    pub dropped_scanner: u64,
    pub rate_limited: u64,
    pub oversized: u64,
    pub auth_failures: u64,
    pub blocks: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * rate).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<(IpAddr, bool), Bucket>,
    global: Option<Bucket>,
    auth_failures: HashMap<IpAddr, u32>,
    blocked: HashMap<IpAddr, Instant>,
}

/// The message facts the guard looks at.
#[derive(Debug, Clone, Copy)]
pub struct MessageFacts<'a> {
    pub source: IpAddr,
    pub class: &'a SourceClass,
    pub is_request: bool,
    /// Method of a request (upper case).
    pub method: &'a str,
    /// Request inside a dialog (To tag present): never counted as a flood.
    pub in_dialog: bool,
    pub user_agent: Option<&'a str>,
    pub size: usize,
    pub headers: usize,
}

/// The guard.
#[derive(Debug)]
pub struct Guard {
    limits: GuardLimits,
    state: Mutex<State>,
    pub counters: GuardCounters,
}

impl Guard {
    pub fn new(limits: GuardLimits) -> Guard {
        Guard {
            limits,
            state: Mutex::new(State::default()),
            counters: GuardCounters::default(),
        }
    }

    /// Decide about one message.
    pub fn check(&self, m: &MessageFacts<'_>, now: Instant) -> Verdict {
        let c = &self.counters;
        if m.size > self.limits.max_message_bytes || m.headers > self.limits.max_headers {
            c.oversized.fetch_add(1, Ordering::Relaxed);
            return Verdict::Drop;
        }
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = st.blocked.get(&m.source).copied() {
            if until > now {
                c.dropped_blocked.fetch_add(1, Ordering::Relaxed);
                return Verdict::Drop;
            }
            st.blocked.remove(&m.source);
            st.auth_failures.remove(&m.source);
        }
        if *m.class == SourceClass::Unknown {
            c.dropped_unknown_source.fetch_add(1, Ordering::Relaxed);
            return Verdict::Drop;
        }
        if let Some(ua) = m.user_agent {
            let ua = ua.to_ascii_lowercase();
            if SCANNER_AGENTS.iter().any(|s| ua.contains(s)) {
                c.dropped_scanner.fetch_add(1, Ordering::Relaxed);
                st.blocked
                    .insert(m.source, now + Duration::from_secs(self.limits.block_s));
                c.blocks.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(source = %m.source, user_agent = %ua, "blocked a SIP scanner");
                return Verdict::Drop;
            }
        }
        if !m.is_request || m.in_dialog || matches!(m.method, "ACK" | "CANCEL") {
            c.accepted.fetch_add(1, Ordering::Relaxed);
            return Verdict::Accept;
        }
        let invite = m.method == "INVITE";
        let rate = if invite {
            self.limits.invites_per_ip_per_s
        } else {
            self.limits.requests_per_ip_per_s
        };
        let burst = (rate * 2.0).max(1.0);
        let b = st.buckets.entry((m.source, invite)).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let mut ok = b.take(rate, burst, now);
        if ok && invite {
            let g = self.limits.global_cps;
            let gb = st.global.get_or_insert(Bucket {
                tokens: g * 2.0,
                at: now,
            });
            ok = gb.take(g, g * 2.0, now);
        }
        if st.buckets.len() > 100_000 {
            st.buckets.clear(); // bounded memory under a spoofed-source flood
        }
        if ok {
            c.accepted.fetch_add(1, Ordering::Relaxed);
            Verdict::Accept
        } else {
            c.rate_limited.fetch_add(1, Ordering::Relaxed);
            Verdict::Busy
        }
    }

    /// Count a failed digest authentication; blocks the source after too many.
    pub fn auth_failed(&self, ip: IpAddr, now: Instant) {
        self.counters.auth_failures.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let n = st.auth_failures.entry(ip).or_insert(0);
        *n += 1;
        if *n >= self.limits.max_auth_failures {
            st.blocked
                .insert(ip, now + Duration::from_secs(self.limits.block_s));
            self.counters.blocks.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(source = %ip, "blocked after repeated authentication failures");
        }
    }

    /// A successful authentication clears the failure count.
    pub fn auth_succeeded(&self, ip: IpAddr) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.auth_failures.remove(&ip);
    }

    pub fn stats(&self) -> GuardStats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        GuardStats {
            accepted: l(&c.accepted),
            dropped_unknown_source: l(&c.dropped_unknown_source),
            dropped_blocked: l(&c.dropped_blocked),
            dropped_scanner: l(&c.dropped_scanner),
            rate_limited: l(&c.rate_limited),
            oversized: l(&c.oversized),
            auth_failures: l(&c.auth_failures),
            blocks: l(&c.blocks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(class: &'a SourceClass, method: &'a str, ua: Option<&'a str>) -> MessageFacts<'a> {
        MessageFacts {
            source: "127.0.0.1".parse().unwrap(),
            class,
            is_request: true,
            method,
            in_dialog: false,
            user_agent: ua,
            size: 500,
            headers: 10,
        }
    }

    #[test]
    fn unknown_sources_are_dropped_sec_5() {
        let g = Guard::new(GuardLimits::default());
        assert_eq!(
            g.check(
                &facts(&SourceClass::Unknown, "INVITE", None),
                Instant::now()
            ),
            Verdict::Drop
        );
        assert_eq!(g.stats().dropped_unknown_source, 1);
    }

    #[test]
    fn scanners_are_dropped_and_blocked_sec_5() {
        let g = Guard::new(GuardLimits::default());
        let t = SourceClass::Trunk("t".into());
        let now = Instant::now();
        assert_eq!(
            g.check(&facts(&t, "OPTIONS", Some("friendly-scanner")), now),
            Verdict::Drop
        );
        assert_eq!(
            g.check(&facts(&t, "INVITE", Some("Linphone")), now),
            Verdict::Drop,
            "the IP is blocked now"
        );
        assert_eq!(g.stats().dropped_blocked, 1);
    }

    #[test]
    fn invite_flood_is_rate_limited_but_in_dialog_requests_are_not() {
        let g = Guard::new(GuardLimits {
            invites_per_ip_per_s: 10.0,
            ..Default::default()
        });
        let t = SourceClass::Trunk("t".into());
        let now = Instant::now();
        let accepted = (0..200)
            .filter(|_| g.check(&facts(&t, "INVITE", None), now) == Verdict::Accept)
            .count();
        assert_eq!(accepted, 20, "burst = 2 x rate");
        assert_eq!(g.stats().rate_limited, 180);
        let mut re = facts(&t, "INVITE", None);
        re.in_dialog = true;
        assert_eq!(
            g.check(&re, now),
            Verdict::Accept,
            "a re-INVITE is never a flood"
        );
        // tokens come back with time
        assert_eq!(
            g.check(&facts(&t, "INVITE", None), now + Duration::from_millis(200)),
            Verdict::Accept
        );
    }

    #[test]
    fn repeated_auth_failures_block_the_source() {
        let g = Guard::new(GuardLimits {
            max_auth_failures: 3,
            ..Default::default()
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let now = Instant::now();
        for _ in 0..3 {
            g.auth_failed(ip, now);
        }
        let s = SourceClass::Staff;
        assert_eq!(g.check(&facts(&s, "REGISTER", None), now), Verdict::Drop);
        assert_eq!(
            g.check(&facts(&s, "REGISTER", None), now + Duration::from_secs(601)),
            Verdict::Accept
        );
    }

    #[test]
    fn oversized_messages_are_dropped() {
        let g = Guard::new(GuardLimits::default());
        let t = SourceClass::Trunk("t".into());
        let mut f = facts(&t, "INVITE", None);
        f.size = 70 * 1024;
        assert_eq!(g.check(&f, Instant::now()), Verdict::Drop);
    }
}
