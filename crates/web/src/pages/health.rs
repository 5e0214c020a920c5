//! `GET /healthz`: ready when the database answers.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// 200 `{"status":"ok",…}` when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let db = match state.store.backend() {
        tongdai_store::Backend::Sqlite => "sqlite",
        tongdai_store::Backend::Postgres => "postgres",
    };
    let ok = sqlx_ping(&state).await;
    let body = serde_json::json!({ "status": if ok { "ok" } else { "unavailable" }, "database": db, "version": env!("CARGO_PKG_VERSION") });
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn sqlx_ping(state: &AppState) -> bool {
    match state.store.conn().await {
        Ok(mut c) => tongdai_store::settings::get::<serde_json::Value>(&mut c, "healthz")
            .await
            .is_ok(),
        Err(_) => false,
    }
}
