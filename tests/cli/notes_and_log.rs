//! `note add`, `log` and `verify-workspace` on a healthy workspace.

use truyvet_tests::{
    EVENT_FIELDS, NOTE_FIELDS, PROBLEM_FIELDS, REPORT_FIELDS, TestWorkspace, assert_fields,
};

#[test]
fn note_add_is_logged() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ ghi chú");
    let note = ws
        .run(&["note", "add", "--case", &code, "  Chủ cửa hàng vắng mặt.  "])
        .ok()
        .json();
    assert_fields(&note, NOTE_FIELDS);
    assert_eq!(note["text"], "Chủ cửa hàng vắng mặt.");
    assert_eq!(note["author"], "Nguyễn Văn An");

    let detail = ws.run(&["case", "show", &code]).ok().json();
    assert_eq!(detail["notes"].as_array().unwrap(), &vec![note.clone()]);

    let log = ws.run(&["log", "--case", &code]).ok().json();
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "note_added");
    assert_eq!(last["payload"]["note_id"], note["id"]);
    assert_eq!(last["payload"]["text"], note["text"]);

    ws.run(&["note", "add", "--case", &code, "   "])
        .fails_with(3, "invalid_input");
    ws.run(&["note", "add", "--case", "KHONG-CO", "x"])
        .fails_with(3, "case_not_found");
}

#[test]
fn log_is_one_unbroken_chain() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ chuỗi");
    let f = ws.write_file("a.txt", b"a");
    let g = ws.write_file("b.txt", b"b");
    ws.add(&code, &[&f, &g]);
    ws.run(&["note", "add", "--case", &code, "n"]).ok();
    ws.run(&["case", "edit", &code, "--title", "Vụ chuỗi (sửa)"])
        .ok();

    let log = ws.run(&["log", "--case", &code]).ok().json();
    let log = log.as_array().unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "case_created",
            "evidence_added",
            "evidence_added",
            "note_added",
            "field_edited"
        ]
    );
    let case_id = &log[0]["case_id"];
    let mut prev = "0".repeat(64);
    for (i, event) in log.iter().enumerate() {
        assert_fields(event, EVENT_FIELDS);
        assert_eq!(event["seq"], i + 1);
        assert_eq!(&event["case_id"], case_id);
        assert_eq!(event["actor"], "Nguyễn Văn An");
        assert_eq!(event["prev_hash"], prev.as_str());
        let hash = event["hash"].as_str().unwrap();
        assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
        // Each event's hash is reproducible from its fields by anyone.
        let payload = serde_json::to_string(&event["payload"]).unwrap();
        let recomputed = truyvet_core::custody::event_hash(
            event["seq"].as_u64().unwrap(),
            event["case_id"].as_str().unwrap(),
            event["actor"].as_str().unwrap(),
            event["at"].as_str().unwrap(),
            event["kind"].as_str().unwrap(),
            &payload,
            event["prev_hash"].as_str().unwrap(),
        );
        assert_eq!(
            recomputed,
            hash,
            "event {} does not hash to its stored hash",
            i + 1
        );
        prev = hash.to_string();
    }

    let human = ws.run_plain(&["log", "--case", &code]).ok();
    assert_eq!(human.stdout.lines().count(), 5, "{human}");
}

#[test]
fn verify_clean_workspace() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ kiểm tra");
    let f = ws.write_file("a.txt", b"hello");
    ws.add(&code, &[&f]);
    ws.run(&["note", "add", "--case", &code, "n"]).ok();
    let (exit, report) = ws.verify();
    assert_eq!(exit, 0, "{report:#}");
    assert_fields(&report, REPORT_FIELDS);
    assert_eq!(report["ok"], true);
    assert_eq!(report["cases_checked"], 1);
    assert_eq!(report["events_checked"], 3);
    assert_eq!(report["evidence_checked"], 1);
    assert_eq!(report["blobs_checked"], 1);
    assert_eq!(report["bytes_hashed"], 5);
    assert_eq!(report["problems"], serde_json::json!([]));
    let human = ws.run_plain(&["verify-workspace"]).ok();
    assert!(human.stdout.contains("OK"), "{human}");
    // Problem objects carry the documented fields (checked on a broken workspace).
    let _ = PROBLEM_FIELDS;
}

#[test]
fn verify_empty_workspace() {
    let ws = TestWorkspace::new();
    truyvet_core::Workspace::open(&ws.root).unwrap();
    let (exit, report) = ws.verify();
    assert_eq!(exit, 0);
    assert_eq!(report["cases_checked"], 0);
}
