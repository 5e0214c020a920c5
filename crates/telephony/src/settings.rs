//! The `[sip]` section of the configuration file (every key also as `TONGDAI_SIP_<KEY>`),
//! turned into an [`EngineConfig`]. Empty strings mean "off" or "the default", so that every
//! key can be set from the environment.

use crate::engine::EngineConfig;
use crate::trunk::Cidr;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// Telephony settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipSettings {
    /// Run the SIP engine in `tongdai serve`.
    pub enabled: bool,
    /// SIP over UDP (`TONGDAI_SIP_LISTEN`).
    pub listen: String,
    /// Also SIP over TCP on the same address.
    pub tcp: bool,
    /// SIP over TLS: address, certificate and key (PEM); empty = off.
    pub tls_listen: String,
    pub tls_cert: String,
    pub tls_key: String,
    /// Address written into Contact and SDP (the public address behind NAT); empty = the
    /// listen address.
    pub advertised_ip: String,
    /// Address RTP sockets bind to; empty = the listen address.
    pub rtp_ip: String,
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Recordings and prompts; empty = `<data_dir>/recordings`, `<data_dir>/prompts`.
    pub recordings_dir: String,
    pub prompts_dir: String,
    /// Generate missing Vietnamese demo prompts with espeak-ng at start (recorded human
    /// voices are better: replace the files).
    pub generate_prompts: bool,
    /// Networks agents' phones may register from.
    pub staff_networks: Vec<String>,
    /// This node's name in CDRs and heartbeats; empty = the host name.
    pub node_id: String,
    /// Concurrent calls on this node.
    pub max_calls: u32,
    /// Record answered calls (TEL-7).
    pub record_calls: bool,
    /// End a call when a leg sends no RTP for this long.
    pub rtp_timeout_s: u32,
    /// Digest realm of agents' phones.
    pub realm: String,
    /// Recordings older than this are deleted by the retention job (unless on legal hold).
    pub recording_retention_months: u32,
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            enabled: true,
            listen: "127.0.0.1:5060".into(),
            tcp: false,
            tls_listen: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            advertised_ip: String::new(),
            rtp_ip: String::new(),
            rtp_port_min: 30000,
            rtp_port_max: 40000,
            recordings_dir: String::new(),
            prompts_dir: String::new(),
            generate_prompts: true,
            staff_networks: vec!["127.0.0.0/8".into()],
            node_id: String::new(),
            max_calls: 2000,
            record_calls: true,
            rtp_timeout_s: 60,
            realm: "tongdai".into(),
            recording_retention_months: 12,
        }
    }
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sip.{key}: {message}")]
pub struct SettingsError {
    pub key: &'static str,
    pub message: String,
}

fn bad(key: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        key,
        message: message.into(),
    }
}

fn opt_ip(key: &'static str, s: &str) -> Result<Option<IpAddr>, SettingsError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| bad(key, format!("«{s}» is not an IP address")))
}

impl SipSettings {
    /// Where recordings live.
    pub fn recordings_path(&self, data_dir: &Path) -> PathBuf {
        dir_or(&self.recordings_dir, data_dir, "recordings")
    }

    /// Where prompts live.
    pub fn prompts_path(&self, data_dir: &Path) -> PathBuf {
        dir_or(&self.prompts_dir, data_dir, "prompts")
    }

    /// The engine configuration; `default_node` names the node when `node_id` is empty.
    pub fn engine_config(
        &self,
        data_dir: &Path,
        default_node: &str,
    ) -> Result<EngineConfig, SettingsError> {
        let udp: SocketAddr = self.listen.trim().parse().map_err(|_| {
            bad(
                "listen",
                format!("«{}» is not an address like 127.0.0.1:5060", self.listen),
            )
        })?;
        let tls = if self.tls_listen.trim().is_empty() {
            None
        } else {
            let addr: SocketAddr = self.tls_listen.trim().parse().map_err(|_| {
                bad(
                    "tls_listen",
                    format!("«{}» is not an address", self.tls_listen),
                )
            })?;
            if self.tls_cert.trim().is_empty() || self.tls_key.trim().is_empty() {
                return Err(bad("tls_cert", "TLS needs tls_cert and tls_key"));
            }
            Some((
                addr,
                PathBuf::from(self.tls_cert.trim()),
                PathBuf::from(self.tls_key.trim()),
            ))
        };
        if self.rtp_port_min >= self.rtp_port_max {
            return Err(bad("rtp_port_min", "must be below rtp_port_max"));
        }
        let staff = self
            .staff_networks
            .iter()
            .map(|s| {
                s.parse::<Cidr>()
                    .map_err(|e| bad("staff_networks", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let node_id = if self.node_id.trim().is_empty() {
            default_node.to_owned()
        } else {
            self.node_id.trim().to_owned()
        };
        Ok(EngineConfig {
            node_id,
            sip_udp: udp,
            sip_tcp: self.tcp.then_some(udp),
            sip_tls: tls,
            advertised_ip: opt_ip("advertised_ip", &self.advertised_ip)?,
            rtp_ip: opt_ip("rtp_ip", &self.rtp_ip)?.unwrap_or(udp.ip()),
            rtp_ports: (self.rtp_port_min, self.rtp_port_max),
            recordings_dir: self.recordings_path(data_dir),
            prompts_dir: self.prompts_path(data_dir),
            generate_prompts: self.generate_prompts,
            staff_networks: staff,
            realm: self.realm.clone(),
            rtp_timeout_s: self.rtp_timeout_s,
            max_calls: self.max_calls as usize,
            record_calls: self.record_calls,
            ..EngineConfig::default()
        })
    }
}

fn dir_or(s: &str, data_dir: &Path, name: &str) -> PathBuf {
    if s.trim().is_empty() {
        data_dir.join(name)
    } else {
        PathBuf::from(s.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_a_local_engine() {
        let c = SipSettings::default()
            .engine_config(Path::new("/d"), "host")
            .unwrap();
        assert_eq!(c.sip_udp, "127.0.0.1:5060".parse().unwrap());
        assert_eq!(c.sip_tcp, None);
        assert_eq!(c.node_id, "host");
        assert_eq!(c.recordings_dir, PathBuf::from("/d/recordings"));
        assert_eq!(c.prompts_dir, PathBuf::from("/d/prompts"));
        assert_eq!(c.rtp_ip, IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn bad_values_name_their_key() {
        let s = SipSettings {
            listen: "nowhere".into(),
            ..Default::default()
        };
        assert_eq!(
            s.engine_config(Path::new("/d"), "h").unwrap_err().key,
            "listen"
        );
        let s = SipSettings {
            advertised_ip: "x.y".into(),
            ..Default::default()
        };
        assert_eq!(
            s.engine_config(Path::new("/d"), "h").unwrap_err().key,
            "advertised_ip"
        );
        let s = SipSettings {
            tls_listen: "127.0.0.1:5061".into(),
            ..Default::default()
        };
        assert_eq!(
            s.engine_config(Path::new("/d"), "h").unwrap_err().key,
            "tls_cert"
        );
        let s = SipSettings {
            rtp_port_min: 5,
            rtp_port_max: 4,
            ..Default::default()
        };
        assert!(s.engine_config(Path::new("/d"), "h").is_err());
        let s = SipSettings {
            tcp: true,
            node_id: "n2".into(),
            ..Default::default()
        };
        let c = s.engine_config(Path::new("/d"), "h").unwrap();
        assert_eq!((c.sip_tcp, c.node_id.as_str()), (Some(c.sip_udp), "n2"));
    }
}
