//! Working calendars as data (ADM-4): a calendar's configuration (office hours, holiday rules)
//! and the days an administrator declared for a year. The arithmetic is in
//! `tongdai_domain::calendar`; this module only keeps what it is built from.
//!
//! Every change bumps the calendar's version; deadlines record the version they were computed
//! with, so an edit never silently moves an announced deadline.

use crate::error::Result;
use crate::{StoreError, micros};
use chrono::NaiveDate;
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// A calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// JSON of `tongdai_domain::calendar::CalendarConfig`.
    pub config: String,
    pub version: i64,
}

/// A declared day (holiday, compensatory day, swap, make-up working day, special hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRow {
    pub day: NaiveDate,
    pub kind: String,
    pub name: String,
    pub source_document: Option<String>,
    pub status: String,
    /// JSON list of intervals for special hours.
    pub intervals: Option<String>,
}

/// Every calendar.
pub async fn calendars(c: &mut AnyConnection) -> Result<Vec<CalendarRow>> {
    let rows: Vec<(i64, String, String, String, i64)> =
        sqlx::query_as("SELECT id, code, name, config, version FROM calendars ORDER BY id").fetch_all(&mut *c).await?;
    Ok(rows.into_iter().map(|(id, code, name, config, version)| CalendarRow { id, code, name, config, version }).collect())
}

/// One calendar.
pub async fn calendar(c: &mut AnyConnection, id: i64) -> Result<CalendarRow> {
    calendars(c).await?.into_iter().find(|r| r.id == id).ok_or_else(|| StoreError::NotFound(format!("calendar {id}")))
}

/// Create a calendar.
pub async fn create(c: &mut AnyConnection, code: &str, name: &str, config_json: &str, now: Instant) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO calendars (code, name, config, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(config_json)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?)
}

/// Replace a calendar's configuration (office hours, rules).
pub async fn set_config(c: &mut AnyConnection, id: i64, config_json: &str, now: Instant) -> Result<()> {
    sqlx::query("UPDATE calendars SET config = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(config_json)
        .bind(micros(now))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Declared days of a calendar within [from, to].
pub async fn exceptions(c: &mut AnyConnection, calendar_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Vec<ExceptionRow>> {
    let rows: Vec<(String, String, String, Option<String>, String, Option<String>)> = sqlx::query_as(
        "SELECT day, kind, name, source_document, status, intervals FROM calendar_exceptions \
         WHERE calendar_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(calendar_id)
    .bind(crate::org::date_text(from))
    .bind(crate::org::date_text(to))
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|(day, kind, name, source_document, status, intervals)| {
            Ok(ExceptionRow { day: crate::org::parse_date(&day)?, kind, name, source_document, status, intervals })
        })
        .collect()
}

/// Every declared day of a calendar.
pub async fn all_exceptions(c: &mut AnyConnection, calendar_id: i64) -> Result<Vec<ExceptionRow>> {
    let min = NaiveDate::MIN;
    let max = NaiveDate::MAX;
    exceptions(c, calendar_id, min.max(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(min)), max.min(NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(max))).await
}

/// Declare (or replace) a day.
pub async fn set_exception(c: &mut AnyConnection, calendar_id: i64, e: &ExceptionRow, by: Option<i64>, now: Instant) -> Result<()> {
    sqlx::query("DELETE FROM calendar_exceptions WHERE calendar_id = $1 AND day = $2")
        .bind(calendar_id)
        .bind(crate::org::date_text(e.day))
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_exceptions (calendar_id, day, kind, name, source_document, status, intervals, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(calendar_id)
    .bind(crate::org::date_text(e.day))
    .bind(&e.kind)
    .bind(&e.name)
    .bind(&e.source_document)
    .bind(&e.status)
    .bind(&e.intervals)
    .bind(by)
    .bind(micros(now))
    .execute(&mut *c)
    .await?;
    bump(c, calendar_id, now).await
}

/// Remove a declared day (the generated rule applies again).
pub async fn remove_exception(c: &mut AnyConnection, calendar_id: i64, day: NaiveDate, now: Instant) -> Result<bool> {
    let n = sqlx::query("DELETE FROM calendar_exceptions WHERE calendar_id = $1 AND day = $2")
        .bind(calendar_id)
        .bind(crate::org::date_text(day))
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n > 0 {
        bump(c, calendar_id, now).await?;
    }
    Ok(n > 0)
}

async fn bump(c: &mut AnyConnection, id: i64, now: Instant) -> Result<()> {
    sqlx::query("UPDATE calendars SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}
