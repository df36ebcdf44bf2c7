//! Backups from the app: the same `truyvet_core::backup` as `truyvet backup`, with the
//! progress sent to the window as `backup-progress` events. The app's workspace handle
//! is held only while the database snapshot is taken (one SQLite backup step); copying
//! the blobs, which can take minutes, runs without it, so the window stays usable.
//!
//! The window names a destination only as an absolute `.tar` path or an existing
//! folder (a USB drive: incremental snapshots), or lets the shell ask with the native
//! dialog; a second backup while one runs is refused.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};
use truyvet_core::backup::{self, BackupProgress, BackupSummary};
use truyvet_core::{Error, Result};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// Event name of [`BackupProgressEvent`].
pub const BACKUP_PROGRESS: &str = "backup-progress";
const EXTENSION: &str = "tar";
const MAIN_WINDOW: &str = "main";

static RUNNING: AtomicBool = AtomicBool::new(false);

/// Bytes copied so far of all there is to copy.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BackupProgressEvent {
    pub done: u64,
    pub total: u64,
}

/// Backs the open workspace up to `out`: an absolute path ending in `.tar` (a new
/// file), or an existing folder (a new incremental snapshot in it).
#[tauri::command]
pub async fn backup_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    out: String,
) -> CmdResult<BackupSummary> {
    let out = destination(&out)?;
    run(app, &state, out).await
}

/// Asks for the destination with the native dialog (a `.tar` file to save, or with
/// `folder` a folder such as a USB drive), then backs up there; `None` when cancelled.
#[tauri::command]
pub async fn backup_run_dialog<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: Option<bool>,
) -> CmdResult<Option<BackupSummary>> {
    // Refuse a locked or missing workspace before the dialog asks anything.
    state.workspace()?;
    let chosen = if folder.unwrap_or(false) {
        pick_folder(&app).await?
    } else {
        let name = format!(
            "truyvet-{}.{EXTENSION}",
            truyvet_core::time_fmt::now_utc()
                .get(..10)
                .unwrap_or("backup")
        );
        super::save_destination(&app, "TAR", EXTENSION, name).await?
    };
    match chosen {
        Some(out) => Ok(Some(run(app, &state, out).await?)),
        None => Ok(None),
    }
}

async fn run<R: Runtime>(
    app: AppHandle<R>,
    state: &AppState,
    out: PathBuf,
) -> CmdResult<BackupSummary> {
    let ws = state.workspace()?;
    if RUNNING.swap(true, Ordering::SeqCst) {
        return Err(Error::invalid("a backup is already running").into());
    }
    let result = blocking(move || {
        // The snapshot under the app's lock; the copying without it.
        let pending = backup::begin(&*lock(&ws)?, &out)?;
        let mut last_percent = u64::MAX;
        let mut progress = |p: BackupProgress| {
            let percent = (p.done * 100).checked_div(p.total).unwrap_or(100);
            if percent != last_percent || p.done == p.total {
                last_percent = percent;
                let _ = app.emit_to(
                    MAIN_WINDOW,
                    BACKUP_PROGRESS,
                    BackupProgressEvent {
                        done: p.done,
                        total: p.total,
                    },
                );
            }
        };
        pending.finish(&mut progress)
    })
    .await;
    RUNNING.store(false, Ordering::SeqCst);
    result
}

/// A destination the window named: an existing folder, or an absolute `.tar` path.
fn destination(out: &str) -> Result<PathBuf> {
    let path = PathBuf::from(out.trim());
    if path.is_absolute() && path.is_dir() {
        return Ok(path);
    }
    super::checked_destination(out, EXTENSION)
}

async fn pick_folder<R: Runtime>(app: &AppHandle<R>) -> Result<Option<PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let picked = rx
        .await
        .map_err(|_| Error::internal("the folder dialog closed without an answer"))?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|e| Error::invalid(format!("the chosen location is not a folder path: {e}")))?;
    destination(&path.to_string_lossy()).map(Some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use serde_json::{Value, json};
    use tauri::Listener;

    use super::*;
    use crate::AppState;
    use crate::CaptureBrowser;
    use crate::contract_tests::assert_shape;
    use crate::ipc_tests::{app_with, invoke};

    fn app(
        state: AppState,
    ) -> (
        tauri::App<tauri::test::MockRuntime>,
        tauri::WebviewWindow<tauri::test::MockRuntime>,
    ) {
        app_with(
            state,
            CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
        )
    }

    #[test]
    fn the_window_can_name_only_a_tar_file_or_an_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_string_lossy().into_owned();
        assert_eq!(destination(&folder).unwrap(), dir.path());
        let file = dir.path().join("b.tar");
        assert!(destination(&file.to_string_lossy()).is_ok());
        for bad in [
            "b.tar",
            "/etc/passwd",
            "/tmp/missing-folder/",
            "relative/dir",
        ] {
            assert!(destination(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backup_run_writes_a_backup_that_restores_and_reports_progress() {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = tempfile::tempdir().unwrap();
        let (app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let seen = events.clone();
        app.listen_any(BACKUP_PROGRESS, move |e| {
            seen.lock()
                .unwrap()
                .push(serde_json::from_str(e.payload()).unwrap());
        });
        invoke(
            &w,
            "profile_save",
            json!({"profile": {"display_name": "Phạm Thu Hà", "agency": "QLTT", "unit": "Đội 3",
                                "province": "DN", "role": "investigator"}}),
        )
        .unwrap();
        let case = invoke(&w, "case_create", json!({"input": {"title": "Sao lưu"}})).unwrap();
        let file = out_dir.path().join("chứng cứ.bin");
        std::fs::write(&file, vec![7u8; 300_000]).unwrap();
        invoke(
            &w,
            "evidence_add",
            json!({"code": case["code"], "paths": [file]}),
        )
        .unwrap();

        let out = out_dir.path().join("sao-luu.tar");
        let summary = invoke(&w, "backup_run", json!({"out": out})).unwrap();
        assert_shape("BackupSummary", &summary);
        assert_eq!(summary["kind"], "archive");
        assert_eq!(summary["evidence"], 1);
        let events = events.lock().unwrap().clone();
        assert!(!events.is_empty());
        for e in &events {
            assert_shape("BackupProgress", e);
        }
        let last = events.last().unwrap();
        assert_eq!(last["done"], last["total"]);

        let restored = backup::restore(
            &out,
            &out_dir.path().join("restored"),
            &backup::RestoreOptions::default(),
        )
        .unwrap();
        assert_eq!(restored.manifest_sha256, summary["manifest_sha256"]);

        // A folder: incremental; a second run copies nothing new.
        let usb = out_dir.path().join("usb");
        std::fs::create_dir(&usb).unwrap();
        let first = invoke(&w, "backup_run", json!({"out": usb})).unwrap();
        assert_eq!(first["blobs_copied"], 1);
        let second = invoke(&w, "backup_run", json!({"out": usb})).unwrap();
        assert_eq!(second["kind"], "folder");
        assert_eq!(second["blobs_copied"], 0);

        // What the window may not name.
        let err = invoke(&w, "backup_run", json!({"out": "sao-luu.tar"})).unwrap_err();
        assert_eq!(err["code"], "invalid_input");
        let err = invoke(&w, "backup_run", json!({"out": out})).unwrap_err();
        assert_eq!(
            err["code"], "invalid_input",
            "an existing file is never replaced"
        );
    }
}
