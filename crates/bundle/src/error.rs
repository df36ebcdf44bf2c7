//! Errors of the ZIP layer, each with a stable code a verifier report can name.

use std::fmt;

/// Stable error codes; the `as_str` names never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZipErrorCode {
    /// No end-of-central-directory record, or a structure running past the end of file.
    Truncated,
    /// Structures that do not parse (bad signatures, leftovers).
    Corrupt,
    /// Multi-disk archives, compression methods other than stored and deflate.
    Unsupported,
    /// More entries than the reader's limit.
    TooManyEntries,
    /// A `..` component (the name would leave the staging folder).
    NameParent,
    /// `/x`, `C:`, `\\server\share`: a name anchored outside the archive.
    NameAbsolute,
    /// A backslash anywhere in a name.
    NameBackslash,
    /// NUL or another control character in a name.
    NameControl,
    /// Empty, not UTF-8, too long, or with empty or `.` components.
    NameInvalid,
    /// Two names equal exactly, ignoring case, after Unicode normalization, or a file
    /// that is also used as a folder.
    DuplicateName,
    /// A symbolic link entry (unix mode `S_IFLNK`).
    Symlink,
    /// A device, FIFO or socket entry.
    SpecialFile,
    /// Encrypted entries (traditional or strong encryption, AES).
    Encrypted,
    /// An entry inflates to more than `max_ratio` times its compressed size.
    RatioExceeded,
    /// An entry or the whole archive beyond the size caps.
    SizeExceeded,
    /// The bytes an entry inflates to differ in length from what its header says.
    SizeMismatch,
    /// The CRC-32 of an entry's bytes differs from its header's.
    CrcMismatch,
    /// An entry's deflate stream does not decode, or ends before or after its data.
    DeflateInvalid,
    /// Local header and central directory disagree (name, sizes, method, flags).
    HeaderMismatch,
    /// Two entries' data overlap (a known zip-bomb construction).
    Overlap,
    /// The staging folder already exists.
    StagingExists,
    /// The writer was given something it refuses (duplicate name, size changed).
    InvalidInput,
    /// Reading or writing a file failed.
    Io,
}

impl ZipErrorCode {
    pub fn as_str(self) -> &'static str {
        use ZipErrorCode::*;
        match self {
            Truncated => "zip_truncated",
            Corrupt => "zip_corrupt",
            Unsupported => "zip_unsupported",
            TooManyEntries => "zip_too_many_entries",
            NameParent => "zip_name_parent",
            NameAbsolute => "zip_name_absolute",
            NameBackslash => "zip_name_backslash",
            NameControl => "zip_name_control",
            NameInvalid => "zip_name_invalid",
            DuplicateName => "zip_duplicate_name",
            Symlink => "zip_symlink",
            SpecialFile => "zip_special_file",
            Encrypted => "zip_encrypted",
            RatioExceeded => "zip_ratio_exceeded",
            SizeExceeded => "zip_size_exceeded",
            SizeMismatch => "zip_size_mismatch",
            CrcMismatch => "zip_crc_mismatch",
            DeflateInvalid => "zip_deflate_invalid",
            HeaderMismatch => "zip_header_mismatch",
            Overlap => "zip_overlap",
            StagingExists => "zip_staging_exists",
            InvalidInput => "zip_invalid_input",
            Io => "zip_io",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipError {
    pub code: ZipErrorCode,
    pub message: String,
}

impl ZipError {
    pub fn new(code: ZipErrorCode, message: impl Into<String>) -> Self {
        ZipError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn io(context: &str, e: std::io::Error) -> Self {
        // A short read means the archive ends where a structure said it would not.
        let code = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ZipErrorCode::Truncated
        } else {
            ZipErrorCode::Io
        };
        ZipError::new(code, format!("{context}: {e}"))
    }
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ZipError {}

pub type Result<T> = std::result::Result<T, ZipError>;
