//! Settings of the web server (the `[web]` section of `tongdai.toml`, `TONGDAI_WEB_*`).

use serde::{Deserialize, Serialize};
use tongdai_domain::password::{LockoutPolicy, PasswordPolicy};

/// Web server settings; every field has a sensible default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// The public base URL (`https://tongdai.example.gov.vn`); when it starts with https the
    /// session cookie is marked Secure.
    pub public_url: String,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy in front.
    pub behind_proxy: bool,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: u32,
    /// Hours after which a session ends however active.
    pub session_absolute_hours: u32,
    pub password: PasswordPolicy,
    pub lockout: LockoutPolicy,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// Largest request body accepted, in bytes (uploads have their own limits).
    pub max_body_bytes: usize,
    /// Where uploaded attachments go when the web server builds its own case service
    /// (`tongdai serve` passes its own, under `<data_dir>/files`).
    pub files_dir: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            public_url: String::new(),
            behind_proxy: false,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            password: PasswordPolicy::default(),
            lockout: LockoutPolicy::default(),
            totp_issuer: "Tổng đài tongdai".into(),
            max_body_bytes: 12 * 1024 * 1024,
            files_dir: "data/files".into(),
        }
    }
}

impl WebSettings {
    /// Whether cookies must be marked Secure.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The session policy.
    pub fn session_policy(&self) -> tongdai_store::sessions::SessionPolicy {
        tongdai_store::sessions::SessionPolicy {
            idle: chrono::Duration::minutes(i64::from(self.session_idle_minutes.max(1))),
            absolute: chrono::Duration::hours(i64::from(self.session_absolute_hours.max(1))),
        }
    }
}
