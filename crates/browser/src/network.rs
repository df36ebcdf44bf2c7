//! The record of a page's network traffic, built from DevTools `Network.*` events:
//! one [`NetworkExchange`] per HTTP hop (a redirect is its own hop), with the response
//! body fetched with `Network.getResponseBody` as soon as the response has finished.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::cdp::{Connection, Event};

/// Header fields in the order Chromium reported them; a repeated header is repeated.
pub type HeaderList = Vec<(String, String)>;

/// Where a header list came from, so a WARC record can say how faithful it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderSource {
    /// Parsed from the raw header block as it came off the wire (`headersText`,
    /// HTTP/1.x only): exact names, order and duplicates.
    WireText,
    /// The headers Chromium's network stack actually sent or received
    /// (`*ExtraInfo` events), including cookies; order as Chromium reports it.
    NetworkStack,
    /// What the renderer saw (`requestWillBeSent`/`responseReceived`): may lack cookies
    /// and other headers added or filtered below the renderer.
    Renderer,
}

/// The request side of one hop.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: HeaderList,
    pub headers_source: HeaderSource,
    /// The request body when Chromium reported it inline (form posts, small fetch bodies).
    pub body: Option<Vec<u8>>,
}

/// The response side of one hop.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub status_text: String,
    /// `HTTP/1.1`, `HTTP/2`, `HTTP/3`… (for a WARC record's status line).
    pub http_version: String,
    /// Chromium's protocol name (`http/1.1`, `h2`, …) as reported.
    pub protocol: Option<String>,
    pub headers: HeaderList,
    pub headers_source: HeaderSource,
    /// The raw header block, status line included, when HTTP/1.x gave us one.
    pub headers_text: Option<String>,
    pub mime_type: Option<String>,
    pub remote_ip: Option<String>,
    pub remote_port: Option<u16>,
    pub from_cache: bool,
    /// Bytes received on the wire for this response (headers and encoded body).
    pub encoded_data_length: Option<f64>,
}

/// The response body of one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// The payload as the page received it. Chromium hands bodies over *decoded*: any
    /// `Content-Encoding` (gzip, br) and chunking are already undone, so a WARC writer
    /// must not copy those headers unchanged onto these bytes.
    Captured(Vec<u8>),
    /// Why there is no body (a redirect, a failed or unfinished request, a body Chromium
    /// did not keep…).
    Unavailable { reason: String },
}

impl ResponseBody {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            ResponseBody::Captured(bytes) => Some(bytes),
            ResponseBody::Unavailable { .. } => None,
        }
    }
}

/// When things happened. `*_time` fields are Chromium's monotonic clock in seconds;
/// `wall_time` is seconds since the Unix epoch at `request_time`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeTiming {
    pub wall_time: Option<f64>,
    pub request_time: f64,
    pub response_time: Option<f64>,
    pub finished_time: Option<f64>,
    /// Chromium's `ResourceTiming` (DNS, connect, TLS, send, headers) as reported.
    pub resource_timing: Option<Value>,
}

/// One HTTP request/response hop of the page load — what a WARC request/response pair
/// is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkExchange {
    /// Chromium's request id; the hops of one redirect chain share it.
    pub request_id: String,
    /// `Document`, `Stylesheet`, `Image`, `Script`, `XHR`, `Fetch`, …
    pub resource_type: Option<String>,
    pub frame_id: Option<String>,
    pub request: HttpRequest,
    /// `None` when no response arrived (failed, or still pending at capture time).
    pub response: Option<HttpResponse>,
    pub body: ResponseBody,
    pub timing: ExchangeTiming,
    /// Chromium's error when the request failed (`net::ERR_…`).
    pub failure: Option<String>,
    /// The URL this hop redirected to.
    pub redirected_to: Option<String>,
    /// The request had not finished when the capture was taken.
    pub pending: bool,
}

impl NetworkExchange {
    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }
}

// --- DevTools event shapes (only the fields we use) ---

#[derive(Debug, Default, Clone)]
struct Headers(HeaderList);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedHeaders;
        impl<'de> Visitor<'de> for OrderedHeaders {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut out = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    let value = match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    // Chromium joins repeated headers (Set-Cookie…) with newlines.
                    for line in value.split('\n') {
                        out.push((name.clone(), line.to_string()));
                    }
                }
                Ok(Headers(out))
            }
        }
        deserializer.deserialize_map(OrderedHeaders)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestWillBeSent {
    request_id: String,
    #[serde(default)]
    loader_id: String,
    request: RequestData,
    timestamp: f64,
    wall_time: Option<f64>,
    redirect_response: Option<ResponseData>,
    #[serde(rename = "type")]
    resource_type: Option<String>,
    frame_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestData {
    url: String,
    method: String,
    #[serde(default)]
    headers: Headers,
    post_data: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseData {
    #[allow(dead_code)]
    url: String,
    status: f64,
    #[serde(default)]
    status_text: String,
    #[serde(default)]
    headers: Headers,
    mime_type: Option<String>,
    #[serde(rename = "remoteIPAddress")]
    remote_ip_address: Option<String>,
    remote_port: Option<u16>,
    protocol: Option<String>,
    timing: Option<Value>,
    encoded_data_length: Option<f64>,
    #[serde(default)]
    from_disk_cache: bool,
    #[serde(default)]
    from_prefetch_cache: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseReceived {
    request_id: String,
    timestamp: f64,
    response: ResponseData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoadingFinished {
    request_id: String,
    timestamp: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoadingFailed {
    request_id: String,
    timestamp: f64,
    error_text: String,
    #[serde(default)]
    canceled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestExtraInfo {
    request_id: String,
    #[serde(default)]
    headers: Headers,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseExtraInfo {
    request_id: String,
    #[serde(default)]
    headers: Headers,
    headers_text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseBodyReply {
    body: String,
    #[serde(default)]
    base64_encoded: bool,
}

// --- The log ---

/// The exchanges of the current document load of one tab.
#[derive(Default)]
pub(crate) struct NetworkLog {
    /// Bumped when a new main-document load starts; late body replies for an older
    /// load are dropped.
    generation: u64,
    entries: Vec<NetworkExchange>,
    /// requestId → index of its latest hop.
    current: HashMap<String, usize>,
    /// requestId → index of its hops, in order.
    hops: HashMap<String, Vec<usize>>,
    request_extra: HashMap<String, Vec<Headers>>,
    response_extra: HashMap<String, Vec<ResponseExtraInfo>>,
    pending_bodies: usize,
    last_activity: Option<Instant>,
}

pub(crate) type SharedLog = Arc<Mutex<NetworkLog>>;

pub(crate) fn lock_log(log: &SharedLog) -> std::sync::MutexGuard<'_, NetworkLog> {
    log.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_network_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// What the page-state tracker needs to know about a network event.
pub(crate) struct MainDocumentStart {
    pub loader_id: String,
}

impl NetworkLog {
    /// Requests started and not yet finished or failed.
    pub(crate) fn in_flight(&self) -> Vec<String> {
        self.current
            .values()
            .filter_map(|&i| self.entries.get(i))
            .filter(|e| e.pending)
            .map(|e| e.request.url.clone())
            .collect()
    }

    /// Request hops seen since the current document started loading; grows with
    /// every request the page starts.
    pub(crate) fn requests_seen(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn quiet_for(&self) -> Duration {
        self.last_activity
            .map(|t| t.elapsed())
            .unwrap_or(Duration::MAX)
    }

    pub(crate) fn pending_bodies(&self) -> usize {
        self.pending_bodies
    }

    fn touch(&mut self) {
        self.last_activity = Some(Instant::now());
    }

    fn reset(&mut self) {
        let generation = self.generation + 1;
        *self = NetworkLog {
            generation,
            ..NetworkLog::default()
        };
    }

    /// The exchanges so far, with the `*ExtraInfo` headers matched to their hops.
    pub(crate) fn exchanges(&self) -> Vec<NetworkExchange> {
        let mut out = self.entries.clone();
        for (request_id, hops) in &self.hops {
            if let Some(extras) = self.request_extra.get(request_id) {
                for (&i, extra) in hops.iter().zip(extras) {
                    out[i].request.headers = extra.0.clone();
                    out[i].request.headers_source = HeaderSource::NetworkStack;
                }
            }
            if let Some(extras) = self.response_extra.get(request_id) {
                let answered: Vec<usize> = hops
                    .iter()
                    .copied()
                    .filter(|&i| out[i].response.is_some())
                    .collect();
                for (i, extra) in answered.into_iter().zip(extras) {
                    if let Some(response) = out[i].response.as_mut() {
                        apply_response_extra(response, extra);
                    }
                }
            }
        }
        out
    }
}

fn apply_response_extra(response: &mut HttpResponse, extra: &ResponseExtraInfo) {
    if let Some(text) = extra.headers_text.as_deref().filter(|t| !t.is_empty()) {
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        if let Some(version) = lines
            .next()
            .and_then(|status_line| status_line.split(' ').next())
            .filter(|v| v.starts_with("HTTP/"))
        {
            response.http_version = version.to_string();
        }
        response.headers = lines
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.to_string(), value.trim().to_string()))
            })
            .collect();
        response.headers_source = HeaderSource::WireText;
        response.headers_text = Some(text.to_string());
    } else if !extra.headers.0.is_empty() {
        response.headers = extra.headers.0.clone();
        response.headers_source = HeaderSource::NetworkStack;
    }
}

fn http_version(protocol: Option<&str>) -> String {
    match protocol.map(str::to_ascii_lowercase).as_deref() {
        Some("http/1.0") => "HTTP/1.0".into(),
        Some("h2") | Some("http/2") | Some("http/2.0") => "HTTP/2".into(),
        Some(p) if p.starts_with("h3") || p.starts_with("http/3") => "HTTP/3".into(),
        _ => "HTTP/1.1".into(),
    }
}

fn response_from(data: ResponseData) -> HttpResponse {
    HttpResponse {
        status: data.status as u16,
        status_text: data.status_text,
        http_version: http_version(data.protocol.as_deref()),
        protocol: data.protocol,
        headers: data.headers.0,
        headers_source: HeaderSource::Renderer,
        headers_text: None,
        mime_type: data.mime_type,
        remote_ip: data.remote_ip_address,
        remote_port: data.remote_port,
        from_cache: data.from_disk_cache || data.from_prefetch_cache,
        encoded_data_length: data.encoded_data_length,
    }
}

/// Feeds one event into the log. Returns the start of a main-document load when the
/// event is one (`main_frame` is the tab's main frame id, which is its target id).
pub(crate) fn record_event(
    log: &SharedLog,
    event: &Event,
    main_frame: &str,
    conn: &Connection,
    body_timeout: Duration,
) -> Option<MainDocumentStart> {
    match event.method.as_str() {
        "Network.requestWillBeSent" => {
            let sent: RequestWillBeSent = event.parse()?;
            if !is_network_url(&sent.request.url) {
                return None;
            }
            let mut log = lock_log(log);
            let new_main_document = sent.redirect_response.is_none()
                && sent.resource_type.as_deref() == Some("Document")
                && sent.request_id == sent.loader_id
                && sent.frame_id.as_deref() == Some(main_frame);
            if new_main_document {
                log.reset();
            }
            log.touch();
            if let (Some(redirect), Some(&i)) =
                (sent.redirect_response, log.current.get(&sent.request_id))
            {
                let hop = &mut log.entries[i];
                hop.response = Some(response_from(redirect));
                hop.timing.response_time = Some(sent.timestamp);
                hop.timing.finished_time = Some(sent.timestamp);
                hop.redirected_to = Some(sent.request.url.clone());
                hop.pending = false;
                hop.body = ResponseBody::Unavailable {
                    reason: "redirect: Chromium does not keep redirect bodies".into(),
                };
            }
            let index = log.entries.len();
            log.entries.push(NetworkExchange {
                request_id: sent.request_id.clone(),
                resource_type: sent.resource_type,
                frame_id: sent.frame_id,
                request: HttpRequest {
                    method: sent.request.method,
                    url: sent.request.url,
                    headers: sent.request.headers.0,
                    headers_source: HeaderSource::Renderer,
                    body: sent.request.post_data.map(String::into_bytes),
                },
                response: None,
                body: ResponseBody::Unavailable {
                    reason: "no response before the capture was taken".into(),
                },
                timing: ExchangeTiming {
                    wall_time: sent.wall_time,
                    request_time: sent.timestamp,
                    response_time: None,
                    finished_time: None,
                    resource_timing: None,
                },
                failure: None,
                redirected_to: None,
                pending: true,
            });
            log.current.insert(sent.request_id.clone(), index);
            log.hops.entry(sent.request_id).or_default().push(index);
            new_main_document.then_some(MainDocumentStart {
                loader_id: sent.loader_id,
            })
        }
        "Network.responseReceived" => {
            let received: ResponseReceived = event.parse()?;
            let mut log = lock_log(log);
            log.touch();
            let &i = log.current.get(&received.request_id)?;
            let hop = &mut log.entries[i];
            hop.timing.response_time = Some(received.timestamp);
            hop.timing.resource_timing = received.response.timing.clone();
            hop.response = Some(response_from(received.response));
            None
        }
        "Network.loadingFinished" => {
            let finished: LoadingFinished = event.parse()?;
            let (index, generation) = {
                let mut log = lock_log(log);
                log.touch();
                let &i = log.current.get(&finished.request_id)?;
                let hop = &mut log.entries[i];
                hop.pending = false;
                hop.timing.finished_time = Some(finished.timestamp);
                hop.body = ResponseBody::Unavailable {
                    reason: "body being fetched when the capture was taken".into(),
                };
                log.pending_bodies += 1;
                (i, log.generation)
            };
            let log = log.clone();
            let conn = conn.clone();
            let session = event.session_id.clone();
            tokio::spawn(async move {
                let body = fetch_body(
                    &conn,
                    session.as_deref(),
                    &finished.request_id,
                    body_timeout,
                )
                .await;
                let mut log = lock_log(&log);
                if log.generation == generation {
                    log.pending_bodies -= 1;
                    log.entries[index].body = body;
                }
            });
            None
        }
        "Network.loadingFailed" => {
            let failed: LoadingFailed = event.parse()?;
            let mut log = lock_log(log);
            log.touch();
            let &i = log.current.get(&failed.request_id)?;
            let hop = &mut log.entries[i];
            hop.pending = false;
            hop.timing.finished_time = Some(failed.timestamp);
            let reason = if failed.canceled {
                format!("{} (canceled)", failed.error_text)
            } else {
                failed.error_text
            };
            hop.body = ResponseBody::Unavailable {
                reason: format!("request failed: {reason}"),
            };
            hop.failure = Some(reason);
            None
        }
        "Network.requestWillBeSentExtraInfo" => {
            let extra: RequestExtraInfo = event.parse()?;
            let mut log = lock_log(log);
            log.request_extra
                .entry(extra.request_id.clone())
                .or_default()
                .push(extra.headers);
            None
        }
        "Network.responseReceivedExtraInfo" => {
            let extra: ResponseExtraInfo = event.parse()?;
            let mut log = lock_log(log);
            log.response_extra
                .entry(extra.request_id.clone())
                .or_default()
                .push(extra);
            None
        }
        _ => None,
    }
}

async fn fetch_body(
    conn: &Connection,
    session: Option<&str>,
    request_id: &str,
    timeout: Duration,
) -> ResponseBody {
    let reply = conn
        .call_raw(
            session,
            "Network.getResponseBody",
            serde_json::json!({ "requestId": request_id }),
            timeout,
        )
        .await;
    let raw = match reply {
        Ok(raw) => raw,
        Err(e) => {
            return ResponseBody::Unavailable {
                reason: e.to_string(),
            };
        }
    };
    let reply: ResponseBodyReply = match serde_json::from_str(raw.get()) {
        Ok(reply) => reply,
        Err(e) => {
            return ResponseBody::Unavailable {
                reason: format!("unreadable Network.getResponseBody reply: {e}"),
            };
        }
    };
    if reply.base64_encoded {
        match base64::engine::general_purpose::STANDARD.decode(reply.body.as_bytes()) {
            Ok(bytes) => ResponseBody::Captured(bytes),
            Err(e) => ResponseBody::Unavailable {
                reason: format!("body is not valid base64: {e}"),
            },
        }
    } else {
        ResponseBody::Captured(reply.body.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_objects_keep_their_order_and_split_repeated_headers() {
        let headers: Headers =
            serde_json::from_str(r#"{"Z-Last":"1","Set-Cookie":"a=1\nb=2","A-First":"x"}"#)
                .unwrap();
        assert_eq!(
            headers.0,
            [
                ("Z-Last".to_string(), "1".to_string()),
                ("Set-Cookie".to_string(), "a=1".to_string()),
                ("Set-Cookie".to_string(), "b=2".to_string()),
                ("A-First".to_string(), "x".to_string()),
            ]
        );
    }

    #[test]
    fn a_raw_header_block_gives_version_order_and_duplicates() {
        let mut response = response_from(
            serde_json::from_str(r#"{"url":"http://x/","status":200,"protocol":"h2"}"#).unwrap(),
        );
        assert_eq!(response.http_version, "HTTP/2");
        let extra: ResponseExtraInfo = serde_json::from_str(
            r#"{"requestId":"1","headers":{},"headersText":"HTTP/1.0 200 OK\r\nB: 1\r\nA: 2\r\nB: 3\r\n\r\n"}"#,
        )
        .unwrap();
        apply_response_extra(&mut response, &extra);
        assert_eq!(response.http_version, "HTTP/1.0");
        assert_eq!(response.headers_source, HeaderSource::WireText);
        let names: Vec<&str> = response.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["B", "A", "B"]);
        assert_eq!(response.headers[2].1, "3");
    }

    #[test]
    fn protocol_names_map_to_http_versions() {
        assert_eq!(http_version(Some("http/1.1")), "HTTP/1.1");
        assert_eq!(http_version(Some("http/1.0")), "HTTP/1.0");
        assert_eq!(http_version(Some("h2")), "HTTP/2");
        assert_eq!(http_version(Some("h3-29")), "HTTP/3");
        assert_eq!(http_version(None), "HTTP/1.1");
    }
}
