//! `kill -9` during `evidence add`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;
use truyvet_tests::{Rng, TestWorkspace, sha256_hex};

const ROUNDS: usize = 50;

/// Kills and reaps the child even when an assertion fails mid-round.
pub(crate) struct Reaped(pub(crate) Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One round's source files: mostly small, some a few MiB, sometimes a duplicate.
fn make_sources(ws: &TestWorkspace, rng: &mut Rng, round: usize) -> Vec<(PathBuf, String)> {
    let dir = ws.files.join(format!("round-{round:02}"));
    fs::create_dir(&dir).unwrap();
    let n = rng.range(6, 13) as usize;
    let mut out: Vec<(PathBuf, String)> = Vec::with_capacity(n);
    for i in 0..n {
        let path = dir.join(format!("tep-{i:02}.bin"));
        let bytes = match rng.range(0, 10) {
            0 | 1 => {
                let len = rng.range(1 << 20, 3 << 20) as usize;
                rng.bytes(len)
            }
            2 if !out.is_empty() => {
                fs::read(&out[rng.range(0, out.len() as u64) as usize].0).unwrap()
            }
            _ => {
                let len = rng.range(1, 96 << 10) as usize;
                rng.bytes(len)
            }
        };
        fs::write(&path, &bytes).unwrap();
        out.push((path, sha256_hex(&bytes)));
    }
    out
}

/// Complete lines only: a line cut off by the kill was never acknowledged.
pub(crate) fn read_acks(reader: &mut impl BufRead, max: Option<usize>, into: &mut Vec<Value>) {
    let mut line = String::new();
    while max.is_none_or(|m| into.len() < m) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.ends_with('\n') => {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("acknowledgement {line:?} is not JSON: {e}"));
                into.push(v);
            }
            Ok(_) => break,
        }
    }
}

fn check_blob_dir(blobs: &Path) {
    for entry in fs::read_dir(blobs).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name == "tmp" {
            for tmp in fs::read_dir(&path).unwrap() {
                let tmp = tmp.unwrap().file_name().to_string_lossy().into_owned();
                assert!(
                    tmp.ends_with(".part") || tmp.starts_with(".probe-"),
                    "unexpected file in blobs/tmp: {tmp}"
                );
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
                "stray file outside blobs/tmp: {}/{blob_name}",
                name
            );
        }
    }
}

#[test]
fn kill_9_while_adding_files() {
    let started = Instant::now();
    let mut rng = Rng::from_env_or_time("kill_9_while_adding_files");
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ thử kill -9");
    // Every evidence the child ever acknowledged: id → sha256 of the source bytes.
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    let (mut killed_before_any, mut killed_midway, mut finished) = (0, 0, 0);

    for round in 0..ROUNDS {
        let sources = make_sources(&ws, &mut rng, round);
        let stderr_path = ws.temp_root().join("child-stderr.txt");
        let mut cmd = ws.command();
        cmd.args(["--json", "evidence", "add", "--case", &code])
            .args(sources.iter().map(|(p, _)| p))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr_path).unwrap());
        let mut child = Reaped(cmd.spawn().expect("spawn truyvet"));
        let mut stdout = BufReader::new(child.0.stdout.take().unwrap());

        // Kill after the child's own k-th acknowledgement, plus a random few
        // milliseconds so the kill lands while hashing, copying, fsyncing, renaming or
        // committing. (This sleep only places the fault; nothing waits on it.)
        let k = rng.range(0, sources.len() as u64 + 1) as usize;
        let mut acks = Vec::new();
        read_acks(&mut stdout, Some(k), &mut acks);
        match rng.range(0, 3) {
            0 => {}
            1 => std::thread::sleep(Duration::from_micros(rng.range(0, 2_000))),
            _ => std::thread::sleep(Duration::from_micros(rng.range(0, 25_000))),
        }
        let _ = child.0.kill();
        let status = child.0.wait().unwrap();
        // Lines the child printed before it died are acknowledged even if unread.
        read_acks(&mut stdout, None, &mut acks);
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);

        if status.code().is_some() {
            let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
            assert!(
                status.success(),
                "round {round}: the child failed on its own: {stderr}"
            );
            assert_eq!(
                acks.len(),
                sources.len(),
                "round {round}: finished without acking all"
            );
            finished += 1;
        } else if acks.is_empty() {
            killed_before_any += 1;
        } else {
            killed_midway += 1;
        }
        for (i, ack) in acks.iter().enumerate() {
            let sha = ack["sha256"].as_str().unwrap().to_string();
            assert_eq!(
                sha, sources[i].1,
                "round {round}: file {i} acknowledged with a wrong hash"
            );
            acknowledged.insert(ack["id"].as_str().unwrap().to_string(), sha);
        }

        // 1. SQLite recovers to a consistent database.
        let conn = Connection::open(ws.db_path()).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
        // 2. Everything acknowledged is there, with the same hash.
        let rows: BTreeMap<String, (String, u64)> = {
            let mut stmt = conn
                .prepare("SELECT id, sha256, size FROM evidence")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        drop(conn);
        for (id, sha) in &acknowledged {
            match rows.get(id) {
                Some((stored, _)) => assert_eq!(stored, sha, "round {round}: evidence {id}"),
                None => panic!("round {round}: acknowledged evidence {id} ({sha}) was lost"),
            }
        }
        // 3. No row points at a missing (or short) blob.
        for (id, (sha, size)) in &rows {
            let meta = fs::metadata(ws.blob_path(sha))
                .unwrap_or_else(|e| panic!("round {round}: evidence {id} has no blob {sha}: {e}"));
            assert_eq!(meta.len(), *size, "round {round}: blob {sha} is incomplete");
        }
        // 4. Leftovers of an interrupted write stay in blobs/tmp.
        check_blob_dir(&ws.blobs());
        // 5. The workspace verifies.
        ws.assert_verifies();
        fs::remove_dir_all(ws.files.join(format!("round-{round:02}"))).unwrap();
    }

    eprintln!(
        "kill -9: {ROUNDS} rounds in {:.1?}: {killed_before_any} killed before any \
         acknowledgement, {killed_midway} mid-batch, {finished} finished first; \
         {} acknowledged evidence checked",
        started.elapsed(),
        acknowledged.len()
    );
    // Kills must have landed before the child finished, or the test proved little
    // (the bound is loose so a much faster machine does not make it flaky).
    assert!(
        killed_midway + killed_before_any >= ROUNDS / 5,
        "too few kills landed mid-run"
    );
}
