//! KB-1 / KB-4: versions of a procedure (history kept, who and when, what changed), stale
//! edits refused, abolished procedures leave the search, and tenants' local copies.

mod common;

use common::{Kb, record};
use serde_json::json;
use tongdai_domain::access::Role;
use tongdai_kb::{KbError, Scope};
use tongdai_store::StoreError;
use tongdai_store::kb::LocalCopyInput;

/// KB-1: every edit is a new version; earlier versions stay readable with their author, time
/// and the lines that changed.
#[tokio::test]
async fn kb1_versions_keep_history_with_author_and_diff() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    let v1 = kb
        .kb
        .save_procedure(&record("1.000101", "Đăng ký kết hôn"), true, None, &admin)
        .await
        .unwrap();
    assert_eq!(v1, 1);
    // Saving the same record again is not a version.
    let same = kb
        .kb
        .save_procedure(
            &record("1.000101", "Đăng ký kết hôn"),
            true,
            Some(1),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(same, 1);

    kb.clock.advance(chrono::Duration::minutes(5));
    let editor = kb.actor("bientap", Role::Admin, None, None).await;
    let mut edited = record("1.000101", "Đăng ký kết hôn");
    edited["cach_thuc_thuc_hien"][0]["phi_le_phi"][0]["so_tien"] = json!(0);
    edited["ghi_chu"] = json!("Miễn lệ phí từ 2026");
    let v2 = kb
        .kb
        .save_procedure(&edited, true, Some(1), &editor)
        .await
        .unwrap();
    assert_eq!(v2, 2);

    let history = kb.kb.history("1.000101").await.unwrap();
    assert_eq!(history.len(), 2);
    let (new, old) = (&history[0], &history[1]);
    assert_eq!(new.row.version, 2);
    assert_eq!(new.row.actor_name, "bientap");
    assert_eq!(new.row.source, "web");
    assert_eq!(old.row.actor_name, "qt.kb");
    assert!(new.row.created_at > old.row.created_at, "when");
    assert_eq!(new.changed_fields, ["cach_thuc_thuc_hien", "ghi_chu"]);
    let diff: Vec<(String, String, String)> = new
        .changes
        .iter()
        .map(|c| {
            (
                c.kind().to_owned(),
                c.line().label.clone(),
                c.line().text.clone(),
            )
        })
        .collect();
    assert_eq!(
        diff,
        [
            (
                "removed".to_owned(),
                "Phí, lệ phí (trực tiếp)".to_owned(),
                "Lệ phí 8.000 Đồng".to_owned()
            ),
            (
                "added".to_owned(),
                "Phí, lệ phí (trực tiếp)".to_owned(),
                "Lệ phí 0 Đồng".to_owned()
            ),
            (
                "added".to_owned(),
                "Ghi chú".to_owned(),
                "Miễn lệ phí từ 2026".to_owned()
            ),
        ]
    );
    assert_eq!(
        old.record.cach_thuc_thuc_hien[0].phi_le_phi[0].so_tien,
        Some(8000.0),
        "version 1 as it was"
    );
    assert!(
        kb.audit_actions()
            .await
            .contains(&"kb.procedure.update".to_owned())
    );

    // An edit made on a stale form is refused; nothing is written.
    let stale = kb
        .kb
        .save_procedure(&record("1.000101", "Tên khác"), true, Some(1), &admin)
        .await;
    assert!(
        matches!(stale, Err(KbError::Store(StoreError::Conflict(_)))),
        "{stale:?}"
    );
    assert_eq!(kb.kb.history("1.000101").await.unwrap().len(), 2);

    // A bad record is refused with its fields.
    let bad = kb
        .kb
        .save_procedure(&json!({"ma_tthc": "1.000101"}), true, Some(2), &admin)
        .await;
    let Err(KbError::Invalid(p)) = bad else {
        panic!("{bad:?}")
    };
    assert_eq!(p[0].field, "ten_tthc");
}

/// KB-1: an abolished procedure leaves the search (and comes back when re-activated), its
/// history intact; only a global administrator edits the catalogue.
#[tokio::test]
async fn kb1_abolished_procedure_leaves_the_search() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    kb.kb
        .save_procedure(
            &record("1.000111", "Cấp giấy phép karaoke"),
            true,
            None,
            &admin,
        )
        .await
        .unwrap();
    let find = || async {
        kb.kb
            .search("giay phep karaoke", 5, None, &Scope::everything())
            .await
            .unwrap()
            .into_iter()
            .any(|h| h.id == "1.000111")
    };
    assert!(find().await);
    kb.kb
        .save_procedure(
            &record("1.000111", "Cấp giấy phép karaoke"),
            false,
            Some(1),
            &admin,
        )
        .await
        .unwrap();
    assert!(!find().await);
    let h = kb.kb.history("1.000111").await.unwrap();
    assert_eq!(h[0].changed_fields, ["active"]);
    assert_eq!(h[0].row.active, 0);
    kb.kb
        .save_procedure(
            &record("1.000111", "Cấp giấy phép karaoke"),
            true,
            Some(2),
            &admin,
        )
        .await
        .unwrap();
    assert!(find().await);
    let coordinator = kb
        .actor("dp.t", Role::Coordinator, Some("tinh-an-giang"), None)
        .await;
    let r = kb
        .kb
        .save_procedure(&record("1.000111", "Đổi tên"), true, Some(3), &coordinator)
        .await;
    assert!(matches!(r, Err(KbError::Forbidden)));
}

/// KB-1 / KB-4: a tenant publishes its local copy of a national procedure (its own agency,
/// address and online page); the tenant's portal (and its sub-tenants') shows it, another
/// tenant's does not; only who manages the tenant may set it.
#[tokio::test]
async fn kb1_local_copy_per_tenant() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    kb.kb
        .save_procedure(
            &record("1.000121", "Đăng ký thường trú"),
            true,
            None,
            &admin,
        )
        .await
        .unwrap();
    let proc_id = kb.kb.procedure("1.000121").await.unwrap().unwrap().row.id;
    let commune = kb.tenant("xa-an-chau").await;
    let other = kb.tenant("xa-binh-hoa").await;
    let police = kb.agency("xa-an-chau", "cong-an-xa").await;
    let input = LocalCopyInput {
        agency_id: Some(police),
        agency_name: String::new(),
        address: "Ấp An Hòa, xã An Châu".into(),
        online_url: "https://dichvucong.angiang.gov.vn/thu-tuc/1.000121".into(),
        note: String::new(),
        published: true,
    };
    // The province's coordinator manages its communes; an officer does not; a coordinator of
    // another commune does not.
    let coordinator = kb
        .actor("dp.t", Role::Coordinator, Some("tinh-an-giang"), None)
        .await;
    let officer = kb
        .actor(
            "cb.t",
            Role::FocalOfficer,
            Some("xa-an-chau"),
            Some(("xa-an-chau", "cong-an-xa")),
        )
        .await;
    let outsider = kb
        .actor("dp2", Role::Coordinator, Some("xa-binh-hoa"), None)
        .await;
    for a in [&officer, &outsider] {
        let r = kb.kb.save_local_copy("1.000121", commune, &input, a).await;
        assert!(matches!(r, Err(KbError::Forbidden)), "{}", a.name);
    }
    kb.kb
        .save_local_copy("1.000121", commune, &input, &coordinator)
        .await
        .unwrap();
    let local = kb
        .kb
        .local_copy_for(proc_id, commune)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(local.agency_name, "Công an xã An Châu");
    assert_eq!(local.address, "Ấp An Hòa, xã An Châu");
    assert_eq!(local.updated_by_name, "dp.t");
    assert!(
        kb.kb
            .local_copy_for(proc_id, other)
            .await
            .unwrap()
            .is_none()
    );
    // An agency of another tenant, or an address that is not a web page, is refused.
    let wrong_agency = LocalCopyInput {
        agency_id: Some(kb.agency("xa-binh-hoa", "cong-an-xa").await),
        ..input.clone()
    };
    assert!(matches!(
        kb.kb
            .save_local_copy("1.000121", commune, &wrong_agency, &coordinator)
            .await,
        Err(KbError::Invalid(_))
    ));
    let bad_url = LocalCopyInput {
        online_url: "javascript:alert(1)".into(),
        ..input.clone()
    };
    assert!(matches!(
        kb.kb
            .save_local_copy("1.000121", commune, &bad_url, &coordinator)
            .await,
        Err(KbError::Invalid(_))
    ));
    // Unpublished: the national text again.
    kb.kb
        .save_local_copy(
            "1.000121",
            commune,
            &LocalCopyInput {
                published: false,
                ..input
            },
            &coordinator,
        )
        .await
        .unwrap();
    assert!(
        kb.kb
            .local_copy_for(proc_id, commune)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        kb.audit_actions()
            .await
            .contains(&"kb.local_copy.save".to_owned())
    );
}
