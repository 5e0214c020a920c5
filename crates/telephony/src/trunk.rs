//! Carrier trunks as data (design §8): who may send us calls, which numbers they carry,
//! which identity to trust, and DID normalisation (calls are classified by source trunk,
//! never by the host part of the Request-URI — known pitfall 1).

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// An IPv4/IPv6 network in CIDR form (`203.0.113.0/24`, or a bare address = /32, /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// A malformed CIDR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP network: {0}")]
pub struct CidrError(pub String);

impl TryFrom<String> for Cidr {
    type Error = CidrError;
    fn try_from(s: String) -> Result<Cidr, CidrError> {
        s.parse()
    }
}
impl From<Cidr> for String {
    fn from(c: Cidr) -> String {
        format!("{}/{}", c.addr, c.prefix)
    }
}

impl std::str::FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = || CidrError(s.to_string());
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().map_err(|_| err())?,
            None => max,
        };
        if prefix > max {
            return Err(err());
        }
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix as u32)
                };
                (u32::from(n) & mask) == (u32::from(i) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix as u32)
                };
                (u128::from(n) & mask) == (u128::from(i) & mask)
            }
            _ => false,
        }
    }
}

/// Registration of the engine at a carrier that requires it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkRegistration {
    pub registrar: String,
    pub username: String,
    pub password: String,
    #[serde(default = "default_expiry")]
    pub expires_s: u32,
}

fn default_expiry() -> u32 {
    3600
}

/// One carrier trunk, loaded from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trunk {
    pub id: String,
    pub name: String,
    /// Source networks allowed to send us calls (inbound allow-list).
    pub allow: Vec<Cidr>,
    /// Where outbound calls go (carrier proxy), `host:port`.
    pub outbound_proxy: Option<SocketAddr>,
    /// Numbers this trunk delivers (normalised with [`normalise_did`]).
    pub dids: Vec<String>,
    /// Caller id we present on outbound calls (the hotline number).
    pub hotline_number: String,
    #[serde(default = "default_max_calls")]
    pub max_concurrent: u32,
    #[serde(default = "default_max_cps")]
    pub max_cps: u32,
    /// Trust P-Asserted-Identity from this trunk's addresses.
    #[serde(default = "yes")]
    pub trust_pai: bool,
    /// Credentials for 401/407 challenges on outbound calls, and registration if required.
    pub registration: Option<TrunkRegistration>,
    /// Number patterns allowed for outbound calls (prefixes of the national number);
    /// empty = mobile and landline numbers of Vietnam only (toll-fraud default).
    #[serde(default)]
    pub outbound_prefixes: Vec<String>,
}

fn default_max_calls() -> u32 {
    60
}
fn default_max_cps() -> u32 {
    20
}
fn yes() -> bool {
    true
}

impl Trunk {
    /// Whether a packet from `ip` comes from this trunk.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow.iter().any(|c| c.contains(ip))
    }
    /// Whether this trunk carries the (normalised) DID.
    pub fn carries(&self, did: &str) -> bool {
        self.dids.iter().any(|d| d == did)
    }
    /// Whether an outbound call to `number` (digits, national form) is allowed (toll fraud).
    pub fn outbound_allowed(&self, number: &str) -> bool {
        let n = normalise_did(number).unwrap_or_default();
        if n.is_empty() {
            return false;
        }
        if self.outbound_prefixes.is_empty() {
            // national mobile (9 digits after the 0) or landline (10 digits), no international
            let national = format!("0{n}");
            return tongdai_domain::phone::PhoneNumber::parse(&national)
                .map(|p| {
                    matches!(
                        p.kind(),
                        tongdai_domain::phone::PhoneKind::Mobile
                            | tongdai_domain::phone::PhoneKind::Landline
                    )
                })
                .unwrap_or(false);
        }
        self.outbound_prefixes
            .iter()
            .any(|p| n.starts_with(p.trim_start_matches('0')))
    }
}

/// Normalise a dialled number or DID: digits only, `+84`/`84` country code and a leading
/// `0` removed (`1800.888.880`, `+84 1800 888 880`, `01800888880` → `1800888880`).
/// `None` when nothing number-like is left.
pub fn normalise_did(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let user = raw
        .strip_prefix("sip:")
        .or_else(|| raw.strip_prefix("tel:"))
        .unwrap_or(raw);
    let user = user.split(['@', ';']).next().unwrap_or("");
    let plus = user.trim_start().starts_with('+');
    let digits: String = user.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    if user
        .chars()
        .any(|c| !(c.is_ascii_digit() || " .-()+".contains(c)))
    {
        return None;
    }
    let mut d = digits.as_str();
    if plus || (d.starts_with("84") && d.len() >= 10) {
        if let Some(rest) = d.strip_prefix("84") {
            d = rest;
        } else if plus {
            return None; // another country: not one of our DIDs
        }
    }
    let d = d.strip_prefix('0').unwrap_or(d);
    if d.is_empty() {
        None
    } else {
        Some(d.to_string())
    }
}

/// Where the caller's number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    PAssertedIdentity,
    From,
}

/// The caller identity of an inbound call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// Canonical form (E.164 for subscribers) when it parses, else the digits as sent.
    pub number: String,
    pub source: IdentitySource,
    /// `Privacy: id` was asked: keep the number in the CDR, hide it from agents per policy.
    pub private: bool,
}

/// Pick the caller identity: P-Asserted-Identity only when the trunk is trusted, else From.
pub fn caller_identity(
    from_user: &str,
    pai_user: Option<&str>,
    trusted: bool,
    privacy_id: bool,
) -> CallerIdentity {
    let (raw, source) = match pai_user {
        Some(p) if trusted && !p.is_empty() => (p, IdentitySource::PAssertedIdentity),
        _ => (from_user, IdentitySource::From),
    };
    let number = match tongdai_domain::phone::PhoneNumber::parse(raw) {
        Ok(p) => p.canonical().to_string(),
        Err(_) => raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .take(32)
            .collect(),
    };
    CallerIdentity {
        number,
        source,
        private: privacy_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_normalisation_pitfall_1_forms() {
        for s in [
            "1800888880",
            "1800.888.880",
            "+84 1800 888 880",
            "841800888880",
            "01800888880",
            "sip:1800888880@10.1.2.3",
            "tel:+841800888880;phone-context=x",
        ] {
            assert_eq!(normalise_did(s).as_deref(), Some("1800888880"), "{s}");
        }
        assert_eq!(normalise_did("+1 202 555 0100"), None);
        assert_eq!(normalise_did("agent1"), None);
        assert_eq!(normalise_did(""), None);
        assert_eq!(normalise_did("02438251234").as_deref(), Some("2438251234"));
    }

    #[test]
    fn cidr_matching() {
        let c: Cidr = "203.0.113.0/24".parse().unwrap();
        assert!(c.contains("203.0.113.77".parse().unwrap()));
        assert!(!c.contains("203.0.114.1".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!("1.2.3.4/33".parse::<Cidr>().is_err());
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }

    #[test]
    fn pai_only_trusted_from_trunks() {
        let id = caller_identity("0912345678", Some("0987654321"), true, false);
        assert_eq!(
            (id.number.as_str(), id.source),
            ("+84987654321", IdentitySource::PAssertedIdentity)
        );
        let id = caller_identity("0912345678", Some("0987654321"), false, false);
        assert_eq!(
            (id.number.as_str(), id.source),
            ("+84912345678", IdentitySource::From)
        );
        let id = caller_identity("anonymous", None, true, true);
        assert_eq!(id.number, "anonymous");
        assert!(id.private);
    }

    #[test]
    fn toll_fraud_default_allows_only_national_numbers() {
        let t = Trunk {
            id: "t".into(),
            name: "t".into(),
            allow: vec![],
            outbound_proxy: None,
            dids: vec![],
            hotline_number: "1800888880".into(),
            max_concurrent: 1,
            max_cps: 1,
            trust_pai: true,
            registration: None,
            outbound_prefixes: vec![],
        };
        assert!(t.outbound_allowed("0912345678"));
        assert!(t.outbound_allowed("02438251234"));
        assert!(!t.outbound_allowed("+12025550100"));
        assert!(!t.outbound_allowed("19001234"));
    }

    proptest::proptest! {
        #[test]
        fn normalise_never_panics_and_is_idempotent(s in ".{0,40}") {
            if let Some(n) = normalise_did(&s) {
                proptest::prop_assert!(n.chars().all(|c| c.is_ascii_digit()));
                let again = normalise_did(&n);
                // a second pass may only strip a further leading 0/84 when it is still there
                proptest::prop_assert!(again.is_some());
            }
        }
    }
}
