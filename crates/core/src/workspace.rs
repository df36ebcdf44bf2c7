//! A workspace is a folder: `truyvet.db` (SQLite, WAL) and `blobs/`. This module finds,
//! opens and locks it; the operations on cases, evidence and notes live in their own
//! modules as further `impl Workspace` blocks.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use crate::blob::BlobStore;
use crate::crypto::keyfile::{self, KeyFile};
use crate::crypto::{self, KEY_FILE, WorkspaceKey, throttle};
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
    /// The unwrapped workspace key of an encrypted workspace (wiped on drop).
    key: Option<WorkspaceKey>,
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

    /// Opens an unencrypted workspace. An encrypted one is refused before its database
    /// is touched: `workspace_locked` (use [`Workspace::open_with_passphrase`]), or
    /// `workspace_key_missing` when the database is encrypted but `workspace.key` is
    /// gone (a folder copied without its key).
    pub fn open_with(root: impl AsRef<Path>, mode: OpenMode) -> Result<Workspace> {
        let root = root.as_ref().to_path_buf();
        check_folder(&root)?;
        if Workspace::is_encrypted_at(&root) {
            return Err(Error::new(
                ErrorCode::WorkspaceLocked,
                format!(
                    "{} is encrypted; unlock it with its passphrase",
                    root.display()
                ),
            ));
        }
        refuse_keyless_encrypted_db(&root)?;
        Workspace::open_keyed(root, mode, None)
    }

    /// Whether `root` holds an encrypted workspace (a `workspace.key` file).
    pub fn is_encrypted_at(root: &Path) -> bool {
        root.join(KEY_FILE).is_file()
    }

    /// Creates an encrypted workspace at `root` (a new or empty folder): a fresh random
    /// workspace key, wrapped under `passphrase` (at least 8 characters) in
    /// `workspace.key`, then the SQLCipher database and the blob folder. An existing
    /// workspace is refused (`invalid_input`).
    pub fn create_encrypted(root: &Path, passphrase: &str) -> Result<Workspace> {
        check_folder(root)?;
        if root.join(DB_FILE).exists() || Workspace::is_encrypted_at(root) {
            return Err(Error::invalid(format!(
                "{} already holds a TruyVết workspace; encryption is chosen when a \
                 workspace is created",
                root.display()
            )));
        }
        keyfile::check_new_passphrase(passphrase)?;
        fs::create_dir_all(root).map_err(|e| {
            Error::new(
                ErrorCode::WorkspaceNotWritable,
                format!("cannot create the workspace folder {}: {e}", root.display()),
            )
        })?;
        let key = WorkspaceKey::generate();
        // The key file first: a database nobody can open must never exist.
        KeyFile::wrap(&key, passphrase)?.write(root)?;
        Workspace::open_keyed(root.to_path_buf(), OpenMode::CreateIfMissing, Some(key))
    }

    /// Opens a workspace with its passphrase. An unencrypted workspace opens as with
    /// [`Workspace::open_with`] (the passphrase is not needed); a missing one is
    /// created encrypted under `passphrase` when `mode` allows creating.
    ///
    /// Refusals, each before the database is touched: `workspace_key_missing` (an
    /// encrypted database without its key file), `workspace_key_too_new`,
    /// `unlock_throttled` (too many wrong passphrases in a row; the message says how
    /// many seconds to wait), `bad_passphrase` (wrong, and nothing more is said).
    pub fn open_with_passphrase(
        root: &Path,
        mode: OpenMode,
        passphrase: &str,
    ) -> Result<Workspace> {
        check_folder(root)?;
        let db_path = root.join(DB_FILE);
        if !Workspace::is_encrypted_at(root) {
            refuse_keyless_encrypted_db(root)?;
            if !db_path.exists() && mode == OpenMode::CreateIfMissing {
                return Workspace::create_encrypted(root, passphrase);
            }
            return Workspace::open_keyed(root.to_path_buf(), mode, None);
        }
        let file = KeyFile::read(root)?;
        if mode != OpenMode::CreateIfMissing && !db_path.is_file() {
            return Err(not_found(root));
        }
        let key = unlock(root, &file, passphrase)?;
        Workspace::open_keyed(root.to_path_buf(), mode, Some(key))
    }

    /// Whether this workspace is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Re-wraps the workspace key under `new` (at least 8 characters) once `old` is
    /// proven right; `workspace.key` is replaced atomically and nothing else changes.
    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<()> {
        let Some(key) = &self.key else {
            return Err(Error::invalid(format!(
                "{} is not encrypted; it has no passphrase",
                self.root.display()
            )));
        };
        keyfile::check_new_passphrase(new)?;
        let file = KeyFile::read(&self.root)?;
        let unwrapped = unlock(&self.root, &file, old)?;
        if unwrapped.id() != key.id() {
            return Err(Error::new(
                ErrorCode::WorkspaceKeyMissing,
                "workspace.key now holds another key than the one this workspace was \
                 opened with",
            ));
        }
        KeyFile::wrap(key, new)?.write(&self.root)
    }

    /// Opens (or creates) a SQLite file keyed like this workspace's database, so the
    /// SQLite backup API can write an encrypted copy into it (a plain one for an
    /// unencrypted workspace).
    pub fn open_db_copy(&self, path: &Path) -> Result<Connection> {
        store::open_copy(path, self.key.as_ref())
    }

    /// What `truyvet workspace status` shows, read without the passphrase.
    pub fn encryption_status_at(root: &Path) -> Result<EncryptionStatus> {
        if !Workspace::is_encrypted_at(root) {
            let keyless = crypto::database_looks_encrypted(&root.join(DB_FILE));
            return Ok(EncryptionStatus {
                encrypted: keyless,
                key_file: false,
                key_id: None,
                key_format_version: None,
                kdf: None,
                created_at: None,
                failed_unlocks: 0,
            });
        }
        let file = KeyFile::read(root)?;
        Ok(EncryptionStatus {
            encrypted: true,
            key_file: true,
            key_id: Some(file.key_id.clone()),
            key_format_version: Some(file.version),
            kdf: Some(file.kdf.clone()),
            created_at: Some(file.created_at.clone()),
            failed_unlocks: throttle::read(root).failures,
        })
    }

    fn open_keyed(root: PathBuf, mode: OpenMode, key: Option<WorkspaceKey>) -> Result<Workspace> {
        let db_path = root.join(DB_FILE);
        if mode != OpenMode::CreateIfMissing && !db_path.is_file() {
            // Never create a workspace as a side effect of reading or verifying one:
            // verifying a mistyped path must not report an empty workspace as intact.
            return Err(not_found(&root));
        }
        let blobs = match &key {
            None => BlobStore::new(root.join(BLOB_DIR)),
            Some(key) => BlobStore::encrypted(root.join(BLOB_DIR), key),
        };
        let device = gethostname::gethostname().to_string_lossy().into_owned();
        if mode == OpenMode::ReadOnly {
            let conn = store::open_read_only_keyed(&db_path, key.as_ref())
                .map_err(|e| key_mismatch(e, key.is_some()))?;
            return Ok(Workspace {
                root,
                conn,
                blobs,
                device,
                read_only: true,
                key,
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
        let conn = store::open_keyed(&db_path, key.as_ref())
            .map_err(|e| key_mismatch(e, key.is_some()))?;
        blobs.prepare().map_err(not_writable)?;
        blobs.probe_writable()?;
        Ok(Workspace {
            root,
            conn,
            blobs,
            device,
            read_only: false,
            key,
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

/// Whether a workspace is encrypted, and with what, as `truyvet workspace status` and
/// the app show it. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EncryptionStatus {
    pub encrypted: bool,
    /// `workspace.key` is present (false with `encrypted` means the key file is lost).
    pub key_file: bool,
    pub key_id: Option<String>,
    pub key_format_version: Option<u32>,
    pub kdf: Option<keyfile::KdfParams>,
    pub created_at: Option<String>,
    /// Wrong passphrases in a row since the last unlock.
    pub failed_unlocks: u32,
}

fn check_folder(root: &Path) -> Result<()> {
    if root.exists() && !root.is_dir() {
        return Err(Error::new(
            ErrorCode::WorkspaceNotFound,
            format!("{} is not a folder", root.display()),
        ));
    }
    Ok(())
}

fn not_found(root: &Path) -> Error {
    Error::new(
        ErrorCode::WorkspaceNotFound,
        format!("there is no TruyVết workspace at {}", root.display()),
    )
}

/// An encrypted database with no key file beside it: said plainly, never "corrupt", and
/// nothing is written (SQLite never opens the file).
fn refuse_keyless_encrypted_db(root: &Path) -> Result<()> {
    let db = root.join(DB_FILE);
    if crypto::database_looks_encrypted(&db)
        && crypto::keyless_workspace_was_encrypted(&db, &root.join(BLOB_DIR))
    {
        return Err(Error::new(
            ErrorCode::WorkspaceKeyMissing,
            format!(
                "{} is encrypted but its key file {KEY_FILE} is missing (was the folder \
                 copied without it?); put {KEY_FILE} back beside {DB_FILE}",
                root.display()
            ),
        ));
    }
    Ok(())
}

/// Unwraps the key under the retry brake: a throttled attempt is refused before
/// argon2id runs; a wrong passphrase is counted, a right one clears the count.
fn unlock(root: &Path, file: &KeyFile, passphrase: &str) -> Result<WorkspaceKey> {
    throttle::check(root)?;
    match file.unwrap(passphrase) {
        Ok(key) => {
            throttle::clear(root);
            Ok(key)
        }
        Err(e) if e.code == ErrorCode::BadPassphrase => {
            throttle::record_failure(root);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// The key unwrapped (so the passphrase was right) but SQLCipher cannot read the
/// database with it: the key file belongs to another workspace, or the file is damaged.
fn key_mismatch(mut e: Error, keyed: bool) -> Error {
    if keyed && e.code == ErrorCode::DatabaseCorrupt {
        e.code = ErrorCode::WorkspaceKeyMissing;
        e.message = format!(
            "the database does not open with the key in {KEY_FILE} (a key file of another \
             workspace, or a damaged database): {}",
            e.message
        );
    }
    e
}

fn not_writable(mut e: Error) -> Error {
    if e.code == ErrorCode::IoError {
        e.code = ErrorCode::WorkspaceNotWritable;
    }
    e
}
