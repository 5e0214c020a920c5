//! The subset of SDP (RFC 4566 / 3264) a G.711 B2BUA needs: parse a peer's audio
//! description, choose PCMA then PCMU plus telephone-event, and write our offer or answer.
//! The parser takes outside input: it never panics and bounds what it keeps.

use crate::media::g711::Law;
use std::net::{IpAddr, SocketAddr};

/// Media direction attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction to answer with (RFC 3264 §6.1).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }
    fn attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
    /// True when the peer is putting us on hold (it will not send, or sends nothing useful).
    pub fn is_hold(self) -> bool {
        matches!(self, Direction::SendOnly | Direction::Inactive)
    }
}

/// What we learnt from a peer's SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMedia {
    /// Where to send RTP (`None` for `c=0.0.0.0`, the old hold form, or port 0).
    pub rtp_addr: Option<SocketAddr>,
    /// Connection address as written (for source checks even while on hold).
    pub ip: Option<IpAddr>,
    /// Payload types offered on the audio line, in order (at most 32 kept).
    pub payload_types: Vec<u8>,
    /// Payload type of telephone-event/8000, if offered.
    pub telephone_event: Option<u8>,
    pub direction: Direction,
    pub ptime: Option<u32>,
}

/// What we agreed with the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub law: Law,
    pub telephone_event: Option<u8>,
    /// Packetisation time of the peer (20 or 30 ms).
    pub ptime: u32,
}

/// Why an SDP body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("SDP is not UTF-8")]
    NotUtf8,
    #[error("SDP has no audio line")]
    NoAudio,
    #[error("SDP audio line is malformed")]
    BadMedia,
    #[error("no common codec (we speak PCMA and PCMU)")]
    NoCommonCodec,
    #[error("SDP body too large")]
    TooLarge,
}

const MAX_SDP: usize = 16 * 1024;

/// Parse the first audio stream of an SDP body.
pub fn parse(body: &[u8]) -> Result<RemoteMedia, SdpError> {
    if body.len() > MAX_SDP {
        return Err(SdpError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotUtf8)?;
    let mut session_ip: Option<IpAddr> = None;
    let mut session_dir = Direction::SendRecv;
    let mut in_audio = false;
    let mut seen_audio = false;
    let mut media_ip: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut pts: Vec<u8> = Vec::new();
    let mut te = None;
    let mut dir: Option<Direction> = None;
    let mut ptime = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k {
            "m" => {
                if seen_audio {
                    in_audio = false;
                    continue;
                }
                let mut it = v.split_whitespace();
                if it.next() == Some("audio") {
                    let p: u16 = it
                        .next()
                        .and_then(|p| p.split('/').next()?.parse().ok())
                        .ok_or(SdpError::BadMedia)?;
                    let proto = it.next().ok_or(SdpError::BadMedia)?;
                    if !proto.starts_with("RTP/") {
                        return Err(SdpError::BadMedia);
                    }
                    port = Some(p);
                    pts = it
                        .filter_map(|x| x.parse::<u8>().ok())
                        .filter(|x| *x < 128)
                        .take(32)
                        .collect();
                    in_audio = true;
                    seen_audio = true;
                } else {
                    in_audio = false;
                }
            }
            "c" => {
                let ip = v
                    .split_whitespace()
                    .nth(2)
                    .and_then(|a| a.split('/').next()?.parse::<IpAddr>().ok());
                if in_audio {
                    media_ip = ip;
                } else if !seen_audio {
                    session_ip = ip;
                }
            }
            "a" => {
                let d = match v {
                    "sendrecv" => Some(Direction::SendRecv),
                    "sendonly" => Some(Direction::SendOnly),
                    "recvonly" => Some(Direction::RecvOnly),
                    "inactive" => Some(Direction::Inactive),
                    _ => None,
                };
                if let Some(d) = d {
                    if in_audio {
                        dir = Some(d);
                    } else if !seen_audio {
                        session_dir = d;
                    }
                    continue;
                }
                if !in_audio {
                    continue;
                }
                if let Some(rest) = v.strip_prefix("rtpmap:") {
                    let mut it = rest.splitn(2, ' ');
                    let pt = it.next().and_then(|p| p.parse::<u8>().ok());
                    let enc = it.next().unwrap_or("");
                    if let Some(pt) = pt
                        && enc.to_ascii_lowercase().starts_with("telephone-event/8000")
                    {
                        te = Some(pt);
                    }
                } else if let Some(rest) = v.strip_prefix("ptime:") {
                    ptime = rest
                        .trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (10..=60).contains(p));
                }
            }
            _ => {}
        }
    }
    if !seen_audio {
        return Err(SdpError::NoAudio);
    }
    let ip = media_ip.or(session_ip);
    let port = port.unwrap_or(0);
    let rtp_addr = match ip {
        Some(ip) if !ip.is_unspecified() && port != 0 => Some(SocketAddr::new(ip, port)),
        _ => None,
    };
    let mut direction = dir.unwrap_or(session_dir);
    if ip.is_some_and(|i| i.is_unspecified()) && direction == Direction::SendRecv {
        direction = Direction::SendOnly; // RFC 2543 hold
    }
    Ok(RemoteMedia {
        rtp_addr,
        ip,
        payload_types: pts,
        telephone_event: te,
        direction,
        ptime,
    })
}

impl RemoteMedia {
    /// Choose PCMA first, PCMU second; keep the peer's telephone-event payload type.
    pub fn negotiate(&self) -> Result<Negotiated, SdpError> {
        let law = if self.payload_types.contains(&8) {
            Law::Alaw
        } else if self.payload_types.contains(&0) {
            Law::Ulaw
        } else {
            return Err(SdpError::NoCommonCodec);
        };
        let te = self
            .telephone_event
            .filter(|pt| self.payload_types.contains(pt));
        Ok(Negotiated {
            law,
            telephone_event: te,
            ptime: self.ptime.unwrap_or(20),
        })
    }
}

/// Our telephone-event payload type when we make the offer.
pub const OFFER_TE_PT: u8 = 101;

/// Write our offer: PCMA, PCMU, telephone-event 101.
pub fn write_offer(session_id: u64, version: u64, ip: IpAddr, port: u16, dir: Direction) -> String {
    let mut s = header(session_id, version, ip);
    s.push_str(&format!("m=audio {port} RTP/AVP 8 0 {OFFER_TE_PT}\r\n"));
    s.push_str("a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n");
    s.push_str(&format!(
        "a=rtpmap:{OFFER_TE_PT} telephone-event/8000\r\na=fmtp:{OFFER_TE_PT} 0-16\r\n"
    ));
    s.push_str("a=ptime:20\r\n");
    s.push_str(&format!("a={}\r\n", dir.attr()));
    s
}

/// Write our answer with the negotiated codec (and the peer's telephone-event type).
pub fn write_answer(
    session_id: u64,
    version: u64,
    ip: IpAddr,
    port: u16,
    n: &Negotiated,
    dir: Direction,
) -> String {
    let mut s = header(session_id, version, ip);
    let pt = n.law.payload_type();
    match n.telephone_event {
        Some(te) => s.push_str(&format!("m=audio {port} RTP/AVP {pt} {te}\r\n")),
        None => s.push_str(&format!("m=audio {port} RTP/AVP {pt}\r\n")),
    }
    let name = match n.law {
        Law::Alaw => "PCMA",
        Law::Ulaw => "PCMU",
    };
    s.push_str(&format!("a=rtpmap:{pt} {name}/8000\r\n"));
    if let Some(te) = n.telephone_event {
        s.push_str(&format!(
            "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-16\r\n"
        ));
    }
    s.push_str("a=ptime:20\r\n");
    s.push_str(&format!("a={}\r\n", dir.attr()));
    s
}

fn header(session_id: u64, version: u64, ip: IpAddr) -> String {
    let fam = if ip.is_ipv4() { "IP4" } else { "IP6" };
    format!(
        "v=0\r\no=tongdai {session_id} {version} IN {fam} {ip}\r\ns=tongdai\r\nc=IN {fam} {ip}\r\nt=0 0\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIPP: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 17000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-11,16\r\n";

    #[test]
    fn parses_sipp_offer_and_negotiates_pcma() {
        let m = parse(SIPP.as_bytes()).unwrap();
        assert_eq!(m.rtp_addr, Some("127.0.0.1:17000".parse().unwrap()));
        assert_eq!(m.telephone_event, Some(101));
        assert_eq!(m.direction, Direction::SendRecv);
        let n = m.negotiate().unwrap();
        assert_eq!(n.law, Law::Alaw);
        assert_eq!(n.telephone_event, Some(101));
    }

    #[test]
    fn prefers_pcma_over_pcmu_and_keeps_peer_te_type() {
        let b = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=ptime:30\r\n";
        let n = parse(b.as_bytes()).unwrap().negotiate().unwrap();
        assert_eq!(
            (n.law, n.telephone_event, n.ptime),
            (Law::Alaw, Some(96), 30)
        );
        let b = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
        assert_eq!(
            parse(b.as_bytes()).unwrap().negotiate().unwrap().law,
            Law::Ulaw
        );
        let b = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n";
        assert_eq!(
            parse(b.as_bytes()).unwrap().negotiate(),
            Err(SdpError::NoCommonCodec)
        );
    }

    #[test]
    fn hold_forms() {
        let b = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 8\r\n";
        let m = parse(b.as_bytes()).unwrap();
        assert_eq!((m.rtp_addr, m.direction), (None, Direction::SendOnly));
        let b = "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 8\r\na=inactive\r\n";
        assert_eq!(parse(b.as_bytes()).unwrap().direction, Direction::Inactive);
        assert_eq!(Direction::SendOnly.answer(), Direction::RecvOnly);
    }

    #[test]
    fn answer_roundtrips_through_our_parser() {
        let n = Negotiated {
            law: Law::Alaw,
            telephone_event: Some(101),
            ptime: 20,
        };
        let a = write_answer(
            1,
            2,
            "127.0.0.1".parse().unwrap(),
            16000,
            &n,
            Direction::RecvOnly,
        );
        let m = parse(a.as_bytes()).unwrap();
        assert_eq!(m.rtp_addr, Some("127.0.0.1:16000".parse().unwrap()));
        assert_eq!(m.negotiate().unwrap(), n);
        assert_eq!(m.direction, Direction::RecvOnly);
        let o = write_offer(
            1,
            1,
            "127.0.0.1".parse().unwrap(),
            16002,
            Direction::SendRecv,
        );
        assert_eq!(parse(o.as_bytes()).unwrap().payload_types, vec![8, 0, 101]);
    }

    #[test]
    fn refuses_garbage() {
        assert_eq!(parse(b"hello"), Err(SdpError::NoAudio));
        assert_eq!(parse(b"m=audio x RTP/AVP 8"), Err(SdpError::BadMedia));
        assert_eq!(parse(&[0xff, 0xfe]), Err(SdpError::NotUtf8));
    }

    proptest::proptest! {
        #[test]
        fn sdp_parse_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = parse(&bytes).map(|m| m.negotiate());
        }
        #[test]
        fn sdp_parse_never_panics_on_line_soup(lines in proptest::collection::vec("(m=audio [0-9]{0,6} RTP/AVP( [0-9]{1,3}){0,4}|c=IN IP4 [0-9.]{0,15}|a=rtpmap:[0-9]{1,3} [a-z/0-9-]{0,20}|a=ptime:[0-9]{0,4}|[a-z]=.{0,10})", 0..12)) {
            let body = lines.join("\r\n");
            let _ = parse(body.as_bytes()).map(|m| m.negotiate());
        }
    }
}
