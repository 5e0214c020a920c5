//! Property tests over arbitrary bytes for every parser of outside input (SEC-5): the SIP
//! message parser the transport uses, SDP, RTP, RFC 4733 payloads, INFO bodies. None may
//! panic. (Run longer with PROPTEST_CASES=100000.)

use proptest::prelude::*;
use tongdai_telephony::media::{dtmf, rtp};
use tongdai_telephony::sdp;
use tongdai_telephony::sip::adapter::parse_message;

fn sip_like() -> impl Strategy<Value = Vec<u8>> {
    let lines = prop::collection::vec(
        prop_oneof![
            Just("INVITE sip:1800888880@127.0.0.1 SIP/2.0".to_string()),
            Just("SIP/2.0 200 OK".to_string()),
            Just("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1".to_string()),
            Just("Content-Length: 99999".to_string()),
            "[A-Za-z-]{1,12}: .{0,40}",
            ".{0,60}",
        ],
        0..15,
    );
    (lines, prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(l, tail)| {
        let mut b = l.join("\r\n").into_bytes();
        b.extend_from_slice(b"\r\n\r\n");
        b.extend(tail);
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn sip_parser_never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_message(&b);
    }

    #[test]
    fn sip_parser_never_panics_on_near_sip(b in sip_like()) {
        let _ = parse_message(&b);
    }

    #[test]
    fn media_parsers_never_panic(b in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = rtp::parse(&b);
        let _ = dtmf::parse_event(&b);
        let _ = dtmf::parse_dtmf_relay(&String::from_utf8_lossy(&b));
        let _ = sdp::parse(&b).map(|m| m.negotiate());
    }
}

#[test]
fn a_real_invite_parses() {
    let m = b"INVITE sip:1800888880@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1\r\nFrom: <sip:0912345678@127.0.0.1>;tag=a\r\nTo: <sip:1800888880@127.0.0.1>\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    assert!(parse_message(m));
    assert!(!parse_message(b"\x00\x01garbage"));
}
