//! Events the shell sends to the main window on its own initiative (the UI listens
//! through `ui/src/lib/events.ts`): what the capture browser did, evidence that was
//! stamped in the background, and the progress of syncs with the central registry. Work
//! that runs off the IPC thread holds a [`Notifier`], a plain callback, so it does not
//! depend on the Tauri runtime type.

use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use truyvet_core::model::EvidenceItem;

use crate::commands::AppError;
use crate::commands::sync::{SyncCase, SyncRunSummary};

/// Event name of [`CaptureBrowserEvent`].
pub const CAPTURE_BROWSER: &str = "capture-browser";
/// Event name of [`EvidenceStamped`].
pub const EVIDENCE_STAMPED: &str = "evidence-stamped";
/// Event name of [`SyncProgress`].
pub const SYNC_PROGRESS: &str = "sync-progress";
/// The only window that receives them.
const MAIN_WINDOW: &str = "main";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserEventKind {
    /// A page was visited (reported while paused too).
    Visited,
    /// A visit (or "capture now") was stored as evidence.
    Captured,
    /// A visit could not be captured, or the network policy refused it.
    Failed,
    /// The capture browser ended (closed from the app or its window closed).
    Closed,
}

/// What the capture browser reports to the main window.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureBrowserEvent {
    pub kind: BrowserEventKind,
    /// The case the session stores into.
    pub case_code: String,
    /// The page concerned (`null` for `closed`).
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AppError>,
}

/// A timestamp was stored for this evidence item.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceStamped {
    pub evidence_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncProgressKind {
    /// A sync run began (by "sync now" or the background loop).
    Started,
    /// A case's outbox row changed (state, confirmed bytes, attempts, reason).
    Case,
    /// The run ended; `run` says what it did.
    Finished,
}

/// What a sync run reports to the main window as it goes.
#[derive(Debug, Clone, Serialize)]
pub struct SyncProgress {
    pub kind: SyncProgressKind,
    /// The case's row as it now stands (`case` only).
    pub case: Option<SyncCase>,
    /// The finished run (`finished` only).
    pub run: Option<SyncRunSummary>,
}

type Sink = dyn Fn(&'static str, serde_json::Value) + Send + Sync;

/// Sends events to the main window; cheap to clone.
#[derive(Clone)]
pub struct Notifier(Arc<Sink>);

impl Notifier {
    pub fn for_app<R: Runtime>(app: AppHandle<R>) -> Notifier {
        Notifier(Arc::new(move |name, payload| {
            // No window (the app is closing): nobody to tell.
            let _ = app.emit_to(MAIN_WINDOW, name, payload);
        }))
    }

    /// A notifier that hands events to `f` (tests).
    #[cfg(test)]
    pub fn from_fn(f: impl Fn(&'static str, serde_json::Value) + Send + Sync + 'static) -> Self {
        Notifier(Arc::new(f))
    }

    pub fn capture_browser(&self, event: &CaptureBrowserEvent) {
        self.send(CAPTURE_BROWSER, event);
    }

    pub fn stamped(&self, evidence_id: &str) {
        self.send(
            EVIDENCE_STAMPED,
            &EvidenceStamped {
                evidence_id: evidence_id.to_string(),
            },
        );
    }

    pub fn sync_progress(&self, event: &SyncProgress) {
        self.send(SYNC_PROGRESS, event);
    }

    fn send(&self, name: &'static str, payload: &impl Serialize) {
        if let Ok(value) = serde_json::to_value(payload) {
            (self.0)(name, value);
        }
    }
}
