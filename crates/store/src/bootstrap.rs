//! What a fresh installation needs before anyone can log in: the default working calendar and
//! the first administrator.

use crate::error::Result;
use crate::{Store, accounts, audit, calendar};
use tongdai_domain::Instant;
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::audit::NewAuditEntry;

/// The first administrator's username.
pub const ADMIN_USERNAME: &str = "admin";

/// What [`ensure_admin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// The account exists and was left alone.
    Existing,
    /// Created with the password given in the environment.
    CreatedWithGivenPassword,
    /// Created with a generated password, to be shown once.
    CreatedWithGeneratedPassword(String),
    /// Existed, and its password was set to the one given in the environment.
    PasswordReset,
}

/// A random password for the first administrator: 20 characters, letters and digits.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    loop {
        let p: String = (0..20)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        if p.chars().any(|c| c.is_ascii_digit()) && p.chars().any(|c| c.is_ascii_alphabetic()) {
            return p;
        }
    }
}

/// Make sure the calendar and the `admin` account exist. `given` is the password from
/// `TONGDAI_ADMIN_PASSWORD`: it is used when creating the account, and applied to an existing
/// account whose password differs (the documented recovery path for a lost password).
pub async fn ensure_admin(
    store: &Store,
    given: Option<&str>,
    now: Instant,
) -> Result<AdminBootstrap> {
    let mut tx = store.begin().await?;
    calendar::ensure_default(&mut tx, now).await?;
    let outcome = match accounts::find_for_login(&mut tx, ADMIN_USERNAME).await? {
        Some((account, hash)) => match given {
            Some(p) if !accounts::verify_password(&hash, p) => {
                accounts::set_password(&mut tx, account.id, p, false, now).await?;
                record(
                    &mut tx,
                    account.id,
                    "account.password_from_environment",
                    now,
                )
                .await?;
                AdminBootstrap::PasswordReset
            }
            _ => AdminBootstrap::Existing,
        },
        None => {
            let (password, outcome) = match given {
                Some(p) => (p.to_owned(), AdminBootstrap::CreatedWithGivenPassword),
                None => {
                    let p = generate_password();
                    (p.clone(), AdminBootstrap::CreatedWithGeneratedPassword(p))
                }
            };
            let id = accounts::create(
                &mut tx,
                &accounts::NewAccount {
                    username: ADMIN_USERNAME.into(),
                    display_name: "Quản trị hệ thống".into(),
                    email: String::new(),
                    phone: String::new(),
                    tenant_id: None,
                    password,
                    must_change_password: false,
                },
                now,
            )
            .await?;
            let grant = Grant::new(Role::Admin, None, None)
                .map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
            accounts::set_grants(&mut tx, id, &[grant], now).await?;
            record(&mut tx, id, "account.bootstrap_admin", now).await?;
            outcome
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

async fn record(c: &mut sqlx::AnyConnection, id: i64, action: &str, now: Instant) -> Result<()> {
    audit::append(
        c,
        NewAuditEntry {
            at_us: crate::micros(now),
            actor_id: None,
            actor_name: "system".into(),
            action: action.into(),
            target: format!("account:{id}"),
            detail: "{}".into(),
            ip: String::new(),
        },
    )
    .await?;
    Ok(())
}
