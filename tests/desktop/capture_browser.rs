//! The capture browser from the app: opened from the case view (a real Chromium window
//! on the same Xvfb display), pointed at a loopback page through the address field, and
//! every visit captured into the case and shown there without a click; paused, a visit
//! is not captured; "Thu thập ngay" captures the page shown.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use truyvet_desktop_e2e::fantoccini::Locator;
use truyvet_desktop_e2e::{App, UI_TIMEOUT};

use crate::{cli_json, cli_ok};

/// A loopback shop: `/<slug>` is a listing titled "Tin đăng <slug>".
fn shop() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/");
            let slug = path.trim_start_matches('/');
            let (status, body) = if slug.starts_with("tin-") {
                (
                    "200 OK",
                    format!(
                        "<!doctype html><html lang=vi><head><meta charset=utf-8>\
                         <title>Tin đăng {slug}</title></head><body>\
                         <h1>Đồng hồ Rolex giá 1.200.000đ</h1><p>Liên hệ 0912 345 678</p>\
                         </body></html>"
                    ),
                )
            } else {
                ("404 Not Found", String::new())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// How many evidence rows the case view shows now.
async fn rows(app: &App) -> usize {
    app.client
        .find_all(Locator::Css("[data-testid=evidence-row]"))
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

/// Waits until the case view shows `n` evidence rows, failing on an error banner.
async fn wait_rows(app: &App, n: usize) {
    let deadline = Instant::now() + UI_TIMEOUT * 2;
    loop {
        if rows(app).await == n {
            return;
        }
        if let Ok(banner) = app
            .client
            .find(Locator::Css("[data-testid=error-banner]"))
            .await
        {
            panic!("error banner: {}", banner.text().await.unwrap_or_default());
        }
        assert!(
            Instant::now() < deadline,
            "the case never showed {n} evidence rows (shows {})",
            rows(app).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn go_to(app: &App, url: &str) {
    app.fill("[data-testid=browser-url]", url).await;
    app.click("[data-testid=browser-go]").await;
}

/// The whole test, Chromium included, must end within this (a stuck WebDriver call
/// would otherwise hold the test run forever).
const TEST_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capture_browser_fills_the_case_live() {
    tokio::time::timeout(TEST_TIMEOUT, fills_the_case_live())
        .await
        .expect("the capture browser test did not finish in time");
}

async fn fills_the_case_live() {
    let base = shop();
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    let cli = |args: &[&str]| cli_ok(&workspace, args);
    cli(&[
        "profile",
        "set",
        "--display-name",
        "Đặng Thu Trang",
        "--agency",
        "QLTT",
        "--province",
        "DN",
    ]);
    cli(&["config", "set", "capture.allow", "127.0.0.1"]);
    let case = cli_json(
        &workspace,
        &["case", "new", "--title", "Đồng hồ bán qua mạng"],
    );
    let code = case["code"].as_str().unwrap().to_string();

    let app = App::launch(&workspace).await;
    app.fill("[data-testid=case-search]", "dong ho").await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    app.click("[data-testid=browser-open]").await;
    app.find("[data-testid=browser-panel][data-open=true]")
        .await;

    // A visit is captured and shows up in the case by itself.
    let first = format!("{base}/tin-dong-ho");
    go_to(&app, &first).await;
    wait_rows(&app, 1).await;
    app.find(&format!(
        "[data-testid=browser-entry][data-kind=captured][data-url=\"{first}\"]"
    ))
    .await;
    app.wait_text("[data-testid=evidence-name]", |t| {
        t == "Tin đăng tin-dong-ho"
    })
    .await;

    // Paused: the visit is seen, not captured.
    app.click("[data-testid=browser-pause]").await;
    app.find("[data-testid=browser-panel][data-paused=true]")
        .await;
    let second = format!("{base}/tin-tui-xach");
    go_to(&app, &second).await;
    app.find(&format!(
        "[data-testid=browser-current-url][data-url=\"{second}\"]"
    ))
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(rows(&app).await, 1, "nothing is captured while paused");

    // "Thu thập ngay" captures the page shown.
    app.click("[data-testid=browser-capture-now]").await;
    wait_rows(&app, 2).await;
    app.find(&format!(
        "[data-testid=browser-entry][data-kind=captured][data-url=\"{second}\"]"
    ))
    .await;
    app.click("[data-testid=browser-close]").await;
    app.find("[data-testid=browser-open]").await;
    app.quit().await;

    let detail = cli_json(&workspace, &["case", "show", &code]);
    let mut urls: Vec<&str> = detail["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source_path"].as_str().unwrap())
        .collect();
    urls.sort_unstable();
    let mut expected = [first.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(urls, expected);
    for item in detail["evidence"].as_array().unwrap() {
        assert_eq!(item["kind"], "web_capture");
        assert_eq!(item["acquired_by"], "Đặng Thu Trang");
    }
    assert!(
        dir.path().join("workspace/browser-profile").is_dir(),
        "the capture browser keeps its own profile in the workspace"
    );
    let ok = std::process::Command::new(truyvet_desktop_e2e::built_binary("truyvet"))
        .arg("--workspace")
        .arg(&workspace)
        .arg("verify-workspace")
        .status()
        .unwrap();
    assert!(ok.success(), "the captures verify from the CLI");
}
