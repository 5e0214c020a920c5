//! `tongdai audit verify`

use super::open_store;
use crate::config::Config;
use clap::Subcommand;
use std::process::ExitCode;
use tongdai_store::audit::{self, Verification};

#[derive(Debug, Subcommand)]
pub enum Audit {
    /// Check the hash chain of the whole audit log; exit 1 when an entry was changed or removed.
    Verify,
}

/// Run an audit command.
pub async fn run(config: &Config, cmd: Audit) -> anyhow::Result<ExitCode> {
    match cmd {
        Audit::Verify => {
            let store = open_store(config).await?;
            match audit::verify(&store).await? {
                Verification::Intact { entries } => {
                    println!("OK: {entries} entries, the chain is intact.");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken(b) => {
                    println!("BROKEN: {b}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
