//! Numbered schema migrations, tracked by `PRAGMA user_version`. All pending steps run
//! in one transaction, so a failed upgrade leaves the database at its old version; a
//! database newer than this binary is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, ErrorCode, Result};

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Append only; never edit a shipped one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_schema", include_str!("migrations/0001_schema.sql")),
    (
        "0002_integrity_triggers",
        include_str!("migrations/0002_integrity_triggers.sql"),
    ),
    (
        "0003_web_captures",
        include_str!("migrations/0003_web_captures.sql"),
    ),
    (
        "0004_entities",
        include_str!("migrations/0004_entities.sql"),
    ),
    (
        "0005_workflow",
        include_str!("migrations/0005_workflow.sql"),
    ),
    ("0006_addenda", include_str!("migrations/0006_addenda.sql")),
    (
        "0007_imported_cases",
        include_str!("migrations/0007_imported_cases.sql"),
    ),
    ("0008_sync", include_str!("migrations/0008_sync.sql")),
    (
        "0009_case_referrals",
        include_str!("migrations/0009_case_referrals.sql"),
    ),
    ("0010_tips", include_str!("migrations/0010_tips.sql")),
    ("0011_watch", include_str!("migrations/0011_watch.sql")),
];

pub const LATEST: u32 = MIGRATIONS.len() as u32;

pub fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

pub(crate) fn too_new(version: u32) -> Error {
    Error::new(
        ErrorCode::DatabaseTooNew,
        format!(
            "the workspace database has schema version {version}, newer than this program \
             supports ({LATEST}); use a newer TruyVết"
        ),
    )
}

/// Brings the schema to `LATEST`.
pub fn migrate(conn: &Connection) -> Result<()> {
    migrate_to(conn, LATEST)
}

/// Brings the schema to `target` (tests build older databases with this).
pub fn migrate_to(conn: &Connection, target: u32) -> Result<()> {
    let current = user_version(conn)?;
    if current > LATEST {
        return Err(too_new(current));
    }
    if current >= target {
        return Ok(());
    }
    let mut conn_tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the write lock.
    let current = user_version(&conn_tx)?;
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as u32 + 1;
        if version > target {
            break;
        }
        conn_tx
            .execute_batch(sql)
            .map_err(|e| Error::internal(format!("migration {name} failed: {e}")))?;
        conn_tx.pragma_update(None, "user_version", version)?;
    }
    conn_tx.set_drop_behavior(rusqlite::DropBehavior::Commit);
    conn_tx.commit()?;
    Ok(())
}
