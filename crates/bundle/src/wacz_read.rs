//! Reading a WACZ from elsewhere. After the ZIP layer's checks (`extract_tapped`),
//! in this order, each failure with its own code:
//!
//! 1. `datapackage-digest.json` names `datapackage.json` and its SHA-256 matches;
//! 2. `datapackage.json` parses as a WACZ 1.1.1 data package;
//! 3. every file in the archive is listed, every listed file exists, with its size and
//!    SHA-256 (so one flipped bit anywhere is caught here at the latest);
//! 4. `pages/pages.jsonl` parses;
//! 5. every WARC is read whole: one record per gzip member, block and payload digests
//!    recomputed (while it is extracted, `warc_tap.rs`; the result waits its turn);
//! 6. every line of `indexes/index.cdx` parses, the lines are sorted, and each points at
//!    the start of a record of that length, URL, date and digest.
//!
//! On any refusal the staging folder is removed again.

use crate::cdxj::CdxjLine;
use crate::datapackage::{DataPackage, DataPackageDigest, WACZ_VERSION, hex_of};
use crate::wacz::{DIGEST_PATH, INDEX_PATH, MANIFEST_PATH, PAGES_PATH, Page};
use crate::wacz_error::{WaczError, WaczErrorCode as C, WaczResult};
use crate::warc_read::parse_sha256;
use crate::warc_tap::{RecordKey, Scans, WarcScan, scan, sha, warc_tap};
use crate::zip_read::{ExtractedEntry, Limits, extract_tapped};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// A WACZ whose every check passed, extracted in `staging`.
#[derive(Debug, Clone)]
pub struct VerifiedWacz {
    pub staging: PathBuf,
    pub manifest: DataPackage,
    /// Lower-case hex SHA-256 of `datapackage.json`.
    pub datapackage_sha256: String,
    pub entries: Vec<ExtractedEntry>,
    pub pages: Vec<Page>,
    pub records: usize,
    pub index_lines: usize,
    /// WARC digests in algorithms other than SHA-256, which are not recomputed.
    pub unverified_digests: u64,
}

/// Longest line accepted in `index.cdx` and `pages.jsonl`.
const MAX_LINE: usize = 1 << 20;
/// Largest `datapackage.json` or digest file read.
const MAX_JSON: u64 = 64 << 20;

/// The next line (without its `\n`), or `None` at the end; longer lines are refused.
fn capped_line(r: &mut impl BufRead, what: &str, code: C) -> WaczResult<Option<String>> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| WaczError::io(&format!("reading {what}"), e))?;
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_LINE {
        return Err(err(
            code,
            format!("{what}: a line longer than {MAX_LINE} bytes"),
        ));
    }
    if buf.ends_with(b"\n") {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| err(code, format!("{what}: a line is not UTF-8")))
}

fn err(code: C, msg: impl Into<String>) -> WaczError {
    WaczError::new(code, msg)
}

/// Extracts `path` into `staging` (which must not exist) and verifies it.
pub fn read_wacz(path: &Path, staging: &Path) -> WaczResult<VerifiedWacz> {
    let scans = Scans::default();
    let counted = Arc::new(AtomicUsize::new(0));
    let mut tap = warc_tap(&scans, &counted);
    let entries = extract_tapped(path, staging, &Limits::default(), &mut tap)?;
    let scans = std::mem::take(&mut *scans.borrow_mut());
    let result = verify(staging, entries, scans, &counted);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(staging);
    }
    result
}

fn verify(
    staging: &Path,
    entries: Vec<ExtractedEntry>,
    mut scans: BTreeMap<String, WaczResult<WarcScan>>,
    counted: &AtomicUsize,
) -> WaczResult<VerifiedWacz> {
    let files: HashMap<&str, &ExtractedEntry> = entries
        .iter()
        .filter(|e| !e.name.ends_with('/'))
        .map(|e| (e.name.as_str(), e))
        .collect();
    let manifest_entry = files
        .get(MANIFEST_PATH)
        .ok_or_else(|| err(C::ManifestMissing, "no datapackage.json"))?;
    let digest_entry = files
        .get(DIGEST_PATH)
        .ok_or_else(|| err(C::DigestMissing, "no datapackage-digest.json"))?;

    let digest: DataPackageDigest = read_json(&digest_entry.path)
        .map_err(|m| err(C::DigestInvalid, format!("datapackage-digest.json: {m}")))?;
    let claimed = hex_of(&digest.hash)
        .filter(|_| digest.path == MANIFEST_PATH)
        .ok_or_else(|| {
            err(
                C::DigestInvalid,
                "datapackage-digest.json must give datapackage.json's sha256:<hex>",
            )
        })?;
    if claimed != manifest_entry.sha256 {
        return Err(err(
            C::DigestMismatch,
            "datapackage.json differs from the hash in datapackage-digest.json",
        ));
    }

    let manifest: DataPackage = read_json(&manifest_entry.path)
        .map_err(|m| err(C::ManifestInvalid, format!("datapackage.json: {m}")))?;
    if manifest.profile != "data-package" || manifest.wacz_version != WACZ_VERSION {
        return Err(err(
            C::ManifestInvalid,
            format!("not a WACZ {WACZ_VERSION} data package"),
        ));
    }
    let mut listed = HashSet::new();
    for r in &manifest.resources {
        if !listed.insert(r.path.as_str()) || r.path == MANIFEST_PATH || r.path == DIGEST_PATH {
            return Err(err(
                C::ManifestInvalid,
                format!("resource {:?} listed twice or lists the manifest", r.path),
            ));
        }
        let hex = hex_of(&r.hash).ok_or_else(|| {
            err(
                C::ManifestInvalid,
                format!("resource {:?}: hash is not sha256:<hex>", r.path),
            )
        })?;
        let e = files.get(r.path.as_str()).ok_or_else(|| {
            err(
                C::ResourceMissing,
                format!("{} is listed but not in the archive", r.path),
            )
        })?;
        if e.size != r.bytes {
            return Err(err(
                C::ResourceSizeMismatch,
                format!("{}: {} bytes, manifest says {}", r.path, e.size, r.bytes),
            ));
        }
        if e.sha256 != hex {
            return Err(err(
                C::ResourceHashMismatch,
                format!("{}: SHA-256 differs from the manifest", r.path),
            ));
        }
    }
    let mut unlisted: Vec<&str> = files
        .keys()
        .copied()
        .filter(|n| *n != MANIFEST_PATH && *n != DIGEST_PATH && !listed.contains(n))
        .collect();
    unlisted.sort_unstable();
    if let Some(n) = unlisted.first() {
        return Err(err(
            C::ResourceUnlisted,
            format!("{n} is in the archive but not in the manifest"),
        ));
    }

    let pages = match files.get(PAGES_PATH) {
        Some(e) => read_pages(&e.path)?,
        None => return Err(err(C::PagesInvalid, "no pages/pages.jsonl")),
    };

    let mut warcs: BTreeMap<String, HashMap<u64, RecordKey>> = BTreeMap::new();
    let mut records = 0;
    let mut unverified = 0u64;
    for r in &manifest.resources {
        let Some(name) = r.path.strip_prefix("archive/") else {
            continue;
        };
        if !name.ends_with(".warc.gz") {
            return Err(err(
                C::WarcInvalid,
                format!("{}: only gzip-member WARC files are read", r.path),
            ));
        }
        // Parsed while it was extracted (`warc_tap.rs`); a WARC in a sub-folder of
        // `archive/` was not, and is read from the staging folder.
        let scanned = match scans.remove(r.path.as_str()) {
            Some(s) => s?,
            None => {
                let f = File::open(&files[r.path.as_str()].path)
                    .map_err(|e| WaczError::io(&format!("opening {}", r.path), e))?;
                scan(BufReader::new(f), name, counted)?
            }
        };
        records += scanned.records;
        unverified += scanned.unverified;
        warcs.insert(name.to_string(), scanned.keys);
    }

    let index = files
        .get(INDEX_PATH)
        .ok_or_else(|| err(C::IndexMissing, "no indexes/index.cdx"))?;
    let index_lines = check_index(&index.path, &warcs)?;

    Ok(VerifiedWacz {
        staging: staging.to_path_buf(),
        manifest,
        datapackage_sha256: manifest_entry.sha256.clone(),
        entries: entries.clone(),
        pages,
        records,
        index_lines,
        unverified_digests: unverified,
    })
}

/// Small JSON files only: the size is checked before reading.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_JSON {
        return Err(format!("larger than {MAX_JSON} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn read_pages(path: &Path) -> WaczResult<Vec<Page>> {
    let f = File::open(path).map_err(|e| WaczError::io("opening pages.jsonl", e))?;
    let mut pages = Vec::new();
    let mut header = false;
    let mut r = BufReader::new(f);
    let mut i = 0;
    while let Some(line) = capped_line(&mut r, "pages.jsonl", C::PagesInvalid)? {
        i += 1;
        let bad = |m: &str| err(C::PagesInvalid, format!("pages.jsonl line {i}: {m}"));
        let v: serde_json::Value = serde_json::from_str(&line).map_err(|_| bad("not JSON"))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        if i == 1 {
            if s("format").as_deref() != Some("json-pages-1.0") {
                return Err(bad("header is not json-pages-1.0"));
            }
            header = true;
            continue;
        }
        let (Some(url), Some(ts)) = (s("url"), s("ts")) else {
            return Err(bad("a page needs url and ts"));
        };
        pages.push(Page {
            id: s("id").unwrap_or_default(),
            url,
            ts,
            title: s("title"),
        });
    }
    if !header {
        return Err(err(C::PagesInvalid, "pages.jsonl has no header line"));
    }
    Ok(pages)
}

fn check_index(
    path: &Path,
    warcs: &BTreeMap<String, HashMap<u64, RecordKey>>,
) -> WaczResult<usize> {
    let f = File::open(path).map_err(|e| WaczError::io("opening index.cdx", e))?;
    let mut r = BufReader::new(f);
    let mut prev = String::new();
    let mut n = 0;
    while let Some(line) = capped_line(&mut r, "index.cdx", C::IndexInvalid)? {
        n += 1;
        let invalid = |m: &str| err(C::IndexInvalid, format!("index.cdx line {n}: {m}"));
        let l = CdxjLine::parse(&line).ok_or_else(|| invalid("not a CDXJ line"))?;
        if line < prev {
            return Err(invalid("lines not sorted"));
        }
        let mismatch = |m: &str| err(C::IndexMismatch, format!("index.cdx line {n}: {m}"));
        let rec = warcs
            .get(&l.fields.filename)
            .and_then(|recs| {
                l.fields
                    .offset
                    .parse::<u64>()
                    .ok()
                    .and_then(|o| recs.get(&o))
            })
            .ok_or_else(|| mismatch("no record starts at this file and offset"))?;
        if l.fields.length != rec.length.to_string() {
            return Err(mismatch("length differs from the record's"));
        }
        if rec.uri != Some(sha(&l.fields.url)) || l.timestamp != rec.timestamp {
            return Err(mismatch("URL or date differs from the record's"));
        }
        if let (Some(d), Some(actual)) = (
            l.fields.digest.as_deref().and_then(parse_sha256),
            rec.payload,
        ) && d != actual
        {
            return Err(mismatch("digest differs from the record's payload"));
        }
        prev = line;
    }
    Ok(n)
}
