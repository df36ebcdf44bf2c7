//! Addenda and seal proofs: a sealed case is corrected by signed addenda, never edited,
//! and one of its evidence items can leave with a proof that it was sealed in the case.
//!
//! The passphrase of an addendum arrives as an argument, goes straight to the core and
//! is dropped (argon2id runs off the IPC thread). A proof is written by the shell, to a
//! place chosen in the native save dialog or to an absolute `.json` path, so the window
//! can never name some other file to overwrite. Checking a proof needs no workspace:
//! the document carries everything it is checked against.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tauri::{AppHandle, Runtime, State};
use truyvet_core::addenda::Addendum;
use truyvet_core::seal_proof::{ProvenItem, SealProof, verify_seal_proof};
use truyvet_core::{Error, ErrorCode, Workspace};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

const EXTENSION: &str = "json";
/// Largest proof document read: a proof is a few KiB even for a case of a million items,
/// so anything bigger is not one and is refused before it is read.
pub const MAX_PROOF_BYTES: u64 = 1 << 20;

/// A case's addenda, oldest first.
#[tauri::command]
pub fn case_addenda(state: State<'_, AppState>, code: String) -> CmdResult<Vec<Addendum>> {
    Ok(state.with(|ws| ws.case_addenda(&code))?)
}

/// Adds a signed addendum to a sealed case as the current profile.
#[tauri::command]
pub async fn case_addendum_add(
    state: State<'_, AppState>,
    code: String,
    text: String,
    passphrase: String,
) -> CmdResult<Addendum> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.add_addendum(&code, &text, &passphrase)).await
}

/// The proof document as the CLI writes it (`truyvet case prove --out`), so either
/// verifier reads the other's files.
fn proof_bytes(ws: &Workspace, code: &str, evidence_id: &str) -> truyvet_core::Result<Vec<u8>> {
    let proof = ws.seal_proof(code, evidence_id)?;
    let mut bytes = serde_json::to_vec_pretty(&proof)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_proof(path: &Path, bytes: &[u8]) -> truyvet_core::Result<String> {
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, &e))?;
    Ok(path.to_string_lossy().into_owned())
}

/// Writes the proof that evidence `evidence_id` is part of sealed case `code` to `path`
/// (absolute, `.json`); returns the path written.
#[tauri::command]
pub async fn seal_proof_export_to(
    state: State<'_, AppState>,
    code: String,
    evidence_id: String,
    path: String,
) -> CmdResult<String> {
    let out = super::checked_destination(&path, EXTENSION)?;
    let ws = state.workspace()?;
    blocking(move || {
        let bytes = proof_bytes(&*lock(&ws)?, &code, &evidence_id)?;
        write_proof(&out, &bytes)
    })
    .await
}

/// Asks where to save the proof (native save dialog, opened by the shell) and writes it
/// there. `None` when the dialog was cancelled. The proof is built before the dialog
/// opens, so an unsealed case or an unknown item is refused without asking anything.
#[tauri::command]
pub async fn seal_proof_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    code: String,
    evidence_id: String,
) -> CmdResult<Option<String>> {
    let ws = state.workspace()?;
    let file_name = format!("{code}-{evidence_id}.proof.{EXTENSION}");
    let bytes = blocking(move || proof_bytes(&*lock(&ws)?, &code, &evidence_id)).await?;
    let Some(out) = super::save_destination(&app, "JSON", EXTENSION, file_name).await? else {
        return Ok(None);
    };
    Ok(Some(write_proof(&out, &bytes)?))
}

/// A file the window named for reading: absolute and an existing file.
fn readable_file(path: &str) -> truyvet_core::Result<PathBuf> {
    let path = PathBuf::from(path.trim());
    if !path.is_absolute() {
        return Err(Error::invalid(format!(
            "the path must be absolute: {}",
            path.display()
        )));
    }
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(Error::new(
            ErrorCode::NotAFile,
            format!("{} is not a file", path.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            ErrorCode::FileNotFound,
            format!("{} does not exist", path.display()),
        )),
        Err(e) => Err(Error::io("cannot read", &path, &e)),
    }
}

fn refused(message: String) -> Error {
    Error::new(ErrorCode::ProofInvalid, message)
}

/// Reads at most `MAX_PROOF_BYTES` (plus one, to notice more) and parses the proof.
fn read_proof(path: &Path) -> truyvet_core::Result<SealProof> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let mut bytes = Vec::new();
    file.take(MAX_PROOF_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, &e))?;
    if bytes.len() as u64 > MAX_PROOF_BYTES {
        return Err(refused(format!(
            "{} is larger than {MAX_PROOF_BYTES} bytes; a seal proof is far smaller",
            path.display()
        )));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| refused(format!("{} is not a seal proof: {e}", path.display())))
}

fn sha256_of(path: &Path) -> truyvet_core::Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("cannot read", path, &e))?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// Checks the proof at `path` on its own; given `file_path`, also that the file is the
/// sealed item (its SHA-256 is the one the proof names). Anything that does not check
/// out is `proof_invalid`.
#[tauri::command]
pub async fn seal_proof_verify(path: String, file_path: Option<String>) -> CmdResult<ProvenItem> {
    let proof_path = readable_file(&path)?;
    let file = match file_path.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => Some(readable_file(p)?),
        _ => None,
    };
    blocking(move || {
        let proven = verify_seal_proof(&read_proof(&proof_path)?)?;
        if let Some(file) = file {
            let actual = sha256_of(&file)?;
            if actual != proven.sha256 {
                return Err(refused(format!(
                    "{} hashes to {actual}; the sealed item is {}",
                    file.display(),
                    proven.sha256
                )));
            }
        }
        Ok(proven)
    })
    .await
}
