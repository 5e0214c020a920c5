//! CASE-9: the case code parser reads citizen input (web, SMS, Zalo, keypad): it must never
//! panic, must accept what it prints, and must not accept anything that prints differently.

use proptest::prelude::*;
use tongdai_domain::case::{CaseCode, CodeFamily};

fn family() -> impl Strategy<Value = CodeFamily> {
    prop::sample::select(CodeFamily::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn case9_parse_never_panics_on_any_string(s in "\\PC{0,40}") {
        if let Ok(c) = CaseCode::parse(&s) {
            // Whatever it accepts is a valid code that prints and parses back to itself.
            prop_assert_eq!(CaseCode::parse(&c.to_string()).unwrap(), c);
            prop_assert!(c.seq() >= 1 && c.year() >= 2000);
        }
        let _ = CaseCode::parse_digits(&s);
    }

    #[test]
    fn case9_parse_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&b);
        let _ = CaseCode::parse(&s);
        let _ = CaseCode::parse_digits(&s);
    }

    #[test]
    fn case9_near_codes_never_panic(s in "[pPhHdDcCkKaAvV]{0,3}[-_. /]{0,2}[0-9]{0,6}[-_. /]{0,2}[0-9]{0,12}[a-z#]{0,1}") {
        if let Ok(c) = CaseCode::parse(&s) {
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            let printed: String = c.to_string().chars().filter(char::is_ascii_digit).collect();
            // Same numbers, up to zero padding of the sequence.
            prop_assert_eq!(&digits[..4], &printed[..4]);
            prop_assert_eq!(digits[4..].parse::<u64>().unwrap(), u64::from(c.seq()));
        }
    }

    #[test]
    fn case9_round_trip(f in family(), year in 2000u16..=9999, seq in 1u32..=999_999_999) {
        let c = CaseCode::new(f, year, seq).unwrap();
        let s = c.to_string();
        prop_assert_eq!(CaseCode::parse(&s).unwrap(), c);
        prop_assert_eq!(CaseCode::parse(&s.to_lowercase()).unwrap(), c);
        prop_assert_eq!(CaseCode::parse(&s.replace('-', " ")).unwrap(), c);
        prop_assert_eq!(CaseCode::parse(&s.replace('-', "")).unwrap(), c);
        prop_assert_eq!(CaseCode::parse_digits(&c.digits()).unwrap(), (year, seq));
        let json = serde_json::to_string(&c).unwrap();
        prop_assert_eq!(serde_json::from_str::<CaseCode>(&json).unwrap(), c);
    }
}
