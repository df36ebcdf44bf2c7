//! Web captures as evidence. A capture is several artifacts (the WARC of the HTTP
//! exchanges, a screenshot, MHTML, the rendered DOM, the page text), each a blob; the
//! evidence item's digest is that of a **manifest** blob listing them, so one SHA-256 —
//! the one that is timestamped — commits to every byte of the capture. Blobs are made
//! durable first; the rows, the search index entry, the pending timestamp and the
//! custody event then commit in one transaction.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cases::ensure_editable;
use crate::custody::{self, kind};
use crate::error::{Error, Result};
use crate::evidence::insert;
use crate::fold::fold;
use crate::model::{EvidenceItem, EvidenceKind};
use crate::time_fmt;
use crate::workspace::Workspace;

pub const MANIFEST_FORMAT: &str = "truyvet.capture.v1";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.truyvet.capture+json";
/// How much page text is indexed per capture.
const MAX_INDEXED_CHARS: usize = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMethod {
    Http,
    Browser,
}

impl CaptureMethod {
    fn as_str(self) -> &'static str {
        match self {
            CaptureMethod::Http => "http",
            CaptureMethod::Browser => "browser",
        }
    }
}

/// One artifact of a capture, already in memory.
#[derive(Debug, Clone)]
pub struct ArtifactInput {
    /// `warc`, `screenshot`, `mhtml`, `dom`, `text`, `body`… unique within a capture.
    pub role: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Everything a capture produced, as handed over by the capture code.
#[derive(Debug, Clone)]
pub struct WebCaptureInput {
    pub method: CaptureMethod,
    pub url: String,
    pub final_url: String,
    pub title: String,
    pub http_status: Option<u16>,
    pub server_ip: Option<String>,
    /// Why the capture is incomplete (size limit, timeout…); `None` when complete.
    pub partial_reason: Option<String>,
    /// Times, TLS protocol, certificate chain, tool version… (a JSON object).
    pub metadata: serde_json::Value,
    /// The page's visible text, for full-text search.
    pub text: Option<String>,
    pub artifacts: Vec<ArtifactInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub role: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
}

/// The stored facts of a web capture, as `web_capture_of` reads them back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebCaptureInfo {
    pub method: String,
    pub url: String,
    pub final_url: String,
    pub title: String,
    pub http_status: Option<u16>,
    pub server_ip: Option<String>,
    pub partial_reason: Option<String>,
    pub metadata: serde_json::Value,
}

/// A search hit in captured pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub case_code: String,
    pub evidence_id: String,
    pub url: String,
    pub title: String,
    /// A window of the original text around the first match, diacritics intact.
    pub snippet: String,
}

impl Workspace {
    pub fn add_web_capture(&mut self, code: &str, input: &WebCaptureInput) -> Result<EvidenceItem> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        validate(input)?;
        self.write(|_| Ok(()))?; // fail before copying bytes if another writer holds the lock

        let mut artifacts = Vec::with_capacity(input.artifacts.len());
        for a in &input.artifacts {
            let stored = self.blobs.put_bytes(&a.bytes)?;
            artifacts.push(ArtifactRef {
                role: a.role.clone(),
                sha256: stored.sha256,
                size: stored.size,
                media_type: a.media_type.clone(),
            });
        }
        artifacts.sort_by(|a, b| a.role.cmp(&b.role));
        let id = uuid::Uuid::now_v7().to_string();
        let acquired_at = time_fmt::now_utc();
        let manifest = json!({
            "format": MANIFEST_FORMAT,
            "evidence_id": id,
            "case_id": case.id,
            "method": input.method,
            "url": input.url,
            "final_url": input.final_url,
            "title": input.title,
            "http_status": input.http_status,
            "server_ip": input.server_ip,
            "partial_reason": input.partial_reason,
            "captured_at": acquired_at,
            "captured_by": profile.display_name,
            "device": self.device(),
            "artifacts": artifacts,
            "metadata": input.metadata,
        });
        let manifest_bytes = serde_json::to_vec(&manifest)?;
        let stored = self.blobs.put_bytes(&manifest_bytes)?;
        let item = EvidenceItem {
            id,
            case_id: case.id.clone(),
            kind: EvidenceKind::WebCapture,
            sha256: stored.sha256,
            size: stored.size,
            original_filename: display_name(input),
            original_filename_hex: None,
            media_type: MANIFEST_MEDIA_TYPE.to_string(),
            acquired_at,
            acquired_by: profile.display_name.clone(),
            device: self.device().to_string(),
            source_path: Some(input.final_url.clone()),
            note: input
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        };
        self.write(|conn| {
            insert(conn, &item)?;
            for a in &artifacts {
                conn.execute(
                    "INSERT INTO evidence_artifacts (evidence_id, role, sha256, size, media_type)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![item.id, a.role, a.sha256, a.size, a.media_type],
                )?;
            }
            conn.execute(
                "INSERT INTO web_captures (evidence_id, method, url, final_url, title, http_status,
                   server_ip, partial_reason, metadata)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    item.id,
                    input.method.as_str(),
                    input.url,
                    input.final_url,
                    input.title,
                    input.http_status,
                    input.server_ip,
                    input.partial_reason,
                    serde_json::to_string(&input.metadata)?,
                ],
            )?;
            if let Some(text) = &input.text {
                index_text(conn, &item, &input.title, text)?;
            }
            crate::timestamps::enqueue(conn, &item.id, &item.sha256)?;
            custody::append(
                conn,
                &item.case_id,
                &item.acquired_by,
                kind::CAPTURE_ADDED,
                &json!({
                    "evidence_id": item.id,
                    "kind": item.kind,
                    "sha256": item.sha256,
                    "size": item.size,
                    "method": input.method,
                    "url": input.url,
                    "final_url": input.final_url,
                    "http_status": input.http_status,
                    "server_ip": input.server_ip,
                    "partial_reason": input.partial_reason,
                    "artifacts": artifacts,
                    "acquired_at": item.acquired_at,
                    "device": item.device,
                    "note": item.note,
                }),
            )?;
            Workspace::touch(conn, &item.case_id)
        })?;
        Ok(item)
    }

    /// The artifacts of an evidence item (empty for plain files).
    pub fn artifacts_of(&self, evidence_id: &str) -> Result<Vec<ArtifactRef>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT role, sha256, size, media_type FROM evidence_artifacts
             WHERE evidence_id = ?1 ORDER BY role",
        )?;
        let rows = stmt.query_map([evidence_id], |r| {
            Ok(ArtifactRef {
                role: r.get(0)?,
                sha256: r.get(1)?,
                size: r.get(2)?,
                media_type: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What was recorded about a web capture (`None` for plain files).
    pub fn web_capture_of(&self, evidence_id: &str) -> Result<Option<WebCaptureInfo>> {
        use rusqlite::OptionalExtension;
        let row = self
            .conn
            .query_row(
                "SELECT method, url, final_url, title, http_status, server_ip, partial_reason, metadata
                 FROM web_captures WHERE evidence_id = ?1",
                [evidence_id],
                |r| {
                    Ok((
                        WebCaptureInfo {
                            method: r.get(0)?,
                            url: r.get(1)?,
                            final_url: r.get(2)?,
                            title: r.get(3)?,
                            http_status: r.get(4)?,
                            server_ip: r.get(5)?,
                            partial_reason: r.get(6)?,
                            metadata: serde_json::Value::Null,
                        },
                        r.get::<_, String>(7)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(mut info, metadata)| {
            info.metadata = serde_json::from_str(&metadata)?;
            Ok(info)
        })
        .transpose()
    }

    /// Full-text search over captured pages, diacritics ignored and đ read as d; every
    /// word must appear. `case` limits it to one case.
    pub fn search(&self, query: &str, case: Option<&str>, limit: usize) -> Result<Vec<SearchHit>> {
        let words: Vec<String> = fold(query)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if words.is_empty() {
            return Err(Error::invalid("the search is empty"));
        }
        // Each word is a quoted FTS5 string: the user's text is never FTS syntax.
        let fts_query = words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        let case_id = match case {
            Some(code) => Some(self.case_by_code(code)?.id),
            None => None,
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.code, t.evidence_id, w.url, w.title, t.original
             FROM capture_text t
             JOIN cases c ON c.id = t.case_id
             JOIN web_captures w ON w.evidence_id = t.evidence_id
             WHERE capture_text MATCH ?1 AND (?2 IS NULL OR t.case_id = ?2)
             ORDER BY rank LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![fts_query, case_id, limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut hits = Vec::new();
        for row in rows {
            let (case_code, evidence_id, url, title, original) = row?;
            hits.push(SearchHit {
                case_code,
                evidence_id,
                url,
                title,
                snippet: snippet(&original, &words),
            });
        }
        Ok(hits)
    }
}

fn validate(input: &WebCaptureInput) -> Result<()> {
    if input.url.trim().is_empty() || input.final_url.trim().is_empty() {
        return Err(Error::invalid("a capture needs its URL and final URL"));
    }
    if input.artifacts.is_empty() {
        return Err(Error::invalid("a capture needs at least one artifact"));
    }
    let mut roles = BTreeMap::new();
    for a in &input.artifacts {
        let role_ok = !a.role.is_empty()
            && a.role.len() <= 32
            && a.role
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !role_ok {
            return Err(Error::invalid(format!(
                "artifact role '{}' is not a lowercase name",
                a.role
            )));
        }
        if roles.insert(a.role.as_str(), ()).is_some() {
            return Err(Error::invalid(format!(
                "artifact role '{}' appears twice",
                a.role
            )));
        }
    }
    if !input.metadata.is_object() {
        return Err(Error::invalid("capture metadata must be a JSON object"));
    }
    Ok(())
}

fn display_name(input: &WebCaptureInput) -> String {
    let title = input.title.trim();
    if title.is_empty() {
        input.final_url.clone()
    } else {
        title.chars().take(300).collect()
    }
}

fn index_text(conn: &Connection, item: &EvidenceItem, title: &str, text: &str) -> Result<()> {
    let text: String = text.chars().take(MAX_INDEXED_CHARS).collect();
    conn.execute(
        "INSERT INTO capture_text (evidence_id, case_id, title, body, original) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![item.id, item.case_id, fold(title), fold(&text), text],
    )?;
    Ok(())
}

/// About 160 characters of `original` around the first place where the first query word
/// appears once folded; falls back to the start of the text.
fn snippet(original: &str, words: &[String]) -> String {
    const WINDOW: usize = 160;
    // Fold char by char, remembering where each folded byte came from.
    let mut folded = String::new();
    let mut origin = Vec::new();
    for (at, c) in original.char_indices() {
        let piece = fold(&c.to_string());
        let piece = if piece.is_empty() && c.is_whitespace() {
            " ".to_string()
        } else {
            piece
        };
        for _ in 0..piece.len() {
            origin.push(at);
        }
        folded.push_str(&piece);
    }
    let start = words
        .first()
        .and_then(|w| folded.find(w.as_str()))
        .map_or(0, |pos| origin[pos]);
    let begin = original[..start]
        .char_indices()
        .rev()
        .nth(WINDOW / 3)
        .map_or(0, |(i, _)| i);
    let text: String = original[begin..].chars().take(WINDOW).collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    if begin > 0 {
        out.push('…');
    }
    out.push_str(&text);
    if original[begin..].chars().count() > WINDOW {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippet_keeps_diacritics_around_the_match() {
        let text = "Shop bán nhiều mặt hàng. Đồng hồ giả Rolex giá rẻ, liên hệ Zalo.";
        let s = snippet(text, &["dong".to_string(), "ho".to_string()]);
        assert!(s.contains("Đồng hồ giả Rolex"), "{s}");
    }
}
