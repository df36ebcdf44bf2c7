//! A backup as one tar file: the database copy, the key file, the blobs, then
//! `manifest.json` and `manifest.sha256` last (the hashes are taken as the members are
//! written). The file is written as `FILE.partial`, fsynced and renamed, so a file with
//! the final name is always complete; an interrupted run leaves only the `.partial`,
//! which restore refuses.
//!
//! Reading checks more than the tar format does: members must follow each other with no
//! gap, padding and the end blocks must be zeros and nothing may follow them, so a
//! flipped bit anywhere in the file is refused, not only inside a member.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::manifest::{
    self, Counts, DB_MEMBER, FORMAT, KEY_MEMBER, MANIFEST, MANIFEST_SUM, Manifest, Member,
    blob_member, invalid,
};
use super::{
    BackupProgress, BackupSummary, DbSnapshot, HashingReader, Meter, Source, snapshot_db,
    snapshot_name, sync_dir, write_err,
};
use crate::error::{Error, Result};
use crate::time_fmt::format_utc;
use crate::workspace::Workspace;

const BLOCK: u64 = 512;

/// Where an archive backup is being written.
pub(super) struct ArchiveTarget {
    out: PathBuf,
    partial: PathBuf,
    db_copy: PathBuf,
}

/// Takes the database snapshot beside `out` (the only step that needs the workspace).
pub(super) fn begin(ws: &Workspace, out: &Path) -> Result<(ArchiveTarget, DbSnapshot)> {
    if out.exists() {
        return Err(Error::invalid(format!(
            "{} already exists; choose a new file name or an existing folder",
            out.display()
        )));
    }
    let target = ArchiveTarget {
        out: out.to_path_buf(),
        partial: with_suffix(out, ".partial"),
        db_copy: with_suffix(out, ".partial-db"),
    };
    let _ = fs::remove_file(&target.db_copy);
    match snapshot_db(ws, &target.db_copy) {
        Ok(snap) => Ok((target, snap)),
        Err(e) => {
            cleanup(&target, false);
            Err(e)
        }
    }
}

/// Removes the database copy, and the partial archive unless it was completed.
pub(super) fn cleanup(target: &ArchiveTarget, completed: bool) {
    let _ = fs::remove_file(&target.db_copy);
    if !completed {
        let _ = fs::remove_file(&target.partial);
    }
}

pub(super) fn finish(
    target: &ArchiveTarget,
    source: &Source,
    progress: &mut dyn FnMut(BackupProgress),
) -> Result<BackupSummary> {
    let (out, partial, db_copy) = (&target.out, &target.partial, &target.db_copy);
    let (snap, now) = (&source.snap, source.now);
    let key = &source.key;
    let db_size = fs::metadata(db_copy)
        .map_err(|e| Error::io("cannot read", db_copy, &e))?
        .len();
    let key_size = match key {
        Some(k) => fs::metadata(k)
            .map_err(|e| Error::io("cannot read", k, &e))?
            .len(),
        None => 0,
    };
    let mut sources: Vec<(String, PathBuf, u64)> =
        vec![(DB_MEMBER.into(), db_copy.clone(), db_size)];
    if let Some(k) = key {
        sources.push((KEY_MEMBER.into(), k.clone(), key_size));
    }
    for (sha, size) in &snap.blobs {
        sources.push((blob_member(sha), source.blobs.path_for(sha), *size));
    }
    let total: u64 = sources.iter().map(|s| s.2).sum();
    let mut meter = Meter {
        done: 0,
        total,
        report: progress,
    };

    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(partial)
        .map_err(|e| write_err("cannot create", partial, &e))?;
    let mut tar = tar::Builder::new(BufWriter::with_capacity(1 << 20, file));
    let mtime = now.unix_timestamp().max(0) as u64;
    let mut members = Vec::with_capacity(sources.len());
    for (name, path, size) in &sources {
        let src = File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
        let mut reader = Metered {
            inner: HashingReader::new(src.take(*size)),
            meter: &mut meter,
        };
        let mut header = header(*size, mtime);
        tar.append_data(&mut header, name, &mut reader)
            .map_err(|e| write_err("cannot write", partial, &e))?;
        let (sha256, got) = reader.inner.finish();
        if got != *size {
            return Err(Error::io(
                "cannot read",
                path,
                &io::Error::new(io::ErrorKind::UnexpectedEof, "the file shrank while copied"),
            ));
        }
        members.push(Member {
            path: name.clone(),
            sha256,
            size: *size,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        snapshot: snapshot_name(now),
        created_at: format_utc(now),
        schema_version: snap.schema_version,
        encrypted: key.is_some(),
        counts: Counts {
            cases: snap.cases,
            evidence: snap.evidence,
            blobs: snap.blobs.len() as u64,
            bytes: total,
        },
        members,
    };
    let bytes = manifest.to_bytes()?;
    let sum = manifest::digest_line(&bytes);
    for (name, data) in [(MANIFEST, bytes.as_slice()), (MANIFEST_SUM, sum.as_bytes())] {
        let mut header = header(data.len() as u64, mtime);
        tar.append_data(&mut header, name, data)
            .map_err(|e| write_err("cannot write", partial, &e))?;
    }
    let writer = tar
        .into_inner()
        .map_err(|e| write_err("cannot write", partial, &e))?;
    let file = writer
        .into_inner()
        .map_err(|e| write_err("cannot write", partial, e.error()))?;
    file.sync_all()
        .map_err(|e| write_err("cannot sync", partial, &e))?;
    drop(file);
    fs::rename(partial, out).map_err(|e| write_err("cannot rename", out, &e))?;
    let _ = fs::remove_file(db_copy);
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    let written = fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(BackupSummary {
        kind: "archive".into(),
        path: out.to_path_buf(),
        snapshot: manifest.snapshot,
        manifest_sha256: sum.trim_end().to_string(),
        created_at: manifest.created_at,
        schema_version: manifest.schema_version,
        cases: manifest.counts.cases,
        evidence: manifest.counts.evidence,
        blobs: manifest.counts.blobs,
        blobs_copied: manifest.counts.blobs,
        bytes: total,
        bytes_written: written,
    })
}

fn header(size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o444);
    h.set_mtime(mtime);
    h
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

struct Metered<'a, 'b, R> {
    inner: HashingReader<R>,
    meter: &'a mut Meter<'b>,
}

impl<R: Read> Read for Metered<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.add(n as u64);
        Ok(n)
    }
}

/// What a backup holds, as read: the manifest and each member's hash and size.
pub(crate) struct Loaded {
    pub manifest: Manifest,
    pub manifest_sha256: String,
    pub found: BTreeMap<String, (String, u64)>,
}

/// Reads every member of a tar backup, hashing it and, with `staging`, writing it
/// there under its workspace path.
pub(super) fn read_archive(path: &Path, staging: Option<&Path>) -> Result<Loaded> {
    let file = File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let file_len = file
        .metadata()
        .map_err(|e| Error::io("cannot read", path, &e))?
        .len();
    let mut archive = tar::Archive::new(io::BufReader::with_capacity(1 << 20, file));
    let mut found = BTreeMap::new();
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut sum_bytes: Option<Vec<u8>> = None;
    // (data start, data length) of each member, to check the bytes between them.
    let mut spans: Vec<(u64, u64)> = Vec::new();
    let mut expect_header = 0u64;
    let entries = archive
        .entries()
        .map_err(|e| invalid(format!("not a backup archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid(format!("damaged archive: {e}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(invalid(format!("member {name}: not a regular file")));
        }
        if entry.raw_header_position() != expect_header {
            return Err(invalid(format!(
                "member {name}: unexpected bytes before it"
            )));
        }
        let size = entry.size();
        let data = entry.raw_file_position();
        spans.push((data, size));
        expect_header = data + size.div_ceil(BLOCK) * BLOCK;
        if manifest_bytes.is_some() && name != MANIFEST_SUM || sum_bytes.is_some() {
            return Err(invalid(format!("member {name}: found after the manifest")));
        }
        if name == MANIFEST || name == MANIFEST_SUM {
            if size > manifest::MAX_MANIFEST {
                return Err(invalid(format!("member {name}: too large")));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| invalid(format!("member {name}: cannot be read: {e}")))?;
            if name == MANIFEST {
                manifest_bytes = Some(bytes);
            } else {
                sum_bytes = Some(bytes);
            }
            continue;
        }
        if !manifest::is_member_path(&name) {
            return Err(invalid(format!("member {name}: not part of a workspace")));
        }
        if found.contains_key(&name) {
            return Err(invalid(format!("member {name}: present twice")));
        }
        let hashed = super::restore::absorb(&name, &mut entry, staging)?;
        if hashed.1 != size {
            return Err(invalid(format!("member {name}: truncated")));
        }
        found.insert(name, hashed);
    }
    let (Some(manifest_bytes), Some(sum_bytes)) = (manifest_bytes, sum_bytes) else {
        return Err(invalid(format!(
            "member {MANIFEST}: missing (the backup is incomplete or was interrupted)"
        )));
    };
    check_padding(path, &spans, expect_header, file_len)?;
    let manifest = Manifest::parse(&manifest_bytes, &sum_bytes)?;
    Ok(Loaded {
        manifest,
        manifest_sha256: String::from_utf8_lossy(&sum_bytes).trim_end().to_string(),
        found,
    })
}

/// Every byte that is not a header or member data must be zero, and the file must end
/// right after the two end blocks.
fn check_padding(path: &Path, spans: &[(u64, u64)], end: u64, file_len: u64) -> Result<()> {
    if file_len != end + 2 * BLOCK {
        return Err(invalid(format!(
            "the archive is {file_len} bytes, its members and end blocks make {}",
            end + 2 * BLOCK
        )));
    }
    let mut file = File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let mut zeros = |from: u64, len: u64| -> Result<bool> {
        let mut buf = vec![0u8; len as usize];
        file.seek(SeekFrom::Start(from))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| Error::io("cannot read", path, &e))?;
        Ok(buf.iter().all(|b| *b == 0))
    };
    for (data, size) in spans {
        let pad = size.div_ceil(BLOCK) * BLOCK - size;
        if pad > 0 && !zeros(data + size, pad)? {
            return Err(invalid(format!(
                "padding after offset {} is not zero",
                data + size
            )));
        }
    }
    if !zeros(end, 2 * BLOCK)? {
        return Err(invalid("the end blocks of the archive are damaged"));
    }
    Ok(())
}
