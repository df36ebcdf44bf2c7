//! The `truyvet` command line, run as a real process against a temp workspace: every
//! command, its `--json` output against the documented fields, search, exit codes and
//! the JSON errors on stderr.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod backup;
mod bundle_tamper;
mod capture;
mod capture_batch;
mod cases;
mod encryption;
mod entities;
mod errors;
mod evidence;
mod export;
mod extract;
mod graph;
mod identify;
mod import;
mod location;
mod notes_and_log;
mod periodic;
mod periodic_registry;
mod profile;
mod seal_bundle;
mod search;
mod sync;
mod timestamp;
mod tips;
mod watch;
mod workflow;
