//! Case bundles: export a sealed case as one `.wacz` file, verify a bundle (ours or
//! another agency's) without trusting it, and import a verified bundle as a read-only
//! case. All three run off the IPC thread: exporting renders a PDF and verifying hashes
//! every byte, which takes seconds.
//!
//! Export and import open a handle of their own on the workspace folder (as the CLI
//! does beside the app) instead of holding the app's handle, so the window's other
//! commands are not queued behind a long export. A sealed case cannot change, so a
//! separate reader sees exactly what the app sees.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Runtime, State};
use truyvet_core::model::{Case, CaseStatus};
use truyvet_core::{Error, ErrorCode, OpenMode, Workspace};
use truyvet_export::{BundleReport, ExportSummary, ImportSummary};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// Where a bundle goes when the window names no destination.
pub const EXPORTS_DIR: &str = "exports";
const EXTENSION: &str = "wacz";

/// The workspace folder, read under the app's lock and released at once.
fn workspace_root(state: &AppState) -> truyvet_core::Result<PathBuf> {
    let ws = state.workspace()?;
    let root = lock(&ws)?.root().to_path_buf();
    Ok(root)
}

/// `<workspace>/exports/<CODE>.wacz`, the folder created when missing.
fn default_destination(root: &Path, code: &str) -> truyvet_core::Result<PathBuf> {
    let dir = root.join(EXPORTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, &e))?;
    Ok(dir.join(format!("{code}.{EXTENSION}")))
}

/// The case `code` if it is sealed; `case_not_sealed` (the export's own refusal) otherwise.
fn sealed_case(root: &Path, code: &str) -> truyvet_core::Result<Case> {
    let case = Workspace::open_with(root, OpenMode::ReadOnly)?.case_by_code(code)?;
    if case.status != CaseStatus::Sealed {
        return Err(Error::new(
            ErrorCode::CaseNotSealed,
            format!(
                "case {} is {}; only a sealed case can be exported",
                case.code, case.status
            ),
        ));
    }
    Ok(case)
}

fn export_to(root: PathBuf, code: String, out: PathBuf) -> truyvet_core::Result<ExportSummary> {
    let ws = Workspace::open_with(&root, OpenMode::ReadOnly)?;
    truyvet_export::export_case(&ws, &code, &out)
}

/// Exports the sealed case `code` to `path`, or to `<workspace>/exports/<CODE>.wacz`.
/// Anything but a sealed case is `case_not_sealed`, before a byte is written.
#[tauri::command]
pub async fn bundle_export(
    state: State<'_, AppState>,
    code: String,
    path: Option<String>,
) -> CmdResult<ExportSummary> {
    let root = workspace_root(&state)?;
    let out = match path.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => super::checked_destination(p, EXTENSION)?,
        // Refuse an unsealed case before creating the exports folder.
        _ => default_destination(&root, &sealed_case(&root, &code)?.code)?,
    };
    blocking(move || export_to(root, code, out)).await
}

/// Asks where to save the bundle (native save dialog, opened by the shell like the graph
/// export's, so the window needs no save permission) and exports there. `None` when the
/// dialog was cancelled.
#[tauri::command]
pub async fn bundle_export_dialog<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    code: String,
) -> CmdResult<Option<ExportSummary>> {
    let root = workspace_root(&state)?;
    // An unsealed case is refused before the dialog asks anything.
    let case = sealed_case(&root, &code)?;
    let Some(out) = super::save_destination(
        &app,
        "WACZ",
        EXTENSION,
        format!("{}.{EXTENSION}", case.code),
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(blocking(move || export_to(root, code, out)).await?))
}

/// Checks the bundle at `path` (no workspace involved). Problems with the bundle are in
/// the report (`ok: false`); only a path that cannot be read at all is an error.
#[tauri::command]
pub async fn bundle_verify(path: String) -> CmdResult<BundleReport> {
    let path = readable_bundle(&path)?;
    blocking(move || truyvet_export::verify_bundle(&path)).await
}

/// Verifies the bundle again and imports it as a read-only case from another agency.
#[tauri::command]
pub async fn bundle_import(state: State<'_, AppState>, path: String) -> CmdResult<ImportSummary> {
    let path = readable_bundle(&path)?;
    let root = workspace_root(&state)?;
    blocking(move || {
        let ws = Workspace::open_with(&root, OpenMode::Existing)?;
        truyvet_export::import_bundle(&ws, &path)
    })
    .await
}

/// A bundle path the window named: absolute and an existing file.
fn readable_bundle(path: &str) -> truyvet_core::Result<PathBuf> {
    let path = PathBuf::from(path.trim());
    if !path.is_absolute() {
        return Err(Error::invalid(format!(
            "the bundle path must be absolute: {}",
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
