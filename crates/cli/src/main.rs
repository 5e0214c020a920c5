//! `tongdai`: the one binary. Every command reads the same configuration and opens the same
//! database as `serve`, applying pending migrations first, so any command works in a fresh
//! directory.

mod commands;
mod config;
mod logging;
mod telephony;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Tổng đài hỗ trợ thủ tục hành chính — hotline, cases and knowledge base for Vietnamese
/// local government.
#[derive(Debug, Parser)]
#[command(name = "tongdai", version, about)]
struct Cli {
    /// Configuration file (default: $TONGDAI_CONFIG, else ./tongdai.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (web, API, job runner). The default command.
    Serve(commands::serve::Args),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import reference data.
    #[command(subcommand)]
    Import(commands::import::Import),
    /// What the working calendar knows.
    #[command(subcommand)]
    Calendar(commands::calendar::Calendar),
    /// The audit log.
    #[command(subcommand)]
    Audit(commands::audit::Audit),
    /// Call records (TEL-8).
    #[command(subcommand)]
    Cdr(commands::cdr::Cdr),
    /// The knowledge base: import procedures, search.
    #[command(subcommand)]
    Kb(commands::kb::Kb),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let loaded = match config::load(cli.config.as_deref(), &env) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tongdai: {e}");
            return ExitCode::from(2);
        }
    };
    let quiet = !matches!(cli.command, None | Some(Command::Serve(_)));
    logging::init(&loaded.config, quiet);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tongdai: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli
            .command
            .unwrap_or(Command::Serve(commands::serve::Args::default()))
        {
            Command::Serve(args) => commands::serve::run(loaded, args).await,
            Command::Migrate => commands::migrate::run(&loaded.config).await,
            Command::Import(cmd) => commands::import::run(&loaded.config, cmd).await,
            Command::Calendar(cmd) => commands::calendar::run(&loaded.config, cmd).await,
            Command::Audit(cmd) => commands::audit::run(&loaded.config, cmd).await,
            Command::Kb(cmd) => commands::kb::run(&loaded.config, cmd).await,
            Command::Cdr(cmd) => commands::cdr::run(&loaded.config, cmd).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tongdai: {e:#}");
            ExitCode::FAILURE
        }
    }
}
