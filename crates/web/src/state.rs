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
    /// The knowledge base and its search index (built on first use; `serve` builds it at
    /// start).
    pub kb: Arc<tongdai_kb::KbService>,
    /// The case service (intake, decisions, the live notification signal). `serve` passes the
    /// one its job runner uses ([`AppState::with_cases`]), so both wake the same streams.
    pub cases: tongdai_cases::CaseService,
    /// Lookups by case code and phone, per client address (CASE-9).
    pub lookups: Arc<crate::pages::public::limit::RateLimiter>,
    /// Telephony data and engine (`None` until `serve` sets it: [`AppState::with_telephony`]).
    pub telephony: Option<Arc<crate::pages::telephony::Telephony>>,
}

impl AppState {
    /// State over a store with the given settings and clock.
    pub fn new(store: Store, settings: WebSettings, clock: Arc<dyn Clock>) -> Self {
        AppState {
            kb: Arc::new(tongdai_kb::KbService::new(store.clone(), clock.clone())),
            cases: tongdai_cases::CaseService::new(
                store.clone(),
                clock.clone(),
                tongdai_store::files::FileStore::new(&settings.files_dir),
                tongdai_cases::CaseSettings::default(),
            ),
            lookups: Arc::default(),
            telephony: None,
            store,
            settings: Arc::new(settings),
            clock,
            login_limiter: Arc::default(),
        }
    }

    /// The same state with this case service (the one the job runner uses).
    pub fn with_cases(mut self, cases: tongdai_cases::CaseService) -> Self {
        self.cases = cases;
        self
    }

    /// The same state with telephony (its engine is set when it has started).
    pub fn with_telephony(mut self, t: Arc<crate::pages::telephony::Telephony>) -> Self {
        self.telephony = Some(t);
        self
    }

    /// The current instant (through the clock, so tests can move time).
    pub fn now(&self) -> Instant {
        self.clock.now()
    }
}
