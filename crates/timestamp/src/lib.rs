//! RFC 3161 trusted timestamps: requests, tokens and their verification.
//!
//! - [`build_request`] makes a `TimeStampReq` for a SHA-256 evidence digest.
//! - [`verify_response`] / [`verify_token`] check a token offline and return what it
//!   proves ([`VerifiedTimestamp`]); this is the code the standalone bundle verifier uses.
//! - [`TsaClient`] sends a request to a timestamp authority over HTTP(S).
//! - [`queue`] is the storage-agnostic retry logic for digests stamped later (offline).
//!
//! Nothing here links OpenSSL; all cryptography is RustCrypto. Tests cross-check every
//! token with `openssl ts -verify`.

mod asn1;
mod client;
mod error;
pub mod queue;
mod request;
mod verify;

pub use client::{ClientConfig, Stamp, TsaClient, default_http_client};
pub use error::{Error, Result};
pub use request::{Digest, TimestampRequest, build_request, build_request_with_nonce};
pub use verify::{
    Expectation, TrustAnchors, VerifiedTimestamp, token_from_response, verify_response,
    verify_token,
};
