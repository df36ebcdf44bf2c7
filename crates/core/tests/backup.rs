//! Backups of encrypted workspaces through the core API: the archive holds the wrapped
//! key and the SQLCipher copy, never plaintext; a restore needs the passphrase and
//! verifies; progress climbs to its total.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use truyvet_core::backup::{self, BackupProgress, RestoreOptions};
use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::{AddOptions, ErrorCode, OpenMode, Workspace};

const PASS: &str = "mật khẩu sao lưu 2026";
const PLANT: &str = "Người tố giác: Nguyễn Thị Bí Mật, 0912 345 678";

fn fill(ws: &mut Workspace, files: &Path) -> Vec<String> {
    ws.save_profile(&ProfileInput {
        display_name: "Trần Văn Sao Lưu".into(),
        agency: "QLTT".into(),
        unit: "Đội 1".into(),
        province: "HN".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let case = ws
        .create_case(&NewCase {
            title: PLANT.into(),
            ..NewCase::default()
        })
        .unwrap();
    fs::create_dir_all(files).unwrap();
    let mut paths = Vec::new();
    for i in 0..4 {
        let p = files.join(format!("to-giac-{i}.txt"));
        fs::write(&p, format!("{PLANT} — lần {i}\n").repeat(200)).unwrap();
        paths.push(p);
    }
    let added = ws
        .add_files(&case.code, &paths, &AddOptions::default(), &mut |_| {})
        .unwrap();
    added.into_iter().map(|e| e.sha256).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn backup_with_progress(ws: &Workspace, out: &Path) -> backup::BackupSummary {
    let mut seen: Vec<BackupProgress> = Vec::new();
    let summary = backup::backup(ws, out, &mut |p| seen.push(p)).unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.windows(2).all(|w| w[0].done <= w[1].done),
        "progress never goes back"
    );
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    summary
}

#[test]
fn an_encrypted_workspace_is_backed_up_encrypted_and_restored_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let mut ws = Workspace::create_encrypted(&root, PASS).unwrap();
    let shas = fill(&mut ws, &dir.path().join("files"));
    let out = dir.path().join("enc.tar");
    let summary = backup_with_progress(&ws, &out);
    assert_eq!(summary.blobs, 4);

    let raw = fs::read(&out).unwrap();
    assert!(
        contains(&raw, b"workspace.key"),
        "the wrapped key travels with the backup"
    );
    assert!(
        !contains(&raw, PLANT.as_bytes()),
        "no plaintext in an encrypted backup"
    );
    assert!(!contains(&raw, "0912 345 678".as_bytes()));

    // Without the passphrase, or with a wrong one: refused, nothing at the target.
    let target = dir.path().join("restored");
    let err = backup::restore(&out, &target, &RestoreOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WorkspaceLocked, "{err}");
    assert!(!target.exists());
    let wrong = RestoreOptions {
        passphrase: Some("không phải mật khẩu".into()),
        ..RestoreOptions::default()
    };
    let err = backup::restore(&out, &target, &wrong).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadPassphrase, "{err}");
    assert!(!target.exists());
    assert_no_staging_left(dir.path());

    let right = RestoreOptions {
        passphrase: Some(PASS.into()),
        ..RestoreOptions::default()
    };
    let restored = backup::restore(&out, &target, &right).unwrap();
    assert_eq!(restored.manifest_sha256, summary.manifest_sha256);
    assert!(restored.encrypted);
    let back = Workspace::open_with_passphrase(&target, OpenMode::ReadOnly, PASS).unwrap();
    assert!(back.is_encrypted());
    let report = back.verify().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.evidence_checked, 4);
    for sha in &shas {
        let bytes = back.blobs().read_plain(sha).unwrap();
        assert!(contains(&bytes, PLANT.as_bytes()));
    }

    // The incremental form keeps the encryption too.
    let usb = dir.path().join("usb");
    fs::create_dir(&usb).unwrap();
    let first = backup_with_progress(&ws, &usb);
    assert_eq!(first.blobs_copied, 4);
    let again = backup_with_progress(&ws, &usb);
    assert_eq!(again.blobs_copied, 0);
    for path in files_under(&usb) {
        assert!(
            !contains(&fs::read(&path).unwrap(), PLANT.as_bytes()),
            "{}",
            path.display()
        );
    }
    let target2 = dir.path().join("restored2");
    backup::restore(&usb, &target2, &right).unwrap();
    let back2 = Workspace::open_with_passphrase(&target2, OpenMode::ReadOnly, PASS).unwrap();
    assert!(back2.verify().unwrap().ok);
}

#[test]
fn the_same_backup_of_a_plain_workspace_does_contain_the_plaintext() {
    // The control for the test above: the search for the planted text can succeed.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    fill(&mut ws, &dir.path().join("files"));
    let out = dir.path().join("plain.tar");
    backup_with_progress(&ws, &out);
    let raw = fs::read(&out).unwrap();
    assert!(contains(&raw, PLANT.as_bytes()));
    assert!(!contains(&raw, b"workspace.key"));
    let target = dir.path().join("restored");
    let restored = backup::restore(&out, &target, &RestoreOptions::default()).unwrap();
    assert!(!restored.encrypted);
    assert!(
        Workspace::open_with(&target, OpenMode::ReadOnly)
            .unwrap()
            .verify()
            .unwrap()
            .ok
    );
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_no_staging_left(dir: &Path) {
    let left: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
