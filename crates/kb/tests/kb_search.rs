//! KB-3: one index for procedures and FAQs that stays current — an edit is found at once on
//! the node that made it, on another node through the change log, after a restart from the
//! database — and synonyms as data, global or per tenant.

mod common;

use common::{Kb, json_file, record};
use tongdai_domain::access::Role;
use tongdai_kb::{Actor, ImportOptions, KbError, Scope};

async fn ids(kb: &tongdai_kb::KbService, q: &str, scope: &Scope) -> Vec<String> {
    kb.search(q, 10, None, scope)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// KB-3: found immediately on this node, on another node through the change log, and by a
/// restarted service that rebuilds from the database.
#[tokio::test]
async fn kb3_index_follows_every_change() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    let everyone = Scope::everything();
    let other = kb.other_node();
    // Both nodes have built their index before the change.
    assert!(
        ids(&kb.kb, "giấy phép kinh doanh karaoke", &everyone)
            .await
            .is_empty()
    );
    assert!(
        ids(&other, "giấy phép kinh doanh karaoke", &everyone)
            .await
            .is_empty()
    );

    kb.kb
        .import(
            &json_file(&[record(
                "1.000301",
                "Cấp giấy phép kinh doanh dịch vụ karaoke",
            )]),
            &ImportOptions::default(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&kb.kb, "giay phep karaoke", &everyone).await,
        ["1.000301"]
    );
    assert_eq!(
        ids(&other, "giay phep karaoke", &everyone).await,
        ["1.000301"]
    );

    // A rename: the old name no longer finds it, on both nodes.
    kb.kb
        .save_procedure(
            &record("1.000301", "Cấp phép hoạt động vũ trường"),
            true,
            Some(1),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(ids(&kb.kb, "vu truong", &everyone).await, ["1.000301"]);
    assert_eq!(ids(&other, "vu truong", &everyone).await, ["1.000301"]);
    assert!(ids(&other, "karaoke", &everyone).await.is_empty());

    // A bulk import logs one rebuild; the other node rebuilds and finds all of it.
    let many: Vec<_> = (0..600)
        .map(|i| {
            record(
                &format!("2.{:06}", i),
                &format!("Thủ tục thử nghiệm số {i} về thủy lợi"),
            )
        })
        .collect();
    let r = kb
        .kb
        .import(&json_file(&many), &ImportOptions::default(), &admin)
        .await
        .unwrap();
    assert_eq!(r.created.len(), 600);
    let hits = other
        .search("thu tuc thu nghiem so 599 thuy loi", 3, None, &everyone)
        .await
        .unwrap();
    assert_eq!(hits[0].id, "2.000599");
    assert_eq!(other.indexed().await.unwrap(), 601);

    // A restart: a new service builds everything from the database.
    let restarted = kb.other_node();
    let stats = restarted.load().await.unwrap();
    assert_eq!(stats.procedures, 601);
    assert_eq!(ids(&restarted, "vu truong", &everyone).await, ["1.000301"]);
}

/// KB-3: synonyms are data: an administrator's global list applies everywhere at once; a
/// tenant's list applies on that tenant's portal (and its sub-tenants') only.
#[tokio::test]
async fn kb3_synonyms_global_and_per_tenant() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    kb.kb
        .import(
            &json_file(&[
                record("1.000311", "Đăng ký hoạt động tín ngưỡng"),
                record("1.000312", "Thông báo tổ chức lễ hội"),
            ]),
            &ImportOptions::default(),
            &admin,
        )
        .await
        .unwrap();
    let everyone = Scope::everything();
    let an_chau = kb
        .kb
        .scope_for_tenant(kb.tenant("xa-an-chau").await)
        .await
        .unwrap();
    let binh_hoa = kb
        .kb
        .scope_for_tenant(kb.tenant("xa-binh-hoa").await)
        .await
        .unwrap();
    assert!(ids(&kb.kb, "cúng đình", &an_chau).await.is_empty());

    // A tenant's own list, saved by its coordinator.
    let coordinator = kb
        .actor("dp.a", Role::Coordinator, Some("xa-an-chau"), None)
        .await;
    kb.kb
        .save_synonyms(
            Some(kb.tenant("xa-an-chau").await),
            "cúng đình, lễ cúng đình => lễ hội\n",
            &coordinator,
        )
        .await
        .unwrap();
    assert_eq!(ids(&kb.kb, "cúng đình", &an_chau).await, ["1.000312"]);
    assert!(ids(&kb.kb, "cúng đình", &binh_hoa).await.is_empty());
    assert!(ids(&kb.kb, "cúng đình", &everyone).await.is_empty());
    // Another tenant's coordinator cannot touch it; nor the global list.
    let outsider = kb
        .actor("dp.b", Role::Coordinator, Some("xa-binh-hoa"), None)
        .await;
    let r = kb
        .kb
        .save_synonyms(Some(kb.tenant("xa-an-chau").await), "a => b", &outsider)
        .await;
    assert!(matches!(r, Err(KbError::Forbidden)));
    let r = kb.kb.save_synonyms(None, "a => b", &coordinator).await;
    assert!(matches!(r, Err(KbError::Forbidden)));

    // The global list, edited in the line format, keeps the shipped entries it is given.
    let (mut text, row) = kb.kb.synonyms_text(None).await.unwrap();
    assert!(row.is_none(), "the shipped default until saved");
    assert!(text.contains("=>"));
    text.push_str("đi lễ chùa => tín ngưỡng\n");
    kb.kb.save_synonyms(None, &text, &admin).await.unwrap();
    assert_eq!(ids(&kb.kb, "đi lễ chùa", &everyone).await[0], "1.000311");
    assert_eq!(ids(&kb.kb, "đi lễ chùa", &binh_hoa).await[0], "1.000311");
    // Merged with the tenant's own list.
    assert_eq!(ids(&kb.kb, "đi lễ chùa", &an_chau).await[0], "1.000311");
    assert_eq!(ids(&kb.kb, "cúng đình", &an_chau).await, ["1.000312"]);
    // Another node picks the lists up from the database.
    let other = kb.other_node();
    assert_eq!(ids(&other, "cúng đình", &an_chau).await, ["1.000312"]);
    assert!(ids(&other, "cúng đình", &binh_hoa).await.is_empty());
    assert_eq!(ids(&other, "đi lễ chùa", &everyone).await[0], "1.000311");
    // A malformed list is refused with its line.
    let r = kb
        .kb
        .save_synonyms(None, "đúng => đúng\nsai sai sai\n", &admin)
        .await;
    let Err(KbError::Invalid(p)) = r else {
        panic!("{r:?}")
    };
    assert!(p[0].message.contains("line 2"), "{p:?}");
    assert!(
        kb.audit_actions()
            .await
            .iter()
            .any(|a| a == "kb.synonyms.save")
    );
}

/// KB-3: a staff member's scope: FAQs of the tenants their grants reach; everything for a
/// grant over every tenant.
#[tokio::test]
async fn kb3_staff_scope() {
    let kb = Kb::new().await;
    tongdai_kb::demo::load(&kb.kb).await.unwrap();
    let operator = kb
        .actor("op.t", Role::Operator, Some("tinh-an-giang"), None)
        .await;
    let outsider = kb
        .actor("op.b", Role::Operator, Some("xa-binh-hoa"), None)
        .await;
    let admin = kb.admin().await;
    let q = "sinh con bao lâu phải khai sinh";
    assert_eq!(
        first_faq(&kb, &operator, q).await.as_deref(),
        Some("faq-ho-tich-01")
    );
    assert_eq!(
        first_faq(&kb, &admin, q).await.as_deref(),
        Some("faq-ho-tich-01")
    );
    // Bình Hòa's operator sees Bình Hòa's and the province's FAQs, not An Châu's.
    assert_eq!(first_faq(&kb, &outsider, q).await, None);
    // Procedures are everyone's.
    let hits = kb
        .kb
        .search(
            "khai sinh",
            3,
            Some(tongdai_kb::DocKind::Procedure),
            &staff_scope(&kb, &outsider).await,
        )
        .await
        .unwrap();
    assert!(!hits.is_empty());
}

async fn staff_scope(kb: &Kb, a: &Actor) -> Scope {
    let p = a.principal.clone().unwrap();
    kb.kb.scope_for_staff(&p, None).await.unwrap()
}

async fn first_faq(kb: &Kb, a: &Actor, q: &str) -> Option<String> {
    let scope = staff_scope(kb, a).await;
    kb.kb
        .search(q, 3, Some(tongdai_kb::DocKind::Faq), &scope)
        .await
        .unwrap()
        .first()
        .map(|h| h.id.clone())
}
