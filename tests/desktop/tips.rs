//! A tip in the real app: recorded through the form (the reporter's phone shown masked,
//! revealed on request), a case opened from it (its header names the tip), and the
//! supervisor's overview listing the case opened from the tip and the tip still waiting.
//! The CLI then reads the same workspace: the case's origin and the tip's log.

use truyvet_desktop_e2e::App;

use crate::{cli_json, cli_ok};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tip_recorded_in_the_app_becomes_a_case_seen_on_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    cli_ok(
        &workspace,
        &[
            "profile",
            "set",
            "--display-name",
            "Phạm Thu Hà",
            "--agency",
            "QLTT",
            "--province",
            "HN",
            "--role",
            "supervisor",
        ],
    );
    // A tip already waiting for triage, from the hotline's export.
    let waiting = cli_json(
        &workspace,
        &[
            "tip",
            "add",
            "--channel",
            "letter",
            "--summary",
            "Bán mỹ phẩm không rõ nguồn gốc",
        ],
    );
    let waiting = waiting["tip"]["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.click("[data-testid=nav-tips]").await;
    app.find(&format!("[data-testid=tip-row][data-code=\"{waiting}\"]"))
        .await;
    app.click("[data-testid=tip-new]").await;
    app.fill("[data-testid=tip-received]", "20/11/2026").await;
    app.select("[data-testid=tip-channel]", "hotline").await;
    app.fill("[data-testid=tip-summary]", "Shop bán đồng hồ Rolex giả")
        .await;
    app.fill(
        "[data-testid=tip-allegation]",
        "Người bán nhận chuyển khoản, liên hệ Zalo 0903 111 222",
    )
    .await;
    app.fill("[data-testid=tip-name]", "Nguyễn Văn An").await;
    app.fill("[data-testid=tip-phone]", "0912345612").await;
    app.click("[data-testid=tip-save]").await;
    let code = app
        .wait_text("[data-testid=tip-code]", |t| t.starts_with("TIP-"))
        .await;
    app.wait_text("[data-testid=tip-contact-phone]", |t| t == "09******12")
        .await;
    app.click("[data-testid=tip-reveal]").await;
    app.wait_text("[data-testid=tip-contact-phone]", |t| t == "0912345612")
        .await;

    app.click("[data-testid=tip-open-case]").await;
    let case = app
        .wait_text("[data-testid=tip-case-link]", |t| t.starts_with("QLTT-HN-"))
        .await;
    app.click("[data-testid=tip-case-link]").await;
    app.wait_text("[data-testid=case-code]", |t| t == case)
        .await;
    app.wait_text("[data-testid=case-origin-tip]", |t| {
        t.contains(&code) && t.contains("20/11/2026")
    })
    .await;

    app.click("[data-testid=nav-dashboard]").await;
    let row = app
        .find(&format!(
            "[data-testid=dashboard-recent-tip-cases] [data-code=\"{case}\"]"
        ))
        .await;
    assert_eq!(
        row.attr("data-tip").await.unwrap().as_deref(),
        Some(code.as_str())
    );
    app.find(&format!(
        "[data-testid=dashboard-tips-waiting] [data-code=\"{waiting}\"]"
    ))
    .await;
    app.quit().await;

    let shown = cli_json(&workspace, &["case", "show", &case]);
    assert_eq!(shown["case"]["origin"], "tip");
    let tip = cli_json(&workspace, &["tip", "show", &code]);
    assert_eq!(tip["tip"]["status"], "case_opened");
    assert_eq!(tip["tip"]["case_code"], case.as_str());
    let kinds: Vec<&str> = tip["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "contact_revealed", "case_opened"]);
    cli_ok(&workspace, &["verify-workspace"]);
}
