//! The capture browser in the app (Hunchly-style): a visible Chromium with its own
//! persistent profile under the workspace (`browser-profile/`, so logins to Facebook,
//! Shopee or Zalo persist; an encrypted workspace keeps it outside, see
//! `commands/browser.rs`), whose every visited page is captured into one case unless
//! paused, plus "capture now" and an address field.
//!
//! The DevTools client is not `Send`, so the session lives on a thread of its own with a
//! current-thread runtime, and the commands talk to it over channels. Like a headless
//! capture, all of Chromium's traffic (loopback included) goes through the policy proxy,
//! and a visited page the policy refuses is reported as failed, never stored. Storing
//! runs on a second thread, in visit order, so a slow disk never holds up the browser;
//! each result is told to the main window as a `capture-browser` event.
//!
//! This file holds the state the commands see; `session.rs` the session thread,
//! `store.rs` what storing a page means.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use truyvet_browser::BrowserOptions;
use truyvet_capture::NetworkPolicy;
use truyvet_core::model::EvidenceItem;
use truyvet_core::{Error, Workspace};

use crate::commands::AppError;
use crate::events::Notifier;

mod session;
mod store;

/// The profile folder inside the workspace.
pub const PROFILE_DIR: &str = "browser-profile";

/// Error codes of the shell's own, beside the core's `ErrorCode`s (same stability rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserErrorCode {
    /// The capture browser is already open (one at a time).
    AlreadyOpen,
    /// The capture browser is not open.
    NotOpen,
    /// Chromium is not installed (or does not run).
    ChromiumMissing,
}

impl BrowserErrorCode {
    /// Every code, for the contract test against `ui/src/lib/types.ts`.
    #[cfg(test)]
    pub const ALL: &'static [BrowserErrorCode] = &[
        BrowserErrorCode::AlreadyOpen,
        BrowserErrorCode::NotOpen,
        BrowserErrorCode::ChromiumMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BrowserErrorCode::AlreadyOpen => "browser_already_open",
            BrowserErrorCode::NotOpen => "browser_not_open",
            BrowserErrorCode::ChromiumMissing => "chromium_missing",
        }
    }

    pub(crate) fn error(self, message: impl Into<String>) -> AppError {
        AppError::with_code(self.as_str(), message)
    }
}

/// What the panel shows about the capture browser.
#[derive(Debug, Clone, Serialize)]
pub struct BrowserStatus {
    pub open: bool,
    pub paused: bool,
    /// The case the session stores into.
    pub case_code: Option<String>,
    /// The page of the latest visit.
    pub url: Option<String>,
}

impl BrowserStatus {
    fn closed() -> BrowserStatus {
        BrowserStatus {
            open: false,
            paused: false,
            case_code: None,
            url: None,
        }
    }
}

/// Everything a session needs from the workspace, read once when it opens.
pub struct SessionSpec {
    pub case_code: String,
    pub profile_dir: PathBuf,
    pub policy: NetworkPolicy,
    pub investigator: String,
    pub device: String,
    pub workspace: Arc<Mutex<Workspace>>,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, AppError>>;

pub(crate) enum Request {
    Paused(bool),
    CaptureNow(Reply<EvidenceItem>),
    Navigate(String, Reply<()>),
    Close,
}

/// State shared between the commands and the session thread.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) alive: AtomicBool,
    pub(crate) paused: AtomicBool,
    pub(crate) url: Mutex<Option<String>>,
}

struct Running {
    case_code: String,
    policy: NetworkPolicy,
    requests: mpsc::UnboundedSender<Request>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn is_alive(&self) -> bool {
        self.shared.alive.load(Ordering::SeqCst)
    }
}

/// The app's capture browser: at most one session at a time.
pub struct CaptureBrowser {
    options: BrowserOptions,
    running: Mutex<Option<Running>>,
}

pub(crate) fn guard<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CaptureBrowser {
    pub fn new(options: BrowserOptions) -> CaptureBrowser {
        CaptureBrowser {
            options,
            running: Mutex::new(None),
        }
    }

    /// Starts Chromium for `spec.case_code` and returns once its window is up.
    pub async fn open(
        &self,
        spec: SessionSpec,
        notifier: Notifier,
    ) -> Result<BrowserStatus, AppError> {
        truyvet_browser::chromium_available(&self.options)
            .map_err(|e| BrowserErrorCode::ChromiumMissing.error(e.to_string()))?;
        let (ready_tx, ready_rx) = oneshot::channel();
        {
            let mut running = guard(&self.running);
            if let Some(open) = running.as_ref().filter(|r| r.is_alive()) {
                return Err(BrowserErrorCode::AlreadyOpen.error(format!(
                    "the capture browser is already open for case {}",
                    open.case_code
                )));
            }
            let (requests, requests_rx) = mpsc::unbounded_channel();
            let shared = Arc::new(Shared::default());
            shared.alive.store(true, Ordering::SeqCst);
            let case_code = spec.case_code.clone();
            let policy = spec.policy.clone();
            let options = self.options.clone();
            let thread_shared = shared.clone();
            let thread = std::thread::Builder::new()
                .name("capture-browser".into())
                .spawn(move || {
                    session::run_session(
                        spec,
                        options,
                        requests_rx,
                        &thread_shared,
                        ready_tx,
                        notifier,
                    );
                    thread_shared.alive.store(false, Ordering::SeqCst);
                })
                .map_err(|e| Error::internal(format!("cannot start the capture browser: {e}")))?;
            *running = Some(Running {
                case_code,
                policy,
                requests,
                shared,
                thread: Some(thread),
            });
        }
        match ready_rx.await {
            Ok(Ok(())) => Ok(self.status()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::internal("the capture browser stopped while starting").into()),
        }
    }

    pub fn status(&self) -> BrowserStatus {
        let running = guard(&self.running);
        match running.as_ref().filter(|r| r.is_alive()) {
            Some(r) => BrowserStatus {
                open: true,
                paused: r.shared.paused.load(Ordering::SeqCst),
                case_code: Some(r.case_code.clone()),
                url: guard(&r.shared.url).clone(),
            },
            None => BrowserStatus::closed(),
        }
    }

    /// Pauses or resumes automatic capture; visits are still reported while paused.
    pub fn set_paused(&self, paused: bool) -> Result<BrowserStatus, AppError> {
        {
            let running = guard(&self.running);
            let r = open(running.as_ref())?;
            r.shared.paused.store(paused, Ordering::SeqCst);
            send(r, Request::Paused(paused))?;
        }
        Ok(self.status())
    }

    /// Captures the page shown now and stores it, paused or not.
    pub async fn capture_now(&self) -> Result<EvidenceItem, AppError> {
        let (reply, answer) = oneshot::channel();
        send(
            open(guard(&self.running).as_ref())?,
            Request::CaptureNow(reply),
        )?;
        answer.await.unwrap_or_else(|_| Err(not_open()))
    }

    /// The policy the session runs under (to check an address before going there).
    pub fn policy(&self) -> Result<NetworkPolicy, AppError> {
        Ok(open(guard(&self.running).as_ref())?.policy.clone())
    }

    /// Loads `url` in the current tab. The caller checked it against [`Self::policy`].
    pub async fn navigate(&self, url: String) -> Result<(), AppError> {
        let (reply, answer) = oneshot::channel();
        send(
            open(guard(&self.running).as_ref())?,
            Request::Navigate(url, reply),
        )?;
        answer.await.unwrap_or_else(|_| Err(not_open()))
    }

    /// Closes Chromium and waits (at most `wait`) for the captures in progress to be
    /// stored. Closing a closed browser does nothing.
    pub fn close(&self, wait: Duration) -> BrowserStatus {
        let running = guard(&self.running).take();
        if let Some(mut r) = running {
            let _ = r.requests.send(Request::Close);
            let deadline = Instant::now() + wait;
            while r.is_alive() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            // Still busy after `wait`: leave the thread to finish on its own.
            if let Some(thread) = r.thread.take().filter(|_| !r.is_alive()) {
                let _ = thread.join();
            }
        }
        BrowserStatus::closed()
    }
}

fn not_open() -> AppError {
    BrowserErrorCode::NotOpen.error("the capture browser is not open")
}

fn open(running: Option<&Running>) -> Result<&Running, AppError> {
    running.filter(|r| r.is_alive()).ok_or_else(not_open)
}

fn send(running: &Running, request: Request) -> Result<(), AppError> {
    running.requests.send(request).map_err(|_| not_open())
}
