//! One case from the outbox to a verified receipt. Every step is recorded in the outbox
//! as soon as the registry confirms it (upload id, then each acknowledged offset), so a
//! client killed at any point, or a registry restarted, resumes where the registry says
//! it stands: the upload's offset is asked again, never assumed.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use tokio::runtime::Runtime;
use truyvet_core::outbox::OutboxEntry;
use truyvet_core::{Error, ErrorCode, Result, Workspace};
use truyvet_wire::api::Receipt;

use crate::SyncOptions;
use crate::http::{HttpError, RegistryClient};

/// Where exported bundles wait for their push, in the workspace folder.
pub const OUTBOX_DIR: &str = "outbox";

enum Step {
    /// Transient: try again after a backoff.
    Retry(HttpError),
    /// The registry refused the case: stop, with its reason.
    Reject(String, String),
    /// Something this workspace must not paper over (log rewritten, database error).
    Fatal(Error),
}

impl From<Error> for Step {
    fn from(e: Error) -> Step {
        if e.code == ErrorCode::RegistryUnreachable {
            Step::Retry(HttpError::Transport(e.message))
        } else {
            Step::Fatal(e)
        }
    }
}

impl From<HttpError> for Step {
    fn from(e: HttpError) -> Step {
        if e.retryable() {
            Step::Retry(e)
        } else {
            Step::Reject(e.code(), e.describe())
        }
    }
}

/// Pushes one queued or uploading case; returns its outbox row afterwards.
pub(crate) fn push_case(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    options: &SyncOptions,
    entry: &OutboxEntry,
) -> Result<OutboxEntry> {
    let id = entry.case_id.clone();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match try_push(ws, rt, client, options, &id) {
            Ok(done) => return Ok(done),
            Err(Step::Fatal(e)) => return Err(e),
            Err(Step::Reject(code, reason)) => {
                let attempts = ws.outbox_entry(&id)?.attempts + 1;
                ws.outbox_reject(&id, attempts, &code, &reason)?;
                return ws.outbox_entry(&id);
            }
            Err(Step::Retry(err)) => {
                let attempts = ws.outbox_entry(&id)?.attempts + 1;
                let wait = options.backoff.delay(attempt);
                let next = time::OffsetDateTime::now_utc()
                    + time::Duration::milliseconds(wait.as_millis() as i64);
                ws.outbox_retry_later(
                    &id,
                    attempts,
                    &truyvet_core::time_fmt::format_utc(next),
                    &err.code(),
                    &err.describe(),
                )?;
                if attempt >= options.backoff.max_attempts.max(1) {
                    return ws.outbox_entry(&id);
                }
                std::thread::sleep(wait);
            }
        }
    }
}

fn bundle_ready(entry: &OutboxEntry) -> Option<(PathBuf, String, u64)> {
    let path = PathBuf::from(entry.bundle_path.as_ref()?);
    let sha = entry.bundle_sha256.clone()?;
    let size = entry.bundle_size?;
    let on_disk = std::fs::metadata(&path).ok()?.len();
    (on_disk == size).then_some((path, sha, size))
}

/// The exported bundle of the case, made once per push and kept until it ends.
fn ensure_bundle(ws: &mut Workspace, entry: &OutboxEntry) -> Result<(PathBuf, String, u64)> {
    if let Some(ready) = bundle_ready(entry) {
        return Ok(ready);
    }
    let dir = ws.root().join(OUTBOX_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, &e))?;
    let path = dir.join(format!("{}.wacz", entry.case_id));
    let summary = truyvet_export::export_case(ws, &entry.case_code, &path)?;
    let text = path.to_string_lossy().into_owned();
    ws.outbox_set_bundle(&entry.case_id, &text, &summary.sha256, summary.size)?;
    Ok((path, summary.sha256, summary.size))
}

fn read_at(path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("cannot open", path, &e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| Error::io("cannot read", path, &e))?;
    let mut buf = vec![0u8; len as usize];
    file.read_exact(&mut buf)
        .map_err(|e| Error::io("cannot read", path, &e))?;
    Ok(buf)
}

fn try_push(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    options: &SyncOptions,
    id: &str,
) -> Result<OutboxEntry, Step> {
    let entry = ws.outbox_entry(id)?;
    let had_bundle = bundle_ready(&entry).is_some();
    if !had_bundle && entry.upload_id.is_some() {
        // The bytes the upload was made for are gone: a new export, a new upload.
        ws.outbox_restart(id)?;
    }
    let (path, sha, size) = ensure_bundle(ws, &entry)?;
    let entry = ws.outbox_entry(id)?;

    // Where the registry stands: a new upload, or the offset it confirms for ours.
    let status = match &entry.upload_id {
        Some(upload) => match rt.block_on(client.upload_status(upload)) {
            Ok(status) => status,
            Err(HttpError::Status { status: 404, .. }) => {
                ws.outbox_restart(id)?;
                rt.block_on(client.create_upload(size, &sha))?
            }
            Err(e) => return Err(e.into()),
        },
        None => rt.block_on(client.create_upload(size, &sha))?,
    };
    let upload = status.upload_id.clone();
    ws.outbox_uploading(id, &upload, status.offset)?;
    let chunk = options.chunk.clamp(1, status.chunk_max.max(1));
    let mut offset = status.offset;

    loop {
        while offset < size {
            let len = chunk.min(size - offset);
            let bytes = read_at(&path, offset, len)?;
            match rt.block_on(client.put_chunk(&upload, offset, bytes)) {
                Ok(s) => offset = s.offset,
                // Someone (an earlier attempt whose answer was lost) got further.
                Err(HttpError::Status {
                    status: 409,
                    offset: Some(o),
                    ..
                }) => offset = o,
                Err(HttpError::Status { status: 404, .. }) => {
                    ws.outbox_restart(id)?;
                    return Err(Step::Retry(HttpError::Transport(
                        "the upload expired on the registry; starting a new one".into(),
                    )));
                }
                Err(e) => return Err(e.into()),
            }
            ws.outbox_uploading(id, &upload, offset)?;
        }
        match rt.block_on(client.finish(&upload)) {
            Ok(receipt) => return accept(ws, rt, client, id, &sha, &path, receipt),
            Err(HttpError::Status {
                status: 409,
                offset: Some(o),
                code,
                ..
            }) if code == "upload_incomplete" => offset = o,
            // A finish whose answer was lost leaves no upload: the same bytes again give
            // the same receipt (the registry is idempotent by case and seal).
            Err(HttpError::Status { status: 404, .. }) => {
                ws.outbox_restart(id)?;
                return Err(Step::Retry(HttpError::Transport(
                    "the upload was finished or expired; pushing again for the receipt".into(),
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn accept(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    id: &str,
    sha: &str,
    path: &Path,
    receipt: Receipt,
) -> Result<OutboxEntry, Step> {
    if receipt.case_id != id || receipt.bundle_sha256 != sha || !receipt.verify(client.key()) {
        return Err(Step::Reject(
            ErrorCode::RegistryReceiptInvalid.as_str().to_string(),
            format!(
                "the receipt for case {} (bundle {}, leaf {}) does not verify with the \
                 pinned log key, or names another case or bundle",
                receipt.case_id, receipt.bundle_sha256, receipt.leaf_index
            ),
        ));
    }
    crate::log::accept_receipt_head(ws, rt, client, &receipt.tree_head)?;
    let value = serde_json::to_value(&receipt).map_err(Error::from)?;
    let done = ws.outbox_verified(id, client.url(), &value)?;
    // The bundle was only a vehicle for the push; the case itself stays in the workspace.
    std::fs::remove_file(path).ok();
    Ok(done)
}
