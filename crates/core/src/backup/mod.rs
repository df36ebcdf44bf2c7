//! Backup and restore of a whole workspace while it is in use.
//!
//! A backup is a **snapshot**: the database copied through SQLite's online backup API
//! (one step, so the copy is one consistent read of a live WAL database, never a raw
//! file copy), then every blob that copy references, the wrapped `workspace.key` when
//! there is one, and a manifest with the SHA-256 of every member's stored bytes. Blobs
//! are immutable and written before the rows that name them, so a database snapshot
//! plus its blobs is consistent whatever writers do meanwhile.
//!
//! Two forms: one tar file (`archive.rs`, written to `FILE.partial` and renamed only when
//! complete and fsynced) or a folder that collects snapshots (`incremental.rs`): blobs are
//! content-addressed there too, so a new snapshot copies only blobs the folder lacks.
//! `restore.rs` checks every member against the manifest in a staging folder, opens and
//! verifies the workspace there, and only then moves it into place.

mod archive;
mod incremental;
pub mod manifest;
mod restore;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::blob::BlobStore;
use crate::error::{Error, ErrorCode, Result};
use crate::workspace::Workspace;

pub use incremental::{SnapshotInfo, list_snapshots};
pub use restore::{RestoreOptions, RestoreSummary, restore, verify_backup};

const CHUNK: usize = 1 << 20;

/// Bytes written so far and in all, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BackupProgress {
    pub done: u64,
    pub total: u64,
}

/// What a finished backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    /// `archive` (one tar file) or `folder` (incremental snapshots).
    pub kind: String,
    pub path: PathBuf,
    pub snapshot: String,
    /// SHA-256 of the manifest's bytes: one value that commits to the whole snapshot.
    pub manifest_sha256: String,
    pub created_at: String,
    pub schema_version: u32,
    pub cases: u64,
    pub evidence: u64,
    pub blobs: u64,
    /// Blobs copied by this run (in a folder, those it did not hold yet).
    pub blobs_copied: u64,
    /// Bytes of all members, and bytes this run wrote.
    pub bytes: u64,
    pub bytes_written: u64,
}

/// Backs `ws` up to `out`: an existing folder (or a path ending in a separator) gets a
/// new incremental snapshot, anything else becomes one tar file. Nothing in the
/// workspace changes; on any error the partial output is removed.
pub fn backup(
    ws: &Workspace,
    out: &Path,
    progress: &mut dyn FnMut(BackupProgress),
) -> Result<BackupSummary> {
    begin(ws, out)?.finish(progress)
}

/// Starts a backup: takes the database snapshot, the one step that needs the
/// workspace (a caller that shares its handle, like the app, holds it only for this).
/// The rest, [`PendingBackup::finish`], copies immutable files. Dropping an unfinished
/// backup removes what it wrote.
pub fn begin(ws: &Workspace, out: &Path) -> Result<PendingBackup> {
    let as_folder = out.is_dir() || out.as_os_str().to_string_lossy().ends_with(['/', '\\']);
    let mut now = time::OffsetDateTime::now_utc();
    let (target, snap) = if as_folder {
        let (t, snap) = incremental::begin(ws, out, &mut now)?;
        (Target::Folder(t), snap)
    } else {
        let (t, snap) = archive::begin(ws, out)?;
        (Target::Archive(t), snap)
    };
    Ok(PendingBackup {
        target,
        source: Source {
            snap,
            blobs: ws.blobs().clone(),
            key: key_file(ws),
            now,
        },
        completed: false,
    })
}

/// A backup whose database snapshot is taken; see [`begin`].
pub struct PendingBackup {
    target: Target,
    source: Source,
    completed: bool,
}

enum Target {
    Archive(archive::ArchiveTarget),
    Folder(incremental::FolderTarget),
}

/// What the rest of a backup reads: the snapshot's blob list and the workspace's files.
pub(crate) struct Source {
    pub snap: DbSnapshot,
    pub blobs: BlobStore,
    pub key: Option<PathBuf>,
    pub now: time::OffsetDateTime,
}

impl PendingBackup {
    /// Copies the blobs and the key file, writes the manifest and makes it all durable.
    pub fn finish(mut self, progress: &mut dyn FnMut(BackupProgress)) -> Result<BackupSummary> {
        let result = match &mut self.target {
            Target::Archive(t) => archive::finish(t, &self.source, progress),
            Target::Folder(t) => incremental::finish(t, &self.source, progress),
        };
        self.completed = result.is_ok();
        result
    }
}

impl Drop for PendingBackup {
    fn drop(&mut self) {
        match &self.target {
            Target::Archive(t) => archive::cleanup(t, self.completed),
            Target::Folder(t) if !self.completed => incremental::cleanup(t),
            Target::Folder(_) => {}
        }
    }
}

/// What the database copy holds, read from the copy itself.
pub(crate) struct DbSnapshot {
    pub schema_version: u32,
    pub cases: u64,
    pub evidence: u64,
    /// Every blob address the copy references, sorted, each with its stored size.
    pub blobs: Vec<(String, u64)>,
}

/// Copies the live database into `dest` (which must not exist) with the online backup
/// API in a single step, so the copy is one read transaction's view.
pub(crate) fn snapshot_db(ws: &Workspace, dest: &Path) -> Result<DbSnapshot> {
    let mut copy = open_copy(ws, dest)?;
    {
        let backup = Backup::new(ws.connection(), &mut copy).map_err(|e| db_write(dest, e))?;
        loop {
            match backup.step(-1).map_err(|e| db_write(dest, e))? {
                StepResult::Done => break,
                // Another connection holds a lock the copy needs for a moment.
                StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                StepResult::More => {}
                _ => {}
            }
        }
    }
    // One self-contained file: no -wal beside it in the backup.
    copy.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(()))
        .map_err(|e| db_write(dest, e))?;
    let snap = read_snapshot(ws, &copy)?;
    copy.close().map_err(|(_, e)| db_write(dest, e))?;
    for side in ["-wal", "-shm", "-journal"] {
        let mut p = dest.as_os_str().to_owned();
        p.push(side);
        let _ = fs::remove_file(PathBuf::from(p));
    }
    sync_file(dest)?;
    Ok(snap)
}

fn read_snapshot(ws: &Workspace, copy: &Connection) -> Result<DbSnapshot> {
    let schema_version: u32 = copy.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let cases: u64 = copy.query_row("SELECT count(*) FROM cases", [], |r| r.get(0))?;
    let evidence: u64 = copy.query_row("SELECT count(*) FROM evidence", [], |r| r.get(0))?;
    let mut stmt = copy.prepare(
        "SELECT sha256 FROM evidence UNION SELECT sha256 FROM evidence_artifacts ORDER BY 1",
    )?;
    let shas = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut blobs = Vec::with_capacity(shas.len());
    for sha in shas {
        let path = ws.blobs().path_for(&sha);
        let size = fs::metadata(&path)
            .map_err(|e| {
                Error::new(
                    ErrorCode::FileNotFound,
                    format!(
                        "blob {sha} referenced by the database cannot be read ({e}); \
                         run `truyvet verify-workspace`"
                    ),
                )
            })?
            .len();
        blobs.push((sha, size));
    }
    Ok(DbSnapshot {
        schema_version,
        cases,
        evidence,
        blobs,
    })
}

/// A new SQLite file for the copy, keyed like the workspace when it is encrypted (so the
/// copy is never plaintext on the backup medium).
fn open_copy(ws: &Workspace, dest: &Path) -> Result<Connection> {
    ws.open_db_copy(dest)
}

/// The key file of the workspace, if it is encrypted.
pub(crate) fn key_file(ws: &Workspace) -> Option<PathBuf> {
    ws.is_encrypted()
        .then(|| ws.root().join(crate::crypto::KEY_FILE))
}

/// An error writing the backup: a full destination gets its own code.
pub(crate) fn write_err(context: &str, path: &Path, err: &io::Error) -> Error {
    if is_disk_full(err) {
        return Error::new(
            ErrorCode::BackupDiskFull,
            format!(
                "{context} {}: the destination is full ({err})",
                path.display()
            ),
        );
    }
    Error::io(context, path, err)
}

fn is_disk_full(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

fn db_write(dest: &Path, err: rusqlite::Error) -> Error {
    if err.sqlite_error_code() == Some(rusqlite::ffi::ErrorCode::DiskFull) {
        return Error::new(
            ErrorCode::BackupDiskFull,
            format!(
                "copying the database to {}: the destination is full",
                dest.display()
            ),
        );
    }
    let mut e = Error::from(err);
    e.message = format!("copying the database to {}: {}", dest.display(), e.message);
    e
}

pub(crate) fn sync_file(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| write_err("cannot sync", path, &e))
}

pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(|e| write_err("cannot sync", path, &e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Counts bytes for the progress callback.
pub(crate) struct Meter<'a> {
    pub done: u64,
    pub total: u64,
    pub report: &'a mut dyn FnMut(BackupProgress),
}

impl Meter<'_> {
    pub fn add(&mut self, n: u64) {
        self.done += n;
        (self.report)(BackupProgress {
            done: self.done.min(self.total),
            total: self.total,
        });
    }
}

/// Copies `src` to `dst` chunk by chunk, hashing the bytes; returns SHA-256 and length.
/// Read errors name `src_path`, write errors (a full disk included) `dst_path`.
pub(crate) fn copy_hashed(
    src: &mut dyn Read,
    src_path: &Path,
    dst: &mut dyn Write,
    dst_path: &Path,
    meter: &mut Meter<'_>,
) -> Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read", src_path, &e)),
        };
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])
            .map_err(|e| write_err("cannot write", dst_path, &e))?;
        size += n as u64;
        meter.add(n as u64);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// A reader that hashes and counts what passes through it.
pub(crate) struct HashingReader<R> {
    pub inner: R,
    pub hasher: Sha256,
    pub size: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    pub fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.size)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// The UTC time as a snapshot name: sortable, and valid as a file name everywhere.
pub(crate) fn snapshot_name(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
