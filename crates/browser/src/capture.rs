//! Capturing one tab: recording its network traffic, navigating, waiting for load,
//! scrolling for lazy content, waiting for the network to settle, and taking the
//! screenshot, MHTML and DOM. Shared by headless captures and the capture browser.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::cdp::{CdpError, Connection, Event};
use crate::launch::{Chromium, Mode};
use crate::network::{self, NetworkLog, SharedLog, lock_log};
use crate::{
    BrowserOptions, Error, PageCapture, PartialReason, ProxySettings, Result, Screenshot,
    ScrollOutcome,
};

/// Loads `url` in a fresh headless Chromium (throw-away profile) and captures it.
pub async fn capture_page(url: &str, opts: &BrowserOptions) -> Result<PageCapture> {
    let browser = HeadlessBrowser::launch(opts).await?;
    let result = browser.capture(url).await;
    browser.close().await;
    result
}

/// A headless Chromium kept running for several captures. Each capture runs in its own
/// browser context (like a private window): no cookies, storage or cache are shared.
pub struct HeadlessBrowser {
    chromium: Chromium,
    opts: BrowserOptions,
}

impl HeadlessBrowser {
    pub async fn launch(opts: &BrowserOptions) -> Result<HeadlessBrowser> {
        let chromium = Chromium::launch(opts, Mode::Headless).await?;
        Ok(HeadlessBrowser {
            chromium,
            opts: opts.clone(),
        })
    }

    /// Loads `url` in a new private context and captures it.
    pub async fn capture(&self, url: &str) -> Result<PageCapture> {
        self.capture_via(url, None).await
    }

    /// Like [`HeadlessBrowser::capture`], with the new context's traffic sent through
    /// `proxy` (its `server` and `bypass_list`) instead of the browser's own proxy. A
    /// proxy per page tells which requests were that page's, apart from the browser's
    /// own background requests and from earlier pages.
    pub async fn capture_via(
        &self,
        url: &str,
        proxy: Option<&ProxySettings>,
    ) -> Result<PageCapture> {
        let conn = &self.chromium.conn;
        let mut params = json!({ "disposeOnDetach": true });
        if let Some(server) = proxy.and_then(|p| p.server.as_deref()) {
            params["proxyServer"] = server.into();
        }
        if let Some(bypass) = proxy.and_then(|p| p.bypass_list.as_deref()) {
            params["proxyBypassList"] = bypass.into();
        }
        let context: Value = conn
            .call(None, "Target.createBrowserContext", params)
            .await?;
        let context_id = context["browserContextId"].clone();
        let result = self.capture_in_context(url, &context_id).await;
        let _ = conn
            .call(
                None,
                "Target.disposeBrowserContext",
                json!({ "browserContextId": context_id }),
            )
            .await;
        result
    }

    async fn capture_in_context(&self, url: &str, context_id: &Value) -> Result<PageCapture> {
        let conn = &self.chromium.conn;
        let target: Value = conn
            .call(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "browserContextId": context_id }),
            )
            .await?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let tab = Tab::attach(conn, &target_id, &self.opts, None).await?;
        let result = tab.navigate_and_capture(url, &self.opts).await;
        tab.stop();
        let _ = conn
            .call(None, "Target.closeTarget", json!({ "targetId": target_id }))
            .await;
        result
    }

    /// False once Chromium has exited or its DevTools connection is gone: a batch
    /// should then start a new browser for its next page.
    pub fn is_alive(&mut self) -> bool {
        !self.chromium.conn.is_closed() && !self.chromium.has_exited()
    }

    /// Closes Chromium and removes its profile.
    pub async fn close(self) {
        self.chromium.close().await;
    }
}

/// What the page-state tracker knows about the tab's current document.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageState {
    pub loader_id: Option<String>,
    pub url: Option<String>,
    pub load_fired: bool,
}

/// A page load finished, or the page changed its URL without loading (history API).
#[derive(Debug, Clone)]
pub(crate) struct VisitSignal {
    pub target_id: String,
    pub url: String,
    pub same_document: bool,
}

/// One attached page with its network recorder running.
pub(crate) struct Tab {
    pub conn: Connection,
    pub session_id: String,
    log: SharedLog,
    state: watch::Receiver<PageState>,
    pump: tokio::task::JoinHandle<()>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FrameNavigated {
    frame: Frame,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Frame {
    id: String,
    parent_id: Option<String>,
    loader_id: String,
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NavigatedWithinDocument {
    frame_id: String,
    url: String,
}

impl Tab {
    /// Attaches to `target_id` and starts recording. The event subscription is made
    /// before `Network.enable`, so no exchange is missed.
    pub(crate) async fn attach(
        conn: &Connection,
        target_id: &str,
        opts: &BrowserOptions,
        visits: Option<mpsc::UnboundedSender<VisitSignal>>,
    ) -> Result<Tab> {
        let events = conn.subscribe();
        let attached: Value = conn
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session_id = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Tab::start(conn, target_id, &session_id, events, opts, visits, true).await
    }

    /// Starts recording on an already attached session and enables the domains.
    pub(crate) async fn start(
        conn: &Connection,
        target_id: &str,
        session_id: &str,
        events: mpsc::UnboundedReceiver<Arc<Event>>,
        opts: &BrowserOptions,
        visits: Option<mpsc::UnboundedSender<VisitSignal>>,
        headless: bool,
    ) -> Result<Tab> {
        let log: SharedLog = Arc::new(Mutex::new(NetworkLog::default()));
        let (state_tx, state) = watch::channel(PageState::default());
        let state_tx_handle = Arc::new(state_tx);
        let visits_init = visits.clone();
        let pump = tokio::spawn(pump(
            events,
            conn.clone(),
            session_id.to_string(),
            target_id.to_string(),
            log.clone(),
            state_tx_handle.clone(),
            visits,
            opts.body_timeout,
        ));
        let tab = Tab {
            conn: conn.clone(),
            session_id: session_id.to_string(),
            log,
            state,
            pump,
        };
        let max_body = opts.max_body_size.min(opts.max_total_body_buffer);
        tab.call(
            "Network.enable",
            json!({
                "maxTotalBufferSize": opts.max_total_body_buffer,
                "maxResourceBufferSize": max_body,
            }),
        )
        .await?;
        tab.call("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
            .await?;
        // Older Chromium lacks it; a page with a service worker then shows as such.
        let _ = tab
            .call("Network.setBypassServiceWorker", json!({ "bypass": true }))
            .await;
        tab.call("Page.enable", json!({})).await?;
        // A tab attached mid-navigation (a tab opened by the page or the user) may have
        // committed or even loaded its document before the Page domain was on: take the
        // main frame from the frame tree, and its load state from the document.
        if let Ok(tree) = tab.call("Page.getFrameTree", json!({})).await {
            let frame = &tree["frameTree"]["frame"];
            let loaded = tab
                .call(
                    "Runtime.evaluate",
                    json!({ "expression": "document.readyState", "returnByValue": true }),
                )
                .await
                .is_ok_and(|r| r["result"]["value"] == "complete");
            let mut signal = None;
            tab_state_init(&state_tx_handle, frame, loaded, target_id, &mut signal);
            if let (Some(signal), Some(visits)) = (signal, visits_init) {
                let _ = visits.send(signal);
            }
        }
        if headless {
            tab.call(
                "Emulation.setDeviceMetricsOverride",
                json!({
                    "width": opts.viewport.width,
                    "height": opts.viewport.height,
                    "deviceScaleFactor": 1,
                    "mobile": false,
                }),
            )
            .await?;
            // Scrollbars would take their width off the page (and off the screenshot).
            let _ = tab
                .call("Emulation.setScrollbarsHidden", json!({ "hidden": true }))
                .await;
        }
        Ok(tab)
    }

    pub(crate) async fn call(&self, method: &str, params: Value) -> Result<Value, CdpError> {
        self.conn.call(Some(&self.session_id), method, params).await
    }

    pub(crate) fn stop(&self) {
        self.pump.abort();
    }

    pub(crate) fn current_url(&self) -> Option<String> {
        self.state.borrow().url.clone()
    }

    async fn navigate_and_capture(&self, url: &str, opts: &BrowserOptions) -> Result<PageCapture> {
        let started_at = SystemTime::now();
        let started = Instant::now();
        let navigate = tokio::time::timeout(
            opts.load_timeout,
            self.call("Page.navigate", json!({ "url": url })),
        )
        .await;
        let navigated = match navigate {
            Ok(reply) => reply?,
            Err(_) => {
                return Err(Error::NoResponse {
                    url: url.to_string(),
                    waited_ms: millis(opts.load_timeout),
                });
            }
        };
        if let Some(reason) = navigated["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(Error::Navigation {
                url: url.to_string(),
                reason: reason.to_string(),
            });
        }
        let loader_id = navigated["loaderId"].as_str().map(str::to_string);
        let remaining = opts.load_timeout.saturating_sub(started.elapsed());
        let mut state = self.state.clone();
        let loaded = tokio::time::timeout(
            remaining,
            state.wait_for(|s| s.load_fired && (loader_id.is_none() || s.loader_id == loader_id)),
        )
        .await;
        let mut partial = Vec::new();
        match loaded {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return Err(CdpError::Closed.into()),
            Err(_) => partial.push(PartialReason::LoadTimeout {
                waited_ms: millis(opts.load_timeout),
            }),
        }
        self.snapshot(url, loader_id, started_at, partial, opts)
            .await
    }

    /// Captures the tab as it is now (scrolling first), with the exchanges recorded
    /// since its current document started loading. `visited` is the URL of the visit that
    /// asked for it (the page may have moved on since); `None`: the tab's current URL.
    pub(crate) async fn capture_current(
        &self,
        visited: Option<&str>,
        opts: &BrowserOptions,
    ) -> Result<PageCapture> {
        let state = self.state.borrow().clone();
        let url = visited
            .map(str::to_string)
            .or(state.url.clone())
            .unwrap_or_default();
        let mut partial = Vec::new();
        if !state.load_fired {
            partial.push(PartialReason::LoadTimeout { waited_ms: 0 });
        }
        self.snapshot(&url, state.loader_id, SystemTime::now(), partial, opts)
            .await
    }

    async fn snapshot(
        &self,
        requested_url: &str,
        loader_id: Option<String>,
        started_at: SystemTime,
        mut partial: Vec<PartialReason>,
        opts: &BrowserOptions,
    ) -> Result<PageCapture> {
        let scroll = self.scroll_to_bottom(opts).await?;
        let pending = self.wait_network_idle(opts).await;
        if !pending.is_empty() {
            partial.push(PartialReason::NetworkNotIdle { pending });
        }

        let screenshot = match self.screenshot(opts).await {
            Ok(shot) => Some(shot),
            Err(e) => {
                partial.push(PartialReason::ScreenshotFailed(e.to_string()));
                None
            }
        };
        let mhtml = match self
            .call("Page.captureSnapshot", json!({ "format": "mhtml" }))
            .await
        {
            Ok(reply) => reply["data"].as_str().map(|s| s.as_bytes().to_vec()),
            Err(e) => {
                partial.push(PartialReason::MhtmlFailed(e.to_string()));
                None
            }
        };
        let page = match self.evaluate(PAGE_FACTS_JS).await {
            Ok(value) => Some(value),
            Err(e) => {
                partial.push(PartialReason::DomFailed(e.to_string()));
                None
            }
        };
        if screenshot.is_none() && mhtml.is_none() && page.is_none() {
            return Err(Error::NothingCaptured {
                url: requested_url.to_string(),
                reasons: partial
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }

        let missing = self.wait_bodies(opts).await;
        if missing > 0 {
            partial.push(PartialReason::BodiesMissing { count: missing });
        }
        let exchanges = lock_log(&self.log).exchanges();
        let main_status = loader_id.as_deref().and_then(|loader| {
            exchanges
                .iter()
                .rev()
                .find(|e| e.request_id == loader && e.response.is_some())
                .and_then(|e| e.status())
        });
        let version: Value = self
            .conn
            .call(None, "Browser.getVersion", json!({}))
            .await?;
        let text = |v: &Option<Value>, key: &str| {
            v.as_ref().and_then(|v| v[key].as_str()).map(str::to_string)
        };
        let finished_at = SystemTime::now();
        Ok(PageCapture {
            requested_url: requested_url.to_string(),
            final_url: text(&page, "url").unwrap_or_else(|| requested_url.to_string()),
            title: text(&page, "title").unwrap_or_default(),
            main_status,
            started_at,
            finished_at,
            user_agent: text(&page, "userAgent")
                .or_else(|| version["userAgent"].as_str().map(str::to_string))
                .unwrap_or_default(),
            browser_version: version["product"].as_str().unwrap_or_default().to_string(),
            protocol_version: version["protocolVersion"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            screenshot,
            mhtml,
            dom_html: text(&page, "html"),
            visible_text: text(&page, "text"),
            exchanges,
            scroll,
            partial: !partial.is_empty(),
            partial_reasons: partial,
        })
    }

    async fn evaluate(&self, expression: &str) -> Result<Value, CdpError> {
        let reply = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        if let Some(exception) = reply.get("exceptionDetails") {
            return Err(CdpError::Command {
                method: "Runtime.evaluate".into(),
                message: exception["exception"]["description"]
                    .as_str()
                    .or(exception["text"].as_str())
                    .unwrap_or("script exception")
                    .to_string(),
            });
        }
        Ok(reply["result"]["value"].clone())
    }

    /// Scrolls one viewport at a time until the bottom, or a step, height or time
    /// limit; then back to the top for the screenshot.
    async fn scroll_to_bottom(&self, opts: &BrowserOptions) -> Result<ScrollOutcome> {
        let mut outcome = ScrollOutcome::default();
        if opts.max_scroll_steps == 0 {
            return Ok(outcome);
        }
        let started = Instant::now();
        loop {
            let position = self.evaluate(SCROLL_POSITION_JS).await?;
            let y = position["y"].as_f64().unwrap_or(0.0);
            let view = position["view"].as_f64().unwrap_or(0.0);
            let height = position["height"].as_f64().unwrap_or(0.0);
            if y + view >= height - 1.0 {
                outcome.reached_bottom = true;
                break;
            }
            let stop = if outcome.steps >= opts.max_scroll_steps {
                Some(format!("step limit ({})", opts.max_scroll_steps))
            } else if y >= f64::from(opts.max_screenshot_height) {
                Some(format!("height limit ({} px)", opts.max_screenshot_height))
            } else if started.elapsed() >= opts.scroll_timeout {
                Some(format!("time limit ({} ms)", millis(opts.scroll_timeout)))
            } else {
                None
            };
            if stop.is_some() {
                outcome.stopped_by = stop;
                break;
            }
            let seen = lock_log(&self.log).requests_seen();
            self.evaluate("window.scrollBy(0, window.innerHeight); true")
                .await?;
            outcome.steps += 1;
            self.settle_after_scroll(seen, opts).await;
        }
        self.evaluate("window.scrollTo(0, 0); true").await?;
        Ok(outcome)
    }

    /// The pause after a scroll step: at least `scroll_settle`, so scroll handlers and
    /// lazy-loading observers (which run on the next frames) can start their requests;
    /// then, only if the step started requests or some are still running, until the
    /// network is quiet again, at most `scroll_step_delay` in all. A step that loads
    /// nothing costs the short pause only; one that loads images waits for them as
    /// before. `seen` is the request count from before the step.
    async fn settle_after_scroll(&self, seen: usize, opts: &BrowserOptions) {
        let step = Instant::now();
        tokio::time::sleep(opts.scroll_settle.min(opts.scroll_step_delay)).await;
        let mut last_seen = seen;
        loop {
            let (now_seen, running) = {
                let log = lock_log(&self.log);
                (log.requests_seen(), log.in_flight().len())
            };
            // Quiet: nothing running, and nothing started since the last look.
            if running == 0 && now_seen == last_seen {
                return;
            }
            if step.elapsed() >= opts.scroll_step_delay {
                return;
            }
            last_seen = now_seen;
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    /// Waits until no request has been running for `network_idle`, bounded; returns
    /// the URLs still running when the bound ran out.
    async fn wait_network_idle(&self, opts: &BrowserOptions) -> Vec<String> {
        let started = Instant::now();
        loop {
            let (pending, quiet) = {
                let log = lock_log(&self.log);
                (log.in_flight(), log.quiet_for())
            };
            if pending.is_empty() && quiet >= opts.network_idle {
                return Vec::new();
            }
            if started.elapsed() >= opts.network_idle_timeout {
                return pending;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the body fetches under way; returns how many did not finish.
    async fn wait_bodies(&self, opts: &BrowserOptions) -> usize {
        let started = Instant::now();
        loop {
            let pending = lock_log(&self.log).pending_bodies();
            if pending == 0 || started.elapsed() >= opts.body_timeout {
                return pending;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn screenshot(&self, opts: &BrowserOptions) -> Result<Screenshot, CdpError> {
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await?;
        let size = if metrics["cssContentSize"].is_object() {
            &metrics["cssContentSize"]
        } else {
            &metrics["contentSize"]
        };
        let page_width = size["width"].as_f64().unwrap_or(0.0).ceil().max(1.0) as u32;
        let page_height = size["height"].as_f64().unwrap_or(0.0).ceil().max(1.0) as u32;
        let width = page_width.min(opts.max_screenshot_width);
        let height = page_height.min(opts.max_screenshot_height);
        let reply = self
            .conn
            .call_raw(
                Some(&self.session_id),
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "fromSurface": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
                opts.command_timeout,
            )
            .await?;
        #[derive(Deserialize)]
        struct Shot {
            data: String,
        }
        let shot: Shot = serde_json::from_str(reply.get()).map_err(|e| CdpError::Decode {
            method: "Page.captureScreenshot".into(),
            message: e.to_string(),
        })?;
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot.data.as_bytes())
            .map_err(|e| CdpError::Decode {
                method: "Page.captureScreenshot".into(),
                message: e.to_string(),
            })?;
        let (image_width, image_height) = png_size(&png).ok_or_else(|| CdpError::Decode {
            method: "Page.captureScreenshot".into(),
            message: "not a PNG".into(),
        })?;
        Ok(Screenshot {
            png,
            width: image_width,
            height: image_height,
            page_width,
            page_height,
            clipped: width < page_width || height < page_height,
        })
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(png[20..24].try_into().ok()?);
    Some((width, height))
}

/// How often the pause after a scroll step looks at the network.
const SETTLE_POLL: Duration = Duration::from_millis(25);

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

const SCROLL_POSITION_JS: &str = "({ y: window.scrollY, view: window.innerHeight, \
     height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0) })";

const PAGE_FACTS_JS: &str = r#"(() => {
  const d = document;
  const doctype = d.doctype ? new XMLSerializer().serializeToString(d.doctype) + "\n" : "";
  return {
    html: doctype + d.documentElement.outerHTML,
    text: d.body ? d.body.innerText : "",
    title: d.title,
    url: location.href,
    userAgent: navigator.userAgent,
  };
})()"#;

/// Takes the main frame's state from `Page.getFrameTree` unless events already did;
/// when the document had already loaded, that load is a visit not reported otherwise.
fn tab_state_init(
    state: &watch::Sender<PageState>,
    frame: &Value,
    loaded: bool,
    target_id: &str,
    signal: &mut Option<VisitSignal>,
) {
    let (Some(url), Some(loader)) = (frame["url"].as_str(), frame["loaderId"].as_str()) else {
        return;
    };
    state.send_modify(|s| {
        if s.url.is_some() {
            return;
        }
        s.url = Some(url.to_string());
        s.loader_id = Some(loader.to_string());
        if loaded && !s.load_fired {
            s.load_fired = true;
            *signal = Some(VisitSignal {
                target_id: target_id.to_string(),
                url: url.to_string(),
                same_document: false,
            });
        }
    });
}

/// Consumes the tab's events: feeds the network log and tracks the main document.
#[allow(clippy::too_many_arguments)]
async fn pump(
    mut events: mpsc::UnboundedReceiver<Arc<Event>>,
    conn: Connection,
    session_id: String,
    target_id: String,
    log: SharedLog,
    state: Arc<watch::Sender<PageState>>,
    visits: Option<mpsc::UnboundedSender<VisitSignal>>,
    body_timeout: Duration,
) {
    while let Some(event) = events.recv().await {
        if event.session_id.as_deref() != Some(session_id.as_str()) {
            continue;
        }
        if event.method.starts_with("Network.") {
            if let Some(start) =
                network::record_event(&log, &event, &target_id, &conn, body_timeout)
            {
                state.send_modify(|s| {
                    s.loader_id = Some(start.loader_id);
                    s.load_fired = false;
                });
            }
            continue;
        }
        match event.method.as_str() {
            "Page.frameNavigated" => {
                let Some(nav) = event.parse::<FrameNavigated>() else {
                    continue;
                };
                if nav.frame.parent_id.is_none() && nav.frame.id == target_id {
                    state.send_modify(|s| {
                        s.loader_id = Some(nav.frame.loader_id);
                        s.url = Some(nav.frame.url);
                        s.load_fired = false;
                    });
                }
            }
            "Page.loadEventFired" => {
                let mut first = false;
                state.send_modify(|s| {
                    first = !s.load_fired;
                    s.load_fired = true;
                });
                let url = state.borrow().url.clone();
                if let (true, Some(visits), Some(url)) = (first, &visits, url) {
                    let _ = visits.send(VisitSignal {
                        target_id: target_id.clone(),
                        url,
                        same_document: false,
                    });
                }
            }
            "Page.navigatedWithinDocument" => {
                let Some(nav) = event.parse::<NavigatedWithinDocument>() else {
                    continue;
                };
                if nav.frame_id == target_id {
                    state.send_modify(|s| s.url = Some(nav.url.clone()));
                    if let Some(visits) = &visits {
                        let _ = visits.send(VisitSignal {
                            target_id: target_id.clone(),
                            url: nav.url,
                            same_document: true,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::png_size;

    #[test]
    fn png_size_reads_the_header_and_refuses_other_bytes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1280u32.to_be_bytes());
        png.extend_from_slice(&5000u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((1280, 5000)));
        assert_eq!(png_size(b"GIF89a not a png at all......"), None);
        assert_eq!(png_size(&png[..20]), None);
    }
}
