//! Security settings (SEC-1): which roles must use a second factor. The password and lock-out
//! policies come from the configuration and are shown here for reference.

use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use tongdai_domain::access::{Permission, Role};
use tongdai_store::accounts;

/// A role and whether it requires TOTP.
#[derive(Debug, Clone)]
pub struct RoleRow {
    pub code: String,
    pub label: String,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct Page {
    layout: Layout,
    roles: Vec<RoleRow>,
    policies: Vec<String>,
}

/// `GET /admin/security`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::SecurityManage).await?;
    let required = {
        let mut c = state.store.conn().await?;
        accounts::roles_requiring_totp(&mut c).await?
    };
    let roles = Role::ALL
        .iter()
        .map(|r| RoleRow {
            code: r.code().into(),
            label: r.label_vi().into(),
            required: required.contains(r),
        })
        .collect();
    let s = &state.settings;
    let page = Page {
        layout: Layout::new(&ctx, "admin.security", flash::read(&headers)),
        roles,
        policies: vec![
            ctx.tr.f(
                "security.min_length",
                &[("n", &s.password.min_length.to_string())],
            ),
            ctx.tr.f(
                "security.lockout",
                &[
                    ("n", &s.lockout.max_failures.to_string()),
                    ("m", &s.lockout.lock_minutes.to_string()),
                ],
            ),
            ctx.tr.f(
                "security.idle",
                &[("m", &s.session_idle_minutes.to_string())],
            ),
        ],
    };
    render_page(&page, &headers)
}

/// `POST /admin/security`: the body lists `totp=<role>` for each role that requires it.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::SecurityManage).await?;
    let pairs = crate::pages::admin::agencies::serde_urlencoded_pairs(&body);
    let wanted: Vec<Role> = pairs
        .iter()
        .filter(|(k, _)| k == "totp")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let before = accounts::roles_requiring_totp(&mut tx).await?;
    for r in Role::ALL {
        accounts::set_role_requires_totp(&mut tx, r, wanted.contains(&r), now).await?;
    }
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "security.totp_roles",
        "",
        serde_json::json!({ "before": before.iter().map(|r| r.code()).collect::<Vec<_>>(), "after": wanted.iter().map(|r| r.code()).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/admin/security",
        "success",
        ctx.tr.t("common.saved"),
    ))
}
