//! A browser capture (Chromium, see `truyvet-browser`) turned into what the workspace
//! stores: every network exchange of the page load as WARC request/response records, the
//! screenshot, MHTML and rendered DOM as artifacts (and as WARC resource records, so a
//! web-archive player has them too), and the capture's metadata.
//!
//! Chromium hands response bodies over decoded (no gzip, no chunking), so the recorded
//! response head drops `Content-Encoding`, `Transfer-Encoding` and `Content-Length` for a
//! `Content-Length` of the bytes actually stored; the originals are kept under an
//! `X-TruyVet-Orig-` prefix. Byte-exact wire capture is what `http::capture` is for.

use std::time::SystemTime;

use serde_json::json;
use time::OffsetDateTime;
use truyvet_browser::{
    BrowserOptions, HeadlessBrowser, NetworkExchange, PageCapture, ProxySettings,
};
use truyvet_core::{ArtifactInput, CaptureMethod, WebCaptureInput};

use crate::error::{Error, ErrorCode, Result};
use crate::evidence::WARC_MEDIA_TYPE;
use crate::policy::NetworkPolicy;
use crate::policy_proxy::PolicyProxy;
use crate::warc::{HttpExchange, RecordId, WarcWriter};

/// Headers that describe the wire form of a body Chromium has already decoded.
const WIRE_ONLY: &[&str] = &["content-encoding", "transfer-encoding", "content-length"];

/// Captures one page with a Chromium of its own (started and closed for this page).
/// For several pages, [`BrowserCapturer`] keeps one Chromium and one policy proxy.
pub async fn browser_capture_for_evidence(
    url: &str,
    browser: &BrowserOptions,
    policy: &NetworkPolicy,
    investigator: &str,
    device: &str,
) -> Result<WebCaptureInput> {
    // The page itself must pass the policy before Chromium is started for it.
    policy.check_url(url)?;
    let mut capturer = BrowserCapturer::start(browser, policy, investigator, device).await?;
    let result = capturer.capture(url).await;
    capturer.close().await;
    result
}

/// One headless Chromium for a batch of captures. Starting Chromium takes longer than
/// loading a typical page, so a batch pays it once. What matters for evidence stays
/// per page: every page loads in a fresh browser context (its own tab, no cookies,
/// storage or cache from an earlier page), and that context sends its traffic through
/// a policy proxy of its own, so the requests the policy refused are exactly the
/// page's — not an earlier page's, nor the browser's own background requests, which
/// go through a separate proxy under the same policy. The metadata says so
/// (`browser_session`).
pub struct BrowserCapturer {
    browser: HeadlessBrowser,
    /// For the browser's own traffic (updates, time queries…), outside any page.
    _browser_proxy: PolicyProxy,
    policy: NetworkPolicy,
    investigator: String,
    device: String,
    /// Pages captured so far in this browser, the current one included.
    pages: u32,
}

impl BrowserCapturer {
    /// Starts a headless Chromium whose traffic (loopback included) goes through a
    /// policy proxy.
    pub async fn start(
        opts: &BrowserOptions,
        policy: &NetworkPolicy,
        investigator: &str,
        device: &str,
    ) -> Result<BrowserCapturer> {
        let proxy = start_proxy(policy).await?;
        let mut opts = opts.clone();
        opts.proxy = proxy_settings(&proxy, opts.proxy.host_resolver_rules.take());
        let browser = HeadlessBrowser::launch(&opts)
            .await
            .map_err(browser_error)?;
        Ok(BrowserCapturer {
            browser,
            _browser_proxy: proxy,
            policy: policy.clone(),
            investigator: investigator.to_string(),
            device: device.to_string(),
            pages: 0,
        })
    }

    /// Captures `url` in a fresh browser context of the running Chromium.
    pub async fn capture(&mut self, url: &str) -> Result<WebCaptureInput> {
        // The page itself must pass the policy before Chromium is pointed at it, and
        // every request the page then makes goes through the page's policy proxy.
        self.policy.check_url(url)?;
        self.pages += 1;
        let proxy = start_proxy(&self.policy).await?;
        let page = self
            .browser
            .capture_via(url, Some(&proxy_settings(&proxy, None)))
            .await
            .map_err(browser_error)?;
        let refused = proxy.refused();
        drop(proxy);
        let mut input = evidence_from_page(&page, refused, &self.investigator, &self.device)?;
        input.metadata["browser_session"] = json!({
            "fresh_context": true,
            "page_in_session": self.pages,
            "browser_reused": self.pages > 1,
        });
        Ok(input)
    }

    /// False once Chromium has exited or can no longer be driven.
    pub fn is_alive(&mut self) -> bool {
        self.browser.is_alive()
    }

    /// Closes Chromium (removing its throw-away profile) and stops the proxy.
    pub async fn close(self) {
        self.browser.close().await;
    }
}

async fn start_proxy(policy: &NetworkPolicy) -> Result<PolicyProxy> {
    PolicyProxy::start(policy.clone())
        .await
        .map_err(|e| Error::io("starting the policy proxy", &e))
}

/// All traffic through `proxy`, loopback included (`<-loopback>` removes Chromium's
/// implicit bypass).
fn proxy_settings(proxy: &PolicyProxy, host_resolver_rules: Option<String>) -> ProxySettings {
    ProxySettings {
        server: Some(proxy.url()),
        bypass_list: Some("<-loopback>".into()),
        host_resolver_rules,
    }
}

fn browser_error(e: truyvet_browser::Error) -> Error {
    Error::new(ErrorCode::ConnectFailed, format!("browser capture: {e}"))
}

/// What the workspace stores for a page Chromium loaded through the policy proxy (a
/// headless capture, or a page visited in the capture browser). `refused` lists the
/// requests of the page the policy refused; it goes into the metadata.
pub fn evidence_from_page(
    page: &PageCapture,
    refused: Vec<String>,
    investigator: &str,
    device: &str,
) -> Result<WebCaptureInput> {
    let warc_bytes = write_warc(page, investigator, device)?;

    let mut artifacts = vec![ArtifactInput {
        role: "warc".into(),
        media_type: WARC_MEDIA_TYPE.into(),
        bytes: warc_bytes,
    }];
    if let Some(shot) = &page.screenshot {
        artifacts.push(ArtifactInput {
            role: "screenshot".into(),
            media_type: "image/png".into(),
            bytes: shot.png.clone(),
        });
    }
    if let Some(mhtml) = &page.mhtml {
        artifacts.push(ArtifactInput {
            role: "mhtml".into(),
            media_type: "multipart/related".into(),
            bytes: mhtml.clone(),
        });
    }
    if let Some(dom) = &page.dom_html {
        artifacts.push(ArtifactInput {
            role: "dom".into(),
            media_type: "text/html; charset=utf-8".into(),
            bytes: dom.clone().into_bytes(),
        });
    }
    let partial_reason = page.partial.then(|| {
        page.partial_reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    });
    Ok(WebCaptureInput {
        method: CaptureMethod::Browser,
        url: page.requested_url.clone(),
        final_url: page.final_url.clone(),
        title: page.title.clone(),
        http_status: page.main_status,
        server_ip: main_exchange(page).and_then(|e| e.response.as_ref()?.remote_ip.clone()),
        partial_reason,
        metadata: {
            let mut m = metadata(page, investigator, device);
            m["refused_by_policy"] = refused.into();
            m
        },
        text: page.visible_text.clone(),
        artifacts,
        note: None,
        identifiers: crate::identify::page_identifiers(
            page.dom_html.as_deref(),
            page.visible_text.as_deref(),
            &page.final_url,
            page.screenshot.as_ref().map(|s| s.png.as_slice()),
        ),
    })
}

fn main_exchange(page: &PageCapture) -> Option<&NetworkExchange> {
    page.exchanges
        .iter()
        .find(|e| e.request.url == page.final_url && e.response.is_some())
        .or_else(|| page.exchanges.iter().find(|e| e.response.is_some()))
}

fn metadata(page: &PageCapture, investigator: &str, device: &str) -> serde_json::Value {
    json!({
        "tool": crate::TOOL,
        "method": "browser",
        "browser_version": page.browser_version,
        "protocol_version": page.protocol_version,
        "user_agent": page.user_agent,
        "started_utc": utc(page.started_at),
        "finished_utc": utc(page.finished_at),
        "investigator": investigator,
        "device": device,
        "exchanges": page.exchanges.len(),
        "scroll": {
            "steps": page.scroll.steps,
            "reached_bottom": page.scroll.reached_bottom,
            "stopped_by": page.scroll.stopped_by,
        },
        "screenshot": page.screenshot.as_ref().map(|s| json!({
            "width": s.width, "height": s.height,
            "page_width": s.page_width, "page_height": s.page_height, "clipped": s.clipped,
        })),
        "partial_reasons": page.partial_reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn utc(t: SystemTime) -> String {
    truyvet_core::time_fmt::format_utc(OffsetDateTime::from(t))
}

fn write_warc(page: &PageCapture, investigator: &str, device: &str) -> Result<Vec<u8>> {
    // Built in memory; the blob store makes it durable.
    let mut warc = WarcWriter::in_memory(&page.final_url);
    warc.write_warcinfo(&[
        ("format", "WARC File Format 1.1"),
        ("operator", investigator),
        ("hostname", device),
        ("description", "TruyVết browser capture (Chromium)"),
        ("browser", &page.browser_version),
    ])?;
    let date = OffsetDateTime::from(page.finished_at);
    for exchange in &page.exchanges {
        let Some(response) = &exchange.response else {
            continue;
        };
        let request_id = RecordId::new();
        let response_id = RecordId::new();
        let body = exchange.body.bytes().unwrap_or(&[]);
        let ip = response
            .remote_ip
            .as_deref()
            .and_then(|ip| ip.trim_matches(['[', ']']).parse().ok());
        let request_head = request_head(exchange);
        warc.write_request(
            request_id.clone(),
            &HttpExchange {
                target_uri: &exchange.request.url,
                head: request_head.as_bytes(),
                body: exchange.request.body.as_deref().unwrap_or(&[]),
                ip,
                date,
                concurrent_to: Some(&response_id),
                truncated: None,
            },
        )?;
        let response_head = response_head(exchange, body.len());
        warc.write_response(
            response_id,
            &HttpExchange {
                target_uri: &exchange.request.url,
                head: response_head.as_bytes(),
                body,
                ip,
                date,
                concurrent_to: Some(&request_id),
                truncated: None,
            },
        )?;
    }
    let page_uri = &page.final_url;
    if let Some(shot) = &page.screenshot {
        warc.write_resource(
            &format!("urn:screenshot:{page_uri}"),
            "image/png",
            &shot.png,
            None,
        )?;
    }
    if let Some(mhtml) = &page.mhtml {
        warc.write_resource(
            &format!("urn:mhtml:{page_uri}"),
            "multipart/related",
            mhtml,
            None,
        )?;
    }
    if let Some(dom) = &page.dom_html {
        warc.write_resource(
            &format!("urn:dom:{page_uri}"),
            "text/html; charset=utf-8",
            dom.as_bytes(),
            None,
        )?;
    }
    warc.write_metadata_json(page_uri, None, &metadata(page, investigator, device))?;
    Ok(warc.finish_in_memory()?.0)
}

fn request_head(exchange: &NetworkExchange) -> String {
    let target = url::Url::parse(&exchange.request.url)
        .map(|u| {
            let mut t = u.path().to_string();
            if let Some(q) = u.query() {
                t.push('?');
                t.push_str(q);
            }
            t
        })
        .unwrap_or_else(|_| "/".to_string());
    let mut head = format!("{} {target} HTTP/1.1\r\n", exchange.request.method);
    for (name, value) in &exchange.request.headers {
        push_header(&mut head, name, value);
    }
    head.push_str("\r\n");
    head
}

fn response_head(exchange: &NetworkExchange, body_len: usize) -> String {
    let response = exchange.response.as_ref().expect("checked by the caller");
    let reason = if response.status_text.is_empty() {
        "-"
    } else {
        response.status_text.as_str()
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        if WIRE_ONLY.iter().any(|w| name.eq_ignore_ascii_case(w)) {
            push_header(&mut head, &format!("X-TruyVet-Orig-{name}"), value);
        } else {
            push_header(&mut head, name, value);
        }
    }
    head.push_str(&format!("Content-Length: {body_len}\r\n\r\n"));
    head
}

/// One header line; values Chromium joined with newlines become separate lines, and
/// stray CR/LF can never end the head early.
fn push_header(head: &mut String, name: &str, value: &str) {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != ':')
        .collect();
    if name.is_empty() {
        return;
    }
    for line in value.split('\n') {
        let line: String = line.chars().filter(|c| *c != '\r').collect();
        head.push_str(&format!("{name}: {line}\r\n"));
    }
}
