//! A database another process holds locked, and a database that is not one (random
//! bytes) or is damaged (a page overwritten): refused with `database_locked` /
//! `database_corrupt`, exit 4, and nothing changed — for a corrupt file, not one byte.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use rusqlite::Connection;
use truyvet_core::store::BUSY_TIMEOUT_ENV;
use truyvet_tests::{DB_FILE, Rng, TestWorkspace, run_command, sha256_hex};

use crate::{assert_unchanged, populated};

#[test]
fn locked_database() {
    let (ws, code) = populated();
    let f = ws.write_file("moi.jpg", &[9u8; 200_000]);
    let before = ws.snapshot();

    let holder = ws.raw_db();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["evidence", "add", "--case", &code, f.to_str().unwrap()],
        vec!["note", "add", "--case", &code, "x"],
        vec!["case", "new", "--title", "y"],
        vec!["case", "edit", &code, "--title", "z"],
        vec!["profile", "set", "--display-name", "Z", "--agency", "CA"],
    ];
    for args in &commands {
        let mut cmd = ws.command();
        // Ten seconds is right for a person; a test need not wait that long.
        cmd.env(BUSY_TIMEOUT_ENV, "200").arg("--json").args(args);
        let run = run_command(&mut cmd);
        run.fails_with(4, "database_locked");
    }
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_unchanged(&ws, &before);

    // Once the lock is gone the same command works.
    let mut cmd = ws.command();
    cmd.args(["--json", "evidence", "add", "--case", &code])
        .arg(&f);
    assert_eq!(run_command(&mut cmd).ok().json_lines().len(), 1);
    ws.assert_verifies();
}

/// Every file in the workspace with the hash of its bytes.
fn files_of(root: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                out.insert(format!("{name}/"), String::new());
                walk(base, &path, out);
            } else {
                out.insert(name, sha256_hex(&fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn refused_as_corrupt(ws: &TestWorkspace, code: &str) {
    let f = ws.write_file("moi.jpg", b"new bytes");
    let before = files_of(&ws.root);
    assert!(
        !before.keys().any(|k| k.ends_with("-wal")),
        "the WAL must be checkpointed first"
    );
    for args in [
        vec!["case", "list"],
        vec!["case", "show", code],
        vec!["evidence", "add", "--case", code, f.to_str().unwrap()],
        vec!["verify-workspace"],
    ] {
        let run = ws.run(&args);
        run.fails_with(4, "database_corrupt");
        assert_eq!(
            files_of(&ws.root),
            before,
            "{args:?} modified the workspace"
        );
    }
}

#[test]
fn random_bytes_as_database() {
    let (ws, code) = populated();
    let mut rng = Rng::new(0xdb);
    fs::write(ws.db_path(), rng.bytes(64 * 1024)).unwrap();
    refused_as_corrupt(&ws, &code);
}

#[test]
fn database_with_a_page_overwritten() {
    let (ws, code) = populated();
    // Put every committed page into the main file, then find the `cases` table's page.
    let (page_size, root_page) = {
        let conn = Connection::open(ws.db_path()).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let page_size: u64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        let root: u64 = conn
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'cases'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (page_size, root)
    };
    assert!(!ws.root.join(format!("{DB_FILE}-wal")).exists());
    let mut bytes = fs::read(ws.db_path()).unwrap();
    let start = ((root_page - 1) * page_size) as usize;
    let mut rng = Rng::new(0xbad);
    rng.fill(&mut bytes[start..start + page_size as usize]);
    fs::write(ws.db_path(), &bytes).unwrap();
    refused_as_corrupt(&ws, &code);
}
