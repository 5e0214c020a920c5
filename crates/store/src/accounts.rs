//! Accounts, their role grants, password hashes (argon2id) and lock-out state (ADM-2, SEC-1).

use crate::error::Result;
use crate::{StoreError, flag, instant, micros};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sqlx::AnyConnection;
use tongdai_domain::Instant;
use tongdai_domain::access::{Grant, Principal, Role};
use tongdai_domain::password::LockoutPolicy;
use tongdai_domain::totp::TotpSecret;

/// An account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub tenant_id: Option<i64>,
    pub active: bool,
    pub must_change_password: bool,
    pub totp_enabled: bool,
    pub failed_logins: u32,
    pub locked_until: Option<Instant>,
    pub last_login_at: Option<Instant>,
    pub locale: String,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    phone: String,
    tenant_id: Option<i64>,
    active: i64,
    must_change_password: i64,
    totp_enabled: i64,
    failed_logins: i64,
    locked_until: Option<i64>,
    last_login_at: Option<i64>,
    locale: String,
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, email, phone, tenant_id, active, \
    must_change_password, totp_enabled, failed_logins, locked_until, last_login_at, locale";

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            phone: r.phone,
            tenant_id: r.tenant_id,
            active: r.active != 0,
            must_change_password: r.must_change_password != 0,
            totp_enabled: r.totp_enabled != 0,
            failed_logins: u32::try_from(r.failed_logins).unwrap_or(0),
            locked_until: r.locked_until.map(instant),
            last_login_at: r.last_login_at.map(instant),
            locale: r.locale,
        }
    }
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub tenant_id: Option<i64>,
    pub password: String,
    pub must_change_password: bool,
}

/// Hash a password with argon2id (the crate's defaults: m = 19 MiB, t = 2, p = 1, as OWASP
/// recommends).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
}

/// Check a password against a stored hash; a malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A syntactically valid username: 3–64 characters of a–z, 0–9, `.`, `_`, `-`.
pub fn validate_username(u: &str) -> std::result::Result<(), String> {
    let ok = (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang.".into())
    }
}

/// Create an account; fails with a conflict when the username exists.
pub async fn create(c: &mut AnyConnection, a: &NewAccount, now: Instant) -> Result<i64> {
    validate_username(&a.username).map_err(StoreError::Invalid)?;
    let hash = hash_password(&a.password)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (username, display_name, email, phone, password_hash, tenant_id, \
         must_change_password, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
    )
    .bind(&a.username)
    .bind(&a.display_name)
    .bind(&a.email)
    .bind(&a.phone)
    .bind(&hash)
    .bind(a.tenant_id)
    .bind(flag(a.must_change_password))
    .bind(micros(now))
    .fetch_one(&mut *c)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() {
            StoreError::Conflict(format!("tên đăng nhập `{}` đã tồn tại", a.username))
        } else {
            e
        }
    })?;
    Ok(id)
}

/// An account by id.
pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Account> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .map(Account::from)
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))
}

/// An account and its password hash by username (for login).
pub async fn find_for_login(
    c: &mut AnyConnection,
    username: &str,
) -> Result<Option<(Account, String)>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE username = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(username)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            use sqlx::{FromRow, Row};
            let hash: String = row.try_get("password_hash")?;
            Ok(Some((AccountRow::from_row(&row)?.into(), hash)))
        }
    }
}

/// Every account, by username.
pub async fn list(c: &mut AnyConnection) -> Result<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username");
    Ok(sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .map(Account::from)
        .collect())
}

/// Accounts that hold a grant on one agency (its officers, head and postal staff).
pub async fn list_for_agency(c: &mut AnyConnection, agency_id: i64) -> Result<Vec<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN \
         (SELECT account_id FROM account_roles WHERE agency_id = $1) ORDER BY username"
    );
    Ok(sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
        .bind(agency_id)
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .map(Account::from)
        .collect())
}

/// The fields of an account an administrator edits.
#[derive(Debug, Clone)]
pub struct Profile {
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub tenant_id: Option<i64>,
    pub active: bool,
}

/// Change profile fields.
pub async fn update_profile(
    c: &mut AnyConnection,
    id: i64,
    p: &Profile,
    now: Instant,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE accounts SET display_name = $1, email = $2, phone = $3, tenant_id = $4, active = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(&p.display_name)
    .bind(&p.email)
    .bind(&p.phone)
    .bind(p.tenant_id)
    .bind(flag(p.active))
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound(format!("account {id}")));
    }
    Ok(())
}

/// Set a new password (already checked against the policy by the caller).
pub async fn set_password(
    c: &mut AnyConnection,
    id: i64,
    password: &str,
    must_change: bool,
    now: Instant,
) -> Result<()> {
    let hash = hash_password(password)?;
    sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
         failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $4",
    )
    .bind(&hash)
    .bind(flag(must_change))
    .bind(micros(now))
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Count a failed login; returns the instant the account is locked until, if it now is.
///
/// The count is incremented in the database (`failed_logins + 1`), not from a value read
/// earlier, so simultaneous wrong passwords on several nodes each count.
pub async fn record_failure(
    c: &mut AnyConnection,
    account: &Account,
    policy: &LockoutPolicy,
    now: Instant,
) -> Result<Option<Instant>> {
    let failures: i64 = sqlx::query_scalar("UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
        .bind(account.id)
        .fetch_one(&mut *c)
        .await?;
    let before = u32::try_from(failures - 1).unwrap_or(0);
    let (_, locked) = policy.after_failure(before, now);
    if let Some(until) = locked {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2")
            .bind(micros(until))
            .bind(account.id)
            .execute(&mut *c)
            .await?;
    }
    Ok(locked)
}

/// Reset the failure count after a successful login.
pub async fn record_success(c: &mut AnyConnection, id: i64, now: Instant) -> Result<()> {
    sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Lift a lock-out (administrator action).
pub async fn unlock(c: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The account's grants.
pub async fn grants(c: &mut AnyConnection, account_id: i64) -> Result<Vec<Grant>> {
    let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT role, tenant_id, agency_id FROM account_roles WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|(role, tenant_id, agency_id)| {
            let role: Role = role
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
            Ok(Grant {
                role,
                tenant_id,
                agency_id,
            })
        })
        .collect()
}

/// Replace the account's grants.
pub async fn set_grants(
    c: &mut AnyConnection,
    account_id: i64,
    grants: &[Grant],
    now: Instant,
) -> Result<()> {
    sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *c)
        .await?;
    for g in grants {
        sqlx::query(
            "INSERT INTO account_roles (account_id, role, tenant_id, agency_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account_id)
        .bind(g.role.code())
        .bind(g.tenant_id)
        .bind(g.agency_id)
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The principal of an account: who it is and what it may do.
pub async fn principal(c: &mut AnyConnection, account: &Account) -> Result<Principal> {
    Ok(Principal {
        account_id: account.id,
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        grants: grants(c, account.id).await?,
    })
}

/// The account's TOTP secret and last used step, if it has one.
pub async fn totp(c: &mut AnyConnection, id: i64) -> Result<Option<(TotpSecret, Option<u64>)>> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    match row {
        Some((Some(secret), last)) => {
            let s =
                TotpSecret::from_base32(&secret).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Some((s, last.and_then(|l| u64::try_from(l).ok()))))
        }
        _ => Ok(None),
    }
}

/// Store a new (not yet confirmed) TOTP secret; the second factor is enabled by
/// [`enable_totp`] once the user has typed a valid code.
pub async fn set_totp_secret(
    c: &mut AnyConnection,
    id: i64,
    secret: Option<&TotpSecret>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_secret = $1, totp_enabled = 0, totp_last_step = NULL WHERE id = $2")
        .bind(secret.map(TotpSecret::to_base32))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Turn the second factor on (after a code was verified at `step`).
pub async fn enable_totp(c: &mut AnyConnection, id: i64, step: u64) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_enabled = 1, totp_last_step = $1 WHERE id = $2")
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Remember the last TOTP step used, so a code cannot be replayed.
pub async fn set_totp_step(c: &mut AnyConnection, id: i64, step: u64) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_last_step = $1 WHERE id = $2")
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Roles for which an administrator requires the second factor.
pub async fn roles_requiring_totp(c: &mut AnyConnection) -> Result<Vec<Role>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT role FROM role_settings WHERE require_totp = 1 ORDER BY role")
            .fetch_all(&mut *c)
            .await?;
    Ok(rows.into_iter().filter_map(|r| r.parse().ok()).collect())
}

/// Require (or stop requiring) the second factor for a role.
pub async fn set_role_requires_totp(
    c: &mut AnyConnection,
    role: Role,
    required: bool,
    now: Instant,
) -> Result<()> {
    let n =
        sqlx::query("UPDATE role_settings SET require_totp = $1, updated_at = $2 WHERE role = $3")
            .bind(flag(required))
            .bind(micros(now))
            .bind(role.code())
            .execute(&mut *c)
            .await?
            .rows_affected();
    if n == 0 {
        sqlx::query(
            "INSERT INTO role_settings (role, require_totp, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(role.code())
        .bind(flag(required))
        .bind(micros(now))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// A personal API token (for the staff API; the token itself is shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: Instant,
    pub last_used_at: Option<Instant>,
    pub expires_at: Option<Instant>,
    pub revoked: bool,
}

/// Create a token; returns the secret (shown once) and the stored record.
pub async fn create_api_token(
    c: &mut AnyConnection,
    account_id: i64,
    name: &str,
    expires_at: Option<Instant>,
    now: Instant,
) -> Result<(String, i64)> {
    let secret = format!("td_{}", crate::sessions::random_token());
    let hash = crate::sessions::token_hash(&secret);
    let prefix: String = secret.chars().take(10).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(&hash)
    .bind(&prefix)
    .bind(micros(now))
    .bind(expires_at.map(micros))
    .fetch_one(&mut *c)
    .await?;
    Ok((secret, id))
}

/// The account a live token belongs to (records its use, to the minute).
pub async fn account_for_token(
    c: &mut AnyConnection,
    secret: &str,
    now: Instant,
) -> Result<Option<i64>> {
    let hash = crate::sessions::token_hash(secret);
    let row: Option<(i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, account_id, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *c)
    .await?;
    let Some((id, account, expires, revoked)) = row else {
        return Ok(None);
    };
    if revoked.is_some() || expires.is_some_and(|e| e <= micros(now)) {
        return Ok(None);
    }
    // To the minute: a client making many calls with one token would otherwise write (and, on
    // PostgreSQL, queue on) the token's row on every request.
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(micros(now))
    .bind(id)
    .bind(micros(now - chrono::Duration::minutes(1)))
    .execute(&mut *c)
    .await?;
    Ok(Some(account))
}

/// An account's tokens.
pub async fn api_tokens(c: &mut AnyConnection, account_id: i64) -> Result<Vec<ApiToken>> {
    type TokenRow = (
        i64,
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, account_id, name, prefix, created_at, last_used_at, expires_at, revoked_at FROM api_tokens \
         WHERE account_id = $1 ORDER BY id DESC",
    )
    .bind(account_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApiToken {
            id: r.0,
            account_id: r.1,
            name: r.2,
            prefix: r.3,
            created_at: instant(r.4),
            last_used_at: r.5.map(instant),
            expires_at: r.6.map(instant),
            revoked: r.7.is_some(),
        })
        .collect())
}

/// Revoke one of an account's tokens.
pub async fn revoke_api_token(
    c: &mut AnyConnection,
    account_id: i64,
    token_id: i64,
    now: Instant,
) -> Result<bool> {
    let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL")
        .bind(micros(now))
        .bind(token_id)
        .bind(account_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Active accounts holding `role`, bound to `agency` (agency roles) or to one of `tenants`
/// (tenant roles; a grant on no tenant covers all of them). Who receives a notification.
pub async fn holders(
    c: &mut AnyConnection,
    role: Role,
    agency: Option<i64>,
    tenants: &[i64],
) -> Result<Vec<Account>> {
    let tenant_list = if tenants.is_empty() {
        "NULL".to_owned()
    } else {
        tenants
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE active = 1 AND id IN (SELECT account_id FROM account_roles WHERE role = $1 \
         AND (($2 <> 0 AND agency_id = $2) OR ($2 = 0 AND (tenant_id IS NULL OR tenant_id IN ({tenant_list}))))) ORDER BY id"
    );
    Ok(sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
        .bind(role.code())
        .bind(agency.unwrap_or(0))
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .map(Account::from)
        .collect())
}
