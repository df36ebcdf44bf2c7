//! Web captures as evidence. A capture is several artifacts (the WARC of the HTTP
//! exchanges, a screenshot, MHTML, the rendered DOM, the page text), each a blob; the
//! evidence item's digest is that of a **manifest** blob listing them, so one SHA-256 —
//! the one that is timestamped — commits to every byte of the capture. Blobs are made
//! durable first; the rows, the search index entry, the pending timestamp and the
//! custody event then commit in one transaction. Several captures of one case can be
//! stored together ([`Workspace::add_web_captures`]): one round of fsyncs and one
//! commit for the lot, which is what lets a batch capture keep up with the network.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::blob::BlobStore;
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
    /// Identifiers the extractor found in the page; they become suggestions of the case
    /// in the same transaction as the capture (see `entities::record_capture_identifiers`).
    pub identifiers: Vec<crate::entities::IdentifierHit>,
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
        let mut items = self.add_web_captures(code, std::slice::from_ref(input))?;
        Ok(items.remove(0))
    }

    /// Stores several captures of one case together, in order: all of them or none.
    /// Their blobs are made durable in one go ([`crate::blob::BlobStore::put_all`]) and
    /// their rows commit in one transaction, each capture with its own custody event,
    /// so a batch pays the fsyncs once instead of once per capture. Nothing is
    /// committed (and nothing should be reported stored) before this returns.
    pub fn add_web_captures(
        &mut self,
        code: &str,
        inputs: &[WebCaptureInput],
    ) -> Result<Vec<EvidenceItem>> {
        let stager = self.capture_stager(code)?;
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let staged = stager.stage(inputs)?;
        self.commit_staged(inputs, staged)
    }

    /// What [`CaptureStager::stage`] needs to store captures of case `code` away from
    /// the workspace (on another thread, while earlier captures commit). Fails like
    /// `add_web_captures` would: no profile, unknown or closed case, database locked.
    pub fn capture_stager(&mut self, code: &str) -> Result<CaptureStager> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        self.write(|_| Ok(()))?; // fail before copying bytes if another writer holds the lock
        Ok(CaptureStager {
            blobs: self.blobs.clone(),
            case_id: case.id,
            case_code: case.code,
            captured_by: profile.display_name,
            device: self.device().to_string(),
        })
    }

    /// Commits captures staged by [`CaptureStager::stage`] from the same `inputs`, in
    /// one transaction: the rows, search text, timestamp queue entries and custody
    /// events. Their blobs are already durable; once this returns, so are the rows.
    pub fn commit_staged(
        &mut self,
        inputs: &[WebCaptureInput],
        staged: StagedCaptures,
    ) -> Result<Vec<EvidenceItem>> {
        let paired =
            staged.items.len() == inputs.len()
                && staged.items.iter().zip(inputs).all(|((item, _), input)| {
                    item.source_path.as_deref() == Some(&input.final_url)
                });
        if !paired {
            return Err(Error::internal(
                "staged captures committed with other inputs",
            ));
        }
        // The case may have been closed since the captures were staged.
        let case = self.case_by_code(&staged.case_code)?;
        ensure_editable(&case)?;
        if case.id != staged.case_id {
            return Err(Error::internal("staged captures belong to another case"));
        }
        let StagedCaptures { items, folded, .. } = staged;
        let excluded = self.exclusion_set()?;
        self.write(|conn| {
            for ((input, (item, artifacts)), folded) in inputs.iter().zip(&items).zip(&folded) {
                insert_capture(conn, input, item, artifacts, folded.as_ref())?;
                crate::entities::record_capture_identifiers(
                    conn,
                    &item.case_id,
                    &item.acquired_by,
                    &item.id,
                    &input.identifiers,
                    &excluded,
                )?;
            }
            Ok(())
        })?;
        Ok(items.into_iter().map(|(item, _)| item).collect())
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

/// Makes captures of one case durable as blobs, with their manifests and their text
/// folded for search, without the workspace's database: `Send`, so a batch can stage
/// the next pages while [`Workspace::commit_staged`] commits earlier ones.
#[derive(Debug, Clone)]
pub struct CaptureStager {
    blobs: BlobStore,
    case_id: String,
    case_code: String,
    captured_by: String,
    device: String,
}

/// Captures whose blobs are durable and whose rows are not written yet; hand them to
/// [`Workspace::commit_staged`] with the same inputs. Dropped uncommitted, they leave
/// only unreferenced blobs (harmless, reported as orphans).
#[derive(Debug)]
pub struct StagedCaptures {
    case_id: String,
    case_code: String,
    items: Vec<(EvidenceItem, Vec<ArtifactRef>)>,
    folded: Vec<Option<FoldedText>>,
}

impl CaptureStager {
    /// Writes every artifact and a manifest per capture as blobs, durable when it
    /// returns, and folds the page texts for the index meanwhile.
    pub fn stage(&self, inputs: &[WebCaptureInput]) -> Result<StagedCaptures> {
        for input in inputs {
            validate(input)?;
        }
        // The manifests name their artifacts by digest, so they can be written with
        // the artifacts; each blob hashes the bytes it writes all the same.
        let mut prepared = Vec::with_capacity(inputs.len());
        for input in inputs {
            let mut artifacts: Vec<ArtifactRef> = input
                .artifacts
                .iter()
                .map(|a| ArtifactRef {
                    role: a.role.clone(),
                    sha256: hex::encode(Sha256::digest(&a.bytes)),
                    size: a.bytes.len() as u64,
                    media_type: a.media_type.clone(),
                })
                .collect();
            artifacts.sort_by(|a, b| a.role.cmp(&b.role));
            let id = uuid::Uuid::now_v7().to_string();
            let acquired_at = time_fmt::now_utc();
            let manifest = json!({
                "format": MANIFEST_FORMAT,
                "evidence_id": id,
                "case_id": self.case_id,
                "method": input.method,
                "url": input.url,
                "final_url": input.final_url,
                "title": input.title,
                "http_status": input.http_status,
                "server_ip": input.server_ip,
                "partial_reason": input.partial_reason,
                "captured_at": acquired_at,
                "captured_by": self.captured_by,
                "device": self.device,
                "artifacts": artifacts,
                "metadata": input.metadata,
            });
            prepared.push((id, acquired_at, artifacts, serde_json::to_vec(&manifest)?));
        }
        let mut bytes: Vec<&[u8]> = Vec::new();
        for (input, (.., manifest)) in inputs.iter().zip(&prepared) {
            bytes.extend(input.artifacts.iter().map(|a| a.bytes.as_slice()));
            bytes.push(manifest);
        }
        // Folding the page text for the index is the costliest step here; it runs while
        // another thread makes the blobs durable.
        let blobs = &self.blobs;
        let (stored, folded) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| blobs.put_all(&bytes));
            let folded: Vec<Option<FoldedText>> = inputs.iter().map(fold_for_index).collect();
            let stored = writer
                .join()
                .unwrap_or_else(|_| Err(Error::internal("the blob writer thread panicked")));
            (stored, folded)
        });
        let mut stored = stored?.into_iter();

        let mut items = Vec::with_capacity(inputs.len());
        for (input, (id, acquired_at, artifacts, _)) in inputs.iter().zip(prepared) {
            for _ in &input.artifacts {
                let blob = stored.next().expect("one stored blob per buffer");
                // The manifest must name exactly what was stored.
                if !artifacts.iter().any(|a| a.sha256 == blob.sha256) {
                    return Err(Error::internal(
                        "a stored artifact differs from its manifest entry",
                    ));
                }
            }
            let manifest = stored.next().expect("one stored blob per buffer");
            let item = EvidenceItem {
                id,
                case_id: self.case_id.clone(),
                kind: EvidenceKind::WebCapture,
                sha256: manifest.sha256,
                size: manifest.size,
                original_filename: display_name(input),
                original_filename_hex: None,
                media_type: MANIFEST_MEDIA_TYPE.to_string(),
                acquired_at,
                acquired_by: self.captured_by.clone(),
                device: self.device.clone(),
                source_path: Some(input.final_url.clone()),
                note: input
                    .note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            };
            items.push((item, artifacts));
        }
        Ok(StagedCaptures {
            case_id: self.case_id.clone(),
            case_code: self.case_code.clone(),
            items,
            folded,
        })
    }
}

/// The rows of one capture whose blobs are durable: evidence, artifacts, capture facts,
/// search text, timestamp queue entry and custody event (inside the caller's
/// transaction).
fn insert_capture(
    conn: &Connection,
    input: &WebCaptureInput,
    item: &EvidenceItem,
    artifacts: &[ArtifactRef],
    folded: Option<&FoldedText>,
) -> Result<()> {
    insert(conn, item)?;
    for a in artifacts {
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
    if let (Some(text), Some(folded)) = (&input.text, folded) {
        index_text(conn, item, text, folded)?;
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

/// The indexed part of a page's text: its first [`MAX_INDEXED_CHARS`] characters.
fn indexed_part(text: &str) -> &str {
    if text.len() <= MAX_INDEXED_CHARS {
        return text; // no more characters than bytes
    }
    text.char_indices()
        .nth(MAX_INDEXED_CHARS)
        .map_or(text, |(at, _)| &text[..at])
}

/// Title and text as the search index holds them: folded like the queries.
#[derive(Debug)]
struct FoldedText {
    title: String,
    body: String,
}

fn fold_for_index(input: &WebCaptureInput) -> Option<FoldedText> {
    let text = input.text.as_deref()?;
    Some(FoldedText {
        title: index_fold::fold(&input.title),
        body: index_fold::fold(indexed_part(text)),
    })
}

fn index_text(
    conn: &Connection,
    item: &EvidenceItem,
    text: &str,
    folded: &FoldedText,
) -> Result<()> {
    conn.execute(
        "INSERT INTO capture_text (evidence_id, case_id, title, body, original) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![item.id, item.case_id, folded.title, folded.body, indexed_part(text)],
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

/// The diacritic folding of [`crate::fold::fold`], computed faster for page text: a
/// table built once maps each character below U+2200 (Latin with every precomposed
/// Vietnamese letter, Greek, Cyrillic, punctuation, ₫) to its folded form, and only
/// other characters go through lowercasing and decomposition. The result is exactly
/// `fold`'s (a test compares them), which the queries are folded with.
mod index_fold {
    use std::sync::OnceLock;

    /// Characters below this have a table entry.
    const TABLE_END: u32 = 0x2200;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Entry {
        /// Folds to nothing (a combining mark).
        Skip,
        Space,
        Char(char),
        /// Folds to several characters: fold this character on its own.
        Other,
        /// Lowercases by context (Σ): fold the whole text the slow way.
        Context,
    }

    fn table() -> &'static [Entry] {
        static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
        TABLE.get_or_init(|| {
            (0..TABLE_END)
                .map(|code| match char::from_u32(code) {
                    None => Entry::Other,
                    Some('Σ') => Entry::Context,
                    Some(c) if c.is_whitespace() => Entry::Space,
                    Some(c) => {
                        let folded = crate::fold::fold(c.encode_utf8(&mut [0; 4]));
                        let mut chars = folded.chars();
                        match (chars.next(), chars.next()) {
                            (None, _) => Entry::Skip,
                            (Some(one), None) if !one.is_whitespace() => Entry::Char(one),
                            _ => Entry::Other,
                        }
                    }
                })
                .collect()
        })
    }

    pub(super) fn fold(text: &str) -> String {
        let table = table();
        let mut out = String::with_capacity(text.len());
        let mut pending_space = false;
        for c in text.chars() {
            let entry = table.get(c as usize).copied().unwrap_or(Entry::Other);
            let folded = match entry {
                Entry::Skip => continue,
                Entry::Space => {
                    pending_space = !out.is_empty();
                    continue;
                }
                Entry::Context => return crate::fold::fold(text),
                Entry::Char(f) => Folded::Char(f),
                Entry::Other if c.is_whitespace() => {
                    pending_space = !out.is_empty();
                    continue;
                }
                Entry::Other => {
                    let f = crate::fold::fold(c.encode_utf8(&mut [0; 4]));
                    if f.is_empty() {
                        continue;
                    }
                    Folded::Str(f)
                }
            };
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            match folded {
                Folded::Char(f) => out.push(f),
                Folded::Str(f) => out.push_str(&f),
            }
        }
        out
    }

    enum Folded {
        Char(char),
        Str(String),
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        #[test]
        fn equals_fold_for_every_tabled_character_and_around_spaces() {
            for code in 0..super::TABLE_END + 0x400 {
                let Some(c) = char::from_u32(code) else {
                    continue;
                };
                for text in [
                    format!("{c}"),
                    format!(" {c} x"),
                    format!("A{c}\u{301}  b"),
                    format!("\u{300} {c}"),
                ] {
                    assert_eq!(super::fold(&text), crate::fold::fold(&text), "{text:?}");
                }
            }
        }

        #[test]
        fn vietnamese_and_context_lowercasing() {
            let text = "  Đồng hồ GIẢ – giá 1.200.000₫ …ΣΑΣ  ";
            assert_eq!(super::fold(text), crate::fold::fold(text));
            assert_eq!(super::fold("Hàng giả ĐỎ"), "hang gia do");
        }

        proptest! {
            #[test]
            fn equals_fold_on_any_text(text in "\\PC{0,80}") {
                prop_assert_eq!(super::fold(&text), crate::fold::fold(&text));
            }

            #[test]
            fn equals_fold_on_vietnamese_like_text(
                text in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐÀÁ \t\n\u{a0}\u{300}-\u{323}–₫]{0,120}"
            ) {
                prop_assert_eq!(super::fold(&text), crate::fold::fold(&text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewCase, ProfileInput, Role};

    fn workspace() -> (tempfile::TempDir, Workspace, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
        ws.save_profile(&ProfileInput {
            display_name: "Đặng Thu Trang".into(),
            agency: "QLTT".into(),
            unit: String::new(),
            province: "HCM".into(),
            role: Role::Investigator,
        })
        .unwrap();
        let code = ws
            .create_case(&NewCase {
                title: "Lô tin đăng".into(),
                ..NewCase::default()
            })
            .unwrap()
            .code;
        (dir, ws, code)
    }

    fn page(n: usize) -> WebCaptureInput {
        WebCaptureInput {
            method: CaptureMethod::Http,
            url: format!("http://shop.test/tin/{n}"),
            final_url: format!("http://shop.test/tin/{n}"),
            title: format!("Tin đăng {n}"),
            http_status: Some(200),
            server_ip: Some("203.0.113.7".into()),
            partial_reason: None,
            metadata: json!({ "n": n }),
            text: Some(format!("Đồng hồ giả số {n}, liên hệ Zalo")),
            artifacts: vec![ArtifactInput {
                role: "warc".into(),
                media_type: "application/warc".into(),
                bytes: format!("WARC bytes of page {n}").into_bytes(),
            }],
            note: None,
            identifiers: Vec::new(),
        }
    }

    #[test]
    fn a_group_is_stored_in_order_with_one_event_per_capture() {
        let (_dir, mut ws, code) = workspace();
        let pages: Vec<_> = (0..5).map(page).collect();
        let items = ws.add_web_captures(&code, &pages).unwrap();
        assert_eq!(items.len(), 5);
        for (item, input) in items.iter().zip(&pages) {
            assert_eq!(item.source_path.as_deref(), Some(input.final_url.as_str()));
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(ws.blobs.path_for(&item.sha256)).unwrap())
                    .unwrap();
            assert_eq!(manifest["evidence_id"], item.id.as_str());
            let artifacts = ws.artifacts_of(&item.id).unwrap();
            assert_eq!(artifacts.len(), 1);
            assert_eq!(
                manifest["artifacts"][0]["sha256"],
                artifacts[0].sha256.as_str()
            );
            assert_eq!(
                std::fs::read(ws.blobs.path_for(&artifacts[0].sha256)).unwrap(),
                input.artifacts[0].bytes
            );
        }
        let logged: Vec<String> = ws
            .custody_log(&code)
            .unwrap()
            .iter()
            .filter(|e| e.kind == kind::CAPTURE_ADDED)
            .map(|e| e.payload["url"].as_str().unwrap().to_string())
            .collect();
        let urls: Vec<String> = pages.iter().map(|p| p.url.clone()).collect();
        assert_eq!(logged, urls);
        assert_eq!(ws.search("dong ho gia so 3", None, 10).unwrap().len(), 1);
        assert!(ws.verify().unwrap().ok);
    }

    #[test]
    fn one_bad_capture_stores_none_of_its_group() {
        let (_dir, mut ws, code) = workspace();
        let mut pages: Vec<_> = (0..3).map(page).collect();
        pages[1].artifacts.clear();
        let blobs_before = ws.blobs.list().unwrap();
        let err = ws.add_web_captures(&code, &pages).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::InvalidInput);
        assert_eq!(ws.blobs.list().unwrap(), blobs_before, "no blob written");
        assert!(ws.search("dong ho", None, 10).unwrap().is_empty());
        assert!(ws.add_web_captures(&code, &[]).unwrap().is_empty());
    }

    #[test]
    fn snippet_keeps_diacritics_around_the_match() {
        let text = "Shop bán nhiều mặt hàng. Đồng hồ giả Rolex giá rẻ, liên hệ Zalo.";
        let s = snippet(text, &["dong".to_string(), "ho".to_string()]);
        assert!(s.contains("Đồng hồ giả Rolex"), "{s}");
    }
}
