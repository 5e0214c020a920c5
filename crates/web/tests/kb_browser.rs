//! KB-3 in a real browser (Debian's headless Chromium through chromedriver, as `browser.rs`):
//! an operator types into the search box and the results appear as they type, without a page
//! load, with or without diacritics; a result opens the procedure; the public page prints.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (packages `chromium`,
//! `chromium-driver`; `.ci/run` installs them).

mod common;

use common::{PASSWORD, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongdai_domain::time::Clock;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(15);

/// chromedriver in its own process group; dropping it ends the group.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver runs (Debian package chromium-driver)");
        Driver {
            child,
            port,
            profile: tempfile::tempdir().expect("profile dir"),
        }
    }

    async fn browser(&self) -> Client {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = format!("http://127.0.0.1:{}/status", self.port);
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(&status).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--lang=vi".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", self.profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        ClientBuilder::rustls()
            .expect("TLS connector")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // `--` before the negative id: Debian 12's kill (procps-ng 4.0.2) reads `-TERM -12345`
        // as process group 1 — that is, every process on the machine — and `-TERM -20560` as
        // group 2, which leaves chromedriver running and this drop waiting for ever.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
}

/// Waits until the element's text contains `expected`; returns the text.
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

/// The id of the first hit on screen, once there is one with `id`.
async fn wait_first(c: &Client, id: &str) {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css("#kb-results li.kb-hit")).await {
            last = e.attr("data-id").await.ok().flatten();
            if last.as_deref() == Some(id) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the first hit never became {id}; last: {last:?}");
}

async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

async fn walk(app: &TestApp, c: &Client) {
    let base = &app.addr;
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys("tongdai1")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "main h1", "Xin chào").await;
    // The menu leads to the search box.
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::LinkText("Tra cứu TTHC"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "main h1", "Tra cứu thủ tục, hỏi đáp").await;
    // A marker on the page: a full page load would lose it, an htmx swap keeps it.
    c.execute("window.__kbMarker = 42;", vec![]).await.unwrap();
    let input = c.find(Locator::Css("#kb-q")).await.unwrap();
    // Typed as an operator types during a call: no diacritics.
    input.send_keys("lam giay khai sinh").await.unwrap();
    wait_text(c, "#kb-results", "Thủ tục đăng ký khai sinh").await;
    wait_first(c, "1.001193").await;
    let marker = c
        .execute("return window.__kbMarker;", vec![])
        .await
        .unwrap();
    assert_eq!(
        marker,
        serde_json::json!(42),
        "results came without a page load"
    );
    assert_eq!(path(c).await, "/kb");

    // Another question, with an everyday word: the results follow the typing.
    input.clear().await.unwrap();
    input.send_keys("sổ đỏ lần đầu").await.unwrap();
    wait_text(c, "#kb-results", "Giấy chứng nhận").await;
    // Only the answers of the FAQ kind.
    c.find(Locator::Css("#kb-kind"))
        .await
        .unwrap()
        .select_by_value("faq")
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys("sinh con bao lâu").await.unwrap();
    wait_first(c, "faq-ho-tich-01").await;
    c.find(Locator::Css("#kb-kind"))
        .await
        .unwrap()
        .select_by_value("")
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys("chung thuc ban sao").await.unwrap();
    wait_text(c, "#kb-results", "chứng thực bản sao").await;

    // A procedure's hit opens the procedure (an FAQ on the same subject may rank first).
    c.find(Locator::Css("#kb-results li.kb-hit.kb-procedure a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "main", "Thành phần hồ sơ").await;
    assert!(path(c).await.starts_with("/kb/procedures/"));

    // The public page on a phone: no sideways scrolling; the print button is there.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!(
        "{base}/portal/kb/procedures/1.001193?t=xa-an-chau"
    ))
    .await
    .unwrap();
    wait_text(c, "main h1", "Thủ tục đăng ký khai sinh").await;
    let width: f64 = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        width <= 400.0,
        "no sideways scrolling on a phone ({width}px)"
    );
    assert!(
        c.find(Locator::Css("[data-print]"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
}

/// KB-3: the operator's search box in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb3_operator_search_box_in_chromium() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::spawn().await;
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as Arc<dyn Clock>,
    ))
    .await
    .expect("demo knowledge base");
    let driver = Driver::start();
    let c = driver.browser().await;
    let walk_client = c.clone();
    let outcome = tokio::spawn(async move {
        walk(&app, &walk_client).await;
    })
    .await;
    let _ = c.close().await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
