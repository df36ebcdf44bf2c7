//! What the registry tests share: the real `truyvet-registry` binary serving a temp data
//! folder on 127.0.0.1 (port 0), its administrative commands, sealed case bundles built
//! through the real `truyvet` CLI, and a small HTTP client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};
use tempfile::TempDir;
use truyvet_tests::{Run, TestWorkspace, run_command, sha256_hex};

pub const REGISTRY: &str = env!("CARGO_BIN_EXE_truyvet-registry");
const INV_PASS: &str = "mật khẩu điều tra";
const SUP_PASS: &str = "mật khẩu kiểm soát";

/// Runs `truyvet-registry --json --data DIR ARGS…`.
pub fn admin(data: &Path, args: &[&str]) -> Run {
    admin_with(data, None, args)
}

/// As [`admin`], with `--database URL` when given.
pub fn admin_with(data: &Path, database: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(REGISTRY);
    cmd.env_remove("TRUYVET_REGISTRY_DATA")
        .arg("--json")
        .arg("--data")
        .arg(data);
    if let Some(url) = database {
        cmd.arg("--database").arg(url);
    }
    run_command(cmd.args(args))
}

/// Which store a test runs against: the same suite runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A data folder, and a PostgreSQL database of its own for the PostgreSQL runs.
pub struct Env {
    data: TempDir,
    db: Option<truyvet_tests::pg::Database>,
}

impl Env {
    pub fn new(backend: Backend) -> Env {
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                truyvet_tests::pg::database()
                    .unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}")),
            ),
        };
        Env {
            data: tempfile::tempdir().expect("a data folder"),
            db,
        }
    }

    pub fn path(&self) -> &Path {
        self.data.path()
    }

    fn url(&self) -> Option<&str> {
        self.db.as_ref().map(|d| d.url())
    }

    pub fn admin(&self, args: &[&str]) -> Run {
        admin_with(self.path(), self.url(), args)
    }

    pub fn setup(&self) -> Tokens {
        setup_with(&|args| self.admin(args))
    }

    /// A token of `agency`'s `unit` with `role`, on this backend: (secret, id).
    pub fn issue(&self, agency: &str, unit: &str, role: &str) -> (String, String) {
        issue_with(&|args| self.admin(args), agency, unit, role)
    }

    pub fn start(&self, extra: &[&str]) -> Registry {
        Registry::start_with(self.path(), self.url(), extra)
    }
}

/// A running registry; killed when dropped.
pub struct Registry {
    child: Child,
    pub url: String,
    pub data: PathBuf,
    database: Option<String>,
}

impl Registry {
    pub fn start(data: &Path, extra: &[&str]) -> Registry {
        Registry::start_with(data, None, extra)
    }

    pub fn start_with(data: &Path, database: Option<&str>, extra: &[&str]) -> Registry {
        let mut cmd = Command::new(REGISTRY);
        cmd.env_remove("TRUYVET_REGISTRY_DATA")
            .arg("--data")
            .arg(data);
        if let Some(url) = database {
            cmd.arg("--database").arg(url);
        }
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(extra);
        let mut registry = Registry::spawn(cmd, data);
        registry.database = database.map(str::to_string);
        registry
    }

    /// Runs `cmd`, which must end up serving and print the listening line first.
    pub fn spawn(mut cmd: Command, data: &Path) -> Registry {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start truyvet-registry");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Registry {
            child,
            url,
            data: data.to_path_buf(),
            database: None,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn client(&self, token: Option<&str>) -> Client {
        // reqwest is built without a TLS provider of its own; ring, as the server uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client {
            base: self.url.clone(),
            token: token.map(str::to_string),
            // A fresh connection per request: after refusing an oversized body the server
            // closes the connection, and a pooled one could be picked up as it closes.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client"),
        }
    }

    /// The log's public key, as `truyvet-registry key` prints it.
    pub fn public_key(&self) -> VerifyingKey {
        let key = admin_with(&self.data, self.database.as_deref(), &["key"])
            .ok()
            .json();
        let bytes: [u8; 32] = hex::decode(key["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        VerifyingKey::from_bytes(&bytes).unwrap()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// An answer: status, the `upload-offset` header if any, the JSON body (Null if none).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub offset: Option<u64>,
    pub body: Value,
}

impl Answer {
    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        self
    }

    /// The error code of an error answer, checking the `{error:{code,message}}` shape.
    #[track_caller]
    pub fn code(&self) -> String {
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "no error message in {:#}", self.body);
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {:#}", self.body))
            .to_string()
    }

    #[track_caller]
    pub fn fails(self, status: u16, code: &str) -> Answer {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        assert_eq!(self.code(), code, "unexpected answer: {:#}", self.body);
        self
    }
}

pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        json: bool,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            let kind = if json {
                "application/json"
            } else {
                "application/octet-stream"
            };
            req = req.header("content-type", kind).body(body);
        }
        let res = req.send().await.expect("the registry answers");
        let status = res.status().as_u16();
        let offset = res
            .headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = res.bytes().await.expect("a body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            offset,
            body,
        }
    }

    /// A GET whose success body is bytes (a bundle): the answer (its body JSON when it
    /// is, else Null) and the raw body.
    pub async fn download(&self, path: &str) -> (Answer, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("the registry answers");
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("a body").to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let answer = Answer {
            status,
            offset: None,
            body,
        };
        (answer, bytes)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, false).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, Some(serde_json::to_vec(body).unwrap()), true)
            .await
    }

    pub async fn put(&self, path: &str, bytes: &[u8]) -> Answer {
        self.send("PUT", path, Some(bytes.to_vec()), false).await
    }

    /// Creates an upload for `bytes` and returns its id.
    pub async fn create_upload(&self, bytes: &[u8]) -> String {
        let created = self
            .post_json(
                "/v1/uploads",
                &json!({"size": bytes.len(), "sha256": sha256_hex(bytes)}),
            )
            .await
            .expect(201);
        assert_eq!(created.body["offset"], 0);
        created.body["upload_id"].as_str().unwrap().to_string()
    }

    /// The whole push: create, chunks of `chunk` bytes, finish. Returns the finish answer.
    pub async fn push(&self, bytes: &[u8], chunk: usize) -> Answer {
        let id = self.create_upload(bytes).await;
        let mut offset = 0;
        for part in bytes.chunks(chunk) {
            let answer = self
                .put(&format!("/v1/uploads/{id}?offset={offset}"), part)
                .await
                .expect(200);
            offset += part.len();
            assert_eq!(answer.offset, Some(offset as u64));
        }
        self.send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
            .await
    }
}

/// Tokens of two agencies: QLTT (unit DOI1) with one token per role plus a revoked one,
/// and CA (unit PC03) with an investigator.
pub struct Tokens {
    pub inv: String,
    pub sup: String,
    pub admin: String,
    pub revoked: String,
    pub other: String,
}

pub fn issue(data: &Path, agency: &str, unit: &str, role: &str) -> (String, String) {
    issue_with(&|args| admin(data, args), agency, unit, role)
}

fn issue_with(
    admin: &dyn Fn(&[&str]) -> Run,
    agency: &str,
    unit: &str,
    role: &str,
) -> (String, String) {
    let t = admin(&[
        "token", "issue", "--agency", agency, "--unit", unit, "--role", role, "--name", role,
    ])
    .ok()
    .json();
    (
        t["secret"].as_str().unwrap().to_string(),
        t["id"].as_str().unwrap().to_string(),
    )
}

pub fn setup(data: &Path) -> Tokens {
    setup_with(&|args| admin(data, args))
}

fn setup_with(admin: &dyn Fn(&[&str]) -> Run) -> Tokens {
    admin(&["agency", "add", "QLTT", "--name", "Quản lý thị trường"]).ok();
    admin(&["agency", "add", "CA", "--name", "Công an"]).ok();
    admin(&[
        "unit",
        "add",
        "--agency",
        "QLTT",
        "DOI1",
        "--name",
        "Đội QLTT số 1",
        "--contact",
        "0236 3888 111",
    ])
    .ok();
    admin(&[
        "unit",
        "add",
        "--agency",
        "CA",
        "PC03",
        "--name",
        "Phòng PC03",
        "--contact",
        "pc03@ca.gov.vn",
    ])
    .ok();
    let (inv, _) = issue_with(admin, "QLTT", "DOI1", "investigator");
    let (sup, _) = issue_with(admin, "QLTT", "DOI1", "supervisor");
    let (admin_token, _) = issue_with(admin, "QLTT", "DOI1", "admin");
    let (revoked, revoked_id) = issue_with(admin, "QLTT", "DOI1", "investigator");
    admin(&["token", "revoke", &revoked_id]).ok();
    let (other, _) = issue_with(admin, "CA", "PC03", "investigator");
    Tokens {
        inv,
        sup,
        admin: admin_token,
        revoked,
        other,
    }
}

/// A sealed case bundle built through the CLI.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub bytes: Vec<u8>,
    pub case_id: String,
    pub code: String,
    pub seal_root: String,
}

/// The bundles every test uses, built once per test run.
pub struct Bundles {
    _dir: TempDir,
    /// QLTT, Đà Nẵng, counterfeit goods: a phone, a VCB account and a Shopee shop.
    pub qltt: Bundle,
    /// The same QLTT case sealed a second time from a copy of its workspace.
    pub qltt_twin: Bundle,
    /// CA, Hà Nội, smuggled goods: the same phone written another way, and a domain.
    pub ca: Bundle,
}

pub fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(build_bundles)
}

fn run_as(root: &Path, pass: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(truyvet_tests::truyvet_bin());
    cmd.env_remove(truyvet_tests::HOME_ENV)
        .env_remove("TRUYVET_PASSPHRASE")
        .arg("--workspace")
        .arg(root)
        .arg("--json");
    if let Some(pass) = pass {
        cmd.env("TRUYVET_PASSPHRASE", pass);
    }
    run_command(cmd.args(args))
}

struct CaseSpec<'a> {
    agency: &'a str,
    province: &'a str,
    category: &'a str,
    identifiers: &'a [(&'a str, &'a str, &'a str)],
}

/// Builds a case up to `approved` in `root`; returns its code.
fn approved_case(ws: &TestWorkspace, root: &Path, spec: &CaseSpec<'_>) -> String {
    let run = |pass: Option<&str>, args: &[&str]| run_as(root, pass, args).ok();
    run(
        Some(INV_PASS),
        &[
            "profile",
            "set",
            "--display-name",
            "Trần Văn Điều Tra",
            "--agency",
            spec.agency,
            "--province",
            spec.province,
        ],
    );
    run(
        Some(SUP_PASS),
        &[
            "profile",
            "add",
            "--name",
            "kiem-soat",
            "--display-name",
            "Lê Thị Kiểm Soát",
            "--agency",
            spec.agency,
            "--province",
            spec.province,
            "--role",
            "supervisor",
        ],
    );
    run(None, &["profile", "use", "tran-van-dieu-tra"]);
    let code = run(None, &["case", "new", "--title", "Bán hàng giả trên mạng"]).json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let file = ws.write_file(format!("{code}.txt"), "Hóa đơn bán hàng".as_bytes());
    let evidence = run(
        None,
        &["evidence", "add", "--case", &code, file.to_str().unwrap()],
    )
    .json_lines()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (kind, value, bank) in spec.identifiers {
        let suggested = run(
            None,
            &[
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
                "--bank",
                bank,
            ],
        )
        .json();
        let id = suggested["entities"][0]["id"].as_str().unwrap().to_string();
        run(None, &["entity", "confirm", &id]);
    }
    run(
        None,
        &[
            "case",
            "edit",
            &code,
            "--category",
            spec.category,
            "--product-group",
            "Đồng hồ",
            "--legal-basis",
            "Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Xử phạt",
        ],
    );
    run(Some(INV_PASS), &["case", "submit", &code]);
    run(None, &["profile", "use", "kiem-soat"]);
    run(Some(SUP_PASS), &["case", "approve", &code]);
    code
}

fn seal_and_export(root: &Path, code: &str, out: &Path) -> Bundle {
    run_as(root, Some(SUP_PASS), &["case", "seal", code]).ok();
    let summary = run_as(
        root,
        None,
        &["export", code, "--out", out.to_str().unwrap()],
    )
    .ok()
    .json();
    let case = run_as(root, None, &["case", "show", code]).ok().json();
    let case_id = case["id"]
        .as_str()
        .or_else(|| case["case"]["id"].as_str())
        .expect("case id")
        .to_string();
    Bundle {
        bytes: std::fs::read(out).unwrap(),
        case_id,
        code: code.to_string(),
        seal_root: summary["seal_root"].as_str().unwrap().to_string(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let out = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .unwrap();
    assert!(out.status.success(), "cp -a failed");
}

fn build_bundles() -> Bundles {
    let dir = tempfile::tempdir().unwrap();
    let ws = TestWorkspace::new();
    let qltt_root = dir.path().join("qltt");
    let code = approved_case(
        &ws,
        &qltt_root,
        &CaseSpec {
            agency: "QLTT",
            province: "DN",
            category: "counterfeit_goods",
            identifiers: &[
                ("phone", "0912 345 678", ""),
                ("bank_account", "0011001234567", "VCB"),
                ("marketplace_shop", "shopee:dongho-gia", ""),
            ],
        },
    );
    let twin_root = dir.path().join("qltt-twin");
    copy_dir(&qltt_root, &twin_root);
    let qltt = seal_and_export(&qltt_root, &code, &dir.path().join("qltt.wacz"));
    let qltt_twin = seal_and_export(&twin_root, &code, &dir.path().join("qltt-twin.wacz"));
    assert_eq!(qltt.case_id, qltt_twin.case_id);
    assert_ne!(qltt.seal_root, qltt_twin.seal_root);

    let ca_root = dir.path().join("ca");
    let ca_code = approved_case(
        &ws,
        &ca_root,
        &CaseSpec {
            agency: "CA",
            province: "HN",
            category: "smuggled_goods",
            identifiers: &[
                ("phone", "+84 912.345.678", ""),
                ("domain", "https://www.dongho-gia.com.vn/sp", ""),
            ],
        },
    );
    let ca = seal_and_export(&ca_root, &ca_code, &dir.path().join("ca.wacz"));
    Bundles {
        _dir: dir,
        qltt,
        qltt_twin,
        ca,
    }
}

/// Files in a folder of the data dir.
pub fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `n` distinct sealed QLTT cases, each built in a workspace of its own, a few at a time.
pub fn distinct_bundles(n: usize) -> Vec<Bundle> {
    let build = |i: usize| {
        let dir = tempfile::tempdir().unwrap();
        let ws = TestWorkspace::new();
        let root = dir.path().join("ws");
        let code = approved_case(
            &ws,
            &root,
            &CaseSpec {
                agency: "QLTT",
                province: "DN",
                category: "counterfeit_goods",
                identifiers: &[("phone", "0912 345 678", "")],
            },
        );
        seal_and_export(&root, &code, &dir.path().join(format!("case-{i}.wacz")))
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n).map(|i| s.spawn(move || build(i))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
