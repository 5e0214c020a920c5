//! Issue 4, "How it is checked": one case end to end in a real browser — Debian's headless
//! Chromium driven over WebDriver by chromedriver, as `browser.rs`. A citizen submits on the
//! public form; the coordinator classifies it as complex and forwards it; the officer sees it
//! and misses the deadline (the application's clock moved forward, the job runner run); the
//! head is told live and answers; the leadership approves; the coordinator publishes; the
//! citizen finds the published answer, looks the case up by code and phone and rates it.
//! Screenshots for humans go to `target/screenshots/` (not asserted).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages `chromium` and
//! `chromium-driver`; `.ci/run` installs them).

mod case_helpers;
mod common;

use case_helpers::{COORDINATOR, HEAD, LEADER, OFFICER};
use common::{PASSWORD, TestApp};
use fantoccini::{Client, Locator};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tongdai_domain::case::CaseState;

use common::chromium::{Driver, WAIT, click, click_link, fill};

fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("screenshots"))
        .unwrap_or_else(|| PathBuf::from("target/screenshots"));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(screenshots_dir().join(format!("cases-{name}.png")), png);
    }
}

/// Wait until the element's text contains `expected`; returns the text.
async fn wait_text(c: &Client, css: &str, expected: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(expected) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("`{css}` never showed «{expected}» on {url}; last text: «{last}»");
}

/// Wait until the case page (or the lookup page) shows the state `code`.
async fn wait_state(c: &Client, css: &str, code: &str) {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.attr("data-state").await.ok().flatten();
            if last.as_deref() == Some(code) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let errors = match c.find(Locator::Css("main")).await {
        Ok(m) => m.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    panic!("`{css}` never reached state {code} (last {last:?}); page: {errors}");
}

async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}`: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("no option {value} in `{css}`: {e}"));
}

async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

/// Sign in through the login form; the home page greets the user.
async fn sign_in(app: &TestApp, c: &Client, username: &str) {
    c.goto(&format!("{}/login", app.addr)).await.unwrap();
    fill(c, "#username", username).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_text(c, "main h1", "Xin chào").await;
}

async fn sign_out(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    wait_text(c, "h2", "Đăng nhập").await;
}

async fn stored(app: &TestApp, code: &str) -> tongdai_domain::case::Case {
    let mut c = app.store.conn().await.unwrap();
    tongdai_store::cases::by_code(&mut c, &code.parse().unwrap())
        .await
        .unwrap()
        .expect("the case is stored")
        .0
}

/// The walk: every step through the pages a person would use. Returns the case's code.
async fn walk(app: &TestApp, c: &Client) -> String {
    let base = &app.addr;
    let a1 = case_helpers::a1(app).await.to_string();

    // 1. A citizen sends a *phản ánh* on the commune's public form (CASE-1).
    c.goto(&format!("{base}/gui-phan-anh?don-vi=xa-an-chau"))
        .await
        .unwrap();
    wait_text(c, "main h1", "Gửi phản ánh, kiến nghị").await;
    fill(c, "#caller_name", "Phan Thị Mỹ Duyên").await;
    fill(c, "#phone", "0918 765 432").await;
    fill(c, "#address", "Số 5 ấp An Hòa, xã An Châu, tỉnh An Giang").await;
    select(c, "#kind", "phan_anh").await;
    fill(
        c,
        "#content",
        "Đèn đường trên tuyến đường ấp An Hòa bị hỏng hơn một tháng, ban đêm rất nguy hiểm.",
    )
    .await;
    click(c, "#notice-ack").await;
    screenshot(c, "01-public-form").await;
    click(c, "#public-submit").await;
    let code = wait_text(c, "#case-code", "PA-").await.trim().to_owned();
    screenshot(c, "02-submitted").await;
    let case = stored(app, &code).await;
    let id = case.id;
    assert_eq!(case.state, CaseState::Received);
    assert_eq!(case.caller.phone.canonical(), "+84918765432");

    // 2. The coordinator finds it in the queue, classifies it as complex (its answer will need
    //    the Committee's approval, CASE-7) and forwards it to the commune's office (CASE-4).
    sign_in(app, c, COORDINATOR).await;
    c.goto(&format!("{base}/cases/queue")).await.unwrap();
    click_link(c, &code).await;
    wait_state(c, "#case-state", "received").await;
    select(c, "#cl-kind", "phan_anh").await;
    select(c, "#cl-class", "khong_phu_hop_thuc_te").await;
    click(c, "#cmd-classify input[name=complex]").await;
    click(c, "#cmd-classify button[type=submit]").await;
    wait_state(c, "#case-state", "classifying").await;
    select(c, "#fw-lead", &a1).await;
    fill(c, "#fw-note", "Đề nghị kiểm tra, sửa chữa đèn đường.").await;
    click(c, "#cmd-forward button[type=submit]").await;
    wait_state(c, "#case-state", "assigned").await;
    wait_text(c, "#lead-agency", "Văn phòng HĐND và UBND xã An Châu").await;
    screenshot(c, "03-forwarded").await;
    sign_out(c).await;

    // 3. The officer sees it among the agency's cases, with its deadline, and lets it slip.
    sign_in(app, c, OFFICER).await;
    c.goto(&format!("{base}/cases/due")).await.unwrap();
    click_link(c, &code).await;
    wait_state(c, "#case-state", "assigned").await;
    assert!(
        c.find(Locator::Css("#cmd-answer")).await.is_ok(),
        "the officer may answer before the deadline"
    );
    sign_out(c).await;
    let due = stored(app, &code)
        .await
        .clocks
        .focal
        .expect("the officer's clock runs")
        .due_at;
    app.clock.set(due - chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(stored(app, &code).await.state, CaseState::Assigned);
    app.clock.set(due + chrono::Duration::minutes(1));
    app.run_jobs().await;
    assert_eq!(
        stored(app, &code).await.state,
        CaseState::Escalated,
        "the deadline job escalated the case (CASE-6)"
    );

    // 4. The head of the agency is told: the bell counts it (live, CASE-5) and the
    //    notification leads to the case, which the head answers.
    sign_in(app, c, HEAD).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let unread = c
            .find(Locator::Css("#notif-bell"))
            .await
            .unwrap()
            .attr("data-unread")
            .await
            .unwrap()
            .unwrap_or_default();
        if unread.parse::<u32>().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the bell shows the escalation");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(c, "#notif-bell").await;
    wait_text(c, "#notification-list", &code).await;
    screenshot(c, "04-head-notified").await;
    click(
        c,
        &format!("#notification-list li.unread a[href='/cases/{id}']"),
    )
    .await;
    wait_state(c, "#case-state", "escalated").await;
    fill(
        c,
        "#cmd-answer textarea[name=text]",
        "UBND xã đã cử tổ kỹ thuật thay bóng đèn hỏng trên tuyến đường ấp An Hòa; đèn đã sáng lại từ tối nay.",
    )
    .await;
    click(c, "#cmd-answer button[type=submit]").await;
    wait_state(c, "#case-state", "awaiting_approval").await;
    sign_out(c).await;

    // 5. The leadership approves the answer of the complex case (CASE-7).
    sign_in(app, c, LEADER).await;
    c.goto(&format!("{base}/cases/{id}")).await.unwrap();
    wait_state(c, "#case-state", "awaiting_approval").await;
    fill(c, "#ap-comment", "Đồng ý nội dung trả lời.").await;
    click(c, "#cmd-approve button[type=submit]").await;
    wait_state(c, "#case-state", "answered").await;
    wait_text(c, "#answer-text", "đèn đã sáng lại").await;
    sign_out(c).await;

    // 6. The coordinator moderates: the proposal has the citizen's name masked; publish it
    //    (CASE-10).
    sign_in(app, c, COORDINATOR).await;
    c.goto(&format!("{base}/cases/moderation")).await.unwrap();
    click_link(c, &code).await;
    wait_state(c, "#case-state", "answered").await;
    let proposal = c
        .find(Locator::Css("#pb-text"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(proposal.contains("đèn đã sáng lại"), "{proposal}");
    assert!(
        !proposal.contains("Mỹ Duyên") && !proposal.contains("0918"),
        "personal data is masked: {proposal}"
    );
    click(c, "#cmd-publish button[type=submit]").await;
    wait_state(c, "#case-state", "published").await;
    screenshot(c, "05-published").await;
    sign_out(c).await;

    // 7. The citizen: the answer is among the published ones; the lookup by code and phone
    //    shows it; the citizen rates it (CASE-8, CASE-9).
    c.goto(&format!("{base}/hoi-dap?don-vi=xa-an-chau&q=den+duong"))
        .await
        .unwrap();
    click_link(c, &code).await;
    wait_text(c, "main", "đèn đã sáng lại").await;
    c.goto(&format!("{base}/tra-cuu?don-vi=xa-an-chau"))
        .await
        .unwrap();
    fill(c, "#code", &code).await;
    fill(c, "#phone", "0918765432").await;
    click(c, "#lookup-submit").await;
    wait_state(c, "#lookup-state", "published").await;
    wait_text(c, "#lookup-answer", "đèn đã sáng lại").await;
    screenshot(c, "06-lookup").await;
    click(c, "#rate-form input[name=stars][value='5']").await;
    fill(c, "#rate-comment", "Cảm ơn UBND xã đã xử lý nhanh.").await;
    click(c, "#rate-submit").await;
    wait_text(c, "#lookup-rating", "5").await;
    assert!(path(c).await.starts_with("/tra-cuu"));
    screenshot(c, "07-rated").await;
    code
}

/// CASE-1, CASE-4, CASE-5, CASE-6, CASE-7, CASE-8, CASE-9, CASE-10: one case end to end in
/// Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_case_from_the_public_form_to_the_rating_in_chromium_case_6_case_7_case_10() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let app = TestApp::spawn().await;
    case_helpers::set_monday(&app);
    let driver = Driver::start();
    let c = driver.browser().await;
    // The walk runs as its own task so that a failure still closes the browser and the
    // driver; every step after a failure is bounded in time.
    let walk_client = c.clone();
    let outcome = tokio::spawn(async move {
        let code = tokio::time::timeout(Duration::from_secs(180), walk(&app, &walk_client))
            .await
            .expect("the walk finishes within three minutes");
        (app, code)
    })
    .await;
    if outcome.is_err() {
        let _ = tokio::time::timeout(Duration::from_secs(5), screenshot(&c, "99-failure")).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    drop(driver);
    match outcome {
        Ok((app, code)) => {
            let case = stored(&app, &code).await;
            assert_eq!(case.state, CaseState::Published);
            assert_eq!(case.rating.as_ref().map(|r| r.stars), Some(5));
            assert!(
                case_helpers::notified(&app, HEAD)
                    .await
                    .contains(&"escalated".to_owned())
            );
        }
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
    eprintln!("case walk took {:?}", started.elapsed());
}
