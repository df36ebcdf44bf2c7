//! Stamping a workspace's RFC 3161 queue, shared by `truyvet timestamp run` and the app:
//! a token is stored only after our verifier accepted it (imprint, nonce, signature,
//! chain to the configured trust anchors); a failure stays queued with a full-jitter
//! back-off, so captures made offline are stamped once the authority answers. The
//! workspace is locked only to read the queue and to record each result, never while
//! the authority is being asked.

use std::borrow::BorrowMut;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use truyvet_core::settings::{TSA_TRUST, TSA_URL};
use truyvet_core::{Error, Result, Workspace, time_fmt};
use truyvet_timestamp::queue::{RetryPolicy, backoff_delay};
use truyvet_timestamp::{ClientConfig, TrustAnchors, TsaClient};

#[derive(Debug, Default, Serialize)]
pub struct StampRun {
    pub stamped: Vec<String>,
    pub still_pending: Vec<StampPending>,
}

#[derive(Debug, Serialize)]
pub struct StampPending {
    pub evidence_id: String,
    pub error: String,
}

/// Stamps the due entries, or every pending one when `all` (ignoring the back-off).
/// `ws` is the app's shared workspace or, from the CLI, a mutex around `&mut Workspace`.
pub async fn stamp_due<W: BorrowMut<Workspace>>(ws: &Mutex<W>, all: bool) -> Result<StampRun> {
    let (client, url, due) = {
        let guard = lock(ws)?;
        let workspace: &Workspace = (*guard).borrow();
        let (client, url) = client(workspace)?;
        let before = if all {
            "9999-12-31T23:59:59.999Z".to_string()
        } else {
            time_fmt::now_utc()
        };
        let due = workspace.due_timestamps(&before, 1000)?;
        (client, url, due)
    };
    let policy = RetryPolicy::default();
    let mut run = StampRun::default();
    for entry in due {
        let mut digest = [0u8; 32];
        if hex::decode_to_slice(&entry.digest, &mut digest).is_err() {
            continue;
        }
        match client.stamp(&digest).await {
            Ok(stamp) => {
                let gen_time = time_fmt::format_utc(stamp.verified.gen_time);
                BorrowMut::<Workspace>::borrow_mut(&mut *lock(ws)?).record_timestamp(
                    &entry.evidence_id,
                    &entry.digest,
                    &stamp.token_der,
                    &gen_time,
                    &url,
                )?;
                run.stamped.push(entry.evidence_id);
            }
            Err(e) => {
                let wait = backoff_delay(&policy, entry.attempts + 1, jitter());
                let next = time::OffsetDateTime::now_utc()
                    + Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
                let error = format!("{}: {e}", e.code());
                BorrowMut::<Workspace>::borrow_mut(&mut *lock(ws)?).record_timestamp_failure(
                    &entry.evidence_id,
                    &error,
                    &time_fmt::format_utc(next),
                )?;
                run.still_pending.push(StampPending {
                    evidence_id: entry.evidence_id,
                    error,
                });
            }
        }
    }
    Ok(run)
}

fn lock<W>(ws: &Mutex<W>) -> Result<MutexGuard<'_, W>> {
    ws.lock()
        .map_err(|_| Error::internal("an earlier operation failed while holding the workspace"))
}

/// The configured authority and its trust anchors.
fn client(ws: &Workspace) -> Result<(TsaClient, String)> {
    let url = ws.setting(TSA_URL)?.ok_or_else(|| {
        Error::invalid("no timestamp authority is configured: truyvet config set tsa.url URL")
    })?;
    let trust = ws.setting(TSA_TRUST)?.ok_or_else(|| {
        Error::invalid("no trust anchors for the authority: truyvet config set tsa.trust FILE.pem")
    })?;
    let pem =
        std::fs::read(&trust).map_err(|e| Error::invalid(format!("cannot read {trust}: {e}")))?;
    let anchors =
        TrustAnchors::from_pem(&pem).map_err(|e| Error::invalid(format!("{trust}: {e}")))?;
    let config = ClientConfig::new(
        url.parse()
            .map_err(|e| Error::invalid(format!("tsa.url {url}: {e}")))?,
    );
    let client = TsaClient::new(config, anchors)
        .map_err(|e| Error::internal(format!("timestamp client: {e}")))?;
    Ok((client, url))
}

/// Jitter for the back-off; it needs to differ between laptops, not to be secret.
fn jitter() -> u64 {
    let id = uuid::Uuid::new_v4();
    u64::from_le_bytes(id.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}
