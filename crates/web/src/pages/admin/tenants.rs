//! Tenants (ORG-1): provinces, communes and pre-2025 districts, as a tree with validity,
//! lineage and hotline numbers.

use super::{Choice, iso};
use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::forms::{self, FormErrors};
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::access::Permission;
use tongdai_domain::org::{LineageKind, TenantKind, Validity, validate_code, validate_name};
use tongdai_store::calendar;
use tongdai_store::org::{self, TenantInput};

/// A tenant row of the list.
#[derive(Debug, Clone)]
pub struct TenantRowView {
    pub id: i64,
    pub depth: usize,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub validity: String,
    pub current: bool,
    pub hotlines: String,
}

#[derive(Template)]
#[template(path = "admin/tenants.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<TenantRowView>,
}

fn validity_text(ctx: &Ctx, v: &Validity) -> String {
    match v.to {
        Some(to) => format!("{} – {}", ctx.tr.date(&v.from), ctx.tr.date(&to)),
        None => format!("{} {}", ctx.tr.t("common.since"), ctx.tr.date(&v.from)),
    }
}

/// `GET /admin/tenants`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let mut c = state.store.conn().await?;
    let tenants = org::tenants(&mut c).await?;
    let hotlines = org::hotlines(&mut c, None).await?;
    // Depth-first order so children sit under their parent.
    let mut rows = Vec::new();
    fn walk(
        all: &[org::Tenant],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(usize, org::Tenant)>,
    ) {
        for t in all.iter().filter(|t| t.parent_id == parent) {
            out.push((depth, t.clone()));
            walk(all, Some(t.id), depth + 1, out);
        }
    }
    let mut ordered = Vec::new();
    walk(&tenants, None, 0, &mut ordered);
    for (depth, t) in ordered {
        let numbers: Vec<String> = hotlines
            .iter()
            .filter(|h| h.tenant_id == t.id && h.validity.contains(today))
            .map(|h| {
                tongdai_domain::phone::PhoneNumber::parse(&h.number)
                    .map(|p| p.display())
                    .unwrap_or(h.number.clone())
            })
            .collect();
        rows.push(TenantRowView {
            id: t.id,
            depth,
            code: t.code.clone(),
            name: t.name.clone(),
            kind: t.kind.label_vi().to_owned(),
            validity: validity_text(&ctx, &t.validity),
            current: t.validity.contains(today),
            hotlines: numbers.join(", "),
        });
    }
    render_page(
        &ListPage {
            layout: Layout::new(&ctx, "admin.tenants", flash::read(&headers)),
            rows,
        },
        &headers,
    )
}

/// The values of the tenant form (as typed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TenantForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    calendar_id: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
}

/// A hotline row on the tenant page.
#[derive(Debug, Clone)]
pub struct HotlineView {
    pub id: i64,
    pub number: String,
    pub label: String,
    pub validity: String,
    pub current: bool,
}

/// A lineage row on the tenant page.
#[derive(Debug, Clone)]
pub struct TenantLineageView {
    pub text: String,
}

#[derive(Template)]
#[template(path = "admin/tenant_form.html")]
struct FormPage {
    layout: Layout,
    id: Option<i64>,
    form: TenantForm,
    errors: FormErrors,
    kinds: Vec<Choice>,
    parents: Vec<Choice>,
    calendars: Vec<Choice>,
    hotlines: Vec<HotlineView>,
    lineage: Vec<TenantLineageView>,
    others: Vec<Choice>,
    lineage_kinds: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    form: TenantForm,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let mut c = state.store.conn().await?;
    let tenants = org::tenants(&mut c).await?;
    let kinds = TenantKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label_vi(), &form.kind))
        .collect();
    let mut parents = vec![Choice::new("", ctx.tr.t("common.none"), &form.parent_id)];
    parents.extend(
        tenants
            .iter()
            .filter(|t| Some(t.id) != id)
            .map(|t| Choice::new(t.id, &t.name, &form.parent_id)),
    );
    let calendars = calendar::calendars(&mut c)
        .await?
        .into_iter()
        .map(|cal| Choice::new(cal.id, cal.name, &form.calendar_id))
        .collect();
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let (hotlines, lineage) = match id {
        Some(id) => {
            let h = org::hotlines(&mut c, Some(id))
                .await?
                .into_iter()
                .map(|h| HotlineView {
                    id: h.id,
                    number: h.number.clone(),
                    label: h.label.clone(),
                    validity: validity_text(ctx, &h.validity),
                    current: h.validity.contains(today),
                })
                .collect();
            let mut l = Vec::new();
            for link in org::tenant_lineage(&mut c, id).await? {
                let other = if link.successor_id == id {
                    link.predecessor_id
                } else {
                    link.successor_id
                };
                let name = tenants
                    .iter()
                    .find(|t| t.id == other)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                let dir = if link.successor_id == id {
                    ctx.tr.t("agency.succeeds")
                } else {
                    ctx.tr.t("agency.succeeded_by")
                };
                l.push(TenantLineageView {
                    text: format!(
                        "{dir} {name} — {}, {} {}",
                        link.kind.label_vi(),
                        ctx.tr.date(&link.effective),
                        link.legal_basis
                    ),
                });
            }
            (h, l)
        }
        None => (vec![], vec![]),
    };
    let others = tenants
        .iter()
        .filter(|t| Some(t.id) != id)
        .map(|t| Choice::new(t.id, &t.name, ""))
        .collect();
    let lineage_kinds = LineageKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label_vi(), ""))
        .collect();
    let title = if id.is_some() {
        form.name.clone()
    } else {
        ctx.tr.t("admin.new_tenant").to_owned()
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
        kinds,
        parents,
        calendars,
        hotlines,
        lineage,
        others,
        lineage_kinds,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /admin/tenants/new`
pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let form = TenantForm {
        kind: "commune".into(),
        valid_from: iso(Some(tongdai_domain::time::to_vietnam(state.now()).date())),
        ..Default::default()
    };
    form_page(&state, &ctx, &headers, None, form, FormErrors::default()).await
}

/// `GET /admin/tenants/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let mut c = state.store.conn().await?;
    let t = org::tenant(&mut c, id).await?;
    let unit_code = match t.admin_unit_id {
        Some(u) => org::unit(&mut c, u).await?.code,
        None => String::new(),
    };
    let form = TenantForm {
        code: t.code,
        name: t.name,
        kind: t.kind.code().into(),
        parent_id: t.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        unit_code,
        calendar_id: t.calendar_id.to_string(),
        valid_from: iso(Some(t.validity.from)),
        valid_to: iso(t.validity.to),
        address: t.address,
        email: t.email,
        website: t.website,
    };
    drop(c);
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

async fn parse(
    state: &AppState,
    f: &TenantForm,
    errors: &mut FormErrors,
) -> Result<Option<TenantInput>, AppError> {
    let code = forms::text(errors, "code", &f.code, 64).to_lowercase();
    if !code.is_empty() && validate_code(&code).is_err() {
        errors.add(
            "code",
            "Chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        );
    }
    let name = match validate_name(&f.name, 200) {
        Ok(n) => n,
        Err(e) => {
            errors.add("name", e.to_string());
            String::new()
        }
    };
    let kind: Option<TenantKind> = f.kind.parse().ok();
    if kind.is_none() {
        errors.add("kind", "Chọn cấp.");
    }
    let parent_id = forms::opt_id(errors, "parent_id", &f.parent_id);
    let calendar_id = forms::opt_id(errors, "calendar_id", &f.calendar_id);
    if calendar_id.is_none() {
        errors.add("calendar_id", "Chọn lịch làm việc.");
    }
    let from = forms::date(errors, "valid_from", &f.valid_from);
    let to = forms::opt_date(errors, "valid_to", &f.valid_to);
    let validity = from.and_then(|from| match Validity::new(from, to) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.add("valid_to", e.to_string());
            None
        }
    });
    let address = forms::opt_text(errors, "address", &f.address, 300);
    let email = forms::opt_text(errors, "email", &f.email, 200);
    let website = forms::opt_text(errors, "website", &f.website, 200);
    let mut admin_unit_id = None;
    if let (Some(v), false) = (validity, f.unit_code.trim().is_empty()) {
        let mut c = state.store.conn().await?;
        match org::unit_by_code_on(&mut c, f.unit_code.trim(), v.to.unwrap_or(v.from)).await? {
            Some(u) => admin_unit_id = Some(u.id),
            None => errors.add(
                "unit_code",
                "Không có đơn vị hành chính mã này trong thời gian hiệu lực đã nhập.",
            ),
        }
    }
    if !errors.is_empty() {
        return Ok(None);
    }
    let (Some(kind), Some(calendar_id), Some(validity)) = (kind, calendar_id, validity) else {
        return Ok(None);
    };
    Ok(Some(TenantInput {
        code,
        name,
        kind,
        parent_id,
        admin_unit_id,
        calendar_id,
        validity,
        address,
        email,
        website,
    }))
}

/// `POST /admin/tenants`
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<TenantForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let mut errors = FormErrors::default();
    let Some(input) = parse(&state, &f, &mut errors).await? else {
        return form_page(&state, &ctx, &headers, None, f, errors).await;
    };
    let mut tx = state.store.begin().await?;
    let id = match org::create_tenant(&mut tx, &input, state.now()).await {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            errors.add("code", e.to_string());
            return form_page(&state, &ctx, &headers, None, f, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.tenant.create",
        &format!("tenant:{id}"),
        serde_json::json!({ "code": input.code, "name": input.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/tenants/{id}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// `POST /admin/tenants/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<TenantForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let mut errors = FormErrors::default();
    let Some(input) = parse(&state, &f, &mut errors).await? else {
        return form_page(&state, &ctx, &headers, Some(id), f, errors).await;
    };
    let mut tx = state.store.begin().await?;
    let before = org::tenant(&mut tx, id).await?;
    match org::update_tenant(&mut tx, id, &input, state.now()).await {
        Ok(()) => {}
        Err(
            e @ (tongdai_store::StoreError::Conflict(_) | tongdai_store::StoreError::Invalid(_)),
        ) => {
            drop(tx);
            errors.add(
                if matches!(e, tongdai_store::StoreError::Conflict(_)) {
                    "code"
                } else {
                    "parent_id"
                },
                e.to_string(),
            );
            return form_page(&state, &ctx, &headers, Some(id), f, errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.tenant.update",
        &format!("tenant:{id}"),
        serde_json::json!({ "before": { "code": before.code, "name": before.name, "valid_to": before.validity.to }, "after": { "code": input.code, "name": input.name, "valid_to": input.validity.to } }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/tenants/{id}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct HotlineForm {
    number: String,
    #[serde(default)]
    label: String,
    valid_from: String,
}

/// `POST /admin/tenants/{id}/hotlines`
pub async fn add_hotline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HotlineForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let back = format!("/admin/tenants/{id}");
    let number = match tongdai_domain::phone::PhoneNumber::parse(&f.number) {
        Ok(p) => p.national(),
        Err(e) => return Ok(redirect_with(&back, "error", &e.to_string())),
    };
    let mut errors = FormErrors::default();
    let Some(from) = forms::date(&mut errors, "valid_from", &f.valid_from) else {
        return Ok(redirect_with(&back, "error", errors.get("valid_from")));
    };
    let mut tx = state.store.begin().await?;
    org::tenant(&mut tx, id).await?;
    match org::add_hotline(
        &mut tx,
        id,
        &number,
        f.label.trim(),
        Validity { from, to: None },
    )
    .await
    {
        Ok(hid) => {
            crate::auth::audit_change(
                &mut tx,
                &state,
                &ctx,
                "org.hotline.create",
                &format!("hotline:{hid}"),
                serde_json::json!({ "tenant": id, "number": number }),
            )
            .await?;
            tx.commit().await?;
            Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
        }
        Err(e) if e.is_unique_violation() => Ok(redirect_with(&back, "error", &e.to_string())),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EndForm {
    last_day: String,
}

/// `POST /admin/tenants/{id}/hotlines/{hotline}/end`
pub async fn end_hotline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, hid)): Path<(i64, i64)>,
    Form(f): Form<EndForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let back = format!("/admin/tenants/{id}");
    let mut errors = FormErrors::default();
    let Some(day) = forms::date(&mut errors, "last_day", &f.last_day) else {
        return Ok(redirect_with(&back, "error", errors.get("last_day")));
    };
    let mut tx = state.store.begin().await?;
    let hotline = org::hotlines(&mut tx, Some(id))
        .await?
        .into_iter()
        .find(|h| h.id == hid)
        .ok_or(AppError::NotFound)?;
    if day < hotline.validity.from {
        return Ok(redirect_with(
            &back,
            "error",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ));
    }
    org::end_hotline(&mut tx, hid, day).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.hotline.end",
        &format!("hotline:{hid}"),
        serde_json::json!({ "tenant": id, "last_day": day }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
}

#[derive(Debug, Deserialize)]
pub struct LineageForm {
    predecessor_id: i64,
    kind: String,
    effective: String,
    #[serde(default)]
    legal_basis: String,
}

/// `POST /admin/tenants/{id}/lineage`: record that this tenant succeeded another.
pub async fn add_lineage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<LineageForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    let back = format!("/admin/tenants/{id}");
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
    if f.predecessor_id == id {
        return Ok(redirect_with(
            &back,
            "error",
            "Một đơn vị không thể kế thừa chính nó.",
        ));
    }
    let mut tx = state.store.begin().await?;
    org::tenant(&mut tx, f.predecessor_id).await?;
    match org::add_tenant_lineage(
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
        Err(e) if e.is_unique_violation() => {
            return Ok(redirect_with(&back, "error", &e.to_string()));
        }
        Err(e) => return Err(e.into()),
    }
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "org.tenant.lineage",
        &format!("tenant:{id}"),
        serde_json::json!({ "predecessor": f.predecessor_id, "kind": kind.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
}
