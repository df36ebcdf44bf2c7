//! Sync with the central registry in the real app: a case sealed through the CLI, the
//! real `truyvet-registry` on 127.0.0.1, the registry configured in the "Đồng bộ" screen
//! (its key fingerprint shown after the check), "Đồng bộ ngay", and the case ending
//! "Đã được sổ đăng ký xác nhận" in the list and in its header; the CLI then reads the
//! same state from the outbox and the workspace verifies with the receipt logged.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use truyvet_desktop_e2e::{App, built_binary};

use crate::{cli_json, cli_ok};

const INV_PASS: &str = "mật khẩu điều tra viên";
const SUP_PASS: &str = "mật khẩu lãnh đạo đội";
const VERIFIED: &str = "Đã được sổ đăng ký xác nhận";

/// `truyvet` with a passphrase in the environment (profile keys, signed transitions).
fn cli_signed(workspace: &Path, pass: &str, args: &[&str]) {
    let ok = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(workspace)
        .args(args)
        .env("TRUYVET_PASSPHRASE", pass)
        .stdout(Stdio::null())
        .status()
        .expect("run truyvet");
    assert!(ok.success(), "truyvet {args:?}");
}

fn registry(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(built_binary("truyvet-registry"))
        .env_remove("TRUYVET_REGISTRY_DATA")
        .arg("--json")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run truyvet-registry");
    assert!(
        out.status.success(),
        "truyvet-registry {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("registry JSON")
}

/// The registry serving on a free loopback port, killed when dropped.
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn serve(data: &Path) -> Server {
    let mut child = Command::new(built_binary("truyvet-registry"))
        .env_remove("TRUYVET_REGISTRY_DATA")
        .arg("--data")
        .arg(data)
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
    Server(child, url)
}

/// A QLTT workspace with one case sealed through the CLI; returns its code.
fn sealed_case(workspace: &Path, files: &Path) -> String {
    let profile = |cmd: &str, display: &str, role: &str, pass: &str| {
        cli_signed(
            workspace,
            pass,
            &[
                "profile",
                cmd,
                "--display-name",
                display,
                "--agency",
                "QLTT",
                "--unit",
                "Đội QLTT số 1",
                "--province",
                "DN",
                "--role",
                role,
            ],
        );
    };
    profile("set", "Lê Văn An", "investigator", INV_PASS);
    profile("add", "Phạm Thu Hà", "supervisor", SUP_PASS);
    cli_ok(workspace, &["profile", "use", "le-van-an"]);
    let case = cli_json(
        workspace,
        &["case", "new", "--title", "Mỹ phẩm giả bán trên sàn"],
    );
    let code = case["code"].as_str().unwrap().to_string();
    let file = files.join("tin-dang.txt");
    std::fs::write(&file, "Kem trộn giá 150.000đ, liên hệ 0912 345 678").unwrap();
    cli_ok(
        workspace,
        &["evidence", "add", "--case", &code, file.to_str().unwrap()],
    );
    cli_ok(
        workspace,
        &[
            "case",
            "edit",
            &code,
            "--category",
            "counterfeit_goods",
            "--product-group",
            "Mỹ phẩm",
            "--legal-basis",
            "Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Phạt tiền",
        ],
    );
    cli_signed(workspace, INV_PASS, &["case", "submit", &code]);
    cli_ok(workspace, &["profile", "use", "pham-thu-ha"]);
    cli_signed(workspace, SUP_PASS, &["case", "approve", &code]);
    cli_signed(workspace, SUP_PASS, &["case", "seal", &code]);
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_the_registry_and_sync_a_sealed_case() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let code = sealed_case(&workspace, dir.path());

    let data = dir.path().join("registry");
    registry(
        &data,
        &["agency", "add", "QLTT", "--name", "Quản lý thị trường"],
    );
    registry(
        &data,
        &[
            "unit",
            "add",
            "--agency",
            "QLTT",
            "DOI1",
            "--name",
            "Đội QLTT số 1",
            "--contact",
            "0236 3888 111",
        ],
    );
    let token = registry(
        &data,
        &[
            "token",
            "issue",
            "--agency",
            "QLTT",
            "--unit",
            "DOI1",
            "--role",
            "supervisor",
            "--name",
            "may-1",
        ],
    )["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let key = registry(&data, &["key"])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let server = serve(&data);

    let app = App::launch(&workspace).await;
    app.click("[data-testid=nav-sync]").await;
    app.find("[data-testid=sync-not-configured]").await;
    app.fill("[data-testid=sync-url]", &server.1).await;
    app.fill("[data-testid=sync-token]", &token).await;
    app.fill("[data-testid=sync-key]", &key).await;
    app.click("[data-testid=sync-save]").await;
    // The fingerprint of the key just checked against the registry's signed head.
    app.wait_text("[data-testid=sync-fingerprint]", |t| {
        t.split_whitespace().last().is_some_and(|f| f.len() == 64)
    })
    .await;
    app.wait_text("[data-testid=sync-checked]", |t| t.contains("0 mục"))
        .await;

    // The background loop may start first; either way the case ends verified.
    app.click("[data-testid=sync-now]").await;
    let state = format!("[data-testid=sync-state-{code}]");
    app.wait_text(&state, |t| t == VERIFIED).await;
    app.wait_text(&format!("[data-testid=sync-detail-{code}]"), |t| {
        t.contains("Mục nhật ký số 0")
    })
    .await;

    // The sealed case's header says so too.
    app.click(&format!("[data-testid=sync-case-{code}] button"))
        .await;
    app.wait_text("[data-testid=case-sync-state]", |t| t.contains(VERIFIED))
        .await;
    app.quit().await;

    let outbox = cli_json(&workspace, &["sync", "status"]);
    assert_eq!(outbox[0]["state"], "verified", "{outbox}");
    assert_eq!(outbox[0]["receipt"]["leaf_index"], 0);
    let report = cli_json(&workspace, &["verify-workspace"]);
    assert_eq!(report["ok"], true, "{report}");
    drop(server);
}
