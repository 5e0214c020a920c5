//! E-mail through the agency's or province's SMTP server (CH-3).

use crate::{BoxFuture, Channel, SendError};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tongdai_store::notifications::OutgoingMessage;

/// How to reach the SMTP server (the `[email]` section of `tongdai.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    /// Send e-mail at all.
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// `none` (plain, for a relay on the same host), `starttls`, or `tls` (implicit TLS, 465).
    pub security: String,
    pub username: String,
    /// Never logged.
    pub password: String,
    /// The sender, e.g. `Tổng đài UBND tỉnh <tongdai@angiang.gov.vn>`.
    pub from: String,
    /// Seconds before giving up on a connection.
    pub timeout_seconds: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 25,
            security: "none".into(),
            username: String::new(),
            password: String::new(),
            from: "Tổng đài hỗ trợ TTHC <tongdai@localhost>".into(),
            timeout_seconds: 20,
        }
    }
}

/// The e-mail channel.
#[derive(Clone)]
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("e-mail settings: {0}")]
pub struct EmailConfigError(String);

impl EmailChannel {
    /// Build the channel from settings.
    pub fn new(s: &EmailSettings) -> Result<EmailChannel, EmailConfigError> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| EmailConfigError(format!("from «{}»: {e}", s.from)))?;
        let builder = match s.security.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| EmailConfigError(e.to_string()))?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                .map_err(|e| EmailConfigError(e.to_string()))?,
            other => {
                return Err(EmailConfigError(format!(
                    "security «{other}» (use none, starttls or tls)"
                )));
            }
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(std::time::Duration::from_secs(
                s.timeout_seconds.max(1),
            )));
        if !s.username.is_empty() {
            builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
        }
        Ok(EmailChannel {
            transport: builder.build(),
            from,
        })
    }

    /// Build the message (exposed for tests).
    pub fn message(&self, m: &OutgoingMessage) -> Result<Message, SendError> {
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient «{}»: {e}", m.recipient)))?;
        let domain = self.from.email.domain().to_owned();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!(
                "<{}@{domain}>",
                m.idempotency_key.replace(['<', '>', '@', ' '], ".")
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| SendError::Permanent(e.to_string()))
    }
}

impl Channel for EmailChannel {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send<'a>(
        &'a self,
        m: &'a OutgoingMessage,
    ) -> BoxFuture<'a, Result<Option<String>, SendError>> {
        Box::pin(async move {
            let message = self.message(m)?;
            match self.transport.send(message).await {
                Ok(resp) => Ok(resp.message().next().map(str::to_owned)),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Temporary(e.to_string())),
            }
        })
    }
}
