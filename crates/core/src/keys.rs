//! Profile signing keys: one Ed25519 key pair per profile. The public key is stored in
//! the clear so anyone can check a signature; the 32-byte secret is sealed with
//! ChaCha20-Poly1305 under a key derived from the user's passphrase with argon2id, so a
//! copied workspace does not let someone sign as its users.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorCode, Result};
use crate::time_fmt;
use crate::workspace::Workspace;

/// The environment variable a non-interactive caller sets to give the passphrase.
pub const PASSPHRASE_ENV: &str = "TRUYVET_PASSPHRASE";

/// argon2id cost: 19 MiB, 2 passes (the OWASP minimum), fast enough to unlock per action.
const KDF_MEMORY_KIB: u32 = 19 * 1024;
const KDF_PASSES: u32 = 2;
const AAD_DOMAIN: &[u8] = b"truyvet.profile-key.v1\n";

/// The public half of a profile's key, as shown to users and stored in exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    pub profile: String,
    /// Hex of the raw 32-byte Ed25519 public key.
    pub public_key: String,
    /// Hex SHA-256 of the raw public key.
    pub fingerprint: String,
    pub created_at: String,
}

/// SHA-256 of the raw public key, hex.
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::new(ErrorCode::DatabaseCorrupt, "malformed public key"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::new(ErrorCode::DatabaseCorrupt, "invalid Ed25519 public key"))
}

fn derive_key(passphrase: &str, salt: &[u8]) -> Result<[u8; 32]> {
    let params = Params::new(KDF_MEMORY_KIB, KDF_PASSES, 1, Some(32))
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| Error::internal(format!("argon2: {e}")))?;
    Ok(out)
}

/// The profile name is authenticated with the ciphertext, so a sealed key cannot be
/// moved to another profile's row and unlocked there.
fn aad(profile: &str) -> Vec<u8> {
    let mut out = AAD_DOMAIN.to_vec();
    out.extend_from_slice(profile.as_bytes());
    out
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < 8 {
        return Err(Error::invalid(
            "the passphrase must be at least 8 characters",
        ));
    }
    Ok(())
}

pub(crate) fn public_key_of(conn: &Connection, profile: &str) -> Result<Option<PublicKeyInfo>> {
    Ok(conn
        .query_row(
            "SELECT profile, public_key, fingerprint, created_at FROM profile_keys
             WHERE profile = ?1",
            [profile],
            |r| {
                Ok(PublicKeyInfo {
                    profile: r.get(0)?,
                    public_key: r.get(1)?,
                    fingerprint: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// The stored public key with this fingerprint: a local profile's, else a foreign
/// signer's that came with an imported case (verifies only; it has no private half).
pub(crate) fn public_key_by_fingerprint(
    conn: &Connection,
    fingerprint: &str,
) -> Result<Option<PublicKeyInfo>> {
    let profile: Option<String> = conn
        .query_row(
            "SELECT profile FROM profile_keys WHERE fingerprint = ?1",
            [fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    match profile {
        Some(p) => public_key_of(conn, &p),
        None => foreign_key(conn, fingerprint),
    }
}

pub(crate) fn foreign_key(conn: &Connection, fingerprint: &str) -> Result<Option<PublicKeyInfo>> {
    Ok(conn
        .query_row(
            "SELECT profile, public_key, fingerprint, created_at FROM foreign_keys
             WHERE fingerprint = ?1",
            [fingerprint],
            |r| {
                Ok(PublicKeyInfo {
                    profile: r.get(0)?,
                    public_key: r.get(1)?,
                    fingerprint: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}

impl Workspace {
    /// The public key of a profile, if it has one.
    pub fn profile_key(&self, profile: &str) -> Result<Option<PublicKeyInfo>> {
        public_key_of(&self.conn, profile)
    }

    /// The public key with this fingerprint, a local profile's or a foreign signer's of
    /// an imported case: what re-checking (or re-exporting) a signature needs.
    pub fn key_by_fingerprint(&self, fingerprint: &str) -> Result<Option<PublicKeyInfo>> {
        public_key_by_fingerprint(&self.conn, fingerprint)
    }

    /// Creates the current profile's key pair, sealed with `passphrase`. A profile keeps
    /// its key for life: its signatures must stay checkable.
    pub fn create_profile_key(&mut self, passphrase: &str) -> Result<PublicKeyInfo> {
        let profile = self.require_profile()?;
        check_passphrase(passphrase)?;
        if let Some(existing) = public_key_of(&self.conn, &profile.name)? {
            return Err(Error::invalid(format!(
                "profile {} already has a signing key ({})",
                profile.name, existing.fingerprint
            )));
        }
        let signing = SigningKey::generate(&mut OsRng);
        let public = signing.verifying_key();
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let kek = derive_key(passphrase, &salt)?;
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&kek));
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                chacha20poly1305::aead::Payload {
                    msg: signing.as_bytes(),
                    aad: &aad(&profile.name),
                },
            )
            .map_err(|_| Error::internal("could not seal the private key"))?;
        let info = PublicKeyInfo {
            profile: profile.name.clone(),
            public_key: hex::encode(public.as_bytes()),
            fingerprint: fingerprint(&public),
            created_at: time_fmt::now_utc(),
        };
        self.write(|conn| {
            conn.execute(
                "INSERT INTO profile_keys (profile, public_key, fingerprint, kdf_salt, nonce,
                   sealed_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    info.profile,
                    info.public_key,
                    info.fingerprint,
                    hex::encode(salt),
                    hex::encode(nonce),
                    hex::encode(&sealed),
                    info.created_at
                ],
            )?;
            Ok(())
        })?;
        Ok(info)
    }

    /// Unlocks a profile's private key. A wrong passphrase is `bad_passphrase`.
    pub(crate) fn unlock_key(&self, profile: &str, passphrase: &str) -> Result<SigningKey> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT public_key, kdf_salt, nonce, sealed_key FROM profile_keys
                 WHERE profile = ?1",
                [profile],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((public_hex, salt, nonce, sealed)) = row else {
            return Err(Error::new(
                ErrorCode::KeyMissing,
                format!("profile {profile} has no signing key; create one first"),
            ));
        };
        let corrupt = || Error::new(ErrorCode::DatabaseCorrupt, "malformed sealed key");
        let salt = hex::decode(salt).map_err(|_| corrupt())?;
        let nonce: [u8; 12] = hex::decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(corrupt)?;
        let sealed = hex::decode(sealed).map_err(|_| corrupt())?;
        let kek = derive_key(passphrase, &salt)?;
        let secret = ChaCha20Poly1305::new(Key::from_slice(&kek))
            .decrypt(
                Nonce::from_slice(&nonce),
                chacha20poly1305::aead::Payload {
                    msg: &sealed,
                    aad: &aad(profile),
                },
            )
            .map_err(|_| {
                Error::new(
                    ErrorCode::BadPassphrase,
                    format!("wrong passphrase for the signing key of profile {profile}"),
                )
            })?;
        let secret: [u8; 32] = secret.try_into().map_err(|_| corrupt())?;
        let signing = SigningKey::from_bytes(&secret);
        if signing.verifying_key() != parse_public_key(&public_hex)? {
            return Err(Error::new(
                ErrorCode::DatabaseCorrupt,
                "the sealed private key does not match the stored public key",
            ));
        }
        Ok(signing)
    }
}
