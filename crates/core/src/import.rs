//! Import of a case sealed in another workspace (another agency's bundle, already
//! verified by the caller) as a read-only case.
//!
//! The case keeps its original id and every row the seal covers exactly as sealed, so
//! nothing has to be trusted: the custody chain is inserted verbatim (the append-only
//! trigger checks each link), the entity, link and note rows are restored from the seal's
//! own leaves, and inside the transaction the Merkle root is recomputed from the restored
//! rows and must equal the signed one. The signers' public keys become *foreign keys*:
//! they verify signatures here but belong to no profile, so nobody can sign with them.
//! What is local — who imported the case, when, from which bundle — is a row of
//! `case_imports`, never an event in the imported chain. All rows commit in one
//! transaction; blobs are stored before it (content-addressed, so a refusal leaves at
//! most harmless unreferenced files).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Deserialize;
use serde_json::Value;

use crate::addenda::{ADDENDUM_EVENT, Addendum, insert_addendum};
use crate::cases::search_text;
use crate::custody::{RawEvent, check_chain, kind};
use crate::entities::event_kind;
use crate::error::{Error, ErrorCode, Result};
use crate::keys::{PublicKeyInfo, fingerprint, parse_public_key};
use crate::model::{Case, CaseStatus, EvidenceItem, EvidenceKind};
use crate::seal::{Seal, SealLeaf, case_leaf_items, root_of};
use crate::time_fmt;
use crate::workflow::CaseReview;
use crate::workspace::Workspace;

/// Everything a verified bundle says about its case, as plain data.
#[derive(Debug, Clone)]
pub struct ImportedBundle {
    /// Hex SHA-256 of the bundle file.
    pub bundle_sha256: String,
    pub case: Case,
    pub review: CaseReview,
    pub evidence: Vec<ImportedEvidence>,
    /// The seal's leaves in leaf order (`seal-leaves.jsonl`).
    pub leaves: Vec<SealLeaf>,
    /// The custody log, each payload exactly as hashed.
    pub custody: Vec<RawEvent>,
    pub seal: Seal,
    /// Public keys of the signers.
    pub keys: Vec<PublicKeyInfo>,
    /// Files holding the bytes the case refers to, by their SHA-256 (hex): imported
    /// files, capture manifests and capture artifacts. Each is re-hashed while stored.
    pub files: BTreeMap<String, PathBuf>,
}

/// One evidence item as `case.json` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportedEvidence {
    pub item: EvidenceItem,
    #[serde(default)]
    pub web_capture: Option<ImportedCapture>,
    #[serde(default)]
    pub artifacts: Vec<ImportedArtifact>,
    #[serde(default)]
    pub timestamp: Option<ImportedStamp>,
    /// The stored RFC 3161 token (`<evidence id>.tsr`), when stamped.
    #[serde(skip)]
    pub token: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportedCapture {
    pub method: String,
    pub url: String,
    pub final_url: String,
    #[serde(default)]
    pub title: String,
    pub http_status: Option<u16>,
    pub server_ip: Option<String>,
    pub partial_reason: Option<String>,
    pub metadata: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportedArtifact {
    pub role: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportedStamp {
    pub status: String,
    #[serde(default)]
    pub attempts: u32,
    pub tsa_url: Option<String>,
    pub gen_time: Option<String>,
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::BundleInvalid, message)
}

impl Workspace {
    /// Imports a verified bundle's case as a read-only case from another agency, as the
    /// current profile. Refusals, each with nothing written to the database:
    /// `bundle_invalid` (the data does not hold together: chain, leaves, root, bytes),
    /// `case_already_exists` (the case id is here already: imported before, or made
    /// here), `duplicate_case_code` (a different local case has the code).
    ///
    /// Takes `&self`: a shell holding the workspace shared can import; SQLite's write
    /// lock orders it with every other writer.
    pub fn import_case(&self, bundle: &ImportedBundle) -> Result<Case> {
        let profile = self.require_profile()?;
        if self.is_read_only() {
            return Err(Error::new(
                ErrorCode::WorkspaceNotWritable,
                format!("{} was opened read-only", self.root().display()),
            ));
        }
        check_consistency(bundle)?;
        refuse_existing(&self.conn, &bundle.case)?;
        self.store_blobs(bundle)?;

        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        refuse_existing(&tx, &bundle.case)?;
        // Rows arrive in dependency order except merges (an entity merged into one
        // inserted later); the constraints are checked before commit instead.
        tx.pragma_update(None, "defer_foreign_keys", true)?;
        let case_id = bundle.case.id.as_str();
        insert_case(&tx, bundle)?;
        for e in &bundle.custody {
            tx.execute(
                "INSERT INTO custody_events (case_id, seq, actor, at, kind, payload, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![e.case_id, e.seq, e.actor, e.at, e.kind, e.payload, e.prev_hash, e.hash],
            )
            .map_err(|err| invalid(format!("custody event {} does not chain: {err}", e.seq)))?;
        }
        for ev in &bundle.evidence {
            insert_evidence(&tx, ev, &bundle.custody)?;
        }
        for leaf in &bundle.leaves {
            let table = match leaf.kind.as_str() {
                "entity" => "entities",
                "link" => "entity_links",
                "note" => "notes",
                _ => continue,
            };
            insert_row(&tx, table, &leaf.body, case_id)?;
        }
        restore_from_log(&tx, case_id, &bundle.custody)?;
        let s = &bundle.seal;
        tx.execute(
            "INSERT INTO case_seals (case_id, root, leaf_count, head, at, fingerprint, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.case_id,
                s.root,
                s.leaf_count,
                s.head,
                s.at,
                s.fingerprint,
                s.signature
            ],
        )?;
        for e in bundle.custody.iter().filter(|e| e.kind == ADDENDUM_EVENT) {
            let addendum: Addendum = serde_json::from_str(&e.payload)
                .map_err(|err| invalid(format!("addendum event {}: {err}", e.seq)))?;
            insert_addendum(&tx, &addendum)?;
        }
        let now = time_fmt::now_utc();
        for key in &bundle.keys {
            tx.execute(
                "INSERT OR IGNORE INTO foreign_keys
                   (fingerprint, public_key, profile, created_at, first_case_id, imported_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6
                 WHERE NOT EXISTS (SELECT 1 FROM profile_keys WHERE fingerprint = ?1)",
                params![
                    key.fingerprint,
                    key.public_key,
                    key.profile,
                    key.created_at,
                    case_id,
                    now
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO case_imports (case_id, agency, unit, bundle_sha256, seal_root,
               imported_at, imported_by, imported_by_profile)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                case_id,
                bundle.case.agency,
                bundle.case.unit,
                bundle.bundle_sha256,
                s.root,
                now,
                profile.display_name,
                profile.name
            ],
        )?;
        // Sealed last: from here on the triggers of migration 0005 freeze the case.
        tx.execute(
            "UPDATE cases SET status = 'sealed' WHERE id = ?1",
            [case_id],
        )?;

        let restored = root_of(&case_leaf_items(&tx, case_id, &s.head)?);
        if restored != s.root {
            return Err(invalid(format!(
                "the restored rows hash to Merkle root {restored}, the seal signs {}",
                s.root
            )));
        }
        // The signatures too, as verify-workspace will check them (this connection
        // reads the uncommitted rows): the core does not rely on its caller's check.
        let code_of = HashMap::from([(case_id, bundle.case.code.as_str())]);
        let mut problems = self.verify_transitions(&code_of)?;
        problems.extend(
            self.verify_seals(&code_of)?
                .into_iter()
                .filter(|p| p.case_code.as_deref() == Some(bundle.case.code.as_str())),
        );
        if let Some(p) = problems.first() {
            return Err(invalid(format!("{}: {}", p.kind, p.detail)));
        }
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(invalid(format!(
                "rows of {table} refer to records the bundle does not hold"
            )));
        }
        tx.commit()?;
        self.case_by_code(&bundle.case.code)
    }

    /// Stores every referenced blob, re-hashed on the way in.
    fn store_blobs(&self, bundle: &ImportedBundle) -> Result<()> {
        let mut wanted: BTreeMap<&str, u64> = BTreeMap::new();
        for ev in &bundle.evidence {
            wanted.insert(&ev.item.sha256, ev.item.size);
            for a in &ev.artifacts {
                wanted.insert(&a.sha256, a.size);
            }
        }
        for (sha256, size) in wanted {
            let path = bundle
                .files
                .get(sha256)
                .ok_or_else(|| invalid(format!("the bundle lacks the bytes of {sha256}")))?;
            let stored = self.blobs.put_file(path)?;
            if stored.sha256 != sha256 || stored.size != size {
                return Err(invalid(format!(
                    "{} holds {} ({} bytes), the case records {sha256} ({size} bytes)",
                    path.display(),
                    stored.sha256,
                    stored.size
                )));
            }
        }
        Ok(())
    }
}

/// Everything that can be checked before writing: one case throughout, an unbroken
/// chain, leaves that hash to the sealed root and name exactly the evidence listed.
fn check_consistency(b: &ImportedBundle) -> Result<()> {
    let id = b.case.id.as_str();
    if b.case.status != CaseStatus::Sealed {
        return Err(invalid(format!(
            "the bundle's case is {}, not sealed",
            b.case.status
        )));
    }
    if b.seal.case_id != id || b.custody.iter().any(|e| e.case_id != id) {
        return Err(invalid("the seal or custody log belongs to another case"));
    }
    if b.custody.is_empty() || !check_chain(&b.custody).is_empty() {
        return Err(invalid("the custody log is empty or does not chain"));
    }
    if !b.custody.iter().any(|e| e.hash == b.seal.head) {
        return Err(invalid("the seal covers a custody head not in the log"));
    }
    let root = root_of(&b.leaves);
    if root != b.seal.root || b.leaves.len() as u64 != b.seal.leaf_count {
        return Err(invalid(format!(
            "the seal leaves hash to {root}, the seal signs {}",
            b.seal.root
        )));
    }
    let heads: Vec<&SealLeaf> = b
        .leaves
        .iter()
        .filter(|l| l.kind == "custody_head")
        .collect();
    if heads.len() != 1 || heads[0].body != b.seal.head {
        return Err(invalid(
            "the seal leaves do not name the sealed custody head",
        ));
    }
    let leaf_evidence: BTreeSet<&str> = b
        .leaves
        .iter()
        .filter(|l| l.kind == "evidence")
        .map(|l| l.body.as_str())
        .collect();
    let listed: Vec<String> = b
        .evidence
        .iter()
        .map(|e| format!("{}:{}", e.item.id, e.item.sha256))
        .collect();
    let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    if leaf_evidence != listed_set || listed.len() != listed_set.len() {
        return Err(invalid(
            "the evidence in case.json is not the evidence the seal covers",
        ));
    }
    for ev in &b.evidence {
        if ev.item.case_id != id || !crate::blob::is_sha256_hex(&ev.item.sha256) {
            return Err(invalid(format!("evidence {} is malformed", ev.item.id)));
        }
        let stamped = ev.timestamp.as_ref().is_some_and(|t| t.status == "stamped");
        if stamped != ev.token.is_some() {
            return Err(invalid(format!(
                "evidence {} has a stamped record without its token, or a token without one",
                ev.item.id
            )));
        }
        if ev
            .artifacts
            .iter()
            .any(|a| !crate::blob::is_sha256_hex(&a.sha256))
        {
            return Err(invalid(format!(
                "an artifact of evidence {} has no valid SHA-256",
                ev.item.id
            )));
        }
    }
    for key in &b.keys {
        let ok = parse_public_key(&key.public_key)
            .map(|k| fingerprint(&k) == key.fingerprint)
            .unwrap_or(false);
        if !ok {
            return Err(invalid(format!(
                "key {} does not hash to its fingerprint",
                key.fingerprint
            )));
        }
    }
    Ok(())
}

fn refuse_existing(conn: &Connection, case: &Case) -> Result<()> {
    let by_id: Option<String> = conn
        .query_row("SELECT code FROM cases WHERE id = ?1", [&case.id], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(code) = by_id {
        return Err(Error::new(
            ErrorCode::CaseAlreadyExists,
            format!(
                "case {} (id {}) is already in this workspace as {code}",
                case.code, case.id
            ),
        ));
    }
    let by_code: bool = conn
        .query_row(
            "SELECT 1 FROM cases WHERE code = ?1 COLLATE NOCASE",
            [&case.code],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if by_code {
        return Err(Error::new(
            ErrorCode::DuplicateCaseCode,
            format!(
                "a different case with code {} already exists here; the imported case keeps \
                 the code its signed report and seal carry, so it cannot be imported",
                case.code
            ),
        ));
    }
    Ok(())
}

/// The case row, not yet sealed (the sealed-case triggers would refuse its rows).
fn insert_case(conn: &Connection, b: &ImportedBundle) -> Result<()> {
    let c = &b.case;
    conn.execute(
        "INSERT INTO cases (id, code, title, agency, unit, province, violation_categories,
           product_group, status, origin, created_at, created_by, updated_at, search_folded,
           legal_basis, proposed_measures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'approved', ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            c.id,
            c.code,
            c.title,
            c.agency,
            c.unit,
            c.province,
            serde_json::to_string(&c.violation_categories)?,
            c.product_group,
            c.origin.as_str(),
            c.created_at,
            c.created_by,
            c.updated_at,
            search_text(c),
            b.review.legal_basis,
            b.review.proposed_measures,
        ],
    )?;
    Ok(())
}

fn insert_evidence(conn: &Connection, ev: &ImportedEvidence, log: &[RawEvent]) -> Result<()> {
    let id = &ev.item.id;
    crate::evidence::insert(conn, &ev.item).map_err(|e| {
        invalid(format!(
            "evidence {id} cannot be stored here: {}",
            e.message
        ))
    })?;
    if ev.item.kind == EvidenceKind::WebCapture {
        let cap = ev
            .web_capture
            .as_ref()
            .ok_or_else(|| invalid(format!("capture {id} has no capture facts")))?;
        conn.execute(
            "INSERT INTO web_captures (evidence_id, method, url, final_url, title, http_status,
               server_ip, partial_reason, metadata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                cap.method,
                cap.url,
                cap.final_url,
                cap.title,
                cap.http_status,
                cap.server_ip,
                cap.partial_reason,
                serde_json::to_string(&cap.metadata)?,
            ],
        )
        .map_err(|e| invalid(format!("capture {id}: {e}")))?;
        for a in &ev.artifacts {
            conn.execute(
                "INSERT INTO evidence_artifacts (evidence_id, role, sha256, size, media_type)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, a.role, a.sha256, a.size, a.media_type],
            )
            .map_err(|e| invalid(format!("artifact {} of {id}: {e}", a.role)))?;
        }
    }
    // Only stamped tokens come along: an imported case never joins the local queue,
    // which would append to its chain.
    let (Some(token), Some(stamp)) = (&ev.token, &ev.timestamp) else {
        return Ok(());
    };
    let gen_time = stamp
        .gen_time
        .as_deref()
        .filter(|_| stamp.status == "stamped")
        .ok_or_else(|| invalid(format!("the token of {id} has no stamped record")))?;
    let stamped_at = log
        .iter()
        .rev()
        .find(|e| {
            e.kind == kind::TIMESTAMP_ADDED
                && serde_json::from_str::<Value>(&e.payload)
                    .is_ok_and(|p| p["evidence_id"] == id.as_str())
        })
        .map_or(gen_time, |e| e.at.as_str());
    conn.execute(
        "INSERT INTO timestamps (evidence_id, digest, status, attempts, next_attempt_at,
           tsa_url, token, gen_time, stamped_at)
         VALUES (?1, ?2, 'stamped', ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            ev.item.sha256,
            stamp.attempts.max(1),
            gen_time,
            stamp.tsa_url,
            token,
            gen_time,
            stamped_at
        ],
    )?;
    Ok(())
}

/// Inserts a sealed row (`rows_as_json` of the seal: every column, keys sorted) into
/// `table`. The columns must be exactly this schema's, so nothing is guessed.
fn insert_row(conn: &Connection, table: &str, body: &str, case_id: &str) -> Result<()> {
    let row: BTreeMap<String, Value> = serde_json::from_str(body)
        .map_err(|e| invalid(format!("a {table} leaf is not a JSON row: {e}")))?;
    let columns: BTreeSet<String> = {
        let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if row.keys().cloned().collect::<BTreeSet<_>>() != columns {
        return Err(invalid(format!(
            "a {table} leaf has columns {:?}, this workspace's table has {columns:?}",
            row.keys().collect::<Vec<_>>()
        )));
    }
    if row.get("case_id").and_then(Value::as_str) != Some(case_id) {
        return Err(invalid(format!("a {table} leaf belongs to another case")));
    }
    let mut values = Vec::with_capacity(row.len());
    for (name, v) in &row {
        values.push(match v {
            Value::Null => SqlValue::Null,
            Value::String(s) => SqlValue::Text(s.clone()),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => SqlValue::Integer(i),
                (None, Some(f)) => SqlValue::Real(f),
                _ => return Err(invalid(format!("{table}.{name}: number out of range"))),
            },
            _ => return Err(invalid(format!("{table}.{name}: not a column value"))),
        });
    }
    let names: Vec<&str> = row.keys().map(String::as_str).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    conn.execute(
        &format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        ),
        rusqlite::params_from_iter(values),
    )
    .map_err(|e| invalid(format!("a {table} row cannot be restored: {e}")))?;
    Ok(())
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The rows the seal does not cover but the custody log records in full: entity
/// aliases, identifier occurrences (with their exporting id kept as `origin_id`) and
/// the evidence behind each link. Each takes its event's time.
fn restore_from_log(conn: &Connection, case_id: &str, log: &[RawEvent]) -> Result<()> {
    for e in log {
        let Ok(p) = serde_json::from_str::<Value>(&e.payload) else {
            continue;
        };
        let strings = |key: &str| -> Vec<String> {
            p[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        match e.kind.as_str() {
            event_kind::ENTITY_CREATED => {
                for alias in strings("aliases") {
                    insert_alias(conn, &text(&p, "entity_id"), &alias, "input", &e.at)?;
                }
            }
            event_kind::ENTITY_MERGED => {
                let from = text(&p, "entity_id");
                for alias in strings("aliases_added") {
                    insert_alias(conn, &text(&p, "into"), &alias, &from, &e.at)?;
                }
            }
            event_kind::LINK_ADDED | event_kind::LINK_EVIDENCE_ADDED => {
                for evidence_id in strings("evidence_ids") {
                    conn.execute(
                        "INSERT OR IGNORE INTO link_evidence (link_id, evidence_id, added_at)
                         VALUES (?1, ?2, ?3)",
                        params![text(&p, "link_id"), evidence_id, e.at],
                    )?;
                }
            }
            event_kind::IDENTIFIERS_SUGGESTED => {
                let evidence_id = text(&p, "evidence_id");
                for o in p["occurrences"].as_array().into_iter().flatten() {
                    conn.execute(
                        "INSERT INTO identifier_occurrences (case_id, entity_id, evidence_id,
                           id_kind, value, qualifier, raw, location, snippet, recorded_at,
                           origin_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', ?9, ?10)",
                        params![
                            case_id,
                            text(o, "entity_id"),
                            evidence_id,
                            text(o, "id_kind"),
                            text(o, "value"),
                            text(o, "qualifier"),
                            text(o, "raw"),
                            text(o, "location"),
                            e.at,
                            o["occurrence_id"].as_i64(),
                        ],
                    )
                    .map_err(|err| invalid(format!("an occurrence of event {}: {err}", e.seq)))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn insert_alias(
    conn: &Connection,
    entity: &str,
    alias: &str,
    source: &str,
    at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, source, added_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![entity, alias, source, at],
    )?;
    Ok(())
}

/// The custody events of a case as a bundle carries them (`CustodyEvent` JSON, payload
/// as a JSON value) back to the exact stored form: the payload text is the compact
/// serialization the chain hashed.
pub fn raw_event_from_json(line: &Value) -> Result<RawEvent> {
    let payload = serde_json::to_string(line.get("payload").unwrap_or(&Value::Null))?;
    let seq = line
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("a custody event has no seq"))?;
    Ok(RawEvent {
        seq,
        case_id: text(line, "case_id"),
        actor: text(line, "actor"),
        at: text(line, "at"),
        kind: text(line, "kind"),
        payload,
        prev_hash: text(line, "prev_hash"),
        hash: text(line, "hash"),
    })
}
