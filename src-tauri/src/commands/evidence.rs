//! Evidence and note commands. Adding files hashes and copies them, which can take a
//! while for large files, so it runs off the IPC thread.

use std::path::PathBuf;

use tauri::State;
use truyvet_core::AddOptions;
use truyvet_core::model::{EvidenceItem, Note};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

#[tauri::command]
pub async fn evidence_add(
    state: State<'_, AppState>,
    code: String,
    paths: Vec<String>,
    note: Option<String>,
) -> CmdResult<Vec<EvidenceItem>> {
    let ws = state.workspace()?;
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    blocking(move || {
        let options = AddOptions {
            note,
            allow_empty: false,
        };
        let mut ws = lock(&ws)?;
        let items = ws.add_files(&code, &paths, &options, &mut |_| {})?;
        // The files are stored; identifiers found in them become suggestions of the case.
        truyvet_capture::identify::suggest_for_files(&mut ws, &code, &items)?;
        Ok(items)
    })
    .await
}

#[tauri::command]
pub fn note_add(state: State<'_, AppState>, code: String, text: String) -> CmdResult<Note> {
    Ok(state.with(|ws| ws.add_note(&code, &text))?)
}
