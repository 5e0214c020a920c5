//! `tongdai migrate`

use crate::config::Config;
use std::process::ExitCode;

/// Apply pending migrations and say how many.
pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let store = tongdai_store::Store::connect(&config.database_url()).await?;
    let n = store.migrate().await?;
    println!(
        "{n} migration(s) applied; the database {} is up to date.",
        tongdai_store::redact_url(&config.database_url())
    );
    Ok(ExitCode::SUCCESS)
}
