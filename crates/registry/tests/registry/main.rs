//! The registry against real sealed bundles, over real HTTP on 127.0.0.1: pushes and
//! receipts, resumable uploads, who may do what, lookups, the watchlist, statistics,
//! the audit log, TLS and the administrative commands.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Runs each named `async fn NAME(Backend)` as two tests, `NAME::sqlite` and
/// `NAME::postgres`: the same suite against both stores.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )*};
}

mod admin;
mod auth_matrix;
mod faults;
mod lookup;
mod push;
mod sharing;
mod support;
mod transport;
mod upload;
