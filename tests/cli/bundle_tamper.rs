//! The case bundle under attack. One real bundle is built through the CLI (the sealed case
//! of `export.rs`: two signing profiles, a stamped loopback capture, an imported file),
//! then damaged one way at a time and handed to `truyvet verify --json`. For every member
//! in turn: one bit flipped in its stored bytes, in its content with the ZIP made
//! consistent again (a forger who knows ZIP), in the name of its local header, in the name
//! of its central directory entry and in that entry's CRC. Then the bundle-level forgeries
//! of the issue: a signer's public key file swapped for another valid key, the seal
//! re-signed with a new key (its key file added and the manifest resealed), a manifest
//! listing a file that is not there, and truncated files. Every copy must be refused
//! (exit 1, `ok: false`) with the kind the damage implies, its detail naming the member.
//! A sealed case with only an imported file (no web capture) exports, validates and
//! verifies too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use truyvet_tests::{TestWorkspace, sha256_hex};

use crate::export::{output_text, sealed_case, signers_and_case, submit_approve_seal, venv_bin};

const MANIFEST: &str = "datapackage.json";
const DIGEST: &str = "datapackage-digest.json";

/// Where one member lives in the archive (our writer: no ZIP64 for a small bundle).
#[derive(Debug)]
struct Member {
    name: String,
    method: u16,
    /// Offset of the name in the local header.
    local_name: usize,
    /// Offset of the stored (possibly deflated) bytes and their length.
    data: usize,
    csize: usize,
    /// Offset of the central directory record.
    central: usize,
}

fn le16(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// The members, read from the central directory (the end record has no comment).
fn layout(zip: &[u8]) -> Vec<Member> {
    let end = zip.len() - 22;
    assert_eq!(le32(zip, end), 0x0605_4b50, "end record");
    let count = le16(zip, end + 10);
    let mut at = le32(zip, end + 16);
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(le32(zip, at), 0x0201_4b50, "central record");
        let name_len = le16(zip, at + 28);
        let record_len = 46 + name_len + le16(zip, at + 30) + le16(zip, at + 32);
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
        let local = le32(zip, at + 42);
        assert_eq!(le32(zip, local), 0x0403_4b50, "local header of {name}");
        out.push(Member {
            method: le16(zip, at + 10) as u16,
            local_name: local + 30,
            data: local + 30 + le16(zip, local + 26) + le16(zip, local + 28),
            csize: le32(zip, at + 20),
            central: at,
            name,
        });
        at += record_len;
    }
    out
}

/// What a damaged copy must be refused with: the first problem's kind is one of `kinds`
/// and its detail names `names`.
struct Variant {
    label: String,
    path: PathBuf,
    kinds: &'static [&'static str],
    names: String,
}

fn variant(dir: &Path, label: String, kinds: &'static [&'static str], names: &str) -> Variant {
    Variant {
        path: dir.join(format!("{:03}.wacz", next_id())),
        label,
        kinds,
        names: names.to_string(),
    }
}

fn next_id() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn flipped(bytes: &[u8], at: usize, bit: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= bit;
    out
}

/// `truyvet --json verify FILE`: the exit status and the report.
fn verify(ws: &TestWorkspace, path: &Path) -> (i32, Value) {
    let run = ws.run(&["verify", path.to_str().unwrap()]);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("verify printed no report ({e}):\n{run}"));
    (run.code, report)
}

/// Verifies every variant on two threads; returns one line per failed expectation and
/// prints how many copies each kind refused.
fn check_all(ws: &TestWorkspace, variants: &[Variant]) -> Vec<String> {
    let failures = std::sync::Mutex::new(Vec::new());
    let kinds = std::sync::Mutex::new(BTreeMap::<String, usize>::new());
    std::thread::scope(|s| {
        for half in variants.chunks(variants.len().div_ceil(2).max(1)) {
            let (failures, kinds) = (&failures, &kinds);
            s.spawn(move || {
                for v in half {
                    let (code, report) = verify(ws, &v.path);
                    let first = &report["problems"][0];
                    let kind = first["kind"].as_str().unwrap_or("");
                    let detail = first["detail"].as_str().unwrap_or("");
                    *kinds.lock().unwrap().entry(kind.to_string()).or_default() += 1;
                    let ok = code == 1
                        && report["ok"] == false
                        && v.kinds.contains(&kind)
                        && detail.contains(&v.names);
                    if !ok {
                        failures.lock().unwrap().push(format!(
                            "{}: exit {code}, first problem {kind:?} ({detail:?}); wanted one of {:?} naming {:?}",
                            v.label, v.kinds, v.names
                        ));
                    }
                }
            });
        }
    });
    println!(
        "{} damaged copies, first problem: {:?}",
        variants.len(),
        kinds.into_inner().unwrap()
    );
    failures.into_inner().unwrap()
}

/// Rewrites a bundle with Python's own `zipfile` (an independent ZIP writer, so the CRCs
/// and sizes are right): members replaced by the bytes of a file or deleted, new members
/// added before the manifest, and with `reseal` the manifest's hashes and sizes and the
/// digest file recomputed, as a forger would.
fn repack(
    src: &Path,
    out: &Path,
    replace: &BTreeMap<String, PathBuf>,
    delete: &[&str],
    reseal: bool,
) {
    const SCRIPT: &str = r#"
import hashlib, json, sys, zipfile
src, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
zin = zipfile.ZipFile(src)
infos = [i for i in zin.infolist() if i.filename not in spec["delete"]]
body = {i.filename: zin.read(i) for i in infos}
for name, path in spec["replace"].items():
    if name not in body:
        info = zipfile.ZipInfo(name, date_time=infos[0].date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16
        infos.insert(len(infos) - 2, info)
    body[name] = open(path, "rb").read()
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
if spec["reseal"]:
    m = json.loads(body["datapackage.json"])
    listed = {r["path"]: r for r in m["resources"]}
    for name, data in body.items():
        if name in ("datapackage.json", "datapackage-digest.json"):
            continue
        r = listed.get(name)
        if r is None:
            r = {"name": name.lower(), "path": name}
            m["resources"].append(r)
        r["hash"], r["bytes"] = sha(data), len(data)
    m["resources"] = [r for r in m["resources"] if r["path"] in body]
    body["datapackage.json"] = (json.dumps(m, indent=2, ensure_ascii=False) + "\n").encode()
    d = json.loads(body["datapackage-digest.json"])
    d["hash"] = sha(body["datapackage.json"])
    body["datapackage-digest.json"] = (json.dumps(d, indent=2) + "\n").encode()
with zipfile.ZipFile(out, "w") as z:
    for i in infos:
        z.writestr(i, body[i.filename])
"#;
    let spec = json!({"replace": replace, "delete": delete, "reseal": reseal});
    let run = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(src)
        .arg(out)
        .arg(spec.to_string())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "repack failed:\n{}",
        output_text(&run)
    );
}

/// One member's bytes, read with Python's `zipfile`.
fn read_member(bundle: &Path, name: &str) -> Vec<u8> {
    let run = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(bundle)
        .arg(name)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", output_text(&run));
    run.stdout
}

/// Bit flips in every member, at the ZIP layer and at the WACZ layer.
fn member_variants(
    good: &Path,
    bytes: &[u8],
    members: &[Member],
    dir: &Path,
    out: &mut Vec<Variant>,
) {
    const CRC_OR_INFLATE: &[&str] = &[
        "zip_crc_mismatch",
        "zip_deflate_invalid",
        "zip_size_mismatch",
    ];
    const HEADER: &[&str] = &["zip_header_mismatch"];
    for m in members {
        // 1. The stored bytes: a stored member's CRC, a deflated one's inflater or CRC.
        let kinds: &'static [&'static str] = if m.method == 0 {
            &["zip_crc_mismatch"]
        } else {
            CRC_OR_INFLATE
        };
        let v = variant(dir, format!("{} stored bytes", m.name), kinds, &m.name);
        std::fs::write(&v.path, flipped(bytes, m.data + m.csize / 2, 0x10)).unwrap();
        out.push(v);

        // 2. The last byte of the name in the local header, then in the central
        //    directory (bit 0 keeps it a valid, distinct name: the structure check must
        //    catch it, not the name rules), then the central directory's CRC.
        let last = m.name.len() - 1;
        let v = variant(dir, format!("{} local name", m.name), HEADER, &m.name);
        std::fs::write(&v.path, flipped(bytes, m.local_name + last, 0x01)).unwrap();
        out.push(v);
        let v = variant(dir, format!("{} central name", m.name), HEADER, &m.name);
        std::fs::write(&v.path, flipped(bytes, m.central + 46 + last, 0x01)).unwrap();
        out.push(v);
        let v = variant(dir, format!("{} central CRC", m.name), HEADER, &m.name);
        std::fs::write(&v.path, flipped(bytes, m.central + 16, 0x01)).unwrap();
        out.push(v);

        // 3. The content, the ZIP rebuilt around it with the right CRC: the manifest's
        //    hashes refuse it (the manifest itself: the digest file).
        let content = read_member(good, &m.name);
        let (changed, kinds, names): (Vec<u8>, &'static [&'static str], &str) =
            match m.name.as_str() {
                MANIFEST => (
                    flipped(&content, content.len() / 2, 0x01),
                    &["wacz_digest_mismatch"],
                    MANIFEST,
                ),
                DIGEST => {
                    // The last hex digit of the hash, made another hex digit.
                    let pos = content.iter().rposition(u8::is_ascii_hexdigit).unwrap();
                    let bit = [1u8, 2, 4, 8, 16, 32, 64]
                        .into_iter()
                        .find(|b| matches!(content[pos] ^ b, b'0'..=b'9' | b'a'..=b'f'))
                        .unwrap();
                    (
                        flipped(&content, pos, bit),
                        &["wacz_digest_mismatch"],
                        DIGEST,
                    )
                }
                _ => (
                    flipped(&content, content.len() / 2, 0x01),
                    &["wacz_resource_hash_mismatch"],
                    &m.name,
                ),
            };
        let v = variant(dir, format!("{} content", m.name), kinds, names);
        let new = dir.join(format!("{}.content", next_id()));
        std::fs::write(&new, changed).unwrap();
        repack(
            good,
            &v.path,
            &BTreeMap::from([(m.name.clone(), new)]),
            &[],
            false,
        );
        out.push(v);
    }
    // The digest file no longer JSON: its own kind.
    let content = read_member(good, DIGEST);
    let v = variant(
        dir,
        "digest file not JSON".into(),
        &["wacz_digest_invalid"],
        DIGEST,
    );
    let new = dir.join("digest.content");
    std::fs::write(&new, flipped(&content, 0, 0x01)).unwrap();
    repack(
        good,
        &v.path,
        &BTreeMap::from([(DIGEST.to_string(), new)]),
        &[],
        false,
    );
    out.push(v);
}

/// `openssl` as a forger's signing tool: a new Ed25519 key; returns (raw public key hex,
/// fingerprint, PEM path).
fn forger_key(dir: &Path) -> (String, String, PathBuf) {
    let pem = dir.join("forger.pem");
    let der = dir.join("forger.der");
    for args in [
        vec![
            "genpkey",
            "-algorithm",
            "ed25519",
            "-out",
            pem.to_str().unwrap(),
        ],
        vec![
            "pkey",
            "-in",
            pem.to_str().unwrap(),
            "-pubout",
            "-outform",
            "DER",
            "-out",
            der.to_str().unwrap(),
        ],
    ] {
        let run = Command::new("openssl").args(&args).output().unwrap();
        assert!(run.status.success(), "{}", output_text(&run));
    }
    let der = std::fs::read(&der).unwrap();
    let raw = &der[der.len() - 32..];
    (hex::encode(raw), sha256_hex(raw), pem)
}

fn sign(pem: &Path, message: &[u8], dir: &Path) -> String {
    let msg = dir.join("message.bin");
    std::fs::write(&msg, message).unwrap();
    let run = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
        .arg(pem)
        .arg("-in")
        .arg(&msg)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", output_text(&run));
    assert_eq!(run.stdout.len(), 64);
    hex::encode(run.stdout)
}

/// `"truyvet.seal.v1\n"` then each field as u32be length + UTF-8 (ARCHITECTURE.md).
fn seal_signed_bytes(seal: &Value, fingerprint: &str) -> Vec<u8> {
    let mut out = b"truyvet.seal.v1\n".to_vec();
    for key in ["case_id", "root", "head", "at"] {
        let v = seal[key].as_str().unwrap();
        out.extend((v.len() as u32).to_be_bytes());
        out.extend(v.as_bytes());
    }
    out.extend((fingerprint.len() as u32).to_be_bytes());
    out.extend(fingerprint.as_bytes());
    out
}

/// The forgeries the issue lists, each against the CLI verifier.
fn bundle_variants(good: &Path, bytes: &[u8], dir: &Path, out: &mut Vec<Variant>) {
    let seal: Value = serde_json::from_slice(&read_member(good, "truyvet/seal.json")).unwrap();
    let sup = seal["fingerprint"].as_str().unwrap().to_string();
    let sup_file = format!("truyvet/key-{sup}.json");
    let members = layout(bytes);
    let inv_file = members
        .iter()
        .map(|m| m.name.clone())
        .find(|n| n.starts_with("truyvet/key-") && *n != sup_file)
        .expect("the investigator's key file");

    // The supervisor's key file holding another valid key (the investigator's).
    let v = variant(
        dir,
        "swapped public key".into(),
        &["key_mismatch"],
        &sup_file,
    );
    let other = dir.join("other-key.json");
    std::fs::write(&other, read_member(good, &inv_file)).unwrap();
    repack(
        good,
        &v.path,
        &BTreeMap::from([(sup_file.clone(), other)]),
        &[],
        true,
    );
    out.push(v);

    // The seal re-signed with a new key whose key file is added: every signature checks
    // out, but the seal is not signed by the supervisor who signed the sealing transition.
    let (public_key, print, pem) = forger_key(dir);
    let mut forged = seal.clone();
    forged["fingerprint"] = json!(print);
    forged["signature"] = json!(sign(&pem, &seal_signed_bytes(&seal, &print), dir));
    let forged_seal = dir.join("seal.json");
    std::fs::write(&forged_seal, serde_json::to_vec_pretty(&forged).unwrap()).unwrap();
    let key_file = dir.join("forger-key.json");
    std::fs::write(
        &key_file,
        serde_json::to_vec_pretty(&json!({
            "profile": "kiem-soat",
            "public_key": public_key,
            "fingerprint": print,
            "created_at": seal["at"],
        }))
        .unwrap(),
    )
    .unwrap();
    let v = variant(
        dir,
        "seal re-signed".into(),
        &["seal_signer_mismatch"],
        &print,
    );
    repack(
        good,
        &v.path,
        &BTreeMap::from([
            ("truyvet/seal.json".to_string(), forged_seal.clone()),
            (format!("truyvet/key-{print}.json"), key_file),
        ]),
        &[],
        true,
    );
    out.push(v);
    // The same without the key file: still not the sealing supervisor's signature.
    let v = variant(
        dir,
        "seal re-signed, no key".into(),
        &["seal_signer_mismatch"],
        &print,
    );
    repack(
        good,
        &v.path,
        &BTreeMap::from([("truyvet/seal.json".to_string(), forged_seal)]),
        &[],
        true,
    );
    out.push(v);

    // A manifest listing a file that is not in the archive.
    let v = variant(
        dir,
        "listed file missing".into(),
        &["wacz_resource_missing"],
        "truyvet/entities.json",
    );
    repack(
        good,
        &v.path,
        &BTreeMap::new(),
        &["truyvet/entities.json"],
        false,
    );
    out.push(v);

    // Truncated anywhere: the end record is gone.
    for cut in [1, 22, bytes.len() / 2, bytes.len() - 100] {
        let v = variant(
            dir,
            format!("truncated by {cut}"),
            &["zip_truncated"],
            "end",
        );
        std::fs::write(&v.path, &bytes[..bytes.len() - cut]).unwrap();
        out.push(v);
    }
}

#[test]
fn every_damaged_copy_of_a_bundle_is_refused_with_its_reason() {
    let ws = TestWorkspace::new();
    let pki = tempfile::tempdir().unwrap();
    let (code, _server) = sealed_case(&ws, pki.path());
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.wacz");
    ws.run(&["export", &code, "--out", good.to_str().unwrap()])
        .ok();
    let bytes = std::fs::read(&good).unwrap();
    let members = layout(&bytes);
    assert!(members.len() >= 14, "{members:?}");
    assert!(members.iter().any(|m| m.method == 0) && members.iter().any(|m| m.method == 8));

    // The undamaged bundle verifies, and so does Python's rewrite of it: what is refused
    // below is refused for the change made, not for who wrote the ZIP.
    let (status, report) = verify(&ws, &good);
    assert_eq!((status, &report["ok"]), (0, &json!(true)), "{report}");
    let same = dir.path().join("same.wacz");
    repack(&good, &same, &BTreeMap::new(), &[], true);
    let (status, report) = verify(&ws, &same);
    assert_eq!((status, &report["ok"]), (0, &json!(true)), "{report}");

    let work = dir.path().join("variants");
    std::fs::create_dir(&work).unwrap();
    let mut variants = Vec::new();
    member_variants(&good, &bytes, &members, &work, &mut variants);
    bundle_variants(&good, &bytes, &work, &mut variants);
    assert_eq!(variants.len(), members.len() * 5 + 1 + 3 + 1 + 4);
    let before: Vec<_> = std::fs::read_dir(&work).unwrap().collect();

    let failures = check_all(&ws, &variants);
    assert!(
        failures.is_empty(),
        "{} of {} damaged copies were not refused as expected:\n{}",
        failures.len(),
        variants.len(),
        failures.join("\n")
    );
    // Verifying wrote nothing beside the bundles.
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), before.len());
}

/// A sealed case whose only evidence is an imported file: the bundle still has a WARC
/// (a `warcinfo` record describing the case), passes py-wacz's validator and verifies.
#[test]
fn a_case_without_web_captures_exports_and_verifies() {
    let ws = TestWorkspace::new();
    let code = signers_and_case(&ws, "Hóa đơn giả của cửa hàng mỹ phẩm");
    let file = ws.write_file("bien-ban.txt", "Biên bản làm việc số 07".as_bytes());
    ws.add(&code, &[&file]);
    submit_approve_seal(&ws, &code);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chi-tep.wacz");
    let summary = ws
        .run(&["export", &code, "--out", out.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(summary["evidence"], 1);
    let again = dir.path().join("lan-hai.wacz");
    ws.run(&["export", &code, "--out", again.to_str().unwrap()])
        .ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());

    let names: Vec<String> = layout(&std::fs::read(&out).unwrap())
        .into_iter()
        .map(|m| m.name)
        .collect();
    let warcs: Vec<_> = names.iter().filter(|n| n.starts_with("archive/")).collect();
    assert_eq!(warcs.len(), 1, "{names:?}");
    let warc = read_member(&out, warcs[0]);
    let text = String::from_utf8_lossy(&decompress_gzip(&warc)).to_string();
    assert!(text.starts_with("WARC/1.1\r\n"), "{text}");
    assert!(text.contains("WARC-Type: warcinfo"), "{text}");
    assert!(text.contains(&code), "{text}");

    let validate = Command::new(venv_bin("wacz"))
        .args(["validate", "--file"])
        .arg(&out)
        .output()
        .unwrap();
    let said = output_text(&validate);
    assert!(validate.status.success(), "wacz validate failed:\n{said}");
    assert!(said.contains("Validation succeeded"), "{said}");

    let (status, report) = verify(&ws, &out);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["case_code"], code.as_str());
    assert_eq!(report["warc_records"], 1);
}

fn decompress_gzip(bytes: &[u8]) -> Vec<u8> {
    let run = Command::new("python3")
        .args([
            "-c",
            "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(run.status.success());
    run.stdout
}
