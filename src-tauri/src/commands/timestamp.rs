//! Stamping the RFC 3161 queue from the app; the loop itself is shared with the CLI
//! (`truyvet_capture::stamping`).

use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Runtime, State};
use truyvet_capture::stamping::{StampRun, stamp_due as stamp_queue};
use truyvet_core::Workspace;

use super::CmdResult;
use crate::events::Notifier;
use crate::state::AppState;

/// One stamping run at a time: two runs would ask the authority twice for the same
/// entry, and the second token could not be stored (a stamped entry is final).
static STAMPING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tauri::command]
pub async fn timestamp_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<StampRun> {
    let ws = state.workspace()?;
    let run = stamp_due(&ws).await?;
    let notifier = Notifier::for_app(app);
    for id in &run.stamped {
        notifier.stamped(id);
    }
    Ok(run)
}

/// Stamps every due entry.
pub async fn stamp_due(ws: &Mutex<Workspace>) -> truyvet_core::Result<StampRun> {
    let _one_at_a_time = STAMPING.lock().await;
    stamp_queue(ws, false).await
}

/// Stamps in the background after a capture was stored, so the capture never waits for
/// the authority, and tells the main window about each new timestamp so an open detail
/// view and the evidence list refresh by themselves.
pub fn stamp_in_background(ws: Arc<Mutex<Workspace>>, notifier: Notifier) {
    tauri::async_runtime::spawn(async move {
        // Offline or unconfigured: the entry stays queued for the next run.
        if let Ok(run) = stamp_due(&ws).await {
            for id in &run.stamped {
                notifier.stamped(id);
            }
        }
    });
}
