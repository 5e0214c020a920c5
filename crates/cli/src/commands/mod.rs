//! One module per command.

pub mod audit;
pub mod calendar;
pub mod cdr;
pub mod import;
pub mod kb;
pub mod migrate;
pub mod serve;

use crate::config::Config;
use anyhow::Context;
use tongdai_store::Store;

/// Open the configured database and apply pending migrations (every command does).
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    let store = Store::connect(&url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            tongdai_store::redact_url(&url)
        )
    })?;
    let applied = store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(store)
}
