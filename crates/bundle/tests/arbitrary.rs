//! Whatever bytes arrive, the reader returns an answer: no panic, nothing outside the
//! staging folder, and no staging folder left behind after a refusal.

mod common;

use common::{Raw, build};
use proptest::prelude::*;
use std::fs;
use truyvet_bundle::{Limits, extract_to_staging};

fn check(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("in.zip");
    fs::write(&zip, bytes).expect("write");
    let staging = dir.path().join("staging");
    match extract_to_staging(&zip, &staging, &Limits::default()) {
        Ok(entries) => {
            for e in entries {
                assert!(e.path.starts_with(&staging), "{:?}", e.path);
            }
        }
        Err(_) => assert!(!staging.exists()),
    }
    let left = fs::read_dir(dir.path()).expect("list").count();
    assert_eq!(left, 1 + usize::from(staging.exists()));
}

fn valid() -> Vec<u8> {
    let mut deflated = Raw::stored("b/c.txt", &[]);
    let text = b"Bien ban vu viec ".repeat(40);
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    std::io::Write::write_all(&mut enc, &text).expect("deflate");
    deflated.data = enc.finish().expect("deflate");
    deflated.method = 8;
    deflated.usize = text.len() as u32;
    deflated.crc = common::crc(&text);
    build(&[Raw::stored("a.txt", b"hello"), deflated], None)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn damaged_archives_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x | 1;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        check(&bytes);
    }
}

#[test]
fn the_undamaged_archive_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("in.zip");
    fs::write(&zip, valid()).expect("write");
    let got = extract_to_staging(&zip, &dir.path().join("s"), &Limits::default()).expect("ok");
    assert_eq!(got.len(), 2);
}
