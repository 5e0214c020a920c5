//! `tongdai cdr list --format json [--since RFC3339] [--until RFC3339] [--limit N]`: call
//! records (TEL-8) as one JSON array, newest first, with the field names of the API.

use super::open_store;
use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;
use tongdai_telephony::store::admin::CallFilter;

#[derive(Debug, Subcommand)]
pub enum Cdr {
    /// Print call records.
    List {
        /// Output format (only `json`: one array).
        #[arg(long, default_value = "json")]
        format: String,
        /// Calls that arrived at or after this instant (RFC 3339, e.g. 2026-12-01T00:00:00+07:00).
        #[arg(long)]
        since: Option<String>,
        /// Calls that arrived before this instant (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// At most this many records.
        #[arg(long)]
        limit: Option<u32>,
    },
}

fn instant(flag: &str, v: Option<&str>) -> anyhow::Result<Option<tongdai_domain::Instant>> {
    v.map(|s| {
        chrono::DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.to_utc())
            .with_context(|| format!("--{flag} «{s}» is not an RFC 3339 instant"))
    })
    .transpose()
}

/// Run a CDR command.
pub async fn run(config: &Config, cmd: Cdr) -> anyhow::Result<ExitCode> {
    match cmd {
        Cdr::List {
            format,
            since,
            until,
            limit,
        } => {
            if format != "json" {
                anyhow::bail!("--format {format}: only `json` is supported");
            }
            let filter = CallFilter {
                since: instant("since", since.as_deref())?,
                until: instant("until", until.as_deref())?,
                agent_id: None,
                limit,
            };
            let store = open_store(config).await?;
            let tstore = crate::telephony::sql_store(config, &store)?;
            let calls = tstore.list_calls(&filter).await?;
            println!("{}", serde_json::to_string_pretty(&calls)?);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
