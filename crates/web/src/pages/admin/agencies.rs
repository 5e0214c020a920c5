//! Agencies (ORG-1, ADM-1): offices, commune committees, police, post offices; their fields,
//! validity and lineage. Contacts are edited on the agency's own page.

use super::{Choice, iso};
use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::forms::{self, FormErrors, checkbox};
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::access::Permission;
use tongdai_domain::org::{AgencyKind, LineageKind, Validity, validate_code, validate_name};
use tongdai_store::org::{self, AgencyInput};

/// An agency row of the list.
#[derive(Debug, Clone)]
pub struct AgencyRowView {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub kind: String,
    pub tenant: String,
    pub current: bool,
    pub coordinator: bool,
    pub support: usize,
}

#[derive(Template)]
#[template(path = "admin/agencies.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AgencyRowView>,
    tenants: Vec<Choice>,
    tenant: String,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tenant: String,
}

/// `GET /admin/agencies`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let mut c = state.store.conn().await?;
    let tenants = org::tenants(&mut c).await?;
    let filter: Option<i64> = q.tenant.parse().ok();
    let ids = filter.map(|t| vec![t]);
    let mut rows = Vec::new();
    for a in org::agencies(&mut c, ids.as_deref()).await? {
        let support = org::contacts(&mut c, a.id)
            .await?
            .iter()
            .filter(|x| x.active && x.duty.supports_procedures())
            .count();
        rows.push(AgencyRowView {
            id: a.id,
            tenant: tenants
                .iter()
                .find(|t| t.id == a.tenant_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            name: a.name,
            code: a.code,
            kind: a.kind.label_vi().to_owned(),
            current: a.validity.contains(today),
            coordinator: a.is_coordinator,
            support,
        });
    }
    let mut choices = vec![Choice::new("", ctx.tr.t("common.all"), &q.tenant)];
    choices.extend(
        tenants
            .iter()
            .map(|t| Choice::new(t.id, &t.name, &q.tenant)),
    );
    render_page(
        &ListPage {
            layout: Layout::new(&ctx, "admin.agencies", flash::read(&headers)),
            rows,
            tenants: choices,
            tenant: q.tenant,
        },
        &headers,
    )
}

/// The agency form as typed. Field checkboxes arrive as repeated `field` values.
#[derive(Debug, Clone, Default)]
pub struct AgencyForm {
    pub tenant_id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: String,
    pub valid_from: String,
    pub valid_to: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub dvc_code: String,
    pub coordinator: bool,
    pub fields: Vec<i64>,
}

impl AgencyForm {
    /// Parse `application/x-www-form-urlencoded` pairs (repeated keys allowed).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> AgencyForm {
        let mut f = AgencyForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "tenant_id" => f.tenant_id = v,
                "code" => f.code = v,
                "name" => f.name = v,
                "kind" => f.kind = v,
                "parent_id" => f.parent_id = v,
                "valid_from" => f.valid_from = v,
                "valid_to" => f.valid_to = v,
                "address" => f.address = v,
                "phone" => f.phone = v,
                "email" => f.email = v,
                "dvc_code" => f.dvc_code = v,
                "coordinator" => f.coordinator = checkbox(&Some(v)),
                "field" => f.fields.extend(v.parse::<i64>().ok()),
                _ => {}
            }
        }
        f
    }
}

/// A field checkbox.
#[derive(Debug, Clone)]
pub struct FieldCheck {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/agency_form.html")]
struct FormPage {
    layout: Layout,
    id: Option<i64>,
    form: AgencyForm,
    errors: FormErrors,
    tenants: Vec<Choice>,
    kinds: Vec<Choice>,
    parents: Vec<Choice>,
    fields: Vec<FieldCheck>,
    others: Vec<Choice>,
    lineage_kinds: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    form: AgencyForm,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let mut c = state.store.conn().await?;
    let tenants = org::tenants(&mut c).await?;
    let agencies = org::agencies(&mut c, None).await?;
    let tenant_choices = tenants
        .iter()
        .map(|t| Choice::new(t.id, &t.name, &form.tenant_id))
        .collect();
    let kinds = AgencyKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label_vi(), &form.kind))
        .collect();
    let mut parents = vec![Choice::new("", ctx.tr.t("common.none"), &form.parent_id)];
    parents.extend(
        agencies
            .iter()
            .filter(|a| {
                Some(a.id) != id
                    && form
                        .tenant_id
                        .parse::<i64>()
                        .is_ok_and(|t| t == a.tenant_id)
            })
            .map(|a| Choice::new(a.id, &a.name, &form.parent_id)),
    );
    let fields = org::fields(&mut c)
        .await?
        .into_iter()
        .filter(|f| f.active)
        .map(|f| FieldCheck {
            checked: form.fields.contains(&f.id),
            id: f.id,
            name: f.name,
        })
        .collect();
    let others = agencies
        .iter()
        .filter(|a| Some(a.id) != id)
        .map(|a| {
            let t = tenants
                .iter()
                .find(|t| t.id == a.tenant_id)
                .map(|t| t.name.as_str())
                .unwrap_or("");
            Choice::new(a.id, format!("{} — {t}", a.name), "")
        })
        .collect();
    let lineage_kinds = LineageKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label_vi(), ""))
        .collect();
    let title = if id.is_some() {
        form.name.clone()
    } else {
        ctx.tr.t("admin.new_agency").to_owned()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        layout: Layout::with_title(ctx, title, flash::read(headers)),
        id,
        form,
        errors,
        tenants: tenant_choices,
        kinds,
        parents,
        fields,
        others,
        lineage_kinds,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    tenant: String,
}

/// `GET /admin/agencies/new`
pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let form = AgencyForm {
        tenant_id: q.tenant,
        kind: "office".into(),
        valid_from: iso(Some(tongdai_domain::time::to_vietnam(state.now()).date())),
        ..Default::default()
    };
    form_page(&state, &ctx, &headers, None, form, FormErrors::default()).await
}

/// `GET /admin/agencies/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let mut c = state.store.conn().await?;
    let a = org::agency(&mut c, id).await?;
    let fields = org::agency_field_ids(&mut c, id).await?;
    drop(c);
    let form = AgencyForm {
        tenant_id: a.tenant_id.to_string(),
        code: a.code,
        name: a.name,
        kind: a.kind.code().into(),
        parent_id: a.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        valid_from: iso(Some(a.validity.from)),
        valid_to: iso(a.validity.to),
        address: a.address,
        phone: a.phone,
        email: a.email,
        dvc_code: a.dvc_code,
        coordinator: a.is_coordinator,
        fields,
    };
    form_page(
        &state,
        &ctx,
        &headers,
        Some(id),
        form,
        FormErrors::default(),
    )
    .await
}

fn parse(f: &AgencyForm, errors: &mut FormErrors) -> Option<AgencyInput> {
    let tenant_id = forms::opt_id(errors, "tenant_id", &f.tenant_id);
    if tenant_id.is_none() && !errors.has("tenant_id") {
        errors.add("tenant_id", "Chọn đơn vị.");
    }
    let code = forms::text(errors, "code", &f.code, 64).to_lowercase();
    if !code.is_empty() && validate_code(&code).is_err() {
        errors.add(
            "code",
            "Chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        );
    }
    let name = validate_name(&f.name, 200)
        .map_err(|e| errors.add("name", e.to_string()))
        .unwrap_or_default();
    let kind: Option<AgencyKind> = f.kind.parse().ok();
    if kind.is_none() {
        errors.add("kind", "Chọn loại cơ quan.");
    }
    let parent_id = forms::opt_id(errors, "parent_id", &f.parent_id);
    let from = forms::date(errors, "valid_from", &f.valid_from);
    let to = forms::opt_date(errors, "valid_to", &f.valid_to);
    let validity = from.and_then(|from| {
        Validity::new(from, to)
            .map_err(|e| errors.add("valid_to", e.to_string()))
            .ok()
    });
    let address = forms::opt_text(errors, "address", &f.address, 300);
    let phone = match f.phone.trim() {
        "" => String::new(),
        p => match tongdai_domain::phone::PhoneNumber::parse(p) {
            Ok(p) => p.canonical().to_owned(),
            Err(e) => {
                errors.add("phone", e.to_string());
                String::new()
            }
        },
    };
    let email = forms::opt_text(errors, "email", &f.email, 200);
    let dvc_code = forms::opt_text(errors, "dvc_code", &f.dvc_code, 64);
    if !errors.is_empty() {
        return None;
    }
    Some(AgencyInput {
        tenant_id: tenant_id?,
        code,
        name,
        kind: kind?,
        parent_id,
        validity: validity?,
        address,
        phone,
        email,
        dvc_code,
        is_coordinator: f.coordinator,
    })
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require_global(state, ctx, Permission::OrgManage).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let f = AgencyForm::from_pairs(pairs);
    let mut errors = FormErrors::default();
    let Some(input) = parse(&f, &mut errors) else {
        return form_page(state, ctx, headers, id, f, errors).await;
    };
    let mut tx = state.store.begin().await?;
    org::tenant(&mut tx, input.tenant_id).await?;
    let result = match id {
        Some(id) => org::update_agency(&mut tx, id, &input, state.now())
            .await
            .map(|()| id),
        None => org::create_agency(&mut tx, &input, state.now()).await,
    };
    let saved = match result {
        Ok(saved) => saved,
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            errors.add("code", e.to_string());
            return form_page(state, ctx, headers, id, f, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    org::set_agency_fields(&mut tx, saved, &f.fields).await?;
    let action = if id.is_some() {
        "org.agency.update"
    } else {
        "org.agency.create"
    };
    crate::auth::audit_change(&mut tx, state, ctx, action, &format!("agency:{saved}"), serde_json::json!({ "code": input.code, "name": input.name, "tenant": input.tenant_id, "fields": f.fields, "valid_to": input.validity.to })).await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/agencies/{saved}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// Decode a urlencoded body into pairs, keeping repeated keys (checkbox lists).
pub fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// `POST /admin/agencies`
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    save(&state, &ctx, &headers, None, body).await
}

/// `POST /admin/agencies/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    save(&state, &ctx, &headers, Some(id), body).await
}

#[derive(Debug, Deserialize)]
pub struct LineageForm {
    predecessor_id: i64,
    kind: String,
    effective: String,
    #[serde(default)]
    legal_basis: String,
}

/// `POST /admin/agencies/{id}/lineage`: this agency succeeded another (merge, split, rename).
pub async fn add_lineage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<LineageForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let back = format!("/admin/agencies/{id}");
    let mut errors = FormErrors::default();
    let effective = forms::date(&mut errors, "effective", &f.effective);
    let kind: Option<LineageKind> = f.kind.parse().ok();
    let (Some(effective), Some(kind)) = (effective, kind) else {
        return Ok(redirect_with(
            &back,
            "error",
            "Dữ liệu kế thừa không hợp lệ.",
        ));
    };
    let mut tx = state.store.begin().await?;
    org::agency(&mut tx, id).await?;
    org::agency(&mut tx, f.predecessor_id).await?;
    match org::add_agency_lineage(
        &mut tx,
        f.predecessor_id,
        id,
        kind,
        effective,
        f.legal_basis.trim(),
    )
    .await
    {
        Ok(()) => {}
        Err(
            e @ (tongdai_store::StoreError::Conflict(_) | tongdai_store::StoreError::Invalid(_)),
        ) => {
            return Ok(redirect_with(&back, "error", &e.to_string()));
        }
        Err(e) => return Err(e.into()),
    }
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.agency.lineage",
        &format!("agency:{id}"),
        serde_json::json!({ "predecessor": f.predecessor_id, "kind": kind.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
}
