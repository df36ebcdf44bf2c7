//! The plain input of the export: what a case says about itself, already read from the
//! workspace. No database types, so the exporter can be tested and reused on its own.
//!
//! Times are RFC 3339 strings with an offset (they become `xsd:dateTime`); digests are
//! lowercase hex SHA-256.

use serde::{Deserialize, Serialize};

/// One case as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDescription {
    pub code: String,
    pub title: String,
    pub agency: String,
    /// Workflow state (`draft`, `submitted`, `approved`, `sealed`…).
    pub status: String,
    pub created_at: String,
    /// When the case was sealed, if it was.
    pub sealed_at: Option<String>,
    pub summary: Option<String>,
    pub investigator: Person,
    pub supervisor: Option<Person>,
    pub evidence: Vec<EvidenceItem>,
    pub captures: Vec<Capture>,
    /// In log order.
    pub custody: Vec<CustodyEvent>,
    pub entities: Vec<Entity>,
    pub links: Vec<Link>,
}

/// A user of the workbench, known by name and by the fingerprint of their signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    /// Fingerprint of the Ed25519 public key (e.g. `SHA256:…`).
    pub key_fingerprint: Option<String>,
}

/// A stored evidence item: bytes named by their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// Stable key within the case (the evidence id); also the exhibit number.
    pub id: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: Option<String>,
    pub original_name: Option<String>,
    /// Where it came from, for web captures.
    pub source_url: Option<String>,
    pub acquired_at: String,
    /// Name of the person who acquired it.
    pub acquired_by: String,
}

/// The network side of a web capture; `evidence_id` names its evidence item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub evidence_id: String,
    pub url: String,
    pub final_url: Option<String>,
    pub http_status: Option<u16>,
    pub server_ip: Option<String>,
}

/// One entry of the custody log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    pub seq: u64,
    /// Event kind (`case_created`, `evidence_added`…).
    pub kind: String,
    pub at: String,
    /// Name of the person who acted.
    pub actor: String,
    pub evidence_id: Option<String>,
    /// SHA-256 of the event in the hash chain.
    pub event_hash: String,
    pub detail: Option<String>,
}

/// What an entity is; decides its UCO class and facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Phone,
    BankAccount,
    Email,
    Domain,
    Url,
    SocialProfile,
    IpAddress,
    Person,
    Organization,
    Other,
}

/// A confirmed entity of the case (a subject, an account, an address…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Stable key within the case.
    pub id: String,
    pub kind: EntityKind,
    /// Normalized value: the phone number, account number, address, URL…
    pub value: String,
    pub display_name: Option<String>,
    /// Bank for an account, platform for a social profile.
    pub issuer: Option<String>,
    /// Evidence items it was found in.
    pub evidence_ids: Vec<String>,
}

/// A link between two entities or evidence items, by their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub directional: bool,
}
