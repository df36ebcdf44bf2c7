//! Web capture from the app. The network part runs without holding the workspace, so
//! the rest of the app stays usable while a page loads; only storing takes the lock.

use std::time::Duration;

use tauri::State;
use truyvet_capture::{CaptureOptions, NetworkPolicy, capture_for_evidence};
use truyvet_core::model::EvidenceItem;
use truyvet_core::{Error, ErrorCode};

use super::{AppError, CmdResult, blocking};
use crate::state::{AppState, lock};

#[tauri::command]
pub async fn capture_url(
    state: State<'_, AppState>,
    code: String,
    url: String,
    insecure: Option<bool>,
) -> CmdResult<EvidenceItem> {
    let ws = state.workspace()?;
    let (options, policy, scratch) = {
        let ws = lock(&ws)?;
        let profile = ws.require_profile()?;
        ws.case_by_code(&code)?;
        let mut policy = NetworkPolicy::default();
        for entry in ws.capture_allow_list()? {
            policy = policy.allow(&entry).map_err(capture_error)?;
        }
        let options = CaptureOptions {
            total_timeout: Duration::from_secs(120),
            accept_invalid_certs: insecure.unwrap_or(false),
            investigator: Some(profile.display_name),
            device: Some(ws.device().to_string()),
            ..CaptureOptions::default()
        };
        (options, policy, ws.blobs().root().join("tmp"))
    };
    let input = capture_for_evidence(&url, &options, &policy, &scratch)
        .await
        .map_err(capture_error)?;
    blocking(move || lock(&ws)?.add_web_capture(&code, &input)).await
}

fn capture_error(e: truyvet_capture::Error) -> AppError {
    let code = match e.code {
        truyvet_capture::ErrorCode::IoError => ErrorCode::IoError,
        _ => ErrorCode::CaptureFailed,
    };
    Error::new(code, format!("{}: {}", e.code.as_str(), e.message)).into()
}
