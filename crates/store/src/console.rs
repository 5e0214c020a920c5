//! What the operator console and the wallboard read of the engine's shared tables (TEL-9,
//! REP-5): a caller's earlier calls, and the queues' waiting calls. The engine writes these
//! rows (migration 0200); the web reads them here so that every web node sees the same.

use crate::error::Result;
use crate::instant;
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// An earlier call of a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCall {
    pub call_id: String,
    pub arrived_at: Instant,
    pub disposition: Option<String>,
    pub agent_id: Option<String>,
    pub case_id: Option<String>,
}

/// The calls from any of `numbers` (the same number written differently), newest first,
/// leaving out the call `except` (the one in progress).
pub async fn calls_from(
    c: &mut AnyConnection,
    numbers: &[&str],
    except: &str,
    limit: i64,
) -> Result<Vec<EarlierCall>> {
    let mut out: Vec<EarlierCall> = Vec::new();
    for n in numbers {
        type Row = (String, i64, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT call_id, arrived_at, disposition, agent_id, case_id FROM calls \
             WHERE caller_number = $1 AND call_id <> $2 ORDER BY arrived_at DESC LIMIT $3",
        )
        .bind(*n)
        .bind(except)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
        for r in rows {
            if !out.iter().any(|x| x.call_id == r.0) {
                out.push(EarlierCall {
                    call_id: r.0,
                    arrived_at: instant(r.1),
                    disposition: r.2,
                    agent_id: r.3,
                    case_id: r.4,
                });
            }
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.arrived_at));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Calls waiting in the queues now: how many, and since when the oldest waits.
pub async fn waiting(c: &mut AnyConnection) -> Result<(u32, Option<Instant>)> {
    let (n, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(enqueued_at) FROM queue_entries")
            .fetch_one(&mut *c)
            .await?;
    Ok((u32::try_from(n).unwrap_or(0), oldest.map(instant)))
}
