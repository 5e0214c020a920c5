//! Accounts and their roles (ADM-2, SEC-1): create, edit, reset a password (the user must
//! change it at next login), lift a lock-out, grant and withdraw roles. The last global
//! administrator cannot be removed or deactivated.

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
use tongdai_domain::access::{Grant, Permission, Role};
use tongdai_store::{accounts, org, sessions};

/// An account row.
#[derive(Debug, Clone)]
pub struct AccountRowView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub roles: String,
    pub active: bool,
    pub locked: bool,
    pub totp: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AccountRowView>,
}

async fn grant_labels(
    c: &mut tongdai_store::AnyConnection,
    grants: &[Grant],
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for g in grants {
        let place = match (g.agency_id, g.tenant_id) {
            (Some(a), _) => org::agency(c, a).await.map(|a| a.name).unwrap_or_default(),
            (None, Some(t)) => org::tenant(c, t).await.map(|t| t.name).unwrap_or_default(),
            (None, None) => "toàn hệ thống".into(),
        };
        out.push(format!("{} — {place}", g.role.label_vi()));
    }
    Ok(out)
}

/// `GET /admin/accounts`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let now = state.now();
    let mut c = state.store.conn().await?;
    let mut rows = Vec::new();
    for a in accounts::list(&mut c).await? {
        let grants = accounts::grants(&mut c, a.id).await?;
        let roles = grant_labels(&mut c, &grants).await?.join("; ");
        rows.push(AccountRowView {
            id: a.id,
            username: a.username,
            name: a.display_name,
            roles,
            active: a.active,
            locked: a.locked_until.is_some_and(|u| u > now),
            totp: a.totp_enabled,
            last_login: a
                .last_login_at
                .map(|t| ctx.tr.datetime(&t))
                .unwrap_or_default(),
        });
    }
    render_page(
        &ListPage {
            layout: Layout::new(&ctx, "admin.accounts", flash::read(&headers)),
            rows,
        },
        &headers,
    )
}

/// The account form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    tenant_id: String,
    active: Option<String>,
    #[serde(default)]
    password: String,
}

/// A grant as shown.
#[derive(Debug, Clone)]
pub struct GrantView {
    pub index: usize,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/account_form.html")]
struct FormPage {
    layout: Layout,
    id: Option<i64>,
    form: AccountForm,
    active: bool,
    locked: bool,
    errors: FormErrors,
    tenants: Vec<Choice>,
    grants: Vec<GrantView>,
    roles: Vec<Choice>,
    grant_tenants: Vec<Choice>,
    agencies: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Option<i64>,
    form: AccountForm,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let mut c = state.store.conn().await?;
    let tenants = org::tenants(&mut c).await?;
    let mut tenant_choices = vec![Choice::new("", ctx.tr.t("common.none"), &form.tenant_id)];
    tenant_choices.extend(
        tenants
            .iter()
            .map(|t| Choice::new(t.id, &t.name, &form.tenant_id)),
    );
    let mut grant_tenants = vec![Choice::new("", ctx.tr.t("accounts.all_tenants"), "")];
    grant_tenants.extend(tenants.iter().map(|t| Choice::new(t.id, &t.name, "")));
    let mut agencies = vec![Choice::new("", ctx.tr.t("common.none"), "")];
    for a in org::agencies(&mut c, None).await? {
        let t = tenants
            .iter()
            .find(|t| t.id == a.tenant_id)
            .map(|t| t.name.as_str())
            .unwrap_or("");
        agencies.push(Choice::new(a.id, format!("{} — {t}", a.name), ""));
    }
    let (grants, active, locked) = match id {
        Some(id) => {
            let g = accounts::grants(&mut c, id).await?;
            let labels = grant_labels(&mut c, &g).await?;
            let a = accounts::get(&mut c, id).await?;
            (
                labels
                    .into_iter()
                    .enumerate()
                    .map(|(index, label)| GrantView { index, label })
                    .collect(),
                a.active,
                a.locked_until.is_some_and(|u| u > state.now()),
            )
        }
        None => (vec![], true, false),
    };
    let roles = Role::ALL
        .iter()
        .map(|r| Choice::new(r.code(), r.label_vi(), ""))
        .collect();
    let title = if id.is_some() {
        form.display_name.clone()
    } else {
        ctx.tr.t("accounts.new").to_owned()
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
        active,
        locked,
        errors,
        tenants: tenant_choices,
        grants,
        roles,
        grant_tenants,
        agencies,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /admin/accounts/new`
pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    form_page(
        &state,
        &ctx,
        &headers,
        None,
        AccountForm::default(),
        FormErrors::default(),
    )
    .await
}

/// `GET /admin/accounts/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let a = {
        let mut c = state.store.conn().await?;
        accounts::get(&mut c, id).await?
    };
    let form = AccountForm {
        username: a.username,
        display_name: a.display_name,
        email: a.email,
        phone: a.phone,
        tenant_id: a.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
        active: a.active.then(|| "1".into()),
        password: String::new(),
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

fn phone_field(errors: &mut FormErrors, raw: &str) -> String {
    match raw.trim() {
        "" => String::new(),
        p => tongdai_domain::phone::PhoneNumber::parse(p)
            .map(|p| p.canonical().to_owned())
            .unwrap_or_else(|e| {
                errors.add("phone", e.to_string());
                String::new()
            }),
    }
}

/// `POST /admin/accounts`: the password typed by the administrator is temporary.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let mut errors = FormErrors::default();
    let username = f.username.trim().to_lowercase();
    if let Err(m) = accounts::validate_username(&username) {
        errors.add("username", m);
    }
    let display_name = forms::text(&mut errors, "display_name", &f.display_name, 120);
    let email = forms::opt_text(&mut errors, "email", &f.email, 200);
    let phone = phone_field(&mut errors, &f.phone);
    let tenant_id = forms::opt_id(&mut errors, "tenant_id", &f.tenant_id);
    for p in state.settings.password.check(&f.password, &username) {
        errors.add("password", p.to_string());
    }
    if !errors.is_empty() {
        return form_page(
            &state,
            &ctx,
            &headers,
            None,
            AccountForm {
                password: String::new(),
                ..f
            },
            errors,
        )
        .await;
    }
    let mut tx = state.store.begin().await?;
    let new = accounts::NewAccount {
        username: username.clone(),
        display_name,
        email,
        phone,
        tenant_id,
        password: f.password.clone(),
        must_change_password: true,
    };
    let id = match accounts::create(&mut tx, &new, state.now()).await {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            errors.add("username", e.to_string());
            return form_page(
                &state,
                &ctx,
                &headers,
                None,
                AccountForm {
                    password: String::new(),
                    ..f
                },
                errors,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.create",
        &format!("account:{id}"),
        serde_json::json!({ "username": username }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/accounts/{id}"),
        "success",
        ctx.tr.t("accounts.created"),
    ))
}

async fn global_admin_count(
    c: &mut tongdai_store::AnyConnection,
    except: Option<i64>,
) -> Result<usize, AppError> {
    let mut n = 0;
    for a in accounts::list(c)
        .await?
        .into_iter()
        .filter(|a| a.active && Some(a.id) != except)
    {
        if accounts::grants(c, a.id)
            .await?
            .iter()
            .any(|g| g.role == Role::Admin && g.tenant_id.is_none())
        {
            n += 1;
        }
    }
    Ok(n)
}

/// `POST /admin/accounts/{id}`: profile and active flag.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let mut errors = FormErrors::default();
    let display_name = forms::text(&mut errors, "display_name", &f.display_name, 120);
    let email = forms::opt_text(&mut errors, "email", &f.email, 200);
    let phone = phone_field(&mut errors, &f.phone);
    let tenant_id = forms::opt_id(&mut errors, "tenant_id", &f.tenant_id);
    let active = checkbox(&f.active);
    let mut tx = state.store.begin().await?;
    let before = accounts::get(&mut tx, id).await?;
    if !active && global_admin_count(&mut tx, Some(id)).await? == 0 {
        let is_admin = accounts::grants(&mut tx, id)
            .await?
            .iter()
            .any(|g| g.role == Role::Admin && g.tenant_id.is_none());
        if is_admin {
            errors.add("active", ctx.tr.t("accounts.last_admin"));
        }
    }
    if !errors.is_empty() {
        drop(tx);
        let form = AccountForm {
            username: before.username,
            ..f
        };
        return form_page(&state, &ctx, &headers, Some(id), form, errors).await;
    }
    let profile = accounts::Profile {
        display_name: display_name.clone(),
        email,
        phone,
        tenant_id,
        active,
    };
    accounts::update_profile(&mut tx, id, &profile, state.now()).await?;
    if !active {
        sessions::delete_for_account(&mut tx, id).await?;
    }
    crate::auth::audit_change(&mut tx, &state, &ctx, "account.update", &format!("account:{id}"), serde_json::json!({ "display_name": display_name, "active": active, "was_active": before.active })).await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/accounts/{id}"),
        "success",
        ctx.tr.t("common.saved"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    password: String,
}

/// `POST /admin/accounts/{id}/password`: a temporary password, to be changed at next login.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let back = format!("/admin/accounts/{id}");
    let mut tx = state.store.begin().await?;
    let a = accounts::get(&mut tx, id).await?;
    let problems = state.settings.password.check(&f.password, &a.username);
    if let Some(p) = problems.first() {
        return Ok(redirect_with(&back, "error", &p.to_string()));
    }
    accounts::set_password(&mut tx, id, &f.password, true, state.now()).await?;
    sessions::delete_for_account(&mut tx, id).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.password_reset",
        &format!("account:{id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &back,
        "success",
        ctx.tr.t("accounts.password_reset"),
    ))
}

/// `POST /admin/accounts/{id}/unlock`
pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let mut tx = state.store.begin().await?;
    accounts::get(&mut tx, id).await?;
    accounts::unlock(&mut tx, id).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.unlock",
        &format!("account:{id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/accounts/{id}"),
        "success",
        ctx.tr.t("accounts.unlocked"),
    ))
}

/// `POST /admin/accounts/{id}/totp/reset`: the user lost their device.
pub async fn reset_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let mut tx = state.store.begin().await?;
    accounts::get(&mut tx, id).await?;
    accounts::set_totp_secret(&mut tx, id, None).await?;
    sessions::delete_for_account(&mut tx, id).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.totp_reset",
        &format!("account:{id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/admin/accounts/{id}"),
        "success",
        ctx.tr.t("accounts.totp_reset"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    role: String,
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    agency_id: String,
}

/// `POST /admin/accounts/{id}/grants`: add a role.
pub async fn add_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let back = format!("/admin/accounts/{id}");
    let Ok(role) = f.role.parse::<Role>() else {
        return Ok(redirect_with(&back, "error", "Vai trò không hợp lệ."));
    };
    let mut tx = state.store.begin().await?;
    let agency_id: Option<i64> = f.agency_id.parse().ok();
    let mut tenant_id: Option<i64> = f.tenant_id.parse().ok();
    if let Some(a) = agency_id {
        // An agency grant belongs to the agency's tenant.
        tenant_id = Some(org::agency(&mut tx, a).await?.tenant_id);
    } else if let Some(t) = tenant_id {
        org::tenant(&mut tx, t).await?;
    }
    let grant = match Grant::new(
        role,
        tenant_id,
        if role.is_agency_bound() {
            agency_id
        } else {
            None
        },
    ) {
        Ok(g) => g,
        Err(e) => {
            return Ok(redirect_with(
                &back,
                "error",
                &match e {
                    tongdai_domain::access::GrantError::AgencyRequired(_) => {
                        ctx.tr.t("accounts.agency_required").to_owned()
                    }
                    other => other.to_string(),
                },
            ));
        }
    };
    let mut grants = accounts::grants(&mut tx, id).await?;
    if !grants.contains(&grant) {
        grants.push(grant.clone());
        accounts::set_grants(&mut tx, id, &grants, state.now()).await?;
        crate::auth::audit_change(&mut tx, &state, &ctx, "account.grant", &format!("account:{id}"), serde_json::json!({ "role": role.code(), "tenant": grant.tenant_id, "agency": grant.agency_id })).await?;
    }
    tx.commit().await?;
    Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    index: usize,
}

/// `POST /admin/accounts/{id}/grants/revoke`: withdraw a role (never the last global admin).
pub async fn revoke_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::AccountsManage).await?;
    let back = format!("/admin/accounts/{id}");
    let mut tx = state.store.begin().await?;
    let mut grants = accounts::grants(&mut tx, id).await?;
    if f.index >= grants.len() {
        return Err(AppError::NotFound);
    }
    let removed = grants.remove(f.index);
    if removed.role == Role::Admin
        && removed.tenant_id.is_none()
        && global_admin_count(&mut tx, Some(id)).await? == 0
    {
        return Ok(redirect_with(
            &back,
            "error",
            ctx.tr.t("accounts.last_admin"),
        ));
    }
    accounts::set_grants(&mut tx, id, &grants, state.now()).await?;
    crate::auth::audit_change(&mut tx, &state, &ctx, "account.revoke", &format!("account:{id}"), serde_json::json!({ "role": removed.role.code(), "tenant": removed.tenant_id, "agency": removed.agency_id })).await?;
    tx.commit().await?;
    Ok(redirect_with(&back, "success", ctx.tr.t("common.saved")))
}
