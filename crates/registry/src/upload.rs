//! Pushing a bundle: a resumable upload into quarantine, then verification and one
//! publishing transaction.
//!
//! - `POST /v1/uploads` announces size and SHA-256 (over the cap: 413).
//! - `PUT /v1/uploads/{id}?offset=N` appends a chunk that must start at the current
//!   offset (else 409 with the offset); the chunk is fsynced before the answer, so an
//!   acknowledged offset survives a crash. `GET`/`HEAD` tell the offset for resuming.
//! - `POST /v1/uploads/{id}/finish` checks the digest, runs the CLI's verifier off the
//!   async runtime, checks the agency, hard-links the file under `bundles/` and then
//!   publishes case, identifiers and log leaf in one transaction. A crash before the
//!   commit leaves only an unreferenced bundle file (swept at start) and the upload,
//!   which can be finished again; after it, finishing again answers the same receipt.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use truyvet_wire::api::{
    CreateUpload, LeafData, Problem, Receipt, UPLOAD_OFFSET_HEADER, UploadStatus, hex_hashes,
};
use truyvet_wire::tree_head::TreeHead;

use crate::auth::Caller;
use crate::clock;
use crate::data_dir::sync_dir;
use crate::error::{Code, Error, Result};
use crate::ingest::{self, CaseFacts};
use crate::log_tree::LogTree;
use crate::server::{AppState, blocking, bytes_rejection, json_rejection, query_rejection};
use crate::store::{NewCase, Publish, Role, Upload};

const PUSHERS: &[Role] = &[Role::Investigator, Role::Supervisor];

pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: std::result::Result<Json<CreateUpload>, JsonRejection>,
) -> Result<Response> {
    caller.require(PUSHERS, "pushing a bundle")?;
    let Json(req) = body.map_err(json_rejection)?;
    let sha256 = req.sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid("sha256 must be 64 hex digits"));
    }
    if req.size == 0 {
        return Err(Error::invalid("an empty file is not a bundle"));
    }
    if req.size > state.limits.max_bundle {
        return Err(Error::new(
            Code::BundleTooLarge,
            format!(
                "the bundle is {} bytes; this registry takes at most {}",
                req.size, state.limits.max_bundle
            ),
        ));
    }
    let upload = Upload {
        id: uuid::Uuid::now_v7().to_string(),
        token_id: caller.token.id.clone(),
        size: req.size,
        sha256,
        created_at: clock::now(),
    };
    let (store, dir, row) = (state.store.clone(), state.dir.clone(), upload.clone());
    blocking(move || {
        // The file first: an upload row always has its file (the sweep removes files
        // without a row).
        let path = dir.upload_file(&row.id);
        fs::File::create_new(&path).map_err(|e| Error::io("cannot create the upload file", &e))?;
        sync_dir(&dir.quarantine())?;
        store.create_upload(&row)
    })
    .await?;
    state
        .audit(
            &caller,
            "upload_created",
            &upload.id,
            201,
            format!("size {} sha256 {}", upload.size, upload.sha256),
        )
        .await?;
    let status = status_of(&state, &upload, 0);
    Ok((StatusCode::CREATED, offset_header(0), Json(status)).into_response())
}

/// The caller's upload, or `upload_not_found` (also for another token's upload: an id
/// does not tell anyone else whether it exists).
async fn own_upload(state: &AppState, caller: &Caller, id: &str) -> Result<Upload> {
    let store = state.store.clone();
    let key = id.to_string();
    let upload = blocking(move || store.upload(&key)).await?;
    match upload {
        Some(u) if u.token_id == caller.token.id => Ok(u),
        _ => Err(Error::new(Code::UploadNotFound, format!("no upload {id}"))),
    }
}

fn current_offset(state: &AppState, id: &str) -> Result<u64> {
    fs::metadata(state.dir.upload_file(id))
        .map(|m| m.len())
        .map_err(|e| Error::io("cannot read the upload file", &e))
}

fn status_of(state: &AppState, upload: &Upload, offset: u64) -> UploadStatus {
    UploadStatus {
        upload_id: upload.id.clone(),
        size: upload.size,
        sha256: upload.sha256.clone(),
        offset,
        chunk_max: state.limits.chunk_max,
    }
}

fn offset_header(offset: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET_HEADER, offset.into());
    headers
}

/// `GET` and `HEAD /v1/uploads/{id}`.
pub async fn status(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> Result<Response> {
    caller.require(PUSHERS, "pushing a bundle")?;
    let upload = own_upload(&state, &caller, &id).await?;
    let offset = current_offset(&state, &id)?;
    Ok((
        offset_header(offset),
        Json(status_of(&state, &upload, offset)),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ChunkQuery {
    offset: u64,
}

pub async fn put_chunk(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    query: std::result::Result<Query<ChunkQuery>, QueryRejection>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    caller.require(PUSHERS, "pushing a bundle")?;
    let Query(ChunkQuery { offset }) = query.map_err(query_rejection)?;
    let upload = own_upload(&state, &caller, &id).await?;
    // A body cut off by the client never reaches the file: the chunk is taken whole.
    let chunk = body.map_err(|r| bytes_rejection(r, Code::ChunkTooLarge))?;
    let lock = state.upload_lock(&id);
    let _held = lock.lock().await;
    let current = current_offset(&state, &id)?;
    if offset != current {
        return Err(Error::new(
            Code::OffsetMismatch,
            format!("the upload is at offset {current}, not {offset}"),
        )
        .with_offset(current));
    }
    let end = current + chunk.len() as u64;
    if end > upload.size {
        return Err(Error::new(
            Code::BundleTooLarge,
            format!(
                "the chunk ends at {end}, past the declared size {}",
                upload.size
            ),
        )
        .with_offset(current));
    }
    let path = state.dir.upload_file(&id);
    blocking(move || append(&path, &chunk)).await?;
    Ok((offset_header(end), Json(status_of(&state, &upload, end))).into_response())
}

fn append(path: &Path, chunk: &[u8]) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| Error::io("cannot open the upload file", &e))?;
    let before = file
        .metadata()
        .map_err(|e| Error::io("cannot read the upload file", &e))?
        .len();
    file.write_all(chunk)
        .and_then(|()| file.sync_data())
        .map_err(|e| {
            // A chunk is taken whole or not at all: cut what was written back off, which
            // also gives back the space a full disk needs for the database.
            file.set_len(before).ok();
            Error::io("cannot write the upload file", &e)
        })
}

pub async fn finish(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> Result<Response> {
    caller.require(PUSHERS, "pushing a bundle")?;
    let upload = own_upload(&state, &caller, &id).await?;
    let lock = state.upload_lock(&id);
    let _held = lock.lock().await;
    let offset = current_offset(&state, &id)?;
    if offset != upload.size {
        return Err(Error::new(
            Code::UploadIncomplete,
            format!("{offset} of {} bytes received", upload.size),
        )
        .with_offset(offset));
    }
    let outcome = verify(&state, &upload).await;
    let facts = match outcome {
        Ok(facts) => facts,
        Err(err) => {
            // A bundle that does not verify will not verify later either: the upload
            // ends. A failure of the registry itself keeps it for another try.
            let terminal = matches!(
                err.code,
                Code::DigestMismatch | Code::BundleInvalid | Code::BundleUnsealed
            );
            if terminal {
                discard(&state, &upload.id).await?;
            }
            let detail = err
                .problems
                .first()
                .map_or(err.message.clone(), |p| format!("{}: {}", p.kind, p.detail));
            state
                .audit(
                    &caller,
                    "push_rejected",
                    &upload.sha256,
                    err.code.status().as_u16(),
                    format!("{}: {detail}", err.code.as_str()),
                )
                .await?;
            return Err(err);
        }
    };
    if facts.agency != caller.agency() {
        discard(&state, &upload.id).await?;
        let err = Error::new(
            Code::AgencyMismatch,
            format!(
                "case {} belongs to agency {}; this token is of {}",
                facts.case_code,
                facts.agency,
                caller.agency()
            ),
        );
        state
            .audit(
                &caller,
                "push_forbidden",
                &facts.case_id,
                403,
                err.message.clone(),
            )
            .await?;
        return Err(err);
    }
    let published = publish(&state, &caller, &upload, &facts).await?;
    discard(&state, &upload.id).await?;
    match published {
        Publish::Accepted(receipt) => {
            state
                .audit(
                    &caller,
                    "push_accepted",
                    &receipt.case_id,
                    201,
                    receipt_detail(&receipt),
                )
                .await?;
            Ok((StatusCode::CREATED, Json(receipt)).into_response())
        }
        Publish::Duplicate(receipt) => {
            state
                .audit(
                    &caller,
                    "push_duplicate",
                    &receipt.case_id,
                    200,
                    receipt_detail(&receipt),
                )
                .await?;
            Ok((StatusCode::OK, Json(receipt)).into_response())
        }
        Publish::Conflict(existing) => {
            let err = Error::new(
                Code::CaseConflict,
                format!(
                    "case {} is published with seal {existing}; this bundle has seal {}",
                    facts.case_id, facts.seal_root
                ),
            );
            state
                .audit(
                    &caller,
                    "push_conflict",
                    &facts.case_id,
                    409,
                    err.message.clone(),
                )
                .await?;
            remove_unreferenced_bundle(&state, &upload.sha256).await?;
            Err(err)
        }
    }
}

fn receipt_detail(r: &Receipt) -> String {
    format!(
        "case {} seal {} bundle {} leaf {}",
        r.case_code, r.seal_root, r.bundle_sha256, r.leaf_index
    )
}

/// Digest, then the full bundle verification, in a staging folder of this upload.
async fn verify(state: &AppState, upload: &Upload) -> Result<CaseFacts> {
    let path = state.dir.upload_file(&upload.id);
    let staging = state.dir.staging().join(&upload.id);
    let expected = upload.sha256.clone();
    blocking(move || {
        let actual = sha256_file(&path)?;
        if actual != expected {
            return Err(Error::new(
                Code::DigestMismatch,
                format!("the bytes hash to {actual}, the upload declared {expected}"),
            ));
        }
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io("cannot clear staging", &e))?;
        }
        let result = verify_in(&path, &staging);
        fs::remove_dir_all(&staging).ok();
        result
    })
    .await
}

fn verify_in(path: &Path, staging: &Path) -> Result<CaseFacts> {
    let report = truyvet_export::verify_bundle_in(path, staging)
        .map_err(|e| Error::internal(format!("verification failed to run: {}", e.message)))?;
    if !report.ok {
        let mut err = Error::new(
            Code::BundleInvalid,
            format!(
                "the bundle does not verify ({} problems)",
                report.problems.len()
            ),
        );
        err.problems = report
            .problems
            .into_iter()
            .map(|p| Problem {
                kind: p.kind,
                detail: p.detail,
            })
            .collect();
        return Err(err);
    }
    let facts = ingest::read_case(staging)?;
    if report.seal_root.as_deref() != Some(facts.seal_root.as_str()) {
        return Err(Error::new(
            Code::BundleInvalid,
            "case.json's seal is not the seal the verifier checked",
        ));
    }
    Ok(facts)
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).map_err(|e| Error::io("cannot read the upload", &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 128 << 10];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("cannot read the upload", &e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

async fn publish(
    state: &Arc<AppState>,
    caller: &Caller,
    upload: &Upload,
    facts: &CaseFacts,
) -> Result<Publish> {
    let accepted_at = clock::now();
    let leaf = LeafData {
        accepted_at: accepted_at.clone(),
        agency: facts.agency.clone(),
        bundle_sha256: upload.sha256.clone(),
        case_id: facts.case_id.clone(),
        seal_root: facts.seal_root.clone(),
    };
    let case = NewCase {
        case_id: facts.case_id.clone(),
        case_code: facts.case_code.clone(),
        agency: facts.agency.clone(),
        unit: caller.token.unit.clone(),
        seal_root: facts.seal_root.clone(),
        bundle_sha256: upload.sha256.clone(),
        province: facts.province.clone(),
        sealed_at: facts.sealed_at.clone(),
        accepted_at,
        categories: facts.categories.clone(),
        platforms: facts.platforms.clone(),
        identifiers: facts.identifiers.clone(),
        leaf_data: leaf.canonical_json(),
        leaf_hash: leaf.leaf_hash(),
    };
    let state = state.clone();
    let source = state.dir.upload_file(&upload.id);
    blocking(move || {
        // The bundle is durable under its digest before the row that names it.
        let target = state.dir.bundle_file(&case.bundle_sha256);
        match fs::hard_link(&source, &target) {
            Ok(()) => sync_dir(&state.dir.bundles())?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("cannot keep the bundle", &e)),
        }
        let key = state.key.clone();
        let make = |index: u64, tree: &LogTree| -> Result<Receipt> {
            let size = index + 1;
            let root = tree.root(size);
            Ok(Receipt {
                case_id: case.case_id.clone(),
                case_code: case.case_code.clone(),
                seal_root: case.seal_root.clone(),
                bundle_sha256: case.bundle_sha256.clone(),
                agency: case.agency.clone(),
                accepted_at: case.accepted_at.clone(),
                leaf_index: index,
                leaf_hash: hex::encode(case.leaf_hash),
                tree_head: TreeHead::sign(size, &root, &clock::now(), &key),
                inclusion_proof: hex_hashes(&tree.inclusion_proof(index, size)),
            })
        };
        state.store.publish(&case, &make)
    })
    .await
}

/// Ends an upload: its row and its quarantine file.
async fn discard(state: &AppState, id: &str) -> Result<()> {
    let (store, path, key) = (
        state.store.clone(),
        state.dir.upload_file(id),
        id.to_string(),
    );
    blocking(move || {
        store.delete_upload(&key)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("cannot remove the upload file", &e)),
        }
    })
    .await
}

async fn remove_unreferenced_bundle(state: &AppState, sha256: &str) -> Result<()> {
    let (store, path, digest) = (
        state.store.clone(),
        state.dir.bundle_file(sha256),
        sha256.to_string(),
    );
    blocking(move || {
        if !store.bundle_digests()?.contains(&digest) {
            fs::remove_file(&path).ok();
        }
        Ok(())
    })
    .await
}
