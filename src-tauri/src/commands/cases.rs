//! Case commands: list, create, read, edit and the custody log.

use tauri::State;
use truyvet_core::model::{Case, CaseDetail, CaseEdit, CaseStatus, CaseSummary, NewCase};
use truyvet_core::{CaseFilter, CustodyEvent};

use super::CmdResult;
use crate::state::AppState;

#[tauri::command]
pub fn case_list(
    state: State<'_, AppState>,
    query: Option<String>,
    status: Option<CaseStatus>,
) -> CmdResult<Vec<CaseSummary>> {
    Ok(state.with(|ws| ws.list_cases(&CaseFilter { query, status }))?)
}

#[tauri::command]
pub fn case_create(state: State<'_, AppState>, input: NewCase) -> CmdResult<Case> {
    Ok(state.with(|ws| ws.create_case(&input))?)
}

#[tauri::command]
pub fn case_get(state: State<'_, AppState>, code: String) -> CmdResult<CaseDetail> {
    Ok(state.with(|ws| ws.case_detail(&code))?)
}

#[tauri::command]
pub fn case_edit(state: State<'_, AppState>, code: String, edit: CaseEdit) -> CmdResult<Case> {
    Ok(state.with(|ws| ws.edit_case(&code, &edit))?)
}

#[tauri::command]
pub fn custody_log(state: State<'_, AppState>, code: String) -> CmdResult<Vec<CustodyEvent>> {
    Ok(state.with(|ws| ws.custody_log(&code))?)
}
