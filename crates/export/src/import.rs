//! `import_bundle`: another agency's case bundle into the workspace as a read-only case.
//! The bundle is verified first, completely (`verify_bundle_in`), into a staging folder
//! of its own; only a bundle without a single problem is read further. The verified
//! files are then mapped to the core's plain `ImportedBundle`, and the core inserts the
//! case in one transaction, re-checking that the restored rows hash to the signed root.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use truyvet_core::import::{ImportedBundle, ImportedEvidence, raw_event_from_json};
use truyvet_core::model::Case;
use truyvet_core::seal::{Seal, SealLeaf};
use truyvet_core::{CaseReview, Error, ErrorCode, PublicKeyInfo, Result, Workspace};

use crate::verify::verify_bundle_in;

/// What an import brought in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub case_code: String,
    pub case_id: String,
    /// The agency that made and sealed the case.
    pub origin_agency: String,
    pub evidence: usize,
    /// Hex SHA-256 of the bundle file.
    pub bundle_sha256: String,
    pub seal_root: String,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::BundleInvalid, message)
}

/// Verifies the bundle at `path` and imports its case as the current profile. Refused
/// with `bundle_invalid` (naming the first problem) when verification finds anything,
/// `case_already_exists` when the case is here already, `duplicate_case_code` when a
/// different local case has its code; nothing is written to the database then.
pub fn import_bundle(ws: &Workspace, path: &Path) -> Result<ImportSummary> {
    let (bundle_sha256, _) = crate::hash_file(path)?;
    let temp =
        tempfile::tempdir().map_err(|e| Error::io("cannot create a temp folder for", path, &e))?;
    let staging = temp.path().join("staging");
    let report = verify_bundle_in(path, &staging)?;
    if let Some(first) = report.problems.first() {
        return Err(invalid(format!(
            "{} does not verify ({} problem(s)); first: {}: {}",
            path.display(),
            report.problems.len(),
            first.kind,
            first.detail
        )));
    }
    let bundle = read_staged(&staging, bundle_sha256)?;
    let case = ws.import_case(&bundle)?;
    Ok(ImportSummary {
        origin_agency: case
            .imported
            .as_ref()
            .map_or_else(|| case.agency.clone(), |i| i.agency.clone()),
        case_code: case.code,
        case_id: case.id,
        evidence: bundle.evidence.len(),
        bundle_sha256: bundle.bundle_sha256,
        seal_root: bundle.seal.root,
    })
}

fn read_json(dir: &Path, name: &str) -> Result<Value> {
    let bytes =
        fs::read(dir.join(name)).map_err(|_| invalid(format!("truyvet/{name} is missing")))?;
    serde_json::from_slice(&bytes).map_err(|e| invalid(format!("truyvet/{name}: {e}")))
}

fn field<T: serde::de::DeserializeOwned>(v: &Value, name: &str, what: &str) -> Result<T> {
    serde_json::from_value(v.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| invalid(format!("{what}: {name}: {e}")))
}

fn lines(dir: &Path, name: &str) -> Result<Vec<Value>> {
    let bytes =
        fs::read(dir.join(name)).map_err(|_| invalid(format!("truyvet/{name} is missing")))?;
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).map_err(|e| invalid(format!("truyvet/{name}: {e}"))))
        .collect()
}

/// The verified staging folder as the core's plain data.
fn read_staged(staging: &Path, bundle_sha256: String) -> Result<ImportedBundle> {
    let dir = staging.join("truyvet");
    let case_json = read_json(&dir, "case.json")?;
    if case_json["format"] != "truyvet.case-bundle.v1" {
        return Err(invalid(format!(
            "case.json has format {}, this TruyVết reads truyvet.case-bundle.v1",
            case_json["format"]
        )));
    }
    let case: Case = field(&case_json, "case", "case.json")?;
    let review: CaseReview = field(&case_json, "review", "case.json")?;
    let mut evidence: Vec<ImportedEvidence> = field(&case_json, "evidence", "case.json")?;
    for ev in &mut evidence {
        ev.token = fs::read(dir.join(format!("{}.tsr", ev.item.id))).ok();
    }
    let s = read_json(&dir, "seal.json")?;
    let seal = Seal {
        case_id: field(&s, "case_id", "seal.json")?,
        root: field(&s, "root", "seal.json")?,
        leaf_count: field(&s, "leaf_count", "seal.json")?,
        head: field(&s, "head", "seal.json")?,
        at: field(&s, "at", "seal.json")?,
        fingerprint: field(&s, "fingerprint", "seal.json")?,
        signature: field(&s, "signature", "seal.json")?,
    };
    let leaves: Vec<SealLeaf> = lines(&dir, "seal-leaves.jsonl")?
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| invalid(format!("seal-leaves.jsonl: {e}"))))
        .collect::<Result<_>>()?;
    let custody = lines(&dir, "custody.jsonl")?
        .iter()
        .map(raw_event_from_json)
        .collect::<Result<_>>()?;
    let mut keys = Vec::new();
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in fs::read_dir(&dir).map_err(|e| Error::io("cannot read", &dir, &e))? {
        let entry = entry.map_err(|e| Error::io("cannot read", &dir, &e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("key-") && name.ends_with(".json") {
            let v = read_json(&dir, &name)?;
            keys.push(PublicKeyInfo {
                profile: field(&v, "profile", &name)?,
                public_key: field(&v, "public_key", &name)?,
                fingerprint: field(&v, "fingerprint", &name)?,
                created_at: field(&v, "created_at", &name)?,
            });
        } else if let Some(sha) = content_address(&name) {
            files.insert(sha.to_string(), entry.path());
        }
    }
    // The WARCs sit under archive/, named by evidence id.
    for ev in &evidence {
        if let Some(warc) = ev.artifacts.iter().find(|a| a.role == "warc") {
            let path = staging
                .join("archive")
                .join(format!("{}.warc.gz", ev.item.id));
            if path.is_file() {
                files.insert(warc.sha256.clone(), path);
            }
        }
    }
    Ok(ImportedBundle {
        bundle_sha256,
        case,
        review,
        evidence,
        leaves,
        custody,
        seal,
        keys,
        files,
    })
}

/// `<sha256>` or `<sha256>.<ext…>`: a file the bundle names by its content.
fn content_address(name: &str) -> Option<&str> {
    let stem = name.split('.').next()?;
    (stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}
