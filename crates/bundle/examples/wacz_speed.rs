//! How fast one large member is packed and checked, by kind: an imported file of random
//! bytes (stored, hashed once each way) and a capture WARC with one random payload
//! (stored, but gunzipped and hashed twice more for its record digests and the index).
//! Each is written with `write_wacz` (then fsynced) and read back with `read_wacz`,
//! against `sha256sum` of the same input. Everything is made in DIR and removed after.
//!
//! `cargo run --release -p truyvet-bundle --example wacz_speed -- DIR [MIB] [RUNS]`

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use truyvet_bundle::warc_read::sha256_base32;
use truyvet_bundle::{Content, DosDateTime, ExtraFile, WaczInput, WarcFile, read_wacz, write_wacz};

fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut out = vec![0u8; len];
    for b in out.chunks_exact_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.copy_from_slice(&x.to_le_bytes());
    }
    out
}

/// One `response` record in one gzip member, as the capture crate writes them.
fn warc(body: &[u8]) -> Vec<u8> {
    let mut block = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    let head = format!(
        "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-8000-8000-000000000000>\r\n\
         WARC-Date: 2026-11-28T09:00:00Z\r\nWARC-Target-URI: http://127.0.0.1/video.mp4\r\n\
         Content-Type: application/http;msgtype=response\r\nWARC-Block-Digest: {}\r\n\
         WARC-Payload-Digest: {}\r\nContent-Length: {}\r\n\r\n",
        sha256_base32(&Sha256::digest(&block).into()),
        sha256_base32(&Sha256::digest(body).into()),
        block.len()
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(head.as_bytes()).expect("memory");
    gz.write_all(&block).expect("memory");
    gz.write_all(b"\r\n\r\n").expect("memory");
    gz.finish().expect("memory")
}

fn input(warcs: Vec<WarcFile>, extra: Vec<ExtraFile>) -> WaczInput {
    WaczInput {
        warcs,
        pages: Vec::new(),
        pages_title: "wacz_speed".into(),
        extra,
        title: None,
        description: None,
        main_page_url: None,
        main_page_date: None,
        created: "2026-11-28T10:00:00Z".into(),
        modified: None,
        software: None,
        zip_time: DosDateTime::EPOCH,
    }
}

/// (write + fsync, read) seconds.
fn round_trip(dir: &Path, input: &WaczInput) -> (f64, f64) {
    let out = dir.join("out.wacz");
    let t = Instant::now();
    let (file, _) = write_wacz(std::fs::File::create(&out).expect("create"), input).expect("write");
    file.sync_all().expect("fsync");
    let write = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let read = read_wacz(&out, &dir.join("staging")).expect("read");
    let read_s = t.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&read.staging).expect("cleanup");
    std::fs::remove_file(&out).expect("cleanup");
    (write, read_s)
}

fn sha256sum(path: &Path) -> f64 {
    let t = Instant::now();
    let ok = std::process::Command::new("sha256sum")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("sha256sum")
        .success();
    assert!(ok, "sha256sum failed");
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(base) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: wacz_speed DIR [MIB] [RUNS]");
        std::process::exit(2);
    };
    let mib: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(512);
    let runs: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(3);
    let dir = base.join("truyvet-wacz-speed");
    std::fs::create_dir(&dir).expect("DIR/truyvet-wacz-speed must not exist yet");
    let body = noise(mib << 20);
    let bin = dir.join("evidence.bin");
    std::fs::write(&bin, &body).expect("write");
    let gz = dir.join("capture.warc.gz");
    std::fs::write(&gz, warc(&body)).expect("write");
    drop(body);
    let cases = [
        (
            "imported file",
            bin.clone(),
            input(
                Vec::new(),
                vec![ExtraFile {
                    name: "evidence.bin".into(),
                    content: Content::File(bin.clone()),
                }],
            ),
        ),
        (
            "capture WARC",
            gz.clone(),
            input(
                vec![WarcFile {
                    name: "capture.warc.gz".into(),
                    path: gz.clone(),
                    source: None,
                }],
                Vec::new(),
            ),
        ),
    ];
    for (what, path, input) in &cases {
        let size = std::fs::metadata(path).expect("size").len() as f64 / 1e6;
        for _ in 0..runs {
            let peer = sha256sum(path);
            let (w, r) = round_trip(&dir, input);
            println!(
                "{what} ({size:.0} MB): write+fsync {w:.2} s, read {r:.2} s, sha256sum {peer:.2} s \
                 (ratios {:.2}×, {:.2}×)",
                peer / w,
                peer / r
            );
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
