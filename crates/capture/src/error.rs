//! The capture crate's error: a stable machine-readable code plus an English message.
//! The CLI and the desktop shell map the code to their own text; never rename a code.

use std::fmt;

use serde::Serialize;

/// Stable error codes of `truyvet-capture`. Their snake_case names (see
/// [`ErrorCode::as_str`]) appear in JSON output and cross IPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The URL does not parse, or has no host.
    InvalidUrl,
    /// Only `http` and `https` may be captured.
    SchemeNotAllowed,
    /// The network policy refused the host or one of its addresses (SSRF guard).
    PolicyRefused,
    /// The host name did not resolve.
    DnsFailed,
    /// No TCP connection could be made to any checked address.
    ConnectFailed,
    /// The TCP connection did not complete within `connect_timeout`.
    ConnectTimeout,
    /// The TLS handshake failed (including an untrusted certificate).
    TlsError,
    /// No byte arrived for `idle_timeout` (slow-loris guard).
    IdleTimeout,
    /// The whole capture took longer than `total_timeout`.
    TotalTimeout,
    /// The response was larger than `max_response_bytes`.
    ResponseTooLarge,
    /// More than `max_redirects` redirects (including loops).
    TooManyRedirects,
    /// The server closed the connection before the response was complete.
    Disconnected,
    /// The server's bytes are not an HTTP/1.x response we can read.
    MalformedResponse,
    /// A WARC file is malformed.
    WarcMalformed,
    /// A digest in a WARC file does not match its content.
    DigestMismatch,
    /// Reading or writing a file failed.
    IoError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidUrl => "invalid_url",
            ErrorCode::SchemeNotAllowed => "scheme_not_allowed",
            ErrorCode::PolicyRefused => "policy_refused",
            ErrorCode::DnsFailed => "dns_failed",
            ErrorCode::ConnectFailed => "connect_failed",
            ErrorCode::ConnectTimeout => "connect_timeout",
            ErrorCode::TlsError => "tls_error",
            ErrorCode::IdleTimeout => "idle_timeout",
            ErrorCode::TotalTimeout => "total_timeout",
            ErrorCode::ResponseTooLarge => "response_too_large",
            ErrorCode::TooManyRedirects => "too_many_redirects",
            ErrorCode::Disconnected => "disconnected",
            ErrorCode::MalformedResponse => "malformed_response",
            ErrorCode::WarcMalformed => "warc_malformed",
            ErrorCode::DigestMismatch => "digest_mismatch",
            ErrorCode::IoError => "io_error",
        }
    }

    /// True for the refusals made by the network policy before any connection.
    pub fn is_policy_refusal(self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidUrl | ErrorCode::SchemeNotAllowed | ErrorCode::PolicyRefused
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn io(context: &str, err: &std::io::Error) -> Self {
        Error::new(ErrorCode::IoError, format!("{context}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}
