//! The seal inside a bundle: `truyvet verify` recomputes the Merkle root from the leaves
//! the bundle carries and ties every file to a sealed item, so an attacker who rewrites
//! a member and fixes every manifest hash is still caught; corrections after the seal
//! are signed addenda that travel in the bundle and verify.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use truyvet_tests::TestWorkspace;

use crate::export::{signers_and_case, submit_approve_seal};
use crate::workflow::{INV, SUP, run_as};

/// A case with a loopback capture, an imported file and two linked entities, sealed.
fn sealed_case_with_entities(ws: &TestWorkspace) -> String {
    let code = signers_and_case(ws, "Rao bán mỹ phẩm giả trên Zalo ở Cần Thơ");
    let (url, _) = crate::capture::serve();
    ws.run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
        .ok();
    let file = ws.write_file("bien-ban.txt", "Biên bản làm việc số 07".as_bytes());
    let added = ws.add(&code, &[&file]);
    let evidence = added[0]["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for name in ["Shop Mỹ Phẩm Xách Tay", "Nguyễn Thị Bán"] {
        let entity = ws
            .run(&[
                "entity", "add", "--case", &code, "--kind", "subject", "--name", name,
            ])
            .ok()
            .json();
        ids.push(entity["id"].as_str().unwrap().to_string());
    }
    ws.run(&[
        "entity",
        "link",
        "--kind",
        "related",
        "--from",
        &ids[1],
        "--to",
        &ids[0],
        "--evidence",
        &evidence,
    ])
    .ok();
    submit_approve_seal(ws, &code);
    code
}

fn export(ws: &TestWorkspace, code: &str, out: &Path) {
    ws.run(&["export", code, "--out", out.to_str().unwrap()])
        .ok();
}

fn verify(ws: &TestWorkspace, bundle: &Path) -> (i32, Value) {
    let run = ws.run(&["verify", bundle.to_str().unwrap()]);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("verify printed no JSON ({e}): {run}"));
    (run.code, report)
}

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Rewrites a bundle the way a careful forger would: applies `edits` to members, then
/// recomputes every hash and size in `datapackage.json` and the digest file, so the WACZ
/// layer alone would accept it. Edits: `{"set": {name: text}, "rename": {old: new}}`.
const REPACK: &str = r#"
import hashlib, json, sys, zipfile
src, dst, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
z = zipfile.ZipFile(src)
files = {i.filename: z.read(i.filename) for i in z.infolist()}
for name, text in edits.get("set", {}).items():
    files[name] = text.encode("utf-8")
for old, new in edits.get("rename", {}).items():
    files[new] = files.pop(old)
dp = json.loads(files["datapackage.json"])
for old, new in edits.get("rename", {}).items():
    for r in dp["resources"]:
        if r["path"] == old:
            r["path"] = new
for r in dp["resources"]:
    data = files[r["path"]]
    r["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    r["bytes"] = len(data)
files["datapackage.json"] = json.dumps(dp, indent=2).encode()
digest = json.loads(files["datapackage-digest.json"])
digest["hash"] = "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
files["datapackage-digest.json"] = json.dumps(digest).encode()
with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as out:
    for name, data in files.items():
        out.writestr(name, data)
"#;

fn repack(src: &Path, dst: &Path, edits: &Value) {
    let out = Command::new("python3")
        .args(["-c", REPACK])
        .arg(src)
        .arg(dst)
        .arg(edits.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn member_text(bundle: &Path, name: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
        ])
        .arg(bundle)
        .arg(name)
        .output()
        .unwrap();
    assert!(out.status.success(), "{name}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn addenda_correct_a_sealed_case_without_touching_the_seal() {
    let ws = TestWorkspace::new();
    let code = signers_and_case(&ws, "Bán hàng giả mạo xuất xứ Hàn Quốc");
    let refused = run_as(
        &ws,
        Some(INV),
        &["case", "addendum", &code, "--text", "Đính chính sớm"],
    );
    refused.fails_with(3, "case_not_sealed");
    ws.run(&["case", "prove", &code, "bat-ky"])
        .fails_with(3, "case_not_sealed");
    let (url, _) = crate::capture::serve();
    ws.run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
        .ok();
    submit_approve_seal(&ws, &code);
    let seal = ws.run(&["case", "show", &code]).ok().json();
    let before = ws.snapshot();

    // A wrong passphrase or an empty text changes nothing.
    run_as(
        &ws,
        Some("mật khẩu sai"),
        &["case", "addendum", &code, "--text", "Đính chính"],
    )
    .fails_with(3, "bad_passphrase");
    run_as(&ws, Some(SUP), &["case", "addendum", &code, "--text", "  "])
        .fails_with(3, "invalid_input");
    before.assert_same_as(&ws.snapshot());

    let text = "Đính chính: số điện thoại người bán là 0912 345 678, không phải 0912 345 687.";
    let added = run_as(&ws, Some(SUP), &["case", "addendum", &code, "--text", text])
        .ok()
        .json();
    assert_eq!(added["body"], text);
    assert_eq!(added["profile"], "kiem-soat");
    assert_eq!(added["signature"].as_str().map(str::len), Some(128));
    // The seal is unchanged and the case is still read-only.
    assert_eq!(ws.run(&["case", "show", &code]).ok().json(), seal);
    ws.run(&["note", "add", "--case", &code, "Ghi chú sau niêm phong"])
        .fails_with(3, "invalid_input");
    let log = ws.run(&["log", "--case", &code]).ok().json();
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "addendum_added", "{last}");
    assert_eq!(last["payload"]["id"], added["id"]);
    ws.assert_verifies();
    let human = ws.run_plain(&["case", "show", &code]).ok();
    assert!(human.stdout.contains(text), "{human}");

    // The database itself refuses to rewrite an addendum.
    let db = ws.raw_db();
    let err = db
        .execute("UPDATE case_addenda SET body = 'khác'", [])
        .unwrap_err();
    assert!(err.to_string().contains("never rewritten"), "{err}");
    assert!(db.execute("DELETE FROM case_addenda", []).is_err());
    drop(db);

    // The addendum travels in the bundle and its signature is checked there.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ho-so.wacz");
    export(&ws, &code, &bundle);
    let (exit, report) = verify(&ws, &bundle);
    assert_eq!(exit, 0, "{report}");
    assert_eq!(report["seal_root_recomputed"], "ok", "{report}");
    assert_eq!(
        report["signatures"], 5,
        "three transitions, the seal and the addendum: {report}"
    );
    let addenda: Value =
        serde_json::from_str(&member_text(&bundle, "truyvet/addenda.json")).unwrap();
    assert_eq!(addenda[0]["body"], text);

    // A forged addendum text with every manifest hash fixed is named.
    let forged = dir.path().join("gia.wacz");
    let mut edited = addenda.clone();
    edited[0]["body"] = Value::from("Đính chính giả mạo");
    repack(
        &bundle,
        &forged,
        &serde_json::json!({"set": {"truyvet/addenda.json": edited.to_string()}}),
    );
    let (exit, report) = verify(&ws, &forged);
    assert_eq!(exit, 1, "{report}");
    let found = kinds(&report);
    assert!(
        found.contains(&"addendum_signature_invalid".to_string())
            && found.contains(&"addendum_not_logged".to_string()),
        "{report}"
    );
}

#[test]
fn a_forger_who_fixes_every_hash_is_caught_by_the_seal() {
    let ws = TestWorkspace::new();
    let code = sealed_case_with_entities(&ws);
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ho-so.wacz");
    export(&ws, &code, &bundle);
    let (exit, report) = verify(&ws, &bundle);
    assert_eq!(exit, 0, "{report}");
    assert_eq!(report["seal_root_recomputed"], "ok");
    let leaves = member_text(&bundle, "truyvet/seal-leaves.jsonl");
    let kinds_in_leaves: Vec<Value> = leaves
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["kind"].clone())
        .collect();
    for kind in ["evidence", "entity", "link", "custody_head"] {
        assert!(kinds_in_leaves.iter().any(|k| k == kind), "{leaves}");
    }

    // The repacking itself is faithful: with no edit, the copy verifies.
    let same = dir.path().join("ban-sao.wacz");
    repack(&bundle, &same, &serde_json::json!({}));
    let (exit, report) = verify(&ws, &same);
    assert_eq!(exit, 0, "repacking alone must not break a bundle: {report}");

    let entities: Value =
        serde_json::from_str(&member_text(&bundle, "truyvet/entities.json")).unwrap();
    let case_json: Value =
        serde_json::from_str(&member_text(&bundle, "truyvet/case.json")).unwrap();
    let imported = case_json["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["web_capture"].is_null())
        .unwrap();
    let old_sha = imported["item"]["sha256"].as_str().unwrap().to_string();
    let new_text = "Biên bản làm việc số 08";
    let new_sha = truyvet_tests::sha256_hex(new_text.as_bytes());
    let mut swapped_case = case_json.clone();
    for e in swapped_case["evidence"].as_array_mut().unwrap() {
        if e["item"]["sha256"] == old_sha.as_str() {
            e["item"]["sha256"] = Value::from(new_sha.clone());
        }
    }
    let mut one_less = entities.clone();
    one_less.as_array_mut().unwrap().pop();
    let mut forged_leaves: Vec<Value> = leaves
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let entity_leaf = forged_leaves
        .iter_mut()
        .find(|l| l["kind"] == "entity" && l["body"].as_str().unwrap().contains("Nguyễn Thị Bán"))
        .expect("the entity's row is a leaf");
    entity_leaf["body"] = Value::from(
        entity_leaf["body"]
            .as_str()
            .unwrap()
            .replace("Nguyễn Thị Bán", "Trần Văn Khác"),
    );
    let forged_leaves: String = forged_leaves.iter().map(|l| format!("{l}\n")).collect();

    let cases: Vec<(&str, Value, &[&str])> = vec![
        (
            "an entity dropped from entities.json",
            serde_json::json!({"set": {"truyvet/entities.json": one_less.to_string()}}),
            &["sealed_rows_mismatch"],
        ),
        (
            "a sealed leaf rewritten",
            serde_json::json!({"set": {"truyvet/seal-leaves.jsonl": forged_leaves}}),
            &["seal_root_mismatch"],
        ),
        (
            "an imported file swapped, case.json updated to match",
            serde_json::json!({
                "set": {
                    format!("truyvet/{old_sha}.txt"): new_text,
                    "truyvet/case.json": swapped_case.to_string(),
                },
                "rename": {format!("truyvet/{old_sha}.txt"): format!("truyvet/{new_sha}.txt")},
            }),
            &["evidence_not_sealed", "sealed_evidence_missing"],
        ),
        (
            "an imported file's bytes changed under its old name",
            serde_json::json!({"set": {format!("truyvet/{old_sha}.txt"): new_text}}),
            &["evidence_digest_mismatch"],
        ),
    ];
    check_proofs(&ws, &code, &case_json, dir.path());
    for (what, edits, expected) in cases {
        let forged = dir.path().join("gia.wacz");
        repack(&bundle, &forged, &edits);
        let (exit, report) = verify(&ws, &forged);
        assert_eq!(exit, 1, "{what}: {report}");
        let found = kinds(&report);
        for kind in expected {
            assert!(found.iter().any(|k| k == kind), "{what}: {report}");
        }
    }
}

/// `case prove` writes a proof for one item; `verify-proof` checks it with nothing else,
/// and refuses a wrong file, a doctored proof and an item outside the seal.
fn check_proofs(ws: &TestWorkspace, code: &str, case_json: &Value, dir: &Path) {
    let imported = case_json["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["web_capture"].is_null())
        .unwrap();
    let id = imported["item"]["id"].as_str().unwrap();
    let sha = imported["item"]["sha256"].as_str().unwrap();
    let proof_path = dir.join("bang-chung.json");
    ws.run(&[
        "case",
        "prove",
        code,
        id,
        "--out",
        proof_path.to_str().unwrap(),
    ])
    .ok();
    let proven = ws
        .run(&["verify-proof", proof_path.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(proven["evidence_id"], id);
    assert_eq!(proven["sha256"], sha);
    assert_eq!(proven["case_code"], code);

    let original = ws.write_file("ban-goc.txt", "Biên bản làm việc số 07".as_bytes());
    let other = ws.write_file("ban-khac.txt", "Biên bản làm việc số 09".as_bytes());
    ws.run(&[
        "verify-proof",
        proof_path.to_str().unwrap(),
        "--file",
        original.to_str().unwrap(),
    ])
    .ok();
    ws.run(&[
        "verify-proof",
        proof_path.to_str().unwrap(),
        "--file",
        other.to_str().unwrap(),
    ])
    .fails_with(3, "proof_invalid");

    // A proof doctored to vouch for another digest, or with a sibling hash changed.
    let proof: Value = serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
    let mut other_digest = proof.clone();
    other_digest["leaf"]["body"] = Value::from(format!("{id}:{}", "0".repeat(64)));
    let mut bent_path = proof.clone();
    let first = bent_path["proof"]["path"][0][1]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = if first.starts_with('0') { "1" } else { "0" };
    bent_path["proof"]["path"][0][1] = Value::from(format!("{flipped}{}", &first[1..]));
    for doctored in [other_digest, bent_path] {
        let path = dir.join("gia-mao.json");
        std::fs::write(&path, doctored.to_string()).unwrap();
        ws.run(&["verify-proof", path.to_str().unwrap()])
            .fails_with(3, "proof_invalid");
    }
    ws.run(&["case", "prove", code, "khong-co-chung-cu-nay"])
        .fails_with(3, "invalid_input");
}
