//! An agency's own page (its officers, phone numbers, fields, lineage), editable by its head
//! (ADM-1), and the directory of agencies that operators and coordinators use for forwarding
//! and transfers. Data is scoped: an officer sees only their own agency (SEC-2).

use super::{redirect_with, render_page};
use crate::auth::{Ctx, require_at};
use crate::error::AppError;
use crate::flash;
use crate::forms::{FormErrors, checkbox, opt_text, text};
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tongdai_domain::access::{Permission, Target};
use tongdai_domain::phone::PhoneNumber;
use tongdai_store::org::{self, ContactInput, Duty};

/// A contact as shown.
#[derive(Debug, Clone)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub phone_raw: String,
    pub duty: String,
    pub duty_code: String,
    pub active: bool,
}

impl ContactView {
    fn from(c: &org::Contact) -> ContactView {
        let phone = PhoneNumber::parse(&c.phone)
            .map(|p| p.display())
            .unwrap_or_else(|_| c.phone.clone());
        ContactView {
            id: c.id,
            name: c.name.clone(),
            title: c.title.clone(),
            phone_raw: PhoneNumber::parse(&c.phone)
                .map(|p| p.national())
                .unwrap_or_else(|_| c.phone.clone()),
            phone,
            duty: c.duty.label_vi().to_owned(),
            duty_code: c.duty.code().to_owned(),
            active: c.active,
        }
    }
}

/// A lineage link as shown.
#[derive(Debug, Clone)]
pub struct LineageView {
    pub direction: &'static str,
    pub agency_id: i64,
    pub agency_name: String,
    pub kind: String,
    pub effective: String,
    pub legal_basis: String,
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    layout: Layout,
    agency: org::Agency,
    kind_label: String,
    tenant_name: String,
    contacts: Vec<ContactView>,
    support_count: usize,
    fields: Vec<String>,
    officers: Vec<tongdai_store::accounts::Account>,
    lineage: Vec<LineageView>,
    can_edit: bool,
    duties: Vec<(String, String)>,
    errors: FormErrors,
}

/// The access target of an agency.
pub async fn agency_target(state: &AppState, agency: &org::Agency) -> Result<Target, AppError> {
    let mut c = state.store.conn().await?;
    Ok(Target {
        tenant_path: org::tenant_path(&mut c, agency.tenant_id).await?,
        agency_id: Some(agency.id),
    })
}

async fn agency_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: i64,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let agency = {
        let mut c = state.store.conn().await?;
        org::agency(&mut c, id).await?
    };
    let target = agency_target(state, &agency).await?;
    require_at(
        state,
        ctx,
        Permission::AgencyRead,
        &target,
        &format!("agency:{id}"),
    )
    .await?;
    let user = ctx.user()?;
    let can_edit = user
        .principal
        .allows(Permission::AgencyContactsEdit, &target);
    let mut c = state.store.conn().await?;
    let tenant_name = org::tenant(&mut c, agency.tenant_id).await?.name;
    let contacts_raw = org::contacts(&mut c, id).await?;
    let support_count = contacts_raw
        .iter()
        .filter(|x| x.active && x.duty.supports_procedures())
        .count();
    let contacts = contacts_raw.iter().map(ContactView::from).collect();
    let field_ids = org::agency_field_ids(&mut c, id).await?;
    let fields = org::fields(&mut c)
        .await?
        .into_iter()
        .filter(|f| field_ids.contains(&f.id))
        .map(|f| f.name)
        .collect();
    let officers = tongdai_store::accounts::list_for_agency(&mut c, id).await?;
    let mut lineage = Vec::new();
    for l in org::agency_lineage(&mut c, id).await? {
        let (direction, other) = if l.successor_id == id {
            ("from", l.predecessor_id)
        } else {
            ("to", l.successor_id)
        };
        let other_agency = org::agency(&mut c, other).await?;
        let other_tenant = org::tenant(&mut c, other_agency.tenant_id).await?;
        lineage.push(LineageView {
            direction,
            agency_id: other,
            agency_name: format!("{} ({})", other_agency.name, other_tenant.name),
            kind: l.kind.label_vi().to_owned(),
            effective: ctx.tr.date(&l.effective),
            legal_basis: l.legal_basis,
        });
    }
    let page = AgencyPage {
        layout: Layout::with_title(ctx, agency.name.clone(), flash::read(headers)),
        kind_label: agency.kind.label_vi().to_owned(),
        agency,
        tenant_name,
        contacts,
        support_count,
        fields,
        officers,
        lineage,
        can_edit,
        duties: Duty::ALL
            .iter()
            .map(|d| (d.code().to_owned(), d.label_vi().to_owned()))
            .collect(),
        errors,
    };
    render_page(&page, headers)
}

/// `GET /agencies/{id}`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    agency_page(&state, &ctx, &headers, id, FormErrors::default()).await
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    name: String,
    #[serde(default)]
    title: String,
    phone: String,
    duty: String,
    #[serde(default)]
    sort_order: String,
    active: Option<String>,
}

fn parse_contact(f: &ContactForm, errors: &mut FormErrors) -> Option<ContactInput> {
    let name = text(errors, "name", &f.name, 120);
    let title = opt_text(errors, "title", &f.title, 120);
    let phone = match PhoneNumber::parse(&f.phone) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.add("phone", e.to_string());
            None
        }
    };
    let duty = Duty::parse(&f.duty);
    if duty.is_none() {
        errors.add("duty", "Chọn nhiệm vụ.");
    }
    let sort_order = f.sort_order.trim().parse().unwrap_or(0);
    if !errors.is_empty() {
        return None;
    }
    Some(ContactInput {
        account_id: None,
        name,
        title,
        phone: phone?,
        duty: duty?,
        sort_order,
        active: checkbox(&f.active) || f.active.is_none(),
    })
}

/// `POST /agencies/{id}/contacts`
pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<ContactForm>,
) -> Result<Response, AppError> {
    let agency = {
        let mut c = state.store.conn().await?;
        org::agency(&mut c, id).await?
    };
    let target = agency_target(&state, &agency).await?;
    require_at(
        &state,
        &ctx,
        Permission::AgencyContactsEdit,
        &target,
        &format!("agency:{id}"),
    )
    .await?;
    let mut errors = FormErrors::default();
    let Some(input) = parse_contact(&f, &mut errors) else {
        return agency_page(&state, &ctx, &headers, id, errors).await;
    };
    let mut tx = state.store.begin().await?;
    let cid = org::add_contact(&mut tx, id, &input, state.now()).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.contact.create",
        &format!("contact:{cid}"),
        serde_json::json!({ "agency": id, "name": input.name, "duty": input.duty.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/agencies/{id}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// `POST /agencies/{id}/contacts/{contact}`
pub async fn update_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<ContactForm>,
) -> Result<Response, AppError> {
    let (agency, contact) = {
        let mut c = state.store.conn().await?;
        (
            org::agency(&mut c, id).await?,
            org::contact(&mut c, cid).await?,
        )
    };
    if contact.agency_id != id {
        return Err(AppError::NotFound);
    }
    let target = agency_target(&state, &agency).await?;
    require_at(
        &state,
        &ctx,
        Permission::AgencyContactsEdit,
        &target,
        &format!("agency:{id}"),
    )
    .await?;
    let mut errors = FormErrors::default();
    let Some(mut input) = parse_contact(&f, &mut errors) else {
        return agency_page(&state, &ctx, &headers, id, errors).await;
    };
    input.active = checkbox(&f.active);
    input.account_id = contact.account_id;
    let mut tx = state.store.begin().await?;
    org::update_contact(&mut tx, cid, &input, state.now()).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.contact.update",
        &format!("contact:{cid}"),
        serde_json::json!({ "agency": id, "name": input.name, "active": input.active }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/agencies/{id}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// One agency in the directory.
#[derive(Debug, Clone)]
pub struct DirectoryEntry {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub contacts: Vec<ContactView>,
}

/// A tenant's part of the directory.
#[derive(Debug, Clone)]
pub struct DirectoryGroup {
    pub tenant: String,
    pub agencies: Vec<DirectoryEntry>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    layout: Layout,
    groups: Vec<DirectoryGroup>,
    q: String,
    include_past: bool,
}

#[derive(Debug, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    past: Option<String>,
}

/// `GET /directory`: agencies in force, with their focal officers and support numbers.
pub async fn directory(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let include_past = checkbox(&q.past);
    let mut c = state.store.conn().await?;
    let scope = match user.principal.tenant_scope(Permission::DirectoryRead) {
        None => None,
        Some(ids) => {
            let mut all = Vec::new();
            for t in ids {
                all.extend(org::tenant_subtree(&mut c, t).await?);
            }
            Some(all)
        }
    };
    let needle = tongdai_store::fold(q.q.trim());
    let tenants = org::tenants(&mut c).await?;
    let agencies = org::agencies(&mut c, scope.as_deref()).await?;
    let mut groups = Vec::new();
    for t in &tenants {
        let mut entries = Vec::new();
        for a in agencies.iter().filter(|a| a.tenant_id == t.id) {
            if !include_past && !a.validity.contains(today) {
                continue;
            }
            if !needle.is_empty() && !tongdai_store::fold(&a.name).contains(&needle) {
                continue;
            }
            let contacts = org::contacts(&mut c, a.id)
                .await?
                .iter()
                .filter(|x| x.active)
                .map(ContactView::from)
                .collect();
            entries.push(DirectoryEntry {
                id: a.id,
                name: a.name.clone(),
                kind: a.kind.label_vi().to_owned(),
                contacts,
            });
        }
        if !entries.is_empty() {
            groups.push(DirectoryGroup {
                tenant: t.name.clone(),
                agencies: entries,
            });
        }
    }
    let page = DirectoryPage {
        layout: Layout::new(&ctx, "nav.directory", None),
        groups,
        q: q.q,
        include_past,
    };
    render_page(&page, &headers)
}
