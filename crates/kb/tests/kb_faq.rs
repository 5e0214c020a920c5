//! KB-2: the FAQ workflow (draft → review by the head of the agency → published) with rights
//! enforced per agency, the published text kept on the portal while an edit waits, history of
//! every step, and the search following each step at once.

mod common;

use common::{Kb, record};
use tongdai_domain::access::Role;
use tongdai_kb::{Actor, DocKind, FaqAction, FaqContent, FaqStatus, KbError, Scope};
use tongdai_store::StoreError;

fn content(q: &str, a: &str) -> FaqContent {
    FaqContent {
        cau_hoi: q.into(),
        tra_loi: a.into(),
        linh_vuc: vec!["Hộ tịch".into()],
        tu_khoa: vec!["trích lục".into()],
        thu_tuc_lien_quan: vec!["1.000201".into()],
        co_quan: String::new(),
    }
}

async fn faq_ids(kb: &Kb, q: &str, scope: &Scope) -> Vec<String> {
    kb.kb
        .search(q, 10, Some(DocKind::Faq), scope)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

async fn faq_names(kb: &Kb, q: &str, scope: &Scope) -> Vec<String> {
    kb.kb
        .search(q, 10, Some(DocKind::Faq), scope)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect()
}

struct People {
    officer: Actor,
    head: Actor,
    other_head: Actor,
    other_officer: Actor,
    operator: Actor,
}

async fn people(kb: &Kb) -> People {
    let a1 = Some(("xa-an-chau", "vp-hdnd-ubnd"));
    let b1 = Some(("xa-binh-hoa", "vp-hdnd-ubnd"));
    People {
        officer: kb
            .actor("cb.a", Role::FocalOfficer, Some("xa-an-chau"), a1)
            .await,
        head: kb
            .actor("tt.a", Role::AgencyHead, Some("xa-an-chau"), a1)
            .await,
        other_head: kb
            .actor("tt.b", Role::AgencyHead, Some("xa-binh-hoa"), b1)
            .await,
        other_officer: kb
            .actor("cb.b", Role::FocalOfficer, Some("xa-binh-hoa"), b1)
            .await,
        operator: kb
            .actor("op.t", Role::Operator, Some("tinh-an-giang"), None)
            .await,
    }
}

/// KB-2: draft → review → published, each step by whom it belongs to.
#[tokio::test]
async fn kb2_faq_workflow_with_rights() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    kb.kb
        .save_procedure(
            &record("1.000201", "Cấp bản sao trích lục hộ tịch"),
            true,
            None,
            &admin,
        )
        .await
        .unwrap();
    let p = people(&kb).await;
    let a1 = kb.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let question = "Xin bản sao trích lục khai tử ở đâu?";

    // Who may not write for A1: an operator, an officer of another agency.
    for who in [&p.operator, &p.other_officer] {
        let r = kb
            .kb
            .create_faq(a1, content(question, "Tại UBND xã."), false, who)
            .await;
        assert!(matches!(r, Err(KbError::Forbidden)), "{}", who.name);
    }
    // A link to a procedure that does not exist is refused.
    let mut unknown = content(question, "Tại UBND xã.");
    unknown.thu_tuc_lien_quan = vec!["9.999999".into()];
    assert!(matches!(
        kb.kb.create_faq(a1, unknown, false, &p.officer).await,
        Err(KbError::Invalid(_))
    ));

    let faq = kb
        .kb
        .create_faq(
            a1,
            content(question, "Tại UBND xã nơi đã đăng ký khai tử."),
            false,
            &p.officer,
        )
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Draft);
    assert!(faq.row.code.starts_with("faq-"));
    assert_eq!(faq.draft.co_quan, "Văn phòng HĐND và UBND xã An Châu");
    let everyone = Scope::everything();
    assert!(
        faq_ids(&kb, "trich luc khai tu", &everyone)
            .await
            .is_empty(),
        "drafts are not searched"
    );

    // Only the head of A1 approves, and only once submitted.
    let id = faq.row.id;
    assert!(matches!(
        kb.kb
            .faq_step(id, faq.row.version, FaqAction::Approve, "", &p.head)
            .await,
        Err(KbError::Workflow(_))
    ));
    let faq = kb
        .kb
        .faq_step(id, faq.row.version, FaqAction::Submit, "", &p.officer)
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Review);
    for who in [&p.officer, &p.other_head, &p.operator] {
        let r = kb
            .kb
            .faq_step(id, faq.row.version, FaqAction::Approve, "", who)
            .await;
        assert!(matches!(r, Err(KbError::Forbidden)), "{}", who.name);
    }
    // Sent back: a note is required.
    assert!(matches!(
        kb.kb
            .faq_step(id, faq.row.version, FaqAction::Reject, " ", &p.head)
            .await,
        Err(KbError::Invalid(_))
    ));
    let faq = kb
        .kb
        .faq_step(
            id,
            faq.row.version,
            FaqAction::Reject,
            "Ghi rõ giờ làm việc.",
            &p.head,
        )
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Draft);
    assert_eq!(faq.row.review_note, "Ghi rõ giờ làm việc.");
    let faq = kb
        .kb
        .edit_faq(
            id,
            faq.row.version,
            content(
                question,
                "Tại UBND xã nơi đã đăng ký khai tử, giờ hành chính.",
            ),
            &p.officer,
        )
        .await
        .unwrap();
    let faq = kb
        .kb
        .faq_step(id, faq.row.version, FaqAction::Submit, "", &p.officer)
        .await
        .unwrap();
    let faq = kb
        .kb
        .faq_step(id, faq.row.version, FaqAction::Approve, "", &p.head)
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Published);
    assert_eq!(
        faq.published.as_ref().unwrap().tra_loi,
        "Tại UBND xã nơi đã đăng ký khai tử, giờ hành chính."
    );
    // Found at once, by this node; shown on An Châu's portal, not on Bình Hòa's.
    let code = faq.row.code.clone();
    assert_eq!(
        faq_ids(&kb, "trich luc khai tu", &everyone).await,
        std::slice::from_ref(&code)
    );
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
    let province = kb
        .kb
        .scope_for_tenant(kb.tenant("tinh-an-giang").await)
        .await
        .unwrap();
    assert_eq!(
        faq_ids(&kb, "trich luc khai tu", &an_chau).await,
        std::slice::from_ref(&code)
    );
    assert_eq!(
        faq_ids(&kb, "trich luc khai tu", &province).await,
        std::slice::from_ref(&code)
    );
    assert!(
        faq_ids(&kb, "trich luc khai tu", &binh_hoa)
            .await
            .is_empty()
    );
    // Linked to its procedure.
    let linked = kb
        .kb
        .faqs_for_procedure("1.000201", &an_chau)
        .await
        .unwrap();
    assert_eq!(linked[0].0, code);
    assert!(
        kb.kb
            .faqs_for_procedure("1.000201", &binh_hoa)
            .await
            .unwrap()
            .is_empty()
    );

    // An edit waits for approval; the portal keeps the approved text meanwhile.
    let faq = kb
        .kb
        .edit_faq(
            id,
            faq.row.version,
            content(
                "Mất giấy chứng tử thì xin lại thế nào?",
                "Xin cấp bản sao trích lục khai tử.",
            ),
            &p.officer,
        )
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Draft);
    assert_eq!(faq.published.as_ref().unwrap().cau_hoi, question);
    assert_eq!(
        faq_names(&kb, "mat giay chung tu", &everyone).await,
        [question],
        "the portal still answers with the approved text"
    );
    let faq = kb
        .kb
        .faq_step(id, faq.row.version, FaqAction::Submit, "", &p.officer)
        .await
        .unwrap();
    let faq = kb
        .kb
        .faq_step(id, faq.row.version, FaqAction::Approve, "", &p.head)
        .await
        .unwrap();
    assert_eq!(
        faq_names(&kb, "mat giay chung tu", &everyone).await,
        ["Mất giấy chứng tử thì xin lại thế nào?"]
    );

    // A stale form is refused.
    let stale = kb
        .kb
        .faq_step(id, faq.row.version - 1, FaqAction::Withdraw, "", &p.head)
        .await;
    assert!(
        matches!(stale, Err(KbError::Store(StoreError::Conflict(_)))),
        "{stale:?}"
    );
    // Withdrawn: off the portal and out of the search.
    let faq = kb
        .kb
        .faq_step(
            id,
            faq.row.version,
            FaqAction::Withdraw,
            "Hết hiệu lực",
            &p.head,
        )
        .await
        .unwrap();
    assert_eq!(faq.status, FaqStatus::Withdrawn);
    assert!(faq.published.is_none());
    assert!(
        faq_ids(&kb, "mat giay chung tu", &everyone)
            .await
            .is_empty()
    );
    assert!(
        kb.kb
            .faqs_for_procedure("1.000201", &an_chau)
            .await
            .unwrap()
            .is_empty()
    );

    // The history: every step, who, in order.
    let steps: Vec<(String, String)> = kb
        .kb
        .faq_history(id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.action, h.actor_name))
        .collect();
    let expect = [
        ("create", "cb.a"),
        ("submit", "cb.a"),
        ("reject", "tt.a"),
        ("edit", "cb.a"),
        ("submit", "cb.a"),
        ("approve", "tt.a"),
        ("edit", "cb.a"),
        ("submit", "cb.a"),
        ("approve", "tt.a"),
        ("withdraw", "tt.a"),
    ];
    assert_eq!(
        steps,
        expect.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
    );
    let audit = kb.audit_actions().await;
    for a in [
        "kb.faq.create",
        "kb.faq.submit",
        "kb.faq.reject",
        "kb.faq.approve",
        "kb.faq.withdraw",
    ] {
        assert!(audit.iter().any(|x| x == a), "{a}");
    }
    assert!(audit.iter().any(|x| x == "kb.faq.edit"));
}

/// KB-2: an officer can submit straight away; the other agency's head still cannot review it.
#[tokio::test]
async fn kb2_submit_on_create_and_other_agency_refused() {
    let kb = Kb::new().await;
    let p = people(&kb).await;
    let a1 = kb.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let mut c = content(
        "Đăng ký kết hôn cần mang gì?",
        "Giấy tờ tùy thân của hai bên.",
    );
    c.thu_tuc_lien_quan.clear();
    let faq = kb.kb.create_faq(a1, c, true, &p.officer).await.unwrap();
    assert_eq!(faq.status, FaqStatus::Review);
    let r = kb
        .kb
        .faq_step(
            faq.row.id,
            faq.row.version,
            FaqAction::Reject,
            "Không",
            &p.other_head,
        )
        .await;
    assert!(matches!(r, Err(KbError::Forbidden)));
    let r = kb
        .kb
        .edit_faq(
            faq.row.id,
            faq.row.version,
            content("x", "y"),
            &p.other_officer,
        )
        .await;
    assert!(matches!(r, Err(KbError::Forbidden)));
}
