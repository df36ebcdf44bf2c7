//! Building an RFC 3161 `TimeStampReq` for a SHA-256 evidence digest.

use der::Encode;
use der::asn1::{Int, OctetString};
use spki::AlgorithmIdentifierOwned;

use crate::asn1::{MessageImprint, TimeStampReq, oid};
use crate::error::{Error, Result};

/// A SHA-256 digest of evidence bytes.
pub type Digest = [u8; 32];

/// A request ready to send, with the nonce needed to verify the answer.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TimestampRequest {
    /// The digest being stamped.
    pub digest: Digest,
    /// The nonce as an unsigned big-endian integer (no leading zero bytes).
    pub nonce: Vec<u8>,
    /// DER of the `TimeStampReq` (body of the `application/timestamp-query` POST).
    pub der: Vec<u8>,
}

/// Nonce size in bytes. RFC 3161 asks for a large random number; 128 bits makes a
/// collision with an earlier request of the same digest negligible.
const NONCE_LEN: usize = 16;

/// Build a `TimeStampReq` for `digest` with a fresh random 128-bit nonce and
/// `certReq = TRUE` (so the token carries the signer certificate the verifier needs).
pub fn build_request(digest: &Digest) -> Result<TimestampRequest> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Transport(format!("no randomness: {e}")))?;
    build_request_with_nonce(digest, &nonce)
}

/// Build a `TimeStampReq` with a caller-chosen nonce (unsigned big-endian). Exposed for
/// tests and reproducible fixtures; production code uses [`build_request`].
pub fn build_request_with_nonce(digest: &Digest, nonce: &[u8]) -> Result<TimestampRequest> {
    let nonce = strip_leading_zeros(nonce).to_vec();
    if nonce.is_empty() {
        return Err(Error::Malformed("nonce must be non-zero".into()));
    }
    let req = TimeStampReq {
        version: 1,
        message_imprint: sha256_imprint(digest)?,
        req_policy: None,
        nonce: Some(unsigned_int(&nonce)?),
        cert_req: true,
        extensions: None,
    };
    Ok(TimestampRequest {
        digest: *digest,
        nonce,
        der: req.to_der()?,
    })
}

pub(crate) fn sha256_imprint(digest: &Digest) -> Result<MessageImprint> {
    Ok(MessageImprint {
        // RFC 5754: the parameters of SHA-2 AlgorithmIdentifiers are absent; OpenSSL also
        // accepts NULL, and we accept both when verifying.
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: None,
        },
        hashed_message: OctetString::new(digest.to_vec())?,
    })
}

/// An ASN.1 INTEGER holding the non-negative value `magnitude` (big-endian).
pub(crate) fn unsigned_int(magnitude: &[u8]) -> Result<Int> {
    let m = strip_leading_zeros(magnitude);
    let mut bytes = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|b| b & 0x80 != 0) {
        bytes.push(0);
    }
    bytes.extend_from_slice(m);
    Ok(Int::new(&bytes)?)
}

pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}
