//! `kill -9` during `truyvet capture` of a batch of 200 loopback pages, 20 times on one
//! workspace. The child fetches pages ahead and stores them in groups, but prints a
//! page's acknowledgement only after the commit that stored it: that is what is
//! checked. Each round continues the batch with the pages not yet acknowledged (a
//! fresh batch once one is used up). After every kill: each acknowledged capture is
//! there with the same digest, its manifest and every artifact blob hash to their
//! names, no web capture is half-stored (rows, artifacts, timestamp queue entry and
//! custody event all present or none), SQLite is intact, `verify-workspace` passes, and
//! the leftovers of an interrupted capture are only in `blobs/tmp`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use truyvet_tests::{BLOB_DIR, DB_FILE, Rng, TestWorkspace, sha256_hex};

use crate::kill9::{Reaped, read_acks};

const ROUNDS: usize = 20;
const BATCH: usize = 200;
const SERVER_THREADS: usize = 4;
/// Large pages go out in pieces with a pause between them, so that a kill can land
/// while a page is still downloading (and its WARC is still being written).
const PIECE: usize = 32 << 10;
const PIECE_PAUSE: Duration = Duration::from_millis(1);

const WORDS: &[&str] = &[
    "đồng",
    "hồ",
    "giả",
    "hàng",
    "chính",
    "hãng",
    "giá",
    "rẻ",
    "liên",
    "hệ",
    "Zalo",
    "túi",
    "xách",
    "mỹ",
    "phẩm",
    "xách tay",
    "Sài Gòn",
    "Hà Nội",
    "freeship",
    "sỉ",
    "lẻ",
    "nước",
    "hoa",
    "Rolex",
    "Gucci",
    "giày",
    "thể",
    "thao",
    "điện",
    "thoại",
    "chuyển",
    "khoản",
    "trước",
    "bảo",
    "hành",
    "12",
    "tháng",
    "đặt",
    "hàng",
    "ngay",
];

/// The loopback site: every path is a distinct page, generated from the path and a
/// seed, so a page fetched again is the same page.
struct Site {
    base: String,
    /// Responses whose sending failed: the client was gone mid-download.
    cut_short: Arc<AtomicUsize>,
}

fn serve(seed: u64) -> Site {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cut_short = Arc::new(AtomicUsize::new(0));
    for _ in 0..SERVER_THREADS {
        let listener = listener.try_clone().unwrap();
        let cut_short = cut_short.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if !respond(stream, seed) {
                    cut_short.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
    Site { base, cut_short }
}

/// Answers one request; false when the response could not be sent in full.
fn respond(mut stream: TcpStream, seed: u64) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 << 10 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return true, // the client left before asking
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let body = page(seed, &path);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return false;
    }
    for piece in body.chunks(PIECE) {
        if stream.write_all(piece).is_err() {
            return false;
        }
        if body.len() > PIECE {
            std::thread::sleep(PIECE_PAUSE);
        }
    }
    stream.flush().is_ok()
}

/// A marketplace-like listing: most a few KB, one in five a few hundred KB.
fn page(seed: u64, path: &str) -> Vec<u8> {
    // FNV-1a of the path, mixed with the seed.
    let h = path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = Rng::new(seed ^ h);
    let size = if rng.range(0, 5) == 0 {
        rng.range(150 << 10, 450 << 10)
    } else {
        rng.range(1 << 10, 24 << 10)
    } as usize;
    let mut html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tin đăng {path}</title>\
         </head><body><h1>Tin đăng {path}</h1><p>"
    );
    while html.len() < size {
        html.push_str(WORDS[rng.range(0, WORDS.len() as u64) as usize]);
        html.push(if rng.range(0, 12) == 0 { '\n' } else { ' ' });
    }
    html.push_str("</p></body></html>");
    html.into_bytes()
}

fn batch(site: &Site, n: usize) -> VecDeque<String> {
    (0..BATCH)
        .map(|i| format!("{}/lo-{n}/tin-dang-{i:03}", site.base))
        .collect()
}

/// The blob's bytes, which must hash to its name.
#[track_caller]
fn read_blob(ws: &TestWorkspace, sha: &str, what: &str) -> Vec<u8> {
    let bytes =
        fs::read(ws.blob_path(sha)).unwrap_or_else(|e| panic!("{what}: no blob {sha}: {e}"));
    assert_eq!(
        sha256_hex(&bytes),
        sha,
        "{what}: blob {sha} does not hash to its name"
    );
    bytes
}

/// Files a capture that was interrupted may leave in `blobs/tmp`, by kind.
#[derive(Debug, Default, Clone, Copy)]
struct Leftovers {
    /// `.warc-*.part`: a WARC being written (the page still downloading, or just done).
    warc_in_progress: usize,
    /// `capture-*.warc.gz`: a finished WARC not yet read back and removed.
    warc_finished: usize,
    /// `<uuid>.part`: a blob being stored.
    blob_in_progress: usize,
}

/// Only blobs named by their digest outside `blobs/tmp`; in `blobs/tmp`, only the
/// temp files of a blob write, a WARC write or a write probe. Returns the new leftovers.
fn check_blob_dir(blobs: &Path, seen: &mut BTreeSet<String>) -> Leftovers {
    let mut new = Leftovers::default();
    for entry in fs::read_dir(blobs).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name == "tmp" {
            for tmp in fs::read_dir(&path).unwrap() {
                let tmp = tmp.unwrap().file_name().to_string_lossy().into_owned();
                let kind = if tmp.starts_with(".warc-") && tmp.ends_with(".part") {
                    &mut new.warc_in_progress
                } else if tmp.starts_with("capture-") && tmp.ends_with(".warc.gz") {
                    &mut new.warc_finished
                } else if tmp.ends_with(".part") {
                    &mut new.blob_in_progress
                } else {
                    assert!(
                        tmp.starts_with(".probe-"),
                        "unexpected file in blobs/tmp: {tmp}"
                    );
                    continue;
                };
                if seen.insert(tmp) {
                    *kind += 1;
                }
            }
            continue;
        }
        assert!(
            path.is_dir() && name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "unexpected entry in blobs/: {name}"
        );
        for blob in fs::read_dir(&path).unwrap() {
            let blob = blob.unwrap();
            let blob_name = blob.file_name().to_string_lossy().into_owned();
            assert!(
                blob_name.len() == 64 && blob_name.starts_with(&name) && blob.path().is_file(),
                "stray file outside blobs/tmp: {name}/{blob_name}"
            );
        }
    }
    new
}

/// Nothing in the workspace folder but the database (and SQLite's own files), the blob
/// store and the app lock.
fn check_workspace_root(root: &Path) {
    for entry in fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let known = name == BLOB_DIR
            || name == "app.lock"
            || name == DB_FILE
            || ["-wal", "-shm", "-journal"]
                .iter()
                .any(|s| name == format!("{DB_FILE}{s}"));
        assert!(known, "stray file in the workspace folder: {name}");
    }
}

/// Every web capture in the database is whole: its manifest and artifact blobs hash to
/// their names, the manifest lists exactly its artifact rows, and it has its
/// `web_captures` row, its timestamp queue entry and its custody event. Returns the
/// ids of all evidence rows with their digests.
fn check_no_half_stored_capture(ws: &TestWorkspace, conn: &Connection) -> BTreeMap<String, String> {
    let rows: Vec<(String, String, String, u64)> = {
        let mut stmt = conn
            .prepare("SELECT id, kind, sha256, size FROM evidence")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let mut out = BTreeMap::new();
    for (id, kind, sha, size) in rows {
        assert_eq!(kind, "web_capture", "evidence {id}");
        let manifest_bytes = read_blob(ws, &sha, &format!("the manifest of evidence {id}"));
        assert_eq!(
            manifest_bytes.len() as u64,
            size,
            "evidence {id}: manifest size"
        );
        let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
        assert_eq!(manifest["evidence_id"], id.as_str(), "manifest of {id}");
        let mut listed: Vec<(String, String, u64)> = manifest["artifacts"]
            .as_array()
            .unwrap_or_else(|| panic!("manifest of {id} lists no artifacts: {manifest}"))
            .iter()
            .map(|a| {
                (
                    a["role"].as_str().unwrap().to_string(),
                    a["sha256"].as_str().unwrap().to_string(),
                    a["size"].as_u64().unwrap(),
                )
            })
            .collect();
        listed.sort();
        let mut stored: Vec<(String, String, u64)> = {
            let mut stmt = conn
                .prepare("SELECT role, sha256, size FROM evidence_artifacts WHERE evidence_id = ?1")
                .unwrap();
            stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        stored.sort();
        assert!(
            !stored.is_empty(),
            "web capture {id} has no evidence_artifacts rows"
        );
        assert_eq!(
            stored, listed,
            "web capture {id}: artifact rows differ from its manifest"
        );
        assert!(
            stored.iter().any(|(role, _, _)| role == "warc"),
            "web capture {id} has no WARC"
        );
        for (role, a_sha, a_size) in &stored {
            let bytes = read_blob(ws, a_sha, &format!("the {role} artifact of {id}"));
            assert_eq!(bytes.len() as u64, *a_size, "the {role} artifact of {id}");
        }
        let url: Option<String> = conn
            .query_row(
                "SELECT url FROM web_captures WHERE evidence_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(
            url.as_deref(),
            manifest["url"].as_str(),
            "web capture {id}: its web_captures row"
        );
        let digest: Option<String> = conn
            .query_row(
                "SELECT digest FROM timestamps WHERE evidence_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(
            digest.as_deref(),
            Some(sha.as_str()),
            "web capture {id}: its timestamps row"
        );
        let events: i64 = conn
            .query_row(
                "SELECT count(*) FROM custody_events
                 WHERE kind = 'capture_added' AND json_extract(payload, '$.evidence_id') = ?1",
                [&id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(events, 1, "web capture {id}: its custody event");
        out.insert(id, sha);
    }
    // Nothing of a capture without its evidence row.
    for table in [
        "evidence_artifacts",
        "web_captures",
        "timestamps",
        "capture_text",
    ] {
        let orphans: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {table} WHERE evidence_id NOT IN (SELECT id FROM evidence)"
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "{table} rows without their evidence");
    }
    out
}

/// Polls `blobs/tmp` until `count` temp files of one kind (`.warc-*.part` for a WARC
/// being written, other `*.part` for a blob being stored) that are not old leftovers
/// have come and gone. False if that did not happen within a few seconds.
fn wait_for_temp_files(tmp: &Path, old: &BTreeSet<String>, warc: bool, count: usize) -> bool {
    // Small blobs can come and go between two polls; then the kill lands a little later.
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut present = BTreeSet::new();
    let mut gone = 0;
    while Instant::now() < deadline {
        let names: BTreeSet<String> = fs::read_dir(tmp)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| {
                        n.ends_with(".part") && n.starts_with(".warc-") == warc && !old.contains(n)
                    })
                    .collect()
            })
            .unwrap_or_default();
        gone += present.difference(&names).count();
        if gone >= count {
            return true;
        }
        present = names;
        std::thread::sleep(Duration::from_micros(100));
    }
    false
}

/// Blobs that no row refers to and were not seen before, as (manifests, others).
fn new_orphans(
    ws: &TestWorkspace,
    evidence: &BTreeMap<String, String>,
    seen: &mut BTreeSet<String>,
) -> (usize, usize) {
    let conn = Connection::open(ws.db_path()).unwrap();
    let mut referenced: BTreeSet<String> = evidence.values().cloned().collect();
    let mut stmt = conn
        .prepare("SELECT sha256 FROM evidence_artifacts")
        .unwrap();
    for sha in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        referenced.insert(sha.unwrap());
    }
    let (mut manifests, mut others) = (0, 0);
    for dir in fs::read_dir(ws.blobs()).unwrap() {
        let dir = dir.unwrap();
        if dir.file_name() == "tmp" {
            continue;
        }
        for blob in fs::read_dir(dir.path()).unwrap() {
            let name = blob.unwrap().file_name().to_string_lossy().into_owned();
            if referenced.contains(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let bytes = read_blob(ws, &name, "an orphan blob");
            let manifest = serde_json::from_slice::<Value>(&bytes)
                .is_ok_and(|v| v["format"] == "truyvet.capture.v1");
            if manifest {
                manifests += 1;
            } else {
                others += 1;
            }
        }
    }
    (manifests, others)
}

#[test]
fn kill_9_during_a_batch_of_captures() {
    let started = Instant::now();
    let mut rng = Rng::from_env_or_time("kill_9_during_a_batch_of_captures");
    let site = serve(rng.next_u64());
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ thử kill -9 khi thu thập trang");
    // Every capture the child ever acknowledged: evidence id → (sha256, url).
    let mut acknowledged: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut batches = 0;
    let mut pending = batch(&site, batches);
    let mut seen_tmp = BTreeSet::new();
    let mut leftovers = Leftovers::default();
    let (mut killed_before_any, mut killed_midway, mut finished) = (0, 0, 0);
    let (mut committed_unacked, mut cut_short) = (0, 0);
    let (mut killed_in_commit, mut killed_storing_blobs) = (0, 0);
    let mut seen_orphans = BTreeSet::new();
    let (mut aimed_at_store, mut aimed_at_commit) = (0, 0);

    for round in 0..ROUNDS {
        if pending.is_empty() {
            batches += 1;
            pending = batch(&site, batches);
        }
        let urls: Vec<String> = pending.iter().cloned().collect();
        let stderr_path = ws.temp_root().join("child-stderr.txt");
        let cut_before = site.cut_short.load(Ordering::SeqCst);
        let mut cmd = ws.command();
        cmd.args(["--json", "capture"])
            .args(&urls)
            .args(["--case", &code, "--allow", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr_path).unwrap());
        let mut child = Reaped(cmd.spawn().expect("spawn truyvet"));
        let mut stdout = BufReader::new(child.0.stdout.take().unwrap());

        // Kill after the child's k-th acknowledgement plus a random delay, so the kill
        // lands while starting up, downloading, writing the WARC, storing blobs or
        // committing. (The sleep only places the fault; nothing waits on it.)
        let k = rng.range(0, 6) as usize;
        let mut acks = Vec::new();
        read_acks(&mut stdout, Some(k), &mut acks);
        // A capture takes tens of milliseconds in a debug build, most of it before the
        // page is stored: short delays land early in the next page, long ones anywhere
        // in it. The child fetches ahead while it stores, and stores the pages that are
        // ready as one group (their WARC and manifest blobs, then one commit), which
        // takes a few milliseconds, so some rounds aim at it by watching the child's
        // blob temp files: once one blob is stored, or once two are.
        let tmp = ws.blobs().join("tmp");
        match rng.range(0, 6) {
            0 => {}
            1 => std::thread::sleep(Duration::from_micros(rng.range(0, 2_000))),
            2 => std::thread::sleep(Duration::from_micros(rng.range(0, 30_000))),
            3 => std::thread::sleep(Duration::from_micros(rng.range(0, 100_000))),
            4 => {
                aimed_at_store += 1;
                // The page's WARC blob is stored: the manifest and the commit follow.
                if wait_for_temp_files(&tmp, &seen_tmp, false, 1) {
                    std::thread::sleep(Duration::from_micros(rng.range(0, 10_000)));
                }
            }
            _ => {
                aimed_at_commit += 1;
                // The WARC and manifest blobs are stored: the commit is next.
                if wait_for_temp_files(&tmp, &seen_tmp, false, 2) {
                    std::thread::sleep(Duration::from_micros(rng.range(0, 6_000)));
                }
            }
        }
        let _ = child.0.kill();
        let status = child.0.wait().unwrap();
        // Lines the child printed before it died are acknowledged even if unread.
        read_acks(&mut stdout, None, &mut acks);
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();

        if status.code().is_some() {
            assert!(
                status.success(),
                "round {round}: the child failed on its own: {stderr}"
            );
            assert_eq!(
                acks.len(),
                urls.len(),
                "round {round}: finished without acking all"
            );
            finished += 1;
        } else if acks.is_empty() {
            killed_before_any += 1;
        } else {
            killed_midway += 1;
        }
        // No page fails, so the i-th acknowledgement is the i-th URL.
        assert!(
            acks.len() <= urls.len(),
            "round {round}: more acks than URLs"
        );
        for (i, ack) in acks.iter().enumerate() {
            let url = &urls[i];
            assert_eq!(
                ack["url"],
                url.as_str(),
                "round {round}: ack {i}: {ack}\n{stderr}"
            );
            assert_eq!(ack["final_url"], url.as_str(), "round {round}: ack {i}");
            assert_eq!(ack["http_status"], 200, "round {round}: ack {i}");
            let evidence = &ack["evidence"];
            assert_eq!(evidence["kind"], "web_capture", "round {round}: ack {i}");
            let id = evidence["id"].as_str().unwrap().to_string();
            let sha = evidence["sha256"].as_str().unwrap().to_string();
            let old = acknowledged.insert(id.clone(), (sha, url.clone()));
            assert!(
                old.is_none(),
                "round {round}: evidence {id} acknowledged twice"
            );
        }
        pending.drain(..acks.len());

        // 1. SQLite recovers to a consistent database.
        let conn = Connection::open(ws.db_path()).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
        // 2. No evidence row without its blobs, no half-stored capture.
        let rows = check_no_half_stored_capture(&ws, &conn);
        drop(conn);
        // 3. Everything acknowledged is there, with the same digest, for the same page.
        for (id, (sha, url)) in &acknowledged {
            match rows.get(id) {
                Some(stored) => assert_eq!(stored, sha, "round {round}: evidence {id}"),
                None => panic!("round {round}: acknowledged capture {id} of {url} was lost"),
            }
            let manifest: Value = serde_json::from_slice(&read_blob(&ws, sha, id)).unwrap();
            assert_eq!(
                manifest["url"],
                url.as_str(),
                "round {round}: evidence {id}"
            );
        }
        // Stored but killed before it could say so: allowed, and rare.
        committed_unacked = rows.len() - acknowledged.len();
        // 4. Leftovers of an interrupted capture stay in blobs/tmp.
        let new = check_blob_dir(&ws.blobs(), &mut seen_tmp);
        leftovers.warc_in_progress += new.warc_in_progress;
        leftovers.warc_finished += new.warc_finished;
        leftovers.blob_in_progress += new.blob_in_progress;
        check_workspace_root(&ws.root);
        // Blobs stored by a capture whose commit never happened: harmless orphans, and
        // the sign that the kill landed after storing (an orphan manifest: the commit).
        let (manifests, artifacts) = new_orphans(&ws, &rows, &mut seen_orphans);
        if manifests > 0 {
            killed_in_commit += 1;
        } else if artifacts > 0 {
            killed_storing_blobs += 1;
        }
        // 5. The workspace verifies.
        ws.assert_verifies();
        cut_short += site.cut_short.load(Ordering::SeqCst) - cut_before;
    }

    eprintln!(
        "kill -9 during capture: {ROUNDS} rounds in {:.1?}: {killed_before_any} killed before \
         any acknowledgement, {killed_midway} mid-batch, {finished} finished first; \
         {} acknowledged captures checked, {committed_unacked} stored but not acknowledged; \
         kills left {} downloads cut short, {} WARCs being written, {} finished WARCs not \
         yet stored, {} blobs being written; {killed_storing_blobs} kills landed after some \
         blobs were stored, {killed_in_commit} after the manifest was (the commit window); \
         {aimed_at_store} rounds aimed at the storing, \
         {aimed_at_commit} at the commit",
        started.elapsed(),
        acknowledged.len(),
        cut_short,
        leftovers.warc_in_progress,
        leftovers.warc_finished,
        leftovers.blob_in_progress,
    );
    assert!(
        killed_midway + killed_before_any >= ROUNDS / 2,
        "too few kills landed mid-run"
    );
}
