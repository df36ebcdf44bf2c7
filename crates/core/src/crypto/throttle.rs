//! Bounded unlock retries. Wrong passphrases in a row are counted in `unlock-attempts`
//! in the workspace root; from the fifth on, the next attempt must wait 15 s, then 30 s,
//! 60 s, … up to 15 minutes, and an attempt made too early is refused before argon2id
//! runs (`unlock_throttled`, with the seconds left). A right passphrase clears the
//! count. This slows guessing at the app or the CLI; it cannot stop someone who copied
//! the folder, which is what argon2id's cost is for.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

pub const ATTEMPTS_FILE: &str = "unlock-attempts";
/// Wrong attempts allowed in a row before delays start.
pub const FREE_ATTEMPTS: u32 = 5;
const FIRST_DELAY_SECS: u64 = 15;
const MAX_DELAY_SECS: u64 = 15 * 60;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    /// Wrong passphrases in a row.
    pub failures: u32,
    /// When the last one happened (seconds since the Unix epoch).
    pub last_failure_unix: u64,
}

fn path(root: &Path) -> PathBuf {
    root.join(ATTEMPTS_FILE)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How long to wait after `failures` wrong attempts in a row.
pub fn delay_after(failures: u32) -> u64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(16);
    (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
}

/// The recorded attempts (none when the file is missing or unreadable: it is a brake,
/// not a lock, so a damaged file never locks the owner out).
pub fn read(root: &Path) -> Attempts {
    fs::read(path(root))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Refuses an attempt made before the delay after the last failures has passed.
pub fn check(root: &Path) -> Result<()> {
    let attempts = read(root);
    let ready_at = attempts
        .last_failure_unix
        .saturating_add(delay_after(attempts.failures));
    let now = now();
    if ready_at > now {
        let wait = ready_at - now;
        return Err(Error::new(
            ErrorCode::UnlockThrottled,
            format!(
                "{} wrong passphrases in a row; try again in {wait} s",
                attempts.failures
            ),
        ));
    }
    Ok(())
}

/// Counts one more wrong passphrase. On read-only media nothing can be recorded; the
/// attempt still cost an argon2id run.
pub fn record_failure(root: &Path) {
    let mut attempts = read(root);
    attempts.failures = attempts.failures.saturating_add(1);
    attempts.last_failure_unix = now();
    if let Ok(json) = serde_json::to_vec(&attempts) {
        let _ = fs::write(path(root), json);
    }
}

/// A right passphrase: the count starts again.
pub fn clear(root: &Path) {
    let p = path(root);
    if p.exists() {
        let _ = fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_five_and_grow() {
        let delays: Vec<u64> = (0..12).map(delay_after).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900]);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY_SECS);
    }

    #[test]
    fn records_checks_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..4 {
            record_failure(dir.path());
            check(dir.path()).unwrap();
        }
        record_failure(dir.path());
        let err = check(dir.path()).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnlockThrottled);
        assert!(err.message.contains("try again in 1"), "{}", err.message);
        clear(dir.path());
        check(dir.path()).unwrap();
        assert_eq!(read(dir.path()), Attempts::default());
    }
}
