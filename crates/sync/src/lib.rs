//! The laptop's side of the central registry: push every queued sealed case from the
//! core's durable outbox (export → resumable upload → receipt verified against the
//! pinned log key and recorded in the custody log), keep the registry's log honest
//! (every newer tree head must come with a consistency proof from the last one seen),
//! and pull the watchlist of other agencies' identifiers by cursor.
//!
//! The API is blocking: each call runs its own small tokio runtime, so the CLI and the
//! desktop shell call it from any thread.

mod backoff;
mod http;
mod log;
mod push;
mod watch;

use std::time::Duration;

use serde::Serialize;
use truyvet_core::outbox::OutboxEntry;
use truyvet_core::{Error, ErrorCode, Result, Workspace};

pub use backoff::Backoff;
pub use http::RegistryClient;
pub use truyvet_wire::api::{LookupResponse, Receipt, Stats};
pub use truyvet_wire::tree_head::{TreeHead, fingerprint};

/// How hard one `sync` tries.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub backoff: Backoff,
    /// Bytes per PUT (1–8 MiB; the registry's `chunk_max` lowers it).
    pub chunk: u64,
    /// Per request.
    pub timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            backoff: Backoff::default(),
            chunk: 4 << 20,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub registry: String,
    /// Every case this run tried, with its state afterwards.
    pub cases: Vec<OutboxEntry>,
    pub verified: usize,
    pub rejected: usize,
    /// Still queued or uploading (the registry was unreachable): tried again next time.
    pub pending: usize,
    /// New watchlist entries pulled, and the cursor after them; absent when the pull
    /// failed (the message says why).
    pub watchlist_added: Option<usize>,
    pub watchlist_cursor: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist_error: Option<String>,
    /// Size of the newest tree head verified.
    pub tree_size: Option<u64>,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the sync runtime: {e}")))
}

/// Connects to the configured registry.
pub fn client(ws: &Workspace, timeout: Duration) -> Result<RegistryClient> {
    let config = ws.require_registry()?;
    let token = ws.registry_token()?;
    RegistryClient::new(&config.url, &token, &config.log_key, timeout)
}

/// Pushes the outbox (`only`: just that case, queued first) then pulls the watchlist.
/// Queues every local sealed case not queued yet. Fails as a whole only when the
/// registry's log is inconsistent with what this workspace saw before, or a reply is
/// not signed by the pinned key: then nothing from it is recorded.
pub fn sync(ws: &mut Workspace, only: Option<&str>, options: &SyncOptions) -> Result<SyncReport> {
    let rt = runtime()?;
    let client = client(ws, options.timeout)?;
    ws.queue_sealed_cases()?;
    let targets: Vec<OutboxEntry> = match only {
        Some(code) => vec![ws.queue_case(code)?],
        None => ws.outbox()?,
    };
    // The log first: a registry that rewrote its history gets nothing from us.
    let head = rt.block_on(async { options.backoff.retry(|| client.tree_head()).await });
    if let Ok(head) = &head {
        match log::accept_current_head(ws, &rt, &client, head) {
            // The proof could not be fetched: checked next time; receipts still are.
            Err(e) if e.code == ErrorCode::RegistryUnreachable => {}
            other => other?,
        }
    }
    let mut cases = Vec::new();
    for entry in targets {
        if !matches!(
            entry.state,
            truyvet_core::outbox::OutboxState::Queued
                | truyvet_core::outbox::OutboxState::Uploading
        ) {
            continue;
        }
        let done = push::push_case(ws, &rt, &client, options, &entry)?;
        cases.push(done);
    }
    let (watchlist_added, watchlist_error) = match watch::pull(ws, &rt, &client, &options.backoff) {
        Ok(n) => (Some(n), None),
        Err(e)
            if e.code == ErrorCode::RegistryUnreachable || e.code == ErrorCode::RegistryRefused =>
        {
            (None, Some(e.to_string()))
        }
        Err(e) => return Err(e),
    };
    let count = |s| cases.iter().filter(|c: &&OutboxEntry| c.state == s).count();
    use truyvet_core::outbox::OutboxState as S;
    Ok(SyncReport {
        registry: client.url().to_string(),
        verified: count(S::Verified),
        rejected: count(S::Rejected),
        pending: count(S::Queued) + count(S::Uploading),
        cases,
        watchlist_added,
        watchlist_cursor: ws.watchlist_cursor()?,
        watchlist_error,
        tree_size: ws.registry_config()?.and_then(|c| c.tree_size),
    })
}

/// The hex SHA-256 fingerprint of a hex log key, as tree heads name it.
pub fn key_fingerprint(key_hex: &str) -> Result<String> {
    Ok(fingerprint(&http::parse_key(key_hex)?))
}

/// Asks the registry live (`truyvet lookup VALUE --registry`).
pub fn lookup(ws: &Workspace, value: &str, timeout: Duration) -> Result<LookupResponse> {
    let rt = runtime()?;
    let client = client(ws, timeout)?;
    rt.block_on(client.lookup(value))
        .map_err(http::HttpError::into_core)
}

/// The registry's cross-agency statistics for `from..=to` (whole days, as the registry
/// counts them): one bounded attempt, no retries, so a report waits at most `timeout`
/// per request. Needs a supervisor's or an admin's token.
pub fn fetch_stats(
    ws: &Workspace,
    from: time::Date,
    to: time::Date,
    timeout: Duration,
) -> Result<Stats> {
    let rt = runtime()?;
    let client = client(ws, timeout)?;
    rt.block_on(client.stats(&date_text(from), &date_text(to)))
        .map_err(http::HttpError::into_core)
}

fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Fetches the registry's current tree head and checks it against `key_hex` (before the
/// key is pinned, to show the user the fingerprint and size to compare).
pub fn fetch_head(url: &str, token: &str, key_hex: &str, timeout: Duration) -> Result<TreeHead> {
    let rt = runtime()?;
    let client = RegistryClient::new(url, token, key_hex, timeout)?;
    let head = rt
        .block_on(client.tree_head())
        .map_err(http::HttpError::into_core)?;
    if !head.verify(client.key()) {
        return Err(Error::new(
            ErrorCode::RegistryReceiptInvalid,
            format!(
                "the registry's tree head is signed by key {}, not by the key given ({})",
                head.key_fingerprint,
                truyvet_wire::tree_head::fingerprint(client.key())
            ),
        ));
    }
    Ok(head)
}
