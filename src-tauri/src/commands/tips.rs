//! Tips and complaints: list, record, read (contact masked), reveal the contact (logged
//! in the tip's log), triage, assign, open a case, close, bulk import with a preview, and
//! the origin tip of a case for its header.

use std::path::PathBuf;

use tauri::State;
use truyvet_core::tips::import::ImportReport;
use truyvet_core::tips::{NewTip, Tip, TipDetail, TipFilter, TipOrigin, TipOutcome, TipStatus};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

#[tauri::command]
pub fn tip_list(
    state: State<'_, AppState>,
    status: Option<TipStatus>,
    query: Option<String>,
    limit: Option<usize>,
) -> CmdResult<Vec<Tip>> {
    Ok(state.with(|ws| {
        ws.list_tips(&TipFilter {
            status,
            query,
            limit,
        })
    })?)
}

/// Records a tip; attachments are hashed into the blob store off the IPC thread.
#[tauri::command]
pub async fn tip_create(state: State<'_, AppState>, input: NewTip) -> CmdResult<TipDetail> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.record_tip(&input)).await
}

#[tauri::command]
pub fn tip_get(state: State<'_, AppState>, code: String) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.tip_detail(&code))?)
}

#[tauri::command]
pub fn tip_reveal_contact(state: State<'_, AppState>, code: String) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.reveal_tip_contact(&code))?)
}

#[tauri::command]
pub fn tip_triage(
    state: State<'_, AppState>,
    code: String,
    note: Option<String>,
) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.triage_tip(&code, note.as_deref().unwrap_or("")))?)
}

#[tauri::command]
pub fn tip_assign(
    state: State<'_, AppState>,
    code: String,
    assignee: String,
) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.assign_tip(&code, &assignee))?)
}

#[tauri::command]
pub fn tip_open_case(
    state: State<'_, AppState>,
    code: String,
    title: Option<String>,
) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.open_case_from_tip(&code, title.as_deref()))?)
}

#[tauri::command]
pub fn tip_close(
    state: State<'_, AppState>,
    code: String,
    outcome: TipOutcome,
    note: Option<String>,
) -> CmdResult<TipDetail> {
    Ok(state.with(|ws| ws.close_tip(&code, outcome, note.as_deref().unwrap_or("")))?)
}

/// Checks (`dry_run`) or imports a CSV/XLSX file; a commit is one transaction.
#[tauri::command]
pub async fn tip_import(
    state: State<'_, AppState>,
    path: String,
    dry_run: bool,
) -> CmdResult<ImportReport> {
    let ws = state.workspace()?;
    let path = PathBuf::from(path);
    blocking(move || lock(&ws)?.import_tips(&path, dry_run)).await
}

#[tauri::command]
pub fn case_origin_tip(state: State<'_, AppState>, code: String) -> CmdResult<Option<TipOrigin>> {
    Ok(state.with(|ws| ws.case_origin_tip(&code))?)
}
