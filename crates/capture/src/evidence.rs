//! From a URL to what the workspace stores: capture into a WARC of its own, then hand
//! the core a [`WebCaptureInput`] (the WARC as an artifact, the page's title and visible
//! text for search, the capture metadata). Shared by the CLI and the desktop app so
//! both store captures the same way.

use truyvet_core::{ArtifactInput, CaptureMethod, WebCaptureInput};

use crate::error::Result;
use crate::http::{CaptureOptions, capture};
use crate::page_text::html_title_and_text;
use crate::policy::NetworkPolicy;
use crate::warc::WarcWriter;

pub const WARC_MEDIA_TYPE: &str = "application/warc";

/// Captures `url` and returns what to store.
pub async fn capture_for_evidence(
    url: &str,
    options: &CaptureOptions,
    policy: &NetworkPolicy,
) -> Result<WebCaptureInput> {
    // The WARC is built in memory (it is bounded by the response-size limit) and made
    // durable once, by the blob store.
    let mut warc = WarcWriter::in_memory(url);
    let operator = options.investigator.clone().unwrap_or_default();
    let device = options.device.clone().unwrap_or_default();
    warc.write_warcinfo(&[
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
        ("operator", &operator),
        ("hostname", &device),
        ("description", "TruyVết web evidence capture"),
    ])?;
    let captured = capture(url, options, policy, &mut warc).await?;
    let (bytes, warc_sha256) = warc.finish_in_memory()?;

    let is_html = captured
        .content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    let identifiers = crate::identify::page_identifiers(
        captured.text.as_deref().filter(|_| is_html),
        captured.text.as_deref(),
        &captured.final_url,
        None,
    );
    let (title, text) = match &captured.text {
        Some(t) if is_html => {
            let (title, text) = html_title_and_text(t);
            (title, Some(text))
        }
        Some(t) => (String::new(), Some(t.clone())),
        None => (String::new(), None),
    };
    let mut metadata = captured.metadata.clone();
    if let Some(object) = metadata.as_object_mut() {
        object.insert("tls_unverified".into(), captured.tls_unverified.into());
        object.insert("warc_sha256".into(), warc_sha256.hex().into());
    }
    Ok(WebCaptureInput {
        method: CaptureMethod::Http,
        url: captured.requested_url.clone(),
        final_url: captured.final_url.clone(),
        title,
        http_status: Some(captured.status),
        server_ip: Some(captured.server_addr.ip().to_string()),
        partial_reason: captured
            .partial
            .as_ref()
            .map(|p| format!("{}: {}", p.code.as_str(), p.message)),
        metadata,
        text,
        artifacts: vec![ArtifactInput {
            role: "warc".into(),
            media_type: WARC_MEDIA_TYPE.into(),
            bytes,
        }],
        note: None,
        identifiers,
    })
}
