//! One case through the service on a real database (SQLite or PostgreSQL), with the real job
//! runner and a real SMTP server: intake, forwarding, the two deadline clocks across a weekend,
//! escalation exactly once, approval, the citizen's e-mail, automatic closing, the daily summary.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use tongdai_cases::{CaseService, CaseSettings, Origin, Upload, jobs, summary};
use tongdai_domain::access::Principal;
use tongdai_domain::case::{Actor, CaseKind, CaseState, Command, ContentClass, RawIntake};
use tongdai_domain::time::Clock;
use tongdai_jobs::Runner;
use tongdai_notify::email::{EmailChannel, EmailSettings};
use tongdai_notify::testing::SmtpSink;
use tongdai_notify::{Channels, register as register_notify};
use tongdai_store::clock::SystemClock;
use tongdai_store::files::FileStore;
use tongdai_store::testing::TestDb;
use tongdai_store::{accounts, cases, demo, notifications, org};

struct World {
    db: TestDb,
    clock: Arc<SystemClock>,
    service: CaseService,
    runner: Runner,
    smtp: SmtpSink,
    _files: tempfile::TempDir,
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

async fn world() -> World {
    let db = TestDb::new().await;
    let clock = SystemClock::shared();
    clock.set(at("2026-03-13T14:00:00+07:00"));
    demo::seed(&db.store, "Mật khẩu thử nghiệm 2026", clock.now())
        .await
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let service = CaseService::new(
        db.store.clone(),
        clock.clone() as Arc<dyn Clock>,
        FileStore::new(files.path()),
        CaseSettings::default(),
    );
    let smtp = SmtpSink::start();
    let email = EmailChannel::new(&EmailSettings {
        enabled: true,
        port: smtp.port,
        timeout_seconds: 3,
        ..Default::default()
    })
    .unwrap();
    let runner = Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "test");
    let runner = jobs::register(
        register_notify(runner, Channels::default().with(email)),
        service.clone(),
    );
    World {
        db,
        clock,
        service,
        runner,
        smtp,
        _files: files,
    }
}

/// The demo province's tenant id.
async fn province(w: &World) -> i64 {
    let mut c = w.db.store.conn().await.unwrap();
    org::tenant_by_code(&mut c, "tinh-an-giang")
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn actor(w: &World, username: &str) -> Actor {
    let mut c = w.db.store.conn().await.unwrap();
    let (account, _) = accounts::find_for_login(&mut c, username)
        .await
        .unwrap()
        .unwrap();
    let p: Principal = accounts::principal(&mut c, &account).await.unwrap();
    Actor::staff(&p)
}

fn intake(content: &str) -> RawIntake {
    RawIntake {
        caller_name: "Nguyễn Thị Hồng Nhung".into(),
        phone: "0912 345 678".into(),
        email: "nhung@example.vn".into(),
        address: "ấp An Hòa, xã An Châu".into(),
        channel: "phone".into(),
        kind: "phan_anh".into(),
        content: content.into(),
        notice_version: "2026-01".into(),
        ..Default::default()
    }
}

async fn history_kinds(w: &World, case_id: i64) -> Vec<String> {
    let mut c = w.db.store.conn().await.unwrap();
    cases::history(&mut c, case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn unread(w: &World, username: &str) -> Vec<String> {
    let mut c = w.db.store.conn().await.unwrap();
    let (a, _) = accounts::find_for_login(&mut c, username)
        .await
        .unwrap()
        .unwrap();
    notifications::latest(&mut c, a.id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

/// CASE-1, CASE-4, CASE-5, CASE-6, CASE-7, CASE-8, CASE-12: the whole life of a case.
#[tokio::test]
async fn a_case_from_intake_to_closing_case_6() {
    let w = world().await;
    let province = province(&w).await;
    let agency = {
        let mut c = w.db.store.conn().await.unwrap();
        org::agencies(&mut c, None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.code == "vp-hdnd-ubnd" && a.name.contains("An Châu"))
            .unwrap()
            .id
    };
    let operator = actor(&w, "tongdai1").await;
    let coordinator = actor(&w, "dieuphoi").await;
    let officer = actor(&w, "canbo.anchau").await;
    let head = actor(&w, "truong.anchau").await;
    let leader = actor(&w, "lanhdao").await;

    // Intake by the operator on Friday 13/3/2026 at 14:00.
    let pdf = Upload {
        name: "ảnh chụp.pdf".into(),
        bytes: b"%PDF-1.4 test".to_vec(),
    };
    let received = w
        .service
        .intake(
            &operator,
            province,
            intake("Đường ấp An Hòa bị ngập nặng sau mưa, người dân đi lại khó khăn."),
            &[pdf],
            &Origin::default(),
        )
        .await
        .unwrap();
    let id = received.case.id;
    assert!(
        received.case.code.to_string().starts_with("PA-2026-"),
        "{}",
        received.case.code
    );
    assert_eq!(received.case.state, CaseState::Received);
    // The operator handles what they typed in: the coordinators' queue shows it without a
    // notification (citizens' own submissions do notify them, see below).
    assert!(
        !unread(&w, "dieuphoi")
            .await
            .contains(&"received".to_owned())
    );
    // Refused: an executable disguised as a PDF.
    let bad = Upload {
        name: "ảnh.pdf".into(),
        bytes: b"MZ\x90\x00".to_vec(),
    };
    assert!(
        w.service
            .intake(
                &operator,
                province,
                intake("Nội dung thử nghiệm đủ dài để hợp lệ."),
                &[bad],
                &Origin::default()
            )
            .await
            .is_err()
    );

    // The coordinator classifies and forwards at 15:00: the focal deadline is Monday 16:00.
    w.clock.set(at("2026-03-13T15:00:00+07:00"));
    w.service
        .decide(
            id,
            &coordinator,
            &Command::Classify {
                kind: CaseKind::PhanAnh,
                class: Some(ContentClass::KhongPhuHopThucTe),
                field_id: None,
                pressing: true,
                complex: true,
            },
            None,
        )
        .await
        .unwrap();
    let (case, _) = w
        .service
        .decide(
            id,
            &coordinator,
            &Command::Forward {
                lead_agency_id: agency,
                other_agency_ids: vec![],
                note: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(case.state, CaseState::Assigned);
    assert_eq!(
        case.clocks.focal.as_ref().unwrap().due_at,
        at("2026-03-16T16:00:00+07:00")
    );
    assert!(
        unread(&w, "canbo.anchau")
            .await
            .contains(&"forwarded".to_owned())
    );
    // The focal officer's e-mail goes out through the outbox.
    w.runner.run_pending().await.unwrap();
    let mails = w.smtp.wait_for(1);
    assert!(
        mails
            .iter()
            .any(|m| m.to == "canbo.anchau@demo.tongdai.invalid"
                && m.subject.contains(&case.code.to_string())),
        "{:?}",
        mails
            .iter()
            .map(|m| (&m.to, &m.subject))
            .collect::<Vec<_>>()
    );

    // The officer acknowledges, then misses the deadline: Monday 16:00 passes.
    w.service
        .decide(id, &officer, &Command::Acknowledge, None)
        .await
        .unwrap();
    w.clock.set(at("2026-03-16T15:59:00+07:00"));
    w.runner.run_pending().await.unwrap();
    assert_eq!(
        w.service.load(id).await.unwrap().0.state,
        CaseState::Acknowledged,
        "not before the deadline"
    );
    w.clock.set(at("2026-03-16T16:00:30+07:00"));
    w.runner.run_pending().await.unwrap();
    let (case, _) = w.service.load(id).await.unwrap();
    assert_eq!(case.state, CaseState::Escalated);
    assert!(
        unread(&w, "truong.anchau")
            .await
            .contains(&"escalated".to_owned())
    );
    // Running the job again (as after a crash) changes nothing.
    w.service
        .decide(id, &Actor::System, &Command::Escalate, None)
        .await
        .unwrap_err();
    w.runner.run_pending().await.unwrap();
    let escalations = history_kinds(&w, id)
        .await
        .iter()
        .filter(|k| k.as_str() == "escalated")
        .count();
    assert_eq!(escalations, 1);
    // The focal officer can no longer answer; the head can. The case is complex: approval first.
    assert!(
        w.service
            .decide(
                id,
                &officer,
                &Command::Answer {
                    text: "x".repeat(30)
                },
                None
            )
            .await
            .is_err()
    );
    let answer =
        "UBND xã đã cho khơi thông cống thoát nước tại ấp An Hòa ngày 17/3/2026.".to_owned();
    let (case, _) = w
        .service
        .decide(
            id,
            &head,
            &Command::Answer {
                text: answer.clone(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(case.state, CaseState::AwaitingApproval);
    assert!(
        w.service
            .decide(id, &coordinator, &Command::Approve { comment: None }, None)
            .await
            .is_err(),
        "only leadership approves"
    );
    let (case, _) = w
        .service
        .decide(id, &leader, &Command::Approve { comment: None }, None)
        .await
        .unwrap();
    assert_eq!(case.state, CaseState::Answered);
    // The citizen gets the answer by e-mail (CASE-8).
    w.runner.run_pending().await.unwrap();
    let mails = w.smtp.messages();
    let to_citizen: Vec<_> = mails
        .iter()
        .filter(|m| m.to == "nhung@example.vn")
        .collect();
    assert!(
        to_citizen.iter().any(|m| m.body.contains(&answer)),
        "{:?}",
        to_citizen.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // No rating or reopening: after five working days the system closes it.
    w.clock.set(at("2026-03-30T08:00:00+07:00"));
    w.runner.run_pending().await.unwrap();
    assert_eq!(w.service.load(id).await.unwrap().0.state, CaseState::Closed);
    let kinds = history_kinds(&w, id).await;
    for k in [
        "received",
        "classified",
        "forwarded",
        "acknowledged",
        "escalated",
        "approved",
        "closed",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
}

/// CASE-6: the hard deadline (mode b: 48 wall-clock hours after escalation) tells the
/// coordinator and the leadership once.
#[tokio::test]
async fn the_head_deadline_breach_is_reported_once_case_6() {
    let w = world().await;
    let province = province(&w).await;
    let agency = {
        let mut c = w.db.store.conn().await.unwrap();
        org::agencies(&mut c, None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.code == "vp-hdnd-ubnd" && a.name.contains("An Châu"))
            .unwrap()
            .id
    };
    let coordinator = actor(&w, "dieuphoi").await;
    let r = w
        .service
        .intake(
            &actor(&w, "tongdai1").await,
            province,
            intake("Cán bộ một cửa hẹn trả kết quả nhiều lần không đúng hẹn."),
            &[],
            &Origin::default(),
        )
        .await
        .unwrap();
    w.clock.set(at("2026-03-13T15:00:00+07:00"));
    w.service
        .decide(
            r.case.id,
            &coordinator,
            &Command::Classify {
                kind: CaseKind::PhanAnh,
                class: Some(ContentClass::ChamTreSachNhieu),
                field_id: None,
                pressing: false,
                complex: false,
            },
            None,
        )
        .await
        .unwrap();
    w.service
        .decide(
            r.case.id,
            &coordinator,
            &Command::Forward {
                lead_agency_id: agency,
                other_agency_ids: vec![],
                note: None,
            },
            None,
        )
        .await
        .unwrap();
    // Monday 16:00 escalation, Wednesday 16:00 the head's limit.
    w.clock.set(at("2026-03-18T16:00:01+07:00"));
    w.runner.run_pending().await.unwrap();
    w.runner.run_pending().await.unwrap();
    let (case, _) = w.service.load(r.case.id).await.unwrap();
    assert_eq!(case.state, CaseState::Escalated);
    assert!(case.hard_breached);
    let kinds = history_kinds(&w, r.case.id).await;
    assert_eq!(
        kinds.iter().filter(|k| k.as_str() == "escalated").count(),
        1
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| k.as_str() == "hard_deadline_breached")
            .count(),
        1
    );
    assert!(
        unread(&w, "dieuphoi")
            .await
            .contains(&"hard_breach".to_owned())
    );
    assert!(
        unread(&w, "lanhdao")
            .await
            .contains(&"hard_breach".to_owned())
    );
}

/// A forward to an agency of another tenant or one no longer in force is refused (CASE-4).
#[tokio::test]
async fn forwarding_checks_the_agency_case_4() {
    let w = world().await;
    let mut c = w.db.store.conn().await.unwrap();
    let district = org::tenant_by_code(&mut c, "huyen-chau-thanh")
        .await
        .unwrap()
        .unwrap();
    let old_agency = org::agencies(&mut c, Some(&[district.id])).await.unwrap()[0].id;
    let province = org::tenant_by_code(&mut c, "tinh-an-giang")
        .await
        .unwrap()
        .unwrap()
        .id;
    drop(c);
    let coordinator = actor(&w, "dieuphoi").await;
    let r = w
        .service
        .intake(
            &actor(&w, "tongdai1").await,
            province,
            intake("Thủ tục cấp giấy phép xây dựng còn rườm rà."),
            &[],
            &Origin::default(),
        )
        .await
        .unwrap();
    let err = w
        .service
        .decide(
            r.case.id,
            &coordinator,
            &Command::Forward {
                lead_agency_id: old_agency,
                other_agency_ids: vec![],
                note: None,
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("không thuộc đơn vị"), "{err}");
}

/// Citizens' submissions are limited per phone number (issue 4 point 14).
#[tokio::test]
async fn public_submissions_are_rate_limited() {
    let w = world().await;
    let province = province(&w).await;
    let phone = tongdai_domain::phone::PhoneNumber::parse("0912345678").unwrap();
    let citizen = Actor::Citizen { phone };
    let origin = Origin {
        ip: "203.0.113.7".into(),
        public: true,
    };
    let mut raw = intake("Đề nghị bố trí thêm chỗ ngồi chờ tại bộ phận một cửa xã.");
    raw.channel = "web".into();
    raw.kind = "kien_nghi".into();
    for _ in 0..5 {
        w.service
            .intake(&citizen, province, raw.clone(), &[], &origin)
            .await
            .unwrap();
    }
    let sixth = w
        .service
        .intake(&citizen, province, raw, &[], &origin)
        .await
        .unwrap_err();
    assert!(matches!(sixth, tongdai_cases::CaseError::RateLimited));
    // A citizen's submission reaches the coordinators' notifications.
    assert!(
        unread(&w, "dieuphoi")
            .await
            .contains(&"received".to_owned())
    );
}

/// CASE-13: the daily summary is generated at 16:30, kept, sent to the coordinators; a run
/// missed while the server was down happens when it is back, once.
#[tokio::test]
async fn the_daily_summary_runs_late_but_once_case_13() {
    let w = world().await;
    let province = province(&w).await;
    summary::ensure_scheduled(&w.service).await.unwrap();
    w.service
        .intake(
            &actor(&w, "tongdai1").await,
            province,
            intake("Đường liên ấp xuống cấp, đề nghị sửa chữa."),
            &[],
            &Origin::default(),
        )
        .await
        .unwrap();
    // The server was down at 16:30; it comes back at 18:00.
    w.clock.set(at("2026-03-13T18:00:00+07:00"));
    w.runner.run_pending().await.unwrap();
    let mut c = w.db.store.conn().await.unwrap();
    let s = cases::summaries(&mut c, &[province], 10).await.unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].day.to_string(), "2026-03-13");
    assert_eq!(s[0].content["received"], 1);
    drop(c);
    assert!(
        unread(&w, "dieuphoi")
            .await
            .contains(&"daily_summary".to_owned())
    );
    let mails = w.smtp.wait_for(1);
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("Tổng hợp PAKN ngày 13/03/2026"))
    );
    // Running again does nothing more; the next one is Monday's.
    w.runner.run_pending().await.unwrap();
    let mut c = w.db.store.conn().await.unwrap();
    assert_eq!(
        cases::summaries(&mut c, &[province], 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// CASE-4 / ADM-5: the tenant's policy is data; the case service caches each tenant's context
/// (calendar, policy, tenant path) but a change to a tenant is seen by the very next intake.
#[tokio::test]
async fn a_changed_tenant_policy_applies_at_once() {
    let w = world().await;
    let province = province(&w).await;
    let operator = actor(&w, "tongdai1").await;
    let origin = Origin::default();
    let short = "Đường ấp An Hòa bị ngập sau mưa, xe máy không qua được.";
    w.service
        .intake(&operator, province, intake(short), &[], &origin)
        .await
        .expect("accepted under the default policy");
    // The province now asks for at least 200 characters of content.
    let mut policy = tongdai_domain::case::CasePolicy::default();
    policy.intake.content_min_chars = 200;
    {
        let mut c = w.db.store.conn().await.unwrap();
        let mut settings = org::tenant(&mut c, province).await.unwrap().settings;
        settings["cases"] = serde_json::to_value(&policy).unwrap();
        org::set_tenant_settings(&mut c, province, &settings, w.clock.now())
            .await
            .unwrap();
    }
    let refused = w
        .service
        .intake(&operator, province, intake(short), &[], &origin)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, tongdai_cases::CaseError::Intake(_)),
        "the new minimum applies: {refused:?}"
    );
}
