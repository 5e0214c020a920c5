//! Offer → screen pop in a real browser, with the live-update fan-out to many consoles and a
//! wallboard (issue 7, TEL-9, REP-5, BENCHMARKS.md). `tests/console_call.rs` measures one call
//! per run; this places many, so the target (p95 < 200 ms) gets a p95.
//!
//! The real application on a random port with its own database (SQLite or PostgreSQL, per
//! `TONGDAI_TEST_BACKEND`; on PostgreSQL a `tongdai_bench_…` database, dropped afterwards), the
//! demo organisation and its telephony data, the SIP engine inside it as `tongdai serve` runs
//! it. Operator `tongdai1` is extension 1001, whose phone is a SIPp UAS (`uas_agent.xml`:
//! registers with digest auth, rings 500 ms, answers); headless Chromium runs that operator's
//! `/console`, logged in to the queues from the agent bar. Meanwhile `CONSOLES` further operator
//! accounts, each logged in from its own desk address (`X-Forwarded-For` behind the pretend
//! proxy), hold `/api/v1/telephony/events` open, and a second Chromium shows `/wallboard` to the
//! coordinator (polling every 5 s, as the page does).
//!
//! One SIPp caller places `CALLS` calls one after another (`uac_greeting_queue.xml`: greeting,
//! DTMF 1 to queue `tthc`, `TALK_MS` in the queue and talking, BYE), after `WARMUP` calls that
//! are not counted. Per call, the reference instant is the engine's `call.offered` for 1001 (its
//! `at`, the engine's clock = this machine's clock). The console page records, through a
//! `MutationObserver` injected on `#pop-area`, when `#pop[data-call]` first shows that call
//! (`Date.now()`, same clock; no polling error) and when the next frame after it ran (the pop is
//! painted); the page's resource timing gives the `/console/pop` fetch, so the total splits into
//! SSE delivery to the page, the fetch, and rendering. Each of the other streams records when
//! it received each `call.offered`. A call offered without a pop is a failure, counted.
//!
//! Needs `sipp` (Debian `sip-tester`, run as root for the DTMF raw socket), `sox`,
//! `/usr/bin/chromium` and `/usr/bin/chromedriver`. Everything runs on the same machine: the
//! figures include the competition for its cores.
//!
//! Run: `TONGDAI_TEST_BACKEND=sqlite cargo bench -p tongdai-web --bench console_pop`
//! Sizes (defaults): `CALLS=100 WARMUP=2 CONSOLES=200 TALK_MS=2000`; `TRACE_EVENTS=1` prints the
//! engine's events (to see where a call went when it was not offered).

// The browser and SIPp helpers of the end-to-end tests (a bench cannot import `tests/common`).
#[path = "../tests/common/mod.rs"]
mod common;

use common::chromium::{Driver, WAIT, click, fill};
use common::sipp::{Sipp, free_port, free_sip_port, sipp_args, tone};
use common::{PASSWORD, silent_wav};
use fantoccini::Client;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::time::Clock as _;
use tongdai_store::clock::SystemClock;
use tongdai_store::testing::TestDb;
use tongdai_store::{Backend, Store, accounts, demo};
use tongdai_telephony::api::EventKind;
use tongdai_telephony::{Clock, Engine, EngineConfig, FixedHours};
use tongdai_web::pages::telephony::Telephony;
use tongdai_web::{AppState, WebSettings};

/// The operator's extension.
const AGENT: &str = "1001";

/// The database of the run, as in `benches/intake.rs`: SQLite through `TestDb`; on PostgreSQL a
/// database of its own named `tongdai_bench_…` (not `tongdai_t_…`, which a clean-up of stale
/// test databases may drop in the middle of a long run), dropped at the end.
struct BenchDb {
    store: Store,
    pg: Option<(String, String)>,
    _sqlite: Option<TestDb>,
}

impl BenchDb {
    async fn new() -> BenchDb {
        if tongdai_store::testing::backend() == Backend::Sqlite {
            let db = TestDb::new().await;
            return BenchDb {
                store: db.store.clone(),
                pg: None,
                _sqlite: Some(db),
            };
        }
        sqlx::any::install_default_drivers();
        let admin = std::env::var("TONGDAI_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("tongdai_bench_{}_{nanos}", std::process::id());
        let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create the bench database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let store = Store::connect(&format!("{base}/{name}"))
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        BenchDb {
            store,
            pg: Some((admin, name)),
            _sqlite: None,
        }
    }

    async fn drop_pg(self) {
        if let Some((admin, name)) = &self.pg {
            self.store.close().await;
            if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await;
            }
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// Milliseconds since the epoch on this machine's clock (the engine's and Chromium's too).
fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Nearest-rank percentile of sorted milliseconds.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// "p50 / p95 / max" of milliseconds, with the count.
fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "p50 {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms  (n = {})",
        pct(&v, 0.50),
        pct(&v, 0.95),
        v.last().copied().unwrap_or(f64::NAN),
        v.len()
    )
}

/// The machine, for the report.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), load average at the end {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// Telephony as `serve` sets it up (as `tests/common` does): the SQL store on the bench
/// database, the demo telephony data and the demo prompts as short silent files.
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

/// A console's HTTP client logged in as `username` from desk `desk` (its own address behind
/// the proxy, so the per-address login limit sees one attempt per desk).
async fn login(base: &str, username: &str, desk: usize) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        format!("10.7.{}.{}", desk / 250, desk % 250 + 1)
            .parse()
            .expect("header"),
    );
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client");
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("GET /login")
        .text()
        .await
        .unwrap_or_default();
    let marker = "name=\"_csrf\" value=\"";
    let csrf = page
        .find(marker)
        .map(|i| &page[i + marker.len()..])
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let resp = http
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(
        resp.status(),
        reqwest::StatusCode::SEE_OTHER,
        "login of {username}"
    );
    http
}

/// When each console stream received each call offered to [`AGENT`] (wall ms), and how many
/// `resync` events (events lost to a slow reader) the streams saw.
#[derive(Default)]
struct Receipts {
    by_call: Mutex<HashMap<String, Vec<f64>>>,
    resyncs: AtomicUsize,
}

/// Open one console's event stream and record what it receives, in the background.
async fn follow(base: &str, http: reqwest::Client, receipts: Arc<Receipts>) {
    let mut resp = http
        .get(format!("{base}/api/v1/telephony/events"))
        .send()
        .await
        .expect("GET events");
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "the event stream");
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let at = wall_ms();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(i) = buf.find("\n\n") {
                let frame: String = buf.drain(..i + 2).collect();
                let mut event = "";
                let mut data = "";
                for l in frame.lines() {
                    if let Some(v) = l.strip_prefix("event:") {
                        event = v.trim();
                    } else if let Some(v) = l.strip_prefix("data:") {
                        data = v.trim_start();
                    }
                }
                match event {
                    "call.offered" => {
                        let d: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
                        if d["agent_id"] == AGENT
                            && let Some(id) = d["call_id"].as_str()
                        {
                            let mut g = receipts.by_call.lock().unwrap_or_else(|p| p.into_inner());
                            g.entry(id.to_owned()).or_default().push(at);
                        }
                    }
                    "resync" => {
                        receipts.resyncs.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        }
    });
}

/// Run `script` in the page until it returns something truthy (bounded wait).
async fn wait_for(c: &Client, script: &str, what: &str) -> serde_json::Value {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        if let Ok(v) = c.execute(script, vec![]).await
            && !v.is_null()
            && v != serde_json::Value::Bool(false)
            && v != ""
        {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

/// Log in through the form of `/login`.
async fn browser_login(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/login")).await.expect("goto /login");
    fill(c, "#username", username).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_for(
        c,
        "return document.querySelector('header .userbox') !== null || location.pathname !== '/login';",
        "login",
    )
    .await;
}

/// Records in the console page when each call's pop is in the DOM and when the frame after it
/// ran (`Date.now()` for the comparison with the engine's clock, `performance.now()` for the
/// split against the fetch's resource timing).
const POP_OBSERVER: &str = r#"
window.__pops = {};
performance.setResourceTimingBufferSize(100000);
var area = document.getElementById('pop-area');
new MutationObserver(function () {
  var p = document.getElementById('pop');
  var id = p && p.getAttribute('data-call');
  if (!id || window.__pops[id]) { return; }
  var r = { dom_wall: Date.now(), dom: performance.now() };
  window.__pops[id] = r;
  requestAnimationFrame(function () {
    setTimeout(function () { r.paint_wall = Date.now(); r.paint = performance.now(); }, 0);
  });
}).observe(area, { childList: true, subtree: true, attributes: true });
return true;
"#;

/// What the console page recorded, with the `/console/pop` fetch of each call.
const POP_RESULTS: &str = r#"
var res = performance.getEntriesByType('resource');
return Object.keys(window.__pops).map(function (id) {
  var r = window.__pops[id], f = null, suffix = 'call=' + encodeURIComponent(id);
  for (var i = res.length - 1; i >= 0; i--) {
    var n = res[i].name;
    if (n.indexOf('/console/pop?') >= 0 && n.slice(-suffix.length) === suffix) { f = res[i]; break; }
  }
  return { id: id, dom_wall: r.dom_wall, dom: r.dom, paint_wall: r.paint_wall || null,
           paint: r.paint || null, fetch_start: f ? f.startTime : null,
           fetch_end: f ? f.responseEnd : null };
});
"#;

/// Records in the wallboard page each refresh of `#board` (htmx replaces it every 5 s).
const BOARD_OBSERVER: &str = r#"
window.__wb = [];
performance.setResourceTimingBufferSize(100000);
var last = null;
function value(id) { var e = document.querySelector('#' + id + ' .value'); return e ? e.textContent.trim() : null; }
function snap() {
  var b = document.getElementById('board');
  if (!b || b === last) { return; }
  last = b;
  window.__wb.push({ t: Date.now(), answered: value('wb-answered'), waiting: value('wb-waiting') });
}
snap();
new MutationObserver(snap).observe(document.body, { childList: true, subtree: true });
return true;
"#;

const BOARD_RESULTS: &str = r#"
return { snaps: window.__wb,
         polls: performance.getEntriesByType('resource')
           .filter(function (e) { return e.name.indexOf('/wallboard/data') >= 0; })
           .map(function (e) { return e.responseEnd - e.startTime; }) };
"#;

/// An offer to [`AGENT`] as the engine announced it.
struct Offer {
    call_id: String,
    at_ms: f64,
}

/// The last value of a column of SIPp's statistics file.
fn last_csv(path: &std::path::Path, column: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next()?.split(';').collect();
    let i = header.iter().position(|h| *h == column)?;
    lines.next_back()?.split(';').nth(i)?.trim().parse().ok()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let calls = env_usize("CALLS", 100).max(1);
    let warmup = env_usize("WARMUP", 2);
    let consoles = env_usize("CONSOLES", 200);
    let talk_ms = env_usize("TALK_MS", 2000);

    // The application, behind a (pretend) reverse proxy so each desk has its own address.
    let db = BenchDb::new().await;
    let backend = match db.store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let clock = SystemClock::shared();
    demo::seed(&db.store, PASSWORD, clock.now())
        .await
        .expect("demo data");
    let files = tempfile::tempdir().expect("files dir");
    let cases = tongdai_cases::CaseService::new(
        db.store.clone(),
        clock.clone() as Arc<dyn tongdai_domain::time::Clock>,
        tongdai_store::files::FileStore::new(files.path()),
        tongdai_cases::CaseSettings::default(),
    );
    let tel = telephony(&db.store, &files.path().join("prompts"), clock.now()).await;
    let state = AppState::new(
        db.store.clone(),
        WebSettings {
            behind_proxy: true,
            ..WebSettings::default()
        },
        clock.clone() as Arc<dyn tongdai_domain::time::Clock>,
    )
    .with_cases(cases)
    .with_telephony(tel.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tongdai_web::serve(state, listener, async move {
        let _ = stopped.await;
    }));

    // Extension 1001 is operator tongdai1's, without wrap-up, so the calls follow one another
    // (stored before the engine starts: the queues read the agents once).
    let tstore = tel.store.clone();
    let phone_password = "phone-1001-secret";
    let operator = {
        let mut c = db.store.conn().await.expect("conn");
        accounts::find_for_login(&mut c, "tongdai1")
            .await
            .expect("query")
            .expect("demo operator")
            .0
    };
    tstore
        .put_agent(
            &tongdai_telephony::store::admin::AgentInput {
                id: AGENT.into(),
                display_name: operator.display_name.clone(),
                sip_username: AGENT.into(),
                sip_password: Some(phone_password.into()),
                account_id: Some(operator.id),
                wrap_up_s: Some(0),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("agent");

    // The engine inside the application, as `tongdai serve` runs it.
    let sdir = files.path().join("sipp");
    std::fs::create_dir_all(&sdir).expect("sipp dir");
    tone(&sdir, "caller.al", "400");
    tone(&sdir, "agent.al", "1000");
    let rtp = free_port().clamp(20_000, 60_000);
    let engine = Engine::start(
        EngineConfig {
            sip_udp: SocketAddr::from(([127, 0, 0, 1], free_port())),
            rtp_ports: (rtp, rtp + 200),
            recordings_dir: files.path().join("recordings"),
            prompts_dir: tel.prompts_dir.clone(),
            generate_prompts: false,
            staff_networks: vec!["127.0.0.1/32".parse().expect("cidr")],
            ..Default::default()
        },
        Arc::new(tstore.clone()),
        Arc::new(FixedHours(true)),
        Clock::system(),
    )
    .await
    .expect("engine");
    let sip = engine.sip_addr();
    tel.set_engine(engine);
    let engine = tel.engine().expect("engine").clone();

    // Its phone: a SIPp UAS that registers, rings 500 ms, answers.
    let phone_port = free_sip_port();
    let mut reg = Sipp::start(
        &sdir,
        "register",
        &sipp_args(
            Some(sip),
            "uac_register.xml",
            phone_port,
            &["-s", AGENT, "-au", AGENT, "-ap", phone_password, "-m", "1"],
        ),
    );
    let rc =
        tokio::task::spawn_blocking(move || (reg.wait(Duration::from_secs(15)), reg.log_text()))
            .await
            .expect("register");
    assert_eq!(rc.0, Some(0), "REGISTER: {}", rc.1);
    let phone_calls = (2 * (calls + warmup) + 10).to_string();
    let _phone = Sipp::start(
        &sdir,
        "phone",
        &sipp_args(None, "uas_agent.xml", phone_port, &["-m", &phone_calls]),
    );

    // The engine's offers to 1001 (the reference instants) and answers.
    let offers: Arc<Mutex<Vec<Offer>>> = Arc::default();
    let answered = Arc::new(AtomicUsize::new(0));
    let endings: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    {
        let mut events = engine.events();
        let offers = offers.clone();
        let answered = answered.clone();
        let endings = endings.clone();
        tokio::spawn(async move {
            let trace = std::env::var_os("TRACE_EVENTS").is_some();
            while let Ok(e) = events.recv().await {
                if trace {
                    eprintln!("{}", serde_json::to_string(&e).unwrap_or_default());
                }
                match e.kind {
                    EventKind::CallOffered {
                        call_id, agent_id, ..
                    } if agent_id == AGENT => {
                        let mut g = offers.lock().unwrap_or_else(|p| p.into_inner());
                        if !g.iter().any(|o| o.call_id == call_id) {
                            g.push(Offer {
                                call_id,
                                at_ms: e.at.timestamp_micros() as f64 / 1000.0,
                            });
                        }
                    }
                    EventKind::CallAnswered {
                        agent_id: Some(a), ..
                    } if a == AGENT => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    EventKind::CallEnded { disposition, .. } => {
                        let mut g = endings.lock().unwrap_or_else(|p| p.into_inner());
                        *g.entry(format!("{disposition:?}")).or_default() += 1;
                    }
                    _ => {}
                }
            }
        });
    }

    // The other consoles: operator accounts of the same tenant, each logged in at its own desk.
    let started = Instant::now();
    let tenant = operator.tenant_id;
    let receipts: Arc<Receipts> = Arc::default();
    for i in 0..consoles {
        let username = format!("bench.console{i:03}");
        let mut tx = db.store.begin().await.expect("tx");
        let id = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: username.clone(),
                display_name: format!("Điện thoại viên {i}"),
                email: String::new(),
                phone: String::new(),
                tenant_id: tenant,
                password: PASSWORD.into(),
                must_change_password: false,
            },
            clock.now(),
        )
        .await
        .expect("account");
        accounts::set_grants(
            &mut tx,
            id,
            &[Grant::new(Role::Operator, tenant, None).expect("grant")],
            clock.now(),
        )
        .await
        .expect("grant");
        tx.commit().await.expect("commit");
        let http = login(&base, &username, i).await;
        follow(&base, http, receipts.clone()).await;
    }
    let streams_up = started.elapsed();

    // The operator's console in Chromium, and the wallboard in a second Chromium.
    let console_driver = Driver::start();
    let board_driver = Driver::start();
    let c = console_driver.browser().await;
    let b = board_driver.browser().await;
    browser_login(&c, &base, "tongdai1").await;
    c.goto(&format!("{base}/console")).await.expect("console");
    wait_for(
        &c,
        "var l = document.getElementById('live-state'); var r = document.getElementById('console'); \
         return l && r && l.textContent === r.getAttribute('data-live');",
        "the console's live stream",
    )
    .await;
    c.execute(POP_OBSERVER, vec![])
        .await
        .expect("the pop observer");
    click(&c, "[data-cmd='agent.login']").await;
    wait_for(
        &c,
        "return document.getElementById('agent-state').getAttribute('data-status') === 'available';",
        "the agent available",
    )
    .await;
    browser_login(&b, &base, "dieuphoi").await;
    b.goto(&format!("{base}/wallboard"))
        .await
        .expect("wallboard");
    wait_for(
        &b,
        "return document.getElementById('board') !== null;",
        "the wallboard",
    )
    .await;
    b.execute(BOARD_OBSERVER, vec![])
        .await
        .expect("the board observer");
    println!(
        "console_pop bench on {backend}: {consoles} console streams up in {:.1} s, the console and the wallboard in Chromium; placing {warmup} + {calls} calls",
        streams_up.as_secs_f64()
    );

    // The calls, one after another.
    let total = calls + warmup;
    let calls_started = Instant::now();
    let mut caller = Sipp::start(
        &sdir,
        "caller",
        &sipp_args(
            Some(sip),
            "uac_greeting_queue.xml",
            free_port(),
            &[
                "-s",
                "1800888880",
                "-d",
                &talk_ms.to_string(),
                "-set",
                "dtmf_at_ms",
                "2500",
                "-m",
                &total.to_string(),
                "-l",
                "1",
                "-trace_stat",
                "-stf",
                "caller.csv",
                "-fd",
                "5",
            ],
        ),
    );
    let limit = Duration::from_millis((total * (talk_ms + 15_000)) as u64 + 60_000);
    let (rc, caller_log) =
        tokio::task::spawn_blocking(move || (caller.wait(limit), caller.log_text()))
            .await
            .expect("caller");
    let calls_wall = calls_started.elapsed();
    // One wallboard refresh after the last call, and the last pops.
    tokio::time::sleep(Duration::from_secs(7)).await;

    // What the pages recorded.
    let pops: Vec<serde_json::Value> = c
        .execute(POP_RESULTS, vec![])
        .await
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let board = b.execute(BOARD_RESULTS, vec![]).await.unwrap_or_default();
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), b.close()).await;
    drop(console_driver);
    drop(board_driver);
    let pops: HashMap<String, serde_json::Value> = pops
        .into_iter()
        .filter_map(|p| Some((p["id"].as_str()?.to_owned(), p)))
        .collect();

    let offers = std::mem::take(&mut *offers.lock().unwrap_or_else(|p| p.into_inner()));
    let measured = offers.get(warmup..).unwrap_or_default();
    let mut dom = Vec::new();
    let mut paint = Vec::new();
    let mut to_page = Vec::new();
    let mut fetch = Vec::new();
    let mut render = Vec::new();
    let mut missing = Vec::new();
    for o in measured {
        let Some(p) = pops.get(&o.call_id) else {
            missing.push(o.call_id.clone());
            continue;
        };
        let (Some(dom_wall), Some(dom_perf)) = (p["dom_wall"].as_f64(), p["dom"].as_f64()) else {
            missing.push(o.call_id.clone());
            continue;
        };
        dom.push(dom_wall - o.at_ms);
        if let Some(w) = p["paint_wall"].as_f64() {
            paint.push(w - o.at_ms);
        }
        if let (Some(s), Some(e)) = (p["fetch_start"].as_f64(), p["fetch_end"].as_f64()) {
            to_page.push(dom_wall - o.at_ms - (dom_perf - s));
            fetch.push(e - s);
            render.push(dom_perf - e);
        }
    }
    let by_call = std::mem::take(&mut *receipts.by_call.lock().unwrap_or_else(|p| p.into_inner()));
    let mut fan_all = Vec::new();
    let mut fan_last = Vec::new();
    let mut short = 0usize;
    for o in measured {
        let got = by_call.get(&o.call_id).cloned().unwrap_or_default();
        short += consoles.saturating_sub(got.len());
        fan_all.extend(got.iter().map(|t| t - o.at_ms));
        if let Some(last) = got.iter().copied().reduce(f64::max) {
            fan_last.push(last - o.at_ms);
        }
    }
    let csv = sdir.join("caller.csv");
    let ok = last_csv(&csv, "SuccessfulCall(C)");
    let failed = last_csv(&csv, "FailedCall(C)");

    println!(
        "machine: {}; the application (web + engine), the {consoles} stream readers, SIPp (caller and phone) and two headless Chromium share it",
        machine()
    );
    println!(
        "command: TONGDAI_TEST_BACKEND={} CALLS={calls} WARMUP={warmup} CONSOLES={consoles} TALK_MS={talk_ms} cargo bench -p tongdai-web --bench console_pop",
        if backend == "SQLite" {
            "sqlite"
        } else {
            "postgres"
        }
    );
    println!(
        "calls: SIPp exit {rc:?}, successful {ok:?}, failed {failed:?} of {total} in {:.0} s; offered to {AGENT}: {} ({} measured after {warmup} warm-up); answered by {AGENT}: {}",
        calls_wall.as_secs_f64(),
        offers.len(),
        measured.len(),
        answered.load(Ordering::Relaxed)
    );
    let mut endings: Vec<(String, usize)> = endings
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .into_iter()
        .collect();
    endings.sort();
    println!("calls ended, by disposition: {endings:?}");
    if rc != Some(0) {
        let tail: String = caller_log
            .chars()
            .rev()
            .take(1500)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        println!("caller log (end):\n{tail}");
    }
    println!("offer -> pop in the DOM           {}", summary(dom.clone()));
    println!("offer -> pop painted (next frame) {}", summary(paint));
    println!("  offer -> SSE event in the page  {}", summary(to_page));
    println!("  GET /console/pop (browser)      {}", summary(fetch));
    println!("  response -> pop in the DOM      {}", summary(render));
    let over = dom.iter().filter(|d| **d >= 200.0).count();
    println!(
        "failures: {} calls offered without a pop{}; {over} pops at 200 ms or later; calls placed but not offered: {}",
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(" ({})", missing.join(", "))
        },
        (total as u64).saturating_sub(offers.len() as u64)
    );
    println!(
        "fan-out to {consoles} streams, offer -> receipt, every stream and call {}",
        summary(fan_all)
    );
    println!(
        "fan-out, the last of {consoles} streams per call          {}",
        summary(fan_last)
    );
    println!(
        "fan-out losses: {short} receipts missing, {} resync events",
        receipts.resyncs.load(Ordering::Relaxed)
    );
    let snaps = board["snaps"].as_array().cloned().unwrap_or_default();
    let polls: Vec<f64> = board["polls"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    let answered_on_board = |s: Option<&serde_json::Value>| {
        s.and_then(|s| s["answered"].as_str())
            .unwrap_or("?")
            .to_owned()
    };
    let board_last = answered_on_board(snaps.last());
    println!(
        "wallboard: {} refreshes, answered today {} -> {board_last} ({}: {} answered by {AGENT}); its poll of /wallboard/data (browser) {}",
        snaps.len(),
        answered_on_board(snaps.first()),
        if board_last == answered.load(Ordering::Relaxed).to_string() {
            "up to date"
        } else {
            "NOT up to date"
        },
        answered.load(Ordering::Relaxed),
        summary(polls)
    );

    engine.shutdown(Duration::from_secs(2)).await;
    let _ = stop.send(());
    // The streams are still open: graceful shutdown would wait for them.
    let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
    db.drop_pg().await;
}
