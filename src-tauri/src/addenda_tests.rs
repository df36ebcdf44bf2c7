//! Addenda and seal proofs through the shell on Tauri's mock runtime, against a real
//! workspace: an addendum is refused on a case still editable and with a wrong
//! passphrase (nothing stored, nothing logged), and once signed it is listed, logged and
//! verifies; a proof written by the shell checks out, also against the evidence file,
//! and a doctored proof, another file or something that is not a proof is `proof_invalid`.

use std::path::Path;

use serde_json::{Value, json};
use tauri::WebviewWindowBuilder;

use crate::contract_tests::assert_shape;
use crate::ipc_tests::{app_with, invoke};
use crate::{AppState, CaptureBrowser};

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;
type MockApp = (tauri::App<tauri::test::MockRuntime>, Window);

const INV_PASS: &str = "mật khẩu điều tra";
const SUP_PASS: &str = "mật khẩu lãnh đạo";
const EVIDENCE_TEXT: &str = "Kem trộn giá 150.000đ, liên hệ 0912 345 678";

const ADDENDA_COMMANDS: &[&str] = &[
    "case_addenda",
    "case_addendum_add",
    "seal_proof_export",
    "seal_proof_export_to",
    "seal_proof_verify",
];

fn app(dir: &Path) -> MockApp {
    app_with(
        AppState::open(Ok(dir.to_path_buf())),
        CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    )
}

/// A submitted case with one file (at `dir/tin đăng.txt`); returns its code.
fn submitted_case(w: &Window, dir: &Path) -> String {
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
    std::fs::write(&file, EVIDENCE_TEXT).unwrap();
    invoke(w, "evidence_add", json!({"code": code, "paths": [file]})).unwrap();
    invoke(
        w,
        "note_add",
        json!({"code": code, "text": "Đã liên hệ sàn"}),
    )
    .unwrap();
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

fn log_len(w: &Window, code: &str) -> usize {
    invoke(w, "custody_log", json!({"code": code}))
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn addenda_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let (_app, w) = app(&ws);
    let code = submitted_case(&w, dir.path());

    let add = |text: &str, pass: &str| {
        invoke(
            &w,
            "case_addendum_add",
            json!({"code": code, "text": text, "passphrase": pass}),
        )
    };
    let err = add("Sửa số điện thoại", INV_PASS).unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");
    assert_eq!(
        invoke(&w, "case_addenda", json!({"code": code})).unwrap(),
        json!([])
    );

    seal(&w, &code);
    let before = log_len(&w, &code);

    // A wrong passphrase or an empty text: refused, nothing stored or logged.
    let err = add("Sửa số điện thoại", "không phải mật khẩu").unwrap_err();
    assert_eq!(err["code"], "bad_passphrase", "{err}");
    let err = add("   ", SUP_PASS).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(
        invoke(&w, "case_addenda", json!({"code": code})).unwrap(),
        json!([])
    );
    assert_eq!(log_len(&w, &code), before);

    let text = "Số điện thoại đúng là 0912 345 679 (gõ nhầm trong ghi chú).";
    let added = add(text, SUP_PASS).unwrap();
    assert_shape("Addendum", &added);
    assert_eq!(added["body"], text);
    assert_eq!(added["author"], "Phạm Thu Hà");
    let review = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_eq!(added["seal_root"], review["seal"]["root"]);
    let me = invoke(&w, "profile_list", json!({})).unwrap();
    let me = me.as_array().unwrap().iter().find(|p| p["current"] == true);
    assert_eq!(added["fingerprint"], me.unwrap()["fingerprint"]);

    // Any profile with a key may add one: the investigator too.
    invoke(&w, "profile_use", json!({"name": "le-van-an"})).unwrap();
    let second = add("Bổ sung: ảnh chụp lúc 10:05.", INV_PASS).unwrap();
    assert_eq!(second["author"], "Lê Văn An");

    let listed = invoke(&w, "case_addenda", json!({"code": code})).unwrap();
    assert_eq!(listed, json!([added, second]));
    let log = invoke(&w, "custody_log", json!({"code": code})).unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), before + 2);
    let logged: Vec<&Value> = log
        .iter()
        .filter(|e| e["kind"] == "addendum_added")
        .collect();
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0]["payload"], added, "the event records the row");

    // The sealed contents stay untouched and everything verifies.
    let err = invoke(&w, "note_add", json!({"code": code, "text": "x"})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(err["message"].as_str().unwrap().contains("sealed"), "{err}");
    let report = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");

    let err = invoke(&w, "case_addenda", json!({"code": "KHONG-CO"})).unwrap_err();
    assert_eq!(err["code"], "case_not_found", "{err}");
}

#[test]
fn seal_proofs_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    let ws = tmp.join("ws");
    let (_app, w) = app(&ws);
    let code = submitted_case(&w, tmp);
    let detail = invoke(&w, "case_get", json!({"code": code})).unwrap();
    let item = detail["evidence"][0].clone();
    let id = item["id"].as_str().unwrap().to_string();
    let out = tmp.join("gửi viện kiểm sát.json");

    let export = |path: &Path| {
        invoke(
            &w,
            "seal_proof_export_to",
            json!({"code": code, "evidenceId": id, "path": path}),
        )
    };
    let err = export(&out).unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");
    assert!(!out.exists());
    let err = invoke(
        &w,
        "seal_proof_export",
        json!({"code": code, "evidenceId": id}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "case_not_sealed", "{err}");

    seal(&w, &code);

    // The window may only create .json files, by absolute path.
    for bad in ["tuong-doi.json", "/tmp/x.txt", "/tmp/.json"] {
        let args = json!({"code": code, "evidenceId": id, "path": bad});
        let err = invoke(&w, "seal_proof_export_to", args).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{bad}: {err}");
    }
    let args = json!({"code": code, "evidenceId": "khong-co", "path": out});
    let err = invoke(&w, "seal_proof_export_to", args).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");

    let written = export(&out).unwrap();
    assert_eq!(written, out.to_str().unwrap());
    let document: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(document["format"], "truyvet.seal-proof.v1");

    let verify = |proof: &Path, file: Option<&Path>| {
        let mut args = json!({"path": proof});
        if let Some(file) = file {
            args["filePath"] = json!(file);
        }
        invoke(&w, "seal_proof_verify", args)
    };
    let proven = verify(&out, None).unwrap();
    assert_shape("ProvenItem", &proven);
    let review = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_eq!(proven["case_code"], code.as_str());
    assert_eq!(proven["evidence_id"], id.as_str());
    assert_eq!(proven["sha256"], item["sha256"]);
    assert_eq!(proven["seal_root"], review["seal"]["root"]);
    assert_eq!(proven["sealed_at"], review["seal"]["at"]);
    assert_eq!(proven["fingerprint"], review["seal"]["fingerprint"]);

    // With the evidence file: the very bytes that were sealed, and no others.
    let original = tmp.join("tin đăng.txt");
    assert_eq!(verify(&out, Some(&original)).unwrap(), proven);
    let other = tmp.join("khác.txt");
    std::fs::write(&other, format!("{EVIDENCE_TEXT}.")).unwrap();
    let err = verify(&out, Some(&other)).unwrap_err();
    assert_eq!(err["code"], "proof_invalid", "{err}");

    // Doctored proofs: another digest for the item, another root, a forged signature.
    let doctor = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut doc = document.clone();
        change(&mut doc);
        let path = tmp.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        path
    };
    let fake_sha = "0".repeat(64);
    let cases = [
        doctor("leaf.json", &|d| {
            d["leaf"]["body"] = json!(format!("{id}:{fake_sha}"))
        }),
        doctor("root.json", &|d| d["seal"]["root"] = json!(fake_sha)),
        doctor("sig.json", &|d| {
            let sig = d["seal"]["signature"].as_str().unwrap();
            let flipped = if sig.starts_with('0') { "1" } else { "0" };
            d["seal"]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
        }),
        doctor("key.json", &|d| d["public_key"] = json!("ab".repeat(32))),
        doctor("format.json", &|d| d["format"] = json!("something.else")),
    ];
    for path in &cases {
        let err = verify(path, None).unwrap_err();
        assert_eq!(err["code"], "proof_invalid", "{}: {err}", path.display());
    }

    // Not a proof at all, far too big, missing, relative, a folder.
    let junk = tmp.join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    assert_eq!(verify(&junk, None).unwrap_err()["code"], "proof_invalid");
    let big = tmp.join("big.json");
    let cap = crate::commands::addenda::MAX_PROOF_BYTES as usize;
    std::fs::write(&big, vec![b' '; cap + 1]).unwrap();
    let err = verify(&big, None).unwrap_err();
    assert_eq!(err["code"], "proof_invalid", "{err}");
    assert!(err["message"].as_str().unwrap().contains("larger"), "{err}");
    let err = verify(&tmp.join("không có.json"), None).unwrap_err();
    assert_eq!(err["code"], "file_not_found", "{err}");
    let err = invoke(&w, "seal_proof_verify", json!({"path": "x.json"})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(verify(tmp, None).unwrap_err()["code"], "not_a_file");
    let err = verify(&out, Some(&tmp.join("không có.txt"))).unwrap_err();
    assert_eq!(err["code"], "file_not_found", "{err}");

    // The workspace is unchanged by exporting proofs.
    let report = invoke(&w, "workspace_verify", json!({})).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn addenda_commands_belong_to_the_main_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    for cmd in ADDENDA_COMMANDS {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
        if let Err(err) = invoke(&w, cmd, json!({})) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
    }
}
