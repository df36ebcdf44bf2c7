//! The supervisor's overview and the report builder in the real app: a case an
//! investigator submitted from the CLI is in the dashboard's review queue when the
//! supervisor opens the app (which starts on the overview for a supervisor), and opens
//! from there; then an XLSX report of the last six months is previewed and written
//! through the report screen to a typed path, and the file on disk is the one the
//! screen names (its SHA-256), a real workbook (a zip with the XLSX parts).

use std::process::Command;

use sha2::{Digest, Sha256};
use truyvet_desktop_e2e::{App, built_binary};

use crate::{cli_json, cli_ok};

const AN_PASS: &str = "mật khẩu điều tra viên";
const HA_PASS: &str = "mật khẩu lãnh đạo đội";

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
            "Đội QLTT số 4",
            "--province",
            "HN",
        ])
        .args(["--role", role])
        .env("TRUYVET_PASSPHRASE", pass)
        .status()
        .expect("run truyvet");
    assert!(ok.success(), "truyvet profile {display}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_sees_the_queue_and_builds_an_xlsx_report() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    add_profile(&workspace, true, "Lê Văn An", "investigator", AN_PASS);
    let case = cli_json(
        &workspace,
        &[
            "case",
            "new",
            "--title",
            "Mỹ phẩm giả bán qua livestream",
            "--category",
            "counterfeit_goods",
            "--product-group",
            "Mỹ phẩm",
        ],
    );
    let code = case["code"].as_str().unwrap().to_string();
    cli_ok(
        &workspace,
        &[
            "case",
            "edit",
            &code,
            "--legal-basis",
            "Điều 11 Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Phạt tiền, tịch thu hàng",
        ],
    );
    let ok = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(&workspace)
        .args(["case", "submit", &code])
        .env("TRUYVET_PASSPHRASE", AN_PASS)
        .status()
        .unwrap();
    assert!(ok.success(), "truyvet case submit");
    // The supervisor is added last, so it is the profile acting when the app opens.
    add_profile(&workspace, false, "Phạm Thu Hà", "supervisor", HA_PASS);
    let cli_dash = cli_json(&workspace, &["dashboard"]);
    assert_eq!(cli_dash["review_queue"][0]["code"], code.as_str());

    let app = App::launch(&workspace).await;
    app.wait_text("[data-testid=profile-name]", |t| t == "Phạm Thu Hà")
        .await;
    // A supervisor lands on the overview, with the submitted case waiting.
    let row = format!("[data-testid=dashboard-queue-row][data-code=\"{code}\"]");
    app.find(&row).await;
    app.wait_text("[data-testid=dashboard-review-queue]", |t| {
        t.contains("Mỹ phẩm giả bán qua livestream")
    })
    .await;
    let open = app.find("[data-testid=dashboard-open-cases]").await;
    assert_eq!(open.attr("data-count").await.unwrap().as_deref(), Some("1"));
    app.click(&format!("{row} button")).await;
    app.wait_text("[data-testid=case-code]", |t| t == code)
        .await;

    // The report: preview the last six months, then an XLSX to a typed path.
    app.click("[data-testid=nav-report]").await;
    app.click("[data-testid=report-preview]").await;
    let opened = app.find("[data-testid=report-total-cases_opened]").await;
    assert_eq!(
        opened.attr("data-value").await.unwrap().as_deref(),
        Some("1")
    );
    app.find("[data-testid=report-month-chart]").await;
    app.click("[data-testid=report-format-xlsx]").await;
    let target = dir.path().join("báo cáo 6 tháng.xlsx");
    app.fill("[data-testid=report-path]", target.to_str().unwrap())
        .await;
    app.click("[data-testid=report-export]").await;
    let saved = app.find("[data-testid=report-saved]").await;
    let shown_sha = saved.attr("data-sha256").await.unwrap().unwrap();
    assert_eq!(
        saved.attr("data-path").await.unwrap().as_deref(),
        target.to_str()
    );
    app.quit().await;

    let bytes = std::fs::read(&target).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), shown_sha);
    assert_eq!(&bytes[..4], b"PK\x03\x04", "an XLSX is a zip archive");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("xl/workbook.xml"),
        "the workbook part is there"
    );
}
