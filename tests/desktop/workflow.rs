//! The review workflow in the real app: an investigator fills a case (legal basis and
//! proposed measures included, a page captured from a loopback shop) and submits it;
//! the supervisor returns it with a comment; the investigator resubmits; the supervisor
//! approves and seals it. Every signature takes the passphrase in the dialog. The sealed
//! case is read-only with its seal shown, and the CLI verifies the workspace and lists
//! the signed transitions. Then the case leaves as a bundle: exported and verified in
//! the app, verified again by `truyvet verify`, and opened in another agency's app (a
//! fresh workspace), where it is imported as a read-only case. Before it leaves, the
//! sealed case gets a signed correction addendum through the passphrase dialog, which
//! the workspace verifies and the other agency sees with the case.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use truyvet_desktop_e2e::{App, built_binary};

use crate::{cli_json, cli_ok, serve_counting};

const AN_PASS: &str = "mật khẩu điều tra viên";
const HA_PASS: &str = "mật khẩu lãnh đạo đội";
/// The profile names the core derives from the display names.
const HA: &str = "pham-thu-ha";
const ADDENDUM: &str = "Đính chính: số điện thoại đúng là 0912 345 679.";
const AN: &str = "le-van-an";

/// `truyvet profile set` (the first profile creates the workspace) or `profile add`, with
/// the key's passphrase in the environment so the key is created too.
fn add_profile(workspace: &std::path::Path, first: bool, display: &str, role: &str, pass: &str) {
    let ok = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(workspace)
        .args(["profile", if first { "set" } else { "add" }])
        .args(["--display-name", display])
        .args([
            "--agency",
            "QLTT",
            "--unit",
            "Đội QLTT số 2",
            "--province",
            "HN",
        ])
        .args(["--role", role])
        .env("TRUYVET_PASSPHRASE", pass)
        .status()
        .expect("run truyvet");
    assert!(ok.success(), "truyvet profile {display}");
}

async fn sign(app: &App, pass: &str) {
    app.fill("[data-testid=passphrase-input]", pass).await;
    app.click("[data-testid=passphrase-confirm]").await;
}

async fn status_is(app: &App, status: &str) {
    app.wait_text("[data-testid=case-status]", |t| t == status)
        .await;
}

async fn act_as(app: &App, name: &str, display: &str) {
    app.select("[data-testid=profile-switch]", name).await;
    app.wait_text("[data-testid=profile-name]", |t| t == display)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_return_resubmit_approve_and_seal() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    add_profile(&workspace, true, "Phạm Thu Hà", "supervisor", HA_PASS);
    add_profile(&workspace, false, "Lê Văn An", "investigator", AN_PASS);
    cli_ok(&workspace, &["config", "set", "capture.allow", "127.0.0.1"]);
    let (shop, _) = serve_counting(
        "<title>Rượu ngoại giá sỉ</title><p>Chivas 18 giá 450.000đ, Zalo 0912 345 678</p>".into(),
    );

    let app = App::launch(&workspace).await;
    app.wait_text("[data-testid=profile-name]", |t| t == "Lê Văn An")
        .await;

    // The investigator creates and fills the case.
    app.click("[data-testid=new-case-button]").await;
    app.fill("[data-testid=case-title]", "Rượu ngoại giả bán qua Zalo")
        .await;
    app.click("[data-testid=case-category-counterfeit_goods]")
        .await;
    app.fill("[data-testid=case-product-group]", "Rượu").await;
    app.select("[data-testid=case-origin]", "tip").await;
    app.click("[data-testid=case-create]").await;
    let code = app
        .wait_text("[data-testid=case-code]", |t| t.starts_with("QLTT-HN-"))
        .await;
    // A bundle carries the captured pages as WARC: capture one.
    app.fill(
        "[data-testid=capture-url]",
        &format!("http://127.0.0.1:{shop}/ruou"),
    )
    .await;
    app.click("[data-testid=capture-button]").await;
    app.find("[data-testid=capture-done]").await;
    app.click("[data-testid=case-edit]").await;
    app.fill(
        "[data-testid=case-legal-basis]",
        "Nghị định 98/2020/NĐ-CP, Điều 11",
    )
    .await;
    app.fill(
        "[data-testid=case-proposed-measures]",
        "Phạt tiền, tịch thu",
    )
    .await;
    app.click("[data-testid=case-save]").await;
    app.wait_text("[data-testid=review-legal-basis]", |t| {
        t.contains("Điều 11")
    })
    .await;

    app.click("[data-testid=workflow-submit]").await;
    sign(&app, AN_PASS).await;
    status_is(&app, "Đã trình").await;

    // The supervisor returns it with a comment.
    act_as(&app, HA, "Phạm Thu Hà").await;
    app.click("[data-testid=workflow-return]").await;
    app.fill(
        "[data-testid=workflow-comment]",
        "Bổ sung ảnh chụp tin đăng",
    )
    .await;
    sign(&app, HA_PASS).await;
    status_is(&app, "Bị trả lại").await;
    app.wait_text("[data-testid=review-comment]", |t| {
        t == "Bổ sung ảnh chụp tin đăng"
    })
    .await;

    // The investigator resubmits.
    act_as(&app, AN, "Lê Văn An").await;
    app.wait_text("[data-testid=workflow-submit]", |t| t == "Nộp lại")
        .await;
    app.click("[data-testid=workflow-submit]").await;
    sign(&app, AN_PASS).await;
    status_is(&app, "Đã trình").await;

    // The supervisor finds it in the queue, approves and seals it.
    act_as(&app, HA, "Phạm Thu Hà").await;
    app.click("[data-testid=nav-queue]").await;
    app.click(&format!(
        "[data-testid=queue-row][data-code=\"{code}\"] [data-testid=queue-open]"
    ))
    .await;
    app.click("[data-testid=workflow-approve]").await;
    sign(&app, HA_PASS).await;
    status_is(&app, "Đã duyệt").await;
    app.click("[data-testid=workflow-seal]").await;
    sign(&app, HA_PASS).await;
    status_is(&app, "Đã niêm phong").await;

    let root = app
        .wait_text("[data-testid=seal-root]", |t| t.len() > 64)
        .await;
    let shown_key = app
        .wait_text("[data-testid=seal-fingerprint]", |t| t.len() > 64)
        .await;
    app.find("[data-testid=case-read-only]").await;
    for gone in [
        "case-edit",
        "note-input",
        "evidence-drop-zone",
        "workflow-actions",
    ] {
        let found = app
            .client
            .find_all(fantoccini::Locator::Css(&format!("[data-testid={gone}]")))
            .await
            .unwrap();
        assert!(found.is_empty(), "a sealed case shows no {gone}");
    }

    // A sealed case is corrected by a signed addendum: typed, signed in the passphrase
    // dialog, then listed and logged without a reload.
    app.fill("[data-testid=addendum-input]", ADDENDUM).await;
    app.click("[data-testid=addendum-add]").await;
    sign(&app, HA_PASS).await;
    app.wait_text("[data-testid=addendum-body]", |t| t == ADDENDUM)
        .await;
    app.wait_text("[data-testid=addendum-author]", |t| t == "Phạm Thu Hà")
        .await;
    app.find("[data-testid=custody-event][data-kind=addendum_added]")
        .await;

    // The sealed case leaves as a bundle, through the path field (a native dialog cannot
    // be driven), and the app verifies the file it just wrote.
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join(format!("{code} gửi viện kiểm sát.wacz"));
    app.click("[data-testid=bundle-export-open]").await;
    app.fill("[data-testid=bundle-export-path]", bundle.to_str().unwrap())
        .await;
    app.click("[data-testid=bundle-export-run]").await;
    let shown_path = app
        .wait_text("[data-testid=bundle-export-result-path]", |t| !t.is_empty())
        .await;
    assert_eq!(shown_path, bundle.to_str().unwrap());
    let shown_sha = app
        .wait_text("[data-testid=bundle-export-result-sha256]", |t| {
            t.len() == 64
        })
        .await;
    let bytes = std::fs::read(&bundle).expect("the bundle was written");
    assert_eq!(shown_sha, hex::encode(Sha256::digest(&bytes)));
    let shown_root = app
        .wait_text("[data-testid=bundle-export-result-root]", |t| t.len() == 64)
        .await;
    app.click("[data-testid=bundle-verify-exported]").await;
    app.find("[data-testid=bundle-report][data-ok=true]").await;
    app.wait_text("[data-testid=bundle-report-case]", |t| t.contains(&code))
        .await;
    if let Some(path) = std::env::var_os("TRUYVET_EXPORT_SCREENSHOT") {
        app.screenshot(Path::new(&path)).await;
    }
    app.quit().await;

    // The CLI agrees: the workspace verifies and the log holds five signed transitions.
    let report = cli_json(&workspace, &["verify-workspace"]);
    assert_eq!(report["ok"], true, "{report}");
    let log = cli_json(&workspace, &["log", "--case", &code]);
    let transitions: Vec<&serde_json::Value> = log
        .as_array()
        .expect("log is a list")
        .iter()
        .filter(|e| e["kind"] == "case_transition")
        .collect();
    let actions: Vec<&str> = transitions
        .iter()
        .map(|e| e["payload"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "return", "submit", "approve", "seal"]);
    assert!(
        transitions
            .iter()
            .all(|e| e["payload"]["signature"].as_str().unwrap().len() == 128)
    );
    let seal = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "case_sealed")
        .expect("a case_sealed event");
    let seal_root = seal["payload"]["root"].as_str().unwrap();
    let seal_key = seal["payload"]["fingerprint"].as_str().unwrap();
    assert!(root.contains(seal_root), "{root} shows {seal_root}");
    assert!(shown_key.contains(seal_key), "{shown_key} shows {seal_key}");
    // The supervisor who sealed is the one who signed the approval and the seal.
    assert_eq!(transitions[3]["payload"]["fingerprint"], seal_key);
    assert_eq!(transitions[4]["payload"]["fingerprint"], seal_key);
    assert_eq!(shown_root, seal_root);
    // The addendum amends that seal, signed by the same supervisor, and verifies.
    let addendum = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "addendum_added")
        .expect("an addendum_added event");
    assert_eq!(addendum["payload"]["body"], ADDENDUM);
    assert_eq!(addendum["payload"]["seal_root"], seal_root);
    assert_eq!(addendum["payload"]["fingerprint"], seal_key);

    // The CLI verifies the file without any workspace.
    let verified = Command::new(built_binary("truyvet"))
        .args(["verify", "--json"])
        .arg(&bundle)
        .output()
        .expect("run truyvet verify");
    assert!(
        verified.status.success(),
        "truyvet verify exits 0: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["case_code"], code.as_str());

    import_in_another_agency(&bundle, &code, seal_root).await;
}

/// Another agency (a fresh workspace, its own app) opens the bundle: the app verifies
/// it, imports it, and opens the case read-only with its origin shown.
async fn import_in_another_agency(bundle: &Path, code: &str, seal_root: &str) {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    cli_ok(
        &workspace,
        &[
            "profile",
            "set",
            "--display-name",
            "Trần Văn Bình",
            "--agency",
            "CA",
            "--province",
            "HCM",
        ],
    );
    let app = App::launch(&workspace).await;
    app.click("[data-testid=nav-bundle-open]").await;
    app.fill("[data-testid=bundle-open-path]", bundle.to_str().unwrap())
        .await;
    app.click("[data-testid=bundle-open-verify]").await;
    app.find("[data-testid=bundle-report][data-ok=true]").await;
    app.click("[data-testid=bundle-import]").await;
    app.wait_text("[data-testid=case-code]", |t| t == code)
        .await;
    app.wait_text("[data-testid=case-imported-badge]", |t| {
        t == "Hồ sơ của đơn vị khác — chỉ xem"
    })
    .await;
    app.find("[data-testid=case-read-only]").await;
    app.wait_text("[data-testid=seal-root]", |t| t.contains(seal_root))
        .await;
    app.wait_text("[data-testid=addendum-body]", |t| t == ADDENDUM)
        .await;
    for gone in [
        "case-edit",
        "note-input",
        "workflow-actions",
        "bundle-export-open",
        "addendum-input",
    ] {
        let found = app
            .client
            .find_all(fantoccini::Locator::Css(&format!("[data-testid={gone}]")))
            .await
            .unwrap();
        assert!(found.is_empty(), "an imported case shows no {gone}");
    }
    if let Some(path) = std::env::var_os("TRUYVET_IMPORT_SCREENSHOT") {
        app.screenshot(Path::new(&path)).await;
    }
    app.quit().await;

    let detail = cli_json(&workspace, &["case", "show", code]);
    assert_eq!(detail["case"]["status"], "sealed");
    assert_eq!(detail["case"]["imported"]["agency"], "QLTT", "{detail}");
    let report = cli_json(&workspace, &["verify-workspace"]);
    assert_eq!(report["ok"], true, "{report}");
}
