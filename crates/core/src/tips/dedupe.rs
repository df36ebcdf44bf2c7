//! Triage: which open tips and cases a tip probably repeats, and why. Two records match
//! on a shared identifier (phone, bank account, e-mail, domain: the same normalized value
//! within one family, as cross-case hits do) or the same normalized link.

use rusqlite::Connection;

use crate::error::Result;
use crate::identifiers::IdKind;

use super::model::{DuplicateMatch, MatchReason};
use super::text;

/// Matches of tip `tip_id` against other tips not closed and cases not sealed.
pub fn duplicates_of(conn: &Connection, tip_id: &str) -> Result<Vec<DuplicateMatch>> {
    let mut out: Vec<DuplicateMatch> = Vec::new();
    let mut add =
        |target: &str, code: String, title: String, status: String, reason: MatchReason| match out
            .iter_mut()
            .find(|m| m.target == target && m.code == code)
        {
            Some(m) => {
                if !m.reasons.contains(&reason) {
                    m.reasons.push(reason);
                }
            }
            None => out.push(DuplicateMatch {
                target: target.to_string(),
                code,
                title,
                status,
                reasons: vec![reason],
            }),
        };

    // Other open tips sharing an identifier.
    let mut stmt = conn.prepare_cached(
        "SELECT o.code, o.summary, o.status, mine.family, mine.value, mine.source
         FROM tip_identifiers mine
         JOIN tip_identifiers other ON other.family = mine.family AND other.value = mine.value
                                    AND other.tip_id != mine.tip_id
         JOIN tips o ON o.id = other.tip_id AND o.status != 'closed'
         WHERE mine.tip_id = ?1
         ORDER BY o.received_at DESC, o.code",
    )?;
    let rows = stmt.query_map([tip_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    for row in rows {
        let (code, title, status, family, value, source) = row?;
        add(
            "tip",
            code,
            title,
            status,
            MatchReason {
                kind: family,
                value,
                source,
            },
        );
    }
    // Other open tips with the same link.
    let mut stmt = conn.prepare_cached(
        "SELECT o.code, o.summary, o.status, mine.normalized
         FROM tip_links mine
         JOIN tip_links other ON other.normalized = mine.normalized AND other.tip_id != mine.tip_id
         JOIN tips o ON o.id = other.tip_id AND o.status != 'closed'
         WHERE mine.tip_id = ?1
         ORDER BY o.received_at DESC, o.code",
    )?;
    let rows = stmt.query_map([tip_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (code, title, status, url) = row?;
        add(
            "tip",
            code,
            title,
            status,
            MatchReason {
                kind: "url".into(),
                value: url,
                source: "allegation".into(),
            },
        );
    }

    // Cases still open (not sealed) with the identifier among their entities. The case
    // the tip itself opened is not a duplicate of it.
    let own_case: Option<String> =
        conn.query_row("SELECT case_id FROM tips WHERE id = ?1", [tip_id], |r| {
            r.get(0)
        })?;
    let own_case = own_case.unwrap_or_default();
    let mine: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT family, value, source FROM tip_identifiers WHERE tip_id = ?1 ORDER BY family, value",
        )?;
        let rows = stmt.query_map([tip_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (family, value, source) in mine {
        let kinds: Vec<&str> = IdKind::ALL
            .iter()
            .filter(|k| k.family() == family)
            .map(|k| k.as_str())
            .collect();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT c.id, c.code, c.title, c.status, e.id_kind FROM entities e
             JOIN cases c ON c.id = e.case_id AND c.status != 'sealed'
             WHERE e.value = ?1 AND e.state != 'rejected'
             ORDER BY c.code",
        )?;
        let rows = stmt.query_map([&value], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (case_id, code, title, status, id_kind) = row?;
            if case_id == own_case || !kinds.contains(&id_kind.as_deref().unwrap_or("")) {
                continue;
            }
            add(
                "case",
                code,
                title,
                status,
                MatchReason {
                    kind: family.clone(),
                    value: value.clone(),
                    source: source.clone(),
                },
            );
        }
    }
    // Cases whose captured pages are the tip's links.
    let links = super::store::links_of(conn, tip_id)?;
    for (_, normalized) in links {
        let host = text::host_of(&normalized).to_string();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.code, c.title, c.status, w.url, w.final_url FROM web_captures w
             JOIN evidence ev ON ev.id = w.evidence_id
             JOIN cases c ON c.id = ev.case_id AND c.status != 'sealed'
             WHERE instr(lower(w.url), ?1) > 0 OR instr(lower(w.final_url), ?1) > 0
             ORDER BY c.code",
        )?;
        let rows = stmt.query_map([&host], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for row in rows {
            let (case_id, code, title, status, url, final_url) = row?;
            let same = [url, final_url]
                .iter()
                .any(|u| text::normalize_url(u).as_deref() == Some(normalized.as_str()));
            if same && case_id != own_case {
                add(
                    "case",
                    code,
                    title,
                    status,
                    MatchReason {
                        kind: "url".into(),
                        value: normalized.clone(),
                        source: "allegation".into(),
                    },
                );
            }
        }
    }
    Ok(out)
}
