//! The citizens' side (CASE-1, CASE-8, CASE-9, CASE-10, ADM-6, SEC-4, SEC-5): the public form
//! and its embeddable copy, the public API, the lookup by code and phone with rating and
//! reopening, the published answers.

mod case_helpers;
mod common;

use case_helpers::*;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use tongdai_domain::case::{CaseState, Channel};

fn public_form(phone: &str, content: &str, notice: bool) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("caller_name", "Trần Văn Bình")
        .text("phone", phone.to_owned())
        .text("address", "Ấp Bình Thạnh, xã Bình Hòa, tỉnh An Giang")
        .text("kind", "kien_nghi")
        .text("content", content.to_owned());
    if notice {
        f = f.text("notice", "1");
    }
    f
}

/// CASE-1, SEC-4: a citizen submits on the public form; the notice version is stored; the code
/// and the lookup instructions are shown; the coordinators are told.
#[tokio::test]
async fn a_citizen_submits_on_the_public_form_case_1() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let c = app.client();
    let (status, page) = c.get("/gui-phan-anh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Thông báo xử lý dữ liệu cá nhân"));
    assert!(page.contains("UBND tỉnh An Giang"), "the hotline's tenant");
    // Without the notice acknowledged, or without a name: refused, each field explained.
    let resp = c
        .post_multipart(
            "/gui-phan-anh",
            public_form(
                "0913 111 222",
                "Đề nghị lắp thêm đèn đường ở ấp Bình Thạnh.",
                false,
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Vui lòng xác nhận đã đọc thông báo xử lý dữ liệu cá nhân.")
    );
    let resp = c
        .post_multipart(
            "/gui-phan-anh",
            public_form("12345", "ngắn", true).text("caller_name", ""),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = error_text(&resp.text().await.unwrap());
    assert!(errors.contains("nặc danh"), "{errors}");
    assert!(errors.contains("Nội dung"), "{errors}");
    // Without the CSRF token of the pre-session cookie: refused.
    let resp = c
        .http
        .post(format!("{}/gui-phan-anh", app.addr))
        .multipart(public_form(
            "0913 111 222",
            "Đề nghị lắp thêm đèn đường.",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let resp = c
        .post_multipart(
            "/gui-phan-anh?don-vi=xa-binh-hoa",
            public_form(
                "0913 111 222",
                "Đề nghị lắp thêm đèn đường ở ấp Bình Thạnh.",
                true,
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let page = resp.text().await.unwrap();
    let code = common::element(&page, "case-code")
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // Every phản ánh / kiến nghị has the PA family prefix (see `tongdai_domain::case::code`).
    assert!(code.starts_with("PA-2026-"), "{code}");
    assert!(page.contains("tra cứu tình trạng xử lý bằng mã hồ sơ và số điện thoại"));
    let stored = {
        let mut conn = app.store.conn().await.unwrap();
        tongdai_store::cases::by_code(&mut conn, &code.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .0
    };
    assert_eq!(stored.notice_version, "2026.1");
    assert_eq!(stored.channel, Channel::Web);
    assert_eq!(stored.tenant_id, app.tenant("xa-binh-hoa").await);
    assert_eq!(stored.caller.phone.canonical(), "+84913111222");
    assert!(
        notified(&app, COORDINATOR)
            .await
            .contains(&"received".to_owned())
    );
}

/// ADM-6: the embeddable form may be framed by the local portal and needs no cookie.
#[tokio::test]
async fn the_embedded_form_can_be_framed_and_needs_no_cookie_adm_6() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let bare = reqwest::Client::new();
    let resp = bare
        .get(format!("{}/nhung/gui-phan-anh?don-vi=xa-an-chau", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("x-frame-options").is_none());
    assert!(
        resp.headers().get("x-frame-allowed").is_none(),
        "internal marker removed"
    );
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(
        !page.contains("class=\"topbar\""),
        "no site frame inside the portal's frame"
    );
    // A cross-site POST from the portal's frame, without any cookie.
    let resp = bare
        .post(format!("{}/nhung/gui-phan-anh?don-vi=xa-an-chau", app.addr))
        .header("sec-fetch-site", "cross-site")
        .multipart(public_form(
            "0913 222 333",
            "Hỏi thủ tục chứng thực bản sao tại xã An Châu.",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(resp.headers().get("x-frame-options").is_none());
    let page = resp.text().await.unwrap();
    assert!(page.contains("id=\"case-code\""));
    // The staff pages still refuse to be framed.
    let resp = bare
        .get(format!("{}/gui-phan-anh", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
}

/// SEC-5: submissions are limited per address and per phone (5 an hour by default).
#[tokio::test]
async fn public_submissions_are_rate_limited_sec_5() {
    let app = TestApp::spawn_with_cases(tongdai_cases::CaseSettings {
        public_per_hour: 3,
        ..Default::default()
    })
    .await;
    set_monday(&app);
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/public/cases", app.addr);
    let body = |phone: &str| {
        json!({
            "caller_name": "Lê Thị Cúc", "phone": phone, "address": "Ấp Vĩnh Lợi, xã Vĩnh Hanh",
            "content": "Đề nghị nạo vét kênh thủy lợi ấp Vĩnh Lợi.", "notice_version": "portal-2026.1",
        })
    };
    for i in 0..3 {
        let r = http
            .post(&url)
            .json(&body(&format!("091300000{i}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{i}");
    }
    let r = http
        .post(&url)
        .json(&body("0913000009"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "per address");
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["error"], "rate_limited");
    // An hour later the address may submit again.
    app.clock.advance(chrono::Duration::minutes(61));
    let r = http
        .post(&url)
        .json(&body("0913000009"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// ADM-6, CASE-9: the public API — a good submission, field errors (422), bad JSON, an unknown
/// tenant, and the status by code, only with the right phone.
#[tokio::test]
async fn the_public_api_takes_submissions_and_answers_lookups_adm_6() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/public/cases", app.addr);
    let r = http
        .post(&url)
        .json(&json!({
            "tenant": "xa-an-chau", "caller_name": "Phạm Văn Đông", "phone": "+84 914 555 666",
            "address": "Ấp An Thạnh, xã An Châu", "kind": "hoi_dap_tthc",
            "content": "Xin hỏi thủ tục đăng ký kết hôn cần giấy tờ gì?", "notice_version": "portal-2026.1",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let j: serde_json::Value = r.json().await.unwrap();
    let code = j["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("HD-2026-"), "{code}");
    assert_eq!(j["lookup_url"], format!("/tra-cuu?ma={code}"));

    // Every wrong field at once, in Vietnamese.
    let r = http
        .post(&url)
        .json(&json!({ "caller_name": "", "phone": "abc", "address": "", "content": "x", "kind": "to_cao" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["error"], "validation");
    let fields: Vec<&str> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "caller_name",
        "phone",
        "address",
        "content",
        "notice_version",
        "kind",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let r = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = http
        .post(&url)
        .json(&json!({ "caller_name": "A", "unknown_field": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields refused"
    );
    let r = http
        .post(&url)
        .json(&json!({ "tenant": "khong-co", "caller_name": "Phạm Văn Đông" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The status: 404 without the phone, with another phone, or for an unknown code.
    let status = |q: String| {
        let http = http.clone();
        let base = app.addr.clone();
        async move {
            http.get(format!("{base}/api/v1/public/cases/{q}"))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(status(code.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        status(format!("{code}?phone=0914000000")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status("HD-2026-999999?phone=0914555666".into())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = status(format!("{code}?phone=0914555666")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["state"], "received");
    assert_eq!(j["state_label"], "Đã tiếp nhận");
    assert!(
        !text.contains("Phạm Văn Đông") && !text.contains("An Thạnh"),
        "no personal data"
    );
    // The documented API lists these routes with their schemas.
    let doc: serde_json::Value = http
        .get(format!("{}/api/openapi.json", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let post = &doc["paths"]["/api/v1/public/cases"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PublicSubmission"
    );
    assert!(post["responses"]["422"].is_object() && post["responses"]["429"].is_object());
    let get = &doc["paths"]["/api/v1/public/cases/{code}"]["get"];
    assert!(
        get["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "phone" && p["in"] == "query")
    );
    for name in [
        "PublicSubmission",
        "CommandRequest",
        "Case",
        "CaseList",
        "ValidationError",
    ] {
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

/// CASE-9, CASE-8: the lookup shows the case only when code and phone match; the citizen rates
/// the answer and reopens the case; lookups are limited per address.
#[tokio::test]
async fn the_citizen_looks_up_rates_and_reopens_case_9() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let operator = app.login(OPERATOR).await;
    let id = intake(
        &operator,
        "hoi_dap_tthc",
        "Xin hỏi lệ phí cấp bản sao trích lục khai sinh là bao nhiêu?",
    )
    .await;
    let code = case(&app, id).await.code.to_string();
    let coordinator = app.login(COORDINATOR).await;
    ok(
        &coordinator,
        id,
        "forward",
        &[("lead_agency_id", &a1(&app).await.to_string())],
    )
    .await;
    let officer = app.login(OFFICER).await;
    ok(
        &officer,
        id,
        "answer",
        &[(
            "text",
            "Lệ phí cấp bản sao trích lục là 8.000 đồng một bản.",
        )],
    )
    .await;

    let citizen = app.client();
    let (_, form) = citizen.get(&format!("/tra-cuu?ma={code}")).await;
    assert!(
        form.contains(&format!("value=\"{code}\"")),
        "the code is prefilled"
    );
    let resp = citizen
        .post("/tra-cuu", &[("code", &code), ("phone", "0900 000 000")])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Không tìm thấy hồ sơ") && !page.contains("8.000 đồng"));
    let resp = citizen
        .post("/tra-cuu", &[("code", &code), ("phone", "0912345678")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Lệ phí cấp bản sao trích lục là 8.000 đồng một bản."));
    assert!(page.contains("id=\"rate-form\"") && page.contains("id=\"reopen-form\""));

    let resp = citizen
        .post(
            "/tra-cuu/danh-gia",
            &[
                ("code", &code),
                ("phone", "0912 345 678"),
                ("stars", "2"),
                ("comment", "Trả lời chậm"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Cảm ơn ông/bà đã đánh giá.")
    );
    let c = case(&app, id).await;
    assert_eq!(c.rating.as_ref().map(|r| r.stars), Some(2));
    assert!(
        notified(&app, COORDINATOR)
            .await
            .contains(&"low_rating".to_owned())
    );
    // Rating twice is refused with the domain's message.
    let resp = citizen
        .post(
            "/tra-cuu/danh-gia",
            &[("code", &code), ("phone", "0912345678"), ("stars", "5")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Hồ sơ đã được đánh giá.")
    );
    let resp = citizen
        .post(
            "/tra-cuu/mo-lai",
            &[("code", &code), ("phone", "0912345678"), ("reason", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = citizen
        .post(
            "/tra-cuu/mo-lai",
            &[
                ("code", &code),
                ("phone", "0912345678"),
                ("reason", "Tôi cần thêm thông tin"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(state(&app, id).await, CaseState::Reopened);
    assert!(
        notified(&app, OFFICER)
            .await
            .contains(&"reopened".to_owned())
    );
    // A wrong phone cannot act on the case.
    let resp = citizen
        .post(
            "/tra-cuu/mo-lai",
            &[
                ("code", &code),
                ("phone", "0900000000"),
                ("reason", "Giả mạo"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Lookups are limited per address (20 in 10 minutes).
    let mut limited = false;
    for _ in 0..25 {
        let r = citizen
            .post("/tra-cuu", &[("code", &code), ("phone", "0900000000")])
            .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "lookups are rate-limited");
    let r = reqwest::get(format!(
        "{}/api/v1/public/cases/{code}?phone=0912345678",
        app.addr
    ))
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the API shares the budget"
    );
}

/// CASE-10: published answers are listed newest first, searched with or without diacritics in
/// the published text only, and paged.
#[tokio::test]
async fn published_answers_are_searchable_and_paged_case_10() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let a1 = a1(&app).await.to_string();
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let officer = app.login(OFFICER).await;
    let mut codes = Vec::new();
    for i in 0..23 {
        let id = intake(
            &operator,
            "hoi_dap_tthc",
            &format!("Câu hỏi số {i} về thủ tục chứng thực chữ ký của ông Trần Quốc Tuấn."),
        )
        .await;
        ok(&coordinator, id, "forward", &[("lead_agency_id", &a1)]).await;
        ok(
            &officer,
            id,
            "answer",
            &[(
                "text",
                &format!("Trả lời số {i}: chứng thực chữ ký tại UBND xã."),
            )],
        )
        .await;
        let text = if i == 7 {
            "Nội dung: hỏi về giấy khai sinh.\n\nTrả lời: nộp tại bộ phận một cửa.".to_owned()
        } else {
            format!("Nội dung: hỏi về chứng thực chữ ký số {i}.\n\nTrả lời: tại UBND xã.")
        };
        ok(&coordinator, id, "publish", &[("public_text", &text)]).await;
        codes.push(case(&app, id).await.code.to_string());
        app.clock.advance(chrono::Duration::minutes(1));
    }
    let c = app.client();
    let (_, page) = c.get("/hoi-dap").await;
    assert!(page.contains(&codes[22]), "newest first");
    assert!(!page.contains(&codes[0]), "20 a page");
    let next = common::element(&page, "next-page");
    let href = next
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (_, page2) = c.get(&href).await;
    let shown = |page: &str| -> Vec<String> {
        codes
            .iter()
            .filter(|c| page.contains(c.as_str()))
            .cloned()
            .collect()
    };
    assert!(
        page2.contains(&codes[0]) && page2.contains(&codes[2]),
        "page 1 {:?} ({href}), page 2 {:?}",
        shown(&page),
        shown(&page2)
    );
    assert!(!page2.contains(&codes[22]));
    for q in ["giấy khai sinh", "giay khai sinh", "GIAY KHAI SINH"] {
        let (_, hits) = c.get(&format!("/hoi-dap?q={}", common_encode(q))).await;
        assert!(hits.contains(&codes[7]), "{q}");
        assert!(!hits.contains(&codes[8]), "{q}");
    }
    // The caller's own words are not searched (only the moderated text is public).
    let (_, hits) = c.get("/hoi-dap?q=tran+quoc+tuan").await;
    assert!(
        hits.contains("id=\"no-answers\""),
        "personal data is not a search key"
    );
    let (status, one) = c.get(&format!("/hoi-dap/{}", codes[7])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one.contains("nộp tại bộ phận một cửa"));
    assert_eq!(
        c.get("/hoi-dap/PA-2026-999999").await.0,
        StatusCode::NOT_FOUND
    );
}

fn common_encode(s: &str) -> String {
    tongdai_web::auth::urlencode(s)
}
