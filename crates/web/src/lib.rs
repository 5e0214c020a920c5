//! The web server of tongdai: server-rendered pages for staff and citizens (askama templates,
//! htmx for partial updates), the JSON API and the health check.
//!
//! Architecture Invariant: every route is declared once in [`routes`], with the permission it
//! needs; the router is built from that table and the access test walks the same table, so a
//! route cannot exist without an access rule.

pub mod assets;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod flash;
pub mod forms;
pub mod i18n;
pub mod layout;
pub mod pages;
pub mod routes;
pub mod settings;
pub mod state;

pub use routes::router;
pub use settings::WebSettings;
pub use state::AppState;

use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serve until `shutdown` resolves; returns the bound address through `on_ready`.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
