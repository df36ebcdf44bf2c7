//! Memory stays bounded whatever the bundle: this test binary holds a single test, so the
//! process's peak resident set (`VmHWM` in `/proc/self/status`) is this test's alone.
//! It writes and reads back a WACZ with a 256 MiB member, extracts a 10,000-entry
//! archive with 1 KiB names and refuses a zip bomb with a lying header; the peak must
//! stay far below the 256 MiB.

mod common;

use common::{Raw, build, zero_bomb};
use std::fs;
use std::io::Write;
use truyvet_bundle::{
    Content, DosDateTime, ExtraFile, Limits, WaczInput, extract_to_staging, read_wacz, write_wacz,
};

/// Peak resident set of this process so far, in KiB (Linux).
fn peak_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

fn noise_file(path: &std::path::Path, mib: usize) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).expect("create"));
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for b in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes());
        }
        f.write_all(&block).expect("write");
    }
    f.flush().expect("flush");
}

#[test]
fn peak_memory_stays_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = peak_kib();

    // A bundle with a 256 MiB member, written then read back with every check.
    let big = dir.path().join("video.bin");
    noise_file(&big, 256);
    let input = WaczInput {
        warcs: Vec::new(),
        pages: Vec::new(),
        pages_title: "Bộ nhớ".into(),
        extra: vec![ExtraFile {
            name: "video.bin".into(),
            content: Content::File(big.clone()),
        }],
        title: Some("Bộ nhớ".into()),
        description: None,
        main_page_url: None,
        main_page_date: None,
        created: "2026-11-28T10:00:00Z".into(),
        modified: None,
        software: None,
        zip_time: DosDateTime::EPOCH,
    };
    let wacz = dir.path().join("big.wacz");
    let file = fs::File::create(&wacz).expect("create");
    write_wacz(file, &input).expect("write");
    fs::remove_file(&big).expect("remove");
    let read = read_wacz(&wacz, &dir.path().join("big.staging")).expect("read");
    assert_eq!(read.entries.len(), 6);
    fs::remove_dir_all(&read.staging).expect("cleanup");
    fs::remove_file(&wacz).expect("remove");
    let after_big = peak_kib();

    // 10,000 entries with names of about 1 KiB (folders of 250 bytes, the most a file
    // system takes in one component): the central directory is the largest thing held.
    let folders = ["a", "b", "c"].map(|c| c.repeat(250)).join("/");
    let entries: Vec<Raw> = (0..10_000)
        .map(|i| Raw::stored(&format!("{folders}/{i:05}-{}", "n".repeat(200)), b"x"))
        .collect();
    let many = dir.path().join("many.zip");
    fs::write(&many, build(&entries, None)).expect("write");
    drop(entries);
    let staging = dir.path().join("many.staging");
    let got = extract_to_staging(&many, &staging, &Limits::default()).expect("extract");
    assert_eq!(got.len(), 10_000);
    drop(got);
    fs::remove_dir_all(&staging).expect("cleanup");

    // A 1 GiB bomb with a header that claims 50:1: refused after one chunk too many.
    let (data, _) = zero_bomb(4_161_791);
    let mut e = Raw::stored("zeros.bin", &data);
    e.method = 8;
    e.usize = u32::try_from(data.len() * 50).expect("fits");
    e.crc = 0;
    let bomb = dir.path().join("bomb.zip");
    fs::write(&bomb, build(&[e], None)).expect("write");
    drop(data);
    let err = extract_to_staging(&bomb, &dir.path().join("bomb.staging"), &Limits::default())
        .expect_err("bomb accepted");
    assert_eq!(err.code, truyvet_bundle::ZipErrorCode::SizeMismatch);

    let end = peak_kib();
    println!(
        "peak RSS: {start} KiB at start, {after_big} KiB after the 256 MiB member, {end} KiB at the end"
    );
    // The archives built in memory above (11 MB of names, 7 MB of bomb) count too; the
    // readers and the writer add little to them.
    assert!(
        after_big - start < 32 << 10,
        "256 MiB member: peak grew by {} KiB",
        after_big - start
    );
    assert!(end < 128 << 10, "peak {end} KiB");
}
