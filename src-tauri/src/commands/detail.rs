//! One evidence item in full (its artifacts, capture facts and timestamp) and the
//! timestamp status of a whole case, for the per-row marker.

use serde::Serialize;
use tauri::State;
use truyvet_core::model::EvidenceItem;
use truyvet_core::{ArtifactRef, Error, ErrorCode, StampStatus, WebCaptureInfo, Workspace};

use super::CmdResult;
use crate::state::AppState;

#[derive(Serialize)]
pub struct EvidenceDetail {
    item: EvidenceItem,
    artifacts: Vec<ArtifactRef>,
    timestamp: Option<StampStatus>,
    capture: Option<WebCaptureInfo>,
}

impl EvidenceDetail {
    pub fn of(ws: &Workspace, code: &str, evidence_id: &str) -> truyvet_core::Result<Self> {
        let case = ws.case_by_code(code)?;
        let item = ws
            .evidence_of(&case.id)?
            .into_iter()
            .find(|e| e.id == evidence_id)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidInput,
                    format!("case {code} has no evidence {evidence_id}"),
                )
            })?;
        Ok(EvidenceDetail {
            artifacts: ws.artifacts_of(&item.id)?,
            timestamp: ws.timestamp_status(&item.id)?,
            capture: ws.web_capture_of(&item.id)?,
            item,
        })
    }
}

#[tauri::command]
pub fn evidence_detail(
    state: State<'_, AppState>,
    code: String,
    evidence_id: String,
) -> CmdResult<EvidenceDetail> {
    Ok(state.with(|ws| EvidenceDetail::of(ws, &code, &evidence_id))?)
}

/// The timestamp status of every evidence item of a case that has one.
#[tauri::command]
pub fn timestamp_list(state: State<'_, AppState>, code: String) -> CmdResult<Vec<StampStatus>> {
    Ok(state.with(|ws| {
        let case = ws.case_by_code(&code)?;
        let mut out = Vec::new();
        for item in ws.evidence_of(&case.id)? {
            out.extend(ws.timestamp_status(&item.id)?);
        }
        Ok(out)
    })?)
}
