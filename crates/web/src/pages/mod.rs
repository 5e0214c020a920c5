//! Page and API handlers, one module per area.

pub mod account;
pub mod admin;
pub mod agency;
pub mod api;
pub mod audit;
pub mod cases;
pub mod console;
pub mod health;
pub mod home;
pub mod kb;
pub mod login;
pub mod notifications;
pub mod public;
pub mod public_kb;
pub mod roster;
pub mod telephony;
pub mod wallboard;

use crate::error::AppError;
use crate::flash;
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// Render a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Render a page and clear the flash cookie if the page showed one.
pub fn render_page<T: Template>(t: &T, headers: &HeaderMap) -> Result<Response, AppError> {
    let mut resp = render(t)?;
    if flash::read(headers).is_some()
        && let Ok(v) = HeaderValue::from_str(&flash::clear_cookie())
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Redirect after a successful POST, with a message for the next page.
pub fn redirect_with(to: &str, kind: &str, message: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&flash::set_cookie(kind, message)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A local path to return to after login or a language switch (never another site).
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://");
    if ok { next.to_owned() } else { "/".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/admin?x=1"), "/admin?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }
}
