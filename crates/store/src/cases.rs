//! Cases on disk (CASE-1 … CASE-14): the domain's `Case` document and the query columns beside
//! it, the agencies it went to, its append-only history, attachments, routing rules and the
//! daily summaries. Every change goes through `tongdai_domain::case::{receive, decide}`; this
//! module only persists the outcome (see crate `tongdai-cases` for the orchestration).

use crate::error::Result;
use crate::{StoreError, flag, instant, micros};
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::case::{Case, CaseCode, CaseKind, CaseState, Deadlines, Event, RoutingRule};

/// Allocate the identity of a new case: an id and a code whose sequence is unique per year
/// across all code prefixes (so the digits alone identify a case on the phone keypad).
pub async fn allocate(c: &mut AnyConnection, kind: CaseKind, year: i32) -> Result<(i64, CaseCode)> {
    let id = crate::counters::next(c, "cases.id").await?;
    let seq = crate::counters::next(c, &format!("cases.seq.{year}")).await?;
    let code = CaseCode::for_kind(
        kind,
        u16::try_from(year).unwrap_or(0),
        u32::try_from(seq).unwrap_or(u32::MAX),
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((id, code))
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
pub async fn update(
    c: &mut AnyConnection,
    case: &Case,
    d: &Deadlines,
    version: i64,
    now: Instant,
) -> Result<i64> {
    let n = sqlx::query(
        "UPDATE cases SET state = $1, kind = $2, class = $3, channel = $4, caller_name = $5, caller_name_folded = $6, \
         caller_phone = $7, caller_address = $8, admin_unit_id = $9, content_folded = $10, field_id = $11, category_id = $12, \
         lead_agency_id = $13, pressing = $14, complex = $15, confidential = $16, due_at = $17, hard_due_at = $18, \
         statutory_due_at = $19, answered_at = $20, closed_at = $21, published_at = $22, rating = $23, merged_into = $24, \
         doc = $25, version = version + 1, updated_at = $26, public_text_folded = $29 WHERE id = $27 AND version = $28",
    )
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
    .bind(d.due_at.map(micros))
    .bind(d.hard_due_at.map(micros))
    .bind(d.statutory_due_at.map(micros))
    .bind(case.answered_at.map(micros))
    .bind(case.closed_at.map(micros))
    .bind(case.publication.as_ref().map(|p| micros(p.at)))
    .bind(case.rating.as_ref().map(|r| i64::from(r.stars)))
    .bind(merged_into(case))
    .bind(doc(case)?)
    .bind(micros(now))
    .bind(case.id)
    .bind(version)
    .bind(public_folded(case))
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "hồ sơ {} vừa được người khác cập nhật; hãy tải lại",
            case.code
        )));
    }
    set_agencies(c, case).await?;
    Ok(version + 1)
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
    for e in events {
        let detail =
            serde_json::to_string(&e.detail).map_err(|x| StoreError::Invalid(x.to_string()))?;
        sqlx::query(
            "INSERT INTO case_events (case_id, at, actor_kind, actor_id, actor_name, from_state, to_state, kind, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(case_id)
        .bind(micros(e.at))
        .bind(e.actor.kind.code())
        .bind(e.actor.account_id)
        .bind(e.actor.name.clone().unwrap_or_default())
        .bind(e.from_state.map(|s| s.code()))
        .bind(e.to_state.code())
        .bind(e.code())
        .bind(&detail)
        .execute(&mut *c)
        .await?;
    }
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

/// Cases matching a filter (the scope is always applied).
pub async fn list(c: &mut AnyConnection, f: &Filter) -> Result<Vec<CaseRow>> {
    // Ids and state codes are numbers and fixed codes, never user text: they are inlined; every
    // user-supplied value is bound.
    let mut sql = format!("SELECT {ROW_COLUMNS} FROM cases c WHERE 1 = 1");
    let scope = match &f.scope.tenants {
        None => "1 = 1".to_owned(),
        Some(t) => format!("c.tenant_id IN ({})", id_list(t)),
    };
    let agencies = if f.scope.agencies.is_empty() {
        String::new()
    } else {
        format!(
            " OR c.id IN (SELECT case_id FROM case_agencies WHERE agency_id IN ({}))",
            id_list(&f.scope.agencies)
        )
    };
    let scope = if f.scope.tenants.as_ref().is_some_and(Vec::is_empty) && !agencies.is_empty() {
        format!("(1 = 0{agencies})")
    } else {
        format!("({scope}{agencies})")
    };
    sql.push_str(&format!(" AND {scope}"));
    if !f.states.is_empty() {
        let codes: Vec<String> = f.states.iter().map(|s| format!("'{}'", s.code())).collect();
        sql.push_str(&format!(" AND c.state IN ({})", codes.join(",")));
    }
    if let Some(a) = f.agency_id {
        sql.push_str(&format!(
            " AND c.id IN (SELECT case_id FROM case_agencies WHERE agency_id = {a})"
        ));
    }
    sql.push_str(
        " AND ($1 = '' OR c.kind = $1) AND ($2 = '' OR c.channel = $2) AND ($3 = 0 OR c.field_id = $3) \
         AND ($4 = 0 OR c.received_at >= $4) AND ($5 = 0 OR c.received_at < $5) AND ($6 = '' OR c.caller_phone = $6) \
         AND ($7 = 0 OR c.pressing = 1) AND ($8 = 0 OR (c.due_at IS NOT NULL AND c.due_at < $8 AND c.answered_at IS NULL \
              AND c.state IN ('assigned', 'acknowledged', 'escalated', 'reopened'))) \
         AND ($9 = '' OR c.code = $10 OR c.caller_name_folded LIKE $11 OR c.content_folded LIKE $11 OR c.caller_phone LIKE $11) \
         AND ($12 = 0 OR c.received_at < $12 OR (c.received_at = $12 AND c.id < $13)) \
         AND ($15 = 0 OR c.received_by = $15)",
    );
    sql.push_str(if f.order_by_due {
        " ORDER BY c.due_at IS NULL, c.due_at, c.id"
    } else {
        " ORDER BY c.received_at DESC, c.id DESC"
    });
    sql.push_str(" LIMIT $14");
    let text = f.text.as_deref().map(str::trim).unwrap_or("");
    let (before_at, before_id) = f.before.unwrap_or((0, 0));
    let rows: Vec<CaseDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(f.kind.map(|k| k.code()).unwrap_or(""))
        .bind(f.channel.clone().unwrap_or_default())
        .bind(f.field_id.unwrap_or(0))
        .bind(f.from.map(micros).unwrap_or(0))
        .bind(f.to.map(micros).unwrap_or(0))
        .bind(f.phone.clone().unwrap_or_default())
        .bind(flag(f.pressing))
        .bind(f.overdue_at.map(micros).unwrap_or(0))
        .bind(text)
        .bind(text.to_uppercase())
        .bind(format!("%{}%", crate::fold(text)))
        .bind(before_at)
        .bind(before_id)
        .bind(if f.limit <= 0 {
            100
        } else {
            f.limit.min(10_000)
        })
        .bind(f.received_by.unwrap_or(0))
        .fetch_all(&mut *c)
        .await?;
    Ok(rows.into_iter().map(case_row).collect())
}

/// How many cases match a filter (ignoring its limit and keyset).
pub async fn count(c: &mut AnyConnection, f: &Filter) -> Result<i64> {
    let mut f = f.clone();
    f.limit = 10_000;
    f.before = None;
    // Counting is used for small pages and summaries; a dedicated COUNT keeps big reports cheap.
    Ok(list(c, &f).await?.len() as i64)
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

/// How many cases arrived from an address or a phone since an instant (spam limits).
pub async fn recent_count(
    c: &mut AnyConnection,
    source_ip: Option<&str>,
    phone: Option<&str>,
    since: Instant,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases WHERE received_at >= $1 AND (($2 <> '' AND source_ip = $2) OR ($3 <> '' AND caller_phone = $3))",
    )
    .bind(micros(since))
    .bind(source_ip.unwrap_or(""))
    .bind(phone.unwrap_or(""))
    .fetch_one(&mut *c)
    .await?)
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
