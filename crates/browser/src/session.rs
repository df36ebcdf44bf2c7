//! The capture browser (Hunchly-style): a visible Chromium with the investigator's own
//! persistent profile. Every page visited in any tab is reported as a
//! [`SessionEvent::Visited`]; unless paused, the session then captures it with the
//! same code as a headless capture and reports [`SessionEvent::Captured`].
//!
//! The session attaches to every tab through browser-level auto-attach with
//! "wait for debugger on start", so a new tab's first request is already recorded.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::capture::{Tab, VisitSignal};
use crate::cdp::{CdpError, Connection};
use crate::launch::{Chromium, Mode};
use crate::{BrowserOptions, Error, PageCapture, Result};

/// How a page was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// A main-frame document load finished (its `load` event fired).
    Load,
    /// The page changed its URL without loading a document (history API: single-page
    /// apps such as marketplaces do this for every product).
    SameDocument,
    /// Chromium showed its own error page instead of the document (the connection or
    /// the proxy refused it); `url` is the address that failed. Never captured.
    ErrorPage,
}

/// A page visited in the capture browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// The tab (DevTools target id).
    pub tab: String,
    pub url: String,
    pub kind: VisitKind,
}

/// What the capture browser reports, in order.
#[derive(Debug)]
pub enum SessionEvent {
    Visited(Visit),
    /// The automatic capture of a visit (not sent while paused).
    Captured {
        visit: Visit,
        result: Box<Result<PageCapture>>,
    },
    TabClosed {
        tab: String,
    },
}

struct Inner {
    conn: Connection,
    opts: BrowserOptions,
    tabs: Mutex<HashMap<String, Arc<Tab>>>,
    /// The tab of the latest visit: what "capture now" captures.
    current: Mutex<Option<String>>,
    paused: AtomicBool,
    /// Held for the whole of each snapshot, automatic or "capture now": two snapshots of
    /// one page would scroll it and resize its viewport at the same time.
    capturing: tokio::sync::Mutex<()>,
    events: mpsc::UnboundedSender<SessionEvent>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running capture browser. Closing it (or dropping it) ends Chromium.
pub struct BrowserSession {
    chromium: Chromium,
    inner: Arc<Inner>,
    events: mpsc::UnboundedReceiver<SessionEvent>,
    watcher: tokio::task::JoinHandle<()>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttachedToTarget {
    session_id: String,
    target_info: TargetInfo,
    #[serde(default)]
    waiting_for_debugger: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetInfo {
    target_id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetachedFromTarget {
    target_id: Option<String>,
}

/// Starts a visible Chromium on `profile_dir` (created if missing; logins made in it
/// persist across sessions) and starts reporting visits. Auto-capture starts active.
pub async fn launch_visible(profile_dir: &Path, opts: &BrowserOptions) -> Result<BrowserSession> {
    let chromium = Chromium::launch(opts, Mode::Visible { profile_dir }).await?;
    let conn = chromium.conn.clone();
    let (events_tx, events) = mpsc::unbounded_channel();
    let inner = Arc::new(Inner {
        conn: conn.clone(),
        opts: opts.clone(),
        tabs: Mutex::new(HashMap::new()),
        current: Mutex::new(None),
        paused: AtomicBool::new(false),
        capturing: tokio::sync::Mutex::new(()),
        events: events_tx,
    });
    let (visits_tx, visits_rx) = mpsc::unbounded_channel();
    let browser_events = conn.subscribe();
    let watcher = tokio::spawn(watch_targets(inner.clone(), browser_events, visits_tx));
    tokio::spawn(handle_visits(inner.clone(), visits_rx));
    conn.call(
        None,
        "Target.setAutoAttach",
        json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }),
    )
    .await?;
    // The first tab is attached asynchronously; the session is usable once it is.
    let started = std::time::Instant::now();
    while lock(&inner.tabs).is_empty() {
        if started.elapsed() > opts.launch_timeout {
            return Err(Error::Launch(format!(
                "the capture browser showed no tab within {:?}",
                opts.launch_timeout
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(BrowserSession {
        chromium,
        inner,
        events,
        watcher,
    })
}

async fn watch_targets(
    inner: Arc<Inner>,
    mut events: mpsc::UnboundedReceiver<Arc<crate::cdp::Event>>,
    visits: mpsc::UnboundedSender<VisitSignal>,
) {
    while let Some(event) = events.recv().await {
        // Only the browser's own events; a tab's events go to its pump.
        if event.session_id.is_some() {
            continue;
        }
        match event.method.as_str() {
            "Target.attachedToTarget" => {
                let Some(attached) = event.parse::<AttachedToTarget>() else {
                    continue;
                };
                let conn = inner.conn.clone();
                let session = attached.session_id.clone();
                if attached.target_info.kind != "page" {
                    // Workers and the like: let them run, do not follow them.
                    tokio::spawn(async move {
                        let _ = conn
                            .call(Some(&session), "Runtime.runIfWaitingForDebugger", json!({}))
                            .await;
                        let _ = conn
                            .call(
                                None,
                                "Target.detachFromTarget",
                                json!({ "sessionId": session }),
                            )
                            .await;
                    });
                    continue;
                }
                // Subscribe now, before the tab runs, so its first request is recorded.
                let tab_events = conn.subscribe();
                let inner = inner.clone();
                let visits = visits.clone();
                tokio::spawn(async move {
                    let target = attached.target_info.target_id;
                    let tab = Tab::start(
                        &conn,
                        &target,
                        &session,
                        tab_events,
                        &inner.opts,
                        Some(visits),
                        false,
                    )
                    .await;
                    if let Ok(tab) = tab {
                        lock(&inner.tabs).insert(target.clone(), Arc::new(tab));
                    }
                    if attached.waiting_for_debugger {
                        let _ = conn
                            .call(Some(&session), "Runtime.runIfWaitingForDebugger", json!({}))
                            .await;
                    }
                });
            }
            "Target.detachedFromTarget" => {
                let Some(detached) = event.parse::<DetachedFromTarget>() else {
                    continue;
                };
                let Some(target) = detached.target_id else {
                    continue;
                };
                if let Some(tab) = lock(&inner.tabs).remove(&target) {
                    tab.stop();
                    let mut current = lock(&inner.current);
                    if current.as_deref() == Some(target.as_str()) {
                        *current = None;
                    }
                    let _ = inner.events.send(SessionEvent::TabClosed { tab: target });
                }
            }
            _ => {}
        }
    }
}

async fn handle_visits(inner: Arc<Inner>, mut visits: mpsc::UnboundedReceiver<VisitSignal>) {
    while let Some(signal) = visits.recv().await {
        if signal.url.starts_with("chrome-error://") && !signal.same_document {
            report_error_page(&inner, &signal.target_id).await;
            continue;
        }
        if !(signal.url.starts_with("http://") || signal.url.starts_with("https://")) {
            continue;
        }
        let visit = Visit {
            tab: signal.target_id.clone(),
            url: signal.url,
            kind: if signal.same_document {
                VisitKind::SameDocument
            } else {
                VisitKind::Load
            },
        };
        *lock(&inner.current) = Some(signal.target_id.clone());
        let _ = inner.events.send(SessionEvent::Visited(visit.clone()));
        if inner.paused.load(Ordering::SeqCst) {
            continue;
        }
        let tab = lock(&inner.tabs).get(&signal.target_id).cloned();
        let Some(tab) = tab else {
            continue;
        };
        // One capture at a time, in visit order: the investigator sees them in order,
        // and two snapshots never scroll the same page at once.
        let result = {
            let _one = inner.capturing.lock().await;
            tab.capture_current(Some(&visit.url), &inner.opts).await
        };
        let _ = inner.events.send(SessionEvent::Captured {
            visit,
            result: Box::new(result),
        });
    }
}

/// An error page is a `chrome-error://` document; the address that failed is the URL of
/// the tab's current history entry. Reported as an [`VisitKind::ErrorPage`] visit so the
/// investigator learns why nothing was captured; the tab does not become "current".
async fn report_error_page(inner: &Inner, target_id: &str) {
    let tab = lock(&inner.tabs).get(target_id).cloned();
    let Some(tab) = tab else {
        return;
    };
    let Ok(history) = tab.call("Page.getNavigationHistory", json!({})).await else {
        return;
    };
    let url = history["currentIndex"]
        .as_u64()
        .and_then(|i| history["entries"].get(i as usize))
        .and_then(|entry| entry["url"].as_str());
    if let Some(url) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
        let _ = inner.events.send(SessionEvent::Visited(Visit {
            tab: target_id.to_string(),
            url: url.to_string(),
            kind: VisitKind::ErrorPage,
        }));
    }
}

impl BrowserSession {
    /// The next event; `None` once the browser is gone.
    pub async fn next_event(&mut self) -> Option<SessionEvent> {
        self.events.recv().await
    }

    /// Stops automatic capture; visits are still reported.
    pub fn pause(&self) {
        self.inner.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.inner.paused.store(false, Ordering::SeqCst);
    }

    pub fn is_paused(&self) -> bool {
        self.inner.paused.load(Ordering::SeqCst)
    }

    /// The tab of the latest visit and its URL.
    pub fn current_page(&self) -> Option<(String, Option<String>)> {
        let target = lock(&self.inner.current).clone()?;
        let url = lock(&self.inner.tabs)
            .get(&target)
            .and_then(|t| t.current_url());
        Some((target, url))
    }

    /// Captures the current tab as it is now ("capture now" button), paused or not.
    pub async fn capture_now(&self) -> Result<PageCapture> {
        let target = lock(&self.inner.current).clone().ok_or(Error::NoPage)?;
        let tab = lock(&self.inner.tabs)
            .get(&target)
            .cloned()
            .ok_or(Error::NoPage)?;
        let _one = self.inner.capturing.lock().await;
        tab.capture_current(None, &self.inner.opts).await
    }

    /// Loads `url` in the current tab (or the first tab when none was visited yet), as if
    /// the investigator typed it. The visit is reported like any other.
    pub async fn navigate(&self, url: &str) -> Result<()> {
        let tab = {
            let tabs = lock(&self.inner.tabs);
            let current = lock(&self.inner.current).clone();
            current
                .and_then(|t| tabs.get(&t).cloned())
                .or_else(|| tabs.values().next().cloned())
        };
        let tab = tab.ok_or(Error::NoPage)?;
        navigate_tab(&tab, url).await
    }

    /// Opens `url` in a new tab; returns the tab id. The tab starts blank and is
    /// attached before it navigates, so its page load is recorded from the first request.
    pub async fn open_tab(&self, url: &str) -> Result<String> {
        let reply = self
            .inner
            .conn
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await?;
        let target = reply["targetId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                Error::Cdp(CdpError::Decode {
                    method: "Target.createTarget".into(),
                    message: "no targetId".into(),
                })
            })?;
        let started = std::time::Instant::now();
        let tab = loop {
            if let Some(tab) = lock(&self.inner.tabs).get(&target).cloned() {
                break tab;
            }
            if started.elapsed() > self.inner.opts.command_timeout {
                return Err(Error::NoPage);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        navigate_tab(&tab, url).await?;
        Ok(target)
    }

    /// Whether Chromium is still running (the investigator may close its window).
    pub fn is_running(&mut self) -> bool {
        !self.chromium.has_exited() && !self.inner.conn.is_closed()
    }

    /// Closes the browser. The profile stays on disk.
    pub async fn close(self) {
        self.watcher.abort();
        for tab in lock(&self.inner.tabs).values() {
            tab.stop();
        }
        self.chromium.close().await;
    }
}

async fn navigate_tab(tab: &Tab, url: &str) -> Result<()> {
    let reply = tab.call("Page.navigate", json!({ "url": url })).await?;
    if let Some(reason) = reply["errorText"].as_str().filter(|e| !e.is_empty()) {
        return Err(Error::Navigation {
            url: url.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(())
}
