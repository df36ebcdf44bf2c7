//! Sync runs in the app: at most one at a time, off the IPC thread, each on a workspace
//! handle of its own (a sync waits on the network for seconds, and the window's other
//! commands must not queue behind it), with every per-case state change told to the
//! window as a `sync-progress` event; and the background loop that pushes queued cases
//! when their retry time comes and pulls the watchlist every few minutes.
//!
//! The sync itself is `truyvet_sync::sync`, the code behind `truyvet sync`. Progress is
//! read from the outbox rows that sync writes as the registry confirms each step, so the
//! window sees exactly what is durable, nothing the client merely hopes for.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use truyvet_core::outbox::{OutboxEntry, OutboxState};
use truyvet_core::{OpenMode, Result, Workspace, time_fmt};
use truyvet_sync::{Backoff, SyncOptions, SyncReport};

use super::SyncCase;
use crate::commands::AppError;
use crate::events::{Notifier, SyncProgress, SyncProgressKind};
use crate::state::{WorkspaceSlot, lock};

/// How the app paces its syncs.
#[derive(Debug, Clone)]
pub struct SyncPacing {
    /// How often the background loop looks at the outbox (a few cheap reads).
    pub tick: Duration,
    /// How often the watchlist is pulled when nothing else needs a sync.
    pub watchlist_every: Duration,
    /// The wait between syncs of a case that failed without a verdict (full jitter,
    /// exponential in the attempts the outbox counted, so it grows across runs).
    pub retry: Backoff,
    /// Per request.
    pub timeout: Duration,
}

impl Default for SyncPacing {
    fn default() -> Self {
        SyncPacing {
            tick: Duration::from_secs(5),
            watchlist_every: Duration::from_secs(15 * 60),
            retry: Backoff {
                base: Duration::from_secs(5),
                cap: Duration::from_secs(30 * 60),
                max_attempts: 1,
            },
            timeout: Duration::from_secs(60),
        }
    }
}

/// What the last finished run did (kept in memory for the sync screen).
#[derive(Debug, Clone, Serialize)]
pub struct SyncRunSummary {
    pub started_at: String,
    pub finished_at: String,
    /// Started by the background loop rather than "Đồng bộ ngay".
    pub background: bool,
    pub verified: usize,
    pub rejected: usize,
    pub pending: usize,
    /// New watchlist entries, `null` when the pull failed or did not run.
    pub watchlist_added: Option<usize>,
    /// Why the run stopped as a whole (`registry_log_inconsistent`, …), or `null`.
    pub error: Option<AppError>,
}

struct Inner {
    /// Start time of the run in progress.
    active: Mutex<Option<String>>,
    last: Mutex<Option<SyncRunSummary>>,
    stop: AtomicBool,
    pacing: SyncPacing,
}

/// The app's one sync slot and its background loop; cheap to clone.
#[derive(Clone)]
pub struct SyncRunner(Arc<Inner>);

/// Releases the slot when the run ends, however it ends.
struct Slot(Arc<Inner>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut active) = self.0.active.lock() {
            *active = None;
        }
    }
}

impl SyncRunner {
    pub fn new(pacing: SyncPacing) -> Self {
        SyncRunner(Arc::new(Inner {
            active: Mutex::new(None),
            last: Mutex::new(None),
            stop: AtomicBool::new(false),
            pacing,
        }))
    }

    pub fn running(&self) -> bool {
        self.0.active.lock().map(|a| a.is_some()).unwrap_or(false)
    }

    pub fn last_run(&self) -> Option<SyncRunSummary> {
        self.0.last.lock().ok().and_then(|l| l.clone())
    }

    /// Stops the background loop (the app is closing); a run in progress ends with the
    /// process, and the outbox resumes it at the next start.
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }

    fn claim(&self) -> Option<Slot> {
        let mut active = self.0.active.lock().ok()?;
        if active.is_some() {
            return None;
        }
        *active = Some(time_fmt::now_utc());
        Some(Slot(self.0.clone()))
    }

    /// Starts a run unless one is in progress; false when one is. `targets` are synced
    /// in turn (`None`: the whole outbox, `Some(code)`: that case alone).
    pub fn start(
        &self,
        ws: Arc<Mutex<Workspace>>,
        notifier: Notifier,
        targets: Vec<Option<String>>,
        background: bool,
    ) -> bool {
        let Some(slot) = self.claim() else {
            return false;
        };
        let inner = self.0.clone();
        std::thread::spawn(move || {
            let summary = execute(&ws, &notifier, &inner.pacing, targets, background);
            if let Ok(mut last) = inner.last.lock() {
                *last = Some(summary.clone());
            }
            drop(slot);
            notifier.sync_progress(&SyncProgress {
                kind: SyncProgressKind::Finished,
                case: None,
                run: Some(summary),
            });
        });
        true
    }

    /// Runs the background loop on a thread of its own until [`SyncRunner::stop`].
    /// The workspace is asked for at each tick: none (the app is locked) pauses the loop.
    pub fn spawn_loop(&self, ws: impl Into<WorkspaceSlot>, notifier: Notifier) {
        let slot: WorkspaceSlot = ws.into();
        let runner = self.clone();
        std::thread::spawn(move || {
            let pacing = &runner.0.pacing;
            let mut last_look = Instant::now() - pacing.tick;
            // Every run pulls the watchlist; when the pull failed (the registry is down),
            // the stored pull time stays old, so this keeps the loop from asking again
            // at every tick.
            let mut last_run: Option<Instant> = None;
            while !runner.0.stop.load(Ordering::SeqCst) {
                if last_look.elapsed() >= pacing.tick {
                    last_look = Instant::now();
                    if !runner.running()
                        && let Some(ws) = slot.current()
                    {
                        let pull_allowed =
                            last_run.is_none_or(|t| t.elapsed() >= pacing.watchlist_every);
                        let plan = lock(&ws).and_then(|guard| {
                            plan_background(&guard, pacing.watchlist_every, pull_allowed)
                        });
                        if let Ok(Some(targets)) = plan
                            && runner.start(ws.clone(), notifier.clone(), targets, true)
                        {
                            last_run = Some(Instant::now());
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
    }
}

fn is_pending(e: &OutboxEntry) -> bool {
    matches!(e.state, OutboxState::Queued | OutboxState::Uploading)
}

/// What the background loop should sync now, if anything: the cases whose retry time
/// has come (each alone, so a case still backing off is not pushed early), or the whole
/// outbox when every waiting case is due; with nothing waiting, a watchlist pull once
/// `watchlist_every` has passed since the last one (and `pull_allowed`: no run was tried
/// that recently). A pull is left for later while a case backs off: that case's own
/// sync pulls it, at most one backoff cap later.
pub(crate) fn plan_background(
    ws: &Workspace,
    watchlist_every: Duration,
    pull_allowed: bool,
) -> Result<Option<Vec<Option<String>>>> {
    if ws.registry_config()?.is_none() {
        return Ok(None);
    }
    let now = time_fmt::now_utc();
    let outbox = ws.outbox()?;
    let fresh = ws.unqueued_sealed_cases()?;
    let pending: Vec<&OutboxEntry> = outbox.iter().filter(|e| is_pending(e)).collect();
    // Same formatter on both sides (UTC, fixed width), so text order is time order.
    let due: Vec<&OutboxEntry> = pending
        .iter()
        .copied()
        .filter(|e| {
            e.next_attempt_at
                .as_deref()
                .is_none_or(|t| t <= now.as_str())
        })
        .collect();
    let everything_due = if pending.is_empty() {
        !fresh.is_empty()
    } else {
        pending.len() == due.len()
    };
    if everything_due {
        return Ok(Some(vec![None]));
    }
    let targets: Vec<Option<String>> = due
        .iter()
        .map(|e| Some(e.case_code.clone()))
        .chain(fresh.into_iter().map(Some))
        .collect();
    if !targets.is_empty() {
        return Ok(Some(targets));
    }
    if pending.is_empty() && pull_allowed {
        let stale = match ws.watchlist_summary()?.0 {
            None => true,
            Some(at) => {
                let next = time::OffsetDateTime::parse(
                    &at,
                    &time::format_description::well_known::Rfc3339,
                )
                .map(|t| t + watchlist_every)
                .map(time_fmt::format_utc)
                .unwrap_or_default();
                next <= now
            }
        };
        if stale {
            return Ok(Some(vec![None]));
        }
    }
    Ok(None)
}

type Snapshot = BTreeMap<String, OutboxEntry>;

fn snapshot(ws: &Mutex<Workspace>) -> Snapshot {
    lock(ws)
        .and_then(|guard| guard.outbox())
        .map(|rows| rows.into_iter().map(|e| (e.case_id.clone(), e)).collect())
        .unwrap_or_default()
}

/// Tells the window about every row that changed since `seen`, and remembers it.
fn emit_changes(ws: &Mutex<Workspace>, seen: &mut Snapshot, notifier: &Notifier) {
    for (id, row) in snapshot(ws) {
        if seen.get(&id) != Some(&row) {
            notifier.sync_progress(&SyncProgress {
                kind: SyncProgressKind::Case,
                case: Some(SyncCase::from(&row)),
                run: None,
            });
            seen.insert(id, row);
        }
    }
}

fn execute(
    shared: &Arc<Mutex<Workspace>>,
    notifier: &Notifier,
    pacing: &SyncPacing,
    targets: Vec<Option<String>>,
    background: bool,
) -> SyncRunSummary {
    let started_at = time_fmt::now_utc();
    notifier.sync_progress(&SyncProgress {
        kind: SyncProgressKind::Started,
        case: None,
        run: None,
    });
    let mut seen = snapshot(shared);
    let root: Result<PathBuf> = lock(shared).map(|g| g.root().to_path_buf());
    let options = SyncOptions {
        backoff: Backoff {
            // One quick retry inside a run; the loop spaces out the rest.
            max_attempts: if background { 1 } else { 2 },
            base: Duration::from_millis(500),
            cap: Duration::from_secs(5),
        },
        timeout: pacing.timeout,
        ..SyncOptions::default()
    };
    let worker = std::thread::spawn(move || -> Result<Vec<SyncReport>> {
        let mut ws = Workspace::open_with(root?, OpenMode::Existing)?;
        targets
            .iter()
            .map(|only| truyvet_sync::sync(&mut ws, only.as_deref(), &options))
            .collect()
    });
    while !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(250));
        emit_changes(shared, &mut seen, notifier);
    }
    let outcome = worker.join().unwrap_or_else(|_| {
        Err(truyvet_core::Error::internal(
            "the sync stopped unexpectedly",
        ))
    });
    reschedule_failures(shared, &pacing.retry);
    emit_changes(shared, &mut seen, notifier);
    let mut summary = SyncRunSummary {
        started_at,
        finished_at: time_fmt::now_utc(),
        background,
        verified: 0,
        rejected: 0,
        pending: 0,
        watchlist_added: None,
        error: None,
    };
    match outcome {
        Ok(reports) => {
            for r in &reports {
                summary.verified += r.verified;
                summary.rejected += r.rejected;
                summary.watchlist_added = match (summary.watchlist_added, r.watchlist_added) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
            }
            summary.pending = reports.last().map_or(0, |r| r.pending);
        }
        Err(e) => summary.error = Some(AppError::from(e)),
    }
    summary
}

/// A case that failed without a verdict (registry unreachable, 5xx) waits before the
/// background loop tries it again: full jitter over an exponential ceiling in the
/// attempts counted so far, so a registry that is down is asked less and less often
/// and laptops cut off together do not come back together. A later time already set
/// is kept.
fn reschedule_failures(shared: &Mutex<Workspace>, retry: &Backoff) {
    let Ok(mut ws) = lock(shared) else {
        return;
    };
    let Ok(rows) = ws.outbox() else {
        return;
    };
    for e in rows
        .iter()
        .filter(|e| is_pending(e) && e.attempts > 0 && !e.reason_code.is_empty())
    {
        let wait = retry.delay(e.attempts).max(retry.base / 2);
        let next =
            time::OffsetDateTime::now_utc() + time::Duration::milliseconds(wait.as_millis() as i64);
        let next = time_fmt::format_utc(next);
        if e.next_attempt_at
            .as_deref()
            .is_some_and(|t| t >= next.as_str())
        {
            continue;
        }
        // A row that moved on meanwhile is refused by the core; nothing to do then.
        let _ = ws.outbox_retry_later(&e.case_id, e.attempts, &next, &e.reason_code, &e.reason);
    }
}
