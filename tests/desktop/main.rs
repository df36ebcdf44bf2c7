//! Desktop end-to-end: the real debug app under Xvfb, driven through tauri-driver and
//! WebKitWebDriver like a user would, then checked through the CLI on the same
//! workspace.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;

use sha2::{Digest, Sha256};
use truyvet_desktop_e2e::{App, built_binary};

mod capture_browser;
mod dashboard;
mod entities;
mod lock;
mod sync;
mod tips;
mod workflow;

/// Runs `truyvet` on `workspace` for its effect; any failure fails the test.
fn cli_ok(workspace: &std::path::Path, args: &[&str]) {
    let ok = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(workspace)
        .args(args)
        .status()
        .expect("run truyvet");
    assert!(ok.success(), "truyvet {args:?}");
}

fn cli_json(workspace: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(workspace)
        .arg("--json")
        .args(args)
        .output()
        .expect("run truyvet");
    assert!(
        out.status.success(),
        "truyvet {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("CLI JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_case_evidence_and_cli_agree() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let evidence = dir.path().join("ảnh chụp tin đăng.txt");
    let bytes = "Đồng hồ Rolex giá 1.200.000đ — liên hệ 0912 345 678\n".repeat(100);
    std::fs::write(&evidence, &bytes).unwrap();
    let expected_sha = hex::encode(Sha256::digest(bytes.as_bytes()));

    let app = App::launch(&workspace).await;

    // First run: the profile form.
    app.fill("[data-testid=profile-display-name]", "Trần Thị Bình")
        .await;
    app.select("[data-testid=profile-agency]", "QLTT").await;
    app.fill("[data-testid=profile-unit]", "Đội QLTT số 5")
        .await;
    app.select("[data-testid=profile-province]", "HN").await;
    app.select("[data-testid=profile-role]", "investigator")
        .await;
    app.click("[data-testid=profile-save]").await;

    // A new case.
    app.click("[data-testid=new-case-button]").await;
    app.fill(
        "[data-testid=case-title]",
        "Hàng giả: đồng hồ bán trên mạng xã hội",
    )
    .await;
    app.click("[data-testid=case-category-counterfeit_goods]")
        .await;
    app.fill("[data-testid=case-product-group]", "Đồng hồ")
        .await;
    app.select("[data-testid=case-origin]", "tip").await;
    app.click("[data-testid=case-create]").await;
    let code = app
        .wait_text("[data-testid=case-code]", |t| t.starts_with("QLTT-HN-"))
        .await;

    // A file, by path, and its SHA-256 in the evidence table.
    app.fill("[data-testid=evidence-paths]", evidence.to_str().unwrap())
        .await;
    app.click("[data-testid=evidence-add-paths]").await;
    let row = app
        .find(&format!(
            "[data-testid=evidence-row][data-sha256=\"{expected_sha}\"]"
        ))
        .await;
    let shown = row.text().await.unwrap();
    assert!(
        shown.contains(&expected_sha),
        "the table shows the full SHA-256: {shown}"
    );
    assert!(
        shown.contains("ảnh chụp tin đăng.txt"),
        "the table shows the file name: {shown}"
    );
    app.wait_text("[data-testid=custody-event]", |t| !t.is_empty())
        .await;

    // A note, and the workspace verifies from the app.
    app.fill(
        "[data-testid=note-input]",
        "Người bán yêu cầu chuyển khoản trước",
    )
    .await;
    app.click("[data-testid=note-add]").await;
    app.wait_text("[data-testid=note-item]", |t| {
        t.contains("chuyển khoản trước")
    })
    .await;
    app.click("[data-testid=verify-button]").await;
    let result = app.find("[data-testid=verify-result]").await;
    assert_eq!(
        result.attr("data-ok").await.unwrap().as_deref(),
        Some("true")
    );

    // Search folds diacritics: "hang gia" finds "Hàng giả…".
    app.click("[data-testid=back-to-list]").await;
    app.fill("[data-testid=case-search]", "hang gia dong ho")
        .await;
    app.find(&format!("[data-testid=case-row][data-code=\"{code}\"]"))
        .await;

    if let Some(path) = std::env::var_os("TRUYVET_SCREENSHOT") {
        app.click(&format!(
            "[data-testid=case-row][data-code=\"{code}\"] button"
        ))
        .await;
        app.find("[data-testid=evidence-row]").await;
        app.screenshot(std::path::Path::new(&path)).await;
    }
    app.quit().await;

    // The same case through the CLI on the same workspace.
    let detail = cli_json(&workspace, &["case", "show", &code]);
    assert_eq!(
        detail["case"]["title"],
        "Hàng giả: đồng hồ bán trên mạng xã hội"
    );
    assert_eq!(
        detail["case"]["violation_categories"][0],
        "counterfeit_goods"
    );
    assert_eq!(detail["case"]["origin"], "tip");
    assert_eq!(detail["evidence"][0]["sha256"], expected_sha.as_str());
    assert_eq!(
        detail["evidence"][0]["original_filename"],
        "ảnh chụp tin đăng.txt"
    );
    assert_eq!(detail["evidence"][0]["acquired_by"], "Trần Thị Bình");
    assert_eq!(
        detail["notes"][0]["text"],
        "Người bán yêu cầu chuyển khoản trước"
    );
    let log = cli_json(&workspace, &["log", "--case", &code]);
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // The phone number in the file arrives as a suggestion, logged after the file.
    assert_eq!(
        kinds,
        [
            "case_created",
            "evidence_added",
            "identifiers_suggested",
            "note_added"
        ]
    );
    let suggested = cli_json(
        &workspace,
        &["entity", "list", "--case", &code, "--state", "suggested"],
    );
    assert_eq!(suggested[0]["value"], "+84912345678", "{suggested}");
    let verify = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(&workspace)
        .arg("verify-workspace")
        .status()
        .unwrap();
    assert!(
        verify.success(),
        "the workspace the app wrote verifies from the CLI"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_path_shows_a_vietnamese_error_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let ok = Command::new(built_binary("truyvet"))
        .arg("--workspace")
        .arg(&workspace)
        .args([
            "profile",
            "set",
            "--display-name",
            "Lê Văn Cường",
            "--agency",
            "CA",
            "--province",
            "HCM",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let case = cli_json(
        &workspace,
        &["case", "new", "--title", "Điện thoại không rõ nguồn gốc"],
    );
    let code = case["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.fill("[data-testid=case-search]", "dien thoai").await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    let missing = dir.path().join("không có tệp này.png");
    app.fill("[data-testid=evidence-paths]", missing.to_str().unwrap())
        .await;
    app.click("[data-testid=evidence-add-paths]").await;
    let banner = app.find("[data-testid=error-banner]").await;
    assert_eq!(
        banner.attr("data-code").await.unwrap().as_deref(),
        Some("file_not_found")
    );
    let text = banner.text().await.unwrap();
    assert!(
        text.contains("Không tìm thấy tệp") || text.contains("không tìm thấy tệp"),
        "Vietnamese message: {text}"
    );
    app.quit().await;

    let detail = cli_json(&workspace, &["case", "show", &code]);
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 0);
}

/// Launches the app on `workspace` and returns the error code its banner shows.
async fn startup_error_code(workspace: &std::path::Path) -> String {
    let app = App::launch(workspace).await;
    let banner = app.find("[data-testid=error-banner]").await;
    let code = banner.attr("data-code").await.unwrap().unwrap_or_default();
    let text = banner.text().await.unwrap();
    assert!(!text.trim().is_empty(), "the banner explains the problem");
    app.quit().await;
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_open_in_another_window_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    // Another instance holds the lock, as a second window would find it.
    let lock = workspace.join("app.lock");
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "120"])
        .spawn()
        .expect("flock (util-linux)");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while Command::new("flock")
        .args(["-n"])
        .arg(&lock)
        .arg("true")
        .status()
        .unwrap()
        .success()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "flock never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let code = startup_error_code(&workspace).await;
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code, "workspace_in_use");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let garbage: Vec<u8> = (0..65536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let db = workspace.join("truyvet.db");
    std::fs::write(&db, &garbage).unwrap();
    assert_eq!(startup_error_code(&workspace).await, "database_corrupt");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the damaged file is kept as it was"
    );
}

/// A loopback HTTP server that answers every request with `body` and counts requests.
fn serve_counting(body: String) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, hits)
}

/// Captured content is hostile: a page that tries the IPC bridge, navigating the app,
/// messaging it, posting a form and fetching on loopback is captured with the browser
/// and shown in the detail view. Nothing reaches Rust, the window stays where it was,
/// and the frame sends no request anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_capture_is_shown_inert() {
    use std::sync::atomic::Ordering;
    let (trap, trap_hits) = serve_counting(String::new());
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Đồng hồ giá rẻ</title>
<noscript><meta http-equiv="refresh" content="0;url=http://127.0.0.1:{trap}/refresh"></noscript>
</head><body><h1 id="hostile">Đồng hồ Rolex giá 1.200.000đ</h1>
<form id="f" method="post" action="http://127.0.0.1:{trap}/form"><input name="x" value="1"></form>
<script>
(function () {{
  try {{ window.__TAURI_INTERNALS__.invoke('case_create', {{input: {{title: 'HOSTILE', origin: 'tip', violation_categories: [], product_group: ''}}}}); }} catch (e) {{}}
  if (window.top === window) return; // what follows only ever fires inside the app
  try {{ top.location = 'http://127.0.0.1:1/'; }} catch (e) {{}}
  try {{ parent.postMessage({{cmd: 'case_create'}}, '*'); }} catch (e) {{}}
  try {{ fetch('http://127.0.0.1:{trap}/fetch', {{mode: 'no-cors'}}); }} catch (e) {{}}
  try {{ document.getElementById('f').submit(); }} catch (e) {{}}
}})();
</script></body></html>"#
    );
    let (site, site_hits) = serve_counting(page);
    let url = format!("http://127.0.0.1:{site}/shop/dong-ho");

    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let cli = |args: &[&str]| cli_ok(&workspace, args);
    cli(&[
        "profile",
        "set",
        "--display-name",
        "Ngô Thị Lan",
        "--agency",
        "QLTT",
        "--province",
        "HN",
    ]);
    cli(&["config", "set", "capture.allow", "127.0.0.1"]);
    let case = cli_json(&workspace, &["case", "new", "--title", "Đồng hồ giả"]);
    let code = case["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.fill("[data-testid=case-search]", "dong ho").await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    app.fill("[data-testid=capture-url]", &url).await;
    app.click("[data-testid=capture-browser]").await;
    let app_url = app.client.current_url().await.unwrap();
    app.click("[data-testid=capture-button]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        use truyvet_desktop_e2e::fantoccini::Locator;
        if app
            .client
            .find(Locator::Css("[data-testid=capture-done]"))
            .await
            .is_ok()
        {
            break;
        }
        if let Ok(banner) = app
            .client
            .find(Locator::Css("[data-testid=error-banner]"))
            .await
        {
            panic!("capture failed: {}", banner.text().await.unwrap());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser capture did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let site_after_capture = site_hits.load(Ordering::SeqCst);
    assert!(site_after_capture >= 1, "the capture fetched the page");
    assert_eq!(
        trap_hits.load(Ordering::SeqCst),
        0,
        "the page's attacks only fire when framed"
    );
    app.find("[data-testid=evidence-stamp][data-status=pending]")
        .await;

    // The detail view: facts, the screenshot as an image, the page in its frame.
    app.click("[data-testid=evidence-open]").await;
    let detail = app.find("[data-testid=evidence-detail]").await;
    app.wait_text("[data-testid=detail-final-url]", |t| t == url)
        .await;
    app.wait_text("[data-testid=detail-http-status]", |t| t == "200")
        .await;
    app.wait_text("[data-testid=detail-server-ip]", |t| t == "127.0.0.1")
        .await;
    let shown = detail.text().await.unwrap();
    for role in ["screenshot", "dom", "warc"] {
        app.find(&format!("[data-testid=detail-artifact][data-role={role}]"))
            .await;
    }
    assert!(shown.contains("Đồng hồ giá rẻ"), "{shown}");
    app.find("[data-testid=detail-frame]").await;
    let deadline = std::time::Instant::now() + truyvet_desktop_e2e::UI_TIMEOUT;
    loop {
        let width = app
            .client
            .execute(
                "const i = document.querySelector('[data-testid=detail-screenshot]'); \
                 return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await
            .unwrap();
        if width.as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the screenshot never loaded from the evidence: scheme"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The frame shows the captured page (served from the capture: scheme)…
    app.client.enter_frame(0).await.unwrap();
    let heading = app.find("#hostile").await.text().await.unwrap();
    assert!(heading.contains("Rolex"), "{heading}");
    // …where no script of the app's origin exists (and WebDriver may not even run one).
    if let Ok(seen) = app
        .client
        .execute("return typeof window.__TAURI_INTERNALS__;", vec![])
        .await
    {
        assert_eq!(seen.as_str(), Some("undefined"), "IPC inside the frame");
    }
    app.client.enter_parent_frame().await.unwrap();
    // Give the hostile page every chance to act.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let frame_sees_ipc = app
        .client
        .execute(
            "const f = document.querySelector('[data-testid=detail-frame]'); \
             try { return typeof f.contentWindow.__TAURI_INTERNALS__; } catch (e) { return 'blocked'; }",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        frame_sees_ipc.as_str(),
        Some("object"),
        "the captured frame has no IPC bridge"
    );
    assert_eq!(
        app.client.current_url().await.unwrap(),
        app_url,
        "the main window did not navigate"
    );
    app.find("[data-testid=evidence-detail]").await;
    if let Some(path) = std::env::var_os("TRUYVET_DETAIL_SCREENSHOT") {
        app.screenshot(std::path::Path::new(&path)).await;
    }
    app.quit().await;

    assert_eq!(
        trap_hits.load(Ordering::SeqCst),
        0,
        "the frame sent no request (form, fetch, refresh)"
    );
    assert_eq!(
        site_hits.load(Ordering::SeqCst),
        site_after_capture,
        "showing the capture fetched nothing from the site"
    );
    let cases = cli_json(&workspace, &["case", "list"]);
    assert_eq!(
        cases.as_array().unwrap().len(),
        1,
        "no IPC call created a case: {cases}"
    );
}

/// A capture made in the app is stamped by the configured authority (a local `openssl
/// ts`): in the background after the capture and from the "Đóng dấu thời gian" button,
/// and the table and the detail view say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_are_timestamped_from_the_app() {
    use truyvet_tests::tsa::{TestCa, TsaFiles, TsaServer, TsaSpec};
    let (site, _) =
        serve_counting("<title>Thuốc lá ngoại</title><p>Giá sỉ 50.000đ một bao</p>".into());
    let url = format!("http://127.0.0.1:{site}/thuoc-la");
    let pki = tempfile::tempdir().unwrap();
    let ca = TestCa::root(pki.path(), "ca", "TruyVet Test Root");
    let server = TsaServer::start(TsaFiles::new(&ca, "tsa", &TsaSpec::rsa()));

    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let cli = |args: &[&str]| cli_ok(&workspace, args);
    cli(&[
        "profile",
        "set",
        "--display-name",
        "Phan Văn Đức",
        "--agency",
        "QLTT",
        "--province",
        "HP",
    ]);
    cli(&["config", "set", "capture.allow", "127.0.0.1"]);
    cli(&["config", "set", "tsa.url", &server.url()]);
    cli(&[
        "config",
        "set",
        "tsa.trust",
        ca.pem_path().to_str().unwrap(),
    ]);
    let case = cli_json(&workspace, &["case", "new", "--title", "Thuốc lá lậu"]);
    let code = case["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.fill("[data-testid=case-search]", "thuoc la").await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    app.fill("[data-testid=capture-url]", &url).await;
    app.click("[data-testid=capture-button]").await;
    app.find("[data-testid=capture-done]").await;
    app.click("[data-testid=timestamp-run]").await;
    app.find("[data-testid=timestamp-run-result]").await;
    app.find("[data-testid=evidence-stamp][data-status=stamped]")
        .await;
    app.click("[data-testid=evidence-open]").await;
    let authority = server.url();
    app.wait_text("[data-testid=detail-stamp][data-status=stamped]", |t| {
        t.contains(&authority)
    })
    .await;
    app.quit().await;

    let status = cli_json(&workspace, &["timestamp", "status", "--case", &code]);
    assert_eq!(status[0]["status"], "stamped", "{status}");
    assert_eq!(status[0]["tsa_url"], authority.as_str());
}

/// A timestamp stored in the background after a capture shows up in the open detail
/// view and the evidence table by itself (`evidence-stamped`), without a click: the
/// authority only starts answering once the detail already shows "pending".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_timestamp_shows_up_by_itself() {
    use truyvet_tests::tsa::{TestCa, TsaFiles, TsaServer, TsaSpec};
    let (site, _) = serve_counting("<title>Rượu ngoại</title><p>Giá 300.000đ</p>".into());
    let url = format!("http://127.0.0.1:{site}/ruou");
    let pki = tempfile::tempdir().unwrap();
    let ca = TestCa::root(pki.path(), "ca", "TruyVet Test Root");
    // Bound but not answering yet: the background run's request waits in the queue.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let authority = format!("http://{}/tsa", listener.local_addr().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let cli = |args: &[&str]| cli_ok(&workspace, args);
    cli(&[
        "profile",
        "set",
        "--display-name",
        "Trịnh Văn Hùng",
        "--agency",
        "QLTT",
        "--province",
        "HN",
    ]);
    cli(&["config", "set", "capture.allow", "127.0.0.1"]);
    cli(&["config", "set", "tsa.url", &authority]);
    cli(&[
        "config",
        "set",
        "tsa.trust",
        ca.pem_path().to_str().unwrap(),
    ]);
    let case = cli_json(&workspace, &["case", "new", "--title", "Rượu giả"]);
    let code = case["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.fill("[data-testid=case-search]", "ruou").await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    app.fill("[data-testid=capture-url]", &url).await;
    app.click("[data-testid=capture-button]").await;
    app.find("[data-testid=capture-done]").await;
    app.click("[data-testid=evidence-open]").await;
    app.find("[data-testid=detail-stamp][data-status=pending]")
        .await;

    let server = TsaServer::serve(listener, TsaFiles::new(&ca, "tsa", &TsaSpec::rsa()));
    app.wait_text("[data-testid=detail-stamp][data-status=stamped]", |t| {
        t.contains(&authority)
    })
    .await;
    app.find("[data-testid=evidence-stamp][data-status=stamped]")
        .await;
    app.quit().await;
    assert_eq!(
        server.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one background request, nothing clicked"
    );
}
