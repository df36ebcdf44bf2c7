//! `truyvet export CODE --out FILE.wacz`: a case built through the CLI (two signing
//! profiles, a loopback capture stamped by a test authority, an imported file, the
//! review sequence up to the seal) leaves as one bundle that is byte-for-byte repeatable,
//! passes py-wacz's validator, carries a CASE/UCO description that `case_validate`
//! accepts and a PDF report with the Vietnamese title; an unsealed case is refused with
//! nothing written. `truyvet verify` accepts the bundle and names a flipped bit.

use std::path::{Path, PathBuf};
use std::process::Command;

use truyvet_tests::tsa::{TestCa, TsaFiles, TsaServer, TsaSpec};
use truyvet_tests::{TestWorkspace, sha256_hex};

use crate::workflow::{INV, SUP, run_as};

const TITLE: &str = "Bán đồng hồ giả mạo nhãn hiệu trên mạng xã hội ở Đà Nẵng";

pub(crate) fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("TRUYVET_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/truyvet/venv")
        });
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make test` (it installs the validators)",
        bin.display()
    );
    bin
}

pub(crate) fn output_text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// The member names of a ZIP file, read by Python's own `zipfile`.
fn members(bundle: &Path) -> Vec<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// One member's bytes, written to `dest`.
fn extract(bundle: &Path, name: &str, dest: &Path) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; open(sys.argv[3], 'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(bundle)
        .arg(name)
        .arg(dest)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
}

/// Where the data of the first member whose name starts with `prefix` begins.
pub(crate) fn member_data_offset(bundle: &Path, prefix: &str) -> usize {
    let script = "import sys, zipfile, struct\n\
z = zipfile.ZipFile(sys.argv[1])\n\
i = next(i for i in z.infolist() if i.filename.startswith(sys.argv[2]))\n\
f = open(sys.argv[1], 'rb'); f.seek(i.header_offset); h = f.read(30)\n\
n, x = struct.unpack('<HH', h[26:30])\n\
print(i.header_offset + 30 + n + x)";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(bundle)
        .arg(prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// An investigator (current) and a supervisor `kiem-soat`, both with keys, and a new case.
pub(crate) fn signers_and_case(ws: &TestWorkspace, title: &str) -> String {
    run_as(
        ws,
        Some(INV),
        &[
            "profile",
            "set",
            "--display-name",
            "Trần Văn Điều Tra",
            "--agency",
            "QLTT",
            "--province",
            "DN",
        ],
    )
    .ok();
    run_as(
        ws,
        Some(SUP),
        &[
            "profile",
            "add",
            "--name",
            "kiem-soat",
            "--display-name",
            "Lê Thị Kiểm Soát",
            "--agency",
            "QLTT",
            "--province",
            "DN",
            "--role",
            "supervisor",
        ],
    )
    .ok();
    run_as(ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    ws.new_case(title)
}

/// A sealed case with a stamped loopback capture and an imported file.
pub(crate) fn sealed_case(ws: &TestWorkspace, pki: &Path) -> (String, TsaServer) {
    let code = signers_and_case(ws, TITLE);
    let ca = TestCa::root(pki, "ca", "TruyVet Test Root");
    let server = TsaServer::start(TsaFiles::new(&ca, "tsa", &TsaSpec::rsa()));
    ws.run(&["config", "set", "tsa.url", &server.url()]).ok();
    ws.run(&[
        "config",
        "set",
        "tsa.trust",
        ca.pem_path().to_str().unwrap(),
    ])
    .ok();
    let (url, _) = super::capture::serve();
    ws.run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
        .ok();
    ws.run(&["timestamp", "run", "--now"]).ok();
    let file = ws.write_file("hoa-don.txt", "Hóa đơn bán hàng số 0012".as_bytes());
    ws.add(&code, &[&file]);
    submit_approve_seal(ws, &code);
    (code, server)
}

/// Fills what a submission needs, submits as the investigator, approves and seals as
/// the supervisor.
pub(crate) fn submit_approve_seal(ws: &TestWorkspace, code: &str) {
    run_as(
        ws,
        None,
        &[
            "case",
            "edit",
            code,
            "--category",
            "counterfeit_goods",
            "--product-group",
            "Đồng hồ",
            "--legal-basis",
            "Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Xử phạt, tịch thu tang vật",
        ],
    )
    .ok();
    run_as(ws, Some(INV), &["case", "submit", code]).ok();
    run_as(ws, None, &["profile", "use", "kiem-soat"]).ok();
    run_as(ws, Some(SUP), &["case", "approve", code]).ok();
    run_as(ws, Some(SUP), &["case", "seal", code]).ok();
}

#[test]
fn sealed_case_exports_to_a_valid_repeatable_bundle() {
    let ws = TestWorkspace::new();
    let pki = tempfile::tempdir().unwrap();
    let (code, _server) = sealed_case(&ws, pki.path());
    let out_dir = tempfile::tempdir().unwrap();
    let one = out_dir.path().join("mot.wacz");
    let two = out_dir.path().join("hai.wacz");

    let first = ws
        .run(&["export", &code, "--out", one.to_str().unwrap()])
        .ok()
        .json();
    let second = ws
        .run(&["export", &code, "--out", two.to_str().unwrap()])
        .ok()
        .json();
    let bytes = std::fs::read(&one).unwrap();
    assert_eq!(bytes, std::fs::read(&two).unwrap(), "two exports differ");
    assert_eq!(first["sha256"], sha256_hex(&bytes));
    assert_eq!(first["size"], bytes.len() as u64);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(first["warcs"], 1);
    assert_eq!(first["evidence"], 2);
    // Only the two bundles: no temp file is left beside them.
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 2);

    let human = ws
        .run_plain(&["export", &code, "--out", one.to_str().unwrap()])
        .ok();
    assert!(
        human.stdout.contains(first["sha256"].as_str().unwrap()),
        "{human}"
    );

    let names = members(&one);
    for wanted in [
        "datapackage.json",
        "datapackage-digest.json",
        "indexes/index.cdx",
        "pages/pages.jsonl",
        "truyvet/case.json",
        "truyvet/entities.json",
        "truyvet/links.json",
        "truyvet/custody.jsonl",
        "truyvet/seal.json",
        "truyvet/case-uco.jsonld",
        "truyvet/report.pdf",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "{wanted} missing: {names:?}"
        );
    }
    let count = |pred: &dyn Fn(&str) -> bool| names.iter().filter(|n| pred(n)).count();
    assert_eq!(
        count(&|n| n.starts_with("archive/") && n.ends_with(".warc.gz")),
        1
    );
    assert_eq!(count(&|n| n.starts_with("truyvet/key-")), 2, "{names:?}");
    assert_eq!(count(&|n| n.ends_with(".tsr")), 1, "{names:?}");
    let imported = sha256_hex("Hóa đơn bán hàng số 0012".as_bytes());
    assert!(
        names.contains(&format!("truyvet/{imported}.txt")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("truyvet/") || n.matches('/').count() == 1)
    );

    let validate = Command::new(venv_bin("wacz"))
        .args(["validate", "--file"])
        .arg(&one)
        .output()
        .unwrap();
    let said = output_text(&validate);
    assert!(validate.status.success(), "wacz validate failed:\n{said}");
    assert!(said.contains("Validation succeeded"), "{said}");

    let jsonld = out_dir.path().join("case-uco.jsonld");
    extract(&one, "truyvet/case-uco.jsonld", &jsonld);
    let checked = Command::new(venv_bin("case_validate"))
        .arg(&jsonld)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "case_validate refused the export:\n{}",
        output_text(&checked)
    );

    let pdf = out_dir.path().join("report.pdf");
    extract(&one, "truyvet/report.pdf", &pdf);
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success(), "{}", output_text(&text));
    let text = String::from_utf8(text.stdout).unwrap();
    // The title may wrap; compare with line breaks read as spaces.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(TITLE),
        "title missing from the report:\n{text}"
    );
    assert!(flat.contains(&code), "{text}");

    // The standalone verifier accepts the bundle…
    let verified = ws.run(&["verify", one.to_str().unwrap()]).ok().json();
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["problems"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        verified["signatures"], 4,
        "submit, approve, seal transitions and the seal"
    );
    assert_eq!(verified["timestamps"], 1);
    assert_eq!(verified["case_code"], code.as_str());
    // …and refuses it, naming why, once one bit of the WARC member is flipped.
    let offset = member_data_offset(&one, "archive/");
    let mut tampered = bytes.clone();
    tampered[offset + 100] ^= 0x10;
    let bad = out_dir.path().join("sai.wacz");
    std::fs::write(&bad, &tampered).unwrap();
    let refused = ws.run(&["verify", bad.to_str().unwrap()]);
    assert_eq!(refused.code, 1, "{refused}");
    let report: serde_json::Value = serde_json::from_str(&refused.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["problems"][0]["kind"], "zip_crc_mismatch",
        "{report}"
    );

    let seal = out_dir.path().join("seal.json");
    extract(&one, "truyvet/seal.json", &seal);
    let seal: serde_json::Value = serde_json::from_slice(&std::fs::read(&seal).unwrap()).unwrap();
    assert_eq!(seal["root"], first["seal_root"]);
    assert_eq!(seal["signature"].as_str().map(str::len), Some(128));
}

#[test]
fn an_unsealed_case_is_refused_and_nothing_is_written() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ việc chưa niêm phong");
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("vu-viec.wacz");
    ws.run(&["export", &code, "--out", out.to_str().unwrap()])
        .fails_with(3, "case_not_sealed");
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0);
    ws.run(&["export", "KHONG-CO", "--out", out.to_str().unwrap()])
        .fails_with(3, "case_not_found");
    assert!(!out.exists());
}
