//! What a capture may do and where Chromium lives: [`BrowserOptions`], and the
//! [`chromium_available`] probe the UI uses to say how to install Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where Debian's `chromium` package puts the browser.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Environment variable that overrides [`DEFAULT_CHROMIUM`].
pub const CHROMIUM_ENV: &str = "TRUYVET_CHROMIUM";

/// What the UI tells an investigator when Chromium is missing.
pub const INSTALL_HINT: &str = "install Debian's Chromium with `sudo apt-get install chromium` \
     (or point TRUYVET_CHROMIUM at a Chromium binary); HTTP capture works without it";

/// Size of the emulated window, in CSS pixels at device scale factor 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            width: 1280,
            height: 800,
        }
    }
}

/// How Chromium reaches the network. The product routes captures through its network
/// policy later; for now this is the hook, and tests use it to stay on loopback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// `--proxy-server`, e.g. `http://127.0.0.1:8080` or `socks5://127.0.0.1:1080`.
    pub server: Option<String>,
    /// `--proxy-bypass-list`, e.g. `<-loopback>` to send loopback through the proxy too.
    pub bypass_list: Option<String>,
    /// `--host-resolver-rules`, e.g. `MAP * 127.0.0.1, EXCLUDE localhost`.
    pub host_resolver_rules: Option<String>,
}

/// Everything a capture may do. `Default` gives the production values; every wait is
/// bounded so that a hostile page cannot hold a capture forever.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// The Chromium binary. Default: `$TRUYVET_CHROMIUM`, else `/usr/bin/chromium`.
    pub chromium_path: PathBuf,
    pub viewport: Viewport,
    /// Overrides the browser's user agent (`None`: Chromium's own, which in headless
    /// mode says `HeadlessChrome`). The agent actually used is recorded in the capture.
    pub user_agent: Option<String>,
    pub proxy: ProxySettings,
    /// Starting Chromium until its DevTools endpoint answers.
    pub launch_timeout: Duration,
    /// Any single DevTools command (a full-page screenshot is one command).
    pub command_timeout: Duration,
    /// From navigation to the page's `load` event. Past it the capture goes on with what
    /// the page has and is marked partial.
    pub load_timeout: Duration,
    /// Scrolling to the bottom to trigger lazy loading, all steps together.
    pub scroll_timeout: Duration,
    /// At most this many scroll steps of one viewport height (0: do not scroll).
    pub max_scroll_steps: u32,
    /// The shortest pause after a scroll step, so that scroll handlers and lazy-loading
    /// observers can start their requests.
    pub scroll_settle: Duration,
    /// The longest pause after a scroll step: a step that started requests waits for
    /// them to finish up to this; one that started none moves on after `scroll_settle`.
    pub scroll_step_delay: Duration,
    /// How long the network must be quiet to count as idle.
    pub network_idle: Duration,
    /// The longest wait for the network to become idle after scrolling.
    pub network_idle_timeout: Duration,
    /// Fetching the bodies of finished responses once the snapshot is taken.
    pub body_timeout: Duration,
    /// A full-page screenshot is cut at this many CSS pixels (recorded as clipped), so a
    /// never-ending page cannot exhaust memory.
    pub max_screenshot_height: u32,
    /// Likewise for page width.
    pub max_screenshot_width: u32,
    /// Chromium's buffer for response bodies (`Network.enable` maxTotalBufferSize).
    pub max_total_body_buffer: u64,
    /// The largest single response body Chromium keeps for us.
    pub max_body_size: u64,
    /// X display for the visible capture browser (`None`: inherit `DISPLAY`).
    pub display: Option<String>,
    /// Extra Chromium command-line flags, appended after ours.
    pub extra_args: Vec<String>,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            chromium_path: default_chromium_path(),
            viewport: Viewport::default(),
            user_agent: None,
            proxy: ProxySettings::default(),
            launch_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(60),
            load_timeout: Duration::from_secs(30),
            scroll_timeout: Duration::from_secs(20),
            max_scroll_steps: 60,
            scroll_settle: Duration::from_millis(100),
            scroll_step_delay: Duration::from_millis(250),
            network_idle: Duration::from_millis(500),
            network_idle_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_screenshot_height: 16_384,
            max_screenshot_width: 4_096,
            max_total_body_buffer: 512 * 1024 * 1024,
            max_body_size: 100 * 1024 * 1024,
            display: None,
            extra_args: Vec::new(),
        }
    }
}

/// `$TRUYVET_CHROMIUM` if set and non-empty, else [`DEFAULT_CHROMIUM`].
pub fn default_chromium_path() -> PathBuf {
    match std::env::var_os(CHROMIUM_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(DEFAULT_CHROMIUM),
    }
}

/// The Chromium that will be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChromiumInfo {
    pub path: PathBuf,
    /// What `chromium --version` printed, e.g. `Chromium 156.0.8078.108 built on Debian …`.
    pub version: String,
}

/// Chromium is not there (or does not run). Its message says how to install it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Chromium not found at {}: {reason}; {INSTALL_HINT}", path.display())]
pub struct NotFound {
    pub path: PathBuf,
    pub reason: String,
}

/// Checks that `opts.chromium_path` is a Chromium that runs, by asking its version.
pub fn chromium_available(opts: &BrowserOptions) -> Result<ChromiumInfo, NotFound> {
    chromium_at(&opts.chromium_path)
}

fn chromium_at(path: &Path) -> Result<ChromiumInfo, NotFound> {
    let not_found = |reason: String| NotFound {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(not_found("no such file".into()));
    }
    let output = Command::new(path)
        .arg("--version")
        .output()
        .map_err(|e| not_found(format!("cannot run it: {e}")))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || !version.contains("Chrom") {
        return Err(not_found(format!(
            "`--version` did not report a Chromium ({}: {version:?})",
            output.status
        )));
    }
    Ok(ChromiumInfo {
        path: path.to_path_buf(),
        version,
    })
}
