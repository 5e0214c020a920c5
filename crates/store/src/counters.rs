//! Named gap-free counters (FAQ numbers; case codes on SQLite, see `cases::allocate`),
//! incremented inside the caller's transaction so a rolled-back change does not burn a number.

use crate::error::Result;
use sqlx::AnyConnection;

/// The next value of a counter, starting at 1. One upsert, so two transactions that take the
/// first number of a new counter at the same time queue on the row instead of one failing
/// with a duplicate key (seen on PostgreSQL with concurrent first intakes of a year).
pub async fn next(c: &mut AnyConnection, name: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut *c)
    .await?)
}
