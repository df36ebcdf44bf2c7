//! Case bundles through the shell on Tauri's mock runtime, against real workspaces: a
//! case sealed through the commands exports, verifies, and (once altered by one bit)
//! no longer verifies; an unsealed case is refused before anything is written; the
//! window may name only `.wacz` destinations.

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tauri::WebviewWindowBuilder;

use crate::ipc_tests::{app_with, invoke};
use crate::{AppState, CaptureBrowser};

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;
type MockApp = (tauri::App<tauri::test::MockRuntime>, Window);

const INV_PASS: &str = "mật khẩu điều tra";
const SUP_PASS: &str = "mật khẩu lãnh đạo";

pub(crate) const BUNDLE_COMMANDS: &[&str] = &[
    "bundle_export",
    "bundle_export_dialog",
    "bundle_verify",
    "bundle_import",
];

fn app(dir: &Path) -> MockApp {
    app_with(
        AppState::open(Ok(dir.to_path_buf())),
        CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    )
}

fn sha256_file(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// A loopback HTTP server answering every request with `body`; returns its URL.
fn serve_page(body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/kem-tron", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A case with one file and one web capture, submitted by an investigator; returns its
/// code. The workspace at `ws` allows captures from loopback.
fn submitted_case(w: &Window, ws: &Path, dir: &Path) -> String {
    truyvet_core::Workspace::open(ws)
        .unwrap()
        .set_setting(truyvet_core::settings::CAPTURE_ALLOW, "127.0.0.1")
        .unwrap();
    let profile = |name: &str, role: &str, pass: &str| {
        invoke(
            w,
            "profile_add",
            json!({"profile": {"display_name": name, "agency": "QLTT", "unit": "Đội 4",
                               "province": "HN", "role": role}, "passphrase": pass}),
        )
        .unwrap();
    };
    profile("Phạm Thu Hà", "supervisor", SUP_PASS);
    profile("Lê Văn An", "investigator", INV_PASS);
    let case = invoke(
        w,
        "case_create",
        json!({"input": {"title": "Mỹ phẩm giả bán trên sàn", "origin": "tip",
                          "violation_categories": ["counterfeit_goods"], "product_group": "Mỹ phẩm"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap().to_string();
    let file = dir.join("tin đăng.txt");
    std::fs::write(&file, "Kem trộn giá 150.000đ, liên hệ 0912 345 678").unwrap();
    invoke(w, "evidence_add", json!({"code": code, "paths": [file]})).unwrap();
    // A web capture from a loopback shop: a bundle carries at least one WARC.
    let shop = serve_page("<title>Kem trộn</title><p>Giá 150.000đ</p>");
    invoke(w, "capture_url", json!({"code": code, "url": shop})).unwrap();
    invoke(
        w,
        "case_review_edit",
        json!({"code": code, "legalBasis": "Nghị định 98/2020/NĐ-CP", "proposedMeasures": "Phạt tiền"}),
    )
    .unwrap();
    invoke(
        w,
        "case_transition",
        json!({"code": code, "action": "submit", "passphrase": INV_PASS}),
    )
    .unwrap();
    code
}

fn seal(w: &Window, code: &str) {
    invoke(w, "profile_use", json!({"name": "pham-thu-ha"})).unwrap();
    for action in ["approve", "seal"] {
        let args = json!({"code": code, "action": action, "passphrase": SUP_PASS});
        invoke(w, "case_transition", args).unwrap();
    }
}

#[test]
fn export_verify_and_tamper_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let (_app, w) = app(&ws);
    let code = submitted_case(&w, &ws, dir.path());

    // Not sealed: refused before the exports folder or any file exists.
    let err = invoke(&w, "bundle_export", json!({"code": code})).unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");
    assert!(!ws.join(crate::commands::bundle::EXPORTS_DIR).exists());
    let named = dir.path().join("early.wacz");
    let err = invoke(&w, "bundle_export", json!({"code": code, "path": named})).unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");
    assert!(!named.exists());
    let err = invoke(&w, "bundle_export_dialog", json!({"code": code})).unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");

    seal(&w, &code);

    // The default destination: <workspace>/exports/<CODE>.wacz.
    let summary = invoke(&w, "bundle_export", json!({"code": code})).unwrap();
    let default = ws.join("exports").join(format!("{code}.wacz"));
    assert_eq!(summary["path"], default.to_str().unwrap(), "{summary}");
    assert_eq!(summary["case_code"], code.as_str());
    assert_eq!(summary["sha256"], sha256_file(&default).as_str());
    assert_eq!(summary["size"], std::fs::metadata(&default).unwrap().len());
    assert_eq!(summary["evidence"], 2);
    assert_eq!(summary["warcs"], 1);
    let review = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_eq!(summary["seal_root"], review["seal"]["root"]);

    // A named destination gets the same bytes (the export is deterministic).
    let named = dir.path().join("gửi viện kiểm sát.wacz");
    let again = invoke(&w, "bundle_export", json!({"code": code, "path": named})).unwrap();
    assert_eq!(again["sha256"], summary["sha256"]);
    assert_eq!(sha256_file(&named), summary["sha256"].as_str().unwrap());

    // The window can only create .wacz files, by absolute path.
    for bad in ["relative.wacz", "/tmp/x.txt", "/tmp/.wacz"] {
        let err = invoke(&w, "bundle_export", json!({"code": code, "path": bad})).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{bad}: {err}");
    }
    let err = invoke(&w, "bundle_export", json!({"code": "KHONG-CO"})).unwrap_err();
    assert_eq!(err["code"], "case_not_found");

    let report = invoke(&w, "bundle_verify", json!({"path": named})).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["case_code"], code.as_str());
    assert_eq!(report["seal_root"], summary["seal_root"]);
    assert_eq!(report["problems"], json!([]));
    assert!(report["signatures"].as_u64().unwrap() >= 4, "{report}");

    // One bit flipped anywhere: the report names a problem; the command still succeeds.
    let mut bytes = std::fs::read(&named).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let flipped = dir.path().join("flipped.wacz");
    std::fs::write(&flipped, &bytes).unwrap();
    let report = invoke(&w, "bundle_verify", json!({"path": flipped})).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    let problems = report["problems"].as_array().unwrap();
    assert!(!problems.is_empty(), "{report}");
    assert!(
        problems
            .iter()
            .all(|p| !p["kind"].as_str().unwrap().is_empty() && p["detail"].is_string())
    );

    let missing = dir.path().join("không có.wacz");
    let err = invoke(&w, "bundle_verify", json!({"path": missing})).unwrap_err();
    assert_eq!(err["code"], "file_not_found", "{err}");
    let err = invoke(&w, "bundle_verify", json!({"path": "tuong-doi.wacz"})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    let err = invoke(&w, "bundle_verify", json!({"path": dir.path()})).unwrap_err();
    assert_eq!(err["code"], "not_a_file", "{err}");

    // Exporting read the workspace without changing it.
    let report: Value = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");

    // The bundle into a second, fresh workspace (another agency's app).
    let other_ws = dir.path().join("ws-other");
    let (_other_app, other) = app(&other_ws);
    let err = invoke(&other, "bundle_import", json!({"path": named})).unwrap_err();
    assert_eq!(err["code"], "profile_missing", "{err}");
    invoke(
        &other,
        "profile_save",
        json!({"profile": {"display_name": "Trần Văn Bình", "agency": "CA", "unit": "PC03",
                            "province": "HCM", "role": "investigator"}}),
    )
    .unwrap();
    let err = invoke(&other, "bundle_import", json!({"path": flipped})).unwrap_err();
    assert_eq!(err["code"], "bundle_invalid", "{err}");
    assert_eq!(
        invoke(&other, "case_list", json!({})).unwrap(),
        json!([]),
        "a refused bundle leaves no case behind"
    );

    let imported = invoke(&other, "bundle_import", json!({"path": named})).unwrap();
    assert_eq!(imported["case_code"], code.as_str(), "{imported}");
    assert_eq!(imported["origin_agency"], "QLTT");
    assert_eq!(imported["evidence"], 2);
    assert_eq!(imported["bundle_sha256"], summary["sha256"]);
    assert_eq!(imported["seal_root"], summary["seal_root"]);

    let detail = invoke(&other, "case_get", json!({"code": code})).unwrap();
    let case = &detail["case"];
    assert_eq!(case["status"], "sealed");
    assert_eq!(case["title"], "Mỹ phẩm giả bán trên sàn");
    assert_eq!(case["imported"]["agency"], "QLTT", "{case}");
    assert_eq!(case["imported"]["bundle_sha256"], summary["sha256"]);
    assert_eq!(case["imported"]["imported_by"], "Trần Văn Bình");
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 2);
    let listed = invoke(&other, "case_list", json!({})).unwrap();
    assert_eq!(listed[0]["imported"]["seal_root"], summary["seal_root"]);
    // The chain arrives verbatim: the same events with the same hashes.
    assert_eq!(
        invoke(&other, "custody_log", json!({"code": code})).unwrap(),
        invoke(&w, "custody_log", json!({"code": code})).unwrap()
    );
    // Read-only here: a note is refused, and the workspace verifies with it.
    let err = invoke(&other, "note_add", json!({"code": code, "text": "x"})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("read-only"),
        "{err}"
    );
    let report = invoke(&other, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");

    let again = invoke(&other, "bundle_import", json!({"path": named})).unwrap_err();
    assert_eq!(again["code"], "case_already_exists", "{again}");

    // Every shape sent matches ui/src/lib/types.ts.
    use crate::contract_tests::assert_shape;
    assert_shape("ExportSummary", &summary);
    assert_shape(
        "BundleReport",
        &invoke(&w, "bundle_verify", json!({"path": named})).unwrap(),
    );
    let bad = invoke(&w, "bundle_verify", json!({"path": flipped})).unwrap();
    assert_shape("BundleReport", &bad);
    assert_shape("BundleProblem", &bad["problems"][0]);
    assert_shape("ImportSummary", &imported);
    assert_shape("Case", case);
    assert_shape("CaseImport", &case["imported"]);
    assert_shape("CaseSummary", &listed[0]);
}

#[test]
fn bundle_commands_belong_to_the_main_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in BUNDLE_COMMANDS {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
        if let Err(err) = invoke(&w, cmd, json!({})) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
    }
}
