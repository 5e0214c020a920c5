//! Working calendars as data (ADM-4). A calendar is one `CalendarConfig` document (office
//! hours, holiday rules and the declared days of the official notices and the administrator),
//! so the arithmetic in `tongdai_domain::calendar` always sees a whole, validated calendar.
//!
//! Every change bumps the calendar's version; deadlines record the version they were computed
//! with, so an edit never silently moves an announced deadline. The audit log keeps each
//! change with its before and after.

use crate::error::Result;
use crate::{StoreError, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::calendar::{CalendarConfig, WorkingCalendar};

/// A calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub config: CalendarConfig,
    pub version: i64,
}

/// The JSON of the Vietnamese default calendar.
pub fn default_config_json() -> String {
    serde_json::to_string(&CalendarConfig::default()).unwrap_or_else(|_| "{}".into())
}

fn parse(id: i64, json: &str) -> Result<CalendarConfig> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("calendar {id}: {e}")))
}

/// Every calendar.
pub async fn calendars(c: &mut AnyConnection) -> Result<Vec<CalendarRow>> {
    let rows: Vec<(i64, String, String, String, i64)> =
        sqlx::query_as("SELECT id, code, name, config, version FROM calendars ORDER BY id")
            .fetch_all(&mut *c)
            .await?;
    rows.into_iter()
        .map(|(id, code, name, config, version)| {
            Ok(CalendarRow {
                id,
                code,
                name,
                config: parse(id, &config)?,
                version,
            })
        })
        .collect()
}

/// One calendar.
pub async fn calendar(c: &mut AnyConnection, id: i64) -> Result<CalendarRow> {
    let row: Option<(String, String, String, i64)> =
        sqlx::query_as("SELECT code, name, config, version FROM calendars WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    let (code, name, config, version) =
        row.ok_or_else(|| StoreError::NotFound(format!("calendar {id}")))?;
    Ok(CalendarRow {
        id,
        code,
        name,
        config: parse(id, &config)?,
        version,
    })
}

/// The compiled calendar and its version.
pub async fn load(c: &mut AnyConnection, id: i64) -> Result<(WorkingCalendar, i64)> {
    let row = calendar(c, id).await?;
    let cal = WorkingCalendar::new(row.config)
        .map_err(|e| StoreError::Corrupt(format!("calendar {id}: {e}")))?;
    Ok((cal, row.version))
}

/// The calendar of a tenant.
pub async fn for_tenant(c: &mut AnyConnection, tenant_id: i64) -> Result<(WorkingCalendar, i64)> {
    let id: Option<i64> = sqlx::query_scalar("SELECT calendar_id FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(&mut *c)
        .await?;
    load(
        c,
        id.ok_or_else(|| StoreError::NotFound(format!("tenant {tenant_id}")))?,
    )
    .await
}

/// Create a calendar (validated).
pub async fn create(
    c: &mut AnyConnection,
    code: &str,
    name: &str,
    config: &CalendarConfig,
    now: Instant,
) -> Result<i64> {
    WorkingCalendar::new(config.clone()).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let json = serde_json::to_string(config).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(sqlx::query_scalar(
        "INSERT INTO calendars (code, name, config, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(&json)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?)
}

/// Replace a calendar's configuration (validated); returns the new version. `expected_version`
/// guards against two administrators overwriting each other's edits.
pub async fn save(
    c: &mut AnyConnection,
    id: i64,
    config: &CalendarConfig,
    expected_version: i64,
    now: Instant,
) -> Result<i64> {
    WorkingCalendar::new(config.clone()).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let json = serde_json::to_string(config).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let n = sqlx::query("UPDATE calendars SET config = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4")
        .bind(&json)
        .bind(micros(now))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict(
            "lịch làm việc vừa được người khác sửa; hãy tải lại trang".into(),
        ));
    }
    Ok(expected_version + 1)
}

/// The first calendar, created with the Vietnamese defaults when there is none.
pub async fn ensure_default(c: &mut AnyConnection, now: Instant) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM calendars")
        .fetch_one(&mut *c)
        .await?;
    match id {
        Some(id) => Ok(id),
        None => {
            create(
                c,
                "mac-dinh",
                "Lịch làm việc cơ quan hành chính nhà nước",
                &CalendarConfig::default(),
                now,
            )
            .await
        }
    }
}
