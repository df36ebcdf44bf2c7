//! The `truyvet` command line, run as a real process against a temp workspace: every
//! command, its `--json` output against the documented fields, search, exit codes and
//! the JSON errors on stderr.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod capture;
mod capture_batch;
mod cases;
mod entities;
mod errors;
mod evidence;
mod export;
mod extract;
mod graph;
mod identify;
mod location;
mod notes_and_log;
mod profile;
mod search;
mod timestamp;
mod workflow;
