//! A workspace is a folder: `truyvet.db` (SQLite, WAL) and `blobs/`. This module finds,
//! opens and locks it; the operations on cases, evidence and notes live in their own
//! modules as further `impl Workspace` blocks.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use crate::blob::BlobStore;
use crate::error::{Error, ErrorCode, Result};
use crate::model::Profile;
use crate::store;

pub const DB_FILE: &str = "truyvet.db";
pub const BLOB_DIR: &str = "blobs";
const APP_LOCK_FILE: &str = "app.lock";
/// Environment variable that overrides the default workspace location.
pub const HOME_ENV: &str = "TRUYVET_HOME";

pub struct Workspace {
    root: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) blobs: BlobStore,
    device: String,
    read_only: bool,
}

/// How [`Workspace::open_with`] treats the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the folder and database when missing, upgrade the schema (the app, and
    /// `truyvet profile set`, the first command of a new user).
    CreateIfMissing,
    /// The workspace must exist; read and write.
    Existing,
    /// The workspace must exist; nothing is written, so it works on write-protected
    /// media and never alters what it inspects.
    ReadOnly,
}

/// Held by the desktop app for as long as it runs: a second app instance on the same
/// workspace is refused. The CLI does not take it, so scripts can run beside the app;
/// SQLite serialises their writes.
#[derive(Debug)]
pub struct AppLock {
    _file: File,
}

impl Workspace {
    /// Where the workspace is when nobody says otherwise: `$TRUYVET_HOME`, else the OS
    /// data folder (`~/.local/share/truyvet` on Linux).
    pub fn default_location() -> Result<PathBuf> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(home));
        }
        dirs::data_dir().map(|d| d.join("truyvet")).ok_or_else(|| {
            Error::invalid("no data folder is known for this user; pass --workspace")
        })
    }

    /// Opens the workspace at `root`, creating it (and upgrading its schema) as needed.
    pub fn open(root: impl AsRef<Path>) -> Result<Workspace> {
        Workspace::open_with(root, OpenMode::CreateIfMissing)
    }

    pub fn open_with(root: impl AsRef<Path>, mode: OpenMode) -> Result<Workspace> {
        let root = root.as_ref().to_path_buf();
        if root.exists() && !root.is_dir() {
            return Err(Error::new(
                ErrorCode::WorkspaceNotFound,
                format!("{} is not a folder", root.display()),
            ));
        }
        let db_path = root.join(DB_FILE);
        if mode != OpenMode::CreateIfMissing && !db_path.is_file() {
            // Never create a workspace as a side effect of reading or verifying one:
            // verifying a mistyped path must not report an empty workspace as intact.
            return Err(Error::new(
                ErrorCode::WorkspaceNotFound,
                format!("there is no TruyVết workspace at {}", root.display()),
            ));
        }
        let blobs = BlobStore::new(root.join(BLOB_DIR));
        let device = gethostname::gethostname().to_string_lossy().into_owned();
        if mode == OpenMode::ReadOnly {
            let conn = store::open_read_only(&db_path)?;
            return Ok(Workspace {
                root,
                conn,
                blobs,
                device,
                read_only: true,
            });
        }
        fs::create_dir_all(&root).map_err(|e| {
            Error::new(
                ErrorCode::WorkspaceNotWritable,
                format!("cannot create the workspace folder {}: {e}", root.display()),
            )
        })?;
        // The database first: a corrupt or too-new one is refused before anything else
        // in the folder is touched.
        let conn = store::open(&db_path)?;
        blobs.prepare().map_err(not_writable)?;
        blobs.probe_writable()?;
        Ok(Workspace {
            root,
            conn,
            blobs,
            device,
            read_only: false,
        })
    }

    /// Opened with [`OpenMode::ReadOnly`]: every change is refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Read access to the database for callers that report on it (tests, benchmarks).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn schema_version(&self) -> Result<u32> {
        store::migrations::user_version(&self.conn)
    }

    /// Takes the single-instance lock of the desktop app.
    pub fn lock_for_app(&self) -> Result<AppLock> {
        let path = self.root.join(APP_LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("cannot create", &path, &e))?;
        match file.try_lock() {
            Ok(()) => Ok(AppLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::new(
                ErrorCode::WorkspaceInUse,
                format!(
                    "another TruyVết window already has {} open",
                    self.root.display()
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", &path, &e)),
        }
    }

    /// Runs `f` in an IMMEDIATE transaction (the write lock is taken up front, so two
    /// writers never deadlock on upgrade) and commits only if it succeeds.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(Error::new(
                ErrorCode::WorkspaceNotWritable,
                format!("{} was opened read-only", self.root.display()),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The acting user; every change needs one for the custody log.
    pub fn require_profile(&self) -> Result<Profile> {
        self.current_profile()?.ok_or_else(|| {
            Error::new(
                ErrorCode::ProfileMissing,
                "no user profile is set up; run `truyvet profile set` first",
            )
        })
    }
}

fn not_writable(mut e: Error) -> Error {
    if e.code == ErrorCode::IoError {
        e.code = ErrorCode::WorkspaceNotWritable;
    }
    e
}
