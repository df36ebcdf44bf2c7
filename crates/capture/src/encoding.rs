//! From body bytes as received to searchable text: chunked framing, content coding
//! (gzip/deflate) and charset (incl. Windows-1258, whose tones are combining marks, so
//! the text is NFC-normalized). The WARC keeps the raw bytes; this is only for indexing.

use std::io::Read;

use unicode_normalization::UnicodeNormalization;

/// Progress of scanning a chunked body as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunked {
    /// Need more bytes; resume scanning at this offset.
    Incomplete(usize),
    /// The body (incl. last chunk and trailers) is this many bytes long.
    Complete(usize),
    Invalid,
}

fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    crate::warc::find(buf.get(from..)?, b"\r\n").map(|i| from + i)
}

/// Scans chunked framing from `pos` (which must be the start of a chunk-size line).
pub(crate) fn scan_chunked(buf: &[u8], mut pos: usize) -> Chunked {
    loop {
        let Some(eol) = line_end(buf, pos) else {
            return if buf.len() - pos > 1024 {
                Chunked::Invalid
            } else {
                Chunked::Incomplete(pos)
            };
        };
        let line = &buf[pos..eol];
        let size_txt = line.split(|&b| b == b';').next().unwrap_or(b"");
        let Some(size) = std::str::from_utf8(size_txt)
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
        else {
            return Chunked::Invalid;
        };
        if size == 0 {
            // Trailer section: header lines until an empty line.
            let mut p = eol + 2;
            loop {
                let Some(e) = line_end(buf, p) else {
                    return Chunked::Incomplete(pos);
                };
                if e == p {
                    return Chunked::Complete(e + 2);
                }
                p = e + 2;
            }
        }
        let Some(next) = (eol + 2).checked_add(size).and_then(|n| n.checked_add(2)) else {
            return Chunked::Invalid;
        };
        if next > buf.len() {
            return Chunked::Incomplete(pos);
        }
        if &buf[next - 2..next] != b"\r\n" {
            return Chunked::Invalid;
        }
        pos = next;
    }
}

/// Removes chunked framing; keeps whatever complete data a truncated body has.
pub(crate) fn dechunk(buf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(buf.len());
    let mut pos = 0;
    while let Some(eol) = line_end(buf, pos) {
        let size_txt = buf[pos..eol].split(|&b| b == b';').next().unwrap_or(b"");
        let Some(size) = std::str::from_utf8(size_txt)
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
        else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = start.saturating_add(size).min(buf.len());
        out.extend_from_slice(&buf[start..end]);
        pos = end.saturating_add(2);
        if pos > buf.len() {
            break;
        }
    }
    out
}

/// Undoes `Content-Encoding` gzip/deflate, at most `limit` output bytes (zip bombs).
/// `None` for codings we do not decode or corrupt data.
pub(crate) fn decode_content(body: &[u8], coding: Option<&str>, limit: u64) -> Option<Vec<u8>> {
    let coding = coding.map(|c| c.trim().to_ascii_lowercase());
    let mut out = Vec::new();
    let res = match coding.as_deref() {
        None | Some("") | Some("identity") => return Some(body.to_vec()),
        Some("gzip") | Some("x-gzip") => flate2::read::MultiGzDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out),
        Some("deflate") => {
            // "deflate" is zlib-wrapped by the RFC, raw deflate by some servers.
            let r = flate2::read::ZlibDecoder::new(body)
                .take(limit)
                .read_to_end(&mut out);
            if r.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(limit)
                    .read_to_end(&mut out)
            } else {
                r
            }
        }
        Some(_) => return None,
    };
    // A truncated gzip stream still yields its beginning: good enough for search.
    if res.is_err() && out.is_empty() {
        return None;
    }
    Some(out)
}

/// The media type without parameters, lower case.
pub(crate) fn media_type(content_type: Option<&str>) -> Option<String> {
    content_type.map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

pub(crate) fn is_textual(media: Option<&str>) -> bool {
    match media {
        None => false,
        Some(m) => {
            m.starts_with("text/")
                || m.ends_with("+xml")
                || m.ends_with("+json")
                || matches!(
                    m,
                    "application/xhtml+xml"
                        | "application/xml"
                        | "application/json"
                        | "application/javascript"
                        | "application/ld+json"
                )
        }
    }
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// `<meta charset="…">` or `<meta http-equiv=Content-Type content="…; charset=…">` in
/// the first 2 KiB.
fn sniff_meta_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let i = head.find("charset=")?;
    let rest = head[i + 8..].trim_start_matches(['"', '\'', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// Decodes text: BOM, then the declared charset (header, then HTML meta), else UTF-8.
/// Returns the NFC text and the encoding's name.
pub(crate) fn decode_text(bytes: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| sniff_meta_charset(bytes))
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()));
    let enc = declared.unwrap_or(encoding_rs::UTF_8);
    let (text, used, _had_errors) = enc.decode(bytes);
    (text.nfc().collect(), used.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_scan_and_dechunk() {
        let body =
            b"4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(scan_chunked(body, 0), Chunked::Complete(body.len()));
        for cut in 0..body.len() {
            assert!(
                matches!(scan_chunked(&body[..cut], 0), Chunked::Incomplete(_)),
                "{cut}"
            );
        }
        assert_eq!(dechunk(body), b"Wikipedia in \r\n\r\nchunks.");
        assert_eq!(scan_chunked(b"zz\r\n", 0), Chunked::Invalid);
        assert_eq!(scan_chunked(b"2\r\nabXY", 0), Chunked::Invalid);
    }

    #[test]
    fn windows_1258_is_decoded_and_composed() {
        // "Đồng hồ" in Windows-1258: Đ=0xD0, ô=0xF4 + combining grave 0xCC.
        let bytes = b"\xD0\xF4\xCCng h\xF4\xCC";
        let (text, enc) = decode_text(bytes, Some("text/html; charset=windows-1258"));
        assert_eq!(enc, "windows-1258");
        assert_eq!(text, "Đồng hồ");
        let (text, _) = decode_text(b"<meta charset=\"windows-1258\">\xD0", Some("text/html"));
        assert!(text.ends_with('Đ'));
    }

    #[test]
    fn gzip_bomb_is_capped() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'a'; 5 << 20]).unwrap();
        let packed = gz.finish().unwrap();
        let out = decode_content(&packed, Some("gzip"), 1 << 20).unwrap();
        assert_eq!(out.len(), 1 << 20);
        assert_eq!(decode_content(b"x", Some("br"), 10), None);
    }
}
