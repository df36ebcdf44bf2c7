//! `truyvet timestamp`: stamping the queue against the configured RFC 3161 authority.
//! A token is stored only after our own verifier accepted it (imprint, nonce, signature,
//! chain to the configured trust anchors); failures leave the entry queued with a
//! full-jitter back-off, so captures made offline are stamped when the authority is
//! reachable again.

use std::process::ExitCode;

use truyvet_capture::stamping::StampRun;
use truyvet_core::{Error, Result, Workspace};

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
pub fn stamp_due(ws: &mut Workspace, now: bool) -> Result<StampRun> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))?;
    let ws = std::sync::Mutex::new(ws);
    runtime.block_on(truyvet_capture::stamping::stamp_due(&ws, now))
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
