//! Fields (lĩnh vực) and case categories (ADM-5), edited in place.

use super::Choice;
use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::forms::{self, FormErrors, checkbox};
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
use tongdai_domain::org::validate_code;
use tongdai_store::org;

/// Case kinds a category can belong to (CASE-2; the case module owns their meaning).
pub const CASE_KINDS: &[(&str, &str)] = &[
    ("", "Mọi loại"),
    ("hoi_dap_tthc", "Hỏi đáp, hướng dẫn TTHC"),
    ("phan_anh", "Phản ánh"),
    ("kien_nghi", "Kiến nghị, góp ý"),
    ("yeu_cau_dich_vu", "Yêu cầu dịch vụ"),
];

/// A category as listed.
#[derive(Debug, Clone)]
pub struct CategoryView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub field: String,
    pub kinds: Vec<Choice>,
    pub fields: Vec<Choice>,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin/fields.html")]
struct Page {
    layout: Layout,
    fields: Vec<org::Field>,
    categories: Vec<CategoryView>,
    new_kinds: Vec<Choice>,
    new_fields: Vec<Choice>,
    errors: FormErrors,
}

async fn page_with(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let mut c = state.store.conn().await?;
    let fields = org::fields(&mut c).await?;
    let field_choices = |current: &str| {
        let mut v = vec![Choice::new("", ctx.tr.t("common.none"), current)];
        v.extend(fields.iter().map(|f| Choice::new(f.id, &f.name, current)));
        v
    };
    let kind_choices = |current: &str| {
        CASE_KINDS
            .iter()
            .map(|(k, l)| Choice::new(k, *l, current))
            .collect::<Vec<_>>()
    };
    let categories = org::categories(&mut c)
        .await?
        .into_iter()
        .map(|cat| {
            let fid = cat.field_id.map(|f| f.to_string()).unwrap_or_default();
            CategoryView {
                id: cat.id,
                field: fields
                    .iter()
                    .find(|f| Some(f.id) == cat.field_id)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                kinds: kind_choices(&cat.case_kind),
                fields: field_choices(&fid),
                code: cat.code,
                name: cat.name,
                active: cat.active,
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = Page {
        layout: Layout::new(ctx, "admin.fields", flash::read(headers)),
        new_kinds: kind_choices(""),
        new_fields: field_choices(""),
        fields,
        categories,
        errors,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /admin/fields`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::OrgManage).await?;
    page_with(&state, &ctx, &headers, FormErrors::default()).await
}

#[derive(Debug, Deserialize)]
pub struct FieldForm {
    code: String,
    name: String,
    #[serde(default)]
    description: String,
    active: Option<String>,
}

async fn save_field(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    f: FieldForm,
) -> Result<Response, AppError> {
    require_global(state, ctx, Permission::OrgManage).await?;
    let mut errors = FormErrors::default();
    let code = forms::text(&mut errors, "field_code", &f.code, 64).to_lowercase();
    if !code.is_empty() && validate_code(&code).is_err() {
        errors.add(
            "field_code",
            "Chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        );
    }
    let name = forms::text(&mut errors, "field_name", &f.name, 200);
    let description = forms::opt_text(&mut errors, "field_description", &f.description, 1000);
    if !errors.is_empty() {
        return page_with(state, ctx, headers, errors).await;
    }
    let active = id.is_none() || checkbox(&f.active);
    let mut tx = state.store.begin().await?;
    match org::save_field(&mut tx, id, &code, &name, &description, active, state.now()).await {
        Ok(saved) => {
            crate::auth::audit_change(
                &mut tx,
                state,
                ctx,
                if id.is_some() {
                    "org.field.update"
                } else {
                    "org.field.create"
                },
                &format!("field:{saved}"),
                serde_json::json!({ "code": code, "name": name, "active": active }),
            )
            .await?;
            tx.commit().await?;
            Ok(redirect_with(
                "/admin/fields",
                "success",
                ctx.tr.t("common.saved"),
            ))
        }
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            errors.add("field_code", e.to_string());
            page_with(state, ctx, headers, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/fields`
pub async fn create_field(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<FieldForm>,
) -> Result<Response, AppError> {
    save_field(&state, &ctx, &headers, None, f).await
}

/// `POST /admin/fields/{id}`
pub async fn update_field(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<FieldForm>,
) -> Result<Response, AppError> {
    save_field(&state, &ctx, &headers, Some(id), f).await
}

#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    code: String,
    name: String,
    #[serde(default)]
    field_id: String,
    #[serde(default)]
    case_kind: String,
    active: Option<String>,
}

async fn save_category(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    f: CategoryForm,
) -> Result<Response, AppError> {
    require_global(state, ctx, Permission::OrgManage).await?;
    let mut errors = FormErrors::default();
    let code = forms::text(&mut errors, "cat_code", &f.code, 64).to_lowercase();
    if !code.is_empty() && validate_code(&code).is_err() {
        errors.add(
            "cat_code",
            "Chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        );
    }
    let name = forms::text(&mut errors, "cat_name", &f.name, 200);
    let field_id = forms::opt_id(&mut errors, "cat_field", &f.field_id);
    if !CASE_KINDS.iter().any(|(k, _)| *k == f.case_kind) {
        errors.add("cat_kind", "Loại không hợp lệ.");
    }
    if !errors.is_empty() {
        return page_with(state, ctx, headers, errors).await;
    }
    let active = id.is_none() || checkbox(&f.active);
    let mut tx = state.store.begin().await?;
    match org::save_category(
        &mut tx,
        id,
        &code,
        &name,
        field_id,
        &f.case_kind,
        active,
        state.now(),
    )
    .await
    {
        Ok(saved) => {
            crate::auth::audit_change(
                &mut tx,
                state,
                ctx,
                if id.is_some() {
                    "org.category.update"
                } else {
                    "org.category.create"
                },
                &format!("category:{saved}"),
                serde_json::json!({ "code": code, "name": name, "active": active }),
            )
            .await?;
            tx.commit().await?;
            Ok(redirect_with(
                "/admin/fields",
                "success",
                ctx.tr.t("common.saved"),
            ))
        }
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            errors.add("cat_code", e.to_string());
            page_with(state, ctx, headers, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/categories`
pub async fn create_category(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<CategoryForm>,
) -> Result<Response, AppError> {
    save_category(&state, &ctx, &headers, None, f).await
}

/// `POST /admin/categories/{id}`
pub async fn update_category(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CategoryForm>,
) -> Result<Response, AppError> {
    save_category(&state, &ctx, &headers, Some(id), f).await
}
