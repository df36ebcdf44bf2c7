//! Case bundles leave the laptop as one ZIP file and arrive from other agencies the same
//! way. This crate owns the ZIP layer only: a writer whose output is a pure function of
//! its inputs (so exporting a sealed case twice gives identical bytes) and a reader that
//! treats every archive as hostile and extracts only into a fresh staging folder.

mod error;
mod names;
mod zip_dir;
pub mod zip_read;
pub mod zip_write;

pub use error::{ZipError, ZipErrorCode};
pub use names::validate_name;
pub use zip_read::{ExtractedEntry, Limits, extract_to_staging};
pub use zip_write::{DosDateTime, MemberDigest, Method, ZipWriter};
