//! `truyvet capture` against a page served on loopback by the test: stored as one
//! evidence item whose WARC an independent reader (warcio) accepts, searchable without
//! diacritics, verifiable, and refused by the network policy unless allowed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use truyvet_tests::TestWorkspace;

const PAGE: &str = "<html><head><meta charset=\"utf-8\"><title>Shop Đồng Hồ Sài Gòn</title></head>\
    <body><h1>Đồng hồ Rolex giả</h1><p>Giá 1.200.000đ, liên hệ Zalo 0912 345 678</p></body></html>";

/// Serves PAGE to every connection until the test ends; returns the base URL and a
/// counter of connections served.
pub fn serve() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    serve_page(PAGE)
}

/// Serves `page` as UTF-8 HTML to every connection until the test ends.
pub fn serve_page(page: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tin-dang/123", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, hits)
}

fn warcio() -> PathBuf {
    let venv = std::env::var_os("TRUYVET_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/truyvet/venv")
        });
    let bin = venv.join("bin/warcio");
    assert!(
        bin.exists(),
        "{} is missing: run `make test` (it installs the validators)",
        bin.display()
    );
    bin
}

#[test]
fn captured_page_is_stored_searchable_and_valid_warc() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Đồng hồ giả trên mạng");
    let (url, _) = serve();
    let run = ws
        .run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
        .ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "{run}");
    let line = &lines[0];
    assert_eq!(line["http_status"], 200);
    assert_eq!(line["final_url"], url.as_str());
    assert_eq!(line["title"], "Shop Đồng Hồ Sài Gòn");
    assert_eq!(line["evidence"]["kind"], "web_capture");
    assert!(line["partial_reason"].is_null());

    let hits = ws.run(&["search", "dong ho rolex gia"]).ok().json();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    assert!(
        hits[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("Đồng hồ Rolex giả"),
        "{hits}"
    );
    assert_eq!(ws.run(&["verify-workspace"]).ok().json()["ok"], true);

    // The stored WARC, read from the blob store, passes an independent checker.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.blob_path(line["evidence"]["sha256"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let warc_sha = manifest["artifacts"][0]["sha256"].as_str().unwrap();
    warcio_accepts(&ws, warc_sha);
}

fn warcio_accepts(ws: &TestWorkspace, warc_sha: &str) {
    let copy = ws.temp_root().join(format!("{warc_sha}.warc.gz"));
    std::fs::copy(ws.blob_path(warc_sha), &copy).unwrap();
    let check = Command::new(warcio())
        .args(["check", "-v"])
        .arg(&copy)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "warcio check failed: {said}");
    assert!(
        said.contains("digest pass"),
        "warcio verified the digests: {said}"
    );
    assert!(!said.contains("digest failed"), "{said}");
    let index = Command::new(warcio())
        .arg("index")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(index.status.success(), "warcio index failed");
}

/// `truyvet capture --browser URL --case CODE`, loopback allowed; must succeed.
fn capture_with_browser(ws: &TestWorkspace, url: &str, code: &str) -> truyvet_tests::Run {
    ws.run(&[
        "capture",
        "--browser",
        url,
        "--case",
        code,
        "--allow",
        "127.0.0.1",
    ])
    .ok()
}

const SCRIPTED: &str = "<html><head><meta charset=\"utf-8\"><title>Tin đăng điện thoại</title></head>\
    <body style=\"background:#c0ffee;height:2400px\"><h1>Điện thoại xách tay</h1><p id=\"x\"></p>\
    <script>document.getElementById('x').textContent = 'Chèn bởi script: liên hệ chuyển khoản trước';</script>\
    </body></html>";

#[test]
fn browser_capture_keeps_screenshot_mhtml_and_rendered_dom() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Điện thoại xách tay");
    let (url, _) = serve_page(SCRIPTED);
    let run = capture_with_browser(&ws, &url, &code);
    let line = &run.json_lines()[0];
    assert_eq!(line["title"], "Tin đăng điện thoại");
    assert_eq!(line["http_status"], 200);
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.blob_path(line["evidence"]["sha256"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let artifact = |role: &str| -> Vec<u8> {
        let a = manifest["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["role"] == role);
        let a = a.unwrap_or_else(|| panic!("no {role} artifact in {manifest}"));
        std::fs::read(ws.blob_path(a["sha256"].as_str().unwrap())).unwrap()
    };
    let png = artifact("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(height >= 2400, "a full-page screenshot, {height} px tall");
    let dom = String::from_utf8(artifact("dom")).unwrap();
    assert!(
        dom.contains("Chèn bởi script"),
        "the DOM is the rendered one"
    );
    assert!(!artifact("mhtml").is_empty());
    let warc = manifest["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "warc")
        .unwrap();
    warcio_accepts(&ws, warc["sha256"].as_str().unwrap());
    // Text that only exists after the script ran is searchable, without diacritics.
    let hits = ws
        .run(&["search", "chen boi script chuyen khoan"])
        .ok()
        .json();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    assert_eq!(ws.run(&["verify-workspace"]).ok().json()["ok"], true);
}

#[test]
fn loopback_is_refused_before_any_request_unless_allowed() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("x");
    let (url, hits) = serve();
    let before = ws.snapshot();
    let run = ws.run(&["capture", &url, "--case", &code]);
    run.fails_with(6, "capture_failed");
    assert!(run.stderr.contains("policy_refused"), "{run}");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no connection was made"
    );
    assert_eq!(ws.snapshot(), before, "nothing stored");
}

#[test]
fn the_allow_list_setting_lets_an_internal_host_through() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Máy chủ nội bộ");
    let (url, hits) = serve();
    ws.run(&["config", "set", "capture.allow", "10.0.0.0/8, 127.0.0.1"])
        .ok();
    assert_eq!(
        ws.run(&["config", "get", "capture.allow"]).ok().json()["capture.allow"],
        "10.0.0.0/8, 127.0.0.1"
    );
    ws.run(&["capture", &url, "--case", &code]).ok();
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    ws.run(&["config", "set", "capture.alow", "x"])
        .fails_with(3, "invalid_setting");
    ws.run(&["config", "set", "tsa.url", "ftp://tsa"])
        .fails_with(3, "invalid_setting");
    ws.run(&["config", "set", "capture.allow", ""]).ok();
    ws.run(&["capture", &url, "--case", &code])
        .fails_with(6, "capture_failed");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "refused again once removed"
    );
}

/// A hostile page asks the browser to reach an address the policy refuses (another
/// loopback address stands in for the cloud-metadata service or an internal server):
/// the browser's requests go through the policy proxy, so nothing reaches it.
#[test]
fn a_page_cannot_make_the_browser_reach_a_refused_address() {
    let forbidden = TcpListener::bind("127.0.0.2:0").unwrap();
    let forbidden_addr = forbidden.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in forbidden.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let page: &'static str = Box::leak(
        format!(
            "<html><head><meta charset=\"utf-8\"><title>Trang độc hại</title></head><body>\
             <img src=\"http://{forbidden_addr}/latest/meta-data/\">\
             <script>fetch('http://{forbidden_addr}/exfil').catch(() => {{}});</script>\
             <p>Ưu đãi lớn</p></body></html>"
        )
        .into_boxed_str(),
    );
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Trang độc hại");
    let (url, _) = serve_page(page);
    let run = capture_with_browser(&ws, &url, &code);
    let line = &run.json_lines()[0];
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the refused address was never reached"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.blob_path(line["evidence"]["sha256"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let refused = manifest["metadata"]["refused_by_policy"].to_string();
    assert!(
        refused.contains(&forbidden_addr.to_string()),
        "the refusal is recorded: {refused}"
    );
}
