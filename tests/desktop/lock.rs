//! The laptop in the field, in the app: an encrypted workspace created from the start
//! screen, the lock (button and idle timeout) leaving nothing of a case in the page,
//! wrong and right passphrases, and the settings screen writing what `truyvet config`
//! then reads.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use truyvet_desktop_e2e::fantoccini::Locator;
use truyvet_desktop_e2e::{App, app_config_path, built_binary};

const PASSPHRASE: &str = "Mật khẩu thật dài 2026!";
const CASE_TITLE: &str = "Mỹ phẩm giả bán qua livestream";
const PLANTED: &str = "0987 654 321 Nguyễn Văn Tố";

/// `truyvet config get KEY` on the test's workspace and app config, as the user would.
fn config_get(workspace: &Path, key: &str) -> String {
    let out = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(workspace)
        .args(["--json", "config", "get", key])
        .env("TRUYVET_APP_CONFIG", app_config_path(workspace))
        .env("TRUYVET_WORKSPACE_PASSPHRASE", PASSPHRASE)
        .output()
        .expect("run truyvet");
    assert!(
        out.status.success(),
        "config get {key}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("CLI JSON");
    v[key].as_str().unwrap_or_default().to_string()
}

/// The page as the WebView holds it: while locked, nothing of the case may be in it.
async fn assert_nothing_of_the_case(app: &App, code: &str) {
    let html = app.client.source().await.expect("page source");
    for secret in [code, CASE_TITLE, PLANTED] {
        assert!(!html.contains(secret), "locked page still holds {secret:?}");
    }
    assert!(
        app.client
            .find_all(Locator::Css("[data-testid=case-row]"))
            .await
            .expect("query")
            .is_empty()
    );
}

async fn unlock(app: &App) {
    app.fill("[data-testid=lock-passphrase]", PASSPHRASE).await;
    app.click("[data-testid=lock-unlock]").await;
    app.find("[data-testid=nav-cases]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_workspace_locks_and_unlocks_in_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let app = App::launch_new(&workspace).await;

    // The start screen: encryption on by default, a short passphrase refused.
    let encrypt = app.find("[data-testid=create-encrypt]").await;
    assert_eq!(
        encrypt.prop("checked").await.unwrap().as_deref(),
        Some("true")
    );
    app.fill("[data-testid=create-passphrase]", "ngắn").await;
    app.fill("[data-testid=create-passphrase-again]", "ngắn")
        .await;
    app.click("[data-testid=create-submit]").await;
    app.wait_text("[data-testid=create-problem]", |t| t.contains("ít nhất"))
        .await;
    assert!(!workspace.join("truyvet.db").exists(), "nothing created");
    app.fill("[data-testid=create-passphrase]", PASSPHRASE)
        .await;
    app.fill("[data-testid=create-passphrase-again]", PASSPHRASE)
        .await;
    app.click("[data-testid=create-submit]").await;

    // Then the profile, as on any first start.
    app.fill("[data-testid=profile-display-name]", "Phạm Thu Hà")
        .await;
    app.select("[data-testid=profile-agency]", "QLTT").await;
    app.fill("[data-testid=profile-unit]", "Đội QLTT số 2")
        .await;
    app.select("[data-testid=profile-province]", "HN").await;
    app.select("[data-testid=profile-role]", "investigator")
        .await;
    app.click("[data-testid=profile-save]").await;
    assert!(
        workspace.join("workspace.key").is_file(),
        "the workspace is encrypted"
    );

    // A case with something personal in it.
    app.click("[data-testid=new-case-button]").await;
    app.fill("[data-testid=case-title]", CASE_TITLE).await;
    app.click("[data-testid=case-category-counterfeit_goods]")
        .await;
    app.fill("[data-testid=case-product-group]", "Mỹ phẩm")
        .await;
    app.select("[data-testid=case-origin]", "tip").await;
    app.click("[data-testid=case-create]").await;
    let code = app
        .wait_text("[data-testid=case-code]", |t| t.starts_with("QLTT-HN-"))
        .await;
    app.fill("[data-testid=note-input]", PLANTED).await;
    app.click("[data-testid=note-add]").await;
    app.wait_text("[data-testid=note-item]", |t| t.contains(PLANTED))
        .await;

    // Settings: a refused value says why, accepted ones are what the CLI reads.
    app.click("[data-testid=nav-settings]").await;
    app.wait_text("[data-testid=settings-encryption]", |t| {
        t.contains("được mã hóa")
    })
    .await;
    app.fill("[data-testid=\"setting-input-capture.timeout_secs\"]", "2")
        .await;
    app.click("[data-testid=\"setting-save-capture.timeout_secs\"]")
        .await;
    app.wait_text(
        "[data-testid=\"setting-problem-capture.timeout_secs\"]",
        |t| t.contains("không hợp lệ"),
    )
    .await;
    app.fill("[data-testid=\"setting-input-capture.timeout_secs\"]", "45")
        .await;
    app.click("[data-testid=\"setting-save-capture.timeout_secs\"]")
        .await;
    app.find("[data-testid=\"setting-ok-capture.timeout_secs\"]")
        .await;
    assert_eq!(config_get(&workspace, "capture.timeout_secs"), "45");
    app.fill("[data-testid=\"setting-input-lock.idle_minutes\"]", "1")
        .await;
    app.click("[data-testid=\"setting-save-lock.idle_minutes\"]")
        .await;
    app.find("[data-testid=\"setting-ok-lock.idle_minutes\"]")
        .await;
    assert_eq!(config_get(&workspace, "lock.idle_minutes"), "1");

    // The lock button: the page drops the case.
    app.click("[data-testid=nav-cases]").await;
    app.find(&format!("[data-testid=case-row][data-code=\"{code}\"]"))
        .await;
    app.click("[data-testid=lock-button]").await;
    app.find("[data-testid=lock-screen]").await;
    assert_nothing_of_the_case(&app, &code).await;

    // A wrong passphrase is refused, the right one opens the case list again.
    app.fill("[data-testid=lock-passphrase]", "không phải mật khẩu")
        .await;
    app.click("[data-testid=lock-unlock]").await;
    app.wait_text("[data-testid=lock-problem]", |t| t.contains("Sai mật khẩu"))
        .await;
    assert_nothing_of_the_case(&app, &code).await;
    unlock(&app).await;
    app.find(&format!("[data-testid=case-row][data-code=\"{code}\"]"))
        .await;

    // Idle: one minute without input locks by itself (the shell's ticker decides).
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let locked = app
            .client
            .find_all(Locator::Css("[data-testid=lock-screen]"))
            .await
            .map(|v| !v.is_empty())
            .unwrap_or(false);
        if locked {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not lock after the idle time"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_nothing_of_the_case(&app, &code).await;
    unlock(&app).await;
    app.find(&format!("[data-testid=case-row][data-code=\"{code}\"]"))
        .await;
    app.quit().await;
}
