//! The workspace database itself: schema migrations (fresh, upgrade from every older
//! version, refusal of a newer one) and the triggers that make history append-only.

mod migrations;
mod triggers;
