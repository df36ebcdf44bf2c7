//! MHTML (RFC 2557, what a browser saves as "web page, single file"): a MIME
//! `multipart/related` message whose parts are the page, its frames and its resources,
//! each in quoted-printable or base64. The format is small enough that a parser of our
//! own is shorter than adapting a mail library to it: we need the boundary, each part's
//! type, charset and transfer encoding, and nothing of mail addressing or attachments.

use base64::Engine;

use crate::{Error, ErrorCode};

/// One part of the message, its transfer encoding undone.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// Lower-case media type without parameters (`text/html`, `image/png`).
    pub media_type: String,
    /// The `charset` parameter, if the part names one.
    pub charset: Option<String>,
    pub body: Vec<u8>,
}

/// More parts than any saved page has; a message claiming more is not read further.
const MAX_PARTS: usize = 20_000;
/// RFC 2046 allows 70 characters; a longer boundary only makes the search for it slow.
const MAX_BOUNDARY: usize = 200;

/// Whether the bytes read as a MIME multipart/related message (a saved web page).
pub(crate) fn looks_like_mhtml(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let Some((headers, _)) = split_head(head) else {
        return false;
    };
    let headers = parse_headers(headers);
    headers.iter().any(|(n, _)| n == "mime-version")
        && header(&headers, "content-type")
            .is_some_and(|v| v.to_ascii_lowercase().contains("multipart/related"))
}

/// The parts of an MHTML message in their order.
pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Part>, Error> {
    let unreadable = |m: &str| Error::new(ErrorCode::MhtmlUnreadable, m.to_string());
    let (head, body) = split_head(bytes).ok_or_else(|| unreadable("no MIME header block"))?;
    let headers = parse_headers(head);
    let content_type =
        header(&headers, "content-type").ok_or_else(|| unreadable("no Content-Type header"))?;
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return Err(unreadable("the message is not multipart"));
    }
    let boundary = param(content_type, "boundary")
        .filter(|b| !b.is_empty())
        .ok_or_else(|| unreadable("the Content-Type names no boundary"))?;
    if boundary.len() > MAX_BOUNDARY {
        return Err(unreadable("the boundary is longer than MIME allows"));
    }
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for raw in split_parts(body, delimiter.as_bytes()) {
        if parts.len() == MAX_PARTS {
            break;
        }
        let (head, body) = split_head(raw).unwrap_or((raw, &[]));
        let headers = parse_headers(head);
        let ctype = header(&headers, "content-type").unwrap_or("text/plain");
        let media_type = ctype
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let charset = param(ctype, "charset");
        let body = match header(&headers, "content-transfer-encoding")
            .map(|e| e.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("quoted-printable") => decode_quoted_printable(body),
            Some("base64") => decode_base64(body),
            _ => body.to_vec(),
        };
        parts.push(Part {
            media_type,
            charset,
            body,
        });
    }
    if parts.is_empty() {
        return Err(unreadable("no part was found between the boundaries"));
    }
    Ok(parts)
}

/// Header block and body: split at the first empty line (CRLF or LF).
fn split_head(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut i = 0;
    while i < bytes.len() {
        let nl = bytes[i..].iter().position(|&b| b == b'\n')? + i;
        let next = nl + 1;
        if bytes[next..].starts_with(b"\r\n") {
            return Some((&bytes[..nl + 1], &bytes[next + 2..]));
        }
        if bytes[next..].starts_with(b"\n") {
            return Some((&bytes[..nl + 1], &bytes[next + 1..]));
        }
        i = next;
    }
    None
}

/// Headers as (lower-case name, unfolded value), in order.
fn parse_headers(block: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(block);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A parameter of a structured header value (`boundary="…"`, `charset=utf-8`).
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The bodies between delimiter lines; the preamble and the epilogue after the closing
/// delimiter (`--boundary--`) are dropped.
fn split_parts<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut starts = Vec::new();
    let mut at = 0;
    // A delimiter counts only at the start of a line.
    while let Some(i) = find(&body[at..], delimiter).map(|i| i + at) {
        let at_line_start = i == 0 || body[i - 1] == b'\n';
        at = i + delimiter.len();
        if at_line_start {
            let closing = body[at..].starts_with(b"--");
            starts.push((i, at, closing));
            if closing {
                break;
            }
        }
    }
    starts
        .windows(2)
        .filter(|w| !w[0].2)
        .map(|w| {
            let (_, from, _) = w[0];
            let (to, _, _) = w[1];
            trim_part(&body[from..to])
        })
        .chain(
            // A message cut before its closing delimiter: the last part runs to the end.
            starts
                .last()
                .filter(|s| !s.2)
                .map(|&(_, from, _)| trim_part(&body[from..])),
        )
        .collect()
}

/// Drops the rest of the delimiter line and the line break that belongs to the next
/// delimiter.
fn trim_part(part: &[u8]) -> &[u8] {
    let start = part
        .iter()
        .position(|&b| b == b'\n')
        .map_or(part.len(), |i| i + 1);
    let mut p = &part[start..];
    if p.ends_with(b"\n") {
        p = &p[..p.len() - 1];
    }
    if p.ends_with(b"\r") {
        p = &p[..p.len() - 1];
    }
    p
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while let Some(p) = hay[i..].iter().position(|&b| b == first) {
        let s = i + p;
        if hay.len() - s < needle.len() {
            return None;
        }
        if &hay[s..s + needle.len()] == needle {
            return Some(s);
        }
        i = s + 1;
    }
    None
}

/// RFC 2045 quoted-printable: `=XX` escapes and `=` soft line breaks; anything
/// malformed is kept as written rather than refused.
pub(crate) fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &input[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let (Some(h), Some(l)) = (
            rest.first().and_then(|&c| hex(c)),
            rest.get(1).and_then(|&c| hex(c)),
        ) {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Base64 with the line breaks of MIME; a damaged part decodes to nothing.
fn decode_base64(input: &[u8]) -> Vec<u8> {
    let clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&clean)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable() {
        assert_eq!(
            decode_quoted_printable(b"S=E1=BB=91 t=C3=A0i =3D x=\r\ny =ZZ="),
            "Số tài = xy =ZZ=".as_bytes()
        );
    }

    #[test]
    fn parts_and_detection() {
        let msg = b"MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype=\"text/html\"; boundary=\"--b1\"\r\n\r\npreamble\r\n----b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>a=3Db</p>\r\n----b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n----b1--\r\n";
        assert!(looks_like_mhtml(msg));
        let parts = parse(msg).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].media_type, "text/html");
        assert_eq!(parts[0].charset.as_deref(), Some("utf-8"));
        assert_eq!(parts[0].body, b"<p>a=b</p>");
        assert_eq!(parts[1].body, b"hello");
        assert!(!looks_like_mhtml(b"<html>MIME-Version: 1.0</html>"));
        let e = parse(b"MIME-Version: 1.0\nContent-Type: text/html\n\n<p>").expect_err("single");
        assert_eq!(e.code, ErrorCode::MhtmlUnreadable);
    }
}
