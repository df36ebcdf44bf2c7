//! Incremental backups to a folder (a USB drive):
//!
//! ```text
//! DIR/blobs/<aa>/<sha256>          content-addressed, shared by every snapshot
//! DIR/snapshots/<ID>/truyvet.db    the database copy
//! DIR/snapshots/<ID>/workspace.key the wrapped key (encrypted workspaces)
//! DIR/snapshots/<ID>/manifest.json, manifest.sha256
//! ```
//!
//! A run copies only the blobs the folder lacks (temp → fsync → rename, like the
//! workspace's own store), then writes its snapshot into `snapshots/.ID.partial` and
//! renames it into place last: a snapshot folder with its final name is complete. The
//! stored hash of a blob the folder already holds is taken from an earlier manifest, so
//! a second run reads only what is new.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::archive::Loaded;
use super::manifest::{
    self, Counts, DB_MEMBER, FORMAT, KEY_MEMBER, MANIFEST, MANIFEST_SUM, Manifest, Member,
    blob_member, invalid,
};
use super::{
    BackupProgress, BackupSummary, DbSnapshot, Meter, Source, copy_hashed, snapshot_db,
    snapshot_name, sync_dir, sync_file, write_err,
};
use crate::error::{Error, Result};
use crate::time_fmt::format_utc;
use crate::workspace::Workspace;

const SNAPSHOTS: &str = "snapshots";
const BLOBS: &str = "blobs";

/// One complete snapshot in a backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotInfo {
    pub id: String,
    pub created_at: String,
    pub schema_version: u32,
    pub cases: u64,
    pub evidence: u64,
    pub blobs: u64,
    pub bytes: u64,
    pub manifest_sha256: String,
}

/// Where a folder backup is being written, and the blobs this run added.
pub(super) struct FolderTarget {
    dir: PathBuf,
    id: String,
    partial: PathBuf,
    copied: Vec<PathBuf>,
}

/// Creates the snapshot's partial folder and takes the database snapshot into it (the
/// only step that needs the workspace).
pub(super) fn begin(
    ws: &Workspace,
    dir: &Path,
    now: &mut time::OffsetDateTime,
) -> Result<(FolderTarget, DbSnapshot)> {
    let snapshots = dir.join(SNAPSHOTS);
    let blob_dir = dir.join(BLOBS);
    for d in [dir, &snapshots, &blob_dir, &blob_dir.join("tmp")] {
        fs::create_dir_all(d).map_err(|e| write_err("cannot create", d, &e))?;
    }
    while snapshots.join(snapshot_name(*now)).exists() {
        std::thread::sleep(std::time::Duration::from_millis(2));
        *now = time::OffsetDateTime::now_utc();
    }
    let id = snapshot_name(*now);
    let target = FolderTarget {
        dir: dir.to_path_buf(),
        partial: snapshots.join(format!(".{id}.partial")),
        id,
        copied: Vec::new(),
    };
    fs::create_dir(&target.partial).map_err(|e| write_err("cannot create", &target.partial, &e))?;
    match snapshot_db(ws, &target.partial.join(DB_MEMBER)) {
        Ok(snap) => Ok((target, snap)),
        Err(e) => {
            cleanup(&target);
            Err(e)
        }
    }
}

/// Removes what an unfinished run wrote: its partial snapshot and the blobs it added,
/// which no complete snapshot references.
pub(super) fn cleanup(target: &FolderTarget) {
    let _ = fs::remove_dir_all(&target.partial);
    for blob in &target.copied {
        let _ = fs::remove_file(blob);
    }
}

pub(super) fn finish(
    target: &mut FolderTarget,
    source: &Source,
    progress: &mut dyn FnMut(BackupProgress),
) -> Result<BackupSummary> {
    let (dir, id, partial) = (
        target.dir.clone(),
        target.id.clone(),
        target.partial.clone(),
    );
    let (dir, id, partial) = (dir.as_path(), id.as_str(), partial.as_path());
    let copied = &mut target.copied;
    let (snap, now, key) = (&source.snap, source.now, &source.key);
    let db_path = partial.join(DB_MEMBER);
    let known = known_blob_hashes(dir);
    let db_size = fs::metadata(&db_path)
        .map_err(|e| Error::io("cannot read", &db_path, &e))?
        .len();
    let key_size = key
        .as_ref()
        .and_then(|k| fs::metadata(k).ok())
        .map_or(0, |m| m.len());
    let todo: Vec<&(String, u64)> = snap
        .blobs
        .iter()
        .filter(|(sha, size)| {
            let member = blob_member(sha);
            !(known.get(&member).is_some_and(|k| k.1 == *size)
                && fs::metadata(dir.join(&member)).is_ok_and(|m| m.len() == *size))
        })
        .collect();
    let total = db_size + key_size + todo.iter().map(|b| b.1).sum::<u64>();
    let mut meter = Meter {
        done: 0,
        total,
        report: progress,
    };
    meter.add(db_size);

    let mut members = vec![Member {
        path: DB_MEMBER.into(),
        sha256: super::restore::hash_file(&db_path)?.0,
        size: db_size,
    }];
    if let Some(k) = &key {
        let dest = partial.join(KEY_MEMBER);
        let (sha256, size) = copy_file(k, &dest, &mut meter)?;
        members.push(Member {
            path: KEY_MEMBER.into(),
            sha256,
            size,
        });
    }
    let mut bytes_written = db_size + key_size;
    let todo_set: std::collections::BTreeSet<&str> = todo.iter().map(|b| b.0.as_str()).collect();
    let mut parents = std::collections::BTreeSet::new();
    for (sha, size) in &snap.blobs {
        let member = blob_member(sha);
        let sha256 = if todo_set.contains(sha.as_str()) {
            let dest = dir.join(&member);
            let tmp = dir
                .join(BLOBS)
                .join("tmp")
                .join(format!("{sha}.{}", std::process::id()));
            let (got, n) = copy_file(&source.blobs.path_for(sha), &tmp, &mut meter)?;
            if n != *size {
                let _ = fs::remove_file(&tmp);
                return Err(Error::internal(format!(
                    "blob {sha} changed size while copied"
                )));
            }
            let parent = dest.parent().unwrap_or(dir).to_path_buf();
            fs::create_dir_all(&parent).map_err(|e| write_err("cannot create", &parent, &e))?;
            fs::rename(&tmp, &dest).map_err(|e| write_err("cannot rename", &dest, &e))?;
            copied.push(dest);
            parents.insert(parent);
            bytes_written += n;
            got
        } else {
            known[&member].0.clone()
        };
        members.push(Member {
            path: member,
            sha256,
            size: *size,
        });
    }
    // Each folder that received a blob is synced once, before the snapshot names it.
    for parent in &parents {
        sync_dir(parent)?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        snapshot: id.to_string(),
        created_at: format_utc(now),
        schema_version: snap.schema_version,
        encrypted: key.is_some(),
        counts: Counts {
            cases: snap.cases,
            evidence: snap.evidence,
            blobs: snap.blobs.len() as u64,
            bytes: members.iter().map(|m| m.size).sum(),
        },
        members,
    };
    let bytes = manifest.to_bytes()?;
    let sum = manifest::digest_line(&bytes);
    write_synced(&partial.join(MANIFEST), &bytes)?;
    write_synced(&partial.join(MANIFEST_SUM), sum.as_bytes())?;
    sync_dir(partial)?;
    let final_dir = dir.join(SNAPSHOTS).join(id);
    fs::rename(partial, &final_dir).map_err(|e| write_err("cannot rename", &final_dir, &e))?;
    sync_dir(&dir.join(SNAPSHOTS))?;
    Ok(BackupSummary {
        kind: "folder".into(),
        path: dir.to_path_buf(),
        snapshot: id.to_string(),
        manifest_sha256: sum.trim_end().to_string(),
        created_at: manifest.created_at,
        schema_version: manifest.schema_version,
        cases: manifest.counts.cases,
        evidence: manifest.counts.evidence,
        blobs: manifest.counts.blobs,
        blobs_copied: copied.len() as u64,
        bytes: manifest.counts.bytes,
        bytes_written,
    })
}

fn copy_file(src: &Path, dest: &Path, meter: &mut Meter<'_>) -> Result<(String, u64)> {
    let mut input = File::open(src).map_err(|e| Error::io("cannot read", src, &e))?;
    let mut out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dest)
        .map_err(|e| write_err("cannot create", dest, &e))?;
    let result = copy_hashed(&mut input, src, &mut out, dest, meter).and_then(|r| {
        out.sync_all()
            .map_err(|e| write_err("cannot sync", dest, &e))?;
        Ok(r)
    });
    if result.is_err() {
        drop(out);
        let _ = fs::remove_file(dest);
    }
    result
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).map_err(|e| write_err("cannot write", path, &e))?;
    sync_file(path)
}

/// Stored hashes of blobs, from the manifests of the folder's complete snapshots.
fn known_blob_hashes(dir: &Path) -> BTreeMap<String, (String, u64)> {
    let mut known = BTreeMap::new();
    for id in snapshot_ids(dir) {
        let snap = dir.join(SNAPSHOTS).join(&id);
        let (Ok(bytes), Ok(sum)) = (
            fs::read(snap.join(MANIFEST)),
            fs::read(snap.join(MANIFEST_SUM)),
        ) else {
            continue;
        };
        if let Ok(m) = Manifest::parse(&bytes, &sum) {
            for member in m.members {
                if member.path.starts_with("blobs/") {
                    known.insert(member.path, (member.sha256, member.size));
                }
            }
        }
    }
    known
}

/// Names of the complete snapshots (not the `.partial` of an interrupted run), oldest
/// first.
fn snapshot_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(dir.join(SNAPSHOTS))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    ids.sort();
    ids
}

/// The snapshots of a backup folder, oldest first. One whose manifest does not check
/// out is refused, so a damaged folder is noticed before it is needed.
pub fn list_snapshots(dir: &Path) -> Result<Vec<SnapshotInfo>> {
    if !dir.join(SNAPSHOTS).is_dir() {
        return Err(invalid(format!("{} is not a backup folder", dir.display())));
    }
    let mut out = Vec::new();
    for id in snapshot_ids(dir) {
        let (m, sum) = read_manifest(dir, &id)?;
        out.push(SnapshotInfo {
            id,
            created_at: m.created_at,
            schema_version: m.schema_version,
            cases: m.counts.cases,
            evidence: m.counts.evidence,
            blobs: m.counts.blobs,
            bytes: m.counts.bytes,
            manifest_sha256: sum,
        });
    }
    Ok(out)
}

fn read_manifest(dir: &Path, id: &str) -> Result<(Manifest, String)> {
    let snap = dir.join(SNAPSHOTS).join(id);
    let read = |name: &str| {
        let path = snap.join(name);
        match fs::metadata(&path) {
            Ok(m) if m.len() > manifest::MAX_MANIFEST => {
                Err(invalid(format!("snapshot {id}: member {name} too large")))
            }
            _ => fs::read(&path)
                .map_err(|e| invalid(format!("snapshot {id}: member {name} cannot be read: {e}"))),
        }
    };
    let bytes = read(MANIFEST)?;
    let sum = read(MANIFEST_SUM)?;
    let m = Manifest::parse(&bytes, &sum)
        .map_err(|e| invalid(format!("snapshot {id}: {}", e.message)))?;
    if m.snapshot != id {
        return Err(invalid(format!(
            "snapshot {id}: member {MANIFEST} names snapshot {}",
            m.snapshot
        )));
    }
    Ok((m, String::from_utf8_lossy(&sum).trim_end().to_string()))
}

/// Reads one snapshot of a backup folder (the newest without `snapshot`), hashing every
/// member and, with `staging`, copying it there.
pub(super) fn read_folder(
    dir: &Path,
    snapshot: Option<&str>,
    staging: Option<&Path>,
) -> Result<Loaded> {
    let ids = snapshot_ids(dir);
    let id = match snapshot {
        Some(id) if ids.iter().any(|i| i == id) => id.to_string(),
        Some(id) => {
            return Err(invalid(format!(
                "{} has no complete snapshot {id}",
                dir.display()
            )));
        }
        None => ids
            .last()
            .cloned()
            .ok_or_else(|| invalid(format!("{} holds no complete snapshot", dir.display())))?,
    };
    let (manifest, manifest_sha256) = read_manifest(dir, &id)?;
    let snap = dir.join(SNAPSHOTS).join(&id);
    // Nothing but the snapshot's own files may sit in its folder.
    for entry in fs::read_dir(&snap).map_err(|e| Error::io("cannot read", &snap, &e))? {
        let entry = entry.map_err(|e| Error::io("cannot read", &snap, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if ![DB_MEMBER, KEY_MEMBER, MANIFEST, MANIFEST_SUM].contains(&name.as_str()) {
            return Err(invalid(format!("snapshot {id}: unexpected file {name}")));
        }
    }
    let mut found = BTreeMap::new();
    for member in &manifest.members {
        let path = if member.path.starts_with("blobs/") {
            dir.join(&member.path)
        } else {
            snap.join(&member.path)
        };
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                return Err(invalid(format!(
                    "member {}: missing from the backup ({e})",
                    member.path
                )));
            }
        };
        let hashed = super::restore::absorb(&member.path, &mut file, staging)?;
        found.insert(member.path.clone(), hashed);
    }
    Ok(Loaded {
        manifest,
        manifest_sha256,
        found,
    })
}
