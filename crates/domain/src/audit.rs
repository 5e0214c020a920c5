//! The audit log's hash chain (SEC-3, ADM: "append-only, tamper-evident").
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so changing or
//! deleting any row breaks every hash after it. `verify_chain` finds the first break.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, starting at 1, without gaps.
    pub seq: i64,
    /// When it happened, microseconds since the Unix epoch (UTC).
    pub at_us: i64,
    /// The account that acted, if any (failed logins have none).
    pub actor_id: Option<i64>,
    /// The name the actor used (the typed username for failed logins).
    pub actor_name: String,
    /// A stable dotted code: `auth.login`, `auth.refused`, `org.agency.update`, …
    pub action: String,
    /// What was acted on, e.g. `agency:12`; empty when nothing in particular.
    pub target: String,
    /// Details as JSON text (never secrets).
    pub detail: String,
    /// The client address, if known.
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an entry before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at_us: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

impl NewAuditEntry {
    /// Chain the entry after `prev` (seq and hash of the previous entry; `None` for the first).
    pub fn chain(self, prev: Option<(i64, &str)>) -> AuditEntry {
        let (prev_seq, prev_hash) = prev.unwrap_or((0, GENESIS_HASH));
        let mut e = AuditEntry {
            seq: prev_seq + 1,
            at_us: self.at_us,
            actor_id: self.actor_id,
            actor_name: self.actor_name,
            action: self.action,
            target: self.target,
            detail: self.detail,
            ip: self.ip,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        e
    }
}

/// SHA-256 over the entry's fields, each length-prefixed so that no two different entries
/// encode to the same bytes.
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(&e.seq.to_be_bytes());
    field(&e.at_us.to_be_bytes());
    field(
        e.actor_id
            .map(|a| a.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    field(e.actor_name.as_bytes());
    field(e.action.as_bytes());
    field(e.target.as_bytes());
    field(e.detail.as_bytes());
    field(e.ip.as_bytes());
    field(e.prev_hash.as_bytes());
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its hash does not match its content (edited)")]
    Tampered { seq: i64 },
    #[error("entry {seq}: does not link to the previous entry's hash")]
    BrokenLink { seq: i64 },
    #[error("entry {found} follows entry {after}: entries are missing (deleted)")]
    Gap { after: i64, found: i64 },
    #[error(
        "the chain ends at entry {last} but its head says {head}: entries were removed at the end"
    )]
    Truncated { last: i64, head: i64 },
}

/// Incremental verifier, so the store can stream millions of rows through it.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_seq: i64,
    prev_hash: String,
    count: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_seq: 0,
            prev_hash: GENESIS_HASH.to_owned(),
            count: 0,
        }
    }
}

impl ChainVerifier {
    /// Check the next entry (in `seq` order).
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.prev_seq + 1 {
            return Err(ChainBreak::Gap {
                after: self.prev_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::BrokenLink { seq: e.seq });
        }
        if entry_hash(e) != e.hash {
            return Err(ChainBreak::Tampered { seq: e.seq });
        }
        self.prev_seq = e.seq;
        self.prev_hash.clone_from(&e.hash);
        self.count += 1;
        Ok(())
    }

    /// Finish, comparing with the chain head kept separately (catches deleted last rows).
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        if self.prev_seq != head_seq || self.prev_hash != head_hash {
            return Err(ChainBreak::Truncated {
                last: self.prev_seq,
                head: head_seq,
            });
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let e = NewAuditEntry {
                at_us: i as i64,
                actor_id: Some(1),
                actor_name: "admin".into(),
                action: "auth.login".into(),
                target: String::new(),
                detail: "{}".into(),
                ip: "127.0.0.1".into(),
            };
            let prev = out.last().map(|p| (p.seq, p.hash.as_str()));
            let e = e.chain(prev);
            out.push(e);
        }
        out
    }

    fn verify(entries: &[AuditEntry], head: (i64, &str)) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
    }

    #[test]
    fn edits_deletions_and_truncation_are_detected() {
        let c = chain(5);
        let head = (5, c[4].hash.clone());
        let mut edited = c.clone();
        edited[2].actor_name = "someone else".into();
        assert_eq!(
            verify(&edited, (head.0, &head.1)),
            Err(ChainBreak::Tampered { seq: 3 })
        );

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, (head.0, &head.1)),
            Err(ChainBreak::Gap { after: 1, found: 3 })
        );

        let truncated = &c[..4];
        assert_eq!(
            verify(truncated, (head.0, &head.1)),
            Err(ChainBreak::Truncated { last: 4, head: 5 })
        );

        // Re-hashing an edited row is not enough: the next row links to the old hash.
        let mut rehashed = c.clone();
        rehashed[2].detail = "{\"x\":1}".into();
        rehashed[2].hash = entry_hash(&rehashed[2]);
        assert_eq!(
            verify(&rehashed, (head.0, &head.1)),
            Err(ChainBreak::BrokenLink { seq: 4 })
        );
    }
}
