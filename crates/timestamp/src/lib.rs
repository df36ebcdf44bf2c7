//! RFC 3161 trusted timestamps: requests, tokens and their verification.
//!
//! - [`build_request`] makes a `TimeStampReq` for a SHA-256 evidence digest.
//! - [`verify_response`] / [`verify_token`] check a token offline and return what it
//!   proves ([`VerifiedTimestamp`]); this is the code the standalone bundle verifier uses.
//! - [`verify_token_unanchored`] checks a stored token where no trust anchors are
//!   configured: everything but the chain, which the caller must report as unchecked.
//! - [`TsaClient`] sends a request to a timestamp authority over HTTP(S) (feature
//!   `client`, on by default; without it the crate has no HTTP stack, which is how the
//!   core uses it).
//! - [`queue`] is the storage-agnostic retry logic for digests stamped later (offline).
//!
//! Nothing here links OpenSSL; all cryptography is RustCrypto. Tests cross-check every
//! token with `openssl ts -verify`.

mod asn1;
#[cfg(feature = "client")]
mod client;
mod error;
pub mod queue;
mod request;
mod verify;

#[cfg(feature = "client")]
pub use client::{ClientConfig, TsaClient, default_http_client};
pub use error::{Error, Result};
pub use request::{Digest, TimestampRequest, build_request, build_request_with_nonce};
pub use verify::{
    Expectation, Stamp, TrustAnchors, VerifiedTimestamp, token_from_response, verify_response,
    verify_token, verify_token_unanchored,
};
