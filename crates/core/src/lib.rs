//! TruyVết core: the workspace (SQLite database plus content-addressed blob store), the
//! domain types, the per-case custody log and workspace verification.
//!
//! Everything the desktop app or the CLI can do goes through [`Workspace`]; this crate
//! knows nothing of Tauri, HTTP servers or any UI.

#[macro_use]
mod macros;

pub mod addenda;
pub mod app_config;
pub mod backup;
pub mod blob;
mod captures;
mod cases;
mod crosscase;
pub mod crypto;
pub mod custody;
pub mod dashboard;
mod entities;
mod entity_log;
pub mod error;
mod evidence;
mod exclusions;
pub mod fold;
pub mod graph_export;
pub mod identifiers;
pub mod import;
pub mod keys;
mod links;
mod lock_check;
pub mod model;
mod notes;
pub mod outbox;
pub mod platform;
mod profile;
pub mod referrals;
pub mod registry_settings;
pub mod seal;
pub mod seal_proof;
pub mod settings;
pub mod store;
pub mod time_fmt;
mod timestamps;
pub mod tips;
mod verify;
mod verify_captures;
mod verify_timestamps;
pub mod watch;
pub mod watchlist;
mod workflow;
mod workspace;

pub use captures::{
    ArtifactInput, ArtifactRef, CaptureMethod, CaptureStager, MANIFEST_FORMAT, MANIFEST_MEDIA_TYPE,
    SearchHit, StagedCaptures, WebCaptureInfo, WebCaptureInput,
};
pub use cases::CaseFilter;
pub use crosscase::{CrossCaseHit, Occurrence};
pub use custody::CustodyEvent;
pub use entities::{
    Entity, EntityKind, EntityState, IdentifierHit, NewEntity, SuggestOutcome, entity_kind_for,
    event_kind,
};
pub use error::{Error, ErrorCode, Result};
pub use evidence::AddOptions;
pub use exclusions::{Exclusion, ExclusionSource};
pub use identifiers::IdKind;
pub use keys::{PASSPHRASE_ENV, PublicKeyInfo};
pub use links::{Link, LinkKind, NewLink};
pub use timestamps::{PendingStamp, StampStatus};
pub use verify::{Problem, TimestampChain, VerifyReport};
pub use workflow::{
    CaseReview, TRANSITION_EVENT, Transition, signed_bytes as transition_signed_bytes,
};
pub use workspace::EncryptionStatus;
pub use workspace::{AppLock, BLOB_DIR, DB_FILE, HOME_ENV, OpenMode, Workspace};

/// The version recorded in exports and shown in the app.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
