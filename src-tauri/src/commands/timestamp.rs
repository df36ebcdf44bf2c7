//! Stamping the RFC 3161 queue from the app; the loop itself is shared with the CLI
//! (`truyvet_capture::stamping`).

use tauri::State;
use truyvet_capture::stamping::{StampRun, stamp_due as stamp_queue};
use truyvet_core::Workspace;

use super::CmdResult;
use crate::state::AppState;

#[tauri::command]
pub async fn timestamp_run(state: State<'_, AppState>) -> CmdResult<StampRun> {
    let ws = state.workspace()?;
    Ok(stamp_due(&ws).await?)
}

/// Stamps every due entry. Also run in the background after each capture.
pub async fn stamp_due(ws: &std::sync::Mutex<Workspace>) -> truyvet_core::Result<StampRun> {
    stamp_queue(ws, false).await
}
