//! RFC 4733 telephone events: parse, de-duplicate (one digit per event, however many
//! repeated end packets), and generate towards a peer.

/// One telephone-event payload (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub event: u8,
    pub end: bool,
    pub volume: u8,
    pub duration: u16,
}

/// Parse the 4-byte payload; `None` for anything shorter.
pub fn parse_event(payload: &[u8]) -> Option<TelephoneEvent> {
    if payload.len() < 4 {
        return None;
    }
    Some(TelephoneEvent {
        event: payload[0],
        end: payload[1] & 0x80 != 0,
        volume: payload[1] & 0x3f,
        duration: u16::from_be_bytes([payload[2], payload[3]]),
    })
}

/// Encode an event payload.
pub fn encode_event(ev: TelephoneEvent) -> [u8; 4] {
    let d = ev.duration.to_be_bytes();
    [
        ev.event,
        (if ev.end { 0x80 } else { 0 }) | (ev.volume & 0x3f),
        d[0],
        d[1],
    ]
}

/// The keypad character of an event code (0–9, *, #, A–D).
pub fn event_char(code: u8) -> Option<char> {
    match code {
        0..=9 => Some((b'0' + code) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + code - 12) as char),
        _ => None,
    }
}

/// The event code of a keypad character.
pub fn char_event(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(c as u8 - b'A' + 12),
        _ => None,
    }
}

/// Reports each key press once: an event is identified by (SSRC, RTP timestamp); the first
/// packet of an event reports the digit, its repeats and its (three) end packets do not.
/// A new SSRC (SIPp's raw-socket replay, a carrier switching streams) starts afresh.
#[derive(Debug, Default, Clone)]
pub struct DtmfDetector {
    last: Option<(u32, u32)>,
}

impl DtmfDetector {
    /// Feed one telephone-event packet; returns the digit when it is a new key press.
    pub fn on_packet(&mut self, ssrc: u32, timestamp: u32, payload: &[u8]) -> Option<char> {
        let ev = parse_event(payload)?;
        let key = (ssrc, timestamp);
        if self.last == Some(key) {
            return None;
        }
        self.last = Some(key);
        event_char(ev.event)
    }
}

/// Parse a SIP INFO `application/dtmf-relay` body (`Signal=5\r\nDuration=160`).
pub fn parse_dtmf_relay(body: &str) -> Option<char> {
    for line in body.lines() {
        let mut parts = line.splitn(2, '=');
        let key = parts.next()?.trim();
        if key.eq_ignore_ascii_case("signal") {
            let v = parts.next()?.trim();
            let mut chars = v.chars();
            let c = chars.next()?;
            if chars.next().is_none() {
                let c = c.to_ascii_uppercase();
                return char_event(c).map(|_| c);
            }
            // some phones send the event number ("10" for *)
            let n: u8 = v.parse().ok()?;
            return event_char(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(ev: u8, end: bool, dur: u16) -> [u8; 4] {
        encode_event(TelephoneEvent {
            event: ev,
            end,
            volume: 10,
            duration: dur,
        })
    }

    #[test]
    fn one_digit_per_event_despite_three_end_packets() {
        let mut d = DtmfDetector::default();
        let mut got = vec![];
        for (i, end) in [false, false, false, true, true, true].iter().enumerate() {
            if let Some(c) = d.on_packet(7, 1000, &pkt(1, *end, (i as u16 + 1) * 160)) {
                got.push(c);
            }
        }
        // second key press, same digit: new timestamp
        for end in [false, true, true, true] {
            if let Some(c) = d.on_packet(7, 2600, &pkt(1, end, 160)) {
                got.push(c);
            }
        }
        assert_eq!(got, vec!['1', '1']);
    }

    #[test]
    fn new_ssrc_with_same_timestamp_is_a_new_event() {
        let mut d = DtmfDetector::default();
        assert_eq!(d.on_packet(1, 500, &pkt(11, false, 160)), Some('#'));
        assert_eq!(d.on_packet(2, 500, &pkt(10, false, 160)), Some('*'));
    }

    #[test]
    fn info_bodies() {
        assert_eq!(parse_dtmf_relay("Signal=5\r\nDuration=160\r\n"), Some('5'));
        assert_eq!(parse_dtmf_relay("Signal= *\r\n"), Some('*'));
        assert_eq!(parse_dtmf_relay("signal=11"), Some('#'));
        assert_eq!(parse_dtmf_relay("Duration=160"), None);
        assert_eq!(parse_dtmf_relay("Signal=x"), None);
    }

    #[test]
    fn event_codes_roundtrip() {
        for c in "0123456789*#ABCD".chars() {
            assert_eq!(event_char(char_event(c).unwrap()), Some(c));
        }
        assert_eq!(event_char(16), None);
    }
}
