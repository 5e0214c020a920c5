//! Named gap-free counters (case codes `PA-2026-000123`, report numbers), incremented inside
//! the caller's transaction so a rolled-back intake does not burn a number.

use crate::error::Result;
use sqlx::AnyConnection;

/// The next value of a counter, starting at 1.
pub async fn next(c: &mut AnyConnection, name: &str) -> Result<i64> {
    let v: Option<i64> =
        sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
            .bind(name)
            .fetch_optional(&mut *c)
            .await?;
    if let Some(v) = v {
        return Ok(v);
    }
    sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 1)")
        .bind(name)
        .execute(&mut *c)
        .await?;
    Ok(1)
}
