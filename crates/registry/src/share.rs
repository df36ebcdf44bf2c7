//! Sharing a case's evidence between agencies. A lookup hit names a case and its unit,
//! never its evidence; the bundle itself goes only to the owning agency and to agencies
//! a supervisor of the owner granted it to (`case_shares`, grants only: a copy once
//! fetched cannot be called back, so there is no revocation to pretend otherwise).

use std::fs::File;
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use tokio::sync::mpsc;
use truyvet_wire::api::{Receipt, ShareGrant, ShareRequest};

use crate::auth::Caller;
use crate::clock;
use crate::error::{Code, Error, Result};
use crate::server::{AppState, blocking, json_rejection};
use crate::store::{CaseShare, Role};

/// Chunk size of a bundle download; two chunks in flight bound the memory per download.
const CHUNK: usize = 256 << 10;

async fn published(state: &AppState, case_id: &str) -> Result<Receipt> {
    let store = state.store.clone();
    let key = case_id.to_string();
    blocking(move || store.receipt(&key))
        .await?
        .ok_or_else(|| Error::new(Code::CaseNotFound, format!("no published case {case_id}")))
}

/// `POST /v1/cases/{case_id}/shares {agency}`: a supervisor of the owning agency grants
/// another agency the bundle. Idempotent: granting again answers 200 with
/// `created: false`. Every answer after the token check is audited.
pub async fn grant(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(case_id): UrlPath<String>,
    body: std::result::Result<Json<ShareRequest>, JsonRejection>,
) -> Result<Response> {
    let outcome = grant_inner(&state, &caller, &case_id, body).await;
    let (status, detail) = match &outcome {
        Ok((status, g)) => (status.as_u16(), format!("shared with {}", g.agency)),
        Err(e) => (e.code.status().as_u16(), e.code.as_str().to_string()),
    };
    state
        .audit(&caller, "share", &case_id, status, detail)
        .await?;
    let (status, g) = outcome?;
    Ok((status, Json(g)).into_response())
}

async fn grant_inner(
    state: &AppState,
    caller: &Caller,
    case_id: &str,
    body: std::result::Result<Json<ShareRequest>, JsonRejection>,
) -> Result<(StatusCode, ShareGrant)> {
    caller.require(&[Role::Supervisor], "sharing a case")?;
    let Json(req) = body.map_err(json_rejection)?;
    let receipt = published(state, case_id).await?;
    if receipt.agency != caller.agency() {
        return Err(Error::new(
            Code::AgencyMismatch,
            "only the agency that pushed a case may share it",
        ));
    }
    let store = state.store.clone();
    let agencies = blocking(move || store.agencies()).await?;
    if !agencies.iter().any(|a| a.code == req.agency) {
        return Err(Error::new(
            Code::UnknownAgency,
            format!("no agency {}", req.agency),
        ));
    }
    let share = CaseShare {
        case_id: case_id.to_string(),
        agency: req.agency.clone(),
        granted_by: caller.token.id.clone(),
        unit: caller.token.unit.clone(),
        granted_at: clock::now(),
    };
    // The owner has the bundle already; a grant to itself is a no-op, not a row.
    let created = if req.agency == receipt.agency {
        false
    } else {
        let store = state.store.clone();
        blocking(move || store.share_case(&share)).await?
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        ShareGrant {
            case_id: case_id.to_string(),
            agency: req.agency,
            created,
        },
    ))
}

/// Whether `agency` may fetch the bundle of a case owned by `owner`.
pub fn may_fetch(state: &AppState, case_id: &str, owner: &str, agency: &str) -> Result<bool> {
    Ok(owner == agency || state.store.is_shared(case_id, agency)?)
}

/// `GET /v1/cases/{case_id}/bundle`: the published bundle, streamed, to the owning
/// agency or one it was shared with (investigators and supervisors); audited.
pub async fn bundle(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(case_id): UrlPath<String>,
) -> Result<Response> {
    let outcome = bundle_inner(&state, &caller, &case_id).await;
    let (status, detail) = match &outcome {
        Ok((_, sha, _)) => (200, format!("bundle {sha}")),
        Err(e) => (e.code.status().as_u16(), e.code.as_str().to_string()),
    };
    state
        .audit(&caller, "bundle_download", &case_id, status, detail)
        .await?;
    let (file, sha256, size) = outcome?;
    let mut response = Body::new(FileBody::spawn(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/wacz"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
        headers.insert(header::ETAG, v);
    }
    Ok(response)
}

async fn bundle_inner(
    state: &Arc<AppState>,
    caller: &Caller,
    case_id: &str,
) -> Result<(File, String, u64)> {
    caller.require(&[Role::Investigator, Role::Supervisor], "fetching a bundle")?;
    let receipt = published(state, case_id).await?;
    let st = state.clone();
    let (id, owner, agency) = (
        case_id.to_string(),
        receipt.agency.clone(),
        caller.agency().to_string(),
    );
    if !blocking(move || may_fetch(&st, &id, &owner, &agency)).await? {
        return Err(Error::new(
            Code::AgencyMismatch,
            "this case was not shared with your agency",
        ));
    }
    let path = state.dir.bundle_file(&receipt.bundle_sha256);
    let sha = receipt.bundle_sha256.clone();
    blocking(move || {
        let file = File::open(&path).map_err(|e| Error::io("cannot open the bundle", &e))?;
        let size = file
            .metadata()
            .map_err(|e| Error::io("cannot read the bundle's size", &e))?
            .len();
        Ok((file, sha, size))
    })
    .await
}

/// A response body fed by a blocking reader over a small channel, so a large bundle is
/// never held in memory and a slow client slows the reader instead of filling memory.
struct FileBody {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
}

impl FileBody {
    fn spawn(mut file: File) -> FileBody {
        let (tx, rx) = mpsc::channel(2);
        tokio::task::spawn_blocking(move || {
            loop {
                let mut buf = vec![0u8; CHUNK];
                let item = match file.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(Bytes::from(buf))
                    }
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                // A closed channel means the client went away: stop reading.
                if tx.blocking_send(item).is_err() || failed {
                    return;
                }
            }
        });
        FileBody { rx }
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, std::io::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|item| item.map(|r| r.map(Frame::data)))
    }
}
