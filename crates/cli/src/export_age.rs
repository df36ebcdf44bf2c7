//! `truyvet export CODE --out FILE --encrypt-to age1…`: the bundle encrypted to a
//! recipient's age X25519 public key, so only the holder of the matching identity can
//! read it (`age -d -i KEY FILE > CASE.wacz`, then `truyvet verify CASE.wacz`).
//!
//! ZIP writing seeks back, so the plaintext bundle is first written into a scratch file
//! encrypted under a throwaway in-memory key (never plaintext on disk), then read back,
//! hashed and encrypted to the recipient into a temp file beside FILE that is fsynced and
//! renamed into place.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};
use truyvet_core::crypto::scratch::ScratchFile;
use truyvet_core::{Error, Result, Workspace};

/// What `export --encrypt-to` wrote.
#[derive(Debug, Serialize)]
pub struct EncryptedExport {
    pub case_code: String,
    pub path: PathBuf,
    /// The age recipient the file is encrypted to.
    pub encrypted_to: String,
    /// Hex SHA-256 and size of the encrypted file.
    pub sha256: String,
    pub size: u64,
    /// Hex SHA-256 and size of the bundle inside (what the recipient gets after
    /// decrypting, and checks with `truyvet verify`).
    pub bundle_sha256: String,
    pub bundle_size: u64,
    pub datapackage_sha256: String,
    pub seal_root: String,
    pub evidence: usize,
    pub warcs: usize,
}

/// Parses an `age1…` X25519 recipient; anything else is `invalid_input`.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|e| {
        Error::invalid(format!(
            "--encrypt-to needs an age X25519 recipient (age1…): {e}"
        ))
    })
}

pub fn export(ws: &Workspace, code: &str, out: &Path, recipient: &str) -> Result<EncryptedExport> {
    let to = parse_recipient(recipient)?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let scratch = ScratchFile::new_in(&dir)?;
    let (mut scratch, written) = truyvet_export::export_case_to(ws, code, scratch)?;
    scratch
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::io("cannot read back", &dir, &e))?;

    let tmp = dir.join(format!(
        ".truyvet-export-{}-{}.age.part",
        std::process::id(),
        written.case_code
    ));
    let encrypted = encrypt_into(&mut scratch, &tmp, &to).and_then(|sums| {
        std::fs::rename(&tmp, out).map_err(|e| Error::io("cannot write", out, &e))?;
        Ok(sums)
    });
    let (bundle_sha256, bundle_size) = match encrypted {
        Ok(sums) => sums,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    let mut file = File::open(out).map_err(|e| Error::io("cannot read", out, &e))?;
    let (sha256, size) =
        copy_hashing(&mut file, &mut io::sink()).map_err(|e| Error::io("cannot read", out, &e))?;
    Ok(EncryptedExport {
        case_code: written.case_code,
        path: out.to_path_buf(),
        encrypted_to: to.to_string(),
        sha256,
        size,
        bundle_sha256,
        bundle_size,
        datapackage_sha256: written.datapackage_sha256,
        seal_root: written.seal_root,
        evidence: written.evidence,
        warcs: written.warcs,
    })
}

/// Encrypts everything `plain` yields to `to` into a new file at `tmp`, made durable;
/// returns the SHA-256 and size of the plaintext.
fn encrypt_into(
    plain: &mut dyn Read,
    tmp: &Path,
    to: &age::x25519::Recipient,
) -> Result<(String, u64)> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(|e| Error::io("cannot create", tmp, &e))?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(to as &dyn age::Recipient))
        .map_err(|e| Error::internal(format!("age: {e}")))?;
    let mut sink = encryptor
        .wrap_output(io::BufWriter::with_capacity(1 << 17, &file))
        .map_err(|e| Error::io("cannot write", tmp, &e))?;
    let sums = copy_hashing(plain, &mut sink).map_err(|e| Error::io("cannot write", tmp, &e))?;
    sink.finish()
        .and_then(|mut w| w.flush())
        .map_err(|e| Error::io("cannot write", tmp, &e))?;
    file.sync_all()
        .map_err(|e| Error::io("cannot flush", tmp, &e))?;
    Ok(sums)
}

fn copy_hashing(from: &mut dyn Read, to: &mut dyn Write) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 17];
    let mut size = 0u64;
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
