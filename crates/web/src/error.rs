//! Errors of page handlers and API handlers, and how they look to the user.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tongdai_store::StoreError;

/// An error of a page handler, rendered as a small bilingual page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn messages(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => (
                "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.",
                "Not found.",
            ),
            AppError::Forbidden => (
                "Bạn không có quyền truy cập nội dung này.",
                "You are not allowed to access this.",
            ),
            AppError::BadRequest(_) => ("Yêu cầu không hợp lệ.", "Bad request."),
            AppError::Conflict(_) => ("Dữ liệu đã thay đổi hoặc bị trùng.", "Conflict."),
            AppError::TooManyRequests => (
                "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau.",
                "Too many requests; try again later.",
            ),
            AppError::Csrf => (
                "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
                "The form expired or is invalid; reload the page and try again.",
            ),
            AppError::Internal(_) => (
                "Hệ thống gặp lỗi. Vui lòng thử lại sau.",
                "Internal error; please try again later.",
            ),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (vi, en) = self.messages();
        let detail = match &self {
            AppError::BadRequest(m) | AppError::Conflict(m) => format!("<p>{}</p>", escape(m)),
            _ => String::new(),
        };
        let body = format!(
            "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{code} — Tổng đài</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body class=\"error-page\"><main class=\"card narrow\"><h1>{code}</h1><p>{vi}</p>{detail}<p class=\"muted\">{en}</p>\
             <p><a href=\"/\">Về trang chủ</a></p></main></body></html>",
            code = status.as_u16()
        );
        (status, Html(body)).into_response()
    }
}

/// An error of an API handler, rendered as JSON `{ "error": code, "message": … }`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    #[error(transparent)]
    App(#[from] AppError),
    /// Field-level validation problems.
    #[error("validation failed")]
    Validation(Vec<(String, String)>),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::App(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match &self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Cần đăng nhập hoặc mã truy cập API.".to_owned(),
                None,
            ),
            ApiError::Validation(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Dữ liệu không hợp lệ.".to_owned(),
                Some(
                    f.iter()
                        .map(|(k, v)| serde_json::json!({"field": k, "message": v}))
                        .collect::<Vec<_>>(),
                ),
            ),
            ApiError::App(e) => {
                if let AppError::Internal(detail) = e {
                    tracing::error!(%detail, "internal error (api)");
                }
                let code = match e {
                    AppError::NotFound => "not_found",
                    AppError::Forbidden => "forbidden",
                    AppError::BadRequest(_) => "bad_request",
                    AppError::Conflict(_) => "conflict",
                    AppError::TooManyRequests => "rate_limited",
                    AppError::Csrf => "csrf",
                    AppError::Internal(_) => "internal",
                };
                let msg = match e {
                    AppError::BadRequest(m) | AppError::Conflict(m) => m.clone(),
                    other => other.messages().0.to_owned(),
                };
                (e.status(), code, msg, None)
            }
        };
        let mut body = serde_json::json!({ "error": code, "message": message });
        if let Some(f) = fields {
            body["fields"] = serde_json::Value::Array(f);
        }
        (status, Json(body)).into_response()
    }
}
