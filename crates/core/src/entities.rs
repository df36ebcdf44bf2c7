//! Entities of a case: subjects (person or business), listings, payment accounts,
//! identifiers and websites. Extracted identifiers arrive as *suggestions*; the
//! investigator confirms, rejects or merges them. Every change is a custody event in the
//! same transaction; entity rows keep their content fixed and only move their state
//! forward (triggers in migration 0004), so the log and the table cannot disagree about
//! what was asserted.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::cases::ensure_editable;
use crate::custody;
use crate::error::{Error, ErrorCode, Result};
use crate::identifiers::{IdKind, normalize, normalize_qualifier};
use crate::model::Case;
use crate::time_fmt;
use crate::workspace::Workspace;

string_enum!(
    /// What an entity stands for.
    EntityKind {
        Subject = "subject",
        Listing = "listing",
        PaymentAccount = "payment_account",
        Identifier = "identifier",
        Website = "website",
    }
);

string_enum!(
    /// Where an entity is in review. `rejected` and `merged` are final.
    EntityState {
        Suggested = "suggested",
        Confirmed = "confirmed",
        Rejected = "rejected",
        Merged = "merged",
    }
);

/// Custody event kinds written for entities and links.
pub mod event_kind {
    pub const IDENTIFIERS_SUGGESTED: &str = "identifiers_suggested";
    pub const ENTITY_CREATED: &str = "entity_created";
    pub const ENTITY_CONFIRMED: &str = "entity_confirmed";
    pub const ENTITY_REJECTED: &str = "entity_rejected";
    pub const ENTITY_MERGED: &str = "entity_merged";
    pub const LINK_ADDED: &str = "link_added";
    pub const LINK_EVIDENCE_ADDED: &str = "link_evidence_added";
}

/// Attributes each hand-made kind may carry; anything else is refused so that typos
/// do not become silent, unsearchable data.
const ATTRS: &[(EntityKind, &[&str])] = &[
    (
        EntityKind::Subject,
        &["subject_type", "address", "national_id", "note"],
    ),
    (
        EntityKind::Listing,
        &[
            "platform",
            "url",
            "listing_id",
            "title",
            "price",
            "units_sold",
        ],
    ),
    (EntityKind::Website, &["url", "platform", "name"]),
];

const MAX_LABEL_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub id: String,
    pub case_id: String,
    pub kind: EntityKind,
    /// The identifier kind, for entities made from identifiers.
    pub id_kind: Option<IdKind>,
    /// The normalized identifier value, for entities made from identifiers.
    pub value: Option<String>,
    /// Bank of an account or provider of an e-wallet; empty when unknown.
    pub qualifier: String,
    pub label: String,
    pub attrs: Value,
    pub state: EntityState,
    pub merged_into: Option<String>,
    pub aliases: Vec<String>,
    /// How many times the identifier was found in the case's evidence.
    pub occurrences: u64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

/// A hand-made entity (subject, listing, website).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewEntity {
    pub kind: Option<EntityKind>,
    pub label: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub attrs: Map<String, Value>,
}

/// One identifier found in an evidence item, as the extractor reports it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdentifierHit {
    pub kind: Option<IdKind>,
    /// The text as found.
    pub raw: String,
    /// The extractor's normalized form; normalized again here (idempotent).
    #[serde(default)]
    pub normalized: Option<String>,
    /// Bank or e-wallet provider, when the extractor saw one.
    #[serde(default)]
    pub qualifier: String,
    /// Offset or image region in the evidence item.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestOutcome {
    pub evidence_id: String,
    /// Entities the hits belong to (new suggestions and ones the case already had).
    pub entities: Vec<Entity>,
    pub new_entities: u64,
    pub occurrences_added: u64,
    /// Hits dropped because their value is on the exclusion list.
    pub excluded: u64,
}

/// A hit after validation.
struct Checked {
    kind: IdKind,
    value: String,
    qualifier: String,
    raw: String,
    location: String,
    snippet: String,
}

impl Workspace {
    /// Records identifiers found in one evidence item of a case: each new value becomes
    /// a suggested entity, each hit an occurrence with its provenance. Excluded values
    /// are dropped; a hit seen before (same item, value and location) is not repeated.
    /// One invalid hit refuses the whole batch, and nothing is written.
    pub fn suggest_identifiers(
        &mut self,
        code: &str,
        evidence_id: &str,
        hits: &[IdentifierHit],
    ) -> Result<SuggestOutcome> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        evidence_in_case(&self.conn, &case, evidence_id)?;
        let excluded_set = self.exclusion_set()?;
        let mut checked = Vec::new();
        let mut excluded = 0;
        for hit in hits {
            let c = check_hit(hit)?;
            if excluded_set.contains(c.kind, &c.value) {
                excluded += 1;
            } else {
                checked.push(c);
            }
        }
        let actor = profile.display_name;
        let (ids, new_entities, occurrences) =
            self.write(|conn| write_suggestions(conn, &case.id, &actor, evidence_id, &checked))?;
        let entities = ids
            .iter()
            .map(|id| self.entity(id))
            .collect::<Result<Vec<_>>>()?;
        Ok(SuggestOutcome {
            evidence_id: evidence_id.to_string(),
            entities,
            new_entities: new_entities as u64,
            occurrences_added: occurrences as u64,
            excluded,
        })
    }

    /// Creates a subject, listing or website by hand; it is confirmed at once (the
    /// investigator is the one asserting it). Identifiers and payment accounts come
    /// from evidence through [`Workspace::suggest_identifiers`].
    pub fn create_entity(&mut self, code: &str, input: &NewEntity) -> Result<Entity> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        let kind = input
            .kind
            .ok_or_else(|| Error::invalid("the entity kind is required"))?;
        let allowed = ATTRS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, a)| *a)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{kind} entities come from evidence: suggest them from an evidence item instead"
                ))
            })?;
        let label = input.label.trim().to_string();
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            return Err(Error::invalid(format!(
                "an entity needs a name of 1 to {MAX_LABEL_CHARS} characters"
            )));
        }
        for (key, value) in &input.attrs {
            if !allowed.contains(&key.as_str()) {
                return Err(Error::invalid(format!(
                    "a {kind} has no attribute '{key}' (known: {})",
                    allowed.join(", ")
                )));
            }
            if !(value.is_string() || value.is_number()) {
                return Err(Error::invalid(format!(
                    "attribute '{key}' must be text or a number"
                )));
            }
        }
        if let Some(t) = input.attrs.get("subject_type")
            && !matches!(t.as_str(), Some("person" | "business"))
        {
            return Err(Error::invalid(
                "subject_type is either 'person' or 'business'",
            ));
        }
        let mut aliases: Vec<String> = Vec::new();
        for a in &input.aliases {
            let a = a.trim();
            if !a.is_empty() && a != label && !aliases.iter().any(|x| x == a) {
                aliases.push(a.to_string());
            }
        }
        let attrs = Value::Object(input.attrs.clone());
        let id = uuid::Uuid::now_v7().to_string();
        let actor = profile.display_name;
        self.write(|conn| {
            let now = time_fmt::now_utc();
            conn.execute(
                "INSERT INTO entities (id, case_id, kind, label, attrs, state, created_at,
                   created_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'confirmed', ?6, ?7, ?6)",
                params![
                    id,
                    case.id,
                    kind.as_str(),
                    label,
                    serde_json::to_string(&attrs)?,
                    now,
                    actor
                ],
            )?;
            for alias in &aliases {
                insert_alias(conn, &id, alias, "input", &now)?;
            }
            custody::append(
                conn,
                &case.id,
                &actor,
                event_kind::ENTITY_CREATED,
                &json!({
                    "entity_id": id,
                    "kind": kind,
                    "label": label,
                    "aliases": aliases,
                    "attrs": attrs,
                }),
            )?;
            Workspace::touch(conn, &case.id)
        })?;
        self.entity(&id)
    }

    /// Accepts a suggestion. Only a suggested entity can be confirmed.
    pub fn confirm_entity(&mut self, entity_id: &str) -> Result<Entity> {
        self.transition(entity_id, EntityState::Confirmed, "")
    }

    /// Sets a suggestion or entity aside for good (it stays, with its occurrences, for
    /// the record, but makes no cross-case hit).
    pub fn reject_entity(&mut self, entity_id: &str, reason: &str) -> Result<Entity> {
        self.transition(entity_id, EntityState::Rejected, reason)
    }

    fn transition(&mut self, entity_id: &str, to: EntityState, reason: &str) -> Result<Entity> {
        let profile = self.require_profile()?;
        let entity = self.entity(entity_id)?;
        let case = self.case_by_id(&entity.case_id)?;
        ensure_editable(&case)?;
        let allowed = match to {
            EntityState::Confirmed => entity.state == EntityState::Suggested,
            EntityState::Rejected => {
                matches!(
                    entity.state,
                    EntityState::Suggested | EntityState::Confirmed
                )
            }
            EntityState::Suggested | EntityState::Merged => false,
        };
        if !allowed {
            return Err(Error::invalid(format!(
                "entity {} is {} and cannot become {to}",
                entity.id, entity.state
            )));
        }
        let event = match to {
            EntityState::Confirmed => event_kind::ENTITY_CONFIRMED,
            _ => event_kind::ENTITY_REJECTED,
        };
        let mut payload = json!({ "entity_id": entity.id, "from": entity.state, "to": to });
        if !reason.trim().is_empty() {
            payload["reason"] = json!(reason.trim());
        }
        let actor = profile.display_name;
        self.write(|conn| {
            conn.execute(
                "UPDATE entities SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![entity.id, to.as_str(), time_fmt::now_utc()],
            )?;
            custody::append(conn, &case.id, &actor, event, &payload)?;
            Workspace::touch(conn, &case.id)
        })?;
        self.entity(entity_id)
    }

    /// Merges `from` into `into` (same case, same kind): `from` becomes `merged` and
    /// points at `into`, which gains `from`'s name, value and aliases as aliases. Both
    /// keep their occurrences and links; nothing is rewritten.
    pub fn merge_entities(&mut self, from_id: &str, into_id: &str) -> Result<Entity> {
        let profile = self.require_profile()?;
        let from = self.entity(from_id)?;
        let into = self.entity(into_id)?;
        if from.id == into.id {
            return Err(Error::invalid("an entity cannot be merged into itself"));
        }
        if from.case_id != into.case_id {
            return Err(Error::invalid(
                "entities of different cases cannot be merged; a shared identifier shows \
                 as a cross-case hit instead",
            ));
        }
        if from.kind != into.kind {
            return Err(Error::invalid(format!(
                "a {} cannot be merged into a {}",
                from.kind, into.kind
            )));
        }
        for e in [&from, &into] {
            if matches!(e.state, EntityState::Rejected | EntityState::Merged) {
                return Err(Error::invalid(format!(
                    "entity {} is {} and cannot take part in a merge",
                    e.id, e.state
                )));
            }
        }
        let case = self.case_by_id(&from.case_id)?;
        ensure_editable(&case)?;
        let mut added: Vec<String> = Vec::new();
        let candidates = std::iter::once(from.label.clone())
            .chain(from.value.clone())
            .chain(from.aliases.iter().cloned());
        for alias in candidates {
            let known = alias == into.label
                || into.value.as_deref() == Some(alias.as_str())
                || into.aliases.contains(&alias)
                || added.contains(&alias);
            if !alias.is_empty() && !known {
                added.push(alias);
            }
        }
        let actor = profile.display_name;
        self.write(|conn| {
            let now = time_fmt::now_utc();
            conn.execute(
                "UPDATE entities SET state = 'merged', merged_into = ?2, updated_at = ?3
                 WHERE id = ?1",
                params![from.id, into.id, now],
            )?;
            for alias in &added {
                insert_alias(conn, &into.id, alias, &from.id, &now)?;
            }
            conn.execute(
                "UPDATE entities SET updated_at = ?2 WHERE id = ?1",
                params![into.id, now],
            )?;
            custody::append(
                conn,
                &case.id,
                &actor,
                event_kind::ENTITY_MERGED,
                &json!({ "entity_id": from.id, "into": into.id, "aliases_added": added }),
            )?;
            Workspace::touch(conn, &case.id)
        })?;
        self.entity(into_id)
    }

    /// Every entity of a case (suggested, confirmed, rejected and merged), oldest first.
    pub fn case_entities(&self, code: &str) -> Result<Vec<Entity>> {
        let case = self.case_by_code(code)?;
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT a.entity_id, a.alias FROM entity_aliases a
                 JOIN entities e ON e.id = a.entity_id
                 WHERE e.case_id = ?1 ORDER BY a.added_at, a.alias",
            )?;
            let rows = stmt.query_map([&case.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                let (id, alias): (String, String) = row?;
                aliases.entry(id).or_default().push(alias);
            }
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.case_id = ?1
             ORDER BY e.created_at, e.id"
        ))?;
        let rows = stmt.query_map([&case.id], read_entity)?;
        let mut out = Vec::new();
        for row in rows {
            let mut entity = row??;
            entity.aliases = aliases.remove(&entity.id).unwrap_or_default();
            out.push(entity);
        }
        Ok(out)
    }

    /// The suggestions of a case still waiting for a decision.
    pub fn case_suggestions(&self, code: &str) -> Result<Vec<Entity>> {
        Ok(self
            .case_entities(code)?
            .into_iter()
            .filter(|e| e.state == EntityState::Suggested)
            .collect())
    }

    /// One entity by id, with its aliases; unknown ids are bad input.
    pub fn entity(&self, id: &str) -> Result<Entity> {
        let found = self
            .conn
            .query_row(
                &format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.id = ?1"),
                [id.trim()],
                read_entity,
            )
            .optional()?;
        let mut entity = match found {
            Some(e) => e?,
            None => {
                return Err(Error::invalid(format!(
                    "no entity with id '{}' in this workspace",
                    id.trim()
                )));
            }
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT alias FROM entity_aliases WHERE entity_id = ?1 ORDER BY added_at, alias",
        )?;
        entity.aliases = stmt
            .query_map([&entity.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(entity)
    }

    pub(crate) fn case_by_id(&self, case_id: &str) -> Result<Case> {
        let code: Option<String> = self
            .conn
            .query_row("SELECT code FROM cases WHERE id = ?1", [case_id], |r| {
                r.get(0)
            })
            .optional()?;
        match code {
            Some(code) => self.case_by_code(&code),
            None => Err(Error::new(
                ErrorCode::CaseNotFound,
                format!("no case with id {case_id}"),
            )),
        }
    }
}

/// Which entity an identifier kind makes.
pub fn entity_kind_for(kind: IdKind) -> EntityKind {
    match kind {
        IdKind::BankAccount | IdKind::Ewallet | IdKind::Vietqr => EntityKind::PaymentAccount,
        IdKind::MarketplaceListing => EntityKind::Listing,
        _ => EntityKind::Identifier,
    }
}

/// Writes checked hits of one evidence item: a suggested entity for each new value, an
/// occurrence for each hit, and one `identifiers_suggested` event when anything was
/// added. Runs inside the caller's transaction (a suggestion call, or the commit of the
/// capture the hits came from).
fn write_suggestions(
    conn: &Connection,
    case_id: &str,
    actor: &str,
    evidence_id: &str,
    checked: &[Checked],
) -> Result<(Vec<String>, usize, usize)> {
    let now = time_fmt::now_utc();
    let mut ids: Vec<String> = Vec::new();
    let mut new_entities = Vec::new();
    let mut occurrences = Vec::new();
    for c in checked {
        let existing: Option<String> = conn
            .query_row(
                "SELECT id FROM entities WHERE case_id = ?1 AND id_kind = ?2
                   AND value = ?3 AND qualifier = ?4",
                params![case_id, c.kind.as_str(), c.value, c.qualifier],
                |r| r.get(0),
            )
            .optional()?;
        let entity_id = match existing {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                let label = if c.qualifier.is_empty() {
                    c.value.clone()
                } else {
                    format!("{} {}", c.qualifier, c.value)
                };
                conn.execute(
                    "INSERT INTO entities (id, case_id, kind, id_kind, value, qualifier,
                       label, attrs, state, created_at, created_by, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}', 'suggested', ?8, ?9, ?8)",
                    params![
                        id,
                        case_id,
                        entity_kind_for(c.kind).as_str(),
                        c.kind.as_str(),
                        c.value,
                        c.qualifier,
                        label,
                        now,
                        actor
                    ],
                )?;
                new_entities.push(json!({
                    "entity_id": id,
                    "kind": entity_kind_for(c.kind),
                    "id_kind": c.kind,
                    "value": c.value,
                    "qualifier": c.qualifier,
                }));
                id
            }
        };
        let added = conn.execute(
            "INSERT OR IGNORE INTO identifier_occurrences (case_id, entity_id, evidence_id,
               id_kind, value, qualifier, raw, location, snippet, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                case_id,
                entity_id,
                evidence_id,
                c.kind.as_str(),
                c.value,
                c.qualifier,
                c.raw,
                c.location,
                c.snippet,
                now
            ],
        )?;
        if added == 1 {
            occurrences.push(json!({
                "occurrence_id": conn.last_insert_rowid(),
                "entity_id": entity_id,
                "id_kind": c.kind,
                "value": c.value,
                "qualifier": c.qualifier,
                "raw": c.raw,
                "location": c.location,
            }));
        }
        if !ids.contains(&entity_id) {
            ids.push(entity_id);
        }
    }
    if !occurrences.is_empty() {
        custody::append(
            conn,
            case_id,
            actor,
            event_kind::IDENTIFIERS_SUGGESTED,
            &json!({
                "evidence_id": evidence_id,
                "new_entities": new_entities,
                "occurrences": occurrences,
            }),
        )?;
        Workspace::touch(conn, case_id)?;
    }
    Ok((ids, new_entities.len(), occurrences.len()))
}

/// The identifiers found in a capture, recorded in the transaction that stores it. Hits
/// the normalizer refuses or the exclusion list names are left out: a capture is never
/// refused for what the extractor made of it.
pub(crate) fn record_capture_identifiers(
    conn: &Connection,
    case_id: &str,
    actor: &str,
    evidence_id: &str,
    hits: &[IdentifierHit],
    excluded: &crate::exclusions::ExclusionSet,
) -> Result<()> {
    let checked: Vec<Checked> = hits
        .iter()
        .filter_map(|h| check_hit(h).ok())
        .filter(|c| !excluded.contains(c.kind, &c.value))
        .collect();
    if !checked.is_empty() {
        write_suggestions(conn, case_id, actor, evidence_id, &checked)?;
    }
    Ok(())
}

fn check_hit(hit: &IdentifierHit) -> Result<Checked> {
    let kind = hit
        .kind
        .ok_or_else(|| Error::invalid("an identifier hit needs a kind"))?;
    let source = hit.normalized.as_deref().unwrap_or(&hit.raw);
    let value = normalize(kind, source)?;
    let qualifier = if kind.has_qualifier() {
        normalize_qualifier(&hit.qualifier)
    } else {
        String::new()
    };
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    Ok(Checked {
        kind,
        value,
        qualifier,
        raw: clip(hit.raw.trim(), 512),
        location: clip(hit.location.trim(), 200),
        snippet: clip(&hit.snippet, 1000),
    })
}

pub(crate) fn evidence_in_case(conn: &Connection, case: &Case, evidence_id: &str) -> Result<()> {
    let owner: Option<String> = conn
        .query_row(
            "SELECT case_id FROM evidence WHERE id = ?1",
            [evidence_id.trim()],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        Some(owner) if owner == case.id => Ok(()),
        Some(_) => Err(Error::invalid(format!(
            "evidence {evidence_id} belongs to another case than {}",
            case.code
        ))),
        None => Err(Error::invalid(format!(
            "no evidence with id '{evidence_id}' in this workspace"
        ))),
    }
}

fn insert_alias(
    conn: &Connection,
    entity_id: &str,
    alias: &str,
    source: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, source, added_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![entity_id, alias, source, now],
    )?;
    Ok(())
}

const ENTITY_COLUMNS: &str = "e.id, e.case_id, e.kind, e.id_kind, e.value, e.qualifier, e.label, \
     e.attrs, e.state, e.merged_into, e.created_at, e.created_by, e.updated_at, \
     (SELECT count(*) FROM identifier_occurrences o WHERE o.entity_id = e.id)";

/// Reads `ENTITY_COLUMNS`; bad enum text is a corrupt database, not a panic.
fn read_entity(r: &Row<'_>) -> rusqlite::Result<Result<Entity>> {
    let kind: String = r.get(2)?;
    let id_kind: Option<String> = r.get(3)?;
    let attrs: String = r.get(7)?;
    let state: String = r.get(8)?;
    let corrupt = |e: Error| Error::new(ErrorCode::DatabaseCorrupt, e.message);
    let build = || -> Result<Entity> {
        Ok(Entity {
            id: r.get(0)?,
            case_id: r.get(1)?,
            kind: EntityKind::parse(&kind).map_err(corrupt)?,
            id_kind: id_kind
                .as_deref()
                .map(IdKind::parse)
                .transpose()
                .map_err(corrupt)?,
            value: r.get(4)?,
            qualifier: r.get(5)?,
            label: r.get(6)?,
            attrs: serde_json::from_str(&attrs).map_err(|e| {
                Error::new(ErrorCode::DatabaseCorrupt, format!("bad entity attrs: {e}"))
            })?,
            state: EntityState::parse(&state).map_err(corrupt)?,
            merged_into: r.get(9)?,
            aliases: Vec::new(),
            created_at: r.get(10)?,
            created_by: r.get(11)?,
            updated_at: r.get(12)?,
            occurrences: r.get(13)?,
        })
    };
    Ok(build())
}
