//! The registry's watchlist kept on the laptop: identifiers of other agencies' sealed
//! cases, pulled as deltas by cursor and merged into lookups and cross-case hits
//! ("seen by another agency"), so the flags work offline once pulled.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::crosscase::Occurrence;
use crate::error::Result;
use crate::identifiers::{IdKind, lookup_keys};
use crate::time_fmt;
use crate::workspace::Workspace;

/// One identifier of another agency's case, as the registry's watchlist lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencySighting {
    pub cursor: u64,
    pub kind: String,
    pub value: String,
    pub qualifier: String,
    pub agency: String,
    pub case_id: String,
    pub case_code: String,
    pub categories: Vec<String>,
    pub case_date: String,
}

/// An identifier of a local case that another agency's case also holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyHit {
    pub entity_id: String,
    pub id_kind: IdKind,
    pub value: String,
    pub qualifier: String,
    pub seen_by: AgencySighting,
}

fn agree(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a == b
}

fn family(kind: &str) -> Option<&'static str> {
    IdKind::parse(kind).ok().map(IdKind::family)
}

/// The schema version that brought the sync tables (migration 0008).
const SYNC_SCHEMA: u32 = 8;

impl Workspace {
    /// False for a read-only workspace whose database predates the sync tables (opened
    /// immutable, so not migrated): it simply has no watchlist yet.
    fn has_watchlist(&self) -> bool {
        self.schema_version().is_ok_and(|v| v >= SYNC_SCHEMA)
    }

    /// When the watchlist was last pulled (None before the first pull) and how many
    /// entries it holds.
    pub fn watchlist_summary(&self) -> Result<(Option<String>, u64)> {
        if !self.has_watchlist() {
            return Ok((None, 0));
        }
        let pulled_at = self
            .conn
            .query_row(
                "SELECT pulled_at FROM watchlist_cursor WHERE id = 1",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten();
        let entries = self
            .conn
            .query_row("SELECT count(*) FROM watchlist", [], |r| r.get(0))?;
        Ok((pulled_at, entries))
    }

    /// The cursor to pull from next (0 before the first pull).
    pub fn watchlist_cursor(&self) -> Result<u64> {
        if !self.has_watchlist() {
            return Ok(0);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM watchlist_cursor WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0))
    }

    /// Stores one page and its cursor together; an entry already held is skipped, so a
    /// page pulled twice changes nothing. Returns how many entries were new.
    pub fn merge_watchlist(
        &mut self,
        entries: &[AgencySighting],
        next_cursor: u64,
    ) -> Result<usize> {
        let at = time_fmt::now_utc();
        self.write(|conn| {
            let mut added = 0;
            let mut insert = conn.prepare_cached(
                "INSERT OR IGNORE INTO watchlist (cursor, id_kind, value, qualifier, agency,
                   case_id, case_code, categories, case_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for e in entries {
                added += insert.execute(params![
                    e.cursor,
                    e.kind,
                    e.value,
                    e.qualifier,
                    e.agency,
                    e.case_id,
                    e.case_code,
                    serde_json::to_string(&e.categories)?,
                    e.case_date,
                ])?;
            }
            conn.execute(
                "INSERT INTO watchlist_cursor (id, cursor, pulled_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET cursor = max(cursor, excluded.cursor),
                   pulled_at = excluded.pulled_at",
                params![next_cursor, at],
            )?;
            Ok(added)
        })
    }

    /// Watchlist entries holding `value` (normalized), whatever its kind.
    fn sightings_of_value(&self, value: &str) -> Result<Vec<AgencySighting>> {
        if !self.has_watchlist() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT cursor, id_kind, value, qualifier, agency, case_id, case_code, categories,
               case_date FROM watchlist WHERE value = ?1 ORDER BY cursor",
        )?;
        let rows = stmt.query_map([value], |r| {
            let categories: String = r.get(7)?;
            Ok(AgencySighting {
                cursor: r.get(0)?,
                kind: r.get(1)?,
                value: r.get(2)?,
                qualifier: r.get(3)?,
                agency: r.get(4)?,
                case_id: r.get(5)?,
                case_code: r.get(6)?,
                categories: serde_json::from_str(&categories).unwrap_or_default(),
                case_date: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What other agencies hold of what `input` may mean, same rules as `lookup`:
    /// within a kind family, banks agreeing when both are known.
    pub fn watchlist_lookup(&self, input: &str) -> Result<Vec<AgencySighting>> {
        let mut out: Vec<AgencySighting> = Vec::new();
        for (kind, value) in lookup_keys(input)? {
            for s in self.sightings_of_value(&value)? {
                if family(&s.kind) == Some(kind.family())
                    && !out.iter().any(|o| o.cursor == s.cursor)
                {
                    out.push(s);
                }
            }
        }
        out.sort_by_key(|s| s.cursor);
        Ok(out)
    }

    /// Identifiers of the case (not rejected) that other agencies' cases hold too.
    pub fn agency_hits(&self, code: &str) -> Result<Vec<AgencyHit>> {
        let case = self.case_by_code(code)?;
        let excluded = self.exclusion_set()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, id_kind, value, qualifier FROM entities
             WHERE case_id = ?1 AND value IS NOT NULL AND id_kind IS NOT NULL
               AND state != 'rejected'
             ORDER BY id_kind, value, id",
        )?;
        let rows = stmt
            .query_map([&case.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (entity_id, kind, value, qualifier) in rows {
            let Ok(kind) = IdKind::parse(&kind) else {
                continue;
            };
            if excluded.contains(kind, &value) {
                continue;
            }
            for s in self.sightings_of_value(&value)? {
                if s.case_id == case.id
                    || family(&s.kind) != Some(kind.family())
                    || !agree(&qualifier, &s.qualifier)
                {
                    continue;
                }
                out.push(AgencyHit {
                    entity_id: entity_id.clone(),
                    id_kind: kind,
                    value: value.clone(),
                    qualifier: qualifier.clone(),
                    seen_by: s,
                });
            }
        }
        Ok(out)
    }

    /// Flags each occurrence whose identifier another agency's case also holds.
    pub(crate) fn flag_other_agencies(&self, found: &mut [Occurrence]) -> Result<()> {
        for o in found.iter_mut() {
            for s in self.sightings_of_value(&o.value)? {
                if family(&s.kind) == Some(o.id_kind.family())
                    && agree(&o.qualifier, &s.qualifier)
                    && !o.seen_by_other_agency.iter().any(|x| x.cursor == s.cursor)
                {
                    o.seen_by_other_agency.push(s);
                }
            }
        }
        Ok(())
    }
}
