//! Entities, occurrences and links against the custody log: every row must have been
//! logged, everything logged must still be there, and each entity's state must be the
//! one its last logged transition says. The triggers of migration 0004 stop ordinary
//! edits; this finds the ones made behind their back (triggers dropped, file edited).
//!
//! Meant to run inside `verify-workspace` beside the capture and timestamp checks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::custody;
use crate::entities::event_kind;
use crate::error::Result;
use crate::verify::Problem;
use crate::workspace::Workspace;

/// What the log of one case says should exist.
#[derive(Default)]
struct Logged {
    /// entity id → expected state ("merged:<into>" for merges).
    entities: BTreeMap<String, String>,
    occurrences: BTreeSet<i64>,
    /// link id → evidence ids.
    links: BTreeMap<String, BTreeSet<String>>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn read_log(events: &[custody::RawEvent]) -> Logged {
    let mut logged = Logged::default();
    for e in events {
        let Ok(p) = serde_json::from_str::<Value>(&e.payload) else {
            continue;
        };
        match e.kind.as_str() {
            event_kind::IDENTIFIERS_SUGGESTED => {
                for n in p["new_entities"].as_array().into_iter().flatten() {
                    logged
                        .entities
                        .insert(text(n, "entity_id"), "suggested".into());
                }
                for o in p["occurrences"].as_array().into_iter().flatten() {
                    if let Some(id) = o["occurrence_id"].as_i64() {
                        logged.occurrences.insert(id);
                    }
                }
            }
            event_kind::ENTITY_CREATED => {
                logged
                    .entities
                    .insert(text(&p, "entity_id"), "confirmed".into());
            }
            event_kind::ENTITY_CONFIRMED | event_kind::ENTITY_REJECTED => {
                logged
                    .entities
                    .insert(text(&p, "entity_id"), text(&p, "to"));
            }
            event_kind::ENTITY_MERGED => {
                logged.entities.insert(
                    text(&p, "entity_id"),
                    format!("merged:{}", text(&p, "into")),
                );
            }
            event_kind::LINK_ADDED | event_kind::LINK_EVIDENCE_ADDED => {
                logged
                    .links
                    .entry(text(&p, "link_id"))
                    .or_default()
                    .extend(strings(&p, "evidence_ids"));
            }
            _ => {}
        }
    }
    logged
}

impl Workspace {
    /// Problems (kinds `entity_not_logged`, `logged_entity_missing`,
    /// `entity_state_mismatch`, `occurrence_not_logged`, `logged_occurrence_missing`,
    /// `link_not_logged`, `logged_link_missing`) for every case.
    pub fn verify_entities(&self) -> Result<Vec<Problem>> {
        let cases: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, code FROM cases ORDER BY code")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut problems = Vec::new();
        for (case_id, code) in &cases {
            let mut logged = read_log(&custody::raw_events(&self.conn, case_id)?);
            let mut push = |kind: &str, detail: String| {
                problems.push(Problem {
                    kind: kind.to_string(),
                    case_code: Some(code.clone()),
                    sha256: None,
                    seq: None,
                    detail,
                });
            };

            let mut stmt = self.conn.prepare_cached(
                "SELECT id, state, merged_into FROM entities WHERE case_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([case_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            for row in rows {
                let (id, state, into) = row?;
                let actual = match into {
                    Some(into) => format!("{state}:{into}"),
                    None => state,
                };
                match logged.entities.remove(&id) {
                    None => push(
                        "entity_not_logged",
                        format!("entity {id} has no custody event recording it"),
                    ),
                    Some(expected) if expected != actual => push(
                        "entity_state_mismatch",
                        format!("entity {id} is {actual} but the custody log says {expected}"),
                    ),
                    Some(_) => {}
                }
            }
            for id in logged.entities.keys() {
                push(
                    "logged_entity_missing",
                    format!("the custody log records entity {id}, but it is gone"),
                );
            }

            // An imported occurrence has a local id; its log names `origin_id` (0007).
            let mut stmt = self.conn.prepare_cached(
                "SELECT coalesce(origin_id, id) FROM identifier_occurrences WHERE case_id = ?1
                 ORDER BY id",
            )?;
            let ids: Vec<i64> = stmt
                .query_map([case_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                if !logged.occurrences.remove(&id) {
                    push(
                        "occurrence_not_logged",
                        format!("identifier occurrence {id} has no custody event"),
                    );
                }
            }
            for id in &logged.occurrences {
                push(
                    "logged_occurrence_missing",
                    format!("the custody log records identifier occurrence {id}, but it is gone"),
                );
            }

            let mut stmt = self.conn.prepare_cached(
                "SELECT l.id, e.evidence_id FROM entity_links l
                 LEFT JOIN link_evidence e ON e.link_id = l.id
                 WHERE l.case_id = ?1 ORDER BY l.id",
            )?;
            let rows = stmt.query_map([case_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            let mut stored: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for row in rows {
                let (id, evidence) = row?;
                stored.entry(id).or_default().extend(evidence);
            }
            for (id, evidence) in &stored {
                match logged.links.remove(id) {
                    Some(expected) if &expected == evidence => {}
                    Some(expected) => push(
                        "link_not_logged",
                        format!(
                            "link {id} is backed by {evidence:?} but the custody log says {expected:?}"
                        ),
                    ),
                    None => push(
                        "link_not_logged",
                        format!("link {id} has no custody event recording it"),
                    ),
                }
            }
            for id in logged.links.keys() {
                push(
                    "logged_link_missing",
                    format!("the custody log records link {id}, but it is gone"),
                );
            }
        }
        Ok(problems)
    }
}
