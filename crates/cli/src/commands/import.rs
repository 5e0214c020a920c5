//! `tongdai import units FILE`

use super::open_store;
use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use tongdai_store::units_import::{ImportOptions, import_csv};

#[derive(Debug, Subcommand)]
pub enum Import {
    /// Administrative units from CSV: the official old→new conversion table of QĐ 19/2025, or
    /// a plain list `code,name,kind,parent_code,valid_from,valid_to,legal_basis`.
    Units {
        file: PathBuf,
        /// Check everything, keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// First day of the new units (conversion tables).
        #[arg(long, default_value = "2025-07-01")]
        effective: chrono::NaiveDate,
        /// Legal basis recorded on the new units and links.
        #[arg(long)]
        legal_basis: Option<String>,
    },
}

/// Run an import; exits with 1 when some rows were refused (the others are imported).
pub async fn run(config: &Config, cmd: Import) -> anyhow::Result<ExitCode> {
    match cmd {
        Import::Units {
            file,
            dry_run,
            effective,
            legal_basis,
        } => {
            let data =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = open_store(config).await?;
            let mut opts = ImportOptions {
                dry_run,
                effective,
                ..Default::default()
            };
            if let Some(l) = legal_basis {
                opts.legal_basis = l;
            }
            let report = import_csv(&store, &data, &opts).await?;
            println!("{}", report.summary_vi());
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
