//! What the registry keeps, behind one trait: agencies, units and device tokens; open
//! uploads; published cases with their identifiers, facets and receipts; the Merkle log
//! of accepted cases; the audit log.
//!
//! The trait is blocking on purpose: the server calls it inside `spawn_blocking`, so a
//! SQLite call never stalls the async runtime, and a PostgreSQL implementation can use
//! the synchronous `postgres` client (or a `tokio-postgres` handle driven with
//! `Handle::block_on`) behind the same methods. The SQL is kept portable: text and
//! `BIGINT` columns, no SQLite-only functions in queries (`substr`, `COUNT(DISTINCT …)`
//! and `LIKE` exist in both); only the id columns and the append-only triggers differ.

pub mod postgres;
pub mod sqlite;

use std::sync::{Mutex, MutexGuard, TryLockError};

use serde::{Deserialize, Serialize};
use truyvet_wire::api::{AuditEntry, Receipt, Stats, UnitContact, WatchlistEntry};
use truyvet_wire::merkle::Hash;

use crate::error::{Error, Result};
use crate::log_tree::LogTree;

/// What a token may do. Investigators and supervisors push and look up; supervisors
/// and admins read statistics; only admins read the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Investigator,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Investigator => "investigator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Result<Role> {
        match text {
            "investigator" => Ok(Role::Investigator),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(Error::invalid(format!(
                "unknown role '{other}' (investigator, supervisor or admin)"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub code: String,
    pub name: String,
}

/// A device token as stored: its SHA-256, never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub id: String,
    pub agency: String,
    pub unit: String,
    pub role: Role,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub token_id: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: String,
}

/// One identifier of a published case, normalized by the core's normalizers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseIdentifier {
    pub kind: String,
    /// The core's kind family: a wallet matches a phone, a VietQR code an account.
    pub family: String,
    pub value: String,
    pub qualifier: String,
}

/// A verified case, ready to publish in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub case_id: String,
    pub case_code: String,
    pub agency: String,
    pub unit: String,
    pub seal_root: String,
    pub bundle_sha256: String,
    pub province: String,
    pub sealed_at: String,
    pub accepted_at: String,
    pub categories: Vec<String>,
    pub platforms: Vec<String>,
    pub identifiers: Vec<CaseIdentifier>,
    /// The canonical JSON of the log leaf.
    pub leaf_data: String,
    pub leaf_hash: Hash,
}

/// What publishing a case did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    /// New: the receipt of its new leaf.
    Accepted(Receipt),
    /// The same case id and seal root were published before: that receipt.
    Duplicate(Receipt),
    /// The case id is published under another seal root (named here).
    Conflict(String),
}

/// A lookup hit before the qualifier check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierRow {
    pub kind: String,
    pub value: String,
    pub qualifier: String,
    pub agency: String,
    pub case_id: String,
    pub case_code: String,
    pub categories: Vec<String>,
    pub case_date: String,
    pub unit: UnitContact,
}

/// A grant of a case's bundle to another agency (`case_shares`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseShare {
    pub case_id: String,
    pub agency: String,
    /// The granting token's id and unit.
    pub granted_by: String,
    pub unit: String,
    pub granted_at: String,
}

/// An audit record to append; the store assigns id and keeps `at` as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: String,
    pub actor: String,
    pub agency: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub status: u16,
    pub detail: String,
}

/// Builds a receipt from the new leaf's index and the log holding it (its last leaf);
/// called inside the publishing transaction so the receipt stored with the case names
/// exactly the tree that first held it.
pub type ReceiptFn<'a> = &'a dyn Fn(u64, &LogTree) -> Result<Receipt>;

pub trait Store: Send + Sync + 'static {
    fn add_agency(&self, code: &str, name: &str, at: &str) -> Result<()>;
    fn agencies(&self) -> Result<Vec<Agency>>;
    fn add_unit(&self, unit: &UnitContact, at: &str) -> Result<()>;
    fn unit(&self, agency: &str, code: &str) -> Result<Option<UnitContact>>;

    /// Stores a token under the hex SHA-256 of its secret.
    fn issue_token(&self, token: &Token, token_sha256: &str) -> Result<()>;
    /// Marks a token revoked; `case_not_found`-style `not_found` when there is none.
    fn revoke_token(&self, id: &str, at: &str) -> Result<Token>;
    fn tokens(&self) -> Result<Vec<Token>>;
    fn token_by_hash(&self, token_sha256: &str) -> Result<Option<Token>>;

    fn create_upload(&self, upload: &Upload) -> Result<()>;
    fn upload(&self, id: &str) -> Result<Option<Upload>>;
    fn uploads(&self) -> Result<Vec<Upload>>;
    fn delete_upload(&self, id: &str) -> Result<()>;

    /// Publishes a case with its identifiers, facets and log leaf, all or nothing; the
    /// check for an earlier publication of the same case id runs inside the same
    /// transaction, so two concurrent pushes of one case cannot both append.
    fn publish(&self, case: &NewCase, receipt: ReceiptFn<'_>) -> Result<Publish>;
    /// The stored receipt of a published case.
    fn receipt(&self, case_id: &str) -> Result<Option<Receipt>>;
    /// Bundle digests of every published case (the startup sweep keeps those files).
    fn bundle_digests(&self) -> Result<Vec<String>>;

    /// Grants `share.agency` access to a published case's bundle. Returns false when
    /// that grant existed already (granting is idempotent; grants are never withdrawn).
    fn share_case(&self, share: &CaseShare) -> Result<bool>;
    /// Whether `agency` was granted the case (the owner is not listed).
    fn is_shared(&self, case_id: &str, agency: &str) -> Result<bool>;

    fn log_size(&self) -> Result<u64>;
    /// The first `size` leaf hashes, in log order.
    fn leaf_hashes(&self, size: u64) -> Result<Vec<Hash>>;
    /// Runs `f` on the log as committed now, brought up to date with the leaves table
    /// first (another registry process may have appended to a shared database).
    fn log_read(&self, f: &mut dyn FnMut(&LogTree)) -> Result<()>;
    fn leaf_index(&self, leaf_hash: &Hash) -> Result<Option<u64>>;

    /// Identifiers equal to one of `(family, value)`, with their case and unit.
    fn lookup(&self, keys: &[(String, String)]) -> Result<Vec<IdentifierRow>>;
    /// Identifiers after `cursor` from cases of agencies other than `agency`.
    fn watchlist(&self, agency: &str, cursor: u64, limit: u64) -> Result<Vec<WatchlistEntry>>;
    /// Cases sealed in `[from, to_exclusive)` (RFC 3339 prefixes compare as text).
    fn stats(&self, from: &str, to_exclusive: &str) -> Result<Stats>;

    fn audit(&self, record: &AuditRecord) -> Result<()>;
    /// Several records in one transaction (the server's group commit of audit rows).
    fn audit_many(&self, records: &[AuditRecord]) -> Result<()> {
        records.iter().try_for_each(|r| self.audit(r))
    }
    fn audit_page(&self, cursor: u64, limit: u64) -> Result<Vec<AuditEntry>>;
}

/// A free connection of a pool if there is one, starting at `start` (round robin);
/// else waits for that one. Waiting on a busy reader while another sits idle made a
/// lookup queue behind a slower one.
pub(crate) fn free_slot<T>(cells: &[Mutex<T>], start: usize) -> MutexGuard<'_, T> {
    for k in 0..cells.len() {
        match cells[(start + k) % cells.len()].try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(p)) => return p.into_inner(),
            Err(TryLockError::WouldBlock) => {}
        }
    }
    cells[start % cells.len()]
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}
