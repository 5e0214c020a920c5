//! CASE-1 … CASE-14 through the pages: every state transition issued from the case page's
//! forms by the role that may issue it, refused for the roles that may not, stale views
//! refused, personal data hidden where the law says, views and downloads audited.

mod case_helpers;
mod common;

use case_helpers::*;
use common::{TestApp, location};
use reqwest::StatusCode;
use tongdai_domain::case::{CaseKind, CaseState};

/// CASE-1, CASE-2, CASE-4, CASE-5, CASE-7, CASE-8, CASE-10, CASE-12: a complex *phản ánh*
/// from intake to publication, each step by its role, each other role refused.
#[tokio::test]
async fn a_case_goes_through_every_step_by_its_roles_case_12() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let a1 = a1(&app).await;
    let land = field(&app, "dat-dai").await;
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let officer = app.login(OFFICER).await;
    let leader = app.login(LEADER).await;
    let other = app.login(OTHER_OFFICER).await;

    // A routing rule: land cases go to A1 (CASE-4).
    coordinator.get("/cases/routing").await;
    let resp = coordinator
        .post(
            "/cases/routing",
            &[
                ("tenant_id", &province(&app).await.to_string()),
                ("field_id", &land.to_string()),
                ("kind", ""),
                ("admin_unit_id", ""),
                ("agency_id", &a1.to_string()),
                ("priority", "5"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // Intake with an attachment; the phone is stored in +84 form; the code is shown.
    let (_, form) = operator.get("/cases/new").await;
    assert!(form.contains("hx-get=\"/cases/new/duplicates\""));
    let mut fields = contact(
        "phan_anh",
        "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất của tôi đã quá hạn hai tháng.",
    );
    fields.push(("field_id", land.to_string()));
    let resp = post_intake(&operator, &fields, &[("giay-hen.pdf", pdf_bytes())]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = id_of(&location(&resp));
    let (_, page) = operator.follow(resp).await;
    let c = case(&app, id).await;
    assert!(
        page.contains(&format!("Đã tiếp nhận hồ sơ {}.", c.code)),
        "{page}"
    );
    assert_eq!(c.caller.phone.canonical(), "+84912345678");
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.attachment_count, 1);
    assert_eq!(c.received_by, Some(app.account_named(OPERATOR).await.id));

    // The operator may answer on the spot but not forward; officers see nothing yet.
    let (_, page) = operator.get(&format!("/cases/{id}")).await;
    assert!(page.contains("id=\"cmd-answer_on_spot\""));
    assert!(!page.contains("id=\"cmd-forward\""));
    assert_eq!(
        command(
            &operator,
            id,
            "forward",
            &[("lead_agency_id", &a1.to_string())]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        officer.get(&format!("/cases/{id}")).await.0,
        StatusCode::FORBIDDEN
    );

    // The coordinator classifies: a *phản ánh* needs its NĐ 20 class (Vietnamese message).
    let resp = command(
        &coordinator,
        id,
        "classify",
        &[("kind", "phan_anh"), ("class", ""), ("complex", "1")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Cần chọn nội dung phản ánh theo Điều 5 Nghị định 20/2008/NĐ-CP.")
    );
    ok(
        &coordinator,
        id,
        "classify",
        &[
            ("kind", "phan_anh"),
            ("class", "khong_phu_hop_thuc_te"),
            ("field_id", &land.to_string()),
            ("complex", "1"),
            ("pressing", "1"),
        ],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Classifying);
    // The forward form proposes the agency the rule suggests, selected.
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    assert!(page.contains("id=\"suggested-agency\">Văn phòng HĐND và UBND xã An Châu</strong>"));
    assert!(page.contains(&format!("<option value=\"{a1}\" selected>")));
    ok(
        &coordinator,
        id,
        "forward",
        &[
            ("lead_agency_id", &a1.to_string()),
            ("note", "Đề nghị xử lý"),
        ],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Assigned);
    assert!(
        notified(&app, OFFICER)
            .await
            .contains(&"forwarded".to_owned())
    );

    // Another agency's officer still reads nothing of it (SEC-2); the refusal is audited.
    let before = app.audit_of("access.denied").await.len();
    assert_eq!(
        other.get(&format!("/cases/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_of("access.denied").await.len(), before + 1);

    // The officer: acknowledge, ask for more time; the coordinator decides.
    ok(&officer, id, "acknowledge", &[]).await;
    assert_eq!(state(&app, id).await, CaseState::Acknowledged);
    ok(
        &officer,
        id,
        "request_extension",
        &[("hours", "8"), ("reason", "Cần xác minh thực địa")],
    )
    .await;
    let due_before = case(&app, id).await.clocks.focal.unwrap().due_at;
    ok(
        &coordinator,
        id,
        "decide_extension",
        &[("decision", "approve")],
    )
    .await;
    let due_after = case(&app, id).await.clocks.focal.unwrap().due_at;
    assert!(due_after > due_before, "the extension moved the deadline");

    // Pause for the citizen, resume.
    ok(
        &officer,
        id,
        "pause",
        &[("reason", "Chờ người dân bổ sung giấy hẹn")],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Paused);
    ok(&officer, id, "resume", &[]).await;
    assert_eq!(state(&app, id).await, CaseState::Acknowledged);

    // A complex case's answer waits for the Committee (CASE-7): changes asked, then approved.
    ok(
        &officer,
        id,
        "answer",
        &[(
            "text",
            "Hồ sơ của bà đã được giải quyết, mời bà nhận kết quả.",
        )],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::AwaitingApproval);
    assert_eq!(
        command(&officer, id, "approve", &[]).await.status(),
        StatusCode::FORBIDDEN,
        "only the leadership approves"
    );
    ok(
        &leader,
        id,
        "request_changes",
        &[("comment", "Bổ sung căn cứ pháp lý")],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Acknowledged);
    ok(
        &officer,
        id,
        "answer",
        &[(
            "text",
            "Theo Luật Đất đai 2024, hồ sơ của bà đã được giải quyết; mời bà nhận kết quả tại bộ phận một cửa.",
        )],
    )
    .await;
    ok(&leader, id, "approve", &[("comment", "Đồng ý")]).await;
    let c = case(&app, id).await;
    assert_eq!(c.state, CaseState::Answered);
    assert!(c.answered_at.is_some());

    // The reply letter (CASE-8), in the NĐ 30/2020 layout, from the lead agency.
    let resp = officer.get_raw(&format!("/cases/{id}/reply.pdf")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let text = pdf_text(&resp.bytes().await.unwrap());
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "VĂN PHÒNG HĐND VÀ UBND",
        "UBND XÃ AN CHÂU",
        "Kính gửi: Ông/Bà Nguyễn Thị Hồng Nhung",
        &c.code.to_string(),
        "Luật Đất đai 2024",
    ] {
        assert!(
            text.contains(expected),
            "«{expected}» in the letter:\n{text}"
        );
    }

    // Publication (CASE-10): the proposal is redacted; the coordinator publishes it.
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    assert!(page.contains("id=\"cmd-publish\""));
    let proposal = {
        let i = page.find("id=\"pb-text\"").unwrap();
        let rest = &page[i..];
        let start = rest.find('>').unwrap() + 1;
        let end = rest.find("</textarea>").unwrap();
        rest[start..end]
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
    };
    assert!(
        proposal.contains("Trả lời: Theo Luật Đất đai 2024"),
        "{proposal}"
    );
    assert!(
        !proposal.contains("Nhung"),
        "the caller's name is masked: {proposal}"
    );
    // Personal data left in the text is refused.
    let resp = command(
        &coordinator,
        id,
        "publish",
        &[(
            "public_text",
            "Bà Nguyễn Thị Hồng Nhung, số 0912 345 678, hỏi về đất đai.",
        )],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("dữ liệu cá nhân"));
    ok(&coordinator, id, "publish", &[("public_text", &proposal)]).await;
    assert_eq!(state(&app, id).await, CaseState::Published);
    let (_, public) = app.client().get("/hoi-dap?q=luat+dat+dai").await;
    assert!(
        public.contains(&c.code.to_string()),
        "searched without diacritics"
    );

    // The history shows every step (CASE-12).
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    let timeline = common::element(&page, "timeline");
    for label in [
        "Tiếp nhận",
        "Phân loại",
        "Chuyển cơ quan xử lý",
        "Đầu mối nhận xử lý",
        "Xin gia hạn",
        "Quyết định gia hạn",
        "Tạm dừng chờ bổ sung",
        "Tiếp tục xử lý",
        "Trình xin ý kiến UBND",
        "UBND yêu cầu chỉnh sửa",
        "UBND cho ý kiến đồng ý",
        "Công khai",
    ] {
        assert!(timeline.contains(label), "{label} in the timeline");
    }
    // Viewing personal data and downloading the letter are audited (SEC-3).
    assert!(!app.audit_of("case.view").await.is_empty());
    assert_eq!(app.audit_of("case.reply_letter").await.len(), 1);
}

/// CASE-6: the officer misses the deadline; the job escalates the case to the head, who answers;
/// the coordinator closes it; the citizen's window then lets the coordinator reopen it.
#[tokio::test]
async fn a_missed_deadline_escalates_to_the_head_case_6() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let a1 = a1(&app).await;
    let operator = app.login(OPERATOR).await;
    let id = intake(
        &operator,
        "hoi_dap_tthc",
        "Xin hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì?",
    )
    .await;
    let coordinator = app.login(COORDINATOR).await;
    ok(
        &coordinator,
        id,
        "forward",
        &[("lead_agency_id", &a1.to_string())],
    )
    .await;
    let due = case(&app, id).await.clocks.focal.unwrap().due_at;
    // Forwarded Monday 08:00: 8 working hours → Tuesday 09:00.
    assert_eq!(due, at("2026-12-01T09:00:00+07:00"));
    app.clock.set(due - chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(state(&app, id).await, CaseState::Assigned);
    app.clock.set(due + chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(state(&app, id).await, CaseState::Escalated);
    assert!(notified(&app, HEAD).await.contains(&"escalated".to_owned()));
    // The officer no longer answers; the head does.
    let officer = app.login(OFFICER).await;
    let (_, page) = officer.get(&format!("/cases/{id}")).await;
    assert!(!page.contains("id=\"cmd-answer\""));
    assert!(page.contains("id=\"urgency\""));
    let head = app.login(HEAD).await;
    ok(
        &head,
        id,
        "answer",
        &[("text", "Hồ sơ gồm tờ khai và giấy chứng sinh.")],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Answered);
    let coordinator = app.login(COORDINATOR).await;
    ok(
        &coordinator,
        id,
        "reopen",
        &[("reason", "Người dân gọi lại, chưa rõ")],
    )
    .await;
    assert_eq!(state(&app, id).await, CaseState::Reopened);
    ok(&head, id, "answer", &[("text", "Bổ sung: mang theo CCCD.")]).await;
    ok(&coordinator, id, "close", &[]).await;
    assert_eq!(state(&app, id).await, CaseState::Closed);
}

/// CASE-3, CASE-2, CASE-14, NĐ 20/2008 Art. 9: the outcomes that end a case at intake —
/// answered on the call, redirected with the standard guidance, not accepted, forwarded out,
/// merged — and a misrouted case returned to the coordinator.
#[tokio::test]
async fn cases_end_at_intake_in_every_way_case_3() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let a1 = a1(&app).await;
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;

    let on_call = intake(
        &operator,
        "hoi_dap_tthc",
        "Giờ làm việc của bộ phận một cửa?",
    )
    .await;
    ok(
        &operator,
        on_call,
        "answer_on_spot",
        &[("answer", "Từ 7 giờ đến 11 giờ và 13 giờ đến 16 giờ.")],
    )
    .await;
    assert_eq!(state(&app, on_call).await, CaseState::AnsweredOnCall);

    // A complaint: redirected with the standard guidance, edited by the operator.
    let complaint = intake(
        &operator,
        "khieu_nai",
        "Tôi khiếu nại quyết định xử phạt của xã đối với gia đình tôi.",
    )
    .await;
    let (_, page) = operator.get(&format!("/cases/{complaint}")).await;
    assert!(
        page.contains("Luật Khiếu nại số 02/2011/QH13"),
        "standard guidance shown"
    );
    assert!(!page.contains("id=\"cmd-answer_on_spot\""));
    ok(
        &operator,
        complaint,
        "redirect",
        &[(
            "guidance",
            "Đề nghị ông/bà gửi đơn khiếu nại đến Chủ tịch UBND xã.",
        )],
    )
    .await;
    let c = case(&app, complaint).await;
    assert_eq!(c.state, CaseState::Redirected);
    assert!(matches!(
        c.resolution,
        Some(tongdai_domain::case::state::Resolution::Redirected { ref guidance }) if guidance.contains("Chủ tịch UBND xã")
    ));

    let unclear = intake(
        &operator,
        "phan_anh",
        "Nội dung không rõ ràng, gọi nhầm số.",
    )
    .await;
    ok(
        &coordinator,
        unclear,
        "not_accept",
        &[("reason", "Nội dung không rõ ràng")],
    )
    .await;
    assert_eq!(state(&app, unclear).await, CaseState::NotAccepted);

    let police = intake(
        &operator,
        "hoi_dap_tthc",
        "Hỏi về thủ tục cấp hộ chiếu phổ thông.",
    )
    .await;
    ok(
        &coordinator,
        police,
        "forward_out",
        &[
            ("body", "Công an tỉnh An Giang"),
            ("reason", "Thuộc thẩm quyền Công an tỉnh"),
        ],
    )
    .await;
    assert_eq!(state(&app, police).await, CaseState::ForwardedOut);

    // Two calls about the same pothole: the second is merged into the first (CASE-14).
    let first = intake(
        &operator,
        "phan_anh",
        "Đường ấp An Hòa có ổ gà lớn trước trường tiểu học, rất nguy hiểm.",
    )
    .await;
    let second = intake(
        &operator,
        "phan_anh",
        "Ổ gà lớn trên đường ấp An Hòa trước trường tiểu học gây nguy hiểm.",
    )
    .await;
    let (_, dup) = operator
        .get("/cases/new/duplicates?phone=0912345678&content=%E1%BB%95+g%C3%A0+%C4%91%C6%B0%E1%BB%9Dng+%E1%BA%A5p+An+H%C3%B2a")
        .await;
    assert!(
        dup.contains(&case(&app, first).await.code.to_string()),
        "{dup}"
    );
    let first_code = case(&app, first).await.code.to_string();
    let resp = command(&coordinator, second, "merge", &[("into", "PA-2026-999999")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    ok(&coordinator, second, "merge", &[("into", &first_code)]).await;
    assert_eq!(state(&app, second).await, CaseState::Merged);

    // Misrouted: the agency returns it; the coordinator forwards it again.
    ok(
        &coordinator,
        first,
        "classify",
        &[("kind", "phan_anh"), ("class", "khac")],
    )
    .await;
    ok(
        &coordinator,
        first,
        "forward",
        &[("lead_agency_id", &a1.to_string())],
    )
    .await;
    let officer = app.login(OFFICER).await;
    ok(
        &officer,
        first,
        "return_misrouted",
        &[("reason", "Đường thuộc quản lý của huyện cũ, nay là tỉnh")],
    )
    .await;
    assert_eq!(state(&app, first).await, CaseState::Classifying);
    assert!(
        notified(&app, COORDINATOR)
            .await
            .contains(&"returned".to_owned())
    );
    ok(
        &coordinator,
        first,
        "forward",
        &[("lead_agency_id", &a1.to_string())],
    )
    .await;
    assert_eq!(state(&app, first).await, CaseState::Assigned);
}

/// A stale page is refused (409) and shows the fresh case; field corrections are recorded
/// with their old and new values (CASE-12).
#[tokio::test]
async fn a_stale_view_is_refused_and_corrections_are_recorded_case_12() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let id = intake(
        &operator,
        "phan_anh",
        "Đèn đường ấp An Hòa bị hỏng nhiều ngày.",
    )
    .await;
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    let stale = page_version(&page);
    ok(
        &operator,
        id,
        "add_note",
        &[("text", "Người dân gọi lại lần hai.")],
    )
    .await;
    let resp = coordinator
        .post(
            &format!("/cases/{id}/commands"),
            &[
                ("command", "classify"),
                ("version", &stale),
                ("kind", "phan_anh"),
                ("class", "khac"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body = resp.text().await.unwrap();
    assert!(body.contains("Hồ sơ vừa được người khác cập nhật"));
    assert_eq!(
        state(&app, id).await,
        CaseState::Received,
        "nothing changed"
    );
    assert!(
        body.contains("Người dân gọi lại lần hai."),
        "the fresh case is shown"
    );

    ok(
        &coordinator,
        id,
        "update_fields",
        &[
            ("caller_name", "Nguyễn Thị Hồng Nhung"),
            ("phone", "0987 654 321"),
            ("address", "Số 12 ấp An Hòa, xã An Châu, tỉnh An Giang"),
            ("content", "Đèn đường ấp An Hòa bị hỏng nhiều ngày."),
        ],
    )
    .await;
    let c = case(&app, id).await;
    assert_eq!(c.caller.phone.canonical(), "+84987654321");
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Số điện thoại: «+84912345678» → «+84987654321»"));
    // A bad phone is refused with the domain's Vietnamese message, nothing saved.
    let resp = command(&coordinator, id, "update_fields", &[("phone", "12")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        case(&app, id).await.caller.phone.canonical(),
        "+84987654321"
    );
}

/// SEC-4, CASE-2: a *tố cáo* never shows its sender to anyone but the coordinator — not on the
/// case page, the lists, the duplicates, nor a search by the sender's name.
#[tokio::test]
async fn a_denunciation_hides_its_sender_sec_4() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let leader = app.login(LEADER).await;
    let id = intake(
        &operator,
        "to_cao",
        "Tôi tố cáo cán bộ địa chính xã nhận tiền của người dân khi làm hồ sơ.",
    )
    .await;
    let c = case(&app, id).await;
    assert!(c.confidential && c.kind == CaseKind::ToCao);
    for (who, client) in [("operator", &operator), ("leadership", &leader)] {
        let (status, page) = client.get(&format!("/cases/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!page.contains("Hồng Nhung"), "{who} sees no name");
        assert!(!page.contains("0912 345 678"), "{who} sees no phone");
        assert!(page.contains("id=\"caller-hidden\""));
        let (_, list) = client.get("/cases").await;
        assert!(list.contains(&c.code.to_string()) && !list.contains("Hồng Nhung"));
        let (_, search) = client.get("/cases?q=hong+nhung").await;
        assert!(
            !search.contains(&c.code.to_string()),
            "{who}: no hit by the name"
        );
    }
    let (_, page) = coordinator.get(&format!("/cases/{id}")).await;
    assert!(page.contains("id=\"caller-name\">Nguyễn Thị Hồng Nhung"));
    let (_, list) = coordinator.get("/cases").await;
    assert!(
        !list.contains("Hồng Nhung"),
        "never in lists, even the coordinator's"
    );
    // Attachments of a confidential case: the coordinator only.
    let resp = operator.get_raw(&format!("/cases/{id}/reply.pdf")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

/// CASE-1, SEC-5: uploads are checked by their content and size, not their name; a refused
/// upload saves nothing.
#[tokio::test]
async fn uploads_are_checked_by_content_and_size_case_1() {
    let app = TestApp::spawn_with_cases(tongdai_cases::CaseSettings {
        max_attachment_bytes: 64 * 1024,
        ..Default::default()
    })
    .await;
    set_monday(&app);
    let operator = app.login(OPERATOR).await;
    operator.get("/cases/new").await;
    let fields = contact("phan_anh", "Nội dung phản ánh có tệp đính kèm kiểm tra.");
    // An executable named .pdf.
    let resp = post_intake(
        &operator,
        &fields,
        &[("don.pdf", b"MZ\x90\x00\x03rest".to_vec())],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("nội dung tệp đã được kiểm tra"),
        "{}",
        error_text(&body)
    );
    // Too large.
    let mut big = pdf_bytes();
    big.resize(200 * 1024, b' ');
    let resp = post_intake(&operator, &fields, &[("lon.pdf", big)]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Tệp quá lớn"));
    // A PNG named .pdf: the type is right but the name lies.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let resp = post_intake(&operator, &fields, &[("anh.pdf", png.clone())]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("không khớp với nội dung tệp")
    );
    let mut c = app.store.conn().await.unwrap();
    let none = tongdai_store::cases::list(
        &mut c,
        &tongdai_store::cases::Filter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty(), "nothing half-saved");
    drop(c);
    // Every field wrong at once: every message, in Vietnamese, next to its field.
    let resp = post_intake(
        &operator,
        &[
            ("caller_name", "ẩn danh".into()),
            ("phone", "123".into()),
            ("address", "".into()),
            ("channel", "phone".into()),
            ("kind", "phan_anh".into()),
            ("content", "ngắn".into()),
            ("notice_version", "2026.1".into()),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = resp.text().await.unwrap();
    for m in [
        "không tiếp nhận phản ánh, kiến nghị nặc danh",
        "Địa chỉ",
        "Nội dung",
    ] {
        assert!(error_text(&body).contains(m), "{m}: {}", error_text(&body));
    }
    // A good one, then an attachment added from the case page and downloaded (audited).
    let id = intake(
        &operator,
        "phan_anh",
        "Nội dung phản ánh có tệp đính kèm kiểm tra.",
    )
    .await;
    let (_, page) = operator.get(&format!("/cases/{id}")).await;
    let version = page_version(&page);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png).file_name("anh-chup.png"),
    );
    let resp = operator
        .post_multipart(&format!("/cases/{id}/attachments?version={version}"), form)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let att = {
        let mut c = app.store.conn().await.unwrap();
        tongdai_store::cases::attachments(&mut c, id).await.unwrap()
    };
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].content_type, "image/png");
    let resp = operator
        .get_raw(&format!("/cases/{id}/attachments/{}", att[0].id))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.unwrap().starts_with(b"\x89PNG"));
    assert_eq!(app.audit_of("case.attachment.download").await.len(), 1);
    // Another agency's officer cannot fetch it.
    let other = app.login(OTHER_OFFICER).await;
    assert_eq!(
        other
            .get_raw(&format!("/cases/{id}/attachments/{}", att[0].id))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// How many cases are stored (a refused intake-and-command leaves none behind).
async fn case_count(app: &TestApp) -> i64 {
    let mut c = app.store.conn().await.unwrap();
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cases")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

/// The kinds of a case's history events, oldest first.
async fn history_kinds(app: &TestApp, id: i64) -> Vec<String> {
    let mut c = app.store.conn().await.unwrap();
    tongdai_store::cases::history(&mut c, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// CASE-3: answer or forward in one place. One POST of the intake form records the case and
/// answers it on the spot, or records it and forwards it (a coordinator) or passes it to the
/// coordinators with the proposed agency (an operator, who may not forward); an empty answer,
/// a missing agency or a refused command saves nothing and keeps everything typed. The
/// knowledge-base panel's results carry their answer text; the routing suggestion selects the
/// agency.
#[tokio::test]
async fn intake_answers_or_forwards_in_one_post_case_3() {
    let app = TestApp::spawn().await;
    set_monday(&app);
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as std::sync::Arc<dyn tongdai_domain::time::Clock>,
    ))
    .await
    .expect("demo knowledge base");
    let a1 = a1(&app).await;
    let land = field(&app, "dat-dai").await;
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let officer_notifications = notified(&app, OFFICER).await.len();

    // The form: the knowledge base beside it, three buttons with their shortcuts.
    let (status, form) = operator.get("/cases/new").await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "id=\"intake-kb\"",
        "hx-get=\"/kb/search\"",
        "id=\"answer\" name=\"answer\"",
        "id=\"forward_agency_id\"",
        "value=\"save\" title=\"Alt+S\"",
        "title=\"Alt+R\">Trả lời ngay</button>",
        "title=\"Alt+F\">Chuyển cơ quan</button>",
        "Alt+R trả lời ngay",
    ] {
        assert!(form.contains(needle), "{needle} in the form");
    }
    // Search results for the form carry "use this answer" with the answer text; the console's
    // (no `answers`) do not.
    let (_, hits) = operator
        .get("/kb/search?q=khai+sinh+60+ng%C3%A0y&answers=1&limit=8")
        .await;
    assert!(hits.contains("Dùng câu trả lời này"), "{hits}");
    assert!(
        hits.contains("data-answer=\"Trong thời hạn 60 ngày kể từ ngày sinh con"),
        "the FAQ's answer: {hits}"
    );
    assert!(
        hits.contains(
            "data-answer=\"“Thủ tục đăng ký khai sinh” (mã 1.001193).\nCơ quan thực hiện: "
        ),
        "a procedure told in a few lines: {hits}"
    );
    let (_, plain) = operator.get("/kb/search?q=khai+sinh").await;
    assert!(!plain.contains("Dùng câu trả lời này"));

    // An empty answer: a Vietnamese error next to it, nothing saved, everything kept.
    let before = case_count(&app).await;
    let mut fields = contact(
        "hoi_dap_tthc",
        "Sinh con bao lâu thì phải đi làm giấy khai sinh?",
    );
    fields.push(("action", "answer".into()));
    fields.push(("answer", "   ".into()));
    let resp = post_intake(&operator, &fields, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(
        error_text(&page).contains("Chưa có nội dung trả lời"),
        "{}",
        error_text(&page)
    );
    assert!(page.contains("Sinh con bao lâu thì phải đi làm giấy khai sinh?</textarea>"));
    assert!(page.contains("value=\"Nguyễn Thị Hồng Nhung\""));
    assert_eq!(case_count(&app).await, before);

    // Answered on the spot in one POST.
    let answer =
        "Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ đăng ký khai sinh cho con.";
    fields.retain(|(k, _)| *k != "answer");
    fields.push(("answer", answer.into()));
    let resp = post_intake(&operator, &fields, &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = id_of(&location(&resp));
    let (_, page) = operator.follow(resp).await;
    let c = case(&app, id).await;
    assert!(
        page.contains(&format!(
            "Đã tiếp nhận hồ sơ {} và trả lời trực tiếp trong cuộc gọi.",
            c.code
        )),
        "{}",
        error_text(&page)
    );
    assert_eq!(c.state, CaseState::AnsweredOnCall);
    assert_eq!(c.answer.as_ref().map(|a| a.text.as_str()), Some(answer));
    assert_eq!(
        history_kinds(&app, id).await,
        ["received", "answered_on_call"]
    );
    assert_eq!(case_count(&app).await, before + 1);

    // A complaint is neither answered nor forwarded here: it must be redirected.
    let mut complaint = contact("khieu_nai", "Tôi khiếu nại quyết định xử phạt của xã.");
    complaint.push(("action", "answer".into()));
    complaint.push(("answer", "Ông/bà gửi đơn đến Chủ tịch UBND xã.".into()));
    let resp = post_intake(&operator, &complaint, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_text(&resp.text().await.unwrap()).contains("phải được hướng dẫn chuyển kênh khác")
    );

    // "Forward" without an agency: asked for, nothing saved.
    let mut fwd = contact(
        "hoi_dap_tthc",
        "Hỏi thủ tục chứng thực bản sao giấy tờ tại xã An Châu.",
    );
    fwd.push(("action", "forward".into()));
    let resp = post_intake(&operator, &fwd, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&resp.text().await.unwrap()).contains("Chọn cơ quan chủ trì"));
    assert_eq!(case_count(&app).await, before + 1);

    // An operator may not forward: the case goes to the coordinators with the proposed agency.
    fwd.push(("forward_agency_id", a1.to_string()));
    let resp = post_intake(&operator, &fwd, &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let proposed = id_of(&location(&resp));
    let (_, page) = operator.follow(resp).await;
    let c = case(&app, proposed).await;
    assert!(
        page.contains(&format!(
            "Đã tiếp nhận hồ sơ {} và gửi điều phối viên đề nghị chuyển đến Văn phòng HĐND và UBND xã An Châu.",
            c.code
        )),
        "{}",
        error_text(&page)
    );
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(c.lead_agency_id, None);
    assert_eq!(
        history_kinds(&app, proposed).await,
        ["received", "note_added"]
    );
    let (_, page) = coordinator.get(&format!("/cases/{proposed}")).await;
    assert!(page.contains("Đề nghị điều phối viên chuyển hồ sơ đến cơ quan chủ trì: Văn phòng HĐND và UBND xã An Châu."));

    // A coordinator forwards at once, in one POST; the agency's officers are told.
    coordinator.get("/cases/new").await;
    let resp = post_intake(&coordinator, &fwd, &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let forwarded = id_of(&location(&resp));
    let (_, page) = coordinator.follow(resp).await;
    let c = case(&app, forwarded).await;
    assert!(
        page.contains(&format!(
            "Đã tiếp nhận hồ sơ {} và chuyển đến Văn phòng HĐND và UBND xã An Châu.",
            c.code
        )),
        "{}",
        error_text(&page)
    );
    assert_eq!(c.state, CaseState::Assigned);
    assert_eq!(c.lead_agency_id, Some(a1));
    assert_eq!(
        history_kinds(&app, forwarded).await,
        ["received", "forwarded"]
    );
    assert!(notified(&app, OFFICER).await.len() > officer_notifications);

    // A *phản ánh* must be classified before it is forwarded: refused, nothing saved, the
    // form comes back with the reason and what was typed (the agency still chosen).
    let count = case_count(&app).await;
    let mut feedback = contact(
        "phan_anh",
        "Đèn đường ấp An Hòa hỏng nhiều tuần chưa được sửa.",
    );
    feedback.push(("action", "forward".into()));
    feedback.push(("forward_agency_id", a1.to_string()));
    let resp = post_intake(&coordinator, &feedback, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let errors = error_text(&page);
    assert!(
        errors.contains("Hồ sơ chưa được lưu vì không chuyển cơ quan được")
            && errors.contains("chưa được phân loại"),
        "{errors}"
    );
    assert!(page.contains("Đèn đường ấp An Hòa hỏng nhiều tuần chưa được sửa.</textarea>"));
    assert!(page.contains(&format!("<option value=\"{a1}\" selected>")));
    assert_eq!(case_count(&app).await, count);

    // The routing suggestion names its agency for the form's select, and a form shown again
    // has the suggested agency selected when none was chosen.
    let resp = coordinator
        .post(
            "/cases/routing",
            &[
                ("tenant_id", &province(&app).await.to_string()),
                ("field_id", &land.to_string()),
                ("kind", ""),
                ("admin_unit_id", ""),
                ("agency_id", &a1.to_string()),
                ("priority", "5"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, hint) = operator
        .get(&format!("/cases/new/routing?kind=phan_anh&field_id={land}"))
        .await;
    assert!(hint.contains(&format!("data-agency-id=\"{a1}\"")), "{hint}");
    operator.get("/cases/new").await;
    let mut land_case = contact("phan_anh", "");
    land_case.push(("field_id", land.to_string()));
    let resp = post_intake(&operator, &land_case, &[]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "<option value=\"{a1}\" selected>Văn phòng HĐND và UBND xã An Châu ★</option>"
        )),
        "suggested agency selected"
    );
}
