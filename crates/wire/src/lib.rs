//! `truyvet-wire`: what the desktop's sync client and the central registry say to each
//! other. Plain serde types for the HTTP API (`api`), and the append-only log of accepted
//! cases in the RFC 9162 style (`merkle`, `tree_head`): both sides compute and check the
//! same proofs, so neither has to trust the other's word.

pub mod api;
pub mod merkle;
pub mod tree_head;
