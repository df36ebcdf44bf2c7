//! The report's plain data model. It does not depend on `truyvet-core`: the caller maps
//! a case into these types, so the PDF code stays apart from the database and the
//! heavy typesetting crates stay out of the core's build. Times are already formatted
//! (RFC 3339, UTC) by the caller; the renderer prints them as given.

use serde::{Deserialize, Serialize};

/// Everything one case report shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub case: CaseInfo,
    pub investigator: Person,
    /// The supervisor who reviewed the case, once there is one.
    pub supervisor: Option<Person>,
    pub evidence: Vec<EvidenceRow>,
    pub screenshots: Vec<Screenshot>,
    pub entities: Vec<Entity>,
    pub links: Vec<Link>,
    pub custody: Vec<CustodyRow>,
    pub seal: Option<Seal>,
    /// SHA-256 (hex) of the bundle the report belongs to, printed in every page footer.
    pub bundle_digest: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaseInfo {
    pub code: String,
    pub title: String,
    /// The agency on the cover's left header, e.g. "CỤC QUẢN LÝ THỊ TRƯỜNG TỈNH …".
    pub agency: String,
    pub unit: String,
    pub province: String,
    pub status: String,
    /// Violation categories (MISSION.md), as display text.
    pub categories: Vec<String>,
    pub product_group: String,
    pub legal_basis: String,
    pub proposed_measures: String,
    pub created_at: String,
    pub sealed_at: Option<String>,
    /// Where the case came from when it was opened from a tip, e.g. "Tin báo
    /// TIP-2026-000001, tiếp nhận ngày 20/11/2026, qua đường dây nóng".
    #[serde(default)]
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    /// Fingerprint of the person's Ed25519 public key (hex).
    pub key_fingerprint: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceRow {
    /// What the item is (page title, file name).
    pub label: String,
    /// Where it came from: the URL or the imported file's original name.
    pub source: String,
    pub acquired_at: String,
    pub sha256: String,
    pub size: u64,
    pub timestamp: TimestampInfo,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampStatus {
    /// An RFC 3161 token is stored and verified.
    Stamped,
    /// Queued, not stamped yet.
    Pending,
    /// The authority refused or the token did not verify.
    Failed,
    /// Not timestamped (e.g. a note or an import without a digest to stamp).
    #[default]
    None,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimestampInfo {
    pub status: TimestampStatus,
    /// The token's genTime, when stamped.
    pub gen_time: Option<String>,
}

/// A screenshot shown in the report. The PNG bytes go to the typesetter as a file of
/// their own, never through the JSON data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Screenshot {
    pub caption: String,
    #[serde(skip)]
    pub png: Vec<u8>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Entity {
    /// Identifier used by `Link::from` / `Link::to`.
    pub id: String,
    /// Kind as display text ("Số điện thoại", "Tài khoản ngân hàng", …).
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CustodyRow {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// The event's hash (hex); the report prints a prefix.
    pub hash: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Seal {
    /// Merkle root over the case's items (hex).
    pub root: String,
    pub signatures: Vec<Signature>,
    /// Signed corrections made after the seal, oldest first.
    #[serde(default)]
    pub addenda: Vec<Addendum>,
}

/// A correction to a sealed case: the seal stays as it was, the addendum sits beside it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Addendum {
    pub at: String,
    pub author: String,
    pub body: String,
    pub key_fingerprint: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signature {
    /// Role as display text ("Người phê duyệt", …).
    pub role: String,
    pub name: String,
    pub key_fingerprint: String,
    pub signed_at: String,
}
