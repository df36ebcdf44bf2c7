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
fn serve() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
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
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                PAGE.len()
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
    let copy = ws.temp_root().join("capture.warc.gz");
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
