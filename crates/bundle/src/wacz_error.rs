//! Errors of the WACZ layer. A ZIP-level refusal keeps its own code, so a verifier report
//! names the first thing that failed, whichever layer saw it.

use crate::error::{ZipError, ZipErrorCode};
use std::fmt;

/// Stable error codes; the `as_str` names never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaczErrorCode {
    /// The ZIP layer refused the archive (or the writer's output).
    Zip(ZipErrorCode),
    /// The writer was given something it refuses (names, times, pages).
    InvalidInput,
    /// `datapackage.json` is not in the archive.
    ManifestMissing,
    /// `datapackage.json` does not parse or lacks required fields.
    ManifestInvalid,
    /// `datapackage-digest.json` is not in the archive.
    DigestMissing,
    /// `datapackage-digest.json` does not parse or names another file or algorithm.
    DigestInvalid,
    /// The SHA-256 of `datapackage.json` differs from `datapackage-digest.json`.
    DigestMismatch,
    /// A resource listed in the manifest is not in the archive.
    ResourceMissing,
    /// A file in the archive is not listed in the manifest.
    ResourceUnlisted,
    /// A resource's size differs from the manifest.
    ResourceSizeMismatch,
    /// A resource's SHA-256 differs from the manifest.
    ResourceHashMismatch,
    /// `pages/pages.jsonl` is missing or malformed.
    PagesInvalid,
    /// `indexes/index.cdx` is missing.
    IndexMissing,
    /// A line of `indexes/index.cdx` does not parse, or the lines are not sorted.
    IndexInvalid,
    /// An index line points at no record, or at a record that says something else.
    IndexMismatch,
    /// A WARC file is not a sequence of gzip members each holding one WARC record.
    WarcInvalid,
    /// A record's `WARC-Block-Digest` or `WARC-Payload-Digest` differs from its bytes.
    WarcDigestMismatch,
    /// Reading or writing a file failed.
    Io,
}

impl WaczErrorCode {
    pub fn as_str(self) -> &'static str {
        use WaczErrorCode::*;
        match self {
            Zip(z) => z.as_str(),
            InvalidInput => "wacz_invalid_input",
            ManifestMissing => "wacz_manifest_missing",
            ManifestInvalid => "wacz_manifest_invalid",
            DigestMissing => "wacz_digest_missing",
            DigestInvalid => "wacz_digest_invalid",
            DigestMismatch => "wacz_digest_mismatch",
            ResourceMissing => "wacz_resource_missing",
            ResourceUnlisted => "wacz_resource_unlisted",
            ResourceSizeMismatch => "wacz_resource_size_mismatch",
            ResourceHashMismatch => "wacz_resource_hash_mismatch",
            PagesInvalid => "wacz_pages_invalid",
            IndexMissing => "wacz_index_missing",
            IndexInvalid => "wacz_index_invalid",
            IndexMismatch => "wacz_index_mismatch",
            WarcInvalid => "wacz_warc_invalid",
            WarcDigestMismatch => "wacz_warc_digest_mismatch",
            Io => "wacz_io",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaczError {
    pub code: WaczErrorCode,
    pub message: String,
}

impl WaczError {
    pub fn new(code: WaczErrorCode, message: impl Into<String>) -> Self {
        WaczError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn io(context: &str, e: std::io::Error) -> Self {
        WaczError::new(WaczErrorCode::Io, format!("{context}: {e}"))
    }
}

impl From<ZipError> for WaczError {
    fn from(e: ZipError) -> Self {
        WaczError {
            code: WaczErrorCode::Zip(e.code),
            message: e.message,
        }
    }
}

impl fmt::Display for WaczError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for WaczError {}

pub type WaczResult<T> = std::result::Result<T, WaczError>;
