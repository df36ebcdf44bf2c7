//! The HTTP side: shared state, the router with its body limits, JSON errors for what
//! axum itself refuses (unknown path, wrong method, unreadable query or body), and
//! listening — TLS with rustls, or plain HTTP only on a loopback address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::routing::{get, post};
use ed25519_dalek::SigningKey;
use tokio::net::TcpListener;

use crate::audit_writer::AuditWriter;
use crate::auth::Caller;
use crate::data_dir::DataDir;
use crate::error::{Code, Error, Result};
use crate::store::{AuditRecord, Store};
use crate::{clock, query, share, tls, upload};

/// Sizes the registry accepts; defaults fit the 1 MiB–2 GiB bundles.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest bundle an upload may declare.
    pub max_bundle: u64,
    /// Largest body of one chunk.
    pub chunk_max: u64,
    /// Largest JSON request body.
    pub json_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bundle: 4 << 30,
            chunk_max: 8 << 20,
            json_max: 16 << 10,
        }
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub dir: DataDir,
    pub key: SigningKey,
    pub limits: Limits,
    /// One async lock per upload id: chunks and finish of one upload never interleave.
    upload_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    audit_writer: AuditWriter,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, dir: DataDir, key: SigningKey, limits: Limits) -> AppState {
        AppState {
            audit_writer: AuditWriter::start(store.clone()),
            store,
            dir,
            key,
            limits,
            upload_locks: Mutex::new(HashMap::new()),
        }
    }

    pub fn upload_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.upload_locks.lock().unwrap_or_else(|p| p.into_inner());
        // Locks of finished uploads are dropped once nobody holds them.
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        locks.entry(id.to_string()).or_default().clone()
    }

    /// Appends to the audit log; returns once the row is committed (`audit_writer.rs`).
    pub async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        target: &str,
        status: u16,
        detail: String,
    ) -> Result<()> {
        let record = AuditRecord {
            at: clock::now(),
            actor: caller.token.id.clone(),
            agency: caller.token.agency.clone(),
            role: caller.token.role.as_str().to_string(),
            action: action.to_string(),
            target: target.to_string(),
            status,
            detail,
        };
        self.audit_writer.write(record).await
    }
}

/// Runs a blocking store or file call on tokio's blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("a blocking task failed: {e}")))?
}

pub fn router(state: Arc<AppState>) -> Router {
    let chunk_limit = state.limits.chunk_max as usize;
    let json_limit = state.limits.json_max;
    let uploads = Router::new()
        .route(
            "/v1/uploads/{id}",
            get(upload::status).put(upload::put_chunk),
        )
        .layer(DefaultBodyLimit::max(chunk_limit));
    Router::new()
        .route("/v1/uploads", post(upload::create))
        .route("/v1/uploads/{id}/finish", post(upload::finish))
        .route("/v1/cases/{case_id}/receipt", get(query::receipt))
        .route("/v1/cases/{case_id}/shares", post(share::grant))
        .route("/v1/cases/{case_id}/bundle", get(share::bundle))
        .route("/v1/log/head", get(query::tree_head))
        .route("/v1/log/consistency", get(query::consistency))
        .route("/v1/log/inclusion", get(query::inclusion))
        .route("/v1/lookup", get(query::lookup))
        .route("/v1/watchlist", get(query::watchlist))
        .route("/v1/stats", get(query::stats))
        .route("/v1/audit", get(query::audit))
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(uploads)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> Error {
    Error::new(Code::NotFound, "no such endpoint")
}

async fn method_not_allowed() -> Error {
    Error::new(
        Code::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

/// axum's own refusals, as our JSON errors with the status they deserve.
pub fn json_rejection(r: JsonRejection) -> Error {
    match r {
        JsonRejection::MissingJsonContentType(_) => Error::new(
            Code::UnsupportedMediaType,
            "the body must be JSON (Content-Type: application/json)",
        ),
        JsonRejection::BytesRejection(b) => bytes_rejection(b, Code::BodyTooLarge),
        other => Error::new(Code::BadRequest, other.body_text()),
    }
}

pub fn bytes_rejection(r: BytesRejection, too_large: Code) -> Error {
    if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::new(too_large, "the request body is larger than allowed")
    } else {
        Error::new(Code::BadRequest, r.body_text())
    }
}

pub fn query_rejection(r: QueryRejection) -> Error {
    Error::new(Code::BadRequest, r.body_text())
}

/// How `serve` listens.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub addr: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Binds, prints `listening on SCHEME://ADDR` (the port is the real one when 0 was
/// asked) and serves until the process ends.
pub async fn serve(state: Arc<AppState>, listen: ListenConfig) -> Result<()> {
    let tls_config = match &listen.tls {
        Some((cert, key)) => Some(tls::server_config(cert, key)?),
        None if listen.addr.ip().is_loopback() => None,
        None => {
            return Err(Error::new(
                Code::PlainHttpRefused,
                format!(
                    "plain HTTP is allowed on loopback only; {} is not loopback: give \
                     --tls-cert and --tls-key",
                    listen.addr
                ),
            ));
        }
    };
    let listener = TcpListener::bind(listen.addr)
        .await
        .map_err(|e| Error::io(&format!("cannot listen on {}", listen.addr), &e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", &e))?;
    let app = router(state);
    let scheme = if tls_config.is_some() {
        "https"
    } else {
        "http"
    };
    println!("listening on {scheme}://{local}");
    match tls_config {
        Some(config) => tls::serve(listener, config, app).await,
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::io("the server stopped", &e)),
    }
}

async fn shutdown() {
    tokio::signal::ctrl_c().await.ok();
}
