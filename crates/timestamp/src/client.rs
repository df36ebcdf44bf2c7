//! Sending a `TimeStampReq` to a timestamp authority over HTTP(S) (RFC 3161 §3.4).
//!
//! The client knows nothing about where the authority is or which addresses may be
//! reached: the product's network policy belongs to the caller, who can hand in a
//! pre-configured [`reqwest::Client`] ([`TsaClient::with_http_client`]). Every answer is
//! verified before it is returned, so a token that reaches the caller is one it can keep.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::request::{Digest, TimestampRequest, build_request};
use crate::verify::{Expectation, Stamp, TrustAnchors, verify_response};

/// Where and how to ask for timestamps.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The authority's URL (http or https).
    pub url: reqwest::Url,
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
    /// Largest response body accepted. Real replies are a few KiB; the cap keeps a
    /// misbehaving or hostile endpoint from filling memory.
    pub max_response_bytes: usize,
}

impl ClientConfig {
    /// Defaults: 30 s timeout, 256 KiB response cap.
    pub fn new(url: reqwest::Url) -> Self {
        ClientConfig {
            url,
            timeout: Duration::from_secs(30),
            max_response_bytes: 256 * 1024,
        }
    }
}

/// A client for one timestamp authority.
#[derive(Clone, Debug)]
pub struct TsaClient {
    http: reqwest::Client,
    config: ClientConfig,
    anchors: TrustAnchors,
}

/// An HTTP client for talking to a TSA on its own: rustls with the *ring* provider, the
/// platform's certificate verifier, no redirects (an authority answers at its URL; a
/// redirect would bypass the caller's idea of where it is), and `timeout`.
pub fn default_http_client(timeout: Duration) -> Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::Transport(format!("TLS verifier: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Transport(format!("TLS config: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("truyvet-timestamp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Transport(format!("HTTP client: {e}")))
}

impl TsaClient {
    /// A client with [`default_http_client`].
    pub fn new(config: ClientConfig, anchors: TrustAnchors) -> Result<Self> {
        let http = default_http_client(config.timeout)?;
        Ok(Self::with_http_client(http, config, anchors))
    }

    /// A client over a caller-configured HTTP client (network policy, proxy, TLS roots).
    /// `config.timeout` is still applied per request.
    pub fn with_http_client(
        http: reqwest::Client,
        config: ClientConfig,
        anchors: TrustAnchors,
    ) -> Self {
        TsaClient {
            http,
            config,
            anchors,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Request a timestamp for `digest`, verify the answer, and return the token.
    pub async fn stamp(&self, digest: &Digest) -> Result<Stamp> {
        let request = build_request(digest)?;
        let response = self.send(&request).await?;
        let expected = Expectation {
            digest: &request.digest,
            nonce: Some(&request.nonce),
        };
        let (token_der, verified) = verify_response(&response, &expected, &self.anchors)?;
        Ok(Stamp {
            token_der,
            verified,
        })
    }

    /// POST a request and return the raw `TimeStampResp` bytes (not yet verified).
    pub async fn send(&self, request: &TimestampRequest) -> Result<Vec<u8>> {
        let mut response = self
            .http
            .post(self.config.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .header(reqwest::header::ACCEPT, "application/timestamp-reply")
            .timeout(self.config.timeout)
            .body(request.der.clone())
            .send()
            .await
            .map_err(|e| Error::Transport(describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::BadResponse(format!("HTTP status {status}")));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        // RFC 3161 names `application/timestamp-reply`; some authorities send the older
        // `application/timestamp-response`. Anything else (a captive portal's HTML page)
        // is not an answer from the authority.
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if mime != "application/timestamp-reply" && mime != "application/timestamp-response" {
            return Err(Error::BadResponse(format!(
                "content type {content_type:?} is not application/timestamp-reply"
            )));
        }
        let cap = self.config.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Err(Error::BadResponse(format!(
                "response larger than {cap} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Error::Transport(describe(&e)))?
        {
            if body.len() + chunk.len() > cap {
                return Err(Error::BadResponse(format!(
                    "response larger than {cap} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The error with its causes, which `reqwest` keeps in its source chain.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
