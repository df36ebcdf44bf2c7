//! Web capture from the app. The network part runs without holding the workspace, so
//! the rest of the app stays usable while a page loads; only storing takes the lock.
//! After a capture is stored its digest is stamped in the background (when an authority
//! is configured), so the result is never held up by the timestamp authority.

use std::time::Duration;

use tauri::{AppHandle, Runtime, State};
use truyvet_capture::{
    CaptureOptions, NetworkPolicy, browser_capture_for_evidence, capture_for_evidence,
};
use truyvet_core::model::EvidenceItem;
use truyvet_core::{Error, ErrorCode, Workspace};

use super::{AppError, CmdResult, blocking};
use crate::events::Notifier;
use crate::state::{AppState, lock};

#[tauri::command]
pub async fn capture_url<R: Runtime>(
    app: AppHandle<R>,
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
        let policy = network_policy(&ws)?;
        let limits = ws.capture_limits()?;
        let options = CaptureOptions {
            total_timeout: Duration::from_secs(limits.timeout_secs),
            max_response_bytes: limits.max_response_mib.saturating_mul(1024 * 1024),
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
    super::timestamp::stamp_in_background(ws, Notifier::for_app(app));
    Ok(item)
}

/// The network policy with the workspace's allow-list (`capture.allow`).
pub(crate) fn network_policy(ws: &Workspace) -> CmdResult<NetworkPolicy> {
    let mut policy = NetworkPolicy::default();
    for entry in ws.capture_allow_list()? {
        policy = policy.allow(&entry).map_err(capture_error)?;
    }
    Ok(policy)
}

pub(crate) fn capture_error(e: truyvet_capture::Error) -> AppError {
    let code = match e.code {
        truyvet_capture::ErrorCode::IoError => ErrorCode::IoError,
        _ => ErrorCode::CaptureFailed,
    };
    Error::new(code, format!("{}: {}", e.code.as_str(), e.message)).into()
}
