//! WACZ 1.1.1 bundles: writing (deterministic) and reading (hostile input, everything
//! checked). Layout: `archive/*.warc.gz` (the capture WARCs as given, stored; without
//! any, one `warcinfo` record describing the bundle, `warcinfo.rs`),
//! `indexes/index.cdx` (CDXJ built from the records), `pages/pages.jsonl`, the caller's
//! files under `truyvet/`, then `datapackage.json` listing every other file with its
//! SHA-256 and size, and `datapackage-digest.json` with the manifest's SHA-256.

use crate::datapackage::{DataPackage, DataPackageDigest, Resource, WACZ_VERSION, resource_name};
use crate::names::validate_name;
use crate::wacz_error::{WaczError, WaczErrorCode as C, WaczResult};
use crate::warc_copy::add_indexed;
use crate::warc_read::scan_warc_from;
use crate::warcinfo::{INFO_WARC_NAME, info_warc};
use crate::zip_read::Limits;
use crate::zip_write::{DosDateTime, MemberDigest, Method, SAMPLE_LEN, ZipWriter};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;

pub const INDEX_PATH: &str = "indexes/index.cdx";
pub const PAGES_PATH: &str = "pages/pages.jsonl";
pub const MANIFEST_PATH: &str = "datapackage.json";
pub const DIGEST_PATH: &str = "datapackage-digest.json";
pub const EXTRA_PREFIX: &str = "truyvet/";

/// A capture WARC: `name` is its file name inside `archive/` (ends with `.warc.gz`).
#[derive(Debug, Clone)]
pub struct WarcFile {
    pub name: String,
    pub path: PathBuf,
    /// Read from here instead of `path` when set (an encrypted workspace's WARC,
    /// decrypted as it is read).
    pub source: Option<Source>,
}

/// Bytes the caller produces on demand, e.g. decrypted from an encrypted blob store as
/// they are read, with their length known up front. `open` may be called more than
/// once (a member that deflates badly is written again, stored).
#[derive(Clone)]
pub struct Source {
    pub len: u64,
    pub open: Arc<dyn Fn() -> std::io::Result<Box<dyn Read + Send>> + Send + Sync>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({} bytes)", self.len)
    }
}

/// One line of `pages/pages.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub url: String,
    /// ISO 8601 UTC, e.g. `2026-11-28T10:00:00Z`.
    pub ts: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    File(PathBuf),
    Source(Source),
}

/// A file placed at `truyvet/<name>`. Names are flat (no `/`): py-wacz's validator
/// matches files by their last two path components only.
#[derive(Debug, Clone)]
pub struct ExtraFile {
    pub name: String,
    pub content: Content,
}

#[derive(Debug, Clone)]
pub struct WaczInput {
    pub warcs: Vec<WarcFile>,
    pub pages: Vec<Page>,
    pub pages_title: String,
    pub extra: Vec<ExtraFile>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub main_page_url: Option<String>,
    pub main_page_date: Option<String>,
    /// ISO 8601 UTC, given by the caller (e.g. the seal time) so output is repeatable.
    pub created: String,
    pub modified: Option<String>,
    pub software: Option<String>,
    /// The one time stamped on every ZIP member.
    pub zip_time: DosDateTime,
}

#[derive(Debug, Clone)]
pub struct WrittenWacz {
    /// Lower-case hex SHA-256 of `datapackage.json`.
    pub datapackage_sha256: String,
    pub members: Vec<MemberDigest>,
    pub index_lines: usize,
}

#[derive(Serialize)]
struct PagesHeader<'a> {
    format: &'a str,
    id: &'a str,
    title: &'a str,
}

/// Whether `read_wacz` (default limits) would take a member for a zip bomb.
fn beyond_ratio(out: u64, packed: u64) -> bool {
    let limits = Limits::default();
    out > limits.ratio_floor && out / limits.max_ratio.max(1) > packed
}

fn bad_input(msg: impl Into<String>) -> WaczError {
    WaczError::new(C::InvalidInput, msg)
}

/// Writes the WACZ for `input` to `out`. Same input, same bytes: WARCs and extra files
/// are sorted by name, pages keep the caller's order, times are the caller's.
pub fn write_wacz<W: Write + Seek>(out: W, input: &WaczInput) -> WaczResult<(W, WrittenWacz)> {
    let mut warcs: Vec<&WarcFile> = input.warcs.iter().collect();
    warcs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut extra: Vec<&ExtraFile> = input.extra.iter().collect();
    extra.sort_by(|a, b| a.name.cmp(&b.name));
    for w in &warcs {
        if w.name.contains('/') || !w.name.ends_with(".warc.gz") {
            return Err(bad_input(format!(
                "WARC name {:?} must be a plain *.warc.gz name",
                w.name
            )));
        }
        validate_name(format!("archive/{}", w.name).as_bytes())?;
    }
    for e in &extra {
        if e.name.contains('/') {
            return Err(bad_input(format!(
                "extra file {:?}: names under truyvet/ are flat",
                e.name
            )));
        }
        validate_name(format!("{EXTRA_PREFIX}{}", e.name).as_bytes())?;
    }

    let mut pages = serde_json::to_string(&PagesHeader {
        format: "json-pages-1.0",
        id: "pages",
        title: &input.pages_title,
    })
    .expect("strings serialize");
    pages.push('\n');
    for p in &input.pages {
        if p.url.is_empty() || p.ts.is_empty() {
            return Err(bad_input("every page needs a url and a ts"));
        }
        pages.push_str(&serde_json::to_string(p).expect("strings serialize"));
        pages.push('\n');
    }

    let mut zip = ZipWriter::new(out, input.zip_time)?;
    let mut written: Vec<MemberDigest> = Vec::new();
    let mut lines = Vec::new();
    for w in &warcs {
        written.push(add_indexed(&mut zip, w, &mut lines)?);
    }
    // A WACZ needs a WARC: without web captures, one describing the bundle.
    if warcs.is_empty() {
        let bytes = info_warc(input);
        scan_warc_from(&bytes[..], INFO_WARC_NAME, |_| Ok(()))?;
        let name = format!("archive/{INFO_WARC_NAME}");
        written.push(zip.add_bytes(&name, Method::Stored, &bytes)?.clone());
    }
    lines.sort_unstable();
    let mut index = lines.join("\n");
    if !index.is_empty() {
        index.push('\n');
    }
    written.push(
        zip.add_bytes(INDEX_PATH, Method::Deflated, index.as_bytes())?
            .clone(),
    );
    written.push(
        zip.add_bytes(PAGES_PATH, Method::Deflated, pages.as_bytes())?
            .clone(),
    );
    for e in &extra {
        let name = format!("{EXTRA_PREFIX}{}", e.name);
        let open = |p: &PathBuf| File::open(p).map_err(|err| WaczError::io(&name, err));
        let mut d = match &e.content {
            Content::Bytes(b) => zip
                .add_bytes(&name, Method::for_content(&name, b), b)?
                .clone(),
            Content::File(_) | Content::Source(_) => {
                let (mut f, len): (Box<dyn Read + Send>, u64) = match &e.content {
                    Content::Source(s) => {
                        ((s.open)().map_err(|err| WaczError::io(&name, err))?, s.len)
                    }
                    Content::File(p) => {
                        let f = open(p)?;
                        let len = f.metadata().map_err(|err| WaczError::io(&name, err))?.len();
                        (Box::new(f), len)
                    }
                    Content::Bytes(_) => unreachable!("matched above"),
                };
                // The first MiB decides the method, then goes in first.
                let mut sample = Vec::with_capacity(SAMPLE_LEN.min(len as usize));
                (&mut f)
                    .take(SAMPLE_LEN as u64)
                    .read_to_end(&mut sample)
                    .map_err(|err| WaczError::io(&name, err))?;
                let method = Method::for_content(&name, &sample);
                zip.add(&name, method, len, &mut (&sample[..]).chain(f))?
                    .clone()
            }
        };
        // Deflated beyond the reader's bomb guard (a large file of one repeated byte):
        // stored instead, or our own verifier would refuse our own bundle.
        if zip
            .last_sizes()
            .is_some_and(|(out, packed)| beyond_ratio(out, packed))
        {
            d = match &e.content {
                Content::Bytes(b) => zip.restore_last_stored(&mut &b[..])?.clone(),
                Content::File(p) => zip.restore_last_stored(&mut open(p)?)?.clone(),
                Content::Source(s) => zip
                    .restore_last_stored(&mut (s.open)().map_err(|err| WaczError::io(&name, err))?)?
                    .clone(),
            };
        }
        written.push(d);
    }

    let mut taken = HashSet::new();
    let package = DataPackage {
        profile: "data-package".into(),
        resources: written
            .iter()
            .map(|d| Resource {
                name: resource_name(&d.name, &mut taken),
                path: d.name.clone(),
                hash: format!("sha256:{}", d.sha256),
                bytes: d.size,
            })
            .collect(),
        title: input.title.clone(),
        description: input.description.clone(),
        main_page_url: input.main_page_url.clone(),
        main_page_date: input.main_page_date.clone(),
        created: input.created.clone(),
        modified: input.modified.clone(),
        wacz_version: WACZ_VERSION.into(),
        software: input.software.clone(),
    };
    let mut manifest = serde_json::to_vec_pretty(&package).expect("strings serialize");
    manifest.push(b'\n');
    let manifest_sha = zip
        .add_bytes(MANIFEST_PATH, Method::Deflated, &manifest)?
        .sha256
        .clone();
    let mut digest = serde_json::to_vec_pretty(&DataPackageDigest {
        path: MANIFEST_PATH.into(),
        hash: format!("sha256:{manifest_sha}"),
    })
    .expect("strings serialize");
    digest.push(b'\n');
    zip.add_bytes(DIGEST_PATH, Method::Deflated, &digest)?;
    let (out, members) = zip.finish()?;
    Ok((
        out,
        WrittenWacz {
            datapackage_sha256: manifest_sha,
            members,
            index_lines: lines.len(),
        },
    ))
}
