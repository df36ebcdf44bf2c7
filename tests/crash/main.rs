//! Crash safety: a real `truyvet evidence add` child is killed with SIGKILL at random
//! points, 50 times, on one workspace (and a `truyvet capture` child, 20 times, in
//! `captures`). After every kill, everything the child had acknowledged (printed as a
//! JSON line) is present with the same SHA-256, SQLite's integrity check passes,
//! `verify-workspace` passes, and no evidence row points at a missing blob (nor is a
//! capture half-stored). Interrupted writes leave temp files only in `blobs/tmp`.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod captures;
mod kill9;
