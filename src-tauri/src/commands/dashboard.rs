//! The supervisor's overview (`Workspace::dashboard`): one read transaction on the app's
//! workspace handle, so it sees exactly what the window's other commands see.

use tauri::State;
use truyvet_core::dashboard::Dashboard;

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// The overview as of now. Runs off the IPC thread: on a large workspace it scans every
/// case once.
#[tauri::command]
pub async fn dashboard_get(state: State<'_, AppState>) -> CmdResult<Dashboard> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.dashboard()).await
}
