//! The part of verification that is particular to web captures: every artifact's bytes,
//! and the manifest (whose digest is the evidence digest) listing exactly the artifacts
//! on record.

use std::collections::HashMap;

use crate::captures::{ArtifactRef, MANIFEST_FORMAT};
use crate::error::Result;
use crate::verify::{BlobChecker, Problem};
use crate::workspace::Workspace;

impl Workspace {
    pub(crate) fn verify_artifacts(
        &self,
        blobs: &mut BlobChecker<'_>,
        code_of: &HashMap<&str, &str>,
    ) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        let captures: Vec<(String, String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT e.id, e.case_id, e.sha256 FROM evidence e WHERE e.kind = 'web_capture' ORDER BY e.id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (evidence_id, case_id, manifest_sha) in captures {
            let code = code_of.get(case_id.as_str()).copied();
            let artifacts = self.artifacts_of(&evidence_id)?;
            for a in &artifacts {
                let subject = format!("the {} artifact of evidence {evidence_id}", a.role);
                if let Some(p) = blobs.check(&a.sha256, a.size, code, &subject) {
                    problems.push(p);
                }
            }
            let Some(bytes) = blobs.read_verified(&manifest_sha) else {
                continue; // the manifest's own blob problem is already reported
            };
            if let Some(detail) = manifest_disagreement(&bytes, &evidence_id, &artifacts) {
                problems.push(Problem {
                    kind: "manifest_mismatch".into(),
                    case_code: code.map(str::to_string),
                    sha256: Some(manifest_sha.clone()),
                    seq: None,
                    detail: format!("capture {evidence_id}: {detail}"),
                });
            }
        }
        Ok(problems)
    }

    pub(crate) fn all_artifact_digests(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT sha256 FROM evidence_artifacts")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn manifest_disagreement(bytes: &[u8], evidence_id: &str, rows: &[ArtifactRef]) -> Option<String> {
    let manifest: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Some(format!("the manifest is not JSON: {e}")),
    };
    if manifest["format"] != MANIFEST_FORMAT {
        return Some(format!(
            "the manifest format is {}, not {MANIFEST_FORMAT}",
            manifest["format"]
        ));
    }
    if manifest["evidence_id"] != evidence_id {
        return Some(format!(
            "the manifest belongs to evidence {}",
            manifest["evidence_id"]
        ));
    }
    let listed: Vec<ArtifactRef> = match serde_json::from_value(manifest["artifacts"].clone()) {
        Ok(v) => v,
        Err(e) => return Some(format!("the manifest's artifact list is malformed: {e}")),
    };
    if listed != rows {
        return Some("the artifacts on record differ from those the manifest lists".into());
    }
    None
}
