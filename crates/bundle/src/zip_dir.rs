//! The archive's structure, read without trusting it: the end records (ZIP64 too), the
//! central directory (streaming, names capped, encryption and file types refused as
//! they are met) and the local headers, which must agree with the central directory
//! and must not share bytes with one another.

use crate::error::{Result, ZipError, ZipErrorCode};
use crate::names::{MAX_NAME_LEN, validate_name};
use crate::zip_write::{
    CENTRAL_SIG, EOCD_SIG, LOCAL_SIG, ZIP64_EOCD_SIG, ZIP64_EXTRA_ID, ZIP64_LOCATOR_SIG,
};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) raw_name: Vec<u8>,
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) crc: u32,
    pub(crate) csize: u64,
    pub(crate) usize: u64,
    pub(crate) offset: u64,
    pub(crate) is_dir: bool,
    pub(crate) data_start: u64,
}

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const METHOD_AES: u16 = 99;

pub(crate) fn corrupt(msg: impl Into<String>) -> ZipError {
    ZipError::new(ZipErrorCode::Corrupt, msg)
}

fn truncated(msg: impl Into<String>) -> ZipError {
    ZipError::new(ZipErrorCode::Truncated, msg)
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn read_at(file: &mut File, at: u64, buf: &mut [u8], what: &str) -> Result<()> {
    file.seek(SeekFrom::Start(at))
        .and_then(|_| file.read_exact(buf))
        .map_err(|e| ZipError::io(what, e))
}

/// Finds the end records; returns (entry count, central directory start and size, the
/// offset the central directory must end before).
pub(crate) fn find_end(file: &mut File, len: u64) -> Result<(u64, u64, u64, u64)> {
    let tail_len = len.min(22 + 0xFFFF);
    let mut tail = vec![0u8; tail_len as usize];
    read_at(file, len - tail_len, &mut tail, "reading archive end")?;
    // The record whose comment runs exactly to the end of file; a signature inside a
    // comment or inside member data does not qualify.
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| {
            le32(&tail, i) == EOCD_SIG && i + 22 + le16(&tail, i + 20) as usize == tail.len()
        })
        .ok_or_else(|| truncated("no end-of-central-directory record"))?;
    let eocd_pos = len - tail_len + eocd as u64;
    let r = &tail[eocd..eocd + 22];
    if le16(r, 4) != 0 || le16(r, 6) != 0 || le16(r, 8) != le16(r, 10) {
        return Err(ZipError::new(
            ZipErrorCode::Unsupported,
            "multi-disk archive",
        ));
    }
    let mut count = u64::from(le16(r, 10));
    let mut cd_size = u64::from(le32(r, 12));
    let mut cd_start = u64::from(le32(r, 16));
    let mut cd_limit = eocd_pos;
    if eocd_pos >= 20 {
        let mut loc = [0u8; 20];
        read_at(file, eocd_pos - 20, &mut loc, "reading ZIP64 locator")?;
        if le32(&loc, 0) == ZIP64_LOCATOR_SIG {
            let at = le64(&loc, 8);
            if le32(&loc, 4) != 0 || le32(&loc, 16) != 1 {
                return Err(ZipError::new(
                    ZipErrorCode::Unsupported,
                    "multi-disk archive",
                ));
            }
            if at.checked_add(56).is_none_or(|end| end > eocd_pos - 20) {
                return Err(truncated("ZIP64 end record beyond the locator"));
            }
            let mut z = [0u8; 56];
            read_at(file, at, &mut z, "reading ZIP64 end record")?;
            if le32(&z, 0) != ZIP64_EOCD_SIG {
                return Err(corrupt("bad ZIP64 end record signature"));
            }
            if le32(&z, 16) != 0 || le32(&z, 20) != 0 || le64(&z, 24) != le64(&z, 32) {
                return Err(ZipError::new(
                    ZipErrorCode::Unsupported,
                    "multi-disk archive",
                ));
            }
            count = le64(&z, 32);
            cd_size = le64(&z, 40);
            cd_start = le64(&z, 48);
            cd_limit = at;
        }
    }
    if cd_start
        .checked_add(cd_size)
        .is_none_or(|end| end > cd_limit)
    {
        return Err(truncated("central directory runs past the end records"));
    }
    Ok((count, cd_start, cd_size, cd_limit))
}

pub(crate) fn read_central(
    file: &mut File,
    count: u64,
    cd_start: u64,
    cd_size: u64,
    cd_limit: u64,
) -> Result<Vec<Entry>> {
    file.seek(SeekFrom::Start(cd_start))
        .map_err(|e| ZipError::io("seeking central directory", e))?;
    let mut cd = BufReader::new(file.take(cd_size));
    let short = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            corrupt("central directory shorter than its entries")
        } else {
            ZipError::io("reading central directory", e)
        }
    };
    let mut entries = Vec::with_capacity(count.min(10_000) as usize);
    for _ in 0..count {
        let mut h = [0u8; 46];
        cd.read_exact(&mut h).map_err(short)?;
        if le32(&h, 0) != CENTRAL_SIG {
            return Err(corrupt("bad central directory signature"));
        }
        let name_len = le16(&h, 28) as usize;
        let extra_len = le16(&h, 30) as usize;
        let comment_len = le16(&h, 32) as usize;
        if name_len > MAX_NAME_LEN {
            return Err(ZipError::new(
                ZipErrorCode::NameInvalid,
                "entry name too long",
            ));
        }
        let mut raw_name = vec![0u8; name_len];
        cd.read_exact(&mut raw_name).map_err(short)?;
        let mut extra = vec![0u8; extra_len];
        cd.read_exact(&mut extra).map_err(short)?;
        std::io::copy(
            &mut (&mut cd).take(comment_len as u64),
            &mut std::io::sink(),
        )
        .map_err(short)?;

        let flags = le16(&h, 8);
        let method = le16(&h, 10);
        if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) != 0 || method == METHOD_AES {
            return Err(ZipError::new(
                ZipErrorCode::Encrypted,
                format!(
                    "entry {:?} is encrypted",
                    String::from_utf8_lossy(&raw_name)
                ),
            ));
        }
        let name = validate_name(&raw_name)?.to_string();
        let (mut usize, mut csize, mut offset) = (
            u64::from(le32(&h, 24)),
            u64::from(le32(&h, 20)),
            u64::from(le32(&h, 42)),
        );
        if le16(&h, 34) != 0 {
            return Err(ZipError::new(
                ZipErrorCode::Unsupported,
                "multi-disk archive",
            ));
        }
        if let Some(z) = find_extra(&extra, ZIP64_EXTRA_ID) {
            let mut at = 0;
            for field in [&mut usize, &mut csize, &mut offset] {
                if *field == 0xFFFF_FFFF {
                    if at + 8 > z.len() {
                        return Err(corrupt(format!("{name}: short ZIP64 field")));
                    }
                    *field = le64(z, at);
                    at += 8;
                }
            }
        }
        // Unix "made by" carries the file type in the high half of the attributes.
        let mode = if h[5] == 3 { le32(&h, 38) >> 16 } else { 0 };
        let is_dir = name.ends_with('/');
        match mode & 0o170_000 {
            0o120_000 => {
                return Err(ZipError::new(
                    ZipErrorCode::Symlink,
                    format!("entry {name:?} is a symbolic link"),
                ));
            }
            0 | 0o100_000 if !is_dir => {}
            0 | 0o040_000 | 0o100_000 if is_dir => {}
            0o040_000 => return Err(corrupt(format!("{name}: folder mode on a file name"))),
            _ => {
                return Err(ZipError::new(
                    ZipErrorCode::SpecialFile,
                    format!("entry {name:?} is not a regular file or folder"),
                ));
            }
        }
        if offset >= cd_limit {
            return Err(truncated(format!("{name}: data offset past the archive")));
        }
        entries.push(Entry {
            name,
            raw_name,
            flags,
            method,
            crc: le32(&h, 16),
            csize,
            usize,
            offset,
            is_dir,
            data_start: 0,
        });
    }
    let mut rest = [0u8; 1];
    if cd.read(&mut rest).map_err(short)? != 0 {
        return Err(corrupt(
            "bytes left in the central directory after its entries",
        ));
    }
    Ok(entries)
}

fn find_extra(mut extra: &[u8], id: u16) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let (hid, size) = (le16(extra, 0), le16(extra, 2) as usize);
        let body = extra.get(4..4 + size)?;
        if hid == id {
            return Some(body);
        }
        extra = &extra[4 + size..];
    }
    None
}

/// Reads every local header, compares it with the central directory, and checks that no
/// two entries' bytes overlap and all lie before the central directory.
pub(crate) fn check_locals(file: &mut File, entries: &mut [Entry], cd_start: u64) -> Result<()> {
    let mut spans = Vec::with_capacity(entries.len());
    for e in entries.iter_mut() {
        let mismatch = |what: &str| {
            ZipError::new(
                ZipErrorCode::HeaderMismatch,
                format!(
                    "{}: local header and central directory disagree on {what}",
                    e.name
                ),
            )
        };
        let mut h = [0u8; 30];
        read_at(file, e.offset, &mut h, "reading local header")?;
        if le32(&h, 0) != LOCAL_SIG {
            return Err(mismatch("the signature"));
        }
        let name_len = le16(&h, 26) as u64;
        let extra_len = le16(&h, 28) as usize;
        let mut tail = vec![0u8; name_len as usize + extra_len];
        read_at(file, e.offset + 30, &mut tail, "reading local header")?;
        if tail[..name_len as usize] != e.raw_name[..] {
            // Both names: either may be the damaged one.
            return Err(ZipError::new(
                ZipErrorCode::HeaderMismatch,
                format!(
                    "entry {:?}: its local header names {:?}",
                    e.name,
                    String::from_utf8_lossy(&tail[..name_len as usize])
                ),
            ));
        }
        let flags = le16(&h, 6);
        if le16(&h, 8) != e.method
            || (flags ^ e.flags) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_DATA_DESCRIPTOR)
                != 0
        {
            return Err(mismatch("method or flags"));
        }
        let (mut csize, mut usize) = (u64::from(le32(&h, 18)), u64::from(le32(&h, 22)));
        if let Some(z) = find_extra(&tail[name_len as usize..], ZIP64_EXTRA_ID) {
            let mut at = 0;
            for field in [&mut usize, &mut csize] {
                if *field == 0xFFFF_FFFF && at + 8 <= z.len() {
                    *field = le64(z, at);
                    at += 8;
                }
            }
        }
        let crc = le32(&h, 14);
        // With a data descriptor the local fields may be zero; if given they must agree.
        let deferred = flags & FLAG_DATA_DESCRIPTOR != 0 && crc == 0 && csize == 0 && usize == 0;
        if !deferred && (crc != e.crc || csize != e.csize || usize != e.usize) {
            return Err(mismatch("CRC or sizes"));
        }
        e.data_start = e.offset + 30 + name_len + extra_len as u64;
        let end = e
            .data_start
            .checked_add(e.csize)
            .filter(|&end| end <= cd_start)
            .ok_or_else(|| truncated(format!("{}: data runs past its end", e.name)))?;
        spans.push((e.offset, end, e.name.clone()));
    }
    spans.sort();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(ZipError::new(
                ZipErrorCode::Overlap,
                format!("entries {} and {} share bytes", w[0].2, w[1].2),
            ));
        }
    }
    Ok(())
}
