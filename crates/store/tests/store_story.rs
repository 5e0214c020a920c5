//! One storage story, run on the backend chosen by TONGDAI_TEST_BACKEND (CI runs both).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::audit::NewAuditEntry;
use tongdai_domain::org::{AgencyKind, LineageKind, TenantKind, Validity};
use tongdai_domain::password::LockoutPolicy;
use tongdai_domain::phone::PhoneNumber;
use tongdai_store::org::{self, AgencyInput, ContactInput, Duty, TenantInput, UnitFilter};
use tongdai_store::testing::TestDb;
use tongdai_store::units_import::{ImportOptions, import_csv};
use tongdai_store::{accounts, audit, calendar, counters, demo, jobs, sessions};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn tenant_with_agency(db: &TestDb) -> (i64, i64) {
    let mut tx = db.store.begin().await.unwrap();
    let cal = calendar::ensure_default(&mut tx, t0()).await.unwrap();
    let tenant = org::create_tenant(
        &mut tx,
        &TenantInput {
            code: "xa-a".into(),
            name: "UBND xã A".into(),
            kind: TenantKind::Commune,
            parent_id: None,
            admin_unit_id: None,
            calendar_id: cal,
            validity: Validity::new(d(2025, 7, 1), None).unwrap(),
            address: String::new(),
            email: String::new(),
            website: String::new(),
        },
        t0(),
    )
    .await
    .unwrap();
    let agency = org::create_agency(
        &mut tx,
        &AgencyInput {
            tenant_id: tenant,
            code: "vp".into(),
            name: "Văn phòng HĐND và UBND xã A".into(),
            kind: AgencyKind::CommitteeOffice,
            parent_id: None,
            validity: Validity::new(d(2025, 7, 1), None).unwrap(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            dvc_code: String::new(),
            is_coordinator: true,
        },
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (tenant, agency)
}

#[tokio::test]
async fn migrations_apply_once() {
    let db = TestDb::new().await;
    assert_eq!(
        db.store.migrate().await.unwrap(),
        0,
        "a second run applies nothing"
    );
}

/// SEC-1: argon2id hashes, lock-out after repeated failures, unique usernames.
#[tokio::test]
async fn accounts_hash_lock_and_grant_sec_1() {
    let db = TestDb::new().await;
    let (tenant, agency) = tenant_with_agency(&db).await;
    let mut tx = db.store.begin().await.unwrap();
    let new = accounts::NewAccount {
        username: "canbo.a".into(),
        display_name: "Nguyễn Văn A".into(),
        email: String::new(),
        phone: String::new(),
        tenant_id: Some(tenant),
        password: "Mật khẩu dài 2026".into(),
        must_change_password: false,
    };
    let id = accounts::create(&mut tx, &new, t0()).await.unwrap();
    let grant = Grant::new(Role::FocalOfficer, Some(tenant), Some(agency)).unwrap();
    accounts::set_grants(&mut tx, id, std::slice::from_ref(&grant), t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let dup = accounts::create(&mut tx, &new, t0()).await.unwrap_err();
    assert!(dup.is_unique_violation(), "{dup}");
    drop(tx);

    let mut c = db.store.conn().await.unwrap();
    let (account, hash) = accounts::find_for_login(&mut c, "canbo.a")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(accounts::verify_password(&hash, "Mật khẩu dài 2026"));
    assert!(!accounts::verify_password(&hash, "sai mật khẩu 1"));
    assert_eq!(accounts::grants(&mut c, id).await.unwrap(), vec![grant]);

    let policy = LockoutPolicy {
        max_failures: 3,
        lock_minutes: 10,
    };
    let mut acc = account;
    let mut locked = None;
    for _ in 0..3 {
        locked = accounts::record_failure(&mut c, &acc, &policy, t0())
            .await
            .unwrap();
        acc = accounts::get(&mut c, id).await.unwrap();
    }
    assert_eq!(locked, Some(t0() + Duration::minutes(10)));
    assert_eq!(acc.locked_until, Some(t0() + Duration::minutes(10)));
    accounts::record_success(&mut c, id, t0()).await.unwrap();
    assert_eq!(accounts::get(&mut c, id).await.unwrap().locked_until, None);
}

/// SEC-1: sessions expire when idle and never outlive their absolute limit.
#[tokio::test]
async fn sessions_slide_and_expire_sec_1() {
    let db = TestDb::new().await;
    let mut tx = db.store.begin().await.unwrap();
    let id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            username: "user1".into(),
            display_name: "U".into(),
            email: String::new(),
            phone: String::new(),
            tenant_id: None,
            password: "Mật khẩu dài 2026".into(),
            must_change_password: false,
        },
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let policy = sessions::SessionPolicy {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let mut c = db.store.conn().await.unwrap();
    let (token, s) = sessions::create(&mut c, id, false, "127.0.0.1", "test", policy, t0())
        .await
        .unwrap();
    assert_ne!(s.id_hash, token, "only the hash is stored");
    let mut now = t0();
    for _ in 0..3 {
        now += Duration::minutes(25);
        assert!(
            sessions::touch(&mut c, &token, policy, now)
                .await
                .unwrap()
                .is_some()
        );
    }
    // 75 minutes in: still alive thanks to activity; at 2 h 5 min the absolute limit ends it.
    now = t0() + Duration::minutes(125);
    assert!(
        sessions::touch(&mut c, &token, policy, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions::touch(&mut c, "forged", policy, t0())
            .await
            .unwrap()
            .is_none()
    );
}

/// Audit log (issue 3 point 8): append-only and hash-chained; tampering is detected.
#[tokio::test]
async fn audit_chain_detects_tampering_sec_3() {
    let db = TestDb::new().await;
    for i in 0..5 {
        audit::record(
            &db.store,
            NewAuditEntry {
                at_us: i,
                actor_id: None,
                actor_name: "admin".into(),
                action: "auth.login".into(),
                target: String::new(),
                detail: "{}".into(),
                ip: "127.0.0.1".into(),
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(
        audit::verify(&db.store).await.unwrap(),
        audit::Verification::Intact { entries: 5 }
    );
    let mut c = db.store.conn().await.unwrap();
    // The application cannot change history.
    assert!(
        sqlx::query("UPDATE audit_log SET actor_name = 'x' WHERE seq = 2")
            .execute(&mut *c)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(&mut *c)
            .await
            .is_err()
    );
    // Someone with owner rights drops the guard and edits a row: the chain shows it.
    match db.store.backend() {
        tongdai_store::Backend::Sqlite => {
            sqlx::query("DROP TRIGGER audit_log_no_update")
                .execute(&mut *c)
                .await
                .unwrap();
        }
        tongdai_store::Backend::Postgres => {
            sqlx::query("DROP TRIGGER audit_log_no_update ON audit_log")
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    sqlx::query("UPDATE audit_log SET actor_name = 'someone' WHERE seq = 3")
        .execute(&mut *c)
        .await
        .unwrap();
    match audit::verify(&db.store).await.unwrap() {
        audit::Verification::Broken(b) => assert!(b.to_string().contains("entry 3"), "{b}"),
        other => panic!("tampering not detected: {other:?}"),
    }
}

/// Concurrent appends from many tasks keep one linear chain.
#[tokio::test]
async fn audit_appends_concurrently() {
    let db = TestDb::new().await;
    let mut handles = Vec::new();
    for i in 0..20 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            audit::record(
                &store,
                NewAuditEntry {
                    at_us: i,
                    actor_id: Some(i),
                    actor_name: format!("u{i}"),
                    action: "test".into(),
                    target: String::new(),
                    detail: "{}".into(),
                    ip: String::new(),
                },
            )
            .await
            .unwrap()
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(
        audit::verify(&db.store).await.unwrap(),
        audit::Verification::Intact { entries: 20 }
    );
}

/// Durable jobs: de-duplicated by key, leased, re-claimed after a crash, retried, completed once.
#[tokio::test]
async fn jobs_are_durable_and_leased() {
    let db = TestDb::new().await;
    let mut c = db.store.conn().await.unwrap();
    let job =
        jobs::NewJob::new("deadline", serde_json::json!({"case": 1}), t0()).dedupe("deadline:1");
    let id = jobs::enqueue(&mut c, &job, t0()).await.unwrap().unwrap();
    assert_eq!(
        jobs::enqueue(&mut c, &job, t0()).await.unwrap(),
        None,
        "same key: no second job"
    );
    assert!(
        jobs::claim(
            &mut c,
            "w1",
            t0() - Duration::seconds(1),
            Duration::seconds(30),
            10
        )
        .await
        .unwrap()
        .is_empty(),
        "not due yet"
    );
    let claimed = jobs::claim(&mut c, "w1", t0(), Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        jobs::claim(
            &mut c,
            "w2",
            t0() + Duration::seconds(10),
            Duration::seconds(30),
            10
        )
        .await
        .unwrap()
        .is_empty(),
        "leased"
    );
    // w1 dies; after the lease w2 takes the job again.
    let again = jobs::claim(
        &mut c,
        "w2",
        t0() + Duration::seconds(31),
        Duration::seconds(30),
        10,
    )
    .await
    .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert!(
        !jobs::complete(&mut c, id, "w1", t0()).await.unwrap(),
        "a stale worker cannot complete"
    );
    let st = jobs::fail(
        &mut c,
        &again[0],
        "w2",
        "smtp down",
        t0() + Duration::seconds(60),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(st, jobs::JobStatus::Pending);
    let third = jobs::claim(
        &mut c,
        "w3",
        t0() + Duration::seconds(61),
        Duration::seconds(30),
        10,
    )
    .await
    .unwrap();
    assert!(jobs::complete(&mut c, id, "w3", t0()).await.unwrap());
    assert_eq!(third.len(), 1);
    assert_eq!(
        jobs::status(&mut c, id).await.unwrap(),
        Some(jobs::JobStatus::Done)
    );
    assert_eq!(
        jobs::enqueue(&mut c, &job, t0()).await.unwrap(),
        None,
        "a key names one occurrence, even when done"
    );
}

/// Two workers claiming at once never get the same job.
#[tokio::test]
async fn concurrent_claims_do_not_overlap() {
    let db = TestDb::new().await;
    {
        let mut c = db.store.conn().await.unwrap();
        for i in 0..50 {
            jobs::enqueue(
                &mut c,
                &jobs::NewJob::new("k", serde_json::json!({ "i": i }), t0()),
                t0(),
            )
            .await
            .unwrap();
        }
    }
    let mut handles = Vec::new();
    for w in 0..4 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let mut tx = store.begin().await.unwrap();
                let batch = jobs::claim(&mut tx, &format!("w{w}"), t0(), Duration::seconds(60), 3)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                if batch.is_empty() {
                    break;
                }
                got.extend(batch.into_iter().map(|j| j.id));
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n, "a job was claimed twice");
    assert_eq!(n, 50);
}

/// ORG-1: tenants form a tree; the path gives access checks their scope; lineage keeps history.
#[tokio::test]
async fn organisation_tree_and_lineage_org_1() {
    let db = TestDb::new().await;
    let (commune, agency) = tenant_with_agency(&db).await;
    let mut tx = db.store.begin().await.unwrap();
    let cal = calendar::calendars(&mut tx).await.unwrap()[0].id;
    let province = org::create_tenant(
        &mut tx,
        &TenantInput {
            code: "tinh".into(),
            name: "UBND tỉnh".into(),
            kind: TenantKind::Province,
            parent_id: None,
            admin_unit_id: None,
            calendar_id: cal,
            validity: Validity::new(d(2025, 7, 1), None).unwrap(),
            address: String::new(),
            email: String::new(),
            website: String::new(),
        },
        t0(),
    )
    .await
    .unwrap();
    let mut input = org::tenant(&mut tx, commune)
        .await
        .map(|t| TenantInput {
            code: t.code,
            name: t.name,
            kind: t.kind,
            parent_id: Some(province),
            admin_unit_id: t.admin_unit_id,
            calendar_id: t.calendar_id,
            validity: t.validity,
            address: t.address,
            email: t.email,
            website: t.website,
        })
        .unwrap();
    org::update_tenant(&mut tx, commune, &input, t0())
        .await
        .unwrap();
    assert_eq!(
        org::tenant_path(&mut tx, commune).await.unwrap(),
        vec![commune, province]
    );
    assert_eq!(
        org::tenant_subtree(&mut tx, province).await.unwrap(),
        vec![province, commune]
    );
    // No cycles.
    input.parent_id = Some(commune);
    input.code = "tinh".into();
    assert!(
        org::update_tenant(&mut tx, province, &input, t0())
            .await
            .is_err()
    );

    let phone = PhoneNumber::parse("0912 345 678").unwrap();
    for i in 0..3 {
        org::add_contact(
            &mut tx,
            agency,
            &ContactInput {
                account_id: None,
                name: format!("Cán bộ {i}"),
                title: "Chuyên viên".into(),
                phone: phone.clone(),
                duty: Duty::Support,
                sort_order: i,
                active: true,
            },
            t0(),
        )
        .await
        .unwrap();
    }
    let contacts = org::contacts(&mut tx, agency).await.unwrap();
    assert_eq!(contacts.len(), 3);
    assert_eq!(contacts[0].phone, "+84912345678");

    let successor = org::create_agency(
        &mut tx,
        &AgencyInput {
            tenant_id: commune,
            code: "vp-moi".into(),
            name: "Văn phòng mới".into(),
            kind: AgencyKind::CommitteeOffice,
            parent_id: None,
            validity: Validity::new(d(2026, 1, 1), None).unwrap(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            dvc_code: String::new(),
            is_coordinator: false,
        },
        t0(),
    )
    .await
    .unwrap();
    org::add_agency_lineage(
        &mut tx,
        agency,
        successor,
        LineageKind::Rename,
        d(2026, 1, 1),
        "QĐ 1/2026",
    )
    .await
    .unwrap();
    assert!(
        org::add_agency_lineage(
            &mut tx,
            agency,
            agency,
            LineageKind::Rename,
            d(2026, 1, 1),
            ""
        )
        .await
        .is_err()
    );
    let lineage = org::agency_lineage(&mut tx, successor).await.unwrap();
    assert_eq!(lineage.len(), 1);
    assert_eq!(lineage[0].predecessor_id, agency);
    tx.commit().await.unwrap();
}

const CONVERSION: &str = include_str!("../demo/chau_thanh_an_giang_2025_conversion_official.csv");

/// ORG-1: the official 2025 conversion table imports idempotently, keeps reused codes apart
/// by validity, and resolves an old address to today's commune.
#[tokio::test]
async fn imports_the_official_conversion_table_org_1() {
    let db = TestDb::new().await;
    let r = import_csv(&db.store, CONVERSION.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{}", r.summary_vi());
    assert_eq!(r.rows, 13);
    assert_eq!(r.links_created, 13);
    // 2 provinces (89 old, 91 new), 1 district, 13 old and 5 new communes.
    assert_eq!(r.units_created, 2 + 1 + 13 + 5);
    let again = import_csv(&db.store, CONVERSION.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (again.units_created, again.links_created),
        (0, 0),
        "idempotent"
    );

    let mut c = db.store.conn().await.unwrap();
    // Code 30619 was Xã Vĩnh Nhuận until 30/6/2025 and is Xã Vĩnh Hanh since.
    let old = org::unit_by_code_on(&mut c, "30619", d(2024, 1, 1))
        .await
        .unwrap()
        .unwrap();
    let new = org::unit_by_code_on(&mut c, "30619", d(2025, 7, 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.name, "Xã Vĩnh Nhuận");
    assert_eq!(new.name, "Xã Vĩnh Hanh");
    // Tân Phú (30622), missing from the machine-generated dvhcvn file, is in Vĩnh An (30604).
    let tan_phu = org::unit_by_code_on(&mut c, "30622", d(2024, 1, 1))
        .await
        .unwrap()
        .unwrap();
    let now = org::current_successors(&mut c, tan_phu.id, d(2026, 1, 1))
        .await
        .unwrap();
    assert_eq!(
        now.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        vec!["Xã Vĩnh An"]
    );
    // Search without diacritics.
    let found = org::units(
        &mut c,
        &UnitFilter {
            name_folded: Some("vinh nhuan".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
}

/// Bad rows are reported with line and field; good rows go in; a dry run keeps nothing.
#[tokio::test]
async fn import_reports_bad_rows_and_dry_runs() {
    let db = TestDb::new().await;
    let csv = "code,name,kind,parent_code,valid_from,valid_to\n\
               91,Tỉnh An Giang,tinh,,2025-07-01,\n\
               30589,Xã An Châu,xa,91,2025-07-01,\n\
               3058,Xã Sai Mã,xa,91,2025-07-01,\n\
               30590,Xã Ngày Sai,xa,91,01/07/2025,\n\
               30591,Làng Không Rõ,,91,2025-07-01,\n";
    let dry = import_csv(
        &db.store,
        csv.as_bytes(),
        &ImportOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(dry.units_created, 2);
    assert_eq!(dry.problems.len(), 3);
    assert_eq!(
        (dry.problems[0].line, dry.problems[0].field.as_str()),
        (4, "code")
    );
    assert_eq!(
        (dry.problems[1].line, dry.problems[1].field.as_str()),
        (5, "valid_from")
    );
    assert_eq!(
        (dry.problems[2].line, dry.problems[2].field.as_str()),
        (6, "kind")
    );
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(
        org::unit_count(&mut c).await.unwrap(),
        0,
        "dry run keeps nothing"
    );
    drop(c);
    let real = import_csv(&db.store, csv.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(real.units_created, 2);
    let mut c = db.store.conn().await.unwrap();
    assert_eq!(org::unit_count(&mut c).await.unwrap(), 2);
}

/// The demo organisation loads: both tenants, the three hotline numbers, at least three
/// procedure-support numbers per agency (ADM-1), lineage from the district to the communes.
#[tokio::test]
async fn demo_data_loads_adm_1() {
    let db = TestDb::new().await;
    assert!(demo::is_empty(&db.store).await.unwrap());
    let r = demo::seed(&db.store, "Demo mật khẩu 2026", t0())
        .await
        .unwrap();
    assert!(!demo::is_empty(&db.store).await.unwrap());
    assert_eq!(r.tenants, 7);
    let mut c = db.store.conn().await.unwrap();
    let tenants = org::tenants(&mut c).await.unwrap();
    let district = tenants
        .iter()
        .find(|t| t.code == "huyen-chau-thanh")
        .unwrap();
    let numbers: Vec<String> = org::hotlines(&mut c, Some(district.id))
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.number)
        .collect();
    assert_eq!(numbers, vec!["1800888880", "1800888889", "1800888898"]);
    let province = tenants.iter().find(|t| t.code == "tinh-an-giang").unwrap();
    assert_eq!(
        org::tenant_for_number(&mut c, "1800888880", d(2024, 5, 1))
            .await
            .unwrap(),
        Some(district.id)
    );
    assert_eq!(
        org::tenant_for_number(&mut c, "1800888880", d(2026, 5, 1))
            .await
            .unwrap(),
        Some(province.id)
    );
    for a in org::agencies(&mut c, None).await.unwrap() {
        let support = org::contacts(&mut c, a.id)
            .await
            .unwrap()
            .iter()
            .filter(|x| x.duty.supports_procedures())
            .count();
        assert!(support >= 3, "{} lists {support} support numbers", a.name);
    }
    let communes: Vec<_> = tenants
        .iter()
        .filter(|t| t.parent_id == Some(province.id))
        .collect();
    assert_eq!(communes.len(), 5);
    for t in communes {
        let l = org::tenant_lineage(&mut c, t.id).await.unwrap();
        assert!(
            l.iter().any(|l| l.predecessor_id == district.id),
            "{} has no lineage",
            t.name
        );
    }
    let (acc, _) = accounts::find_for_login(&mut c, "canbo.anchau")
        .await
        .unwrap()
        .unwrap();
    let grants = accounts::grants(&mut c, acc.id).await.unwrap();
    assert_eq!(grants[0].role, Role::FocalOfficer);
}

#[tokio::test]
async fn counters_are_gap_free_within_transactions() {
    let db = TestDb::new().await;
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(counters::next(&mut tx, "case:2026").await.unwrap(), 1);
    assert_eq!(counters::next(&mut tx, "case:2026").await.unwrap(), 2);
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(counters::next(&mut tx, "case:2026").await.unwrap(), 3);
    drop(tx); // rolled back
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(
        counters::next(&mut tx, "case:2026").await.unwrap(),
        3,
        "a rolled-back number is not burnt"
    );
    tx.commit().await.unwrap();
}

/// The first administrator: created once with a generated or given password; the environment
/// password resets a lost one.
#[tokio::test]
async fn bootstrap_admin_once() {
    use tongdai_store::bootstrap::{AdminBootstrap, ensure_admin};
    let db = TestDb::new().await;
    let first = ensure_admin(&db.store, None, t0()).await.unwrap();
    let AdminBootstrap::CreatedWithGeneratedPassword(p) = first else {
        panic!("{first:?}")
    };
    assert_eq!(p.len(), 20);
    assert_eq!(
        ensure_admin(&db.store, None, t0()).await.unwrap(),
        AdminBootstrap::Existing
    );
    assert_eq!(
        ensure_admin(&db.store, Some(&p), t0()).await.unwrap(),
        AdminBootstrap::Existing
    );
    assert_eq!(
        ensure_admin(&db.store, Some("Mật khẩu mới 2026"), t0())
            .await
            .unwrap(),
        AdminBootstrap::PasswordReset
    );
    let mut c = db.store.conn().await.unwrap();
    let (acc, hash) = accounts::find_for_login(&mut c, "admin")
        .await
        .unwrap()
        .unwrap();
    assert!(accounts::verify_password(&hash, "Mật khẩu mới 2026"));
    assert_eq!(
        accounts::grants(&mut c, acc.id).await.unwrap()[0].role,
        Role::Admin
    );
}

/// ADM-4: the calendar is stored whole, versioned, and an edit made on a stale version is refused.
#[tokio::test]
async fn calendar_versions_guard_concurrent_edits_adm_4() {
    use tongdai_domain::calendar::{DayException, ExceptionKind};
    let db = TestDb::new().await;
    let mut c = db.store.conn().await.unwrap();
    let id = calendar::ensure_default(&mut c, t0()).await.unwrap();
    let row = calendar::calendar(&mut c, id).await.unwrap();
    let mut config = row.config.clone();
    // An extra day off declared for 2027 (e.g. a local event).
    config
        .declare(DayException::confirmed(
            d(2027, 3, 8),
            ExceptionKind::SwapOff,
            "Nghỉ theo quyết định UBND",
        ))
        .unwrap();
    let v2 = calendar::save(&mut c, id, &config, row.version, t0())
        .await
        .unwrap();
    assert_eq!(v2, row.version + 1);
    assert!(
        calendar::save(&mut c, id, &config, row.version, t0())
            .await
            .is_err(),
        "stale version refused"
    );
    let (cal, version) = calendar::load(&mut c, id).await.unwrap();
    assert_eq!(version, v2);
    assert!(!cal.is_working_day(d(2027, 3, 8)));
    assert!(cal.is_working_day(d(2027, 3, 9)));
}

/// SEC-1: wrong passwords arriving at the same time each count (the increment is atomic).
#[tokio::test]
async fn simultaneous_failures_all_count_sec_1() {
    let db = TestDb::new().await;
    let mut tx = db.store.begin().await.unwrap();
    let new = accounts::NewAccount {
        username: "song.song".into(),
        display_name: "Song Song".into(),
        email: String::new(),
        phone: String::new(),
        tenant_id: None,
        password: "Mật khẩu dài 2026".into(),
        must_change_password: false,
    };
    let id = accounts::create(&mut tx, &new, t0()).await.unwrap();
    tx.commit().await.unwrap();
    let account = {
        let mut c = db.store.conn().await.unwrap();
        accounts::get(&mut c, id).await.unwrap()
    };
    let policy = LockoutPolicy {
        max_failures: 5,
        lock_minutes: 10,
    };
    let mut handles = Vec::new();
    for _ in 0..5 {
        let (store, account, policy) = (db.store.clone(), account.clone(), policy.clone());
        handles.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let locked = accounts::record_failure(&mut tx, &account, &policy, t0())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            locked
        }));
    }
    let mut locks = 0;
    for h in handles {
        if h.await.unwrap().is_some() {
            locks += 1;
        }
    }
    assert_eq!(locks, 1, "the fifth failure locks, whatever the order");
    let mut c = db.store.conn().await.unwrap();
    assert!(
        accounts::get(&mut c, id)
            .await
            .unwrap()
            .locked_until
            .is_some()
    );
}

/// ADM-3: shifts are stored per tenant, overlapping shifts of one person are refused, and the
/// gaps are found from the stored roster.
#[tokio::test]
async fn duty_roster_adm_3() {
    use tongdai_domain::roster::{Shift, gaps};
    use tongdai_store::roster;
    let db = TestDb::new().await;
    let (tenant, _) = tenant_with_agency(&db).await;
    let mut tx = db.store.begin().await.unwrap();
    let id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            username: "truc.ban".into(),
            display_name: "Trực Ban".into(),
            email: String::new(),
            phone: String::new(),
            tenant_id: Some(tenant),
            password: "Mật khẩu dài 2026".into(),
            must_change_password: false,
        },
        t0(),
    )
    .await
    .unwrap();
    let monday = d(2026, 3, 16);
    let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
    roster::add(
        &mut tx,
        tenant,
        &Shift::new(id, monday, hm(7, 0), hm(11, 0)).unwrap(),
        "",
        None,
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let overlap = roster::add(
        &mut tx,
        tenant,
        &Shift::new(id, monday, hm(10, 0), hm(12, 0)).unwrap(),
        "",
        None,
        t0(),
    )
    .await;
    assert!(overlap.unwrap_err().to_string().contains("trùng"));
    drop(tx);
    let mut c = db.store.conn().await.unwrap();
    let shifts: Vec<Shift> = roster::shifts(&mut c, &[tenant], monday, monday)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.shift)
        .collect();
    assert_eq!(shifts.len(), 1);
    let cal = tongdai_domain::calendar::WorkingCalendar::default();
    let g = gaps(&cal, &shifts, 1, monday, monday);
    assert_eq!(g.len(), 1, "the afternoon is not covered: {g:?}");
}

/// Multi-row writes (the deadline runner's batches, CASE-6): many jobs in one statement with
/// keys already used skipped, claims split by kind, and many jobs completed at once.
#[tokio::test]
async fn jobs_in_bulk_case_6() {
    let db = TestDb::new().await;
    let mut c = db.store.conn().await.unwrap();
    let job = |kind: &str, n: i64| {
        jobs::NewJob::new(kind, serde_json::json!({ "n": n }), t0()).dedupe(format!("{kind}:{n}"))
    };
    let first: Vec<jobs::NewJob> = (0..1_500).map(|n| job("case.escalate", n)).collect();
    let made = jobs::enqueue_many(&mut c, &first, t0()).await.unwrap();
    assert_eq!(made.len(), 1_500, "more rows than one statement carries");
    // Half of these keys exist: only the new half is made.
    let second: Vec<jobs::NewJob> = (750..2_250).map(|n| job("case.escalate", n)).collect();
    assert_eq!(
        jobs::enqueue_many(&mut c, &second, t0())
            .await
            .unwrap()
            .len(),
        750
    );
    jobs::enqueue(&mut c, &job("notify.deliver", 1), t0())
        .await
        .unwrap()
        .unwrap();
    assert!(
        jobs::enqueue_many(&mut c, &[], t0())
            .await
            .unwrap()
            .is_empty()
    );

    let batch_kinds = vec!["case.escalate".to_owned()];
    let single_kinds = vec!["notify.deliver".to_owned(), "case.daily_summary".to_owned()];
    let others = jobs::claim_kinds(
        &mut c,
        "w1",
        t0(),
        Duration::seconds(60),
        100,
        jobs::Kinds::Only(&single_kinds),
    )
    .await
    .unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].kind, "notify.deliver");
    let claimed = jobs::claim_kinds(
        &mut c,
        "w1",
        t0(),
        Duration::seconds(60),
        2_000,
        jobs::Kinds::Only(&batch_kinds),
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2_000);
    assert!(claimed.iter().all(|j| j.kind == "case.escalate"));
    let bad = vec!["x'; DROP TABLE jobs; --".to_owned()];
    assert!(
        jobs::claim_kinds(
            &mut c,
            "w1",
            t0(),
            Duration::seconds(60),
            1,
            jobs::Kinds::Only(&bad)
        )
        .await
        .is_err(),
        "a kind that is not a name is refused, not quoted into SQL"
    );
    let ids: Vec<i64> = claimed.iter().map(|j| j.id).collect();
    assert_eq!(
        jobs::complete_many(&mut c, &ids, "w2", t0()).await.unwrap(),
        0,
        "another worker's jobs are not completed"
    );
    assert_eq!(
        jobs::complete_many(&mut c, &ids, "w1", t0()).await.unwrap(),
        2_000
    );
    let left = jobs::claim(
        &mut c,
        "w3",
        t0() + Duration::hours(1),
        Duration::seconds(60),
        5_000,
    )
    .await
    .unwrap();
    let escalations = left.iter().filter(|j| j.kind == "case.escalate").count();
    assert_eq!(
        escalations, 250,
        "the 250 not claimed above, nothing done again"
    );
    assert_eq!(
        left.len(),
        251,
        "and the delivery w1 never finished, its lease over"
    );
}
