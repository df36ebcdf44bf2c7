//! The deterministic ZIP writer. The output depends only on the names, bytes, methods
//! and the one timestamp given: fixed DOS time, fixed unix permissions (0644 files, 0755
//! folders), "made by unix" so those permissions are read back the same everywhere, the
//! UTF-8 flag always set, no extra fields but ZIP64 ones, and those only when a size or
//! offset requires them (decided from the member's length, not from timing). Deflate runs
//! at one fixed level through the `flate2` version pinned in `Cargo.lock`.
//!
//! Members are streamed from readers through a 64 KiB buffer, so memory stays flat for
//! multi-GiB members; the output must be seekable because the CRC and sizes are patched
//! into each local header after its data (no data descriptors, which some tools handle
//! differently).

use crate::error::{Result, ZipError, ZipErrorCode};
use crate::names::{NameSet, validate_name};
use crate::pump::{PARALLEL_MIN, pump};
use std::io::{self, Read, Seek, SeekFrom, Write};

pub(crate) const LOCAL_SIG: u32 = 0x0403_4b50;
pub(crate) const CENTRAL_SIG: u32 = 0x0201_4b50;
pub(crate) const EOCD_SIG: u32 = 0x0605_4b50;
pub(crate) const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
pub(crate) const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
pub(crate) const ZIP64_EXTRA_ID: u16 = 0x0001;
pub(crate) const FLAG_UTF8: u16 = 1 << 11;
const DEFLATE_LEVEL: u32 = 6;
const VERSION_MADE_BY_UNIX: u16 = (3 << 8) | 45;
const MODE_FILE: u32 = 0o100_644;
const MODE_DIR: u32 = 0o040_755;
/// How much of a member `Method::for_content` tries to compress.
pub const SAMPLE_LEN: usize = 1 << 20;

/// A DOS date and time as stored in ZIP headers (two-second resolution, local time
/// without zone: callers pass UTC, e.g. the seal time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DosDateTime {
    pub date: u16,
    pub time: u16,
}

impl DosDateTime {
    /// 1980-01-01 00:00:00, the earliest DOS time.
    pub const EPOCH: DosDateTime = DosDateTime {
        date: (1 << 5) | 1,
        time: 0,
    };

    /// Odd seconds round down, as DOS time cannot hold them.
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Result<Self> {
        let ok = (1980..=2107).contains(&year)
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        if !ok {
            return Err(ZipError::new(
                ZipErrorCode::InvalidInput,
                "date and time outside what DOS time can hold",
            ));
        }
        Ok(DosDateTime {
            date: ((year - 1980) << 9) | (u16::from(month) << 5) | u16::from(day),
            time: (u16::from(hour) << 11) | (u16::from(minute) << 5) | u16::from(second / 2),
        })
    }
}

/// How a member's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

impl Method {
    /// Stored for members whose name says they are compressed already (deflating them
    /// again wastes time for nothing), deflated for the rest.
    pub fn for_name(name: &str) -> Method {
        let lower = name.to_ascii_lowercase();
        const PACKED: [&str; 30] = [
            ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".zip", ".wacz", ".jar", ".docx",
            ".xlsx", ".pptx", ".odt", ".ods", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".heic",
            ".avif", ".woff2", ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".mp3", ".m4a",
        ];
        if PACKED.iter().any(|ext| lower.ends_with(ext)) {
            Method::Stored
        } else {
            Method::Deflated
        }
    }

    /// `for_name`, and stored as well when the member's first bytes (`sample`, up to
    /// `SAMPLE_LEN` of them) do not shrink by a tenth under fast deflate: media and
    /// encrypted or random data whose name says nothing. Deflate runs at about 30 MB/s,
    /// so packing a large file like that would cost far more than the bytes it saves.
    /// Deterministic: the answer depends only on the name and the sample's bytes.
    pub fn for_content(name: &str, sample: &[u8]) -> Method {
        if Method::for_name(name) == Method::Stored {
            return Method::Stored;
        }
        let sample = &sample[..sample.len().min(SAMPLE_LEN)];
        if sample.len() < 4096 {
            return Method::Deflated;
        }
        let mut enc = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(sample.len()),
            flate2::Compression::fast(),
        );
        let packed = enc
            .write_all(sample)
            .and_then(|()| enc.finish())
            .map_or(sample.len(), |v| v.len());
        if packed * 10 > sample.len() * 9 {
            Method::Stored
        } else {
            Method::Deflated
        }
    }

    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }
}

/// What the writer computed for one member while writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDigest {
    pub name: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the member's uncompressed bytes.
    pub sha256: String,
}

struct Central {
    name: String,
    method: Method,
    crc: u32,
    csize: u64,
    usize: u64,
    offset: u64,
    is_dir: bool,
}

/// Writes members in the order they are added; callers sort.
pub struct ZipWriter<W: Write + Seek> {
    out: W,
    pos: u64,
    when: DosDateTime,
    names: NameSet,
    entries: Vec<Central>,
    digests: Vec<MemberDigest>,
}

/// Sizes at or above this need ZIP64 fields.
const U32_MAX: u64 = 0xFFFF_FFFF;

/// Whether a member of `len` bytes gets a ZIP64 local header. Deflate can grow data a
/// little (5 bytes per stored block of at most 65,535 bytes), so the margin covers it.
fn needs_zip64_local(len: u64) -> bool {
    len.saturating_add(len / 8192).saturating_add(1024) >= U32_MAX
}

impl<W: Write + Seek> ZipWriter<W> {
    /// Offsets are absolute in `out`, starting where it stands now.
    pub fn new(mut out: W, when: DosDateTime) -> Result<Self> {
        let pos = out
            .stream_position()
            .map_err(|e| ZipError::io("output position", e))?;
        Ok(ZipWriter {
            out,
            pos,
            when,
            names: NameSet::default(),
            entries: Vec::new(),
            digests: Vec::new(),
        })
    }

    /// Adds a folder entry (`name` ends with `/`).
    pub fn add_dir(&mut self, name: &str) -> Result<()> {
        if !name.ends_with('/') {
            return Err(ZipError::new(
                ZipErrorCode::InvalidInput,
                format!("folder name {name:?} must end with '/'"),
            ));
        }
        self.check_name(name)?;
        let offset = self.pos;
        self.write_local(name, Method::Stored, false)?;
        self.entries.push(Central {
            name: name.to_string(),
            method: Method::Stored,
            crc: 0,
            csize: 0,
            usize: 0,
            offset,
            is_dir: true,
        });
        Ok(())
    }

    /// Streams `len` bytes from `data` into a member. `len` decides the header layout
    /// before any byte is written, so the reader must yield exactly that many bytes.
    pub fn add(
        &mut self,
        name: &str,
        method: Method,
        len: u64,
        data: &mut dyn Read,
    ) -> Result<&MemberDigest> {
        if name.ends_with('/') {
            return Err(ZipError::new(
                ZipErrorCode::InvalidInput,
                format!("file name {name:?} ends with '/'"),
            ));
        }
        self.check_name(name)?;
        self.write_member(name, method, len, data)
    }

    /// The uncompressed and compressed sizes of the member added last.
    pub fn last_sizes(&self) -> Option<(u64, u64)> {
        self.entries.last().map(|e| (e.usize, e.csize))
    }

    /// Writes the member added last again, stored this time, from `data` (its same
    /// bytes): for a member that deflated so well that a reader's zip-bomb guard would
    /// refuse it. Only when stored is at least as long as what it replaces, so every old
    /// byte is written over (the output is never truncated).
    pub fn restore_last_stored(&mut self, data: &mut dyn Read) -> Result<&MemberDigest> {
        match self.entries.last() {
            Some(e) if !e.is_dir && e.usize >= e.csize => {}
            _ => {
                return Err(ZipError::new(
                    ZipErrorCode::InvalidInput,
                    "no deflated file member to write again stored",
                ));
            }
        }
        let last = self.entries.pop().expect("checked above");
        self.digests.pop();
        self.out
            .seek(SeekFrom::Start(last.offset))
            .map_err(|e| ZipError::io("seeking archive", e))?;
        self.pos = last.offset;
        self.write_member(&last.name, Method::Stored, last.usize, data)
    }

    fn write_member(
        &mut self,
        name: &str,
        method: Method,
        len: u64,
        data: &mut dyn Read,
    ) -> Result<&MemberDigest> {
        let offset = self.pos;
        let zip64 = needs_zip64_local(len);
        let header_len = self.write_local(name, method, zip64)?;
        let data_start = offset + header_len;

        let mut counted = Counting {
            inner: &mut self.out,
            n: 0,
        };
        let parallel = len >= PARALLEL_MIN;
        let read_err = |e| ZipError::io(&format!("reading {name}"), e);
        let written = |e| ZipError::io("writing archive", e);
        let pumped = match method {
            Method::Stored => pump(
                data,
                parallel,
                |chunk| counted.write_all(chunk).map_err(written),
                read_err,
            )?,
            Method::Deflated => {
                let mut enc = flate2::write::DeflateEncoder::new(
                    &mut counted,
                    flate2::Compression::new(DEFLATE_LEVEL),
                );
                let p = pump(
                    data,
                    parallel,
                    |chunk| enc.write_all(chunk).map_err(written),
                    read_err,
                )?;
                enc.finish().map_err(written)?;
                p
            }
        };
        let usize = pumped.len;
        let csize = counted.n;
        if usize != len {
            return Err(ZipError::new(
                ZipErrorCode::InvalidInput,
                format!("{name}: announced {len} bytes, read {usize}"),
            ));
        }
        if !zip64 && csize >= U32_MAX {
            return Err(ZipError::new(
                ZipErrorCode::InvalidInput,
                format!("{name}: compressed size beyond the ZIP64 margin"),
            ));
        }
        let crc = pumped.crc;
        let data_end = data_start + csize;
        self.patch_local(offset, name, zip64, crc, csize, usize)?;
        self.out
            .seek(SeekFrom::Start(data_end))
            .map_err(|e| ZipError::io("seeking archive", e))?;
        self.pos = data_end;
        self.entries.push(Central {
            name: name.to_string(),
            method,
            crc,
            csize,
            usize,
            offset,
            is_dir: false,
        });
        self.digests.push(MemberDigest {
            name: name.to_string(),
            size: usize,
            sha256: hex::encode(pumped.sha256),
        });
        Ok(self.digests.last().expect("just pushed"))
    }

    /// Adds a member from a byte slice.
    pub fn add_bytes(&mut self, name: &str, method: Method, bytes: &[u8]) -> Result<&MemberDigest> {
        self.add(name, method, bytes.len() as u64, &mut &bytes[..])
    }

    /// Writes the central directory and end records; returns the output and the
    /// digests of the file members in the order written.
    pub fn finish(mut self) -> Result<(W, Vec<MemberDigest>)> {
        let cd_start = self.pos;
        let mut cd = Vec::new();
        for e in &self.entries {
            central_record(&mut cd, e, self.when);
        }
        let cd_size = cd.len() as u64;
        let count = self.entries.len() as u64;
        let cd_end = cd_start + cd_size;
        let zip64 = count >= 0xFFFF || cd_start >= U32_MAX || cd_size >= U32_MAX;
        if zip64 {
            // ZIP64 end record, then its locator.
            put32(&mut cd, ZIP64_EOCD_SIG);
            put64(&mut cd, 44);
            put16(&mut cd, VERSION_MADE_BY_UNIX);
            put16(&mut cd, 45);
            put32(&mut cd, 0);
            put32(&mut cd, 0);
            put64(&mut cd, count);
            put64(&mut cd, count);
            put64(&mut cd, cd_size);
            put64(&mut cd, cd_start);
            put32(&mut cd, ZIP64_LOCATOR_SIG);
            put32(&mut cd, 0);
            put64(&mut cd, cd_end);
            put32(&mut cd, 1);
        }
        put32(&mut cd, EOCD_SIG);
        put16(&mut cd, 0);
        put16(&mut cd, 0);
        let count16 = if count >= 0xFFFF {
            0xFFFF
        } else {
            count as u16
        };
        put16(&mut cd, count16);
        put16(&mut cd, count16);
        put32(&mut cd, cd_size.min(U32_MAX) as u32);
        put32(&mut cd, cd_start.min(U32_MAX) as u32);
        put16(&mut cd, 0);
        self.out
            .write_all(&cd)
            .and_then(|()| self.out.flush())
            .map_err(|e| ZipError::io("writing archive", e))?;
        Ok((self.out, self.digests))
    }

    fn check_name(&mut self, name: &str) -> Result<()> {
        validate_name(name.as_bytes())?;
        self.names.insert(name).map_err(|e| ZipError {
            code: ZipErrorCode::InvalidInput,
            ..e
        })
    }

    /// Writes a local header with zero CRC and sizes; returns its length.
    fn write_local(&mut self, name: &str, method: Method, zip64: bool) -> Result<u64> {
        let mut h = Vec::with_capacity(30 + name.len() + 20);
        put32(&mut h, LOCAL_SIG);
        put16(&mut h, if zip64 { 45 } else { 20 });
        put16(&mut h, FLAG_UTF8);
        put16(&mut h, method.code());
        put16(&mut h, self.when.time);
        put16(&mut h, self.when.date);
        put32(&mut h, 0);
        let marker = if zip64 { 0xFFFF_FFFF } else { 0 };
        put32(&mut h, marker);
        put32(&mut h, marker);
        put16(&mut h, name.len() as u16);
        put16(&mut h, if zip64 { 20 } else { 0 });
        h.extend_from_slice(name.as_bytes());
        if zip64 {
            put16(&mut h, ZIP64_EXTRA_ID);
            put16(&mut h, 16);
            put64(&mut h, 0);
            put64(&mut h, 0);
        }
        self.out
            .write_all(&h)
            .map_err(|e| ZipError::io("writing archive", e))?;
        self.pos += h.len() as u64;
        Ok(h.len() as u64)
    }

    fn patch_local(
        &mut self,
        offset: u64,
        name: &str,
        zip64: bool,
        crc: u32,
        csize: u64,
        usize: u64,
    ) -> Result<()> {
        let io = |e| ZipError::io("patching local header", e);
        self.out.seek(SeekFrom::Start(offset + 14)).map_err(io)?;
        let mut p = Vec::with_capacity(12);
        put32(&mut p, crc);
        if zip64 {
            self.out.write_all(&p).map_err(io)?;
            let extra = offset + 30 + name.len() as u64 + 4;
            self.out.seek(SeekFrom::Start(extra)).map_err(io)?;
            p.clear();
            put64(&mut p, usize);
            put64(&mut p, csize);
        } else {
            put32(&mut p, csize as u32);
            put32(&mut p, usize as u32);
        }
        self.out.write_all(&p).map_err(io)
    }
}

fn central_record(cd: &mut Vec<u8>, e: &Central, when: DosDateTime) {
    // ZIP64 fields appear in this fixed order, each only when its 32-bit field overflows.
    let mut extra = Vec::new();
    if e.usize >= U32_MAX {
        put64(&mut extra, e.usize);
    }
    if e.csize >= U32_MAX {
        put64(&mut extra, e.csize);
    }
    if e.offset >= U32_MAX {
        put64(&mut extra, e.offset);
    }
    let zip64 = !extra.is_empty() || needs_zip64_local(e.usize);
    put32(cd, CENTRAL_SIG);
    put16(cd, VERSION_MADE_BY_UNIX);
    put16(cd, if zip64 { 45 } else { 20 });
    put16(cd, FLAG_UTF8);
    put16(cd, e.method.code());
    put16(cd, when.time);
    put16(cd, when.date);
    put32(cd, e.crc);
    put32(cd, e.csize.min(U32_MAX) as u32);
    put32(cd, e.usize.min(U32_MAX) as u32);
    put16(cd, e.name.len() as u16);
    put16(
        cd,
        if extra.is_empty() {
            0
        } else {
            4 + extra.len() as u16
        },
    );
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    let mode = if e.is_dir { MODE_DIR } else { MODE_FILE };
    // Low byte: the MS-DOS directory attribute, so Windows tools see folders too.
    put32(cd, (mode << 16) | (u32::from(e.is_dir) << 4));
    put32(cd, e.offset.min(U32_MAX) as u32);
    cd.extend_from_slice(e.name.as_bytes());
    if !extra.is_empty() {
        put16(cd, ZIP64_EXTRA_ID);
        put16(cd, extra.len() as u16);
        cd.extend_from_slice(&extra);
    }
}

struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub(crate) fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
pub(crate) fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
pub(crate) fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
    }

    /// Members past 4 GiB are too slow to write in a test; their central record is
    /// checked field by field instead.
    #[test]
    fn zip64_central_record_for_a_huge_member() {
        let e = Central {
            name: "archive/big.warc.gz".into(),
            method: Method::Stored,
            crc: 0x1234_5678,
            csize: 5 << 30,
            usize: 5 << 30,
            offset: 6 << 30,
            is_dir: false,
        };
        let mut cd = Vec::new();
        central_record(&mut cd, &e, DosDateTime::EPOCH);
        assert_eq!(le32(&cd, 0), CENTRAL_SIG);
        assert_eq!(u16::from_le_bytes([cd[6], cd[7]]), 45);
        assert_eq!((le32(&cd, 20), le32(&cd, 24), le32(&cd, 42)), (!0, !0, !0));
        let extra = &cd[46 + e.name.len()..];
        assert_eq!(extra.len(), 4 + 24);
        assert_eq!(u16::from_le_bytes([extra[0], extra[1]]), ZIP64_EXTRA_ID);
        let field =
            |i: usize| u64::from_le_bytes(extra[4 + 8 * i..12 + 8 * i].try_into().expect("8"));
        assert_eq!((field(0), field(1), field(2)), (5 << 30, 5 << 30, 6 << 30));
        // Small members carry no extra field at all.
        let small = Central {
            csize: 10,
            usize: 10,
            offset: 0,
            ..e
        };
        let mut cd = Vec::new();
        central_record(&mut cd, &small, DosDateTime::EPOCH);
        assert_eq!(cd.len(), 46 + small.name.len());
        assert!(needs_zip64_local(U32_MAX - 100));
        assert!(!needs_zip64_local(1 << 30));
    }

    #[test]
    fn dos_time() {
        let t = DosDateTime::new(2026, 11, 28, 9, 30, 15).expect("valid");
        assert_eq!(t.date, (46 << 9) | (11 << 5) | 28);
        assert_eq!(t.time, (9 << 11) | (30 << 5) | 7);
        assert!(DosDateTime::new(1979, 1, 1, 0, 0, 0).is_err());
        assert_eq!(
            DosDateTime::new(1980, 1, 1, 0, 0, 0).expect("epoch"),
            DosDateTime::EPOCH
        );
    }
}
