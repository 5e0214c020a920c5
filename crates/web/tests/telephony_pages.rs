//! TEL-2, TEL-3, TEL-7, TEL-8, SEC-3: the telephony pages driven over HTTP as an administrator,
//! an inspector and an operator would use them — call flows checked on the server with the
//! problems listed in Vietnamese, saved as versions and activated; queues, agents, trunks,
//! prompts and the office-hours override; recordings opened only by permitted roles, each
//! opening in the audit log; the call records page and API; the console's events and commands
//! in the OpenAPI document. The engine is not started (`Telephony::engine()` is `None`): these
//! tests are about the web application; the engine has its own.

mod common;

use chrono::{DateTime, Utc};
use common::{Client, TestApp, location};
use reqwest::StatusCode;
use tongdai_domain::access::Role;
use tongdai_telephony::EngineStore;
use tongdai_telephony::HoursOverride;
use tongdai_telephony::cdr::{CallRecord, CdrStatus, Direction, Disposition};
use tongdai_telephony::store::RecordingRow;
use tongdai_telephony::store::demo::DEMO_DIDS;
use tongdai_telephony::trunk::IdentitySource;

/// An instant from RFC 3339.
fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("instant").to_utc()
}

/// The demo flow as JSON (what an administrator starts from).
fn demo_flow_json() -> serde_json::Value {
    serde_json::to_value(tongdai_telephony::flow::demo_flow("demo", DEMO_DIDS)).expect("json")
}

/// Stored versions of flow `id`: (version, active), newest first.
async fn versions(app: &TestApp, id: &str) -> Vec<(u32, bool)> {
    app.telephony
        .store
        .flow_versions()
        .await
        .expect("flow versions")
        .into_iter()
        .filter(|f| f.id == id)
        .map(|f| (f.version, f.active))
        .collect()
}

/// A closed call record as the engine writes it.
fn call_record(call_id: &str, caller: &str, arrived: DateTime<Utc>) -> CallRecord {
    let secs = |s: i64| arrived + chrono::TimeDelta::seconds(s);
    CallRecord {
        call_id: call_id.into(),
        node_id: "node-1".into(),
        direction: Direction::Inbound,
        status: CdrStatus::Closed,
        trunk_id: Some("demo".into()),
        did: "1800888880".into(),
        caller_number: caller.into(),
        caller_number_source: IdentitySource::PAssertedIdentity,
        caller_private: false,
        sip_call_id: format!("{call_id}@127.0.0.1"),
        flow_id: Some("demo".into()),
        flow_version: Some(1),
        arrived_at: arrived,
        answered_at: Some(secs(1)),
        notice_played_at: Some(secs(8)),
        ivr_path: "1".into(),
        queue_id: Some("tthc".into()),
        queue_entered_at: Some(secs(20)),
        queue_left_at: Some(secs(32)),
        agent_id: Some("1001".into()),
        agent_answered_at: Some(secs(32)),
        ended_at: Some(secs(127)),
        wait_s: Some(12),
        talk_s: Some(95),
        hold_s: 0,
        wrap_up_s: Some(10),
        transfers: 0,
        disposition: Some(Disposition::Answered),
        hangup_side: None,
        hangup_sip_code: None,
        hangup_q850: None,
        hangup_cause: None,
        recording_id: None,
        recording_sha256: None,
        callback_task_id: None,
        case_id: None,
        vars: Default::default(),
        legs: Vec::new(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}

/// A call with a recording file on disk, stored as the engine stores them; returns the
/// recording id and the file.
async fn recorded_call(app: &TestApp, dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let arrived = at("2026-03-02T09:15:00+07:00");
    let mut rec = call_record(
        "0195a0c0-0000-7000-8000-000000000001",
        "+84912345678",
        arrived,
    );
    let file = dir.join("rec-1.wav");
    let bytes = common::silent_wav();
    std::fs::write(&file, &bytes).expect("recording file");
    let sha = sha256_hex(&bytes);
    rec.recording_id = Some("rec-1".into());
    rec.recording_sha256 = Some(sha.clone());
    let s = &app.telephony.store;
    s.put_call(&rec).await.expect("call record");
    s.put_recording(&RecordingRow {
        id: "rec-1".into(),
        call_id: rec.call_id.clone(),
        path: file.display().to_string(),
        bytes: bytes.len() as u64,
        duration_ms: 95_000,
        sha256: sha.clone(),
        prev_chain_hash: None,
        chain_hash: sha256_hex(format!("genesis{sha}").as_bytes()),
        started_at: arrived + chrono::TimeDelta::seconds(32),
        closed_at: arrived + chrono::TimeDelta::seconds(127),
        repaired: false,
    })
    .await
    .expect("recording row");
    ("rec-1".into(), file)
}

/// POST a JSON body with the session's CSRF token in the header (as the console's script
/// would).
async fn post_json(c: &Client, path: &str, body: &serde_json::Value) -> reqwest::Response {
    c.http
        .post(format!("{}{path}", c.base))
        .header("x-csrf-token", c.csrf())
        .json(body)
        .send()
        .await
        .expect("POST json")
}

/// TEL-2, TEL-3: the administrator edits the call flow as data. An invalid document is
/// refused (422) with every problem listed in Vietnamese and nothing stored; a valid one
/// becomes a new, inactive version; activation makes it the one in use (the previous version
/// stays stored); each change is in the audit log.
#[tokio::test]
async fn flows_are_checked_saved_as_versions_and_activated_tel_2_tel_3() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (status, page) = admin.get("/admin/telephony").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Quản trị tổng đài</h1>"));
    assert!(
        page.contains("data-flow=\"demo:1\""),
        "the demo flow is listed"
    );
    assert!(page.contains("/admin/telephony/edit?kind=queue&amp;id=tthc"));
    assert!(page.contains("/admin/telephony/edit?kind=agent&amp;id=1001"));
    assert!(page.contains("/admin/telephony/edit?kind=trunk&amp;id=demo"));
    assert!(page.contains("loi_chao") && page.contains("thong_bao_ghi_am"));
    assert!(
        page.contains("chưa chạy trên máy chủ này"),
        "the page says the engine is not running"
    );
    assert!(page.contains("action=\"/admin/telephony/prompts?_csrf="));
    assert!(page.contains("<option value=\"auto\" selected>"));

    let (status, editor) = admin.get("/admin/telephony/flows/edit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        editor.contains("thong_bao_ghi_am"),
        "a new flow starts from the template"
    );
    let (status, editor) = admin
        .get("/admin/telephony/flows/edit?id=demo&version=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(editor.contains("Phiên bản 1") && editor.contains("menu_chinh"));
    let (status, _) = admin
        .get("/admin/telephony/flows/edit?id=demo&version=9")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An invalid flow: the recording notice skipped, a prompt not uploaded, a queue that does
    // not exist, a key leading nowhere.
    let mut bad = demo_flow_json();
    bad["nodes"]["greet"]["next"] = "main".into();
    bad["nodes"]["greet"]["prompts"] = serde_json::json!(["chua_thu_am"]);
    bad["nodes"]["q_tthc"]["queue"] = "khong_ton_tai".into();
    bad["nodes"]["main"]["digits"]["9"] = "khong_co".into();
    let text = serde_json::to_string_pretty(&bad).unwrap();
    let resp = admin
        .post(
            "/admin/telephony/flows",
            &[
                ("document", text.as_str()),
                ("note", "thử"),
                ("activate", "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("id=\"flow-problems\""));
    assert!(page.contains("Luồng cuộc gọi chưa hợp lệ"));
    for problem in [
        "Nút «greet» phát lời nhắc «chua_thu_am», lời nhắc này chưa có.",
        "Nút «q_tthc» chuyển vào hàng đợi «khong_ton_tai», hàng đợi này không tồn tại.",
        "Nút «main» chuyển tiếp đến «khong_co», nút này không tồn tại.",
        "Không có đường nào dẫn đến nút «notice».",
        "chưa phát thông báo ghi âm (Nghị định 13/2023/NĐ-CP)",
    ] {
        assert!(page.contains(problem), "the page lists: {problem}");
    }
    assert!(page.contains("chua_thu_am"), "what was typed is kept");
    let resp = admin
        .post("/admin/telephony/flows", &[("document", "{\"id\": ")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Tài liệu không đúng định dạng JSON của luồng cuộc gọi")
    );
    assert_eq!(
        versions(&app, "demo").await,
        vec![(1, true)],
        "nothing stored"
    );

    // A valid change: a longer menu timeout. A new version, not active yet.
    let mut good = demo_flow_json();
    good["nodes"]["main"]["timeout_s"] = 8.into();
    let text = serde_json::to_string_pretty(&good).unwrap();
    let resp = admin
        .post(
            "/admin/telephony/flows",
            &[("document", text.as_str()), ("note", "Chờ bấm phím 8 giây")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&resp),
        "/admin/telephony/flows/edit?id=demo&version=2"
    );
    let (status, page) = admin.follow(resp).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã lưu.") && page.contains("Phiên bản 2"));
    assert_eq!(versions(&app, "demo").await, vec![(2, false), (1, true)]);
    let stored = app
        .telephony
        .store
        .flow_document("demo", Some(2))
        .await
        .unwrap()
        .expect("version 2");
    assert_eq!(stored.0.version, 2);
    let saved = app.audit_of("telephony.flow.save").await;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].target, "flow:demo:2");
    assert_eq!(saved[0].actor_name, "admin");
    assert!(saved[0].detail.contains("Chờ bấm phím 8 giây"));

    // Activation from the index page.
    let (_, page) = admin.get("/admin/telephony").await;
    assert!(page.contains("data-flow=\"demo:2\""));
    let resp = admin
        .post(
            "/admin/telephony/flows/activate",
            &[("id", "demo"), ("version", "2")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/telephony");
    assert_eq!(versions(&app, "demo").await, vec![(2, true), (1, false)]);
    let activated = app.audit_of("telephony.flow.activate").await;
    assert_eq!(activated.len(), 1);
    assert_eq!(activated[0].target, "flow:demo:2");
    // The previous version can be activated again (a roll-back).
    let resp = admin
        .post(
            "/admin/telephony/flows/activate",
            &[("id", "demo"), ("version", "1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(versions(&app, "demo").await, vec![(2, false), (1, true)]);
    let resp = admin
        .post(
            "/admin/telephony/flows/activate",
            &[("id", "demo"), ("version", "7")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Saved and activated in one step.
    let resp = admin
        .post(
            "/admin/telephony/flows",
            &[("document", text.as_str()), ("activate", "1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        versions(&app, "demo").await,
        vec![(3, true), (2, false), (1, false)]
    );
}

/// TEL-3: queues (with their tiers), agents (the SIP password never shown) and trunks are
/// edited as JSON documents with the problems in Vietnamese; prompts are uploaded as audio
/// (checked by content); the manual open/closed switch is kept as a setting. Every change is
/// audited.
#[tokio::test]
async fn queues_agents_prompts_and_hours_override_tel_3() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (status, page) = admin.get("/admin/telephony/edit?kind=queue&id=tthc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hướng dẫn thủ tục hành chính"));
    let (status, page) = admin.get("/admin/telephony/edit?kind=agent&id=1001").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("sip_password") && !page.contains(common::PASSWORD));
    let (status, page) = admin.get("/admin/telephony/edit?kind=trunk&id=demo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1800888889"));
    let (status, _) = admin
        .get("/admin/telephony/edit?kind=queue&id=khong-co")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A queue with an agent that does not exist is refused; a valid one is stored.
    let queue = |agent: &str| {
        serde_json::json!({
            "id": "hotro", "name": "Hỗ trợ doanh nghiệp", "strategy": "round-robin",
            "tiers": [{ "agent_id": agent, "level": 1, "position": 0 }]
        })
        .to_string()
    };
    let resp = admin
        .post(
            "/admin/telephony/edit",
            &[("kind", "queue"), ("document", queue("9999").as_str())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Điện thoại viên «9999» không tồn tại.")
    );
    let resp = admin
        .post(
            "/admin/telephony/edit",
            &[("kind", "queue"), ("document", queue("1002").as_str())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let q = app
        .telephony
        .store
        .queue("hotro")
        .await
        .unwrap()
        .expect("queue stored");
    assert_eq!(q.tiers[0].agent_id, "1002");
    assert_eq!(
        app.audit_of("telephony.queue.save").await[0].target,
        "queue:hotro"
    );

    // An agent with a short SIP password is refused.
    let agent = serde_json::json!({
        "id": "1003", "display_name": "Điện thoại viên ca tối", "sip_username": "1003",
        "sip_password": "ngắn", "account_id": null, "wrap_up_s": null
    })
    .to_string();
    let resp = admin
        .post(
            "/admin/telephony/edit",
            &[("kind", "agent"), ("document", agent.as_str())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("ít nhất 12 ký tự"));
    let resp = admin
        .post(
            "/admin/telephony/edit",
            &[("kind", "trunk"), ("document", "không phải JSON")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Tài liệu JSON không hợp lệ")
    );

    // The manual switch: closed, kept as a setting, shown selected, audited.
    admin.get("/admin/telephony").await;
    let resp = admin
        .post("/admin/telephony/hours", &[("value", "closed")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let stored: Option<Option<HoursOverride>> = {
        let mut c = app.store.conn().await.unwrap();
        tongdai_store::settings::get(&mut c, "telephony.hours_override")
            .await
            .unwrap()
    };
    assert_eq!(stored, Some(Some(HoursOverride::ForceClosed)));
    let (_, page) = admin.get("/admin/telephony").await;
    assert!(page.contains("<option value=\"closed\" selected>"));
    assert_eq!(app.audit_of("telephony.hours_override").await.len(), 1);
    let resp = admin
        .post("/admin/telephony/hours", &[("value", "auto")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get("/admin/telephony").await;
    assert!(page.contains("<option value=\"auto\" selected>"));
    let resp = admin
        .post("/admin/telephony/hours", &[("value", "maybe")])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Prompts: audio is converted and listed; anything else is refused by its content.
    let upload = |id: &'static str, bytes: Vec<u8>, name: &'static str| {
        reqwest::multipart::Form::new().text("id", id).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        )
    };
    let resp = admin
        .post_multipart(
            "/admin/telephony/prompts",
            upload("chao_buoi_sang", common::silent_wav(), "chao.wav"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Đã lưu."), "{page}");
    assert!(page.contains("chao_buoi_sang"));
    assert!(app.telephony.prompt_exists("chao_buoi_sang"));
    assert_eq!(
        app.audit_of("telephony.prompt.upload").await[0].target,
        "prompt:chao_buoi_sang"
    );
    let resp = admin
        .post_multipart(
            "/admin/telephony/prompts",
            upload("gia_mao", b"<?php echo 1; ?>".to_vec(), "gia_mao.wav"),
        )
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("không phải âm thanh WAV hoặc MP3"));
    assert!(!app.telephony.prompt_exists("gia_mao"));
    let resp = admin
        .post_multipart(
            "/admin/telephony/prompts",
            upload("Sai Ma", common::silent_wav(), "x.wav"),
        )
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Mã lời nhắc chỉ gồm"));
    // Without the CSRF token the upload is refused before it reaches the handler.
    let resp = admin
        .http
        .post(format!("{}/admin/telephony/prompts", admin.base))
        .multipart(upload("khong_token", common::silent_wav(), "x.wav"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(!app.telephony.prompt_exists("khong_token"));
}

/// TEL-7, SEC-3: recordings are listed, played and downloaded only by permitted roles (the
/// inspector, the administrator), always with a stated reason, and each play or download is
/// in the audit log with that reason; an operator and the leadership are refused; a file
/// altered after the call is detected and not served; a legal hold is audited too.
#[tokio::test]
async fn recordings_only_for_permitted_roles_each_access_audited_tel_7_sec_3() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let (id, file) = recorded_call(&app, dir.path()).await;
    let play = format!("/telephony/recordings/{id}/play");

    // An operator (the agent of the call) and the leadership: refused, and the refusal is
    // audited.
    let province = app.tenant("tinh-an-giang").await;
    for user in ["tongdai1", "lanhdao"] {
        let c = app.login(user).await;
        let (status, _) = c.get("/telephony/recordings").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let resp = c.post(&play, &[("reason", "Muốn nghe lại cuộc gọi")]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{user}");
        let (_, home) = c.get("/").await;
        assert!(
            !home.contains("href=\"/telephony/recordings\""),
            "{user}: no menu entry"
        );
    }
    assert!(app.audit_of("recording.play").await.is_empty());
    assert!(
        app.audit_of("access.denied")
            .await
            .iter()
            .any(|e| e.detail.contains("/telephony/recordings"))
    );

    // The inspector: the list, then a play without a reason (refused), with a reason (served
    // and audited), a download (audited as such).
    app.account("tt.ghiam", Role::Inspector, Some(province), None)
        .await;
    let inspector = app.login("tt.ghiam").await;
    let (status, page) = inspector.get("/telephony/recordings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-recording=\"rec-1\""));
    assert!(page.contains("24 tháng"), "the retention period is stated");
    assert!(
        page.contains("href=\"/telephony/recordings\""),
        "menu entry"
    );
    let resp = inspector.post(&play, &[("reason", "")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = inspector.follow(resp).await;
    assert!(page.contains("Cần nêu lý do"));
    assert!(app.audit_of("recording.play").await.is_empty());

    let reason = "Xác minh đơn khiếu nại số 12/2026";
    let resp = inspector.post(&play, &[("reason", reason)]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "audio/wav");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), common::silent_wav());
    let played = app.audit_of("recording.play").await;
    assert_eq!(played.len(), 1);
    assert_eq!(played[0].target, "recording:rec-1");
    assert_eq!(played[0].actor_name, "tt.ghiam");
    assert!(played[0].detail.contains(reason));

    let resp = inspector
        .post(&play, &[("reason", reason), ("download", "1")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"ghi-am-")
    );
    assert_eq!(app.audit_of("recording.download").await.len(), 1);

    // The administrator may too.
    let admin = app.login("admin").await;
    let (status, _) = admin.get("/telephony/recordings").await;
    assert_eq!(status, StatusCode::OK);
    let resp = admin
        .post(&play, &[("reason", "Kiểm tra chất lượng ghi âm")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.audit_of("recording.play").await.len(), 2);

    // Legal hold: kept past the retention period, with a reason, audited.
    inspector.get("/telephony/recordings").await;
    let resp = inspector
        .post(
            &format!("/telephony/recordings/{id}/hold"),
            &[("hold", "1"), ("reason", "Hồ sơ thanh tra số 3")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let info = app
        .telephony
        .store
        .recording(&id)
        .await
        .unwrap()
        .expect("recording");
    assert!(info.legal_hold);
    assert_eq!(info.legal_hold_reason, "Hồ sơ thanh tra số 3");
    assert_eq!(app.audit_of("recording.legal_hold").await.len(), 1);
    let (_, page) = inspector.get("/telephony/recordings").await;
    assert!(page.contains("Đang lưu giữ"));

    // A file changed after the call: not served, and the attempt is audited.
    std::fs::write(&file, b"RIFF altered").unwrap();
    let resp = inspector.post(&play, &[("reason", reason)]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(app.audit_of("recording.integrity_failed").await.len(), 1);
    assert_eq!(app.audit_of("recording.play").await.len(), 2);

    // An unknown recording.
    let resp = inspector
        .post("/telephony/recordings/khong-co/play", &[("reason", reason)])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// TEL-8: the call records page lists a record the engine stored (caller, number dialled,
/// keys pressed, queue, agent, wait and talk time, outcome), filtered by day in Vietnam time;
/// the API returns the same record as JSON; operators have no access to the records.
#[tokio::test]
async fn call_records_page_and_api_list_a_stored_cdr_tel_8() {
    let app = TestApp::spawn().await;
    let arrived = at("2026-03-02T09:15:00+07:00");
    let call_id = "0195a0c0-0000-7000-8000-0000000000c1";
    app.telephony
        .store
        .put_call(&call_record(call_id, "+84912345678", arrived))
        .await
        .unwrap();
    let mut private = call_record(
        "0195a0c0-0000-7000-8000-0000000000c2",
        "+84987654321",
        at("2026-03-01T20:00:00+07:00"),
    );
    private.caller_private = true;
    private.disposition = Some(Disposition::OutOfHours);
    private.agent_id = None;
    private.queue_id = None;
    private.talk_s = None;
    app.telephony.store.put_call(&private).await.unwrap();

    let leadership = app.login("lanhdao").await;
    let (status, page) = leadership.get("/telephony/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Nhật ký cuộc gọi</h1>"));
    assert!(page.contains("href=\"/telephony/calls\""), "menu entry");
    let row = common::element(&page, "calls");
    let i = row
        .find(&format!("data-call=\"{call_id}\""))
        .expect("the call is listed");
    let line = &row[i..i + row[i..].find("</tr>").unwrap()];
    for text in [
        "+84912345678",
        "1800888880",
        "tthc",
        "1001",
        "0:12",
        "1:35",
        "Đã trả lời",
    ] {
        assert!(line.contains(text), "the row shows {text}: {line}");
    }
    assert!(page.contains("+84987654321 (ẩn số)"));
    assert!(page.contains("Ngoài giờ làm việc"));

    // By day (Vietnam time).
    let (_, page) = leadership.get("/telephony/calls?day=2026-03-02").await;
    assert!(page.contains(call_id) && !page.contains("+84987654321"));
    let (_, page) = leadership.get("/telephony/calls?day=2026-03-03").await;
    assert!(!page.contains(call_id) && page.contains("Chưa có cuộc gọi nào."));

    // The API: the same record, filtered by instant.
    let (status, body) = leadership
        .get("/api/v1/telephony/calls?since=2026-03-02T00:00:00%2B07:00")
        .await;
    assert_eq!(status, StatusCode::OK);
    let list: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["call_id"], call_id);
    assert_eq!(list[0]["disposition"], "answered");
    assert_eq!(list[0]["talk_s"], 95);
    let (status, body) = leadership
        .get("/api/v1/telephony/calls?since=hôm-qua")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("RFC 3339"));

    // Operators answer calls; they do not read the records.
    let op = app.login("tongdai1").await;
    assert_eq!(op.get("/telephony/calls").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        op.get("/api/v1/telephony/calls").await.0,
        StatusCode::FORBIDDEN
    );
}

/// The console's events (SSE) and commands (REST) are in the OpenAPI document; an operator
/// commands only their own agent (another agent is refused), the hours switch is the
/// administrator's; without a running engine the stream says so and commands answer 503.
#[tokio::test]
async fn console_events_and_commands_scoped_and_documented_tel_8() {
    let app = TestApp::spawn().await;
    let (status, body) = app.client().get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let paths = &doc["paths"];
    assert_eq!(
        paths["/api/v1/telephony/events"]["get"]["x-permission"],
        "ConsoleUse"
    );
    assert_eq!(
        paths["/api/v1/telephony/commands"]["post"]["x-permission"],
        "ConsoleUse"
    );
    assert_eq!(
        paths["/api/v1/telephony/calls"]["get"]["x-permission"],
        "CallRecordsRead"
    );
    assert!(
        paths["/api/v1/telephony/events"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "since")
    );
    // The commands and events themselves, with the console's answer and mute (TEL-9).
    assert_eq!(
        paths["/api/v1/telephony/commands"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/TelephonyCommandRequest"
    );
    let schemas = &doc["components"]["schemas"];
    let types = |name: &str| -> Vec<String> {
        schemas[name]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v["properties"]["type"]["const"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let commands = types("TelephonyCommand");
    for c in [
        "call.answer",
        "call.mute",
        "call.unmute",
        "call.hold",
        "agent.pause",
    ] {
        assert!(commands.iter().any(|t| t == c), "{c} documented");
    }
    assert!(types("TelephonyEvent").iter().any(|t| t == "call.muted"));
    assert!(
        schemas["CaseIntake"].is_object(),
        "the case schemas are still there"
    );

    let op = app.login("tongdai1").await;
    let resp = op.get_raw("/api/v1/telephony/events").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = resp.text().await.unwrap();
    assert!(body.contains("event: unavailable"), "{body}");

    let command = |agent: &str| {
        serde_json::json!({
            "idempotency_key": format!("pause-{agent}"),
            "command": { "type": "agent.pause", "agent_id": agent, "reason": "Nghỉ giải lao" }
        })
    };
    // Another operator's agent: refused whatever the engine's state.
    let resp = post_json(&op, "/api/v1/telephony/commands", &command("1002")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The hours switch: the administrator's.
    let hours = serde_json::json!({
        "idempotency_key": "hours-1",
        "command": { "type": "hours.override", "value": null }
    });
    let resp = post_json(&op, "/api/v1/telephony/commands", &hours).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Their own agent: allowed, but no engine runs here.
    let resp = post_json(&op, "/api/v1/telephony/commands", &command("1001")).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "telephony_off");
    // No key: refused.
    let resp = post_json(
        &op,
        "/api/v1/telephony/commands",
        &serde_json::json!({
            "idempotency_key": " ",
            "command": { "type": "agent.login", "agent_id": "1001" }
        }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without the CSRF header a cookie-authenticated command is refused.
    let resp = op
        .http
        .post(format!("{}/api/v1/telephony/commands", op.base))
        .json(&command("1001"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Inspectors do not use the console.
    let province = app.tenant("tinh-an-giang").await;
    app.account("tt.console", Role::Inspector, Some(province), None)
        .await;
    let inspector = app.login("tt.console").await;
    assert_eq!(
        inspector.get_raw("/api/v1/telephony/events").await.status(),
        StatusCode::FORBIDDEN
    );
}
