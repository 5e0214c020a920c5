//! The password policy (SEC-1).
//!
//! Length matters more than character classes (NIST SP 800-63B), so the policy asks for a
//! minimum length, a letter and a digit, refuses passwords built on the account name and a
//! list of passwords that are known to be tried first.

use serde::{Deserialize, Serialize};

/// The policy an administrator configures; the defaults suit a government back office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    pub require_letter_and_digit: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 10,
            max_length: 128,
            require_letter_and_digit: true,
        }
    }
}

/// Why a password was refused; each has a Vietnamese message for the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Mật khẩu phải có ít nhất {0} ký tự.")]
    TooShort(usize),
    #[error("Mật khẩu không được dài quá {0} ký tự.")]
    TooLong(usize),
    #[error("Mật khẩu phải có cả chữ cái và chữ số.")]
    NeedsLetterAndDigit,
    #[error("Mật khẩu không được chứa tên đăng nhập.")]
    ContainsUsername,
    #[error("Mật khẩu này quá phổ biến, dễ bị đoán.")]
    TooCommon,
}

/// Passwords attackers try first (and their obvious Vietnamese variants).
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "123456789",
    "1234567890",
    "12345678910",
    "qwerty123",
    "qwertyuiop",
    "abc123456",
    "abcd123456",
    "admin12345",
    "administrator",
    "iloveyou123",
    "matkhau123",
    "matkhau1234",
    "tongdai123",
    "tongdai1234",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "passw0rd123",
    "welcome123",
    "letmein123",
    "admin@123",
    "admin123456",
    "P@ssw0rd123",
    "vietnam123",
    "vietnam1234",
    "hanoi12345",
    "saigon1234",
    "anhyeuem123",
    "123456789a",
    "a123456789",
    "123456abc",
    "abc12345678",
    "1234qwer",
    "qwer1234",
    "1q2w3e4r5t",
];

impl PasswordPolicy {
    /// Every problem with the password; empty when it is acceptable.
    pub fn check(&self, password: &str, username: &str) -> Vec<PasswordProblem> {
        let mut problems = Vec::new();
        let len = password.chars().count();
        if len < self.min_length {
            problems.push(PasswordProblem::TooShort(self.min_length));
        }
        if len > self.max_length {
            problems.push(PasswordProblem::TooLong(self.max_length));
        }
        if self.require_letter_and_digit
            && !(password.chars().any(char::is_alphabetic)
                && password.chars().any(|c| c.is_ascii_digit()))
        {
            problems.push(PasswordProblem::NeedsLetterAndDigit);
        }
        let lower = password.to_lowercase();
        let user = username.trim().to_lowercase();
        if user.chars().count() >= 3 && lower.contains(&user) {
            problems.push(PasswordProblem::ContainsUsername);
        }
        if COMMON.iter().any(|c| c.to_lowercase() == lower) {
            problems.push(PasswordProblem::TooCommon);
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_long_mixed_password_sec_1() {
        assert!(
            PasswordPolicy::default()
                .check("Hoa sen nở 2026", "nguyenvana")
                .is_empty()
        );
    }

    #[test]
    fn refuses_weak_passwords_sec_1() {
        let p = PasswordPolicy::default();
        assert_eq!(p.check("abc1", "x"), vec![PasswordProblem::TooShort(10)]);
        assert_eq!(
            p.check("chichucaichu", "x"),
            vec![PasswordProblem::NeedsLetterAndDigit]
        );
        assert!(
            p.check("nguyenvana2026", "nguyenvana")
                .contains(&PasswordProblem::ContainsUsername)
        );
        assert!(
            p.check("Password123", "x")
                .contains(&PasswordProblem::TooCommon)
        );
        assert!(
            p.check(&"a1".repeat(100), "x")
                .contains(&PasswordProblem::TooLong(128))
        );
    }
}

/// Lock-out after repeated failures (SEC-1): `max_failures` wrong passwords in a row lock the
/// account for `lock_minutes`; a successful login resets the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_minutes: 15,
        }
    }
}

impl LockoutPolicy {
    /// After one more failure: the new count and, when the limit is reached, the instant the
    /// lock ends (the count starts again from zero then).
    pub fn after_failure(
        &self,
        failures_before: u32,
        now: crate::Instant,
    ) -> (u32, Option<crate::Instant>) {
        let failures = failures_before.saturating_add(1);
        if failures >= self.max_failures.max(1) {
            (
                0,
                Some(now + chrono::Duration::minutes(i64::from(self.lock_minutes))),
            )
        } else {
            (failures, None)
        }
    }
}

#[cfg(test)]
mod lockout_tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_sec_1() {
        let p = LockoutPolicy::default();
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut n = 0;
        for _ in 0..4 {
            let (next, lock) = p.after_failure(n, now);
            assert!(lock.is_none());
            n = next;
        }
        let (next, lock) = p.after_failure(n, now);
        assert_eq!(next, 0);
        assert_eq!(lock, Some(now + chrono::Duration::minutes(15)));
    }
}
