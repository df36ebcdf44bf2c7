//! The SQLite side of a workspace: opening the database with the pragmas durability
//! needs, and the numbered schema migrations.

pub mod migrations;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, ErrorCode, Result};

/// How long a writer waits for another process (the CLI next to the app) before
/// reporting `database_locked`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Overrides [`BUSY_TIMEOUT`] in milliseconds, so tests (and impatient scripts) can see
/// `database_locked` without waiting ten seconds.
pub const BUSY_TIMEOUT_ENV: &str = "TRUYVET_BUSY_TIMEOUT_MS";

/// Opens (creating if needed) the workspace database and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    conn.busy_timeout(busy_timeout())?;
    configure(&conn).map_err(|e| open_error(path, e))?;
    migrations::migrate(&conn)?;
    Ok(conn)
}

fn busy_timeout() -> Duration {
    std::env::var(BUSY_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(BUSY_TIMEOUT, Duration::from_millis)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets the CLI read while the app writes; FULL sync makes a committed capture
    // survive power loss, not only a killed process.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA trusted_schema = OFF;",
    )
}

fn open_error(path: &Path, err: rusqlite::Error) -> Error {
    let mut e = Error::from(err);
    if e.code == ErrorCode::Internal {
        e.code = ErrorCode::DatabaseCorrupt;
    }
    e.message = format!("cannot open {}: {}", path.display(), e.message);
    e
}
