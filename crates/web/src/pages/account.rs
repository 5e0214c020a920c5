//! The signed-in user's own account: password change, the second factor (TOTP) and personal
//! API tokens (SEC-1).

use super::{redirect_with, render, render_page};
use crate::auth::{Ctx, Pending};
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongdai_domain::totp::TotpSecret;
use tongdai_store::{accounts, sessions};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    account: accounts::Account,
    roles: Vec<String>,
    tokens: Vec<accounts::ApiToken>,
    totp_required: bool,
    new_token: String,
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    new_token: String,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let mut c = state.store.conn().await?;
    let account = accounts::get(&mut c, user.account.id).await?;
    let tokens = accounts::api_tokens(&mut c, account.id).await?;
    let totp_required = crate::auth::totp_required(&mut c, &user.principal).await?;
    let roles = user
        .principal
        .roles()
        .into_iter()
        .map(|r| r.label_vi().to_owned())
        .collect();
    let page = AccountPage {
        layout: Layout::new(ctx, "account.title", flash::read(headers)),
        account,
        roles,
        tokens,
        totp_required,
        new_token,
    };
    render_page(&page, headers)
}

/// `GET /account`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    account_page(&state, &ctx, &headers, String::new()).await
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    layout: Layout,
    forced: bool,
    errors: Vec<String>,
}

/// `GET /account/password`
pub async fn password_page(ctx: Ctx) -> Result<Response, AppError> {
    let forced = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.pending == Pending::ChangePassword);
    render(&PasswordPage {
        layout: Layout::new(&ctx, "password.title", None),
        forced,
        errors: vec![],
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /account/password`
pub async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let forced = user.pending == Pending::ChangePassword;
    let mut errors: Vec<String> = Vec::new();
    let hash = {
        let mut c = state.store.conn().await?;
        accounts::find_for_login(&mut c, &user.account.username)
            .await?
            .map(|(_, h)| h)
            .unwrap_or_default()
    };
    if !accounts::verify_password(&hash, &f.current) {
        errors.push(ctx.tr.t("password.current_wrong").to_owned());
    }
    if f.new != f.confirm {
        errors.push(ctx.tr.t("password.mismatch").to_owned());
    }
    if f.new == f.current {
        errors.push(ctx.tr.t("password.same").to_owned());
    }
    errors.extend(
        state
            .settings
            .password
            .check(&f.new, &user.account.username)
            .into_iter()
            .map(|p| p.to_string()),
    );
    if !errors.is_empty() {
        let page = PasswordPage {
            layout: Layout::new(&ctx, "password.title", None),
            forced,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    accounts::set_password(&mut tx, user.account.id, &f.new, false, now).await?;
    // Other sessions of the account end; this one stays.
    let current = user.session_hash.clone().unwrap_or_default();
    sqlx_delete_other_sessions(&mut tx, user.account.id, &current).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.password_changed",
        &format!("account:{}", user.account.id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/account",
        "success",
        ctx.tr.t("password.changed"),
    ))
}

async fn sqlx_delete_other_sessions(
    c: &mut tongdai_store::AnyConnection,
    account: i64,
    keep: &str,
) -> Result<(), AppError> {
    // Delete all, then the current session is re-created only if it was there: simpler to
    // delete the others by listing them.
    let n = sessions::delete_for_account_except(c, account, keep).await?;
    tracing::debug!(ended = n, "other sessions ended after a password change");
    Ok(())
}

#[derive(Template)]
#[template(path = "account_totp.html")]
struct TotpEnrolPage {
    layout: Layout,
    required: bool,
    enabled: bool,
    secret: String,
    qr_svg: String,
    uri: String,
    error: String,
}

fn qr_svg(uri: &str) -> String {
    qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// `GET /account/totp`: shows the QR code of a new secret (kept unconfirmed until a code is
/// typed), or the state of an enrolled second factor.
pub async fn totp_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let mut tx = state.store.begin().await?;
    let required = crate::auth::totp_required(&mut tx, &user.principal).await?;
    let account = accounts::get(&mut tx, user.account.id).await?;
    let (secret, uri, svg) = if account.totp_enabled {
        (String::new(), String::new(), String::new())
    } else {
        let secret = match accounts::totp(&mut tx, account.id).await? {
            Some((s, _)) => s,
            None => {
                let mut bytes = vec![0u8; 20];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
                let s =
                    TotpSecret::from_bytes(bytes).map_err(|e| AppError::Internal(e.to_string()))?;
                accounts::set_totp_secret(&mut tx, account.id, Some(&s)).await?;
                s
            }
        };
        let uri = secret.otpauth_uri(&state.settings.totp_issuer, &account.username);
        let svg = qr_svg(&uri);
        (secret.to_base32(), uri, svg)
    };
    tx.commit().await?;
    render(&TotpEnrolPage {
        layout: Layout::new(&ctx, "totp.enrol_title", None),
        required,
        enabled: account.totp_enabled,
        secret,
        qr_svg: svg,
        uri,
        error: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct TotpForm {
    code: String,
}

/// `POST /account/totp`: confirm enrolment with a first code.
pub async fn totp_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TotpForm>,
) -> Result<Response, AppError> {
    let user = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let Some((secret, last)) = accounts::totp(&mut tx, user.account.id).await? else {
        return Err(AppError::BadRequest(ctx.tr.t("totp.no_secret").to_owned()));
    };
    match secret.verify(&f.code, now.timestamp(), last) {
        Some(step) => {
            accounts::enable_totp(&mut tx, user.account.id, step).await?;
            crate::auth::audit_change(
                &mut tx,
                &state,
                &ctx,
                "account.totp_enabled",
                &format!("account:{}", user.account.id),
                serde_json::json!({}),
            )
            .await?;
            tx.commit().await?;
            Ok(redirect_with(
                "/account",
                "success",
                ctx.tr.t("totp.enabled"),
            ))
        }
        None => {
            tx.commit().await?;
            let required = {
                let mut c = state.store.conn().await?;
                crate::auth::totp_required(&mut c, &user.principal).await?
            };
            let uri = secret.otpauth_uri(&state.settings.totp_issuer, &user.account.username);
            let page = TotpEnrolPage {
                layout: Layout::new(&ctx, "totp.enrol_title", None),
                required,
                enabled: false,
                secret: secret.to_base32(),
                qr_svg: qr_svg(&uri),
                uri,
                error: ctx.tr.t("totp.wrong").to_owned(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// `POST /account/totp/disable`: only when no role of the user requires it.
pub async fn totp_disable(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let mut tx = state.store.begin().await?;
    if crate::auth::totp_required(&mut tx, &user.principal).await? {
        return Ok(redirect_with(
            "/account",
            "error",
            ctx.tr.t("totp.cannot_disable"),
        ));
    }
    accounts::set_totp_secret(&mut tx, user.account.id, None).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.totp_disabled",
        &format!("account:{}", user.account.id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/account",
        "success",
        ctx.tr.t("totp.disabled"),
    ))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

/// `POST /account/tokens`: the token is shown once, on the page that answers.
pub async fn token_create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Ok(redirect_with(
            "/account",
            "error",
            ctx.tr.t("tokens.name_required"),
        ));
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (secret, id) =
        accounts::create_api_token(&mut tx, user.account.id, name, None, now).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.token_created",
        &format!("api_token:{id}"),
        serde_json::json!({ "name": name }),
    )
    .await?;
    tx.commit().await?;
    account_page(&state, &ctx, &headers, secret).await
}

/// `POST /account/tokens/{id}/revoke`
pub async fn token_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let mut tx = state.store.begin().await?;
    if !accounts::revoke_api_token(&mut tx, user.account.id, id, state.now()).await? {
        return Err(AppError::NotFound);
    }
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "account.token_revoked",
        &format!("api_token:{id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/account",
        "success",
        ctx.tr.t("tokens.revoked"),
    ))
}
