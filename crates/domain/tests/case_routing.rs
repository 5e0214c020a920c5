//! CASE-4: routing rules suggest the agency: the most specific matching rule first, then the
//! highest priority; absent criteria are wildcards.

mod case_common;

use case_common::{received_case, vn};
use tongdai_domain::case::CaseKind;
use tongdai_domain::case::routing::{RoutingRule, suggest, suggest_for};

const LAND: i64 = 3;
const CIVIL: i64 = 4;
const BINH_HOA: i64 = 30607;
const AN_CHAU: i64 = 30589;

fn rule(
    field: Option<i64>,
    kind: Option<CaseKind>,
    unit: Option<i64>,
    agency: i64,
    priority: i32,
) -> RoutingRule {
    RoutingRule {
        field_id: field,
        kind,
        admin_unit_id: unit,
        agency_id: agency,
        priority,
    }
}

fn rules() -> Vec<RoutingRule> {
    vec![
        rule(None, None, None, 1, 0),                  // Văn phòng: catch-all
        rule(Some(LAND), None, None, 20, 0),           // Phòng Kinh tế: land
        rule(Some(LAND), None, Some(BINH_HOA), 21, 0), // UBND xã Bình Hòa: its land
        rule(Some(LAND), Some(CaseKind::PhanAnh), Some(BINH_HOA), 22, 0), // its land complaints
        rule(Some(CIVIL), None, None, 30, 5),          // Tư pháp
        rule(Some(CIVIL), None, None, 31, 1),          // Trung tâm HCC
        rule(None, Some(CaseKind::YeuCauDichVu), None, 40, 0), // Bưu điện
    ]
}

#[test]
fn case4_most_specific_rule_first() {
    assert_eq!(
        suggest_for(&rules(), Some(LAND), CaseKind::PhanAnh, Some(BINH_HOA)),
        vec![22, 21, 20, 1]
    );
    assert_eq!(
        suggest_for(&rules(), Some(LAND), CaseKind::HoiDapTthc, Some(BINH_HOA)),
        vec![21, 20, 1]
    );
    assert_eq!(
        suggest_for(&rules(), Some(LAND), CaseKind::PhanAnh, Some(AN_CHAU)),
        vec![20, 1]
    );
    // A rule on a unit does not match a case without one.
    assert_eq!(
        suggest_for(&rules(), Some(LAND), CaseKind::PhanAnh, None),
        vec![20, 1]
    );
}

#[test]
fn case4_priority_breaks_ties_and_agencies_appear_once() {
    assert_eq!(
        suggest_for(&rules(), Some(CIVIL), CaseKind::HoiDapTthc, None),
        vec![30, 31, 1]
    );
    let mut r = rules();
    r.push(rule(None, None, Some(BINH_HOA), 20, 0)); // Kinh tế also by unit
    let s = suggest_for(&r, Some(LAND), CaseKind::PhanAnh, Some(BINH_HOA));
    assert_eq!(s, vec![22, 21, 20, 1]);
    assert_eq!(
        suggest_for(&[], Some(LAND), CaseKind::PhanAnh, None),
        Vec::<i64>::new()
    );
}

#[test]
fn case4_suggest_reads_the_case() {
    // The fixture case: field 3 (land), phản ánh, admin unit 30607.
    let case = received_case(vn(2026, 3, 13, 9, 0));
    assert_eq!(suggest(&rules(), &case), vec![22, 21, 20, 1]);
    let json = serde_json::to_string(&rules()[3]).unwrap();
    assert_eq!(
        json,
        r#"{"field_id":3,"kind":"phan_anh","admin_unit_id":30607,"agency_id":22,"priority":0}"#
    );
}
