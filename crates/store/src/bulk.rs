//! Multi-row statements: many rows in one `INSERT … VALUES (…), (…)` or one
//! `UPDATE … FROM (VALUES …)`, the same SQL on SQLite and PostgreSQL.
//!
//! Why: a statement costs a round trip (and on SQLite a hop to its worker thread) whatever its
//! size. The deadline runner writes about a dozen rows per escalated case; written one by one,
//! 100,000 escalations took minutes (BENCHMARKS.md), written a few hundred cases at a time they
//! take seconds.

use crate::error::Result;
use sqlx::AnyConnection;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs};

/// One bound value of a multi-row statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_owned))
    }
}

/// Bound values per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_PARAMS: usize = 30_000;

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` values; `(?, ?), (?, ?)` on SQLite, where a
/// named or numbered parameter is found by a linear search of the statement's parameter names
/// when bound (`sqlite3_bind_parameter_name`), which made a 1,500-row insert quadratic: 80 µs
/// a row at 1,000 rows a statement, 8 µs at 25.
pub fn placeholders(rows: usize, cols: usize, sqlite: bool) -> String {
    if sqlite {
        let row = format!("({})", vec!["?"; cols].join(", "));
        return vec![row; rows].join(", ");
    }
    let sigil = '$';
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push(sigil);
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

fn is_sqlite(c: &AnyConnection) -> bool {
    c.backend_name() == "SQLite"
}

fn bind_all<'q>(
    mut q: Query<'q, sqlx::Any, AnyArguments>,
    rows: &[Vec<Value>],
) -> Query<'q, sqlx::Any, AnyArguments> {
    for v in rows.iter().flatten() {
        q = match v {
            Value::Int(i) => q.bind(*i),
            Value::Text(t) => q.bind(t.clone()),
        };
    }
    q
}

fn bind_all_as<'q, O>(
    mut q: QueryAs<'q, sqlx::Any, O, AnyArguments>,
    rows: &[Vec<Value>],
) -> QueryAs<'q, sqlx::Any, O, AnyArguments> {
    for v in rows.iter().flatten() {
        q = match v {
            Value::Int(i) => q.bind(*i),
            Value::Text(t) => q.bind(t.clone()),
        };
    }
    q
}

fn chunk_rows(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).clamp(1, 1_000)
}

/// Run `{head} VALUES (…), (…) {tail}` over all rows, in as many statements as the parameter
/// limits need. Every row must have the same number of values.
pub async fn execute(
    c: &mut AnyConnection,
    head: &str,
    rows: &[Vec<Value>],
    tail: &str,
) -> Result<u64> {
    let Some(cols) = rows.first().map(Vec::len) else {
        return Ok(0);
    };
    debug_assert!(rows.iter().all(|r| r.len() == cols));
    let mut affected = 0;
    for chunk in rows.chunks(chunk_rows(cols)) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            placeholders(chunk.len(), cols, is_sqlite(c))
        );
        affected += bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), chunk)
            .execute(&mut *c)
            .await?
            .rows_affected();
    }
    Ok(affected)
}

/// Like [`execute`], for statements ending in `RETURNING …`: the rows returned, in no
/// particular order.
pub async fn fetch<O>(
    c: &mut AnyConnection,
    head: &str,
    rows: &[Vec<Value>],
    tail: &str,
) -> Result<Vec<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    fetch_chunks(c, rows, |values| format!("{head} VALUES {values} {tail}")).await
}

/// `UPDATE {table} SET {set} FROM (VALUES …) AS v WHERE {condition} RETURNING {returning}`:
/// `set`, `condition` and `returning` name the values `v.column1`, `v.column2`, … (the names
/// both databases give the columns of a `VALUES` list; both plan it as a scan of the values and
/// a primary-key lookup per row).
pub async fn update_from_values<O>(
    c: &mut AnyConnection,
    table: &str,
    set: &str,
    rows: &[Vec<Value>],
    condition: &str,
    returning: &str,
) -> Result<Vec<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    fetch_chunks(c, rows, |values| {
        format!("UPDATE {table} SET {set} FROM (VALUES {values}) AS v WHERE {condition} RETURNING {returning}")
    })
    .await
}

/// Run the statement `sql(placeholders)` over the rows, chunk by chunk, collecting what it
/// returns.
async fn fetch_chunks<O>(
    c: &mut AnyConnection,
    rows: &[Vec<Value>],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let Some(cols) = rows.first().map(Vec::len) else {
        return Ok(Vec::new());
    };
    debug_assert!(rows.iter().all(|r| r.len() == cols));
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(chunk_rows(cols)) {
        let statement = sql(&placeholders(chunk.len(), cols, is_sqlite(c)));
        out.extend(
            bind_all_as(sqlx::query_as(sqlx::AssertSqlSafe(statement)), chunk)
                .fetch_all(&mut *c)
                .await?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(placeholders(2, 3, false), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(2, 2, true), "(?, ?), (?, ?)");
        assert_eq!(placeholders(1, 1, false), "($1)");
        assert_eq!(placeholders(0, 4, false), "");
    }

    #[test]
    fn chunks_respect_the_parameter_limit() {
        assert_eq!(chunk_rows(30), 1_000);
        assert_eq!(chunk_rows(60), 500);
        assert!(chunk_rows(29) * 29 <= MAX_PARAMS);
        assert_eq!(chunk_rows(0), 1_000);
    }
}
