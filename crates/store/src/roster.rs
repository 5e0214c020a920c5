//! The duty roster (ADM-3) on disk: shifts per tenant and day. The arithmetic (gaps, who is on
//! duty) is in `tongdai_domain::roster`.

use crate::error::Result;
use crate::{StoreError, micros};
use chrono::{NaiveDate, NaiveTime};
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::roster::{Shift, check_overlap};

/// A stored shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub id: i64,
    pub tenant_id: i64,
    pub shift: Shift,
    pub note: String,
}

fn time(s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| StoreError::Corrupt(format!("bad time {s}")))
}

/// Shifts of some tenants between two dates (inclusive).
pub async fn shifts(
    c: &mut AnyConnection,
    tenants: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ShiftRow>> {
    let ids = if tenants.is_empty() {
        "NULL".to_owned()
    } else {
        tenants
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let sql = format!(
        "SELECT id, tenant_id, account_id, day, start_time, end_time, note FROM roster_shifts \
         WHERE tenant_id IN ({ids}) AND day >= $1 AND day <= $2 ORDER BY day, start_time, account_id"
    );
    let rows: Vec<(i64, i64, i64, String, String, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(crate::org::date_text(from))
            .bind(crate::org::date_text(to))
            .fetch_all(&mut *c)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ShiftRow {
                id: r.0,
                tenant_id: r.1,
                shift: Shift {
                    account_id: r.2,
                    date: crate::org::parse_date(&r.3)?,
                    start: time(&r.4)?,
                    end: time(&r.5)?,
                },
                note: r.6,
            })
        })
        .collect()
}

/// Add a shift, refusing one that overlaps another shift of the same person.
pub async fn add(
    c: &mut AnyConnection,
    tenant_id: i64,
    shift: &Shift,
    note: &str,
    by: Option<i64>,
    now: Instant,
) -> Result<i64> {
    let theirs: Vec<(String, String)> = sqlx::query_as(
        "SELECT start_time, end_time FROM roster_shifts WHERE account_id = $1 AND day = $2",
    )
    .bind(shift.account_id)
    .bind(crate::org::date_text(shift.date))
    .fetch_all(&mut *c)
    .await?;
    let existing: Vec<Shift> = theirs
        .into_iter()
        .filter_map(|(s, e)| {
            Some(Shift {
                account_id: shift.account_id,
                date: shift.date,
                start: time(&s).ok()?,
                end: time(&e).ok()?,
            })
        })
        .collect();
    check_overlap(shift, &existing).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(sqlx::query_scalar(
        "INSERT INTO roster_shifts (tenant_id, account_id, day, start_time, end_time, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(tenant_id)
    .bind(shift.account_id)
    .bind(crate::org::date_text(shift.date))
    .bind(shift.start.format("%H:%M").to_string())
    .bind(shift.end.format("%H:%M").to_string())
    .bind(note)
    .bind(by)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?)
}

/// Remove a shift of a tenant.
pub async fn remove(c: &mut AnyConnection, tenant_id: i64, id: i64) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM roster_shifts WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
            == 1,
    )
}
