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

const ENTITY_COMMANDS: &[&str] = &[
    "entity_overview",
    "entity_confirm",
    "entity_reject",
    "entity_merge",
    "entity_create",
    "link_add",
    "identifier_lookup",
    "exclusion_list",
    "exclusion_add",
    "exclusion_remove",
    "case_graph",
    "graph_export",
];

#[test]
fn entity_commands_through_the_shell() {
    use truyvet_core::{IdKind, IdentifierHit};
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    invoke(
        &w,
        "profile_save",
        json!({"profile": {"display_name": "Ngô Lan", "agency": "QLTT", "unit": "",
                            "province": "HN", "role": "investigator"}}),
    )
    .unwrap();
    let mut codes = Vec::new();
    let mut items = Vec::new();
    for title in ["Vụ một", "Vụ hai"] {
        let case = invoke(
            &w,
            "case_create",
            json!({"input": {"title": title, "origin": "tip"}}),
        )
        .unwrap();
        let code = case["code"].as_str().unwrap().to_string();
        let file = dir.path().join(format!("{title}.txt"));
        std::fs::write(&file, title).unwrap();
        let added = invoke(&w, "evidence_add", json!({"code": code, "paths": [file]})).unwrap();
        items.push(added[0]["id"].as_str().unwrap().to_string());
        codes.push(code);
    }
    // Suggestions come from evidence (the CLI or the extractor); the shell reviews them.
    {
        let mut ws = truyvet_core::Workspace::open(dir.path()).unwrap();
        let hit = |kind, raw: &str| IdentifierHit {
            kind: Some(kind),
            raw: raw.into(),
            location: "0-9".into(),
            ..IdentifierHit::default()
        };
        ws.suggest_identifiers(
            &codes[0],
            &items[0],
            &[
                hit(IdKind::Phone, "0912 345 678"),
                hit(IdKind::Phone, "0912.345.679"),
                hit(IdKind::Email, "ban@shop.vn"),
            ],
        )
        .unwrap();
        ws.suggest_identifiers(&codes[1], &items[1], &[hit(IdKind::Phone, "+84 912345678")])
            .unwrap();
    }
    let overview = invoke(&w, "entity_overview", json!({"code": codes[0]})).unwrap();
    let ids: Vec<String> = overview["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(overview["hits"][0]["other_case_code"], codes[1].as_str());
    assert_eq!(overview["hits"][0]["value"], "+84912345678");

    let confirmed = invoke(&w, "entity_confirm", json!({"entityId": ids[0]})).unwrap();
    assert_eq!(confirmed["state"], "confirmed");
    let again = invoke(&w, "entity_confirm", json!({"entityId": ids[0]})).unwrap_err();
    assert_eq!(again["code"], "invalid_input");
    let merged = invoke(
        &w,
        "entity_merge",
        json!({"entityId": ids[1], "intoId": ids[0]}),
    )
    .unwrap();
    assert_eq!(merged["aliases"], json!(["+84912345679"]));
    let rejected = invoke(
        &w,
        "entity_reject",
        json!({"entityId": ids[2], "reason": "thư của sàn"}),
    )
    .unwrap();
    assert_eq!(rejected["state"], "rejected");
    let subject = invoke(
        &w,
        "entity_create",
        json!({"code": codes[0], "input": {"kind": "subject", "label": "Trần Văn Bán",
                "attrs": {"subject_type": "business"}}}),
    )
    .unwrap();
    assert_eq!(subject["state"], "confirmed");
    let link = invoke(
        &w,
        "link_add",
        json!({"input": {"kind": "uses", "from_id": subject["id"], "to_id": ids[0],
                          "evidence_ids": [items[0]]}}),
    )
    .unwrap();
    assert_eq!(link["evidence_ids"], json!([items[0]]));
    let no_evidence = invoke(
        &w,
        "link_add",
        json!({"input": {"kind": "uses", "from_id": subject["id"], "to_id": ids[0],
                          "evidence_ids": []}}),
    )
    .unwrap_err();
    assert_eq!(no_evidence["code"], "invalid_input");

    let found = invoke(&w, "identifier_lookup", json!({"value": "0912 345 678"})).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 2);

    let graph = invoke(&w, "case_graph", json!({"code": codes[0]})).unwrap();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(graph["edges"][0]["kind"], "uses");
    let wide = invoke(&w, "case_graph", json!({"code": codes[0], "expand": true})).unwrap();
    let other: Vec<&Value> = wide["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["other_case"] == true)
        .collect();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0]["case_code"], codes[1].as_str());
    assert_eq!(other[0]["case_status"], "draft");

    // Excluding the number removes the cross-case hit; removing the exclusion restores it.
    let excluded = invoke(
        &w,
        "exclusion_add",
        json!({"kind": "phone", "value": "0912345678", "note": "tổng đài"}),
    )
    .unwrap();
    assert_eq!(excluded["source"], "user");
    let overview = invoke(&w, "entity_overview", json!({"code": codes[0]})).unwrap();
    assert_eq!(overview["hits"], json!([]));
    let list = invoke(&w, "exclusion_list", json!({})).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["value"] == "+84912345678")
    );
    invoke(
        &w,
        "exclusion_remove",
        json!({"kind": "phone", "value": "+84912345678"}),
    )
    .unwrap();
    let overview = invoke(&w, "entity_overview", json!({"code": codes[0]})).unwrap();
    assert_eq!(overview["hits"].as_array().unwrap().len(), 1);
    let bad = invoke(&w, "exclusion_add", json!({"kind": "fax", "value": "1"})).unwrap_err();
    assert!(bad.to_string().contains("fax"), "{bad}");

    let kinds: Vec<String> = invoke(&w, "custody_log", json!({"code": codes[0]}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "identifiers_suggested",
        "entity_confirmed",
        "entity_merged",
        "entity_rejected",
        "entity_created",
        "link_added",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}

#[test]
fn entity_commands_belong_to_the_main_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    assert!(invoke(&w, "exclusion_list", json!({})).is_ok());
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in ENTITY_COMMANDS {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
    }
    // The main window is granted each of them (arguments missing, not permission).
    for cmd in ENTITY_COMMANDS {
        if let Err(err) = invoke(&w, cmd, json!({})) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
    }
}

const WORKFLOW_COMMANDS: &[&str] = &[
    "profile_list",
    "profile_add",
    "profile_use",
    "profile_key_create",
    "case_transition",
    "review_queue",
    "case_review",
    "case_review_edit",
];

#[test]
fn review_workflow_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    let inv = invoke(
        &w,
        "profile_add",
        json!({"profile": {"display_name": "Lê Văn An", "agency": "QLTT", "unit": "Đội 1",
                           "province": "HN", "role": "investigator"},
               "name": "an", "passphrase": "mật khẩu an"}),
    )
    .unwrap();
    assert_eq!(inv["current"], true);
    assert_eq!(inv["fingerprint"].as_str().unwrap().len(), 64);
    let case = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "Giày giả", "origin": "patrol",
                          "violation_categories": ["counterfeit_goods"], "product_group": "Giày dép"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();
    let submit = json!({"code": code, "action": "submit", "passphrase": "mật khẩu an"});
    let err = invoke(&w, "case_transition", submit.clone()).unwrap_err();
    assert_eq!(err["code"], "case_incomplete");
    invoke(
        &w,
        "case_review_edit",
        json!({"code": code, "legalBasis": "Nghị định 98/2020/NĐ-CP", "proposedMeasures": "Phạt tiền"}),
    )
    .unwrap();
    let bad = json!({"code": code, "action": "submit", "passphrase": "sai"});
    assert_eq!(
        invoke(&w, "case_transition", bad).unwrap_err()["code"],
        "bad_passphrase"
    );
    assert_eq!(
        invoke(&w, "case_transition", submit.clone()).unwrap()["status"],
        "submitted"
    );

    invoke(
        &w,
        "profile_add",
        json!({"profile": {"display_name": "Phạm Thu Hà", "agency": "QLTT", "unit": "Đội 1",
                           "province": "HN", "role": "supervisor"},
               "name": "ha", "passphrase": "mật khẩu hà"}),
    )
    .unwrap();
    let queue = invoke(&w, "review_queue", json!({})).unwrap();
    assert_eq!(queue[0]["code"], code.as_str());
    let ret = json!({"code": code, "action": "return", "comment": "Bổ sung ảnh", "passphrase": "mật khẩu hà"});
    assert_eq!(
        invoke(&w, "case_transition", ret).unwrap()["status"],
        "returned"
    );
    let seal_early = json!({"code": code, "action": "seal", "passphrase": "mật khẩu hà"});
    assert_eq!(
        invoke(&w, "case_transition", seal_early).unwrap_err()["code"],
        "invalid_transition"
    );

    assert_eq!(
        invoke(&w, "profile_use", json!({"name": "an"})).unwrap()["role"],
        "investigator"
    );
    invoke(&w, "case_transition", submit).unwrap();
    let approve = json!({"code": code, "action": "approve", "passphrase": "mật khẩu an"});
    assert_eq!(
        invoke(&w, "case_transition", approve).unwrap_err()["code"],
        "forbidden_role"
    );
    invoke(&w, "profile_use", json!({"name": "ha"})).unwrap();
    for action in ["approve", "seal"] {
        let args = json!({"code": code, "action": action, "passphrase": "mật khẩu hà"});
        invoke(&w, "case_transition", args).unwrap();
    }
    let review = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_eq!(review["legal_basis"], "Nghị định 98/2020/NĐ-CP");
    let listed = invoke(&w, "profile_list", json!({})).unwrap();
    let ha = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ha")
        .unwrap();
    assert_eq!(review["seal"]["fingerprint"], ha["fingerprint"]);
    assert_eq!(review["seal"]["root"].as_str().unwrap().len(), 64);
    let edit = json!({"code": code, "legalBasis": "khác"});
    assert!(invoke(&w, "case_review_edit", edit).is_err());
    let log = invoke(&w, "custody_log", json!({"code": code})).unwrap();
    let transitions = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case_transition")
        .count();
    assert_eq!(transitions, 5);
    let report = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn workflow_commands_belong_to_the_main_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(AppState::open(Ok(dir.path().to_path_buf())));
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in WORKFLOW_COMMANDS {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
        if let Err(err) = invoke(&w, cmd, json!({})) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
    }
}
