//! The one error type of the core: a stable machine-readable code plus an English
//! message. Callers (CLI, desktop shell) switch on the code; the UI shows its own
//! translated text for it, so the code set grows only when a caller needs a new case.

use std::fmt;

use serde::Serialize;

string_enum!(
    /// Stable error codes. Their snake_case names cross IPC and appear in `--json`
    /// output; never rename one.
    ErrorCode {
        InvalidInput = "invalid_input",
        ProfileMissing = "profile_missing",
        CaseNotFound = "case_not_found",
        DuplicateCaseCode = "duplicate_case_code",
        FileNotFound = "file_not_found",
        NotAFile = "not_a_file",
        FileUnreadable = "file_unreadable",
        EmptyFile = "empty_file",
        CaptureFailed = "capture_failed",
        WorkspaceNotFound = "workspace_not_found",
        WorkspaceNotWritable = "workspace_not_writable",
        WorkspaceInUse = "workspace_in_use",
        DatabaseLocked = "database_locked",
        DatabaseCorrupt = "database_corrupt",
        DatabaseTooNew = "database_too_new",
        IoError = "io_error",
        Internal = "internal",
        BadPassphrase = "bad_passphrase",
        KeyMissing = "key_missing",
        ForbiddenRole = "forbidden_role",
        InvalidTransition = "invalid_transition",
        CaseIncomplete = "case_incomplete",
        CaseNotSealed = "case_not_sealed",
        BundleInvalid = "bundle_invalid",
        CaseAlreadyExists = "case_already_exists",
        ProofInvalid = "proof_invalid",
        RegistryNotConfigured = "registry_not_configured",
        RegistryUnreachable = "registry_unreachable",
        RegistryRefused = "registry_refused",
        RegistryReceiptInvalid = "registry_receipt_invalid",
        RegistryLogInconsistent = "registry_log_inconsistent",
        // Tips and complaints (tips/).
        TipNotFound = "tip_not_found",
        ImportInvalid = "import_invalid",
        // Watch list (watch/).
        WatchNotFound = "watch_not_found",
        InvalidSetting = "invalid_setting",
        AppLocked = "app_locked",
        // Encrypted workspaces (crypto/).
        WorkspaceLocked = "workspace_locked",
        WorkspaceKeyMissing = "workspace_key_missing",
        WorkspaceKeyTooNew = "workspace_key_too_new",
        UnlockThrottled = "unlock_throttled",
        // Backup and restore (backup/).
        BackupInvalid = "backup_invalid",
        BackupDiskFull = "backup_disk_full",
        RestoreTargetNotEmpty = "restore_target_not_empty",
    }
);

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
