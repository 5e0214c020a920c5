//! G.711 A-law and µ-law (ITU-T G.711) by table: decoding is one lookup, encoding is a
//! segment search on the magnitude. Tables are built at compile time so a packet costs no
//! allocation and no branch-heavy maths on the hot path.

/// Decode one A-law byte to a 16-bit linear sample.
#[inline]
pub fn alaw_to_linear(a: u8) -> i16 {
    ALAW_DECODE[a as usize]
}

/// Decode one µ-law byte to a 16-bit linear sample.
#[inline]
pub fn ulaw_to_linear(u: u8) -> i16 {
    ULAW_DECODE[u as usize]
}

/// Convert A-law to µ-law directly (bridged legs that negotiated different laws).
#[inline]
pub fn alaw_to_ulaw(a: u8) -> u8 {
    ALAW_TO_ULAW[a as usize]
}

/// Convert µ-law to A-law directly.
#[inline]
pub fn ulaw_to_alaw(u: u8) -> u8 {
    ULAW_TO_ALAW[u as usize]
}

const fn alaw_decode(a: u8) -> i16 {
    let a = a ^ 0x55;
    let mut t = ((a & 0x0f) as i32) << 4;
    let seg = ((a & 0x70) >> 4) as i32;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    if a & 0x80 != 0 { t as i16 } else { -t as i16 }
}

const fn ulaw_decode(u: u8) -> i16 {
    let u = !u;
    let mut t = (((u & 0x0f) as i32) << 3) + 0x84;
    t <<= ((u & 0x70) >> 4) as i32;
    if u & 0x80 != 0 {
        (0x84 - t) as i16
    } else {
        (t - 0x84) as i16
    }
}

const ALAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_decode(i as u8);
        i += 1;
    }
    t
};

const ULAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_decode(i as u8);
        i += 1;
    }
    t
};

const ALAW_TO_ULAW: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = linear_to_ulaw(alaw_decode(i as u8));
        i += 1;
    }
    t
};

const ULAW_TO_ALAW: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = linear_to_alaw(ulaw_decode(i as u8));
        i += 1;
    }
    t
};

const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];

const fn search(val: i32, table: &[i32; 8]) -> usize {
    let mut i = 0;
    while i < 8 {
        if val <= table[i] {
            return i;
        }
        i += 1;
    }
    8
}

/// Encode a 16-bit linear sample to A-law (the classic Sun reference algorithm).
pub const fn linear_to_alaw(pcm: i16) -> u8 {
    let mut v = (pcm as i32) >> 3;
    let mask;
    if v >= 0 {
        mask = 0xD5;
    } else {
        mask = 0x55;
        v = -v - 1;
    }
    let seg = search(v, &SEG_AEND);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mut aval = (seg as i32) << 4;
    if seg < 2 {
        aval |= (v >> 1) & 0x0f;
    } else {
        aval |= (v >> seg) & 0x0f;
    }
    (aval ^ mask) as u8
}

/// Encode a 16-bit linear sample to µ-law.
pub const fn linear_to_ulaw(pcm: i16) -> u8 {
    let mut v = (pcm as i32) >> 2;
    let mask;
    if v < 0 {
        v = -v;
        mask = 0x7F;
    } else {
        mask = 0xFF;
    }
    if v > 8159 {
        v = 8159;
    }
    v += 0x84 >> 2;
    let seg = search(v, &SEG_UEND);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let uval = ((seg as i32) << 4) | ((v >> (seg + 1)) & 0x0f);
    (uval ^ mask) as u8
}

/// The A-law code of digital silence (what the recorder writes for a missing frame).
pub const ALAW_SILENCE: u8 = 0xD5;
/// The µ-law code of digital silence.
pub const ULAW_SILENCE: u8 = 0xFF;

/// Which law a payload uses; RTP payload types 8 and 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Law {
    /// PCMA, payload type 8 (what Vietnamese carriers send).
    Alaw,
    /// PCMU, payload type 0.
    Ulaw,
}

impl Law {
    /// The static RTP payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            Law::Alaw => 8,
            Law::Ulaw => 0,
        }
    }
    /// The law of a static payload type, if it is G.711.
    pub fn from_payload_type(pt: u8) -> Option<Law> {
        match pt {
            8 => Some(Law::Alaw),
            0 => Some(Law::Ulaw),
            _ => None,
        }
    }
    /// Silence byte of this law.
    pub fn silence(self) -> u8 {
        match self {
            Law::Alaw => ALAW_SILENCE,
            Law::Ulaw => ULAW_SILENCE,
        }
    }
    /// Encode one linear sample.
    pub fn encode(self, s: i16) -> u8 {
        match self {
            Law::Alaw => linear_to_alaw(s),
            Law::Ulaw => linear_to_ulaw(s),
        }
    }
    /// Decode one byte.
    pub fn decode(self, b: u8) -> i16 {
        match self {
            Law::Alaw => alaw_to_linear(b),
            Law::Ulaw => ulaw_to_linear(b),
        }
    }
    /// Transcode `buf` in place from `self` to `to` (no-op when equal).
    pub fn transcode_in_place(self, to: Law, buf: &mut [u8]) {
        match (self, to) {
            (Law::Alaw, Law::Ulaw) => buf.iter_mut().for_each(|b| *b = alaw_to_ulaw(*b)),
            (Law::Ulaw, Law::Alaw) => buf.iter_mut().for_each(|b| *b = ulaw_to_alaw(*b)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alaw_roundtrip_every_code() {
        for a in 0..=255u8 {
            let lin = alaw_to_linear(a);
            let back = linear_to_alaw(lin);
            // 0x55/0xD5 both decode to ±8; all other codes are unique.
            assert_eq!(alaw_to_linear(back), lin, "code {a:#x}");
        }
    }

    #[test]
    fn ulaw_roundtrip_every_code() {
        for u in 0..=255u8 {
            let lin = ulaw_to_linear(u);
            assert_eq!(ulaw_to_linear(linear_to_ulaw(lin)), lin, "code {u:#x}");
        }
    }

    #[test]
    fn silence_codes_decode_near_zero() {
        assert!(alaw_to_linear(ALAW_SILENCE).abs() <= 8);
        assert_eq!(ulaw_to_linear(ULAW_SILENCE), 0);
    }

    #[test]
    fn cross_law_tables_preserve_level() {
        for a in 0..=255u8 {
            let direct = alaw_to_linear(a) as i32;
            let via = ulaw_to_linear(alaw_to_ulaw(a)) as i32;
            let tol = (direct.abs() / 16).max(16);
            assert!((direct - via).abs() <= tol, "a={a:#x} {direct} vs {via}");
        }
    }

    proptest::proptest! {
        #[test]
        fn encode_error_is_bounded(s in proptest::prelude::any::<i16>()) {
            let a = alaw_to_linear(linear_to_alaw(s)) as i32;
            let u = ulaw_to_linear(linear_to_ulaw(s)) as i32;
            let s = s as i32;
            // quantisation step grows with magnitude: error within 1/16 of |s| plus the first step
            proptest::prop_assert!((a - s).abs() <= s.abs() / 16 + 16);
            proptest::prop_assert!((u - s).abs() <= s.abs() / 16 + 33);
        }
    }
}
