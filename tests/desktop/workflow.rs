//! The review workflow in the real app: an investigator fills a case (legal basis and
//! proposed measures included) and submits it; the supervisor returns it with a
//! comment; the investigator resubmits; the supervisor approves and seals it. Every
//! signature takes the passphrase in the dialog. The sealed case is read-only with its
//! seal shown, and the CLI verifies the workspace and lists the signed transitions.

use std::process::Command;

use truyvet_desktop_e2e::{App, built_binary};

use crate::cli_json;

const AN_PASS: &str = "mật khẩu điều tra viên";
const HA_PASS: &str = "mật khẩu lãnh đạo đội";
/// The profile names the core derives from the display names.
const HA: &str = "pham-thu-ha";
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
}
