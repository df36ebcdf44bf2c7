//! Errors with stable codes: what a caller (CLI, app) switches on.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The bytes are not in any image format we read (a text file named `.png`…).
    NotAnImage,
    /// A known image format whose data is damaged or truncated.
    ImageUnreadable,
    /// Larger than the configured limits (pixels or decoded memory).
    ImageTooLarge,
    /// A kind of file not read yet.
    UnsupportedFormat,
    /// A file named or shaped as MHTML that is not a MIME multipart message.
    MhtmlUnreadable,
    /// A PDF that needs a password to open.
    PdfEncrypted,
    /// A damaged PDF, or bytes named `.pdf` that are not one.
    PdfUnreadable,
    /// A PDF over the size, page or time limits.
    PdfTooLarge,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotAnImage => "not_an_image",
            ErrorCode::ImageUnreadable => "image_unreadable",
            ErrorCode::ImageTooLarge => "image_too_large",
            ErrorCode::UnsupportedFormat => "unsupported_format",
            ErrorCode::MhtmlUnreadable => "mhtml_unreadable",
            ErrorCode::PdfEncrypted => "pdf_encrypted",
            ErrorCode::PdfUnreadable => "pdf_unreadable",
            ErrorCode::PdfTooLarge => "pdf_too_large",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}
