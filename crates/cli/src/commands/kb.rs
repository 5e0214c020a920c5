//! `tongdai kb import FILE` and `tongdai kb search QUERY` (KB-1, KB-3): the knowledge base of
//! the configured database, as the server sees it.

use super::open_store;
use crate::config::Config;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tongdai_domain::time::Clock;
use tongdai_kb::{Actor, DocKind, FileFormat, ImportOptions, KbService, Scope, hits_to_json};
use tongdai_store::clock::SystemClock;
use tongdai_store::org;

#[derive(Debug, Subcommand)]
pub enum Kb {
    /// Import procedures: a JSON array of records in the TTHC schema, or CSV / XLSX with one
    /// row per procedure (columns: see crates/kb/README.md). Idempotent by code: a record
    /// identical to the current version changes nothing, a changed one becomes a new version.
    /// Bad rows are reported with line and field; the good ones are imported, all or none.
    /// Exits with 1 when some rows were refused.
    Import {
        file: PathBuf,
        /// Check and report everything, keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// The file's format (default: from the extension, else from the content).
        #[arg(long, value_enum)]
        input_format: Option<InputFormat>,
        /// How to print the report.
        #[arg(long, value_enum, default_value = "text")]
        report: Output,
    },
    /// Search procedures and FAQs; `--format json` prints the ranked hits as one JSON array
    /// of {kind, code|id, name, score}.
    Search {
        query: String,
        /// Most hits to print.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Output,
        /// Search as this tenant's portal (its synonyms, its FAQs); default: everything.
        #[arg(long)]
        tenant: Option<String>,
        /// Only procedures or only FAQs.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
    },
    /// Load the demo knowledge base (procedures, and FAQs when the demo organisation is
    /// present) into an empty catalogue.
    Demo,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InputFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Procedure,
    Faq,
}

fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "?".into());
    Actor::system(format!("cli:{user}"))
}

/// Run a knowledge-base command.
pub async fn run(config: &Config, cmd: Kb) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let kb = KbService::new(store.clone(), SystemClock::shared() as Arc<dyn Clock>);
    let code = match cmd {
        Kb::Import {
            file,
            dry_run,
            input_format,
            report,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let format = match input_format {
                Some(InputFormat::Json) => FileFormat::Json,
                Some(InputFormat::Csv) => FileFormat::Csv,
                Some(InputFormat::Xlsx) => FileFormat::Xlsx,
                None => FileFormat::detect(&name, &bytes),
            };
            let source = tongdai_kb::import::read(&bytes, format)
                .with_context(|| format!("{}", file.display()))?;
            let outcome = kb
                .import(
                    &source,
                    &ImportOptions {
                        dry_run,
                        source: name,
                    },
                    &cli_actor(),
                )
                .await?;
            match report {
                Output::Text => println!("{}", outcome.summary_vi()),
                Output::Json => println!("{}", serde_json::to_string_pretty(&outcome)?),
            }
            if outcome.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Kb::Search {
            query,
            limit,
            format,
            tenant,
            kind,
        } => {
            let scope = match tenant {
                None => Scope::everything(),
                Some(code) => {
                    let t = {
                        let mut c = store.conn().await?;
                        org::tenant_by_code(&mut c, &code).await?
                    }
                    .with_context(|| format!("no tenant with code «{code}»"))?;
                    kb.scope_for_tenant(t.id).await?
                }
            };
            let kind = kind.map(|k| match k {
                Kind::Procedure => DocKind::Procedure,
                Kind::Faq => DocKind::Faq,
            });
            let hits = kb.search(&query, limit, kind, &scope).await?;
            match format {
                Output::Json => println!("{}", hits_to_json(&hits)),
                Output::Text => {
                    for h in &hits {
                        println!(
                            "{:>8.3}  {:<9} {:<24} {}",
                            h.score,
                            h.kind.as_str(),
                            h.id,
                            h.name
                        );
                    }
                    if hits.is_empty() {
                        eprintln!("không tìm thấy kết quả");
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Kb::Demo => {
            let r = tongdai_kb::demo::load(&kb).await?;
            if r.loaded {
                println!(
                    "Đã nạp dữ liệu mẫu: {} thủ tục, {} câu hỏi thường gặp.",
                    r.procedures, r.faqs
                );
            } else {
                println!("Danh mục thủ tục đã có dữ liệu; không nạp dữ liệu mẫu.");
            }
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}
