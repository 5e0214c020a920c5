//! Server-side sessions (SEC-1): the browser holds a random token in an HttpOnly cookie; the
//! database holds only its SHA-256, so a leaked database does not leak live sessions.

use crate::error::Result;
use crate::{flag, instant, micros};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use tongdai_domain::Instant;

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub mfa_pending: bool,
    pub created_at: Instant,
    pub last_seen_at: Instant,
    pub expires_at: Instant,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Idle time after which the session ends.
    pub idle: chrono::Duration,
    /// Absolute lifetime, however active the session is.
    pub absolute: chrono::Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: chrono::Duration::minutes(60),
            absolute: chrono::Duration::hours(12),
        }
    }
}

/// 32 random bytes, URL-safe base64 without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Start a session; returns the token for the cookie and the session.
pub async fn create(
    c: &mut AnyConnection,
    account_id: i64,
    mfa_pending: bool,
    ip: &str,
    user_agent: &str,
    policy: SessionPolicy,
    now: Instant,
) -> Result<(String, Session)> {
    let token = random_token();
    let s = Session {
        id_hash: token_hash(&token),
        account_id,
        csrf_token: random_token(),
        mfa_pending,
        created_at: now,
        last_seen_at: now,
        expires_at: now + policy.idle.min(policy.absolute),
    };
    let ua: String = user_agent.chars().take(300).collect();
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, csrf_token, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(&s.id_hash)
    .bind(account_id)
    .bind(&s.csrf_token)
    .bind(flag(mfa_pending))
    .bind(micros(now))
    .bind(micros(s.expires_at))
    .bind(ip)
    .bind(&ua)
    .execute(&mut *c)
    .await?;
    Ok((token, s))
}

/// The live session of a token, extending its idle expiry (never past the absolute limit).
pub async fn touch(
    c: &mut AnyConnection,
    token: &str,
    policy: SessionPolicy,
    now: Instant,
) -> Result<Option<Session>> {
    let hash = token_hash(token);
    let row: Option<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT account_id, csrf_token, mfa_pending, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *c)
    .await?;
    let Some((account_id, csrf_token, mfa, created, _seen, expires)) = row else {
        return Ok(None);
    };
    if micros(now) >= expires {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&hash)
            .execute(&mut *c)
            .await?;
        return Ok(None);
    }
    let created_at = instant(created);
    let new_expiry = (now + policy.idle).min(created_at + policy.absolute);
    // Write at most once a minute: every page view need not be a write.
    if micros(new_expiry) - expires > 60_000_000 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
            .bind(micros(now))
            .bind(micros(new_expiry))
            .bind(&hash)
            .execute(&mut *c)
            .await?;
    }
    Ok(Some(Session {
        id_hash: hash,
        account_id,
        csrf_token,
        mfa_pending: mfa != 0,
        created_at,
        last_seen_at: now,
        expires_at: new_expiry.max(instant(expires)),
    }))
}

/// Whether a session (by its hash) is still live, without extending it: a long-lived stream
/// (the notification events) checks this instead of [`touch`], so an open tab does not keep an
/// idle session alive.
pub async fn is_live(c: &mut AnyConnection, id_hash: &str, now: Instant) -> Result<bool> {
    let expires: Option<i64> =
        sqlx::query_scalar("SELECT expires_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&mut *c)
            .await?;
    Ok(expires.is_some_and(|e| micros(now) < e))
}

/// Mark the second factor as checked.
pub async fn complete_mfa(c: &mut AnyConnection, id_hash: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET mfa_pending = 0 WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// End one session (logout).
pub async fn delete(c: &mut AnyConnection, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// End every session of an account (password change, deactivation).
pub async fn delete_for_account(c: &mut AnyConnection, account_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// Remove expired sessions.
pub async fn purge_expired(c: &mut AnyConnection, now: Instant) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// End every session of an account but one (after a password change).
pub async fn delete_for_account_except(
    c: &mut AnyConnection,
    account_id: i64,
    keep_hash: &str,
) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
            .bind(account_id)
            .bind(keep_hash)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    )
}
