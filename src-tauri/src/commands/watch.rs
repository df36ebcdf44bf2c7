//! The watch list in the app: list, add, detail (with classification and risk reasons),
//! text diff and both screenshots, remove, pause, and "check now". Checks run off the
//! IPC thread through `truyvet_capture::watch` (the code behind `truyvet watch run`);
//! the background loop in `watch/runner.rs` checks due items while the app runs.

mod runner;

pub use runner::{WatchPacing, WatchRunner};

use serde::Serialize;
use tauri::State;
use truyvet_capture::watch::WatchRun;
use truyvet_core::watch::{NewWatch, WatchDetail, WatchDiff, WatchItem};
use truyvet_core::{Error, ErrorCode};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// Every item, changed/flagged first; new flags raised on the way.
#[tauri::command]
pub async fn watch_list(state: State<'_, AppState>) -> CmdResult<Vec<WatchItem>> {
    let ws = state.workspace()?;
    blocking(move || {
        let mut ws = lock(&ws)?;
        ws.watch_refresh()?;
        ws.watch_list()
    })
    .await
}

#[tauri::command]
pub async fn watch_add(
    state: State<'_, AppState>,
    target: String,
    label: Option<String>,
    kind: Option<String>,
    interval_secs: Option<u64>,
) -> CmdResult<WatchItem> {
    let ws = state.workspace()?;
    blocking(move || {
        lock(&ws)?.watch_add(&NewWatch {
            target,
            kind,
            label: label.unwrap_or_default(),
            interval_secs,
        })
    })
    .await
}

/// The item as it was before this look (so the window can show what was new), then
/// marked seen.
#[tauri::command]
pub async fn watch_detail(state: State<'_, AppState>, id: String) -> CmdResult<WatchDetail> {
    let ws = state.workspace()?;
    blocking(move || {
        let mut ws = lock(&ws)?;
        ws.watch_refresh()?;
        let detail = ws.watch_detail(&id)?;
        ws.watch_mark_seen(&detail.item.id)?;
        Ok(detail)
    })
    .await
}

#[tauri::command]
pub async fn watch_diff(
    state: State<'_, AppState>,
    id: String,
    from: Option<i64>,
    to: Option<i64>,
) -> CmdResult<WatchDiff> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.watch_diff(&id, from, to)).await
}

/// A snapshot's screenshot as a `data:image/png` URL (`None` when the check had none).
/// Only PNG bytes are served, so a hostile page cannot smuggle other content in.
#[tauri::command]
pub async fn watch_screenshot(
    state: State<'_, AppState>,
    id: String,
    snapshot: i64,
) -> CmdResult<Option<String>> {
    let ws = state.workspace()?;
    blocking(move || {
        let ws = lock(&ws)?;
        let detail = ws.watch_detail(&id)?;
        let snap = detail
            .snapshots
            .iter()
            .find(|s| s.id == snapshot)
            .ok_or_else(|| {
                Error::new(ErrorCode::WatchNotFound, format!("no snapshot {snapshot}"))
            })?;
        let Some(sha) = &snap.screenshot_sha256 else {
            return Ok(None);
        };
        let path = ws.blobs().path_for(sha);
        let bytes = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Ok(None);
        }
        use base64::Engine as _;
        Ok(Some(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        )))
    })
    .await
}

#[tauri::command]
pub async fn watch_remove(state: State<'_, AppState>, id: String) -> CmdResult<WatchItem> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.watch_remove(&id)).await
}

#[tauri::command]
pub async fn watch_set_active(
    state: State<'_, AppState>,
    id: String,
    active: bool,
) -> CmdResult<WatchItem> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.watch_set_active(&id, active)).await
}

#[derive(Debug, Clone, Serialize)]
pub struct WatchRunStatus {
    pub running: bool,
    pub last: Option<runner::WatchRunSummary>,
}

/// Checks the due items now (every active one with `all`), with Chromium screenshots
/// when `browser`. Refused while another check is running.
#[tauri::command]
pub async fn watch_run_now(
    state: State<'_, AppState>,
    runner: State<'_, WatchRunner>,
    all: bool,
    browser: Option<bool>,
) -> CmdResult<WatchRun> {
    let ws = state.workspace()?;
    let runner = runner.inner().clone();
    let slot = state.slot().clone();
    let browser = browser.unwrap_or(false);
    blocking(move || runner.run_now(&ws, &slot, all, browser)).await
}

#[tauri::command]
pub fn watch_status(runner: State<'_, WatchRunner>) -> WatchRunStatus {
    WatchRunStatus {
        running: runner.running(),
        last: runner.last(),
    }
}
