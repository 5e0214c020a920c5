//! Issue 7 in a real browser (Debian's headless Chromium over WebDriver): the operator's
//! console runs its script without errors under the CSP; the knowledge-base search box answers
//! as one types; choosing an agency in the transfer panel lists its focal officers with their
//! numbers; the case intake form opened from the console is pre-filled with the caller's phone
//! and the call's id, and what the operator types survives a reload (the draft is kept per
//! call in the browser) and is forgotten once the case is submitted (TEL-9, CASE-1, CASE-3).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (see `tests/browser.rs`).

mod common;

use common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(15);

/// chromedriver and its profile; dropping it ends chromedriver and every process it started
/// (the browser), each by its own id, also when the test fails.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

/// The ids of the processes descended from `root` (from /proc).
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid …": the name may hold spaces, so read after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, _) in parent_of.iter().filter(|(_, pp)| *pp == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian package chromium-driver)");
        Driver {
            child,
            port,
            _profile: tempfile::tempdir().expect("profile dir"),
        }
    }

    async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = format!("http://127.0.0.1:{}/status", self.port);
        let http = reqwest::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start on port {}", self.port);
    }

    async fn browser(&self) -> Client {
        let profile = self._profile.path().display().to_string();
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--lang=vi".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={profile}"),
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
        // Only processes this test started, each by its id: the browser (chromedriver's
        // descendants), then chromedriver itself.
        let browser = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let me = std::process::id();
        for pid in browser.into_iter().filter(|p| *p > 1 && *p != me) {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
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

async fn fill(c: &Client, css: &str, value: &str) {
    let e = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}`: {e}"));
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
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
    driver.ready().await;
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
