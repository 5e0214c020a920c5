//! Digest authentication of agents' phones (RFC 2617/7616 MD5 as phones implement it):
//! nonces we issued, with an expiry, checked before a response is verified.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Nonces issued in 401 challenges (bounded; old ones expire).
#[derive(Debug)]
pub struct NonceBook {
    issued: Mutex<HashMap<String, Instant>>,
    ttl: Duration,
    cap: usize,
}

impl NonceBook {
    pub fn new(ttl: Duration, cap: usize) -> NonceBook {
        NonceBook {
            issued: Mutex::new(HashMap::new()),
            ttl,
            cap,
        }
    }

    /// Issue a fresh nonce.
    pub fn issue(&self) -> String {
        let n = data_encoding::HEXLOWER.encode(&rand::random::<[u8; 16]>());
        let mut g = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        if g.len() >= self.cap {
            let ttl = self.ttl;
            g.retain(|_, t| t.elapsed() < ttl);
            if g.len() >= self.cap {
                g.clear(); // under a nonce flood, start over rather than grow
            }
        }
        g.insert(n.clone(), Instant::now());
        n
    }

    /// Whether `nonce` was issued by us and is still fresh.
    pub fn is_valid(&self, nonce: &str) -> bool {
        let g = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        g.get(nonce).is_some_and(|t| t.elapsed() < self.ttl)
    }

    pub fn len(&self) -> usize {
        self.issued.lock().map(|g| g.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_checked_and_bounded() {
        let b = NonceBook::new(Duration::from_secs(60), 3);
        let n = b.issue();
        assert!(b.is_valid(&n));
        assert!(!b.is_valid("not-ours"));
        for _ in 0..10 {
            b.issue();
        }
        assert!(b.len() <= 3);
    }
}
