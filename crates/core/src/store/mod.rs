//! The SQLite side of a workspace: opening the database with the pragmas durability
//! needs, and the numbered schema migrations.

pub mod migrations;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::crypto::WorkspaceKey;
use crate::error::{Error, ErrorCode, Result};

/// How long a writer waits for another process (the CLI next to the app) before
/// reporting `database_locked`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Overrides [`BUSY_TIMEOUT`] in milliseconds, so tests (and impatient scripts) can see
/// `database_locked` without waiting ten seconds.
pub const BUSY_TIMEOUT_ENV: &str = "TRUYVET_BUSY_TIMEOUT_MS";

/// Opens (creating if needed) the workspace database and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    open_keyed(path, None)
}

/// [`open`] for an encrypted workspace: the SQLCipher key is set before anything else
/// touches the file.
pub fn open_keyed(path: &Path, key: Option<&WorkspaceKey>) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    apply_key(&conn, key)?;
    conn.busy_timeout(busy_timeout())?;
    configure(&conn).map_err(|e| open_error(path, e))?;
    migrations::migrate(&conn)?;
    Ok(conn)
}

/// Opens an existing database for reading only. Where the folder is writable this is
/// the ordinary connection (so the WAL is checkpointed and removed on close, leaving the
/// folder as it was) switched to `query_only`; on write-protected media (an archived
/// copy on a DVD) SQLite is told the file is immutable and nothing is written at all.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    open_read_only_keyed(path, None)
}

/// [`open_read_only`] for an encrypted workspace.
pub fn open_read_only_keyed(path: &Path, key: Option<&WorkspaceKey>) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let writable = Connection::open_with_flags(path, flags).and_then(|conn| {
        set_key(&conn, key)?;
        conn.busy_timeout(busy_timeout())?;
        configure(&conn)?;
        Ok(conn)
    });
    let conn = match writable {
        Ok(conn) => {
            migrations::migrate(&conn)?;
            conn
        }
        Err(err) if is_unwritable(&err) => open_immutable(path, key)?,
        Err(err) => return Err(open_error(path, err)),
    };
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn is_unwritable(err: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode as Sq;
    matches!(
        err.sqlite_error_code(),
        Some(Sq::CannotOpen | Sq::ReadOnly | Sq::PermissionDenied)
    )
}

fn open_immutable(path: &Path, key: Option<&WorkspaceKey>) -> Result<Connection> {
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(|e| open_error(path, e))?;
    apply_key(&conn, key)?;
    let version = migrations::user_version(&conn).map_err(|mut e| {
        if e.code == ErrorCode::Internal {
            e.code = ErrorCode::DatabaseCorrupt;
        }
        e
    })?;
    if version > migrations::LATEST {
        return Err(migrations::too_new(version));
    }
    if version < migrations::LATEST {
        return Err(Error::new(
            ErrorCode::WorkspaceNotWritable,
            format!(
                "{} has schema version {version} and needs an upgrade to {}; open it once \
                 where it is writable",
                path.display(),
                migrations::LATEST
            ),
        ));
    }
    Ok(conn)
}

/// Percent-encodes the characters that would end or alter a SQLite URI path.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    out
}

/// `PRAGMA key` with the workspace's raw SQLCipher key. It must come first: SQLCipher
/// reads the first page only when the database is next used.
fn set_key(conn: &Connection, key: Option<&WorkspaceKey>) -> rusqlite::Result<()> {
    let Some(key) = key else {
        return Ok(());
    };
    let pragma = key.sqlcipher_pragma();
    // SQLCipher would print its own errors on stderr (a wrong key is "hmac check
    // failed"); the caller reports them with a stable code instead.
    let sql = zeroize::Zeroizing::new(format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";",
        pragma.as_str()
    ));
    conn.execute_batch(&sql)
}

fn apply_key(conn: &Connection, key: Option<&WorkspaceKey>) -> Result<()> {
    set_key(conn, key).map_err(|e| Error::internal(format!("cannot set the database key: {e}")))
}

/// Opens (or creates) a SQLite file keyed like a workspace with `key`: where the SQLite
/// backup API writes an encrypted copy. No pragmas and no migration: the copy gets the
/// source's pages as they are.
pub fn open_copy(path: &Path, key: Option<&WorkspaceKey>) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| open_error(path, e))?;
    apply_key(&conn, key)?;
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
