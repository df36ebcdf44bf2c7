//! The one error type of this crate, with a stable machine-readable code per kind.

/// Why a timestamp could not be obtained or did not verify.
///
/// [`Error::code`] is stable: the core stores it and the UI switches on it, so codes are
/// only ever added, never renamed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed RFC 3161 / CMS structure.
    #[error("malformed timestamp structure: {0}")]
    Malformed(String),
    /// The authority answered, but did not grant a token (status, status text, failInfo bits).
    #[error("timestamp authority refused the request (status {status}): {text}")]
    NotGranted {
        /// PKIStatus value (0 granted, 1 grantedWithMods, 2 rejection, …).
        status: u32,
        /// The authority's status text and failure bits, if any.
        text: String,
    },
    /// The token stamps a different digest (or uses a hash other than SHA-256).
    #[error("message imprint does not match the evidence digest: {0}")]
    ImprintMismatch(String),
    /// The token does not echo the nonce we sent.
    #[error("nonce in the token does not match the request")]
    NonceMismatch,
    /// The signed `messageDigest` attribute does not match the TSTInfo the token carries:
    /// the content was altered after signing.
    #[error("signed messageDigest does not match the token content")]
    ContentDigestMismatch,
    /// The CMS signature over the signed attributes does not verify with the signer's key.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The signing certificate named by the signer (ESSCertID/ESSCertIDv2) is not the
    /// certificate that carries the key, or no such certificate was found.
    #[error("signer certificate mismatch: {0}")]
    SignerCertMismatch(String),
    /// The signer certificate is not a timestamping certificate (critical EKU
    /// id-kp-timeStamping only).
    #[error("signer certificate is not for timestamping: {0}")]
    NotTimestampingCert(String),
    /// No valid chain from the signer certificate to a caller-supplied trust anchor
    /// (unknown issuer, bad certificate signature, not a CA, or not valid at genTime).
    #[error("certificate chain not trusted: {0}")]
    UntrustedChain(String),
    /// An algorithm we do not implement (never silently accepted).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The authority could not be reached or answered with an HTTP error.
    #[error("timestamp authority unreachable: {0}")]
    Transport(String),
    /// The authority's HTTP response was not a timestamp reply (content type, size).
    #[error("bad response from timestamp authority: {0}")]
    BadResponse(String),
}

impl Error {
    /// Stable, snake_case code for this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "malformed",
            Error::NotGranted { .. } => "not_granted",
            Error::ImprintMismatch(_) => "imprint_mismatch",
            Error::NonceMismatch => "nonce_mismatch",
            Error::ContentDigestMismatch => "content_digest_mismatch",
            Error::BadSignature(_) => "bad_signature",
            Error::SignerCertMismatch(_) => "signer_cert_mismatch",
            Error::NotTimestampingCert(_) => "not_timestamping_cert",
            Error::UntrustedChain(_) => "untrusted_chain",
            Error::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Error::Transport(_) => "transport",
            Error::BadResponse(_) => "bad_response",
        }
    }

    /// Whether trying again later may succeed (the offline queue retries only these).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Transport(_) | Error::BadResponse(_))
    }
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Error::Malformed(e.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
