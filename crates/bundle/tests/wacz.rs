//! WACZ bundles: deterministic output, accepted by py-wacz's `wacz validate` and by our
//! own reader, and every tampered variant refused with the code that names the change.

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use truyvet_bundle::cdxj::CdxjLine;
use truyvet_bundle::warc_read::sha256_base32;
use truyvet_bundle::{
    Content, DosDateTime, ExtraFile, Limits, Method, Page, WaczErrorCode, WaczInput, WarcFile,
    ZipErrorCode, ZipWriter, extract_to_staging, read_wacz, write_wacz,
};

const TITLES: [&str; 3] = [
    "Đồng hồ giả – Cửa hàng Hà Nội",
    "Mỹ phẩm không rõ nguồn gốc",
    "Thực phẩm chức năng quảng cáo sai sự thật",
];

fn b32(data: &[u8]) -> String {
    sha256_base32(&Sha256::digest(data).into())
}

/// One WARC record in its own gzip member.
fn record(warc_type: &str, uri: Option<&str>, date: &str, ctype: &str, block: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "WARC/1.1\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: <urn:uuid:{:032x}>\r\nWARC-Date: {date}\r\n",
        u128::from_be_bytes(Sha256::digest(block)[..16].try_into().expect("16 bytes"))
    );
    if let Some(u) = uri {
        head.push_str(&format!("WARC-Target-URI: {u}\r\n"));
    }
    head.push_str(&format!("Content-Type: {ctype}\r\n"));
    head.push_str(&format!("WARC-Block-Digest: {}\r\n", b32(block)));
    if ctype.starts_with("application/http") {
        let at = block
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("HTTP head")
            + 4;
        head.push_str(&format!("WARC-Payload-Digest: {}\r\n", b32(&block[at..])));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    gz.write_all(head.as_bytes()).expect("gzip");
    gz.write_all(block).expect("gzip");
    gz.write_all(b"\r\n\r\n").expect("gzip");
    gz.finish().expect("gzip")
}

fn page_url(i: usize) -> String {
    format!("http://127.0.0.1:8080/san-pham/{i}?ref=fb&id={i}")
}

/// A capture WARC like the capture crate writes: warcinfo, then request, response and a
/// screenshot resource per page.
fn capture_warc(pages: std::ops::Range<usize>) -> Vec<u8> {
    let mut out = record(
        "warcinfo",
        None,
        "2026-11-28T09:00:00Z",
        "application/warc-fields",
        b"software: TruyVet test\r\n",
    );
    for i in pages {
        let url = page_url(i);
        let date = format!("2026-11-28T09:0{i}:00Z");
        let req = format!("GET /san-pham/{i} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
        out.extend(record(
            "request",
            Some(&url),
            &date,
            "application/http;msgtype=request",
            req.as_bytes(),
        ));
        let body = format!(
            "<!doctype html><html><head><title>{}</title></head><body>Giá: {i}00.000 ₫</body></html>",
            TITLES[i]
        );
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        out.extend(record(
            "response",
            Some(&url),
            &date,
            "application/http;msgtype=response",
            resp.as_bytes(),
        ));
        out.extend(record(
            "resource",
            Some(&format!("urn:truyvet:screenshot:{i}")),
            &date,
            "image/png",
            &[0x89, b'P', b'N', b'G', i as u8, 1, 2, 3],
        ));
    }
    out
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    input: WaczInput,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let a = root.join("a.warc.gz");
    let b = root.join("b.warc.gz");
    fs::write(&a, capture_warc(0..2)).expect("write");
    fs::write(&b, capture_warc(2..3)).expect("write");
    let input = WaczInput {
        warcs: vec![
            WarcFile {
                name: "capture-b.warc.gz".into(),
                path: b,
                source: None,
            },
            WarcFile {
                name: "capture-a.warc.gz".into(),
                path: a,
                source: None,
            },
        ],
        pages: (0..3)
            .map(|i| Page {
                id: format!("page-{i}"),
                url: page_url(i),
                ts: format!("2026-11-28T09:0{i}:00Z"),
                title: Some(TITLES[i].into()),
            })
            .collect(),
        pages_title: "Vụ việc HN-2026-001".into(),
        extra: vec![
            ExtraFile {
                name: "case.json".into(),
                content: Content::Bytes(r#"{"code":"HN-2026-001","title":"Đồng hồ giả"}"#.into()),
            },
            ExtraFile {
                name: "biên-bản.txt".into(),
                content: Content::Bytes("Biên bản kiểm tra".as_bytes().to_vec()),
            },
        ],
        title: Some("Vụ việc HN-2026-001".into()),
        description: None,
        main_page_url: Some(page_url(0)),
        main_page_date: Some("2026-11-28T09:00:00Z".into()),
        created: "2026-11-28T10:00:00Z".into(),
        modified: Some("2026-11-28T10:00:00Z".into()),
        software: Some("TruyVet 0.1.0".into()),
        zip_time: DosDateTime::new(2026, 11, 28, 10, 0, 0).expect("time"),
    };
    Fixture {
        _dir: dir,
        root,
        input,
    }
}

fn write_to(path: &Path, input: &WaczInput) {
    let (out, _) = write_wacz(Cursor::new(Vec::new()), input).expect("write_wacz");
    fs::write(path, out.into_inner()).expect("write");
}

fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("TRUYVET_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/truyvet/venv")
        });
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make test` (it installs the validators)",
        bin.display()
    );
    bin
}

/// Every member of an archive our writer made: (name, bytes), in order.
fn members(path: &Path, scratch: &Path) -> Vec<(String, Vec<u8>)> {
    let staging = scratch.join("members");
    let _ = fs::remove_dir_all(&staging);
    let entries = extract_to_staging(path, &staging, &Limits::default()).expect("extract");
    let out = entries
        .iter()
        .map(|e| (e.name.clone(), fs::read(&e.path).expect("read")))
        .collect();
    fs::remove_dir_all(&staging).expect("cleanup");
    out
}

fn repack(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()), DosDateTime::EPOCH).expect("zip");
    for (name, data) in members {
        w.add_bytes(name, Method::for_content(name, data), data)
            .expect("add");
    }
    w.finish().expect("finish").0.into_inner()
}

/// Rewrites `datapackage.json` and its digest for the members as they are now, like a
/// forger who knows the format would.
fn reseal(members: &mut [(String, Vec<u8>)]) {
    let hashes: Vec<(String, String, usize)> = members
        .iter()
        .map(|(n, d)| (n.clone(), hex::encode(Sha256::digest(d)), d.len()))
        .collect();
    let mi = members
        .iter()
        .position(|(n, _)| n == "datapackage.json")
        .expect("manifest");
    let mut pkg: serde_json::Value = serde_json::from_slice(&members[mi].1).expect("json");
    for r in pkg["resources"].as_array_mut().expect("resources") {
        if let Some((_, h, len)) = hashes.iter().find(|(n, _, _)| r["path"] == n.as_str()) {
            r["hash"] = format!("sha256:{h}").into();
            r["bytes"] = (*len).into();
        }
    }
    members[mi].1 = serde_json::to_vec_pretty(&pkg).expect("json");
    let digest = format!(
        "{{\"path\":\"datapackage.json\",\"hash\":\"sha256:{}\"}}",
        hex::encode(Sha256::digest(&members[mi].1))
    );
    let di = members
        .iter()
        .position(|(n, _)| n == "datapackage-digest.json")
        .expect("digest");
    members[di].1 = digest.into_bytes();
}

fn code_of(bytes: &[u8], scratch: &Path, tag: &str) -> WaczErrorCode {
    let file = scratch.join(format!("{tag}.wacz"));
    fs::write(&file, bytes).expect("write");
    let staging = scratch.join(format!("{tag}.staging"));
    let e = read_wacz(&file, &staging).expect_err(tag);
    assert!(!staging.exists(), "{tag}: staging left behind");
    e.code
}

#[test]
fn wacz_is_deterministic_valid_and_readable() {
    let fx = fixture();
    let one = fx.root.join("one.wacz");
    let two = fx.root.join("two.wacz");
    write_to(&one, &fx.input);
    let mut shuffled = fx.input.clone();
    shuffled.warcs.reverse();
    shuffled.extra.reverse();
    write_to(&two, &shuffled);
    assert_eq!(fs::read(&one).expect("read"), fs::read(&two).expect("read"));

    let run = Command::new(venv_bin("wacz"))
        .args(["validate", "--file"])
        .arg(&one)
        .output()
        .expect("wacz validate");
    let text =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "wacz validate failed:\n{text}");
    assert!(text.contains("Validation succeeded"), "{text}");

    let v = read_wacz(&one, &fx.root.join("staging")).expect("read_wacz");
    assert_eq!(v.pages.len(), 3);
    assert_eq!(v.pages[2].title.as_deref(), Some(TITLES[2]));
    // Per page a response and a screenshot; requests and warcinfo are not indexed.
    assert_eq!(v.index_lines, 6);
    assert_eq!(v.records, 2 * 3 + 3 + 2);
    assert_eq!(v.unverified_digests, 0);
    let names: Vec<&str> = v.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "archive/capture-a.warc.gz",
            "archive/capture-b.warc.gz",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "truyvet/biên-bản.txt",
            "truyvet/case.json",
            "datapackage.json",
            "datapackage-digest.json",
        ]
    );
    assert!(
        v.manifest
            .resources
            .iter()
            .all(|r| r.hash.starts_with("sha256:"))
    );

    let index = fs::read_to_string(v.staging.join("indexes/index.cdx")).expect("index");
    let lines: Vec<CdxjLine> = index
        .lines()
        .map(|l| CdxjLine::parse(l).expect("line"))
        .collect();
    let first = lines
        .iter()
        .find(|l| l.fields.url == page_url(0))
        .expect("page 0 indexed");
    assert_eq!(first.key, "1,0,0,127:8080)/san-pham/0?id=0&ref=fb");
    assert_eq!(first.timestamp, "20261128090000");
    assert_eq!(first.fields.mime.as_deref(), Some("text/html"));
    assert_eq!(first.fields.status.as_deref(), Some("200"));
    assert_eq!(first.fields.filename, "capture-a.warc.gz");
    assert!(
        first
            .fields
            .digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    let shot = lines
        .iter()
        .find(|l| l.fields.url == "urn:truyvet:screenshot:2")
        .expect("screenshot indexed");
    assert_eq!(shot.fields.mime.as_deref(), Some("image/png"));
    assert_eq!(shot.fields.status, None);
    let pages = fs::read_to_string(v.staging.join("pages/pages.jsonl")).expect("pages");
    assert!(
        pages.starts_with(
            r#"{"format":"json-pages-1.0","id":"pages","title":"Vụ việc HN-2026-001"}"#
        )
    );
}

/// A flipped bit inside a member's stored or compressed bytes: the ZIP layer's CRC (or
/// the inflater) refuses it before the WACZ layer looks.
#[test]
fn raw_bit_flips_are_refused_by_the_zip_layer() {
    let fx = fixture();
    let path = fx.root.join("good.wacz");
    write_to(&path, &fx.input);
    let good = fs::read(&path).expect("read");
    // Our writer puts local headers back to back with no data descriptors.
    let mut at = 0;
    let mut n = 0;
    while u32::from_le_bytes(good[at..at + 4].try_into().expect("4")) == 0x0403_4b50 {
        let le16 = |i: usize| u16::from_le_bytes([good[i], good[i + 1]]) as usize;
        let method = le16(at + 8);
        let csize = u32::from_le_bytes(good[at + 18..at + 22].try_into().expect("4")) as usize;
        let start = at + 30 + le16(at + 26) + le16(at + 28);
        let mut bad = good.clone();
        bad[start + csize / 2] ^= 0x10;
        let code = code_of(&bad, &fx.root, &format!("raw{n}"));
        if method == 0 {
            assert_eq!(
                code,
                WaczErrorCode::Zip(ZipErrorCode::CrcMismatch),
                "member {n}"
            );
        } else {
            assert!(
                matches!(
                    code,
                    WaczErrorCode::Zip(
                        ZipErrorCode::CrcMismatch
                            | ZipErrorCode::DeflateInvalid
                            | ZipErrorCode::SizeMismatch
                    )
                ),
                "member {n}: {code:?}"
            );
        }
        at = start + csize;
        n += 1;
    }
    assert_eq!(n, 8);
}

/// A flipped bit in a member's content, the ZIP rebuilt around it so every CRC is right:
/// the manifest's hashes refuse it, each with the code of what was changed.
#[test]
fn content_bit_flips_are_refused_by_the_manifest() {
    let fx = fixture();
    let path = fx.root.join("good.wacz");
    write_to(&path, &fx.input);
    let good = members(&path, &fx.root);
    // Rebuilding unchanged members gives the same bytes (same order, methods and time
    // as the writer used), so the variants below differ only by the flipped bit.
    let mut at_epoch = fx.input.clone();
    at_epoch.zip_time = DosDateTime::EPOCH;
    let epoch_path = fx.root.join("epoch.wacz");
    write_to(&epoch_path, &at_epoch);
    assert_eq!(repack(&good), fs::read(&epoch_path).expect("read"));

    for (i, (name, data)) in good.iter().enumerate() {
        let mut bad = good.clone();
        let expected = match name.as_str() {
            "datapackage.json" => {
                bad[i].1[data.len() / 2] ^= 0x01;
                WaczErrorCode::DigestMismatch
            }
            "datapackage-digest.json" => {
                // The last hex digit of the hash, changed to another hex digit.
                let pos = data.iter().rposition(u8::is_ascii_hexdigit).expect("hex");
                let bit = (0..8)
                    .map(|b| 1u8 << b)
                    .find(|m| matches!(data[pos] ^ m, b'0'..=b'9' | b'a'..=b'f'))
                    .expect("a bit keeps it hex");
                bad[i].1[pos] ^= bit;
                WaczErrorCode::DigestMismatch
            }
            _ => {
                bad[i].1[data.len() / 2] ^= 0x01;
                WaczErrorCode::ResourceHashMismatch
            }
        };
        assert_eq!(
            code_of(&repack(&bad), &fx.root, &format!("flip{i}")),
            expected,
            "{name}"
        );
    }

    let mut bad = good.clone();
    let di = bad.len() - 1;
    bad[di].1[0] ^= 0x01;
    assert_eq!(
        code_of(&repack(&bad), &fx.root, "digest-json"),
        WaczErrorCode::DigestInvalid
    );
}

/// A forger who also rewrites the manifest and its digest is caught by the WARC digests
/// and the index.
#[test]
fn resealed_forgeries_are_refused() {
    let fx = fixture();
    let path = fx.root.join("good.wacz");
    write_to(&path, &fx.input);
    let good = members(&path, &fx.root);
    let find = |m: &[(String, Vec<u8>)], n: &str| m.iter().position(|(x, _)| x == n).expect(n);

    // Resealing an untouched bundle is accepted: the checks below fail for their reason.
    let mut same = good.clone();
    reseal(&mut same);
    let ok = fx.root.join("resealed.wacz");
    fs::write(&ok, repack(&same)).expect("write");
    read_wacz(&ok, &fx.root.join("resealed.staging")).expect("resealed original verifies");

    // A price changed inside a response, its gzip member rebuilt.
    let mut m = good.clone();
    let wi = find(&m, "archive/capture-b.warc.gz");
    let mut warc = capture_warc(2..3);
    let plain = {
        use std::io::Read;
        let mut s = Vec::new();
        flate2::read::MultiGzDecoder::new(&warc[..])
            .read_to_end(&mut s)
            .expect("gunzip");
        s
    };
    let price = plain
        .windows(7)
        .position(|w| w == b"200.000")
        .expect("price");
    let mut forged = plain.clone();
    forged[price] = b'9';
    // One member per record: re-split at the record starts.
    warc.clear();
    let starts: Vec<usize> = (0..forged.len())
        .filter(|&i| forged[i..].starts_with(b"WARC/1.1\r\n"))
        .chain([forged.len()])
        .collect();
    for w in starts.windows(2) {
        let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
        gz.write_all(&forged[w[0]..w[1]]).expect("gzip");
        warc.extend(gz.finish().expect("gzip"));
    }
    m[wi].1 = warc;
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "price"),
        WaczErrorCode::WarcDigestMismatch
    );

    // An index line moved to another offset.
    let mut m = good.clone();
    let ii = find(&m, "indexes/index.cdx");
    let text = String::from_utf8(m[ii].1.clone()).expect("utf8");
    let first = CdxjLine::parse(text.lines().next().expect("line")).expect("cdxj");
    let moved = text.replacen(
        &format!("\"offset\":\"{}\"", first.fields.offset),
        &format!(
            "\"offset\":\"{}\"",
            first.fields.offset.parse::<u64>().expect("n") + 1
        ),
        1,
    );
    m[ii].1 = moved.into_bytes();
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "offset"),
        WaczErrorCode::IndexMismatch
    );

    // Index lines out of order.
    let mut m = good.clone();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    m[ii].1 = (lines.join("\n") + "\n").into_bytes();
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "order"),
        WaczErrorCode::IndexInvalid
    );

    // A line too long to be an index line (memory stays bounded).
    let mut m = good.clone();
    let mut x = 7u64;
    m[ii].1 = (0..(1 << 20) + 10)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'a' + (x % 26) as u8
        })
        .collect();
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "long"),
        WaczErrorCode::IndexInvalid
    );

    // A file slipped in without a manifest entry.
    let mut m = good.clone();
    m.insert(4, ("truyvet/extra.txt".into(), b"x".to_vec()));
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "unlisted"),
        WaczErrorCode::ResourceUnlisted
    );

    // A listed file taken out.
    let mut m = good.clone();
    m.remove(find(&m, "truyvet/case.json"));
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "missing"),
        WaczErrorCode::ResourceMissing
    );

    // A size changed in the manifest only.
    let mut m = good.clone();
    reseal(&mut m);
    let mi = find(&m, "datapackage.json");
    let text = String::from_utf8(m[mi].1.clone()).expect("utf8");
    let size = format!("\"bytes\": {}", m[find(&m, "truyvet/case.json")].1.len());
    assert!(text.contains(&size), "{text}");
    m[mi].1 = text
        .replace(
            &size,
            &format!(
                "\"bytes\": {}",
                m[find(&m, "truyvet/case.json")].1.len() + 1
            ),
        )
        .into_bytes();
    let digest = format!(
        "{{\"path\":\"datapackage.json\",\"hash\":\"sha256:{}\"}}",
        hex::encode(Sha256::digest(&m[mi].1))
    );
    let last = m.len() - 1;
    m[last].1 = digest.into_bytes();
    assert_eq!(
        code_of(&repack(&m), &fx.root, "size"),
        WaczErrorCode::ResourceSizeMismatch
    );

    // Another WACZ version.
    let mut m = good.clone();
    let mi = find(&m, "datapackage.json");
    m[mi].1 = String::from_utf8(m[mi].1.clone())
        .expect("utf8")
        .replace("\"1.1.1\"", "\"1.0.0\"")
        .into_bytes();
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "version"),
        WaczErrorCode::ManifestInvalid
    );

    // A page list without its header line.
    let mut m = good.clone();
    let pi = find(&m, "pages/pages.jsonl");
    let pages = String::from_utf8(m[pi].1.clone()).expect("utf8");
    m[pi].1 = pages
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes();
    reseal(&mut m);
    assert_eq!(
        code_of(&repack(&m), &fx.root, "pages"),
        WaczErrorCode::PagesInvalid
    );

    // No digest file at all.
    let mut m = good.clone();
    m.pop();
    assert_eq!(
        code_of(&repack(&m), &fx.root, "nodigest"),
        WaczErrorCode::DigestMissing
    );
}

#[test]
fn writer_refuses_bad_input() {
    let fx = fixture();
    let mut input = fx.input.clone();
    input.extra.push(ExtraFile {
        name: "keys/a.pem".into(),
        content: Content::Bytes(Vec::new()),
    });
    let e = write_wacz(Cursor::new(Vec::new()), &input).expect_err("nested name");
    assert_eq!(e.code, WaczErrorCode::InvalidInput);

    // A WARC whose record does not match its digest is not packed.
    let mut input = fx.input.clone();
    let bad = fx.root.join("bad.warc.gz");
    let mut rec = record(
        "resource",
        Some("urn:x"),
        "2026-11-28T09:00:00Z",
        "text/plain",
        b"abc",
    );
    let plain = {
        use std::io::Read;
        let mut s = Vec::new();
        flate2::read::GzDecoder::new(&rec[..])
            .read_to_end(&mut s)
            .expect("gunzip");
        s
    };
    let mut forged = plain.clone();
    let at = forged.len() - 5;
    forged[at] = b'x';
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    gz.write_all(&forged).expect("gzip");
    rec = gz.finish().expect("gzip");
    fs::write(&bad, rec).expect("write");
    input.warcs.push(WarcFile {
        name: "bad.warc.gz".into(),
        path: bad,
        source: None,
    });
    let e = write_wacz(Cursor::new(Vec::new()), &input).expect_err("bad digest");
    assert_eq!(e.code, WaczErrorCode::WarcDigestMismatch);

    // Malformed WARCs: two records in one gzip member, a member cut short, bytes that
    // are not gzip, an empty file.
    let plain_of = |gz: &[u8]| {
        use std::io::Read;
        let mut s = Vec::new();
        flate2::read::MultiGzDecoder::new(gz)
            .read_to_end(&mut s)
            .expect("gunzip");
        s
    };
    let good = capture_warc(0..1);
    let mut one_member = GzEncoder::new(Vec::new(), Compression::new(6));
    one_member.write_all(&plain_of(&good)).expect("gzip");
    let variants: [(&str, Vec<u8>); 4] = [
        ("merged", one_member.finish().expect("gzip")),
        ("cut", good[..good.len() - 10].to_vec()),
        ("junk", [good.clone(), b"not gzip".to_vec()].concat()),
        ("empty", Vec::new()),
    ];
    for (tag, bytes) in variants {
        let mut input = fx.input.clone();
        let p = fx.root.join(format!("{tag}.warc.gz"));
        fs::write(&p, bytes).expect("write");
        input.warcs = vec![WarcFile {
            name: format!("{tag}.warc.gz"),
            path: p,
            source: None,
        }];
        let e = write_wacz(Cursor::new(Vec::new()), &input).expect_err(tag);
        assert_eq!(e.code, WaczErrorCode::WarcInvalid, "{tag}: {e}");
    }
}

/// Our index agrees with Webrecorder's `cdxj-indexer` on every line (its digest for
/// records without a `WARC-Payload-Digest` is SHA-1, ours SHA-256: compared when both
/// are SHA-256).
#[test]
fn index_matches_cdxj_indexer() {
    let fx = fixture();
    let path = fx.root.join("good.wacz");
    write_to(&path, &fx.input);
    let v = read_wacz(&path, &fx.root.join("staging")).expect("read_wacz");
    let run = Command::new(venv_bin("cdxj-indexer"))
        .arg("--sort")
        .args(["capture-a.warc.gz", "capture-b.warc.gz"])
        .current_dir(v.staging.join("archive"))
        .output()
        .expect("cdxj-indexer");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let theirs: Vec<CdxjLine> = String::from_utf8(run.stdout)
        .expect("utf8")
        .lines()
        .map(|l| CdxjLine::parse(l).expect("their line parses"))
        .collect();
    let ours: Vec<CdxjLine> = fs::read_to_string(v.staging.join("indexes/index.cdx"))
        .expect("index")
        .lines()
        .map(|l| CdxjLine::parse(l).expect("our line parses"))
        .collect();
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(&theirs) {
        let mut o = o.clone();
        if !t
            .fields
            .digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
        {
            o.fields.digest = t.fields.digest.clone();
        }
        assert_eq!(&o, t);
    }
}

/// Without web captures the bundle still has a WARC: one `warcinfo` record describing it,
/// so py-wacz's validator (which requires a WARC) passes, the index is empty, our reader
/// accepts it, and the same input still gives the same bytes.
#[test]
fn a_wacz_without_captures_gets_an_info_warc() {
    let fx = fixture();
    let mut input = fx.input.clone();
    input.warcs.clear();
    input.pages.clear();
    input.main_page_url = None;
    input.main_page_date = None;
    input.description = Some("Hồ sơ\r\nchỉ có tệp".into());
    let path = fx.root.join("files-only.wacz");
    write_to(&path, &input);
    let again = fx.root.join("files-only-2.wacz");
    write_to(&again, &input);
    assert_eq!(
        fs::read(&path).expect("read"),
        fs::read(&again).expect("read")
    );

    let staging = fx.root.join("files-only.staging");
    let read = read_wacz(&path, &staging).expect("our reader accepts it");
    assert_eq!(
        (read.records, read.index_lines, read.pages.len()),
        (1, 0, 0)
    );
    let warc = staging.join("archive/case-info.warc.gz");
    let mut text = String::new();
    {
        use std::io::Read;
        flate2::read::GzDecoder::new(fs::File::open(&warc).expect("warc"))
            .read_to_string(&mut text)
            .expect("gunzip");
    }
    assert!(
        text.starts_with("WARC/1.1\r\nWARC-Type: warcinfo\r\n"),
        "{text}"
    );
    assert!(
        text.contains("WARC-Date: 2026-11-28T10:00:00Z\r\n"),
        "{text}"
    );
    assert!(text.contains("title: Vụ việc HN-2026-001\r\n"), "{text}");
    // A line break in a field would end the field: it becomes a space.
    assert!(
        text.contains("description: Hồ sơ  chỉ có tệp\r\n"),
        "{text}"
    );
    assert_eq!(
        fs::read(staging.join("indexes/index.cdx")).expect("index"),
        b""
    );

    let out = Command::new(venv_bin("wacz"))
        .args(["validate", "--file"])
        .arg(&path)
        .output()
        .expect("wacz validate");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wacz validate failed:\n{said}");
    assert!(said.contains("Validation succeeded"), "{said}");
}

/// Random bytes whose name says nothing are stored, not deflated at 30 MB/s for nothing;
/// text is deflated; the choice depends only on name and bytes.
#[test]
fn incompressible_members_are_stored() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..(3 << 20))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let text: Vec<u8> = (0..40_000)
        .flat_map(|i| format!("Biên bản kiểm tra cửa hàng số {i}.\n").into_bytes())
        .collect();
    assert_eq!(Method::for_content("truyvet/a.bin", &noise), Method::Stored);
    assert_eq!(Method::for_content("truyvet/a", &noise), Method::Stored);
    assert_eq!(
        Method::for_content("truyvet/a.txt", &text),
        Method::Deflated
    );
    assert_eq!(Method::for_content("truyvet/a.mp4", &text), Method::Stored);
    assert_eq!(
        Method::for_content("truyvet/tiny.bin", &noise[..100]),
        Method::Deflated
    );

    let fx = fixture();
    let big = fx.root.join("camera.bin");
    fs::write(&big, &noise).expect("write");
    let mut input = fx.input.clone();
    input.extra.push(ExtraFile {
        name: "camera.bin".into(),
        content: Content::File(big),
    });
    input.extra.push(ExtraFile {
        name: "notes.txt".into(),
        content: Content::Bytes(text.clone()),
    });
    // 4 MiB of one byte deflates about 1000:1, beyond the reader's bomb guard: stored.
    let blank = fx.root.join("blank.bmp");
    fs::write(&blank, vec![0xffu8; 4 << 20]).expect("write");
    input.extra.push(ExtraFile {
        name: "blank.bmp".into(),
        content: Content::File(blank),
    });
    let path = fx.root.join("mixed.wacz");
    write_to(&path, &input);
    let zip = fs::read(&path).expect("read");
    let method_of = |name: &str| {
        let at = zip
            .windows(name.len())
            .position(|w| w == name.as_bytes())
            .expect(name);
        // The first occurrence is the local header's name, 30 bytes after its start.
        u16::from_le_bytes([zip[at - 30 + 8], zip[at - 30 + 9]])
    };
    assert_eq!(method_of("truyvet/camera.bin"), 0);
    assert_eq!(method_of("truyvet/notes.txt"), 8);
    assert_eq!(method_of("truyvet/blank.bmp"), 0);
    assert!(zip.len() < noise.len() + text.len() / 3 + (4 << 20) + 10_000);
    let staging = fx.root.join("mixed.staging");
    let read = read_wacz(&path, &staging).expect("read");
    let camera = read
        .entries
        .iter()
        .find(|e| e.name == "truyvet/camera.bin")
        .expect("camera.bin");
    assert_eq!(camera.sha256, hex::encode(Sha256::digest(&noise)));
}
