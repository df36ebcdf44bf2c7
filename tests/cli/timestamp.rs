//! Trusted timestamps end to end: a capture made while the authority is unreachable is
//! queued, and stamped by `truyvet timestamp run` once a local `openssl ts` authority
//! answers; the stored token verifies with `openssl ts -verify` for the capture's digest.

use std::net::TcpListener;

use truyvet_tests::TestWorkspace;
use truyvet_tests::tsa::{TestCa, TsaFiles, TsaServer, TsaSpec, openssl_verify_token};

#[test]
fn offline_capture_is_stamped_when_the_authority_is_back() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Hàng giả có dấu thời gian");
    let (url, _) = super::capture::serve();
    let pki = tempfile::tempdir().unwrap();
    let ca = TestCa::root(pki.path(), "ca", "TruyVet Test Root");
    let tsa = TsaFiles::new(&ca, "tsa", &TsaSpec::rsa());

    // A port that is closed: the authority is "offline".
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let offline = format!("http://{}/tsa", closed.local_addr().unwrap());
    drop(closed);
    ws.run(&["config", "set", "tsa.url", &offline]).ok();
    ws.run(&[
        "config",
        "set",
        "tsa.trust",
        ca.pem_path().to_str().unwrap(),
    ])
    .ok();
    ws.run(&["config", "set", "capture.allow", "127.0.0.1"])
        .ok();

    let captured = ws.run(&["capture", &url, "--case", &code]).ok();
    let item = &captured.json_lines()[0]["evidence"];
    let digest = item["sha256"].as_str().unwrap().to_string();
    assert!(
        captured.stderr.contains("đang chờ đóng dấu thời gian"),
        "{captured}"
    );
    let status = ws
        .run(&["timestamp", "status", "--case", &code])
        .ok()
        .json();
    assert_eq!(status[0]["status"], "pending");
    assert_eq!(status[0]["attempts"], 1);
    assert!(
        status[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("transport"),
        "{status}"
    );

    // The authority comes back.
    let server = TsaServer::start(tsa.clone());
    ws.run(&["config", "set", "tsa.url", &server.url()]).ok();
    let report = ws.run(&["timestamp", "run", "--now"]).ok().json();
    assert_eq!(report["stamped"].as_array().unwrap().len(), 1, "{report}");
    let status = ws
        .run(&["timestamp", "status", "--case", &code])
        .ok()
        .json();
    assert_eq!(status[0]["status"], "stamped");
    let log = ws.run(&["log", "--case", &code]).ok().json();
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["kind"],
        "timestamp_added"
    );

    // The token in the database verifies independently for exactly that digest.
    let db = rusqlite::Connection::open(ws.db_path()).unwrap();
    let token: Vec<u8> = db
        .query_row(
            "SELECT token FROM timestamps WHERE digest = ?1",
            [&digest],
            |r| r.get(0),
        )
        .unwrap();
    assert!(openssl_verify_token(
        pki.path(),
        &token,
        &digest,
        &ca.pem_path(),
        Some(&tsa.cert_pem)
    ));
    let other = "ab".repeat(32);
    assert!(!openssl_verify_token(
        pki.path(),
        &token,
        &other,
        &ca.pem_path(),
        Some(&tsa.cert_pem)
    ));
    assert_eq!(ws.run(&["verify-workspace"]).ok().json()["ok"], true);
}
