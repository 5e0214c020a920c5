//! The organisation as data (ORG-1, ADM-1, ADM-5): tenants, agencies and their contacts,
//! hotline numbers, administrative units, fields and case categories, with validity periods
//! and lineage.

use crate::error::Result;
use crate::{StoreError, flag, micros};
use chrono::NaiveDate;
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::access::Target;
use tongdai_domain::org::{AgencyKind, LineageKind, TenantKind, UnitKind, Validity};

/// Dates are stored as ISO text.
pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Parse a stored ISO date.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("bad date `{s}`")))
}

fn validity(from: &str, to: Option<&str>) -> Result<Validity> {
    Ok(Validity {
        from: parse_date(from)?,
        to: to.map(parse_date).transpose()?,
    })
}

fn map_unique(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    let e = StoreError::from(e);
    if e.is_unique_violation() {
        StoreError::Conflict(what())
    } else {
        e
    }
}

// ---------------------------------------------------------------- tenants

/// A tenant: the unit of government that runs (part of) a hotline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: TenantKind,
    pub parent_id: Option<i64>,
    pub admin_unit_id: Option<i64>,
    pub calendar_id: i64,
    pub validity: Validity,
    pub address: String,
    pub email: String,
    pub website: String,
    pub settings: serde_json::Value,
}

/// Fields of a tenant that a form sets.
#[derive(Debug, Clone)]
pub struct TenantInput {
    pub code: String,
    pub name: String,
    pub kind: TenantKind,
    pub parent_id: Option<i64>,
    pub admin_unit_id: Option<i64>,
    pub calendar_id: i64,
    pub validity: Validity,
    pub address: String,
    pub email: String,
    pub website: String,
}

type TenantRow = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);
const TENANT_COLUMNS: &str = "id, code, name, kind, parent_id, admin_unit_id, calendar_id, valid_from, valid_to, address, email, website, settings";

fn tenant_from(r: TenantRow) -> Result<Tenant> {
    Ok(Tenant {
        id: r.0,
        code: r.1,
        name: r.2,
        kind: r
            .3
            .parse()
            .map_err(|e: tongdai_domain::org::OrgError| StoreError::Corrupt(e.to_string()))?,
        parent_id: r.4,
        admin_unit_id: r.5,
        calendar_id: r.6,
        validity: validity(&r.7, r.8.as_deref())?,
        address: r.9,
        email: r.10,
        website: r.11,
        settings: serde_json::from_str(&r.12)
            .unwrap_or(serde_json::Value::Object(Default::default())),
    })
}

/// Every tenant, parents before children, by name.
pub async fn tenants(c: &mut AnyConnection) -> Result<Vec<Tenant>> {
    let sql = format!(
        "SELECT {TENANT_COLUMNS} FROM tenants ORDER BY COALESCE(parent_id, 0), valid_from, name"
    );
    let rows: Vec<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.into_iter().map(tenant_from).collect()
}

/// One tenant.
pub async fn tenant(c: &mut AnyConnection, id: i64) -> Result<Tenant> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1");
    let row: Option<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(tenant_from)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))
}

/// A tenant by code.
pub async fn tenant_by_code(c: &mut AnyConnection, code: &str) -> Result<Option<Tenant>> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE code = $1");
    let row: Option<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?;
    row.map(tenant_from).transpose()
}

/// Create a tenant.
pub async fn create_tenant(c: &mut AnyConnection, t: &TenantInput, now: Instant) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO tenants (code, name, kind, parent_id, admin_unit_id, calendar_id, valid_from, valid_to, address, email, website, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(&t.code)
    .bind(&t.name)
    .bind(t.kind.code())
    .bind(t.parent_id)
    .bind(t.admin_unit_id)
    .bind(t.calendar_id)
    .bind(date_text(t.validity.from))
    .bind(t.validity.to.map(date_text))
    .bind(&t.address)
    .bind(&t.email)
    .bind(&t.website)
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã đơn vị `{}` đã tồn tại", t.code)))
}

/// Update a tenant. A tenant cannot become its own ancestor.
pub async fn update_tenant(
    c: &mut AnyConnection,
    id: i64,
    t: &TenantInput,
    now: Instant,
) -> Result<()> {
    if let Some(parent) = t.parent_id
        && tenant_path(c, parent).await?.contains(&id)
    {
        return Err(StoreError::Invalid(
            "Đơn vị cấp trên không được là chính nó hoặc đơn vị cấp dưới của nó.".into(),
        ));
    }
    let n = sqlx::query(
        "UPDATE tenants SET code = $1, name = $2, kind = $3, parent_id = $4, admin_unit_id = $5, calendar_id = $6, \
         valid_from = $7, valid_to = $8, address = $9, email = $10, website = $11, updated_at = $12, version = version + 1 WHERE id = $13",
    )
    .bind(&t.code)
    .bind(&t.name)
    .bind(t.kind.code())
    .bind(t.parent_id)
    .bind(t.admin_unit_id)
    .bind(t.calendar_id)
    .bind(date_text(t.validity.from))
    .bind(t.validity.to.map(date_text))
    .bind(&t.address)
    .bind(&t.email)
    .bind(&t.website)
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã đơn vị `{}` đã tồn tại", t.code)))?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound(format!("tenant {id}")));
    }
    Ok(())
}

/// Replace a tenant's settings document.
pub async fn set_tenant_settings(
    c: &mut AnyConnection,
    id: i64,
    settings: &serde_json::Value,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE tenants SET settings = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(settings.to_string())
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The tenant and its ancestors, nearest first (what [`Target::tenant_path`] needs).
pub async fn tenant_path(c: &mut AnyConnection, id: i64) -> Result<Vec<i64>> {
    let mut path = vec![id];
    let mut current = id;
    while path.len() < 16 {
        let parent: Option<Option<i64>> =
            sqlx::query_scalar("SELECT parent_id FROM tenants WHERE id = $1")
                .bind(current)
                .fetch_optional(&mut *c)
                .await?;
        match parent.flatten() {
            Some(p) if !path.contains(&p) => {
                path.push(p);
                current = p;
            }
            _ => break,
        }
    }
    Ok(path)
}

/// The tenant and every tenant below it.
pub async fn tenant_subtree(c: &mut AnyConnection, id: i64) -> Result<Vec<i64>> {
    let all: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, parent_id FROM tenants")
        .fetch_all(&mut *c)
        .await?;
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|(_, p)| *p == Some(parent))
                .map(|(id, _)| *id)
                .filter(|id| *id != parent),
        );
        i += 1;
    }
    out.dedup();
    Ok(out)
}

/// Record that a tenant succeeded another (reform, merge, rename).
pub async fn add_tenant_lineage(
    c: &mut AnyConnection,
    predecessor: i64,
    successor: i64,
    kind: LineageKind,
    effective: NaiveDate,
    legal_basis: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO tenant_lineage (predecessor_id, successor_id, kind, effective_date, legal_basis) VALUES ($1, $2, $3, $4, $5)")
        .bind(predecessor)
        .bind(successor)
        .bind(kind.code())
        .bind(date_text(effective))
        .bind(legal_basis)
        .execute(&mut *c)
        .await
        .map_err(|e| map_unique(e, || "quan hệ kế thừa đã có".into()))?;
    Ok(())
}

/// A lineage link between two records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    pub predecessor_id: i64,
    pub successor_id: i64,
    pub kind: LineageKind,
    pub effective: NaiveDate,
    pub legal_basis: String,
}

async fn lineage_rows(c: &mut AnyConnection, table: &'static str, id: i64) -> Result<Vec<Lineage>> {
    let (a, b) = match table {
        "tenant_lineage" | "agency_lineage" => ("predecessor_id", "successor_id"),
        _ => ("old_unit_id", "new_unit_id"),
    };
    let sql = format!(
        "SELECT {a}, {b}, kind, effective_date, legal_basis FROM {table} WHERE {a} = $1 OR {b} = $1 ORDER BY effective_date"
    );
    let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
    rows.into_iter()
        .map(|(p, s, k, d, l)| {
            Ok(Lineage {
                predecessor_id: p,
                successor_id: s,
                kind: k.parse().map_err(|e: tongdai_domain::org::OrgError| {
                    StoreError::Corrupt(e.to_string())
                })?,
                effective: parse_date(&d)?,
                legal_basis: l,
            })
        })
        .collect()
}

/// Lineage links in which a tenant takes part.
pub async fn tenant_lineage(c: &mut AnyConnection, id: i64) -> Result<Vec<Lineage>> {
    lineage_rows(c, "tenant_lineage", id).await
}

// ---------------------------------------------------------------- hotline numbers

/// A published hotline number of a tenant (a DID of the trunk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotline {
    pub id: i64,
    pub tenant_id: i64,
    /// National digits, e.g. `1800888880`.
    pub number: String,
    pub label: String,
    pub validity: Validity,
}

/// A tenant's hotline numbers (every period).
pub async fn hotlines(c: &mut AnyConnection, tenant_id: Option<i64>) -> Result<Vec<Hotline>> {
    let rows: Vec<(i64, i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, tenant_id, number, label, valid_from, valid_to FROM hotline_numbers \
         WHERE ($1 = 0 OR tenant_id = $1) ORDER BY tenant_id, number, valid_from",
    )
    .bind(tenant_id.unwrap_or(0))
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|(id, tenant_id, number, label, f, t)| {
            Ok(Hotline {
                id,
                tenant_id,
                number,
                label,
                validity: validity(&f, t.as_deref())?,
            })
        })
        .collect()
}

/// Add a hotline number to a tenant.
pub async fn add_hotline(
    c: &mut AnyConnection,
    tenant_id: i64,
    number: &str,
    label: &str,
    v: Validity,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO hotline_numbers (tenant_id, number, label, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(tenant_id)
    .bind(number)
    .bind(label)
    .bind(date_text(v.from))
    .bind(v.to.map(date_text))
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("số {number} đã được khai báo từ ngày này")))
}

/// End a hotline number's validity.
pub async fn end_hotline(c: &mut AnyConnection, id: i64, last_day: NaiveDate) -> Result<()> {
    sqlx::query("UPDATE hotline_numbers SET valid_to = $1 WHERE id = $2")
        .bind(date_text(last_day))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The tenant a hotline number belongs to on a date.
pub async fn tenant_for_number(
    c: &mut AnyConnection,
    number: &str,
    on: NaiveDate,
) -> Result<Option<i64>> {
    let d = date_text(on);
    Ok(sqlx::query_scalar(
        "SELECT tenant_id FROM hotline_numbers WHERE number = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) \
         ORDER BY valid_from DESC LIMIT 1",
    )
    .bind(number)
    .bind(&d)
    .fetch_optional(&mut *c)
    .await?)
}

// ---------------------------------------------------------------- agencies

/// An agency: an office, a commune committee, the police, the post office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: i64,
    pub tenant_id: i64,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub parent_id: Option<i64>,
    pub validity: Validity,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub dvc_code: String,
    pub is_coordinator: bool,
}

impl Agency {
    /// Where the agency's data lives, for access checks.
    pub fn target(&self, tenant_path: Vec<i64>) -> Target {
        Target {
            tenant_path,
            agency_id: Some(self.id),
        }
    }
}

/// Fields of an agency that a form sets.
#[derive(Debug, Clone)]
pub struct AgencyInput {
    pub tenant_id: i64,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub parent_id: Option<i64>,
    pub validity: Validity,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub dvc_code: String,
    pub is_coordinator: bool,
}

type AgencyRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
);
const AGENCY_COLUMNS: &str = "id, tenant_id, code, name, kind, parent_id, valid_from, valid_to, address, phone, email, dvc_code, is_coordinator";

fn agency_from(r: AgencyRow) -> Result<Agency> {
    Ok(Agency {
        id: r.0,
        tenant_id: r.1,
        code: r.2,
        name: r.3,
        kind: r
            .4
            .parse()
            .map_err(|e: tongdai_domain::org::OrgError| StoreError::Corrupt(e.to_string()))?,
        parent_id: r.5,
        validity: validity(&r.6, r.7.as_deref())?,
        address: r.8,
        phone: r.9,
        email: r.10,
        dvc_code: r.11,
        is_coordinator: r.12 != 0,
    })
}

/// Agencies of some tenants (`None` = all), by tenant and name.
pub async fn agencies(c: &mut AnyConnection, tenants: Option<&[i64]>) -> Result<Vec<Agency>> {
    let sql = format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies ORDER BY tenant_id, valid_to IS NOT NULL, name"
    );
    let rows: Vec<AgencyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    let all = rows
        .into_iter()
        .map(agency_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(match tenants {
        None => all,
        Some(ids) => all
            .into_iter()
            .filter(|a| ids.contains(&a.tenant_id))
            .collect(),
    })
}

/// One agency.
pub async fn agency(c: &mut AnyConnection, id: i64) -> Result<Agency> {
    let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = $1");
    let row: Option<AgencyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(agency_from)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("agency {id}")))
}

/// Create an agency.
pub async fn create_agency(c: &mut AnyConnection, a: &AgencyInput, now: Instant) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO agencies (tenant_id, code, name, kind, parent_id, valid_from, valid_to, address, phone, email, dvc_code, is_coordinator, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(a.tenant_id)
    .bind(&a.code)
    .bind(&a.name)
    .bind(a.kind.code())
    .bind(a.parent_id)
    .bind(date_text(a.validity.from))
    .bind(a.validity.to.map(date_text))
    .bind(&a.address)
    .bind(&a.phone)
    .bind(&a.email)
    .bind(&a.dvc_code)
    .bind(flag(a.is_coordinator))
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã cơ quan `{}` đã tồn tại trong đơn vị này", a.code)))
}

/// Update an agency.
pub async fn update_agency(
    c: &mut AnyConnection,
    id: i64,
    a: &AgencyInput,
    now: Instant,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE agencies SET tenant_id = $1, code = $2, name = $3, kind = $4, parent_id = $5, valid_from = $6, valid_to = $7, \
         address = $8, phone = $9, email = $10, dvc_code = $11, is_coordinator = $12, updated_at = $13 WHERE id = $14",
    )
    .bind(a.tenant_id)
    .bind(&a.code)
    .bind(&a.name)
    .bind(a.kind.code())
    .bind(a.parent_id)
    .bind(date_text(a.validity.from))
    .bind(a.validity.to.map(date_text))
    .bind(&a.address)
    .bind(&a.phone)
    .bind(&a.email)
    .bind(&a.dvc_code)
    .bind(flag(a.is_coordinator))
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("mã cơ quan `{}` đã tồn tại trong đơn vị này", a.code)))?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound(format!("agency {id}")));
    }
    Ok(())
}

/// Record that an agency succeeded another (merge, split, rename); history keeps both.
pub async fn add_agency_lineage(
    c: &mut AnyConnection,
    predecessor: i64,
    successor: i64,
    kind: LineageKind,
    effective: NaiveDate,
    legal_basis: &str,
) -> Result<()> {
    if predecessor == successor {
        return Err(StoreError::Invalid(
            "Một cơ quan không thể kế thừa chính nó.".into(),
        ));
    }
    sqlx::query("INSERT INTO agency_lineage (predecessor_id, successor_id, kind, effective_date, legal_basis) VALUES ($1, $2, $3, $4, $5)")
        .bind(predecessor)
        .bind(successor)
        .bind(kind.code())
        .bind(date_text(effective))
        .bind(legal_basis)
        .execute(&mut *c)
        .await
        .map_err(|e| map_unique(e, || "quan hệ kế thừa đã có".into()))?;
    Ok(())
}

/// Lineage links in which an agency takes part.
pub async fn agency_lineage(c: &mut AnyConnection, id: i64) -> Result<Vec<Lineage>> {
    lineage_rows(c, "agency_lineage", id).await
}

/// The fields an agency is competent for.
pub async fn agency_field_ids(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT field_id FROM agency_fields WHERE agency_id = $1 ORDER BY field_id",
    )
    .bind(agency_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Replace the fields an agency is competent for.
pub async fn set_agency_fields(
    c: &mut AnyConnection,
    agency_id: i64,
    field_ids: &[i64],
) -> Result<()> {
    sqlx::query("DELETE FROM agency_fields WHERE agency_id = $1")
        .bind(agency_id)
        .execute(&mut *c)
        .await?;
    for f in field_ids {
        sqlx::query("INSERT INTO agency_fields (agency_id, field_id) VALUES ($1, $2)")
            .bind(agency_id)
            .bind(f)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- contacts

/// What a contact person does for the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Cán bộ đầu mối: receives forwarded cases (CASE-5).
    Focal,
    /// Thủ trưởng: escalation target (CASE-6).
    Head,
    /// Phó thủ trưởng.
    Deputy,
    /// One of the (at least three) numbers for procedure support (ADM-1).
    Support,
}

impl Duty {
    /// Every duty.
    pub const ALL: [Duty; 4] = [Duty::Focal, Duty::Head, Duty::Deputy, Duty::Support];
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Duty::Focal => "focal",
            Duty::Head => "head",
            Duty::Deputy => "deputy",
            Duty::Support => "support",
        }
    }
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Duty::Focal => "Cán bộ đầu mối",
            Duty::Head => "Thủ trưởng",
            Duty::Deputy => "Phó thủ trưởng",
            Duty::Support => "Hỗ trợ TTHC",
        }
    }
    /// Parse a stored code.
    pub fn parse(s: &str) -> Option<Duty> {
        Duty::ALL.into_iter().find(|d| d.code() == s)
    }
    /// Whether the contact counts towards the three procedure-support numbers (ADM-1).
    pub fn supports_procedures(self) -> bool {
        matches!(self, Duty::Focal | Duty::Support | Duty::Deputy)
    }
}

/// A person an agency lists, with the phone number the hotline may transfer calls to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub agency_id: i64,
    pub account_id: Option<i64>,
    pub name: String,
    pub title: String,
    /// Canonical phone number (+84…).
    pub phone: String,
    pub duty: Duty,
    pub sort_order: i64,
    pub active: bool,
}

/// Fields of a contact that a form sets.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub account_id: Option<i64>,
    pub name: String,
    pub title: String,
    pub phone: tongdai_domain::phone::PhoneNumber,
    pub duty: Duty,
    pub sort_order: i64,
    pub active: bool,
}

/// The contacts of an agency, active first.
pub async fn contacts(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<Contact>> {
    type ContactRow = (
        i64,
        i64,
        Option<i64>,
        String,
        String,
        String,
        String,
        i64,
        i64,
    );
    let rows: Vec<ContactRow> = sqlx::query_as(
        "SELECT id, agency_id, account_id, name, title, phone, duty, sort_order, active FROM agency_contacts \
         WHERE agency_id = $1 ORDER BY active DESC, sort_order, id",
    )
    .bind(agency_id)
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Contact {
                id: r.0,
                agency_id: r.1,
                account_id: r.2,
                name: r.3,
                title: r.4,
                phone: r.5,
                duty: Duty::parse(&r.6)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad duty {}", r.6)))?,
                sort_order: r.7,
                active: r.8 != 0,
            })
        })
        .collect()
}

/// One contact.
pub async fn contact(c: &mut AnyConnection, id: i64) -> Result<Contact> {
    let agency_id: Option<i64> =
        sqlx::query_scalar("SELECT agency_id FROM agency_contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    let agency_id = agency_id.ok_or_else(|| StoreError::NotFound(format!("contact {id}")))?;
    contacts(c, agency_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("contact {id}")))
}

/// Add a contact to an agency.
pub async fn add_contact(
    c: &mut AnyConnection,
    agency_id: i64,
    x: &ContactInput,
    now: Instant,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO agency_contacts (agency_id, account_id, name, title, phone, duty, sort_order, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(agency_id)
    .bind(x.account_id)
    .bind(&x.name)
    .bind(&x.title)
    .bind(x.phone.canonical())
    .bind(x.duty.code())
    .bind(x.sort_order)
    .bind(flag(x.active))
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await?)
}

/// Update a contact.
pub async fn update_contact(
    c: &mut AnyConnection,
    id: i64,
    x: &ContactInput,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE agency_contacts SET account_id = $1, name = $2, title = $3, phone = $4, duty = $5, sort_order = $6, active = $7, \
         updated_at = $8 WHERE id = $9",
    )
    .bind(x.account_id)
    .bind(&x.name)
    .bind(&x.title)
    .bind(x.phone.canonical())
    .bind(x.duty.code())
    .bind(x.sort_order)
    .bind(flag(x.active))
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- fields and categories

/// A field (lĩnh vực): land, civil status, construction, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub active: bool,
}

/// Every field, by name.
pub async fn fields(c: &mut AnyConnection) -> Result<Vec<Field>> {
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, code, name, description, active FROM fields ORDER BY active DESC, name",
    )
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Field {
            id: r.0,
            code: r.1,
            name: r.2,
            description: r.3,
            active: r.4 != 0,
        })
        .collect())
}

/// Create or update a field (by id when given).
pub async fn save_field(
    c: &mut AnyConnection,
    id: Option<i64>,
    code: &str,
    name: &str,
    description: &str,
    active: bool,
    now: Instant,
) -> Result<i64> {
    let conflict = || format!("mã lĩnh vực `{code}` đã tồn tại");
    match id {
        Some(id) => {
            sqlx::query("UPDATE fields SET code = $1, name = $2, description = $3, active = $4, updated_at = $5 WHERE id = $6")
                .bind(code)
                .bind(name)
                .bind(description)
                .bind(flag(active))
                .bind(micros(now))
                .bind(id)
                .execute(&mut *c)
                .await
                .map_err(|e| map_unique(e, conflict))?;
            Ok(id)
        }
        None => sqlx::query_scalar(
            "INSERT INTO fields (code, name, description, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(description)
        .bind(flag(active))
        .bind(micros(now))
        .fetch_one(&mut *c)
        .await
        .map_err(|e| map_unique(e, conflict)),
    }
}

/// A case category within a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub field_id: Option<i64>,
    pub case_kind: String,
    pub active: bool,
}

/// Every category, by name.
pub async fn categories(c: &mut AnyConnection) -> Result<Vec<Category>> {
    let rows: Vec<(i64, String, String, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT id, code, name, field_id, case_kind, active FROM case_categories ORDER BY active DESC, name",
    )
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Category {
            id: r.0,
            code: r.1,
            name: r.2,
            field_id: r.3,
            case_kind: r.4,
            active: r.5 != 0,
        })
        .collect())
}

/// Create or update a category.
#[allow(clippy::too_many_arguments)]
pub async fn save_category(
    c: &mut AnyConnection,
    id: Option<i64>,
    code: &str,
    name: &str,
    field_id: Option<i64>,
    case_kind: &str,
    active: bool,
    now: Instant,
) -> Result<i64> {
    let conflict = || format!("mã danh mục `{code}` đã tồn tại");
    match id {
        Some(id) => {
            sqlx::query(
                "UPDATE case_categories SET code = $1, name = $2, field_id = $3, case_kind = $4, active = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(code)
            .bind(name)
            .bind(field_id)
            .bind(case_kind)
            .bind(flag(active))
            .bind(micros(now))
            .bind(id)
            .execute(&mut *c)
            .await
            .map_err(|e| map_unique(e, conflict))?;
            Ok(id)
        }
        None => sqlx::query_scalar(
            "INSERT INTO case_categories (code, name, field_id, case_kind, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(field_id)
        .bind(case_kind)
        .bind(flag(active))
        .bind(micros(now))
        .fetch_one(&mut *c)
        .await
        .map_err(|e| map_unique(e, conflict)),
    }
}

// ---------------------------------------------------------------- administrative units

/// An administrative unit (province, district, commune) with its validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUnit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub level: u8,
    pub parent_id: Option<i64>,
    pub validity: Validity,
    pub legal_basis: String,
}

/// A unit to create.
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    pub validity: Validity,
    pub legal_basis: String,
}

type UnitRow = (
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    String,
    Option<String>,
    String,
);
const UNIT_COLUMNS: &str =
    "id, code, name, kind, level, parent_id, valid_from, valid_to, legal_basis";

fn unit_from(r: UnitRow) -> Result<AdminUnit> {
    Ok(AdminUnit {
        id: r.0,
        code: r.1,
        name: r.2,
        kind: r
            .3
            .parse()
            .map_err(|e: tongdai_domain::org::OrgError| StoreError::Corrupt(e.to_string()))?,
        level: u8::try_from(r.4).unwrap_or(3),
        parent_id: r.5,
        validity: validity(&r.6, r.7.as_deref())?,
        legal_basis: r.8,
    })
}

/// A filter over administrative units.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Folded (no diacritics, lower case) fragment of the name.
    pub name_folded: Option<String>,
    pub level: Option<u8>,
    /// Only units in force on this date.
    pub valid_on: Option<NaiveDate>,
    pub parent_id: Option<i64>,
    pub limit: i64,
}

/// Units matching a filter, by code and validity.
pub async fn units(c: &mut AnyConnection, f: &UnitFilter) -> Result<Vec<AdminUnit>> {
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM admin_units WHERE ($1 = '' OR name_folded LIKE $2) AND ($3 = 0 OR level = $3) \
         AND ($4 = '' OR (valid_from <= $4 AND (valid_to IS NULL OR valid_to >= $4))) AND ($5 = 0 OR parent_id = $5) \
         ORDER BY level, code, valid_from LIMIT $6"
    );
    let q = f.name_folded.clone().unwrap_or_default();
    let rows: Vec<UnitRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&q)
        .bind(format!("%{q}%"))
        .bind(i64::from(f.level.unwrap_or(0)))
        .bind(f.valid_on.map(date_text).unwrap_or_default())
        .bind(f.parent_id.unwrap_or(0))
        .bind(if f.limit <= 0 { 500 } else { f.limit })
        .fetch_all(&mut *c)
        .await?;
    rows.into_iter().map(unit_from).collect()
}

/// One unit.
pub async fn unit(c: &mut AnyConnection, id: i64) -> Result<AdminUnit> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM admin_units WHERE id = $1");
    let row: Option<UnitRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(unit_from)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("admin unit {id}")))
}

/// The unit with a code that is in force on a date (codes are reused across periods).
pub async fn unit_by_code_on(
    c: &mut AnyConnection,
    code: &str,
    on: NaiveDate,
) -> Result<Option<AdminUnit>> {
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) \
         ORDER BY valid_from DESC LIMIT 1"
    );
    let row: Option<UnitRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .bind(date_text(on))
        .fetch_optional(&mut *c)
        .await?;
    row.map(unit_from).transpose()
}

/// The unit with a code and exact start of validity.
pub async fn unit_by_code_from(
    c: &mut AnyConnection,
    code: &str,
    from: NaiveDate,
) -> Result<Option<AdminUnit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 AND valid_from = $2");
    let row: Option<UnitRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .bind(date_text(from))
        .fetch_optional(&mut *c)
        .await?;
    row.map(unit_from).transpose()
}

/// Create a unit; `name_folded` is the search key of its name.
pub async fn create_unit(c: &mut AnyConnection, u: &UnitInput, name_folded: &str) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO admin_units (code, name, name_folded, kind, level, parent_id, valid_from, valid_to, legal_basis) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&u.code)
    .bind(&u.name)
    .bind(name_folded)
    .bind(u.kind.code())
    .bind(i64::from(u.kind.level()))
    .bind(u.parent_id)
    .bind(date_text(u.validity.from))
    .bind(u.validity.to.map(date_text))
    .bind(&u.legal_basis)
    .fetch_one(&mut *c)
    .await
    .map_err(|e| map_unique(e, || format!("đơn vị mã {} từ ngày {} đã có", u.code, u.validity.from)))
}

/// Record that an old unit went (wholly or partly) into a new one.
pub async fn add_unit_lineage(
    c: &mut AnyConnection,
    old: i64,
    new: i64,
    kind: LineageKind,
    legal_basis: &str,
    effective: NaiveDate,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO unit_lineage (old_unit_id, new_unit_id, kind, legal_basis, effective_date) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (old_unit_id, new_unit_id) DO NOTHING",
    )
    .bind(old)
    .bind(new)
    .bind(kind.code())
    .bind(legal_basis)
    .bind(date_text(effective))
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Lineage links of a unit (as old or as new).
pub async fn unit_lineage(c: &mut AnyConnection, id: i64) -> Result<Vec<Lineage>> {
    lineage_rows(c, "unit_lineage", id).await
}

/// The units in force today that an old unit became (follows several reforms).
pub async fn current_successors(
    c: &mut AnyConnection,
    id: i64,
    today: NaiveDate,
) -> Result<Vec<AdminUnit>> {
    let mut frontier = vec![id];
    let mut seen = vec![id];
    let mut out = Vec::new();
    while let Some(u) = frontier.pop() {
        let unit = unit(c, u).await?;
        if unit.validity.contains(today) {
            out.push(unit);
            continue;
        }
        let next: Vec<i64> =
            sqlx::query_scalar("SELECT new_unit_id FROM unit_lineage WHERE old_unit_id = $1")
                .bind(u)
                .fetch_all(&mut *c)
                .await?;
        for n in next {
            if !seen.contains(&n) {
                seen.push(n);
                frontier.push(n);
            }
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// How many units exist.
pub async fn unit_count(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admin_units")
        .fetch_one(&mut *c)
        .await?)
}

/// A stamp that changes whenever any tenant or calendar is created or changed (their versions
/// summed, plus their counts): what a cache of tenants' calendars and policies checks.
pub async fn context_stamp(c: &mut AnyConnection) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT CAST(COUNT(*) + COALESCE(SUM(version), 0) AS BIGINT) FROM tenants), \
         (SELECT CAST(COUNT(*) + COALESCE(SUM(version), 0) AS BIGINT) FROM calendars)",
    )
    .fetch_one(&mut *c)
    .await?)
}
