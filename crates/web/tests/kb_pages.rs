//! KB-1…KB-4, ADM-6 through the real application: the operator's search, the FAQ workflow by
//! form, versions and local copies, imports and synonyms, the public pages (security headers,
//! the embeddable widget), the JSON API and its OpenAPI description.

mod common;

use common::{TestApp, location};
use reqwest::StatusCode;
use std::sync::Arc;
use tongdai_domain::time::Clock;

/// The application with the demo knowledge base.
async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as Arc<dyn Clock>,
    ))
    .await
    .expect("demo knowledge base");
    app
}

/// The id of the first hit of a results fragment.
fn first_id(html: &str) -> Option<&str> {
    let i = html.find("data-id=\"")? + 9;
    let end = html[i..].find('"')?;
    Some(&html[i..i + end])
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// KB-3: the operator's search answers as a page and as the fragment htmx swaps in, with or
/// without diacritics; the menu leads there.
#[tokio::test]
async fn kb3_operator_search_page_and_fragment() {
    let app = app().await;
    let op = app.login("tongdai1").await;
    let (status, home) = op.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/kb\""), "menu entry");
    let (status, page) = op.get("/kb?q=lam+giay+khai+sinh+cho+con").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("hx-get=\"/kb/search\""));
    let first = page.find("data-id=\"").map(|i| &page[i + 9..i + 17]);
    assert_eq!(first, Some("1.001193"));
    let (status, frag) = op
        .get("/kb/search?q=s%E1%BB%95+%C4%91%E1%BB%8F+l%E1%BA%A7n+%C4%91%E1%BA%A7u")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!frag.contains("<html"), "a fragment, not a page");
    assert!(frag.contains("id=\"kb-results\""));
    assert!(frag.contains("1.013978"), "{frag}");
    assert!(frag.contains("<mark>"), "matched words highlighted");
    // FAQs only.
    let (_, frag) = op.get("/kb/search?q=sinh+con+bao+lau&kind=faq").await;
    assert!(frag.contains("data-id=\"faq-ho-tich-01\""), "{frag}");
    assert!(!frag.contains("kb-procedure"));
    // Someone without the right gets nothing.
    let postal = app.login("buudien.anchau").await;
    assert_eq!(
        postal.get("/kb/search?q=khai+sinh").await.0,
        StatusCode::FORBIDDEN
    );
}

/// KB-2: an officer writes and submits an FAQ through the form, the head of the agency finds
/// it waiting, approves it, and it is on the portal and in the operator's search at once.
#[tokio::test]
async fn kb2_faq_workflow_through_the_forms() {
    let app = app().await;
    let agency = app.agency("xa-an-chau", "vp-hdnd-ubnd").await.to_string();
    let officer = app.login("canbo.anchau").await;
    let (status, form) = officer.get("/kb/faqs/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("Hộ tịch"),
        "the agency's fields are suggested"
    );
    // A field the agency does not answer for is refused, with the form kept.
    let resp = officer
        .post(
            "/kb/faqs",
            &[
                ("agency_id", agency.as_str()),
                ("cau_hoi", "Xin trích lục ly hôn ở đâu?"),
                ("tra_loi", "Tại UBND xã nơi đã ghi chú ly hôn."),
                ("linh_vuc", "Đất đai"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("không thuộc cơ quan"));
    let resp = officer
        .post(
            "/kb/faqs",
            &[
                ("agency_id", agency.as_str()),
                ("cau_hoi", "Xin trích lục ly hôn ở đâu?"),
                ("tra_loi", "Tại UBND xã nơi đã ghi chú ly hôn."),
                ("linh_vuc", "Hộ tịch"),
                ("tu_khoa", "ly dị; trích lục"),
                ("thu_tuc_lien_quan", "1.001193"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let faq_path = location(&resp);
    let code = faq_path.trim_start_matches("/kb/faqs/").to_owned();
    assert!(code.starts_with("faq-"), "{faq_path}");
    let (_, page) = officer.get(&faq_path).await;
    assert!(page.contains("Chờ duyệt"));
    assert!(!page.contains("/approve"), "an officer cannot approve");
    // Not public yet.
    assert_eq!(
        app.client().get(&format!("/portal/kb/faqs/{code}")).await.0,
        StatusCode::NOT_FOUND
    );
    // The officer cannot approve by hand either.
    let resp = officer
        .post(&format!("{faq_path}/approve"), &[("version", "1")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let head = app.login("truong.anchau").await;
    let (_, list) = head.get("/kb/faqs").await;
    let waiting = common::element(&list, "kb-to-review");
    assert!(waiting.contains("Xin trích lục ly hôn ở đâu?"), "{waiting}");
    let (_, page) = head.get(&faq_path).await;
    let version = {
        let i = page.find("name=\"version\" value=\"").unwrap() + 22;
        page[i..i + page[i..].find('"').unwrap()].to_owned()
    };
    let resp = head
        .post(&format!("{faq_path}/approve"), &[("version", &version)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = head.get(&faq_path).await;
    assert!(page.contains("Đã đăng"));
    let history = common::element(&page, "faq-history");
    assert!(history.contains("canbo.anchau") && history.contains("truong.anchau"));

    // On the portal and in the operator's search, at once.
    let (status, public) = app
        .client()
        .get(&format!("/portal/kb/faqs/{code}?t=xa-an-chau"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(public.contains("Tại UBND xã nơi đã ghi chú ly hôn."));
    let op = app.login("tongdai1").await;
    let (_, frag) = op.get("/kb/search?q=trich+luc+ly+hon&kind=faq").await;
    assert!(frag.contains(&format!("data-id=\"{code}\"")), "{frag}");
    // Another commune's portal does not show An Châu's FAQ.
    assert_eq!(
        app.client()
            .get(&format!("/portal/kb/faqs/{code}?t=xa-binh-hoa"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    for a in ["kb.faq.create", "kb.faq.submit", "kb.faq.approve"] {
        assert_eq!(app.audit_of(a).await.len(), 1, "{a}");
    }
}

/// KB-1: an administrator edits a procedure: a new version whose history page shows who, when
/// and the changed lines; a coordinator publishes the commune's local copy, which its portal
/// shows (and another commune's does not).
#[tokio::test]
async fn kb1_versions_and_local_copy_through_the_forms() {
    let app = app().await;
    let admin = app.login("admin").await;
    let (status, page) = admin.get("/kb/procedures/1.001193/edit").await;
    assert_eq!(status, StatusCode::OK);
    let start = page.find("<textarea id=\"json\"").unwrap();
    let start = start + page[start..].find('>').unwrap() + 1;
    let end = start + page[start..].find("</textarea>").unwrap();
    let json = page[start..end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut record: serde_json::Value =
        serde_json::from_str(&json).expect("the form holds the record");
    record["ghi_chu"] = serde_json::json!("Đã rà soát theo Quyết định công bố năm 2026.");
    let resp = admin
        .post(
            "/kb/procedures/1.001193",
            &[
                ("json", &record.to_string()),
                ("version", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, history) = admin.get("/kb/procedures/1.001193/history").await;
    let v2 = common::element(&history, "v2");
    assert!(
        v2.contains("admin") && v2.contains("web") && v2.contains("ghi_chu"),
        "{v2}"
    );
    assert!(v2.contains("Đã rà soát theo Quyết định công bố năm 2026."));
    assert!(history.contains("id=\"v1\""));
    // The same form again (version 1) is stale.
    let resp = admin
        .post(
            "/kb/procedures/1.001193",
            &[
                ("json", &record.to_string()),
                ("version", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    let commune = app.tenant("xa-an-chau").await.to_string();
    let police = app.agency("xa-an-chau", "cong-an-xa").await.to_string();
    let coordinator = app.login("dieuphoi").await;
    coordinator.get("/kb/procedures/1.001193").await;
    let resp = coordinator
        .post(
            "/kb/procedures/1.001193/local",
            &[
                ("tenant_id", commune.as_str()),
                ("agency_id", police.as_str()),
                (
                    "address",
                    "Trung tâm Phục vụ hành chính công xã An Châu, ấp An Hòa",
                ),
                (
                    "online_url",
                    "https://dichvucong.angiang.gov.vn/tthc/1.001193",
                ),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, local) = app
        .client()
        .get("/portal/kb/procedures/1.001193?t=xa-an-chau")
        .await;
    assert!(common::element(&local, "kb-agency").contains("Công an xã An Châu"));
    assert!(common::element(&local, "kb-address").contains("ấp An Hòa"));
    assert!(
        common::element(&local, "kb-online")
            .contains("https://dichvucong.angiang.gov.vn/tthc/1.001193")
    );
    let (_, other) = app
        .client()
        .get("/portal/kb/procedures/1.001193?t=xa-binh-hoa")
        .await;
    assert!(!other.contains("ấp An Hòa"));
    assert!(common::element(&other, "kb-agency").contains("Ủy ban nhân dân cấp xã"));
    // An operator cannot edit the catalogue.
    let op = app.login("tongdai1").await;
    assert_eq!(
        op.get("/kb/procedures/1.001193/edit").await.0,
        StatusCode::FORBIDDEN
    );
}

/// KB-1: the import page: a dry run reports and keeps nothing, the real run imports the good
/// rows and names the bad one by line and field.
#[tokio::test]
async fn kb1_import_through_the_page() {
    let app = app().await;
    let admin = app.login("admin").await;
    admin.get("/kb/import").await;
    let csv = "ma_tthc,ten_tthc,cap_thuc_hien,thoi_han_truc_tiep\n\
               1.950001,Cấp phép thử nghiệm qua trang,Cấp Xã,3 Ngày làm việc\n\
               1.950002,,Cấp Xã,\n";
    let form = |dry: bool| {
        let mut f = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("thu.csv"),
        );
        if dry {
            f = f.text("dry_run", "1");
        }
        f
    };
    let resp = admin.post_multipart("/kb/import", form(true)).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let report = common::element(&page, "import-report");
    assert!(report.contains("CHẠY THỬ"), "{report}");
    assert!(
        report.contains("Dòng 3 (mã 1.950002): LỖI trường `ten_tthc`"),
        "{report}"
    );
    assert_eq!(
        admin.get("/kb/procedures/1.950001").await.0,
        StatusCode::NOT_FOUND
    );
    let resp = admin.post_multipart("/kb/import", form(false)).await;
    let page = resp.text().await.unwrap();
    assert!(common::element(&page, "import-report").contains("1 thêm mới"));
    assert_eq!(admin.get("/kb/procedures/1.950001").await.0, StatusCode::OK);
    let op = app.login("tongdai1").await;
    let (_, frag) = op.get("/kb/search?q=cap+phep+thu+nghiem+qua+trang").await;
    assert!(
        frag.contains("data-id=\"1.950001\""),
        "found at once: {frag}"
    );
}

/// KB-3: synonyms as data: a coordinator adds a word for the province and the operators of
/// the province find the procedure by it at once.
#[tokio::test]
async fn kb3_synonyms_page() {
    let app = app().await;
    let op = app.login("tongdai1").await;
    // "ĐKKT": the abbreviation a commune's staff use for đăng ký khai tử.
    let q = "/kb/search?q=%C4%90KKT";
    let (_, before) = op.get(q).await;
    assert!(!before.contains("data-id=\"1.000656\""), "{before}");
    let coordinator = app.login("dieuphoi").await;
    let (status, page) = coordinator.get("/kb/synonyms").await;
    assert_eq!(status, StatusCode::OK);
    let province = app.tenant("tinh-an-giang").await.to_string();
    assert!(
        page.contains(&format!("name=\"t\" value=\"{province}\"")),
        "the province's list"
    );
    let resp = coordinator
        .post(
            "/kb/synonyms",
            &[
                ("t", province.as_str()),
                ("body", "ĐKKT => đăng ký khai tử"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, after) = op.get(q).await;
    assert_eq!(first_id(&after), Some("1.000656"), "{after}");
    // The communes under the province use it too; the old district's operator (another tree)
    // keeps the shared list only.
    let commune = app.login("canbo.binhhoa").await;
    let (_, communes) = commune.get(q).await;
    assert_eq!(first_id(&communes), Some("1.000656"), "{communes}");
    let b = app.tenant("huyen-chau-thanh").await;
    app.account(
        "op.huyen",
        tongdai_domain::access::Role::Operator,
        Some(b),
        None,
    )
    .await;
    let other = app.login("op.huyen").await;
    let (_, theirs) = other.get(q).await;
    assert!(!theirs.contains("data-id=\"1.000656\""), "{theirs}");
    // A malformed line is refused with its line number; the global list is the admin's.
    let resp = coordinator
        .post(
            "/kb/synonyms",
            &[("t", province.as_str()), ("body", "sai định dạng")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("line 1"));
    let resp = coordinator
        .post("/kb/synonyms", &[("t", ""), ("body", "a => b")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

/// KB-1 / KB-4 / ADM-6: the public pages need no sign-in, allow only this site's resources and
/// refuse to be framed; the widget alone may be framed; the JSON API answers any portal.
#[tokio::test]
async fn kb_public_pages_widget_and_api_adm_6() {
    let app = app().await;
    let anon = app.client();
    let resp = anon
        .get_raw("/portal/kb?q=dang+ky+ket+hon&t=xa-an-chau")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = header(&resp, "content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(header(&resp, "x-frame-options"), "DENY");
    let page = resp.text().await.unwrap();
    assert!(page.contains("UBND xã An Châu"));
    assert!(
        page.contains("/portal/kb/procedures/1.000894?t=xa-an-chau"),
        "links keep the tenant"
    );
    assert!(page.contains("name=\"viewport\""), "readable on a phone");
    assert_eq!(
        anon.get("/portal/kb?t=khong-co").await.0,
        StatusCode::NOT_FOUND
    );

    let (status, proc_page) = anon.get("/portal/kb/procedures/1.001193").await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "kb-channels",
        "Thành phần hồ sơ",
        "Trình tự thực hiện",
        "Căn cứ pháp lý",
        "data-print",
    ] {
        assert!(proc_page.contains(part), "{part}");
    }
    let online = common::element(&proc_page, "kb-online");
    assert!(
        online.contains("toàn trình"),
        "the online-service level (KB-4): {online}"
    );
    assert_eq!(
        anon.get("/portal/kb/procedures/9.999999").await.0,
        StatusCode::NOT_FOUND
    );

    let resp = anon
        .get_raw("/portal/kb/widget?t=xa-an-chau&q=khai+sinh")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        header(&resp, "x-frame-options").is_empty(),
        "the widget may be framed"
    );
    assert!(
        header(&resp, "x-frame-allowed").is_empty(),
        "the marker is not sent out"
    );
    let csp = header(&resp, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors *") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let widget = resp.text().await.unwrap();
    assert!(widget.contains("target=\"_blank\""));
    assert!(widget.contains("1.001193"));

    // The API: exactly the CLI's JSON.
    let resp = anon
        .get_raw("/api/v1/public/kb/search?q=lam%20giay%20khai%20sinh&limit=3")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "access-control-allow-origin"), "*");
    assert!(header(&resp, "content-type").starts_with("application/json"));
    let hits: Vec<serde_json::Value> = resp.json().await.unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0]["kind"], "procedure");
    assert_eq!(hits[0]["code"], "1.001193");
    for h in &hits {
        let mut keys: Vec<&String> = h.as_object().unwrap().keys().collect();
        keys.sort();
        let id = if h["kind"] == "faq" { "id" } else { "code" };
        assert_eq!(
            keys,
            [id, "kind", "name", "score"]
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        );
    }
    let faqs: Vec<serde_json::Value> = anon
        .get_raw("/api/v1/public/kb/search?q=sinh%20con%20bao%20l%C3%A2u&kind=faq&t=xa-an-chau")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(faqs[0]["id"], "faq-ho-tich-01");
    let faqs: Vec<serde_json::Value> = anon
        .get_raw("/api/v1/public/kb/search?q=sinh%20con%20bao%20l%C3%A2u&kind=faq&t=xa-binh-hoa")
        .await
        .json()
        .await
        .unwrap();
    assert!(faqs.is_empty(), "another commune's FAQs are not shown");
    let p: serde_json::Value = anon
        .get_raw("/api/v1/public/kb/procedures/1.001193")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["record"]["ma_tthc"], "1.001193");
    assert_eq!(p["version"], 1);
    assert!(p["record"]["cach_thuc_thuc_hien"].as_array().unwrap().len() >= 2);
    assert!(
        p["faqs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "faq-ho-tich-01")
    );
    let f: serde_json::Value = anon
        .get_raw("/api/v1/public/kb/faqs/faq-ho-tich-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(f["id"], "faq-ho-tich-01");
    assert!(f["tra_loi"].as_str().unwrap().contains("60 ngày"));
    let resp = anon.get_raw("/api/v1/public/kb/procedures/9.999999").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"], "not_found");

    // The OpenAPI document describes them (generated from the route table).
    let doc: serde_json::Value = anon
        .get_raw("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let search = &doc["paths"]["/api/v1/public/kb/search"]["get"];
    assert_eq!(search["security"], serde_json::json!([]));
    let names: Vec<&str> = search["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["q", "limit", "kind", "t"]);
    let code = &doc["paths"]["/api/v1/public/kb/procedures/{code}"]["get"]["parameters"][0];
    assert_eq!(code["schema"]["type"], "string");
    assert!(doc["paths"]["/api/v1/public/kb/faqs/{faq}"]["get"].is_object());
}
