//! The registry's HTTP API as typed calls. Every failure is an [`HttpError`]: either the
//! transport (no answer: retry) or the registry's JSON error with its status and code.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use serde::de::DeserializeOwned;
use truyvet_core::{Error, ErrorCode, Result};
use truyvet_wire::api::{
    ConsistencyProof, CreateUpload, ErrorBody, LookupResponse, Problem, Receipt, Stats,
    UPLOAD_OFFSET_HEADER, UploadStatus, WatchlistPage,
};
use truyvet_wire::tree_head::TreeHead;

#[derive(Debug, Clone)]
pub enum HttpError {
    /// No usable answer: refused, reset, cut, timed out, or a body that is not ours.
    Transport(String),
    /// The registry answered with an error.
    Status {
        status: u16,
        code: String,
        message: String,
        offset: Option<u64>,
        problems: Vec<Problem>,
    },
}

impl HttpError {
    /// Worth trying again: no answer, a server error, 408 or 429. Other 4xx are the
    /// client's problem and would fail the same way again.
    pub fn retryable(&self) -> bool {
        match self {
            HttpError::Transport(_) => true,
            HttpError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Transport(_) => None,
            HttpError::Status { status, .. } => Some(*status),
        }
    }

    /// A short code for the outbox: the registry's own, or `registry_unreachable`.
    pub fn code(&self) -> String {
        match self {
            HttpError::Transport(_) => ErrorCode::RegistryUnreachable.as_str().to_string(),
            HttpError::Status { code, .. } => code.clone(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            HttpError::Transport(m) => m.clone(),
            HttpError::Status {
                status,
                code,
                message,
                problems,
                ..
            } => {
                let mut text = format!("{status} {code}: {message}");
                for p in problems.iter().take(5) {
                    text.push_str(&format!("; {}: {}", p.kind, p.detail));
                }
                text
            }
        }
    }

    pub fn into_core(self) -> Error {
        let code = if self.retryable() {
            ErrorCode::RegistryUnreachable
        } else {
            ErrorCode::RegistryRefused
        };
        Error::new(code, self.describe())
    }
}

/// One registry, one device token, one pinned log key.
pub struct RegistryClient {
    base: String,
    token: String,
    key: VerifyingKey,
    http: reqwest::Client,
}

fn build_http(timeout: Duration) -> Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::internal(format!("TLS verifier: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS config: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        // A connection the registry (or a proxy) dropped must not be reused for the
        // next attempt; one request per connection keeps retries independent.
        .pool_max_idle_per_host(0)
        .user_agent(concat!("truyvet-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::internal(format!("HTTP client: {e}")))
}

pub fn parse_key(hex_key: &str) -> Result<VerifyingKey> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut bytes)
        .map_err(|_| Error::invalid("the registry's log key must be 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::invalid("the registry's log key is not an Ed25519 public key"))
}

impl RegistryClient {
    pub fn new(url: &str, token: &str, key_hex: &str, timeout: Duration) -> Result<Self> {
        Ok(RegistryClient {
            base: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            key: parse_key(key_hex)?,
            http: build_http(timeout)?,
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<(T, Option<u64>), HttpError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some((bytes, kind)) = body {
            req = req.header("content-type", kind).body(bytes);
        }
        let res = req
            .send()
            .await
            .map_err(|e| HttpError::Transport(format!("{path}: {e}")))?;
        let status = res.status().as_u16();
        let offset = res
            .headers()
            .get(UPLOAD_OFFSET_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = res
            .bytes()
            .await
            .map_err(|e| HttpError::Transport(format!("{path}: reading the answer: {e}")))?;
        if (200..300).contains(&status) {
            let value = serde_json::from_slice(&bytes).map_err(|e| {
                HttpError::Transport(format!("{path}: an answer that is not the API's: {e}"))
            })?;
            return Ok((value, offset));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(HttpError::Status {
                status,
                code: body.error.code,
                message: body.error.message,
                offset: body.error.offset.or(offset),
                problems: body.error.problems,
            }),
            // Not the registry's JSON (a proxy's page): judged by its status alone.
            Err(_) => Err(HttpError::Status {
                status,
                code: format!("http_{status}"),
                message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                offset,
                problems: Vec::new(),
            }),
        }
    }

    pub async fn tree_head(&self) -> Result<TreeHead, HttpError> {
        Ok(self
            .call(reqwest::Method::GET, "/v1/log/head", None)
            .await?
            .0)
    }

    pub async fn consistency(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, HttpError> {
        let path = format!("/v1/log/consistency?first={first}&second={second}");
        Ok(self.call(reqwest::Method::GET, &path, None).await?.0)
    }

    pub async fn create_upload(&self, size: u64, sha256: &str) -> Result<UploadStatus, HttpError> {
        let body = serde_json::to_vec(&CreateUpload {
            size,
            sha256: sha256.to_string(),
        })
        .map_err(|e| HttpError::Transport(e.to_string()))?;
        Ok(self
            .call(
                reqwest::Method::POST,
                "/v1/uploads",
                Some((body, "application/json")),
            )
            .await?
            .0)
    }

    pub async fn upload_status(&self, id: &str) -> Result<UploadStatus, HttpError> {
        let path = format!("/v1/uploads/{id}");
        Ok(self.call(reqwest::Method::GET, &path, None).await?.0)
    }

    pub async fn put_chunk(
        &self,
        id: &str,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<UploadStatus, HttpError> {
        let path = format!("/v1/uploads/{id}?offset={offset}");
        Ok(self
            .call(
                reqwest::Method::PUT,
                &path,
                Some((bytes, "application/octet-stream")),
            )
            .await?
            .0)
    }

    pub async fn finish(&self, id: &str) -> Result<Receipt, HttpError> {
        let path = format!("/v1/uploads/{id}/finish");
        Ok(self.call(reqwest::Method::POST, &path, None).await?.0)
    }

    pub async fn lookup(&self, value: &str) -> Result<LookupResponse, HttpError> {
        let path = format!("/v1/lookup?value={}", encode_query(value));
        Ok(self.call(reqwest::Method::GET, &path, None).await?.0)
    }

    /// Cases sealed across agencies in `from..=to` (`YYYY-MM-DD`); supervisors and admins.
    pub async fn stats(&self, from: &str, to: &str) -> Result<Stats, HttpError> {
        let path = format!(
            "/v1/stats?from={}&to={}",
            encode_query(from),
            encode_query(to)
        );
        Ok(self.call(reqwest::Method::GET, &path, None).await?.0)
    }

    pub async fn watchlist(&self, cursor: u64) -> Result<WatchlistPage, HttpError> {
        let path = format!("/v1/watchlist?cursor={cursor}");
        Ok(self.call(reqwest::Method::GET, &path, None).await?.0)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            super::encode_query("+84 912&x=ế"),
            "%2B84%20912%26x%3D%E1%BA%BF"
        );
    }
}
