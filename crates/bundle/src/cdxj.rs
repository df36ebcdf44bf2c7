//! CDXJ index lines (`indexes/index.cdx` of a WACZ), as pywb and py-wacz write them:
//! `<SURT key> <14-digit timestamp> <JSON>`, the JSON holding url, mime, status, digest,
//! length, offset and filename (numbers as strings, like cdxj-indexer), lines sorted by
//! bytes. Indexed are `response`, `revisit`, `resource` and `metadata` records, except
//! `application/warc-fields` metadata, as cdxj-indexer does by default.

use crate::warc_read::{WarcRecordInfo, sha256_base32};
use serde::{Deserialize, Serialize};

/// The JSON part of a line, fields in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdxjFields {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest: Option<String>,
    pub length: String,
    pub offset: String,
    pub filename: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdxjLine {
    pub key: String,
    pub timestamp: String,
    pub fields: CdxjFields,
}

/// Whether a record gets an index line.
pub fn is_indexed(r: &WarcRecordInfo) -> bool {
    match r.warc_type.as_str() {
        "response" | "revisit" => true,
        "resource" | "metadata" => {
            r.content_type.as_deref() != Some("application/warc-fields") && r.target_uri.is_some()
        }
        _ => false,
    }
}

/// The index line of one record (`filename` is the name inside `archive/`).
pub fn line_for(r: &WarcRecordInfo, filename: &str) -> Option<CdxjLine> {
    if !is_indexed(r) {
        return None;
    }
    let url = r.target_uri.clone()?;
    let first_token = |v: &str| {
        v.split([';', ' ', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mime = match r.warc_type.as_str() {
        "revisit" => Some("warc/revisit".to_string()),
        "response" => r.http_content_type.as_deref().map(first_token),
        _ => r.content_type.as_deref().map(first_token),
    }
    .filter(|m| !m.is_empty());
    let digest = r
        .payload_digest
        .clone()
        .or_else(|| r.computed_payload.as_ref().map(sha256_base32));
    Some(CdxjLine {
        key: surt(&url),
        timestamp: timestamp14(&r.date),
        fields: CdxjFields {
            url,
            mime,
            status: r.http_status.clone(),
            digest,
            length: r.length.to_string(),
            offset: r.offset.to_string(),
            filename: filename.to_string(),
        },
    })
}

impl CdxjLine {
    pub fn render(&self) -> String {
        let json = serde_json::to_string(&self.fields).expect("plain strings serialize");
        format!("{} {} {}", self.key, self.timestamp, json)
    }

    pub fn parse(line: &str) -> Option<CdxjLine> {
        let (key, rest) = line.split_once(' ')?;
        let (timestamp, json) = rest.split_once(' ')?;
        if timestamp.len() != 14 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let fields: CdxjFields = serde_json::from_str(json).ok()?;
        Some(CdxjLine {
            key: key.to_string(),
            timestamp: timestamp.to_string(),
            fields,
        })
    }
}

/// A WARC date to the 14-digit form (digits only, padded like warcio for partial dates).
pub fn timestamp14(date: &str) -> String {
    let digits: String = date.chars().filter(char::is_ascii_digit).take(14).collect();
    let pad = "10000101000000";
    format!("{digits}{}", &pad[digits.len()..])
}

/// The Sort-friendly URI Reordering Transform key, as Python's `surt.surt` gives it for
/// http(s) URLs: scheme, `www`/`wwwN` prefix, default port, fragment and userinfo
/// dropped; host labels (IPv4 too) reversed and joined with `,`; path and query lower
/// case, query arguments sorted, a trailing `/` dropped except for the root. Other URIs
/// (`urn:`…) are kept as they are.
pub fn surt(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = match lower.split_once("://") {
        Some((s, r)) if s == "http" || s == "https" => (s, r),
        _ => return url.to_string(),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h.to_string(), p.strip_prefix(':').unwrap_or("").to_string()),
            None => (v6.to_string(), String::new()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.to_string()),
            None => (hostport.to_string(), String::new()),
        }
    };
    let default_port = if scheme == "http" { "80" } else { "443" };
    let mut host = host.trim_end_matches('.').to_string();
    if let Some(stripped) = host.strip_prefix("www") {
        let digits = stripped.bytes().take_while(u8::is_ascii_digit).count();
        if stripped[digits..].starts_with('.') && stripped.len() > digits + 1 {
            host = stripped[digits + 1..].to_string();
        }
    }
    let mut key = if host.contains(':') {
        host
    } else {
        host.split('.').rev().collect::<Vec<_>>().join(",")
    };
    if !port.is_empty() && port != default_port {
        key.push(':');
        key.push_str(&port);
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let mut path = if path.is_empty() { "/" } else { path };
    if path.len() > 1 {
        path = path.trim_end_matches('/');
        if path.is_empty() {
            path = "/";
        }
    }
    key.push(')');
    key.push_str(path);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        let mut args: Vec<&str> = q.split('&').collect();
        args.sort_unstable();
        key.push('?');
        key.push_str(&args.join("&"));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected keys as printed by Python's `surt` 0.3.1.
    #[test]
    fn surt_matches_python() {
        let cases = [
            (
                "http://127.0.0.1:8080/a/B?z=1&a=2#frag",
                "1,0,0,127:8080)/a/b?a=2&z=1",
            ),
            ("https://www.Example.com/", "com,example)/"),
            (
                "https://shop.example.vn:443/s%E1%BA%A3n-ph%E1%BA%A9m?id=5",
                "vn,example,shop)/s%e1%ba%a3n-ph%e1%ba%a9m?id=5",
            ),
            ("http://example.com", "com,example)/"),
            ("urn:truyvet:screenshot:1", "urn:truyvet:screenshot:1"),
            ("http://www2.example.com/x/", "com,example)/x"),
            ("http://[::1]:9000/p", "::1:9000)/p"),
        ];
        for (url, want) in cases {
            assert_eq!(surt(url), want, "{url}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp14("2026-11-28T10:01:02Z"), "20261128100102");
        assert_eq!(timestamp14("2026-11-28T10:01:02.123456Z"), "20261128100102");
        assert_eq!(timestamp14("2026"), "20260101000000");
    }
}
