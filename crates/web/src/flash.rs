//! One-shot messages shown after a redirect ("Đã lưu."), carried in a short-lived cookie.

use axum::http::HeaderMap;

/// Cookie name.
pub const COOKIE: &str = "tongdai_flash";

/// A message for the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

/// The `Set-Cookie` value that carries a flash message to the next page.
pub fn set_cookie(kind: &str, text: &str) -> String {
    let kind = if kind == "error" { "e" } else { "s" };
    let payload = data_encoding::BASE64URL_NOPAD.encode(format!("{kind}{text}").as_bytes());
    format!("{COOKIE}={payload}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax")
}

/// The cookie that removes the flash message once shown.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// The flash message of a request, if any.
pub fn read(headers: &HeaderMap) -> Option<Flash> {
    let raw = crate::auth::cookie(headers, COOKIE)?;
    let bytes = data_encoding::BASE64URL_NOPAD.decode(raw.as_bytes()).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    let mut chars = s.chars();
    let kind = match chars.next()? {
        'e' => "error",
        _ => "success",
    };
    let text: String = chars.take(500).collect();
    (!text.is_empty()).then_some(Flash { kind, text })
}
