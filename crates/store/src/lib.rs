//! Durable state of tongdai.
//!
//! One code path of queries for SQLite (the embedded default) and PostgreSQL (production):
//! sqlx's `Any` driver with portable SQL (`$1` placeholders, `RETURNING`, BIGINT/TEXT/DOUBLE
//! columns, booleans as 0/1, instants as microseconds since the epoch, dates as ISO text).
//! The few places where the dialects differ (identity columns, triggers) live in the
//! migrations, rendered per backend by [`migrate`].
//!
//! Repository functions take `&mut AnyConnection`, so a caller composes several of them in
//! one transaction (`Store::begin`) or runs one on a pooled connection (`Store::conn`).

pub mod accounts;
pub mod audit;
pub mod bootstrap;
pub mod bulk;
pub mod calendar;
pub mod callbacks;
pub mod cases;
pub mod clock;
pub mod console;
pub mod counters;
pub mod demo;
pub mod error;
pub mod files;
pub mod jobs;
pub mod kb;
pub mod migrate;
pub mod notifications;
pub mod org;
pub mod roster;
pub mod sessions;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod units_import;

pub use error::StoreError;
pub use sqlx::AnyConnection;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool and what the backend needs to be used safely.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; queueing writers here (FIFO, async) is cheaper and
    /// fairer than letting them spin in SQLite's busy handler. PostgreSQL needs no such lock.
    writer: Option<Arc<Mutex<()>>>,
}

/// A write transaction. On SQLite it also holds the writer lock until commit or drop.
#[derive(Debug)]
pub struct Tx {
    tx: Transaction<'static, Any>,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commit; on error nothing of the transaction is kept.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Connect to `url` (`sqlite://path/to/file.db` or `postgres://…`). A SQLite file and its
    /// directory are created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let pool = match backend {
            Backend::Sqlite => {
                let url = sqlite_url_with_create(url)?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets readers run while one writer writes; NORMAL sync is
                            // durable across application crashes (only an OS crash can lose
                            // the last transactions).
                            sqlx::query("PRAGMA journal_mode = WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous = NORMAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA foreign_keys = ON")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA busy_timeout = 10000")
                                .execute(&mut *conn)
                                .await?;
                            // SQLite's default page cache is 2 MiB a connection: on a million
                            // cases every index insert then reads pages back through the OS.
                            // 32 MiB a connection, and reads through a memory map.
                            sqlx::query("PRAGMA cache_size = -32768")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA mmap_size = 268435456")
                                .execute(&mut *conn)
                                .await?;
                            // Checkpoint the WAL every ~40 MiB rather than every 4 MiB: a
                            // batch of deadline decisions writes a few MiB, and each checkpoint
                            // copies pages into the database and syncs it.
                            sqlx::query("PRAGMA wal_autocheckpoint = 10000")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?
            }
        };
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            writer,
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for queries that need no transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for reads (and single-statement writes).
    pub async fn conn(&self) -> Result<PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Begin a write transaction: `BEGIN IMMEDIATE` under the writer lock on SQLite (so a
    /// transaction that reads then writes never fails with "database is locked"), a plain
    /// `BEGIN` on PostgreSQL.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.writer {
            Some(lock) => {
                let guard = lock.clone().lock_owned().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx {
                    tx,
                    _writer: Some(guard),
                })
            }
            None => Ok(Tx {
                tx: self.pool.begin().await?,
                _writer: None,
            }),
        }
    }

    /// Apply pending migrations (safe to call from several processes at once).
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        migrate::run(self).await
    }

    /// Close the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Make sure the SQLite file can be created: add `mode=rwc` and create the directory.
fn sqlite_url_with_create(url: &str) -> Result<String, StoreError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && !path.is_empty()
        && let Some(dir) = Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io(dir.display().to_string(), e))?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Instants are stored as microseconds since the Unix epoch.
pub fn micros(t: tongdai_domain::Instant) -> i64 {
    t.timestamp_micros()
}

/// The inverse of [`micros`].
pub fn instant(us: i64) -> tongdai_domain::Instant {
    tongdai_domain::time::from_micros(us)
}

/// Booleans are stored as 0/1 (the Any driver has no portable boolean for SQLite).
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// The search key of a name: Vietnamese folded to plain lower-case letters (no diacritics,
/// đ → d), as the knowledge-base search folds it.
pub fn fold(s: &str) -> String {
    tongdai_domain::text::fold(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            redact_url("postgres://u:secret@host/db"),
            "postgres://u:***@host/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            sqlite_url_with_create("sqlite::memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
    }
}
