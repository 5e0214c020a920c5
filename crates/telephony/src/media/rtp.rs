//! RTP (RFC 3550) fixed header: parsing without allocation and writing in place.

/// Length of the fixed RTP header we send (no CSRC, no extension).
pub const HEADER_LEN: usize = 12;
/// Samples in one 20 ms G.711 frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// A parsed view of an RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpView<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

/// Why a datagram is not RTP we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("packet shorter than an RTP header")]
    TooShort,
    #[error("RTP version is not 2")]
    BadVersion,
    #[error("CSRC list, extension or padding runs past the packet")]
    BadLength,
}

/// Parse an RTP packet; never panics on any input.
pub fn parse(buf: &[u8]) -> Result<RtpView<'_>, RtpError> {
    if buf.len() < HEADER_LEN {
        return Err(RtpError::TooShort);
    }
    if buf[0] >> 6 != 2 {
        return Err(RtpError::BadVersion);
    }
    let padding = buf[0] & 0x20 != 0;
    let extension = buf[0] & 0x10 != 0;
    let cc = (buf[0] & 0x0f) as usize;
    let mut off = HEADER_LEN + cc * 4;
    if buf.len() < off {
        return Err(RtpError::BadLength);
    }
    if extension {
        if buf.len() < off + 4 {
            return Err(RtpError::BadLength);
        }
        let words = u16::from_be_bytes([buf[off + 2], buf[off + 3]]) as usize;
        off += 4 + words * 4;
        if buf.len() < off {
            return Err(RtpError::BadLength);
        }
    }
    let mut end = buf.len();
    if padding {
        let pad = buf[end - 1] as usize;
        if pad == 0 || off + pad > end {
            return Err(RtpError::BadLength);
        }
        end -= pad;
    }
    Ok(RtpView {
        marker: buf[1] & 0x80 != 0,
        payload_type: buf[1] & 0x7f,
        sequence: u16::from_be_bytes([buf[2], buf[3]]),
        timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        payload: &buf[off..end],
    })
}

/// Write a 12-byte header into `out[..12]`.
pub fn write_header(out: &mut [u8], marker: bool, pt: u8, seq: u16, ts: u32, ssrc: u32) {
    out[0] = 0x80;
    out[1] = (pt & 0x7f) | if marker { 0x80 } else { 0 };
    out[2..4].copy_from_slice(&seq.to_be_bytes());
    out[4..8].copy_from_slice(&ts.to_be_bytes());
    out[8..12].copy_from_slice(&ssrc.to_be_bytes());
}

/// Our side of one outgoing stream: own SSRC, continuous sequence and timestamp across
/// source changes (greeting → MOH → agent), marker bit on each change.
#[derive(Debug, Clone)]
pub struct OutStream {
    pub ssrc: u32,
    pub seq: u16,
    pub ts: u32,
    /// Set when the source changed; the next packet carries the marker bit.
    pub pending_marker: bool,
}

impl OutStream {
    /// A new stream with random SSRC, sequence and timestamp origin (RFC 3550 §5.1).
    pub fn new_random() -> OutStream {
        OutStream {
            ssrc: rand::random(),
            seq: rand::random(),
            ts: rand::random(),
            pending_marker: true,
        }
    }

    /// Write the header of the next packet carrying `samples` samples and advance.
    pub fn next_header(&mut self, out: &mut [u8], pt: u8, samples: u32) {
        write_header(out, self.pending_marker, pt, self.seq, self.ts, self.ssrc);
        self.pending_marker = false;
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(samples);
    }

    /// Write a header that keeps the current timestamp (DTMF event packets share one).
    pub fn header_at(&mut self, out: &mut [u8], pt: u8, ts: u32, marker: bool) {
        write_header(out, marker, pt, self.seq, ts, self.ssrc);
        self.seq = self.seq.wrapping_add(1);
    }

    /// Mark a change of source: keep SSRC, continue seq/ts, set the marker next time.
    pub fn source_changed(&mut self) {
        self.pending_marker = true;
    }
}

/// Receive statistics of one incoming stream, by sequence number (what the load bench reads).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RxStats {
    pub packets: u64,
    /// Packets missing by sequence number (never arrived or arrived after a later one).
    pub lost: u64,
    /// Packets that arrived after a higher sequence number (counted once as lost, now late).
    pub late: u64,
    pub highest_seq: Option<u32>,
    /// Extended sequence base (to survive 16-bit wrap).
    cycles: u32,
    last_ssrc: Option<u32>,
}

impl RxStats {
    /// Account one packet of the audio stream.
    pub fn on_packet(&mut self, ssrc: u32, seq: u16) {
        self.packets += 1;
        if self.last_ssrc != Some(ssrc) {
            // new source (re-INVITE, carrier switch): restart the sequence space
            self.last_ssrc = Some(ssrc);
            self.highest_seq = Some(seq as u32);
            self.cycles = 0;
            return;
        }
        let Some(high) = self.highest_seq else {
            self.highest_seq = Some(seq as u32);
            return;
        };
        let high16 = (high & 0xffff) as u16;
        let delta = seq.wrapping_sub(high16);
        if delta == 0 {
            // duplicate
        } else if delta < 0x8000 {
            if seq < high16 {
                self.cycles = self.cycles.wrapping_add(1);
            }
            self.lost += (delta as u64).saturating_sub(1);
            self.highest_seq = Some((self.cycles << 16) | seq as u32);
        } else {
            self.late += 1;
            self.lost = self.lost.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip() {
        let mut buf = [0u8; 12 + 160];
        let mut s = OutStream {
            ssrc: 0xdeadbeef,
            seq: 65535,
            ts: u32::MAX - 80,
            pending_marker: true,
        };
        s.next_header(&mut buf, 8, 160);
        let v = parse(&buf).unwrap();
        assert!(v.marker);
        assert_eq!(
            (v.payload_type, v.sequence, v.timestamp, v.ssrc),
            (8, 65535, u32::MAX - 80, 0xdeadbeef)
        );
        assert_eq!(v.payload.len(), 160);
        s.next_header(&mut buf, 8, 160);
        let v = parse(&buf).unwrap();
        assert!(
            !v.marker,
            "marker only on the first packet after a source change"
        );
        assert_eq!(v.sequence, 0, "sequence wraps");
        assert_eq!(v.timestamp, 79, "timestamp wraps");
    }

    #[test]
    fn rejects_short_and_bad_lengths() {
        assert_eq!(parse(&[0x80; 5]), Err(RtpError::TooShort));
        assert_eq!(parse(&[0x40; 12]), Err(RtpError::BadVersion));
        let mut b = [0u8; 12];
        b[0] = 0x8f; // 15 CSRCs announced
        assert_eq!(parse(&b), Err(RtpError::BadLength));
        let mut b = [0u8; 13];
        b[0] = 0xa0; // padding with pad count 0
        assert_eq!(parse(&b), Err(RtpError::BadLength));
    }

    #[test]
    fn rx_stats_count_loss_late_and_wrap() {
        let mut s = RxStats::default();
        for seq in [65533u16, 65534, 65535, 0, 2, 1, 3] {
            s.on_packet(1, seq);
        }
        assert_eq!(s.packets, 7);
        assert_eq!(s.lost, 0, "1 came late, so nothing is lost");
        assert_eq!(s.late, 1);
        let mut s = RxStats::default();
        for seq in [10u16, 11, 15] {
            s.on_packet(1, seq);
        }
        assert_eq!(s.lost, 3);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
        }
    }
}
