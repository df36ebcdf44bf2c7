//! File evidence properties, tested in-process.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::{AddOptions, ErrorCode, Workspace};

fn setup() -> (tempfile::TempDir, Workspace, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Bùi Văn H".into(),
        agency: "CA".into(),
        unit: String::new(),
        province: "HP".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let code = ws
        .create_case(&NewCase {
            title: "Vụ".into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    (dir, ws, code)
}

#[test]
fn each_file_is_reported_as_it_is_committed() {
    let (dir, mut ws, code) = setup();
    let paths: Vec<PathBuf> = (0..4)
        .map(|i| {
            let p = dir.path().join(format!("f{i}.txt"));
            std::fs::write(&p, format!("file {i}")).unwrap();
            p
        })
        .collect();
    let mut seen = Vec::new();
    let added = ws
        .add_files(&code, &paths, &AddOptions::default(), &mut |item| {
            // When a file is reported, its row and its custody event are committed.
            let logged = ws_count_unchecked(&dir, &item.id);
            seen.push((item.original_filename.clone(), logged));
        })
        .unwrap();
    assert_eq!(added.len(), 4);
    assert_eq!(
        seen,
        (0..4)
            .map(|i| (format!("f{i}.txt"), true))
            .collect::<Vec<_>>(),
        "each file must be committed before it is reported"
    );
}

/// Reads through a separate connection, so only committed data is visible.
fn ws_count_unchecked(dir: &tempfile::TempDir, evidence_id: &str) -> bool {
    let conn =
        rusqlite::Connection::open(dir.path().join("ws").join(truyvet_core::DB_FILE)).unwrap();
    let rows: u32 = conn
        .query_row(
            "SELECT count(*) FROM evidence WHERE id = ?1",
            [evidence_id],
            |r| r.get(0),
        )
        .unwrap();
    let events: u32 = conn
        .query_row(
            "SELECT count(*) FROM custody_events WHERE kind = 'evidence_added'
             AND json_extract(payload, '$.evidence_id') = ?1",
            [evidence_id],
            |r| r.get(0),
        )
        .unwrap();
    rows == 1 && events == 1
}

#[test]
fn empty_batch_is_invalid() {
    let (_dir, mut ws, code) = setup();
    let err = ws
        .add_files(&code, &[], &AddOptions::default(), &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn note_applies_to_every_file_and_blank_note_is_none() {
    let (dir, mut ws, code) = setup();
    let p = dir.path().join("a.txt");
    std::fs::write(&p, "a").unwrap();
    let with = AddOptions {
        note: Some("  thu giữ  ".into()),
        allow_empty: false,
    };
    let added = ws
        .add_files(&code, &[p.clone(), p.clone()], &with, &mut |_| {})
        .unwrap();
    assert!(added.iter().all(|e| e.note.as_deref() == Some("thu giữ")));
    let blank = AddOptions {
        note: Some("   ".into()),
        allow_empty: false,
    };
    let added = ws.add_files(&code, &[p], &blank, &mut |_| {}).unwrap();
    assert_eq!(added[0].note, None);
    assert_eq!(ws.case_detail(&code).unwrap().evidence.len(), 3);
    assert_eq!(ws.blobs().list().unwrap().len(), 1);
}
