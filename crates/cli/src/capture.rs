//! `truyvet capture`: a pipeline of three threads, each handing on in URL order.
//!
//! 1. Fetch: pages are captured ahead (a few at a time over HTTP; one after the other
//!    in one Chromium with `--browser`).
//! 2. Stage: the pages that are ready form a group whose blobs (WARC, screenshot…,
//!    manifests) are made durable together (`CaptureStager::stage`: one round of
//!    fsyncs for the group) and whose text is folded for search.
//! 3. Commit (this thread, which owns the workspace): the group's rows and custody
//!    events commit in one transaction (`Workspace::commit_staged`); then, and only
//!    then, each page is acknowledged — its line printed.
//!
//! So an interrupted batch keeps every page it reported, and the disk's flush latency
//! is paid per group, overlapping the fetching and the previous group's commit.

use std::collections::VecDeque;
use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use truyvet_capture::from_browser::BrowserCapturer;
use truyvet_capture::{CaptureOptions, NetworkPolicy, capture_for_evidence};
use truyvet_core::{
    CaptureStager, Error, ErrorCode, Result, StagedCaptures, WebCaptureInput, Workspace,
};

use crate::args::CaptureArgs;

/// HTTP fetches in flight at once. Enough to keep a loopback or LAN server and the
/// storing busy; small enough to stay polite to a remote site.
const HTTP_WINDOW: usize = 4;
/// Fetched pages waiting to be stored, at most (beyond those in flight)…
const QUEUE: usize = 64;
/// …and their bytes at most, unless a single page is larger. When the disk stalls
/// (another program flushing), fetching goes on this far and the next commit stores
/// the backlog as one group.
const MAX_BACKLOG_BYTES: usize = 64 << 20;
/// A group stored by one commit stops growing past this many pages.
const MAX_GROUP: usize = 64;
/// Staged groups waiting for their commit.
const STAGED_GROUPS: usize = 2;

type Outcome = std::result::Result<WebCaptureInput, truyvet_capture::Error>;

pub fn run(ws: &mut Workspace, args: CaptureArgs, json: bool) -> Result<ExitCode> {
    let profile = ws.require_profile()?;
    ws.case_by_code(&args.case)?; // an unknown case fails before any request is made
    let mut policy = NetworkPolicy::default();
    for entry in ws.capture_allow_list()?.iter().chain(&args.allow) {
        policy = policy.allow(entry).map_err(capture_error)?;
    }
    // Fails before any request if the case cannot take captures or the database is
    // locked by another writer.
    let stager = ws.capture_stager(&args.case)?;
    // The settings' limits (`truyvet config`), unless the command line says otherwise.
    let limits = ws.capture_limits()?;
    let window = usize::try_from(limits.pages_in_flight).unwrap_or(HTTP_WINDOW);
    let (tx, rx) = sync_channel::<Outcome>(QUEUE);
    let backlog = Arc::new(Backlog::default());
    let to_store = Queue {
        tx,
        backlog: backlog.clone(),
    };
    let urls = args.urls.clone();
    let fetcher = if args.browser {
        let investigator = profile.display_name.clone();
        let device = ws.device().to_string();
        spawn_fetcher(to_store, move |queue| {
            browser_fetches(urls, policy, investigator, device, queue)
        })?
    } else {
        let options = CaptureOptions {
            max_response_bytes: args
                .max_size_mib
                .unwrap_or(limits.max_response_mib)
                .saturating_mul(1024 * 1024),
            total_timeout: Duration::from_secs(args.timeout.unwrap_or(limits.timeout_secs).max(1)),
            accept_invalid_certs: args.insecure,
            investigator: Some(profile.display_name.clone()),
            device: Some(ws.device().to_string()),
            ..CaptureOptions::default()
        };
        spawn_fetcher(to_store, move |queue| {
            http_fetches(urls, options, policy, window, queue)
        })?
    };
    let (staged_tx, staged_rx) = sync_channel::<Result<Group>>(STAGED_GROUPS);
    let note = args.note.clone();
    let stage = std::thread::Builder::new()
        .name("capture-stage".into())
        .spawn(move || stage_groups(&rx, &stager, note.as_deref(), &staged_tx))
        .map_err(|e| Error::internal(format!("cannot start the capture thread: {e}")))?;
    let committed = commit_in_order(ws, &staged_rx, &backlog, json);
    // Stop the other threads: their next send fails. Chromium is closed before its
    // thread returns; an HTTP fetch still waiting on a page after a storage error is
    // left to the process exit.
    backlog.close();
    drop(staged_rx);
    if committed.is_ok() || args.browser {
        let threads_ok = stage.join().is_ok() & fetcher.join().is_ok();
        // A thread that died would end the batch early without a word.
        if committed.is_ok() && !threads_ok {
            return Err(Error::internal(
                "a capture thread stopped unexpectedly; the pages reported are stored",
            ));
        }
    }
    let failures = committed?;
    // With an authority configured, stamp right away; offline, the captures stay queued.
    if ws.setting(truyvet_core::settings::TSA_URL)?.is_some() {
        match crate::timestamp::stamp_due(ws, false) {
            Ok(report) if !report.still_pending.is_empty() => eprintln!(
                "{} bản thu thập đang chờ đóng dấu thời gian (sẽ thử lại: truyvet timestamp run)",
                report.still_pending.len()
            ),
            Ok(_) => {}
            Err(e) => eprintln!("chưa đóng dấu thời gian: {e}"),
        }
    }
    if failures == 0 {
        Ok(ExitCode::SUCCESS)
    } else {
        // Every page that was captured is stored; say the batch was incomplete.
        Ok(ExitCode::from(crate::messages::EXIT_CAPTURE_FAILED))
    }
}

/// Pages fetched one after the other, staged together.
struct Group {
    /// In URL order: `None` for a captured page (the next of `inputs`), or why the
    /// page could not be captured.
    failures: Vec<Option<truyvet_capture::Error>>,
    inputs: Vec<WebCaptureInput>,
    /// `None` when every page of the group failed.
    staged: Option<StagedCaptures>,
    bytes: usize,
}

/// Groups the outcomes that are ready (up to [`MAX_GROUP`]) and stages each group.
/// Stops at the first staging error, after handing it on.
fn stage_groups(
    rx: &Receiver<Outcome>,
    stager: &CaptureStager,
    note: Option<&str>,
    tx: &SyncSender<Result<Group>>,
) {
    while let Ok(first) = rx.recv() {
        let mut outcomes = vec![first];
        while outcomes.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => outcomes.push(next),
                Err(_) => break,
            }
        }
        let bytes = outcomes.iter().map(outcome_bytes).sum();
        // Failed pages keep their place, so messages come out in URL order too.
        let mut inputs = Vec::with_capacity(outcomes.len());
        let mut failures = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            match outcome {
                Ok(mut input) => {
                    input.note = note.map(str::to_string);
                    inputs.push(input);
                    failures.push(None);
                }
                Err(e) => failures.push(Some(e)),
            }
        }
        let staged = if inputs.is_empty() {
            Ok(None)
        } else {
            stager.stage(&inputs).map(Some)
        };
        let failed = staged.is_err();
        let group = staged.map(|staged| Group {
            failures,
            inputs,
            staged,
            bytes,
        });
        if tx.send(group).is_err() || failed {
            return;
        }
    }
}

/// Commits the staged groups in order and acknowledges their pages. Returns how many
/// pages failed. A storage error stops the batch (what was acknowledged stays stored).
fn commit_in_order(
    ws: &mut Workspace,
    rx: &Receiver<Result<Group>>,
    backlog: &Backlog,
    json: bool,
) -> Result<usize> {
    let mut failures = 0usize;
    let mut stdout = std::io::stdout().lock();
    while let Ok(group) = rx.recv() {
        let group = group?;
        let items = match group.staged {
            Some(staged) => ws.commit_staged(&group.inputs, staged)?,
            None => Vec::new(),
        };
        backlog.release(group.bytes);
        let mut stored = items.iter().zip(&group.inputs);
        for failure in group.failures {
            if let Some(e) = failure {
                failures += 1;
                crate::messages::print_error(&capture_error(e), json);
                continue;
            }
            let (item, input) = stored.next().expect("one stored item per capture");
            let _ = writeln!(stdout, "{}", ack_line(item, input, json));
        }
        let _ = stdout.flush();
    }
    Ok(failures)
}

fn outcome_bytes(outcome: &Outcome) -> usize {
    outcome.as_ref().map_or(0, |input| {
        input.artifacts.iter().map(|a| a.bytes.len()).sum::<usize>()
            + input.text.as_ref().map_or(0, String::len)
    })
}

fn ack_line(
    item: &truyvet_core::model::EvidenceItem,
    input: &WebCaptureInput,
    json: bool,
) -> String {
    if json {
        serde_json::json!({
            "evidence": item,
            "url": input.url,
            "final_url": input.final_url,
            "http_status": input.http_status,
            "server_ip": input.server_ip,
            "title": input.title,
            "partial_reason": input.partial_reason,
        })
        .to_string()
    } else {
        let partial = input
            .partial_reason
            .as_deref()
            .map(|r| format!("  [MỘT PHẦN: {r}]"))
            .unwrap_or_default();
        format!(
            "đã thu thập  {}  {}  {}{partial}",
            item.sha256,
            input.http_status.map_or("-".into(), |s| s.to_string()),
            input.final_url
        )
    }
}

/// Runs `fetch` on a thread with its own single-threaded runtime, so fetching (and
/// building WARCs) runs beside the staging and committing threads.
fn spawn_fetcher<F, Fut>(queue: Queue, fetch: F) -> Result<JoinHandle<()>>
where
    F: FnOnce(Queue) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the capture runtime: {e}")))?;
    std::thread::Builder::new()
        .name("capture-fetch".into())
        .spawn(move || runtime.block_on(fetch(queue)))
        .map_err(|e| Error::internal(format!("cannot start the capture thread: {e}")))
}

/// Where the fetcher hands its outcomes, in URL order.
#[derive(Clone)]
struct Queue {
    tx: SyncSender<Outcome>,
    backlog: Arc<Backlog>,
}

impl Queue {
    /// Waits for room in the backlog, then queues the outcome. False once the
    /// storing side has stopped.
    fn send(&self, outcome: Outcome) -> bool {
        self.backlog.reserve(outcome_bytes(&outcome)) && self.tx.send(outcome).is_ok()
    }
}

/// Bytes fetched and not stored yet, bounded by [`MAX_BACKLOG_BYTES`].
#[derive(Default)]
struct Backlog {
    state: Mutex<(usize, bool)>, // (bytes held, closed)
    room: Condvar,
}

impl Backlog {
    /// Blocks until `bytes` fit (a page larger than the bound fits an empty backlog);
    /// false when closed.
    fn reserve(&self, bytes: usize) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.1 && state.0 > 0 && state.0 + bytes > MAX_BACKLOG_BYTES {
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.0 += bytes;
        !state.1
    }

    fn release(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = state.0.saturating_sub(bytes);
        self.room.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.room.notify_all();
    }
}

/// Up to `window` captures run at once (the `capture.pages_in_flight` setting, else
/// [`HTTP_WINDOW`]); outcomes are handed on in URL order.
async fn http_fetches(
    urls: Vec<String>,
    options: CaptureOptions,
    policy: NetworkPolicy,
    window: usize,
    queue: Queue,
) {
    let (options, policy) = (Arc::new(options), Arc::new(policy));
    let mut urls = urls.into_iter();
    let window = window.max(1);
    let mut in_flight = VecDeque::with_capacity(window);
    loop {
        while in_flight.len() < window {
            let Some(url) = urls.next() else { break };
            let (options, policy) = (options.clone(), policy.clone());
            in_flight.push_back(tokio::spawn(async move {
                capture_for_evidence(&url, &options, &policy).await
            }));
        }
        let Some(next) = in_flight.pop_front() else {
            break;
        };
        let outcome = next.await.unwrap_or_else(|e| Err(task_failed(&e)));
        // The backlog may be full while a commit runs: wait for room off this thread,
        // so the fetches in flight keep reading meanwhile.
        let queue = queue.clone();
        let sent = tokio::task::spawn_blocking(move || queue.send(outcome)).await;
        if !matches!(sent, Ok(true)) {
            break;
        }
    }
}

/// One Chromium and one policy proxy for the whole batch, a fresh context per page.
async fn browser_fetches(
    urls: Vec<String>,
    policy: NetworkPolicy,
    investigator: String,
    device: String,
    queue: Queue,
) {
    let options = truyvet_browser::BrowserOptions::default();
    let mut capturer = None;
    for url in urls {
        // Each page must pass the policy even if Chromium cannot start.
        if let Err(e) = policy.check_url(&url) {
            if !queue.send(Err(e)) {
                break;
            }
            continue;
        }
        if capturer.is_none() {
            match BrowserCapturer::start(&options, &policy, &investigator, &device).await {
                Ok(c) => capturer = Some(c),
                Err(e) => {
                    if !queue.send(Err(e)) {
                        break;
                    }
                    continue;
                }
            }
        }
        let running = capturer.as_mut().expect("started above");
        let outcome = running.capture(&url).await;
        if outcome.is_err() && !running.is_alive() {
            // Chromium died with the page: the next page gets a new one.
            if let Some(dead) = capturer.take() {
                dead.close().await;
            }
        }
        if !queue.send(outcome) {
            break;
        }
    }
    if let Some(capturer) = capturer {
        capturer.close().await;
    }
}

fn task_failed(e: &tokio::task::JoinError) -> truyvet_capture::Error {
    truyvet_capture::Error::new(
        truyvet_capture::ErrorCode::IoError,
        format!("the capture task failed: {e}"),
    )
}

/// Capture failures keep their own stable code in the message; they are bad input from
/// the user's point of view (a URL that cannot be captured), except for I/O.
fn capture_error(e: truyvet_capture::Error) -> Error {
    let code = match e.code {
        truyvet_capture::ErrorCode::IoError => ErrorCode::IoError,
        _ => ErrorCode::CaptureFailed,
    };
    Error::new(code, format!("{}: {}", e.code.as_str(), e.message))
}
