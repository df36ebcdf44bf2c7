//! The offline timestamp queue: which digests still need a token, and when to try again.
//!
//! Storage-agnostic on purpose: the core keeps one row per digest (its table, its
//! transactions) and uses these pure functions to compute the next state. Only
//! [`attempt`] touches the network, through a `TsaClient` (feature `client`).
//!
//! ```text
//! enqueue ──▶ Pending{attempts: 0, next_attempt_at: now}
//! Pending ──attempt ok──────────────────────────▶ Stamped{token, verified}
//! Pending ──transient error (unreachable, HTTP)──▶ Pending{attempts+1, next_attempt_at: now + backoff}
//! Pending ──permanent error (bad token, refused)─▶ Failed{code, message}
//! Pending ──transient error, attempts ≥ max──────▶ Failed{code, message}
//! ```
//!
//! **Backoff** is "full jitter" exponential backoff: after the `n`-th consecutive failure
//! (n ≥ 1) the next attempt waits
//!
//! ```text
//! delay = uniform_random(0 ..= min(cap, base · 2^(n−1)))
//! ```
//!
//! so the first retry comes within `base`, the window doubles with each failure, and it
//! never exceeds `cap`. Randomising the whole window spreads the retries of many laptops
//! that come back online at the same moment (one office network returning), instead of
//! having them all hit the authority in lock-step.

use std::time::Duration;

use time::OffsetDateTime;

#[cfg(feature = "client")]
use crate::client::TsaClient;
use crate::error::Error;
use crate::request::Digest;
use crate::verify::Stamp;

/// How to retry.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct RetryPolicy {
    /// The first retry window.
    pub base: Duration,
    /// The largest window.
    pub cap: Duration,
    /// Give up (→ [`QueueState::Failed`]) after this many transient failures; `None`
    /// retries for ever, which is the default: evidence captured offline for weeks must
    /// still be stamped when the laptop reconnects.
    pub max_attempts: Option<u32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(6 * 60 * 60),
            max_attempts: None,
        }
    }
}

/// Where one digest stands.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum QueueState {
    /// Not stamped yet.
    Pending {
        /// The evidence digest.
        digest: Digest,
        /// Failed attempts so far.
        attempts: u32,
        /// Do not try before this time.
        next_attempt_at: OffsetDateTime,
        /// Code and message of the last failure, for the UI.
        last_error: Option<(String, String)>,
    },
    /// Stamped and verified.
    Stamped {
        /// The evidence digest.
        digest: Digest,
        /// Attempts it took (including the successful one).
        attempts: u32,
        /// The token and what it proves.
        stamp: Stamp,
    },
    /// Given up: a permanent error, or `max_attempts` transient ones. Needs a person
    /// (wrong authority URL, wrong trust anchor, an authority that misbehaves).
    Failed {
        /// The evidence digest.
        digest: Digest,
        /// Attempts made.
        attempts: u32,
        /// Stable error code ([`Error::code`]).
        code: String,
        /// Human-readable reason.
        message: String,
    },
}

impl QueueState {
    /// The digest this entry is about.
    pub fn digest(&self) -> &Digest {
        match self {
            QueueState::Pending { digest, .. }
            | QueueState::Stamped { digest, .. }
            | QueueState::Failed { digest, .. } => digest,
        }
    }
}

/// A new entry, due immediately.
pub fn enqueue(digest: Digest, now: OffsetDateTime) -> QueueState {
    QueueState::Pending {
        digest,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
    }
}

/// Whether `state` should be attempted at `now`.
pub fn is_due(state: &QueueState, now: OffsetDateTime) -> bool {
    matches!(state, QueueState::Pending { next_attempt_at, .. } if *next_attempt_at <= now)
}

/// The upper bound of the backoff window after `failures` consecutive failures:
/// `min(cap, base · 2^(failures−1))`, and zero for no failure.
pub fn backoff_window(policy: &RetryPolicy, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 2u32.checked_pow(failures - 1).unwrap_or(u32::MAX);
    policy
        .base
        .checked_mul(factor)
        .map_or(policy.cap, |d| d.min(policy.cap))
}

/// The full-jitter delay: `random` (any `u64`, uniformly random in production) mapped
/// onto `0 ..= backoff_window(policy, failures)` at millisecond resolution.
pub fn backoff_delay(policy: &RetryPolicy, failures: u32, random: u64) -> Duration {
    let window_ms = u64::try_from(backoff_window(policy, failures).as_millis()).unwrap_or(u64::MAX);
    let ms = random % window_ms.saturating_add(1);
    Duration::from_millis(ms)
}

/// The state after a successful attempt.
pub fn record_success(state: &QueueState, stamp: Stamp) -> QueueState {
    let (digest, attempts) = (*state.digest(), attempts_of(state));
    QueueState::Stamped {
        digest,
        attempts: attempts.saturating_add(1),
        stamp,
    }
}

/// The state after a failed attempt at `now`. `random` feeds the jitter (see
/// [`backoff_delay`]); pass a fresh random `u64`.
pub fn record_failure(
    state: &QueueState,
    error: &Error,
    now: OffsetDateTime,
    policy: &RetryPolicy,
    random: u64,
) -> QueueState {
    let digest = *state.digest();
    let attempts = attempts_of(state).saturating_add(1);
    let exhausted = policy.max_attempts.is_some_and(|max| attempts >= max);
    if !error.is_transient() || exhausted {
        return QueueState::Failed {
            digest,
            attempts,
            code: error.code().to_string(),
            message: error.to_string(),
        };
    }
    let delay = backoff_delay(policy, attempts, random);
    QueueState::Pending {
        digest,
        attempts,
        next_attempt_at: now + delay,
        last_error: Some((error.code().to_string(), error.to_string())),
    }
}

fn attempts_of(state: &QueueState) -> u32 {
    match state {
        QueueState::Pending { attempts, .. }
        | QueueState::Stamped { attempts, .. }
        | QueueState::Failed { attempts, .. } => *attempts,
    }
}

/// Try to stamp a pending entry now. Entries that are not pending, or not due yet, are
/// returned unchanged (no request is sent).
#[cfg(feature = "client")]
pub async fn attempt(
    client: &TsaClient,
    state: QueueState,
    now: OffsetDateTime,
    policy: &RetryPolicy,
) -> QueueState {
    if !is_due(&state, now) {
        return state;
    }
    match client.stamp(state.digest()).await {
        Ok(stamp) => record_success(&state, stamp),
        Err(error) => {
            // A failing random source only loses jitter, not correctness.
            let random = getrandom::u64().unwrap_or(u64::MAX / 2);
            record_failure(&state, &error, now, policy, random)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
            max_attempts: Some(5),
        }
    }

    #[test]
    fn window_doubles_then_caps() {
        let p = policy();
        let secs: Vec<u64> = (0..12).map(|n| backoff_window(&p, n).as_secs()).collect();
        assert_eq!(
            secs,
            [0, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(backoff_window(&p, u32::MAX), p.cap);
    }

    proptest! {
        #[test]
        fn delay_within_full_jitter_bounds(failures in 0u32..200, random in any::<u64>()) {
            let p = policy();
            let d = backoff_delay(&p, failures, random);
            prop_assert!(d <= backoff_window(&p, failures));
            prop_assert!(d <= p.cap);
        }
    }

    #[test]
    fn jitter_reaches_both_ends_of_the_window() {
        let p = policy();
        assert_eq!(backoff_delay(&p, 3, 0), Duration::ZERO);
        assert_eq!(backoff_delay(&p, 3, 40_000), Duration::from_secs(40));
        assert_eq!(backoff_delay(&p, 3, 40_001), Duration::ZERO);
    }

    #[test]
    fn transient_failures_back_off_then_give_up() {
        let p = policy();
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut state = enqueue([7; 32], now);
        assert!(is_due(&state, now));
        let err = Error::Transport("connection refused".into());
        for n in 1..5u32 {
            state = record_failure(&state, &err, now, &p, u64::MAX);
            match &state {
                QueueState::Pending {
                    attempts,
                    next_attempt_at,
                    last_error,
                    ..
                } => {
                    assert_eq!(*attempts, n);
                    assert!(*next_attempt_at - now <= backoff_window(&p, n));
                    assert_eq!(last_error.as_ref().map(|e| e.0.as_str()), Some("transport"));
                }
                other => panic!("expected pending, got {other:?}"),
            }
        }
        state = record_failure(&state, &err, now, &p, 1);
        assert!(
            matches!(state, QueueState::Failed { attempts: 5, ref code, .. } if code == "transport")
        );
        assert!(!is_due(&state, now));
    }

    #[test]
    fn permanent_failure_fails_at_once() {
        let state = enqueue([1; 32], OffsetDateTime::UNIX_EPOCH);
        let next = record_failure(
            &state,
            &Error::ImprintMismatch("x".into()),
            OffsetDateTime::UNIX_EPOCH,
            &RetryPolicy::default(),
            0,
        );
        assert!(
            matches!(next, QueueState::Failed { attempts: 1, ref code, .. } if code == "imprint_mismatch")
        );
    }
}
