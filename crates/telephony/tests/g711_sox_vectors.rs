//! G.711 tables against sox-encoded vectors (fixtures made with sox 14.4.2 without dither,
//! see tests/fixtures/g711/README.md).

use tongdai_telephony::media::g711::{
    alaw_to_linear, linear_to_alaw, linear_to_ulaw, ulaw_to_linear,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/g711")
            .join(name),
    )
    .unwrap()
}

fn samples(b: &[u8]) -> Vec<i16> {
    b.chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

#[test]
fn decoding_matches_sox_for_every_code() {
    let a = samples(&fixture("alaw_codes_s16le.raw"));
    let u = samples(&fixture("ulaw_codes_s16le.raw"));
    for code in 0..=255u8 {
        assert_eq!(alaw_to_linear(code), a[code as usize], "A-law {code:#x}");
        assert_eq!(ulaw_to_linear(code), u[code as usize], "µ-law {code:#x}");
    }
}

#[test]
fn encoding_matches_sox_on_a_full_range_ramp() {
    let ramp = samples(&fixture("ramp_s16le.raw"));
    let a = fixture("ramp.alaw");
    let u = fixture("ramp.ulaw");
    let mut a_diff = 0;
    let mut u_diff = 0;
    for (i, s) in ramp.iter().enumerate() {
        if linear_to_alaw(*s) != a[i] {
            a_diff += 1;
            // sox rounds to the nearer step where the reference truncates: one step apart
            let (ours, theirs) = (
                alaw_to_linear(linear_to_alaw(*s)) as i32,
                alaw_to_linear(a[i]) as i32,
            );
            let step = ((*s as i32).abs() / 16).max(16) * 2;
            assert!(
                (ours - theirs).abs() <= step,
                "A-law {s}: {ours} vs {theirs}"
            );
        }
        if linear_to_ulaw(*s) != u[i] {
            u_diff += 1;
            // sox rounds µ-law at segment edges differently by at most one step
            assert!(
                (ulaw_to_linear(linear_to_ulaw(*s)) as i32 - ulaw_to_linear(u[i]) as i32).abs()
                    <= 1024,
                "µ-law {s}"
            );
        }
    }
    assert!(
        a_diff * 50 <= ramp.len(),
        "A-law codes differing from sox: {a_diff} of {}",
        ramp.len()
    );
    assert!(
        u_diff * 100 <= ramp.len(),
        "µ-law codes differing from sox: {u_diff} of {}",
        ramp.len()
    );
}
