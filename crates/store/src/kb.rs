//! The knowledge base as rows (KB-1, KB-2, KB-3, KB-4): procedures and every version of them,
//! tenants' local copies, FAQs with their workflow state and history, synonym lists, and the
//! change log the search index follows. Validation and the rules live in `tongdai-kb`; these
//! functions only read and write, in the caller's transaction.

use crate::error::Result;
use crate::{StoreError, flag, micros};
use sqlx::AnyConnection;
use std::collections::HashMap;
use tongdai_domain::Instant;

fn map_unique(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    let e = StoreError::from(e);
    if e.is_unique_violation() {
        StoreError::Conflict(what())
    } else {
        e
    }
}

// ---------------------------------------------------------------- procedures

/// The current version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProcedureRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub levels: String,
    pub fields: String,
    pub online_level: String,
    /// JSON of the record (tthc_record.schema.json fields).
    pub record: String,
    pub hash: String,
    pub version: i64,
    pub active: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const PROCEDURE_COLUMNS: &str = "id, code, name, levels, fields, online_level, record, hash, version, active, created_at, updated_at";

/// What a new version of a procedure writes (computed from the record by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureWrite {
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub levels: String,
    pub fields: String,
    pub online_level: String,
    pub record: String,
    pub hash: String,
    pub active: bool,
}

/// Who made a version and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMeta {
    /// Top-level record fields that differ from the previous version.
    pub changed_fields: Vec<String>,
    /// `import:<file>`, `web`, `demo`, `cli`.
    pub source: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    pub id: i64,
    pub procedure_id: i64,
    pub version: i64,
    pub record: String,
    pub hash: String,
    pub active: i64,
    /// JSON array of field names.
    pub changed_fields: String,
    pub source: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub created_at: i64,
}

const VERSION_COLUMNS: &str = "id, procedure_id, version, record, hash, active, changed_fields, source, actor_id, actor_name, created_at";

/// What an import compares a record with: id, hash, version and whether it is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureState {
    pub id: i64,
    pub hash: String,
    pub version: i64,
    pub active: bool,
}

/// A procedure by code.
pub async fn procedure_by_code(c: &mut AnyConnection, code: &str) -> Result<Option<ProcedureRow>> {
    let sql = format!("SELECT {PROCEDURE_COLUMNS} FROM kb_procedures WHERE code = $1");
    Ok(sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

/// The state of every procedure, by code (one query, for imports).
pub async fn procedure_states(c: &mut AnyConnection) -> Result<HashMap<String, ProcedureState>> {
    let rows: Vec<(String, i64, String, i64, i64)> =
        sqlx::query_as("SELECT code, id, hash, version, active FROM kb_procedures")
            .fetch_all(&mut *c)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(code, id, hash, version, active)| {
            (
                code,
                ProcedureState {
                    id,
                    hash,
                    version,
                    active: active != 0,
                },
            )
        })
        .collect())
}

fn changed_json(fields: &[String]) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

async fn insert_version(
    c: &mut AnyConnection,
    procedure_id: i64,
    version: i64,
    p: &ProcedureWrite,
    meta: &VersionMeta,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kb_procedure_versions (procedure_id, version, record, hash, active, changed_fields, source, actor_id, actor_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(procedure_id)
    .bind(version)
    .bind(&p.record)
    .bind(&p.hash)
    .bind(flag(p.active))
    .bind(changed_json(&meta.changed_fields))
    .bind(&meta.source)
    .bind(meta.actor_id)
    .bind(&meta.actor_name)
    .bind(micros(now))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Create a procedure with its first version; returns its id.
pub async fn create_procedure(
    c: &mut AnyConnection,
    p: &ProcedureWrite,
    meta: &VersionMeta,
    now: Instant,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO kb_procedures (code, name, name_folded, levels, fields, online_level, record, hash, version, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id",
    )
    .bind(&p.code)
    .bind(&p.name)
    .bind(&p.name_folded)
    .bind(&p.levels)
    .bind(&p.fields)
    .bind(&p.online_level)
    .bind(&p.record)
    .bind(&p.hash)
    .bind(flag(p.active))
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã thủ tục `{}` đã tồn tại", p.code)))?;
    insert_version(c, id, 1, p, meta, now).await?;
    Ok(id)
}

/// Write a new version of a procedure whose current version is `expected_version`; the earlier
/// versions stay. Returns the new version number; a `Conflict` when someone else wrote first.
pub async fn update_procedure(
    c: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    p: &ProcedureWrite,
    meta: &VersionMeta,
    now: Instant,
) -> Result<i64> {
    let next = expected_version + 1;
    let n = sqlx::query(
        "UPDATE kb_procedures SET name = $1, name_folded = $2, levels = $3, fields = $4, online_level = $5, \
         record = $6, hash = $7, version = $8, active = $9, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(&p.name)
    .bind(&p.name_folded)
    .bind(&p.levels)
    .bind(&p.fields)
    .bind(&p.online_level)
    .bind(&p.record)
    .bind(&p.hash)
    .bind(next)
    .bind(flag(p.active))
    .bind(micros(now))
    .bind(id)
    .bind(expected_version)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "thủ tục `{}` vừa được người khác cập nhật",
            p.code
        )));
    }
    insert_version(c, id, next, p, meta, now).await?;
    Ok(next)
}

/// Every version of a procedure, oldest first.
pub async fn versions(c: &mut AnyConnection, procedure_id: i64) -> Result<Vec<VersionRow>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM kb_procedure_versions WHERE procedure_id = $1 ORDER BY version"
    );
    Ok(sqlx::query_as::<_, VersionRow>(sqlx::AssertSqlSafe(sql))
        .bind(procedure_id)
        .fetch_all(&mut *c)
        .await?)
}

/// A procedure in a list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProcedureSummary {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub levels: String,
    pub fields: String,
    pub online_level: String,
    pub version: i64,
    pub active: i64,
    pub updated_at: i64,
}

/// Which procedures a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProcedureFilter {
    /// Folded words the name must contain (already folded by the caller), or "".
    pub name_folded: String,
    /// Include abolished procedures.
    pub include_inactive: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Procedures by code.
pub async fn list_procedures(
    c: &mut AnyConnection,
    f: &ProcedureFilter,
) -> Result<Vec<ProcedureSummary>> {
    Ok(sqlx::query_as::<_, ProcedureSummary>(
        "SELECT id, code, name, levels, fields, online_level, version, active, updated_at FROM kb_procedures \
         WHERE ($1 = '' OR name_folded LIKE $2) AND (active = 1 OR $3 = 1) ORDER BY code LIMIT $4 OFFSET $5",
    )
    .bind(&f.name_folded)
    .bind(format!("%{}%", f.name_folded))
    .bind(flag(f.include_inactive))
    .bind(f.limit.clamp(1, 1000))
    .bind(f.offset.max(0))
    .fetch_all(&mut *c)
    .await?)
}

/// How many procedures there are (active ones, or all).
pub async fn procedure_count(c: &mut AnyConnection, include_inactive: bool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM kb_procedures WHERE active = 1 OR $1 = 1")
            .bind(flag(include_inactive))
            .fetch_one(&mut *c)
            .await?,
    )
}

/// Code and record of every active procedure, in pages of `limit` after `after_id` (for the
/// index rebuild).
pub async fn active_records(
    c: &mut AnyConnection,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, code, record FROM kb_procedures WHERE active = 1 AND id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?)
}

// ---------------------------------------------------------------- local copies

/// A tenant's local copy of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocalCopy {
    pub id: i64,
    pub tenant_id: i64,
    pub procedure_id: i64,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub address: String,
    pub online_url: String,
    pub note: String,
    pub published: i64,
    pub updated_by_name: String,
    pub updated_at: i64,
}

const LOCAL_COLUMNS: &str = "id, tenant_id, procedure_id, agency_id, agency_name, address, online_url, note, published, updated_by_name, updated_at";

/// What a local copy form sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalCopyInput {
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub address: String,
    pub online_url: String,
    pub note: String,
    pub published: bool,
}

/// The local copies of a procedure, all tenants.
pub async fn local_copies(c: &mut AnyConnection, procedure_id: i64) -> Result<Vec<LocalCopy>> {
    let sql = format!(
        "SELECT {LOCAL_COLUMNS} FROM kb_local_copies WHERE procedure_id = $1 ORDER BY tenant_id"
    );
    Ok(sqlx::query_as::<_, LocalCopy>(sqlx::AssertSqlSafe(sql))
        .bind(procedure_id)
        .fetch_all(&mut *c)
        .await?)
}

/// A tenant's copy of a procedure.
pub async fn local_copy(
    c: &mut AnyConnection,
    tenant_id: i64,
    procedure_id: i64,
) -> Result<Option<LocalCopy>> {
    let sql = format!(
        "SELECT {LOCAL_COLUMNS} FROM kb_local_copies WHERE tenant_id = $1 AND procedure_id = $2"
    );
    Ok(sqlx::query_as::<_, LocalCopy>(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id)
        .bind(procedure_id)
        .fetch_optional(&mut *c)
        .await?)
}

/// Create or replace a tenant's copy of a procedure.
pub async fn save_local_copy(
    c: &mut AnyConnection,
    tenant_id: i64,
    procedure_id: i64,
    input: &LocalCopyInput,
    actor: (Option<i64>, &str),
    now: Instant,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE kb_local_copies SET agency_id = $1, agency_name = $2, address = $3, online_url = $4, note = $5, \
         published = $6, updated_by = $7, updated_by_name = $8, updated_at = $9 WHERE tenant_id = $10 AND procedure_id = $11",
    )
    .bind(input.agency_id)
    .bind(&input.agency_name)
    .bind(&input.address)
    .bind(&input.online_url)
    .bind(&input.note)
    .bind(flag(input.published))
    .bind(actor.0)
    .bind(actor.1)
    .bind(micros(now))
    .bind(tenant_id)
    .bind(procedure_id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        sqlx::query(
            "INSERT INTO kb_local_copies (tenant_id, procedure_id, agency_id, agency_name, address, online_url, note, published, updated_by, updated_by_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(tenant_id)
        .bind(procedure_id)
        .bind(input.agency_id)
        .bind(&input.agency_name)
        .bind(&input.address)
        .bind(&input.online_url)
        .bind(&input.note)
        .bind(flag(input.published))
        .bind(actor.0)
        .bind(actor.1)
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- FAQs

/// An FAQ with its workflow state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FaqRow {
    pub id: i64,
    pub code: String,
    pub tenant_id: i64,
    pub agency_id: Option<i64>,
    pub status: String,
    /// JSON of the working text.
    pub draft: String,
    /// JSON of the text the portal shows, once approved.
    pub published: Option<String>,
    pub review_note: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

const FAQ_COLUMNS: &str = "id, code, tenant_id, agency_id, status, draft, published, review_note, version, created_by, created_at, updated_at, published_at";

/// A new FAQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFaq {
    pub code: String,
    pub tenant_id: i64,
    pub agency_id: Option<i64>,
    pub status: String,
    pub draft: String,
    pub published: Option<String>,
    pub created_by: Option<i64>,
}

/// Whether an FAQ code is taken.
pub async fn faq_code_taken(c: &mut AnyConnection, code: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kb_faqs WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// Create an FAQ; returns its id.
pub async fn create_faq(c: &mut AnyConnection, f: &NewFaq, now: Instant) -> Result<i64> {
    let published_at = f.published.as_ref().map(|_| micros(now));
    sqlx::query_scalar(
        "INSERT INTO kb_faqs (code, tenant_id, agency_id, status, draft, published, created_by, created_at, updated_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
    )
    .bind(&f.code)
    .bind(f.tenant_id)
    .bind(f.agency_id)
    .bind(&f.status)
    .bind(&f.draft)
    .bind(&f.published)
    .bind(f.created_by)
    .bind(micros(now))
    .bind(published_at)
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã câu hỏi `{}` đã tồn tại", f.code)))
}

/// An FAQ by id.
pub async fn faq(c: &mut AnyConnection, id: i64) -> Result<FaqRow> {
    let sql = format!("SELECT {FAQ_COLUMNS} FROM kb_faqs WHERE id = $1");
    sqlx::query_as::<_, FaqRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("faq {id}")))
}

/// An FAQ by its public code.
pub async fn faq_by_code(c: &mut AnyConnection, code: &str) -> Result<Option<FaqRow>> {
    let sql = format!("SELECT {FAQ_COLUMNS} FROM kb_faqs WHERE code = $1");
    Ok(sqlx::query_as::<_, FaqRow>(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

/// The change an FAQ workflow step writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqUpdate {
    pub status: String,
    pub draft: String,
    /// `Some(x)` sets the published text to `x` (`None` inside takes it off the portal);
    /// `None` leaves it.
    pub published: Option<Option<String>>,
    pub review_note: String,
}

/// Apply a workflow step to an FAQ whose version is `expected_version`; returns the new
/// version, or a `Conflict` when the FAQ changed since the form was loaded.
pub async fn update_faq(
    c: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    u: &FaqUpdate,
    now: Instant,
) -> Result<i64> {
    let next = expected_version + 1;
    let n = match &u.published {
        None => sqlx::query(
            "UPDATE kb_faqs SET status = $1, draft = $2, review_note = $3, version = $4, updated_at = $5 \
             WHERE id = $6 AND version = $7",
        )
        .bind(&u.status)
        .bind(&u.draft)
        .bind(&u.review_note)
        .bind(next)
        .bind(micros(now))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *c)
        .await?
        .rows_affected(),
        Some(published) => sqlx::query(
            "UPDATE kb_faqs SET status = $1, draft = $2, review_note = $3, version = $4, updated_at = $5, \
             published = $6, published_at = $7 WHERE id = $8 AND version = $9",
        )
        .bind(&u.status)
        .bind(&u.draft)
        .bind(&u.review_note)
        .bind(next)
        .bind(micros(now))
        .bind(published.clone())
        .bind(published.as_ref().map(|_| micros(now)))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *c)
        .await?
        .rows_affected(),
    };
    if n == 0 {
        return Err(StoreError::Conflict(
            "câu hỏi vừa được người khác thay đổi; hãy tải lại trang".into(),
        ));
    }
    Ok(next)
}

/// Which FAQs a list shows.
#[derive(Debug, Clone, Default)]
pub struct FaqFilter {
    /// Only these tenants (`None`: all).
    pub tenants: Option<Vec<i64>>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<String>,
    pub limit: i64,
}

/// FAQs, most recently changed first.
pub async fn list_faqs(c: &mut AnyConnection, f: &FaqFilter) -> Result<Vec<FaqRow>> {
    let mut sql = format!("SELECT {FAQ_COLUMNS} FROM kb_faqs WHERE 1 = 1");
    // Ids and statuses are bound; only the number of placeholders is built here.
    let mut n = 0;
    if let Some(t) = &f.tenants {
        if t.is_empty() {
            return Ok(Vec::new());
        }
        let holes: Vec<String> = t
            .iter()
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        sql.push_str(&format!(" AND tenant_id IN ({})", holes.join(", ")));
    }
    if !f.statuses.is_empty() {
        let holes: Vec<String> = f
            .statuses
            .iter()
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        sql.push_str(&format!(" AND status IN ({})", holes.join(", ")));
    }
    n += 1;
    sql.push_str(&format!(" ORDER BY updated_at DESC, id DESC LIMIT ${n}"));
    let mut q = sqlx::query_as::<_, FaqRow>(sqlx::AssertSqlSafe(sql));
    for t in f.tenants.iter().flatten() {
        q = q.bind(*t);
    }
    for s in &f.statuses {
        q = q.bind(s.clone());
    }
    Ok(q.bind(f.limit.clamp(1, 5000)).fetch_all(&mut *c).await?)
}

/// Code, tenant and published text of every published FAQ (for the index rebuild).
pub async fn published_faqs(c: &mut AnyConnection) -> Result<Vec<(String, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT code, tenant_id, published FROM kb_faqs WHERE published IS NOT NULL ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// Replace the procedures a published FAQ links to.
pub async fn set_faq_links(c: &mut AnyConnection, faq_id: i64, codes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM kb_faq_links WHERE faq_id = $1")
        .bind(faq_id)
        .execute(&mut *c)
        .await?;
    let mut seen = std::collections::HashSet::new();
    for code in codes.iter().filter(|c| seen.insert(c.as_str())) {
        sqlx::query("INSERT INTO kb_faq_links (faq_id, procedure_code) VALUES ($1, $2)")
            .bind(faq_id)
            .bind(code)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Published FAQs linked to a procedure.
pub async fn faqs_linked_to(c: &mut AnyConnection, code: &str) -> Result<Vec<FaqRow>> {
    let sql = format!(
        "SELECT {FAQ_COLUMNS} FROM kb_faqs WHERE published IS NOT NULL AND id IN \
         (SELECT faq_id FROM kb_faq_links WHERE procedure_code = $1) ORDER BY id"
    );
    Ok(sqlx::query_as::<_, FaqRow>(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_all(&mut *c)
        .await?)
}

/// One entry of an FAQ's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FaqHistoryRow {
    pub id: i64,
    pub faq_id: i64,
    pub action: String,
    pub content: String,
    pub note: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub created_at: i64,
}

/// Record a step in an FAQ's history.
pub async fn add_faq_history(
    c: &mut AnyConnection,
    faq_id: i64,
    action: &str,
    content: &str,
    note: &str,
    actor: (Option<i64>, &str),
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kb_faq_history (faq_id, action, content, note, actor_id, actor_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(faq_id)
    .bind(action)
    .bind(content)
    .bind(note)
    .bind(actor.0)
    .bind(actor.1)
    .bind(micros(now))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// An FAQ's history, oldest first.
pub async fn faq_history(c: &mut AnyConnection, faq_id: i64) -> Result<Vec<FaqHistoryRow>> {
    Ok(sqlx::query_as::<_, FaqHistoryRow>(
        "SELECT id, faq_id, action, content, note, actor_id, actor_name, created_at FROM kb_faq_history \
         WHERE faq_id = $1 ORDER BY id",
    )
    .bind(faq_id)
    .fetch_all(&mut *c)
    .await?)
}

// ---------------------------------------------------------------- synonyms

/// A saved synonym list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SynonymRow {
    /// `global` or `tenant:<id>`.
    pub scope: String,
    pub tenant_id: Option<i64>,
    /// The line format.
    pub body: String,
    pub updated_by_name: String,
    pub updated_at: i64,
}

/// The scope key of a tenant's list, or of the global one.
pub fn synonym_scope(tenant_id: Option<i64>) -> String {
    match tenant_id {
        Some(t) => format!("tenant:{t}"),
        None => "global".into(),
    }
}

/// Every saved list.
pub async fn synonym_lists(c: &mut AnyConnection) -> Result<Vec<SynonymRow>> {
    Ok(sqlx::query_as::<_, SynonymRow>(
        "SELECT scope, tenant_id, body, updated_by_name, updated_at FROM kb_synonyms ORDER BY scope",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// One saved list.
pub async fn synonym_list(c: &mut AnyConnection, scope: &str) -> Result<Option<SynonymRow>> {
    Ok(sqlx::query_as::<_, SynonymRow>(
        "SELECT scope, tenant_id, body, updated_by_name, updated_at FROM kb_synonyms WHERE scope = $1",
    )
    .bind(scope)
    .fetch_optional(&mut *c)
    .await?)
}

/// Save a list (global when `tenant_id` is `None`).
pub async fn save_synonym_list(
    c: &mut AnyConnection,
    tenant_id: Option<i64>,
    body: &str,
    actor: (Option<i64>, &str),
    now: Instant,
) -> Result<()> {
    let scope = synonym_scope(tenant_id);
    let n = sqlx::query(
        "UPDATE kb_synonyms SET body = $1, updated_by = $2, updated_by_name = $3, updated_at = $4 WHERE scope = $5",
    )
    .bind(body)
    .bind(actor.0)
    .bind(actor.1)
    .bind(micros(now))
    .bind(&scope)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        sqlx::query(
            "INSERT INTO kb_synonyms (scope, tenant_id, body, updated_by, updated_by_name, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&scope)
        .bind(tenant_id)
        .bind(body)
        .bind(actor.0)
        .bind(actor.1)
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- change log

/// A change the search index must apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    /// `procedure`, `faq`, `synonyms` or `rebuild`.
    pub kind: String,
    /// The procedure code, FAQ code or synonym scope.
    pub reference: String,
}

/// Log changes in the caller's transaction. Call it last before commit: it takes the
/// counter's row lock, which serialises knowledge-base writers until they commit, so sequence
/// numbers become visible in order.
pub async fn log_changes(
    c: &mut AnyConnection,
    changes: &[(&str, &str)],
    now: Instant,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let n = changes.len() as i64;
    let last: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + $1 WHERE name = 'kb.changes' RETURNING value",
    )
    .bind(n)
    .fetch_one(&mut *c)
    .await?;
    for (i, (kind, reference)) in changes.iter().enumerate() {
        sqlx::query("INSERT INTO kb_changes (seq, kind, ref, created_at) VALUES ($1, $2, $3, $4)")
            .bind(last - n + 1 + i as i64)
            .bind(*kind)
            .bind(*reference)
            .bind(micros(now))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// The last logged change (0 when none).
pub async fn last_change(c: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'kb.changes'")
            .fetch_optional(&mut *c)
            .await?
            .unwrap_or(0),
    )
}

/// Changes after `seq`, in order, at most `limit`.
pub async fn changes_after(c: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<Change>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, kind, ref FROM kb_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, kind, reference)| Change {
            seq,
            kind,
            reference,
        })
        .collect())
}
