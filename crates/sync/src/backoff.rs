//! Full-jitter exponential backoff (the AWS architecture blog's "full jitter"): the wait
//! before retry n is uniform in [0, min(cap, base · 2ⁿ)], so clients cut off together
//! do not come back together.

use std::future::Future;
use std::time::Duration;

use rand_core::{OsRng, RngCore};

use crate::http::HttpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// Attempts in one sync before a request is given up until the next sync.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// The wait before retry `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let ceiling = exp.min(self.cap).as_millis() as u64;
        if ceiling == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(OsRng.next_u64() % (ceiling + 1))
    }

    /// Runs `op` until it succeeds, fails for good, or `max_attempts` are spent.
    pub(crate) async fn retry<T, F, Fut>(&self, mut op: F) -> Result<T, HttpError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, HttpError>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if e.retryable() && attempt < self.max_attempts.max(1) => {
                    tokio::time::sleep(self.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_exponential_ceiling_and_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            max_attempts: 5,
        };
        for attempt in 1..12 {
            let ceiling = (100u64 << (attempt - 1)).min(1000);
            for _ in 0..50 {
                assert!(b.delay(attempt) <= Duration::from_millis(ceiling));
            }
        }
        // Jitter: not every wait is the same.
        let waits: std::collections::BTreeSet<_> = (0..50).map(|_| b.delay(8)).collect();
        assert!(waits.len() > 5, "{waits:?}");
    }
}
