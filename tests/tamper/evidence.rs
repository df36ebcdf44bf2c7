//! Evidence rows rewritten or removed with the triggers dropped.

use crate::{drop_trigger, fixture, located, problems};

#[test]
fn sha256_swapped_for_another_blob_is_evidence_not_logged() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "evidence_no_update");
    // Point the first file's record at the second file's (genuine, stored) bytes.
    let n = conn
        .execute(
            "UPDATE evidence SET sha256 = ?1 WHERE sha256 = ?2",
            [&f.sha_b, &f.sha_a],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(conn);
    let problems = problems(&f.ws);
    assert_eq!(
        located(&problems),
        vec![(
            "evidence_not_logged".into(),
            Some(f.code.clone()),
            Some(f.sha_b.clone()),
            None
        )]
    );
    assert!(
        problems[0]["detail"].as_str().unwrap().contains(&f.sha_a),
        "{:#}",
        problems[0]
    );
}

#[test]
fn deleted_evidence_row_is_logged_evidence_missing() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "evidence_no_delete");
    assert_eq!(
        conn.execute("DELETE FROM evidence WHERE sha256 = ?1", [&f.sha_a])
            .unwrap(),
        1
    );
    drop(conn);
    let (_, report) = f.ws.verify();
    assert_eq!(report["orphan_blobs"], 1, "{report:#}");
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "logged_evidence_missing".into(),
            Some(f.code.clone()),
            Some(f.sha_a.clone()),
            None
        )]
    );
}

#[test]
fn deleted_note_is_logged_note_missing() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "notes_no_delete");
    assert_eq!(conn.execute("DELETE FROM notes", []).unwrap(), 1);
    drop(conn);
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "logged_note_missing".into(),
            Some(f.code.clone()),
            None,
            None
        )]
    );
}

#[test]
fn size_changed_is_evidence_size_mismatch() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "evidence_no_update");
    conn.execute(
        "UPDATE evidence SET size = size + 1 WHERE sha256 = ?1",
        [&f.sha_b],
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "evidence_size_mismatch".into(),
            Some(f.code.clone()),
            Some(f.sha_b.clone()),
            None
        )]
    );
}
