//! `truyvet import FILE.wacz`: the round trip capture → seal → export → verify → import
//! on a fresh workspace of another agency. The imported case keeps its id, custody chain
//! and seal, so `verify-workspace` passes there; it shows where it comes from; its bytes
//! hash right; every edit is refused. A second import, a case code taken by a local
//! case and a bundle with one flipped bit are refused with nothing written.

use std::path::Path;

use truyvet_tests::{TestWorkspace, sha256_hex};

use crate::export::{member_data_offset, sealed_case};

/// A workspace of another agency (police, Hà Nội) with its own profile.
fn receiving_workspace() -> TestWorkspace {
    let ws = TestWorkspace::new();
    ws.run(&[
        "profile",
        "set",
        "--display-name",
        "Phạm Thị Tiếp Nhận",
        "--agency",
        "CA",
        "--province",
        "HN",
    ])
    .ok();
    ws
}

fn case_count(ws: &TestWorkspace) -> usize {
    ws.run(&["case", "list"])
        .ok()
        .json()
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_sealed_case_round_trips_into_a_fresh_workspace_read_only() {
    let src = TestWorkspace::new();
    let pki = tempfile::tempdir().unwrap();
    let (code, _server) = sealed_case(&src, pki.path());
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("vu-viec.wacz");
    let bundle_arg = bundle.to_str().unwrap();
    src.run(&["export", &code, "--out", bundle_arg]).ok();
    let verified = src.run(&["verify", bundle_arg]).ok().json();
    assert_eq!(verified["ok"], true, "{verified}");

    let dst = receiving_workspace();
    let summary = dst.run(&["import", bundle_arg]).ok().json();
    let source_case = src.run(&["case", "show", &code]).ok().json();
    assert_eq!(summary["case_code"], code.as_str());
    assert_eq!(summary["case_id"], source_case["case"]["id"]);
    assert_eq!(summary["origin_agency"], "QLTT");
    assert_eq!(summary["evidence"], 2);
    assert_eq!(
        summary["bundle_sha256"],
        sha256_hex(&std::fs::read(&bundle).unwrap())
    );

    // The receiving workspace verifies: chain, seal root from the restored rows,
    // transition and seal signatures against the foreign keys, the timestamp token.
    dst.assert_verifies();
    let (_, report) = dst.verify();
    assert_eq!(report["timestamps_checked"], 1, "{report}");
    assert_eq!(report["orphan_blobs"], 0, "{report}");

    // The same chain, event for event, and the same seal.
    let log = |ws: &TestWorkspace| ws.run(&["log", "--case", &code]).ok().json();
    assert_eq!(log(&src), log(&dst));
    let shown = dst.run(&["case", "show", &code]).ok().json();
    let case = &shown["case"];
    assert_eq!(case["status"], "sealed");
    assert_eq!(case["agency"], "QLTT");
    assert_eq!(case["imported"]["agency"], "QLTT");
    assert_eq!(case["imported"]["imported_by"], "Phạm Thị Tiếp Nhận");
    assert_eq!(case["imported"]["bundle_sha256"], summary["bundle_sha256"]);
    assert!(source_case["case"].get("imported").is_none());
    let listed = dst.run(&["case", "list"]).ok().json();
    assert_eq!(listed[0]["imported"]["agency"], "QLTT", "{listed}");
    let human = dst.run_plain(&["case", "show", &code]).ok();
    assert!(human.stdout.contains("nhập từ QLTT"), "{human}");
    let human = dst.run_plain(&["case", "list"]).ok();
    assert!(human.stdout.contains("(nhập từ QLTT)"), "{human}");

    // Every byte the evidence refers to is there and hashes to its address.
    let evidence = shown["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2);
    for item in evidence {
        let sha = item["sha256"].as_str().unwrap();
        assert_eq!(sha256_hex(&std::fs::read(dst.blob_path(sha)).unwrap()), sha);
    }
    let entities = |ws: &TestWorkspace| ws.run(&["entity", "list", "--case", &code]).ok().json();
    assert_eq!(entities(&src), entities(&dst));
    let count = |ws: &TestWorkspace, sql: &str| -> i64 {
        ws.raw_db().query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let occurrences = "SELECT count(*) FROM identifier_occurrences";
    assert!(
        count(&src, occurrences) > 0,
        "the capture should suggest its phone"
    );
    assert_eq!(count(&src, occurrences), count(&dst, occurrences));
    // The signers' keys only verify here: foreign keys, no profile can sign with them.
    assert_eq!(count(&dst, "SELECT count(*) FROM foreign_keys"), 2);
    assert_eq!(count(&dst, "SELECT count(*) FROM profile_keys"), 0);
    assert_eq!(count(&dst, "SELECT count(*) FROM case_imports"), 1);

    // The imported case can be passed on: re-exported, its bundle verifies with the
    // foreign keys it was signed with.
    let again = out.path().join("chuyen-tiep.wacz");
    dst.run(&["export", &code, "--out", again.to_str().unwrap()])
        .ok();
    let reverified = dst.run(&["verify", again.to_str().unwrap()]).ok().json();
    assert_eq!(reverified["ok"], true, "{reverified}");
    assert_eq!(
        reverified["signatures"], verified["signatures"],
        "{reverified}"
    );

    // Read-only: every edit is refused and nothing changes, also a signed addendum by
    // a receiving profile that has a key (the chain is the other agency's).
    crate::workflow::run_as(&dst, Some("mật khẩu tiếp nhận"), &["profile", "key"]).ok();
    let before = dst.snapshot();
    crate::workflow::run_as(
        &dst,
        Some("mật khẩu tiếp nhận"),
        &[
            "case",
            "addendum",
            &code,
            "--text",
            "Đính chính của đơn vị nhận",
        ],
    )
    .fails_with(3, "invalid_input");
    let file = dst.write_file("them.txt", b"bo sung");
    dst.run(&["note", "add", "--case", &code, "ghi chú mới"])
        .fails_with(3, "invalid_input");
    dst.run(&["evidence", "add", "--case", &code, file.to_str().unwrap()])
        .fails_with(3, "invalid_input");
    dst.run(&["case", "edit", &code, "--title", "Tên khác"])
        .fails_with(3, "invalid_input");
    dst.run(&[
        "entity", "add", "--case", &code, "--kind", "subject", "--name", "Ông A",
    ])
    .fails_with(3, "invalid_input");
    dst.snapshot().assert_same_as(&before);

    // A second import is refused and changes nothing.
    dst.run(&["import", bundle_arg])
        .fails_with(3, "case_already_exists");
    dst.snapshot().assert_same_as(&before);

    // A local case that already has the code: refused, nothing written.
    let taken = receiving_workspace();
    taken
        .run(&["case", "new", "--title", "Vụ việc khác", "--code", &code])
        .ok();
    let before = taken.snapshot();
    taken
        .run(&["import", bundle_arg])
        .fails_with(3, "duplicate_case_code");
    taken.snapshot().assert_same_as(&before);

    // Without --json: a Vietnamese line naming the case and where it comes from.
    let plain = receiving_workspace();
    let human = plain.run_plain(&["import", bundle_arg]).ok();
    assert!(
        human
            .stdout
            .contains(&format!("đã nhập vụ việc {code} của QLTT")),
        "{human}"
    );
    plain.assert_verifies();

    flipped_bit_is_refused(&bundle);
}

/// One flipped bit in the WARC member: `bundle_invalid`, and the workspace (database
/// and blob store) exactly as it was.
fn flipped_bit_is_refused(bundle: &Path) {
    let mut bytes = std::fs::read(bundle).unwrap();
    let offset = member_data_offset(bundle, "archive/");
    bytes[offset + 100] ^= 0x10;
    let bad = bundle.with_file_name("sai.wacz");
    std::fs::write(&bad, &bytes).unwrap();

    let ws = receiving_workspace();
    let before = ws.snapshot();
    let refused = ws.run(&["import", bad.to_str().unwrap()]);
    refused.fails_with(3, "bundle_invalid");
    assert!(refused.stderr.contains("zip_crc_mismatch"), "{refused}");
    ws.snapshot().assert_same_as(&before);
    assert_eq!(case_count(&ws), 0);
    let human = ws.run_plain(&["import", bad.to_str().unwrap()]);
    assert_eq!(human.code, 3, "{human}");
    assert!(human.stderr.contains("bundle_invalid"), "{human}");
}
