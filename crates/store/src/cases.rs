//! Cases on disk (CASE-1 … CASE-14): the domain's `Case` document and the query columns beside
//! it, the agencies it went to, its append-only history, attachments, routing rules and the
//! daily summaries. Every change goes through `tongdai_domain::case::{receive, decide}`; this
//! module only persists the outcome (see crate `tongdai-cases` for the orchestration).

use crate::bulk::Value;
use crate::error::Result;
use crate::{StoreError, flag, instant, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::case::{Case, CaseCode, CaseKind, CaseState, Deadlines, Event, RoutingRule};

/// Allocate the identity of a new case: an id and a code whose sequence is unique per year
/// across all code prefixes (so the digits alone identify a case on the phone keypad).
///
/// On SQLite (one writer at a time) both come from gap-free rows of `counters`. On PostgreSQL
/// they come from sequences (`case_ids`, `case_seq_<year>`, made on first use to continue
/// after the counters and the cases already there): a counter row would be locked from the
/// intake's first statement to its commit and serialise every intake behind it (618 intakes/s
/// measured that way, BENCHMARKS.md). The price: an intake that fails after this point leaves
/// a gap in the numbers; numbers are still unique and increasing.
pub async fn allocate(c: &mut AnyConnection, kind: CaseKind, year: i32) -> Result<(i64, CaseCode)> {
    let (id, seq) = if c.backend_name() == "PostgreSQL" {
        let id = next_in_sequence(
            c,
            "case_ids",
            "SELECT GREATEST(COALESCE((SELECT MAX(id) FROM cases), 0), \
             COALESCE((SELECT value FROM counters WHERE name = 'cases.id'), 0))",
        )
        .await?;
        let seq = next_in_sequence(
            c,
            &format!("case_seq_{year}"),
            &format!(
                "SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM cases WHERE year = {year}), 0), \
                 COALESCE((SELECT value FROM counters WHERE name = 'cases.seq.{year}'), 0))"
            ),
        )
        .await?;
        (id, seq)
    } else {
        (
            crate::counters::next(c, "cases.id").await?,
            crate::counters::next(c, &format!("cases.seq.{year}")).await?,
        )
    };
    let code = CaseCode::for_kind(
        kind,
        u16::try_from(year).unwrap_or(0),
        u32::try_from(seq).unwrap_or(u32::MAX),
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((id, code))
}

/// The next value of a PostgreSQL sequence, made on first use to start after `floor_sql`'s
/// value. Two intakes making it at once queue on an advisory lock instead of one failing.
async fn next_in_sequence(c: &mut AnyConnection, name: &str, floor_sql: &str) -> Result<i64> {
    if name.is_empty()
        || !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        return Err(StoreError::Invalid(format!("sequence name `{name}`")));
    }
    // One round trip when the sequence exists (the cast to `regclass` runs only then).
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT CASE WHEN to_regclass($1) IS NULL THEN NULL \
         ELSE nextval(CAST(CAST($1 AS TEXT) AS regclass)) END",
    )
    .bind(name)
    .fetch_one(&mut *c)
    .await?;
    if let Some(next) = next {
        return Ok(next);
    }
    sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS locked")
        .bind(name)
        .execute(&mut *c)
        .await?;
    let floor: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(floor_sql.to_owned()))
        .fetch_one(&mut *c)
        .await?;
    let create = format!(
        "CREATE SEQUENCE IF NOT EXISTS {name} START WITH {}",
        floor + 1
    );
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&mut *c)
        .await?;
    Ok(
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT nextval('{name}')")))
            .fetch_one(&mut *c)
            .await?,
    )
}

fn doc(case: &Case) -> Result<String> {
    serde_json::to_string(case).map_err(|e| StoreError::Invalid(format!("case document: {e}")))
}

fn excerpt_folded(case: &Case) -> String {
    crate::fold(&case.content.chars().take(2000).collect::<String>())
}

/// Store a new case (its id and code from [`allocate`]).
pub async fn insert(
    c: &mut AnyConnection,
    case: &Case,
    d: &Deadlines,
    source_ip: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO cases (id, code, year, seq, tenant_id, state, kind, class, channel, caller_name, caller_name_folded, \
         caller_phone, caller_address, admin_unit_id, content_folded, field_id, category_id, lead_agency_id, pressing, complex, \
         confidential, received_at, received_by, due_at, hard_due_at, statutory_due_at, answered_at, closed_at, published_at, \
         rating, merged_into, source_ip, doc, version, created_at, updated_at, public_text_folded) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
          $26, $27, $28, $29, $30, $31, $32, $33, 1, $34, $34, $35)",
    )
    .bind(case.id)
    .bind(case.code.to_string())
    .bind(i64::from(case.code.year()))
    .bind(i64::from(case.code.seq()))
    .bind(case.tenant_id)
    .bind(case.state.code())
    .bind(case.kind.code())
    .bind(case.class.map(|k| k.code()))
    .bind(case.channel.code())
    .bind(&case.caller.name)
    .bind(crate::fold(&case.caller.name))
    .bind(case.caller.phone.canonical())
    .bind(&case.caller.address)
    .bind(case.caller.admin_unit_id)
    .bind(excerpt_folded(case))
    .bind(case.field_id)
    .bind(case.category_id)
    .bind(case.lead_agency_id)
    .bind(flag(case.pressing))
    .bind(flag(case.complex))
    .bind(flag(case.confidential))
    .bind(micros(case.received_at))
    .bind(case.received_by)
    .bind(d.due_at.map(micros))
    .bind(d.hard_due_at.map(micros))
    .bind(d.statutory_due_at.map(micros))
    .bind(case.answered_at.map(micros))
    .bind(case.closed_at.map(micros))
    .bind(case.publication.as_ref().map(|p| micros(p.at)))
    .bind(case.rating.as_ref().map(|r| i64::from(r.stars)))
    .bind(merged_into(case))
    .bind(source_ip)
    .bind(doc(case)?)
    .bind(micros(now))
    .bind(public_folded(case))
    .execute(&mut *c)
    .await?;
    set_agencies(c, case).await
}

/// The published (redacted) text, folded for the portal's search; `None` while unpublished.
fn public_folded(case: &Case) -> Option<String> {
    case.publication.as_ref().map(|p| crate::fold(&p.text))
}

fn merged_into(case: &Case) -> Option<i64> {
    serde_json::to_value(&case.resolution).ok().and_then(|v| {
        v.get("into_case_id")
            .or_else(|| v.get("into"))
            .and_then(serde_json::Value::as_i64)
    })
}

/// Store a changed case; fails with a conflict when someone else changed it since `version`.
/// `before` is the case as read, when known (see [`CaseWrite::before`]).
pub async fn update(
    c: &mut AnyConnection,
    case: &Case,
    before: Option<&Case>,
    d: &Deadlines,
    version: i64,
    now: Instant,
) -> Result<i64> {
    let write = CaseWrite {
        case,
        before,
        deadlines: d,
        version,
        agencies_changed: true,
    };
    let updated = update_many(c, std::slice::from_ref(&write), now).await?;
    if updated.is_empty() {
        return Err(StoreError::Conflict(format!(
            "hồ sơ {} vừa được người khác cập nhật; hãy tải lại",
            case.code
        )));
    }
    Ok(version + 1)
}

/// A changed case to store.
#[derive(Debug, Clone, Copy)]
pub struct CaseWrite<'a> {
    pub case: &'a Case,
    /// The case as read, when known: only the columns that differ from it are written. SQLite
    /// rewrites the index entries of every column an UPDATE sets, changed or not, and a case has
    /// a dozen indexes; an escalation changes two of them.
    pub before: Option<&'a Case>,
    pub deadlines: &'a Deadlines,
    /// The version the case was read at.
    pub version: i64,
    /// Whether its agencies (lead or others) may have changed.
    pub agencies_changed: bool,
}

/// The columns a change may set, in the order of [`column_values`]. The first
/// [`ALWAYS_WRITTEN`] are written on every change (the state and clocks move with almost every
/// decision, and the document always does); the others only when they differ from the case as
/// read.
const COLUMNS: [&str; 27] = [
    "state",
    "due_at",
    "hard_due_at",
    "statutory_due_at",
    "doc",
    "updated_at",
    "kind",
    "class",
    "channel",
    "caller_name",
    "caller_name_folded",
    "caller_phone",
    "caller_address",
    "admin_unit_id",
    "content_folded",
    "field_id",
    "category_id",
    "lead_agency_id",
    "pressing",
    "complex",
    "confidential",
    "answered_at",
    "closed_at",
    "published_at",
    "rating",
    "merged_into",
    "public_text_folded",
];
const ALWAYS_WRITTEN: usize = 6;

/// A case's values for [`COLUMNS`]; without its document (`NULL` in its place) for a case
/// only compared with.
fn column_values(case: &Case, d: &Deadlines, now: Instant, with_doc: bool) -> Result<Vec<Value>> {
    Ok(vec![
        case.state.code().into(),
        d.due_at.map(micros).into(),
        d.hard_due_at.map(micros).into(),
        d.statutory_due_at.map(micros).into(),
        if with_doc {
            doc(case)?.into()
        } else {
            Value::Text(None)
        },
        micros(now).into(),
        case.kind.code().into(),
        case.class.map(|k| k.code()).into(),
        case.channel.code().into(),
        case.caller.name.as_str().into(),
        crate::fold(&case.caller.name).into(),
        case.caller.phone.canonical().into(),
        case.caller.address.as_str().into(),
        case.caller.admin_unit_id.into(),
        excerpt_folded(case).into(),
        case.field_id.into(),
        case.category_id.into(),
        case.lead_agency_id.into(),
        flag(case.pressing).into(),
        flag(case.complex).into(),
        flag(case.confidential).into(),
        case.answered_at.map(micros).into(),
        case.closed_at.map(micros).into(),
        case.publication.as_ref().map(|p| micros(p.at)).into(),
        case.rating.as_ref().map(|r| i64::from(r.stars)).into(),
        merged_into(case).into(),
        public_folded(case).into(),
    ])
}

/// Store changed cases in multi-row statements, one per set of changed columns. Returns the
/// ids of the cases stored; a case changed by someone else since its version is left alone
/// (the caller decides what a conflict means).
pub async fn update_many(
    c: &mut AnyConnection,
    writes: &[CaseWrite<'_>],
    now: Instant,
) -> Result<Vec<i64>> {
    // Rows grouped by which columns they set (most batches are one group).
    let mut groups: Vec<(Vec<usize>, Vec<Vec<Value>>)> = Vec::new();
    for w in writes {
        let after = column_values(w.case, w.deadlines, now, true)?;
        let before = match w.before {
            Some(b) => Some(column_values(b, w.deadlines, now, false)?),
            None => None,
        };
        let set: Vec<usize> = (0..COLUMNS.len())
            .filter(|i| *i < ALWAYS_WRITTEN || before.as_ref().is_none_or(|b| b[*i] != after[*i]))
            .collect();
        let mut row = Vec::with_capacity(set.len() + 2);
        row.push(Value::from(w.case.id));
        row.push(w.version.into());
        let mut after = after;
        row.extend(
            set.iter()
                .map(|i| std::mem::replace(&mut after[*i], Value::Int(None))),
        );
        match groups.iter_mut().find(|(s, _)| *s == set) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((set, vec![row])),
        }
    }
    let mut updated = Vec::with_capacity(writes.len());
    for (set, rows) in groups {
        // `v.columnN` are a row's values in order: column1 = id, column2 = version, then the
        // columns set.
        let mut assignments: Vec<String> = set
            .iter()
            .enumerate()
            .map(|(k, i)| format!("{} = v.column{}", COLUMNS[*i], k + 3))
            .collect();
        assignments.push("version = cases.version + 1".into());
        let ids: Vec<(i64,)> = crate::bulk::update_from_values(
            c,
            "cases",
            &assignments.join(", "),
            &rows,
            "cases.id = v.column1 AND cases.version = v.column2",
            "cases.id",
        )
        .await?;
        updated.extend(ids.into_iter().map(|(id,)| id));
    }
    let stored: std::collections::HashSet<i64> = updated.iter().copied().collect();
    for w in writes
        .iter()
        .filter(|w| w.agencies_changed && stored.contains(&w.case.id))
    {
        set_agencies(c, w.case).await?;
    }
    Ok(updated)
}

async fn set_agencies(c: &mut AnyConnection, case: &Case) -> Result<()> {
    // Agencies are only ever added (a case keeps the history of where it went); the lead flag
    // follows the current lead.
    let mut all: Vec<(i64, bool)> = case.other_agency_ids.iter().map(|a| (*a, false)).collect();
    if let Some(lead) = case.lead_agency_id {
        all.retain(|(a, _)| *a != lead);
        all.push((lead, true));
    }
    sqlx::query("UPDATE case_agencies SET lead = 0 WHERE case_id = $1")
        .bind(case.id)
        .execute(&mut *c)
        .await?;
    for (agency, lead) in all {
        let n =
            sqlx::query("UPDATE case_agencies SET lead = $1 WHERE case_id = $2 AND agency_id = $3")
                .bind(flag(lead))
                .bind(case.id)
                .bind(agency)
                .execute(&mut *c)
                .await?
                .rows_affected();
        if n == 0 {
            sqlx::query("INSERT INTO case_agencies (case_id, agency_id, lead) VALUES ($1, $2, $3)")
                .bind(case.id)
                .bind(agency)
                .bind(flag(lead))
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// Append history lines.
pub async fn append_events(c: &mut AnyConnection, case_id: i64, events: &[Event]) -> Result<()> {
    let all: Vec<(i64, &Event)> = events.iter().map(|e| (case_id, e)).collect();
    append_events_many(c, &all).await
}

/// Append history lines of many cases in multi-row statements, in the order given.
pub async fn append_events_many(c: &mut AnyConnection, events: &[(i64, &Event)]) -> Result<()> {
    let mut rows = Vec::with_capacity(events.len());
    for (case_id, e) in events {
        let detail =
            serde_json::to_string(&e.detail).map_err(|x| StoreError::Invalid(x.to_string()))?;
        rows.push(vec![
            Value::from(*case_id),
            micros(e.at).into(),
            e.actor.kind.code().into(),
            e.actor.account_id.into(),
            e.actor.name.clone().unwrap_or_default().into(),
            e.from_state.map(|s| s.code()).into(),
            e.to_state.code().into(),
            e.code().into(),
            detail.into(),
        ]);
    }
    crate::bulk::execute(
        c,
        "INSERT INTO case_events (case_id, at, actor_kind, actor_id, actor_name, from_state, to_state, kind, detail)",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// A case and the version it was read at.
pub async fn get(c: &mut AnyConnection, id: i64) -> Result<(Case, i64)> {
    let row: Option<(String, i64)> = sqlx::query_as("SELECT doc, version FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    let (doc, version) = row.ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    let case: Case =
        serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("case {id}: {e}")))?;
    Ok((case, version))
}

/// A case by its code.
pub async fn by_code(c: &mut AnyConnection, code: &CaseCode) -> Result<Option<(Case, i64)>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(&mut *c)
        .await?;
    match id {
        Some(id) => Ok(Some(get(c, id).await?)),
        None => Ok(None),
    }
}

/// A case by the digits of its code (year and sequence), as typed on a phone keypad.
pub async fn by_digits(c: &mut AnyConnection, year: u16, seq: u32) -> Result<Option<(Case, i64)>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE year = $1 AND seq = $2")
        .bind(i64::from(year))
        .bind(i64::from(seq))
        .fetch_optional(&mut *c)
        .await?;
    match id {
        Some(id) => Ok(Some(get(c, id).await?)),
        None => Ok(None),
    }
}

/// One line of a case's history as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub at: Instant,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub kind: String,
    pub detail: serde_json::Value,
}

/// A case's history, oldest first.
pub async fn history(c: &mut AnyConnection, case_id: i64) -> Result<Vec<EventRow>> {
    type Row = (
        i64,
        i64,
        String,
        Option<i64>,
        String,
        Option<String>,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor_kind, actor_id, actor_name, from_state, to_state, kind, detail FROM case_events \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EventRow {
            id: r.0,
            at: instant(r.1),
            actor_kind: r.2,
            actor_id: r.3,
            actor_name: r.4,
            from_state: r.5,
            to_state: r.6,
            kind: r.7,
            detail: serde_json::from_str(&r.8).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

/// Who may see which cases: everything, some tenants, some agencies (officers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `None` = every tenant.
    pub tenants: Option<Vec<i64>>,
    /// Cases forwarded to these agencies are also visible.
    pub agencies: Vec<i64>,
}

/// A filter over cases (lists, the logbook, exports).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub scope: Scope,
    pub states: Vec<CaseState>,
    pub kind: Option<CaseKind>,
    pub channel: Option<String>,
    pub field_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    /// Folded text found in the code, the caller's name, phone or the content.
    pub text: Option<String>,
    pub phone: Option<String>,
    pub pressing: bool,
    /// Only cases recorded by this account ("my cases" of an operator).
    pub received_by: Option<i64>,
    /// Only cases whose focal deadline passed before this instant while still open.
    pub overdue_at: Option<Instant>,
    /// Keyset pagination: cases received before (received_at, id).
    pub before: Option<(i64, i64)>,
    pub limit: i64,
    /// Newest first (default) or by due date.
    pub order_by_due: bool,
}

/// A case as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: i64,
    pub code: String,
    pub tenant_id: i64,
    pub state: String,
    pub kind: String,
    pub channel: String,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_address: String,
    pub field_id: Option<i64>,
    pub lead_agency_id: Option<i64>,
    pub pressing: bool,
    pub confidential: bool,
    pub received_at: Instant,
    pub received_by: Option<i64>,
    pub due_at: Option<Instant>,
    pub hard_due_at: Option<Instant>,
    pub answered_at: Option<Instant>,
    pub rating: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CaseDbRow {
    id: i64,
    code: String,
    tenant_id: i64,
    state: String,
    kind: String,
    channel: String,
    caller_name: String,
    caller_phone: String,
    caller_address: String,
    field_id: Option<i64>,
    lead_agency_id: Option<i64>,
    pressing: i64,
    confidential: i64,
    received_at: i64,
    received_by: Option<i64>,
    due_at: Option<i64>,
    hard_due_at: Option<i64>,
    answered_at: Option<i64>,
    rating: Option<i64>,
}

const ROW_COLUMNS: &str = "c.id, c.code, c.tenant_id, c.state, c.kind, c.channel, c.caller_name, c.caller_phone, c.caller_address, \
    c.field_id, c.lead_agency_id, c.pressing, c.confidential, c.received_at, c.received_by, c.due_at, c.hard_due_at, c.answered_at, c.rating";

fn case_row(r: CaseDbRow) -> CaseRow {
    CaseRow {
        id: r.id,
        code: r.code,
        tenant_id: r.tenant_id,
        state: r.state,
        kind: r.kind,
        channel: r.channel,
        caller_name: r.caller_name,
        caller_phone: r.caller_phone,
        caller_address: r.caller_address,
        field_id: r.field_id,
        lead_agency_id: r.lead_agency_id,
        pressing: r.pressing != 0,
        confidential: r.confidential != 0,
        received_at: instant(r.received_at),
        received_by: r.received_by,
        due_at: r.due_at.map(instant),
        hard_due_at: r.hard_due_at.map(instant),
        answered_at: r.answered_at.map(instant),
        rating: r.rating,
    }
}

fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        "NULL".into()
    } else {
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

/// A value bound to a placeholder of a query built at run time.
enum Arg {
    Int(i64),
    Text(String),
}

/// The `WHERE` clause of a filter and its bound values. Only the filters present appear in the
/// SQL: optional filters written as `($n = 0 OR …)` defeat SQLite's planner (it cannot use an
/// index for a condition that may be switched off), which made the logbook 10–50× slower on a
/// million cases (BENCHMARKS.md).
struct Where {
    sql: String,
    args: Vec<Arg>,
}

impl Where {
    fn new() -> Self {
        Self {
            sql: String::new(),
            args: Vec::new(),
        }
    }

    /// Bind a value and return its placeholder.
    fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn and(&mut self, condition: &str) {
        self.sql.push_str(if self.sql.is_empty() {
            " WHERE "
        } else {
            " AND "
        });
        self.sql.push_str(condition);
    }

    /// `scan_by_arrival`: write the agencies' scope so that it cannot drive the query (`+c.id`,
    /// which no index serves), and the database walks the cases newest first instead — see
    /// [`list`].
    fn of(f: &Filter, scan_by_arrival: bool) -> Self {
        let mut w = Self::new();
        // Ids and state codes are numbers and fixed codes, never user text: they are inlined;
        // every user-supplied value is bound.
        let agencies = (!f.scope.agencies.is_empty()).then(|| {
            format!(
                "{}c.id IN (SELECT case_id FROM case_agencies WHERE agency_id IN ({}))",
                if scan_by_arrival { "+" } else { "" },
                id_list(&f.scope.agencies)
            )
        });
        match (&f.scope.tenants, agencies) {
            (None, _) => {}
            (Some(t), None) => w.and(&format!("c.tenant_id IN ({})", id_list(t))),
            (Some(t), Some(a)) if t.is_empty() => w.and(&a),
            (Some(t), Some(a)) => w.and(&format!("(c.tenant_id IN ({}) OR {a})", id_list(t))),
        }
        if !f.states.is_empty() {
            let codes: Vec<String> = f.states.iter().map(|s| format!("'{}'", s.code())).collect();
            w.and(&format!("c.state IN ({})", codes.join(",")));
        }
        if let Some(a) = f.agency_id {
            w.and(&format!(
                "c.id IN (SELECT case_id FROM case_agencies WHERE agency_id = {a})"
            ));
        }
        if let Some(k) = f.kind {
            let p = w.bind(Arg::Text(k.code().to_owned()));
            w.and(&format!("c.kind = {p}"));
        }
        if let Some(ch) = f.channel.as_deref().filter(|s| !s.is_empty()) {
            let p = w.bind(Arg::Text(ch.to_owned()));
            w.and(&format!("c.channel = {p}"));
        }
        if let Some(field) = f.field_id {
            let p = w.bind(Arg::Int(field));
            w.and(&format!("c.field_id = {p}"));
        }
        if let Some(from) = f.from {
            let p = w.bind(Arg::Int(micros(from)));
            w.and(&format!("c.received_at >= {p}"));
        }
        if let Some(to) = f.to {
            let p = w.bind(Arg::Int(micros(to)));
            w.and(&format!("c.received_at < {p}"));
        }
        if let Some(phone) = f.phone.as_deref().filter(|s| !s.is_empty()) {
            let p = w.bind(Arg::Text(phone.to_owned()));
            w.and(&format!("c.caller_phone = {p}"));
        }
        if f.pressing {
            w.and("c.pressing = 1");
        }
        if let Some(at) = f.overdue_at {
            let p = w.bind(Arg::Int(micros(at)));
            w.and(&format!(
                "c.state IN ('assigned', 'acknowledged', 'escalated', 'reopened') \
                 AND c.due_at IS NOT NULL AND c.due_at < {p} AND c.answered_at IS NULL"
            ));
        }
        if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let code = w.bind(Arg::Text(text.to_uppercase()));
            let like = w.bind(Arg::Text(format!("%{}%", crate::fold(text))));
            w.and(&format!(
                "(c.code = {code} OR c.caller_name_folded LIKE {like} OR c.content_folded LIKE {like} \
                 OR c.caller_phone LIKE {like})"
            ));
        }
        if let Some((at, id)) = f.before {
            let at = w.bind(Arg::Int(at));
            let id = w.bind(Arg::Int(id));
            w.and(&format!(
                "(c.received_at < {at} OR (c.received_at = {at} AND c.id < {id}))"
            ));
        }
        if let Some(by) = f.received_by {
            let p = w.bind(Arg::Int(by));
            w.and(&format!("c.received_by = {p}"));
        }
        w
    }

    fn apply<'q, O>(
        self,
        mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
        for a in self.args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
            };
        }
        q
    }
}

/// An officer's agency with at least this many cases is listed by walking all cases newest
/// first; a smaller one by reading its cases and sorting them. Reading costs the agency's case
/// count, walking costs about `page × all cases / agency's cases`: they meet near
/// √(50 × 1,000,000) ≈ 7,000 (BENCHMARKS.md: 360 ms against 12 ms for the busiest agency's
/// first page on a million cases).
const WALK_FROM: i64 = 7_000;

/// Whether a list is an officer's newest-first list of a busy agency (see [`WALK_FROM`]).
async fn walk_by_arrival(c: &mut AnyConnection, f: &Filter) -> Result<bool> {
    let officer_only = f.scope.tenants.as_ref().is_some_and(Vec::is_empty);
    if !officer_only
        || f.scope.agencies.is_empty()
        || f.order_by_due
        || f.from.is_some()
        || f.to.is_some()
        || f.agency_id.is_some()
        || !f.states.is_empty()
        || f.overdue_at.is_some()
    {
        return Ok(false);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM case_agencies WHERE agency_id IN ({}) LIMIT {WALK_FROM}) AS first_ones",
        id_list(&f.scope.agencies)
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *c)
        .await?;
    Ok(n >= WALK_FROM)
}

/// Cases matching a filter (the scope is always applied).
pub async fn list(c: &mut AnyConnection, f: &Filter) -> Result<Vec<CaseRow>> {
    let walk = walk_by_arrival(c, f).await?;
    let mut w = Where::of(f, walk);
    let order = if f.order_by_due {
        " ORDER BY c.due_at IS NULL, c.due_at, c.id"
    } else {
        " ORDER BY c.received_at DESC, c.id DESC"
    };
    let limit = w.bind(Arg::Int(if f.limit <= 0 {
        100
    } else {
        f.limit.min(10_000)
    }));
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM cases c{}{order} LIMIT {limit}",
        w.sql
    );
    let rows: Vec<CaseDbRow> = w
        .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
        .fetch_all(&mut *c)
        .await?;
    Ok(rows.into_iter().map(case_row).collect())
}

/// How many cases match a filter (ignoring its limit and keyset).
pub async fn count(c: &mut AnyConnection, f: &Filter) -> Result<i64> {
    let mut f = f.clone();
    f.before = None;
    let w = Where::of(&f, false);
    let sql = format!("SELECT COUNT(*) FROM cases c{}", w.sql);
    let (n,): (i64,) = w
        .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
        .fetch_one(&mut *c)
        .await?;
    Ok(n)
}

/// The agencies a case went to, with the lead flag.
pub async fn agencies(c: &mut AnyConnection, case_id: i64) -> Result<Vec<(i64, bool)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT agency_id, lead FROM case_agencies WHERE case_id = $1 ORDER BY lead DESC, agency_id")
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?;
    Ok(rows.into_iter().map(|(a, l)| (a, l != 0)).collect())
}

/// Open cases of the same phone, and recent open cases of the tenant (duplicate candidates).
pub async fn duplicate_candidates(
    c: &mut AnyConnection,
    tenant_id: i64,
    phone: &str,
    since: Instant,
    limit: i64,
) -> Result<Vec<(Case, i64)>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM cases WHERE tenant_id = $1 AND state NOT IN ('answered_on_call', 'redirected', 'not_accepted', 'forwarded_out', \
         'closed', 'published', 'merged') AND (caller_phone = $2 OR received_at >= $3) ORDER BY received_at DESC LIMIT $4",
    )
    .bind(tenant_id)
    .bind(phone)
    .bind(micros(since))
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(c, id).await?);
    }
    Ok(out)
}

/// The larger of how many cases arrived from an address and how many from a phone since an
/// instant (the public form's spam limits are per address and per phone). Two index range
/// counts (`cases_source_received`, `cases_phone`) rather than one `OR`, which no index serves.
///
/// Counting stops at `cap` (the limit being checked): an address that sent thousands of cases
/// costs no more to refuse than one that sent a few.
pub async fn recent_count(
    c: &mut AnyConnection,
    source_ip: Option<&str>,
    phone: Option<&str>,
    since: Instant,
    cap: i64,
) -> Result<i64> {
    let mut most = 0;
    for (column, value) in [("source_ip", source_ip), ("caller_phone", phone)] {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE {column} = $1 AND received_at >= $2 LIMIT $3) AS recent"
        );
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .bind(micros(since))
            .bind(cap.max(0))
            .fetch_one(&mut *c)
            .await?;
        most = most.max(n);
    }
    Ok(most)
}

/// An attachment of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub original_name: String,
    pub uploaded_by: Option<i64>,
    pub created_at: Instant,
}

/// Record an attachment (the file is already stored by `files::FileStore`).
pub async fn add_attachment(
    c: &mut AnyConnection,
    case_id: i64,
    f: &crate::files::StoredFile,
    by: Option<i64>,
    now: Instant,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO case_attachments (case_id, sha256, size, content_type, original_name, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(case_id)
    .bind(&f.sha256)
    .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
    .bind(f.file_type.mime())
    .bind(&f.original_name)
    .bind(by)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?)
}

/// A case's attachments.
pub async fn attachments(c: &mut AnyConnection, case_id: i64) -> Result<Vec<Attachment>> {
    type Row = (i64, i64, String, i64, String, String, Option<i64>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, case_id, sha256, size, content_type, original_name, uploaded_by, created_at FROM case_attachments \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Attachment {
            id: r.0,
            case_id: r.1,
            sha256: r.2,
            size: r.3,
            content_type: r.4,
            original_name: r.5,
            uploaded_by: r.6,
            created_at: instant(r.7),
        })
        .collect())
}

/// A stored routing rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRuleRow {
    pub id: i64,
    pub tenant_id: i64,
    pub rule: RoutingRule,
    pub active: bool,
}

/// The routing rules of some tenants.
pub async fn routing_rules(c: &mut AnyConnection, tenants: &[i64]) -> Result<Vec<RoutingRuleRow>> {
    type Row = (
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<i64>,
        i64,
        i64,
        i64,
    );
    let sql = format!(
        "SELECT id, tenant_id, field_id, kind, admin_unit_id, agency_id, priority, active FROM routing_rules \
         WHERE tenant_id IN ({}) ORDER BY priority DESC, id",
        id_list(tenants)
    );
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoutingRuleRow {
            id: r.0,
            tenant_id: r.1,
            rule: RoutingRule {
                field_id: r.2,
                kind: r.3.and_then(|k| k.parse().ok()),
                admin_unit_id: r.4,
                agency_id: r.5,
                priority: i32::try_from(r.6).unwrap_or(0),
            },
            active: r.7 != 0,
        })
        .collect())
}

/// Create or update a routing rule.
pub async fn save_routing_rule(
    c: &mut AnyConnection,
    id: Option<i64>,
    tenant_id: i64,
    rule: &RoutingRule,
    active: bool,
    now: Instant,
) -> Result<i64> {
    match id {
        Some(id) => {
            sqlx::query(
                "UPDATE routing_rules SET field_id = $1, kind = $2, admin_unit_id = $3, agency_id = $4, priority = $5, active = $6, \
                 updated_at = $7 WHERE id = $8 AND tenant_id = $9",
            )
            .bind(rule.field_id)
            .bind(rule.kind.map(|k| k.code()))
            .bind(rule.admin_unit_id)
            .bind(rule.agency_id)
            .bind(i64::from(rule.priority))
            .bind(flag(active))
            .bind(micros(now))
            .bind(id)
            .bind(tenant_id)
            .execute(&mut *c)
            .await?;
            Ok(id)
        }
        None => Ok(sqlx::query_scalar(
            "INSERT INTO routing_rules (tenant_id, field_id, kind, admin_unit_id, agency_id, priority, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(tenant_id)
        .bind(rule.field_id)
        .bind(rule.kind.map(|k| k.code()))
        .bind(rule.admin_unit_id)
        .bind(rule.agency_id)
        .bind(i64::from(rule.priority))
        .bind(flag(active))
        .bind(micros(now))
        .fetch_one(&mut *c)
        .await?),
    }
}

/// Keep a generated daily summary (once per tenant and day).
pub async fn save_summary(
    c: &mut AnyConnection,
    tenant_id: i64,
    day: chrono::NaiveDate,
    content: &serde_json::Value,
    now: Instant,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO daily_summaries (tenant_id, day, generated_at, content) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, day) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(crate::org::date_text(day))
    .bind(micros(now))
    .bind(content.to_string())
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A kept daily summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub id: i64,
    pub tenant_id: i64,
    pub day: chrono::NaiveDate,
    pub generated_at: Instant,
    pub content: serde_json::Value,
}

/// The latest summaries of some tenants.
pub async fn summaries(c: &mut AnyConnection, tenants: &[i64], limit: i64) -> Result<Vec<Summary>> {
    let sql = format!(
        "SELECT id, tenant_id, day, generated_at, content FROM daily_summaries WHERE tenant_id IN ({}) ORDER BY day DESC, id DESC LIMIT $1",
        id_list(tenants)
    );
    let rows: Vec<(i64, i64, String, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Summary {
                id: r.0,
                tenant_id: r.1,
                day: crate::org::parse_date(&r.2)?,
                generated_at: instant(r.3),
                content: serde_json::from_str(&r.4).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- reads for the web layer

/// Several cases by id with their versions (a page of a list), in the order of `ids`; ids
/// that do not exist are skipped.
pub async fn get_many(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(Case, i64)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, doc, version FROM cases WHERE id IN ({})",
            id_list(chunk)
        );
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for (id, doc, version) in rows {
            let case: Case = serde_json::from_str(&doc)
                .map_err(|e| StoreError::Corrupt(format!("case {id}: {e}")))?;
            found.insert(id, (case, version));
        }
        out.extend(chunk.iter().filter_map(|id| found.remove(id)));
    }
    Ok(out)
}

/// Who did something first, and when (the logbook's hand-over sign-off: the first
/// acknowledgement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstEvent {
    pub at: Instant,
    pub actor_id: Option<i64>,
    pub actor_name: String,
}

/// The first event of a kind (`acknowledged`, `forwarded` …) of each of some cases.
pub async fn first_events(
    c: &mut AnyConnection,
    case_ids: &[i64],
    kind: &str,
) -> Result<std::collections::HashMap<i64, FirstEvent>> {
    let mut out = std::collections::HashMap::new();
    for chunk in case_ids.chunks(500) {
        let sql = format!(
            "SELECT e.case_id, e.at, e.actor_id, e.actor_name FROM case_events e WHERE e.id IN \
             (SELECT MIN(id) FROM case_events WHERE kind = $1 AND case_id IN ({}) GROUP BY case_id)",
            id_list(chunk)
        );
        let rows: Vec<(i64, i64, Option<i64>, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kind)
            .fetch_all(&mut *c)
            .await?;
        for (case_id, at, actor_id, actor_name) in rows {
            out.insert(
                case_id,
                FirstEvent {
                    at: instant(at),
                    actor_id,
                    actor_name,
                },
            );
        }
    }
    Ok(out)
}

/// Published answers (CASE-10), newest first: only the redacted public text is searched
/// (`text` folded: with or without diacritics), never the caller's own words. `before` is the
/// keyset of the last row of the previous page, `(published_at micros, id)`.
pub async fn published(
    c: &mut AnyConnection,
    tenants: Option<&[i64]>,
    text: &str,
    before: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<Case>> {
    let scope = match tenants {
        None => "1 = 1".to_owned(),
        Some(t) => format!("tenant_id IN ({})", id_list(t)),
    };
    let sql = format!(
        "SELECT id FROM cases WHERE state = 'published' AND published_at IS NOT NULL AND {scope} \
         AND ($1 = '' OR public_text_folded LIKE $2) \
         AND ($3 = 0 OR published_at < $3 OR (published_at = $3 AND id < $4)) \
         ORDER BY published_at DESC, id DESC LIMIT $5"
    );
    let folded = crate::fold(text.trim());
    let (at, id) = before.unwrap_or((0, 0));
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&folded)
        .bind(format!("%{folded}%"))
        .bind(at)
        .bind(id)
        .bind(limit.clamp(1, 200))
        .fetch_all(&mut *c)
        .await?;
    Ok(get_many(c, &ids)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect())
}

/// Whether a case went to an agency at some point (lead or supporting, now or before): its
/// officers keep read access to what they worked on (SEC-2).
pub async fn went_to_agency(c: &mut AnyConnection, case_id: i64, agencies: &[i64]) -> Result<bool> {
    if agencies.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM case_agencies WHERE case_id = $1 AND agency_id IN ({})",
        id_list(agencies)
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// One attachment of a case.
pub async fn attachment(c: &mut AnyConnection, case_id: i64, id: i64) -> Result<Attachment> {
    attachments(c, case_id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("attachment {id} of case {case_id}")))
}
