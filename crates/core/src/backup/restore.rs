//! Verifying and restoring a backup. Every member is hashed against the manifest and
//! written into a staging folder beside the target; the staged workspace is opened and
//! verified; only then does it take the target's place by rename (with `force`, the old
//! workspace is renamed aside first and deleted only once the new one is in place).
//! Any failure removes the staging folder and leaves the target as it was.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::archive::{Loaded, read_archive};
use super::incremental::read_folder;
use super::manifest::{DB_MEMBER, invalid};
use super::{Meter, copy_hashed};
use crate::error::{Error, ErrorCode, Result};
use crate::workspace::{OpenMode, Workspace};

#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// A snapshot of a backup folder (default: the newest).
    pub snapshot: Option<String>,
    /// Replace a target folder that is not empty.
    pub force: bool,
    /// For an encrypted workspace.
    pub passphrase: Option<String>,
}

/// What a verified (and perhaps restored) backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    pub snapshot: String,
    pub created_at: String,
    pub manifest_sha256: String,
    pub members: u64,
    pub bytes: u64,
    pub cases: u64,
    pub evidence: u64,
    pub blobs: u64,
    pub encrypted: bool,
    /// Where the workspace was restored (absent for a verification alone).
    pub target: Option<PathBuf>,
}

/// Checks every member of a backup against its manifest without writing anything.
pub fn verify_backup(from: &Path, snapshot: Option<&str>) -> Result<RestoreSummary> {
    let loaded = load(from, snapshot, None)?;
    Ok(summary(&loaded, None))
}

/// Restores a backup into `to` after verifying all of it.
pub fn restore(from: &Path, to: &Path, opts: &RestoreOptions) -> Result<RestoreSummary> {
    if to.exists() {
        if !to.is_dir() {
            return Err(Error::invalid(format!("{} is not a folder", to.display())));
        }
        let empty = fs::read_dir(to)
            .map_err(|e| Error::io("cannot read", to, &e))?
            .next()
            .is_none();
        if !empty && !opts.force {
            return Err(Error::new(
                ErrorCode::RestoreTargetNotEmpty,
                format!(
                    "{} is not empty; restore into a new folder or pass --force to replace it",
                    to.display()
                ),
            ));
        }
    }
    let name = to
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} cannot be a restore target", to.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create", &parent, &e))?;
    let tag = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let staging = parent.join(format!(".{name}.restore-{tag}"));
    fs::create_dir(&staging).map_err(|e| super::write_err("cannot create", &staging, &e))?;
    let result = stage_and_check(from, &staging, opts).and_then(|loaded| {
        swap_into_place(&staging, to, &parent, &name, &tag)?;
        Ok(summary(&loaded, Some(to.to_path_buf())))
    });
    if result.is_err() {
        let _ = make_writable_and_remove(&staging);
    }
    result
}

fn stage_and_check(from: &Path, staging: &Path, opts: &RestoreOptions) -> Result<Loaded> {
    let loaded = load(from, opts.snapshot.as_deref(), Some(staging))?;
    let ws = open_staged(
        staging,
        loaded.manifest.encrypted,
        opts.passphrase.as_deref(),
    )?;
    let report = ws.verify()?;
    if !report.ok {
        let first = report
            .problems
            .first()
            .map(|p| format!("{}: {}", p.kind, p.detail))
            .unwrap_or_default();
        return Err(invalid(format!(
            "the restored workspace does not verify ({} problems; first: {first})",
            report.problems.len()
        )));
    }
    drop(ws);
    Ok(loaded)
}

fn open_staged(staging: &Path, encrypted: bool, passphrase: Option<&str>) -> Result<Workspace> {
    let opened = match (encrypted, passphrase) {
        (true, Some(p)) => Workspace::open_with_passphrase(staging, OpenMode::Existing, p),
        // open_with refuses an encrypted workspace with `workspace_locked`.
        _ => Workspace::open_with(staging, OpenMode::Existing),
    };
    opened.map_err(|e| {
        if e.code == ErrorCode::DatabaseCorrupt {
            invalid(format!("member {DB_MEMBER}: {}", e.message))
        } else {
            e
        }
    })
}

fn swap_into_place(staging: &Path, to: &Path, parent: &Path, name: &str, tag: &str) -> Result<()> {
    let old = parent.join(format!(".{name}.old-{tag}"));
    let had_old = to.exists();
    if had_old {
        fs::rename(to, &old).map_err(|e| Error::io("cannot move aside", to, &e))?;
    }
    if let Err(e) = fs::rename(staging, to) {
        if had_old {
            let _ = fs::rename(&old, to);
        }
        return Err(Error::io("cannot move the restored workspace to", to, &e));
    }
    super::sync_dir(parent)?;
    if had_old {
        let _ = make_writable_and_remove(&old);
    }
    Ok(())
}

/// Blobs are read-only files; on Windows that stops their removal.
fn make_writable_and_remove(dir: &Path) -> io::Result<()> {
    #[cfg(windows)]
    {
        fn walk(dir: &Path) {
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p);
                } else if let Ok(meta) = fs::metadata(&p) {
                    let mut perms = meta.permissions();
                    #[allow(clippy::permissions_set_readonly_false)]
                    perms.set_readonly(false);
                    let _ = fs::set_permissions(&p, perms);
                }
            }
        }
        walk(dir);
    }
    fs::remove_dir_all(dir)
}

fn load(from: &Path, snapshot: Option<&str>, staging: Option<&Path>) -> Result<Loaded> {
    let loaded = if from.is_dir() {
        read_folder(from, snapshot, staging)?
    } else if from.is_file() {
        if snapshot.is_some() {
            return Err(Error::invalid(
                "--snapshot applies to a backup folder; an archive holds one snapshot",
            ));
        }
        read_archive(from, staging)?
    } else {
        return Err(Error::new(
            ErrorCode::FileNotFound,
            format!("there is no backup at {}", from.display()),
        ));
    };
    check_members(&loaded)?;
    Ok(loaded)
}

/// Every listed member present with its hash and size, and nothing unlisted.
fn check_members(loaded: &Loaded) -> Result<()> {
    for member in &loaded.manifest.members {
        match loaded.found.get(&member.path) {
            None => {
                return Err(invalid(format!(
                    "member {}: missing from the backup",
                    member.path
                )));
            }
            Some((sha, size)) if *sha != member.sha256 || *size != member.size => {
                return Err(invalid(format!(
                    "member {}: its bytes do not match the manifest",
                    member.path
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = loaded
        .found
        .keys()
        .find(|p| !loaded.manifest.members.iter().any(|m| &m.path == *p))
    {
        return Err(invalid(format!("member {extra}: not in the manifest")));
    }
    Ok(())
}

fn summary(loaded: &Loaded, target: Option<PathBuf>) -> RestoreSummary {
    let m = &loaded.manifest;
    RestoreSummary {
        snapshot: m.snapshot.clone(),
        created_at: m.created_at.clone(),
        manifest_sha256: loaded.manifest_sha256.clone(),
        members: m.members.len() as u64,
        bytes: m.counts.bytes,
        cases: m.counts.cases,
        evidence: m.counts.evidence,
        blobs: m.counts.blobs,
        encrypted: m.encrypted,
        target,
    }
}

/// Hashes a member as it is read; with `staging`, writes it to its workspace path there
/// (blobs read-only, as in a workspace).
pub(super) fn absorb(
    member: &str,
    reader: &mut dyn Read,
    staging: Option<&Path>,
) -> Result<(String, u64)> {
    let mut noop = |_| {};
    let mut meter = Meter {
        done: 0,
        total: 0,
        report: &mut noop,
    };
    let src = Path::new(member);
    let Some(staging) = staging else {
        let (sha, size) = copy_hashed(reader, src, &mut io::sink(), src, &mut meter)
            .map_err(|e| invalid(format!("member {member}: cannot be read: {}", e.message)))?;
        return Ok((sha, size));
    };
    let dest = staging.join(member);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| super::write_err("cannot create", parent, &e))?;
    }
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&dest)
        .map_err(|e| super::write_err("cannot create", &dest, &e))?;
    let hashed = copy_hashed(reader, src, &mut out, &dest, &mut meter).map_err(|e| {
        if e.code == ErrorCode::IoError && e.message.starts_with("cannot read") {
            invalid(format!("member {member}: cannot be read: {}", e.message))
        } else {
            e
        }
    })?;
    out.sync_all()
        .map_err(|e| super::write_err("cannot sync", &dest, &e))?;
    if member.starts_with("blobs/") {
        let mut perms = out
            .metadata()
            .map_err(|e| Error::io("cannot read", &dest, &e))?
            .permissions();
        perms.set_readonly(true);
        fs::set_permissions(&dest, perms).map_err(|e| Error::io("cannot protect", &dest, &e))?;
    }
    Ok(hashed)
}

pub(super) fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    crate::blob::hash_reader(&mut file).map_err(|e| Error::io("cannot read", path, &e))
}
