//! From a URL to what the workspace stores: capture into a WARC of its own, then hand
//! the core a [`WebCaptureInput`] (the WARC as an artifact, the page's title and visible
//! text for search, the capture metadata). Shared by the CLI and the desktop app so
//! both store captures the same way.

use std::path::Path;

use truyvet_core::{ArtifactInput, CaptureMethod, WebCaptureInput};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{CaptureOptions, capture};
use crate::page_text::html_title_and_text;
use crate::policy::NetworkPolicy;
use crate::warc::WarcWriter;

pub const WARC_MEDIA_TYPE: &str = "application/warc";

/// Captures `url` and returns what to store. `scratch` is a folder on the workspace's
/// disk for the WARC while it is written; the file is removed once read back.
pub async fn capture_for_evidence(
    url: &str,
    options: &CaptureOptions,
    policy: &NetworkPolicy,
    scratch: &Path,
) -> Result<WebCaptureInput> {
    let path = scratch.join(format!("capture-{}.warc.gz", uuid::Uuid::new_v4()));
    let mut warc = WarcWriter::create(&path)?;
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
    let finished = warc.finish()?;
    let bytes =
        std::fs::read(&finished.path).map_err(|e| Error::io("reading the finished WARC", &e));
    let _ = std::fs::remove_file(&finished.path);
    let bytes = bytes?;
    if bytes.len() as u64 != finished.size {
        return Err(Error::new(
            ErrorCode::IoError,
            "the WARC changed while it was read back",
        ));
    }

    let is_html = captured
        .content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
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
        object.insert("warc_sha256".into(), finished.sha256.hex().into());
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
    })
}
