//! Source files that cannot be evidence: missing, a folder, a device, empty; and a
//! batch in which one path is bad, which must store nothing at all.

use std::path::Path;

use truyvet_tests::{TestWorkspace, find_in_path, run_command, sha256_hex};

use crate::{add, assert_unchanged, populated};

#[test]
fn missing_file() {
    let (ws, code) = populated();
    let before = ws.snapshot();
    let run = add(&ws, &code, &[ws.files.join("khong-co.jpg")]);
    run.fails_with(3, "file_not_found");
    assert!(
        run.error_code() == "file_not_found" && run.stderr.contains("khong-co.jpg"),
        "{run}"
    );
    assert_unchanged(&ws, &before);
}

#[test]
fn folder_given_as_file() {
    let (ws, code) = populated();
    let before = ws.snapshot();
    add(&ws, &code, &[&ws.files]).fails_with(3, "not_a_file");
    assert_unchanged(&ws, &before);
}

#[test]
fn device_given_as_file() {
    let (ws, code) = populated();
    let before = ws.snapshot();
    add(&ws, &code, &[Path::new("/dev/null")]).fails_with(3, "not_a_file");
    assert_unchanged(&ws, &before);
}

#[test]
fn fifo_given_as_file_does_not_hang() {
    let Some(mkfifo) = find_in_path("mkfifo") else {
        eprintln!("skipped: mkfifo is not installed");
        return;
    };
    let (ws, code) = populated();
    let fifo = ws.files.join("pipe");
    run_command(std::process::Command::new(mkfifo).arg(&fifo)).ok();
    let before = ws.snapshot();
    add(&ws, &code, &[&fifo]).fails_with(3, "not_a_file");
    assert_unchanged(&ws, &before);
}

#[test]
fn batch_with_one_bad_path_stores_nothing() {
    let (ws, code) = populated();
    let good1 = ws.write_file("tot-1.jpg", &[1u8; 70_000]);
    let good2 = ws.write_file("tot-2.jpg", &[2u8; 3]);
    let empty = ws.write_file("rong.txt", b"");
    let before = ws.snapshot();
    // The bad path is last, so a command that stored as it went would have stored two.
    add(&ws, &code, &[&good1, &good2, &ws.files.join("mat.jpg")]).fails_with(3, "file_not_found");
    assert_unchanged(&ws, &before);
    add(&ws, &code, &[&good1, &ws.files, &good2]).fails_with(3, "not_a_file");
    assert_unchanged(&ws, &before);
    add(&ws, &code, &[&good1, &good2, &empty]).fails_with(3, "empty_file");
    assert_unchanged(&ws, &before);
    assert!(!ws.blob_path(&sha256_hex(&[1u8; 70_000])).exists());
    ws.assert_verifies();
}

#[test]
fn empty_file_needs_allow_empty() {
    let (ws, code) = populated();
    let empty = ws.write_file("rong.txt", b"");
    let before = ws.snapshot();
    let run = add(&ws, &code, &[&empty]);
    run.fails_with(3, "empty_file");
    assert_unchanged(&ws, &before);

    let mut cmd = ws.command();
    cmd.args([
        "--json",
        "evidence",
        "add",
        "--allow-empty",
        "--case",
        &code,
    ])
    .arg(&empty);
    let items = run_command(&mut cmd).ok().json_lines();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["size"], 0);
    assert_eq!(items[0]["sha256"], sha256_hex(b""));
    assert!(ws.blob_path(&sha256_hex(b"")).is_file());
    ws.assert_verifies();
}

#[test]
fn unknown_case_code() {
    let (ws, _code) = populated();
    let f = ws.write_file("a.txt", b"a");
    let before = ws.snapshot();
    add(&ws, "QLTT-HN-1999-0001", &[&f]).fails_with(3, "case_not_found");
    ws.run(&["note", "add", "--case", "QLTT-HN-1999-0001", "x"])
        .fails_with(3, "case_not_found");
    ws.run(&["case", "edit", "QLTT-HN-1999-0001", "--title", "y"])
        .fails_with(3, "case_not_found");
    ws.run(&["case", "show", "QLTT-HN-1999-0001"])
        .fails_with(3, "case_not_found");
    ws.run(&["log", "--case", "QLTT-HN-1999-0001"])
        .fails_with(3, "case_not_found");
    assert_unchanged(&ws, &before);
}

#[test]
fn a_missing_workspace_is_never_created_by_a_change_or_a_read() {
    let ws = TestWorkspace::new();
    let f = ws.write_file("a.txt", b"a");
    add(&ws, "X-1", &[&f]).fails_with(4, "workspace_not_found");
    ws.run(&["case", "list"])
        .fails_with(4, "workspace_not_found");
    // Verifying a mistyped path must not report an empty workspace as intact.
    ws.run(&["verify-workspace"])
        .fails_with(4, "workspace_not_found");
    assert!(
        !ws.root.exists(),
        "nothing was created at {}",
        ws.root.display()
    );
}

#[test]
fn no_profile_stores_nothing() {
    let ws = TestWorkspace::new();
    truyvet_core::Workspace::open(&ws.root).expect("create an empty workspace");
    let f = ws.write_file("a.txt", b"a");
    add(&ws, "X-1", &[&f]).fails_with(3, "profile_missing");
    assert!(ws.snapshot().blob_files.iter().all(|b| b == "tmp/"));
}
