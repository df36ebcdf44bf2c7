//! Re-capturing watched pages, shared by `truyvet watch run` and the app's background
//! runner. Polite by construction: the due items are grouped by host and one worker
//! takes a whole host, so a host never sees two requests at once; between two requests
//! to a host at least the configured gap passes (also across runs, through the
//! [`HostGate`] the app keeps); at most `max_workers` hosts are fetched at once; every
//! fetch has the capture's time limits, and a failure pushes the item's next check back
//! (interval × 2^failures, in the core). A site that is down or blocks us becomes a
//! check error on the item, never an `Err` of the run: only a storage failure is.
//!
//! The workspace is locked only to read the due list and to record each result, never
//! while a page is being fetched.

use std::borrow::BorrowMut;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use truyvet_browser::BrowserOptions;
use truyvet_core::watch::{CheckOutcome, DueWatch, HOST_GAP_KEY, SnapshotSummary, url_host};
use truyvet_core::{Error, Result, Workspace};

use crate::from_browser::BrowserCapturer;
use crate::http::CaptureOptions;
use crate::policy::NetworkPolicy;

/// Hosts fetched at once by default.
pub const DEFAULT_WORKERS: usize = 2;

/// When each host was last asked for a page. Kept by the app across runs so the gap
/// holds between a background run and a "check now".
#[derive(Debug, Default)]
pub struct HostGate {
    last: Mutex<HashMap<String, Instant>>,
}

impl HostGate {
    /// Waits until `gap` has passed since the last request to `host`, then books it.
    fn wait_turn(&self, host: &str, gap: Duration) {
        loop {
            let wait = {
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                match last.get(host) {
                    Some(t) if now.duration_since(*t) < gap => gap - now.duration_since(*t),
                    _ => {
                        last.insert(host.to_string(), now);
                        return;
                    }
                }
            };
            std::thread::sleep(wait);
        }
    }
}

/// How a run fetches.
#[derive(Debug, Clone)]
pub struct WatchRunOptions {
    /// Check every active URL item now, not only the due ones.
    pub all: bool,
    /// Capture with Chromium (screenshot kept) instead of plain HTTP. One page at a
    /// time, through one browser.
    pub browser: Option<BrowserOptions>,
    pub max_workers: usize,
    /// Overrides the `watch.host_gap_secs` setting (tests).
    pub host_gap: Option<Duration>,
}

impl Default for WatchRunOptions {
    fn default() -> Self {
        WatchRunOptions {
            all: false,
            browser: None,
            max_workers: DEFAULT_WORKERS,
            host_gap: None,
        }
    }
}

/// One item checked by a run.
#[derive(Debug, Clone, Serialize)]
pub struct WatchChecked {
    pub item_id: String,
    pub url: String,
    pub snapshot: SnapshotSummary,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct WatchRun {
    pub checked: Vec<WatchChecked>,
    /// Items due but left for the next run (the run was asked to stop).
    pub skipped: usize,
    /// New flags (an item seen in a new case or in the registry watchlist).
    pub flags_raised: u32,
}

fn lock<W>(ws: &Mutex<W>) -> MutexGuard<'_, W> {
    ws.lock().unwrap_or_else(|p| p.into_inner())
}

struct Plan {
    policy: NetworkPolicy,
    capture: CaptureOptions,
    gap: Duration,
    investigator: String,
    device: String,
}

/// Checks the due items. `keep_going` is asked before each page (the app stops
/// fetching while it is locked or closing); what is left waits for the next run.
pub fn run_due<W: BorrowMut<Workspace> + Send>(
    ws: &Mutex<W>,
    options: &WatchRunOptions,
    gate: &HostGate,
    keep_going: &(dyn Fn() -> bool + Sync),
) -> Result<WatchRun> {
    let (plan, due) = {
        let guard = lock(ws);
        let w: &Workspace = (*guard).borrow();
        let profile = w.require_profile()?;
        let mut policy = NetworkPolicy::default();
        for entry in w.capture_allow_list()? {
            policy = policy
                .allow(&entry)
                .map_err(|e| Error::invalid(e.message))?;
        }
        let limits = w.capture_limits()?;
        let capture = CaptureOptions {
            total_timeout: Duration::from_secs(limits.timeout_secs),
            max_response_bytes: limits.max_response_mib.saturating_mul(1024 * 1024),
            investigator: Some(profile.display_name.clone()),
            device: Some(w.device().to_string()),
            ..CaptureOptions::default()
        };
        let gap = match options.host_gap {
            Some(g) => g,
            None => Duration::from_secs(w.watch_setting_secs(HOST_GAP_KEY)?),
        };
        let plan = Plan {
            policy,
            capture,
            gap,
            investigator: profile.display_name,
            device: w.device().to_string(),
        };
        (plan, w.watch_due(options.all)?)
    };
    // One queue per host, hosts in the order their first item is due.
    let mut by_host: BTreeMap<(usize, String), VecDeque<DueWatch>> = BTreeMap::new();
    let mut order: HashMap<String, usize> = HashMap::new();
    for item in due {
        let host = url_host(&item.url).unwrap_or_default();
        let next = order.len();
        let rank = *order.entry(host.clone()).or_insert(next);
        by_host.entry((rank, host)).or_default().push_back(item);
    }
    let hosts: Mutex<VecDeque<(String, VecDeque<DueWatch>)>> =
        Mutex::new(by_host.into_iter().map(|((_, h), q)| (h, q)).collect());
    let workers = if options.browser.is_some() {
        1
    } else {
        options.max_workers.clamp(1, 8)
    };
    let results: Mutex<(Vec<WatchChecked>, usize, Option<Error>)> =
        Mutex::new((Vec::new(), 0, None));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let outcome = worker(ws, &plan, options, gate, keep_going, &hosts, &results);
                if let Err(e) = outcome {
                    let mut r = lock(&results);
                    r.2.get_or_insert(e);
                }
            });
        }
    });
    let (mut checked, skipped, error) = results.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = error {
        return Err(e);
    }
    let flags_raised = BorrowMut::<Workspace>::borrow_mut(&mut *lock(ws)).watch_refresh()?;
    checked.sort_by_key(|c| c.snapshot.id);
    Ok(WatchRun {
        checked,
        skipped,
        flags_raised,
    })
}

type Results = Mutex<(Vec<WatchChecked>, usize, Option<Error>)>;

fn worker<W: BorrowMut<Workspace>>(
    ws: &Mutex<W>,
    plan: &Plan,
    options: &WatchRunOptions,
    gate: &HostGate,
    keep_going: &(dyn Fn() -> bool + Sync),
    hosts: &Mutex<VecDeque<(String, VecDeque<DueWatch>)>>,
    results: &Results,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the watch runtime: {e}")))?;
    let mut browser: Option<BrowserCapturer> = None;
    let outcome = (|| {
        loop {
            let Some((host, mut queue)) = lock(hosts).pop_front() else {
                return Ok(());
            };
            while let Some(item) = queue.pop_front() {
                if !keep_going() || lock(results).2.is_some() {
                    lock(results).1 += 1 + queue.len();
                    break;
                }
                gate.wait_turn(&host, plan.gap);
                let outcome = runtime.block_on(fetch(&item.url, plan, options, &mut browser));
                let snapshot = BorrowMut::<Workspace>::borrow_mut(&mut *lock(ws))
                    .watch_record_check(&item.id, outcome)?;
                lock(results).0.push(WatchChecked {
                    item_id: item.id,
                    url: item.url,
                    snapshot,
                });
            }
        }
    })();
    if let Some(b) = browser {
        runtime.block_on(b.close());
    }
    outcome
}

async fn fetch(
    url: &str,
    plan: &Plan,
    options: &WatchRunOptions,
    browser: &mut Option<BrowserCapturer>,
) -> CheckOutcome {
    let captured = match &options.browser {
        None => crate::evidence::capture_for_evidence(url, &plan.capture, &plan.policy).await,
        Some(browser_options) => {
            // The page must pass the policy even when Chromium cannot start.
            match plan.policy.check_url(url) {
                Err(e) => Err(e),
                Ok(_) => {
                    if browser.is_none() {
                        match BrowserCapturer::start(
                            browser_options,
                            &plan.policy,
                            &plan.investigator,
                            &plan.device,
                        )
                        .await
                        {
                            Ok(c) => *browser = Some(c),
                            Err(e) => return failed(e),
                        }
                    }
                    let Some(running) = browser.as_mut() else {
                        return CheckOutcome::Failed {
                            code: "browser_failed".into(),
                            message: "the browser is not running".into(),
                        };
                    };
                    let result = running.capture(url).await;
                    if result.is_err() && !running.is_alive() {
                        // Chromium died with the page: the next page gets a new one.
                        if let Some(dead) = browser.take() {
                            dead.close().await;
                        }
                    }
                    result
                }
            }
        }
    };
    match captured {
        Ok(input) => CheckOutcome::from_capture(input),
        Err(e) => failed(e),
    }
}

fn failed(e: crate::Error) -> CheckOutcome {
    CheckOutcome::Failed {
        code: e.code.as_str().to_string(),
        message: e.message,
    }
}
