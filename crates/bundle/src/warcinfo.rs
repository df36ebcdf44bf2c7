//! The WARC of a bundle without web captures. WACZ requires at least one WARC in
//! `archive/` (py-wacz's validator refuses a bundle without), so a case whose evidence
//! is only imported files gets one `warcinfo` record describing the bundle: software,
//! format, title and description, dated with the caller's creation time. It holds no
//! page, so the index stays empty. Deterministic: the record id is derived from the
//! record's bytes, and the gzip header carries no time or name.

use crate::wacz::WaczInput;
use crate::warc_read::sha256_base32;
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::Write;

/// The name inside `archive/`.
pub const INFO_WARC_NAME: &str = "case-info.warc.gz";

/// WARC named fields are one line each: line breaks and other control characters in a
/// title become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The gzip member holding the one `warcinfo` record.
pub fn info_warc(input: &WaczInput) -> Vec<u8> {
    let mut block = String::new();
    let mut field = |k: &str, v: &str| {
        let v = one_line(v);
        if !v.is_empty() {
            block.push_str(&format!("{k}: {v}\r\n"));
        }
    };
    field("software", input.software.as_deref().unwrap_or("TruyVết"));
    field("format", "WARC File Format 1.1");
    field("title", input.title.as_deref().unwrap_or(""));
    field("description", input.description.as_deref().unwrap_or(""));
    field(
        "comment",
        "No web captures: the evidence is in the bundle's truyvet/ folder",
    );
    let digest: [u8; 32] = Sha256::digest(block.as_bytes()).into();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    // A version-8 (custom) RFC 9562 UUID: the bits that say so, the rest from the hash.
    id[6] = (id[6] & 0x0f) | 0x80;
    id[8] = (id[8] & 0x3f) | 0x80;
    let h = hex::encode(id);
    let head = format!(
        "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:{}-{}-{}-{}-{}>\r\n\
         WARC-Date: {}\r\nWARC-Filename: {INFO_WARC_NAME}\r\n\
         Content-Type: application/warc-fields\r\nWARC-Block-Digest: {}\r\n\
         Content-Length: {}\r\n\r\n",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..],
        one_line(&input.created),
        sha256_base32(&digest),
        block.len()
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    gz.write_all(head.as_bytes())
        .and_then(|()| gz.write_all(block.as_bytes()))
        .and_then(|()| gz.write_all(b"\r\n\r\n"))
        .expect("writing to memory");
    gz.finish().expect("writing to memory")
}
