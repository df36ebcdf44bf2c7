//! The registry's own Ed25519 key, which signs tree heads. Made at first use in the data
//! folder (32 secret bytes, mode 0600, written to a temp file and renamed so a crash never
//! leaves half a key); its public half is what clients pin to check receipts.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::OsRng;

use crate::data_dir::sync_dir;
use crate::error::{Error, Result};

/// Loads the key at `path`, creating it when missing. A key file readable by others is
/// refused: whoever reads it can sign tree heads in the registry's name.
pub fn load_or_create(path: &Path) -> Result<SigningKey> {
    if !path.exists() {
        create(path)?;
    }
    let meta = fs::metadata(path).map_err(|e| Error::io("cannot read the log key", &e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::invalid(format!(
            "{} is readable by others; chmod 600 it",
            path.display()
        )));
    }
    let bytes = fs::read(path).map_err(|e| Error::io("cannot read the log key", &e))?;
    let secret: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| Error::invalid(format!("{} is not a 32-byte key", path.display())))?;
    Ok(SigningKey::from_bytes(&secret))
}

fn create(path: &Path) -> Result<()> {
    let key = SigningKey::generate(&mut OsRng);
    let temp = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| Error::io("cannot create the log key", &e))?;
    file.write_all(&key.to_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("cannot write the log key", &e))?;
    fs::rename(&temp, path).map_err(|e| Error::io("cannot store the log key", &e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Hex SHA-256 of the raw public key, as profile keys are fingerprinted in the core.
pub fn fingerprint(key: &VerifyingKey) -> String {
    truyvet_wire::tree_head::fingerprint(key)
}
