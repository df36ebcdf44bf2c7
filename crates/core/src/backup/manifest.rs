//! The manifest of a backup: what a snapshot holds and the SHA-256 of every member's
//! stored bytes. It is itself checked by `manifest.sha256` (the hex digest of the
//! manifest's exact bytes and a newline), so a flipped bit in a field no member hash
//! covers (a time, a count) is found too.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blob::is_sha256_hex;
use crate::error::{Error, ErrorCode, Result};

pub const FORMAT: &str = "truyvet.backup.v1";
pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SUM: &str = "manifest.sha256";
pub const DB_MEMBER: &str = "truyvet.db";
pub const KEY_MEMBER: &str = "workspace.key";
/// A manifest larger than this is refused unread: a backup of a million blobs stays
/// well under it.
pub const MAX_MANIFEST: u64 = 256 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// The snapshot's name: its UTC creation time, sortable.
    pub snapshot: String,
    pub created_at: String,
    pub schema_version: u32,
    pub encrypted: bool,
    pub counts: Counts,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub cases: u64,
    pub evidence: u64,
    pub blobs: u64,
    pub bytes: u64,
}

/// One file of the snapshot, by its path inside a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

pub fn blob_member(sha256: &str) -> String {
    format!("blobs/{}/{sha256}", &sha256[..2])
}

/// Whether `path` names a member a workspace can hold (and nothing that could escape the
/// restore folder).
pub fn is_member_path(path: &str) -> bool {
    if path == DB_MEMBER || path == KEY_MEMBER {
        return true;
    }
    let mut parts = path.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("blobs"), Some(prefix), Some(name), None)
            if is_sha256_hex(name) && prefix == &name[..2]
    )
}

pub fn digest_line(bytes: &[u8]) -> String {
    format!("{}\n", hex::encode(Sha256::digest(bytes)))
}

pub fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::BackupInvalid, detail.into())
}

impl Manifest {
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Parses a manifest and checks it against its digest line and its own rules: the
    /// format, well-formed unique member paths, the database present, counts that agree.
    pub fn parse(bytes: &[u8], sum: &[u8]) -> Result<Manifest> {
        if sum != digest_line(bytes).as_bytes() {
            return Err(invalid(format!(
                "member {MANIFEST} does not match {MANIFEST_SUM}"
            )));
        }
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("member {MANIFEST} is not a backup manifest: {e}")))?;
        if m.format != FORMAT {
            return Err(invalid(format!(
                "member {MANIFEST}: unknown format '{}' (expected {FORMAT})",
                m.format
            )));
        }
        let mut seen = BTreeSet::new();
        let mut blobs = 0u64;
        let mut bytes_total = 0u64;
        for member in &m.members {
            if !is_member_path(&member.path) || !is_sha256_hex(&member.sha256) {
                return Err(invalid(format!(
                    "member {MANIFEST}: malformed entry '{}'",
                    member.path
                )));
            }
            if !seen.insert(member.path.as_str()) {
                return Err(invalid(format!(
                    "member {MANIFEST}: '{}' listed twice",
                    member.path
                )));
            }
            if member.path.starts_with("blobs/") {
                blobs += 1;
            }
            bytes_total = bytes_total.saturating_add(member.size);
        }
        if !seen.contains(DB_MEMBER) {
            return Err(invalid(format!("member {MANIFEST}: no database listed")));
        }
        if m.encrypted != seen.contains(KEY_MEMBER) {
            return Err(invalid(format!(
                "member {MANIFEST}: the encryption flag disagrees with the key file"
            )));
        }
        if blobs != m.counts.blobs || bytes_total != m.counts.bytes {
            return Err(invalid(format!(
                "member {MANIFEST}: counts disagree with the member list"
            )));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_are_only_workspace_files() {
        let sha = "ab".to_string() + &"0".repeat(62);
        assert!(is_member_path(&blob_member(&sha)));
        assert!(is_member_path("truyvet.db"));
        assert!(!is_member_path(&format!("blobs/cd/{sha}")));
        assert!(!is_member_path("blobs/ab/../../etc/passwd"));
        assert!(!is_member_path("/truyvet.db"));
        assert!(!is_member_path(&format!("blobs/ab/{sha}/x")));
    }
}
