//! The registry's one error type: a stable code, an HTTP status that follows from the
//! code, and an English message. Handlers, the store and the administrative commands
//! all return it, so a client's mistake can never surface as a 500 by accident: only
//! `internal` and `database` map to 5xx.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use truyvet_wire::api::{ErrorBody, ErrorDetail, Problem, UPLOAD_OFFSET_HEADER};

macro_rules! codes {
    ($($variant:ident = $name:literal => $status:ident,)*) => {
        /// Stable error codes (documented in `docs/registry-openapi.yaml`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, for the check that the API document lists them all.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(Code::$variant => StatusCode::$status,)* }
            }
        }
    };
}

codes! {
    BadRequest = "bad_request" => BAD_REQUEST,
    InvalidInput = "invalid_input" => BAD_REQUEST,
    Unauthorized = "unauthorized" => UNAUTHORIZED,
    TokenInvalid = "token_invalid" => UNAUTHORIZED,
    TokenRevoked = "token_revoked" => UNAUTHORIZED,
    ForbiddenRole = "forbidden_role" => FORBIDDEN,
    AgencyMismatch = "agency_mismatch" => FORBIDDEN,
    NotFound = "not_found" => NOT_FOUND,
    UploadNotFound = "upload_not_found" => NOT_FOUND,
    CaseNotFound = "case_not_found" => NOT_FOUND,
    LeafNotFound = "leaf_not_found" => NOT_FOUND,
    MethodNotAllowed = "method_not_allowed" => METHOD_NOT_ALLOWED,
    OffsetMismatch = "offset_mismatch" => CONFLICT,
    UploadIncomplete = "upload_incomplete" => CONFLICT,
    CaseConflict = "case_conflict" => CONFLICT,
    AlreadyExists = "already_exists" => CONFLICT,
    BundleTooLarge = "bundle_too_large" => PAYLOAD_TOO_LARGE,
    ChunkTooLarge = "chunk_too_large" => PAYLOAD_TOO_LARGE,
    BodyTooLarge = "body_too_large" => PAYLOAD_TOO_LARGE,
    UnsupportedMediaType = "unsupported_media_type" => UNSUPPORTED_MEDIA_TYPE,
    DigestMismatch = "digest_mismatch" => UNPROCESSABLE_ENTITY,
    BundleInvalid = "bundle_invalid" => UNPROCESSABLE_ENTITY,
    BundleUnsealed = "bundle_unsealed" => UNPROCESSABLE_ENTITY,
    UnknownAgency = "unknown_agency" => UNPROCESSABLE_ENTITY,
    InvalidRange = "invalid_range" => BAD_REQUEST,
    PlainHttpRefused = "plain_http_refused" => BAD_REQUEST,
    Database = "database" => INTERNAL_SERVER_ERROR,
    Internal = "internal" => INTERNAL_SERVER_ERROR,
    Unavailable = "unavailable" => SERVICE_UNAVAILABLE,
    InsufficientStorage = "insufficient_storage" => INSUFFICIENT_STORAGE,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
    pub offset: Option<u64>,
    pub problems: Vec<Problem>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            offset: None,
            problems: Vec::new(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(Code::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(Code::Internal, message)
    }

    pub fn with_offset(mut self, offset: u64) -> Error {
        self.offset = Some(offset);
        self
    }

    /// An I/O failure; a full disk is told apart (507), so a client knows to retry later
    /// rather than report a bug.
    pub fn io(what: &str, err: &std::io::Error) -> Error {
        let code = match err.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                Code::InsufficientStorage
            }
            _ => Code::Internal,
        };
        Error::new(code, format!("{what}: {err}"))
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_string(),
                message: self.message.clone(),
                offset: self.offset,
                problems: self.problems.clone(),
            },
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    /// A full disk is the operator's to fix, not a fault of the store: 507, as for files.
    fn from(err: rusqlite::Error) -> Error {
        let code = match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Code::InsufficientStorage,
            _ => Code::Database,
        };
        Error::new(code, err.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), axum::Json(self.body())).into_response();
        if let Some(offset) = self.offset {
            response
                .headers_mut()
                .insert(UPLOAD_OFFSET_HEADER, offset.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn the_api_document_lists_every_error_code() {
        let doc = include_str!("../../../docs/registry-openapi.yaml");
        for code in Code::ALL {
            assert!(
                doc.contains(&format!("- {}\n", code.as_str())),
                "docs/registry-openapi.yaml does not list {}",
                code.as_str()
            );
        }
    }
}
