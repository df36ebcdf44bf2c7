//! Proof that one item belongs to a sealed case, without handing over the rest of it:
//! the item's leaf, its Merkle audit path, the signed seal and the signer's public key.
//! A prosecutor who receives one screenshot and its proof can check, offline and with
//! nothing else from us, that the supervisor sealed exactly that file as part of the case.

use ed25519_dalek::{Signature, Verifier};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::keys::{self, fingerprint, parse_public_key};
use crate::seal::{InclusionProof, Seal, SealLeaf, inclusion_proof, root_from_proof, signed_bytes};
use crate::workspace::Workspace;

pub const PROOF_FORMAT: &str = "truyvet.seal-proof.v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealProof {
    pub format: String,
    pub case_code: String,
    pub leaf: SealLeaf,
    pub proof: InclusionProof,
    pub seal: Seal,
    /// Hex Ed25519 public key of the sealing supervisor.
    pub public_key: String,
}

/// What a checked proof establishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvenItem {
    pub case_code: String,
    pub case_id: String,
    pub evidence_id: String,
    pub sha256: String,
    pub seal_root: String,
    pub sealed_at: String,
    /// The signer's key fingerprint: compare it with the one the agency publishes.
    pub fingerprint: String,
}

fn refused(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::ProofInvalid, message)
}

/// Checks a proof on its own: the leaf leads to the signed root through the path, and
/// the seal's signature verifies under the enclosed key whose fingerprint it names.
pub fn verify_seal_proof(p: &SealProof) -> Result<ProvenItem> {
    if p.format != PROOF_FORMAT {
        return Err(refused(format!("not a {PROOF_FORMAT} document")));
    }
    if p.leaf.kind != "evidence" {
        return Err(refused("the proof is not about an evidence item"));
    }
    let (evidence_id, sha256) = p
        .leaf
        .body
        .split_once(':')
        .ok_or_else(|| refused("the evidence leaf is malformed"))?;
    if p.proof.leaf_count != p.seal.leaf_count || p.proof.leaf_index >= p.proof.leaf_count {
        return Err(refused("the proof's position does not fit the sealed tree"));
    }
    let root = root_from_proof(p.leaf.hash(), &p.proof)
        .ok_or_else(|| refused("the audit path is malformed"))?;
    if hex::encode(root) != p.seal.root {
        return Err(refused(
            "the item does not lead to the sealed Merkle root: it is not part of this seal",
        ));
    }
    let key =
        parse_public_key(&p.public_key).map_err(|_| refused("the public key is malformed"))?;
    if fingerprint(&key) != p.seal.fingerprint {
        return Err(refused("the public key is not the one the seal names"));
    }
    let s = &p.seal;
    let signature = hex::decode(&s.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| refused("the seal signature is malformed"))?;
    key.verify(
        &signed_bytes(&s.case_id, &s.root, &s.head, &s.at, &s.fingerprint),
        &signature,
    )
    .map_err(|_| refused("the seal signature does not verify"))?;
    Ok(ProvenItem {
        case_code: p.case_code.clone(),
        case_id: s.case_id.clone(),
        evidence_id: evidence_id.to_string(),
        sha256: sha256.to_string(),
        seal_root: s.root.clone(),
        sealed_at: s.at.clone(),
        fingerprint: s.fingerprint.clone(),
    })
}

impl Workspace {
    /// The proof that evidence `evidence_id` is part of sealed case `code`.
    pub fn seal_proof(&self, code: &str, evidence_id: &str) -> Result<SealProof> {
        let case = self.case_by_code(code)?;
        let seal = self.case_seal(code)?.ok_or_else(|| {
            Error::new(
                ErrorCode::CaseNotSealed,
                format!(
                    "case {} is {}; only a sealed case has proofs",
                    case.code, case.status
                ),
            )
        })?;
        let leaves = self.case_seal_leaves(code)?;
        let index = leaves
            .iter()
            .position(|l| {
                l.kind == "evidence"
                    && l.body.split_once(':').map(|(id, _)| id) == Some(evidence_id)
            })
            .ok_or_else(|| {
                Error::invalid(format!(
                    "evidence {evidence_id} is not part of the seal of case {}",
                    case.code
                ))
            })?;
        let hashes: Vec<[u8; 32]> = leaves.iter().map(SealLeaf::hash).collect();
        let proof = inclusion_proof(&hashes, index)
            .ok_or_else(|| Error::internal("leaf index out of range"))?;
        let key =
            keys::public_key_by_fingerprint(&self.conn, &seal.fingerprint)?.ok_or_else(|| {
                Error::internal(format!("the seal key {} is unknown", seal.fingerprint))
            })?;
        Ok(SealProof {
            format: PROOF_FORMAT.to_string(),
            case_code: case.code,
            leaf: leaves[index].clone(),
            proof,
            seal,
            public_key: key.public_key,
        })
    }
}
