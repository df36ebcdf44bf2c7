//! The hostile-input reader. A bundle from another agency may be crafted to escape the
//! folder it is opened in, exhaust memory or disk, or hide one file behind another, so
//! everything is checked before a byte is written, and again while inflating, without
//! trusting any header:
//!
//! 1. the central directory is parsed (streaming, entry count capped first, names capped
//!    at 1 KiB, so memory stays small whatever the input);
//! 2. every entry is checked: name rules (`names.rs`), duplicates (exact, case-folded,
//!    Unicode-normalized, file-versus-folder), symlinks and special files, encryption,
//!    method, declared sizes against the caps and the ratio;
//! 3. every local header is read and must agree with the central directory, and no two
//!    entries' bytes may overlap;
//! 4. only then entries are extracted, each inflated in 128 KiB chunks that never yield
//!    more than the declared size, the ratio or the total cap; CRC-32 checked, SHA-256
//!    computed in the same pass (`pump.rs`).
//!
//! Extraction goes only into a staging folder this function creates; on any rejection it
//! is removed again, so a refused bundle leaves nothing behind.

use crate::error::{Result, ZipError, ZipErrorCode};
use crate::names::NameSet;
use crate::pump::pump;
use crate::zip_dir::{Entry, check_locals, corrupt, find_end, read_central};
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What the reader accepts. The defaults suit case bundles.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: u64,
    /// Cap on the sum of all entries' uncompressed bytes.
    pub max_total_size: u64,
    /// Largest uncompressed-to-compressed ratio of one entry.
    pub max_ratio: u64,
    /// Entries that inflate to at most this many bytes are exempt from the ratio (a
    /// small, very repetitive JSON file is not a bomb).
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_total_size: 64 << 30,
            max_ratio: 100,
            ratio_floor: 64 << 10,
        }
    }
}

/// One extracted member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedEntry {
    /// The name as in the archive (`/`-separated; folders end with `/`).
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    /// Lower-case hex SHA-256 of the extracted bytes (empty for folders).
    pub sha256: String,
}
const CHUNK: usize = 128 * 1024;

/// Extracts `archive` into `staging`, which must not exist yet (its parent must). On
/// success returns every entry in central-directory order; on failure `staging` is gone.
pub fn extract_to_staging(
    archive: &Path,
    staging: &Path,
    limits: &Limits,
) -> Result<Vec<ExtractedEntry>> {
    extract_tapped(archive, staging, limits, &mut |_| None)
}

/// What sees an entry's bytes while they are extracted, so a caller can parse a member
/// without reading it again: `chunk` for every piece in order, `finish` after the last
/// (also when extraction stops early).
pub(crate) trait EntryTap {
    fn chunk(&mut self, bytes: &[u8]);
    fn finish(self: Box<Self>);
}

/// `extract_to_staging`, with `tap` asked for each file entry (by name) whether it
/// wants that entry's bytes.
pub(crate) fn extract_tapped(
    archive: &Path,
    staging: &Path,
    limits: &Limits,
    tap: &mut dyn FnMut(&str) -> Option<Box<dyn EntryTap>>,
) -> Result<Vec<ExtractedEntry>> {
    let mut file = File::open(archive).map_err(|e| ZipError::io("opening archive", e))?;
    fs::create_dir(staging).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ZipError::new(
                ZipErrorCode::StagingExists,
                format!("staging folder {} already exists", staging.display()),
            )
        } else {
            ZipError::io("creating staging folder", e)
        }
    })?;
    let result = check_and_extract(&mut file, staging, limits, tap);
    if result.is_err() {
        let _ = fs::remove_dir_all(staging);
    }
    result
}

fn check_and_extract(
    file: &mut File,
    staging: &Path,
    limits: &Limits,
    tap: &mut dyn FnMut(&str) -> Option<Box<dyn EntryTap>>,
) -> Result<Vec<ExtractedEntry>> {
    let len = file
        .metadata()
        .map_err(|e| ZipError::io("reading archive size", e))?
        .len();
    let (count, cd_start, cd_size, cd_limit) = find_end(file, len)?;
    if count > limits.max_entries {
        return Err(ZipError::new(
            ZipErrorCode::TooManyEntries,
            format!("{count} entries, more than {}", limits.max_entries),
        ));
    }
    let mut entries = read_central(file, count, cd_start, cd_size, cd_limit)?;
    check_entries(&entries, limits)?;
    check_locals(file, &mut entries, cd_start)?;
    extract(file, &entries, staging, limits, tap)
}

fn check_entries(entries: &[Entry], limits: &Limits) -> Result<()> {
    let mut names = NameSet::default();
    let mut total = 0u64;
    for e in entries {
        names.insert(&e.name)?;
        match e.method {
            0 if e.csize != e.usize => {
                return Err(ZipError::new(
                    ZipErrorCode::SizeMismatch,
                    format!("{}: stored entry with different sizes", e.name),
                ));
            }
            0 | 8 => {}
            m => {
                return Err(ZipError::new(
                    ZipErrorCode::Unsupported,
                    format!("{}: compression method {m}", e.name),
                ));
            }
        }
        if e.is_dir && e.usize != 0 {
            return Err(corrupt(format!("{}: folder entry with content", e.name)));
        }
        check_ratio(&e.name, e.usize, e.csize, limits)?;
        total = total.saturating_add(e.usize);
        check_total(total, limits)?;
    }
    Ok(())
}

fn check_ratio(name: &str, out: u64, csize: u64, limits: &Limits) -> Result<()> {
    if out > limits.ratio_floor && out / limits.max_ratio.max(1) > csize {
        return Err(ZipError::new(
            ZipErrorCode::RatioExceeded,
            format!(
                "{name}: {out} bytes from {csize} compressed, beyond {}:1",
                limits.max_ratio
            ),
        ));
    }
    Ok(())
}

fn check_total(total: u64, limits: &Limits) -> Result<()> {
    if total > limits.max_total_size {
        return Err(ZipError::new(
            ZipErrorCode::SizeExceeded,
            format!("more than {} bytes uncompressed", limits.max_total_size),
        ));
    }
    Ok(())
}

fn extract(
    file: &mut File,
    entries: &[Entry],
    staging: &Path,
    limits: &Limits,
    tap: &mut dyn FnMut(&str) -> Option<Box<dyn EntryTap>>,
) -> Result<Vec<ExtractedEntry>> {
    let mut out = Vec::with_capacity(entries.len());
    let mut total = 0u64;
    for e in entries {
        // Names were checked: plain components only, so the join stays inside.
        let path = staging.join(e.name.trim_end_matches('/'));
        if e.is_dir {
            fs::create_dir_all(&path).map_err(|err| ZipError::io("creating folder", err))?;
            out.push(ExtractedEntry {
                name: e.name.clone(),
                path,
                size: 0,
                sha256: String::new(),
            });
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|err| ZipError::io("creating folder", err))?;
        }
        let mut dest = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| ZipError::io("creating file", err))?;
        file.seek(SeekFrom::Start(e.data_start))
            .map_err(|err| ZipError::io("seeking entry", err))?;
        let raw = BufReader::with_capacity(CHUNK, (&mut *file).take(e.csize));
        let mut src = if e.method == 8 {
            Source::Inflate(flate2::bufread::DeflateDecoder::new(raw))
        } else {
            Source::Stored(raw)
        };
        let deflate_err =
            |why: String| ZipError::new(ZipErrorCode::DeflateInvalid, format!("{}: {why}", e.name));
        let read_err = |err: std::io::Error| match err.kind() {
            std::io::ErrorKind::UnexpectedEof => deflate_err("deflate data ends early".into()),
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                deflate_err(format!("bad deflate data: {err}"))
            }
            _ => ZipError::io("reading entry", err),
        };
        let mut n = 0u64;
        let mut tapped = tap(&e.name);
        // One thread: extraction is bound by the kernel's work of copying into the
        // staging folder, not by SHA-256; a hashing thread made it no faster
        // (bench/README.md, benchmark 8).
        let pumped = pump(
            &mut src,
            false,
            |chunk| {
                n += chunk.len() as u64;
                total += chunk.len() as u64;
                // Counted on the bytes really produced: a header that lies is caught
                // here, after at most one chunk more than it announced.
                if n > e.usize {
                    return Err(ZipError::new(
                        ZipErrorCode::SizeMismatch,
                        format!("{}: inflates past its declared {} bytes", e.name, e.usize),
                    ));
                }
                check_ratio(&e.name, n, e.csize, limits)?;
                check_total(total, limits)?;
                if let Some(t) = tapped.as_mut() {
                    t.chunk(chunk);
                }
                dest.write_all(chunk)
                    .map_err(|err| ZipError::io("writing file", err))
            },
            read_err,
        );
        if let Some(t) = tapped {
            t.finish();
        }
        let pumped = pumped?;
        if n != e.usize {
            return Err(ZipError::new(
                ZipErrorCode::SizeMismatch,
                format!("{}: {n} bytes, header says {}", e.name, e.usize),
            ));
        }
        if let Source::Inflate(d) = &src
            && d.total_in() != e.csize
        {
            return Err(deflate_err("deflate stream shorter than its entry".into()));
        }
        if pumped.crc != e.crc {
            return Err(ZipError::new(
                ZipErrorCode::CrcMismatch,
                format!("{}: CRC-32 differs from its header", e.name),
            ));
        }
        out.push(ExtractedEntry {
            name: e.name.clone(),
            path,
            size: n,
            sha256: hex::encode(pumped.sha256),
        });
    }
    Ok(out)
}

type Raw<'a> = BufReader<std::io::Take<&'a mut File>>;

enum Source<'a> {
    Stored(Raw<'a>),
    Inflate(flate2::bufread::DeflateDecoder<Raw<'a>>),
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Stored(r) => r.read(buf),
            Source::Inflate(r) => r.read(buf),
        }
    }
}
