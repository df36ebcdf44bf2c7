//! Typed links between the entities of a case (seller → listing, listing → phone,
//! seller → payment account, …), each backed by one or more evidence items of the case.
//! Links and their evidence are append-only; adding the same link again with new
//! evidence adds that evidence to it.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cases::ensure_editable;
use crate::custody;
use crate::entities::{EntityKind, EntityState, event_kind, evidence_in_case};
use crate::error::{Error, Result};
use crate::time_fmt;
use crate::workspace::Workspace;

string_enum!(
    /// What a link says. Each kind joins the entity kinds listed in [`LinkKind::allows`].
    LinkKind {
        Offers = "offers",
        Operates = "operates",
        Lists = "lists",
        Uses = "uses",
        Receives = "receives",
        Shows = "shows",
        Related = "related",
    }
);

impl LinkKind {
    /// Whether a link of this kind may go from a `from` entity to a `to` entity.
    pub fn allows(self, from: EntityKind, to: EntityKind) -> bool {
        use EntityKind as E;
        match self {
            // A seller offers a listing.
            LinkKind::Offers => from == E::Subject && to == E::Listing,
            // A seller runs a website or marketplace shop.
            LinkKind::Operates => from == E::Subject && to == E::Website,
            // A website or shop carries a listing.
            LinkKind::Lists => from == E::Website && to == E::Listing,
            // A seller uses a phone, e-mail, profile…
            LinkKind::Uses => from == E::Subject && to == E::Identifier,
            // A seller is paid into an account or wallet.
            LinkKind::Receives => from == E::Subject && to == E::PaymentAccount,
            // A listing or website shows a contact or payment detail.
            LinkKind::Shows => {
                matches!(from, E::Listing | E::Website)
                    && matches!(to, E::Identifier | E::PaymentAccount)
            }
            LinkKind::Related => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub id: String,
    pub case_id: String,
    pub kind: LinkKind,
    pub from_id: String,
    pub to_id: String,
    pub evidence_ids: Vec<String>,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewLink {
    pub kind: Option<LinkKind>,
    pub from_id: String,
    pub to_id: String,
    pub evidence_ids: Vec<String>,
}

impl Workspace {
    /// Links two live entities of one case, backed by evidence of that case. The same
    /// link again adds only the evidence it did not have yet (and logs that).
    pub fn add_link(&mut self, input: &NewLink) -> Result<Link> {
        let profile = self.require_profile()?;
        let kind = input
            .kind
            .ok_or_else(|| Error::invalid("the link kind is required"))?;
        let from = self.entity(&input.from_id)?;
        let to = self.entity(&input.to_id)?;
        if from.id == to.id {
            return Err(Error::invalid("an entity cannot be linked to itself"));
        }
        if from.case_id != to.case_id {
            return Err(Error::invalid("links join entities of the same case"));
        }
        if !kind.allows(from.kind, to.kind) {
            return Err(Error::invalid(format!(
                "a '{kind}' link cannot go from a {} to a {}",
                from.kind, to.kind
            )));
        }
        for e in [&from, &to] {
            if matches!(e.state, EntityState::Rejected | EntityState::Merged) {
                return Err(Error::invalid(format!(
                    "entity {} is {} and cannot be linked",
                    e.id, e.state
                )));
            }
        }
        let case = self.case_by_id(&from.case_id)?;
        ensure_editable(&case)?;
        let mut evidence: Vec<String> = Vec::new();
        for id in &input.evidence_ids {
            let id = id.trim().to_string();
            evidence_in_case(&self.conn, &case, &id)?;
            if !evidence.contains(&id) {
                evidence.push(id);
            }
        }
        if evidence.is_empty() {
            return Err(Error::invalid(
                "a link needs at least one evidence item that shows it",
            ));
        }
        let actor = profile.display_name;
        let link_id = self.write(|conn| {
            let now = time_fmt::now_utc();
            let existing: Option<String> = conn
                .query_row(
                    "SELECT id FROM entity_links WHERE case_id = ?1 AND kind = ?2
                       AND from_id = ?3 AND to_id = ?4",
                    params![case.id, kind.as_str(), from.id, to.id],
                    |r| r.get(0),
                )
                .optional()?;
            let (link_id, created) = match existing {
                Some(id) => (id, false),
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    conn.execute(
                        "INSERT INTO entity_links (id, case_id, kind, from_id, to_id, created_at,
                           created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![id, case.id, kind.as_str(), from.id, to.id, now, actor],
                    )?;
                    (id, true)
                }
            };
            let mut added = Vec::new();
            for evidence_id in &evidence {
                let n = conn.execute(
                    "INSERT OR IGNORE INTO link_evidence (link_id, evidence_id, added_at)
                     VALUES (?1, ?2, ?3)",
                    params![link_id, evidence_id, now],
                )?;
                if n == 1 {
                    added.push(evidence_id.clone());
                }
            }
            if created {
                custody::append(
                    conn,
                    &case.id,
                    &actor,
                    event_kind::LINK_ADDED,
                    &json!({
                        "link_id": link_id,
                        "kind": kind,
                        "from": from.id,
                        "to": to.id,
                        "evidence_ids": added,
                    }),
                )?;
            } else if !added.is_empty() {
                custody::append(
                    conn,
                    &case.id,
                    &actor,
                    event_kind::LINK_EVIDENCE_ADDED,
                    &json!({ "link_id": link_id, "evidence_ids": added }),
                )?;
            }
            if created || !added.is_empty() {
                Workspace::touch(conn, &case.id)?;
            }
            Ok(link_id)
        })?;
        self.case_links(&case.code)?
            .into_iter()
            .find(|l| l.id == link_id)
            .ok_or_else(|| Error::internal("a stored link is missing"))
    }

    /// Every link of a case with the evidence behind it, oldest first.
    pub fn case_links(&self, code: &str) -> Result<Vec<Link>> {
        let case = self.case_by_code(code)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.id, l.case_id, l.kind, l.from_id, l.to_id, l.created_at, l.created_by,
               (SELECT group_concat(evidence_id, ' ') FROM
                  (SELECT evidence_id FROM link_evidence x WHERE x.link_id = l.id
                   ORDER BY added_at, evidence_id))
             FROM entity_links l WHERE l.case_id = ?1 ORDER BY l.created_at, l.id",
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
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, case_id, kind, from_id, to_id, created_at, created_by, evidence) = row?;
            out.push(Link {
                id,
                case_id,
                kind: LinkKind::parse(&kind)
                    .map_err(|e| Error::new(crate::error::ErrorCode::DatabaseCorrupt, e.message))?,
                from_id,
                to_id,
                evidence_ids: evidence
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                created_at,
                created_by,
            });
        }
        Ok(out)
    }
}
