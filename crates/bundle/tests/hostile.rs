//! The hostile corpus: archives built byte by byte, each refused with its own code,
//! with nothing left in the staging folder's place and a canary beside it untouched.

mod common;

use common::{Raw, build, central_and_end, local, zero_bomb};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};
use truyvet_bundle::{Limits, ZipErrorCode, extract_to_staging};

const CANARY: &[u8] = b"canary: must never change";

/// Runs the reader on `archive` beside a canary; returns the error code.
fn reject(archive: &[u8], limits: &Limits) -> ZipErrorCode {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("canary.txt"), CANARY).expect("canary");
    fs::write(dir.path().join("in.zip"), archive).expect("archive");
    let staging = dir.path().join("staging");
    let err = extract_to_staging(&dir.path().join("in.zip"), &staging, limits)
        .expect_err("hostile archive accepted");
    assert!(!staging.exists(), "staging left behind after {err}");
    assert_eq!(
        fs::read(dir.path().join("canary.txt")).expect("canary"),
        CANARY
    );
    let mut left: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect();
    left.sort();
    assert_eq!(left, ["canary.txt", "in.zip"], "after {err}");
    err.code
}

fn code(archive: &[u8]) -> ZipErrorCode {
    reject(archive, &Limits::default())
}

fn one(e: Raw) -> Vec<u8> {
    build(&[e], None)
}

#[test]
fn zip_slip_names() {
    use ZipErrorCode::*;
    let cases: &[(&[u8], ZipErrorCode)] = &[
        (b"../canary.txt", NameParent),
        (b"a/../../canary.txt", NameParent),
        (b"a/..", NameParent),
        (b"/tmp/evil", NameAbsolute),
        (b"C:\\evil", NameAbsolute),
        (b"C:/evil", NameAbsolute),
        (b"\\\\server\\share\\evil", NameAbsolute),
        (b"..\\canary.txt", NameBackslash),
        (b"a\\b", NameBackslash),
        (b"a\0b", NameControl),
        (b"a\nb", NameControl),
        (b"\xff\xfe", NameInvalid),
        (b"", NameInvalid),
        (b"a//b", NameInvalid),
        (b"./a", NameInvalid),
        (b"a/./b", NameInvalid),
        (b"file.txt:stream", NameInvalid),
        (b"aux.json", NameInvalid),
        (b"report.pdf.", NameInvalid),
    ];
    for (name, want) in cases {
        let got = code(&one(Raw::name_bytes(name, b"evil")));
        assert_eq!(got, *want, "name {:?}", String::from_utf8_lossy(name));
    }
    let long = vec![b'a'; 1025];
    assert_eq!(code(&one(Raw::name_bytes(&long, b"x"))), NameInvalid);
}

#[test]
fn links_and_special_files() {
    let mut link = Raw::stored("link", b"../canary.txt");
    link.ext_attr = 0o120_777 << 16;
    assert_eq!(code(&one(link)), ZipErrorCode::Symlink);
    let mut fifo = Raw::stored("fifo", b"");
    fifo.ext_attr = 0o010_644 << 16;
    assert_eq!(code(&one(fifo)), ZipErrorCode::SpecialFile);
    // A symlink after a plain file of the same folder: still nothing written.
    let mut link = Raw::stored("d/link", b"/etc/passwd");
    link.ext_attr = 0o120_777 << 16;
    let zip = build(&[Raw::stored("d/a.txt", b"fine"), link], None);
    assert_eq!(code(&zip), ZipErrorCode::Symlink);
}

#[test]
fn duplicate_names() {
    let pairs: &[(&str, &str)] = &[
        ("a.txt", "a.txt"),
        ("Report.PDF", "report.pdf"),
        ("caf\u{e9}.txt", "cafe\u{301}.txt"),
        ("\u{110}\u{1ea0}.txt", "\u{111}\u{1ea1}.txt"),
        ("a", "a/b"),
        ("a/b", "A"),
        ("d/", "d/"),
    ];
    for (a, b) in pairs {
        let body = |n: &str| {
            if n.ends_with('/') {
                &b""[..]
            } else {
                &b"1"[..]
            }
        };
        let zip = build(&[Raw::stored(a, body(a)), Raw::stored(b, body(b))], None);
        assert_eq!(code(&zip), ZipErrorCode::DuplicateName, "{a:?} vs {b:?}");
    }
}

#[test]
fn too_many_entries() {
    let entries: Vec<Raw> = (0..10_001)
        .map(|i| Raw::stored(&format!("f{i}"), b""))
        .collect();
    assert_eq!(code(&build(&entries, None)), ZipErrorCode::TooManyEntries);
    // The count is checked before the directory is read: a lying count is enough.
    let zip = build(&[Raw::stored("a", b"")], Some(0xFFFF));
    assert_eq!(code(&zip), ZipErrorCode::TooManyEntries);
}

#[test]
fn encryption_and_methods() {
    let mut e = Raw::stored("a", b"secret");
    e.flags = 1;
    assert_eq!(code(&one(e)), ZipErrorCode::Encrypted);
    let mut e = Raw::stored("a", b"secret");
    e.flags = 1 << 6;
    assert_eq!(code(&one(e)), ZipErrorCode::Encrypted);
    let mut e = Raw::stored("a", b"secret");
    e.method = 99;
    assert_eq!(code(&one(e)), ZipErrorCode::Encrypted);
    let mut e = Raw::stored("a", b"secret");
    e.method = 12;
    assert_eq!(code(&one(e)), ZipErrorCode::Unsupported);
}

#[test]
fn integrity() {
    let mut e = Raw::stored("a.txt", b"hello");
    e.crc ^= 1;
    assert_eq!(code(&one(e)), ZipErrorCode::CrcMismatch);

    let mut e = Raw::stored("a.txt", b"hello");
    e.local_name = Some(b"b.txt".to_vec());
    assert_eq!(code(&one(e)), ZipErrorCode::HeaderMismatch);

    let mut e = Raw::stored("a.txt", b"hello");
    e.local_usize = Some(4);
    assert_eq!(code(&one(e)), ZipErrorCode::HeaderMismatch);

    let mut e = Raw::stored("a.txt", b"hello");
    e.usize = 4; // stored, but sizes differ
    assert_eq!(code(&one(e)), ZipErrorCode::SizeMismatch);

    let mut e = Raw::stored("a.txt", &[0xff; 16]);
    e.method = 8;
    e.usize = 10;
    assert_eq!(code(&one(e)), ZipErrorCode::DeflateInvalid);

    let mut e = Raw::stored("a.txt", b"hello");
    e.offset = Some(3);
    assert_eq!(
        code(&build(&[Raw::stored("z", b"zz"), e], None)),
        ZipErrorCode::HeaderMismatch
    );
}

#[test]
fn truncated_archives() {
    let zip = build(
        &[
            Raw::stored("a.txt", b"hello world"),
            Raw::stored("b.txt", b"more"),
        ],
        None,
    );
    assert_eq!(code(&[]), ZipErrorCode::Truncated);
    assert_eq!(code(b"PK"), ZipErrorCode::Truncated);
    for cut in [1, 10, 22, zip.len() / 2, zip.len() - 40] {
        let got = code(&zip[..zip.len() - cut]);
        assert_eq!(got, ZipErrorCode::Truncated, "cut {cut}");
    }
}

#[test]
fn overlapping_entries() {
    // "b" lives inside "a"'s data: the central directory points into it.
    let b = Raw::stored("b", b"inner");
    let a = Raw::stored("a", &local(&b));
    let mut b_ref = b.clone();
    b_ref.offset = Some(30 + 1);
    let mut out = local(&a);
    let a_end = out.len() as u32;
    out.extend_from_slice(&local(&b));
    let zip = central_and_end(out, &[a, b_ref], &[0, a_end], None);
    assert_eq!(code(&zip), ZipErrorCode::Overlap);
}

#[test]
fn size_caps() {
    let big = vec![7u8; 600 << 10];
    let zip = build(&[Raw::stored("a", &big), Raw::stored("b", &big)], None);
    let limits = Limits {
        max_total_size: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(reject(&zip, &limits), ZipErrorCode::SizeExceeded);
}

#[test]
fn zip_bomb_refused_without_inflating_it() {
    // 4,161,791 matches: 1 GiB of zeros in about 6.8 MB of deflate.
    let (data, len) = zero_bomb(4_161_791);
    assert!(len >= 1 << 30);
    // Honest header: the ratio alone refuses it before a byte is inflated.
    let mut e = Raw::stored("zeros.bin", &data);
    e.method = 8;
    e.usize = u32::try_from(len).unwrap_or(u32::MAX);
    e.crc = 0;
    let started = Instant::now();
    assert_eq!(code(&one(e)), ZipErrorCode::RatioExceeded);
    // Lying header (within the ratio): refused after one buffer past what it declared.
    let mut e = Raw::stored("zeros.bin", &data);
    e.method = 8;
    e.usize = u32::try_from(data.len() * 50).expect("fits");
    e.crc = 0;
    assert_eq!(code(&one(e)), ZipErrorCode::SizeMismatch);
    // Inflating the whole gigabyte in a debug build would take far longer than this.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn staging_folder_must_be_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("in.zip");
    fs::write(&zip, build(&[Raw::stored("a", b"x")], None)).expect("write");
    let staging = dir.path().join("staging");
    fs::create_dir(&staging).expect("mkdir");
    fs::write(staging.join("keep"), b"mine").expect("write");
    let err = extract_to_staging(&zip, &staging, &Limits::default()).expect_err("accepted");
    assert_eq!(err.code, ZipErrorCode::StagingExists);
    // Somebody else's folder is never removed.
    assert_eq!(fs::read(staging.join("keep")).expect("kept"), b"mine");
    assert!(Path::new(&staging).is_dir());
}
