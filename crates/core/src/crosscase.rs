//! Cross-case hits and `lookup`: the same phone, account, wallet or domain behind
//! listings of different cases is how a ring shows. Values match when they are equal
//! after normalization, within a kind family (a MoMo wallet on a number matches that
//! phone number) and, for accounts and wallets, when the banks or providers agree or one
//! side does not know its own. Values on the exclusion list never make a hit.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::entities::EntityState;
use crate::error::{Error, ErrorCode, Result};
use crate::exclusions::value_excluded;
use crate::identifiers::{IdKind, lookup_keys};
use crate::model::CaseStatus;
use crate::workspace::Workspace;

/// "Seen in case X (date, status)": one identifier of this case found in another case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossCaseHit {
    pub entity_id: String,
    pub id_kind: IdKind,
    pub value: String,
    pub qualifier: String,
    pub other_case_code: String,
    pub other_case_title: String,
    pub other_case_status: CaseStatus,
    pub other_entity_id: String,
    pub other_id_kind: IdKind,
    pub other_qualifier: String,
    /// When the identifier was first recorded in the other case.
    pub other_seen_at: String,
    /// Evidence items of the other case showing it.
    pub other_evidence_count: u64,
}

/// One place an identifier was found, for `lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    pub case_code: String,
    pub case_title: String,
    pub case_status: CaseStatus,
    pub recorded_at: String,
    pub evidence_id: String,
    pub id_kind: IdKind,
    pub value: String,
    pub qualifier: String,
    pub raw: String,
    pub location: String,
    pub snippet: String,
    pub entity_id: String,
    pub entity_state: EntityState,
    /// The value is on the exclusion list (found, but not a lead).
    pub excluded: bool,
    /// Other agencies' cases holding it, from the registry's watchlist (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seen_by_other_agency: Vec<crate::watchlist::AgencySighting>,
}

fn qualifiers_agree(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a == b
}

fn corrupt(e: Error) -> Error {
    Error::new(ErrorCode::DatabaseCorrupt, e.message)
}

impl Workspace {
    /// Every identifier of the case (not rejected) also present, not rejected, in
    /// another case of the workspace, minus excluded values.
    pub fn cross_case_hits(&self, code: &str) -> Result<Vec<CrossCaseHit>> {
        let case = self.case_by_code(code)?;
        let excluded = self.exclusion_set()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.id_kind, e.value, e.qualifier, c.code, c.title, c.status,
               o.id, o.id_kind, o.qualifier,
               coalesce((SELECT min(recorded_at) FROM identifier_occurrences x
                         WHERE x.entity_id = o.id), o.created_at),
               (SELECT count(DISTINCT evidence_id) FROM identifier_occurrences x
                WHERE x.entity_id = o.id)
             FROM entities e
             JOIN entities o ON o.value = e.value AND o.case_id != e.case_id
                            AND o.id_kind IS NOT NULL AND o.state != 'rejected'
             JOIN cases c ON c.id = o.case_id
             WHERE e.case_id = ?1 AND e.value IS NOT NULL AND e.state != 'rejected'
             ORDER BY e.id_kind, e.value, c.code, o.id",
        )?;
        let rows = stmt.query_map([&case.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, u64>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                kind,
                value,
                qualifier,
                other_code,
                title,
                status,
                other_id,
                other_kind,
                other_q,
                seen,
                count,
            ) = row?;
            let kind = IdKind::parse(&kind).map_err(corrupt)?;
            let other_kind = IdKind::parse(&other_kind).map_err(corrupt)?;
            if kind.family() != other_kind.family()
                || !qualifiers_agree(&qualifier, &other_q)
                || excluded.contains(kind, &value)
            {
                continue;
            }
            out.push(CrossCaseHit {
                entity_id: id,
                id_kind: kind,
                value,
                qualifier,
                other_case_code: other_code,
                other_case_title: title,
                other_case_status: CaseStatus::parse(&status).map_err(corrupt)?,
                other_entity_id: other_id,
                other_id_kind: other_kind,
                other_qualifier: other_q,
                other_seen_at: seen,
                other_evidence_count: count,
            });
        }
        Ok(out)
    }

    /// Every occurrence, across all cases, of what `input` may mean once normalized
    /// (see [`lookup_keys`]), oldest first. Excluded values are returned, flagged.
    pub fn lookup(&self, input: &str) -> Result<Vec<Occurrence>> {
        let keys = lookup_keys(input)?;
        // Several readings often share one value (phone and wallet): one query each.
        let mut by_value: BTreeMap<&str, Vec<IdKind>> = BTreeMap::new();
        for (kind, value) in &keys {
            by_value.entry(value.as_str()).or_default().push(*kind);
        }
        let mut excluded: HashMap<(&'static str, String), bool> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.code, c.title, c.status, o.recorded_at, o.evidence_id, o.id_kind, o.value,
               o.qualifier, o.raw, o.location, o.snippet, o.entity_id, e.state
             FROM identifier_occurrences o
             JOIN cases c ON c.id = o.case_id
             JOIN entities e ON e.id = o.entity_id
             WHERE o.value = ?1",
        )?;
        let mut out = Vec::new();
        for (value, kinds) in by_value {
            let rows = stmt.query_map([value], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, String>(11)?,
                    r.get::<_, String>(12)?,
                ))
            })?;
            for row in rows {
                let (
                    code,
                    title,
                    status,
                    at,
                    evidence_id,
                    kind,
                    value,
                    qualifier,
                    raw,
                    location,
                    snippet,
                    entity_id,
                    state,
                ) = row?;
                let kind = IdKind::parse(&kind).map_err(corrupt)?;
                if !kinds.contains(&kind) {
                    continue;
                }
                out.push(Occurrence {
                    case_code: code,
                    case_title: title,
                    case_status: CaseStatus::parse(&status).map_err(corrupt)?,
                    recorded_at: at,
                    evidence_id,
                    id_kind: kind,
                    excluded: match excluded.entry((kind.family(), value.clone())) {
                        Entry::Occupied(e) => *e.get(),
                        Entry::Vacant(e) => *e.insert(value_excluded(&self.conn, kind, &value)?),
                    },
                    value,
                    qualifier,
                    raw,
                    location,
                    snippet,
                    entity_id,
                    entity_state: EntityState::parse(&state).map_err(corrupt)?,
                    seen_by_other_agency: Vec::new(),
                });
            }
        }
        out.sort_by(|a, b| {
            (&a.recorded_at, &a.case_code, &a.evidence_id).cmp(&(
                &b.recorded_at,
                &b.case_code,
                &b.evidence_id,
            ))
        });
        self.flag_other_agencies(&mut out)?;
        Ok(out)
    }
}
