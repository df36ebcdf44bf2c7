//! `make package`'s .deb, end to end: packaged from the debug binaries the test suite
//! already built (`scripts/package.sh` with `BUILD=no`, no AppImage, so nothing leaves
//! the machine), read back with `dpkg-deb`, installed for real (`dpkg -i` when running
//! as root, as CI does; unpacked with `dpkg-deb -x` otherwise), then the installed CLI
//! makes a workspace and the installed app, started on it under Xvfb, stays up, shows
//! its window and holds the workspace's app lock. Finally the app is stopped and the
//! package removed.
//!
//! This test owns the Debian package `truyvet` on the machine it runs on: an installed
//! copy is replaced and then removed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;
use truyvet_core::{ErrorCode, HOME_ENV, OpenMode, Workspace};
use truyvet_tests::truyvet_bin;

const PACKAGE: &str = "truyvet";
/// How long the app may take to show its window: a bound for a failure, not a speed target.
const START_LIMIT: Duration = Duration::from_secs(90);
/// The app must still be running this long after its window appeared.
const STAYS_UP: Duration = Duration::from_secs(3);

#[test]
fn deb_package_reads_back_installs_and_starts_the_app() {
    let tmp = tempfile::Builder::new()
        .prefix("truyvet-package-")
        .tempdir()
        .unwrap();
    let deb = build_deb(&tmp.path().join("out"));

    // The control fields.
    run_ok(Command::new("dpkg-deb").arg("--info").arg(&deb));
    let field = |name: &str| {
        let out = run_ok(Command::new("dpkg-deb").arg("--field").arg(&deb).arg(name));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(field("Package"), PACKAGE);
    assert_eq!(
        field("Version"),
        truyvet_core::VERSION,
        "one version everywhere"
    );
    assert_eq!(field("Architecture"), deb_arch());
    let depends = field("Depends");
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libsoup-3.0-0"] {
        assert!(
            depends.contains(needed),
            "Depends lacks {needed}: {depends}"
        );
    }

    // The files: app, CLI, desktop entry, icons.
    let listing = run_ok(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    let listing = String::from_utf8(listing.stdout).unwrap();
    for path in [
        "usr/bin/truyvet-desktop",
        "usr/bin/truyvet",
        "usr/share/applications/truyvet.desktop",
        "usr/share/icons/hicolor/128x128/apps/truyvet-desktop.png",
        "usr/share/icons/hicolor/32x32/apps/truyvet-desktop.png",
    ] {
        assert!(
            listing
                .lines()
                .filter_map(|l| l.split_whitespace().last())
                .any(|p| p.trim_start_matches("./") == path),
            "{path} is not in the package:\n{listing}"
        );
    }
    let unpacked = tmp.path().join("unpacked");
    run_ok(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked));
    check_desktop_entry(&unpacked.join("usr/share/applications/truyvet.desktop"));
    let icon = fs::read(unpacked.join("usr/share/icons/hicolor/128x128/apps/truyvet-desktop.png"))
        .unwrap();
    assert!(
        icon.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the icon is not a PNG"
    );

    // Install it for real where we may; the guard removes it whatever happens next.
    let installed = Installed::new(&deb, &unpacked);
    let cli = installed.prefix.join("usr/bin/truyvet");
    let app = installed.prefix.join("usr/bin/truyvet-desktop");

    // The installed CLI makes a workspace with a case in it…
    let ws = tmp.path().join("workspace");
    cli_json(
        &cli,
        &ws,
        &[
            "profile",
            "set",
            "--display-name",
            "Nguyễn Văn An",
            "--agency",
            "QLTT",
            "--unit",
            "Đội QLTT số 1",
            "--province",
            "HN",
        ],
    );
    let case = cli_json(
        &cli,
        &ws,
        &["case", "new", "--title", "Kiểm tra gói cài đặt"],
    );
    assert_eq!(case["title"], "Kiểm tra gói cài đặt");

    // …and the installed app opens it on a private display.
    let xvfb = Xvfb::start();
    let log = tmp.path().join("app.log");
    let mut running = RunningApp::start(&app, &ws, &xvfb.display, &log);
    let deadline = Instant::now() + START_LIMIT;
    let window = loop {
        running.assert_alive(&log);
        if let Some(id) = find_window(&xvfb.display, "TruyVết") {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "no TruyVết window within {START_LIMIT:?}; app log:\n{}",
            fs::read_to_string(&log).unwrap_or_default()
        );
        sleep(Duration::from_millis(250));
    };
    sleep(STAYS_UP);
    running.assert_alive(&log);
    assert_eq!(
        find_window(&xvfb.display, "TruyVết").as_deref(),
        Some(window.as_str()),
        "the window went away"
    );
    // The app opened the CLI's workspace: it holds the single-instance lock there.
    let other = Workspace::open_with(&ws, OpenMode::Existing).unwrap();
    let err = other
        .lock_for_app()
        .expect_err("the installed app should hold the workspace's app lock");
    assert_eq!(err.code, ErrorCode::WorkspaceInUse);
    drop(other);

    running.stop();
    drop(xvfb);
    installed.remove();
}

/// Runs `scripts/package.sh` on the binaries of this test build's profile.
fn build_deb(out: &Path) -> PathBuf {
    let bin = truyvet_bin();
    let profile_dir = bin.parent().unwrap();
    let profile = profile_dir.file_name().unwrap().to_str().unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = Command::new("bash")
        .arg(repo.join("scripts/package.sh"))
        .current_dir(repo)
        .env("PROFILE", profile)
        .env("BUILD", "no")
        // The AppImage tools come from the network; this test stays offline.
        .env("APPIMAGE", "no")
        .env("PACKAGE_DIR", out)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("run scripts/package.sh");
    assert!(
        output.status.success(),
        "scripts/package.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let deb = out.join(format!(
        "{PACKAGE}_{}_{}.deb",
        truyvet_core::VERSION,
        deb_arch()
    ));
    assert!(deb.is_file(), "no {} after packaging", deb.display());
    deb
}

fn deb_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no Debian architecture known for {other}"),
    }
}

/// The desktop entry menus show: Vietnamese name, the installed binary and icon, valid
/// by freedesktop's own validator.
fn check_desktop_entry(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        "[Desktop Entry]",
        "Type=Application",
        "Name=TruyVết",
        "Exec=truyvet-desktop",
        "Icon=truyvet-desktop",
        "Terminal=false",
    ] {
        assert!(lines.contains(&want), "{want} missing from:\n{text}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Categories=") && l.contains("Utility;")),
        "no Utility category in:\n{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Comment[vi]=")),
        "no Vietnamese comment in:\n{text}"
    );
    let validate = run(Command::new("desktop-file-validate").arg(path));
    assert!(
        validate.status.success() && validate.stdout.is_empty(),
        "desktop-file-validate: {}",
        String::from_utf8_lossy(&validate.stdout)
    );
}

/// The package on this machine: installed with dpkg as root, else only unpacked.
struct Installed {
    prefix: PathBuf,
    by_dpkg: bool,
}

impl Installed {
    fn new(deb: &Path, unpacked: &Path) -> Installed {
        let root = String::from_utf8(run_ok(Command::new("id").arg("-u")).stdout).unwrap();
        if root.trim() != "0" {
            eprintln!("not root: running the unpacked package instead of installing it");
            return Installed {
                prefix: unpacked.to_path_buf(),
                by_dpkg: false,
            };
        }
        let installed = Installed {
            prefix: PathBuf::from("/"),
            by_dpkg: true,
        };
        run_ok(
            Command::new("dpkg")
                .arg("-i")
                .arg(deb)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        );
        let status =
            run_ok(Command::new("dpkg-query").args(["-W", "-f=${Status} ${Version}", PACKAGE]));
        assert_eq!(
            String::from_utf8(status.stdout).unwrap(),
            format!("install ok installed {}", truyvet_core::VERSION)
        );
        installed
    }

    /// Removes the package and checks its files are gone.
    fn remove(mut self) {
        if self.by_dpkg {
            self.by_dpkg = false;
            run_ok(Command::new("dpkg").args(["-r", PACKAGE]));
            for bin in ["truyvet", "truyvet-desktop"] {
                assert!(
                    !Path::new("/usr/bin").join(bin).exists(),
                    "{bin} left behind"
                );
            }
        }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if self.by_dpkg {
            let _ = Command::new("dpkg").args(["-r", PACKAGE]).output();
        }
    }
}

/// `truyvet --json --workspace WS ARGS…` with the installed CLI, parsed.
fn cli_json(cli: &Path, ws: &Path, args: &[&str]) -> Value {
    let out = run_ok(
        Command::new(cli)
            .env_remove(HOME_ENV)
            .arg("--json")
            .arg("--workspace")
            .arg(ws)
            .args(args),
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "truyvet {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A private X server; `-displayfd` makes it pick a free display number itself.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
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
            .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}): `make test` installs it"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.trim().is_empty(), "Xvfb did not report a display");
        Xvfb {
            child,
            display: format!(":{}", line.trim()),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The installed app in a process group of its own, so stopping it also stops the
/// WebKit processes it started.
struct RunningApp {
    child: Option<Child>,
}

impl RunningApp {
    fn start(app: &Path, ws: &Path, display: &str, log: &Path) -> RunningApp {
        let log_file = fs::File::create(log).unwrap();
        let child = Command::new(app)
            .env(HOME_ENV, ws)
            .env("DISPLAY", display)
            // Software rendering: Xvfb has no GPU.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", app.display()));
        RunningApp { child: Some(child) }
    }

    fn assert_alive(&mut self, log: &Path) {
        let child = self.child.as_mut().unwrap();
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the installed app exited ({status}); its log:\n{}",
                fs::read_to_string(log).unwrap_or_default()
            );
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).output();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                sleep(Duration::from_millis(100));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).output();
            let _ = child.wait();
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The id of a window whose title is `name`, as xdotool finds it.
fn find_window(display: &str, name: &str) -> Option<String> {
    let out = run(Command::new("xdotool")
        .args(["search", "--name", &format!("^{name}$")])
        .env("DISPLAY", display));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .map(str::to_string)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (`make test` installs what it needs)"))
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
