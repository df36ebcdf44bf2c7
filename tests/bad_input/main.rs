//! Bad input, each refused with a clear, stable error and leaving the workspace exactly
//! as it was (every row of every table, the custody heads and the blob files compared
//! before and after).

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod app_lock;
mod database;
mod file_names;
mod files;
mod permissions;

use std::ffi::OsStr;

use truyvet_tests::{Run, Snapshot, TestWorkspace, run_command};

/// A workspace with a profile, one case holding one file and a note.
pub fn populated() -> (TestWorkspace, String) {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Hàng giả đồng hồ");
    let f = ws.write_file("co-san.txt", b"evidence already in the case");
    ws.add(&code, &[&f]);
    ws.run(&["note", "add", "--case", &code, "ghi chú có sẵn"])
        .ok();
    (ws, code)
}

/// `truyvet --json evidence add --case CODE PATHS…`
pub fn add<P: AsRef<OsStr>>(ws: &TestWorkspace, code: &str, paths: &[P]) -> Run {
    let mut cmd = ws.command();
    cmd.args(["--json", "evidence", "add", "--case", code])
        .args(paths);
    run_command(&mut cmd)
}

#[track_caller]
pub fn assert_unchanged(ws: &TestWorkspace, before: &Snapshot) {
    ws.snapshot().assert_same_as(before);
}
