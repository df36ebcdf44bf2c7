//! Support code shared by the workspace-level tests: a workspace in a temp folder, the
//! real `truyvet` binary run as a child process with its `--json` output parsed,
//! before/after snapshots of a workspace, a seeded random generator, and a way to run a
//! command as an unprivileged user (tests often run as root, which no chmod stops).

pub mod fault_proxy;
pub mod pg;
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod tsa;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub use truyvet_core::{BLOB_DIR, DB_FILE, HOME_ENV};

/// The uid/gid an unprivileged child runs as when the tests run as root.
pub const NOBODY: u32 = 65534;

/// Documented JSON fields (docs/ipc-contract.md). Output may carry more; never fewer.
pub const PROFILE_FIELDS: &[&str] = &[
    "name",
    "display_name",
    "agency",
    "unit",
    "province",
    "role",
    "created_at",
];
pub const CASE_FIELDS: &[&str] = &[
    "id",
    "code",
    "title",
    "agency",
    "unit",
    "province",
    "violation_categories",
    "product_group",
    "status",
    "origin",
    "created_at",
    "created_by",
    "updated_at",
];
pub const EVIDENCE_FIELDS: &[&str] = &[
    "id",
    "case_id",
    "kind",
    "sha256",
    "size",
    "original_filename",
    "media_type",
    "acquired_at",
    "acquired_by",
    "device",
    "source_path",
    "note",
];
pub const NOTE_FIELDS: &[&str] = &["id", "case_id", "text", "author", "created_at"];
pub const EVENT_FIELDS: &[&str] = &[
    "seq",
    "case_id",
    "actor",
    "at",
    "kind",
    "payload",
    "prev_hash",
    "hash",
];
pub const REPORT_FIELDS: &[&str] = &[
    "ok",
    "cases_checked",
    "events_checked",
    "evidence_checked",
    "blobs_checked",
    "bytes_hashed",
    "problems",
];
pub const PROBLEM_FIELDS: &[&str] = &["kind", "case_code", "sha256", "seq", "detail"];

/// The `truyvet` binary of the build being tested: it sits next to the folder that holds
/// the test executable (`target/<profile>/deps/<test>` → `target/<profile>/truyvet`).
pub fn truyvet_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let bin = profile_dir.join(format!("truyvet{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the truyvet binary is missing at {}: build it first with \
         `cargo build --workspace` (or `cargo build -p truyvet-cli`) — `make test` does this",
        bin.display()
    );
    bin
}

/// What a finished child process said.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Run {
        Run {
            code: output
                .status
                .code()
                .unwrap_or_else(|| panic!("the child was killed by a signal: {:?}", output.status)),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with the child's output unless it exited 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }

    /// stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{self}"))
    }

    /// stdout as JSON lines (the streaming form of `evidence add --json`).
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stdout line {l:?} is not JSON ({e}):\n{self}"))
            })
            .collect()
    }

    /// The stable error code from `{"error": {"code", "message"}}` on stderr.
    #[track_caller]
    pub fn error_code(&self) -> String {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON error on stderr:\n{self}"));
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr line {line:?} is not JSON ({e}):\n{self}"));
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "the error has no message:\n{self}");
        v["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("the JSON error has no code:\n{self}"))
            .to_string()
    }

    /// Asserts the exit status and the JSON error code together.
    #[track_caller]
    pub fn fails_with(&self, exit: i32, code: &str) {
        assert_eq!(self.code, exit, "wrong exit status:\n{self}");
        assert_eq!(self.error_code(), code, "wrong error code:\n{self}");
        assert!(
            self.stdout.trim().is_empty(),
            "a failed command printed a result:\n{self}"
        );
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn run_command(cmd: &mut Command) -> Run {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Run::from_output(output)
}

/// A workspace (not created until first used) plus a folder for source files, both in
/// one temp folder that is removed at the end of the test.
pub struct TestWorkspace {
    dir: TempDir,
    pub root: PathBuf,
    pub files: PathBuf,
    /// Given to every command of an encrypted workspace (TRUYVET_WORKSPACE_PASSPHRASE).
    pub workspace_passphrase: Option<String>,
}

impl Default for TestWorkspace {
    fn default() -> Self {
        Self::new()
    }
}

impl TestWorkspace {
    pub fn new() -> TestWorkspace {
        let dir = tempfile::Builder::new()
            .prefix("truyvet-test-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().join("ws");
        let files = dir.path().join("files");
        fs::create_dir(&files).expect("files dir");
        TestWorkspace {
            dir,
            root,
            files,
            workspace_passphrase: None,
        }
    }

    /// A new encrypted workspace (`workspace init --encrypt`) whose commands all get
    /// `passphrase`.
    pub fn new_encrypted(passphrase: &str) -> TestWorkspace {
        let mut ws = TestWorkspace::new();
        ws.workspace_passphrase = Some(passphrase.to_string());
        ws.run(&["workspace", "init", "--encrypt"]).ok();
        ws
    }

    /// A workspace with a profile already set (QLTT, Hà Nội).
    pub fn with_profile() -> TestWorkspace {
        let ws = TestWorkspace::new();
        ws.run(&[
            "profile",
            "set",
            "--display-name",
            "Nguyễn Văn An",
            "--agency",
            "QLTT",
            "--unit",
            "Đội QLTT số 1",
            "--province",
            "HN",
        ])
        .ok();
        ws
    }

    pub fn temp_root(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join(DB_FILE)
    }

    pub fn blobs(&self) -> PathBuf {
        self.root.join(BLOB_DIR)
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs().join(&sha256[..2]).join(sha256)
    }

    /// `truyvet --workspace <root>` with no workspace variable inherited.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(truyvet_bin());
        cmd.env_remove(HOME_ENV).arg("--workspace").arg(&self.root);
        match &self.workspace_passphrase {
            Some(p) => cmd.env("TRUYVET_WORKSPACE_PASSPHRASE", p),
            None => cmd.env_remove("TRUYVET_WORKSPACE_PASSPHRASE"),
        };
        cmd
    }

    /// Runs `truyvet --json --workspace <root> ARGS…`.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        run_command(self.command().arg("--json").args(args))
    }

    /// Runs without `--json` (human output).
    pub fn run_plain<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        run_command(self.command().args(args))
    }

    /// Creates a case and returns its code.
    pub fn new_case(&self, title: &str) -> String {
        let case = self.run(&["case", "new", "--title", title]).ok().json();
        case["code"].as_str().expect("case code").to_string()
    }

    pub fn write_file(&self, name: impl AsRef<Path>, bytes: &[u8]) -> PathBuf {
        let path = self.files.join(name);
        fs::write(&path, bytes).expect("write source file");
        path
    }

    /// Adds files through the CLI and returns the acknowledged items.
    pub fn add(&self, code: &str, paths: &[&Path]) -> Vec<Value> {
        let mut cmd = self.command();
        cmd.args(["--json", "evidence", "add", "--case", code])
            .args(paths);
        run_command(&mut cmd).ok().json_lines()
    }

    /// `verify-workspace --json`: the exit status and the report.
    pub fn verify(&self) -> (i32, Value) {
        let run = self.run(&["verify-workspace"]);
        assert!(
            run.code == 0 || run.code == 1,
            "verify-workspace failed to run:\n{run}"
        );
        let report = run.json();
        assert_eq!(
            report["ok"].as_bool(),
            Some(run.code == 0),
            "exit status and ok disagree"
        );
        (run.code, report)
    }

    /// Asserts that the workspace verifies cleanly.
    #[track_caller]
    pub fn assert_verifies(&self) {
        let (code, report) = self.verify();
        assert_eq!(code, 0, "verify-workspace found problems: {report:#}");
        assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));
    }

    /// A raw connection to the workspace database, bypassing the core.
    pub fn raw_db(&self) -> Connection {
        let conn = Connection::open(self.db_path()).expect("open the workspace db");
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("busy timeout");
        conn
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot::take(&self.root)
    }

    /// Lets another user reach the temp folder (tempfile makes it 0700).
    pub fn open_to_others(&self) {
        fs::set_permissions(self.dir.path(), fs::Permissions::from_mode(0o755))
            .expect("chmod temp dir");
        fs::set_permissions(&self.files, fs::Permissions::from_mode(0o755))
            .expect("chmod files dir");
    }
}

/// Everything about a workspace that a failed command must not change: every row of
/// every table (which covers row counts and custody heads), the schema version, the
/// files under `blobs/` (with their sizes) and the entries of the workspace folder.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub user_version: i64,
    pub row_counts: BTreeMap<String, usize>,
    pub custody_heads: BTreeMap<String, (i64, String)>,
    pub tables: BTreeMap<String, Vec<String>>,
    pub blob_files: Vec<String>,
    pub root_entries: Vec<String>,
}

impl Snapshot {
    pub fn take(root: &Path) -> Snapshot {
        let db = root.join(DB_FILE);
        let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("cannot open {} read-only: {e}", db.display()));
        let user_version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("user_version");
        let names: Vec<String> = {
            let mut stmt = conn
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .expect("list tables");
            stmt.query_map([], |r| r.get(0))
                .expect("list tables")
                .collect::<rusqlite::Result<_>>()
                .expect("table names")
        };
        let mut tables = BTreeMap::new();
        let mut row_counts = BTreeMap::new();
        for name in names {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{name}\""))
                .expect("select");
            let columns = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut line = String::new();
                    for i in 0..columns {
                        let v: rusqlite::types::Value = r.get(i)?;
                        let _ = write!(line, "{v:?}|");
                    }
                    Ok(line)
                })
                .expect("rows")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            rows.sort();
            row_counts.insert(name.clone(), rows.len());
            tables.insert(name, rows);
        }
        let mut custody_heads = BTreeMap::new();
        if tables.contains_key("custody_events") {
            let mut stmt = conn
                .prepare(
                    "SELECT case_id, seq, hash FROM custody_events e WHERE seq =
                       (SELECT max(seq) FROM custody_events WHERE case_id = e.case_id)",
                )
                .expect("heads");
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))
                .expect("heads");
            for row in rows {
                let (case, head) = row.expect("head row");
                custody_heads.insert(case, head);
            }
        }
        drop(conn);
        let mut blob_files = Vec::new();
        list_files(&root.join(BLOB_DIR), &root.join(BLOB_DIR), &mut blob_files);
        blob_files.sort();
        let mut root_entries: Vec<String> = fs::read_dir(root)
            .expect("list workspace")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            // SQLite's own transient files come and go with connections.
            .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
            .collect();
        root_entries.sort();
        Snapshot {
            user_version,
            row_counts,
            custody_heads,
            tables,
            blob_files,
            root_entries,
        }
    }
}

impl Snapshot {
    /// Panics naming each part that differs (the full dump is long).
    #[track_caller]
    pub fn assert_same_as(&self, before: &Snapshot) {
        let mut diffs = Vec::new();
        if self.user_version != before.user_version {
            diffs.push(format!(
                "user_version {} -> {}",
                before.user_version, self.user_version
            ));
        }
        if self.row_counts != before.row_counts {
            diffs.push(format!(
                "row counts {:?} -> {:?}",
                before.row_counts, self.row_counts
            ));
        }
        if self.custody_heads != before.custody_heads {
            diffs.push(format!(
                "custody heads {:?} -> {:?}",
                before.custody_heads, self.custody_heads
            ));
        }
        for (table, rows) in &self.tables {
            if before.tables.get(table) != Some(rows) {
                diffs.push(format!("rows of table {table} changed"));
            }
        }
        if self.blob_files != before.blob_files {
            diffs.push(format!(
                "blob files {:?} -> {:?}",
                before.blob_files, self.blob_files
            ));
        }
        if self.root_entries != before.root_entries {
            diffs.push(format!(
                "workspace entries {:?} -> {:?}",
                before.root_entries, self.root_entries
            ));
        }
        assert!(
            diffs.is_empty(),
            "the workspace changed:\n  {}",
            diffs.join("\n  ")
        );
    }
}

fn list_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if path.is_dir() {
            out.push(format!("{}/", rel(base, &path)));
            list_files(base, &path, out);
        } else {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            out.push(format!("{} ({size} bytes)", rel(base, &path)));
        }
    }
}

fn rel(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Asserts that every documented field is present in a JSON object.
#[track_caller]
pub fn assert_fields(value: &Value, fields: &[&str]) {
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {value}"));
    for field in fields {
        assert!(
            obj.contains_key(*field),
            "field {field:?} is missing from {value:#}"
        );
    }
}

/// SplitMix64: small, seeded, reproducible. The seed is printed so a failure can be
/// replayed with `TRUYVET_TEST_SEED=<seed>`.
pub struct Rng(u64);

impl Rng {
    pub fn from_env_or_time(test: &str) -> Rng {
        let seed = std::env::var("TRUYVET_TEST_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x5eed)
            });
        eprintln!("{test}: seed {seed} (replay with TRUYVET_TEST_SEED={seed})");
        Rng(seed)
    }

    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo < hi);
        lo + self.next_u64() % (hi - lo)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.fill(&mut v);
        v
    }
}

/// The effective uid of this process (`/proc/self` belongs to it), without `unsafe`.
pub fn euid() -> u32 {
    fs::metadata("/proc/self")
        .map(|m| m.uid())
        .expect("/proc/self")
}

/// How to run a child without the test's privileges, so that file modes bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unprivileged {
    /// The tests already run as an ordinary user.
    Direct,
    /// Root: run through util-linux `setpriv` as nobody.
    Setpriv,
}

impl Unprivileged {
    /// `Err(reason)` when no unprivileged child can be started (root without setpriv).
    pub fn detect() -> Result<Unprivileged, String> {
        if euid() != 0 {
            return Ok(Unprivileged::Direct);
        }
        if find_in_path("setpriv").is_some() {
            Ok(Unprivileged::Setpriv)
        } else {
            Err(
                "running as root and util-linux `setpriv` is not installed, so file \
                 permissions cannot be made to bind"
                    .to_string(),
            )
        }
    }

    /// The uid that owns what the child may touch.
    pub fn uid(self) -> u32 {
        match self {
            Unprivileged::Direct => euid(),
            Unprivileged::Setpriv => NOBODY,
        }
    }

    pub fn command(self, program: &Path) -> Command {
        match self {
            Unprivileged::Direct => Command::new(program),
            Unprivileged::Setpriv => {
                let mut cmd = Command::new("setpriv");
                cmd.arg(format!("--reuid={NOBODY}"))
                    .arg(format!("--regid={NOBODY}"))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(program);
                cmd
            }
        }
    }
}

pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `chown -R uid:uid path`.
pub fn chown_recursive(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    if path.is_dir() && !path.is_symlink() {
        for entry in fs::read_dir(path).expect("read dir") {
            chown_recursive(&entry.expect("entry").path(), uid);
        }
    }
}
