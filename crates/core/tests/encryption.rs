//! Encryption at rest, in-process against real SQLCipher databases and blob files:
//! nothing planted reaches the disk in the clear (the same scenario unencrypted shows
//! the test can see it), unlocking and its refusals, the retry brake, tampering, and
//! passphrase changes.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;
use truyvet_core::crypto::throttle;
use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::{
    AddOptions, ArtifactInput, CaptureMethod, ErrorCode, OpenMode, WebCaptureInput, Workspace,
};

const PASS: &str = "mật khẩu không gian làm việc";
/// Planted in a case title, a note, an evidence file and a captured page.
const VIETNAMESE: &str = "Nguyễn Thị Bích Ngọc bán đồng hồ Rolex giả ở Hàng Đào";
const PHONE: &str = "0987654321";

/// PNG-looking bytes with a run no other data has: the needle for "image bytes".
fn image_bytes() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    png
}

fn image_needle() -> Vec<u8> {
    image_bytes()[1000..1048].to_vec()
}

fn profile() -> ProfileInput {
    ProfileInput {
        display_name: "Đặng Thu Trang".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HN".into(),
        role: Role::Investigator,
    }
}

/// A case, a note, two evidence files (text and image, one of 3 MiB so it spans many
/// segments) and a capture, each carrying the planted data. Returns the case code.
fn plant(ws: &mut Workspace, scratch: &Path) -> String {
    ws.save_profile(&profile()).unwrap();
    let code = ws
        .create_case(&NewCase {
            title: VIETNAMESE.into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    ws.add_note(&code, &format!("Gọi {PHONE}: {VIETNAMESE}"))
        .unwrap();
    let text = scratch.join("loi-khai.txt");
    let mut big = format!("{VIETNAMESE} — {PHONE}\n").into_bytes();
    big.extend((0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8));
    fs::write(&text, &big).unwrap();
    let image = scratch.join("anh.png");
    fs::write(&image, image_bytes()).unwrap();
    ws.add_files(&code, &[text, image], &AddOptions::default(), &mut |_| {})
        .unwrap();
    ws.add_web_capture(
        &code,
        &WebCaptureInput {
            method: CaptureMethod::Http,
            url: "http://shop.test/dong-ho".into(),
            final_url: "http://shop.test/dong-ho".into(),
            title: VIETNAMESE.into(),
            http_status: Some(200),
            server_ip: Some("127.0.0.1".into()),
            partial_reason: None,
            metadata: json!({"tool": "test"}),
            text: Some(format!("{VIETNAMESE} liên hệ {PHONE}")),
            artifacts: vec![
                ArtifactInput {
                    role: "warc".into(),
                    media_type: "application/warc".into(),
                    bytes: format!("WARC {VIETNAMESE} {PHONE}").into_bytes(),
                },
                ArtifactInput {
                    role: "screenshot".into(),
                    media_type: "image/png".into(),
                    bytes: image_bytes(),
                },
            ],
            note: None,
            identifiers: Vec::new(),
        },
    )
    .unwrap();
    code
}

fn every_file(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Which needles appear in which raw files of the folder (the WAL included: the
/// workspace is still open when this runs).
fn raw_hits(root: &Path) -> Vec<(String, PathBuf)> {
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("vietnamese", VIETNAMESE.as_bytes().to_vec()),
        // Search stores folded text too.
        ("vietnamese folded", b"nguyen thi bich ngoc".to_vec()),
        ("phone", PHONE.as_bytes().to_vec()),
        ("image", image_needle()),
    ];
    let mut files = Vec::new();
    every_file(root, &mut files);
    let mut hits = Vec::new();
    for file in files {
        let bytes = fs::read(&file).unwrap();
        for (name, needle) in &needles {
            if bytes.windows(needle.len()).any(|w| w == &needle[..]) {
                hits.push((name.to_string(), file.clone()));
            }
        }
    }
    hits
}

fn wal_of(root: &Path) -> PathBuf {
    root.join("truyvet.db-wal")
}

#[test]
fn an_encrypted_workspace_holds_none_of_the_planted_data_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    assert!(ws.is_encrypted() && ws.blobs().is_encrypted());
    let code = plant(&mut ws, dir.path());
    assert!(wal_of(&root).is_file(), "the WAL is there to be searched");
    assert_eq!(raw_hits(&root), Vec::new());
    // And the data is all there behind the key.
    assert!(ws.verify().unwrap().ok);
    assert_eq!(ws.search("bich ngoc", Some(&code), 10).unwrap().len(), 1);
    let detail = ws.case_detail(&code).unwrap();
    let image = detail
        .evidence
        .iter()
        .find(|e| e.original_filename == "anh.png");
    let image = image.unwrap();
    assert_eq!(ws.blobs().read_plain(&image.sha256).unwrap(), image_bytes());
    drop(ws);
    assert_eq!(raw_hits(&root), Vec::new(), "nor after closing");
}

#[test]
fn the_same_scenario_unencrypted_shows_every_planted_item() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::open(&root).unwrap();
    assert!(!ws.is_encrypted());
    plant(&mut ws, dir.path());
    let found: std::collections::BTreeSet<String> =
        raw_hits(&root).into_iter().map(|(name, _)| name).collect();
    let all = ["image", "phone", "vietnamese", "vietnamese folded"];
    assert_eq!(found, all.iter().map(|s| s.to_string()).collect());
}

#[test]
fn wrong_passphrase_is_refused_and_the_right_one_verifies_everything() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    let code = plant(&mut ws, dir.path());
    drop(ws);

    let err = Workspace::open_with(&root, OpenMode::Existing)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::WorkspaceLocked);
    let err = Workspace::open(&root).err().unwrap();
    assert_eq!(err.code, ErrorCode::WorkspaceLocked);
    let err = Workspace::open_with_passphrase(&root, OpenMode::Existing, "mật khẩu sai rồi")
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::BadPassphrase);
    // No hint about the data in the refusal.
    assert_eq!(err.message, "wrong passphrase for this workspace");

    for mode in [OpenMode::Existing, OpenMode::ReadOnly] {
        let ws = Workspace::open_with_passphrase(&root, mode, PASS).unwrap();
        let report = ws.verify().unwrap();
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.evidence_checked, 3);
        // Text, image (also the screenshot), the capture's WARC and manifest.
        assert_eq!(report.blobs_checked, 4);
        assert_eq!(ws.case_detail(&code).unwrap().case.title, VIETNAMESE);
    }
    // A right passphrase cleared the count of wrong ones.
    assert_eq!(throttle::read(&root).failures, 0);
}

#[test]
fn wrong_attempts_in_a_row_are_throttled_then_a_right_one_clears_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    drop(Workspace::create_encrypted(&root, PASS).unwrap());
    for _ in 0..5 {
        let err = Workspace::open_with_passphrase(&root, OpenMode::Existing, "đoán bừa 123")
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::BadPassphrase);
    }
    // The sixth attempt waits, even with the right passphrase, and argon2 never runs.
    let err = Workspace::open_with_passphrase(&root, OpenMode::Existing, PASS)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::UnlockThrottled);
    assert!(err.message.contains("try again in "), "{}", err.message);
    let status = Workspace::encryption_status_at(&root).unwrap();
    assert_eq!(status.failed_unlocks, 5);

    // Once the wait is over (moved back in time here), the right passphrase opens.
    let mut attempts = throttle::read(&root);
    attempts.last_failure_unix -= throttle::delay_after(attempts.failures) + 1;
    fs::write(
        root.join(throttle::ATTEMPTS_FILE),
        serde_json::to_vec(&attempts).unwrap(),
    )
    .unwrap();
    Workspace::open_with_passphrase(&root, OpenMode::Existing, PASS).unwrap();
    assert!(!root.join(throttle::ATTEMPTS_FILE).exists());
}

fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    every_file(root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let bytes = fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn a_folder_copied_without_its_key_is_refused_clearly_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    plant(&mut ws, dir.path());
    drop(ws);
    fs::remove_file(root.join("workspace.key")).unwrap();
    let before = snapshot(&root);
    for err in [
        Workspace::open_with(&root, OpenMode::Existing)
            .err()
            .unwrap(),
        Workspace::open_with(&root, OpenMode::ReadOnly)
            .err()
            .unwrap(),
        Workspace::open(&root).err().unwrap(),
        Workspace::open_with_passphrase(&root, OpenMode::Existing, PASS)
            .err()
            .unwrap(),
    ] {
        assert_eq!(err.code, ErrorCode::WorkspaceKeyMissing, "{err}");
        assert!(err.message.contains("workspace.key is missing"), "{err}");
    }
    assert!(snapshot(&root) == before, "nothing written");
    let status = Workspace::encryption_status_at(&root).unwrap();
    assert!(status.encrypted && !status.key_file);
}

#[test]
fn a_key_file_of_a_newer_format_or_of_another_workspace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    drop(Workspace::create_encrypted(&a, PASS).unwrap());
    drop(Workspace::create_encrypted(&b, PASS).unwrap());
    let key_a = fs::read(a.join("workspace.key")).unwrap();

    let mut newer: serde_json::Value = serde_json::from_slice(&key_a).unwrap();
    newer["version"] = 2.into();
    fs::write(b.join("workspace.key"), serde_json::to_vec(&newer).unwrap()).unwrap();
    let err = Workspace::open_with_passphrase(&b, OpenMode::Existing, PASS)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::WorkspaceKeyTooNew);
    assert!(err.message.contains("newer TruyVết"), "{err}");

    // a's key file beside b's database: the passphrase is right, the key is not.
    fs::write(b.join("workspace.key"), &key_a).unwrap();
    let err = Workspace::open_with_passphrase(&b, OpenMode::Existing, PASS)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::WorkspaceKeyMissing);
    assert!(err.message.contains("another"), "{err}");
}

fn writable(path: &Path) {
    let mut perms = fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(path, perms).unwrap();
}

#[test]
fn altered_or_truncated_ciphertext_is_a_blob_mismatch_in_verify() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    let code = plant(&mut ws, dir.path());
    let detail = ws.case_detail(&code).unwrap();
    let text = detail
        .evidence
        .iter()
        .find(|e| e.original_filename == "loi-khai.txt")
        .unwrap();
    let image = detail
        .evidence
        .iter()
        .find(|e| e.original_filename == "anh.png")
        .unwrap();

    // One bit flipped in the middle of the 3 MiB file.
    let path = ws.blobs().path_for(&text.sha256);
    writable(&path);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    fs::write(&path, &bytes).unwrap();
    // The image cut short by one byte.
    let path = ws.blobs().path_for(&image.sha256);
    writable(&path);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();

    let report = ws.verify().unwrap();
    assert!(!report.ok);
    let mut flagged: Vec<(&str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.kind.as_str(), p.sha256.as_deref().unwrap_or("")))
        .collect();
    flagged.sort();
    flagged.dedup(); // the image is also the capture's screenshot: two rows, one blob
    let mut expected = vec![
        ("blob_mismatch", text.sha256.as_str()),
        ("blob_mismatch", image.sha256.as_str()),
    ];
    expected.sort();
    assert_eq!(flagged, expected, "{:?}", report.problems);
    assert!(report.problems[0].detail.contains("fails authentication"));
    // Readers refuse the altered bytes rather than hand them out.
    assert!(ws.blobs().read_plain(&text.sha256).is_err());
}

#[test]
fn changing_the_passphrase_rewraps_the_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    plant(&mut ws, dir.path());
    drop(ws);
    // Read-only: the passphrase change writes the key file and nothing else.
    let ws = Workspace::open_with_passphrase(&root, OpenMode::ReadOnly, PASS).unwrap();
    let key_before = Workspace::encryption_status_at(&root).unwrap();
    let digest = |p: &Path| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(fs::read(p).unwrap()))
    };
    let db_before = digest(&root.join("truyvet.db"));
    let blobs_before = snapshot(&root.join("blobs"));

    let err = ws
        .change_passphrase("không phải mật khẩu", "mật khẩu mới tinh")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadPassphrase);
    let err = ws.change_passphrase(PASS, "ngắn").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    ws.change_passphrase(PASS, "mật khẩu mới tinh").unwrap();
    drop(ws);

    let key_after = Workspace::encryption_status_at(&root).unwrap();
    assert_eq!(key_after.key_id, key_before.key_id, "same workspace key");
    assert_ne!(key_after.kdf.unwrap().salt, key_before.kdf.unwrap().salt);
    assert!(
        snapshot(&root.join("blobs")) == blobs_before,
        "blobs unchanged"
    );
    assert_eq!(digest(&root.join("truyvet.db")), db_before);
    let names: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("workspace.key"))
        .collect();
    assert_eq!(names, ["workspace.key"], "no temp key file left");

    let err = Workspace::open_with_passphrase(&root, OpenMode::Existing, PASS)
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::BadPassphrase);
    let ws =
        Workspace::open_with_passphrase(&root, OpenMode::Existing, "mật khẩu mới tinh").unwrap();
    let report = ws.verify().unwrap();
    assert!(
        report.ok && report.evidence_checked == 3,
        "{:?}",
        report.problems
    );
}

#[test]
fn a_keyed_copy_through_the_backup_api_is_encrypted_and_readable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    let code = plant(&mut ws, dir.path());
    let copy_path = dir.path().join("copy.db");
    {
        let mut copy = ws.open_db_copy(&copy_path).unwrap();
        let backup = rusqlite::backup::Backup::new(ws.connection(), &mut copy).unwrap();
        backup
            .run_to_completion(64, std::time::Duration::ZERO, None)
            .unwrap();
    }
    let raw = fs::read(&copy_path).unwrap();
    assert!(!raw.windows(PHONE.len()).any(|w| w == PHONE.as_bytes()));
    assert_ne!(&raw[..16], b"SQLite format 3\0");
    let copy = ws.open_db_copy(&copy_path).unwrap();
    let title: String = copy
        .query_row("SELECT title FROM cases WHERE code = ?1", [&code], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(title, VIETNAMESE);
}

#[test]
fn creating_refuses_an_existing_workspace_and_a_short_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    drop(Workspace::open(&plain).unwrap());
    let err = Workspace::create_encrypted(&plain, PASS).err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let enc = dir.path().join("enc");
    let err = Workspace::create_encrypted(&enc, "ngắn").err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(!enc.exists(), "nothing created for a refused passphrase");
    drop(Workspace::create_encrypted(&enc, PASS).unwrap());
    let err = Workspace::create_encrypted(&enc, PASS).err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // An unencrypted workspace opens with or without a passphrase.
    assert!(
        !Workspace::open_with_passphrase(&plain, OpenMode::Existing, PASS)
            .unwrap()
            .is_encrypted()
    );
    assert!(Workspace::is_encrypted_at(&enc) && !Workspace::is_encrypted_at(&plain));
}
