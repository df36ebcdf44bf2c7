//! Sync with the central registry through the shell on Tauri's mock runtime, against a
//! real workspace and the real `truyvet-registry` binary on 127.0.0.1: the settings are
//! checked against the registry's signed tree head before they are stored; a sealed case
//! pushed with a revoked token is rejected with the registry's code, and with a valid
//! one ends verified with its receipt; the background loop pushes a case sealed later
//! by itself; and every shape the window receives matches `ui/src/lib/types.ts`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tauri::{Listener, WebviewWindowBuilder};

use crate::contract_tests::assert_shape;
use crate::ipc_tests::{app_with, invoke};
use crate::{AppState, CaptureBrowser};

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;
type MockApp = (tauri::App<tauri::test::MockRuntime>, Window);

const INV_PASS: &str = "mật khẩu điều tra";
const SUP_PASS: &str = "mật khẩu lãnh đạo";

const SYNC_COMMANDS: &[&str] = &[
    "registry_settings_get",
    "registry_settings_set",
    "sync_status",
    "sync_now",
    "watchlist_hits",
];

/// `truyvet-registry`, built beside the test binary's profile by `cargo build --workspace`.
fn registry_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("truyvet-registry");
    assert!(
        bin.is_file(),
        "truyvet-registry is missing at {}: build it with `cargo build -p truyvet-registry`",
        bin.display()
    );
    bin
}

/// A registry data folder with its administrative commands.
struct Registry {
    data: tempfile::TempDir,
}

impl Registry {
    fn new() -> Registry {
        Registry {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn admin(&self, args: &[&str]) -> Value {
        let out = Command::new(registry_bin())
            .env_remove("TRUYVET_REGISTRY_DATA")
            .arg("--json")
            .arg("--data")
            .arg(self.data.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "truyvet-registry {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn key(&self) -> String {
        self.admin(&["key"])["public_key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Returns (token secret, token id).
    fn token(&self, agency: &str, unit: &str) -> (String, String) {
        let issued = self.admin(&[
            "token",
            "issue",
            "--agency",
            agency,
            "--unit",
            unit,
            "--role",
            "investigator",
            "--name",
            unit,
        ]);
        let id = issued["token"]["id"]
            .as_str()
            .or(issued["id"].as_str())
            .unwrap_or_else(|| panic!("no token id in {issued}"))
            .to_string();
        (issued["secret"].as_str().unwrap().to_string(), id)
    }

    fn setup(&self) {
        self.admin(&["agency", "add", "QLTT", "--name", "Quản lý thị trường"]);
        self.admin(&[
            "unit",
            "add",
            "--agency",
            "QLTT",
            "DOI1",
            "--name",
            "Đội QLTT số 1",
            "--contact",
            "0236 3888 111",
        ]);
    }

    fn serve(&self) -> Server {
        let mut child = Command::new(registry_bin())
            .env_remove("TRUYVET_REGISTRY_DATA")
            .arg("--data")
            .arg(self.data.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start truyvet-registry");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, url }
    }
}

/// A running registry, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn app(dir: &Path) -> MockApp {
    app_with(
        AppState::open(Ok(dir.to_path_buf())),
        CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    )
}

fn profiles(w: &Window) {
    let profile = |name: &str, role: &str, pass: &str| {
        invoke(
            w,
            "profile_add",
            json!({"profile": {"display_name": name, "agency": "QLTT", "unit": "Đội 1",
                               "province": "DN", "role": role}, "passphrase": pass}),
        )
        .unwrap();
    };
    profile("Phạm Thu Hà", "supervisor", SUP_PASS);
    profile("Lê Văn An", "investigator", INV_PASS);
}

/// A case with one file, submitted by the investigator, approved and sealed by the
/// supervisor; returns its code (the investigator acts again afterwards).
fn sealed_case(w: &Window, dir: &Path, title: &str) -> String {
    invoke(w, "profile_use", json!({"name": "le-van-an"})).unwrap();
    let case = invoke(
        w,
        "case_create",
        json!({"input": {"title": title, "origin": "tip",
                          "violation_categories": ["counterfeit_goods"], "product_group": "Mỹ phẩm"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();
    let file = dir.join(format!("{code}.txt"));
    std::fs::write(&file, format!("{title}: liên hệ 0912 345 678")).unwrap();
    invoke(w, "evidence_add", json!({"code": code, "paths": [file]})).unwrap();
    invoke(
        w,
        "case_review_edit",
        json!({"code": code, "legalBasis": "Nghị định 98/2020/NĐ-CP", "proposedMeasures": "Phạt tiền"}),
    )
    .unwrap();
    let act = |action: &str, pass: &str| {
        invoke(
            w,
            "case_transition",
            json!({"code": code, "action": action, "passphrase": pass}),
        )
        .unwrap();
    };
    act("submit", INV_PASS);
    invoke(w, "profile_use", json!({"name": "pham-thu-ha"})).unwrap();
    act("approve", SUP_PASS);
    act("seal", SUP_PASS);
    invoke(w, "profile_use", json!({"name": "le-van-an"})).unwrap();
    code
}

/// Polls `sync_status` until no run is in progress.
fn settled(w: &Window) -> Value {
    let start = Instant::now();
    loop {
        let status = invoke(w, "sync_status", json!({})).unwrap();
        if status["running"] == false {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sync still running: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn case_row<'a>(status: &'a Value, code: &str) -> &'a Value {
    status["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_code"] == code)
        .unwrap_or_else(|| panic!("{code} not in {status}"))
}

/// Every `sync-progress` payload the app emits.
fn record_progress(app: &tauri::App<tauri::test::MockRuntime>) -> Arc<Mutex<Vec<Value>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    app.listen_any(crate::events::SYNC_PROGRESS, move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    seen
}

/// The string literals of `export const NAME … = [ "a", "b" ];` in types.ts.
fn const_list(name: &str) -> Vec<String> {
    let types = include_str!("../../ui/src/lib/types.ts");
    let start = types
        .find(&format!("export const {name}"))
        .unwrap_or_else(|| panic!("types.ts has no {name}"));
    let body = &types[start..];
    let open = body.find("= [").expect("list start") + 3;
    let close = body[open..].find(']').expect("list end") + open;
    body[open..close]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn settings_are_checked_against_the_registry_before_they_are_stored() {
    let registry = Registry::new();
    registry.setup();
    let (token, _) = registry.token("QLTT", "DOI1");
    let key = registry.key();
    let server = registry.serve();
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir.path().join("ws"));
    invoke(&w, "workspace_info", json!({})).unwrap();
    assert_eq!(
        invoke(&w, "registry_settings_get", json!({})).unwrap(),
        Value::Null
    );
    let set = |url: &str, token: &str, key: &str| {
        invoke(
            &w,
            "registry_settings_set",
            json!({"url": url, "token": token, "key": key}),
        )
    };

    // Malformed input, a key that did not sign the registry's head, a token the
    // registry does not know: refused, and nothing is stored.
    let err = set(&server.url, &token, "abc").unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    let other_key = Registry::new().key();
    let err = set(&server.url, &token, &other_key).unwrap_err();
    assert_eq!(err["code"], "registry_receipt_invalid", "{err}");
    let err = set(&server.url, &format!("tvr_{}", "0".repeat(64)), &key).unwrap_err();
    assert_eq!(err["code"], "registry_refused", "{err}");
    let err = set("ftp://127.0.0.1/", &token, &key).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(
        invoke(&w, "registry_settings_get", json!({})).unwrap(),
        Value::Null
    );

    // The right key: stored, with the fingerprint and the checked head to compare.
    let done = set(&format!("{}/", server.url), &token, &key.to_uppercase()).unwrap();
    assert_shape("RegistrySetResult", &done);
    assert_shape("RegistrySettings", &done["settings"]);
    assert_shape("TreeHead", &done["checked_head"]);
    let fingerprint = done["settings"]["key_fingerprint"].as_str().unwrap();
    assert_eq!(done["checked_head"]["key_fingerprint"], fingerprint);
    assert_eq!(done["checked_head"]["size"], 0);
    assert_eq!(done["unreachable"], Value::Null);
    let shown = invoke(&w, "registry_settings_get", json!({})).unwrap();
    assert_eq!(shown["url"], server.url.as_str());
    assert_eq!(shown["log_key"], key.as_str());
    // Never the token itself: only its last four characters.
    assert_eq!(
        shown["token_hint"],
        format!("…{}", &token[token.len() - 4..]).as_str()
    );
    assert!(!shown.to_string().contains(&token));

    // An unreachable registry: kept for the first sync to check, and said so. An empty
    // token keeps the stored one.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let kept = set(&closed, "", &key).unwrap();
    assert_eq!(kept["checked_head"], Value::Null);
    assert!(kept["unreachable"].as_str().is_some(), "{kept}");
    assert_eq!(kept["settings"]["url"], closed.as_str());
    assert_eq!(kept["settings"]["token_hint"], shown["token_hint"]);
}

#[test]
fn a_sealed_case_is_rejected_with_a_revoked_token_and_verified_with_a_valid_one() {
    let registry = Registry::new();
    registry.setup();
    let (token, token_id) = registry.token("QLTT", "DOI1");
    let key = registry.key();
    let server = registry.serve();
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(&dir.path().join("ws"));
    let progress = record_progress(&app);
    profiles(&w);

    // Not configured: a stable code, no run.
    let err = invoke(&w, "sync_now", json!({})).unwrap_err();
    assert_eq!(err["code"], "registry_not_configured");
    let status = invoke(&w, "sync_status", json!({})).unwrap();
    assert_shape("SyncStatus", &status);
    assert_eq!(status["configured"], false);

    invoke(
        &w,
        "registry_settings_set",
        json!({"url": server.url, "token": token, "key": key}),
    )
    .unwrap();
    let code = sealed_case(&w, dir.path(), "Mỹ phẩm giả bán trên sàn");

    // The token is revoked before the push: the registry refuses it for good, and the
    // case is rejected with the registry's code, not retried.
    registry.admin(&["token", "revoke", &token_id]);
    let first = invoke(&w, "sync_now", json!({})).unwrap();
    // A second call while the first runs starts nothing and says it is running.
    let second = invoke(&w, "sync_now", json!({})).unwrap();
    assert_eq!(first["running"], true, "{first}");
    assert_eq!(second["running"], true, "{second}");
    let status = settled(&w);
    let row = case_row(&status, &code);
    assert_shape("SyncCase", row);
    assert_eq!(row["state"], "rejected", "{row}");
    assert_eq!(row["reason_code"], "token_revoked", "{row}");
    assert_eq!(row["leaf_index"], Value::Null);
    assert_shape("SyncRunSummary", &status["last_run"]);
    assert_eq!(status["last_run"]["rejected"], 1);

    // A new token; "sync now" for that case queues it again and pushes it.
    let (fresh, _) = registry.token("QLTT", "DOI1");
    invoke(
        &w,
        "registry_settings_set",
        json!({"url": server.url, "token": fresh, "key": key}),
    )
    .unwrap();
    let started = invoke(&w, "sync_now", json!({"caseCode": code})).unwrap();
    assert_eq!(case_row(&started, &code)["state"], "queued");
    let status = settled(&w);
    let row = case_row(&status, &code);
    assert_eq!(row["state"], "verified", "{row}");
    assert_eq!(row["reason_code"], "");
    assert_eq!(row["leaf_index"], 0);
    assert_eq!(row["tree_size"], 1);
    assert_eq!(status["tree_size"], 1);
    assert!(status["watchlist_pulled_at"].as_str().is_some(), "{status}");
    assert_eq!(status["last_run"]["error"], Value::Null);
    assert_eq!(status["last_run"]["verified"], 1);

    // The receipt is in the case's custody log, and the workspace still verifies.
    let log = invoke(&w, "custody_log", json!({"code": code})).unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "registry_receipt"),
        "{log}"
    );
    let report = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");

    // The window heard each step: started, the case rejected, then verified, finished.
    let events = progress.lock().unwrap().clone();
    for e in &events {
        assert_shape("SyncProgress", e);
    }
    let states: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "case" && e["case"]["case_code"] == code.as_str())
        .map(|e| e["case"]["state"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"rejected"), "{states:?}");
    assert_eq!(states.last(), Some(&"verified"), "{states:?}");
    assert_eq!(events.first().unwrap()["kind"], "started");
    assert_eq!(events.last().unwrap()["kind"], "finished");
    assert_eq!(events.iter().filter(|e| e["kind"] == "finished").count(), 2);

    // Another agency's case holding the same phone, as the watchlist brings it: the
    // case's identifier is flagged with that agency and case code, offline.
    let mut ws = truyvet_core::Workspace::open(dir.path().join("ws")).unwrap();
    ws.merge_watchlist(
        &[truyvet_core::watchlist::AgencySighting {
            cursor: 7,
            kind: "phone".into(),
            value: "+84912345678".into(),
            qualifier: String::new(),
            agency: "CA".into(),
            case_id: "0190aaaa-0000-7000-8000-000000000001".into(),
            case_code: "CA-2026-0042".into(),
            categories: vec!["counterfeit_goods".into()],
            case_date: "2026-11-01T08:00:00.000Z".into(),
        }],
        7,
    )
    .unwrap();
    let hits = invoke(&w, "watchlist_hits", json!({"code": code})).unwrap();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_shape("WatchlistHit", &hits[0]);
    assert_shape("AgencySighting", &hits[0]["seen_by"]);
    assert_eq!(hits[0]["seen_by"]["agency"], "CA");
    assert_eq!(hits[0]["seen_by"]["case_code"], "CA-2026-0042");
    assert_eq!(hits[0]["unit"], Value::Null);
    // Asked live, the registry knows no such case: the flag stands without a contact.
    let live = invoke(&w, "watchlist_hits", json!({"code": code, "contact": true})).unwrap();
    assert_eq!(live[0]["unit"], Value::Null);
}

#[test]
fn the_background_loop_pushes_a_sealed_case_by_itself() {
    let registry = Registry::new();
    registry.setup();
    let (token, _) = registry.token("QLTT", "DOI1");
    let key = registry.key();
    let server = registry.serve();
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(&dir.path().join("ws"));
    profiles(&w);
    invoke(
        &w,
        "registry_settings_set",
        json!({"url": server.url, "token": token, "key": key}),
    )
    .unwrap();
    let code = sealed_case(&w, dir.path(), "Đồng hồ giả");

    use tauri::Manager;
    let ws = app.state::<AppState>().workspace().unwrap();
    let runner = crate::SyncRunner::new(crate::SyncPacing {
        tick: Duration::from_millis(100),
        ..crate::SyncPacing::default()
    });
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = heard.clone();
    let notifier = crate::events::Notifier::from_fn(move |name, payload| {
        sink.lock().unwrap().push((name, payload));
    });
    runner.spawn_loop(ws, notifier);
    let start = Instant::now();
    loop {
        let status = invoke(&w, "sync_status", json!({})).unwrap();
        let verified = status["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case_code"] == code.as_str() && c["state"] == "verified");
        if verified && !runner.running() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "not pushed: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    runner.stop();
    let summary = runner.last_run().unwrap();
    assert!(summary.background);
    assert_eq!(summary.verified, 1);
    // Nothing waits and the watchlist was just pulled: the loop stays quiet.
    std::thread::sleep(Duration::from_millis(500));
    let runs = heard
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, p)| p["kind"] == "finished")
        .count();
    assert_eq!(runs, 1);
}

#[test]
fn string_lists_match_and_sync_commands_belong_to_the_main_window_only() {
    use truyvet_core::outbox::OutboxState;
    let states: Vec<String> = OutboxState::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    assert_eq!(const_list("SYNC_STATES"), states);
    use crate::events::SyncProgressKind as K;
    let kinds: Vec<String> = [K::Started, K::Case, K::Finished]
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(const_list("SYNC_PROGRESS_KINDS"), kinds);

    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in SYNC_COMMANDS {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
        if let Err(err) = invoke(&w, cmd, json!({})) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
    }
}

#[test]
fn the_background_loop_backs_off_from_an_unreachable_registry_and_honours_retry_times() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(&dir.path().join("ws"));
    profiles(&w);
    let first = sealed_case(&w, dir.path(), "Đồng hồ giả");
    let second = sealed_case(&w, dir.path(), "Túi xách giả");
    // A registry address where nothing listens; the settings are kept for later.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let set = invoke(
        &w,
        "registry_settings_set",
        json!({"url": closed, "token": "tvr_x", "key": Registry::new().key()}),
    )
    .unwrap();
    assert!(set["unreachable"].is_string(), "{set}");

    use tauri::Manager;
    let ws = app.state::<AppState>().workspace().unwrap();
    let plan = |pull: bool| {
        let guard = ws.lock().unwrap();
        crate::commands::sync::runner::plan_background(&guard, Duration::from_secs(900), pull)
            .unwrap()
    };
    // Nothing queued yet: both sealed cases go in one run of the whole outbox.
    assert_eq!(plan(true), Some(vec![None]));

    let runner = crate::SyncRunner::new(crate::SyncPacing {
        tick: Duration::from_millis(50),
        ..crate::SyncPacing::default()
    });
    let runs = Arc::new(Mutex::new(0));
    let count = runs.clone();
    let notifier = crate::events::Notifier::from_fn(move |_, payload| {
        if payload["kind"] == "finished" {
            *count.lock().unwrap() += 1;
        }
    });
    runner.spawn_loop(ws.clone(), notifier);
    let start = Instant::now();
    while *runs.lock().unwrap() == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no run");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Twenty more ticks: every case waits for its retry time, nothing runs again.
    std::thread::sleep(Duration::from_millis(1000));
    runner.stop();
    assert_eq!(*runs.lock().unwrap(), 1);
    let status = invoke(&w, "sync_status", json!({})).unwrap();
    let now = truyvet_core::time_fmt::now_utc();
    for code in [&first, &second] {
        let row = case_row(&status, code);
        assert_eq!(row["state"], "queued", "{row}");
        assert_eq!(row["attempts"], 1, "{row}");
        assert_eq!(row["reason_code"], "registry_unreachable", "{row}");
        // Later than now (half the 5 s base at least): the loop does not hammer the address.
        assert!(
            row["next_attempt_at"].as_str().unwrap() > now.as_str(),
            "{row}"
        );
    }
    let summary = runner.last_run().unwrap();
    assert_eq!((summary.pending, summary.background), (2, true));
    assert_eq!(plan(true), None);

    // One case's time comes: it alone is planned; the other keeps waiting.
    {
        let mut guard = ws.lock().unwrap();
        let id = case_row(&status, &first)["case_id"]
            .as_str()
            .unwrap()
            .to_string();
        guard
            .outbox_retry_later(
                &id,
                1,
                "2000-01-01T00:00:00.000Z",
                "registry_unreachable",
                "",
            )
            .unwrap();
    }
    assert_eq!(plan(true), Some(vec![Some(first.clone())]));
}
