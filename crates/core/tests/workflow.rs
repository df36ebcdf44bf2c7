//! Review workflow: profiles and their keys, role and state rules, signed transitions
//! and what verify-workspace says when a signature is tampered with.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use truyvet_core::model::{CaseEdit, CaseStatus, NewCase, Role};
use truyvet_core::{ErrorCode, Transition, Workspace};

mod common;

use common::{INV_PASS, SUP_PASS, complete_case, input, workspace};

fn status(ws: &Workspace, code: &str) -> CaseStatus {
    ws.case_by_code(code).unwrap().status
}

#[test]
fn profiles_switch_and_keys_show_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(&dir);
    let names: Vec<String> = ws
        .list_profiles()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["kiem-soat", "tran-van-dieu-tra"]);
    assert_eq!(ws.require_profile().unwrap().role, Role::Investigator);
    let key = ws.profile_key("kiem-soat").unwrap().unwrap();
    assert_eq!(key.public_key.len(), 64);
    let raw = hex::decode(&key.public_key).unwrap();
    use sha2::Digest;
    assert_eq!(key.fingerprint, hex::encode(sha2::Sha256::digest(&raw)));
    // A key is for life.
    let mut ws = ws;
    assert_eq!(
        ws.create_profile_key(INV_PASS).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        ws.use_profile("nobody").unwrap_err().code,
        ErrorCode::ProfileMissing
    );
}

#[test]
fn full_review_cycle_is_signed_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let code = complete_case(&mut ws);
    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();
    assert_eq!(status(&ws, &code), CaseStatus::Submitted);
    // A submitted case is out of the investigator's hands.
    assert!(ws.add_note(&code, "thêm").is_err());

    ws.use_profile("kiem-soat").unwrap();
    let queue = ws.review_queue().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].code, code);
    ws.transition_case(
        &code,
        Transition::Return,
        Some("Bổ sung ảnh chụp"),
        SUP_PASS,
    )
    .unwrap();
    assert_eq!(status(&ws, &code), CaseStatus::Returned);
    assert!(ws.review_queue().unwrap().is_empty());

    ws.use_profile("tran-van-dieu-tra").unwrap();
    ws.add_note(&code, "đã bổ sung").unwrap();
    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();

    ws.use_profile("kiem-soat").unwrap();
    ws.transition_case(&code, Transition::Approve, None, SUP_PASS)
        .unwrap();
    ws.transition_case(&code, Transition::Seal, None, SUP_PASS)
        .unwrap();
    assert_eq!(status(&ws, &code), CaseStatus::Sealed);

    let log = ws.custody_log(&code).unwrap();
    let transitions: Vec<(String, String)> = log
        .iter()
        .filter(|e| e.kind == "case_transition")
        .map(|e| {
            (
                e.payload["from"].as_str().unwrap().to_string(),
                e.payload["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        transitions,
        [
            ("draft", "submitted"),
            ("submitted", "returned"),
            ("returned", "submitted"),
            ("submitted", "approved"),
            ("approved", "sealed"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let returned = log.iter().find(|e| e.payload["to"] == "returned").unwrap();
    assert_eq!(returned.payload["comment"], "Bổ sung ảnh chụp");
    let report = ws.verify().unwrap();
    assert!(report.ok, "{:?}", report.problems);
}

#[test]
fn roles_states_and_requirements_refuse_without_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let bare = ws
        .create_case(&NewCase {
            title: "Chưa đủ thông tin".into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    let err = ws
        .transition_case(&bare, Transition::Submit, None, INV_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::CaseIncomplete);
    assert!(err.message.contains("legal basis"), "{}", err.message);

    let code = complete_case(&mut ws);
    let events_before = ws.custody_log(&code).unwrap().len();
    // An investigator cannot approve or seal, and a draft cannot be approved.
    for action in [Transition::Approve, Transition::Seal, Transition::Return] {
        let err = ws
            .transition_case(&code, action, Some("x"), INV_PASS)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::ForbiddenRole, "{action}");
    }
    ws.use_profile("kiem-soat").unwrap();
    let err = ws
        .transition_case(&code, Transition::Approve, None, SUP_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTransition);
    let err = ws
        .transition_case(&code, Transition::Submit, None, SUP_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ForbiddenRole);

    ws.use_profile("tran-van-dieu-tra").unwrap();
    // A wrong passphrase changes nothing.
    let err = ws
        .transition_case(&code, Transition::Submit, None, "không đúng mật khẩu")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadPassphrase);
    assert_eq!(status(&ws, &code), CaseStatus::Draft);
    assert_eq!(ws.custody_log(&code).unwrap().len(), events_before);

    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();
    let err = ws
        .transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTransition);
    // Returning needs a comment.
    ws.use_profile("kiem-soat").unwrap();
    let err = ws
        .transition_case(&code, Transition::Return, Some("  "), SUP_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(status(&ws, &code), CaseStatus::Submitted);
    // Review texts cannot change once submitted.
    assert!(ws.edit_case_review(&code, Some("khác"), None).is_err());
}

#[test]
fn profile_without_key_cannot_sign() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&input("Người Mới", Role::Investigator))
        .unwrap();
    let code = complete_case(&mut ws);
    let err = ws
        .transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyMissing);
    assert_eq!(
        ws.create_profile_key("ngắn").unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn tampered_signature_is_named_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let code = complete_case(&mut ws);
    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();
    drop(ws);
    let db = rusqlite::Connection::open(dir.path().join("ws").join(truyvet_core::DB_FILE)).unwrap();
    let (seq, payload): (i64, String) = db
        .query_row(
            "SELECT seq, payload FROM custody_events WHERE kind = 'case_transition'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let mut sig = hex::decode(value["signature"].as_str().unwrap()).unwrap();
    sig[10] ^= 0x01;
    value["signature"] = hex::encode(sig).into();
    db.execute_batch("DROP TRIGGER custody_events_no_update")
        .unwrap();
    db.execute(
        "UPDATE custody_events SET payload = ?2 WHERE seq = ?1 AND kind = 'case_transition'",
        rusqlite::params![seq, serde_json::to_string(&value).unwrap()],
    )
    .unwrap();
    drop(db);
    let ws = Workspace::open(dir.path().join("ws")).unwrap();
    let report = ws.verify().unwrap();
    assert!(!report.ok);
    let bad: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == "transition_signature_invalid")
        .collect();
    assert_eq!(bad.len(), 1, "{:?}", report.problems);
    assert_eq!(bad[0].case_code.as_deref(), Some(code.as_str()));
    assert!(
        bad[0].detail.contains("tran-van-dieu-tra"),
        "{}",
        bad[0].detail
    );
}

/// A sealed case: its seal verifies, and raw SQL cannot change its rows.
fn sealed_case(dir: &tempfile::TempDir) -> (Workspace, String) {
    let mut ws = workspace(dir);
    let code = complete_case(&mut ws);
    ws.add_note(&code, "ghi chú trước niêm phong").unwrap();
    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();
    ws.use_profile("kiem-soat").unwrap();
    ws.transition_case(&code, Transition::Approve, None, SUP_PASS)
        .unwrap();
    ws.transition_case(&code, Transition::Seal, None, SUP_PASS)
        .unwrap();
    (ws, code)
}

#[test]
fn sealed_case_is_refused_at_the_sql_level() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, code) = sealed_case(&dir);
    let seal = ws.case_seal(&code).unwrap().unwrap();
    let key = ws.profile_key("kiem-soat").unwrap().unwrap();
    assert_eq!(seal.fingerprint, key.fingerprint);
    // Note, custody head and nothing else: two leaves.
    assert_eq!(seal.leaf_count, 2);
    let log = ws.custody_log(&code).unwrap();
    assert_eq!(log.last().unwrap().kind, "case_sealed");
    assert_eq!(log[log.len() - 2].hash, seal.head);
    let case_id = ws.case_by_code(&code).unwrap().id;
    assert!(ws.verify().unwrap().ok);
    drop(ws);

    let db = rusqlite::Connection::open(dir.path().join("ws").join(truyvet_core::DB_FILE)).unwrap();
    let refused = |sql: &str| {
        let err = db.execute(sql, [&case_id]).unwrap_err();
        assert!(err.to_string().contains("case is sealed"), "{sql}: {err}");
    };
    refused("UPDATE cases SET title = 'đổi' WHERE id = ?1");
    refused("UPDATE cases SET status = 'draft' WHERE id = ?1");
    refused(
        "INSERT INTO notes (id, case_id, text, author, created_at)
         VALUES ('n2', ?1, 'x', 'y', 'z')",
    );
    refused(&format!(
        "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename, media_type,
           acquired_at, acquired_by, device)
         VALUES ('e2', ?1, 'file', '{}', 1, 'f', 'text/plain', 't', 'a', 'd')",
        "a".repeat(64)
    ));
    refused(
        "INSERT INTO entities (id, case_id, kind, label, state, created_at, created_by, updated_at)
         VALUES ('x1', ?1, 'subject', 'Kẻ bán', 'confirmed', 't', 'a', 't')",
    );
    refused("DELETE FROM case_seals WHERE case_id = ?1");
    refused("UPDATE case_seals SET root = 'ff' WHERE case_id = ?1");

    // With the triggers dropped, a slipped-in note breaks the seal's root.
    db.execute_batch("DROP TRIGGER sealed_case_no_note")
        .unwrap();
    db.execute(
        "INSERT INTO notes (id, case_id, text, author, created_at)
         VALUES ('n3', ?1, 'thêm lén', 'y', 'z')",
        [&case_id],
    )
    .unwrap();
    drop(db);
    let ws = Workspace::open(dir.path().join("ws")).unwrap();
    let report = ws.verify().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.kind == "seal_root_mismatch" && p.case_code.as_deref() == Some(&code)),
        "{:?}",
        report.problems
    );
}

#[test]
fn sealed_case_is_refused_through_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, code) = sealed_case(&dir);
    assert!(ws.add_note(&code, "sau niêm phong").is_err());
    assert!(
        ws.edit_case(
            &code,
            &CaseEdit {
                title: Some("đổi tên".into()),
                ..CaseEdit::default()
            }
        )
        .is_err()
    );
    let err = ws
        .transition_case(&code, Transition::Seal, None, SUP_PASS)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTransition);
}
