//! Starting and stopping the Chromium process, and finding its DevTools endpoint.
//!
//! The endpoint is read from the `DevToolsActivePort` file Chromium writes into its
//! profile directory (we ask for port 0, so the kernel picks a free loopback port).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::cdp::Connection;
use crate::{BrowserOptions, Error, chromium_available};

/// Flags for every launch. Chromium runs as root in our containers and CI, hence
/// `--no-sandbox`; background services are off so that nothing but the page talks to the
/// network during a capture (it would pollute the recorded exchanges).
const COMMON_FLAGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--remote-debugging-port=0",
];

const STDERR_TAIL_LINES: usize = 40;

/// Headless (a throw-away profile) or visible (the investigator's persistent profile).
pub(crate) enum Mode<'a> {
    Headless,
    Visible { profile_dir: &'a Path },
}

/// A running Chromium with a DevTools connection. Killed when dropped.
pub(crate) struct Chromium {
    child: Child,
    pub(crate) conn: Connection,
    /// Keeps a headless profile alive until the process is gone.
    _temp_profile: Option<tempfile::TempDir>,
}

impl Chromium {
    pub(crate) async fn launch(opts: &BrowserOptions, mode: Mode<'_>) -> Result<Chromium, Error> {
        chromium_available(opts)?;
        let (profile_dir, temp_profile) = match mode {
            Mode::Headless => {
                let dir = tempfile::Builder::new()
                    .prefix("truyvet-chromium-")
                    .tempdir()
                    .map_err(|e| {
                        Error::Launch(format!("cannot create a profile directory: {e}"))
                    })?;
                (dir.path().to_path_buf(), Some(dir))
            }
            Mode::Visible { profile_dir } => {
                std::fs::create_dir_all(profile_dir).map_err(|e| {
                    Error::Launch(format!(
                        "cannot create the profile directory {}: {e}",
                        profile_dir.display()
                    ))
                })?;
                (profile_dir.to_path_buf(), None)
            }
        };
        let port_file = profile_dir.join("DevToolsActivePort");
        // A stale file from an earlier run would point us at a dead port.
        let _ = std::fs::remove_file(&port_file);

        let mut command = Command::new(&opts.chromium_path);
        if temp_profile.is_some() {
            command.arg("--headless=new");
        }
        command.args(COMMON_FLAGS);
        command.arg(format!("--user-data-dir={}", profile_dir.display()));
        command.arg(format!(
            "--window-size={},{}",
            opts.viewport.width, opts.viewport.height
        ));
        if let Some(agent) = &opts.user_agent {
            command.arg(format!("--user-agent={agent}"));
        }
        if let Some(server) = &opts.proxy.server {
            command.arg(format!("--proxy-server={server}"));
        }
        if let Some(list) = &opts.proxy.bypass_list {
            command.arg(format!("--proxy-bypass-list={list}"));
        }
        if let Some(rules) = &opts.proxy.host_resolver_rules {
            command.arg(format!("--host-resolver-rules={rules}"));
        }
        command.args(&opts.extra_args);
        command.arg("about:blank");
        if let Some(display) = &opts.display {
            command.env("DISPLAY", display);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            Error::Launch(format!(
                "cannot start {}: {e}",
                opts.chromium_path.display()
            ))
        })?;

        // Drain stderr for the life of the process (a full pipe would block Chromium),
        // keeping the last lines to explain a failed start.
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            let tail = stderr_tail.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                    if tail.len() == STDERR_TAIL_LINES {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }

        let started = Instant::now();
        let ws_url = loop {
            if let Some(url) = read_port_file(&port_file) {
                break url;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Error::Launch(format!(
                    "Chromium exited at start ({status}): {}",
                    tail_text(&stderr_tail)
                )));
            }
            if started.elapsed() > opts.launch_timeout {
                return Err(Error::Launch(format!(
                    "Chromium did not open its DevTools endpoint within {:?}: {}",
                    opts.launch_timeout,
                    tail_text(&stderr_tail)
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let conn = Connection::connect(&ws_url, opts.command_timeout).await?;
        Ok(Chromium {
            child,
            conn,
            _temp_profile: temp_profile,
        })
    }

    /// Asks Chromium to close, then makes sure it is gone.
    pub(crate) async fn close(mut self) {
        let _ = self
            .conn
            .call_raw(
                None,
                "Browser.close",
                serde_json::json!({}),
                Duration::from_secs(5),
            )
            .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    pub(crate) fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

/// `DevToolsActivePort` holds the port on its first line and the browser path on the
/// second; it is complete once both are there.
fn read_port_file(path: &PathBuf) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let port: u16 = lines.next()?.trim().parse().ok()?;
    let browser_path = lines.next()?.trim();
    if !browser_path.starts_with("/devtools/browser/") {
        return None;
    }
    Some(format!("ws://127.0.0.1:{port}{browser_path}"))
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    let tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
    if tail.is_empty() {
        "no output".into()
    } else {
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}
