//! The one error type of the core: a stable machine-readable code plus an English
//! message. Callers (CLI, desktop shell) switch on the code; the UI shows its own
//! translated text for it, so the code set grows only when a caller needs a new case.

use std::fmt;

use serde::Serialize;

/// Stable error codes. Their snake_case names cross IPC and appear in `--json` output;
/// never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    ProfileMissing,
    CaseNotFound,
    DuplicateCaseCode,
    FileNotFound,
    NotAFile,
    FileUnreadable,
    EmptyFile,
    WorkspaceNotFound,
    WorkspaceNotWritable,
    WorkspaceInUse,
    DatabaseLocked,
    DatabaseCorrupt,
    DatabaseTooNew,
    IoError,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::ProfileMissing => "profile_missing",
            ErrorCode::CaseNotFound => "case_not_found",
            ErrorCode::DuplicateCaseCode => "duplicate_case_code",
            ErrorCode::FileNotFound => "file_not_found",
            ErrorCode::NotAFile => "not_a_file",
            ErrorCode::FileUnreadable => "file_unreadable",
            ErrorCode::EmptyFile => "empty_file",
            ErrorCode::WorkspaceNotFound => "workspace_not_found",
            ErrorCode::WorkspaceNotWritable => "workspace_not_writable",
            ErrorCode::WorkspaceInUse => "workspace_in_use",
            ErrorCode::DatabaseLocked => "database_locked",
            ErrorCode::DatabaseCorrupt => "database_corrupt",
            ErrorCode::DatabaseTooNew => "database_too_new",
            ErrorCode::IoError => "io_error",
            ErrorCode::Internal => "internal",
        }
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

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    /// An I/O failure on a path, classified by what the user can do about it.
    pub fn io(context: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let code = match err.kind() {
            K::PermissionDenied | K::ReadOnlyFilesystem => ErrorCode::WorkspaceNotWritable,
            K::StorageFull | K::QuotaExceeded => ErrorCode::IoError,
            _ => ErrorCode::IoError,
        };
        Error::new(code, format!("{context} {}: {err}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode as Sq;
        let code = match err.sqlite_error_code() {
            Some(Sq::DatabaseBusy | Sq::DatabaseLocked) => ErrorCode::DatabaseLocked,
            Some(Sq::DatabaseCorrupt | Sq::NotADatabase) => ErrorCode::DatabaseCorrupt,
            Some(Sq::ReadOnly | Sq::CannotOpen | Sq::PermissionDenied) => {
                ErrorCode::WorkspaceNotWritable
            }
            Some(Sq::DiskFull | Sq::SystemIoFailure) => ErrorCode::IoError,
            _ => ErrorCode::Internal,
        };
        Error::new(code, format!("database: {err}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::internal(format!("json: {err}"))
    }
}
