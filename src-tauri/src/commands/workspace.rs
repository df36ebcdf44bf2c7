//! Workspace-wide commands: what is open, who is acting, and verification.

use serde::Serialize;
use tauri::State;
use truyvet_core::model::{Profile, ProfileInput};
use truyvet_core::{VerifyReport, Workspace};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

#[derive(Serialize)]
pub struct WorkspaceInfo {
    path: String,
    schema_version: u32,
    app_version: &'static str,
    device: String,
    profile: Option<Profile>,
}

impl WorkspaceInfo {
    pub fn of(ws: &Workspace) -> truyvet_core::Result<WorkspaceInfo> {
        Ok(WorkspaceInfo {
            path: ws.root().display().to_string(),
            schema_version: ws.schema_version()?,
            app_version: truyvet_core::VERSION,
            device: ws.device().to_string(),
            profile: ws.current_profile()?,
        })
    }
}

#[tauri::command]
pub fn workspace_info(state: State<'_, AppState>) -> CmdResult<WorkspaceInfo> {
    Ok(state.with(|ws| WorkspaceInfo::of(ws))?)
}

#[tauri::command]
pub fn profile_save(state: State<'_, AppState>, profile: ProfileInput) -> CmdResult<Profile> {
    Ok(state.with(|ws| ws.save_profile(&profile))?)
}

#[tauri::command]
pub async fn workspace_verify(state: State<'_, AppState>) -> CmdResult<VerifyReport> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.verify()).await
}
