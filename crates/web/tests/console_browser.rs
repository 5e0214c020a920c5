//! Issue 7 in a real browser (Debian's headless Chromium over WebDriver): the operator's
//! console runs its script without errors under the CSP; the knowledge-base search box answers
//! as one types; choosing an agency in the transfer panel lists its focal officers with their
//! numbers; the case intake form opened from the console is pre-filled with the caller's phone
//! and the call's id, and what the operator types survives a reload (the draft is kept per
//! call in the browser) and is forgotten once the case is submitted (TEL-9, CASE-1, CASE-3).
//!
//! On the intake form, a knowledge-base result's answer is used and Alt+R records and answers
//! the case in one step (CASE-3).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (see `tests/browser.rs`).

mod common;

use common::TestApp;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

use common::chromium::{Driver, WAIT, fill};

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
    panic!("`{css}` never showed «{expected}»; last text: «{last}»");
}

/// The value of a form field, once it equals `expected`.
async fn wait_value(c: &Client, id: &str, expected: &str) {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(v) = c
            .execute(
                "return document.getElementById(arguments[0]).value;",
                vec![id.into()],
            )
            .await
        {
            last = v.as_str().unwrap_or_default().to_owned();
            if last == expected {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("#{id} never read «{expected}»; last: «{last}»");
}

async fn console_walk(app: &TestApp, c: &Client, a1: i64) {
    let base = &app.addr;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", "tongdai1").await;
    fill(c, "#password", common::PASSWORD).await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "header .userbox", "Lê Văn Tổng Đài").await;
    c.goto(&format!("{base}/console")).await.unwrap();
    wait_text(c, "main", "Bàn điều khiển").await;
    // The script ran (no inline code: the CSP would block it): the engine is off, it says so.
    wait_text(c, "#live-state", "Mất kết nối").await;

    // The knowledge base answers as one types.
    fill(c, "#kb-q", "khai sinh").await;
    wait_text(c, "#kb-results", "khai sinh").await;

    // The transfer panel lists the agency's officers with their numbers.
    c.execute(
        "var s = document.getElementById('transfer-agency'); s.value = arguments[0]; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![a1.to_string().into()],
    )
    .await
    .unwrap();
    let officers = wait_text(c, "#officers", "Chuyển ngay").await;
    assert!(officers.contains("0"), "numbers shown: {officers}");
    let buttons = c
        .find_all(Locator::Css("#officers [data-transfer=blind]"))
        .await
        .unwrap();
    assert!(buttons.len() >= 3, "at least three officers");

    // The intake form linked to a call, pre-filled; a draft survives a reload.
    let form = format!("{base}/cases/new?channel=phone&phone=0912345678&call_id=call-browser-1");
    c.goto(&form).await.unwrap();
    wait_value(c, "phone", "0912345678").await;
    wait_value(c, "call_id", "call-browser-1").await;
    fill(c, "#content", "Hỏi về thủ tục đăng ký khai sinh cho con").await;
    fill(c, "#caller_name", "Trần Văn Bản Nháp").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.goto(&form).await.unwrap();
    wait_value(c, "content", "Hỏi về thủ tục đăng ký khai sinh cho con").await;
    wait_value(c, "caller_name", "Trần Văn Bản Nháp").await;
    // Another call's form starts empty.
    c.goto(&format!(
        "{base}/cases/new?phone=0987654321&call_id=call-browser-2"
    ))
    .await
    .unwrap();
    wait_value(c, "call_id", "call-browser-2").await;
    wait_value(c, "content", "").await;
}

/// Answer from the knowledge base beside the intake form: search, "use this answer", Alt+R.
async fn answer_walk(app: &TestApp, c: &Client) {
    let base = &app.addr;
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", "tongdai1").await;
    fill(c, "#password", common::PASSWORD).await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "header .userbox", "Lê Văn Tổng Đài").await;
    c.goto(&format!(
        "{base}/cases/new?channel=phone&phone=0912345678&call_id=call-browser-answer"
    ))
    .await
    .unwrap();
    wait_value(c, "phone", "0912345678").await;
    fill(c, "#caller_name", "Phạm Thị Lan").await;
    fill(c, "#address", "Ấp An Hòa, xã An Châu").await;
    fill(
        c,
        "#content",
        "Sinh con bao lâu thì phải đi làm giấy khai sinh?",
    )
    .await;
    // The knowledge base beside the form; its FAQ's answer goes into the form's answer.
    fill(c, "#kb-q", "khai sinh 60 ngày").await;
    let use_answer = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#kb-results .kb-faq [data-use-answer]"))
        .await
        .expect("a “use this answer” button on an FAQ");
    assert_eq!(use_answer.text().await.unwrap(), "Dùng câu trả lời này");
    let text = use_answer
        .attr("data-answer")
        .await
        .unwrap()
        .expect("the answer text");
    assert!(text.starts_with("Trong thời hạn 60 ngày"), "{text}");
    use_answer.click().await.unwrap();
    wait_value(c, "answer", &text).await;
    // Alt+R: the case is recorded and answered on the spot in one step.
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down {
            value: Key::Alt.into(),
        })
        .then(KeyAction::Down { value: 'r' })
        .then(KeyAction::Up { value: 'r' })
        .then(KeyAction::Up {
            value: Key::Alt.into(),
        });
    c.perform_actions(keys).await.unwrap();
    let flash = wait_text(c, "main", "trả lời trực tiếp trong cuộc gọi").await;
    let url = c.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/cases/")
        .parse()
        .unwrap_or_else(|_| panic!("on a case page: {url}"));
    let mut conn = app.store.conn().await.unwrap();
    let (case, _) = tongdai_store::cases::get(&mut conn, id).await.unwrap();
    assert_eq!(
        case.state,
        tongdai_domain::case::CaseState::AnsweredOnCall,
        "{flash}"
    );
    assert_eq!(case.answer.map(|a| a.text), Some(text));
    assert_eq!(case.call_ids, ["call-browser-answer"]);
}

/// CASE-3: on the intake form, a knowledge-base result's answer is used and Alt+R records and
/// answers the case in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_3_answer_from_the_kb_beside_the_form_with_alt_r_in_chromium() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::spawn().await;
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as std::sync::Arc<dyn tongdai_domain::time::Clock>,
    ))
    .await
    .expect("demo knowledge base");
    let driver = Driver::start();
    let c = driver.browser().await;
    let walk_client = c.clone();
    let outcome = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_secs(120), answer_walk(&app, &walk_client))
            .await
            .expect("the walk finishes within two minutes");
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// TEL-9, CASE-1, CASE-3: the console and its case form in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tel_9_console_kb_transfer_panel_and_drafts_in_chromium() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::spawn().await;
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as std::sync::Arc<dyn tongdai_domain::time::Clock>,
    ))
    .await
    .expect("demo knowledge base");
    let a1 = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let driver = Driver::start();
    let c = driver.browser().await;
    let walk_client = c.clone();
    let outcome = tokio::spawn(async move {
        tokio::time::timeout(
            Duration::from_secs(120),
            console_walk(&app, &walk_client, a1),
        )
        .await
        .expect("the walk finishes within two minutes");
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
