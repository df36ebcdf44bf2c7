//! A streaming reader for WARC files stored as one gzip member per record (how TruyVết
//! writes captures, and what random access by offset needs). It yields, per record, what
//! the index needs and recomputes the SHA-256 block and payload digests on the way, in
//! 64 KiB steps, so memory stays flat whatever the record size. Headers are capped.

use crate::wacz_error::{WaczError, WaczErrorCode, WaczResult};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

const CHUNK: usize = 64 * 1024;
/// Cap on a record's WARC header block and on an HTTP head inside it.
const MAX_HEAD: usize = 64 * 1024;

/// One record as the index and the verifier see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecordInfo {
    /// Where the record's gzip member starts in the file.
    pub offset: u64,
    /// The member's compressed length.
    pub length: u64,
    pub warc_type: String,
    pub target_uri: Option<String>,
    pub date: String,
    pub content_type: Option<String>,
    /// `WARC-Payload-Digest` as written in the record.
    pub payload_digest: Option<String>,
    /// SHA-256 of the payload (the block, or the bytes after an HTTP head).
    pub computed_payload: Option<[u8; 32]>,
    /// The HTTP status code of `response` and `revisit` records.
    pub http_status: Option<String>,
    /// The HTTP `Content-Type` of `response` records.
    pub http_content_type: Option<String>,
    /// Digests in other algorithms than SHA-256 are not recomputed; counted here.
    pub unverified_digests: u32,
}

fn invalid(name: &str, offset: u64, msg: impl std::fmt::Display) -> WaczError {
    WaczError::new(
        WaczErrorCode::WarcInvalid,
        format!("{name} at offset {offset}: {msg}"),
    )
}

/// A `BufRead` that counts what its consumer consumed: after a gzip member is decoded
/// this is exactly where the next member starts.
struct Counting<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// Reads every record of the WARC at `path` and hands each to `each` as it is read, so
/// nothing but the current record's head is held; returns the number of records. `name`
/// is used in messages.
pub fn scan_warc(
    path: &Path,
    name: &str,
    each: impl FnMut(WarcRecordInfo) -> WaczResult<()>,
) -> WaczResult<u64> {
    let file = File::open(path).map_err(|e| WaczError::io(&format!("opening {name}"), e))?;
    scan_warc_from(file, name, each)
}

/// `scan_warc` over any reader (a WARC in memory, or one being copied elsewhere).
pub fn scan_warc_from(
    file: impl Read,
    name: &str,
    mut each: impl FnMut(WarcRecordInfo) -> WaczResult<()>,
) -> WaczResult<u64> {
    let mut src = Counting {
        inner: BufReader::with_capacity(CHUNK, file),
        pos: 0,
    };
    let mut count = 0;
    loop {
        let at_end = src
            .fill_buf()
            .map_err(|e| WaczError::io(&format!("reading {name}"), e))?
            .is_empty();
        if at_end {
            break;
        }
        let offset = src.pos;
        let mut rec = {
            let gz = flate2::bufread::GzDecoder::new(&mut src);
            let mut r = BufReader::with_capacity(CHUNK, gz);
            read_record(&mut r, name, offset)?
        };
        rec.offset = offset;
        rec.length = src.pos - offset;
        count += 1;
        each(rec)?;
    }
    if count == 0 {
        return Err(invalid(name, 0, "no records"));
    }
    Ok(count)
}

fn read_line(
    r: &mut impl BufRead,
    budget: &mut usize,
    name: &str,
    offset: u64,
) -> WaczResult<Vec<u8>> {
    let mut line = Vec::new();
    let n = r
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| invalid(name, offset, format!("gzip member: {e}")))?;
    if n > *budget {
        return Err(invalid(name, offset, "header block too long"));
    }
    *budget -= n;
    if !line.ends_with(b"\r\n") {
        return Err(invalid(name, offset, "header line without CRLF"));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn read_record(r: &mut impl BufRead, name: &str, offset: u64) -> WaczResult<WarcRecordInfo> {
    let mut budget = MAX_HEAD;
    let version = read_line(r, &mut budget, name, offset)?;
    if version != b"WARC/1.1" && version != b"WARC/1.0" {
        return Err(invalid(name, offset, "not a WARC/1.0 or WARC/1.1 record"));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let line = read_line(r, &mut budget, name, offset)?;
        if line.is_empty() {
            break;
        }
        let line =
            String::from_utf8(line).map_err(|_| invalid(name, offset, "header not UTF-8"))?;
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| invalid(name, offset, "header line without ':'"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let get = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let len: u64 = get("Content-Length")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid(name, offset, "no valid Content-Length"))?;
    let warc_type = get("WARC-Type").ok_or_else(|| invalid(name, offset, "no WARC-Type"))?;
    let date = get("WARC-Date").ok_or_else(|| invalid(name, offset, "no WARC-Date"))?;
    let content_type = get("Content-Type");
    let is_http = content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/http"));

    // The block, hashed whole; for HTTP records the head is kept (capped) to find where
    // the payload starts and what status and type it declares.
    let mut block = Sha256::new();
    let mut payload = Sha256::new();
    let mut head: Option<Vec<u8>> = is_http.then(Vec::new);
    let mut head_done = !is_http;
    let mut head_lost = false;
    let mut left = len;
    let mut buf = vec![0u8; CHUNK];
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize;
        let n = r
            .read(&mut buf[..want])
            .map_err(|e| invalid(name, offset, format!("gzip member: {e}")))?;
        if n == 0 {
            return Err(invalid(name, offset, "block shorter than Content-Length"));
        }
        left -= n as u64;
        let chunk = &buf[..n];
        block.update(chunk);
        if head_done {
            payload.update(chunk);
            continue;
        }
        let h = head.as_mut().expect("HTTP head buffer");
        let from = h.len().saturating_sub(3);
        h.extend_from_slice(chunk);
        if let Some(i) = find(&h[from..], b"\r\n\r\n") {
            let end = from + i + 4;
            payload.update(&h[end..]);
            h.truncate(end);
            head_done = true;
        } else if h.len() > MAX_HEAD {
            head_lost = true;
            head_done = true;
            head = None;
        }
    }
    let mut trailer = Vec::new();
    r.take(5)
        .read_to_end(&mut trailer)
        .map_err(|e| invalid(name, offset, format!("gzip member: {e}")))?;
    if trailer != b"\r\n\r\n" {
        return Err(invalid(
            name,
            offset,
            "record not followed by CRLF CRLF and the end of its gzip member",
        ));
    }

    let block_hash: [u8; 32] = block.finalize().into();
    // An HTTP block whose head never ends has no payload to digest.
    let http_ok = head.as_ref().is_some_and(|h| h.ends_with(b"\r\n\r\n"));
    let computed_payload: Option<[u8; 32]> = if warc_type == "revisit" || head_lost {
        None
    } else if is_http {
        http_ok.then(|| payload.finalize().into())
    } else {
        Some(block_hash)
    };
    let mut unverified = 0;
    if let Some(d) = get("WARC-Block-Digest") {
        check_digest(
            &d,
            Some(block_hash),
            "WARC-Block-Digest",
            name,
            offset,
            &mut unverified,
        )?;
    }
    let payload_digest = get("WARC-Payload-Digest");
    if let (Some(d), true) = (&payload_digest, warc_type != "revisit") {
        check_digest(
            d,
            computed_payload,
            "WARC-Payload-Digest",
            name,
            offset,
            &mut unverified,
        )?;
    }
    let (mut http_status, mut http_content_type) = (None, None);
    if let (Some(h), true) = (&head, http_ok) {
        let text = String::from_utf8_lossy(h);
        let mut lines = text.split("\r\n");
        if matches!(warc_type.as_str(), "response" | "revisit") {
            http_status = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string);
        }
        http_content_type = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.trim().to_string());
    }
    Ok(WarcRecordInfo {
        offset,
        length: 0,
        warc_type,
        target_uri: get("WARC-Target-URI"),
        date,
        content_type,
        payload_digest,
        computed_payload,
        http_status,
        http_content_type,
        unverified_digests: unverified,
    })
}

fn check_digest(
    value: &str,
    computed: Option<[u8; 32]>,
    what: &str,
    name: &str,
    offset: u64,
    unverified: &mut u32,
) -> WaczResult<()> {
    let Some(claimed) = parse_sha256(value) else {
        *unverified += 1;
        return Ok(());
    };
    match computed {
        Some(c) if c == claimed => Ok(()),
        Some(_) => Err(WaczError::new(
            WaczErrorCode::WarcDigestMismatch,
            format!("{name} at offset {offset}: {what} differs from the record's bytes"),
        )),
        None => {
            *unverified += 1;
            Ok(())
        }
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `sha256:<base32|hex>` (also `sha-256:`) to bytes; other algorithms give `None`.
pub fn parse_sha256(value: &str) -> Option<[u8; 32]> {
    let (algo, v) = value.trim().split_once(':')?;
    if !algo.eq_ignore_ascii_case("sha256") && !algo.eq_ignore_ascii_case("sha-256") {
        return None;
    }
    let bytes = if v.len() == 64 {
        hex::decode(v).ok()?
    } else {
        let s = v.trim_end_matches('=');
        let mut out = Vec::with_capacity(32);
        let (mut acc, mut bits) = (0u64, 0u32);
        for c in s.bytes() {
            let d = B32.iter().position(|&b| b == c.to_ascii_uppercase())? as u64;
            acc = (acc << 5) | d;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        out
    };
    bytes.try_into().ok()
}

/// `sha256:` + RFC 4648 base32, the customary WARC digest form.
pub fn sha256_base32(d: &[u8; 32]) -> String {
    let mut out = String::from("sha256:");
    for chunk in d.chunks(5) {
        let mut b = [0u8; 5];
        b[..chunk.len()].copy_from_slice(chunk);
        let n = b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        let chars = [0, 2, 4, 5, 7, 8][chunk.len()];
        for i in 0..8 {
            out.push(if i < chars {
                B32[((n >> (35 - i * 5)) & 31) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trip() {
        let d: [u8; 32] = Sha256::digest(b"abc").into();
        let s = sha256_base32(&d);
        assert_eq!(s.len(), 7 + 56);
        assert_eq!(parse_sha256(&s), Some(d));
        assert_eq!(parse_sha256(&format!("sha256:{}", hex::encode(d))), Some(d));
        assert_eq!(parse_sha256("sha1:AAAA"), None);
    }
}
