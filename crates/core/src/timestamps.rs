//! The queue of RFC 3161 timestamps. Every capture's digest is queued in the same
//! transaction that stores it; whoever can reach a timestamp authority (the app, `truyvet
//! timestamp run`) takes the due entries, asks the authority, verifies the token and
//! records it here. Offline, entries simply wait. A stamped entry is final (trigger).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::custody::{self, kind};
use crate::error::{Error, ErrorCode, Result};
use crate::time_fmt;
use crate::workspace::Workspace;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingStamp {
    pub evidence_id: String,
    pub case_id: String,
    pub digest: String,
    pub attempts: u32,
    pub next_attempt_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StampStatus {
    pub evidence_id: String,
    pub digest: String,
    /// `pending`, `stamped` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub tsa_url: Option<String>,
    pub gen_time: Option<String>,
}

pub(crate) fn enqueue(conn: &Connection, evidence_id: &str, digest: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO timestamps (evidence_id, digest, status, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)",
        params![evidence_id, digest, time_fmt::now_utc()],
    )?;
    Ok(())
}

impl Workspace {
    /// Entries whose next attempt is due at `now` (RFC 3339 UTC), oldest first.
    pub fn due_timestamps(&self, now: &str, limit: usize) -> Result<Vec<PendingStamp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.evidence_id, e.case_id, t.digest, t.attempts, t.next_attempt_at
             FROM timestamps t JOIN evidence e ON e.id = t.evidence_id
             WHERE t.status = 'pending' AND t.next_attempt_at <= ?1
             ORDER BY t.next_attempt_at LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit as i64], |r| {
            Ok(PendingStamp {
                evidence_id: r.get(0)?,
                case_id: r.get(1)?,
                digest: r.get(2)?,
                attempts: r.get(3)?,
                next_attempt_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn timestamp_status(&self, evidence_id: &str) -> Result<Option<StampStatus>> {
        Ok(self
            .conn
            .query_row(
                "SELECT evidence_id, digest, status, attempts, last_error, tsa_url, gen_time
                 FROM timestamps WHERE evidence_id = ?1",
                [evidence_id],
                |r| {
                    Ok(StampStatus {
                        evidence_id: r.get(0)?,
                        digest: r.get(1)?,
                        status: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                        tsa_url: r.get(5)?,
                        gen_time: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// The stored token (DER `TimeStampToken`, a CMS `ContentInfo`) of a stamped item.
    pub fn timestamp_token(&self, evidence_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT token FROM timestamps WHERE evidence_id = ?1 AND status = 'stamped'",
                [evidence_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records a token the caller has verified against `digest`, and logs it in the
    /// case's custody chain.
    pub fn record_timestamp(
        &mut self,
        evidence_id: &str,
        digest: &str,
        token: &[u8],
        gen_time: &str,
        tsa_url: &str,
    ) -> Result<()> {
        let actor = self.require_profile()?.display_name;
        self.write(|conn| {
            let (case_id, queued): (String, String) = conn
                .query_row(
                    "SELECT e.case_id, t.digest FROM timestamps t JOIN evidence e ON e.id = t.evidence_id
                     WHERE t.evidence_id = ?1 AND t.status = 'pending'",
                    [evidence_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| Error::invalid(format!("no pending timestamp for evidence {evidence_id}")))?;
            if queued != digest {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!("the token covers {digest}, but evidence {evidence_id} has digest {queued}"),
                ));
            }
            conn.execute(
                "UPDATE timestamps SET status = 'stamped', attempts = attempts + 1, token = ?2,
                   gen_time = ?3, tsa_url = ?4, stamped_at = ?5, last_error = NULL
                 WHERE evidence_id = ?1",
                params![evidence_id, token, gen_time, tsa_url, time_fmt::now_utc()],
            )?;
            custody::append(
                conn,
                &case_id,
                &actor,
                kind::TIMESTAMP_ADDED,
                &json!({
                    "evidence_id": evidence_id,
                    "digest": digest,
                    "gen_time": gen_time,
                    "tsa_url": tsa_url,
                    "token_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token)),
                }),
            )?;
            Ok(())
        })
    }

    /// Notes a failed attempt; the entry stays pending until `next_attempt_at`.
    pub fn record_timestamp_failure(
        &mut self,
        evidence_id: &str,
        error: &str,
        next_attempt_at: &str,
    ) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE timestamps SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE evidence_id = ?1 AND status = 'pending'",
                params![evidence_id, error, next_attempt_at],
            )?;
            Ok(())
        })
    }
}
