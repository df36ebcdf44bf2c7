//! `truyvet registry|sync|lookup --registry` against the real `truyvet-registry` binary on
//! 127.0.0.1: two agencies' workspaces push sealed cases, the receipts verify and sit in
//! the custody logs, the watchlist flags the other agency's identifiers with the registry
//! stopped; the same story on PostgreSQL; faults through the fault proxy, the registry
//! killed mid-upload, a rejected case, and a registry whose log forked.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use truyvet_tests::fault_proxy::{Action, Direction, FaultProxy, Faults};
use truyvet_tests::{Rng, Run, TestWorkspace, run_command};

use crate::workflow::{INV, SUP, run_as};

/// `truyvet-registry`, built beside `truyvet` by `cargo build --workspace`.
pub(crate) fn registry_bin() -> PathBuf {
    let bin = truyvet_tests::truyvet_bin().with_file_name("truyvet-registry");
    assert!(
        bin.is_file(),
        "truyvet-registry is missing at {}: build it with `cargo build --workspace`",
        bin.display()
    );
    bin
}

/// A registry's data folder (and PostgreSQL database, for the PostgreSQL runs).
pub(crate) struct Data {
    dir: TempDir,
    db: Option<truyvet_tests::pg::Database>,
}

impl Data {
    pub(crate) fn new(postgres: bool) -> Data {
        Data {
            dir: tempfile::tempdir().unwrap(),
            db: postgres.then(|| {
                truyvet_tests::pg::database()
                    .unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"))
            }),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(registry_bin());
        cmd.env_remove("TRUYVET_REGISTRY_DATA")
            .arg("--json")
            .arg("--data")
            .arg(self.path());
        if let Some(db) = &self.db {
            cmd.arg("--database").arg(db.url());
        }
        cmd
    }

    pub(crate) fn admin(&self, args: &[&str]) -> Value {
        run_command(self.command().args(args)).ok().json()
    }

    fn token(&self, agency: &str, unit: &str) -> String {
        self.admin(&[
            "token",
            "issue",
            "--agency",
            agency,
            "--unit",
            unit,
            "--role",
            "investigator",
            "--name",
            unit,
        ])["secret"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Two agencies with a unit each; returns (QLTT token, CA token).
    pub(crate) fn setup(&self) -> (String, String) {
        self.admin(&["agency", "add", "QLTT", "--name", "Quản lý thị trường"]);
        self.admin(&["agency", "add", "CA", "--name", "Công an"]);
        self.admin(&[
            "unit",
            "add",
            "--agency",
            "QLTT",
            "DOI1",
            "--name",
            "Đội QLTT số 1",
            "--contact",
            "0236 3888 111",
        ]);
        self.admin(&[
            "unit",
            "add",
            "--agency",
            "CA",
            "PC03",
            "--name",
            "Phòng PC03",
            "--contact",
            "pc03@ca.gov.vn",
        ]);
        (self.token("QLTT", "DOI1"), self.token("CA", "PC03"))
    }

    pub(crate) fn key(&self) -> String {
        self.admin(&["key"])["public_key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Serves on `port` (0: any free one).
    pub(crate) fn start(&self, port: u16) -> Server {
        let mut child = Command::new(registry_bin())
            .env_remove("TRUYVET_REGISTRY_DATA")
            .arg("--data")
            .arg(self.path())
            .args(self.db.iter().flat_map(|d| ["--database", d.url()]))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start truyvet-registry");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Server { child, url, port }
    }

    /// Case ids the registry has published, with repeats if any.
    fn published(&self) -> Vec<String> {
        assert!(self.db.is_none(), "read from the SQLite store only");
        let db = rusqlite::Connection::open(self.path().join("registry.db")).unwrap();
        let mut stmt = db
            .prepare("SELECT case_id FROM cases ORDER BY case_id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }
}

/// A running registry, killed with SIGKILL when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// An investigator and a supervisor of `agency`, both with keys.
pub(crate) fn signers(ws: &TestWorkspace, agency: &str, province: &str) {
    let profile = |pass, args: &[&str]| run_as(ws, Some(pass), args).ok();
    profile(
        INV,
        &[
            "profile",
            "set",
            "--display-name",
            "Trần Văn Điều Tra",
            "--agency",
            agency,
            "--province",
            province,
        ],
    );
    profile(
        SUP,
        &[
            "profile",
            "add",
            "--name",
            "kiem-soat",
            "--display-name",
            "Lê Thị Kiểm Soát",
            "--agency",
            agency,
            "--province",
            province,
            "--role",
            "supervisor",
        ],
    );
    run_as(ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
}

/// A sealed case with one file (of `size` bytes when given) and confirmed identifiers.
fn sealed_case(ws: &TestWorkspace, identifiers: &[(&str, &str)], size: Option<usize>) -> String {
    let code = ws.new_case("Bán hàng giả trên mạng");
    let bytes = match size {
        Some(n) => Rng::new(n as u64 ^ 0x5eed).bytes(n),
        None => format!("Hóa đơn bán hàng {code}").into_bytes(),
    };
    let file = ws.write_file(format!("{code}.bin"), &bytes);
    let evidence = ws.add(&code, &[&file])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (kind, value) in identifiers {
        let suggested = ws
            .run(&[
                "entity",
                "suggest",
                "--case",
                &code,
                "--evidence",
                &evidence,
                "--type",
                kind,
                "--value",
                value,
            ])
            .ok()
            .json();
        let id = suggested["entities"][0]["id"].as_str().unwrap().to_string();
        ws.run(&["entity", "confirm", &id]).ok();
    }
    crate::export::submit_approve_seal(ws, &code);
    run_as(ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    code
}

pub(crate) fn set_registry(ws: &TestWorkspace, url: &str, token: &str, key: &str) -> Value {
    ws.run(&["registry", "set", url, "--token", token, "--key", key])
        .ok()
        .json()
}

/// `truyvet sync` with quick retries, for tests.
pub(crate) fn sync(ws: &TestWorkspace, extra: &[&str]) -> Run {
    sync_with(ws, "4", "5", extra)
}

fn sync_with(ws: &TestWorkspace, attempts: &str, timeout: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "sync",
        "--retry-base-ms",
        "20",
        "--retry-cap-ms",
        "200",
        "--max-attempts",
        attempts,
        "--timeout",
        timeout,
    ];
    args.extend_from_slice(extra);
    ws.run(&args)
}

fn case_id(ws: &TestWorkspace, code: &str) -> String {
    let case = ws.run(&["case", "show", code]).ok().json();
    case["id"]
        .as_str()
        .or_else(|| case["case"]["id"].as_str())
        .unwrap()
        .to_string()
}

/// The `registry_receipt` events of a case's custody log.
fn receipt_events(ws: &TestWorkspace, code: &str) -> Vec<Value> {
    let log = ws.run(&["log", "--case", code]).ok().json();
    let events = log.as_array().cloned().unwrap_or_else(|| {
        log["events"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no events in {log:#}"))
    });
    events
        .into_iter()
        .filter(|e| e["kind"] == "registry_receipt")
        .collect()
}

fn log_key(hex_key: &str) -> ed25519_dalek::VerifyingKey {
    let bytes: [u8; 32] = hex::decode(hex_key).unwrap().try_into().unwrap();
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).unwrap()
}

fn sync_story(postgres: bool) {
    let data = Data::new(postgres);
    let (qltt_token, ca_token) = data.setup();
    let key = data.key();
    let server = data.start(0);

    let qltt = TestWorkspace::new();
    signers(&qltt, "QLTT", "DN");
    let qltt_case = sealed_case(
        &qltt,
        &[("phone", "0912 345 678"), ("bank_account", "0011001234567")],
        None,
    );
    let ca = TestWorkspace::new();
    signers(&ca, "CA", "HN");
    let ca_case = sealed_case(
        &ca,
        &[
            ("phone", "+84 912.345.678"),
            ("domain", "https://www.dongho-gia.com.vn/sp"),
        ],
        None,
    );

    let set = set_registry(&qltt, &server.url, &qltt_token, &key);
    assert_eq!(set["checked_head"]["size"], 0, "{set:#}");
    set_registry(&ca, &server.url, &ca_token, &key);
    let shown = qltt.run_plain(&["registry", "show"]).ok();
    assert!(!shown.stdout.contains(&qltt_token), "{shown}");
    let shown = qltt.run(&["registry", "show"]).ok().json();
    assert_eq!(
        shown["token_hint"],
        format!("…{}", &qltt_token[qltt_token.len() - 4..])
    );
    assert_eq!(shown["queued"], 0);

    // Both push (the outbox picks up every local sealed case), then QLTT pulls again to
    // get CA's identifiers.
    let first = sync(&qltt, &[]).ok().json();
    assert_eq!(first["verified"], 1, "{first:#}");
    let second = sync(&ca, &[]).ok().json();
    assert_eq!(second["verified"], 1, "{second:#}");
    assert!(
        second["watchlist_added"].as_u64().unwrap() >= 2,
        "{second:#}"
    );
    let again = sync(&qltt, &[]).ok().json();
    assert_eq!(again["cases"].as_array().unwrap().len(), 0, "{again:#}");
    assert!(again["watchlist_added"].as_u64().unwrap() >= 2, "{again:#}");
    assert_eq!(again["tree_size"], 2);

    let key = log_key(&key);
    for (ws, code, agency) in [(&qltt, &qltt_case, "QLTT"), (&ca, &ca_case, "CA")] {
        let events = receipt_events(ws, code);
        assert_eq!(events.len(), 1, "{events:#?}");
        let receipt: truyvet_wire::api::Receipt =
            serde_json::from_value(events[0]["payload"]["receipt"].clone()).unwrap();
        assert!(receipt.verify(&key), "the logged receipt does not verify");
        assert_eq!(receipt.case_id, case_id(ws, code));
        assert_eq!(receipt.agency, agency);
        let status = ws.run(&["sync", "status"]).ok().json();
        assert_eq!(status[0]["state"], "verified", "{status:#}");
        assert_eq!(status[0]["receipt"]["leaf_hash"], receipt.leaf_hash);
        ws.assert_verifies();
    }

    // Offline: the registry is gone, the flags are not.
    drop(server);
    let offline = qltt.run(&["lookup", "0912345678"]).ok().json();
    let flagged: Vec<&Value> = offline
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["case_code"] == qltt_case.as_str())
        .collect();
    assert!(!flagged.is_empty(), "{offline:#}");
    let seen = &flagged[0]["seen_by_other_agency"][0];
    assert_eq!(seen["agency"], "CA", "{offline:#}");
    assert_eq!(seen["case_code"], ca_case.as_str());
    let human = qltt.run_plain(&["lookup", "0912 345 678"]).ok();
    assert!(human.stdout.contains("cơ quan khác đã gặp: CA"), "{human}");
    let from_ca = ca.run(&["lookup", "+84912345678"]).ok().json();
    assert_eq!(
        from_ca[0]["seen_by_other_agency"][0]["agency"], "QLTT",
        "{from_ca:#}"
    );
    let hits = qltt
        .run_plain(&["entity", "hits", "--case", &qltt_case])
        .ok();
    assert!(
        hits.stdout
            .contains(&format!("cơ quan khác đã gặp: CA {ca_case}")),
        "{hits}"
    );
    // A value only the other agency holds still shows, from the watchlist.
    let account = ca.run_plain(&["lookup", "0011001234567"]).ok();
    assert!(account.stdout.contains("cơ quan khác: QLTT"), "{account}");
    // The live lookup needs the registry.
    qltt.run(&["lookup", "0912345678", "--registry"])
        .fails_with(5, "registry_unreachable");

    let server = data.start(0);
    set_registry(&qltt, &server.url, &qltt_token, &data.key());
    let live = qltt
        .run(&["lookup", "0912 345 678", "--registry"])
        .ok()
        .json();
    let hits = live["hits"].as_array().unwrap();
    assert!(
        hits.iter().any(|h| h["agency"] == "CA"
            && h["case_code"] == ca_case.as_str()
            && h["unit"]["contact"] == "pc03@ca.gov.vn"),
        "{live:#}"
    );
}

#[test]
fn two_agencies_sync_and_flag_each_other_offline_on_sqlite() {
    sync_story(false);
}

#[test]
fn two_agencies_sync_and_flag_each_other_offline_on_postgres() {
    sync_story(true);
}

#[test]
fn a_case_refused_by_the_registry_is_rejected_with_its_reason_and_not_retried() {
    let data = Data::new(false);
    let (qltt_token, ca_token) = data.setup();
    let server = data.start(0);
    let ws = TestWorkspace::new();
    signers(&ws, "QLTT", "DN");
    let code = sealed_case(&ws, &[], None);
    // Another agency's token: the registry answers 403 agency_mismatch.
    set_registry(&ws, &server.url, &ca_token, &data.key());
    let run = sync(&ws, &[]);
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["rejected"], 1, "{report:#}");
    let case = &report["cases"][0];
    assert_eq!(case["state"], "rejected");
    assert_eq!(case["reason_code"], "agency_mismatch", "{case:#}");
    assert_eq!(case["attempts"], 1, "a 403 is not retried: {case:#}");
    let human = ws.run_plain(&["sync", "status"]).ok();
    assert!(human.stdout.contains("bị từ chối"), "{human}");
    assert!(human.stdout.contains("agency_mismatch"), "{human}");
    // The next sync leaves it alone.
    let next = sync(&ws, &[]).ok().json();
    assert_eq!(next["cases"].as_array().unwrap().len(), 0, "{next:#}");
    let status = ws.run(&["sync", "status"]).ok().json();
    assert_eq!(status[0]["attempts"], 1);
    assert!(data.published().is_empty());
    // With the right token, queueing it explicitly pushes it.
    set_registry(&ws, &server.url, &qltt_token, &data.key());
    let retried = sync(&ws, &["--case", &code]).ok().json();
    assert_eq!(retried["cases"][0]["state"], "verified", "{retried:#}");
    assert_eq!(data.published(), vec![case_id(&ws, &code)]);
}

#[test]
fn pushes_through_faults_end_verified_exactly_once_each() {
    const CASES: usize = 36;
    let data = Data::new(false);
    let (token, _) = data.setup();
    let server = data.start(0);
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", server.port).parse().unwrap()).unwrap();
    let ws = TestWorkspace::new();
    signers(&ws, "QLTT", "DN");
    let mut codes = Vec::new();
    for _ in 0..CASES {
        codes.push(sealed_case(&ws, &[], None));
    }
    set_registry(
        &ws,
        &format!("http://{}", proxy.addr()),
        &token,
        &data.key(),
    );

    // Faults chosen per connection: cut or reset after some bytes either way (a request
    // half sent, an answer lost after the registry acted), stalls, delays; four
    // connections in ten go through clean. A stall costs the client its timeout.
    let mut rng = Rng::from_env_or_time("pushes_through_faults");
    let seed = rng.next_u64();
    proxy.handle().set_plan(move |n| {
        let mut r = Rng::new(seed ^ n.wrapping_mul(0x9e37_79b9));
        let after = r.range(0, 3000);
        match r.range(0, 10) {
            0 => Faults::trip(Direction::Up, after, Action::Cut),
            1 => Faults::trip(Direction::Up, after, Action::Reset),
            2 => Faults::trip(Direction::Down, after / 8, Action::Cut),
            3 => Faults::trip(Direction::Down, after / 8, Action::Reset),
            4 => Faults::stall(),
            5 => Faults::delay(Duration::from_millis(r.range(1, 20))),
            _ => Faults::default(),
        }
    });
    let mut rounds = 0;
    loop {
        rounds += 1;
        let run = sync_with(&ws, "6", "1", &[]);
        assert!(run.code == 0 || run.code == 1, "{run}");
        let status = ws.run(&["sync", "status"]).ok().json();
        let pending = status
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["state"] != "verified")
            .count();
        assert!(
            status
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["state"] != "rejected"),
            "a transient fault rejected a case: {status:#}"
        );
        if pending == 0 {
            break;
        }
        assert!(
            rounds < 12,
            "still pending after {rounds} syncs: {status:#}"
        );
    }
    eprintln!(
        "{CASES} cases verified after {rounds} syncs, {} connections",
        proxy.handle().accepted()
    );
    assert!(proxy.handle().accepted() > CASES as u64 * 4);

    let status = ws.run(&["sync", "status"]).ok().json();
    let verified: BTreeSet<String> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["case_id"].as_str().unwrap().to_string())
        .collect();
    let published = data.published();
    let unique: BTreeSet<String> = published.iter().cloned().collect();
    assert_eq!(published.len(), unique.len(), "a case published twice");
    assert_eq!(verified, unique);
    assert_eq!(verified.len(), CASES);
    for code in &codes {
        assert_eq!(receipt_events(&ws, code).len(), 1, "case {code}");
    }
    ws.assert_verifies();
}

/// The outbox row of the only case, read from the workspace database directly.
fn outbox_row(ws: &TestWorkspace) -> Option<(String, Option<String>, u64)> {
    let db = rusqlite::Connection::open_with_flags(
        ws.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    db.query_row(
        "SELECT state, upload_id, confirmed_offset FROM sync_outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .ok()
}

#[test]
fn a_registry_killed_mid_upload_loses_nothing_and_the_upload_resumes() {
    const KILLS: usize = 20;
    // Large enough that 20 kills, each after at least one more confirmed 1 MiB chunk,
    // all land before the upload completes.
    const BUNDLE: usize = 32 << 20;
    let data = Data::new(false);
    let (token, _) = data.setup();
    let mut server = data.start(0);
    let port = server.port;
    // Slowed through the proxy so every kill lands while the upload is in flight.
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).unwrap();
    proxy.handle().set(Faults {
        delay: Some(Duration::from_millis(3)),
        chunk: Some(16 * 1024),
        trip: None,
    });
    let ws = TestWorkspace::new();
    signers(&ws, "QLTT", "DN");
    let code = sealed_case(&ws, &[("phone", "0987 654 321")], Some(BUNDLE));
    set_registry(
        &ws,
        &format!("http://{}", proxy.addr()),
        &token,
        &data.key(),
    );

    let mut upload_ids = BTreeSet::new();
    let mut last_offset = 0;
    for kill in 0..KILLS {
        let mut child = ws
            .command()
            .args([
                "--json",
                "sync",
                "--chunk-kib",
                "1024",
                "--retry-base-ms",
                "20",
                "--retry-cap-ms",
                "100",
                "--max-attempts",
                "2",
                "--timeout",
                "5",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the registry has confirmed more than last time.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((state, Some(upload), offset)) = outbox_row(&ws)
                && state == "uploading"
                && offset > last_offset
            {
                upload_ids.insert(upload);
                last_offset = offset;
                break;
            }
            assert!(Instant::now() < deadline, "no progress before kill {kill}");
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(server); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "the sync should give up for now");
        let (state, _, offset) = outbox_row(&ws).unwrap();
        assert_eq!(state, "uploading");
        assert!(offset >= last_offset, "the confirmed offset went back");
        server = data.start(port);
    }
    assert!(
        last_offset < BUNDLE as u64,
        "the upload finished before the last kill"
    );
    // One upload for all the attempts: each resumed where the registry stood.
    assert_eq!(upload_ids.len(), 1, "{upload_ids:?}");
    proxy.handle().clear();
    let done = sync(&ws, &[]).ok().json();
    assert_eq!(done["cases"][0]["state"], "verified", "{done:#}");
    assert_eq!(data.published(), vec![case_id(&ws, &code)]);
    assert_eq!(receipt_events(&ws, &code).len(), 1);
    ws.assert_verifies();
}

/// A registry that forked its log: the data folder copied (same log key, same tokens),
/// then the copy and the original accept different cases. A laptop that saw the
/// original's head refuses the copy's, though every signature on it is valid.
#[test]
fn a_registry_whose_log_was_rewritten_is_refused() {
    let data = Data::new(false);
    let (qltt_token, ca_token) = data.setup();
    let key = data.key();
    let server = data.start(0);
    let port = server.port;

    let qltt = TestWorkspace::new();
    signers(&qltt, "QLTT", "DN");
    sealed_case(&qltt, &[("phone", "0912 000 111")], None);
    set_registry(&qltt, &server.url, &qltt_token, &key);
    sync(&qltt, &[]).ok();

    drop(server);
    let fork = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", data.path().display()))
        .arg(fork.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let fork = Data {
        dir: fork,
        db: None,
    };

    // The original takes CA's case; QLTT sees its head of size 2.
    let server = data.start(port);
    let ca = TestWorkspace::new();
    signers(&ca, "CA", "HN");
    sealed_case(&ca, &[("domain", "dongho-gia.com.vn")], None);
    set_registry(&ca, &server.url, &ca_token, &key);
    sync(&ca, &[]).ok();
    let seen = sync(&qltt, &[]).ok().json();
    assert_eq!(seen["tree_size"], 2, "{seen:#}");
    drop(server);

    // The fork, at the same address, takes another CA case instead: size 2, other root.
    let forked = fork.start(port);
    let other = TestWorkspace::new();
    signers(&other, "CA", "HN");
    sealed_case(&other, &[("domain", "hang-gia.vn")], None);
    set_registry(&other, &forked.url, &ca_token, &key);
    sync(&other, &[]).ok();
    assert_eq!(fork.published().len(), 2);

    let before = qltt.run(&["registry", "show"]).ok().json();
    qltt.run(&["sync"])
        .fails_with(3, "registry_log_inconsistent");
    let after = qltt.run(&["registry", "show"]).ok().json();
    assert_eq!(before, after, "nothing from the forked log may be recorded");
}
