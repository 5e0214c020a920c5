//! Shared fixtures of the case tests: instants in Vietnam time, the default calendar, actors
//! and a valid contact.
#![allow(dead_code)]

use chrono::NaiveDate;
use std::sync::OnceLock;
use tongdai_domain::Instant;
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::calendar::WorkingCalendar;
use tongdai_domain::case::{
    Actor, Case, CaseCode, CaseIds, CasePolicy, Context, NewCase, Outcome, RawAttachment,
    RawIntake, receive,
};
use tongdai_domain::phone::PhoneNumber;
use tongdai_domain::time::from_vietnam;

pub const TENANT: i64 = 1;
pub const LEAD: i64 = 10;
pub const SUPPORT: i64 = 11;
pub const OTHER_AGENCY: i64 = 12;
pub const CALLER_PHONE: &str = "0912 345 678";

/// An instant given in Vietnam civil time.
pub fn vn(y: i32, m: u32, d: u32, h: u32, mi: u32) -> Instant {
    from_vietnam(
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap(),
    )
}

pub fn cal() -> &'static WorkingCalendar {
    static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
    CAL.get_or_init(WorkingCalendar::default)
}

pub fn policy() -> &'static CasePolicy {
    static P: OnceLock<CasePolicy> = OnceLock::new();
    P.get_or_init(CasePolicy::default)
}

pub fn ctx_with<'a>(now: Instant, policy: &'a CasePolicy) -> Context<'a> {
    Context {
        now,
        calendar: cal(),
        policy,
        tenant_path: &[],
    }
}

pub fn ctx(now: Instant) -> Context<'static> {
    ctx_with(now, policy())
}

pub fn phone() -> PhoneNumber {
    PhoneNumber::parse(CALLER_PHONE).unwrap()
}

pub fn staff(id: i64, grants: Vec<(Role, Option<i64>)>) -> Actor {
    Actor::Staff {
        account_id: id,
        name: format!("Cán bộ {id}"),
        grants: grants
            .into_iter()
            .map(|(role, agency)| {
                let tenant = Some(TENANT);
                Grant::new(role, tenant, agency).unwrap()
            })
            .collect(),
    }
}

pub fn operator() -> Actor {
    staff(1, vec![(Role::Operator, None)])
}
pub fn coordinator() -> Actor {
    staff(2, vec![(Role::Coordinator, None)])
}
pub fn leadership() -> Actor {
    staff(3, vec![(Role::Leadership, None)])
}
pub fn lead_focal() -> Actor {
    staff(4, vec![(Role::FocalOfficer, Some(LEAD))])
}
pub fn lead_head() -> Actor {
    staff(5, vec![(Role::AgencyHead, Some(LEAD))])
}
pub fn support_officer() -> Actor {
    staff(6, vec![(Role::FocalOfficer, Some(SUPPORT))])
}
/// Staff with no part in the case: another agency's officers, the post office, the
/// inspector and the administrator.
pub fn outsider() -> Actor {
    staff(
        7,
        vec![
            (Role::FocalOfficer, Some(OTHER_AGENCY)),
            (Role::AgencyHead, Some(OTHER_AGENCY)),
            (Role::PostalStaff, Some(OTHER_AGENCY)),
            (Role::Inspector, None),
            (Role::Admin, None),
        ],
    )
}
pub fn citizen() -> Actor {
    Actor::Citizen { phone: phone() }
}

/// A valid phone contact about a delayed land certificate.
pub fn raw_intake() -> RawIntake {
    RawIntake {
        caller_name: "Nguyễn Văn An".into(),
        organisation: String::new(),
        phone: CALLER_PHONE.into(),
        email: "an.nguyen@example.vn".into(),
        address: "ấp Hòa Long, xã Bình Hòa, tỉnh An Giang".into(),
        admin_unit_id: Some(30607),
        channel: "phone".into(),
        kind: "phan_anh".into(),
        content: "Tôi nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất đã quá hạn hai tháng mà chưa có kết quả.".into(),
        field_id: Some(3),
        category_id: None,
        attachments: vec![RawAttachment {
            name: "giay-hen.pdf".into(),
            size_bytes: 120_000,
            content_type: "application/pdf".into(),
        }],
        notice_version: "2026.1".into(),
        received_at: None,
        call_id: "0190f1e2-call".into(),
        dossier_code: String::new(),
        tthc_code: String::new(),
    }
}

pub fn ids(kind_code: &str, id: i64, seq: u32) -> CaseIds {
    let kind = kind_code.parse().unwrap();
    CaseIds {
        id,
        code: CaseCode::for_kind(kind, 2026, seq).unwrap(),
        tenant_id: TENANT,
    }
}

/// A case received by the operator at `at`.
pub fn received(raw: RawIntake, at: Instant) -> Outcome {
    let kind = raw.kind.clone();
    let new = NewCase::validate(&raw, &policy().intake).unwrap();
    receive(new, ids(&kind, 100, 123), &operator(), &ctx(at)).unwrap()
}

pub fn received_case(at: Instant) -> Case {
    received(raw_intake(), at).case
}
