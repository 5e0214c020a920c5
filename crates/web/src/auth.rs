//! Who is asking (SEC-1, SEC-2): sessions from the HttpOnly cookie, API tokens from the
//! `Authorization` header, the second factor, and the access checks with their audit trail.

use crate::error::AppError;
use crate::i18n::{Locale, Tr};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant as MonoInstant;
use tongdai_domain::access::{Permission, Principal, Role, Target};
use tongdai_domain::audit::NewAuditEntry;
use tongdai_store::{accounts, audit, sessions};

/// The session cookie.
pub const SESSION_COOKIE: &str = "tongdai_session";
/// The pre-session CSRF cookie (login form).
pub const CSRF_COOKIE: &str = "tongdai_csrf";
/// The locale cookie.
pub const LANG_COOKIE: &str = "tongdai_lang";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// How the request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    ApiToken,
}

/// What still stands between a signed-in user and the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Fully signed in.
    None,
    /// The password was right; the TOTP code is still to be typed.
    SecondFactor,
    /// The administrator requires a second factor for one of the user's roles and the user has
    /// none yet.
    EnrolTotp,
    /// The password must be changed (set by an administrator).
    ChangePassword,
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: accounts::Account,
    pub principal: Principal,
    pub via: Via,
    /// The session's hash (sessions only).
    pub session_hash: Option<String>,
    pub csrf_token: String,
    pub pending: Pending,
}

/// Request context every page needs: the user if any, the locale, the client address.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<CurrentUser>,
    pub tr: Tr,
    pub ip: String,
    pub path: String,
    /// The path with its query string (where a language switch returns to).
    pub uri: String,
    /// The CSRF token forms must carry (the session's, or the pre-session cookie's).
    pub csrf: String,
    /// A new pre-session CSRF cookie to set on the response, if one was created.
    pub new_csrf_cookie: Option<String>,
}

impl Ctx {
    /// The fully signed-in user, or a refusal.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        match &self.user {
            Some(u) if u.pending == Pending::None => Ok(u),
            _ => Err(AppError::Forbidden),
        }
    }
}

fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, behind_proxy: bool) -> String {
    if behind_proxy
        && let Some(f) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = f.split(',').next()
    {
        return first.trim().to_owned();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

/// Resolve the session or API token of a request. Runs for every route except static files.
pub async fn load_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&headers, peer, state.settings.behind_proxy);
    let locale = cookie(&headers, LANG_COOKIE)
        .map(|l| Locale::parse(&l))
        .unwrap_or_default();
    let user = match resolve_user(&state, &headers).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let (csrf, new_cookie) = match &user {
        Some(u) => (u.csrf_token.clone(), None),
        None => match cookie(&headers, CSRF_COOKIE).filter(|c| c.len() >= 32) {
            Some(c) => (c, None),
            None => {
                let t = sessions::random_token();
                (t.clone(), Some(t))
            }
        },
    };
    let ctx = Ctx {
        user,
        tr: Tr { locale },
        ip,
        path: req.uri().path().to_owned(),
        uri: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned()),
        csrf,
        new_csrf_cookie: new_cookie.clone(),
    };
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    if let Some(token) = new_cookie {
        let secure = if state.settings.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        if let Ok(v) =
            format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}").parse()
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

async fn resolve_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<CurrentUser>, AppError> {
    let now = state.now();
    let mut c = state.store.conn().await?;
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let Some(token) = auth.strip_prefix("Bearer ") else {
            return Ok(None);
        };
        let Some(account_id) = accounts::account_for_token(&mut c, token.trim(), now).await? else {
            return Ok(None);
        };
        let account = accounts::get(&mut c, account_id).await?;
        if !account.active {
            return Ok(None);
        }
        let principal = accounts::principal(&mut c, &account).await?;
        return Ok(Some(CurrentUser {
            account,
            principal,
            via: Via::ApiToken,
            session_hash: None,
            csrf_token: String::new(),
            pending: Pending::None,
        }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) =
        sessions::touch(&mut c, &token, state.settings.session_policy(), now).await?
    else {
        return Ok(None);
    };
    let account = accounts::get(&mut c, session.account_id).await?;
    if !account.active {
        sessions::delete(&mut c, &session.id_hash).await?;
        return Ok(None);
    }
    let principal = accounts::principal(&mut c, &account).await?;
    let pending = if session.mfa_pending {
        Pending::SecondFactor
    } else if account.must_change_password {
        Pending::ChangePassword
    } else if !account.totp_enabled && totp_required(&mut c, &principal).await? {
        Pending::EnrolTotp
    } else {
        Pending::None
    };
    Ok(Some(CurrentUser {
        account,
        principal,
        via: Via::Session,
        session_hash: Some(session.id_hash),
        csrf_token: session.csrf_token,
        pending,
    }))
}

/// Whether the administrator requires a second factor for one of the principal's roles.
pub async fn totp_required(
    c: &mut tongdai_store::AnyConnection,
    p: &Principal,
) -> Result<bool, AppError> {
    let required: Vec<Role> = accounts::roles_requiring_totp(c).await?;
    Ok(p.roles().iter().any(|r| required.contains(r)))
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("request context missing".into()))
    }
}

/// Who may use a route. The router applies it before the handler runs (see `routes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A user between password and second factor.
    SecondFactor,
    /// Any signed-in user, even one who must first change the password or enrol a second
    /// factor (the pages that do just that, and logout).
    Setup,
    /// Any fully signed-in user.
    Authenticated,
    /// A fully signed-in user holding the permission somewhere; handlers check the scope of
    /// the resource itself with [`require_at`].
    Perm(Permission),
}

/// Enforce a route's access rule.
pub async fn enforce(state: AppState, access: Access, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return AppError::Internal("request context missing".into()).into_response();
    };
    let api = ctx.path.starts_with("/api/");
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let is_get = req.method() == Method::GET;
    let to_login = || -> Response {
        if api {
            crate::error::ApiError::Unauthorized.into_response()
        } else if is_get {
            Redirect::to(&format!("/login?next={}", urlencode(&path_and_query))).into_response()
        } else {
            (StatusCode::UNAUTHORIZED, Redirect::to("/login")).into_response()
        }
    };
    match access {
        Access::Public => next.run(req).await,
        Access::SecondFactor => match &ctx.user {
            Some(u) if u.pending == Pending::SecondFactor => next.run(req).await,
            Some(_) => Redirect::to("/").into_response(),
            None => to_login(),
        },
        Access::Setup => match &ctx.user {
            Some(u) if u.pending != Pending::SecondFactor => next.run(req).await,
            Some(_) => Redirect::to("/login/totp").into_response(),
            None => to_login(),
        },
        Access::Authenticated | Access::Perm(_) => {
            let Some(user) = &ctx.user else {
                return to_login();
            };
            match user.pending {
                Pending::None => {}
                Pending::SecondFactor => return Redirect::to("/login/totp").into_response(),
                Pending::ChangePassword => {
                    return Redirect::to("/account/password").into_response();
                }
                Pending::EnrolTotp => return Redirect::to("/account/totp").into_response(),
            }
            if let Access::Perm(p) = access
                && !user.principal.has(p)
            {
                refuse(&state, &ctx, &format!("{p:?}"), "").await;
                return if api {
                    crate::error::ApiError::App(AppError::Forbidden).into_response()
                } else {
                    AppError::Forbidden.into_response()
                };
            }
            next.run(req).await
        }
    }
}

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Record a refusal in the audit log (SEC-3: refusals are audited).
pub async fn refuse(state: &AppState, ctx: &Ctx, permission: &str, target: &str) {
    let (id, name) = ctx.user.as_ref().map_or((None, String::new()), |u| {
        (Some(u.account.id), u.account.username.clone())
    });
    let entry = NewAuditEntry {
        at_us: tongdai_store::micros(state.now()),
        actor_id: id,
        actor_name: name,
        action: "access.denied".into(),
        target: target.to_owned(),
        detail: audit::detail(serde_json::json!({ "path": ctx.path, "permission": permission })),
        ip: ctx.ip.clone(),
    };
    if let Err(e) = audit::record(&state.store, entry).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
}

/// Check that the user may do `p` on a resource at `target`; refusals are audited.
pub async fn require_at(
    state: &AppState,
    ctx: &Ctx,
    p: Permission,
    target: &Target,
    what: &str,
) -> Result<(), AppError> {
    let user = ctx.user()?;
    if user.principal.allows(p, target) {
        Ok(())
    } else {
        refuse(state, ctx, &format!("{p:?}"), what).await;
        Err(AppError::Forbidden)
    }
}

/// Check a permission on global resources (accounts, settings).
pub async fn require_global(state: &AppState, ctx: &Ctx, p: Permission) -> Result<(), AppError> {
    require_at(state, ctx, p, &Target::global(), "").await
}

/// Write an audit entry for a change made by the current user, in the caller's transaction.
pub async fn audit_change(
    c: &mut tongdai_store::AnyConnection,
    state: &AppState,
    ctx: &Ctx,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let (id, name) = ctx.user.as_ref().map_or((None, String::new()), |u| {
        (Some(u.account.id), u.account.username.clone())
    });
    audit::append(
        c,
        NewAuditEntry {
            at_us: tongdai_store::micros(state.now()),
            actor_id: id,
            actor_name: name,
            action: action.into(),
            target: target.into(),
            detail: audit::detail(detail),
            ip: ctx.ip.clone(),
        },
    )
    .await?;
    Ok(())
}

/// A simple per-address limiter for login attempts (independent of per-account lock-out):
/// at most `MAX` attempts per address in a sliding `WINDOW`. It also serialises the attempts
/// on one account (see [`LoginLimiter::account_turn`]).
#[derive(Debug)]
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, Vec<MonoInstant>>>,
    /// Striped locks, one per username hash: bounded memory whatever names are tried.
    turns: Vec<tokio::sync::Mutex<()>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            attempts: Mutex::default(),
            turns: (0..Self::STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }
}

impl LoginLimiter {
    const MAX: usize = 30;
    const WINDOW: std::time::Duration = std::time::Duration::from_secs(300);
    const STRIPES: usize = 64;

    /// Wait for this account's turn: attempts on one account (password or second factor) run
    /// one at a time, each reading the failure count left by the previous one, so a burst of
    /// parallel guesses cannot all see the same count and escape the lock-out (SEC-1).
    pub async fn account_turn(&self, username: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        username.hash(&mut h);
        let i = (h.finish() % Self::STRIPES as u64) as usize;
        self.turns[i].lock().await
    }

    /// Count an attempt; false when the address is over the limit.
    pub fn allow(&self, ip: &str) -> bool {
        let now = MonoInstant::now();
        let Ok(mut map) = self.attempts.lock() else {
            return true;
        };
        if map.len() > 10_000 {
            map.retain(|_, v| {
                v.last()
                    .is_some_and(|t| now.duration_since(*t) < Self::WINDOW)
            });
        }
        let v = map.entry(ip.to_owned()).or_default();
        v.retain(|t| now.duration_since(*t) < Self::WINDOW);
        if v.len() >= Self::MAX {
            return false;
        }
        v.push(now);
        true
    }
}
