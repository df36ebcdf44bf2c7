//! File evidence: each file is hashed and copied into the blob store in one pass, and
//! only once its bytes are durable is a row written, together with its custody event,
//! in one transaction. A batch is checked up front, so a bad path stores nothing; after
//! that, each file is committed (and reported through `on_added`) on its own, so a
//! crash mid-batch keeps every file that was acknowledged.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Row, params};
use serde_json::json;

use crate::cases::ensure_editable;
use crate::custody::{self, kind};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{EvidenceItem, EvidenceKind};
use crate::time_fmt;
use crate::workspace::Workspace;

const EVIDENCE_COLUMNS: &str = "id, case_id, kind, sha256, size, original_filename, \
     original_filename_hex, media_type, acquired_at, acquired_by, device, source_path, note";

#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// A note recorded with every file of the batch.
    pub note: Option<String>,
    /// Accept 0-byte files (refused by default: almost always a failed download).
    pub allow_empty: bool,
}

impl Workspace {
    pub fn add_files(
        &mut self,
        code: &str,
        paths: &[PathBuf],
        options: &AddOptions,
        on_added: &mut dyn FnMut(&EvidenceItem),
    ) -> Result<Vec<EvidenceItem>> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        if paths.is_empty() {
            return Err(Error::invalid("no files given"));
        }
        for path in paths {
            precheck(path, options.allow_empty)?;
        }
        // Another process holding the write lock would make the first row wait and then
        // fail after its bytes were copied, leaving an orphan blob: find out up front.
        self.write(|_| Ok(()))?;
        let note = options
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let mut added = Vec::with_capacity(paths.len());
        for path in paths {
            let media_type = sniff_media_type(path);
            let stored = self.blobs.put_file(path)?;
            if stored.size == 0 && !options.allow_empty {
                return Err(empty_file(path));
            }
            let (original_filename, original_filename_hex) = file_name_of(path);
            let source_path = std::path::absolute(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .to_string_lossy()
                .into_owned();
            let item = EvidenceItem {
                id: uuid::Uuid::now_v7().to_string(),
                case_id: case.id.clone(),
                kind: EvidenceKind::File,
                sha256: stored.sha256,
                size: stored.size,
                original_filename,
                original_filename_hex,
                media_type,
                acquired_at: time_fmt::now_utc(),
                acquired_by: profile.display_name.clone(),
                device: self.device().to_string(),
                source_path: Some(source_path),
                note: note.map(str::to_string),
            };
            self.write(|conn| {
                insert(conn, &item)?;
                custody::append(
                    conn,
                    &item.case_id,
                    &item.acquired_by,
                    kind::EVIDENCE_ADDED,
                    &json!({
                        "evidence_id": item.id,
                        "kind": item.kind,
                        "sha256": item.sha256,
                        "size": item.size,
                        "original_filename": item.original_filename,
                        "original_filename_hex": item.original_filename_hex,
                        "media_type": item.media_type,
                        "acquired_at": item.acquired_at,
                        "device": item.device,
                        "source_path": item.source_path,
                        "note": item.note,
                    }),
                )?;
                Workspace::touch(conn, &item.case_id)
            })?;
            on_added(&item);
            added.push(item);
        }
        Ok(added)
    }

    pub fn evidence_of(&self, case_id: &str) -> Result<Vec<EvidenceItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE case_id = ?1 ORDER BY acquired_at, id"
        ))?;
        let rows = stmt.query_map([case_id], read_evidence)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }
}

pub(crate) fn insert(conn: &rusqlite::Connection, item: &EvidenceItem) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO evidence ({EVIDENCE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        params![
            item.id,
            item.case_id,
            item.kind.as_str(),
            item.sha256,
            item.size,
            item.original_filename,
            item.original_filename_hex,
            item.media_type,
            item.acquired_at,
            item.acquired_by,
            item.device,
            item.source_path,
            item.note,
        ],
    )?;
    Ok(())
}

fn read_evidence(r: &Row<'_>) -> rusqlite::Result<Result<EvidenceItem>> {
    let kind: String = r.get(2)?;
    let build = || -> Result<EvidenceItem> {
        Ok(EvidenceItem {
            id: r.get(0)?,
            case_id: r.get(1)?,
            kind: EvidenceKind::parse(&kind)?,
            sha256: r.get(3)?,
            size: r.get(4)?,
            original_filename: r.get(5)?,
            original_filename_hex: r.get(6)?,
            media_type: r.get(7)?,
            acquired_at: r.get(8)?,
            acquired_by: r.get(9)?,
            device: r.get(10)?,
            source_path: r.get(11)?,
            note: r.get(12)?,
        })
    };
    Ok(build())
}

/// Everything that can be known about a path before copying it.
fn precheck(path: &Path, allow_empty: bool) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => ErrorCode::FileNotFound,
            _ => ErrorCode::FileUnreadable,
        };
        Error::new(code, format!("{}: {e}", path.display()))
    })?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorCode::NotAFile,
            format!(
                "{} is not a regular file (folders are not added as evidence)",
                path.display()
            ),
        ));
    }
    File::open(path).map_err(|e| {
        Error::new(
            ErrorCode::FileUnreadable,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    if meta.len() == 0 && !allow_empty {
        return Err(empty_file(path));
    }
    Ok(())
}

fn empty_file(path: &Path) -> Error {
    Error::new(
        ErrorCode::EmptyFile,
        format!("{} is empty (0 bytes); nothing to preserve", path.display()),
    )
}

/// The displayed name and, when the name is not valid UTF-8, its exact bytes in hex so
/// that the record still names the original file precisely.
fn file_name_of(path: &Path) -> (String, Option<String>) {
    let name = path.file_name().unwrap_or(OsStr::new(""));
    match name.to_str() {
        Some(s) => (s.to_string(), None),
        None => (
            name.to_string_lossy().into_owned(),
            Some(raw_name_hex(name)),
        ),
    }
}

#[cfg(unix)]
fn raw_name_hex(name: &OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    hex::encode(name.as_bytes())
}

#[cfg(windows)]
fn raw_name_hex(name: &OsStr) -> String {
    use std::os::windows::ffi::OsStrExt;
    name.encode_wide()
        .flat_map(|u| u.to_be_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Media type from the content's magic bytes, then the extension.
fn sniff_media_type(path: &Path) -> String {
    let mut head = [0u8; 8192];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if let Some(kind) = infer::get(&head[..n]) {
        return kind.mime_type().to_string();
    }
    mime_guess::from_path(path)
        .first()
        .map(|m| m.essence_str().to_string())
        .unwrap_or_else(|| "application/octet-stream".to_string())
}
