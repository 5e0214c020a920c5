//! Demo data (ORG-1): the original plan's organisation — huyện Châu Thành (An Giang) with its
//! offices, its 13 communes, the three hotline numbers and the hours — and the same area after
//! the 2025 reform as a second tenant (tỉnh An Giang and its five new communes), linked by
//! lineage. Loaded into an empty database only; nothing here is special to the code: it is
//! the data in `demo/organisation.toml` and the official conversion table in `demo/`.

use crate::error::Result;
use crate::org::{self, AgencyInput, ContactInput, Duty, TenantInput};
use crate::units_import::{self, ImportOptions};
use crate::{Store, StoreError, accounts, audit, calendar};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;
use tongdai_domain::Instant;
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::audit::NewAuditEntry;
use tongdai_domain::org::{AgencyKind, LineageKind, TenantKind, Validity};
use tongdai_domain::phone::PhoneNumber;

const ORGANISATION: &str = include_str!("../demo/organisation.toml");
const UNITS_CSV: &str = include_str!("../demo/chau_thanh_an_giang_2025_conversion_official.csv");

#[derive(Deserialize)]
struct DemoFile {
    fields: Vec<DemoField>,
    categories: Vec<DemoCategory>,
    tenants: Vec<DemoTenant>,
    agencies: Vec<DemoAgency>,
    #[serde(default)]
    agency_lineage: Vec<DemoLineage>,
    #[serde(default)]
    accounts: Vec<DemoAccount>,
}

#[derive(Deserialize)]
struct DemoField {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct DemoCategory {
    code: String,
    name: String,
    case_kind: String,
    field: Option<String>,
}

#[derive(Deserialize)]
struct DemoTenant {
    code: String,
    name: String,
    kind: String,
    unit: String,
    parent: Option<String>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    hotlines: Vec<String>,
    #[serde(default)]
    predecessors: Vec<String>,
}

#[derive(Deserialize)]
struct DemoAgency {
    tenant: String,
    code: String,
    name: String,
    kind: String,
    fields: Vec<String>,
    coordinator: bool,
    #[serde(default)]
    address: String,
    #[serde(default)]
    dvc_code: String,
    contacts: Vec<DemoContact>,
}

#[derive(Deserialize)]
struct DemoContact {
    duty: String,
    name: String,
    title: String,
    phone: String,
}

#[derive(Deserialize)]
struct DemoLineage {
    from: (String, String),
    to: (String, String),
    kind: String,
    effective: NaiveDate,
    legal_basis: String,
}

#[derive(Deserialize)]
struct DemoAccount {
    username: String,
    name: String,
    role: String,
    tenant: String,
    agency: Option<String>,
}

/// What the demo loader did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub tenants: usize,
    pub agencies: usize,
    pub contacts: usize,
    pub accounts: Vec<String>,
}

fn bad(what: impl Into<String>) -> StoreError {
    StoreError::Invalid(format!("demo data: {}", what.into()))
}

/// Whether the database holds no organisation yet.
pub async fn is_empty(store: &Store) -> Result<bool> {
    let mut c = store.conn().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
        .fetch_one(&mut *c)
        .await?;
    Ok(n == 0)
}

/// Load the demo organisation on the default working calendar; demo staff accounts get
/// `demo_password`.
pub async fn seed(store: &Store, demo_password: &str, now: Instant) -> Result<DemoReport> {
    let file: DemoFile = toml::from_str(ORGANISATION).map_err(|e| bad(e.to_string()))?;
    let units = units_import::import_csv(store, UNITS_CSV.as_bytes(), &ImportOptions::default())
        .await
        .map_err(|e| bad(e.to_string()))?;
    if !units.problems.is_empty() {
        return Err(bad(units.summary_vi()));
    }
    let mut report = DemoReport::default();
    let mut tx = store.begin().await?;
    let calendar_id = calendar::ensure_default(&mut tx, now).await?;

    let mut field_ids = HashMap::new();
    for f in &file.fields {
        field_ids.insert(
            f.code.clone(),
            org::save_field(&mut tx, None, &f.code, &f.name, "", true, now).await?,
        );
    }
    for cat in &file.categories {
        let field = cat.field.as_ref().and_then(|f| field_ids.get(f).copied());
        org::save_category(
            &mut tx,
            None,
            &cat.code,
            &cat.name,
            field,
            &cat.case_kind,
            true,
            now,
        )
        .await?;
    }

    let mut tenant_ids = HashMap::new();
    for t in &file.tenants {
        let unit =
            org::unit_by_code_on(&mut tx, &t.unit, t.valid_to.unwrap_or(t.valid_from)).await?;
        let kind: TenantKind = t
            .kind
            .parse()
            .map_err(|_| bad(format!("tenant kind {}", t.kind)))?;
        let validity = Validity::new(t.valid_from, t.valid_to).map_err(|e| bad(e.to_string()))?;
        let id = org::create_tenant(
            &mut tx,
            &TenantInput {
                code: t.code.clone(),
                name: t.name.clone(),
                kind,
                parent_id: t.parent.as_ref().and_then(|p| tenant_ids.get(p).copied()),
                admin_unit_id: unit.map(|u| u.id),
                calendar_id,
                validity,
                address: t.address.clone(),
                email: String::new(),
                website: t.website.clone(),
            },
            now,
        )
        .await?;
        for number in &t.hotlines {
            org::add_hotline(&mut tx, id, number, "Tổng đài hỗ trợ TTHC", validity).await?;
        }
        for p in &t.predecessors {
            let pid = *tenant_ids
                .get(p)
                .ok_or_else(|| bad(format!("unknown predecessor {p}")))?;
            org::add_tenant_lineage(
                &mut tx,
                pid,
                id,
                LineageKind::Partial,
                t.valid_from,
                "NQ 1654/NQ-UBTVQH15",
            )
            .await?;
        }
        tenant_ids.insert(t.code.clone(), id);
        report.tenants += 1;
    }

    let mut agency_ids = HashMap::new();
    for a in &file.agencies {
        let tenant = file
            .tenants
            .iter()
            .find(|t| t.code == a.tenant)
            .ok_or_else(|| bad(format!("agency tenant {}", a.tenant)))?;
        let tenant_id = tenant_ids[&a.tenant];
        let kind: AgencyKind = a
            .kind
            .parse()
            .map_err(|_| bad(format!("agency kind {}", a.kind)))?;
        let id = org::create_agency(
            &mut tx,
            &AgencyInput {
                tenant_id,
                code: a.code.clone(),
                name: a.name.clone(),
                kind,
                parent_id: None,
                validity: Validity {
                    from: tenant.valid_from,
                    to: tenant.valid_to,
                },
                address: a.address.clone(),
                phone: String::new(),
                email: String::new(),
                dvc_code: a.dvc_code.clone(),
                is_coordinator: a.coordinator,
            },
            now,
        )
        .await?;
        let fields: Vec<i64> = a
            .fields
            .iter()
            .filter_map(|f| field_ids.get(f).copied())
            .collect();
        org::set_agency_fields(&mut tx, id, &fields).await?;
        for (i, ct) in a.contacts.iter().enumerate() {
            let phone =
                PhoneNumber::parse(&ct.phone).map_err(|e| bad(format!("{}: {e}", ct.phone)))?;
            let duty = Duty::parse(&ct.duty).ok_or_else(|| bad(format!("duty {}", ct.duty)))?;
            org::add_contact(
                &mut tx,
                id,
                &ContactInput {
                    account_id: None,
                    name: ct.name.clone(),
                    title: ct.title.clone(),
                    phone,
                    duty,
                    sort_order: i as i64,
                    active: true,
                },
                now,
            )
            .await?;
            report.contacts += 1;
        }
        agency_ids.insert((a.tenant.clone(), a.code.clone()), id);
        report.agencies += 1;
    }
    for l in &file.agency_lineage {
        let from = *agency_ids
            .get(&l.from)
            .ok_or_else(|| bad(format!("lineage from {:?}", l.from)))?;
        let to = *agency_ids
            .get(&l.to)
            .ok_or_else(|| bad(format!("lineage to {:?}", l.to)))?;
        let kind: LineageKind = l
            .kind
            .parse()
            .map_err(|_| bad(format!("lineage kind {}", l.kind)))?;
        org::add_agency_lineage(&mut tx, from, to, kind, l.effective, &l.legal_basis).await?;
    }

    for a in &file.accounts {
        let role: Role = a
            .role
            .parse()
            .map_err(|_| bad(format!("role {}", a.role)))?;
        let tenant_id = *tenant_ids
            .get(&a.tenant)
            .ok_or_else(|| bad(format!("account tenant {}", a.tenant)))?;
        let agency_id = match &a.agency {
            Some(code) => Some(
                *agency_ids
                    .get(&(a.tenant.clone(), code.clone()))
                    .ok_or_else(|| bad(format!("account agency {code}")))?,
            ),
            None => None,
        };
        let id = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: a.username.clone(),
                display_name: a.name.clone(),
                email: format!("{}@demo.tongdai.invalid", a.username),
                phone: String::new(),
                tenant_id: Some(tenant_id),
                password: demo_password.to_owned(),
                must_change_password: false,
            },
            now,
        )
        .await?;
        let grant = Grant::new(role, Some(tenant_id), agency_id).map_err(|e| bad(e.to_string()))?;
        accounts::set_grants(&mut tx, id, &[grant], now).await?;
        report.accounts.push(a.username.clone());
    }
    audit::append(
        &mut tx,
        NewAuditEntry {
            at_us: crate::micros(now),
            actor_id: None,
            actor_name: "system".into(),
            action: "demo.seed".into(),
            target: String::new(),
            detail: audit::detail(serde_json::json!({
                "tenants": report.tenants, "agencies": report.agencies, "contacts": report.contacts,
                "accounts": report.accounts.len(), "units_created": units.units_created,
            })),
            ip: String::new(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}
