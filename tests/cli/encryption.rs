//! Encrypted workspaces through the real binary: `workspace init --encrypt`, `status`,
//! `passphrase`; a case built, sealed and exported in an encrypted workspace leaves no
//! planted data in any raw file (the same commands unencrypted do), its bundle passes
//! `truyvet verify` like any other, and `--encrypt-to` gives a file that Debian's `age`
//! decrypts to a bundle that verifies. Wrong, missing and throttled passphrases and a
//! lost key file are refused with their codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use truyvet_tests::{TestWorkspace, find_in_path, run_command, sha256_hex};

use crate::export::{signers_and_case, submit_approve_seal};

const PASS: &str = "mật khẩu không gian làm việc";
const TITLE: &str = "Nguyễn Thị Bích Ngọc bán đồng hồ Rolex giả ở Hàng Đào";
const PHONE: &str = "0987654321";
/// The captured page carries the planted name and phone too.
const PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>Shop</title></head>\
<body><p>Nguyễn Thị Bích Ngọc bán đồng hồ Rolex giả ở Hàng Đào</p><p>Zalo 0987654321</p>\
</body></html>";

fn image_bytes() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8));
    png
}

fn every_file(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The planted items found in the raw bytes of any file under `root`.
fn planted_in(root: &Path) -> Vec<&'static str> {
    let image = image_bytes();
    let needles: [(&str, &[u8]); 3] = [
        ("vietnamese", TITLE.as_bytes()),
        ("phone", PHONE.as_bytes()),
        ("image", &image[2000..2048]),
    ];
    let mut files = Vec::new();
    every_file(root, &mut files);
    let mut found = Vec::new();
    for (name, needle) in needles {
        let hit = files.iter().any(|f| {
            let bytes = fs::read(f).unwrap();
            bytes.windows(needle.len()).any(|w| w == needle)
        });
        if hit {
            found.push(name);
        }
    }
    found
}

/// Two signers, a case titled with the planted name, a note with the phone, an image
/// and a text file, and a loopback capture of a page carrying both.
fn build_case(ws: &TestWorkspace) -> String {
    let code = signers_and_case(ws, TITLE);
    ws.run(&["note", "add", "--case", &code, &format!("Gọi {PHONE}")])
        .ok();
    let text = ws.write_file("loi-khai.txt", format!("{TITLE}\n{PHONE}\n").as_bytes());
    let image = ws.write_file("anh.png", &image_bytes());
    ws.add(&code, &[&text, &image]);
    let (url, _) = crate::capture::serve_page(PAGE);
    ws.run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
        .ok();
    code
}

fn age_tool(name: &str) -> PathBuf {
    find_in_path(name).unwrap_or_else(|| {
        panic!("Debian's `{name}` is missing: run `make test` (scripts/install-deps.sh --test)")
    })
}

#[test]
fn an_encrypted_workspace_leaks_nothing_and_exports_bundles_that_verify() {
    let ws = TestWorkspace::new_encrypted(PASS);
    let status = ws.run(&["workspace", "status"]).ok().json();
    assert_eq!(status["encrypted"], true, "{status}");
    assert_eq!(status["key_file"], true);
    assert_eq!(status["kdf"]["algorithm"], "argon2id");
    assert_eq!(status["kdf"]["memory_kib"], 131072);
    assert_eq!(status["key_id"].as_str().unwrap().len(), 16);

    let code = build_case(&ws);
    assert_eq!(planted_in(&ws.root), Vec::<&str>::new());
    ws.assert_verifies();
    // Search still finds the page text behind the key.
    let hits = ws.run(&["search", "bich ngoc"]).ok().json();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");

    submit_approve_seal(&ws, &code);
    assert_eq!(planted_in(&ws.root), Vec::<&str>::new(), "after sealing");
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("ho-so.wacz");
    let summary = ws
        .run(&["export", &code, "--out", bundle.to_str().unwrap()])
        .ok()
        .json();
    // A bundle is plaintext: the evidence as acquired, checked like any other.
    let raw = fs::read(&bundle).unwrap();
    assert_eq!(summary["sha256"], sha256_hex(&raw));
    let image = image_bytes();
    assert!(raw.windows(image.len()).any(|w| w == &image[..]));
    let report = ws.run(&["verify", bundle.to_str().unwrap()]).ok().json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["seal_root_recomputed"], "ok", "{report}");

    // The same bundle, encrypted to a recipient: Debian's age decrypts it.
    let key = out.path().join("nguoi-nhan.key");
    let keygen = Command::new(age_tool("age-keygen"))
        .arg("-o")
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    let recipient = Command::new(age_tool("age-keygen"))
        .arg("-y")
        .arg(&key)
        .output()
        .unwrap();
    let recipient = String::from_utf8(recipient.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    let sealed = out.path().join("ho-so.wacz.age");
    let done = ws
        .run(&[
            "export",
            &code,
            "--out",
            sealed.to_str().unwrap(),
            "--encrypt-to",
            &recipient,
        ])
        .ok()
        .json();
    assert_eq!(done["encrypted_to"], recipient.as_str());
    let encrypted = fs::read(&sealed).unwrap();
    assert_eq!(done["sha256"], sha256_hex(&encrypted));
    assert!(encrypted.starts_with(b"age-encryption.org/v1\n"));
    assert!(!encrypted.windows(image.len()).any(|w| w == &image[..]));
    // Export is deterministic, so the bundle inside is the very bundle exported above.
    assert_eq!(done["bundle_sha256"], summary["sha256"]);
    let opened = out.path().join("da-giai-ma.wacz");
    let age = Command::new(age_tool("age"))
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg("-o")
        .arg(&opened)
        .arg(&sealed)
        .output()
        .unwrap();
    assert!(age.status.success(), "{age:?}");
    assert_eq!(fs::read(&opened).unwrap(), raw);
    let report = ws.run(&["verify", opened.to_str().unwrap()]).ok().json();
    assert_eq!(report["ok"], true, "{report}");
    // No scratch or temp file left beside the outputs.
    let mut names: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "da-giai-ma.wacz",
            "ho-so.wacz",
            "ho-so.wacz.age",
            "nguoi-nhan.key"
        ]
    );

    // Not a recipient: refused before anything is written.
    let bad = out.path().join("khong.age");
    ws.run(&[
        "export",
        &code,
        "--out",
        bad.to_str().unwrap(),
        "--encrypt-to",
        "age1khongphaikhoa",
    ])
    .fails_with(3, "invalid_input");
    assert!(!bad.exists());
}

#[test]
fn the_same_commands_unencrypted_leave_the_planted_data_in_the_files() {
    let ws = TestWorkspace::new();
    build_case(&ws);
    assert_eq!(planted_in(&ws.root), ["vietnamese", "phone", "image"]);
    let status = ws.run(&["workspace", "status"]).ok().json();
    assert_eq!(status["encrypted"], false, "{status}");
}

fn with_pass(ws: &TestWorkspace, pass: Option<&str>, args: &[&str]) -> truyvet_tests::Run {
    let mut cmd = ws.command();
    match pass {
        Some(p) => cmd.env("TRUYVET_WORKSPACE_PASSPHRASE", p),
        None => cmd.env_remove("TRUYVET_WORKSPACE_PASSPHRASE"),
    };
    run_command(cmd.arg("--json").args(args))
}

#[test]
fn wrong_missing_and_repeated_passphrases_and_a_lost_key_are_refused() {
    let ws = TestWorkspace::new_encrypted(PASS);
    ws.run(&[
        "profile",
        "set",
        "--display-name",
        "Đặng Thu Trang",
        "--agency",
        "QLTT",
    ])
    .ok();
    // No passphrase and no terminal (the test's stdin is not one).
    with_pass(&ws, None, &["case", "list"]).fails_with(4, "workspace_locked");
    for _ in 0..5 {
        let run = with_pass(&ws, Some("đoán bừa 12345"), &["case", "list"]);
        run.fails_with(3, "bad_passphrase");
        assert!(
            !format!("{run}").contains("Đặng"),
            "no hint of the data: {run}"
        );
    }
    let run = with_pass(&ws, Some(PASS), &["case", "list"]);
    run.fails_with(3, "unlock_throttled");
    assert!(format!("{run}").contains("try again in "), "{run}");
    let status = ws.run(&["workspace", "status"]).ok().json();
    assert_eq!(status["failed_unlocks"], 5, "{status}");

    // A folder copied without its key file.
    let copy = ws.temp_root().join("ban-sao");
    fs::create_dir(&copy).unwrap();
    for name in ["truyvet.db", "blobs"] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(ws.root.join(name))
            .arg(&copy)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let run = run_command(
        Command::new(truyvet_tests::truyvet_bin())
            .env("TRUYVET_WORKSPACE_PASSPHRASE", PASS)
            .args(["--json", "--workspace"])
            .arg(&copy)
            .args(["case", "list"]),
    );
    run.fails_with(4, "workspace_key_missing");
    let mut left: Vec<String> = fs::read_dir(&copy)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["blobs", "truyvet.db"], "nothing written beside it");
}

#[test]
fn changing_the_passphrase_keeps_every_evidence_verifiable() {
    let mut ws = TestWorkspace::new_encrypted(PASS);
    ws.run(&[
        "profile",
        "set",
        "--display-name",
        "Đặng Thu Trang",
        "--agency",
        "QLTT",
    ])
    .ok();
    let code = ws.new_case(TITLE);
    let file = ws.write_file("anh.png", &image_bytes());
    ws.add(&code, &[&file]);
    let before: Value = ws.run(&["workspace", "status"]).ok().json();

    let new = "mật khẩu mới cho năm 2027";
    let mut cmd = ws.command();
    cmd.env("TRUYVET_NEW_WORKSPACE_PASSPHRASE", "ngắn");
    run_command(cmd.args(["--json", "workspace", "passphrase"])).fails_with(3, "invalid_input");
    let mut cmd = ws.command();
    cmd.env("TRUYVET_NEW_WORKSPACE_PASSPHRASE", new);
    let after = run_command(cmd.args(["--json", "workspace", "passphrase"]))
        .ok()
        .json();
    assert_eq!(after["key_id"], before["key_id"], "same workspace key");
    assert_ne!(after["kdf"]["salt"], before["kdf"]["salt"]);

    ws.run(&["case", "list"]).fails_with(3, "bad_passphrase");
    ws.workspace_passphrase = Some(new.to_string());
    ws.assert_verifies();
    let (_, report) = ws.verify();
    assert_eq!(report["evidence_checked"], 1, "{report}");
}
