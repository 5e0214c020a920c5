//! Intake rate through the JSON API (issue 4, CASE-1, BENCHMARKS.md).
//!
//! The real application on a random port with its own database (SQLite or PostgreSQL, per
//! `TONGDAI_TEST_BACKEND`, as `tests/common`; on PostgreSQL a `tongdai_bench_…` database dropped
//! afterwards), the demo organisation, and an API token of the
//! demo operator `tongdai1`. `CONCURRENCY` clients (one reqwest pool, keep-alive) post `INTAKE`
//! valid cases to `POST /api/v1/cases`, then the same number of citizens' submissions to the
//! public `POST /api/v1/public/cases` as the portal's reverse proxy forwards them
//! (`behind_proxy`, one `X-Forwarded-For` address per citizen) under the default spam limits
//! (`[cases] public_per_hour`, `public_per_day`), which every submission passes. Prints
//! cases per second and the latency percentiles of each. The load generator runs in the same
//! process as the server, on the same cores.
//!
//! Run: `TONGDAI_TEST_BACKEND=sqlite cargo bench -p tongdai-web --bench intake`
//! Sizes (defaults): `INTAKE=20000 CONCURRENCY=32`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant as Wall};
use tongdai_domain::time::Clock;
use tongdai_store::clock::SystemClock;
use tongdai_store::testing::TestDb;
use tongdai_store::{Backend, Store, accounts, demo};
use tongdai_web::{AppState, WebSettings};

const PASSWORD: &str = "Mật khẩu thử nghiệm 2026";

const MOBILE: &[&str] = &[
    "090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "070", "076", "077",
    "078", "079", "081", "082", "083", "084", "085", "032", "033", "034", "035", "036", "037",
    "038", "039",
];
const NAMES: &[&str] = &[
    "Nguyễn Thị Hồng Nhung",
    "Trần Văn Bình",
    "Lê Minh Tuấn",
    "Phạm Thị Lan",
    "Huỳnh Quốc Việt",
    "Võ Thị Thu Trang",
];
const CONTENTS: &[&str] = &[
    "Đường ấp An Hòa bị ngập nặng sau mưa, người dân đi lại rất khó khăn. Mong xã sớm khơi thông cống thoát nước.",
    "Đèn chiếu sáng công cộng tại ấp Bình Thới hư hỏng nhiều tuần nay chưa được sửa chữa, ban đêm rất tối.",
    "Hồ sơ đăng ký hộ kinh doanh của tôi nộp tại bộ phận một cửa đã quá ngày hẹn mà chưa nhận được kết quả.",
    "Rác thải sinh hoạt tại ấp Hòa Long không được thu gom đúng lịch, bốc mùi hôi ảnh hưởng các hộ xung quanh.",
];

/// The database of the run, fresh and migrated, on the backend the tests use: SQLite through
/// `TestDb`; on PostgreSQL a database of its own on `TONGDAI_TEST_PG_URL` named `tongdai_bench_…`
/// (not `tongdai_t_…`, which a clean-up of stale test databases on the shared server may drop in
/// the middle of a long run), dropped at the end.
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
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
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
        let url = format!("{base}/{name}");
        let store = Store::connect(&url).await.expect("connect");
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

fn phone(i: usize) -> String {
    format!("{}{:07}", MOBILE[i % MOBILE.len()], (i * 7919) % 10_000_000)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Posts `count` bodies from `concurrency` clients; returns the wall time and the latencies of
/// the accepted ones, and prints the first refusal if any.
async fn run(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    first: usize,
    count: usize,
    concurrency: usize,
    body: fn(usize) -> serde_json::Value,
) -> (Duration, Vec<Duration>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Wall::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let http = http.clone();
        let url = url.to_owned();
        let token = token.map(str::to_owned);
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return (times, failed);
                }
                let mut req = http.post(&url).json(&body(first + i));
                match &token {
                    Some(t) => req = req.bearer_auth(t),
                    // A citizen: through the proxy, from an address of their own.
                    None => {
                        let n = first + i;
                        let from = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
                        req = req.header("x-forwarded-for", from);
                    }
                }
                let t = Wall::now();
                match req.send().await {
                    Ok(resp) if resp.status() == reqwest::StatusCode::CREATED => {
                        let _ = resp.bytes().await;
                        times.push(t.elapsed());
                    }
                    Ok(resp) => {
                        let status = resp.status();
                        let text = resp.text().await.unwrap_or_default();
                        if failed == 0 {
                            eprintln!(
                                "refused: {status} {}",
                                text.chars().take(300).collect::<String>()
                            );
                        }
                        failed += 1;
                    }
                    Err(e) => {
                        if failed == 0 {
                            eprintln!("request failed: {e}");
                        }
                        failed += 1;
                    }
                }
            }
        }));
    }
    let mut all = Vec::with_capacity(count);
    let mut failed = 0;
    for t in tasks {
        let (times, f) = t.await.expect("client task");
        all.extend(times);
        failed += f;
    }
    let wall = started.elapsed();
    all.sort();
    (wall, all, failed)
}

fn report(label: &str, wall: Duration, times: &[Duration], failed: usize) {
    println!(
        "{label:<44} {:>6} cases in {:>6.1} s = {:>6.0} cases/s  p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms  refused {failed}",
        times.len(),
        wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64(),
        percentile(times, 0.50),
        percentile(times, 0.95),
        percentile(times, 0.99),
    );
}

fn staff_body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "caller_name": NAMES[i % NAMES.len()],
        "phone": phone(i),
        "address": "ấp An Hòa, xã An Châu",
        "channel": "phone",
        "kind": "phan_anh",
        "content": CONTENTS[i % CONTENTS.len()],
        "notice_version": "2026-01",
    })
}

fn public_body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "caller_name": NAMES[i % NAMES.len()],
        "phone": phone(i),
        "address": "ấp Bình Thới, xã Bình Hòa",
        "kind": "phan_anh",
        "content": CONTENTS[i % CONTENTS.len()],
        "notice_version": "2026-01",
    })
}

#[tokio::main]
async fn main() {
    let count = env_usize("INTAKE", 20_000);
    let concurrency = env_usize("CONCURRENCY", 32).max(1);
    let warmup = (count / 20).clamp(1, 500);

    // The application as `tests/common` spawns it, behind a (pretend) reverse proxy.
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
        clock.clone() as Arc<dyn Clock>,
        tongdai_store::files::FileStore::new(files.path()),
        tongdai_cases::CaseSettings::default(),
    );
    let state = AppState::new(
        db.store.clone(),
        WebSettings {
            behind_proxy: true,
            ..WebSettings::default()
        },
        clock.clone() as Arc<dyn Clock>,
    )
    .with_cases(cases);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tongdai_web::serve(state, listener, async move {
        let _ = stopped.await;
    }));

    // The operator's personal API token (the cases go to the operator's first tenant).
    let token = {
        let mut c = db.store.conn().await.expect("conn");
        let (operator, _) = accounts::find_for_login(&mut c, "tongdai1")
            .await
            .expect("query")
            .expect("demo operator");
        accounts::create_api_token(&mut c, operator.id, "bench", None, clock.now())
            .await
            .expect("token")
            .0
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    println!(
        "intake bench on {backend}: {count} cases per API, {concurrency} concurrent clients, {warmup} warm-up requests first"
    );

    let staff_url = format!("{addr}/api/v1/cases");
    run(
        &http,
        &staff_url,
        Some(&token),
        0,
        warmup,
        concurrency,
        staff_body,
    )
    .await;
    let (wall, times, failed) = run(
        &http,
        &staff_url,
        Some(&token),
        warmup,
        count,
        concurrency,
        staff_body,
    )
    .await;
    report("POST /api/v1/cases (operator token)", wall, &times, failed);

    let public_url = format!("{addr}/api/v1/public/cases");
    run(
        &http,
        &public_url,
        None,
        1_000_000,
        warmup,
        concurrency,
        public_body,
    )
    .await;
    let (wall, times, failed) = run(
        &http,
        &public_url,
        None,
        1_000_000 + warmup,
        count,
        concurrency,
        public_body,
    )
    .await;
    report(
        "POST /api/v1/public/cases (one address each)",
        wall,
        &times,
        failed,
    );

    let total: i64 = {
        let mut c = db.store.conn().await.expect("conn");
        sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&mut *c)
            .await
            .expect("count")
    };
    println!("cases in the database: {total}");
    let _ = stop.send(());
    let _ = server.await;
    db.drop_pg().await;
}
