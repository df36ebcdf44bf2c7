//! Watch checks in the app: one run at a time, and a background loop that checks the
//! due items every `tick` while the app runs. The loop asks the workspace slot for the
//! workspace at each tick and before each page, so it pauses by itself while the app is
//! locked (the slot then has no workspace) and stops when the app exits. The host gate
//! lives as long as the app, so the per-host gap holds across runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use truyvet_capture::watch::{HostGate, WatchRun, WatchRunOptions, run_due};
use truyvet_core::{Error, Result, Workspace, time_fmt};

use crate::state::WorkspaceSlot;

#[derive(Debug, Clone)]
pub struct WatchPacing {
    /// How often the loop looks for due items (one cheap query).
    pub tick: Duration,
}

impl Default for WatchPacing {
    fn default() -> Self {
        WatchPacing {
            tick: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WatchRunSummary {
    pub finished_at: String,
    pub background: bool,
    pub checked: usize,
    pub changed: usize,
    pub errors: usize,
    pub flags_raised: u32,
    /// Why the run stopped as a whole (a storage failure), or `null`.
    pub error: Option<String>,
}

struct Inner {
    running: AtomicBool,
    stop: AtomicBool,
    gate: HostGate,
    last: Mutex<Option<WatchRunSummary>>,
    pacing: WatchPacing,
}

/// The app's one watch-check slot; cheap to clone.
#[derive(Clone)]
pub struct WatchRunner(Arc<Inner>);

impl WatchRunner {
    pub fn new(pacing: WatchPacing) -> Self {
        WatchRunner(Arc::new(Inner {
            running: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            gate: HostGate::default(),
            last: Mutex::new(None),
            pacing,
        }))
    }

    pub fn running(&self) -> bool {
        self.0.running.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> Option<WatchRunSummary> {
        self.0
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }

    /// One run on `ws`, now. Refused (`invalid_input`) while another is running.
    pub fn run_now(
        &self,
        ws: &Arc<Mutex<Workspace>>,
        slot: &WorkspaceSlot,
        all: bool,
        browser: bool,
    ) -> Result<WatchRun> {
        self.run(ws, slot, all, browser, false)
    }

    fn run(
        &self,
        ws: &Arc<Mutex<Workspace>>,
        slot: &WorkspaceSlot,
        all: bool,
        browser: bool,
        background: bool,
    ) -> Result<WatchRun> {
        if self.0.running.swap(true, Ordering::SeqCst) {
            return Err(Error::invalid("a watch check is already running"));
        }
        let options = WatchRunOptions {
            all,
            browser: browser.then(truyvet_browser::BrowserOptions::default),
            ..WatchRunOptions::default()
        };
        // Stop fetching when the app is locked or closing; the rest waits for next time.
        let keep_going = || !self.0.stop.load(Ordering::SeqCst) && slot.current().is_some();
        let result = run_due(ws.as_ref(), &options, &self.0.gate, &keep_going);
        let summary = WatchRunSummary {
            finished_at: time_fmt::now_utc(),
            background,
            checked: result.as_ref().map_or(0, |r| r.checked.len()),
            changed: result.as_ref().map_or(0, |r| {
                r.checked.iter().filter(|c| c.snapshot.changed).count()
            }),
            errors: result.as_ref().map_or(0, |r| {
                r.checked
                    .iter()
                    .filter(|c| c.snapshot.outcome == "error")
                    .count()
            }),
            flags_raised: result.as_ref().map_or(0, |r| r.flags_raised),
            error: result.as_ref().err().map(ToString::to_string),
        };
        *self.0.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(summary);
        self.0.running.store(false, Ordering::SeqCst);
        result
    }

    /// The background loop: every tick, the due items of the open workspace.
    pub fn spawn_loop(&self, slot: WorkspaceSlot) {
        let runner = self.clone();
        std::thread::spawn(move || {
            let tick = runner.0.pacing.tick;
            let mut last_look = Instant::now() - tick;
            while !runner.0.stop.load(Ordering::SeqCst) {
                if last_look.elapsed() >= tick {
                    last_look = Instant::now();
                    if !runner.running()
                        && let Some(ws) = slot.current()
                    {
                        let due = crate::state::lock(&ws)
                            .and_then(|g| g.watch_due(false))
                            .map(|d| !d.is_empty())
                            .unwrap_or(false);
                        if due {
                            let _ = runner.run(&ws, &slot, false, false, true);
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
    }
}
