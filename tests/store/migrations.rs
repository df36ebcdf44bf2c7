//! Numbered migrations tracked by `PRAGMA user_version`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use rusqlite::{Connection, params};
use serde_json::json;
use truyvet_core::blob::BlobStore;
use truyvet_core::custody::{self, kind};
use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::store::migrations::{LATEST, MIGRATIONS, migrate_to};
use truyvet_core::{BLOB_DIR, DB_FILE, ErrorCode, Workspace};
use truyvet_tests::{TestWorkspace, sha256_hex};

#[test]
fn fresh_workspace_is_at_latest() {
    assert_eq!(LATEST as usize, MIGRATIONS.len());
    let ws = TestWorkspace::new();
    let opened = Workspace::open(&ws.root).unwrap();
    assert_eq!(opened.schema_version().unwrap(), LATEST);
    drop(opened);
    let raw = Connection::open(ws.db_path()).unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, LATEST);
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Through the CLI too: `profile set` is what creates a workspace from a terminal.
    let ws = TestWorkspace::new();
    ws.run(&["profile", "set", "--display-name", "A", "--agency", "QLTT"])
        .ok();
    let raw = Connection::open(ws.db_path()).unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, LATEST);
}

/// What was put into an old database, to find again after the upgrade.
struct Seeded {
    case_id: String,
    code: String,
    evidence_id: String,
    sha256: String,
    note_id: String,
    hashes: Vec<String>,
}

/// Writes data valid for schema `version` straight into the database, as that
/// version of the program would have: a profile, a case, a stored file and a note,
/// each with its custody event.
fn seed(conn: &Connection, root: &Path, version: u32) -> Seeded {
    assert!(version >= 1, "there is no schema before migration 1");
    let now = "2026-01-15T08:00:00.000Z";
    conn.execute(
        "INSERT INTO profiles (name, display_name, agency, unit, province, role, created_at)
         VALUES ('pham-van-d', 'Phạm Văn D', 'QLTT', 'Đội 2', 'HN', 'investigator', ?1)",
        [now],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('current_profile', 'pham-van-d')",
        [],
    )
    .unwrap();
    let case_id = "0194b000-0000-7000-8000-000000000001".to_string();
    let code = "QLTT-HN-2026-0001".to_string();
    conn.execute(
        "INSERT INTO cases (id, code, title, agency, unit, province, violation_categories,
           product_group, status, origin, created_at, created_by, updated_at, search_folded)
         VALUES (?1, ?2, 'Hàng giả cũ', 'QLTT', 'Đội 2', 'HN', '[\"counterfeit_goods\"]',
           'Túi xách', 'draft', 'tip', ?3, 'Phạm Văn D', ?3, ?4)",
        params![
            case_id,
            code,
            now,
            format!("{} hang gia cu tui xach doi 2", code.to_lowercase())
        ],
    )
    .unwrap();
    let mut hashes = Vec::new();
    let ev = custody::append(
        conn,
        &case_id,
        "Phạm Văn D",
        kind::CASE_CREATED,
        &json!({"code": code}),
    )
    .unwrap();
    hashes.push(ev.hash);

    let blobs = BlobStore::new(root.join(BLOB_DIR));
    blobs.prepare().unwrap();
    let bytes = format!("evidence stored by schema {version}").into_bytes();
    let stored = blobs.put_bytes(&bytes).unwrap();
    let evidence_id = "0194b000-0000-7000-8000-000000000002".to_string();
    conn.execute(
        "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename,
           original_filename_hex, media_type, acquired_at, acquired_by, device, source_path, note)
         VALUES (?1, ?2, 'file', ?3, ?4, 'cu.txt', NULL, 'text/plain', ?5, 'Phạm Văn D',
           'may-cu', '/tmp/cu.txt', NULL)",
        params![evidence_id, case_id, stored.sha256, stored.size, now],
    )
    .unwrap();
    let ev = custody::append(
        conn,
        &case_id,
        "Phạm Văn D",
        kind::EVIDENCE_ADDED,
        &json!({"evidence_id": evidence_id, "sha256": stored.sha256, "size": stored.size}),
    )
    .unwrap();
    hashes.push(ev.hash);

    let note_id = "0194b000-0000-7000-8000-000000000003".to_string();
    conn.execute(
        "INSERT INTO notes (id, case_id, text, author, created_at)
         VALUES (?1, ?2, 'ghi chú cũ', 'Phạm Văn D', ?3)",
        params![note_id, case_id, now],
    )
    .unwrap();
    let ev = custody::append(
        conn,
        &case_id,
        "Phạm Văn D",
        kind::NOTE_ADDED,
        &json!({"note_id": note_id, "text": "ghi chú cũ"}),
    )
    .unwrap();
    hashes.push(ev.hash);
    Seeded {
        case_id,
        code,
        evidence_id,
        sha256: sha256_hex(&bytes),
        note_id,
        hashes,
    }
}

fn old_workspace(version: u32) -> (TestWorkspace, Seeded) {
    let ws = TestWorkspace::new();
    fs::create_dir_all(&ws.root).unwrap();
    let conn = Connection::open(ws.db_path()).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    migrate_to(&conn, version).unwrap();
    let v: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, version, "migrate_to({version}) must stop at {version}");
    let seeded = seed(&conn, &ws.root, version);
    (ws, seeded)
}

// Keeps the upgrade test meaningful: it needs an older version to upgrade from.
const _: () = assert!(LATEST >= 2);

#[test]
fn upgrade_from_every_older_version_keeps_data() {
    for k in 1..LATEST {
        let (ws, seeded) = old_workspace(k);
        let mut opened = Workspace::open(&ws.root)
            .unwrap_or_else(|e| panic!("opening a version {k} workspace: {e}"));
        assert_eq!(opened.schema_version().unwrap(), LATEST, "from version {k}");

        let detail = opened.case_detail(&seeded.code).unwrap();
        assert_eq!(detail.case.id, seeded.case_id);
        assert_eq!(detail.case.title, "Hàng giả cũ");
        assert_eq!(detail.evidence.len(), 1);
        assert_eq!(detail.evidence[0].id, seeded.evidence_id);
        assert_eq!(detail.evidence[0].sha256, seeded.sha256);
        assert_eq!(detail.notes.len(), 1);
        assert_eq!(detail.notes[0].id, seeded.note_id);
        assert_eq!(
            opened.current_profile().unwrap().unwrap().display_name,
            "Phạm Văn D"
        );
        let log = opened.custody_log(&seeded.code).unwrap();
        let hashes: Vec<String> = log.iter().map(|e| e.hash.clone()).collect();
        assert_eq!(
            hashes, seeded.hashes,
            "custody events changed in the upgrade from {k}"
        );
        let report = opened.verify().unwrap();
        assert!(report.ok, "from version {k}: {:#?}", report.problems);
        assert_eq!(report.evidence_checked, 1);

        // The upgraded workspace is fully usable, and its history now protected.
        opened.add_note(&seeded.code, "sau nâng cấp").unwrap();
        assert!(opened.verify().unwrap().ok);
        drop(opened);
        let raw = Connection::open(ws.db_path()).unwrap();
        assert!(
            raw.execute("DELETE FROM custody_events", []).is_err(),
            "triggers missing after upgrade from {k}"
        );
        // And the CLI agrees.
        ws.assert_verifies();
    }
}

#[test]
fn failed_migration_leaves_the_old_version() {
    // A version-1 database in which migration 2 cannot apply (a trigger of that name
    // already exists): the upgrade must roll back entirely.
    let (ws, seeded) = old_workspace(1);
    {
        let raw = Connection::open(ws.db_path()).unwrap();
        raw.execute_batch(
            "CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes BEGIN SELECT 1; END;",
        )
        .unwrap();
    }
    let err = match Workspace::open(&ws.root) {
        Ok(_) => panic!("the broken migration must fail"),
        Err(e) => e,
    };
    assert!(err.message.contains("0002"), "{err}");
    let raw = Connection::open(ws.db_path()).unwrap();
    let version: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "a failed upgrade must not move the version");
    let triggers: u32 = raw
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 1, "migration 2 was partly applied");
    let cases: u32 = raw
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cases, 1);
    let _ = seeded;
}

fn all_bytes(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn newer_database_is_refused_untouched() {
    let ws = TestWorkspace::with_profile();
    ws.new_case("Vụ của phiên bản mới");
    {
        let raw = Connection::open(ws.db_path()).unwrap();
        raw.pragma_update(None, "user_version", LATEST + 1).unwrap();
    }
    let before = all_bytes(&ws.root);
    assert!(before.contains_key(DB_FILE));

    let run = ws.run(&["case", "list"]);
    run.fails_with(4, "database_too_new");
    assert!(run.stderr.contains(&(LATEST + 1).to_string()), "{run}");
    ws.run(&["case", "new", "--title", "x"])
        .fails_with(4, "database_too_new");
    ws.run(&["verify-workspace"])
        .fails_with(4, "database_too_new");
    let plain = ws.run_plain(&["case", "list"]);
    assert!(
        plain.stderr.contains("phiên bản TruyVết mới hơn"),
        "{plain}"
    );

    let err = match Workspace::open(&ws.root) {
        Ok(_) => panic!("a newer database must be refused"),
        Err(e) => e,
    };
    assert_eq!(err.code, ErrorCode::DatabaseTooNew);
    assert_eq!(
        all_bytes(&ws.root),
        before,
        "the newer database was modified"
    );
}

#[test]
fn open_with_profile_input_roundtrip() {
    // A smoke check that a database created by this version opens again unchanged.
    let ws = TestWorkspace::new();
    {
        let mut w = Workspace::open(&ws.root).unwrap();
        w.save_profile(&ProfileInput {
            display_name: "Võ Thị E".into(),
            agency: "QLTT".into(),
            unit: String::new(),
            province: "DN".into(),
            role: Role::Supervisor,
        })
        .unwrap();
        w.create_case(&NewCase {
            title: "Vụ".into(),
            ..NewCase::default()
        })
        .unwrap();
    }
    let w = Workspace::open(&ws.root).unwrap();
    assert_eq!(w.schema_version().unwrap(), LATEST);
    assert_eq!(w.list_cases(&Default::default()).unwrap().len(), 1);
}
