//! `truyvet-registry`: the central registry of sealed cases. Agencies push verified case
//! bundles; the registry keeps each in an append-only Merkle log with signed tree heads,
//! indexes the identifiers of its sellers for lookups and watchlists, and audits every
//! push and lookup. One binary: `serve` plus the administrative commands that work on
//! the data folder directly (`admin.rs`).

pub mod admin;
pub mod audit_writer;
pub mod auth;
pub mod clock;
pub mod data_dir;
pub mod error;
pub mod ingest;
pub mod log_key;
pub mod log_tree;
pub mod query;
pub mod server;
pub mod share;
pub mod store;
pub mod sweep;
pub mod tls;
pub mod upload;

pub use error::{Code, Error, Result};
