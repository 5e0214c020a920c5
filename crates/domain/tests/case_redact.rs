//! CASE-10, SEC-4: masking personal data before publication. Realistic answers and
//! complaints; the property that no form of the caller's phone number survives.

use proptest::prelude::*;
use tongdai_domain::case::redact::{MaskKind, Subject, personal_data_in, redact};
use tongdai_domain::phone::PhoneNumber;

fn subject() -> Subject {
    Subject {
        name: "Nguyễn Văn An".into(),
        phones: vec![PhoneNumber::parse("0912345678").unwrap()],
        emails: vec!["an.nguyen@gmail.com".into()],
        address: "số 12 đường Trần Hưng Đạo, ấp Hòa Long, xã Bình Hòa, tỉnh An Giang".into(),
    }
}

fn kinds(text: &str) -> Vec<MaskKind> {
    redact(text, &subject())
        .masked
        .iter()
        .map(|m| m.kind)
        .collect()
}

#[test]
fn case10_names_are_masked_readably() {
    let r = redact(
        "Ông Nguyễn Văn An phản ánh việc chậm cấp sổ. Nguyễn Văn An cho biết đã nộp hồ sơ từ tháng 1; ông An đề nghị xử lý. nguyen van an gọi lại.",
        &subject(),
    );
    assert_eq!(
        r.text,
        "Ông N*** phản ánh việc chậm cấp sổ. Ông/bà N*** cho biết đã nộp hồ sơ từ tháng 1; ông N*** đề nghị xử lý. Ông/bà N*** gọi lại."
    );
    assert_eq!(
        r.masked.iter().map(|m| m.kind).collect::<Vec<_>>(),
        [
            MaskKind::Name,
            MaskKind::Name,
            MaskKind::GivenName,
            MaskKind::Name
        ]
    );
    assert_eq!(r.masked[0].original, "Nguyễn Văn An");
}

#[test]
fn case10_the_given_name_is_not_masked_inside_place_names_or_other_words() {
    // "An Giang", "An Châu" are places; "ăn", "an toàn" lowercase are words.
    let t = "Người dân tỉnh An Giang, xã An Châu phản ánh việc ăn uống mất an toàn.";
    assert_eq!(redact(t, &subject()).text, t);
    // A given name in another tone-placement spelling is still the name.
    let s = Subject {
        name: "Trần Thị Hòa".into(),
        ..Subject::default()
    };
    assert_eq!(
        redact("Bà Hoà đã nhận kết quả.", &s).text,
        "Bà T*** đã nhận kết quả."
    );
}

#[test]
fn case10_phone_numbers_in_every_common_form() {
    for form in [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "091 234 5678",
        "0912 34 56 78",
        "+84 912 345 678",
        "+84912345678",
        "(+84) 912-345-678",
        "84912345678",
    ] {
        let r = redact(&format!("Liên hệ số {form} để được hỗ trợ."), &subject());
        assert_eq!(r.text, "Liên hệ số 0912 *** 678 để được hỗ trợ.", "{form}");
        assert_eq!(r.masked[0].kind, MaskKind::Phone, "{form}");
    }
    // An odd separator the run finder does not join: the caller's number is still caught.
    let r = redact("Số 0912 / 345 678, hoặc 0912/345678.", &subject());
    assert_eq!(r.text, "Số 0912 *** 678, hoặc 0912 *** 678.");
    // Any personal number, not only the caller's; landlines too.
    let r = redact("Gọi 0296 3123 456 hoặc 0987.654.321.", &Subject::default());
    assert_eq!(r.text, "Gọi 0296 *** 456 hoặc 0987 *** 321.");
}

#[test]
fn case10_ids_emails_and_long_numbers() {
    let r = redact(
        "CCCD số 079201001234, CMND 385123456, email an.nguyen@gmail.com hoặc Hoa.Le@ubnd.angiang.gov.vn.",
        &subject(),
    );
    assert_eq!(
        r.text,
        "CCCD số *********234, CMND ******456, email a***@gmail.com hoặc H***@ubnd.angiang.gov.vn."
    );
    assert_eq!(kinds("CCCD số 079201001234"), [MaskKind::IdNumber]);
}

#[test]
fn case10_amounts_dates_and_procedure_codes_stay() {
    let t = "Lệ phí 15.000.000 đồng, hạn 12/03/2026 lúc 15:00, thủ tục 1.001612.000.00.00.H01 và 1.000178; năm 2026 có 365 ngày; 1.500.000.000 VNĐ.";
    assert_eq!(redact(t, &subject()).text, t);
    // Grouped like money but with no currency: treated as a number and masked.
    assert_eq!(kinds("mã 123.456.789"), [MaskKind::IdNumber]);
}

#[test]
fn case10_the_specific_part_of_the_address_is_masked() {
    let r = redact(
        "Nhà ở số 12 đường Trần Hưng Đạo, ấp Hòa Long, xã Bình Hòa bị ngập; đường Trần Hưng Đạo xuống cấp.",
        &subject(),
    );
    assert_eq!(r.text, "Nhà ở ***, xã Bình Hòa bị ngập; *** xuống cấp.");
    // A bare "số 12" elsewhere is not the address.
    let t = "Theo Nghị định số 12 năm 2026.";
    assert_eq!(redact(t, &subject()).text, t);
}

#[test]
fn case10_personal_data_check_ignores_a_lone_given_name() {
    assert!(personal_data_in("Ông An đã nhận kết quả.", &subject()).is_empty());
    assert_eq!(
        personal_data_in(
            "Ông Nguyễn Văn An, 0912345678, an.nguyen@gmail.com",
            &subject()
        ),
        vec![MaskKind::Name, MaskKind::Phone, MaskKind::Email]
    );
}

#[test]
fn case10_nfd_input_is_handled() {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Ông Nguyễn Văn An gọi 0912345678.".nfd().collect();
    assert_eq!(redact(&nfd, &subject()).text, "Ông N*** gọi 0912 *** 678.");
}

fn phone_form(national: &str) -> impl Strategy<Value = String> + use<> {
    let n = national.to_owned();
    let rest = n[1..].to_owned();
    prop_oneof![
        Just(n.clone()),
        Just(format!("{} {} {}", &n[..4], &n[4..7], &n[7..])),
        Just(format!("{}.{}.{}", &n[..4], &n[4..7], &n[7..])),
        Just(format!("{}-{}-{}", &n[..4], &n[4..7], &n[7..])),
        Just(format!("{} {} {}", &n[..3], &n[3..6], &n[6..])),
        Just(format!("{} {} {} {}", &n[..4], &n[4..6], &n[6..8], &n[8..])),
        Just(format!("+84 {} {} {}", &rest[..3], &rest[3..6], &rest[6..])),
        Just(format!("+84{rest}")),
        Just(format!(
            "(+84) {}-{}-{}",
            &rest[..3],
            &rest[3..6],
            &rest[6..]
        )),
        Just(format!("84{rest}")),
        Just(format!("0084 {rest}")),
    ]
}

/// Filler text: Vietnamese words, digits, punctuation and spaces.
fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("số ".to_owned()),
            Just("điện thoại ".to_owned()),
            Just(", ".to_owned()),
            Just(". ".to_owned()),
            Just(" ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("-".to_owned()),
            "[0-9]{1,4}",
            "[a-zđư ]{1,6}",
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

/// The text with the separators people put inside phone numbers removed.
fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !" .-()+\u{a0}".contains(*c)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn case10_sec4_no_form_of_the_phone_survives(
        (national, form) in (prop::sample::select(vec!["03", "05", "07", "08", "09"]), "[0-9]{8}")
            .prop_flat_map(|(prefix, rest)| {
                let national = format!("{prefix}{rest}");
                (Just(national.clone()), phone_form(&national))
            }),
        (before, after) in (filler(), filler()),
    ) {
        let p = PhoneNumber::parse(&national).unwrap();
        let s = Subject { name: "Lê Thị Hoa".into(), phones: vec![p], emails: vec![], address: "ấp 3".into() };
        let text = format!("{before}{form}{after}");
        let out = redact(&text, &s);
        let significant = &national[1..];
        prop_assert!(squeezed(&text).contains(significant));
        prop_assert!(!squeezed(&out.text).contains(significant), "{:?} → {:?}", text, out.text);
        prop_assert!(!out.masked.is_empty());
        // Masking is stable: a second pass finds nothing of the subject's phone either.
        let again = redact(&out.text, &s);
        prop_assert!(!squeezed(&again.text).contains(significant));
    }

    #[test]
    fn case10_redaction_never_panics(text in "\\PC{0,80}", name in "\\PC{0,20}", address in "\\PC{0,30}") {
        let s = Subject { name, phones: vec![], emails: vec![], address };
        let _ = redact(&text, &s);
    }
}
