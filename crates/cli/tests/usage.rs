//! The binary's own surface: help, version and usage errors (exit 2). The full CLI
//! integration tests live in the workspace-level `tests/cli`.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn truyvet(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_truyvet"))
        .env("TRUYVET_HOME", dir.path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_documents_exit_codes() {
    let out = truyvet(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Exit codes",
        "0 ok",
        "1 verification",
        "2 usage",
        "3 bad input",
        "4 workspace",
    ] {
        assert!(
            help.contains(needle),
            "--help does not mention {needle:?}:\n{help}"
        );
    }
    for command in [
        "profile",
        "case",
        "evidence",
        "note",
        "log",
        "verify-workspace",
    ] {
        assert!(help.contains(command), "--help does not list {command}");
    }
}

#[test]
fn version_is_the_crate_version() {
    let out = truyvet(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2_and_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    for args in [
        &["frobnicate"][..],
        &["case", "new"],
        &["evidence", "add", "--case", "X"],
        &[],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_truyvet"))
            .arg("--workspace")
            .arg(&ws)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!ws.exists(), "a usage error created the workspace");
    }
}
