//! The writer: identical bytes for identical inputs, accepted by `unzip -t` and Python's
//! `zipfile`, read back by our reader with the same bytes and SHA-256s; ZIP64 for many
//! entries and for offsets past 4 GiB.

mod common;

use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Cursor, Seek, SeekFrom};
use std::path::Path;
use std::process::Command;
use truyvet_bundle::{DosDateTime, Limits, Method, ZipWriter, extract_to_staging};

/// Deterministic pseudo-random bytes (xorshift), incompressible enough to matter.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn members() -> Vec<(String, Vec<u8>)> {
    vec![
        ("archive/data.warc.gz".into(), noise(3 << 20, 1)),
        (
            "datapackage.json".into(),
            br#"{"profile":"data-package"}"#.repeat(500),
        ),
        ("pages/pages.jsonl".into(), b"{}\n".to_vec()),
        ("truyvet/empty.txt".into(), Vec::new()),
        (
            "truyvet/bi\u{1ec3}n b\u{1ea3}n.txt".into(),
            "Biên bản vụ việc".as_bytes().to_vec(),
        ),
        ("truyvet/shot.png".into(), noise(70_000, 2)),
    ]
}

fn write(out: impl std::io::Write + Seek, when: DosDateTime) -> Vec<truyvet_bundle::MemberDigest> {
    let mut w = ZipWriter::new(out, when).expect("writer");
    w.add_dir("truyvet/").expect("dir");
    for (name, data) in members() {
        w.add(
            &name,
            Method::for_name(&name),
            data.len() as u64,
            &mut &data[..],
        )
        .expect("add");
    }
    w.finish().expect("finish").1
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn unzip_t(path: &Path) {
    let out = Command::new("unzip")
        .arg("-t")
        .arg(path)
        .output()
        .expect("run unzip");
    assert!(
        out.status.success(),
        "unzip -t: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Python's `zipfile`: every member's CRC checked, and its name, size, SHA-256, time
/// and mode listed.
fn python_listing(path: &Path) -> String {
    let script = r#"
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    for i in z.infolist():
        print(i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest(), i.date_time, oct(i.external_attr >> 16))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn same_inputs_same_bytes_and_tools_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.zip");
    let digests = write(fs::File::create(&a).expect("create"), DosDateTime::EPOCH);
    let mut b = Cursor::new(Vec::new());
    write(&mut b, DosDateTime::EPOCH);
    assert_eq!(
        fs::read(&a).expect("read"),
        b.into_inner(),
        "not deterministic"
    );

    let when = DosDateTime::new(2026, 11, 28, 9, 30, 15).expect("time");
    let mut c = Cursor::new(Vec::new());
    write(&mut c, when);
    assert_ne!(fs::read(&a).expect("read"), c.into_inner());

    let want = members();
    assert_eq!(digests.len(), want.len());
    for (d, (name, data)) in digests.iter().zip(&want) {
        assert_eq!(
            (&d.name, d.size, &d.sha256),
            (name, data.len() as u64, &sha(data))
        );
    }

    unzip_t(&a);
    let listing = python_listing(&a);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), want.len() + 1);
    assert!(lines[0].starts_with("truyvet/ 0 "), "{}", lines[0]);
    assert!(lines[0].ends_with("0o40755"), "{}", lines[0]);
    for (line, (name, data)) in lines[1..].iter().zip(&want) {
        let expect = format!(
            "{name} {} {} (1980, 1, 1, 0, 0, 0) 0o100644",
            data.len(),
            sha(data)
        );
        assert_eq!(*line, expect);
    }
}

#[test]
fn round_trip_gives_back_bytes_and_digests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("b.zip");
    let digests = write(fs::File::create(&zip).expect("create"), DosDateTime::EPOCH);
    let staging = dir.path().join("staging");
    let got = extract_to_staging(&zip, &staging, &Limits::default()).expect("extract");
    assert_eq!(got.len(), members().len() + 1);
    assert_eq!(got[0].name, "truyvet/");
    assert!(got[0].path.is_dir());
    for ((e, d), (name, data)) in got[1..].iter().zip(&digests).zip(members()) {
        assert_eq!(e.name, name);
        assert_eq!(e.sha256, d.sha256);
        assert_eq!(e.size, d.size);
        assert_eq!(fs::read(&e.path).expect("read"), data);
        assert!(e.path.starts_with(&staging));
    }
}

#[test]
fn writer_refuses_what_the_reader_would() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()), DosDateTime::EPOCH).expect("writer");
    w.add_bytes("a.txt", Method::Deflated, b"1").expect("add");
    let code = |r: Result<_, truyvet_bundle::ZipError>| r.err().map(|e| e.code.as_str());
    assert_eq!(
        code(w.add_bytes("A.TXT", Method::Deflated, b"2").map(|_| ())),
        Some("zip_invalid_input")
    );
    assert_eq!(
        code(w.add_bytes("../x", Method::Deflated, b"2").map(|_| ())),
        Some("zip_name_parent")
    );
    let data = b"short";
    assert_eq!(
        code(
            w.add("b.txt", Method::Stored, 10, &mut &data[..])
                .map(|_| ())
        ),
        Some("zip_invalid_input")
    );
}

/// 70,000 entries: ZIP64 end records (the 16-bit count overflows). The reader refuses
/// that many entries, so the external tools are the judges here.
#[test]
fn zip64_many_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.zip");
    let mut w = ZipWriter::new(Cursor::new(Vec::new()), DosDateTime::EPOCH).expect("writer");
    for i in 0..70_000u32 {
        let body = i.to_string();
        w.add_bytes(&format!("d/{i:06}"), Method::Stored, body.as_bytes())
            .expect("add");
    }
    let (bytes, _) = w.finish().expect("finish");
    fs::write(&path, bytes.into_inner()).expect("write");
    unzip_t(&path);
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = z.namelist(); \
             assert z.read(n[-1]) == b'69999'; print(len(n))",
        ])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "70000");
    let err =
        extract_to_staging(&path, &dir.path().join("s"), &Limits::default()).expect_err("too many");
    assert_eq!(err.code.as_str(), "zip_too_many_entries");
}

/// Offsets past 4 GiB without writing 4 GiB: the archive starts 4 GiB into a sparse
/// file (offsets are absolute), so its local-header and central-directory offsets need
/// ZIP64 fields. Python and our reader both read it back.
#[test]
fn zip64_offsets_in_a_sparse_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("far.zip");
    let mut f = fs::File::create(&path).expect("create");
    f.seek(SeekFrom::Start(4 << 30)).expect("seek");
    let mut w = ZipWriter::new(f, DosDateTime::EPOCH).expect("writer");
    w.add_bytes("a.txt", Method::Deflated, b"far away")
        .expect("add");
    w.add_bytes("b.png", Method::Stored, &noise(1000, 3))
        .expect("add");
    w.finish().expect("finish");
    unzip_t(&path);
    let listing = python_listing(&path);
    assert!(
        listing.starts_with(&format!("a.txt 8 {}", sha(b"far away"))),
        "{listing}"
    );
    let got =
        extract_to_staging(&path, &dir.path().join("s"), &Limits::default()).expect("extract");
    assert_eq!(fs::read(&got[0].path).expect("read"), b"far away");
    assert_eq!(got[1].sha256, sha(&noise(1000, 3)));
}

/// Archives from other tools: Python's `zipfile` writing to a pipe uses data
/// descriptors, deflate from zlib and DOS-style folder entries; all read back intact.
#[test]
fn reads_archives_made_by_python() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("py.zip");
    let script = r#"
import sys, zipfile
class Pipe:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(sys.argv[1], "wb") as raw:
    with zipfile.ZipFile(Pipe(raw), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("d/", b"")
        z.writestr("d/việc.txt", ("Việc " * 1000).encode())
        z.writestr("empty", b"")
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got =
        extract_to_staging(&path, &dir.path().join("s"), &Limits::default()).expect("extract");
    let names: Vec<&str> = got.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["d/", "d/vi\u{1ec7}c.txt", "empty"]);
    let text = "Vi\u{1ec7}c ".repeat(1000);
    assert_eq!(fs::read(&got[1].path).expect("read"), text.as_bytes());
    assert_eq!(got[1].sha256, sha(text.as_bytes()));
}
