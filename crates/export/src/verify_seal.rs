//! The case layer of bundle verification that ties the files to the seal: the Merkle
//! root is recomputed from `seal-leaves.jsonl`, every sealed item must be the one the
//! bundle shows (evidence digests name files whose bytes hash to them, capture manifests
//! name artifacts present in the bundle, entities and links are the sealed rows), and
//! every addendum is signed by a key in the bundle against this seal and logged.
//!
//! The WACZ layer has already proven that every file hashes to its manifest entry; what
//! it cannot know is whether those files are the ones the supervisor sealed. That is
//! what this module checks, using the per-member SHA-256 the WACZ layer computed.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use truyvet_core::addenda::{ADDENDUM_EVENT, Addendum};
use truyvet_core::seal::{SealLeaf, root_of};

use crate::verify::{BundleReport, text};

/// What the rest of verification has already read.
pub(crate) struct Staged<'a> {
    /// The `truyvet/` folder in staging.
    pub dir: &'a Path,
    /// Member name → hex SHA-256, as computed while extracting.
    pub digests: &'a HashMap<String, String>,
    pub seal: &'a Value,
    pub case: Option<&'a Value>,
    pub custody: &'a [Value],
    pub keys: &'a HashMap<String, VerifyingKey>,
}

pub(crate) fn check(report: &mut BundleReport, s: &Staged) {
    let leaves = match read_leaves(s.dir) {
        Ok(l) => l,
        Err(detail) => {
            report.problem("seal_leaves_invalid", detail);
            return;
        }
    };
    let root = root_of(&leaves);
    if root != text(s.seal, "root") {
        report.problem(
            "seal_root_mismatch",
            format!(
                "seal-leaves.jsonl hashes to Merkle root {root}, the seal signs {}",
                text(s.seal, "root")
            ),
        );
        return;
    }
    if s.seal.get("leaf_count").and_then(Value::as_u64) != Some(leaves.len() as u64) {
        report.problem(
            "seal_leaves_invalid",
            format!(
                "the seal counts {} leaves, seal-leaves.jsonl has {}",
                s.seal.get("leaf_count").unwrap_or(&Value::Null),
                leaves.len()
            ),
        );
    }
    let heads: Vec<&SealLeaf> = leaves.iter().filter(|l| l.kind == "custody_head").collect();
    if heads.len() != 1 || heads[0].body != text(s.seal, "head") {
        report.problem(
            "seal_leaves_invalid",
            "the leaves do not hold exactly the custody head the seal names",
        );
    }
    report.seal_root_recomputed = "ok";
    check_evidence(report, s, &leaves);
    check_rows(report, s, &leaves, "entity", "entities.json");
    check_rows(report, s, &leaves, "link", "links.json");
    check_addenda(report, s);
}

fn read_leaves(dir: &Path) -> Result<Vec<SealLeaf>, String> {
    let bytes = fs::read(dir.join("seal-leaves.jsonl"))
        .map_err(|_| "truyvet/seal-leaves.jsonl is missing".to_string())?;
    let mut leaves = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let leaf: SealLeaf = serde_json::from_slice(line)
            .map_err(|e| format!("line {} of seal-leaves.jsonl: {e}", i + 1))?;
        leaves.push(leaf);
    }
    if leaves.windows(2).any(|w| w[0] > w[1]) {
        return Err("seal-leaves.jsonl is not in leaf order".into());
    }
    Ok(leaves)
}

/// The member under `truyvet/` whose name is `sha256` or `sha256.<ext>`.
fn member_by_digest<'a>(s: &'a Staged, sha256: &str) -> Option<(&'a str, &'a str)> {
    s.digests.iter().find_map(|(name, digest)| {
        let flat = name.strip_prefix("truyvet/")?;
        let stem = flat.split_once('.').map_or(flat, |(stem, _)| stem);
        (stem == sha256 && !flat.ends_with(".tsr")).then_some((name.as_str(), digest.as_str()))
    })
}

fn check_evidence(report: &mut BundleReport, s: &Staged, leaves: &[SealLeaf]) {
    let sealed: BTreeSet<&str> = leaves
        .iter()
        .filter(|l| l.kind == "evidence")
        .map(|l| l.body.as_str())
        .collect();
    let empty = Vec::new();
    let items = s
        .case
        .and_then(|c| c.get("evidence"))
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut shown = BTreeSet::new();
    for item in items {
        let id = item
            .pointer("/item/id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let sha = item
            .pointer("/item/sha256")
            .and_then(Value::as_str)
            .unwrap_or("");
        let body = format!("{id}:{sha}");
        if !sealed.contains(body.as_str()) {
            report.problem(
                "evidence_not_sealed",
                format!("evidence {id} ({sha}) in case.json is not covered by the seal"),
            );
        }
        shown.insert(body);
        match member_by_digest(s, sha) {
            None => report.problem(
                "evidence_file_missing",
                format!("the bundle holds no file for evidence {id} ({sha})"),
            ),
            Some((name, digest)) if digest != sha => report.problem(
                "evidence_digest_mismatch",
                format!("{name} hashes to {digest}, evidence {id} was sealed as {sha}"),
            ),
            Some((name, _)) if name.ends_with(".capture.json") => {
                check_manifest(report, s, id, name);
            }
            Some(_) => {}
        }
    }
    for body in sealed {
        if !shown.contains(body) {
            report.problem(
                "sealed_evidence_missing",
                format!("sealed evidence {body} is not in case.json"),
            );
        }
    }
}

/// Every artifact a capture manifest lists is in the bundle with the digest it names:
/// the WARC under `archive/`, the others under `truyvet/`.
fn check_manifest(report: &mut BundleReport, s: &Staged, id: &str, name: &str) {
    let Some(flat) = name.strip_prefix("truyvet/") else {
        return;
    };
    let manifest: Option<Value> = fs::read(s.dir.join(flat))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(manifest) = manifest else {
        report.problem(
            "capture_manifest_invalid",
            format!("{name} (evidence {id}) is not a capture manifest"),
        );
        return;
    };
    let empty = Vec::new();
    for a in manifest
        .get("artifacts")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let sha = text(a, "sha256");
        let role = text(a, "role");
        let found = if role == "warc" {
            let warc = format!("archive/{id}.warc.gz");
            s.digests.get(&warc).map(|d| (warc, d.clone()))
        } else {
            member_by_digest(s, &sha).map(|(n, d)| (n.to_string(), d.to_string()))
        };
        match found {
            None => report.problem(
                "artifact_missing",
                format!("the {role} of evidence {id} ({sha}) is not in the bundle"),
            ),
            Some((member, digest)) if digest != sha => report.problem(
                "artifact_digest_mismatch",
                format!("{member} hashes to {digest}, the capture manifest of {id} says {sha}"),
            ),
            Some(_) => {}
        }
    }
}

/// The entities or links the bundle shows are exactly the sealed rows (by id).
fn check_rows(report: &mut BundleReport, s: &Staged, leaves: &[SealLeaf], kind: &str, file: &str) {
    let sealed: BTreeSet<String> = leaves
        .iter()
        .filter(|l| l.kind == kind)
        .filter_map(|l| serde_json::from_str::<Value>(&l.body).ok())
        .map(|v| text(&v, "id"))
        .collect();
    let shown: Option<BTreeSet<String>> = fs::read(s.dir.join(file))
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<Value>>(&b).ok())
        .map(|rows| rows.iter().map(|v| text(v, "id")).collect());
    match shown {
        None => report.problem(
            "bundle_member_invalid",
            format!("truyvet/{file} is missing or not a JSON list"),
        ),
        Some(shown) if shown != sealed => report.problem(
            "sealed_rows_mismatch",
            format!("truyvet/{file} does not list exactly the sealed {kind} rows"),
        ),
        Some(_) => {}
    }
}

fn check_addenda(report: &mut BundleReport, s: &Staged) {
    let addenda: Vec<Addendum> = match fs::read(s.dir.join("addenda.json")) {
        Err(_) => return,
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(a) => a,
            Err(e) => {
                report.problem(
                    "bundle_member_invalid",
                    format!("truyvet/addenda.json: {e}"),
                );
                return;
            }
        },
    };
    let logged: Vec<Addendum> = s
        .custody
        .iter()
        .filter(|e| text(e, "kind") == ADDENDUM_EVENT)
        .filter_map(|e| serde_json::from_value(e.get("payload")?.clone()).ok())
        .collect();
    for a in &addenda {
        if a.seal_root != text(s.seal, "root") || a.case_id != text(s.seal, "case_id") {
            report.problem(
                "addendum_seal_mismatch",
                format!("addendum {} amends another seal or case", a.id),
            );
        }
        if !logged.contains(a) {
            report.problem(
                "addendum_not_logged",
                format!(
                    "addendum {} is not recorded unchanged in the custody log",
                    a.id
                ),
            );
        }
        match s.keys.get(&a.fingerprint) {
            None => report.problem(
                "addendum_key_unknown",
                format!("addendum {} was signed by a key not in the bundle", a.id),
            ),
            Some(key) => {
                if truyvet_core::addenda::verify_signature(&hex::encode(key.as_bytes()), a) {
                    report.signatures += 1;
                } else {
                    report.problem(
                        "addendum_signature_invalid",
                        format!("the signature of addendum {} does not verify", a.id),
                    );
                }
            }
        }
    }
    if logged.len() != addenda.len() {
        report.problem(
            "addendum_missing",
            format!(
                "the custody log records {} addenda, addenda.json holds {}",
                logged.len(),
                addenda.len()
            ),
        );
    }
}
