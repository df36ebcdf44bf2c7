//! Web capture: HTTP capture into WARC 1.1 under a network policy that refuses private
//! and reserved addresses.
//!
//! - [`warc`]: WARC 1.1 writer (one gzip member per record) and a verifying reader.
//! - [`policy`]: the network policy (SSRF guard), applied after DNS resolution.
//! - [`http`]: HTTP/1.1 capture of a URL and its redirect chain into a WARC.

mod encoding;
pub mod error;
pub mod evidence;
pub mod from_browser;
pub mod http;
pub mod identify;
pub mod page_text;
pub mod policy;
pub mod policy_proxy;
pub mod stamping;
mod tls;
pub mod warc;
pub mod watch;

pub use error::{Error, ErrorCode, Result};
pub use evidence::capture_for_evidence;
pub use from_browser::{browser_capture_for_evidence, evidence_from_page};
pub use http::{CaptureOptions, HttpCapture, capture};
pub use policy::{NetworkPolicy, Resolve, SystemResolver};
pub use warc::{Digest, RecordId, WarcWriter, WrittenRecord};

/// Name and version written into every WARC and metadata record.
pub const TOOL: &str = concat!("TruyVet/", env!("CARGO_PKG_VERSION"));
