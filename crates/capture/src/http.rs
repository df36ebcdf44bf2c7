//! HTTP capture: fetch a URL and its redirect chain, and record every hop's exact
//! request and response bytes into a WARC, with a metadata record for the capture.
//!
//! Why our own small HTTP/1.1 client over tokio + rustls instead of reqwest: a WARC
//! `response` record should hold the bytes as they came over the wire. reqwest (hyper)
//! hands back parsed headers (lower-cased, reordered, reason phrase dropped) and a body
//! with chunked framing removed, may negotiate HTTP/2 (which has no wire form in WARC),
//! and exposes neither the negotiated TLS version nor the full presented chain. Here we
//! connect by IP to exactly the addresses the [`NetworkPolicy`] approved (so DNS
//! rebinding cannot slip in), send a fixed request (`Connection: close`), and read the
//! raw response, enforcing size, idle and total-time limits ourselves.
//!
//! Bodies are stored raw (content coding and chunking kept, as warcio and wget do); the
//! decoded text is returned separately for full-text search.
//!
//! Outcomes are explicit: `Err` when nothing usable was received (policy refusal,
//! connect/TLS failure, timeout before the response head, redirect limit), or
//! `Ok(HttpCapture)` whose `partial` is `Some` when the final response was cut short
//! (size limit, idle or total timeout, disconnect) — its WARC record then carries
//! `WARC-Truncated`. A capture is never silently half-stored.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::{Host, Url};

use crate::encoding::{self, Chunked};
use crate::error::{Error, ErrorCode, Result};
use crate::policy::{CheckedTarget, NetworkPolicy};
use crate::warc::{
    Digest, HttpExchange, RecordId, Truncated, WarcWriter, WrittenRecord, warc_date,
};

/// Limits and identity of a capture. `Default` gives the product's defaults.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Largest response (head + body) kept per hop; beyond it the capture is partial.
    pub max_response_bytes: u64,
    /// Whole capture, all hops, DNS included.
    pub total_timeout: Duration,
    pub connect_timeout: Duration,
    /// Longest wait for the next byte (slow-loris guard).
    pub idle_timeout: Duration,
    pub max_redirects: u32,
    /// Capture even if the certificate does not verify; the capture is marked.
    pub accept_invalid_certs: bool,
    /// Extra trust anchors (DER), e.g. an agency's internal CA.
    pub extra_root_certs_der: Vec<Vec<u8>>,
    pub user_agent: String,
    pub accept_language: String,
    /// Most decoded bytes turned into text for search.
    pub max_text_bytes: u64,
    /// Who captured, written into the metadata record.
    pub investigator: Option<String>,
    /// On which device, written into the metadata record.
    pub device: Option<String>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            max_response_bytes: 100 * 1024 * 1024,
            total_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(30),
            max_redirects: 10,
            accept_invalid_certs: false,
            extra_root_certs_der: Vec::new(),
            user_agent: format!("Mozilla/5.0 (compatible; {})", crate::TOOL),
            accept_language: "vi-VN,vi;q=0.9,en;q=0.5".into(),
            max_text_bytes: 32 * 1024 * 1024,
            investigator: None,
            device: None,
        }
    }
}

/// One certificate the server presented.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    pub der_base64: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsInfo {
    pub protocol: Option<String>,
    pub cipher_suite: Option<String>,
    pub alpn: Option<String>,
    pub server_name: String,
    /// Leaf first, as presented.
    pub chain: Vec<CertInfo>,
    pub verified: bool,
    pub verify_error: Option<String>,
}

/// Why a response is incomplete.
#[derive(Debug, Clone, Serialize)]
pub struct Partial {
    pub code: ErrorCode,
    pub truncated: Truncated,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub dns_ms: u64,
    pub connect_ms: u64,
    pub tls_ms: u64,
    pub first_byte_ms: u64,
    pub total_ms: u64,
}

/// One request/response exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub location: Option<String>,
    pub server_addr: SocketAddr,
    pub request: WrittenRecord,
    pub response: WrittenRecord,
    pub tls: Option<TlsInfo>,
    pub timings: Timings,
    pub partial: Option<Partial>,
}

/// The result of [`capture`].
#[derive(Debug, Clone, Serialize)]
pub struct HttpCapture {
    pub requested_url: String,
    pub final_url: String,
    pub status: u16,
    pub hops: Vec<Hop>,
    pub server_addr: SocketAddr,
    pub tls: Option<TlsInfo>,
    /// True when `accept_invalid_certs` let an unverified certificate through.
    pub tls_unverified: bool,
    pub content_type: Option<String>,
    /// Body bytes as received (the WARC payload).
    pub body_len: u64,
    /// SHA-256 of the body as received (= `WARC-Payload-Digest`).
    pub payload_digest: Digest,
    /// SHA-256 of the body after removing chunking and content coding, if decodable.
    pub content_digest: Option<Digest>,
    /// Decoded text (textual types only), NFC, for full-text search.
    pub text: Option<String>,
    pub text_encoding: Option<&'static str>,
    pub partial: Option<Partial>,
    pub started_utc: String,
    pub finished_utc: String,
    pub metadata: serde_json::Value,
    pub metadata_record: WrittenRecord,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

#[derive(Debug)]
enum Framing {
    NoBody,
    Length(usize),
    Chunked,
    UntilClose,
}

struct Fetched {
    hop: Hop,
    head_fields: Vec<(String, String)>,
    body: Vec<u8>,
}

fn ms(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn tls_info_from(seen: &crate::tls::Seen, server_name: &str) -> TlsInfo {
    TlsInfo {
        protocol: None,
        cipher_suite: None,
        alpn: None,
        server_name: server_name.to_string(),
        chain: seen
            .chain
            .iter()
            .map(|der| CertInfo {
                sha256: Digest::of(der).hex(),
                der_base64: base64(der),
            })
            .collect(),
        verified: seen.error.is_none() && !seen.chain.is_empty(),
        verify_error: seen.error.clone(),
    }
}

fn now_local_string() -> String {
    let now = OffsetDateTime::now_utc();
    match time::UtcOffset::current_local_offset() {
        Ok(off) => now
            .to_offset(off)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        // The time crate refuses to read the offset while other threads run; say so
        // rather than guess.
        Err(_) => "unknown (local offset unavailable)".into(),
    }
}

/// Captures `url` (following redirects, each re-checked) into `warc`.
pub async fn capture(
    url: &str,
    opts: &CaptureOptions,
    policy: &NetworkPolicy,
    warc: &mut WarcWriter,
) -> Result<HttpCapture> {
    let started = OffsetDateTime::now_utc();
    let started_local = now_local_string();
    let deadline = Instant::now() + opts.total_timeout;
    let mut hops: Vec<Hop> = Vec::new();
    let mut tls_seen: Option<TlsInfo> = None;
    let mut current = url.to_string();

    let outcome: Result<Fetched> = loop {
        let dns_start = Instant::now();
        let target = match check(policy, &current, deadline).await {
            Ok(t) => t,
            Err(e) => break Err(e),
        };
        let dns = dns_start.elapsed();
        let mut fetched = match fetch_one(&target, opts, deadline, warc, &mut tls_seen).await {
            Ok(f) => f,
            Err(e) => break Err(e),
        };
        fetched.hop.timings.dns_ms = ms(dns);
        let hop = &fetched.hop;
        let next = match (&hop.location, hop.partial.is_none()) {
            (Some(loc), true) if matches!(hop.status, 301 | 302 | 303 | 307 | 308) => {
                Some(target.url.join(loc).map_err(|e| {
                    Error::new(
                        ErrorCode::InvalidUrl,
                        format!(
                            "redirect from {} to invalid location {loc:?}: {e}",
                            target.url
                        ),
                    )
                }))
            }
            _ => None,
        };
        match next {
            None => break Ok(fetched),
            Some(Err(e)) => {
                hops.push(fetched.hop);
                break Err(e);
            }
            Some(Ok(next)) => {
                hops.push(fetched.hop);
                if hops.len() > opts.max_redirects as usize {
                    let looped = hops.iter().any(|h| h.url == next.as_str());
                    break Err(Error::new(
                        ErrorCode::TooManyRedirects,
                        format!(
                            "more than max_redirects = {} redirects{}; last hop {} -> {next}",
                            opts.max_redirects,
                            if looped { " (the chain loops)" } else { "" },
                            current
                        ),
                    ));
                }
                current = next.to_string();
            }
        }
    };

    let mut meta = json!({
        "tool": crate::TOOL,
        "requested_url": url,
        "started_utc": warc_date(started),
        "started_local": started_local,
        "investigator": opts.investigator,
        "device": opts.device,
        "limits": {
            "max_response_bytes": opts.max_response_bytes,
            "total_timeout_ms": ms(opts.total_timeout),
            "connect_timeout_ms": ms(opts.connect_timeout),
            "idle_timeout_ms": ms(opts.idle_timeout),
            "max_redirects": opts.max_redirects,
            "accept_invalid_certs": opts.accept_invalid_certs,
        },
    });

    let fetched = match outcome {
        Ok(f) => f,
        Err(e) => {
            // Record what was seen (earlier hops, a rejected certificate chain) so the
            // WARC explains itself; the caller decides whether to keep the file.
            if !hops.is_empty() || tls_seen.is_some() {
                meta["outcome"] = json!("failed");
                meta["error"] = json!({"code": e.code, "message": e.message});
                meta["hops"] = json!(hops);
                meta["tls"] = json!(tls_seen);
                meta["finished_utc"] = json!(warc_date(OffsetDateTime::now_utc()));
                let refers = hops.last().map(|h| &h.response.id);
                warc.write_metadata_json(url, refers, &meta)?;
            }
            return Err(e);
        }
    };

    let Fetched {
        hop,
        head_fields,
        body,
    } = fetched;
    let header = |name: &str| {
        head_fields
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let content_type = header("content-type");
    let chunked =
        header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let unchunked = if chunked {
        encoding::dechunk(&body)
    } else {
        body.clone()
    };
    let decoded = encoding::decode_content(
        &unchunked,
        header("content-encoding").as_deref(),
        opts.max_response_bytes,
    );
    let content_digest = decoded.as_ref().map(|d| Digest::of(d));
    let media = encoding::media_type(content_type.as_deref());
    let (text, text_encoding) = match (&decoded, encoding::is_textual(media.as_deref())) {
        (Some(d), true) => {
            let cut = &d[..d.len().min(opts.max_text_bytes as usize)];
            let (t, e) = encoding::decode_text(cut, content_type.as_deref());
            (Some(t), Some(e))
        }
        _ => (None, None),
    };
    let finished = OffsetDateTime::now_utc();
    let tls = hop.tls.clone();
    let tls_unverified = tls.as_ref().is_some_and(|t| !t.verified);
    let partial = hop.partial.clone();
    let final_url = hop.url.clone();
    let status = hop.status;
    let server_addr = hop.server_addr;
    let payload_digest = hop
        .response
        .payload_digest
        .unwrap_or_else(|| Digest::of(&body));
    let response_id = hop.response.id.clone();
    hops.push(hop);

    meta["outcome"] = json!(if partial.is_some() {
        "partial"
    } else {
        "complete"
    });
    meta["final_url"] = json!(final_url);
    meta["status"] = json!(status);
    meta["server_ip"] = json!(server_addr.ip().to_string());
    meta["server_port"] = json!(server_addr.port());
    meta["tls"] = json!(tls);
    meta["tls_unverified"] = json!(tls_unverified);
    meta["content_type"] = json!(content_type);
    meta["payload_sha256"] = json!(payload_digest.hex());
    meta["content_sha256"] = json!(content_digest.map(|d| d.hex()));
    meta["body_len"] = json!(body.len());
    meta["partial"] = json!(partial);
    meta["hops"] = json!(hops);
    meta["finished_utc"] = json!(warc_date(finished));
    let metadata_record = warc.write_metadata_json(&final_url, Some(&response_id), &meta)?;

    Ok(HttpCapture {
        requested_url: url.to_string(),
        final_url,
        status,
        hops,
        server_addr,
        tls,
        tls_unverified,
        content_type,
        body_len: body.len() as u64,
        payload_digest,
        content_digest,
        text,
        text_encoding,
        partial,
        started_utc: warc_date(started),
        finished_utc: warc_date(finished),
        metadata: meta,
        metadata_record,
    })
}

async fn check(policy: &NetworkPolicy, url: &str, deadline: Instant) -> Result<CheckedTarget> {
    // Fast path without a thread hop for malformed or literal-address URLs.
    let parsed = policy.parse_url(url)?;
    if !matches!(parsed.host(), Some(Host::Domain(_))) {
        return policy.check_url(url);
    }
    let (p, u) = (policy.clone(), url.to_string());
    match tokio::time::timeout_at(
        deadline,
        tokio::task::spawn_blocking(move || p.check_url(&u)),
    )
    .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(Error::new(
            ErrorCode::DnsFailed,
            format!("resolver task failed: {e}"),
        )),
        Err(_) => Err(Error::new(
            ErrorCode::TotalTimeout,
            format!("total_timeout reached while resolving {url}"),
        )),
    }
}

fn request_head(url: &Url, opts: &CaptureOptions) -> Result<Vec<u8>> {
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let path = if path.is_empty() { "/" } else { path };
    let host = url.host_str().unwrap_or("");
    let host = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    for v in [&opts.user_agent, &opts.accept_language] {
        if v.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(Error::new(
                ErrorCode::InvalidUrl,
                "header value with a line break",
            ));
        }
    }
    Ok(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {}\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: {}\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n",
        opts.user_agent, opts.accept_language
    )
    .into_bytes())
}

fn timeout_error(deadline: Instant, what: &str, opts: &CaptureOptions) -> Error {
    if Instant::now() >= deadline {
        Error::new(
            ErrorCode::TotalTimeout,
            format!(
                "total_timeout ({} ms) reached {what}",
                ms(opts.total_timeout)
            ),
        )
    } else {
        Error::new(
            ErrorCode::IdleTimeout,
            format!(
                "no data for idle_timeout ({} ms) {what}",
                ms(opts.idle_timeout)
            ),
        )
    }
}

async fn fetch_one(
    target: &CheckedTarget,
    opts: &CaptureOptions,
    deadline: Instant,
    warc: &mut WarcWriter,
    tls_seen: &mut Option<TlsInfo>,
) -> Result<Fetched> {
    let t0 = Instant::now();
    let mut timings = Timings::default();

    // Connect only to the addresses the policy approved, in order.
    let mut tcp = None;
    let mut last_err = None;
    for addr in &target.addrs {
        let until = deadline.min(Instant::now() + opts.connect_timeout);
        match tokio::time::timeout_at(until, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                tcp = Some((s, *addr));
                break;
            }
            Ok(Err(e)) => {
                last_err = Some(Error::new(
                    ErrorCode::ConnectFailed,
                    format!("cannot connect to {addr}: {e}"),
                ))
            }
            Err(_) => {
                last_err = Some(if Instant::now() >= deadline {
                    Error::new(
                        ErrorCode::TotalTimeout,
                        "total_timeout reached while connecting",
                    )
                } else {
                    Error::new(
                        ErrorCode::ConnectTimeout,
                        format!(
                            "connect to {addr} took longer than {} ms",
                            ms(opts.connect_timeout)
                        ),
                    )
                })
            }
        }
    }
    let Some((tcp, server_addr)) = tcp else {
        return Err(last_err
            .unwrap_or_else(|| Error::new(ErrorCode::ConnectFailed, "no address to connect to")));
    };
    let _ = tcp.set_nodelay(true);
    timings.connect_ms = ms(t0.elapsed());

    let server_name_str = match &target.host {
        Host::Domain(d) => d.trim_end_matches('.').to_string(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let (mut io, tls): (Box<dyn Io>, Option<TlsInfo>) = if target.tls {
        let tls_start = Instant::now();
        let (config, verifier) =
            crate::tls::client_config(&opts.extra_root_certs_der, opts.accept_invalid_certs)?;
        let server_name = rustls::pki_types::ServerName::try_from(server_name_str.clone())
            .map_err(|e| Error::new(ErrorCode::InvalidUrl, format!("bad TLS server name: {e}")))?;
        let connector = tokio_rustls::TlsConnector::from(config);
        let until = deadline.min(Instant::now() + opts.connect_timeout);
        let res = tokio::time::timeout_at(until, connector.connect(server_name, tcp)).await;
        let seen = verifier.seen.lock().map(|s| s.clone()).unwrap_or_default();
        let mut info = tls_info_from(&seen, &server_name_str);
        match res {
            Ok(Ok(stream)) => {
                let conn = stream.get_ref().1;
                info.protocol = conn.protocol_version().map(|v| format!("{v:?}"));
                info.cipher_suite = conn
                    .negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite()));
                info.alpn = conn
                    .alpn_protocol()
                    .map(|a| String::from_utf8_lossy(a).into_owned());
                timings.tls_ms = ms(tls_start.elapsed());
                (Box::new(stream), Some(info))
            }
            Ok(Err(e)) => {
                let msg =
                    format!("TLS handshake with {server_name_str} ({server_addr}) failed: {e}");
                *tls_seen = Some(info);
                return Err(Error::new(ErrorCode::TlsError, msg));
            }
            Err(_) => {
                *tls_seen = Some(info);
                return Err(timeout_error(deadline, "during the TLS handshake", opts));
            }
        }
    } else {
        (Box::new(tcp), None)
    };

    let req_head = request_head(&target.url, opts)?;
    let req_date = OffsetDateTime::now_utc();
    match tokio::time::timeout_at(
        deadline.min(Instant::now() + opts.idle_timeout),
        io.write_all(&req_head),
    )
    .await
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(Error::new(
                ErrorCode::Disconnected,
                format!("sending the request failed: {e}"),
            ));
        }
        Err(_) => return Err(timeout_error(deadline, "while sending the request", opts)),
    }
    let _ = io.flush().await;

    // Read the raw response.
    let max = usize::try_from(opts.max_response_bytes).unwrap_or(usize::MAX);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut head: Option<Head> = None;
    let mut scan_pos = 0usize;
    let mut partial: Option<Partial> = None;
    let mut resp_date = None;
    loop {
        if let Some((hl, _, _, framing)) = &mut head {
            let hl = *hl;
            let done = match framing {
                Framing::NoBody => Some(hl),
                Framing::Length(n) => (buf.len() >= hl + *n).then_some(hl + *n),
                Framing::Chunked => match encoding::scan_chunked(&buf[hl..], scan_pos) {
                    Chunked::Complete(n) => Some(hl + n),
                    Chunked::Incomplete(p) => {
                        scan_pos = p;
                        None
                    }
                    // Not really chunked: keep reading until the server closes.
                    Chunked::Invalid => {
                        *framing = Framing::UntilClose;
                        None
                    }
                },
                Framing::UntilClose => None,
            };
            if let Some(end) = done {
                // Bytes past the framed end are not part of this response.
                buf.truncate(end);
                break;
            }
        }
        if buf.len() > max {
            buf.truncate(max);
            partial = Some(Partial {
                code: ErrorCode::ResponseTooLarge,
                truncated: Truncated::Length,
                message: format!(
                    "response larger than max_response_bytes ({max} bytes); kept the first {max}"
                ),
            });
            break;
        }
        let until = deadline.min(Instant::now() + opts.idle_timeout);
        let read = tokio::time::timeout_at(until, io.read(&mut chunk)).await;
        let n = match read {
            Err(_) => {
                let e = timeout_error(deadline, "while reading the response", opts);
                if head.is_none() {
                    return Err(e);
                }
                partial = Some(Partial {
                    code: e.code,
                    truncated: Truncated::Time,
                    message: e.message,
                });
                break;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0, // TLS without close_notify
            Ok(Err(e)) => {
                if head.is_none() {
                    return Err(Error::new(
                        ErrorCode::Disconnected,
                        format!("reading the response failed: {e}"),
                    ));
                }
                partial = Some(Partial {
                    code: ErrorCode::Disconnected,
                    truncated: Truncated::Disconnect,
                    message: format!("connection failed mid-response: {e}"),
                });
                break;
            }
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            match &head {
                None => {
                    return Err(Error::new(
                        ErrorCode::Disconnected,
                        format!(
                            "{server_addr} closed the connection without a complete response head"
                        ),
                    ));
                }
                Some((_, _, _, Framing::UntilClose)) => break,
                Some(_) => {
                    partial = Some(Partial {
                        code: ErrorCode::Disconnected,
                        truncated: Truncated::Disconnect,
                        message: "the server closed the connection before the body was complete"
                            .into(),
                    });
                    break;
                }
            }
        }
        if resp_date.is_none() {
            resp_date = Some(OffsetDateTime::now_utc());
            timings.first_byte_ms = ms(t0.elapsed());
        }
        buf.extend_from_slice(&chunk[..n]);
        if head.is_none() {
            head = parse_head(&buf)?;
        }
    }
    timings.total_ms = ms(t0.elapsed());
    let Some((hl, status, fields, _)) = head else {
        return Err(Error::new(ErrorCode::MalformedResponse, "no response head"));
    };

    let req_id = RecordId::new();
    let resp_id = RecordId::new();
    let target_uri = target
        .url
        .as_str()
        .split('#')
        .next()
        .unwrap_or("")
        .to_string();
    let request = warc.write_request(
        req_id.clone(),
        &HttpExchange {
            target_uri: &target_uri,
            head: &req_head,
            body: b"",
            ip: Some(server_addr.ip()),
            date: req_date,
            concurrent_to: Some(&resp_id),
            truncated: None,
        },
    )?;
    let response = warc.write_response(
        resp_id,
        &HttpExchange {
            target_uri: &target_uri,
            head: &buf[..hl],
            body: &buf[hl..],
            ip: Some(server_addr.ip()),
            date: resp_date.unwrap_or(req_date),
            concurrent_to: Some(&req_id),
            truncated: partial.as_ref().map(|p| p.truncated),
        },
    )?;
    let location = fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone());
    let body = buf.split_off(hl);
    Ok(Fetched {
        hop: Hop {
            url: target_uri,
            status,
            location,
            server_addr,
            request,
            response,
            tls,
            timings,
            partial,
        },
        head_fields: fields,
        body,
    })
}

type Head = (usize, u16, Vec<(String, String)>, Framing);

/// Parses the response head once it is complete; `Ok(None)` while incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<Head>> {
    const MAX_HEAD: usize = 64 * 1024;
    let mut headers = [httparse::EMPTY_HEADER; 256];
    let mut resp = httparse::Response::new(&mut headers);
    let hl = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(Error::new(
                ErrorCode::MalformedResponse,
                format!("response head longer than {MAX_HEAD} bytes"),
            ));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => {
            return Err(Error::new(
                ErrorCode::MalformedResponse,
                format!("not an HTTP/1.x response: {e}"),
            ));
        }
    };
    let status = resp.code.unwrap_or(0);
    let fields: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect();
    let get = |n: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::NoBody
    } else if get("transfer-encoding").is_some_and(|t| {
        t.rsplit(',')
            .next()
            .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
    }) {
        Framing::Chunked
    } else if let Some(cl) = get("content-length") {
        match cl.parse::<usize>() {
            Ok(n) => Framing::Length(n),
            Err(_) => {
                return Err(Error::new(
                    ErrorCode::MalformedResponse,
                    format!("bad Content-Length {cl:?}"),
                ));
            }
        }
    } else {
        Framing::UntilClose
    };
    Ok(Some((hl, status, fields, framing)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn request_head_has_no_fragment_and_brackets_v6() {
        let o = CaptureOptions::default();
        let h = request_head(&Url::parse("http://[::1]:8080/a?b=1#frag").unwrap(), &o).unwrap();
        let h = String::from_utf8(h).unwrap();
        assert!(
            h.starts_with("GET /a?b=1 HTTP/1.1\r\nHost: [::1]:8080\r\n"),
            "{h}"
        );
        assert!(h.ends_with("Connection: close\r\n\r\n"));
    }

    #[test]
    fn head_framing() {
        let (hl, st, _, f) =
            parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nxx")
                .unwrap()
                .unwrap();
        assert_eq!((hl, st), (53, 200));
        assert!(matches!(f, Framing::Chunked));
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Le")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap_err().code,
            ErrorCode::MalformedResponse
        );
        assert!(matches!(
            parse_head(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n")
                .unwrap()
                .unwrap()
                .3,
            Framing::NoBody
        ));
    }
}
