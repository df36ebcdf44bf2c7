//! `truyvet timestamp`: stamping the queue against the configured RFC 3161 authority.
//! A token is stored only after our own verifier accepted it (imprint, nonce, signature,
//! chain to the configured trust anchors); failures leave the entry queued with a
//! full-jitter back-off, so captures made offline are stamped when the authority is
//! reachable again.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use truyvet_core::settings::{TSA_TRUST, TSA_URL};
use truyvet_core::{Error, Result, Workspace, time_fmt};
use truyvet_timestamp::queue::{RetryPolicy, backoff_delay};
use truyvet_timestamp::{ClientConfig, TrustAnchors, TsaClient};

#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    pub stamped: Vec<String>,
    pub still_pending: Vec<Pending>,
}

#[derive(Debug, Serialize)]
pub struct Pending {
    pub evidence_id: String,
    pub error: String,
}

pub fn run(ws: &mut Workspace, now: bool, json: bool) -> Result<ExitCode> {
    let report = stamp_due(ws, now)?;
    crate::run::emit(json, &report, || {
        let mut out = format!("đã đóng dấu thời gian: {}", report.stamped.len());
        for p in &report.still_pending {
            out.push_str(&format!("\nvẫn chờ {}: {}", p.evidence_id, p.error));
        }
        out
    })
}

/// Stamps what is due (everything pending when `now`). Used after a capture too.
pub fn stamp_due(ws: &mut Workspace, now: bool) -> Result<RunReport> {
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
    let due_before = if now {
        "9999-12-31T23:59:59.999Z".to_string()
    } else {
        time_fmt::now_utc()
    };
    let due = ws.due_timestamps(&due_before, 1000)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))?;
    let policy = RetryPolicy::default();
    let mut report = RunReport::default();
    for entry in due {
        let mut digest = [0u8; 32];
        if hex::decode_to_slice(&entry.digest, &mut digest).is_err() {
            continue;
        }
        match runtime.block_on(client.stamp(&digest)) {
            Ok(stamp) => {
                let gen_time = time_fmt::format_utc(stamp.verified.gen_time);
                ws.record_timestamp(
                    &entry.evidence_id,
                    &entry.digest,
                    &stamp.token_der,
                    &gen_time,
                    &url,
                )?;
                report.stamped.push(entry.evidence_id);
            }
            Err(e) => {
                let wait = backoff_delay(&policy, entry.attempts + 1, random());
                let next = time::OffsetDateTime::now_utc()
                    + Duration::from_millis(wait.as_millis() as u64);
                let error = format!("{}: {e}", e.code());
                ws.record_timestamp_failure(
                    &entry.evidence_id,
                    &error,
                    &time_fmt::format_utc(next),
                )?;
                report.still_pending.push(Pending {
                    evidence_id: entry.evidence_id,
                    error,
                });
            }
        }
    }
    Ok(report)
}

pub fn status(ws: &Workspace, code: &str, json: bool) -> Result<ExitCode> {
    let case = ws.case_by_code(code)?;
    let mut rows = Vec::new();
    for item in ws.evidence_of(&case.id)? {
        if let Some(s) = ws.timestamp_status(&item.id)? {
            rows.push(s);
        }
    }
    crate::run::emit(json, &rows, || {
        rows.iter()
            .map(|s| {
                format!(
                    "{}  {}  {}{}",
                    s.evidence_id,
                    s.status,
                    s.gen_time.as_deref().unwrap_or("-"),
                    s.last_error
                        .as_deref()
                        .map(|e| format!("  ({e})"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Jitter for the back-off; it needs to differ between laptops, not to be secret.
fn random() -> u64 {
    let uuid = uuid::Uuid::new_v4();
    u64::from_le_bytes(uuid.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}
