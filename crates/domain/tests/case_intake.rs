//! CASE-1, NĐ 20/2008 Art. 7, SEC-4: validating a contact; every problem reported per field
//! in Vietnamese; anonymous contacts refused; text stored in NFC; never a panic.

mod case_common;

use case_common::raw_intake;
use proptest::prelude::*;
use tongdai_domain::case::{
    CaseKind, Channel, IntakeField, IntakeLimits, NewCase, RawAttachment, RawIntake,
};
use unicode_normalization::UnicodeNormalization;

fn limits() -> IntakeLimits {
    IntakeLimits::default()
}

#[test]
fn case1_a_valid_contact_becomes_a_new_case() {
    let n = NewCase::validate(&raw_intake(), &limits()).unwrap();
    assert_eq!(n.caller().name, "Nguyễn Văn An");
    assert_eq!(n.caller().phone.canonical(), "+84912345678");
    assert_eq!(n.caller().email.as_deref(), Some("an.nguyen@example.vn"));
    assert_eq!(n.caller().organisation, None);
    assert_eq!(n.kind(), CaseKind::PhanAnh);
    assert_eq!(n.channel(), Channel::Phone);
    assert_eq!(n.attachments().len(), 1);
    assert_eq!(n.notice_version(), "2026.1");
    assert_eq!(n.call_id(), Some("0190f1e2-call"));
    assert_eq!(n.dossier_code(), None);
}

#[test]
fn case1_text_is_normalised_to_nfc_and_tidied() {
    let mut raw = raw_intake();
    raw.caller_name = "  Nguyễn   Thị\tThủy ".nfd().collect();
    raw.content = "Dòng một  \r\nDòng hai\u{7}\n".nfd().collect::<String>() + "   ";
    raw.email = "Thuy.Nguyen@Example.VN".into();
    raw.organisation = "   ".into();
    let n = NewCase::validate(&raw, &limits()).unwrap();
    assert_eq!(n.caller().name, "Nguyễn Thị Thủy");
    assert_eq!(n.content(), "Dòng một\nDòng hai");
    assert_eq!(n.caller().email.as_deref(), Some("Thuy.Nguyen@example.vn"));
    assert_eq!(n.caller().organisation, None);
}

#[test]
fn case1_every_problem_is_reported_at_once_in_vietnamese() {
    let raw = RawIntake {
        caller_name: String::new(),
        phone: "0912".into(),
        email: "an@@example".into(),
        address: " ".into(),
        admin_unit_id: Some(0),
        channel: "fax".into(),
        kind: "khieu-nai".into(),
        content: "ngắn".into(),
        attachments: vec![RawAttachment {
            name: "virus.pdf".into(),
            size_bytes: 2_000,
            content_type: "application/x-msdownload".into(),
        }],
        ..RawIntake::default()
    };
    let err = NewCase::validate(&raw, &limits()).unwrap_err();
    for f in [
        IntakeField::CallerName,
        IntakeField::Phone,
        IntakeField::Email,
        IntakeField::Address,
        IntakeField::AdminUnit,
        IntakeField::Channel,
        IntakeField::Kind,
        IntakeField::Content,
        IntakeField::Attachments,
        IntakeField::NoticeVersion,
    ] {
        assert!(err.has(f), "{f} missing from {err}");
    }
    assert_eq!(err.errors.len(), 10, "{err}");
    let attachment = err
        .errors
        .iter()
        .find(|e| e.field == IntakeField::Attachments)
        .unwrap();
    assert_eq!(attachment.index, Some(0));
    let text = err.to_string();
    assert!(
        text.contains("nặc danh") && text.contains("Điều 7"),
        "{text}"
    );
    assert!(text.contains("Địa chỉ là bắt buộc"), "{text}");
}

#[test]
fn case1_anonymous_contacts_are_not_accepted_nd20_art7() {
    for name in [
        "Ẩn danh",
        "giấu tên",
        "KHONG TEN",
        "Nặc danh",
        "không muốn nêu tên",
        "xxx",
        "anonymous",
    ] {
        let mut raw = raw_intake();
        raw.caller_name = name.into();
        let err = NewCase::validate(&raw, &limits()).unwrap_err();
        assert!(err.has(IntakeField::CallerName), "{name}");
        assert!(err.to_string().contains("nặc danh"), "{name}");
    }
    for name in [
        "Nguyễn Văn A",
        "Lê Thị Hồng-Nhung",
        "H'Hen Niê",
        "Trần K. Long",
    ] {
        let mut raw = raw_intake();
        raw.caller_name = name.into();
        assert!(NewCase::validate(&raw, &limits()).is_ok(), "{name}");
    }
    for name in ["Nguyễn Văn An 0912345678", "A", "<script>"] {
        let mut raw = raw_intake();
        raw.caller_name = name.into();
        assert!(NewCase::validate(&raw, &limits()).is_err(), "{name}");
    }
}

#[test]
fn case1_the_phone_must_be_a_personal_number() {
    for p in ["1800 888 880", "113", ""] {
        let mut raw = raw_intake();
        raw.phone = p.into();
        assert!(
            NewCase::validate(&raw, &limits())
                .unwrap_err()
                .has(IntakeField::Phone),
            "{p}"
        );
    }
    let mut raw = raw_intake();
    raw.phone = "0296 3123 456".into();
    assert_eq!(
        NewCase::validate(&raw, &limits())
            .unwrap()
            .caller()
            .phone
            .canonical(),
        "+842963123456"
    );
}

#[test]
fn case1_emails() {
    for ok in [
        "a@b.vn",
        "nguyen.van+an@mail.example.com.vn",
        "x_y@sub-domain.org",
    ] {
        let mut raw = raw_intake();
        raw.email = ok.into();
        assert!(NewCase::validate(&raw, &limits()).is_ok(), "{ok}");
    }
    for bad in [
        "a@b",
        "@b.vn",
        "a b@c.vn",
        "a@-b.vn",
        "a@b..vn",
        ".a@b.vn",
        "a@b.v1",
        "nguyễn@b.vn",
    ] {
        let mut raw = raw_intake();
        raw.email = bad.into();
        assert!(
            NewCase::validate(&raw, &limits())
                .unwrap_err()
                .has(IntakeField::Email),
            "{bad}"
        );
    }
}

#[test]
fn case1_attachment_limits_are_parameters() {
    let att = |name: &str, size, ct: &str| RawAttachment {
        name: name.into(),
        size_bytes: size,
        content_type: ct.into(),
    };
    let check = |a: Vec<RawAttachment>, l: &IntakeLimits| {
        NewCase::validate(
            &RawIntake {
                attachments: a,
                ..raw_intake()
            },
            l,
        )
    };
    let l = limits();
    assert!(
        check(
            vec![att("anh.JPG", 5_000, "image/jpeg; charset=binary")],
            &l
        )
        .is_ok()
    );
    assert!(
        check(
            vec![att(
                "bang.xlsx",
                5_000,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )],
            &l
        )
        .is_ok()
    );
    // Extension and detected type disagree; empty; too big; path in the name; wrong type.
    for a in [
        att("hoa-don.pdf", 5_000, "image/png"),
        att("trong.pdf", 0, "application/pdf"),
        att("lon.pdf", 11 * 1024 * 1024, "application/pdf"),
        att("../../etc/passwd.pdf", 5, "application/pdf"),
        att("run.exe", 5, "application/x-msdownload"),
        att("", 5, "application/pdf"),
    ] {
        let err = check(vec![a.clone()], &l).unwrap_err();
        assert!(err.has(IntakeField::Attachments), "{a:?}");
    }
    let small = IntakeLimits {
        attachments_max_count: 2,
        attachment_max_bytes: 100,
        attachments_max_total_bytes: 150,
        allowed_content_types: vec!["application/pdf".into()],
        ..IntakeLimits::default()
    };
    let three = vec![
        att("a.pdf", 60, "application/pdf"),
        att("b.pdf", 60, "application/pdf"),
        att("c.pdf", 60, "application/pdf"),
    ];
    let err = check(three, &small).unwrap_err();
    // Too many, and too large in total: two messages.
    assert_eq!(
        err.errors
            .iter()
            .filter(|e| e.field == IntakeField::Attachments)
            .count(),
        2,
        "{err}"
    );
    assert!(check(vec![att("a.jpg", 60, "image/jpeg")], &small).is_err());
    let json = serde_json::to_string(&small).unwrap();
    assert_eq!(serde_json::from_str::<IntakeLimits>(&json).unwrap(), small);
    assert_eq!(
        serde_json::from_str::<IntakeLimits>("{}").unwrap(),
        IntakeLimits::default()
    );
}

#[test]
fn case1_content_length_is_bounded() {
    let l = IntakeLimits {
        content_max_chars: 50,
        ..IntakeLimits::default()
    };
    let mut raw = raw_intake();
    raw.content = "ư".repeat(51);
    assert!(
        NewCase::validate(&raw, &l)
            .unwrap_err()
            .has(IntakeField::Content)
    );
    raw.content = "ư".repeat(50);
    assert!(NewCase::validate(&raw, &l).is_ok());
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,60}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[0-9 .+()-]{0,20}",
    ]
}

proptest! {
    #[test]
    fn case1_validation_never_panics(name in text(), phone in text(), email in text(), address in text(), content in text(), channel in text(), kind in text(), notice in text(), att in text(), size: u64) {
        let raw = RawIntake {
            caller_name: name,
            phone,
            email,
            address,
            content,
            channel,
            kind,
            notice_version: notice,
            attachments: vec![RawAttachment { name: att.clone(), size_bytes: size, content_type: att }],
            ..RawIntake::default()
        };
        match NewCase::validate(&raw, &IntakeLimits::default()) {
            Ok(n) => {
                prop_assert!(!n.caller().name.is_empty());
                prop_assert_eq!(n.content().nfc().collect::<String>(), n.content().to_owned());
            }
            Err(e) => {
                prop_assert!(!e.errors.is_empty());
                prop_assert!(e.errors.iter().all(|f| !f.message.is_empty()));
            }
        }
    }
}
