//! Periodic reports (`truyvet-periodic`): the figures of a period and scope for the
//! preview, and the report written as PDF or XLSX — where the window says (an absolute
//! path, as the bundle export takes), to `<workspace>/reports/`, or where the user picks
//! in the native save dialog. The work runs off the IPC thread on the app's workspace
//! handle.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};
use truyvet_core::Workspace;
use truyvet_core::{Error, Result};
use truyvet_periodic::{
    Figures, Format, Preset, RegistryFigures, ReportRequest, ReportSummary, Scope,
};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// Where a report goes when the window names no destination.
pub const REPORTS_DIR: &str = "reports";

/// What the report screen asks for: a preset (`6m`, `1y`, `2y`, `3y`) or an explicit
/// period (`YYYY-MM-DD`, inclusive, Vietnam time), a scope and a format.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    /// `pdf` or `xlsx` (default `pdf`).
    #[serde(default)]
    pub format: Option<String>,
}

fn blank_none(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The request the periodic-report API takes; `invalid_input` for an unknown preset or
/// format, a date that is not `YYYY-MM-DD`, or a custom period missing an end.
pub fn request(params: &ReportParams) -> Result<ReportRequest> {
    let (from, to) = match blank_none(&params.preset) {
        Some(preset) if preset != "custom" => {
            Preset::parse(&preset)?.range(truyvet_periodic::today_vn())
        }
        _ => match (blank_none(&params.from), blank_none(&params.to)) {
            (Some(from), Some(to)) => (
                truyvet_periodic::parse_date(&from)?,
                truyvet_periodic::parse_date(&to)?,
            ),
            _ => {
                return Err(Error::invalid(
                    "a custom period needs both a start and an end date (YYYY-MM-DD)",
                ));
            }
        },
    };
    let format = match blank_none(&params.format) {
        Some(f) => Format::parse(&f)?,
        None => Format::Pdf,
    };
    Ok(ReportRequest {
        from,
        to,
        scope: Scope {
            agency: blank_none(&params.agency),
            unit: blank_none(&params.unit),
            province: blank_none(&params.province),
        },
        format,
    })
}

/// `bao-cao-<from>-<to>.<ext>`: the name the save dialog proposes.
pub fn file_name(req: &ReportRequest) -> String {
    format!("bao-cao-{}-{}.{}", req.from, req.to, req.format.as_str())
}

/// `<workspace>/reports/<file_name>`, the folder created when missing.
fn default_destination(root: &Path, req: &ReportRequest) -> Result<PathBuf> {
    let dir = root.join(REPORTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, &e))?;
    Ok(dir.join(file_name(req)))
}

/// How long a report waits for the registry's figures (one attempt).
const REGISTRY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The central registry's figures for the period when one is configured (else
/// `offline`); a failed fetch is `unreachable` and the report is still made.
fn registry_figures(ws: &Workspace, req: &ReportRequest) -> Result<RegistryFigures> {
    let Some(config) = ws.registry_config()? else {
        return Ok(RegistryFigures::offline());
    };
    let fetched = truyvet_sync::fetch_stats(ws, req.from, req.to, REGISTRY_TIMEOUT);
    Ok(RegistryFigures::from_fetch(&config.url, fetched))
}

/// Figures and report with the registry's part, on the workspace's lock.
fn build_report(ws: &Workspace, req: &ReportRequest, out: &Path) -> Result<ReportSummary> {
    let registry = registry_figures(ws, req)?;
    let at = truyvet_periodic::generation_time();
    Ok(truyvet_periodic::build_with_registry(ws, req, registry, out, at)?.0)
}

/// The figures of the period and scope, for the preview.
#[tauri::command]
pub async fn report_figures(
    state: State<'_, AppState>,
    params: ReportParams,
) -> CmdResult<Figures> {
    let req = request(&params)?;
    let ws = state.workspace()?;
    blocking(move || {
        let ws = lock(&ws)?;
        let registry = registry_figures(&ws, &req)?;
        truyvet_periodic::figures_with_registry(&ws, &req, registry)
    })
    .await
}

/// Writes the report to `path` (absolute, ending in `.pdf` / `.xlsx` as the format
/// says), or to `<workspace>/reports/` when no path is given.
#[tauri::command]
pub async fn report_build(
    state: State<'_, AppState>,
    params: ReportParams,
    path: Option<String>,
) -> CmdResult<ReportSummary> {
    let req = request(&params)?;
    let ws = state.workspace()?;
    let out = match path.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => super::checked_destination(p, req.format.as_str())?,
        _ => {
            let root = lock(&ws)?.root().to_path_buf();
            default_destination(&root, &req)?
        }
    };
    blocking(move || build_report(&*lock(&ws)?, &req, &out)).await
}

/// Asks where to save with the native dialog and writes the report there. `None` when
/// the dialog was cancelled. A bad period or format is refused before the dialog opens.
#[tauri::command]
pub async fn report_build_dialog<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    params: ReportParams,
) -> CmdResult<Option<ReportSummary>> {
    let req = request(&params)?;
    let (filter, ext) = match req.format {
        Format::Pdf => ("PDF", "pdf"),
        Format::Xlsx => ("Excel", "xlsx"),
    };
    let Some(out) = super::save_destination(&app, filter, ext, file_name(&req)).await? else {
        return Ok(None);
    };
    let ws = state.workspace()?;
    Ok(Some(
        blocking(move || build_report(&*lock(&ws)?, &req, &out)).await?,
    ))
}
