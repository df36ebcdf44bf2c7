//! Web capture from the app. The network part runs without holding the workspace, so
//! the rest of the app stays usable while a page loads; only storing takes the lock.
//! After a capture is stored its digest is stamped in the background (when an authority
//! is configured), so the result is never held up by the timestamp authority.

use std::time::Duration;

use tauri::State;
use truyvet_capture::{
    CaptureOptions, NetworkPolicy, browser_capture_for_evidence, capture_for_evidence,
};
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
    browser: Option<bool>,
) -> CmdResult<EvidenceItem> {
    let ws = state.workspace()?;
    let (options, policy) = {
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
        (options, policy)
    };
    let captured = if browser.unwrap_or(false) {
        // The DevTools client is not `Send`: it runs on a blocking thread of its own.
        let investigator = options.investigator.clone().unwrap_or_default();
        let device = options.device.clone().unwrap_or_default();
        tauri::async_runtime::spawn_blocking(move || {
            tauri::async_runtime::block_on(browser_capture_for_evidence(
                &url,
                &truyvet_browser::BrowserOptions::default(),
                &policy,
                &investigator,
                &device,
            ))
        })
        .await
        .map_err(|e| AppError::from(Error::internal(format!("browser capture failed: {e}"))))?
    } else {
        capture_for_evidence(&url, &options, &policy).await
    };
    let input = captured.map_err(capture_error)?;
    let stored = ws.clone();
    let item = blocking(move || lock(&stored)?.add_web_capture(&code, &input)).await?;
    tauri::async_runtime::spawn(async move {
        // Offline or unconfigured: the entry stays queued for the next run.
        let _ = super::timestamp::stamp_due(&ws).await;
    });
    Ok(item)
}

fn capture_error(e: truyvet_capture::Error) -> AppError {
    let code = match e.code {
        truyvet_capture::ErrorCode::IoError => ErrorCode::IoError,
        _ => ErrorCode::CaptureFailed,
    };
    Error::new(code, format!("{}: {}", e.code.as_str(), e.message)).into()
}
