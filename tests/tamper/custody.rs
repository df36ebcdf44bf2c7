//! Custody-log rows rewritten or removed with the triggers dropped.

use rusqlite::params;
use truyvet_core::custody::event_hash;

use crate::{drop_trigger, fixture, located, problems};

fn case_id(ws: &truyvet_tests::TestWorkspace, code: &str) -> String {
    ws.raw_db()
        .query_row("SELECT id FROM cases WHERE code = ?1", [code], |r| r.get(0))
        .unwrap()
}

#[test]
fn edited_payload_is_event_hash_mismatch() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "custody_events_no_update");
    let changed = conn
        .execute(
            "UPDATE custody_events SET payload = replace(payload, 'hiện trường', 'giả mạo')
             WHERE seq = 5 AND case_id = ?1",
            [case_id(&f.ws, &f.code)],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let problems = problems(&f.ws);
    assert_eq!(
        located(&problems),
        vec![(
            "event_hash_mismatch".into(),
            Some(f.code.clone()),
            None,
            Some(5)
        )]
    );
}

#[test]
fn edited_actor_or_time_is_event_hash_mismatch() {
    for column in ["actor", "at", "kind"] {
        let f = fixture();
        let conn = drop_trigger(&f.ws, "custody_events_no_update");
        conn.execute(
            &format!("UPDATE custody_events SET {column} = {column} || 'x' WHERE seq = 4"),
            [],
        )
        .unwrap();
        drop(conn);
        assert_eq!(
            located(&problems(&f.ws)),
            vec![(
                "event_hash_mismatch".into(),
                Some(f.code.clone()),
                None,
                Some(4)
            )],
            "editing {column}"
        );
    }
}

#[test]
fn rehashed_forgery_breaks_the_next_link() {
    // A forger who also recomputes the edited event's hash still cannot make the next
    // event point at it.
    let f = fixture();
    let id = case_id(&f.ws, &f.code);
    let conn = drop_trigger(&f.ws, "custody_events_no_update");
    let (actor, at, kind, payload, prev): (String, String, String, String, String) = conn
        .query_row(
            "SELECT actor, at, kind, payload, prev_hash FROM custody_events
             WHERE case_id = ?1 AND seq = 4",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    let forged = payload.replace("(sửa)", "(giả)");
    assert_ne!(forged, payload);
    let hash = event_hash(4, &id, &actor, &at, &kind, &forged, &prev);
    conn.execute(
        "UPDATE custody_events SET payload = ?2, hash = ?3 WHERE case_id = ?1 AND seq = 4",
        params![id, forged, hash],
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "event_chain_broken".into(),
            Some(f.code.clone()),
            None,
            Some(5)
        )]
    );
}

#[test]
fn deleted_middle_event_is_a_gap_and_a_broken_link() {
    let f = fixture();
    let conn = drop_trigger(&f.ws, "custody_events_no_delete");
    // Event 4 is the title edit: removing it hides the edit and nothing else.
    assert_eq!(
        conn.execute("DELETE FROM custody_events WHERE seq = 4", [])
            .unwrap(),
        1
    );
    drop(conn);
    let mut found = located(&problems(&f.ws));
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "event_chain_broken".into(),
                Some(f.code.clone()),
                None,
                Some(5)
            ),
            ("event_seq_gap".into(), Some(f.code.clone()), None, Some(4)),
        ]
    );
}

#[test]
fn deleted_last_event_of_a_note_is_logged_note_missing_the_other_way() {
    // Removing the head event leaves a valid shorter chain, but the note it recorded
    // is now unlogged.
    let f = fixture();
    let conn = drop_trigger(&f.ws, "custody_events_no_delete");
    assert_eq!(
        conn.execute("DELETE FROM custody_events WHERE seq = 5", [])
            .unwrap(),
        1
    );
    drop(conn);
    assert_eq!(
        located(&problems(&f.ws)),
        vec![("note_not_logged".into(), Some(f.code.clone()), None, None)]
    );
}
