//! What every handler can reach.

use crate::settings::WebSettings;
use std::sync::Arc;
use tongdai_domain::Instant;
use tongdai_domain::time::Clock;
use tongdai_store::Store;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<WebSettings>,
    pub clock: Arc<dyn Clock>,
    pub login_limiter: Arc<crate::auth::LoginLimiter>,
}

impl AppState {
    /// State over a store with the given settings and clock.
    pub fn new(store: Store, settings: WebSettings, clock: Arc<dyn Clock>) -> Self {
        AppState {
            store,
            settings: Arc::new(settings),
            clock,
            login_limiter: Arc::default(),
        }
    }

    /// The current instant (through the clock, so tests can move time).
    pub fn now(&self) -> Instant {
        self.clock.now()
    }
}
