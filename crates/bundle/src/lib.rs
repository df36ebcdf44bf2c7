//! Case bundles leave the laptop as one ZIP file and arrive from other agencies the same
//! way. This crate owns the ZIP layer (a writer whose output is a pure function of its
//! inputs, so exporting a sealed case twice gives identical bytes, and a reader that
//! treats every archive as hostile and extracts only into a fresh staging folder) and
//! the WACZ 1.1.1 layer on it (`wacz`, `wacz_read`: WARCs, CDXJ index, pages, data
//! package and its digest).

pub mod cdxj;
pub mod datapackage;
mod error;
mod names;
mod pump;
pub mod wacz;
mod wacz_error;
mod wacz_read;
mod warc_copy;
pub mod warc_read;
mod warc_tap;
pub mod warcinfo;
mod zip_dir;
pub mod zip_read;
pub mod zip_write;

pub use error::{ZipError, ZipErrorCode};
pub use names::validate_name;
pub use wacz::{Content, ExtraFile, Page, Source, WaczInput, WarcFile, WrittenWacz, write_wacz};
pub use wacz_error::{WaczError, WaczErrorCode, WaczResult};
pub use wacz_read::{VerifiedWacz, read_wacz};
pub use zip_read::{ExtractedEntry, Limits, extract_to_staging};
pub use zip_write::{DosDateTime, MemberDigest, Method, ZipWriter};
