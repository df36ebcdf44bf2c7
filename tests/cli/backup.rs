//! `truyvet backup` / `truyvet restore` against the real binary: a backup taken while
//! another process keeps adding evidence, a bit flipped in every member, truncations,
//! `kill -9` half way, a full disk (a tiny tmpfs in a private mount namespace) and
//! incremental snapshots in a folder.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use truyvet_tests::{Rng, TestWorkspace, run_command, truyvet_bin};

/// A workspace with one case and `n` distinct files of `size` bytes.
fn workspace_with(n: usize, size: usize, seed: u64) -> (TestWorkspace, String) {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Sao lưu: hàng giả");
    let mut rng = Rng::new(seed);
    let mut paths = Vec::new();
    for i in 0..n {
        paths.push(ws.write_file(format!("f{i}.bin"), &rng.bytes(size)));
    }
    if !paths.is_empty() {
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        ws.add(&code, &refs);
    }
    (ws, code)
}

fn run_truyvet(args: &[&std::ffi::OsStr]) -> truyvet_tests::Run {
    let mut cmd = Command::new(truyvet_bin());
    cmd.env_remove("TRUYVET_HOME").arg("--json").args(args);
    run_command(&mut cmd)
}

fn restore(from: &Path, to: &Path, extra: &[&str]) -> truyvet_tests::Run {
    let mut args: Vec<&std::ffi::OsStr> = vec!["restore".as_ref(), from.as_os_str()];
    args.push("--to".as_ref());
    args.push(to.as_os_str());
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    run_truyvet(&args)
}

fn verify_workspace(root: &Path) -> Value {
    let run = run_truyvet(&[
        "--workspace".as_ref(),
        root.as_os_str(),
        "verify-workspace".as_ref(),
    ]);
    assert_eq!(run.code, 0, "restored workspace must verify:\n{run}");
    run.json()
}

fn evidence_shas(root: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open_with_flags(
        root.join("truyvet.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn.prepare("SELECT sha256 FROM evidence").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// One hash over every path, kind, mode and byte under `root`.
fn tree_hash(root: &Path) -> String {
    fn walk(dir: &Path, base: &Path, h: &mut Sha256) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            h.update(rel.as_bytes());
            h.update([0]);
            if p.is_dir() {
                h.update(b"d");
                walk(&p, base, h);
            } else {
                h.update(fs::read(&p).unwrap());
            }
        }
    }
    let mut h = Sha256::new();
    walk(root, root, &mut h);
    hex::encode(h.finalize())
}

/// (name, header offset, data offset, size) of each member of a tar file.
fn tar_members(bytes: &[u8]) -> Vec<(String, usize, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 512 <= bytes.len() && bytes[pos..pos + 512].iter().any(|b| *b != 0) {
        let h = &bytes[pos..pos + 512];
        let name_end = h[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&h[..name_end]).into_owned();
        let size_text = String::from_utf8_lossy(&h[124..136]);
        let size =
            usize::from_str_radix(size_text.trim_matches(|c: char| c == '\0' || c == ' '), 8)
                .unwrap();
        out.push((name, pos, pos + 512, size));
        pos += 512 + size.div_ceil(512) * 512;
    }
    out
}

/// A target that already holds a workspace, so a wrongly accepted backup would visibly
/// replace it (restores below use --force).
fn occupied_target(dir: &Path) -> PathBuf {
    let target = dir.join("target-ws");
    fs::create_dir_all(target.join("blobs")).unwrap();
    fs::write(
        target.join("truyvet.db"),
        b"the workspace that must survive",
    )
    .unwrap();
    fs::write(target.join("blobs").join("note"), b"x").unwrap();
    target
}

#[track_caller]
fn assert_refused(run: &truyvet_tests::Run, member_hint: &str) {
    run.fails_with(3, "backup_invalid");
    assert!(
        run.stderr.contains(member_hint),
        "the error should name {member_hint}:\n{run}"
    );
}

#[test]
fn backup_while_another_process_writes_restores_everything_acknowledged() {
    // Large blobs so the backup takes long enough for the writer to overlap it.
    let (ws, code) = workspace_with(24, 2 << 20, 1);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let (stop, acked, root, files, code) = (
            stop.clone(),
            acked.clone(),
            ws.root.clone(),
            ws.files.clone(),
            code.clone(),
        );
        thread::spawn(move || {
            let mut i = 0u32;
            let mut rng = Rng::new(7);
            while !stop.load(Ordering::SeqCst) || i < 5 {
                let path = files.join(format!("w{i}.bin"));
                fs::write(&path, rng.bytes(64 << 10)).unwrap();
                let mut cmd = Command::new(truyvet_bin());
                cmd.env_remove("TRUYVET_HOME")
                    .arg("--workspace")
                    .arg(&root)
                    .args(["--json", "evidence", "add", "--case", &code])
                    .arg(&path);
                let run = run_command(&mut cmd).ok();
                for item in run.json_lines() {
                    acked
                        .lock()
                        .unwrap()
                        .push(item["sha256"].as_str().unwrap().to_string());
                }
                i += 1;
            }
            i
        })
    };
    // Wait until the writer has had a few items acknowledged, then back up beside it.
    while acked.lock().unwrap().len() < 3 {
        thread::sleep(Duration::from_millis(5));
    }
    let before: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    let out = ws.temp_root().join("live.tar");
    let run = ws
        .run(&["backup".as_ref(), "--out".as_ref(), out.as_os_str()])
        .ok();
    stop.store(true, Ordering::SeqCst);
    let writes = writer.join().unwrap();
    assert!(writes >= 5);
    let summary = run.json();
    assert_eq!(summary["kind"], "archive");
    assert!(!ws.temp_root().join("live.tar.partial").exists());

    let target = ws.temp_root().join("restored");
    let restored = restore(&out, &target, &[]).ok().json();
    assert_eq!(restored["manifest_sha256"], summary["manifest_sha256"]);
    let report = verify_workspace(&target);
    assert_eq!(report["ok"], true);
    let shas = evidence_shas(&target);
    for sha in &before {
        assert!(
            shas.contains(sha),
            "acknowledged item {sha} missing after restore"
        );
    }
    assert!(shas.len() >= 24 + before.len());
    // The live workspace is still whole, and so is the writer's work.
    ws.assert_verifies();
}

#[test]
fn a_flipped_bit_in_any_member_of_an_archive_is_refused() {
    let (ws, _) = workspace_with(3, 3000, 2);
    let out = ws.temp_root().join("b.tar");
    ws.run(&["backup".as_ref(), "--out".as_ref(), out.as_os_str()])
        .ok();
    let good = fs::read(&out).unwrap();
    let members = tar_members(&good);
    let names: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(names[0], "truyvet.db");
    assert_eq!(
        &names[names.len() - 2..],
        ["manifest.json", "manifest.sha256"]
    );
    assert_eq!(names.iter().filter(|n| n.starts_with("blobs/")).count(), 3);

    let target = occupied_target(ws.temp_root());
    let before = tree_hash(&target);
    let bad = ws.temp_root().join("bad.tar");
    let mut rng = Rng::new(3);
    for (name, header, data, size) in &members {
        // A bit inside the member's bytes, and one inside its tar header.
        let inside = data + rng.range(0, *size as u64) as usize;
        let in_header = header + rng.range(0, 512) as usize;
        for (at, hint) in [(inside, name.as_str()), (in_header, "")] {
            let mut bytes = good.clone();
            bytes[at] ^= 1 << rng.range(0, 8);
            fs::write(&bad, &bytes).unwrap();
            let run = restore(&bad, &target, &["--force"]);
            assert_refused(&run, hint);
            let run = run_truyvet(&["backup".as_ref(), "verify".as_ref(), bad.as_os_str()]);
            run.fails_with(3, "backup_invalid");
            assert_eq!(
                tree_hash(&target),
                before,
                "target changed after {name} at {at}"
            );
        }
    }
    // Padding after a member and the end blocks are covered too.
    let (_, _, data, size) = &members[1];
    for at in [data + size + 1, good.len() - 700, good.len() - 1] {
        let mut bytes = good.clone();
        bytes[at] ^= 0x10;
        fs::write(&bad, &bytes).unwrap();
        assert_refused(&restore(&bad, &target, &["--force"]), "");
    }
    // Bytes appended after the archive.
    let mut bytes = good.clone();
    bytes.extend_from_slice(&[0u8; 512]);
    fs::write(&bad, &bytes).unwrap();
    assert_refused(&restore(&bad, &target, &["--force"]), "");
    assert_eq!(tree_hash(&target), before);
    // No staging folder is left beside the target.
    let leftovers: Vec<_> = fs::read_dir(ws.temp_root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The intact archive restores over the target with --force.
    restore(&out, &target, &["--force"]).ok();
    verify_workspace(&target);
}

#[test]
fn a_truncated_archive_is_refused_wherever_it_is_cut() {
    let (ws, _) = workspace_with(3, 5000, 4);
    let out = ws.temp_root().join("b.tar");
    ws.run(&["backup".as_ref(), "--out".as_ref(), out.as_os_str()])
        .ok();
    let good = fs::read(&out).unwrap();
    let target = ws.temp_root().join("never");
    let cut = ws.temp_root().join("cut.tar");
    let members = tar_members(&good);
    let mut points = vec![
        0,
        1,
        511,
        512,
        513,
        good.len() / 2,
        good.len() - 1024,
        good.len() - 1,
    ];
    points.extend(members.iter().map(|m| m.2 + m.3 / 2));
    for len in points {
        fs::write(&cut, &good[..len]).unwrap();
        let run = restore(&cut, &target, &[]);
        assert_eq!(run.error_code(), "backup_invalid", "cut at {len}:\n{run}");
        assert!(!target.exists(), "cut at {len} created the target");
    }
}

#[test]
fn a_backup_killed_half_way_leaves_no_complete_looking_file() {
    let (ws, _) = workspace_with(8, 48 << 20, 5);
    for form in ["file", "folder"] {
        let out = match form {
            "file" => ws.temp_root().join("k.tar"),
            _ => {
                let d = ws.temp_root().join("kdir");
                fs::create_dir_all(&d).unwrap();
                d
            }
        };
        let mut child = ws
            .command()
            .args(["--json", "backup", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the first bytes of blob data, then kill -9.
        let partial = PathBuf::from(format!("{}.partial", out.display()));
        loop {
            let started = match form {
                "file" => fs::metadata(&partial).is_ok_and(|m| m.len() > 1 << 20),
                _ => fs::read_dir(out.join("blobs")).is_ok_and(|d| d.count() > 1),
            };
            if started {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the backup ended before it could be killed: {status}");
            }
            thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let target = ws.temp_root().join(format!("from-killed-{form}"));
        match form {
            "file" => {
                assert!(
                    !out.exists(),
                    "a killed backup must not leave {}",
                    out.display()
                );
                let run = restore(&partial, &target, &[]);
                run.fails_with(3, "backup_invalid");
            }
            _ => {
                let list = run_truyvet(&["backup".as_ref(), "list".as_ref(), out.as_os_str()]).ok();
                assert_eq!(list.json(), serde_json::json!([]), "no complete snapshot");
                let run = restore(&out, &target, &[]);
                run.fails_with(3, "backup_invalid");
            }
        }
        assert!(!target.exists());
        // A new run afterwards completes and restores.
        let out2 = match form {
            "file" => ws.temp_root().join("k2.tar"),
            _ => out.clone(),
        };
        ws.run(&["backup".as_ref(), "--out".as_ref(), out2.as_os_str()])
            .ok();
        restore(&out2, &target, &[]).ok();
        verify_workspace(&target);
    }
}

#[test]
fn a_full_disk_is_backup_disk_full_and_leaves_nothing() {
    let (ws, _) = workspace_with(6, 1 << 20, 6);
    let mnt = ws.temp_root().join("small");
    fs::create_dir(&mnt).unwrap();
    let bin = truyvet_bin();
    // Inside a private mount namespace: a 3 MiB tmpfs that the 6 MiB of blobs overflow.
    let script = format!(
        "set -u; mount -t tmpfs -o size=3m tmpfs '{m}' || exit 99
         '{b}' --json --workspace '{w}' backup --out '{m}/b.tar'; echo \"file-exit=$?\"
         echo \"left:$(ls -A '{m}' | tr '\\n' ' ')\"
         mkdir '{m}/dir'
         '{b}' --json --workspace '{w}' backup --out '{m}/dir'; echo \"dir-exit=$?\"
         echo \"snapshots:$(ls -A '{m}/dir/snapshots' | tr '\\n' ' ')\"
         echo \"blobs:$(find '{m}/dir/blobs' -type f | wc -l)\"",
        m = mnt.display(),
        b = bin.display(),
        w = ws.root.display()
    );
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "unshare failed: {stdout}\n{stderr}");
    assert!(stdout.contains("file-exit=5"), "{stdout}\n{stderr}");
    assert!(stdout.contains("dir-exit=5"), "{stdout}\n{stderr}");
    let codes: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(codes.len(), 2, "{stderr}");
    for c in &codes {
        assert_eq!(c["error"]["code"], "backup_disk_full", "{stderr}");
    }
    assert!(
        stdout.contains("left: \n") || stdout.contains("left:\n"),
        "partial file left: {stdout}"
    );
    assert!(
        stdout.contains("snapshots:\n") || stdout.contains("snapshots: \n"),
        "{stdout}"
    );
    assert!(stdout.contains("blobs:0"), "{stdout}");
    ws.assert_verifies();
}

#[test]
fn a_second_folder_backup_copies_only_the_new_blobs() {
    let (ws, code) = workspace_with(5, 4096, 8);
    let dir = ws.temp_root().join("usb");
    fs::create_dir(&dir).unwrap();
    let first = ws
        .run(&["backup".as_ref(), "--out".as_ref(), dir.as_os_str()])
        .ok()
        .json();
    assert_eq!(first["kind"], "folder");
    assert_eq!(first["blobs_copied"], 5);

    let mut rng = Rng::new(9);
    let paths: Vec<PathBuf> = (0..10)
        .map(|i| ws.write_file(format!("new{i}.bin"), &rng.bytes(3000)))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    ws.add(&code, &refs);
    let second = ws
        .run(&["backup".as_ref(), "--out".as_ref(), dir.as_os_str()])
        .ok()
        .json();
    assert_eq!(second["blobs"], 15);
    assert_eq!(
        second["blobs_copied"], 10,
        "only the 10 new blobs are copied: {second}"
    );

    let list = run_truyvet(&["backup".as_ref(), "list".as_ref(), dir.as_os_str()])
        .ok()
        .json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], first["snapshot"]);
    assert_eq!(list[1]["manifest_sha256"], second["manifest_sha256"]);

    // Each snapshot restores as it was.
    let old = ws.temp_root().join("old");
    let snap = first["snapshot"].as_str().unwrap();
    restore(&dir, &old, &["--snapshot", snap]).ok();
    assert_eq!(evidence_shas(&old).len(), 5);
    verify_workspace(&old);
    let new = ws.temp_root().join("new");
    restore(&dir, &new, &[]).ok();
    assert_eq!(evidence_shas(&new).len(), 15);
    verify_workspace(&new);

    // A flipped bit in any file of the newest snapshot, or any blob it uses, is refused.
    let target = occupied_target(ws.temp_root());
    let before = tree_hash(&target);
    let mut files = Vec::new();
    let snap_dir = dir
        .join("snapshots")
        .join(second["snapshot"].as_str().unwrap());
    for e in fs::read_dir(&snap_dir).unwrap() {
        files.push(e.unwrap().path());
    }
    for sha in evidence_shas(&new) {
        files.push(dir.join("blobs").join(&sha[..2]).join(&sha));
    }
    assert_eq!(files.len(), 3 + 15);
    for file in files {
        let good = fs::read(&file).unwrap();
        let mut bytes = good.clone();
        let at = rng.range(0, bytes.len() as u64) as usize;
        bytes[at] ^= 1 << rng.range(0, 8);
        set_writable(&file);
        fs::write(&file, &bytes).unwrap();
        let run = restore(&dir, &target, &["--force"]);
        run.fails_with(3, "backup_invalid");
        assert_eq!(
            tree_hash(&target),
            before,
            "target changed after {}",
            file.display()
        );
        fs::write(&file, &good).unwrap();
    }
    run_truyvet(&["backup".as_ref(), "verify".as_ref(), dir.as_os_str()]).ok();
}

fn set_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn restore_refuses_a_non_empty_target_without_force() {
    let (ws, _) = workspace_with(2, 100, 10);
    let out = ws.temp_root().join("b.tar");
    ws.run(&["backup".as_ref(), "--out".as_ref(), out.as_os_str()])
        .ok();
    let again = ws.run(&["backup".as_ref(), "--out".as_ref(), out.as_os_str()]);
    again.fails_with(3, "invalid_input");
    let target = occupied_target(ws.temp_root());
    let before = tree_hash(&target);
    restore(&out, &target, &[]).fails_with(3, "restore_target_not_empty");
    assert_eq!(tree_hash(&target), before);
    // An empty folder is fine.
    let empty = ws.temp_root().join("empty");
    fs::create_dir(&empty).unwrap();
    restore(&out, &empty, &[]).ok();
    verify_workspace(&empty);
    // Plain output names the manifest hash.
    let plain = run_command(
        Command::new(truyvet_bin())
            .args(["backup", "verify"])
            .arg(&out),
    )
    .ok();
    assert!(plain.stdout.contains("SHA-256 manifest"), "{plain}");
}
