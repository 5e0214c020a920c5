//! A fresh, migrated database per test, on the backend the suite runs against.
//!
//! `TONGDAI_TEST_BACKEND=postgres` runs against a new database created on
//! `TONGDAI_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`, where CI has
//! PostgreSQL with trust auth); otherwise each test gets its own SQLite file. The same tests
//! therefore prove the same behaviour on both backends (CI runs the suite once per backend).

use crate::{Backend, Store};
use sqlx::Connection;

/// A test database; dropping it removes it (a failing test's PostgreSQL database is kept for
/// inspection and removed by [`drop_stale_pg_databases`] on a later run).
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The backend the tests run on.
pub fn backend() -> Backend {
    match std::env::var("TONGDAI_TEST_BACKEND").as_deref() {
        Ok("postgres") | Ok("pg") | Ok("postgresql") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn pg_admin_url() -> String {
    std::env::var("TONGDAI_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// An empty database URL (not migrated) plus what keeps it alive.
pub async fn fresh_url() -> (String, Option<tempfile::TempDir>) {
    match backend() {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin = pg_admin_url();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("connect to the PostgreSQL test server");
            let mut bytes = [0u8; 8];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            let name = format!("tongdai_t_{}", data_encoding::HEXLOWER.encode(&bytes));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(b, _)| b)
                .to_owned();
            (format!("{base}/{name}"), None)
        }
    }
}

impl TestDb {
    /// A fresh migrated database.
    pub async fn new() -> TestDb {
        let (url, dir) = fresh_url().await;
        let store = Store::connect(&url)
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        TestDb {
            store,
            url,
            _dir: dir,
        }
    }
}

/// Drop test databases left by earlier runs (call once per run, e.g. from CI).
pub async fn drop_stale_pg_databases() -> Result<u64, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&pg_admin_url()).await?;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'tongdai_t_%'")
            .fetch_all(&mut conn)
            .await?;
    let mut n = 0;
    for name in names {
        if sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .is_ok()
        {
            n += 1;
        }
    }
    Ok(n)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if backend() != Backend::Postgres || std::thread::panicking() {
            return;
        }
        let Some((_, name)) = self.url.rsplit_once('/') else {
            return;
        };
        let name = name.to_owned();
        // Dropping runs outside the test's runtime, on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&pg_admin_url()).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}
