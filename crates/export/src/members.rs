//! The bundle's layout: capture WARCs under `archive/`, one page per capture, and the
//! case's own files under `truyvet/` (flat names: py-wacz's validator matches files by
//! their last two path components).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use truyvet_bundle::{Content, DosDateTime, ExtraFile, Page, Source, WaczInput, WarcFile};
use truyvet_core::{Error, Result, VERSION, Workspace};

use crate::gather::CaseData;

fn json_bytes(value: &impl serde::Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn extra(name: impl Into<String>, bytes: Vec<u8>) -> ExtraFile {
    ExtraFile {
        name: name.into(),
        content: Content::Bytes(bytes),
    }
}

/// A blob as bundle content: the file itself in a plain workspace; in an encrypted one
/// its plaintext, decrypted as the bundle writer reads it (a bundle is plaintext, and no
/// decrypted copy is ever written to disk).
fn blob_source(ws: &Workspace, sha256: &str, size: u64) -> Option<Source> {
    if !ws.blobs().is_encrypted() {
        return None;
    }
    let blobs = ws.blobs().clone();
    let sha256 = sha256.to_string();
    Some(Source {
        len: size,
        open: Arc::new(move || {
            blobs
                .open_plain(&sha256)
                .map_err(|e| std::io::Error::other(e.to_string()))
        }),
    })
}

fn blob_content(ws: &Workspace, sha256: &str, size: u64) -> Content {
    match blob_source(ws, sha256, size) {
        Some(source) => Content::Source(source),
        None => Content::File(ws.blobs().path_for(sha256)),
    }
}

/// The extension of an imported file's original name, kept only when it is a short run
/// of ASCII letters and digits (resource names allow `[-a-z0-9._/]` only).
pub fn safe_extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    (!ext.is_empty() && ext.len() <= 10 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(ext)
}

/// A capture artifact's flat name: its SHA-256 and an extension for its media type.
pub fn artifact_name(sha256: &str, media_type: &str) -> String {
    let base = media_type.split(';').next().unwrap_or("").trim();
    match base {
        "image/png" => format!("{sha256}.png"),
        "image/jpeg" => format!("{sha256}.jpg"),
        "multipart/related" => format!("{sha256}.mhtml"),
        "text/html" => format!("{sha256}.html"),
        "application/pdf" => format!("{sha256}.pdf"),
        _ => sha256.to_string(),
    }
}

/// The DOS time of every ZIP member: the seal time (`YYYY-MM-DDTHH:MM:SS…`).
fn zip_time(at: &str) -> Result<DosDateTime> {
    let n = |range: std::ops::Range<usize>| -> Result<u16> {
        at.get(range)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::internal(format!("seal time '{at}' is not RFC 3339")))
    };
    DosDateTime::new(
        n(0..4)?,
        n(5..7)? as u8,
        n(8..10)? as u8,
        n(11..13)? as u8,
        n(14..16)? as u8,
        n(17..19)? as u8,
    )
    .map_err(|e| Error::internal(format!("seal time '{at}': {e}")))
}

pub fn wacz_input(
    ws: &Workspace,
    data: &CaseData,
    pdf: Vec<u8>,
    jsonld: Vec<u8>,
) -> Result<WaczInput> {
    let case = &data.case;
    let mut warcs = Vec::new();
    let mut pages = Vec::new();
    let mut files = vec![
        extra("report.pdf", pdf),
        extra("case-uco.jsonld", jsonld),
        extra("entities.json", json_bytes(&data.entities)?),
        extra("links.json", json_bytes(&data.links)?),
    ];
    let mut written = BTreeSet::new();
    for item in &data.evidence {
        let ev = &item.evidence;
        if let Some(cap) = &item.capture {
            if let Some(warc) = item.artifacts.iter().find(|a| a.role == "warc") {
                warcs.push(WarcFile {
                    name: format!("{}.warc.gz", ev.id),
                    path: ws.blobs().path_for(&warc.sha256),
                    source: blob_source(ws, &warc.sha256, warc.size),
                });
                pages.push(Page {
                    id: ev.id.clone(),
                    url: cap.url.clone(),
                    ts: ev.acquired_at.clone(),
                    title: (!cap.title.is_empty()).then(|| cap.title.clone()),
                });
            }
            // The capture manifest: the bytes the evidence digest and the token cover.
            files.push(ExtraFile {
                name: format!("{}.capture.json", ev.sha256),
                content: blob_content(ws, &ev.sha256, ev.size),
            });
            // The other artifacts the manifest lists (screenshot, MHTML, DOM), so the
            // bundle alone can check the whole manifest and an import restores them.
            for a in item.artifacts.iter().filter(|a| a.role != "warc") {
                if written.insert(a.sha256.clone()) {
                    files.push(ExtraFile {
                        name: artifact_name(&a.sha256, &a.media_type),
                        content: blob_content(ws, &a.sha256, a.size),
                    });
                }
            }
        } else if written.insert(ev.sha256.clone()) {
            let name = match safe_extension(&ev.original_filename) {
                Some(ext) => format!("{}.{ext}", ev.sha256),
                None => ev.sha256.clone(),
            };
            files.push(ExtraFile {
                name,
                content: blob_content(ws, &ev.sha256, ev.size),
            });
        }
        if let Some(token) = &item.token {
            files.push(extra(format!("{}.tsr", ev.id), token.clone()));
        }
    }
    for (fingerprint, key) in &data.keys {
        files.push(extra(format!("key-{fingerprint}.json"), json_bytes(key)?));
    }
    let mut custody = Vec::new();
    for event in &data.custody {
        custody.extend(serde_json::to_vec(event)?);
        custody.push(b'\n');
    }
    files.push(extra("custody.jsonl", custody));
    files.push(extra("seal.json", json_bytes(&data.seal)?));
    let mut leaves = Vec::new();
    for leaf in &data.leaves {
        leaves.extend(serde_json::to_vec(leaf)?);
        leaves.push(b'\n');
    }
    files.push(extra("seal-leaves.jsonl", leaves));
    files.push(extra("addenda.json", json_bytes(&data.addenda)?));
    files.push(extra("case.json", json_bytes(&case_json(data))?));

    Ok(WaczInput {
        warcs,
        pages,
        pages_title: format!("{} — {}", case.code, case.title),
        extra: files,
        title: Some(format!("{} — {}", case.code, case.title)),
        description: Some(format!(
            "TruyVết case bundle of sealed case {} (seal root {})",
            case.code, data.seal.root
        )),
        main_page_url: None,
        main_page_date: None,
        created: data.seal.at.clone(),
        modified: None,
        software: Some(format!("TruyVết {VERSION}")),
        zip_time: zip_time(&data.seal.at)?,
    })
}

fn case_json(data: &CaseData) -> Value {
    let evidence: Vec<Value> = data
        .evidence
        .iter()
        .map(|i| {
            json!({
                "item": i.evidence,
                "web_capture": i.capture,
                "artifacts": i.artifacts,
                "timestamp": i.stamp,
            })
        })
        .collect();
    json!({
        "format": "truyvet.case-bundle.v1",
        "case": data.case,
        "review": data.review,
        "notes": data.notes,
        "evidence": evidence,
        "seal": data.seal,
        "exported_by": format!("TruyVết {VERSION}"),
    })
}
