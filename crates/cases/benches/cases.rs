//! Cases at scale (issue 4, BENCHMARKS.md): the logbook and overdue-list queries on a million
//! cases, and the deadline runner working through 100,000 due escalations, on the backend the
//! tests use (`TONGDAI_TEST_BACKEND=sqlite|postgres`; PostgreSQL at `TONGDAI_TEST_PG_URL`,
//! default `postgres://postgres@127.0.0.1:5432/test`, in a fresh `tongdai_bench_…` database
//! dropped afterwards).
//!
//! The cases are made by the domain itself — `case::receive` and `case::decide` with the demo
//! organisation's calendar and policy, the deadline jobs run by the system at their instants —
//! so every document, history line, deadline column, agency row and job row is what the case
//! service would have written over two years. Only the writing is different: multi-row INSERTs
//! in large transactions, so that a million cases load in minutes.
//!
//! Then it times the query functions the pages call (`tongdai_store::cases::list` with the
//! filters of `/cases/logbook` and `/cases/overdue`, and the reads that build those pages), and
//! finally enqueues due `case.escalate` jobs on fresh cases and times `Runner::run_pending`.
//!
//! Run: `TONGDAI_TEST_BACKEND=sqlite cargo bench -p tongdai-cases --bench cases`
//! Sizes (defaults): `CASES=1000000 DEADLINES=100000 RUNS=200`; e.g. `CASES=20000
//! DEADLINES=2000` for a quick run. `SQLITE_ANALYZE=1` runs `ANALYZE` on SQLite before the
//! queries (the application never does; PostgreSQL is always analysed, as autovacuum would);
//! `KEEP=1` keeps the database and prints its URL. `WORKERS=n` sets the deadline runner's workers (default 2).

use chrono::{NaiveDate, TimeDelta};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant as Wall};
use tongdai_cases::{CaseService, CaseSettings, TenantContext};
use tongdai_domain::Instant;
use tongdai_domain::access::{Grant, Principal, Role};
use tongdai_domain::case::{
    self, Actor, Case, CaseCode, CaseIds, CaseKind, CaseState, Channel, Command, ContentClass,
    Context, Deadlines, NewCase, Outcome, RawIntake,
};
use tongdai_domain::time::{Clock, from_vietnam, to_vietnam};
use tongdai_jobs::Runner;
use tongdai_store::cases::{self as store_cases, Filter};
use tongdai_store::testing::TestDb;
use tongdai_store::{Backend, Store, accounts, demo, fold, micros, org};

const PASSWORD: &str = "Mật khẩu thử nghiệm 2026";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> Instant {
    from_vietnam(
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("valid date"),
    )
}

/// A clock that stands still: the bench decides what "now" is.
#[derive(Debug)]
struct Fixed(Instant);

impl Clock for Fixed {
    fn now(&self) -> Instant {
        self.0
    }
}

/// xorshift64*: reproducible pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// A duration uniformly between `lo` and `hi` minutes.
    fn minutes(&mut self, lo: i64, hi: i64) -> TimeDelta {
        TimeDelta::seconds(lo * 60 + self.below(((hi - lo) * 60).max(1) as u64) as i64)
    }
}

/// Weighted choice by cumulative weights (a Zipf-like skew over agencies and fields: a few
/// receive most of the cases, as in real hotlines).
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Copy> Weighted<T> {
    fn zipf(items: Vec<T>, s: f64) -> Weighted<T> {
        let mut acc = 0.0;
        let cumulative = (0..items.len())
            .map(|i| {
                acc += 1.0 / ((i + 1) as f64).powf(s);
                acc
            })
            .collect();
        Weighted { items, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> T {
        let total = *self.cumulative.last().expect("items");
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        self.items[i.min(self.items.len() - 1)]
    }
}

// ------------------------------------------------------------------ what callers say

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ",
    "Ngô", "Hồ", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Văn",
    "Thị",
    "Minh",
    "Ngọc",
    "Thanh",
    "Hữu",
    "Quốc",
    "Thu",
    "Kim",
    "Hoàng",
    "Thị Thu",
    "Văn Hữu",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Nam", "Nga", "Nhung", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
    "Thắng", "Trang", "Tuấn", "Vân", "Việt", "Yến",
];
const HAMLETS: &[&str] = &[
    "An Hòa",
    "An Thạnh",
    "Bình Thới",
    "Hòa Long",
    "Tân Lợi",
    "Vĩnh Phú",
    "Cần Thới",
    "Phú Hiệp",
    "Long Điền",
    "Mỹ Hòa",
    "Hòa Bình",
    "Thạnh Lợi",
];
const COMMUNES: &[&str] = &["An Châu", "Bình Hòa", "Cần Đăng", "Vĩnh Hanh", "Vĩnh An"];
const MOBILE: &[&str] = &[
    "090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "070", "076", "077",
    "078", "079", "081", "082", "083", "084", "085", "032", "033", "034", "035", "036", "037",
    "038", "039",
];
const TTHC: &[&str] = &[
    "đăng ký khai sinh",
    "cấp giấy xác nhận tình trạng hôn nhân",
    "chứng thực bản sao từ bản chính",
    "đăng ký thường trú",
    "cấp đổi giấy chứng nhận quyền sử dụng đất",
    "đăng ký hộ kinh doanh",
    "cấp giấy phép xây dựng nhà ở riêng lẻ",
    "đăng ký kết hôn",
    "trợ cấp xã hội hằng tháng cho người cao tuổi",
    "cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
];
const PHAN_ANH: &[&str] = &[
    "Đường giao thông nông thôn tại {p} bị ngập nặng sau mỗi trận mưa, người dân đi lại rất khó khăn.",
    "Đèn chiếu sáng công cộng tại {p} hư hỏng nhiều tuần nay chưa được sửa chữa.",
    "Cơ sở chế biến thủy sản tại {p} xả nước thải chưa qua xử lý ra kênh thủy lợi, bốc mùi hôi.",
    "Hồ sơ {t} của gia đình tôi nộp tại bộ phận một cửa đã quá ngày hẹn trả kết quả mà chưa nhận được.",
    "Rác thải sinh hoạt tại {p} không được thu gom đúng lịch, ứ đọng nhiều ngày.",
    "Quán karaoke tại {p} hát to sau 22 giờ, ảnh hưởng giấc ngủ của các hộ xung quanh.",
    "Cầu bắc qua kênh tại {p} xuống cấp, lan can bị gãy, nguy hiểm cho học sinh đi học.",
    "Cán bộ tiếp nhận hồ sơ {t} yêu cầu nộp thêm giấy tờ không có trong danh mục đã công khai.",
];
const KIEN_NGHI: &[&str] = &[
    "Đề nghị lắp thêm đèn tín hiệu giao thông tại ngã ba gần {p}.",
    "Kiến nghị cho phép nộp hồ sơ {t} trực tuyến toàn trình, không phải nộp bản giấy.",
    "Đề nghị nạo vét kênh nội đồng tại {p} trước mùa mưa lũ.",
    "Kiến nghị bố trí thêm một buổi tiếp nhận hồ sơ vào sáng thứ Bảy tại {p}.",
];
const DICH_VU: &[&str] = &[
    "Đề nghị bưu điện đến nhận hồ sơ {t} tại nhà ở {p}.",
    "Xin đặt lịch hẹn làm thủ tục {t} vào đầu tuần sau.",
    "Nhờ tra cứu tình trạng hồ sơ {t} đã nộp tháng trước.",
];
const HOI_DAP: &[&str] = &[
    "Tôi muốn hỏi thủ tục {t} cần những giấy tờ gì, nộp ở đâu và mất bao lâu.",
    "Cho tôi hỏi lệ phí {t} là bao nhiêu và có nộp trực tuyến được không.",
    "Gia đình tôi ở {p}, muốn làm {t} cho con thì cần chuẩn bị những gì.",
];
const KHIEU_NAI: &[&str] = &[
    "Tôi không đồng ý với quyết định xử phạt vi phạm hành chính về xây dựng đối với nhà tôi tại {p}.",
    "Tôi khiếu nại việc thu hồi đất của gia đình tại {p} mà mức bồi thường không thỏa đáng.",
];
const TO_CAO: &[&str] =
    &["Tôi tố cáo cán bộ địa chính có dấu hiệu nhận tiền khi giải quyết hồ sơ {t} tại {p}."];
const NGOAI: &[&str] = &[
    "Tôi muốn hỏi giá lúa hôm nay ở {p}.",
    "Nhà hàng xóm tranh chấp ranh giới đất với gia đình tôi tại {p}, nhờ tổng đài phân xử.",
];
const EXTRAS: &[&str] = &[
    "Mong cơ quan chức năng sớm xem xét, giải quyết.",
    "Gia đình tôi đã báo với tổ trưởng tổ dân cư nhưng chưa có kết quả.",
    "Tình trạng này kéo dài khoảng hai tuần nay.",
    "Đề nghị trả lời bằng văn bản để tôi được biết.",
    "Nhiều hộ dân xung quanh cũng có cùng ý kiến.",
    "Xin cảm ơn.",
];
const ANSWERS: &[&str] = &[
    "Cơ quan đã tiếp nhận nội dung của ông/bà. Cán bộ đã kiểm tra thực tế tại địa phương và phối hợp với các đơn vị liên quan xử lý dứt điểm trong tuần.",
    "Về nội dung ông/bà hỏi, hồ sơ gồm tờ khai theo mẫu, giấy tờ tùy thân và giấy tờ chứng minh; nộp tại bộ phận một cửa hoặc trên Cổng Dịch vụ công; thời hạn giải quyết theo quy định.",
    "Cơ quan ghi nhận kiến nghị của ông/bà và đã báo cáo lãnh đạo để đưa vào kế hoạch năm tới; kết quả sẽ được thông báo công khai tại trụ sở.",
];

fn fill(template: &str, rng: &mut Rng, commune: &str) -> String {
    let place = format!("ấp {}, xã {commune}", rng.pick(HAMLETS));
    template
        .replace("{p}", &place)
        .replace("{t}", rng.word(TTHC))
}

/// The database of the run, fresh and migrated, on the backend the tests use: SQLite through
/// `TestDb`; on PostgreSQL a database of its own on `TONGDAI_TEST_PG_URL` named `tongdai_bench_…`
/// (not `tongdai_t_…`, which a clean-up of stale test databases on the shared server may drop in
/// the middle of a long run), dropped at the end.
struct BenchDb {
    store: Store,
    url: String,
    pg: Option<(String, String)>,
    _sqlite: Option<TestDb>,
}

impl BenchDb {
    async fn new() -> BenchDb {
        if tongdai_store::testing::backend() == Backend::Sqlite {
            let db = TestDb::new().await;
            return BenchDb {
                store: db.store.clone(),
                url: db.url.clone(),
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
            url,
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

// ------------------------------------------------------------------ the organisation

struct TenantInfo {
    id: i64,
    commune: &'static str,
    ctx: Arc<TenantContext>,
    /// The agencies its cases go to, busiest first.
    agencies: Weighted<i64>,
}

struct Org {
    huyen: TenantInfo,
    province: TenantInfo,
    communes: Vec<TenantInfo>,
    fields: Weighted<i64>,
    operators: Vec<Actor>,
    coordinator: Actor,
    leadership: Actor,
    focal: HashMap<i64, Actor>,
    head: HashMap<i64, Actor>,
}

fn staff(id: i64, name: &str, role: Role, tenant: Option<i64>, agency: Option<i64>) -> Actor {
    Actor::Staff {
        account_id: id,
        name: name.to_owned(),
        grants: vec![Grant::new(role, tenant, agency).expect("grant")],
    }
}

async fn principal(store: &Store, username: &str) -> Principal {
    let mut c = store.conn().await.expect("conn");
    let (a, _) = accounts::find_for_login(&mut c, username)
        .await
        .expect("query")
        .expect("account");
    accounts::principal(&mut c, &a).await.expect("principal")
}

/// Every agency gets a focal officer and a head with an e-mail address (the demo has them for
/// a few agencies only), so escalations notify as many people as in a real deployment.
async fn load_org(store: &Store, service: &CaseService, now: Instant) -> Org {
    let mut c = store.conn().await.expect("conn");
    let tenants = org::tenants(&mut c).await.expect("tenants");
    let agencies = org::agencies(&mut c, None).await.expect("agencies");
    let fields: Vec<i64> = org::fields(&mut c)
        .await
        .expect("fields")
        .into_iter()
        .map(|f| f.id)
        .collect();
    drop(c);
    let mut focal = HashMap::new();
    let mut head = HashMap::new();
    for a in &agencies {
        for (role, map, prefix) in [
            (Role::FocalOfficer, &mut focal, "bench.focal"),
            (Role::AgencyHead, &mut head, "bench.head"),
        ] {
            let mut tx = store.begin().await.expect("tx");
            let existing = accounts::holders(&mut tx, role, Some(a.id), &[])
                .await
                .expect("holders");
            let (id, name) = match existing.first() {
                Some(x) => (x.id, x.display_name.clone()),
                None => {
                    let username = format!("{prefix}.{}", a.id);
                    let name = format!("Cán bộ {} {}", a.code, a.id);
                    let id = accounts::create(
                        &mut tx,
                        &accounts::NewAccount {
                            username: username.clone(),
                            display_name: name.clone(),
                            email: format!("{username}@bench.tongdai.invalid"),
                            phone: String::new(),
                            tenant_id: Some(a.tenant_id),
                            password: PASSWORD.into(),
                            must_change_password: false,
                        },
                        now,
                    )
                    .await
                    .expect("account");
                    accounts::set_grants(
                        &mut tx,
                        id,
                        &[Grant::new(role, Some(a.tenant_id), Some(a.id)).expect("grant")],
                        now,
                    )
                    .await
                    .expect("grants");
                    (id, name)
                }
            };
            tx.commit().await.expect("commit");
            map.insert(a.id, staff(id, &name, role, Some(a.tenant_id), Some(a.id)));
        }
    }
    let by_code = |code: &str| tenants.iter().find(|t| t.code == code).expect(code).id;
    let mut c = store.conn().await.expect("conn");
    let info = |id: i64, commune: &'static str, tenants_of: Vec<i64>, seed: u64| {
        let mut list: Vec<i64> = agencies
            .iter()
            .filter(|a| tenants_of.contains(&a.tenant_id) && !a.is_coordinator)
            .map(|a| a.id)
            .collect();
        // A fixed shuffle, so the busiest agency is not simply the first by name.
        let mut rng = Rng(seed);
        for i in (1..list.len()).rev() {
            list.swap(i, rng.below(i as u64 + 1) as usize);
        }
        (id, commune, Weighted::zipf(list, 1.0))
    };
    let huyen = by_code("huyen-chau-thanh");
    let province = by_code("tinh-an-giang");
    let commune_codes = [
        ("xa-an-chau", "An Châu"),
        ("xa-binh-hoa", "Bình Hòa"),
        ("xa-can-dang", "Cần Đăng"),
        ("xa-vinh-hanh", "Vĩnh Hanh"),
        ("xa-vinh-an", "Vĩnh An"),
    ];
    let commune_ids: Vec<i64> = commune_codes.iter().map(|(c, _)| by_code(c)).collect();
    let mut all_new = vec![province];
    all_new.extend(&commune_ids);
    let mut parts = vec![
        info(huyen, "", vec![huyen], 11),
        info(province, "", all_new, 12),
    ];
    for (i, (id, (_, name))) in commune_ids.iter().zip(commune_codes).enumerate() {
        parts.push(info(*id, name, vec![*id], 13 + i as u64));
    }
    let mut out = Vec::new();
    for (id, commune, agencies) in parts {
        let ctx = service.tenant_context(&mut c, id).await.expect("context");
        out.push(TenantInfo {
            id,
            commune,
            ctx,
            agencies,
        });
    }
    let mut out = out.into_iter();
    let huyen = out.next().expect("huyen");
    let province = out.next().expect("province");
    let communes: Vec<TenantInfo> = out.collect();
    drop(c);
    Org {
        huyen,
        province,
        communes,
        fields: Weighted::zipf(fields, 0.8),
        // The operators, the coordinator and the leadership covered both the district (until
        // the 2025 reform) and the province since; one grant over every tenant stands for both.
        operators: vec![
            staff(
                principal(store, "tongdai1").await.account_id,
                "Lê Văn Tổng Đài",
                Role::Operator,
                None,
                None,
            ),
            staff(
                principal(store, "tongdai2").await.account_id,
                "Phạm Thị Trực",
                Role::Operator,
                None,
                None,
            ),
        ],
        coordinator: staff(
            principal(store, "dieuphoi").await.account_id,
            "Trần Thị Điều Phối",
            Role::Coordinator,
            None,
            None,
        ),
        leadership: staff(
            principal(store, "lanhdao").await.account_id,
            "Võ Minh Lãnh Đạo",
            Role::Leadership,
            None,
            None,
        ),
        focal,
        head,
    }
}

// ------------------------------------------------------------------ one case's life

struct JobRow {
    kind: &'static str,
    run_at: Instant,
    created_at: Instant,
    done_at: Option<Instant>,
}

/// A case as the service would have left it, with everything written beside it.
struct Made {
    case: Case,
    version: i64,
    deadlines: Deadlines,
    events: Vec<case::Event>,
    jobs: BTreeMap<String, JobRow>,
    source_ip: &'static str,
    updated_at: Instant,
}

struct Sim<'a> {
    tc: &'a TenantContext,
    end: Instant,
    m: Made,
    refused: &'a mut u64,
}

impl Sim<'_> {
    fn context(&self, now: Instant) -> Context<'_> {
        Context {
            now,
            calendar: &self.tc.calendar,
            policy: &self.tc.policy,
            tenant_path: &self.tc.tenant_path,
        }
    }

    fn absorb(&mut self, o: Outcome, at: Instant) {
        self.m.events.extend(o.events);
        self.m.case = o.case;
        self.m.deadlines = o.deadlines;
        self.m.version += 1;
        self.m.updated_at = at;
        self.schedule(at);
    }

    /// What `tongdai_cases::jobs::schedule` queues after a change.
    fn schedule(&mut self, at: Instant) {
        let case = &self.m.case;
        let d = self.m.deadlines;
        let focal_running = case
            .clocks
            .focal
            .as_ref()
            .is_some_and(|f| f.stopped_at.is_none() && f.paused_since.is_none());
        let with_officer = matches!(
            case.state,
            CaseState::Assigned | CaseState::Acknowledged | CaseState::Reopened
        );
        let mut new = Vec::new();
        if with_officer
            && focal_running
            && let Some(due) = d.due_at
        {
            new.push((tongdai_cases::jobs::ESCALATE, due));
        }
        if (with_officer || case.state == CaseState::Escalated)
            && !case.hard_breached
            && let Some(hard) = d.hard_due_at
        {
            new.push((tongdai_cases::jobs::HARD_BREACH, hard));
        }
        if case.state == CaseState::Answered
            && let Some(answered) = case.answered_at
            && let Ok(until) = self
                .tc
                .calendar
                .working_days_deadline(answered, self.tc.policy.windows.reopen_working_days)
        {
            new.push((
                tongdai_cases::jobs::AUTO_CLOSE,
                until + TimeDelta::seconds(1),
            ));
        }
        for (kind, run_at) in new {
            let key = format!("{kind}:{}:{}", case.id, run_at.timestamp_micros());
            self.m.jobs.entry(key).or_insert(JobRow {
                kind,
                run_at,
                created_at: at,
                done_at: None,
            });
        }
    }

    fn decide(&mut self, actor: &Actor, command: &Command, at: Instant) -> bool {
        let result = case::decide(&self.m.case, actor, command, &self.context(at));
        match result {
            Ok(o) => {
                self.absorb(o, at);
                true
            }
            Err(_) => {
                *self.refused += 1;
                false
            }
        }
    }

    /// The system's deadline jobs due up to `until`, run as the runner would (a few seconds
    /// after their instant).
    fn run_due(&mut self, until: Instant) {
        loop {
            let next = self
                .m
                .jobs
                .iter()
                .filter(|(_, j)| j.done_at.is_none() && j.run_at <= until)
                .min_by_key(|(_, j)| j.run_at)
                .map(|(k, j)| (k.clone(), j.kind, j.run_at));
            let Some((key, kind, at)) = next else { return };
            let ran = (at + TimeDelta::seconds(3)).min(until);
            let command = match kind {
                k if k == tongdai_cases::jobs::ESCALATE => Command::Escalate,
                k if k == tongdai_cases::jobs::HARD_BREACH => Command::HardDeadlineBreached,
                _ => Command::Close,
            };
            // Not due any more, or already past that step: the job does nothing, as in the
            // service.
            if case::decide(&self.m.case, &Actor::System, &command, &self.context(ran)).is_ok() {
                self.decide(&Actor::System, &command, ran);
            }
            if let Some(j) = self.m.jobs.get_mut(&key) {
                j.done_at = Some(ran);
            }
        }
    }

    /// A person acts at `at` (after the system's due jobs); `None` from `f` skips the step.
    /// Returns false once `at` is past the end of the simulated period.
    fn step(&mut self, at: Instant, f: impl FnOnce(&Case) -> Option<(Actor, Command)>) -> bool {
        if at > self.end {
            return false;
        }
        self.run_due(at);
        if let Some((actor, command)) = f(&self.m.case) {
            self.decide(&actor, &command, at);
        }
        true
    }
}

/// How the generated case should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    /// Whatever two years of a hotline bring, cut at the end of the period.
    Historical,
    /// Forwarded and left with the agency, its focal deadline passed, the escalation job due.
    DueForEscalation,
}

struct Counters {
    seq_by_year: HashMap<u16, u32>,
    refused: u64,
    phones: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn make_case(
    org: &Org,
    rng: &mut Rng,
    counters: &mut Counters,
    id: i64,
    received_at: Instant,
    end: Instant,
    life: Life,
) -> Made {
    let reform = vn(2025, 7, 1, 0, 0);
    let tenant = if received_at < reform {
        &org.huyen
    } else if life == Life::DueForEscalation || rng.chance(0.7) {
        &org.province
    } else {
        rng.pick(&org.communes)
    };
    let kind = if life == Life::DueForEscalation {
        *rng.pick(&[
            CaseKind::PhanAnh,
            CaseKind::KienNghi,
            CaseKind::YeuCauDichVu,
        ])
    } else {
        let x = rng.unit();
        match x {
            x if x < 0.40 => CaseKind::HoiDapTthc,
            x if x < 0.70 => CaseKind::PhanAnh,
            x if x < 0.80 => CaseKind::KienNghi,
            x if x < 0.90 => CaseKind::YeuCauDichVu,
            x if x < 0.95 => CaseKind::KhieuNai,
            x if x < 0.97 => CaseKind::ToCao,
            _ => CaseKind::NgoaiPhamVi,
        }
    };
    let channel = {
        let x = rng.unit();
        match x {
            x if x < 0.70 => Channel::Phone,
            x if x < 0.82 => Channel::Web,
            x if x < 0.86 => Channel::Zalo,
            x if x < 0.89 => Channel::Email,
            x if x < 0.94 => Channel::InPerson,
            x if x < 0.97 => Channel::Post,
            _ => Channel::NationalPortal,
        }
    };
    // One caller in five has called before.
    let phone = if !counters.phones.is_empty() && rng.chance(0.2) {
        rng.pick(&counters.phones).clone()
    } else {
        let p = format!("{}{:07}", rng.pick(MOBILE), rng.below(10_000_000) as u32);
        if counters.phones.len() < 200_000 {
            counters.phones.push(p.clone());
        }
        p
    };
    let name = format!(
        "{} {} {}",
        rng.pick(FAMILY),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    );
    let commune = if tenant.commune.is_empty() {
        *rng.pick(COMMUNES)
    } else if rng.chance(0.6) {
        tenant.commune
    } else {
        *rng.pick(COMMUNES)
    };
    let templates = match kind {
        CaseKind::HoiDapTthc => HOI_DAP,
        CaseKind::PhanAnh => PHAN_ANH,
        CaseKind::KienNghi => KIEN_NGHI,
        CaseKind::YeuCauDichVu => DICH_VU,
        CaseKind::KhieuNai => KHIEU_NAI,
        CaseKind::ToCao => TO_CAO,
        CaseKind::NgoaiPhamVi => NGOAI,
    };
    let mut content = fill(rng.word(templates), rng, commune);
    for _ in 0..rng.below(4) {
        content.push(' ');
        content.push_str(rng.word(EXTRAS));
    }
    let field = org.fields.sample(rng);
    let raw = RawIntake {
        caller_name: name,
        phone: phone.clone(),
        email: if rng.chance(0.25) {
            format!("nguoidan{}@example.vn", rng.below(1_000_000))
        } else {
            String::new()
        },
        address: format!("ấp {}, xã {commune}", rng.pick(HAMLETS)),
        channel: channel.code().to_owned(),
        kind: kind.code().to_owned(),
        content,
        field_id: rng.chance(0.5).then_some(field),
        notice_version: "2026-01".into(),
        ..Default::default()
    };
    let new = NewCase::validate(&raw, &tenant.ctx.policy.intake).expect("a valid contact");
    let year = to_vietnam(received_at)
        .date()
        .format("%Y")
        .to_string()
        .parse::<u16>()
        .expect("year");
    let seq = counters.seq_by_year.entry(year).or_insert(0);
    *seq += 1;
    let code = CaseCode::for_kind(kind, year, *seq).expect("code");
    let self_service = channel.is_self_service();
    let citizen = Actor::Citizen {
        phone: new.caller().phone.clone(),
    };
    let operator = rng.pick(&org.operators).clone();
    let receiver = if self_service {
        citizen.clone()
    } else {
        operator.clone()
    };
    let context = Context {
        now: received_at,
        calendar: &tenant.ctx.calendar,
        policy: &tenant.ctx.policy,
        tenant_path: &tenant.ctx.tenant_path,
    };
    let o = case::receive(
        new,
        CaseIds {
            id,
            code,
            tenant_id: tenant.id,
        },
        &receiver,
        &context,
    )
    .expect("receive");
    let mut sim = Sim {
        tc: &tenant.ctx,
        end,
        m: Made {
            case: o.case.clone(),
            version: 1,
            deadlines: o.deadlines,
            events: o.events,
            jobs: BTreeMap::new(),
            source_ip: if self_service { "203.0.113.7" } else { "" },
            updated_at: received_at,
        },
        refused: &mut counters.refused,
    };
    sim.schedule(received_at);
    let coordinator = org.coordinator.clone();
    let mut t = received_at;

    // Screened out, answered on the spot, refused or sent elsewhere.
    if kind.must_redirect() {
        let (actor, at) = if self_service {
            (coordinator.clone(), t + rng.minutes(30, 1200))
        } else {
            (operator.clone(), t + rng.minutes(1, 5))
        };
        sim.step(at, |_| Some((actor, Command::Redirect { guidance: None })));
        sim.run_due(end);
        return sim.m;
    }
    if life == Life::Historical {
        let on_spot = !self_service
            && match kind {
                CaseKind::HoiDapTthc => rng.chance(0.6),
                CaseKind::YeuCauDichVu => rng.chance(0.3),
                _ => false,
            };
        if on_spot {
            let answer = rng.pick(ANSWERS).to_string();
            sim.step(t + rng.minutes(2, 10), |_| {
                Some((operator, Command::AnswerOnSpot { answer }))
            });
            sim.run_due(end);
            return sim.m;
        }
        if rng.chance(0.02) {
            sim.step(t + rng.minutes(60, 1440), |_| {
                Some((
                    coordinator.clone(),
                    Command::NotAccept {
                        reason: "Nội dung đã được trả lời tại hồ sơ trước, không có tình tiết mới."
                            .into(),
                    },
                ))
            });
            sim.run_due(end);
            return sim.m;
        }
        if rng.chance(0.01) {
            sim.step(t + rng.minutes(60, 1440), |_| {
                Some((
                    coordinator.clone(),
                    Command::ForwardOut {
                        body: "Sở Tài nguyên và Môi trường tỉnh An Giang".into(),
                        reason: "Nội dung thuộc thẩm quyền của cấp tỉnh.".into(),
                    },
                ))
            });
            sim.run_due(end);
            return sim.m;
        }
    }

    // Classified and forwarded by the coordinator.
    let class = match kind {
        CaseKind::PhanAnh => Some(*rng.pick(&ContentClass::ALL[..6])),
        CaseKind::KienNghi => Some(*rng.pick(&ContentClass::ALL[6..])),
        _ => None,
    };
    let complex = life == Life::Historical && rng.chance(0.05);
    let pressing = rng.chance(0.05);
    t += if life == Life::Historical {
        rng.minutes(20, 1200)
    } else {
        rng.minutes(10, 60)
    };
    let ok = sim.step(t, |_| {
        Some((
            coordinator.clone(),
            Command::Classify {
                kind,
                class,
                field_id: Some(field),
                pressing,
                complex,
            },
        ))
    });
    if !ok {
        sim.run_due(end);
        return sim.m;
    }
    let lead = tenant.agencies.sample(rng);
    let mut others = Vec::new();
    if rng.chance(0.1) {
        let o = tenant.agencies.sample(rng);
        if o != lead {
            others.push(o);
        }
    }
    t += rng.minutes(2, 120);
    let ok = sim.step(t, |_| {
        Some((
            coordinator.clone(),
            Command::Forward {
                lead_agency_id: lead,
                other_agency_ids: others,
                note: None,
            },
        ))
    });
    if !ok {
        sim.run_due(end);
        return sim.m;
    }
    let focal = org.focal[&lead].clone();
    let head = org.head[&lead].clone();
    let officer = |c: &Case| -> Actor {
        if c.state == CaseState::Escalated {
            head.clone()
        } else {
            focal.clone()
        }
    };

    if life == Life::DueForEscalation {
        if rng.chance(0.5) {
            t += rng.minutes(15, 120);
            sim.step(t, |c| {
                (c.state == CaseState::Assigned).then(|| (focal.clone(), Command::Acknowledge))
            });
        }
        // No `run_due`: the escalation is left for the runner.
        return sim.m;
    }

    // The agency acknowledges (usually), may wait for the citizen, and answers: mostly in
    // time, sometimes late (escalated to the head, perhaps past the head's limit too), rarely
    // never.
    if rng.chance(0.92) {
        t += rng.minutes(15, 480);
        if !sim.step(t, |c| {
            (c.state == CaseState::Assigned).then(|| (focal.clone(), Command::Acknowledge))
        }) {
            sim.run_due(end);
            return sim.m;
        }
    }
    if rng.chance(0.03) {
        t += rng.minutes(60, 240);
        let by = officer(&sim.m.case);
        if !sim.step(t, |_| {
            Some((
                by,
                Command::Pause {
                    reason: "Chờ người dân bổ sung ảnh chụp hiện trạng.".into(),
                },
            ))
        }) {
            sim.run_due(end);
            return sim.m;
        }
        t += rng.minutes(1440, 8640);
        let by = focal.clone();
        if !sim.step(t, |c| {
            (c.state == CaseState::Paused).then_some((by, Command::Resume))
        }) {
            sim.run_due(end);
            return sim.m;
        }
    }
    let speed = rng.unit();
    if speed < 0.005 {
        // Never answered: it stays with the agency, overdue.
        sim.run_due(end);
        return sim.m;
    }
    t += match speed {
        s if s < 0.72 => rng.minutes(60, 360),
        s if s < 0.92 => rng.minutes(360, 4320),
        _ => rng.minutes(4320, 36000),
    };
    let answer = rng.pick(ANSWERS).to_string();
    let answered = sim.step(t, |c| {
        Some((
            officer(c),
            Command::Answer {
                text: answer.clone(),
            },
        ))
    });
    if !answered {
        sim.run_due(end);
        return sim.m;
    }
    if sim.m.case.state == CaseState::AwaitingApproval {
        t += rng.minutes(120, 5760);
        let leadership = org.leadership.clone();
        if !sim.step(t, |_| {
            Some((leadership, Command::Approve { comment: None }))
        }) {
            sim.run_due(end);
            return sim.m;
        }
    }
    if sim.m.case.state != CaseState::Answered {
        sim.run_due(end);
        return sim.m;
    }
    // The citizen rates it, or (rarely) reopens it and gets a second answer.
    if rng.chance(0.02) {
        t += rng.minutes(120, 4320);
        let who = citizen.clone();
        if sim.step(t, |_| {
            Some((
                who,
                Command::Reopen {
                    reason: "Sự việc vẫn chưa được khắc phục.".into(),
                },
            ))
        }) && sim.m.case.state == CaseState::Reopened
        {
            t += rng.minutes(30, 240);
            sim.step(t, |c| {
                (c.state == CaseState::Reopened).then(|| (focal.clone(), Command::Acknowledge))
            });
            t += rng.minutes(1440, 5760);
            sim.step(t, |c| {
                Some((
                    officer(c),
                    Command::Answer {
                        text: answer.clone(),
                    },
                ))
            });
        }
    } else if rng.chance(0.3) {
        t += rng.minutes(60, 10080);
        let stars = *rng.pick(&[5u8, 5, 5, 4, 4, 4, 3, 2, 1]);
        let who = citizen.clone();
        sim.step(t, |_| {
            Some((
                who,
                Command::Rate {
                    stars,
                    comment: None,
                },
            ))
        });
    }
    // Closed by the coordinator, or by the system once the reopening window has passed.
    if rng.chance(0.35) {
        t += rng.minutes(1440, 5760);
        let by = coordinator.clone();
        sim.step(t, |c| {
            (c.state == CaseState::Answered).then_some((by, Command::Close))
        });
    }
    // Some answers are published, redacted.
    if kind.is_publishable() && !sim.m.case.confidential && rng.chance(0.2) {
        t += rng.minutes(1440, 20160);
        let public_text =
            case::redact(&sim.m.case.content, &case::Subject::of_case(&sim.m.case)).text;
        let by = coordinator.clone();
        sim.step(t, |c| {
            matches!(c.state, CaseState::Answered | CaseState::Closed)
                .then_some((by, Command::Publish { public_text }))
        });
    }
    sim.run_due(end);
    sim.m
}

// ------------------------------------------------------------------ rows and bulk writes

struct CaseIns {
    id: i64,
    code: String,
    year: i64,
    seq: i64,
    tenant_id: i64,
    state: &'static str,
    kind: &'static str,
    class: Option<&'static str>,
    channel: &'static str,
    caller_name: String,
    caller_name_folded: String,
    caller_phone: String,
    caller_address: String,
    admin_unit_id: Option<i64>,
    content_folded: String,
    field_id: Option<i64>,
    category_id: Option<i64>,
    lead_agency_id: Option<i64>,
    pressing: i64,
    complex: i64,
    confidential: i64,
    received_at: i64,
    received_by: Option<i64>,
    due_at: Option<i64>,
    hard_due_at: Option<i64>,
    statutory_due_at: Option<i64>,
    answered_at: Option<i64>,
    closed_at: Option<i64>,
    published_at: Option<i64>,
    rating: Option<i64>,
    source_ip: &'static str,
    doc: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    public_text_folded: Option<String>,
}

struct EventIns {
    case_id: i64,
    at: i64,
    actor_kind: &'static str,
    actor_id: Option<i64>,
    actor_name: String,
    from_state: Option<&'static str>,
    to_state: &'static str,
    kind: &'static str,
    detail: String,
}

struct JobIns {
    kind: &'static str,
    payload: String,
    dedupe_key: String,
    run_at: i64,
    status: &'static str,
    attempts: i64,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
}

#[derive(Default)]
struct Batch {
    cases: Vec<CaseIns>,
    events: Vec<EventIns>,
    agencies: Vec<(i64, i64, i64)>,
    jobs: Vec<JobIns>,
}

/// The columns `tongdai_store::cases::insert` writes, then its agencies, history and jobs.
fn rows(m: Made, b: &mut Batch) {
    let c = &m.case;
    let d = m.deadlines;
    let id = c.id;
    b.cases.push(CaseIns {
        id,
        code: c.code.to_string(),
        year: i64::from(c.code.year()),
        seq: i64::from(c.code.seq()),
        tenant_id: c.tenant_id,
        state: c.state.code(),
        kind: c.kind.code(),
        class: c.class.map(|k| k.code()),
        channel: c.channel.code(),
        caller_name: c.caller.name.clone(),
        caller_name_folded: fold(&c.caller.name),
        caller_phone: c.caller.phone.canonical().to_owned(),
        caller_address: c.caller.address.clone(),
        admin_unit_id: c.caller.admin_unit_id,
        content_folded: fold(&c.content.chars().take(2000).collect::<String>()),
        field_id: c.field_id,
        category_id: c.category_id,
        lead_agency_id: c.lead_agency_id,
        pressing: i64::from(c.pressing),
        complex: i64::from(c.complex),
        confidential: i64::from(c.confidential),
        received_at: micros(c.received_at),
        received_by: c.received_by,
        due_at: d.due_at.map(micros),
        hard_due_at: d.hard_due_at.map(micros),
        statutory_due_at: d.statutory_due_at.map(micros),
        answered_at: c.answered_at.map(micros),
        closed_at: c.closed_at.map(micros),
        published_at: c.publication.as_ref().map(|p| micros(p.at)),
        rating: c.rating.as_ref().map(|r| i64::from(r.stars)),
        source_ip: m.source_ip,
        doc: serde_json::to_string(c).expect("case document"),
        version: m.version,
        created_at: micros(c.received_at),
        updated_at: micros(m.updated_at),
        public_text_folded: c.publication.as_ref().map(|p| fold(&p.text)),
    });
    for a in &c.other_agency_ids {
        if Some(*a) != c.lead_agency_id {
            b.agencies.push((id, *a, 0));
        }
    }
    if let Some(lead) = c.lead_agency_id {
        b.agencies.push((id, lead, 1));
    }
    for e in m.events {
        b.events.push(EventIns {
            case_id: id,
            at: micros(e.at),
            actor_kind: e.actor.kind.code(),
            actor_id: e.actor.account_id,
            actor_name: e.actor.name.clone().unwrap_or_default(),
            from_state: e.from_state.map(|s| s.code()),
            to_state: e.to_state.code(),
            kind: e.code(),
            detail: serde_json::to_string(&e.detail).expect("event detail"),
        });
    }
    for (key, j) in m.jobs {
        let done = j.done_at.map(micros);
        b.jobs.push(JobIns {
            kind: j.kind,
            payload: serde_json::json!({ "case_id": id }).to_string(),
            dedupe_key: key,
            run_at: micros(j.run_at),
            status: if done.is_some() { "done" } else { "pending" },
            attempts: i64::from(done.is_some()),
            created_at: micros(j.created_at),
            updated_at: done.unwrap_or(micros(j.created_at)),
            finished_at: done,
        });
    }
}

/// The VALUES list of a multi-row INSERT (anonymous `?` placeholders on SQLite, see
/// `tongdai_store::bulk::placeholders`).
fn values(sqlite: bool, ncols: usize, nrows: usize) -> String {
    tongdai_store::bulk::placeholders(nrows, ncols, sqlite)
}

const CASE_COLUMNS: &str = "id, code, year, seq, tenant_id, state, kind, class, channel, caller_name, caller_name_folded, \
    caller_phone, caller_address, admin_unit_id, content_folded, field_id, category_id, lead_agency_id, pressing, complex, \
    confidential, received_at, received_by, due_at, hard_due_at, statutory_due_at, answered_at, closed_at, published_at, \
    rating, merged_into, source_ip, doc, version, created_at, updated_at, public_text_folded";

async fn write(store: &Store, b: Batch) {
    let sqlite = store.backend() == Backend::Sqlite;
    let mut tx = store.begin().await.expect("tx");
    for chunk in b.cases.chunks(400) {
        let sql = format!(
            "INSERT INTO cases ({CASE_COLUMNS}) VALUES {}",
            values(sqlite, 37, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(&r.code)
                .bind(r.year)
                .bind(r.seq)
                .bind(r.tenant_id)
                .bind(r.state)
                .bind(r.kind)
                .bind(r.class)
                .bind(r.channel)
                .bind(&r.caller_name)
                .bind(&r.caller_name_folded)
                .bind(&r.caller_phone)
                .bind(&r.caller_address)
                .bind(r.admin_unit_id)
                .bind(&r.content_folded)
                .bind(r.field_id)
                .bind(r.category_id)
                .bind(r.lead_agency_id)
                .bind(r.pressing)
                .bind(r.complex)
                .bind(r.confidential)
                .bind(r.received_at)
                .bind(r.received_by)
                .bind(r.due_at)
                .bind(r.hard_due_at)
                .bind(r.statutory_due_at)
                .bind(r.answered_at)
                .bind(r.closed_at)
                .bind(r.published_at)
                .bind(r.rating)
                .bind(None::<i64>)
                .bind(r.source_ip)
                .bind(&r.doc)
                .bind(r.version)
                .bind(r.created_at)
                .bind(r.updated_at)
                .bind(r.public_text_folded.as_deref());
        }
        q.execute(&mut *tx).await.expect("insert cases");
    }
    for chunk in b.agencies.chunks(4000) {
        let sql = format!(
            "INSERT INTO case_agencies (case_id, agency_id, lead) VALUES {}",
            values(sqlite, 3, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (c, a, l) in chunk {
            q = q.bind(*c).bind(*a).bind(*l);
        }
        q.execute(&mut *tx).await.expect("insert case_agencies");
    }
    for chunk in b.events.chunks(1500) {
        let sql = format!(
            "INSERT INTO case_events (case_id, at, actor_kind, actor_id, actor_name, from_state, to_state, kind, detail) VALUES {}",
            values(sqlite, 9, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.case_id)
                .bind(e.at)
                .bind(e.actor_kind)
                .bind(e.actor_id)
                .bind(&e.actor_name)
                .bind(e.from_state)
                .bind(e.to_state)
                .bind(e.kind)
                .bind(&e.detail);
        }
        q.execute(&mut *tx).await.expect("insert case_events");
    }
    for chunk in b.jobs.chunks(1500) {
        let sql = format!(
            "INSERT INTO jobs (kind, payload, dedupe_key, run_at, status, attempts, max_attempts, created_at, updated_at, finished_at) VALUES {}",
            values(sqlite, 10, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for j in chunk {
            q = q
                .bind(j.kind)
                .bind(&j.payload)
                .bind(&j.dedupe_key)
                .bind(j.run_at)
                .bind(j.status)
                .bind(j.attempts)
                .bind(10i64)
                .bind(j.created_at)
                .bind(j.updated_at)
                .bind(j.finished_at);
        }
        q.execute(&mut *tx).await.expect("insert jobs");
    }
    tx.commit().await.expect("commit");
}

/// Generates `n` cases on a thread of its own (ids from `first_id`) and writes them in
/// transactions of `per_tx` cases while the next batch is being made.
#[allow(clippy::too_many_arguments)]
async fn load(
    store: &Store,
    org: Arc<Org>,
    counters: Counters,
    first_id: i64,
    n: usize,
    life: Life,
    start: Instant,
    end: Instant,
    seed: u64,
) -> (Counters, BTreeMap<&'static str, u64>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(3);
    let per_tx = 5_000;
    let producer = std::thread::spawn(move || {
        let mut counters = counters;
        let mut rng = Rng(seed);
        let mut states: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut batch = Batch::default();
        let mut busy = Duration::ZERO;
        let span = (end - start).num_seconds().max(1);
        let days = (span / 86_400).max(1);
        for i in 0..n {
            let id = first_id + i as i64;
            let made_at = Wall::now();
            let made = match life {
                Life::Historical => {
                    // Days in order (ids grow with time, as intake allocates them), the hour
                    // mostly within office hours.
                    let day = (i as i64 * days) / n as i64;
                    let tod = if rng.chance(0.85) {
                        7 * 3600 + rng.below(10 * 3600) as i64
                    } else {
                        rng.below(86_400) as i64
                    };
                    let midnight = from_vietnam(
                        to_vietnam(start + TimeDelta::days(day))
                            .date()
                            .and_hms_opt(0, 0, 0)
                            .expect("midnight"),
                    );
                    let at = (midnight + TimeDelta::seconds(tod))
                        .max(start)
                        .min(end - TimeDelta::minutes(1));
                    make_case(&org, &mut rng, &mut counters, id, at, end, life)
                }
                Life::DueForEscalation => loop {
                    // Received two to six days ago and forwarded; keep it only if the focal
                    // deadline has passed and the head's has not, so exactly one job is due.
                    let at = end - rng.minutes(2 * 1440, 6 * 1440);
                    let mut trial = Counters {
                        seq_by_year: counters.seq_by_year.clone(),
                        refused: 0,
                        phones: Vec::new(),
                    };
                    let m = make_case(&org, &mut rng, &mut trial, id, at, end, life);
                    let due_ok = m
                        .deadlines
                        .due_at
                        .is_some_and(|d| d <= end - TimeDelta::minutes(1));
                    let hard_ok = m.deadlines.hard_due_at.is_none_or(|h| h > end);
                    let one = m.jobs.values().filter(|j| j.run_at <= end).count() == 1;
                    if due_ok
                        && hard_ok
                        && one
                        && matches!(m.case.state, CaseState::Assigned | CaseState::Acknowledged)
                    {
                        counters.seq_by_year = trial.seq_by_year;
                        break m;
                    }
                },
            };
            *states.entry(made.case.state.code()).or_default() += 1;
            rows(made, &mut batch);
            busy += made_at.elapsed();
            if batch.cases.len() >= per_tx && tx.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                break;
            }
        }
        if !batch.cases.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        println!(
            "  making the cases (domain, documents, rows): {:.1} s of one core",
            busy.as_secs_f64()
        );
        (counters, states)
    });
    let started = Wall::now();
    let mut written = 0usize;
    let mut next_report = 100_000;
    let mut writing = Duration::ZERO;
    while let Some(b) = rx.recv().await {
        written += b.cases.len();
        let t = Wall::now();
        write(store, b).await;
        writing += t.elapsed();
        if written >= next_report {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "  {written:>9} cases written, {:>6.0} cases/s",
                written as f64 / secs
            );
            next_report += 100_000;
        }
    }
    println!(
        "  writing them (bulk INSERTs): {:.1} s",
        writing.as_secs_f64()
    );
    producer.join().expect("generator")
}

async fn count(store: &Store, sql: &str) -> i64 {
    let mut c = store.conn().await.expect("conn");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *c)
        .await
        .expect("count")
}

async fn exec(store: &Store, sql: &str) {
    let mut c = store.conn().await.expect("conn");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *c)
        .await
        .expect("statement");
}

/// The counters intake allocates from, past the loaded cases.
async fn set_counters(store: &Store, last_id: i64, seqs: &HashMap<u16, u32>) {
    let mut tx = store.begin().await.expect("tx");
    let mut all: Vec<(String, i64)> = vec![("cases.id".into(), last_id)];
    all.extend(
        seqs.iter()
            .map(|(y, s)| (format!("cases.seq.{y}"), i64::from(*s))),
    );
    for (name, value) in all {
        sqlx::query(
            "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await
        .expect("counter");
    }
    // On PostgreSQL the ids and codes come from sequences made on first use after these
    // counters (`cases::allocate`): drop any made before the rows above were loaded.
    if store.backend() == tongdai_store::Backend::Postgres {
        let mut names = vec!["case_ids".to_owned()];
        names.extend(seqs.keys().map(|y| format!("case_seq_{y}")));
        for name in names {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SEQUENCE IF EXISTS {name}"
            )))
            .execute(&mut *tx)
            .await
            .expect("drop sequence");
        }
    }
    tx.commit().await.expect("commit");
}

// ------------------------------------------------------------------ measuring

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f(i)` `runs` times (at most for `budget`) after 3 warm-up calls; prints percentiles.
async fn measure<F, Fut>(label: &str, runs: usize, budget: Duration, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    for i in 0..3 {
        f(i).await;
    }
    let started = Wall::now();
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0usize;
    for i in 0..runs {
        let t = Wall::now();
        rows += f(i).await;
        times.push(t.elapsed());
        if started.elapsed() > budget {
            break;
        }
    }
    times.sort();
    println!(
        "{label:<58} {:>4} runs  rows {:>5.0}  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        times.len(),
        rows as f64 / times.len().max(1) as f64,
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
    );
}

/// Month starts (Vietnam time) from July 2025 (the province's first month) to the last full
/// month before `end`.
fn months(end: Instant) -> Vec<(Instant, Instant)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (2025, 7);
    loop {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let to = vn(ny, nm, 1, 0, 0);
        if to > end {
            return out;
        }
        out.push((vn(y, m, 1, 0, 0), to));
        (y, m) = (ny, nm);
    }
}

#[tokio::main]
async fn main() {
    let n_cases = env_usize("CASES", 1_000_000);
    let n_deadlines = env_usize("DEADLINES", 100_000);
    let runs = env_usize("RUNS", 200);
    let budget = Duration::from_secs(env_usize("QUERY_BUDGET_SECS", 90) as u64);
    let db = BenchDb::new().await;
    let store = db.store.clone();
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    // "Now" of the whole run: a Friday morning; the cases span the two years before it.
    let now = vn(2026, 11, 27, 10, 0);
    let start = now - TimeDelta::days(730);
    println!(
        "cases bench on {backend}: {n_cases} cases over {} – {}, {n_deadlines} due deadlines",
        to_vietnam(start).date(),
        to_vietnam(now).date()
    );
    demo::seed(&store, PASSWORD, now - TimeDelta::days(800))
        .await
        .expect("demo organisation");
    let files = tempfile::tempdir().expect("files");
    let service = CaseService::new(
        store.clone(),
        Arc::new(Fixed(now + TimeDelta::minutes(1))),
        tongdai_store::files::FileStore::new(files.path()),
        CaseSettings::default(),
    );
    let setup = Wall::now();
    let org = Arc::new(load_org(&store, &service, now).await);
    println!(
        "organisation: {} agencies with a focal officer and a head ({:.1} s)",
        org.focal.len(),
        setup.elapsed().as_secs_f64()
    );

    // ---- (b) a million cases
    let loading = Wall::now();
    let counters = Counters {
        seq_by_year: HashMap::new(),
        refused: 0,
        phones: Vec::new(),
    };
    let (counters, states) = load(
        &store,
        org.clone(),
        counters,
        1,
        n_cases,
        Life::Historical,
        start,
        now,
        0x7d0_ca5e,
    )
    .await;
    set_counters(&store, n_cases as i64, &counters.seq_by_year).await;
    let load_secs = loading.elapsed().as_secs_f64();
    println!(
        "loaded {n_cases} cases in {load_secs:.0} s ({:.0} cases/s, including making them with the domain)",
        n_cases as f64 / load_secs
    );
    println!("  states: {states:?}");
    let overdue_sql = format!(
        "SELECT COUNT(*) FROM cases WHERE due_at IS NOT NULL AND due_at < {} AND answered_at IS NULL \
         AND state IN ('assigned', 'acknowledged', 'escalated', 'reopened')",
        micros(now)
    );
    println!(
        "  rows: {} case_events, {} case_agencies, {} jobs; {} overdue; {} refused steps skipped",
        count(&store, "SELECT COUNT(*) FROM case_events").await,
        count(&store, "SELECT COUNT(*) FROM case_agencies").await,
        count(&store, "SELECT COUNT(*) FROM jobs").await,
        count(&store, &overdue_sql).await,
        counters.refused
    );
    match store.backend() {
        Backend::Postgres => {
            let t = Wall::now();
            exec(&store, "ANALYZE").await;
            println!(
                "  ANALYZE (as autovacuum would after a bulk load): {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        Backend::Sqlite => {
            if env_usize("SQLITE_ANALYZE", 0) == 1 {
                let t = Wall::now();
                exec(&store, "ANALYZE").await;
                println!("  ANALYZE: {:.1} s", t.elapsed().as_secs_f64());
            } else {
                println!("  (no ANALYZE on SQLite: the application never runs it)");
            }
        }
    }

    // The agencies to query: the busiest of the province, and one in the middle.
    let busiest: Vec<(i64, i64)> = {
        let mut c = store.conn().await.expect("conn");
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT agency_id, COUNT(*) AS n FROM case_agencies WHERE case_id IN \
             (SELECT id FROM cases WHERE received_at >= {}) GROUP BY agency_id ORDER BY n DESC",
            micros(vn(2025, 7, 1, 0, 0))
        )))
        .fetch_all(&mut *c)
        .await
        .expect("agencies by cases")
    };
    let (top, top_n) = busiest.first().copied().unwrap_or((0, 0));
    let (mid, mid_n) = busiest.get(busiest.len() / 2).copied().unwrap_or((0, 0));
    let coordinator = principal(&store, "dieuphoi").await;
    let coordinator_scope = {
        let mut c = store.conn().await.expect("conn");
        tongdai_cases::scope::of(&mut c, &coordinator)
            .await
            .expect("scope")
    };
    let officer_scope = {
        let Actor::Staff { account_id, .. } = &org.focal[&top] else {
            unreachable!()
        };
        let mut c = store.conn().await.expect("conn");
        let a = accounts::get(&mut c, *account_id).await.expect("account");
        let p = accounts::principal(&mut c, &a).await.expect("principal");
        tongdai_cases::scope::of(&mut c, &p).await.expect("scope")
    };
    let months = months(now);
    println!(
        "queries: busiest agency #{top} ({top_n} cases since 2025-07), median agency #{mid} ({mid_n}); {} months rotated; \
         overdue of #{top}: {}",
        months.len(),
        count(
            &store,
            &format!(
                "{overdue_sql} AND id IN (SELECT case_id FROM case_agencies WHERE agency_id = {top})"
            )
        )
        .await
    );
    // The logbook's filter (`/cases/logbook?from=…&to=…&agency=…`): `filter_of` then the
    // viewer's scope, 100 lines a page.
    let logbook = |scope: &store_cases::Scope, agency: Option<i64>, m: (Instant, Instant)| Filter {
        scope: scope.clone(),
        agency_id: agency,
        from: Some(m.0),
        to: Some(m.1),
        limit: 100,
        ..Default::default()
    };
    // The keyset of the 11th page (after 1,000 lines) of each month.
    let mut page11 = Vec::new();
    for m in &months {
        let mut f = logbook(&coordinator_scope, Some(top), *m);
        f.limit = 1000;
        let mut c = store.conn().await.expect("conn");
        let rows = store_cases::list(&mut c, &f).await.expect("list");
        page11.push(
            rows.last()
                .map(|r| (micros(r.received_at), r.id))
                .unwrap_or((0, 0)),
        );
    }
    let list = |f: Filter| {
        let store = store.clone();
        async move {
            let mut c = store.conn().await.expect("conn");
            store_cases::list(&mut c, &f).await.expect("list").len()
        }
    };
    println!();
    measure(
        "logbook, month x busiest agency, page 1 (list)",
        runs,
        budget,
        |i| {
            list(logbook(
                &coordinator_scope,
                Some(top),
                months[i % months.len()],
            ))
        },
    )
    .await;
    measure(
        "logbook, month x busiest agency, page 1 (list + page reads)",
        runs,
        budget,
        |i| {
            let f = logbook(&coordinator_scope, Some(top), months[i % months.len()]);
            let store = store.clone();
            async move {
                let mut c = store.conn().await.expect("conn");
                let rows = store_cases::list(&mut c, &f).await.expect("list");
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                let docs = store_cases::get_many(&mut c, &ids).await.expect("docs");
                store_cases::first_events(&mut c, &ids, "acknowledged")
                    .await
                    .expect("hand-overs");
                docs.len()
            }
        },
    )
    .await;
    measure(
        "logbook, month x busiest agency, page 11 (keyset)",
        runs,
        budget,
        |i| {
            let mut f = logbook(&coordinator_scope, Some(top), months[i % months.len()]);
            f.before = Some(page11[i % months.len()]).filter(|b| b.0 != 0);
            list(f)
        },
    )
    .await;
    measure(
        "logbook, month x median agency, page 1",
        runs,
        budget,
        |i| {
            list(logbook(
                &coordinator_scope,
                Some(mid),
                months[i % months.len()],
            ))
        },
    )
    .await;
    measure("logbook, month x all agencies, page 1", runs, budget, |i| {
        list(logbook(&coordinator_scope, None, months[i % months.len()]))
    })
    .await;
    // The overdue list (`/cases/overdue`): by deadline, one page of up to 500 (the page does
    // not page it by keyset).
    let overdue = |scope: &store_cases::Scope, agency: Option<i64>| Filter {
        scope: scope.clone(),
        agency_id: agency,
        overdue_at: Some(now),
        order_by_due: true,
        limit: 500,
        ..Default::default()
    };
    measure(
        "overdue, busiest agency's officer (list)",
        runs,
        budget,
        |_| list(overdue(&officer_scope, None)),
    )
    .await;
    measure(
        "overdue, busiest agency's officer (list + case documents)",
        runs,
        budget,
        |_| {
            let f = overdue(&officer_scope, None);
            let store = store.clone();
            async move {
                let mut c = store.conn().await.expect("conn");
                let rows = store_cases::list(&mut c, &f).await.expect("list");
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                store_cases::get_many(&mut c, &ids)
                    .await
                    .expect("docs")
                    .len()
            }
        },
    )
    .await;
    measure(
        "overdue, coordinator, filtered by busiest agency",
        runs,
        budget,
        |_| list(overdue(&coordinator_scope, Some(top))),
    )
    .await;
    measure("overdue, coordinator, whole province", runs, budget, |_| {
        list(overdue(&coordinator_scope, None))
    })
    .await;
    // The newest-first list of an officer's agency (`/cases?agency=…`), 50 a page: first page
    // and the 20th (keyset).
    let all_cases = |before: Option<(i64, i64)>| Filter {
        scope: officer_scope.clone(),
        before,
        limit: 50,
        ..Default::default()
    };
    let page20 = {
        let mut f = all_cases(None);
        f.limit = 950;
        let mut c = store.conn().await.expect("conn");
        store_cases::list(&mut c, &f)
            .await
            .expect("list")
            .last()
            .map(|r| (micros(r.received_at), r.id))
    };
    measure(
        "cases of busiest agency's officer, page 1",
        runs,
        budget,
        |_| list(all_cases(None)),
    )
    .await;
    measure(
        "cases of busiest agency's officer, page 20 (keyset)",
        runs,
        budget,
        |_| list(all_cases(page20)),
    )
    .await;

    // ---- (c) the deadline runner
    if n_deadlines > 0 {
        println!();
        let t = Wall::now();
        let first = n_cases as i64 + 1;
        let (counters, _) = load(
            &store,
            org.clone(),
            counters,
            first,
            n_deadlines,
            Life::DueForEscalation,
            start,
            now,
            0xdead_11e5,
        )
        .await;
        set_counters(
            &store,
            first + n_deadlines as i64 - 1,
            &counters.seq_by_year,
        )
        .await;
        let due_sql = format!(
            "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND run_at <= {}",
            micros(now)
        );
        let due = count(&store, &due_sql).await;
        println!(
            "deadline cases: {n_deadlines} forwarded cases loaded in {:.0} s; due jobs: {due}",
            t.elapsed().as_secs_f64()
        );
        let before_outbox = count(&store, "SELECT COUNT(*) FROM outbox").await;
        let before_notes = count(&store, "SELECT COUNT(*) FROM notifications").await;
        // The runner's clock stands at `now`; decisions are taken a minute later, so the
        // e-mail deliveries they queue (due at their own instant) are not run here: this
        // measures the deadline jobs, not SMTP.
        let mut runner = Runner::new(store.clone(), Arc::new(Fixed(now)), "bench");
        runner.workers = env_usize("WORKERS", runner.workers);
        let runner = tongdai_cases::jobs::register(runner, service.clone());
        let t = Wall::now();
        let report = runner.run_pending().await.expect("run pending");
        let secs = t.elapsed().as_secs_f64();
        let escalated = count(
            &store,
            &format!("SELECT COUNT(*) FROM cases WHERE id >= {first} AND state = 'escalated'"),
        )
        .await;
        let outbox = count(&store, "SELECT COUNT(*) FROM outbox").await - before_outbox;
        let notes = count(&store, "SELECT COUNT(*) FROM notifications").await - before_notes;
        println!(
            "run_pending: {} done, {} retried, {} failed in {secs:.1} s = {:.0} jobs/s ({:.2} ms per job); \
             {escalated} cases escalated, {notes} in-app notifications and {outbox} e-mails (outbox + delivery job) written",
            report.done,
            report.retried,
            report.failed,
            report.done as f64 / secs,
            secs * 1000.0 / report.done.max(1) as f64,
        );
        // Where a job's time goes: the tenant context every decision re-reads.
        let mut c = store.conn().await.expect("conn");
        let t = Wall::now();
        for _ in 0..500 {
            service
                .tenant_context(&mut c, org.province.id)
                .await
                .expect("context");
        }
        println!(
            "  of which CaseService::tenant_context (re-read by every decision): {:.3} ms per call",
            t.elapsed().as_secs_f64() * 1000.0 / 500.0
        );
        let t = Wall::now();
        for i in 0..500 {
            store_cases::get(&mut c, first + i).await.expect("case");
        }
        println!(
            "  and cases::get (the document): {:.3} ms per call",
            t.elapsed().as_secs_f64() * 1000.0 / 500.0
        );
    }
    drop(org);
    if env_usize("KEEP", 0) == 1 {
        // For EXPLAIN by hand: the database stays (and its temporary directory).
        println!("kept: {}", db.url);
        std::mem::forget(db);
    } else {
        db.drop_pg().await;
    }
}
