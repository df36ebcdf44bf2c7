//! IPC commands. Each one only converts arguments, calls the core and converts the
//! result; errors cross IPC as `{code, message}` so the UI can pick its own words.

pub(crate) mod addenda;
pub(crate) mod backup;
pub(crate) mod browser;
pub(crate) mod bundle;
pub(crate) mod capture;
mod cases;
pub(crate) mod dashboard;
pub(crate) mod detail;
pub(crate) mod entities;
mod evidence;
pub(crate) mod lock;
pub(crate) mod report;
pub(crate) mod settings;
pub(crate) mod sync;
pub(crate) mod timestamp;
pub(crate) mod tips;
pub(crate) mod watch;
pub(crate) mod workflow;
pub(crate) mod workspace;

use serde::Serialize;
use truyvet_core::Error;

/// The one error shape the front end sees.
#[derive(Debug, Clone, Serialize)]
pub struct AppError {
    code: String,
    message: String,
}

impl AppError {
    /// An error with one of the shell's own codes (see `capture_browser::BrowserErrorCode`).
    pub fn with_code(code: &str, message: impl Into<String>) -> Self {
        AppError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        AppError {
            code: err.code.as_str().to_string(),
            message: err.message,
        }
    }
}

pub type CmdResult<T> = Result<T, AppError>;

/// Asks the user where to save with the native dialog (the window never names the
/// path), adds `.{extension}` when the name lacks it, and checks the result like a path
/// the window named. `None` when the dialog is cancelled.
pub(crate) async fn save_destination<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    filter: &str,
    extension: &str,
    file_name: impl Into<String>,
) -> truyvet_core::Result<Option<std::path::PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(filter, &[extension])
        .set_file_name(file_name)
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx
        .await
        .map_err(|_| Error::internal("the save dialog closed without an answer"))?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let mut chosen = picked
        .into_path()
        .map_err(|e| Error::invalid(format!("the chosen location is not a file path: {e}")))?;
    if !chosen
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
    {
        chosen.set_extension(extension);
    }
    checked_destination(&chosen.to_string_lossy(), extension).map(Some)
}

/// A file the window asks the shell to write: an absolute path ending in `.{extension}`
/// and not a folder, so the window can only ever create files of that kind, never
/// overwrite some other file of the user's.
pub(crate) fn checked_destination(
    path: &str,
    extension: &str,
) -> truyvet_core::Result<std::path::PathBuf> {
    let path = std::path::PathBuf::from(path.trim());
    if !path.is_absolute() {
        return Err(Error::invalid(format!(
            "the destination must be an absolute path: {}",
            path.display()
        )));
    }
    let matches = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension));
    if !matches || path.file_stem().is_none() {
        return Err(Error::invalid(format!(
            "the destination must be a .{extension} file: {}",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(Error::new(
            truyvet_core::ErrorCode::NotAFile,
            format!("{} is a folder", path.display()),
        ));
    }
    Ok(path)
}

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        workspace::workspace_info,
        workspace::workspace_verify,
        workspace::profile_save,
        lock::app_status,
        lock::app_lock,
        lock::app_unlock,
        lock::app_activity,
        lock::workspace_create,
        settings::settings_get,
        settings::settings_set,
        settings::workspace_change_passphrase,
        cases::case_list,
        cases::case_create,
        cases::case_get,
        cases::case_edit,
        cases::custody_log,
        evidence::evidence_add,
        evidence::note_add,
        capture::capture_url,
        detail::evidence_detail,
        detail::timestamp_list,
        timestamp::timestamp_run,
        browser::browser_open,
        browser::browser_status,
        browser::browser_set_paused,
        browser::browser_capture_now,
        browser::browser_navigate,
        browser::browser_close,
        entities::entity_overview,
        entities::entity_confirm,
        entities::entity_reject,
        entities::entity_merge,
        entities::entity_create,
        entities::link_add,
        entities::identifier_lookup,
        entities::exclusion_list,
        entities::exclusion_add,
        entities::exclusion_remove,
        entities::case_graph,
        entities::graph_export,
        workflow::profile_list,
        workflow::profile_add,
        workflow::profile_use,
        workflow::profile_key_create,
        workflow::case_transition,
        workflow::review_queue,
        workflow::case_review,
        workflow::case_review_edit,
        bundle::bundle_export,
        bundle::bundle_export_dialog,
        bundle::bundle_verify,
        bundle::bundle_import,
        addenda::case_addenda,
        addenda::case_addendum_add,
        addenda::seal_proof_export,
        addenda::seal_proof_export_to,
        addenda::seal_proof_verify,
        sync::registry_settings_get,
        sync::registry_settings_set,
        sync::sync_status,
        sync::sync_now,
        sync::watchlist_hits,
        dashboard::dashboard_get,
        watch::watch_list,
        watch::watch_add,
        watch::watch_detail,
        watch::watch_diff,
        watch::watch_screenshot,
        watch::watch_remove,
        watch::watch_set_active,
        watch::watch_run_now,
        watch::watch_status,
        tips::tip_list,
        tips::tip_create,
        tips::tip_get,
        tips::tip_reveal_contact,
        tips::tip_triage,
        tips::tip_assign,
        tips::tip_open_case,
        tips::tip_close,
        tips::tip_import,
        tips::case_origin_tip,
        backup::backup_run,
        backup::backup_run_dialog,
        report::report_figures,
        report::report_build,
        report::report_build_dialog,
    ]
}

/// Runs blocking core work (hashing, verifying) off the IPC thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> truyvet_core::Result<T> + Send + 'static,
) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::from(Error::internal(format!("background task failed: {e}"))))?
        .map_err(AppError::from)
}
