//! Stamping the RFC 3161 queue from the app, as `truyvet timestamp run` does: a token is
//! stored only after our verifier accepted it; failures stay queued with a back-off.
//! The workspace is locked only to read the queue and to record each result, never
//! while the authority is being asked.

use std::time::Duration;

use serde::Serialize;
use tauri::State;
use truyvet_core::settings::{TSA_TRUST, TSA_URL};
use truyvet_core::{Error, Workspace, time_fmt};
use truyvet_timestamp::queue::{RetryPolicy, backoff_delay};
use truyvet_timestamp::{ClientConfig, TrustAnchors, TsaClient};

use super::CmdResult;
use crate::state::{AppState, lock};

#[derive(Debug, Default, Serialize)]
pub struct StampRun {
    stamped: Vec<String>,
    still_pending: Vec<StampPending>,
}

#[derive(Debug, Serialize)]
pub struct StampPending {
    evidence_id: String,
    error: String,
}

#[cfg(test)]
impl StampRun {
    /// One of each, for the contract test.
    pub fn example() -> StampRun {
        StampRun {
            stamped: vec!["a".into()],
            still_pending: vec![StampPending {
                evidence_id: "b".into(),
                error: "unreachable: offline".into(),
            }],
        }
    }
}

#[tauri::command]
pub async fn timestamp_run(state: State<'_, AppState>) -> CmdResult<StampRun> {
    let ws = state.workspace()?;
    Ok(stamp_due(&ws).await?)
}

/// Stamps every due entry. Also run in the background after each capture.
pub async fn stamp_due(ws: &std::sync::Mutex<Workspace>) -> truyvet_core::Result<StampRun> {
    let (client, url, due) = {
        let guard = lock(ws)?;
        let (client, url) = client(&guard)?;
        let due = guard.due_timestamps(&time_fmt::now_utc(), 1000)?;
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
                lock(ws)?.record_timestamp(
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
                lock(ws)?.record_timestamp_failure(
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

fn client(ws: &Workspace) -> truyvet_core::Result<(TsaClient, String)> {
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
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}
