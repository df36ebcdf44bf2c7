//! Tampering behind the program's back — blob bytes edited or deleted, database rows
//! rewritten through raw SQLite with the protecting triggers dropped — is found by
//! `verify-workspace`, which exits 1 and names exactly what and where.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod blobs;
mod custody;
mod evidence;
mod timestamps;

use serde_json::Value;
use truyvet_tests::{PROBLEM_FIELDS, TestWorkspace, assert_fields};

/// A case with two files, a field edit and a note:
/// 1 case_created, 2 evidence_added, 3 evidence_added, 4 field_edited, 5 note_added.
/// Both files have the same size, so swapping one's hash for the other's changes
/// nothing but the hash.
pub struct Fixture {
    pub ws: TestWorkspace,
    pub code: String,
    pub sha_a: String,
    pub sha_b: String,
}

pub fn fixture() -> Fixture {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ bị can thiệp");
    let a = ws.write_file("a.jpg", b"photo of the shop front, 1");
    let b = ws.write_file("b.jpg", b"photo of the shop front, 2");
    let items = ws.add(&code, &[&a, &b]);
    ws.run(&["case", "edit", &code, "--title", "Vụ bị can thiệp (sửa)"])
        .ok();
    ws.run(&["note", "add", "--case", &code, "ghi chú hiện trường"])
        .ok();
    // A tamper test proves nothing unless the untouched workspace verifies.
    ws.assert_verifies();
    let sha = |i: usize| items[i]["sha256"].as_str().unwrap().to_string();
    Fixture {
        sha_a: sha(0),
        sha_b: sha(1),
        ws,
        code,
    }
}

/// Runs verify-workspace, expects exit 1, and returns the problems.
pub fn problems(ws: &TestWorkspace) -> Vec<Value> {
    let (code, report) = ws.verify();
    assert_eq!(code, 1, "tampering went unnoticed: {report:#}");
    let problems = report["problems"].as_array().unwrap().clone();
    for p in &problems {
        assert_fields(p, PROBLEM_FIELDS);
        assert!(!p["detail"].as_str().unwrap().is_empty());
    }
    problems
}

/// (kind, case_code, sha256, seq) of each problem, for exact comparison.
/// A problem's kind, case code, sha256 and seq.
pub type Located = (String, Option<String>, Option<String>, Option<u64>);

pub fn located(problems: &[Value]) -> Vec<Located> {
    problems
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["case_code"].as_str().map(str::to_string),
                p["sha256"].as_str().map(str::to_string),
                p["seq"].as_u64(),
            )
        })
        .collect()
}

pub fn drop_trigger(ws: &TestWorkspace, name: &str) -> rusqlite::Connection {
    let conn = ws.raw_db();
    conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    conn
}
