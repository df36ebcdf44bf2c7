//! `verify_bundle`: checks a case bundle without trusting whoever made it. The WACZ layer
//! (`read_wacz`: every file hash, the manifest, WARC digests, index) runs first into a
//! staging folder of its own; then the case layer: the custody chain recomputed from
//! `custody.jsonl`, every transition signature and the seal signature checked against
//! the public keys in the bundle, and every RFC 3161 token against its evidence digest.
//! Each problem has a stable kind. Last, `verify_seal` recomputes the seal's Merkle root
//! from the leaves the bundle carries and ties every file to a sealed item.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Serialize;
use serde_json::Value;
use truyvet_core::custody::{GENESIS, event_hash};
use truyvet_core::keys::{fingerprint, parse_public_key};
use truyvet_core::{Error, Result, TRANSITION_EVENT, seal, transition_signed_bytes};
use truyvet_timestamp::{Error as TokenError, Expectation, verify_token_unanchored};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleProblem {
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BundleReport {
    pub ok: bool,
    pub case_code: Option<String>,
    pub seal_root: Option<String>,
    pub files: usize,
    pub warc_records: usize,
    pub custody_events: usize,
    pub signatures: usize,
    pub timestamps: usize,
    /// `ok` once the Merkle root recomputed from the bundle's leaves matches the seal;
    /// `not_checked` when verification stopped before that.
    pub seal_root_recomputed: &'static str,
    pub problems: Vec<BundleProblem>,
}

impl BundleReport {
    pub(crate) fn problem(&mut self, kind: &str, detail: impl Into<String>) {
        self.problems.push(BundleProblem {
            kind: kind.to_string(),
            detail: detail.into(),
        });
    }
}

pub(crate) fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn check_signature(key: &VerifyingKey, bytes: &[u8], sig_hex: &str) -> bool {
    let Ok(raw) = hex::decode(sig_hex) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&raw) else {
        return false;
    };
    key.verify(bytes, &sig).is_ok()
}

/// Verifies the bundle at `path`. I/O trouble with the local temp folder is an `Err`;
/// everything wrong with the bundle is a problem in the report.
pub fn verify_bundle(path: &Path) -> Result<BundleReport> {
    let temp = tempfile::tempdir().map_err(|e| Error::io("cannot create", path, &e))?;
    verify_bundle_in(path, &temp.path().join("staging"))
}

/// As [`verify_bundle`], extracting into `staging` (which must not exist yet). After a
/// verification the verified files stay there for the caller (the import reads them);
/// a refused archive leaves nothing.
pub fn verify_bundle_in(path: &Path, staging: &Path) -> Result<BundleReport> {
    let mut report = BundleReport {
        seal_root_recomputed: "not_checked",
        ..BundleReport::default()
    };
    let staging = staging.to_path_buf();
    let verified = match truyvet_bundle::read_wacz(path, &staging) {
        Ok(v) => v,
        Err(e) => {
            report.problem(e.code.as_str(), e.message);
            return Ok(report);
        }
    };
    report.files = verified.entries.len();
    report.warc_records = verified.records;
    let dir = staging.join("truyvet");
    let read = |name: &str| fs::read(dir.join(name));
    let json = |report: &mut BundleReport, name: &str| -> Option<Value> {
        match read(name).map(|b| serde_json::from_slice::<Value>(&b)) {
            Ok(Ok(v)) => Some(v),
            _ => {
                report.problem(
                    "bundle_member_invalid",
                    format!("truyvet/{name} is missing or not JSON"),
                );
                None
            }
        }
    };

    // Public keys, by fingerprint; a key file whose key does not hash to its name is refused.
    let mut keys: HashMap<String, VerifyingKey> = HashMap::new();
    for entry in fs::read_dir(&dir).map_err(|e| Error::io("cannot read", &dir, &e))? {
        let name = entry
            .map_err(|e| Error::io("cannot read", &dir, &e))?
            .file_name();
        let name = name.to_string_lossy().to_string();
        let Some(print) = name
            .strip_prefix("key-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let Some(v) = json(&mut report, &name) else {
            continue;
        };
        match parse_public_key(&text(&v, "public_key")) {
            Ok(key) if fingerprint(&key) == print && text(&v, "fingerprint") == print => {
                keys.insert(print.to_string(), key);
            }
            _ => report.problem(
                "key_mismatch",
                format!("truyvet/{name} does not hold the key its name says"),
            ),
        }
    }

    // The custody chain and the signed transitions in it.
    let mut hashes = Vec::new();
    let mut events = Vec::new();
    let custody = read("custody.jsonl").unwrap_or_default();
    let mut prev = GENESIS.to_string();
    for (i, line) in custody
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let Ok(e) = serde_json::from_slice::<Value>(line) else {
            report.problem(
                "custody_malformed",
                format!("line {} of custody.jsonl is not JSON", i + 1),
            );
            break;
        };
        let seq = e.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let payload = e.get("payload").cloned().unwrap_or(Value::Null);
        let payload_text = serde_json::to_string(&payload).unwrap_or_default();
        let hash = event_hash(
            seq,
            &text(&e, "case_id"),
            &text(&e, "actor"),
            &text(&e, "at"),
            &text(&e, "kind"),
            &payload_text,
            &text(&e, "prev_hash"),
        );
        if hash != text(&e, "hash") {
            report.problem(
                "custody_hash_mismatch",
                format!("event {seq} does not hash to its recorded hash"),
            );
        }
        if text(&e, "prev_hash") != prev || seq != i as u64 + 1 {
            report.problem(
                "custody_chain_broken",
                format!("event {seq} does not follow the event before it"),
            );
        }
        prev = text(&e, "hash");
        hashes.push(prev.clone());
        events.push(e.clone());
        report.custody_events += 1;
        if text(&e, "kind") != TRANSITION_EVENT {
            continue;
        }
        let p = &payload;
        let print = text(p, "fingerprint");
        let Some(key) = keys.get(&print) else {
            report.problem(
                "transition_key_unknown",
                format!("event {seq} was signed by a key not in the bundle ({print})"),
            );
            continue;
        };
        if text(p, "head") != text(&e, "prev_hash") {
            report.problem(
                "transition_head_mismatch",
                format!("event {seq} signs a head that is not the event before it"),
            );
        }
        let signed = transition_signed_bytes(
            &text(&e, "case_id"),
            &text(p, "from"),
            &text(p, "to"),
            &text(p, "comment"),
            &text(p, "head"),
            &text(p, "at"),
            &print,
        );
        if check_signature(key, &signed, &text(p, "signature")) {
            report.signatures += 1;
        } else {
            report.problem(
                "transition_signature_invalid",
                format!("the signature of event {seq} does not verify"),
            );
        }
    }

    // The seal: signed by a key in the bundle, over a head that is in the chain.
    let seal = json(&mut report, "seal.json");
    if let Some(s) = &seal {
        report.seal_root = Some(text(s, "root"));
        let print = text(s, "fingerprint");
        if !hashes.contains(&text(s, "head")) {
            report.problem(
                "seal_head_unknown",
                "the seal covers a custody head that is not in custody.jsonl",
            );
        }
        // Signed by whoever signed the sealing transition it covers, not by a key that
        // was merely added to the bundle.
        let sealer = events
            .iter()
            .find(|e| text(e, "hash") == text(s, "head"))
            .and_then(|e| e.get("payload"))
            .map(|p| text(p, "fingerprint"));
        if let Some(sealer) = sealer.filter(|f| *f != print) {
            report.problem(
                "seal_signer_mismatch",
                format!("the seal is signed by {print}, its sealing transition by {sealer}"),
            );
        }
        match keys.get(&print) {
            None => report.problem(
                "seal_key_unknown",
                format!("the seal was signed by a key not in the bundle ({print})"),
            ),
            Some(key) => {
                let signed = seal::signed_bytes(
                    &text(s, "case_id"),
                    &text(s, "root"),
                    &text(s, "head"),
                    &text(s, "at"),
                    &print,
                );
                if check_signature(key, &signed, &text(s, "signature")) {
                    report.signatures += 1;
                } else {
                    report.problem(
                        "seal_signature_invalid",
                        "the seal's signature does not verify",
                    );
                }
            }
        }
    }

    // Timestamp tokens against the evidence digests listed in case.json.
    let case = json(&mut report, "case.json");
    if let Some(case) = &case {
        report.case_code = case
            .pointer("/case/code")
            .and_then(Value::as_str)
            .map(str::to_string);
        let empty = Vec::new();
        for item in case
            .get("evidence")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let id = item
                .pointer("/item/id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let sha = item
                .pointer("/item/sha256")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Ok(token) = read(&format!("{id}.tsr")) else {
                continue;
            };
            let mut digest = [0u8; 32];
            if hex::decode_to_slice(sha, &mut digest).is_err() {
                report.problem(
                    "evidence_malformed",
                    format!("evidence {id} has no valid SHA-256"),
                );
                continue;
            }
            match verify_token_unanchored(
                &token,
                &Expectation {
                    digest: &digest,
                    nonce: None,
                },
            ) {
                Ok(_) => report.timestamps += 1,
                Err(TokenError::ImprintMismatch(_)) => report.problem(
                    "timestamp_digest_mismatch",
                    format!("the token of evidence {id} is for another digest"),
                ),
                Err(e) => report.problem(
                    "timestamp_invalid",
                    format!("the token of evidence {id}: {e}"),
                ),
            }
        }
    }
    if let Some(seal) = &seal {
        let digests: HashMap<String, String> = verified
            .entries
            .iter()
            .map(|e| (e.name.clone(), e.sha256.clone()))
            .collect();
        crate::verify_seal::check(
            &mut report,
            &crate::verify_seal::Staged {
                dir: &dir,
                digests: &digests,
                seal,
                case: case.as_ref(),
                custody: &events,
                keys: &keys,
            },
        );
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}
