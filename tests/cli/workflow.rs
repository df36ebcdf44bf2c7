//! `profile add|use|key`, `case submit|return|approve|seal|queue`: roles, states, the
//! passphrase, signed transitions and a tampered signature named by verify-workspace.

use truyvet_tests::{Run, TestWorkspace, run_command};

pub(crate) const INV: &str = "mật khẩu điều tra";
pub(crate) const SUP: &str = "mật khẩu kiểm soát";

/// Runs `truyvet --json ARGS…` with the given passphrase in the environment.
pub(crate) fn run_as(ws: &TestWorkspace, pass: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = ws.command();
    cmd.env_remove("TRUYVET_PASSPHRASE");
    if let Some(pass) = pass {
        cmd.env("TRUYVET_PASSPHRASE", pass);
    }
    run_command(cmd.arg("--json").args(args))
}

/// An investigator (current, with a key) and a supervisor `kiem-soat` with a key, and a
/// case with every field a submission needs.
fn setup() -> (TestWorkspace, String) {
    let ws = TestWorkspace::new();
    let inv = run_as(
        &ws,
        Some(INV),
        &[
            "profile",
            "set",
            "--display-name",
            "Trần Văn Điều Tra",
            "--agency",
            "QLTT",
            "--province",
            "HN",
        ],
    )
    .ok()
    .json();
    assert_eq!(inv["name"], "tran-van-dieu-tra");
    let sup = run_as(
        &ws,
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
            "HN",
            "--role",
            "supervisor",
        ],
    )
    .ok()
    .json();
    assert_eq!(sup["role"], "supervisor");
    assert_eq!(sup["key"]["fingerprint"].as_str().map(str::len), Some(64));
    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    let code = ws.new_case("Bán mỹ phẩm giả trên mạng xã hội");
    run_as(
        &ws,
        None,
        &[
            "case",
            "edit",
            &code,
            "--category",
            "counterfeit_goods",
            "--product-group",
            "Mỹ phẩm",
            "--legal-basis",
            "Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Xử phạt, tịch thu",
        ],
    )
    .ok();
    (ws, code)
}

fn status(ws: &TestWorkspace, code: &str) -> String {
    let detail = run_as(ws, None, &["case", "show", code]).ok().json();
    detail["case"]["status"].as_str().unwrap().to_string()
}

#[test]
fn full_cycle_draft_to_sealed() {
    let (ws, code) = setup();
    let shown = run_as(&ws, None, &["profile", "show"]).ok().json();
    assert_eq!(shown["key"]["public_key"].as_str().map(str::len), Some(64));
    let listed = run_as(&ws, None, &["profile", "list"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));

    let submitted = run_as(&ws, Some(INV), &["case", "submit", &code])
        .ok()
        .json();
    assert_eq!(submitted["status"], "submitted");
    // Out of the investigator's hands while under review.
    run_as(&ws, None, &["note", "add", "--case", &code, "thêm"]).fails_with(3, "invalid_input");

    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    let queue = run_as(&ws, None, &["case", "queue"]).ok().json();
    assert_eq!(queue[0]["code"], code.as_str());
    run_as(&ws, Some(SUP), &["case", "return", &code]).fails_with(3, "invalid_input");
    run_as(
        &ws,
        Some(SUP),
        &[
            "case",
            "return",
            &code,
            "--comment",
            "Bổ sung ảnh chụp tin đăng",
        ],
    )
    .ok();
    assert_eq!(status(&ws, &code), "returned");

    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    run_as(&ws, None, &["note", "add", "--case", &code, "đã bổ sung"]).ok();
    run_as(&ws, Some(INV), &["case", "submit", &code]).ok();

    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    run_as(&ws, Some(SUP), &["case", "approve", &code]).ok();
    let sealed = run_as(&ws, Some(SUP), &["case", "seal", &code]).ok().json();
    assert_eq!(sealed["status"], "sealed");
    let human = run_as(&ws, None, &["case", "queue"]);
    assert_eq!(human.ok().json().as_array().map(Vec::len), Some(0));

    let log = run_as(&ws, None, &["log", "--case", &code]).ok().json();
    let transitions: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case_transition")
        .map(|e| {
            format!(
                "{}>{}",
                e["payload"]["from"].as_str().unwrap(),
                e["payload"]["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        transitions,
        [
            "draft>submitted",
            "submitted>returned",
            "returned>submitted",
            "submitted>approved",
            "approved>sealed"
        ]
    );
    ws.assert_verifies();

    let shown = ws.run_plain(&["case", "show", &code]).ok();
    assert!(
        shown
            .stdout
            .contains("căn cứ pháp lý: Nghị định 98/2020/NĐ-CP"),
        "{shown}"
    );
    assert!(shown.stdout.contains("gốc Merkle"), "{shown}");

    // Sealed: refused through the CLI and by the database itself.
    run_as(&ws, None, &["note", "add", "--case", &code, "muộn"]).fails_with(3, "invalid_input");
    let err = ws
        .raw_db()
        .execute("UPDATE cases SET title = 'đổi' WHERE code = ?1", [&code])
        .unwrap_err();
    assert!(err.to_string().contains("case is sealed"), "{err}");
    ws.assert_verifies();
}

#[test]
fn roles_states_and_passphrase_refuse_without_change() {
    let (ws, code) = setup();
    let before = ws.snapshot();
    // An investigator cannot approve or seal.
    run_as(&ws, Some(INV), &["case", "approve", &code]).fails_with(3, "forbidden_role");
    run_as(&ws, Some(INV), &["case", "seal", &code]).fails_with(3, "forbidden_role");
    // A wrong passphrase, or none at all without a terminal.
    run_as(&ws, Some("sai mật khẩu rồi"), &["case", "submit", &code])
        .fails_with(3, "bad_passphrase");
    run_as(&ws, None, &["case", "submit", &code]).fails_with(3, "invalid_input");
    before.assert_same_as(&ws.snapshot());
    assert_eq!(status(&ws, &code), "draft");

    // A supervisor cannot approve a draft, nor seal before approval.
    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    run_as(&ws, Some(SUP), &["case", "approve", &code]).fails_with(3, "invalid_transition");
    run_as(&ws, Some(SUP), &["case", "submit", &code]).fails_with(3, "forbidden_role");

    // A case missing the review fields cannot be submitted.
    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    let bare = ws.new_case("Chưa đủ thông tin");
    run_as(&ws, Some(INV), &["case", "submit", &bare]).fails_with(3, "case_incomplete");
    run_as(&ws, Some(INV), &["case", "submit", &code]).ok();
    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    run_as(&ws, Some(SUP), &["case", "seal", &code]).fails_with(3, "invalid_transition");
    ws.assert_verifies();
}

#[test]
fn flipped_signature_byte_is_named() {
    let (ws, code) = setup();
    run_as(&ws, Some(INV), &["case", "submit", &code]).ok();
    let db = ws.raw_db();
    let (case_id, seq, payload): (String, i64, String) = db
        .query_row(
            "SELECT case_id, seq, payload FROM custody_events WHERE kind = 'case_transition'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let sig = value["signature"].as_str().unwrap().to_string();
    // Flip one bit of the first byte of the stored signature.
    let first = u8::from_str_radix(&sig[..2], 16).unwrap() ^ 0x01;
    value["signature"] = format!("{first:02x}{}", &sig[2..]).into();
    db.execute_batch("DROP TRIGGER custody_events_no_update")
        .unwrap();
    db.execute(
        "UPDATE custody_events SET payload = ?3 WHERE case_id = ?1 AND seq = ?2",
        rusqlite::params![case_id, seq, serde_json::to_string(&value).unwrap()],
    )
    .unwrap();
    drop(db);
    let (exit, report) = ws.verify();
    assert_eq!(exit, 1);
    let problems = report["problems"].as_array().unwrap();
    let bad: Vec<_> = problems
        .iter()
        .filter(|p| p["kind"] == "transition_signature_invalid")
        .collect();
    assert_eq!(bad.len(), 1, "{report:#}");
    assert_eq!(bad[0]["case_code"], code.as_str());
    assert_eq!(bad[0]["seq"], seq);
}
