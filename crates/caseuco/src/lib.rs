//! A CASE/UCO (CASE 1.5.0, UCO 1.5.0) JSON-LD description of a case, for the case bundle.
//!
//! The case becomes a `uco-core:Bundle` holding a `case-investigation:Investigation`;
//! evidence items are `uco-observable:File` objects with a SHA-256 `types:Hash`, each
//! with a provenance record and the investigative action that acquired it; custody-log
//! events are investigative actions chained with `wasInformedBy`; entities are
//! observables with the facets UCO has for them; links are `uco-core:Relationship`s.
//! Output is deterministic: node ids are UUIDv5 of stable keys, object keys are sorted
//! and arrays follow the input order.

mod export;
mod ids;
mod model;
mod nodes;

pub use export::{to_jsonld, to_jsonld_bytes};
pub use ids::node_id;
pub use model::{
    Capture, CaseDescription, CustodyEvent, Entity, EntityKind, EvidenceItem, Link, Person,
};
