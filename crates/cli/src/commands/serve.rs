//! `tongdai serve`: migrations, first administrator, demo data on an empty database, then the
//! web server until SIGINT/SIGTERM.

use super::open_store;
use crate::config::Loaded;
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use tongdai_domain::time::Clock;
use tongdai_store::bootstrap::{self, AdminBootstrap};
use tongdai_store::clock::SystemClock;
use tongdai_store::demo;

#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Address to listen on (overrides `listen` and TONGDAI_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Do not load the demo organisation into an empty database.
    #[arg(long)]
    no_demo: bool,
}

/// Run the server.
pub async fn run(loaded: Loaded, args: Args) -> anyhow::Result<ExitCode> {
    let config = loaded.config;
    if let Some(f) = &loaded.file {
        tracing::info!(file = %f.display(), "configuration read");
    }
    let listen = args.listen.unwrap_or_else(|| config.listen.clone());
    let addr: std::net::SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen «{listen}» is not an address like 127.0.0.1:8080"))?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let store = open_store(&config).await?;
    tracing::info!(database = %tongdai_store::redact_url(&config.database_url()), "database ready");
    let clock = SystemClock::shared();
    // For drills and tests of deadlines: the server's clock can start ahead of real time.
    if let Some(secs) = std::env::var("TONGDAI_CLOCK_OFFSET_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        clock.advance(chrono::Duration::seconds(secs));
        tracing::warn!(
            offset_seconds = secs,
            "the server clock is offset from real time (TONGDAI_CLOCK_OFFSET_SECONDS)"
        );
    }
    let now = clock.now();

    let given = std::env::var("TONGDAI_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let admin = bootstrap::ensure_admin(&store, given.as_deref(), now).await?;
    let admin_password = match &admin {
        AdminBootstrap::CreatedWithGeneratedPassword(p) => {
            // Shown once, on the terminal only (never through the log).
            println!(
                "\n  Tài khoản quản trị / administrator: admin\n  Mật khẩu / password: {p}\n  (chỉ hiển thị một lần — shown once; đặt TONGDAI_ADMIN_PASSWORD để tự chọn)\n"
            );
            Some(p.clone())
        }
        AdminBootstrap::CreatedWithGivenPassword => {
            tracing::info!(
                "administrator `admin` created with the password from TONGDAI_ADMIN_PASSWORD"
            );
            given.clone()
        }
        AdminBootstrap::PasswordReset => {
            tracing::warn!("the password of `admin` was set from TONGDAI_ADMIN_PASSWORD");
            None
        }
        AdminBootstrap::Existing => None,
    };
    if let Some(p) = &given {
        let problems = config.web.password.check(p, "admin");
        if !problems.is_empty() {
            tracing::warn!(
                "TONGDAI_ADMIN_PASSWORD does not meet the password policy; change it after logging in"
            );
        }
    }

    let mut sip_demo_password: Option<String> = None;
    if config.demo && !args.no_demo && demo::is_empty(&store).await? {
        // Demo staff accounts share the administrator's first password, so nothing about them
        // is guessable from the source code.
        let demo_password = admin_password
            .clone()
            .unwrap_or_else(bootstrap::generate_password);
        let report = demo::seed(&store, &demo_password, now).await?;
        sip_demo_password = Some(demo_password.clone());
        tracing::info!(
            tenants = report.tenants,
            agencies = report.agencies,
            contacts = report.contacts,
            "demo organisation loaded"
        );
        // The demo knowledge base (procedures, FAQs of the demo communes) goes with it.
        let kb = tongdai_kb::demo::load(&tongdai_kb::KbService::new(
            store.clone(),
            clock.clone() as Arc<dyn Clock>,
        ))
        .await?;
        tracing::info!(
            procedures = kb.procedures,
            faqs = kb.faqs,
            "demo knowledge base loaded"
        );
        if admin_password.is_none() {
            println!(
                "  Tài khoản mẫu / demo accounts ({}): mật khẩu / password: {demo_password}\n",
                report.accounts.join(", ")
            );
        } else {
            println!(
                "  Tài khoản mẫu / demo accounts ({}) dùng cùng mật khẩu với admin / share the admin password.\n",
                report.accounts.join(", ")
            );
        }
    }

    // Telephony data (flows, agents, CDRs…) and, with the demo, the demo hotline.
    let tstore = crate::telephony::sql_store(&config, &store)?;
    if config.demo && !args.no_demo {
        crate::telephony::seed_demo(&config, &tstore, sip_demo_password.as_deref(), now).await?;
    }
    let telephony = Arc::new(tongdai_web::pages::telephony::Telephony::new(
        tstore.clone(),
        config.sip.prompts_path(&config.data_dir),
        config.sip.recording_retention_months,
    ));

    let mut cases = tongdai_cases::CaseService::new(
        store.clone(),
        clock.clone() as Arc<dyn Clock>,
        tongdai_store::files::FileStore::new(config.data_dir.join("files")),
        config.cases.clone(),
    );
    // Crash points for tests that kill the process between two steps of a job.
    cases.failpoints = Arc::new(
        std::env::var("TONGDAI_FAILPOINTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    );
    let mut channels = tongdai_notify::Channels::default();
    if config.email.enabled {
        channels = channels.with(tongdai_notify::email::EmailChannel::new(&config.email)?);
        tracing::info!(host = %config.email.host, port = config.email.port, "e-mail delivery on");
    }
    let runner = tongdai_jobs::Runner::new(
        store.clone(),
        clock.clone() as Arc<dyn Clock>,
        format!("{}:{}", hostname(), std::process::id()),
    );
    let runner = tongdai_jobs::maintenance::register(runner);
    let runner = tongdai_notify::register(runner, channels);
    let runner = tongdai_cases::jobs::register(runner, cases.clone());
    let runner = crate::telephony::register_jobs(
        runner,
        tstore.clone(),
        config.sip.recording_retention_months,
    );
    tongdai_jobs::maintenance::schedule(&runner, now).await?;
    crate::telephony::schedule(&runner, now).await?;
    tongdai_cases::summary::ensure_scheduled(&cases).await?;
    let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
    let job_task = tokio::spawn(runner.run(std::time::Duration::from_secs(5), async move {
        let _ = jobs_stopped.await;
    }));

    let state = tongdai_web::AppState::new(
        store.clone(),
        config.web.clone(),
        clock.clone() as Arc<dyn Clock>,
    )
    // The same case service as the job runner: its commits wake the live notification streams.
    .with_cases(cases.clone())
    .with_telephony(telephony.clone());
    // The knowledge-base index is built from the database before the first request.
    state.kb.load().await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, "web server listening");
    println!("  Tổng đài đang chạy tại / listening on http://{bound}");
    // The SIP engine starts after the web server is up; if it cannot (port taken), it logs
    // an error and the web server runs without telephony.
    let engine_task = if config.sip.enabled {
        Some(crate::telephony::start_engine(
            &config,
            telephony.clone(),
            store.clone(),
            now,
            hostname(),
        ))
    } else {
        tracing::info!("telephony is off (sip.enabled = false)");
        None
    };
    tongdai_web::serve(state, listener, shutdown_signal()).await?;
    if let Some(t) = engine_task {
        t.abort();
    }
    if let Some(engine) = telephony.engine() {
        // Calls in progress are hung up and their records and recordings closed.
        engine.shutdown(std::time::Duration::from_secs(10)).await;
    }
    let _ = stop_jobs.send(());
    let _ = job_task.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// This machine's name, to tell job runners apart in the `jobs` table.
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tongdai".into())
}
