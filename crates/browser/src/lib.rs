//! Browser capture with Debian's Chromium over the DevTools protocol: full-page
//! screenshot, MHTML, rendered DOM and every network response of the page load.
//!
//! - [`capture_page`] starts a headless Chromium with a throw-away profile, loads one
//!   page, scrolls it to trigger lazy loading, and returns a [`PageCapture`]: plain data
//!   that the WARC writer in `truyvet-capture` turns into records
//!   ([`NetworkExchange`] is shaped as a WARC request/response pair).
//! - [`HeadlessBrowser`] does the same for many pages with one Chromium, each capture in
//!   its own browser context (no shared cookies or cache).
//! - [`launch_visible`] starts the *capture browser*: a visible Chromium with the
//!   investigator's persistent profile, reporting every page visited
//!   ([`SessionEvent`]) and capturing each one with the same code.
//! - [`chromium_available`] says whether Chromium is there, and how to install it.
//!
//! Nothing here downloads a browser: Chromium must be installed (`apt-get install
//! chromium`), and its absence is an error that says so.
//!
//! # Why our own DevTools client, not chromiumoxide
//!
//! We use a small client of our own over `tokio-tungstenite` (`cdp.rs`, ~270 lines)
//! rather than chromiumoxide 0.9 (default features off). Measured on this machine kind
//! (2 cores, `-j2`, empty target directory): chromiumoxide alone took 1 min 14 s to
//! build, 120 crates, with a 2.4 GB peak resident set (its generated protocol code is
//! 5 MB of Rust) and it pulls reqwest; this whole crate, all dependencies included,
//! builds in about 41 s (65 crates, 0.4 GB peak), mostly tokio and serde that the
//! workspace builds anyway.
//! Its typed protocol is generated for one Chromium revision and decodes events into
//! closed enums, so a newer Debian Chromium can emit events it cannot parse; we read
//! only the fields we need and ignore the rest. And we need control over event order
//! (subscribe before `Network.enable`, before navigation) and over raw header blocks,
//! which is easier to see and test in our own small code.
//!
//! # What a capture is (and is not)
//!
//! - Bodies come from `Network.getResponseBody`: after Chromium removed any
//!   `Content-Encoding`, and — for text resources — decoded from their charset and
//!   returned to us as UTF-8. For UTF-8 pages these are the bytes the server sent
//!   (uncompressed); for pages in a legacy charset they are not byte-exact.
//! - Response headers are the raw HTTP/1.x header block when Chromium reports it
//!   ([`HeaderSource::WireText`]); otherwise Chromium's header dictionary (HTTP/2, 3).
//! - A page that does not finish loading in time is still captured, with
//!   [`PageCapture::partial`] set and the reasons listed; a page that never answers at
//!   all, or of which nothing could be taken, is an [`Error`].
//! - The browser's profile is fresh (headless), the HTTP cache is disabled and service
//!   workers are bypassed, so every resource comes from the network during the capture.

mod capture;
mod cdp;
mod launch;
mod network;
mod options;
mod session;

use std::time::SystemTime;

pub use capture::{HeadlessBrowser, capture_page};
pub use cdp::CdpError;
pub use network::{
    ExchangeTiming, HeaderList, HeaderSource, HttpRequest, HttpResponse, NetworkExchange,
    ResponseBody,
};
pub use options::{
    BrowserOptions, CHROMIUM_ENV, ChromiumInfo, DEFAULT_CHROMIUM, INSTALL_HINT, NotFound,
    ProxySettings, Viewport, chromium_available, default_chromium_path,
};
pub use session::{BrowserSession, SessionEvent, Visit, VisitKind, launch_visible};

/// Everything taken from one page.
#[derive(Debug, Clone)]
pub struct PageCapture {
    /// The URL we were asked to capture (for "capture now", the page's URL).
    pub requested_url: String,
    /// The page's URL when the snapshot was taken (after redirects and script).
    pub final_url: String,
    pub title: String,
    /// HTTP status of the main document's final hop (`None`: not seen, e.g. the page was
    /// loaded before the capture browser attached).
    pub main_status: Option<u16>,
    /// When the capture started and when the snapshot was complete (system clock).
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
    /// `navigator.userAgent` in the page.
    pub user_agent: String,
    /// Chromium's product string, e.g. `Chrome/156.0.8078.108`.
    pub browser_version: String,
    /// DevTools protocol version, e.g. `1.3`.
    pub protocol_version: String,
    pub screenshot: Option<Screenshot>,
    /// `Page.captureSnapshot` in MHTML (`multipart/related`, RFC 2557).
    pub mhtml: Option<Vec<u8>>,
    /// `document.documentElement.outerHTML` after scripts ran, with the doctype.
    pub dom_html: Option<String>,
    /// `document.body.innerText`: the page's visible text, for full-text search.
    pub visible_text: Option<String>,
    /// Every HTTP hop of the page load, in the order the requests started.
    pub exchanges: Vec<NetworkExchange>,
    pub scroll: ScrollOutcome,
    /// True when anything is missing or the page was still loading; see
    /// `partial_reasons`. Always equal to `!partial_reasons.is_empty()`.
    pub partial: bool,
    pub partial_reasons: Vec<PartialReason>,
}

/// A full-page PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    pub png: Vec<u8>,
    /// Image size in pixels (read from the PNG header).
    pub width: u32,
    pub height: u32,
    /// The page's full size in CSS pixels when the screenshot was taken.
    pub page_width: u32,
    pub page_height: u32,
    /// The page was larger than the screenshot limits and was cut.
    pub clipped: bool,
}

/// How far scrolling for lazy-loaded content went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrollOutcome {
    pub steps: u32,
    pub reached_bottom: bool,
    /// Why scrolling stopped before the bottom (`None` when it reached it or did not
    /// scroll): step limit, height limit or time limit.
    pub stopped_by: Option<String>,
}

/// Why a capture is partial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartialReason {
    /// The page's `load` event did not fire within the load timeout.
    LoadTimeout {
        waited_ms: u64,
    },
    /// Requests were still running when the snapshot was taken.
    NetworkNotIdle {
        pending: Vec<String>,
    },
    /// Bodies still being fetched when the body timeout ran out.
    BodiesMissing {
        count: usize,
    },
    ScreenshotFailed(String),
    MhtmlFailed(String),
    DomFailed(String),
}

impl std::fmt::Display for PartialReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartialReason::LoadTimeout { waited_ms } => {
                write!(f, "the page did not finish loading within {waited_ms} ms")
            }
            PartialReason::NetworkNotIdle { pending } => write!(
                f,
                "{} request(s) still running at capture: {}",
                pending.len(),
                pending.join(", ")
            ),
            PartialReason::BodiesMissing { count } => {
                write!(f, "{count} response bodies could not be fetched in time")
            }
            PartialReason::ScreenshotFailed(e) => write!(f, "no screenshot: {e}"),
            PartialReason::MhtmlFailed(e) => write!(f, "no MHTML snapshot: {e}"),
            PartialReason::DomFailed(e) => write!(f, "no rendered DOM: {e}"),
        }
    }
}

/// Why a capture did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("cannot start Chromium: {0}")]
    Launch(String),
    #[error(transparent)]
    Cdp(#[from] CdpError),
    #[error("the browser could not load {url}: {reason}")]
    Navigation { url: String, reason: String },
    #[error("{url} sent no response within {waited_ms} ms")]
    NoResponse { url: String, waited_ms: u64 },
    #[error("nothing could be captured from {url}: {reasons}")]
    NothingCaptured { url: String, reasons: String },
    #[error("the capture browser has no page open to capture")]
    NoPage,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
