//! CSRF protection on every state-changing request (SEC-5), in one place so that no handler
//! can forget it.
//!
//! A POST, PUT, PATCH or DELETE made with cookies must carry the token of its session (or,
//! before login, of the pre-session cookie) in the `X-CSRF-Token` header (htmx sends it), in
//! a `_csrf` form field, or in the `_csrf` query parameter (multipart uploads). Requests
//! authenticated by an API token carry no ambient credential and are exempt, as is the public
//! citizen API, which never uses cookies. Cross-site requests (Fetch Metadata) are refused
//! outright.

use crate::auth::{Ctx, Via};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle_eq::eq;

mod subtle_eq {
    /// Constant-time comparison of two tokens.
    pub fn eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Paths that take no cookies and so cannot be forged across sites: the public API, and the
/// embeddable citizen form that the local portal frames (ADM-6), whose handler ignores any
/// session and acts as the citizen (rate-limited like the public API).
pub fn exempt(path: &str) -> bool {
    path.starts_with("/api/v1/public/") || path.starts_with("/nhung/")
}

fn field_from_urlencoded(body: &[u8]) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let s = std::str::from_utf8(pair).ok()?;
        let (k, v) = s.split_once('=')?;
        (k == "_csrf").then(|| v.replace('+', " "))
    })
}

fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("_csrf=").map(str::to_owned))
}

/// The middleware.
pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || exempt(req.uri().path())
    {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return AppError::Internal("request context missing".into()).into_response();
    };
    if ctx.user.as_ref().is_some_and(|u| u.via == Via::ApiToken) {
        return next.run(req).await;
    }
    if req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        == Some("cross-site")
    {
        crate::auth::refuse(&state, &ctx, "csrf", "cross-site").await;
        return AppError::Forbidden.into_response();
    }
    let expected = ctx.csrf.clone();
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query = query_token(req.uri().query());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let (req, submitted) = match (header_token.or(query), is_form) {
        (Some(t), _) => (req, Some(t)),
        (None, true) => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, state.settings.max_body_bytes).await else {
                return AppError::BadRequest("Nội dung gửi lên quá lớn.".into()).into_response();
            };
            let token = field_from_urlencoded(&bytes);
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
        (None, false) => (req, None),
    };
    match submitted {
        Some(t) if !expected.is_empty() && eq(&t, &expected) => next.run(req).await,
        _ => {
            crate::auth::refuse(&state, &ctx, "csrf", "missing or wrong token").await;
            AppError::Csrf.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_in_forms_and_queries() {
        assert_eq!(
            field_from_urlencoded(b"a=1&_csrf=abc&b=2"),
            Some("abc".into())
        );
        assert_eq!(field_from_urlencoded(b"a=1"), None);
        assert_eq!(query_token(Some("x=1&_csrf=tok")), Some("tok".into()));
        assert!(eq("abc", "abc"));
        assert!(!eq("abc", "abd"));
        assert!(!eq("abc", "ab"));
    }
}
