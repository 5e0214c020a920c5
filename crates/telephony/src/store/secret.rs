//! SIP passwords at rest. Digest authentication needs the password itself (or its
//! password-equivalent HA1), so it cannot be hashed like a login password; it is sealed with
//! ChaCha20-Poly1305 under an installation key kept outside the database
//! (`<data_dir>/secrets/sip.key`), so a database dump alone does not give away the phones.

use super::StoreError;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::path::Path;

/// The installation's key for SIP secrets.
pub struct SecretKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

fn bad(what: impl Into<String>) -> StoreError {
    StoreError(what.into())
}

impl SecretKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .unwrap_or_else(|_| unreachable!("32 bytes is the ChaCha20 key length"));
        SecretKey {
            key: LessSafeKey::new(unbound),
        }
    }

    /// A fresh random key (tests).
    pub fn random() -> SecretKey {
        let mut b = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
        SecretKey::from_bytes(b)
    }

    /// Read the key file (64 hex digits), or create it (mode 0600) when missing.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let raw = data_encoding::HEXLOWER_PERMISSIVE
                    .decode(text.trim().as_bytes())
                    .map_err(|_| bad(format!("{}: not 64 hex digits", path.display())))?;
                let bytes: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| bad(format!("{}: not 64 hex digits", path.display())))?;
                Ok(SecretKey::from_bytes(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut b = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| bad(format!("{}: {e}", dir.display())))?;
                }
                write_private(path, &data_encoding::HEXLOWER.encode(&b))
                    .map_err(|e| bad(format!("{}: {e}", path.display())))?;
                tracing::info!(file = %path.display(), "created the key for SIP secrets");
                Ok(SecretKey::from_bytes(b))
            }
            Err(e) => Err(bad(format!("{}: {e}", path.display()))),
        }
    }

    /// Seal a secret: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
        let mut buf = plain.as_bytes().to_vec();
        // Sealing only fails for inputs over 256 GiB.
        if self
            .key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        data_encoding::BASE64.encode(&out)
    }

    /// Open a sealed secret (an empty string stays empty).
    pub fn open(&self, sealed: &str) -> Result<String, StoreError> {
        if sealed.is_empty() {
            return Ok(String::new());
        }
        let raw = data_encoding::BASE64
            .decode(sealed.as_bytes())
            .map_err(|_| bad("sealed secret is not base64"))?;
        if raw.len() < NONCE_LEN {
            return Err(bad("sealed secret too short"));
        }
        let (n, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(n).map_err(|_| bad("bad nonce"))?;
        let mut buf = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut buf)
            .map_err(|_| bad("sealed secret does not open with this installation's key"))?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad("sealed secret is not UTF-8"))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let k = SecretKey::random();
        let s = k.seal("mật khẩu 1001");
        assert_ne!(s, "mật khẩu 1001");
        assert_eq!(k.open(&s).unwrap(), "mật khẩu 1001");
        assert_ne!(k.seal("x"), k.seal("x"), "fresh nonce each time");
        let mut raw = data_encoding::BASE64.decode(s.as_bytes()).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(k.open(&data_encoding::BASE64.encode(&raw)).is_err());
        assert!(SecretKey::random().open(&s).is_err(), "another key");
        assert!(k.open("not base64!").is_err());
        assert!(k.open("AAAA").is_err());
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secrets/sip.key");
        let a = SecretKey::load_or_create(&p).unwrap();
        let b = SecretKey::load_or_create(&p).unwrap();
        assert_eq!(b.open(&a.seal("pw")).unwrap(), "pw");
        std::fs::write(&p, "short").unwrap();
        assert!(SecretKey::load_or_create(&p).is_err());
    }
}
