//! `verify-workspace`: re-derive everything that can be re-derived and name each
//! disagreement precisely — which blob, which evidence row, which event of which case.
//! Nothing here trusts a stored hash without recomputing it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::blob::{BlobCheck, BlobStore};
use crate::custody::{self, ChainFault, kind};
use crate::error::Result;
use crate::verify_timestamps::LoggedStamp;
use crate::workspace::Workspace;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable kind: `database_integrity`, `event_hash_mismatch`, `event_chain_broken`,
    /// `event_seq_gap`, `case_without_log`, `blob_missing`, `blob_mismatch`,
    /// `blob_unreadable`, `evidence_size_mismatch`, `evidence_not_logged`,
    /// `logged_evidence_missing`, `note_not_logged`, `logged_note_missing`,
    /// `manifest_mismatch`; for RFC 3161 tokens (`verify_timestamps.rs`):
    /// `timestamp_invalid`, `timestamp_digest_mismatch`, `timestamp_untrusted`,
    /// `timestamp_time_mismatch`, `timestamp_not_logged`, `logged_timestamp_missing`,
    /// `timestamp_trust_unreadable`.
    pub kind: String,
    pub case_code: Option<String>,
    pub sha256: Option<String>,
    pub seq: Option<u64>,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub cases_checked: u64,
    pub events_checked: u64,
    pub evidence_checked: u64,
    pub blobs_checked: u64,
    pub bytes_hashed: u64,
    /// Blobs on disk that no evidence references (left by an interrupted add); harmless.
    pub orphan_blobs: u64,
    /// Stamped RFC 3161 tokens verified again.
    pub timestamps_checked: u64,
    /// Whether the tokens' certificate chains were checked against a trust anchor.
    pub timestamp_chain: TimestampChain,
    pub problems: Vec<Problem>,
}

/// How far verification could follow a timestamp token's certificate chain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampChain {
    /// Each chain was checked against the anchors configured in `tsa.trust`.
    TrustAnchor,
    /// No anchors are configured (or they could not be read): signatures and imprints
    /// were checked, but not who issued the authority's certificate.
    #[default]
    NotChecked,
}

struct EvidenceRow {
    id: String,
    case_id: String,
    sha256: String,
    size: u64,
}

impl Workspace {
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let problem = |kind: &str,
                       case_code: Option<&str>,
                       sha256: Option<&str>,
                       seq: Option<u64>,
                       detail: String| {
            Problem {
                kind: kind.to_string(),
                case_code: case_code.map(str::to_string),
                sha256: sha256.map(str::to_string),
                seq,
                detail,
            }
        };
        let mut problems = Vec::new();

        let integrity: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            problems.push(problem("database_integrity", None, None, None, integrity));
        }

        let cases: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, code FROM cases ORDER BY code")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let code_of: HashMap<&str, &str> = cases
            .iter()
            .map(|(id, code)| (id.as_str(), code.as_str()))
            .collect();

        let evidence: Vec<EvidenceRow> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, case_id, sha256, size FROM evidence ORDER BY case_id, id")?;
            let rows = stmt.query_map([], |r| {
                Ok(EvidenceRow {
                    id: r.get(0)?,
                    case_id: r.get(1)?,
                    sha256: r.get(2)?,
                    size: r.get(3)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let notes: BTreeSet<(String, String)> = {
            let mut stmt = self.conn.prepare("SELECT case_id, id FROM notes")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };

        // Custody chains, and what they say was added.
        let mut logged_evidence: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut logged_notes: BTreeSet<(String, String)> = BTreeSet::new();
        let mut logged_stamps: BTreeMap<String, LoggedStamp> = BTreeMap::new();
        for (case_id, code) in &cases {
            report.cases_checked += 1;
            let events = custody::raw_events(&self.conn, case_id)?;
            if events.is_empty() {
                problems.push(problem(
                    "case_without_log",
                    Some(code),
                    None,
                    None,
                    "the case has no custody events".into(),
                ));
            }
            report.events_checked += events.len() as u64;
            for fault in custody::check_chain(&events) {
                problems.push(match fault {
                    ChainFault::HashMismatch { seq, stored, computed } => problem(
                        "event_hash_mismatch",
                        Some(code),
                        None,
                        Some(seq),
                        format!("custody event {seq} was altered: stored hash {stored}, its fields hash to {computed}"),
                    ),
                    ChainFault::BrokenLink { seq } => problem(
                        "event_chain_broken",
                        Some(code),
                        None,
                        Some(seq),
                        format!("custody event {seq} does not link to the event before it"),
                    ),
                    ChainFault::SeqGap { expected, found } => problem(
                        "event_seq_gap",
                        Some(code),
                        None,
                        Some(expected),
                        format!("custody event {expected} is missing (found {found} next)"),
                    ),
                });
            }
            for e in &events {
                let Ok(payload) = serde_json::from_str::<serde_json::Value>(&e.payload) else {
                    continue;
                };
                let field = |name: &str| {
                    payload
                        .get(name)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                match e.kind.as_str() {
                    kind::EVIDENCE_ADDED | kind::CAPTURE_ADDED => {
                        logged_evidence
                            .insert(field("evidence_id"), (case_id.clone(), field("sha256")));
                    }
                    kind::NOTE_ADDED => {
                        logged_notes.insert((case_id.clone(), field("note_id")));
                    }
                    kind::TIMESTAMP_ADDED => {
                        logged_stamps.insert(
                            field("evidence_id"),
                            LoggedStamp {
                                case_id: case_id.clone(),
                                seq: e.seq,
                                token_sha256: field("token_sha256"),
                                gen_time: field("gen_time"),
                            },
                        );
                    }
                    _ => {}
                }
            }
        }

        // Evidence rows against the log and against their bytes.
        let mut blobs = BlobChecker::new(&self.blobs);
        for row in &evidence {
            report.evidence_checked += 1;
            let code = code_of.get(row.case_id.as_str()).copied();
            match logged_evidence.remove(&row.id) {
                Some((case_id, sha)) if case_id == row.case_id && sha == row.sha256 => {}
                Some((_, sha)) => problems.push(problem(
                    "evidence_not_logged",
                    code,
                    Some(&row.sha256),
                    None,
                    format!(
                        "evidence {} says sha256 {} but its custody event recorded {sha}",
                        row.id, row.sha256
                    ),
                )),
                None => problems.push(problem(
                    "evidence_not_logged",
                    code,
                    Some(&row.sha256),
                    None,
                    format!("evidence {} has no custody event recording it", row.id),
                )),
            }
            let subject = format!("evidence {}", row.id);
            if let Some(p) = blobs.check(&row.sha256, row.size, code, &subject) {
                problems.push(p);
            }
        }
        problems.extend(self.verify_artifacts(&mut blobs, &code_of)?);
        problems.extend(self.verify_entities()?);
        problems.extend(self.verify_transitions(&code_of)?);
        problems.extend(self.verify_seals(&code_of)?);
        problems.extend(self.verify_addenda(&code_of)?);
        let stamps = self.verify_timestamps(&code_of, logged_stamps)?;
        report.timestamps_checked = stamps.checked;
        report.timestamp_chain = stamps.chain;
        problems.extend(stamps.problems);
        for (evidence_id, (case_id, sha)) in logged_evidence {
            problems.push(problem(
                "logged_evidence_missing",
                code_of.get(case_id.as_str()).copied(),
                Some(&sha),
                None,
                format!("the custody log records evidence {evidence_id}, but its record is gone"),
            ));
        }
        for (case_id, note_id) in notes.difference(&logged_notes) {
            problems.push(problem(
                "note_not_logged",
                code_of.get(case_id.as_str()).copied(),
                None,
                None,
                format!("note {note_id} has no note_added custody event"),
            ));
        }
        for (case_id, note_id) in logged_notes.difference(&notes) {
            problems.push(problem(
                "logged_note_missing",
                code_of.get(case_id.as_str()).copied(),
                None,
                None,
                format!("the custody log records note {note_id}, but the note is gone"),
            ));
        }

        report.blobs_checked = blobs.checked.len() as u64;
        report.bytes_hashed = blobs.bytes_hashed;
        let mut referenced: BTreeSet<String> = evidence.iter().map(|e| e.sha256.clone()).collect();
        referenced.extend(self.all_artifact_digests()?);
        report.orphan_blobs = self
            .blobs
            .list()?
            .iter()
            .filter(|b| !referenced.contains(b.as_str()))
            .count() as u64;
        report.ok = problems.is_empty();
        report.problems = problems;
        Ok(report)
    }
}

/// Re-hashes each blob once, however many rows point at it, and words a problem for
/// the row being checked.
pub(crate) struct BlobChecker<'a> {
    store: &'a BlobStore,
    checked: HashMap<String, BlobCheck>,
    bytes_hashed: u64,
}

impl<'a> BlobChecker<'a> {
    pub(crate) fn new(store: &'a BlobStore) -> Self {
        BlobChecker {
            store,
            checked: HashMap::new(),
            bytes_hashed: 0,
        }
    }

    /// `subject` names what the bytes belong to ("evidence X", "artifact screenshot of
    /// evidence X"), for the message.
    pub(crate) fn check(
        &mut self,
        sha256: &str,
        size: u64,
        case_code: Option<&str>,
        subject: &str,
    ) -> Option<Problem> {
        let store = self.store;
        let bytes_hashed = &mut self.bytes_hashed;
        let result = self.checked.entry(sha256.to_string()).or_insert_with(|| {
            let result = store.check(sha256);
            if let BlobCheck::Ok { size } | BlobCheck::Mismatch { size, .. } = &result {
                *bytes_hashed += size;
            }
            result
        });
        let path = store.path_for(sha256);
        let (kind, detail) = match result {
            BlobCheck::Ok { size: actual } if *actual == size => return None,
            BlobCheck::Ok { size: actual } => (
                "evidence_size_mismatch",
                format!("{subject} records {size} bytes but the blob has {actual}"),
            ),
            BlobCheck::Missing => (
                "blob_missing",
                format!("the bytes of {subject} ({}) are missing", path.display()),
            ),
            BlobCheck::Mismatch { actual, .. } => (
                "blob_mismatch",
                format!(
                    "the bytes of {subject} were altered: {} now hashes to {actual}",
                    path.display()
                ),
            ),
            BlobCheck::Undecryptable(e) => (
                "blob_mismatch",
                format!(
                    "the bytes of {subject} were altered: the encrypted file {} fails \
                     authentication ({e})",
                    path.display()
                ),
            ),
            BlobCheck::Unreadable(e) => (
                "blob_unreadable",
                format!("cannot read the bytes of {subject}: {e}"),
            ),
        };
        Some(Problem {
            kind: kind.to_string(),
            case_code: case_code.map(str::to_string),
            sha256: Some(sha256.to_string()),
            seq: None,
            detail,
        })
    }

    /// The bytes of a blob that verified, for reading a manifest.
    pub(crate) fn read_verified(&self, sha256: &str) -> Option<Vec<u8>> {
        match self.checked.get(sha256) {
            Some(BlobCheck::Ok { .. }) => self.store.read_plain(sha256).ok(),
            _ => None,
        }
    }
}
