//! The test harness: the real application on a random port, with its own database (SQLite
//! or PostgreSQL, per TONGDAI_TEST_BACKEND), the demo organisation and a known administrator
//! password; and an HTTP client that keeps cookies and sends the page's CSRF token.

#![allow(dead_code)]

pub mod chromium;
pub mod sipp;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::sync::Arc;
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::time::Clock;
use tongdai_store::clock::SystemClock;
use tongdai_store::testing::TestDb;
use tongdai_store::{Store, accounts, bootstrap, demo, org};
use tongdai_web::pages::telephony::Telephony;
use tongdai_web::{AppState, WebSettings};

/// The administrator's password in tests (and the demo accounts').
pub const PASSWORD: &str = "Mật khẩu thử nghiệm 2026";

/// A running application.
pub struct TestApp {
    pub addr: String,
    pub store: Store,
    pub clock: Arc<SystemClock>,
    pub db: TestDb,
    /// The case service the application uses (shared with the job runner).
    pub cases: tongdai_cases::CaseService,
    /// The job runner (cases, notifications): move the clock, then [`TestApp::run_jobs`].
    pub runner: tongdai_jobs::Runner,
    /// Telephony data on the test database with the demo telephony data and the demo
    /// prompts (the engine is not started: `engine()` is `None`).
    pub telephony: Arc<Telephony>,
    _files: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// One tenth of a second of silence as the engine plays prompts: 8 kHz mono 16-bit WAV.
pub fn silent_wav() -> Vec<u8> {
    let data = vec![0u8; 1600];
    let mut w = Vec::with_capacity(44 + data.len());
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&8000u32.to_le_bytes());
    w.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    w.extend_from_slice(&2u16.to_le_bytes()); // block align
    w.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data.len() as u32).to_le_bytes());
    w.extend_from_slice(&data);
    w
}

/// Telephony as `serve` sets it up, without the engine: the SQL store on the test database,
/// the demo telephony data (trunk, queues, agents 1001 and 1002, the active demo flow) and the
/// demo prompts as files.
async fn telephony(
    store: &Store,
    prompts: &std::path::Path,
    now: tongdai_domain::Instant,
) -> Arc<Telephony> {
    std::fs::create_dir_all(prompts).expect("prompts dir");
    for (id, _) in tongdai_telephony::flow::DEMO_PROMPTS {
        std::fs::write(prompts.join(format!("{id}.wav")), silent_wav()).expect("prompt");
    }
    let tstore =
        tongdai_telephony::SqlStore::new(store.clone(), tongdai_telephony::SecretKey::random());
    tongdai_telephony::store::demo::seed(&tstore, PASSWORD, now)
        .await
        .expect("demo telephony data");
    Arc::new(Telephony::new(tstore, prompts.to_path_buf(), 24))
}

impl TestApp {
    /// Spawn the app with the demo data loaded.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(WebSettings::default()).await
    }

    /// Spawn the app with custom web settings.
    pub async fn spawn_with(settings: WebSettings) -> TestApp {
        Self::spawn_full(settings, tongdai_cases::CaseSettings::default()).await
    }

    /// Spawn the app with custom case settings (spam limits, attachment size).
    pub async fn spawn_with_cases(cases: tongdai_cases::CaseSettings) -> TestApp {
        Self::spawn_full(WebSettings::default(), cases).await
    }

    /// Spawn the app with custom web and case settings.
    pub async fn spawn_full(
        settings: WebSettings,
        case_settings: tongdai_cases::CaseSettings,
    ) -> TestApp {
        let db = TestDb::new().await;
        let clock = SystemClock::shared();
        bootstrap::ensure_admin(&db.store, Some(PASSWORD), clock.now())
            .await
            .expect("admin");
        demo::seed(&db.store, PASSWORD, clock.now())
            .await
            .expect("demo data");
        let files = tempfile::tempdir().expect("files dir");
        let cases = tongdai_cases::CaseService::new(
            db.store.clone(),
            clock.clone() as Arc<dyn Clock>,
            tongdai_store::files::FileStore::new(files.path()),
            case_settings,
        );
        let runner =
            tongdai_jobs::Runner::new(db.store.clone(), clock.clone() as Arc<dyn Clock>, "test");
        let runner = tongdai_notify::register(runner, tongdai_notify::Channels::default());
        let runner = tongdai_cases::jobs::register(runner, cases.clone());
        let telephony = telephony(&db.store, &files.path().join("prompts"), clock.now()).await;
        let state = AppState::new(db.store.clone(), settings, clock.clone() as Arc<dyn Clock>)
            .with_cases(cases.clone())
            .with_telephony(telephony.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = tongdai_web::serve(state, listener, async move {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            addr,
            store: db.store.clone(),
            clock,
            db,
            cases,
            runner,
            telephony,
            _files: files,
            _shutdown: tx,
        }
    }

    /// Run every job that is due at the application's clock (deadlines, deliveries).
    pub async fn run_jobs(&self) {
        self.runner.run_pending().await.expect("jobs run");
    }

    /// A client with its own cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.addr)
    }

    /// A client logged in as `username` with the test password.
    pub async fn login(&self, username: &str) -> Client {
        let c = self.client();
        let resp = c.login(username, PASSWORD).await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed: {}",
            resp.text().await.unwrap_or_default()
        );
        c
    }

    /// Create an account with one grant; returns its id.
    pub async fn account(
        &self,
        username: &str,
        role: Role,
        tenant: Option<i64>,
        agency: Option<i64>,
    ) -> i64 {
        let mut tx = self.store.begin().await.expect("tx");
        let id = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: username.into(),
                display_name: format!("Người dùng {username}"),
                email: String::new(),
                phone: String::new(),
                tenant_id: tenant,
                password: PASSWORD.into(),
                must_change_password: false,
            },
            self.clock.now(),
        )
        .await
        .expect("create account");
        accounts::set_grants(
            &mut tx,
            id,
            &[Grant::new(role, tenant, agency).expect("grant")],
            self.clock.now(),
        )
        .await
        .expect("grants");
        tx.commit().await.expect("commit");
        id
    }

    /// A tenant id by code.
    pub async fn tenant(&self, code: &str) -> i64 {
        let mut c = self.store.conn().await.expect("conn");
        org::tenant_by_code(&mut c, code)
            .await
            .expect("query")
            .expect("tenant exists")
            .id
    }

    /// An agency id by tenant code and agency code.
    pub async fn agency(&self, tenant: &str, code: &str) -> i64 {
        let t = self.tenant(tenant).await;
        let mut c = self.store.conn().await.expect("conn");
        org::agencies(&mut c, Some(&[t]))
            .await
            .expect("agencies")
            .into_iter()
            .find(|a| a.code == code)
            .expect("agency exists")
            .id
    }

    /// The audit entries recorded so far, oldest first.
    pub async fn audit(&self) -> Vec<tongdai_domain::audit::AuditEntry> {
        let mut c = self.store.conn().await.expect("conn");
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let page = tongdai_store::audit::list(
                &mut c,
                &tongdai_store::audit::Filter {
                    limit: 1000,
                    before_seq: before,
                    ..Default::default()
                },
            )
            .await
            .expect("audit");
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            entries.extend(page);
        }
        entries.reverse();
        entries
    }

    /// The audit entries with an action, oldest first.
    pub async fn audit_of(&self, action: &str) -> Vec<tongdai_domain::audit::AuditEntry> {
        self.audit()
            .await
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }

    /// An account by username.
    pub async fn account_named(&self, username: &str) -> accounts::Account {
        let mut c = self.store.conn().await.expect("conn");
        accounts::list(&mut c)
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.username == username)
            .expect("account exists")
    }

    /// The audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        let mut c = self.store.conn().await.expect("conn");
        let mut entries = tongdai_store::audit::list(
            &mut c,
            &tongdai_store::audit::Filter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        entries.reverse();
        entries.into_iter().map(|e| e.action).collect()
    }
}

/// An HTTP client that keeps cookies, never follows redirects, and knows the CSRF token of the
/// last page it loaded.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    csrf: Arc<std::sync::Mutex<String>>,
    /// The cookie jar (readable, to compare session tokens).
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Client {
    fn new(base: &str) -> Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .expect("client");
        Client {
            base: base.to_owned(),
            http,
            csrf: Arc::default(),
            jar,
        }
    }

    /// The value of a cookie the jar would send to the application.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().expect("base url");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// POST a form with the current CSRF token and extra request headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf();
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        fields.extend_from_slice(form);
        let mut req = self.http.post(format!("{}{path}", self.base)).form(&fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("POST")
    }

    /// POST a multipart form; the CSRF token goes in the query, as the upload form sends it.
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.http
            .post(format!("{}{path}{sep}_csrf={}", self.base, self.csrf()))
            .multipart(form)
            .send()
            .await
            .expect("POST multipart")
    }

    /// Follow a redirect answer with a GET; returns the page (and remembers its CSRF token).
    pub async fn follow(&self, resp: reqwest::Response) -> (StatusCode, String) {
        let status = resp.status();
        let to = location(&resp);
        assert!(
            status.is_redirection() && !to.is_empty(),
            "expected a redirect, got {status}: {}",
            resp.text().await.unwrap_or_default()
        );
        self.get(&to).await
    }

    /// The CSRF token of the last page.
    pub fn csrf(&self) -> String {
        self.csrf.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn remember_csrf(&self, body: &str) {
        if let Some(i) = body.find("name=\"csrf-token\" content=\"") {
            let rest = &body[i + 27..];
            if let Some(end) = rest.find('"')
                && let Ok(mut g) = self.csrf.lock()
            {
                *g = rest[..end].to_owned();
            }
        }
    }

    /// GET a path; returns status and body (and remembers the page's CSRF token).
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        self.remember_csrf(&body);
        (status, body)
    }

    /// GET a path and return the raw response.
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    /// POST a form with the current CSRF token (fetching `/login` first if none is known).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        if self.csrf().is_empty() {
            self.get("/login").await;
        }
        let token = self.csrf();
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.http
            .post(format!("{}{path}", self.base))
            .form(&fields)
            .send()
            .await
            .expect("POST")
    }

    /// POST a form without any CSRF token.
    pub async fn post_without_csrf(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Log in (the login page sets the pre-session CSRF cookie).
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.get("/login").await;
        let resp = self
            .post("/login", &[("username", username), ("password", password)])
            .await;
        // The session has its own token: load a page to learn it.
        if resp.status() == StatusCode::SEE_OTHER {
            let to = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("/")
                .to_owned();
            let _ = self.get(&to).await;
            let _ = self.get("/account").await;
        }
        resp
    }
}

/// The value of the `Location` header.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The page with what changes from run to run replaced (CSRF tokens, times, generated secrets),
/// for snapshots.
pub fn redact(html: &str) -> String {
    let mut out = html.to_owned();
    for (start, end) in [
        ("name=\"csrf-token\" content=\"", "\""),
        ("name=\"_csrf\" value=\"", "\""),
        ("_csrf=", "\""),
    ] {
        let mut from = 0;
        while let Some(i) = out[from..].find(start) {
            let a = from + i + start.len();
            let Some(len) = out[a..].find(end) else { break };
            out.replace_range(a..a + len, "[csrf]");
            from = a + "[csrf]".len();
        }
    }
    out
}

/// The text of the first element with `id="{id}"` up to its closing tag of the same name.
pub fn element<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let Some(i) = html.find(&marker) else {
        panic!("no element with id {id} in the page");
    };
    let open = html[..i].rfind('<').expect("tag start");
    let tag: String = html[open + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = format!("</{tag}>");
    let end = html[i..]
        .find(&close)
        .map_or(html.len(), |e| i + e + close.len());
    &html[open..end]
}
