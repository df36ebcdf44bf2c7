//! Import of a sealed case into another workspace, through the core alone: the case is
//! sealed in workspace A, its parts read back through A's public calls as a bundle
//! would carry them, and imported into workspace B. B verifies (chain, seal root from
//! the restored rows, signatures against foreign keys, occurrences under their original
//! ids); every refusal leaves B unchanged.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use truyvet_core::import::{ImportedBundle, ImportedEvidence, raw_event_from_json};
use truyvet_core::model::{CaseEdit, NewCase, ProfileInput, Role, ViolationCategory};
use truyvet_core::{
    AddOptions, EntityKind, ErrorCode, IdKind, IdentifierHit, LinkKind, NewEntity, NewLink,
    Transition, Workspace,
};

const INV_PASS: &str = "mật khẩu điều tra";
const SUP_PASS: &str = "mật khẩu kiểm soát";

fn input(name: &str, agency: &str, role: Role) -> ProfileInput {
    ProfileInput {
        display_name: name.into(),
        agency: agency.into(),
        unit: "Đội 5".into(),
        province: "HN".into(),
        role,
    }
}

fn phone_hit(raw: &str) -> IdentifierHit {
    IdentifierHit {
        kind: Some(IdKind::Phone),
        raw: raw.into(),
        location: "0-12".into(),
        ..IdentifierHit::default()
    }
}

/// A sealed case with a file, an identifier suggestion, a subject with an alias, a link
/// backed by the file and a note.
fn sealed_case(dir: &std::path::Path) -> (Workspace, String) {
    let mut ws = Workspace::open(dir.join("a")).unwrap();
    ws.save_profile(&input("Trần Văn Điều Tra", "QLTT", Role::Investigator))
        .unwrap();
    ws.create_profile_key(INV_PASS).unwrap();
    ws.add_profile(
        Some("kiem-soat"),
        &input("Lê Thị Kiểm Soát", "QLTT", Role::Supervisor),
    )
    .unwrap();
    ws.create_profile_key(SUP_PASS).unwrap();
    ws.use_profile("tran-van-dieu-tra").unwrap();
    let code = ws
        .create_case(&NewCase {
            title: "Bán đồng hồ giả trên sàn".into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    let file = dir.join("hoa-don.txt");
    std::fs::write(&file, "Hóa đơn, Zalo 0912 345 678").unwrap();
    let item = ws
        .add_files(&code, &[file], &AddOptions::default(), &mut |_| {})
        .unwrap()
        .remove(0);
    let suggested = ws
        .suggest_identifiers(&code, &item.id, &[phone_hit("0912 345 678")])
        .unwrap();
    let phone = ws.case_suggestions(&code).unwrap().remove(0);
    assert_eq!(suggested.occurrences_added, 1);
    ws.confirm_entity(&phone.id).unwrap();
    let subject = ws
        .create_entity(
            &code,
            &NewEntity {
                kind: Some(EntityKind::Subject),
                label: "Cửa hàng Đồng Hồ Sài Gòn".into(),
                aliases: vec!["Đồng Hồ SG".into()],
                ..NewEntity::default()
            },
        )
        .unwrap();
    ws.add_link(&NewLink {
        kind: Some(LinkKind::Uses),
        from_id: subject.id.clone(),
        to_id: phone.id.clone(),
        evidence_ids: vec![item.id.clone()],
    })
    .unwrap();
    ws.add_note(&code, "Người bán dùng số Zalo trên hóa đơn")
        .unwrap();
    ws.edit_case(
        &code,
        &CaseEdit {
            violation_categories: Some(vec![ViolationCategory::CounterfeitGoods]),
            product_group: Some("Đồng hồ".into()),
            ..CaseEdit::default()
        },
    )
    .unwrap();
    ws.edit_case_review(&code, Some("Nghị định 98/2020/NĐ-CP"), Some("Xử phạt"))
        .unwrap();
    ws.transition_case(&code, Transition::Submit, None, INV_PASS)
        .unwrap();
    ws.use_profile("kiem-soat").unwrap();
    ws.transition_case(&code, Transition::Approve, None, SUP_PASS)
        .unwrap();
    ws.transition_case(&code, Transition::Seal, None, SUP_PASS)
        .unwrap();
    (ws, code)
}

/// What a bundle of the case carries, read through the public calls.
fn bundle_of(ws: &Workspace, code: &str) -> ImportedBundle {
    let detail = ws.case_detail(code).unwrap();
    let mut files = BTreeMap::new();
    let evidence = detail
        .evidence
        .into_iter()
        .map(|item| {
            files.insert(item.sha256.clone(), ws.blobs().path_for(&item.sha256));
            ImportedEvidence {
                item,
                web_capture: None,
                artifacts: Vec::new(),
                timestamp: None,
                token: None,
            }
        })
        .collect();
    let custody = ws
        .custody_log(code)
        .unwrap()
        .iter()
        .map(|e| raw_event_from_json(&serde_json::to_value(e).unwrap()).unwrap())
        .collect();
    ImportedBundle {
        bundle_sha256: "ab".repeat(32),
        case: detail.case,
        review: ws.case_review(code).unwrap(),
        evidence,
        leaves: ws.case_seal_leaves(code).unwrap(),
        custody,
        seal: ws.case_seal(code).unwrap().unwrap(),
        keys: ["tran-van-dieu-tra", "kiem-soat"]
            .iter()
            .map(|p| ws.profile_key(p).unwrap().unwrap())
            .collect(),
        files,
    }
}

/// Workspace B: another agency, with a local case whose occurrence takes the row id the
/// imported occurrence had in A.
fn receiving(dir: &std::path::Path) -> Workspace {
    let mut ws = Workspace::open(dir.join("b")).unwrap();
    ws.save_profile(&input("Phạm Thị Tiếp Nhận", "CA", Role::Investigator))
        .unwrap();
    let local = ws
        .create_case(&NewCase {
            title: "Vụ việc của công an".into(),
            ..NewCase::default()
        })
        .unwrap()
        .code;
    let file = dir.join("tin-nhan.txt");
    std::fs::write(&file, "0987 654 321").unwrap();
    let item = ws
        .add_files(&local, &[file], &AddOptions::default(), &mut |_| {})
        .unwrap()
        .remove(0);
    ws.suggest_identifiers(&local, &item.id, &[phone_hit("0987 654 321")])
        .unwrap();
    ws
}

fn rows(ws: &Workspace) -> Vec<i64> {
    [
        "cases",
        "custody_events",
        "evidence",
        "entities",
        "entity_links",
        "notes",
        "case_seals",
        "foreign_keys",
        "case_imports",
        "identifier_occurrences",
    ]
    .iter()
    .map(|t| {
        ws.connection()
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    })
    .collect()
}

#[test]
fn a_sealed_case_imports_whole_and_verifies_in_another_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let (a, code) = sealed_case(dir.path());
    let bundle = bundle_of(&a, &code);
    let b = receiving(dir.path());
    let before = rows(&b);

    let case = b.import_case(&bundle).unwrap();
    assert_eq!(case.id, bundle.case.id);
    assert_eq!(case.status.as_str(), "sealed");
    let origin = case.imported.clone().unwrap();
    assert_eq!(origin.agency, "QLTT");
    assert_eq!(origin.imported_by, "Phạm Thị Tiếp Nhận");
    let report = b.verify().unwrap();
    assert!(report.ok, "{:#?}", report.problems);
    assert_eq!(b.custody_log(&code).unwrap(), a.custody_log(&code).unwrap());
    assert_eq!(
        b.case_entities(&code).unwrap(),
        a.case_entities(&code).unwrap()
    );
    assert_eq!(b.case_links(&code).unwrap(), a.case_links(&code).unwrap());
    assert_eq!(b.case_seal(&code).unwrap(), a.case_seal(&code).unwrap());
    // The occurrence got a new local id and keeps A's in origin_id.
    let (local_id, origin_id): (i64, i64) = b
        .connection()
        .query_row(
            "SELECT id, origin_id FROM identifier_occurrences WHERE case_id = ?1",
            [&case.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_ne!(local_id, origin_id);

    // Read-only, and the foreign keys sign nothing: B's profile has no key at all.
    let mut b = b;
    assert!(b.add_note(&code, "thêm").is_err());
    assert!(
        b.transition_case(&code, Transition::Submit, None, INV_PASS)
            .is_err()
    );
    let after = rows(&b);
    assert_eq!(after[0], before[0] + 1, "one more case");

    // A second import is refused and changes nothing.
    let err = b.import_case(&bundle).unwrap_err();
    assert_eq!(err.code, ErrorCode::CaseAlreadyExists, "{err}");
    assert_eq!(rows(&b), after);
}

#[test]
fn inconsistent_bundles_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let (a, code) = sealed_case(dir.path());
    let good = bundle_of(&a, &code);
    let b = receiving(dir.path());
    let before = rows(&b);
    let refused = |bundle: &ImportedBundle, code: ErrorCode| {
        let err = b.import_case(bundle).unwrap_err();
        assert_eq!(err.code, code, "{err}");
        assert_eq!(rows(&b), before, "{err}");
        err.message
    };

    // A note row that is not the sealed one.
    let mut bad = good.clone();
    let note = bad.leaves.iter_mut().find(|l| l.kind == "note").unwrap();
    note.body = note.body.replace("Zalo", "Viber");
    refused(&bad, ErrorCode::BundleInvalid);
    // An edited custody event.
    let mut bad = good.clone();
    bad.custody[0].actor = "Người khác".into();
    refused(&bad, ErrorCode::BundleInvalid);
    // A key that is not the one its fingerprint names.
    let mut bad = good.clone();
    bad.keys[0].public_key = bad.keys[1].public_key.clone();
    refused(&bad, ErrorCode::BundleInvalid);
    // A seal signature that does not verify (all else consistent).
    let mut bad = good.clone();
    let last = if bad.seal.signature.ends_with('0') {
        "1"
    } else {
        "0"
    };
    bad.seal.signature.replace_range(127.., last);
    let message = refused(&bad, ErrorCode::BundleInvalid);
    assert!(message.contains("seal_signature_invalid"), "{message}");
    // Bytes that are not the evidence's.
    let mut bad = good.clone();
    let other = dir.path().join("khac.txt");
    std::fs::write(&other, "khác").unwrap();
    for path in bad.files.values_mut() {
        *path = other.clone();
    }
    refused(&bad, ErrorCode::BundleInvalid);
    // A clash found inside the transaction (an evidence id already stored here) rolls
    // back every row written before it.
    let clash = &good.evidence[0].item;
    let local_case: String = b
        .connection()
        .query_row("SELECT id FROM cases LIMIT 1", [], |r| r.get(0))
        .unwrap();
    b.connection()
        .execute(
            "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename,
               media_type, acquired_at, acquired_by, device)
             VALUES (?1, ?2, 'file', ?3, 1, 'x', 'text/plain', 't', 'a', 'd')",
            rusqlite::params![clash.id, local_case, clash.sha256],
        )
        .unwrap();
    let before_clash = rows(&b);
    let err = b.import_case(&good).unwrap_err();
    assert_eq!(err.code, ErrorCode::BundleInvalid, "{err}");
    assert_eq!(rows(&b), before_clash);
}
