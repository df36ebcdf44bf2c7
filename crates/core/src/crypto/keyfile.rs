//! `workspace.key`: the workspace key wrapped under the passphrase. Versioned JSON, so a
//! later release can change the KDF or its cost and an older one refuses the file
//! clearly instead of guessing:
//!
//! ```json
//! { "format": "truyvet.workspace-key", "version": 1, "key_id": "<16 hex>",
//!   "kdf": { "algorithm": "argon2id", "version": 19, "memory_kib": 131072,
//!            "iterations": 3, "parallelism": 1, "salt": "<32 hex>" },
//!   "wrap": { "algorithm": "chacha20poly1305", "nonce": "<24 hex>",
//!             "wrapped_key": "<96 hex>" },
//!   "created_at": "…" }
//! ```
//!
//! The wrapping key is argon2id(passphrase, salt) with the parameters in the file; the
//! workspace key is sealed with ChaCha20-Poly1305 under it, the format, version and key
//! id being the associated data. Changing the passphrase writes a new file (new salt,
//! new nonce) for the same key: nothing else in the workspace changes.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{KEY_FILE, WorkspaceKey, fill_random};
use crate::error::{Error, ErrorCode, Result};

pub const FORMAT: &str = "truyvet.workspace-key";
pub const VERSION: u32 = 1;

/// argon2id cost of a new key file: 128 MiB, 3 passes, 1 lane took 0.39 s (best of 3,
/// release build, load average 4; up to 0.63 s on a busy run) on the 2-core benchmark
/// machine: slow for a guesser, once per unlock for the user. The parameters are
/// recorded in the file, so older files keep the cost they were written with.
pub const KDF_MEMORY_KIB: u32 = 128 * 1024;
pub const KDF_ITERATIONS: u32 = 3;
pub const KDF_PARALLELISM: u32 = 1;
/// Limits on what a key file may ask for, so a hostile file cannot make an unlock
/// allocate or spin without bound.
const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;
const MIN_PASSPHRASE_CHARS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub algorithm: String,
    pub version: u32,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hex, 16 random bytes.
    pub salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Wrap {
    algorithm: String,
    nonce: String,
    wrapped_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: String,
    pub version: u32,
    pub key_id: String,
    pub kdf: KdfParams,
    wrap: Wrap,
    pub created_at: String,
}

pub fn key_path(root: &Path) -> PathBuf {
    root.join(KEY_FILE)
}

pub fn check_new_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(format!(
            "the workspace passphrase must be at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

impl KeyFile {
    /// Wraps `key` under `passphrase` with a fresh salt and nonce.
    pub fn wrap(key: &WorkspaceKey, passphrase: &str) -> Result<KeyFile> {
        check_new_passphrase(passphrase)?;
        let mut salt = [0u8; 16];
        fill_random(&mut salt);
        let kdf = KdfParams {
            algorithm: "argon2id".into(),
            version: 0x13,
            memory_kib: KDF_MEMORY_KIB,
            iterations: KDF_ITERATIONS,
            parallelism: KDF_PARALLELISM,
            salt: hex::encode(salt),
        };
        let key_id = key.id();
        let kek = derive(&kdf, passphrase)?;
        let mut nonce = [0u8; 12];
        fill_random(&mut nonce);
        let aad = aad(&key_id);
        let wrapped = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()))
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::internal("cannot wrap the workspace key"))?;
        Ok(KeyFile {
            format: FORMAT.into(),
            version: VERSION,
            key_id,
            kdf,
            wrap: Wrap {
                algorithm: "chacha20poly1305".into(),
                nonce: hex::encode(nonce),
                wrapped_key: hex::encode(wrapped),
            },
            created_at: crate::time_fmt::now_utc(),
        })
    }

    /// The workspace key, if `passphrase` is the right one. A wrong passphrase is
    /// `bad_passphrase` and says nothing else.
    pub fn unwrap(&self, passphrase: &str) -> Result<WorkspaceKey> {
        let kek = derive(&self.kdf, passphrase)?;
        let nonce = decode_exact::<12>(&self.wrap.nonce, "nonce")?;
        let wrapped = hex::decode(&self.wrap.wrapped_key).map_err(|_| damaged("wrapped_key"))?;
        let aad = aad(&self.key_id);
        let plain = Zeroizing::new(
            ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()))
                .decrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: &wrapped,
                        aad: &aad,
                    },
                )
                .map_err(|_| {
                    Error::new(
                        ErrorCode::BadPassphrase,
                        "wrong passphrase for this workspace",
                    )
                })?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| damaged("wrapped_key"))?;
        let key = WorkspaceKey::from_bytes(bytes);
        if key.id() != self.key_id {
            return Err(damaged("key_id"));
        }
        Ok(key)
    }

    /// Reads `workspace.key` in `root`: missing is `workspace_key_missing`, a newer
    /// format `workspace_key_too_new`.
    pub fn read(root: &Path) -> Result<KeyFile> {
        let path = key_path(root);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::new(
                    ErrorCode::WorkspaceKeyMissing,
                    format!("{} is missing", path.display()),
                ));
            }
            Err(e) => return Err(Error::io("cannot read", &path, &e)),
        };
        KeyFile::parse(&bytes)
    }

    pub fn parse(bytes: &[u8]) -> Result<KeyFile> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| damaged("the JSON"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(damaged("format"));
        }
        let version = value.get("version").and_then(|v| v.as_u64());
        match version {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) if v > u64::from(VERSION) => {
                return Err(Error::new(
                    ErrorCode::WorkspaceKeyTooNew,
                    format!(
                        "workspace.key has format version {v}; this TruyVết reads version \
                         {VERSION} only: open the workspace with a newer TruyVết"
                    ),
                ));
            }
            _ => return Err(damaged("version")),
        }
        let file: KeyFile = serde_json::from_value(value).map_err(|_| damaged("its fields"))?;
        let k = &file.kdf;
        if k.algorithm != "argon2id"
            || k.version != 0x13
            || k.memory_kib > MAX_MEMORY_KIB
            || k.iterations == 0
            || k.iterations > MAX_ITERATIONS
            || k.parallelism == 0
            || k.parallelism > MAX_PARALLELISM
            || file.wrap.algorithm != "chacha20poly1305"
        {
            return Err(damaged("kdf"));
        }
        Ok(file)
    }

    /// Replaces `workspace.key` in `root` atomically: a temp file written and fsynced,
    /// renamed over the old one, the folder fsynced. A crash leaves the old file or the
    /// new one, never a mix.
    pub fn write(&self, root: &Path) -> Result<()> {
        let path = key_path(root);
        let tmp = root.join(format!(".{KEY_FILE}.{}.tmp", uuid::Uuid::now_v7()));
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| Error::io("cannot create", &tmp, &e))?;
            file.write_all(&json)
                .and_then(|()| file.sync_all())
                .map_err(|e| Error::io("cannot write", &tmp, &e))?;
            drop(file);
            fs::rename(&tmp, &path).map_err(|e| Error::io("cannot replace", &path, &e))?;
            crate::blob::sync_dir(root)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

fn derive(kdf: &KdfParams, passphrase: &str) -> Result<Zeroizing<[u8; 32]>> {
    let salt = hex::decode(&kdf.salt).map_err(|_| damaged("salt"))?;
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|_| damaged("kdf"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, out.as_mut())
        .map_err(|_| damaged("kdf"))?;
    Ok(out)
}

fn aad(key_id: &str) -> Vec<u8> {
    format!("{FORMAT}\n{VERSION}\n{key_id}").into_bytes()
}

fn decode_exact<const N: usize>(hex_str: &str, what: &str) -> Result<[u8; N]> {
    hex::decode(hex_str)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| damaged(what))
}

fn damaged(what: &str) -> Error {
    Error::new(
        ErrorCode::WorkspaceKeyMissing,
        format!("workspace.key is damaged ({what} is not valid); restore it from a backup"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cheap cost for unit tests only; files written by the product use the constants.
    fn quick(mut file: KeyFile, key: &WorkspaceKey, pass: &str) -> KeyFile {
        file.kdf.memory_kib = 64;
        file.kdf.iterations = 1;
        let kek = derive(&file.kdf, pass).unwrap();
        let nonce = decode_exact::<12>(&file.wrap.nonce, "n").unwrap();
        let wrapped = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()))
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad(&file.key_id),
                },
            )
            .unwrap();
        file.wrap.wrapped_key = hex::encode(wrapped);
        file
    }

    #[test]
    fn wraps_unwraps_and_refuses_wrong_passphrase() {
        let key = WorkspaceKey::from_bytes([5u8; 32]);
        let file = KeyFile::wrap(&key, "mật khẩu dài").unwrap();
        assert_eq!(file.kdf.memory_kib, KDF_MEMORY_KIB);
        let file = quick(file, &key, "mật khẩu dài");
        let back = KeyFile::parse(&serde_json::to_vec(&file).unwrap()).unwrap();
        assert_eq!(back.unwrap("mật khẩu dài").unwrap().id(), key.id());
        let err = back.unwrap("mat khau dai").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPassphrase);
        assert_eq!(err.message, "wrong passphrase for this workspace");
        assert_eq!(
            KeyFile::wrap(&key, "short").unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn newer_and_damaged_files_are_refused_clearly() {
        let key = WorkspaceKey::from_bytes([5u8; 32]);
        let file = KeyFile::wrap(&key, "passphrase-1").unwrap();
        let mut v = serde_json::to_value(&file).unwrap();
        v["version"] = 2.into();
        let err = KeyFile::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.code, ErrorCode::WorkspaceKeyTooNew);
        v["version"] = 1.into();
        v["kdf"]["memory_kib"] = (u64::from(MAX_MEMORY_KIB) + 1).into();
        let err = KeyFile::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.code, ErrorCode::WorkspaceKeyMissing);
        assert!(err.message.contains("damaged"));
        assert_eq!(
            KeyFile::parse(b"{not json").unwrap_err().code,
            ErrorCode::WorkspaceKeyMissing
        );
    }

    #[test]
    fn write_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let key = WorkspaceKey::from_bytes([5u8; 32]);
        let a = KeyFile::wrap(&key, "passphrase-1").unwrap();
        a.write(dir.path()).unwrap();
        let b = KeyFile::wrap(&key, "passphrase-2").unwrap();
        b.write(dir.path()).unwrap();
        assert_eq!(KeyFile::read(dir.path()).unwrap(), b);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temp file left");
    }
}
