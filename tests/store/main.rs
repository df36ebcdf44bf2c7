//! The workspace database itself: schema migrations (fresh, upgrade from every older
//! version, refusal of a newer one) and the triggers that make history append-only.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod migrations;
mod triggers;
