//! Telephony in `tongdai serve`: the SQL store of the engine's data (with the installation's
//! key for SIP secrets), the demo telephony data, the engine started in the background once
//! the web server listens (a SIP port that cannot be bound is logged and the web server goes
//! on), and the recording retention job.

use crate::config::Config;
use std::sync::Arc;
use tongdai_domain::Instant;
use tongdai_jobs::{JobContext, JobError, Runner};
use tongdai_store::jobs::{Job, NewJob};
use tongdai_store::{Store, settings};
use tongdai_telephony::store::{demo, retention};
use tongdai_telephony::{Engine, EngineHandle, EngineStore, HoursOverride, SecretKey, SqlStore};
use tongdai_web::pages::telephony::Telephony;

/// The job kind of the daily recording retention run.
pub const RETENTION: &str = "telephony.recording_retention";

/// The setting holding the administrator's manual open/closed override.
pub const HOURS_OVERRIDE: &str = "telephony.hours_override";

/// The SQL store of the telephony data, with the key in `<data_dir>/secrets/sip.key`.
pub fn sql_store(config: &Config, store: &Store) -> anyhow::Result<SqlStore> {
    let key = SecretKey::load_or_create(&config.data_dir.join("secrets").join("sip.key"))?;
    Ok(SqlStore::new(store.clone(), key))
}

/// Load the demo telephony data if the telephony tables are empty; prints the softphone
/// settings. `sip_password` is the demo accounts' password when it was just chosen.
pub async fn seed_demo(
    config: &Config,
    tstore: &SqlStore,
    sip_password: Option<&str>,
    now: Instant,
) -> anyhow::Result<()> {
    let generated;
    let password = match sip_password {
        Some(p) => p,
        None => {
            generated = tongdai_store::bootstrap::generate_password();
            &generated
        }
    };
    if let Some(r) = demo::seed(tstore, password, now).await? {
        let exts: Vec<String> = r
            .agents
            .iter()
            .map(|(ext, user)| format!("{ext} ({user})"))
            .collect();
        tracing::info!(agents = exts.len(), "demo telephony data loaded");
        let same = if sip_password.is_some() {
            "cùng mật khẩu với tài khoản mẫu / same password as the demo accounts".to_owned()
        } else {
            format!("mật khẩu / password: {password}")
        };
        println!(
            "  Điện thoại viên SIP / SIP agents: {} — {same}\n  Gọi đường dây nóng / dial the hotline: sip:1800888880@{}\n",
            exts.join(", "),
            config.sip.listen
        );
    }
    Ok(())
}

/// The working calendar of the tenant that owns the hotline number today (the default
/// calendar when no tenant does).
async fn hotline_hours(
    tstore: &SqlStore,
    number: &str,
    now: Instant,
) -> anyhow::Result<tongdai_domain::calendar::WorkingCalendar> {
    let today = tongdai_domain::time::to_vietnam(now).date().to_string();
    let tenant = tstore.hotline_tenant(number, &today).await?;
    let mut c = tstore.db().conn().await?;
    let cal = match tenant {
        Some(t) => tongdai_store::calendar::for_tenant(&mut c, t).await?.0,
        None => {
            let id = tongdai_store::calendar::calendars(&mut c)
                .await?
                .first()
                .map(|r| r.id)
                .ok_or_else(|| anyhow::anyhow!("no working calendar in the database"))?;
            tongdai_store::calendar::load(&mut c, id).await?.0
        }
    };
    Ok(cal)
}

/// Start the engine in the background; the handle is put into `tel` when it is up.
pub fn start_engine(
    config: &Config,
    tel: Arc<Telephony>,
    store: Store,
    now: Instant,
    node: String,
) -> tokio::task::JoinHandle<()> {
    let cfg = config.sip.engine_config(&config.data_dir, &node);
    tokio::spawn(async move {
        let cfg = match cfg {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "telephony is off: bad [sip] setting");
                return;
            }
        };
        let hotline = tel
            .store
            .trunks()
            .await
            .ok()
            .and_then(|t| t.first().map(|t| t.hotline_number.clone()))
            .unwrap_or_else(|| "1800888880".into());
        let hours: Arc<dyn tongdai_telephony::OpenHours> =
            match hotline_hours(&tel.store, &hotline, now).await {
                Ok(c) => Arc::new(c),
                Err(e) => {
                    tracing::error!(error = %e, "no working calendar for the hotline: always open");
                    Arc::new(tongdai_telephony::FixedHours(true))
                }
            };
        let addr = cfg.sip_udp;
        // The engine's clock starts at the server's (possibly offset) time.
        let clock = tongdai_telephony::Clock::starting_at(now);
        match Engine::start(cfg, Arc::new(tel.store.clone()), hours, clock).await {
            Ok(engine) => {
                apply_override(&store, &engine).await;
                tracing::info!(address = %addr, "SIP engine listening");
                tel.set_engine(engine);
            }
            Err(e) => {
                tracing::error!(address = %addr, error = %e, "the SIP engine did not start; the web server goes on without telephony");
            }
        }
    })
}

async fn apply_override(store: &Store, engine: &EngineHandle) {
    let Ok(mut c) = store.conn().await else {
        return;
    };
    let value: Option<Option<HoursOverride>> =
        settings::get(&mut c, HOURS_OVERRIDE).await.ok().flatten();
    if let Some(Some(v)) = value {
        let r = engine
            .command(tongdai_telephony::api::CommandRequest {
                idempotency_key: format!("start-override-{}", uuid_like()),
                command: tongdai_telephony::api::Command::HoursOverride { value: Some(v) },
            })
            .await;
        tracing::warn!(
            ?v,
            ok = r.is_ok(),
            "office hours overridden by an administrator"
        );
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// 03:00 Vietnam time on the day after `now`.
fn next_run(now: Instant) -> Instant {
    use chrono::{Days, NaiveTime};
    use tongdai_domain::time::{from_vietnam, to_vietnam};
    let local = to_vietnam(now).date();
    let day = local.checked_add_days(Days::new(1)).unwrap_or(local);
    from_vietnam(day.and_time(NaiveTime::from_hms_opt(3, 0, 0).unwrap_or_default()))
}

fn retention_job(at: Instant) -> NewJob {
    NewJob::new(RETENTION, serde_json::json!({}), at).dedupe(format!(
        "{RETENTION}:{}",
        tongdai_domain::time::to_vietnam(at).date()
    ))
}

/// Register the retention handler (recordings older than `months` are deleted, audited).
pub fn register_jobs(runner: Runner, tstore: SqlStore, months: u32) -> Runner {
    runner.handle(RETENTION, move |_job: Job, ctx: JobContext| {
        let s = tstore.clone();
        async move {
            let r = retention::purge_expired(&s, ctx.now, months)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            let mut c = ctx.store.conn().await?;
            tongdai_store::jobs::enqueue(&mut c, &retention_job(next_run(ctx.now)), ctx.now)
                .await?;
            tracing::info!(
                deleted = r.deleted,
                missing = r.missing_files,
                "recording retention"
            );
            Ok(())
        }
    })
}

/// Make sure the next retention run is scheduled (idempotent).
pub async fn schedule(runner: &Runner, now: Instant) -> anyhow::Result<()> {
    runner.enqueue(retention_job(next_run(now))).await?;
    Ok(())
}
