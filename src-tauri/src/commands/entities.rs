//! Entity commands: a case's entities, suggestions, links and cross-case hits; their
//! review (confirm, reject, merge); hand-made subjects; links with evidence; lookup; the
//! exclusion list; the case graph and its export.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use truyvet_core::graph_export::{self, Graph, GraphFormat};
use truyvet_core::{
    CrossCaseHit, Entity, Error, Exclusion, IdKind, Link, NewEntity, NewLink, Occurrence, Workspace,
};

use super::{CmdResult, blocking};
use crate::state::AppState;

/// What the entities panel shows for a case, read in one go.
#[derive(Serialize)]
pub struct EntityOverview {
    /// Every entity of the case (suggested, confirmed, rejected, merged), oldest first.
    entities: Vec<Entity>,
    links: Vec<Link>,
    hits: Vec<CrossCaseHit>,
}

impl EntityOverview {
    pub fn of(ws: &Workspace, code: &str) -> truyvet_core::Result<Self> {
        Ok(EntityOverview {
            entities: ws.case_entities(code)?,
            links: ws.case_links(code)?,
            hits: ws.cross_case_hits(code)?,
        })
    }
}

#[tauri::command]
pub fn entity_overview(state: State<'_, AppState>, code: String) -> CmdResult<EntityOverview> {
    Ok(state.with(|ws| EntityOverview::of(ws, &code))?)
}

#[tauri::command]
pub fn entity_confirm(state: State<'_, AppState>, entity_id: String) -> CmdResult<Entity> {
    Ok(state.with(|ws| ws.confirm_entity(&entity_id))?)
}

#[tauri::command]
pub fn entity_reject(
    state: State<'_, AppState>,
    entity_id: String,
    reason: Option<String>,
) -> CmdResult<Entity> {
    Ok(state.with(|ws| ws.reject_entity(&entity_id, reason.as_deref().unwrap_or("")))?)
}

#[tauri::command]
pub fn entity_merge(
    state: State<'_, AppState>,
    entity_id: String,
    into_id: String,
) -> CmdResult<Entity> {
    Ok(state.with(|ws| ws.merge_entities(&entity_id, &into_id))?)
}

#[tauri::command]
pub fn entity_create(
    state: State<'_, AppState>,
    code: String,
    input: NewEntity,
) -> CmdResult<Entity> {
    Ok(state.with(|ws| ws.create_entity(&code, &input))?)
}

#[tauri::command]
pub fn link_add(state: State<'_, AppState>, input: NewLink) -> CmdResult<Link> {
    Ok(state.with(|ws| ws.add_link(&input))?)
}

#[tauri::command]
pub fn identifier_lookup(state: State<'_, AppState>, value: String) -> CmdResult<Vec<Occurrence>> {
    Ok(state.with(|ws| ws.lookup(&value))?)
}

#[tauri::command]
pub fn exclusion_list(state: State<'_, AppState>) -> CmdResult<Vec<Exclusion>> {
    Ok(state.with(|ws| ws.exclusions())?)
}

#[tauri::command]
pub fn exclusion_add(
    state: State<'_, AppState>,
    kind: IdKind,
    value: String,
    note: Option<String>,
) -> CmdResult<Exclusion> {
    Ok(state.with(|ws| ws.add_exclusion(kind, &value, note.as_deref().unwrap_or("")))?)
}

#[tauri::command]
pub fn exclusion_remove(
    state: State<'_, AppState>,
    kind: IdKind,
    value: String,
) -> CmdResult<Exclusion> {
    Ok(state.with(|ws| ws.remove_exclusion(kind, &value))?)
}

#[tauri::command]
pub fn case_graph(
    state: State<'_, AppState>,
    code: String,
    expand: Option<bool>,
) -> CmdResult<Graph> {
    Ok(state.with(|ws| graph_export::case_graph(ws, &code, expand.unwrap_or(false)))?)
}

/// Asks where to save the case graph (native save dialog, opened by the shell so the
/// window never names a path to write) and writes it there. Resolves to the files
/// written, or `null` when the dialog was cancelled.
#[tauri::command]
pub async fn graph_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    code: String,
    format: GraphFormat,
    expand: Option<bool>,
) -> CmdResult<Option<Vec<String>>> {
    let graph = state.with(|ws| graph_export::case_graph(ws, &code, expand.unwrap_or(false)))?;
    let (extension, filter) = match format {
        GraphFormat::Graphml => ("graphml", "GraphML"),
        GraphFormat::Csv => ("csv", "CSV (i2)"),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(filter, &[extension])
        .set_file_name(format!("{}.{extension}", graph.case_code))
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx
        .await
        .map_err(|_| Error::internal("the save dialog closed without an answer"))?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let chosen: PathBuf = picked
        .into_path()
        .map_err(|e| Error::invalid(format!("the chosen location is not a file path: {e}")))?;
    let written = blocking(move || graph_export::write_export(format, &graph, &chosen)).await?;
    Ok(Some(
        written
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
    ))
}
