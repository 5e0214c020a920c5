//! CASE-14: duplicate and related cases on realistic Vietnamese contents, typed with and
//! without diacritics.

use proptest::prelude::*;
use tongdai_domain::case::similar::{Candidate, DuplicateSettings, rank_duplicates, similarity};
use tongdai_domain::phone::PhoneNumber;

const POTHOLE: &str = "Đường Trần Hưng Đạo đoạn trước trường tiểu học Bình Hòa có ổ gà lớn, xe máy hay té ngã, đề nghị sửa chữa.";
const POTHOLE_NO_ACCENTS: &str = "duong tran hung dao doan truoc truong tieu hoc binh hoa co o ga lon, xe may hay te nga, de nghi sua chua";
const POTHOLE_OTHER_CALLER: &str = "Tôi phản ánh ổ gà lớn trên đường Trần Hưng Đạo trước trường tiểu học Bình Hòa, rất nguy hiểm cho xe máy.";
const BIRTH: &str =
    "Cho tôi hỏi thủ tục đăng ký khai sinh cho con cần những giấy tờ gì và nộp ở đâu?";
const BIRTH_REPHRASED: &str = "Hỏi đăng ký khai sinh cho con thì cần giấy tờ gì, nộp ở đâu ạ";
const LAND: &str = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất của tôi nộp từ tháng 1 đến nay quá hạn chưa có kết quả.";
const LIGHT: &str =
    "Đèn đường ở ấp Hòa Long bị hư nhiều ngày, buổi tối rất tối, đề nghị thay bóng đèn.";
const MARRIAGE: &str = "Xin hỏi thủ tục xác nhận tình trạng hôn nhân cần những giấy tờ gì?";

#[test]
fn case14_diacritics_do_not_matter() {
    let s = similarity(POTHOLE, POTHOLE_NO_ACCENTS);
    assert!(s > 0.95, "{s}");
}

#[test]
fn case14_near_duplicates_score_high_and_unrelated_contents_low() {
    let near = [(POTHOLE, POTHOLE_OTHER_CALLER), (BIRTH, BIRTH_REPHRASED)];
    let far = [
        (POTHOLE, LIGHT),
        (POTHOLE, LAND),
        (BIRTH, LAND),
        (LIGHT, LAND),
    ];
    let min_near = near
        .iter()
        .map(|(a, b)| similarity(a, b))
        .fold(1.0, f64::min);
    let max_far = far
        .iter()
        .map(|(a, b)| similarity(a, b))
        .fold(0.0, f64::max);
    assert!(min_near >= 0.45, "near {min_near}");
    assert!(max_far < 0.15, "far {max_far}");
    // Similar questions about different procedures share a frame but are not duplicates.
    let frame = similarity(BIRTH, MARRIAGE);
    assert!(frame < similarity(BIRTH, BIRTH_REPHRASED), "{frame}");
    assert!(frame < 0.35, "{frame}");
}

#[test]
fn case14_ranking_uses_phone_and_content() {
    let me = PhoneNumber::parse("0912345678").unwrap();
    let other = PhoneNumber::parse("0987654321").unwrap();
    let c = |id, phone: &PhoneNumber, content: &str| Candidate {
        case_id: id,
        phone: Some(phone.clone()),
        content: content.into(),
    };
    let candidates = vec![
        c(1, &other, LAND),                 // unrelated, other caller: dropped
        c(2, &me, LIGHT),                   // same caller, other topic: related
        c(3, &other, POTHOLE_OTHER_CALLER), // same pothole, other caller
        c(4, &me, POTHOLE_NO_ACCENTS),      // same caller, same pothole
    ];
    let ranked = rank_duplicates(
        Some(&me),
        POTHOLE,
        &candidates,
        &DuplicateSettings::default(),
    );
    let ids: Vec<i64> = ranked.iter().map(|m| m.case_id).collect();
    assert_eq!(ids, vec![4, 3, 2]);
    assert!(ranked[0].same_phone && ranked[0].score > 0.9);
    assert!(!ranked[1].same_phone);
    assert!(ranked[2].same_phone && ranked[2].content_similarity < 0.1);
    // A service number is not a caller identity.
    let hotline = PhoneNumber::parse("1800888880").unwrap();
    let r = rank_duplicates(
        Some(&hotline),
        LAND,
        &[c(5, &hotline, LIGHT)],
        &DuplicateSettings::default(),
    );
    assert!(r.is_empty());
    // A stricter threshold keeps only the duplicate.
    let strict = DuplicateSettings {
        threshold: 0.8,
        ..DuplicateSettings::default()
    };
    let ids: Vec<i64> = rank_duplicates(Some(&me), POTHOLE, &candidates, &strict)
        .iter()
        .map(|m| m.case_id)
        .collect();
    assert_eq!(ids, vec![4]);
}

proptest! {
    #[test]
    fn case14_similarity_is_symmetric_bounded_and_one_on_itself(a in "[a-zàáạảãăâđêôơư ]{0,60}", b in "[a-zàáạảãăâđêôơư ]{0,60}") {
        let s = similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert!((s - similarity(&b, &a)).abs() < 1e-12);
        let own = similarity(&a, &a);
        prop_assert!(own == 0.0 || (own - 1.0).abs() < 1e-12);
    }
}
