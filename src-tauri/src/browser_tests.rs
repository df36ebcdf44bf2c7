//! The capture browser through the shell's commands on the mock runtime, with the real
//! Chromium on a private Xvfb display and a loopback site: every visit captured into the
//! case and announced as an event, pause, capture now, the network policy on the address
//! field and on a page reached by a redirect (reported as `failed`), and the errors
//! when it is missing, open twice or not open.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tauri::Listener;
use truyvet_browser::BrowserOptions;
use truyvet_core::model::{NewCase, ProfileInput, Role};

use crate::events::CAPTURE_BROWSER;
use crate::ipc_tests::{app_with, invoke};
use crate::{AppState, CaptureBrowser};

const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

/// A private X server; `-displayfd` makes it pick a free display number itself.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1440x960x24"])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}): `sudo apt-get install xvfb`"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.trim().is_empty(), "Xvfb did not report a display");
        Xvfb {
            display: format!(":{}", line.trim()),
            child,
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback site: `/trang-<name>` is a page titled "Trang trang-<name>";
/// `/chuyen` sends the browser on to 127.0.0.2 (loopback, but not on the allow-list).
fn site() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/").to_string();
            let name = path.trim_start_matches('/');
            let (status, body) = if name == "chuyen" {
                (
                    "200 OK",
                    format!(
                        "<!doctype html><meta http-equiv=refresh \
                         content=\"3;url=http://127.0.0.2:{port}/trang-noi-bo\">"
                    ),
                )
            } else if name.starts_with("trang-") {
                (
                    "200 OK",
                    format!(
                        "<!doctype html><meta charset=utf-8><title>Trang {name}</title>\
                         <h1>Đồng hồ giả — {name}</h1>"
                    ),
                )
            } else {
                ("404 Not Found", String::new())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// A workspace with a profile, one case and loopback allowed; returns the case code.
fn workspace(dir: &std::path::Path) -> String {
    let mut ws = truyvet_core::Workspace::open(dir).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Lý Thị Mai".into(),
        agency: "QLTT".into(),
        unit: "Đội 4".into(),
        province: "HN".into(),
        role: Role::Investigator,
    })
    .unwrap();
    ws.set_setting(truyvet_core::settings::CAPTURE_ALLOW, "127.0.0.1")
        .unwrap();
    ws.create_case(&NewCase {
        title: "Đồng hồ giả".into(),
        ..NewCase::default()
    })
    .unwrap()
    .code
}

/// Waits for the next capture-browser event of `kind`, skipping others (the browser may
/// report extra visits of its own, such as the start page).
fn next_of(events: &mpsc::Receiver<Value>, kind: &str, url: &str) -> Value {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) if event["kind"] == kind && event["url"] == url => return event,
            Ok(event) => {
                assert!(
                    !(event["kind"] == "failed" && event["url"] == url),
                    "{url} failed: {event}"
                );
                seen.push(event);
            }
            Err(_) => break,
        }
    }
    panic!("no `{kind}` event for {url}; seen: {seen:?}");
}

#[test]
fn the_capture_browser_captures_visits_into_the_case() {
    let base = site();
    let xvfb = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let code = workspace(dir.path());
    let browser = CaptureBrowser::new(BrowserOptions {
        display: Some(xvfb.display.clone()),
        ..BrowserOptions::default()
    });
    let (app, w) = app_with(AppState::open(Ok(dir.path().to_path_buf())), browser);
    let (tx, events) = mpsc::channel();
    app.listen_any(CAPTURE_BROWSER, move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).unwrap());
    });

    let closed = invoke(&w, "browser_status", json!({})).unwrap();
    assert_eq!(closed["open"], false);
    let status = invoke(&w, "browser_open", json!({"code": code})).unwrap();
    assert_eq!(status["open"], true, "{status}");
    assert_eq!(status["paused"], false);
    assert_eq!(status["case_code"], code.as_str());
    assert!(dir.path().join("browser-profile").is_dir());
    let twice = invoke(&w, "browser_open", json!({"code": code})).unwrap_err();
    assert_eq!(twice["code"], "browser_already_open");

    // The address field obeys the network policy before Chromium is sent anywhere.
    let refused = invoke(
        &w,
        "browser_navigate",
        json!({"url": "http://169.254.169.254/latest/meta-data/"}),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "capture_failed");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("policy_refused"),
        "{refused}"
    );

    // A visit is captured automatically and announced with its evidence.
    let first = format!("{base}/trang-mot");
    invoke(&w, "browser_navigate", json!({"url": first})).unwrap();
    next_of(&events, "visited", &first);
    let captured = next_of(&events, "captured", &first);
    assert_eq!(captured["case_code"], code.as_str());
    assert_eq!(captured["evidence"]["kind"], "web_capture");
    assert_eq!(captured["evidence"]["original_filename"], "Trang trang-mot");
    let status = invoke(&w, "browser_status", json!({})).unwrap();
    assert_eq!(status["url"], first.as_str());

    // A page that sends the browser on to an address the policy refuses: the policy
    // proxy keeps Chromium from connecting (it shows its own error page, which is no
    // visit), the panel is told it was refused, and the refusal is recorded in the
    // metadata of a later capture.
    let internal = format!("{}/trang-noi-bo", base.replace("127.0.0.1", "127.0.0.2"));
    invoke(
        &w,
        "browser_navigate",
        json!({"url": format!("{base}/chuyen")}),
    )
    .unwrap();
    next_of(&events, "visited", &format!("{base}/chuyen"));
    let refused_page = next_of(&events, "failed", &internal);
    assert_eq!(refused_page["case_code"], code.as_str());
    assert_eq!(refused_page["error"]["code"], "capture_failed");
    assert!(
        refused_page["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("policy_refused"),
        "{refused_page}"
    );

    // Paused: the visit is reported, not captured.
    let paused = invoke(&w, "browser_set_paused", json!({"paused": true})).unwrap();
    assert_eq!(paused["paused"], true);
    let second = format!("{base}/trang-hai");
    invoke(&w, "browser_navigate", json!({"url": second})).unwrap();
    next_of(&events, "visited", &second);
    std::thread::sleep(Duration::from_secs(3));
    let quiet: Vec<Value> = events.try_iter().collect();
    assert!(
        quiet.iter().all(|e| e["kind"] != "captured"),
        "nothing is captured while paused: {quiet:?}"
    );

    // "Capture now" takes the page as it is, paused or not.
    let now = invoke(&w, "browser_capture_now", json!({})).unwrap();
    assert_eq!(now["original_filename"], "Trang trang-hai");
    assert_eq!(now["source_path"], second.as_str());
    let announced = next_of(&events, "captured", &second);
    assert_eq!(announced["evidence"]["id"], now["id"]);

    let closed = invoke(&w, "browser_close", json!({})).unwrap();
    assert_eq!(closed["open"], false);
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .expect("no `closed` event");
        let event = events.recv_timeout(left).expect("no `closed` event");
        if event["kind"] == "closed" {
            assert_eq!(event["url"], Value::Null);
            break;
        }
    }
    let not_open = invoke(&w, "browser_capture_now", json!({})).unwrap_err();
    assert_eq!(not_open["code"], "browser_not_open");

    let ws = truyvet_core::Workspace::open(dir.path()).unwrap();
    let detail = ws.case_detail(&code).unwrap();
    let refused: Vec<Value> = detail
        .evidence
        .iter()
        .flat_map(|e| {
            let shown = invoke(
                &w,
                "evidence_detail",
                json!({"code": code, "evidenceId": e.id}),
            )
            .unwrap();
            shown["capture"]["metadata"]["refused_by_policy"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert!(
        refused
            .iter()
            .any(|r| r.as_str().unwrap().starts_with(&internal)),
        "{internal} refused and recorded: {refused:?}"
    );
    assert!(
        events
            .try_iter()
            .all(|e| e["url"] != internal.as_str() || e["kind"] == "failed"),
        "no visit or capture of the refused page"
    );
    // The redirecting page itself may or may not have been taken before it moved on.
    let urls: Vec<_> = detail
        .evidence
        .iter()
        .map(|e| e.source_path.clone().unwrap_or_default())
        .filter(|u| !u.ends_with("/chuyen"))
        .collect();
    assert_eq!(urls, [first, second], "the second page only once, by hand");
    assert!(
        !detail
            .evidence
            .iter()
            .any(|e| e.source_path.as_deref() == Some(&internal))
    );
    assert!(ws.verify().unwrap().ok);
    drop(app);
}

#[test]
fn the_capture_browser_explains_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let code = workspace(dir.path());
    let browser = CaptureBrowser::new(BrowserOptions {
        chromium_path: dir.path().join("khong-co-chromium"),
        ..BrowserOptions::default()
    });
    let (_app, w) = app_with(AppState::open(Ok(dir.path().to_path_buf())), browser);
    let missing = invoke(&w, "browser_open", json!({"code": code})).unwrap_err();
    assert_eq!(missing["code"], "chromium_missing");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("apt-get install chromium"),
        "{missing}"
    );
    assert_eq!(
        invoke(&w, "browser_status", json!({})).unwrap()["open"],
        false
    );
    for (cmd, args) in [
        ("browser_set_paused", json!({"paused": true})),
        ("browser_capture_now", json!({})),
        (
            "browser_navigate",
            json!({"url": "https://shop.example.vn/"}),
        ),
    ] {
        let err = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(err["code"], "browser_not_open", "{cmd}: {err}");
    }
    let unknown = invoke(&w, "browser_open", json!({"code": "KHONG-CO"})).unwrap_err();
    assert_eq!(unknown["code"], "case_not_found");
    assert_eq!(
        invoke(&w, "browser_close", json!({})).unwrap()["open"],
        false
    );
}
