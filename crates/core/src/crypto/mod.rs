//! Encryption at rest. An encrypted workspace has one random 32-byte workspace key,
//! kept only wrapped under the passphrase in `workspace.key` ([`keyfile`]). Two subkeys
//! come from it with HKDF-SHA256: the raw SQLCipher key of `truyvet.db` (its WAL is
//! encrypted the same way) and the master key of the blob files ([`blob_cipher`]).
//! Content addresses and evidence digests stay the SHA-256 of the plaintext, so
//! verification and exported bundles do not change.

pub mod blob_cipher;
pub mod keyfile;
pub mod scratch;
pub mod throttle;

use std::fmt;

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Name of the wrapped key file in the workspace root.
pub const KEY_FILE: &str = "workspace.key";

const SQLCIPHER_INFO: &[u8] = b"truyvet.sqlcipher-key.v1";
const BLOB_INFO: &[u8] = b"truyvet.blob-master-key.v1";
const KEY_ID_DOMAIN: &[u8] = b"truyvet.workspace-key-id.v1\n";

/// The workspace key. Wiped from memory when dropped; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct WorkspaceKey([u8; 32]);

impl WorkspaceKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> WorkspaceKey {
        let mut bytes = [0u8; 32];
        fill_random(&mut bytes);
        WorkspaceKey(bytes)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> WorkspaceKey {
        WorkspaceKey(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A public name of the key (16 hex digits): which key a blob header or key file
    /// refers to, without revealing anything about the key.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(KEY_ID_DOMAIN);
        h.update(self.0);
        hex::encode(&h.finalize()[..8])
    }

    fn subkey(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, &self.0)
            .expand(info, out.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        out
    }

    /// The `PRAGMA key` value for SQLCipher: a raw 256-bit key (`x'…'`), so SQLCipher
    /// runs no key derivation of its own on every open.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        let key = self.subkey(SQLCIPHER_INFO);
        let hex = Zeroizing::new(hex::encode(key.as_ref()));
        Zeroizing::new(format!("x'{}'", hex.as_str()))
    }

    pub(crate) fn blob_master(&self) -> Zeroizing<[u8; 32]> {
        self.subkey(BLOB_INFO)
    }
}

impl fmt::Debug for WorkspaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkspaceKey({})", self.id())
    }
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn fill_random(buf: &mut [u8]) {
    use rand_core::RngCore;
    rand_core::OsRng.fill_bytes(buf);
}

/// The first bytes of every plaintext SQLite database. A `truyvet.db` that does not
/// start with them is an encrypted one (SQLCipher's first page is random-looking).
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether the database file at `path` is not a plain SQLite file (a SQLCipher file, or
/// a damaged one: the two look alike without the key): its header is read without
/// opening it with SQLite, so nothing is written. A missing or empty file is not.
pub fn database_looks_encrypted(path: &std::path::Path) -> bool {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => return false,
        }
    }
    filled > 0 && (filled < 16 || &head != SQLITE_MAGIC)
}

/// Whether a non-SQLite database file at `db` belongs to an encrypted workspace whose key
/// file is gone, judged without a key: a stored blob under `blobs` carries the
/// encrypted-blob header (a plain blob says the workspace was not encrypted); with no
/// blob stored yet, the workspace's blob folder exists and the file is whole SQLCipher
/// pages. Anything else is a damaged database.
pub fn keyless_workspace_was_encrypted(db: &std::path::Path, blobs: &std::path::Path) -> bool {
    match first_blob_is_encrypted(blobs) {
        Some(encrypted) => encrypted,
        None => {
            blobs.is_dir()
                && std::fs::metadata(db)
                    .map(|m| m.len() >= 4096 && m.len() % 4096 == 0)
                    .unwrap_or(false)
        }
    }
}

/// The header of the first stored blob found: `Some(true)` encrypted, `Some(false)`
/// plain, `None` when no blob is stored.
fn first_blob_is_encrypted(blobs: &std::path::Path) -> Option<bool> {
    use std::io::Read;
    let prefixes = std::fs::read_dir(blobs).ok()?;
    for prefix in prefixes.flatten() {
        let name = prefix.file_name();
        if name.len() != 2 || !prefix.path().is_dir() {
            continue;
        }
        let Ok(files) = std::fs::read_dir(prefix.path()) else {
            continue;
        };
        for file in files.flatten().take(16) {
            let mut head = [0u8; 8];
            if let Ok(mut f) = std::fs::File::open(file.path())
                && f.read_exact(&mut head).is_ok()
            {
                return Some(&head == blob_cipher::MAGIC);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_and_are_stable() {
        let key = WorkspaceKey::from_bytes([7u8; 32]);
        assert_ne!(key.sqlcipher_pragma().as_str(), "");
        assert_ne!(*key.blob_master(), [7u8; 32]);
        assert_eq!(key.id(), WorkspaceKey::from_bytes([7u8; 32]).id());
        assert_ne!(key.id(), WorkspaceKey::from_bytes([8u8; 32]).id());
        assert_eq!(key.id().len(), 16);
        let pragma = key.sqlcipher_pragma();
        assert!(pragma.starts_with("x'") && pragma.ends_with('\'') && pragma.len() == 67);
        assert!(!format!("{key:?}").contains("0707"));
    }
}
