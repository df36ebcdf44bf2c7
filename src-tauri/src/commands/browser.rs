//! The capture browser's commands: open it for a case, pause, capture now, go to an
//! address, status, close. The session itself is `crate::capture_browser`.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime, State};
use truyvet_core::model::EvidenceItem;

use super::capture::{capture_error, network_policy};
use super::{AppError, CmdResult};
use crate::capture_browser::{BrowserStatus, CaptureBrowser, PROFILE_DIR, SessionSpec};
use crate::events::Notifier;
use crate::state::{AppState, lock};

/// How long closing waits for captures in progress to be stored.
pub const CLOSE_WAIT: Duration = Duration::from_secs(20);

#[tauri::command]
pub async fn browser_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    browser: State<'_, CaptureBrowser>,
    code: String,
) -> CmdResult<BrowserStatus> {
    let ws = state.workspace()?;
    let spec = {
        let guard = lock(&ws)?;
        let profile = guard.require_profile()?;
        let case = guard.case_by_code(&code)?;
        SessionSpec {
            case_code: case.code,
            profile_dir: profile_dir(&guard),
            policy: network_policy(&guard)?,
            investigator: profile.display_name,
            device: guard.device().to_string(),
            workspace: ws.clone(),
        }
    };
    browser.open(spec, Notifier::for_app(app)).await
}

/// Where the capture browser keeps its profile (logins, cookies, cache). Chromium
/// writes it in the clear, so for an encrypted workspace it is kept out of the
/// workspace: in the user's memory-backed runtime folder where there is one (gone at
/// logout or power-off; logins then last one session), else the temp folder.
fn profile_dir(ws: &truyvet_core::Workspace) -> std::path::PathBuf {
    if !ws.is_encrypted() {
        return ws.root().join(PROFILE_DIR);
    }
    let base = dirs::runtime_dir().unwrap_or_else(std::env::temp_dir);
    let id = truyvet_core::Workspace::encryption_status_at(ws.root())
        .ok()
        .and_then(|s| s.key_id)
        .unwrap_or_else(|| "workspace".into());
    base.join(format!("truyvet-browser-{id}"))
}

#[tauri::command]
pub fn browser_status(browser: State<'_, CaptureBrowser>) -> BrowserStatus {
    browser.status()
}

#[tauri::command]
pub fn browser_set_paused(
    browser: State<'_, CaptureBrowser>,
    paused: bool,
) -> CmdResult<BrowserStatus> {
    browser.set_paused(paused)
}

#[tauri::command]
pub async fn browser_capture_now(browser: State<'_, CaptureBrowser>) -> CmdResult<EvidenceItem> {
    browser.capture_now().await
}

/// Goes to `url` in the capture browser, after the network policy accepted it.
#[tauri::command]
pub async fn browser_navigate(browser: State<'_, CaptureBrowser>, url: String) -> CmdResult<()> {
    let policy = browser.policy()?;
    let checked = url.clone();
    // The policy resolves the host name: off the async threads.
    tauri::async_runtime::spawn_blocking(move || policy.check_url(&checked))
        .await
        .map_err(|e| {
            AppError::from(truyvet_core::Error::internal(format!(
                "checking the address failed: {e}"
            )))
        })?
        .map_err(capture_error)?;
    browser.navigate(url).await
}

#[tauri::command]
pub async fn browser_close<R: Runtime>(app: AppHandle<R>) -> CmdResult<BrowserStatus> {
    // Closing waits for the captures in progress: off the async threads.
    tauri::async_runtime::spawn_blocking(move || app.state::<CaptureBrowser>().close(CLOSE_WAIT))
        .await
        .map_err(|e| {
            AppError::from(truyvet_core::Error::internal(format!(
                "closing the capture browser failed: {e}"
            )))
        })
}
