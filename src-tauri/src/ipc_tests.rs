//! The shell through Tauri's mock runtime with the real configuration and capabilities:
//! argument names and result shapes of docs/ipc-contract.md, errors as `{code, message}`,
//! and the least-privilege capability refusing what the window was not granted.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crate::{AppState, CaptureBrowser, configure_with};

type MockApp = (
    App<tauri::test::MockRuntime>,
    WebviewWindow<tauri::test::MockRuntime>,
);

fn app(state: AppState) -> MockApp {
    app_with(
        state,
        CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    )
}

/// The app on the mock runtime with the real configuration, capabilities and commands.
pub(crate) fn app_with(state: AppState, browser: CaptureBrowser) -> MockApp {
    let app = configure_with(mock_builder(), state, browser)
        .build(tauri::generate_context!())
        .expect("mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

pub(crate) fn invoke(
    window: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json body"))
}

#[test]
fn contract_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));

    let info = invoke(&w, "workspace_info", json!({})).unwrap();
    assert_eq!(info["profile"], Value::Null);
    assert_eq!(
        info["schema_version"],
        truyvet_core::store::migrations::LATEST
    );

    let err = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "x", "origin": "patrol"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "profile_missing");

    let profile = invoke(
        &w,
        "profile_save",
        json!({"profile": {"display_name": "Phạm Thu Hà", "agency": "QLTT", "unit": "Đội 3",
                            "province": "DN", "role": "supervisor"}}),
    )
    .unwrap();
    assert_eq!(profile["role"], "supervisor");

    let case = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "Mỹ phẩm không rõ nguồn gốc", "origin": "complaint",
                          "violation_categories": ["unknown_origin_goods"], "product_group": "Mỹ phẩm"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("QLTT-DN-"), "{code}");

    let file = dir.path().join("bằng chứng.txt");
    std::fs::write(&file, "abc").unwrap();
    let added = invoke(
        &w,
        "evidence_add",
        json!({"code": code, "paths": [file], "note": "gốc"}),
    )
    .unwrap();
    assert_eq!(
        added[0]["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );

    let listed = invoke(&w, "case_list", json!({"query": "my pham"})).unwrap();
    assert_eq!(listed[0]["code"], code.as_str());
    assert_eq!(listed[0]["evidence_count"], 1);
    let none = invoke(&w, "case_list", json!({"status": "sealed"})).unwrap();
    assert_eq!(none, json!([]));

    let edited = invoke(
        &w,
        "case_edit",
        json!({"code": code, "edit": {"title": "Mỹ phẩm giả"}}),
    )
    .unwrap();
    assert_eq!(edited["title"], "Mỹ phẩm giả");
    invoke(
        &w,
        "note_add",
        json!({"code": code, "text": "đã liên hệ sàn"}),
    )
    .unwrap();

    let detail = invoke(&w, "case_get", json!({"code": code})).unwrap();
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(detail["notes"][0]["text"], "đã liên hệ sàn");
    let log = invoke(&w, "custody_log", json!({"code": code})).unwrap();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "case_created",
            "evidence_added",
            "field_edited",
            "note_added"
        ]
    );

    let report = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn errors_cross_as_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    let err = invoke(&w, "case_get", json!({"code": "KHONG-CO"})).unwrap_err();
    assert_eq!(err["code"], "case_not_found");
    assert!(err["message"].as_str().unwrap().contains("KHONG-CO"));
    assert_eq!(
        err.as_object().unwrap().len(),
        2,
        "exactly {{code, message}}: {err}"
    );
}

#[test]
fn second_window_on_a_workspace_reports_it_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let first = AppState::open(Ok(dir.path().to_path_buf()));
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    let err = invoke(&w, "workspace_info", json!({})).unwrap_err();
    assert_eq!(err["code"], "workspace_in_use");
    drop(first);
}

#[test]
fn capability_refuses_what_was_not_granted() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    // The window may open files, never pick a save location or show native message
    // boxes; the ACL refuses those before any plugin code runs.
    let denied = |r: Result<Value, Value>| {
        r.err()
            .is_some_and(|e| e.to_string().contains("not allowed"))
    };
    assert!(denied(invoke(
        &w,
        "plugin:dialog|save",
        json!({"options": {}})
    )));
    assert!(denied(invoke(
        &w,
        "plugin:dialog|message",
        json!({"message": "x"})
    )));
    assert!(denied(invoke(
        &w,
        "plugin:event|emit",
        json!({"event": "x", "payload": null})
    )));
    // The capture browser's commands, like every command, belong to the main window only.
    assert!(invoke(&w, "browser_status", json!({})).is_ok());
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in [
        "browser_open",
        "browser_status",
        "browser_set_paused",
        "browser_capture_now",
        "browser_navigate",
        "browser_close",
    ] {
        assert!(denied(invoke(&other, cmd, json!({}))), "{cmd}");
    }
}

#[test]
fn capture_url_stores_a_web_capture_only_where_the_policy_allows() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/shop", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf);
            let body = "<title>Cửa hàng</title><p>Hàng xách tay</p>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::open(Ok(dir.path().to_path_buf()));
    let (_app, w) = app(state);
    invoke(
        &w,
        "profile_save",
        json!({"profile": {"display_name": "Hồ Văn Nam", "agency": "QLTT", "unit": "",
                            "province": "CT", "role": "investigator"}}),
    )
    .unwrap();
    let case = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "Hàng xách tay", "origin": "patrol"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();

    let refused = invoke(&w, "capture_url", json!({"code": code, "url": url})).unwrap_err();
    assert_eq!(refused["code"], "capture_failed");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("policy_refused"),
        "{refused}"
    );

    truyvet_core::Workspace::open(dir.path())
        .unwrap()
        .set_setting(truyvet_core::settings::CAPTURE_ALLOW, "127.0.0.1")
        .unwrap();
    let item = invoke(&w, "capture_url", json!({"code": code, "url": url})).unwrap();
    assert_eq!(item["kind"], "web_capture");
    assert_eq!(item["original_filename"], "Cửa hàng");
    assert_eq!(item["source_path"], url.as_str());
}

#[test]
fn evidence_detail_and_timestamps_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    invoke(
        &w,
        "profile_save",
        json!({"profile": {"display_name": "Đỗ Hải", "agency": "QLTT", "unit": "Đội 2",
                            "province": "HN", "role": "investigator"}}),
    )
    .unwrap();
    let case = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "Đồng hồ", "origin": "tip"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();
    let item = {
        let mut ws = truyvet_core::Workspace::open(dir.path()).unwrap();
        ws.add_web_capture(&code, &crate::contract_tests::web_capture_input())
            .unwrap()
    };

    let detail = invoke(
        &w,
        "evidence_detail",
        json!({"code": code, "evidenceId": item.id}),
    )
    .unwrap();
    assert_eq!(detail["item"]["sha256"], item.sha256.as_str());
    assert_eq!(
        detail["capture"]["final_url"],
        "https://shop.example.vn/san-pham/1"
    );
    assert_eq!(detail["capture"]["http_status"], 200);
    assert_eq!(detail["capture"]["server_ip"], "203.0.113.9");
    assert_eq!(detail["timestamp"]["status"], "pending");
    let roles: Vec<&str> = detail["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["dom", "screenshot", "warc"]);

    let wrong = invoke(
        &w,
        "evidence_detail",
        json!({"code": code, "evidenceId": "nope"}),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "invalid_input");

    let stamps = invoke(&w, "timestamp_list", json!({"code": code})).unwrap();
    assert_eq!(stamps[0]["evidence_id"], item.id.as_str());
    assert_eq!(stamps[0]["status"], "pending");

    // No authority configured: a clear error, the entry stays queued.
    let err = invoke(&w, "timestamp_run", json!({})).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("tsa.url"),
        "{err}"
    );
    let stamps = invoke(&w, "timestamp_list", json!({"code": code})).unwrap();
    assert_eq!(stamps[0]["status"], "pending");
}
