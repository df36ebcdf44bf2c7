//! The database itself refuses to rewrite history: through a raw SQLite connection
//! (bypassing the core entirely) updates and deletes of the custody log, evidence and
//! notes fail, and so does an event that does not extend its case's chain.

use std::path::PathBuf;

use rusqlite::{Connection, params};
use serde_json::json;
use truyvet_core::custody::{self, GENESIS};
use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::{AddOptions, Workspace};
use truyvet_tests::TestWorkspace;

/// A workspace with one case: created, one file, one note (three events).
fn workspace() -> (TestWorkspace, String) {
    let ws = TestWorkspace::new();
    let mut w = Workspace::open(&ws.root).unwrap();
    w.save_profile(&ProfileInput {
        display_name: "Đỗ Văn F".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HN".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let case = w
        .create_case(&NewCase {
            title: "Vụ trigger".into(),
            ..NewCase::default()
        })
        .unwrap();
    let f: PathBuf = ws.write_file("a.txt", b"a");
    w.add_files(&case.code, &[f], &AddOptions::default(), &mut |_| {})
        .unwrap();
    w.add_note(&case.code, "n").unwrap();
    (ws, case.id)
}

#[track_caller]
fn refused(conn: &Connection, sql: &str, why: &str) {
    match conn.execute(sql, []) {
        Ok(n) => panic!("{sql} was allowed ({n} rows)"),
        Err(e) => assert!(
            e.to_string().contains(why),
            "{sql} failed for another reason: {e}"
        ),
    }
}

#[test]
fn custody_log_rows_cannot_change_or_go() {
    let (ws, _case) = workspace();
    let before = ws.snapshot();
    let conn = ws.raw_db();
    refused(
        &conn,
        "UPDATE custody_events SET actor = 'Mallory'",
        "append-only",
    );
    refused(
        &conn,
        "UPDATE custody_events SET payload = '{}' WHERE seq = 2",
        "append-only",
    );
    refused(
        &conn,
        "DELETE FROM custody_events WHERE seq = 2",
        "append-only",
    );
    refused(&conn, "DELETE FROM custody_events", "append-only");
    drop(conn);
    ws.snapshot().assert_same_as(&before);
}

#[test]
fn evidence_and_notes_are_immutable() {
    let (ws, _case) = workspace();
    let before = ws.snapshot();
    let conn = ws.raw_db();
    refused(
        &conn,
        &format!("UPDATE evidence SET sha256 = '{}'", "a".repeat(64)),
        "immutable",
    );
    refused(
        &conn,
        "UPDATE evidence SET original_filename = 'b.txt'",
        "immutable",
    );
    refused(&conn, "DELETE FROM evidence", "immutable");
    refused(&conn, "UPDATE notes SET text = 'khác'", "immutable");
    refused(&conn, "DELETE FROM notes", "immutable");
    refused(&conn, "DELETE FROM cases", "never deleted");
    refused(&conn, "UPDATE cases SET code = 'OTHER-1'", "fixed");
    refused(&conn, "UPDATE cases SET created_by = 'Mallory'", "fixed");
    drop(conn);
    ws.snapshot().assert_same_as(&before);
}

#[test]
fn custody_event_must_extend_the_chain() {
    let (ws, case_id) = workspace();
    let conn = ws.raw_db();
    let (head_seq, head_hash): (u64, String) = conn
        .query_row(
            "SELECT seq, hash FROM custody_events WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
            [&case_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(head_seq, 3);
    let insert = |seq: u64, prev: &str| {
        conn.execute(
            "INSERT INTO custody_events (case_id, seq, actor, at, kind, payload, prev_hash, hash)
             VALUES (?1, ?2, 'Mallory', '2026-01-01T00:00:00.000Z', 'note_added', '{}', ?3, ?4)",
            params![case_id, seq, prev, "f".repeat(64)],
        )
    };
    let why = "does not extend the chain";
    for (seq, prev, what) in [
        (head_seq + 2, head_hash.as_str(), "skips a sequence number"),
        (
            head_seq + 1,
            GENESIS,
            "links to the genesis instead of the head",
        ),
        (head_seq + 1, &"e".repeat(64), "links to nothing"),
        (head_seq, head_hash.as_str(), "reuses the head's number"),
        (1, GENESIS, "starts the chain again"),
    ] {
        match insert(seq, prev) {
            Ok(_) => panic!("an event that {what} was accepted"),
            Err(e) => assert!(e.to_string().contains(why), "{what}: {e}"),
        }
    }
    // A first event for a case that has none links to the genesis hash.
    let err = conn
        .execute(
            "INSERT INTO custody_events (case_id, seq, actor, at, kind, payload, prev_hash, hash)
             VALUES ('no-such-case', 2, 'M', 't', 'k', '{}', ?1, ?1)",
            [GENESIS],
        )
        .unwrap_err();
    assert!(err.to_string().contains(why), "{err}");

    // The trigger is not a blanket refusal: the real next event is accepted.
    let event = custody::append(&conn, &case_id, "Đỗ Văn F", "note_added", &json!({"x": 1}))
        .expect("a proper next event must be accepted");
    assert_eq!(event.seq, head_seq + 1);
    assert_eq!(event.prev_hash, head_hash);
}
