//! The durable outbox of sealed cases waiting for the central registry. Each row moves
//! queued → uploading → verified, or to rejected with the registry's reason; the upload
//! id, the exported bundle and the confirmed offset are stored as they change, so a
//! client killed mid-upload resumes the same bytes where the registry stopped.
//!
//! Only local sealed cases are queued: an imported case is another agency's, and the
//! registry takes a case only from the agency that made it. `queue_sealed_cases` picks
//! up every local sealed case not queued yet, so a case sealed while offline is pushed
//! by the next sync without a separate step.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::custody;
use crate::error::{Error, ErrorCode, Result};
use crate::model::CaseStatus;
use crate::time_fmt;
use crate::workspace::Workspace;

/// Custody event written when a registry receipt has been verified.
pub const RECEIPT_EVENT: &str = "registry_receipt";

string_enum!(
    /// Where a case stands with the registry.
    OutboxState {
        Queued = "queued",
        Uploading = "uploading",
        Verified = "verified",
        Rejected = "rejected",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub case_id: String,
    pub case_code: String,
    pub state: OutboxState,
    pub bundle_path: Option<String>,
    pub bundle_sha256: Option<String>,
    pub bundle_size: Option<u64>,
    pub upload_id: Option<String>,
    /// Bytes the registry has acknowledged as durable.
    pub confirmed_offset: u64,
    pub attempts: u32,
    /// Not before this time (UTC RFC 3339) unless forced.
    pub next_attempt_at: Option<String>,
    /// The registry's error code (or a client-side one) of the last failure.
    pub reason_code: String,
    pub reason: String,
    /// The verified receipt, once `verified`.
    pub receipt: Option<Value>,
    pub queued_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "o.case_id, c.code, o.state, o.bundle_path, o.bundle_sha256, o.bundle_size,
    o.upload_id, o.confirmed_offset, o.attempts, o.next_attempt_at, o.reason_code, o.reason,
    o.receipt, o.queued_at, o.updated_at";

fn entry(r: &Row<'_>) -> rusqlite::Result<(OutboxEntry, String, Option<String>)> {
    let state: String = r.get(2)?;
    let receipt: Option<String> = r.get(12)?;
    Ok((
        OutboxEntry {
            case_id: r.get(0)?,
            case_code: r.get(1)?,
            state: OutboxState::Queued,
            bundle_path: r.get(3)?,
            bundle_sha256: r.get(4)?,
            bundle_size: r.get(5)?,
            upload_id: r.get(6)?,
            confirmed_offset: r.get(7)?,
            attempts: r.get(8)?,
            next_attempt_at: r.get(9)?,
            reason_code: r.get(10)?,
            reason: r.get(11)?,
            receipt: None,
            queued_at: r.get(13)?,
            updated_at: r.get(14)?,
        },
        state,
        receipt,
    ))
}

fn finish(row: (OutboxEntry, String, Option<String>)) -> Result<OutboxEntry> {
    let (mut e, state, receipt) = row;
    e.state = OutboxState::parse(&state)
        .map_err(|err| Error::new(ErrorCode::DatabaseCorrupt, err.message))?;
    e.receipt = match receipt {
        Some(text) => Some(serde_json::from_str(&text)?),
        None => None,
    };
    Ok(e)
}

/// Local sealed cases not in the outbox: imported cases are the other agency's to push.
const UNQUEUED_SEALED: &str = "FROM cases c
     WHERE c.status = 'sealed'
       AND NOT EXISTS (SELECT 1 FROM case_imports i WHERE i.case_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.case_id = c.id)
     ORDER BY c.created_at, c.id";

impl Workspace {
    /// Queues one sealed local case. A rejected case is queued again (attempts reset),
    /// a verified one stays verified, a queued or uploading one is left as it is.
    pub fn queue_case(&mut self, code: &str) -> Result<OutboxEntry> {
        let case = self.case_by_code(code)?;
        if case.status != CaseStatus::Sealed {
            return Err(Error::new(
                ErrorCode::CaseNotSealed,
                format!(
                    "case {code} is {}; only sealed cases go to the registry",
                    case.status
                ),
            ));
        }
        if let Some(origin) = &case.imported {
            return Err(Error::invalid(format!(
                "case {code} was imported from {}; only the agency that made it can push it",
                origin.agency
            )));
        }
        let at = time_fmt::now_utc();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO sync_outbox (case_id, state, queued_at, updated_at)
                 VALUES (?1, 'queued', ?2, ?2)
                 ON CONFLICT (case_id) DO UPDATE SET state = 'queued', attempts = 0,
                   next_attempt_at = NULL, reason_code = '', reason = '', updated_at = ?2
                 WHERE sync_outbox.state = 'rejected'",
                params![case.id, at],
            )?;
            Ok(())
        })?;
        self.outbox_entry(&case.id)
    }

    /// Queues every local sealed case that is not in the outbox yet; returns how many.
    pub fn queue_sealed_cases(&mut self) -> Result<usize> {
        let at = time_fmt::now_utc();
        self.write(|conn| {
            Ok(conn.execute(
                &format!(
                    "INSERT INTO sync_outbox (case_id, state, queued_at, updated_at)
                     SELECT c.id, 'queued', ?1, ?1 {UNQUEUED_SEALED}"
                ),
                [at],
            )?)
        })
    }

    /// Codes of the local sealed cases the outbox does not hold yet, oldest first: what
    /// the next sync queues.
    pub fn unqueued_sealed_cases(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT c.code {UNQUEUED_SEALED}"))?;
        let codes = stmt.query_map([], |r| r.get(0))?;
        Ok(codes.collect::<rusqlite::Result<_>>()?)
    }

    /// Every outbox row, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM sync_outbox o JOIN cases c ON c.id = o.case_id
             ORDER BY o.queued_at, c.code"
        ))?;
        let rows = stmt.query_map([], entry)?;
        rows.map(|r| finish(r?)).collect()
    }

    pub fn outbox_entry(&self, case_id: &str) -> Result<OutboxEntry> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM sync_outbox o JOIN cases c ON c.id = o.case_id
                     WHERE o.case_id = ?1"
                ),
                [case_id],
                entry,
            )
            .optional()?;
        match row {
            Some(row) => finish(row),
            None => Err(Error::new(
                ErrorCode::CaseNotFound,
                format!("case {case_id} is not in the sync outbox"),
            )),
        }
    }

    fn outbox_update(
        &mut self,
        case_id: &str,
        sql: &str,
        extra: &[&dyn rusqlite::ToSql],
    ) -> Result<()> {
        let at = time_fmt::now_utc();
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&case_id, &at];
        args.extend_from_slice(extra);
        self.write(|conn| {
            let n = conn.execute(
                &format!(
                    "UPDATE sync_outbox SET updated_at = ?2, {sql}
                     WHERE case_id = ?1 AND state != 'verified'"
                ),
                args.as_slice(),
            )?;
            if n == 0 {
                return Err(Error::invalid(format!(
                    "case {case_id} is not waiting in the sync outbox"
                )));
            }
            Ok(())
        })
    }

    /// The bundle exported for this push: kept until the push ends, so a resumed upload
    /// sends the very bytes the upload was created for.
    pub fn outbox_set_bundle(
        &mut self,
        case_id: &str,
        path: &str,
        sha256: &str,
        size: u64,
    ) -> Result<()> {
        self.outbox_update(
            case_id,
            "bundle_path = ?3, bundle_sha256 = ?4, bundle_size = ?5, upload_id = NULL,
             confirmed_offset = 0",
            &[&path, &sha256, &size],
        )
    }

    /// An upload was created (or resumed) and the registry confirmed `offset` bytes.
    pub fn outbox_uploading(&mut self, case_id: &str, upload_id: &str, offset: u64) -> Result<()> {
        self.outbox_update(
            case_id,
            "state = 'uploading', upload_id = ?3, confirmed_offset = ?4",
            &[&upload_id, &offset],
        )
    }

    /// The upload is gone (expired or swept): start again from a new upload.
    pub fn outbox_restart(&mut self, case_id: &str) -> Result<()> {
        self.outbox_update(
            case_id,
            "state = 'queued', upload_id = NULL, confirmed_offset = 0",
            &[],
        )
    }

    /// A failure worth retrying: count it and wait until `next_attempt_at`.
    pub fn outbox_retry_later(
        &mut self,
        case_id: &str,
        attempts: u32,
        next_attempt_at: &str,
        reason_code: &str,
        reason: &str,
    ) -> Result<()> {
        self.outbox_update(
            case_id,
            "attempts = ?3, next_attempt_at = ?4, reason_code = ?5, reason = ?6",
            &[&attempts, &next_attempt_at, &reason_code, &reason],
        )
    }

    /// The registry refused the case for good (or the client gave up): kept with the
    /// reason until the user queues it again.
    pub fn outbox_reject(
        &mut self,
        case_id: &str,
        attempts: u32,
        reason_code: &str,
        reason: &str,
    ) -> Result<()> {
        self.outbox_update(
            case_id,
            "state = 'rejected', attempts = ?3, reason_code = ?4, reason = ?5,
             next_attempt_at = NULL, upload_id = NULL, confirmed_offset = 0",
            &[&attempts, &reason_code, &reason],
        )
    }

    /// Records a receipt the caller has verified against the pinned key: the outbox row
    /// becomes `verified` and the case's custody log gets a `registry_receipt` event, in
    /// one transaction. A row already verified (a second sync running at the same time
    /// got there first) is returned as it is, with no second event.
    pub fn outbox_verified(
        &mut self,
        case_id: &str,
        registry_url: &str,
        receipt: &Value,
    ) -> Result<OutboxEntry> {
        let actor = match self.current_profile()? {
            Some(p) => p.display_name,
            None => format!("sync on {}", self.device()),
        };
        let at = time_fmt::now_utc();
        let text = serde_json::to_string(receipt)?;
        self.write(|conn| {
            let n = conn.execute(
                "UPDATE sync_outbox SET state = 'verified', receipt = ?2, updated_at = ?3,
                   upload_id = NULL, reason_code = '', reason = '', next_attempt_at = NULL
                 WHERE case_id = ?1 AND state != 'verified'",
                params![case_id, text, at],
            )?;
            if n == 0 {
                return Ok(());
            }
            custody::append(
                conn,
                case_id,
                &actor,
                RECEIPT_EVENT,
                &serde_json::json!({ "registry": registry_url, "receipt": receipt }),
            )?;
            Ok(())
        })?;
        self.outbox_entry(case_id)
    }
}
