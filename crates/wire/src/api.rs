//! The registry's HTTP API as serde types: what the sync client sends and what the
//! registry answers (documented in `docs/registry-openapi.yaml`). Both sides use these
//! types, so a field renamed here is renamed for both, and the receipt check
//! ([`Receipt::verify`]) is the same code on the laptop and in the registry's tests.

use serde::{Deserialize, Serialize};

use crate::merkle::{self, Hash};
use crate::tree_head::TreeHead;

/// Every path starts with this; a later incompatible API gets `/v2`.
pub const API_PREFIX: &str = "/v1";

/// Response header holding an upload's current offset (on chunk, status and 409 answers).
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";

/// The body of every error answer: `{"error": {"code", "message", …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, snake_case; clients switch on it.
    pub code: String,
    /// English detail for logs, never parsed.
    pub message: String,
    /// The upload's current offset, on `offset_mismatch` and `upload_incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// What the verifier found, on `bundle_invalid`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One problem the bundle verifier found (`truyvet verify`'s kinds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: String,
    pub detail: String,
}

/// `POST /v1/uploads`: announces a bundle before its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    /// Exact size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the whole bundle, checked before verification.
    pub sha256: String,
}

/// An upload's state: the answer to create, chunk and status requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub upload_id: String,
    pub size: u64,
    pub sha256: String,
    /// Bytes received and durable; the next chunk must start here.
    pub offset: u64,
    /// Largest chunk body the registry accepts.
    pub chunk_max: u64,
}

/// What one log leaf commits to. The leaf's bytes are [`LeafData::canonical_json`]: the
/// fields in this (alphabetical) order, compact, so anyone can recompute a leaf hash from
/// a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafData {
    pub accepted_at: String,
    pub agency: String,
    pub bundle_sha256: String,
    pub case_id: String,
    pub seal_root: String,
}

impl LeafData {
    /// Compact JSON with sorted keys (the struct's field order is alphabetical).
    pub fn canonical_json(&self) -> String {
        // Serializing a struct of strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(self.canonical_json().as_bytes())
    }
}

/// The registry's answer to an accepted push: the case's place in the append-only log,
/// a signed tree head that includes it, and the inclusion proof between the two. The
/// same push again gets the same receipt, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub case_id: String,
    pub case_code: String,
    pub seal_root: String,
    pub bundle_sha256: String,
    pub agency: String,
    pub accepted_at: String,
    pub leaf_index: u64,
    /// Hex SHA-256 leaf hash of [`Receipt::leaf_data`].
    pub leaf_hash: String,
    pub tree_head: TreeHead,
    /// Hex hashes, from the leaf up (RFC 9162 §2.1.3).
    pub inclusion_proof: Vec<String>,
}

impl Receipt {
    pub fn leaf_data(&self) -> LeafData {
        LeafData {
            accepted_at: self.accepted_at.clone(),
            agency: self.agency.clone(),
            bundle_sha256: self.bundle_sha256.clone(),
            case_id: self.case_id.clone(),
            seal_root: self.seal_root.clone(),
        }
    }

    /// True when the leaf hash is that of the receipt's own fields, the tree head is
    /// signed by `key`, and the proof leads from the leaf to the head's root.
    pub fn verify(&self, key: &ed25519_dalek::VerifyingKey) -> bool {
        let leaf = self.leaf_data().leaf_hash();
        if hex::encode(leaf) != self.leaf_hash || !self.tree_head.verify(key) {
            return false;
        }
        let (Some(root), Some(proof)) = (
            parse_hash(&self.tree_head.root),
            parse_hashes(&self.inclusion_proof),
        ) else {
            return false;
        };
        merkle::verify_inclusion(&leaf, self.leaf_index, self.tree_head.size, &proof, &root)
    }
}

/// `GET /v1/log/inclusion`: a leaf's audit path to the root of a tree of `tree_size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub leaf_hash: String,
    pub tree_size: u64,
    pub proof: Vec<String>,
}

/// `GET /v1/log/consistency`: proof that the tree of `second` leaves extends the tree of
/// `first` leaves (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub proof: Vec<String>,
}

/// The unit that owns a case: whom another agency calls about a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitContact {
    pub agency: String,
    pub code: String,
    pub name: String,
    pub contact: String,
}

/// One normalized reading of a looked-up value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupKey {
    pub kind: String,
    pub value: String,
}

/// `GET /v1/lookup?value=…[&kind=…]`. Hits name the case, never its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupResponse {
    pub keys: Vec<LookupKey>,
    pub hits: Vec<LookupHit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupHit {
    pub kind: String,
    pub value: String,
    /// Bank of an account or provider of a wallet; empty when unknown.
    pub qualifier: String,
    pub agency: String,
    pub case_id: String,
    pub case_code: String,
    pub categories: Vec<String>,
    /// The seal time of the case (UTC RFC 3339).
    pub case_date: String,
    pub unit: UnitContact,
    /// The asker's agency owns the case or was granted it: its bundle may be fetched
    /// with `GET /v1/cases/{case_id}/bundle`. Absent from older registries: false.
    #[serde(default)]
    pub shared: bool,
}

/// `POST /v1/cases/{case_id}/shares`: grant another agency the case's bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub agency: String,
}

/// The answer to a share: the grant as it stands (201 when new, 200 when it existed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareGrant {
    pub case_id: String,
    pub agency: String,
    /// False when the grant existed already.
    pub created: bool,
}

/// `GET /v1/watchlist?cursor=N`: identifiers of other agencies' cases published after
/// the cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistPage {
    pub entries: Vec<WatchlistEntry>,
    /// Pass this as `cursor` next time; equal to the request's when nothing is new.
    pub next_cursor: u64,
    /// More entries wait beyond this page.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistEntry {
    pub cursor: u64,
    pub kind: String,
    pub value: String,
    pub qualifier: String,
    pub agency: String,
    pub case_id: String,
    pub case_code: String,
    pub categories: Vec<String>,
    pub case_date: String,
}

/// `GET /v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD`: cases sealed in the period (both
/// days included). A case with two categories or platforms counts under each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub from: String,
    pub to: String,
    pub total_cases: u64,
    pub by_category: Vec<Count>,
    pub by_platform: Vec<Count>,
    pub by_province: Vec<Count>,
    /// Keys are `YYYY-MM`.
    pub by_month: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: String,
    pub cases: u64,
}

/// `GET /v1/audit?cursor=N`: every push, lookup and administrative change, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: u64,
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: u64,
    pub at: String,
    /// The token's id, or `admin-cli` for the administrative commands.
    pub actor: String,
    pub agency: String,
    pub role: String,
    /// e.g. `upload_created`, `push_accepted`, `push_conflict`, `lookup`, `token_issued`.
    pub action: String,
    /// What it was about: a case id, a looked-up value, a token id.
    pub target: String,
    /// The HTTP status answered (0 for administrative commands).
    pub status: u16,
    pub detail: String,
}

/// A hex SHA-256, or `None` when `text` is not 64 hex digits.
pub fn parse_hash(text: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

pub fn parse_hashes(texts: &[String]) -> Option<Vec<Hash>> {
    texts.iter().map(|t| parse_hash(t)).collect()
}

pub fn hex_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_json_is_compact_with_sorted_keys() {
        let leaf = LeafData {
            accepted_at: "2026-11-28T10:00:00.000Z".into(),
            agency: "QLTT".into(),
            bundle_sha256: "ab".into(),
            case_id: "c1".into(),
            seal_root: "cd".into(),
        };
        assert_eq!(
            leaf.canonical_json(),
            r#"{"accepted_at":"2026-11-28T10:00:00.000Z","agency":"QLTT","bundle_sha256":"ab","case_id":"c1","seal_root":"cd"}"#
        );
    }

    #[test]
    fn hashes_parse_only_as_64_hex_digits() {
        assert!(parse_hash(&"ab".repeat(32)).is_some());
        assert!(parse_hash(&"ab".repeat(31)).is_none());
        assert!(parse_hash(&"zz".repeat(32)).is_none());
    }
}
