//! Login with password and, when enrolled, a TOTP code; logout; the language switch (SEC-1).

use super::{render, safe_next};
use crate::auth::{Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongdai_store::{accounts, audit, sessions};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    error: String,
}

#[derive(Template)]
#[template(path = "login_totp.html")]
struct TotpPage {
    layout: Layout,
    error: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`
pub async fn page(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    render(&LoginPage {
        layout: Layout::new(&ctx, "login.title", None),
        next: q.next,
        username: String::new(),
        error: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// A hash verified when the username does not exist, so the answer takes as long either way
/// (no probing for valid usernames by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| accounts::hash_password("không có tài khoản này 0").unwrap_or_default())
}

/// Verify a password off the async workers: argon2 takes tens of milliseconds of CPU, and a
/// burst of logins must not stall every other request.
async fn check_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || accounts::verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let max_age = i64::from(state.settings.session_absolute_hours) * 3600;
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

async fn log(
    state: &AppState,
    ctx: &Ctx,
    actor: Option<i64>,
    name: &str,
    action: &str,
    detail: serde_json::Value,
) {
    let entry = tongdai_domain::audit::NewAuditEntry {
        at_us: tongdai_store::micros(state.now()),
        actor_id: actor,
        actor_name: name.chars().take(64).collect(),
        action: action.into(),
        target: actor.map(|a| format!("account:{a}")).unwrap_or_default(),
        detail: audit::detail(detail),
        ip: ctx.ip.clone(),
    };
    if let Err(e) = audit::record(&state.store, entry).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
}

/// `POST /login`
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = f.username.trim().to_lowercase();
    let fail = |msg: String| -> Result<Response, AppError> {
        let page = LoginPage {
            layout: Layout::new(&ctx, "login.title", None),
            next: f.next.clone(),
            username: username.clone(),
            error: msg,
        };
        Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
    };
    if !state.login_limiter.allow(&ctx.ip) {
        log(
            &state,
            &ctx,
            None,
            &username,
            "auth.rate_limited",
            serde_json::json!({}),
        )
        .await;
        let page = LoginPage {
            layout: Layout::new(&ctx, "login.title", None),
            next: f.next.clone(),
            username: username.clone(),
            error: ctx.tr.t("login.rate_limited").to_owned(),
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response());
    }
    // One attempt at a time per account, each reading the failure count the previous one
    // left (parallel guesses must not escape the lock-out).
    let _turn = state.login_limiter.account_turn(&username).await;
    let now = state.now();
    let found = {
        let mut c = state.store.conn().await?;
        accounts::find_for_login(&mut c, &username).await?
    };
    let wrong = ctx.tr.t("login.wrong").to_owned();
    let Some((account, hash)) = found else {
        let _ = check_password(dummy_hash().to_owned(), f.password.clone()).await;
        log(
            &state,
            &ctx,
            None,
            &username,
            "auth.login_failed",
            serde_json::json!({ "reason": "unknown_user" }),
        )
        .await;
        return fail(wrong);
    };
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        log(
            &state,
            &ctx,
            Some(account.id),
            &username,
            "auth.login_refused",
            serde_json::json!({ "reason": "locked" }),
        )
        .await;
        let t = tongdai_domain::time::to_vietnam(until)
            .format("%H:%M")
            .to_string();
        return fail(ctx.tr.f("login.locked", &[("time", &t)]));
    }
    if !check_password(hash, f.password.clone()).await || !account.active {
        let locked = {
            let mut c = state.store.conn().await?;
            accounts::record_failure(&mut c, &account, &state.settings.lockout, now).await?
        };
        let reason = if account.active {
            "wrong_password"
        } else {
            "inactive"
        };
        log(
            &state,
            &ctx,
            Some(account.id),
            &username,
            "auth.login_failed",
            serde_json::json!({ "reason": reason }),
        )
        .await;
        if let Some(until) = locked {
            log(
                &state,
                &ctx,
                Some(account.id),
                &username,
                "auth.locked",
                serde_json::json!({ "until_us": tongdai_store::micros(until) }),
            )
            .await;
            let t = tongdai_domain::time::to_vietnam(until)
                .format("%H:%M")
                .to_string();
            return fail(ctx.tr.f("login.locked", &[("time", &t)]));
        }
        return fail(wrong);
    }
    let mut tx = state.store.begin().await?;
    // A fresh session on every login (no fixation); the old one, if any, ends.
    if let Some(old) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&mut tx, &sessions::token_hash(&old)).await?;
    }
    // With a second factor the login is not done yet: the failure count (which TOTP guesses
    // add to) is reset only when the code is right.
    if !account.totp_enabled {
        accounts::record_success(&mut tx, account.id, now).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (token, _) = sessions::create(
        &mut tx,
        account.id,
        account.totp_enabled,
        &ctx.ip,
        ua,
        state.settings.session_policy(),
        now,
    )
    .await?;
    // The one who logged in is the actor of the entry (no session existed yet).
    audit::append(
        &mut tx,
        tongdai_domain::audit::NewAuditEntry {
            at_us: tongdai_store::micros(now),
            actor_id: Some(account.id),
            actor_name: username.clone(),
            action: if account.totp_enabled {
                "auth.password_ok"
            } else {
                "auth.login"
            }
            .into(),
            target: format!("account:{}", account.id),
            detail: audit::detail(serde_json::json!({ "username": username })),
            ip: ctx.ip.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    let to = if account.totp_enabled {
        "/login/totp".to_owned()
    } else {
        safe_next(&f.next)
    };
    let mut resp = Redirect::to(&to).into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &token)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `GET /login/totp`
pub async fn totp_page(ctx: Ctx) -> Result<Response, AppError> {
    render(&TotpPage {
        layout: Layout::new(&ctx, "totp.title", None),
        error: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /login/totp`
pub async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let _turn = state
        .login_limiter
        .account_turn(&user.account.username)
        .await;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // Read afresh: other attempts may have counted failures or locked the account since this
    // login's password was checked.
    let account = accounts::get(&mut tx, user.account.id).await?;
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "auth.login_refused",
            &format!("account:{}", account.id),
            serde_json::json!({ "reason": "locked", "second_factor": "totp" }),
        )
        .await?;
        tx.commit().await?;
        let t = tongdai_domain::time::to_vietnam(until)
            .format("%H:%M")
            .to_string();
        let page = TotpPage {
            layout: Layout::new(&ctx, "totp.title", None),
            error: ctx.tr.f("login.locked", &[("time", &t)]),
        };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
    }
    let Some((secret, last)) = accounts::totp(&mut tx, user.account.id).await? else {
        return Err(AppError::Forbidden);
    };
    match secret.verify(&f.code, now.timestamp(), last) {
        Some(step) => {
            accounts::set_totp_step(&mut tx, user.account.id, step).await?;
            if let Some(h) = &user.session_hash {
                sessions::complete_mfa(&mut tx, h).await?;
            }
            accounts::record_success(&mut tx, user.account.id, now).await?;
            crate::auth::audit_change(
                &mut tx,
                &state,
                &ctx,
                "auth.login",
                &format!("account:{}", user.account.id),
                serde_json::json!({ "second_factor": "totp" }),
            )
            .await?;
            tx.commit().await?;
            Ok(Redirect::to("/").into_response())
        }
        None => {
            let locked =
                accounts::record_failure(&mut tx, &account, &state.settings.lockout, now).await?;
            crate::auth::audit_change(
                &mut tx,
                &state,
                &ctx,
                "auth.totp_failed",
                &format!("account:{}", user.account.id),
                serde_json::json!({}),
            )
            .await?;
            if locked.is_some() {
                if let Some(h) = &user.session_hash {
                    sessions::delete(&mut tx, h).await?;
                }
                crate::auth::audit_change(
                    &mut tx,
                    &state,
                    &ctx,
                    "auth.locked",
                    &format!("account:{}", user.account.id),
                    serde_json::json!({}),
                )
                .await?;
                tx.commit().await?;
                return Ok(Redirect::to("/login").into_response());
            }
            tx.commit().await?;
            let page = TotpPage {
                layout: Layout::new(&ctx, "totp.title", None),
                error: ctx.tr.t("totp.wrong").to_owned(),
            };
            Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
        }
    }
}

/// `POST /logout`
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(user) = &ctx.user {
        let mut tx = state.store.begin().await?;
        if let Some(h) = &user.session_hash {
            sessions::delete(&mut tx, h).await?;
        }
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "auth.logout",
            &format!("account:{}", user.account.id),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    l: String,
    #[serde(default)]
    next: String,
}

/// `GET /lang?l=vi|en&next=/path`
pub async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    let locale = crate::i18n::Locale::parse(&q.l);
    let mut resp = Redirect::to(&safe_next(&q.next)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.tag()
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
