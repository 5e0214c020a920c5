//! Helpers for HTML forms: typed parsing of text fields with Vietnamese error messages, and
//! the error list a form page shows next to its fields.

use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

/// NFC on input (KB-3): every field of a urlencoded form reaches the handlers in NFC, whatever
/// the keyboard sent (macOS and some Vietnamese input methods send NFD, where "Nguyễn" is 8
/// code points instead of 6): names, addresses and passwords then compare, search and hash
/// alike however they were typed.
pub async fn nfc_form(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.settings.max_body_bytes).await else {
        return crate::error::AppError::BadRequest("Nội dung gửi lên quá lớn.".into())
            .into_response();
    };
    let normalised = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .filter(|pairs| {
            pairs.iter().any(|(k, v)| {
                !unicode_normalization::is_nfc(k) || !unicode_normalization::is_nfc(v)
            })
        })
        .and_then(|pairs| {
            let nfc: Vec<(String, String)> = pairs
                .into_iter()
                .map(|(k, v)| (k.nfc().collect(), v.nfc().collect()))
                .collect();
            serde_urlencoded::to_string(nfc).ok()
        });
    let body = match normalised {
        Some(s) => Body::from(s),
        None => Body::from(bytes),
    };
    let mut req = Request::from_parts(parts, body);
    req.headers_mut().remove(header::CONTENT_LENGTH);
    next.run(req).await
}

/// Problems found in a submitted form, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    /// Record a problem with a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    /// Whether the form is acceptable.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for a field, or "" (templates show it under the field).
    pub fn get(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, m)| m.as_str())
    }

    /// Whether a field has a problem.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }
}

/// A required, trimmed text field of at most `max` characters.
pub fn text(errors: &mut FormErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "Không được để trống.");
    } else if v.chars().count() > max {
        errors.add(field, format!("Tối đa {max} ký tự."));
    }
    v.to_owned()
}

/// An optional, trimmed text field of at most `max` characters.
pub fn opt_text(errors: &mut FormErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, format!("Tối đa {max} ký tự."));
    }
    v.to_owned()
}

/// An optional id from a select ("" = none).
pub fn opt_id(errors: &mut FormErrors, field: &str, value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.add(field, "Giá trị không hợp lệ.");
            None
        }
    }
}

/// A date in `YYYY-MM-DD` (what `<input type=date>` sends) or `dd/mm/yyyy`.
pub fn date(errors: &mut FormErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "Không được để trống.");
        return None;
    }
    parse_date(v).or_else(|| {
        errors.add(field, "Ngày không hợp lệ (dd/mm/yyyy).");
        None
    })
}

/// An optional date.
pub fn opt_date(errors: &mut FormErrors, field: &str, value: &str) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        None
    } else {
        date(errors, field, value)
    }
}

fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .ok()
}

/// A checkbox: present = true.
pub fn checkbox(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "off")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_with_messages() {
        let mut e = FormErrors::default();
        assert_eq!(
            text(&mut e, "name", "  Phòng Tư pháp ", 100),
            "Phòng Tư pháp"
        );
        assert!(e.is_empty());
        text(&mut e, "code", " ", 10);
        assert_eq!(e.get("code"), "Không được để trống.");
        assert_eq!(
            date(&mut e, "d", "16/02/2026"),
            NaiveDate::from_ymd_opt(2026, 2, 16)
        );
        assert_eq!(date(&mut e, "d2", "2026-02-30"), None);
        assert!(e.has("d2"));
        assert_eq!(opt_id(&mut e, "p", ""), None);
        assert_eq!(opt_id(&mut e, "p2", "x"), None);
        assert!(e.has("p2"));
    }
}
