//! Instance-wide settings as JSON values under stable keys.

use crate::error::Result;
use crate::micros;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// Read a setting; `None` when unset or unreadable (the caller's default applies).
pub async fn get<T: DeserializeOwned>(c: &mut AnyConnection, key: &str) -> Result<Option<T>> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *c)
        .await?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Write a setting.
pub async fn set<T: Serialize>(
    c: &mut AnyConnection,
    key: &str,
    value: &T,
    now: Instant,
) -> Result<()> {
    let json =
        serde_json::to_string(value).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
    let n = sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3")
        .bind(&json)
        .bind(micros(now))
        .bind(key)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)")
            .bind(key)
            .bind(&json)
            .bind(micros(now))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}
