//! The knowledge-base tables (KB-1, KB-2, KB-3) on the backend under test: versions never
//! overwrite each other, a stale writer is refused, the change log hands out numbers in commit
//! order with no gap, local copies and FAQ lists.

use chrono::{DateTime, Utc};
use std::time::Duration;
use tongdai_store::kb::{
    self, FaqFilter, FaqUpdate, LocalCopyInput, NewFaq, ProcedureWrite, VersionMeta,
};
use tongdai_store::testing::TestDb;
use tongdai_store::{StoreError, demo, org};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).unwrap()
}

fn write(code: &str, name: &str, hash: &str) -> ProcedureWrite {
    ProcedureWrite {
        code: code.into(),
        name: name.into(),
        name_folded: tongdai_store::fold(name),
        levels: "Cấp Xã".into(),
        fields: "Hộ tịch".into(),
        online_level: "một phần".into(),
        record: format!("{{\"ma_tthc\":\"{code}\",\"ten_tthc\":\"{name}\"}}"),
        hash: hash.into(),
        active: true,
    }
}

fn meta(who: &str) -> VersionMeta {
    VersionMeta {
        changed_fields: vec!["ten_tthc".into()],
        source: "test".into(),
        actor_id: None,
        actor_name: who.into(),
    }
}

/// KB-1: a second version keeps the first; a writer holding an old version number is refused.
#[tokio::test]
async fn kb1_versions_and_stale_writers() {
    let db = TestDb::new().await;
    let mut tx = db.store.begin().await.unwrap();
    let id = kb::create_procedure(
        &mut tx,
        &write("1.000001", "Khai sinh", "h1"),
        &meta("a"),
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // A second procedure with the same code (on PostgreSQL the failed statement ends the
    // transaction, which is dropped).
    let mut tx = db.store.begin().await.unwrap();
    let dup = kb::create_procedure(
        &mut tx,
        &write("1.000001", "Khai sinh", "h1"),
        &meta("a"),
        t0(),
    )
    .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    drop(tx);

    let mut tx = db.store.begin().await.unwrap();
    let v = kb::update_procedure(
        &mut tx,
        id,
        1,
        &write("1.000001", "Đăng ký khai sinh", "h2"),
        &meta("b"),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(v, 2);
    let stale = kb::update_procedure(
        &mut tx,
        id,
        1,
        &write("1.000001", "Tên khác", "h3"),
        &meta("c"),
        t0(),
    )
    .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    tx.commit().await.unwrap();

    let mut c = db.store.conn().await.unwrap();
    let versions = kb::versions(&mut c, id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.hash.as_str(), v.actor_name.as_str()))
            .collect::<Vec<_>>(),
        [(1, "h1", "a"), (2, "h2", "b")]
    );
    let current = kb::procedure_by_code(&mut c, "1.000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (current.version, current.name.as_str()),
        (2, "Đăng ký khai sinh")
    );
    let states = kb::procedure_states(&mut c).await.unwrap();
    assert_eq!(states["1.000001"].hash, "h2");
    let found = kb::list_procedures(
        &mut c,
        &kb::ProcedureFilter {
            name_folded: "dang ky".into(),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(kb::procedure_count(&mut c, false).await.unwrap(), 1);
}

/// KB-3: change numbers appear in commit order with no gap: a second writer waits for the
/// first, and a rolled-back writer leaves no hole that a reader could skip past.
#[tokio::test]
async fn kb3_change_log_in_commit_order() {
    let db = TestDb::new().await;
    let mut a = db.store.begin().await.unwrap();
    kb::log_changes(&mut a, &[("procedure", "A")], t0())
        .await
        .unwrap();
    let store = db.store.clone();
    let b = tokio::spawn(async move {
        let mut b = store.begin().await.unwrap();
        kb::log_changes(&mut b, &[("procedure", "B1"), ("faq", "B2")], t0())
            .await
            .unwrap();
        b.commit().await.unwrap();
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!b.is_finished(), "the second writer waits for the first");
    drop(a); // rolled back
    b.await.unwrap();
    let mut c = db.store.conn().await.unwrap();
    let log = kb::changes_after(&mut c, 0, 100).await.unwrap();
    assert_eq!(
        log.iter()
            .map(|ch| (ch.seq, ch.kind.as_str(), ch.reference.as_str()))
            .collect::<Vec<_>>(),
        [(1, "procedure", "B1"), (2, "faq", "B2")]
    );
    assert_eq!(kb::last_change(&mut c).await.unwrap(), 2);
    assert_eq!(kb::changes_after(&mut c, 1, 100).await.unwrap().len(), 1);
}

/// KB-1 / KB-2: local copies are one per tenant and procedure; FAQ lists filter by tenant and
/// status; a stale FAQ update is refused.
#[tokio::test]
async fn kb2_local_copies_and_faq_rows() {
    let db = TestDb::new().await;
    demo::seed(&db.store, "Mật khẩu thử nghiệm 2026", t0())
        .await
        .unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let pid = kb::create_procedure(
        &mut tx,
        &write("1.000002", "Kết hôn", "h"),
        &meta("a"),
        t0(),
    )
    .await
    .unwrap();
    let a = org::tenant_by_code(&mut tx, "xa-an-chau")
        .await
        .unwrap()
        .unwrap()
        .id;
    let b = org::tenant_by_code(&mut tx, "xa-binh-hoa")
        .await
        .unwrap()
        .unwrap()
        .id;
    for address in ["Ấp 1", "Ấp 2"] {
        kb::save_local_copy(
            &mut tx,
            a,
            pid,
            &LocalCopyInput {
                address: address.into(),
                published: true,
                ..Default::default()
            },
            (None, "dp"),
            t0(),
        )
        .await
        .unwrap();
    }
    let copies = kb::local_copies(&mut tx, pid).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].address, "Ấp 2");
    assert!(kb::local_copy(&mut tx, b, pid).await.unwrap().is_none());

    let faq = |code: &str, tenant: i64, status: &str| NewFaq {
        code: code.into(),
        tenant_id: tenant,
        agency_id: None,
        status: status.into(),
        draft: "{}".into(),
        published: (status == "published").then(|| "{}".into()),
        created_by: None,
    };
    let f1 = kb::create_faq(&mut tx, &faq("faq-1", a, "draft"), t0())
        .await
        .unwrap();
    kb::create_faq(&mut tx, &faq("faq-2", a, "published"), t0())
        .await
        .unwrap();
    kb::create_faq(&mut tx, &faq("faq-3", b, "published"), t0())
        .await
        .unwrap();
    let list = |tenants: Option<Vec<i64>>, statuses: &[&str]| FaqFilter {
        tenants,
        statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
        limit: 100,
    };
    let codes = |rows: Vec<kb::FaqRow>| {
        let mut v: Vec<String> = rows.into_iter().map(|r| r.code).collect();
        v.sort();
        v
    };
    assert_eq!(
        codes(
            kb::list_faqs(&mut tx, &list(Some(vec![a]), &[]))
                .await
                .unwrap()
        ),
        ["faq-1", "faq-2"]
    );
    assert_eq!(
        codes(
            kb::list_faqs(&mut tx, &list(None, &["published"]))
                .await
                .unwrap()
        ),
        ["faq-2", "faq-3"]
    );
    assert!(
        kb::list_faqs(&mut tx, &list(Some(vec![]), &[]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(kb::published_faqs(&mut tx).await.unwrap().len(), 2);

    let update = FaqUpdate {
        status: "review".into(),
        draft: "{\"cau_hoi\":\"x\"}".into(),
        published: None,
        review_note: String::new(),
    };
    assert_eq!(
        kb::update_faq(&mut tx, f1, 1, &update, t0()).await.unwrap(),
        2
    );
    assert!(matches!(
        kb::update_faq(&mut tx, f1, 1, &update, t0()).await,
        Err(StoreError::Conflict(_))
    ));
    kb::set_faq_links(&mut tx, f1, &["1.000002".into(), "1.000002".into()])
        .await
        .unwrap();
    assert!(
        kb::faqs_linked_to(&mut tx, "1.000002")
            .await
            .unwrap()
            .is_empty(),
        "not published"
    );
    let publish = FaqUpdate {
        status: "published".into(),
        published: Some(Some("{\"cau_hoi\":\"x\"}".into())),
        ..update
    };
    kb::update_faq(&mut tx, f1, 2, &publish, t0())
        .await
        .unwrap();
    assert_eq!(
        kb::faqs_linked_to(&mut tx, "1.000002").await.unwrap()[0].code,
        "faq-1"
    );
    let row = kb::faq(&mut tx, f1).await.unwrap();
    assert_eq!(row.published_at, Some(tongdai_store::micros(t0())));
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert!(matches!(
        kb::create_faq(&mut tx, &faq("faq-3", b, "draft"), t0()).await,
        Err(StoreError::Conflict(_))
    ));
}
