//! Recording retention (TEL-7, SEC-3): recordings older than the retention period are
//! deleted by a scheduled job, each with an audit row; a legal hold blocks deletion. The row
//! stays (marked deleted) so the hash chain can still be verified.

use super::admin::mark_recording_deleted;
use super::sql::db_err;
use super::*;
use tongdai_domain::audit::NewAuditEntry;

/// What a retention run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub deleted: u32,
    /// Files already gone (the row is marked all the same).
    pub missing_files: u32,
}

/// The oldest `closed_at` a recording may have to be kept at `now`.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(chrono::Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Delete the recordings closed before `cutoff(now, months)` that are not on hold, in
/// batches; each deletion is marked and audited in one transaction, then the file removed.
pub async fn purge_expired(
    s: &SqlStore,
    now: DateTime<Utc>,
    months: u32,
) -> StoreResult<RetentionReport> {
    let before = cutoff(now, months);
    let mut report = RetentionReport::default();
    loop {
        let batch = s.expired_recordings(before, 200).await?;
        if batch.is_empty() {
            break;
        }
        for r in batch {
            let mut tx = s.db.begin().await.map_err(db_err)?;
            if !mark_recording_deleted(&mut tx, &r.row.id, now).await? {
                continue;
            }
            tongdai_store::audit::append(
                &mut tx,
                NewAuditEntry {
                    at_us: tongdai_store::micros(now),
                    actor_id: None,
                    actor_name: "system".into(),
                    action: "recording.delete.retention".into(),
                    target: format!("recording:{}", r.row.id),
                    detail: tongdai_store::audit::detail(serde_json::json!({
                        "call_id": r.row.call_id, "sha256": r.row.sha256,
                        "closed_at": r.row.closed_at.to_rfc3339(), "retention_months": months,
                    })),
                    ip: String::new(),
                },
            )
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            match std::fs::remove_file(&r.row.path) {
                Ok(()) => report.deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    report.deleted += 1;
                    report.missing_files += 1;
                }
                Err(e) => {
                    tracing::error!(path = %r.row.path, error = %e, "recording marked deleted but the file could not be removed");
                }
            }
        }
    }
    Ok(report)
}
