//! The tip's own log: one SHA-256 hash chain per tip, with the custody log's field
//! layout (custody.rs) under its own domain tag, so a tip event can never be passed off
//! as a case event or the other way round.
//!
//! ```text
//! hash = SHA-256( "truyvet.tip.v1\n" || u64be(seq)
//!                 || field(tip_id) || field(actor) || field(at) || field(kind)
//!                 || field(payload) || field(prev_hash) )
//! ```

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::custody::GENESIS;
use crate::error::Result;
use crate::time_fmt;

use super::model::TipEvent;

const DOMAIN: &[u8] = b"truyvet.tip.v1\n";

pub mod kind {
    pub const CREATED: &str = "created";
    pub const IMPORTED: &str = "imported";
    pub const TRIAGED: &str = "triaged";
    pub const ASSIGNED: &str = "assigned";
    pub const CASE_OPENED: &str = "case_opened";
    pub const CLOSED: &str = "closed";
    pub const CONTACT_REVEALED: &str = "contact_revealed";
}

pub fn event_hash(
    seq: u64,
    tip_id: &str,
    actor: &str,
    at: &str,
    kind: &str,
    payload: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(seq.to_be_bytes());
    for field in [tip_id, actor, at, kind, payload, prev_hash] {
        h.update((field.len() as u32).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends inside the caller's transaction.
pub fn append(
    conn: &Connection,
    tip_id: &str,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    let head: Option<(u64, String)> = conn
        .prepare_cached(
            "SELECT seq, hash FROM tip_events WHERE tip_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([tip_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    append_at(conn, tip_id, seq, &prev, actor, kind, payload)
}

/// The first event of a tip just inserted (no head to read: bulk import saves a query).
pub fn append_first(
    conn: &Connection,
    tip_id: &str,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    append_at(conn, tip_id, 1, GENESIS, actor, kind, payload)
}

fn append_at(
    conn: &Connection,
    tip_id: &str,
    seq: u64,
    prev: &str,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    let at = time_fmt::now_utc();
    let text = serde_json::to_string(payload)?;
    let hash = event_hash(seq, tip_id, actor, &at, kind, &text, prev);
    conn.prepare_cached(
        "INSERT INTO tip_events (tip_id, seq, actor, at, kind, payload, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![tip_id, seq, actor, at, kind, text, prev, hash])?;
    Ok(())
}

/// The events of a tip, each with whether its hash and link still hold.
pub fn events(conn: &Connection, tip_id: &str) -> Result<(Vec<TipEvent>, bool)> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, actor, at, kind, payload, prev_hash, hash FROM tip_events
         WHERE tip_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([tip_id], |r| {
        Ok((
            r.get::<_, u64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    let mut intact = true;
    let mut prev_hash = GENESIS.to_string();
    let mut expected = 1;
    for row in rows {
        let (seq, actor, at, kind, payload, prev, hash) = row?;
        let computed = event_hash(seq, tip_id, &actor, &at, &kind, &payload, &prev);
        if seq != expected || prev != prev_hash || computed != hash {
            intact = false;
        }
        expected = seq + 1;
        prev_hash = hash.clone();
        out.push(TipEvent {
            seq,
            actor,
            at,
            kind,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
            hash,
        });
    }
    Ok((out, intact))
}
