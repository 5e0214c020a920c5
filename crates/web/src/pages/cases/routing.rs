//! Routing rules (CASE-4): the coordinator (or the administrator) says which agency a case
//! with a field, a kind and an administrative unit should go to; the intake form and the
//! forward form suggest it. Each change is audited.

use crate::auth::{Ctx, audit_change, require_at};
use crate::error::AppError;
use crate::flash;
use crate::forms::{FormErrors, checkbox};
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::access::{Permission, Target};
use tongdai_domain::case::{CaseKind, RoutingRule};
use tongdai_store::{cases, org};

/// A rule as listed.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub id: i64,
    pub tenant: String,
    pub field: String,
    pub kind: String,
    pub unit: String,
    pub agency: String,
    pub priority: i32,
    pub active: bool,
    pub field_id: String,
    pub kind_code: String,
    pub unit_id: String,
    pub agency_id: i64,
    pub tenant_id: i64,
}

#[derive(Template)]
#[template(path = "cases/routing.html")]
struct RoutingPage {
    layout: Layout,
    rules: Vec<RuleView>,
    tenants: Vec<Choice>,
    fields: Vec<Choice>,
    kinds: Vec<Choice>,
    agencies: Vec<Choice>,
    errors: FormErrors,
}

/// The tenants whose rules the user manages.
async fn managed_tenants(state: &AppState, ctx: &Ctx) -> Result<Vec<org::Tenant>, AppError> {
    let p = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let all = org::tenants(&mut c).await?;
    let mut out = Vec::new();
    for t in all {
        let path = org::tenant_path(&mut c, t.id).await?;
        if p.allows(
            Permission::RoutingManage,
            &Target {
                tenant_path: path,
                agency_id: None,
            },
        ) {
            out.push(t);
        }
    }
    Ok(out)
}

async fn routing_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tenants = managed_tenants(state, ctx).await?;
    let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
    let mut c = state.store.conn().await?;
    let rules = cases::routing_rules(&mut c, &ids).await?;
    let agencies = org::agencies(&mut c, Some(&ids)).await?;
    let fields = org::fields(&mut c).await?;
    let mut views = Vec::new();
    for r in &rules {
        let unit = match r.rule.admin_unit_id {
            Some(u) => org::unit(&mut c, u)
                .await
                .map(|u| u.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        views.push(RuleView {
            id: r.id,
            tenant: tenants
                .iter()
                .find(|t| t.id == r.tenant_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            field: r
                .rule
                .field_id
                .and_then(|f| fields.iter().find(|x| x.id == f))
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            kind: r
                .rule
                .kind
                .map(|k| k.label_vi().to_owned())
                .unwrap_or_default(),
            unit,
            agency: agencies
                .iter()
                .find(|a| a.id == r.rule.agency_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            priority: r.rule.priority,
            active: r.active,
            field_id: r.rule.field_id.map(|f| f.to_string()).unwrap_or_default(),
            kind_code: r.rule.kind.map(|k| k.code().to_owned()).unwrap_or_default(),
            unit_id: r
                .rule
                .admin_unit_id
                .map(|u| u.to_string())
                .unwrap_or_default(),
            agency_id: r.rule.agency_id,
            tenant_id: r.tenant_id,
        });
    }
    let any = ctx.tr.t("routing.any");
    let mut field_choices = vec![Choice::new("", any, "")];
    field_choices.extend(
        fields
            .iter()
            .filter(|f| f.active)
            .map(|f| Choice::new(f.id, f.name.clone(), "")),
    );
    let mut kinds = vec![Choice::new("", any, "")];
    kinds.extend(
        CaseKind::ALL
            .iter()
            .filter(|k| k.is_pakn())
            .map(|k| Choice::new(k.code(), k.label_vi(), "")),
    );
    let page = RoutingPage {
        layout: Layout::new(ctx, "routing.title", flash::read(headers)),
        rules: views,
        tenants: tenants
            .iter()
            .map(|t| Choice::new(t.id, t.name.clone(), ""))
            .collect(),
        fields: field_choices,
        kinds,
        agencies: agencies
            .iter()
            .map(|a| Choice::new(a.id, a.name.clone(), ""))
            .collect(),
        errors,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /cases/routing`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    routing_page(
        &state,
        &ctx,
        &headers,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A rule as submitted.
#[derive(Debug, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    field_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    admin_unit_id: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    priority: String,
    active: Option<String>,
}

/// Check a submitted rule: the tenant is one the user manages, the agency belongs to it (or
/// below), the criteria are known.
async fn parse_rule(
    state: &AppState,
    ctx: &Ctx,
    f: &RuleForm,
    errors: &mut FormErrors,
) -> Result<Option<(i64, RoutingRule)>, AppError> {
    let tenants = managed_tenants(state, ctx).await?;
    let tenant = f
        .tenant_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|t| tenants.iter().any(|x| x.id == *t));
    if tenant.is_none() {
        errors.add("tenant_id", "Chọn đơn vị.");
    }
    let opt = |s: &str, field: &str, errors: &mut FormErrors| -> Option<i64> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match s.parse::<i64>() {
            Ok(i) if i > 0 => Some(i),
            _ => {
                errors.add(field, "Giá trị không hợp lệ.");
                None
            }
        }
    };
    let field_id = opt(&f.field_id, "field_id", errors);
    let admin_unit_id = opt(&f.admin_unit_id, "admin_unit_id", errors);
    let kind = if f.kind.trim().is_empty() {
        None
    } else {
        match f.kind.trim().parse::<CaseKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.add("kind", "Loại hồ sơ không hợp lệ.");
                None
            }
        }
    };
    let agency_id = opt(&f.agency_id, "agency_id", errors);
    let priority = match f.priority.trim() {
        "" => 0,
        p => match p.parse::<i32>() {
            Ok(p) if (-1000..=1000).contains(&p) => p,
            _ => {
                errors.add("priority", "Mức ưu tiên là số nguyên từ -1000 đến 1000.");
                0
            }
        },
    };
    let mut c = state.store.conn().await?;
    if let (Some(t), Some(a)) = (tenant, agency_id) {
        let subtree = org::tenant_subtree(&mut c, t).await?;
        match org::agency(&mut c, a).await {
            Ok(x) if subtree.contains(&x.tenant_id) => {}
            _ => errors.add("agency_id", "Cơ quan không thuộc đơn vị đã chọn."),
        }
    } else if agency_id.is_none() && !errors.has("agency_id") {
        errors.add("agency_id", "Chọn cơ quan xử lý.");
    }
    if let Some(u) = admin_unit_id
        && org::unit(&mut c, u).await.is_err()
    {
        errors.add("admin_unit_id", "Không tìm thấy đơn vị hành chính.");
    }
    if !errors.is_empty() {
        return Ok(None);
    }
    match (tenant, agency_id) {
        (Some(t), Some(agency_id)) => Ok(Some((
            t,
            RoutingRule {
                field_id,
                kind,
                admin_unit_id,
                agency_id,
                priority,
            },
        ))),
        _ => Ok(None),
    }
}

/// `POST /cases/routing`: a new rule.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<RuleForm>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    let Some((tenant, rule)) = parse_rule(&state, &ctx, &f, &mut errors).await? else {
        return routing_page(
            &state,
            &ctx,
            &headers,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut tx = state.store.begin().await?;
    let id = cases::save_routing_rule(&mut tx, None, tenant, &rule, true, state.now()).await?;
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "case.routing.create",
        &format!("routing_rule:{id}"),
        serde_json::json!({ "tenant": tenant, "rule": rule }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/cases/routing",
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// `POST /cases/routing/{rule}`: change a rule (or switch it off).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RuleForm>,
) -> Result<Response, AppError> {
    let existing = {
        let tenants = managed_tenants(&state, &ctx).await?;
        let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
        let mut c = state.store.conn().await?;
        // Rules of tenants outside the user's reach do not exist for them.
        let all = cases::routing_rules(&mut c, &ids).await?;
        all.into_iter().find(|r| r.id == id)
    };
    let Some(existing) = existing else {
        return Err(AppError::NotFound);
    };
    let mut tenant_path = Vec::new();
    {
        let mut c = state.store.conn().await?;
        tenant_path.extend(org::tenant_path(&mut c, existing.tenant_id).await?);
    }
    require_at(
        &state,
        &ctx,
        Permission::RoutingManage,
        &Target {
            tenant_path,
            agency_id: None,
        },
        &format!("routing_rule:{id}"),
    )
    .await?;
    let mut errors = FormErrors::default();
    let Some((tenant, rule)) = parse_rule(&state, &ctx, &f, &mut errors).await? else {
        return routing_page(
            &state,
            &ctx,
            &headers,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if tenant != existing.tenant_id {
        return Err(AppError::BadRequest(
            "Không chuyển quy tắc sang đơn vị khác; hãy tạo quy tắc mới.".into(),
        ));
    }
    let active = checkbox(&f.active);
    let mut tx = state.store.begin().await?;
    cases::save_routing_rule(&mut tx, Some(id), tenant, &rule, active, state.now()).await?;
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "case.routing.update",
        &format!("routing_rule:{id}"),
        serde_json::json!({ "rule": rule, "active": active }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/cases/routing",
        "success",
        ctx.tr.t("common.saved"),
    ))
}
