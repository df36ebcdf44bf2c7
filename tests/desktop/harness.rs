//! Runs the real desktop app for a test: a private Xvfb display, `tauri-driver` (which
//! starts WebKitWebDriver, which starts the app) on free loopback ports, and a W3C
//! WebDriver session to it. Everything is torn down when the [`App`] is dropped.
//!
//! Nothing is mocked: the binary under test is the debug build `make test` produced.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

pub use fantoccini;

/// How long any single UI condition may take before the test fails.
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// `target/<profile>/` of the running test executable (it lives in `deps/` below it).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

pub fn built_binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: build it first (`make test` runs `cargo build --workspace`)",
        path.display()
    );
    path
}

fn find_program(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(cargo_home).join("bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is not installed; `make test` installs it (see Makefile)")
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + UI_TIMEOUT;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within {UI_TIMEOUT:?}");
}

/// A private X server; `-displayfd` makes it pick a free display number itself.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new(find_program("Xvfb"))
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1440x960x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("Xvfb stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("Xvfb display number");
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not report a display");
        Xvfb {
            child,
            display: format!(":{number}"),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The desktop app under WebDriver control.
pub struct App {
    pub client: Client,
    driver: Child,
    _xvfb: Xvfb,
}

/// The app-level settings file the app and the CLI use in a test (beside the workspace
/// folder, so no test touches the user's own `~/.config/truyvet/app.json`).
pub fn app_config_path(workspace: &Path) -> PathBuf {
    let name = workspace
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    workspace.with_file_name(format!("{name}.app.json"))
}

/// Whether `workspace` already holds a workspace (a database, or an encrypted one's key).
pub fn has_workspace(workspace: &Path) -> bool {
    workspace.join("truyvet.db").exists() || workspace.join("workspace.key").exists()
}

impl App {
    /// Starts the app on `workspace` with a fresh display and driver. A folder without
    /// a workspace gets an unencrypted one first (`truyvet workspace init`), so the app
    /// opens it as it did before the start screen existed; [`App::launch_new`] shows
    /// the start screen instead.
    pub async fn launch(workspace: &Path) -> App {
        if !has_workspace(workspace) {
            let ok = Command::new(built_binary("truyvet"))
                .arg("--workspace")
                .arg(workspace)
                .args(["workspace", "init"])
                .env("TRUYVET_APP_CONFIG", app_config_path(workspace))
                .stdout(Stdio::null())
                .status()
                .expect("run truyvet workspace init");
            assert!(ok.success(), "truyvet workspace init failed");
        }
        App::launch_new(workspace).await
    }

    /// Starts the app on `workspace` as it is: a folder without a workspace shows the
    /// "create workspace" screen, an encrypted one the lock screen.
    pub async fn launch_new(workspace: &Path) -> App {
        let xvfb = Xvfb::start();
        let app = built_binary("truyvet-desktop");
        let port = free_port();
        let native_port = free_port();
        let mut driver = Command::new(find_program("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(find_program("WebKitWebDriver"))
            .env("DISPLAY", &xvfb.display)
            .env("TRUYVET_HOME", workspace)
            .env("TRUYVET_APP_CONFIG", app_config_path(workspace))
            // Software rendering: Xvfb has no GPU, and the compositor would only slow us.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Own process group, so teardown also reaches WebKitWebDriver and the app.
            .process_group(0)
            .spawn()
            .expect("start tauri-driver");
        wait_for_port(port, &mut driver, "tauri-driver");

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": app,
                "args": ["--workspace", workspace],
            }),
        );
        caps.insert("browserName".into(), "wry".into());
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                let _ = driver.kill();
                let mut log = String::new();
                if let Some(mut err) = driver.stderr.take() {
                    let _ = err.read_to_string(&mut log);
                }
                panic!("WebDriver session to the app failed: {e}\ntauri-driver said:\n{log}")
            });
        App {
            client,
            driver,
            _xvfb: xvfb,
        }
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` within {UI_TIMEOUT:?}: {e}"))
    }

    /// Clicks `css`, finding it again if the UI re-rendered it in between (a debounced
    /// search replaces the rows it shows).
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("click `{css}`: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Replaces the content of an input or textarea.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in `{css}`: {e}"));
    }

    /// Polls `css` until `accept` holds for the text of one of its matches.
    pub async fn wait_text(&self, css: &str, accept: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            seen.clear();
            if let Ok(els) = self.client.find_all(Locator::Css(css)).await {
                for el in els {
                    if let Ok(text) = el.text().await {
                        if accept(&text) {
                            return text;
                        }
                        seen.push(text);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never showed the expected text; last seen: {seen:?}");
    }

    /// Saves a PNG of the window (for the README and for debugging failures).
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Ends the session (the app exits) and stops the driver.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}
