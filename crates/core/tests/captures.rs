//! Web captures as evidence: manifest and artifacts, full-text search, verification,
//! and the timestamp queue, tested in-process against a real workspace.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use truyvet_core::model::{EvidenceKind, NewCase, ProfileInput, Role};
use truyvet_core::{ArtifactInput, CaptureMethod, ErrorCode, WebCaptureInput, Workspace};

fn setup() -> (tempfile::TempDir, Workspace, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Đặng Thu Trang".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HCM".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let code = ws
        .create_case(&NewCase {
            title: "Đồng hồ giả".into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    (dir, ws, code)
}

fn capture(url: &str, text: &str) -> WebCaptureInput {
    WebCaptureInput {
        method: CaptureMethod::Http,
        url: url.into(),
        final_url: url.into(),
        title: "Shop Đồng Hồ Sang".into(),
        http_status: Some(200),
        server_ip: Some("127.0.0.1".into()),
        partial_reason: None,
        metadata: json!({"tool": "test"}),
        text: Some(text.into()),
        artifacts: vec![
            ArtifactInput {
                role: "warc".into(),
                media_type: "application/warc".into(),
                bytes: format!("WARC for {url}").into_bytes(),
            },
            ArtifactInput {
                role: "text".into(),
                media_type: "text/plain; charset=utf-8".into(),
                bytes: text.as_bytes().to_vec(),
            },
        ],
        note: None,
        identifiers: Vec::new(),
    }
}

#[test]
fn a_capture_is_one_evidence_item_committing_to_all_artifacts() {
    let (_dir, mut ws, code) = setup();
    let item = ws
        .add_web_capture(
            &code,
            &capture("http://shop.test/a", "Đồng hồ Rolex giả, giá 1.200.000đ"),
        )
        .unwrap();
    assert_eq!(item.kind, EvidenceKind::WebCapture);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.blobs().path_for(&item.sha256)).unwrap()).unwrap();
    assert_eq!(manifest["evidence_id"], item.id.as_str());
    let artifacts = ws.artifacts_of(&item.id).unwrap();
    assert_eq!(artifacts.len(), 2);
    assert_eq!(
        manifest["artifacts"],
        serde_json::to_value(&artifacts).unwrap()
    );
    let log = ws.custody_log(&code).unwrap();
    assert_eq!(log.last().unwrap().kind, "capture_added");
    assert_eq!(log.last().unwrap().payload["sha256"], item.sha256.as_str());
    let report = ws.verify().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.orphan_blobs, 0);
}

#[test]
fn search_ignores_diacritics_and_reads_dd_as_d() {
    let (_dir, mut ws, code) = setup();
    ws.add_web_capture(
        &code,
        &capture(
            "http://shop.test/a",
            "Bán Đồng hồ giả Rolex, liên hệ Zalo 0912 345 678",
        ),
    )
    .unwrap();
    ws.add_web_capture(
        &code,
        &capture("http://shop.test/b", "Mỹ phẩm xách tay chính hãng"),
    )
    .unwrap();
    let hits = ws.search("dong ho gia", None, 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].url, "http://shop.test/a");
    assert!(
        hits[0].snippet.contains("Đồng hồ giả Rolex"),
        "{}",
        hits[0].snippet
    );
    assert_eq!(ws.search("ĐỒNG HỒ GIẢ", Some(&code), 10).unwrap().len(), 1);
    assert_eq!(ws.search("my pham", None, 10).unwrap().len(), 1);
    assert!(
        ws.search("rolex mỹ", None, 10).unwrap().is_empty(),
        "every word must appear"
    );
    // FTS syntax in the query is just text.
    assert!(ws.search("\"dong\" OR NEAR(", None, 10).unwrap().is_empty());
    assert_eq!(
        ws.search("  ", None, 10).unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn altered_artifact_and_forged_manifest_are_named() {
    let (_dir, mut ws, code) = setup();
    let item = ws
        .add_web_capture(&code, &capture("http://shop.test/a", "trang"))
        .unwrap();
    let warc = ws
        .artifacts_of(&item.id)
        .unwrap()
        .into_iter()
        .find(|a| a.role == "warc")
        .unwrap();
    let path = ws.blobs().path_for(&warc.sha256);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"WARC for http://shop.test/A").unwrap();
    let report = ws.verify().unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].kind, "blob_mismatch");
    assert_eq!(
        report.problems[0].sha256.as_deref(),
        Some(warc.sha256.as_str())
    );
    assert!(
        report.problems[0].detail.contains("warc artifact"),
        "{}",
        report.problems[0].detail
    );
}

#[test]
fn bad_capture_input_stores_nothing() {
    let (_dir, mut ws, code) = setup();
    let mut dup = capture("http://shop.test/a", "x");
    dup.artifacts.push(dup.artifacts[0].clone());
    assert_eq!(
        ws.add_web_capture(&code, &dup).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let mut none = capture("http://shop.test/a", "x");
    none.artifacts.clear();
    assert_eq!(
        ws.add_web_capture(&code, &none).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        ws.add_web_capture("KHONG-CO", &capture("http://x/", "x"))
            .unwrap_err()
            .code,
        ErrorCode::CaseNotFound
    );
    assert!(ws.blobs().list().unwrap().is_empty());
}

#[test]
fn timestamp_queue_stamps_once_and_logs_it() {
    let (_dir, mut ws, code) = setup();
    let item = ws
        .add_web_capture(&code, &capture("http://shop.test/a", "x"))
        .unwrap();
    let due = ws.due_timestamps("9999-01-01T00:00:00.000Z", 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].digest, item.sha256);

    ws.record_timestamp_failure(
        &item.id,
        "authority unreachable",
        "9000-01-01T00:00:00.000Z",
    )
    .unwrap();
    assert!(
        ws.due_timestamps("2999-01-01T00:00:00.000Z", 10)
            .unwrap()
            .is_empty(),
        "not due before its retry time"
    );
    assert_eq!(ws.timestamp_status(&item.id).unwrap().unwrap().attempts, 1);

    let wrong = "0".repeat(64);
    assert!(
        ws.record_timestamp(
            &item.id,
            &wrong,
            b"token",
            "2026-11-28T10:00:00Z",
            "http://tsa"
        )
        .is_err()
    );
    ws.record_timestamp(
        &item.id,
        &item.sha256,
        b"token",
        "2026-11-28T10:00:00Z",
        "http://tsa",
    )
    .unwrap();
    let status = ws.timestamp_status(&item.id).unwrap().unwrap();
    assert_eq!(status.status, "stamped");
    assert_eq!(ws.timestamp_token(&item.id).unwrap().unwrap(), b"token");
    assert_eq!(
        ws.custody_log(&code).unwrap().last().unwrap().kind,
        "timestamp_added"
    );
    // Final: neither our API nor raw SQL can replace it.
    assert!(
        ws.record_timestamp(
            &item.id,
            &item.sha256,
            b"other",
            "2026-11-28T11:00:00Z",
            "http://tsa"
        )
        .is_err()
    );
    let raw = rusqlite::Connection::open(ws.root().join("truyvet.db")).unwrap();
    assert!(
        raw.execute(
            "UPDATE timestamps SET token = x'00' WHERE evidence_id = ?1",
            [&item.id]
        )
        .is_err()
    );
    // Stored as final, but these bytes are no RFC 3161 token: verification says so.
    let report = ws.verify().unwrap();
    let kinds: Vec<&str> = report.problems.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, ["timestamp_invalid"], "{report:#?}");
    assert_eq!(report.timestamps_checked, 1);
}
