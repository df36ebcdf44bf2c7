//! `case new|list|show|edit`.

use serde_json::{Value, json};
use truyvet_tests::{CASE_FIELDS, EVENT_FIELDS, TestWorkspace, assert_fields};

/// The year in a generated code is the year the case was created (UTC).
fn year(case: &Value) -> &str {
    &case["created_at"].as_str().expect("created_at")[..4]
}

#[test]
fn new_case_has_documented_fields_and_defaults() {
    let ws = TestWorkspace::with_profile();
    let case = ws
        .run(&[
            "case",
            "new",
            "--title",
            "Hàng giả nhãn hiệu đồng hồ",
            "--category",
            "counterfeit_goods",
            "--category",
            "ip_infringing_goods",
            "--category",
            "counterfeit_goods",
            "--product-group",
            "Đồng hồ",
            "--origin",
            "tip",
        ])
        .ok()
        .json();
    assert_fields(&case, CASE_FIELDS);
    assert_eq!(case["code"], format!("QLTT-HN-{}-0001", year(&case)));
    assert_eq!(case["title"], "Hàng giả nhãn hiệu đồng hồ");
    assert_eq!(case["agency"], "QLTT");
    assert_eq!(
        case["unit"], "Đội QLTT số 1",
        "unit defaults to the profile's"
    );
    assert_eq!(case["province"], "HN");
    assert_eq!(
        case["violation_categories"],
        json!(["counterfeit_goods", "ip_infringing_goods"])
    );
    assert_eq!(case["status"], "draft");
    assert_eq!(case["origin"], "tip");
    assert_eq!(case["created_by"], "Nguyễn Văn An");
    assert!(
        uuid_v7(case["id"].as_str().unwrap()),
        "id is not a UUIDv7: {}",
        case["id"]
    );
    assert!(case["created_at"].as_str().unwrap().ends_with('Z'));

    let second = ws.run(&["case", "new", "--title", "Thứ hai"]).ok().json();
    assert_eq!(second["code"], format!("QLTT-HN-{}-0002", year(&second)));
    assert_eq!(second["origin"], "patrol");

    let other_province = ws
        .run(&["case", "new", "--title", "Ở HCM", "--province", "HCM"])
        .ok()
        .json();
    assert_eq!(
        other_province["code"],
        format!("QLTT-HCM-{}-0001", year(&other_province))
    );

    let explicit = ws
        .run(&[
            "case",
            "new",
            "--title",
            "Mã riêng",
            "--code",
            "qltt-hn-ext-17",
        ])
        .ok()
        .json();
    assert_eq!(explicit["code"], "QLTT-HN-EXT-17");
    ws.run(&[
        "case",
        "new",
        "--title",
        "Trùng",
        "--code",
        "QLTT-HN-EXT-17",
    ])
    .fails_with(3, "duplicate_case_code");

    // The creation is the first custody event.
    let log = ws
        .run(&["log", "--case", case["code"].as_str().unwrap()])
        .ok()
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 1);
    assert_fields(&log[0], EVENT_FIELDS);
    assert_eq!(log[0]["kind"], "case_created");
    assert_eq!(log[0]["seq"], 1);
    assert_eq!(log[0]["prev_hash"], "0".repeat(64));
    assert_eq!(log[0]["payload"]["code"], case["code"]);
}

fn uuid_v7(s: &str) -> bool {
    s.len() == 36 && s.as_bytes()[14] == b'7'
}

#[test]
fn bad_case_values_are_invalid_input() {
    let ws = TestWorkspace::with_profile();
    ws.run(&["case", "new", "--title", "   "])
        .fails_with(3, "invalid_input");
    ws.run(&["case", "new", "--title", "x", "--category", "stolen_cars"])
        .fails_with(3, "invalid_input");
    ws.run(&["case", "new", "--title", "x", "--origin", "dream"])
        .fails_with(3, "invalid_input");
    ws.run(&["case", "new", "--title", "x", "--code", "a b"])
        .fails_with(3, "invalid_input");
    ws.run(&["case", "list", "--status", "lost"])
        .fails_with(3, "invalid_input");
    assert_eq!(ws.run(&["case", "list"]).ok().json(), json!([]));
}

#[test]
fn list_and_show() {
    let ws = TestWorkspace::with_profile();
    let a = ws.new_case("Vụ A");
    let b = ws.new_case("Vụ B");
    let f = ws.write_file("a.txt", b"alpha");
    ws.add(&a, &[&f]);

    let list = ws.run(&["case", "list"]).ok().json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for s in list {
        assert_fields(s, CASE_FIELDS);
        assert_fields(s, &["evidence_count"]);
    }
    // Newest change first: A just got evidence.
    assert_eq!(list[0]["code"], a);
    assert_eq!(list[0]["evidence_count"], 1);
    assert_eq!(list[1]["code"], b);
    assert_eq!(list[1]["evidence_count"], 0);

    let drafts = ws.run(&["case", "list", "--status", "draft"]).ok().json();
    assert_eq!(drafts.as_array().unwrap().len(), 2);
    let sealed = ws.run(&["case", "list", "--status", "sealed"]).ok().json();
    assert_eq!(sealed, json!([]));

    // Codes are matched without regard to case.
    let detail = ws.run(&["case", "show", &a.to_lowercase()]).ok().json();
    assert_fields(&detail, &["case", "evidence", "notes"]);
    assert_fields(&detail["case"], CASE_FIELDS);
    assert_eq!(detail["case"]["code"], a);
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(detail["notes"], json!([]));

    let human = ws.run_plain(&["case", "list"]).ok();
    assert!(
        human.stdout.contains(&a) && human.stdout.contains("Vụ B"),
        "{human}"
    );
}

fn field_edits(ws: &TestWorkspace, code: &str) -> Vec<Value> {
    let log = ws.run(&["log", "--case", code]).ok().json();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "field_edited")
        .map(|e| e["payload"].clone())
        .collect()
}

#[test]
fn edit_logs_one_event_per_changed_field() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Điện thoại nhái");
    let before = ws.run(&["case", "show", &code]).ok().json()["case"].clone();

    let edited = ws
        .run(&[
            "case",
            "edit",
            &code,
            "--title",
            "Điện thoại nhái thương hiệu",
            "--category",
            "counterfeit_goods",
            "--origin",
            "patrol", // unchanged: must not be logged
            "--unit",
            "Đội QLTT số 1", // unchanged
            "--province",
            "hcm",
        ])
        .ok()
        .json();
    assert_fields(&edited, CASE_FIELDS);
    assert_eq!(edited["title"], "Điện thoại nhái thương hiệu");
    assert_eq!(edited["province"], "HCM");
    assert_eq!(edited["code"], code, "the code never changes");
    assert_ne!(edited["updated_at"], before["updated_at"]);

    let edits = field_edits(&ws, &code);
    assert_eq!(
        edits,
        vec![
            json!({"field": "title", "old": "Điện thoại nhái", "new": "Điện thoại nhái thương hiệu"}),
            json!({"field": "province", "old": "HN", "new": "HCM"}),
            json!({"field": "violation_categories", "old": [], "new": ["counterfeit_goods"]}),
        ]
    );

    // Clearing categories is one more event; repeating the same values is none.
    ws.run(&["case", "edit", &code, "--clear-categories"]).ok();
    ws.run(&[
        "case",
        "edit",
        &code,
        "--title",
        "Điện thoại nhái thương hiệu",
        "--origin",
        "patrol",
    ])
    .ok();
    let edits = field_edits(&ws, &code);
    assert_eq!(edits.len(), 4);
    assert_eq!(
        edits[3],
        json!({"field": "violation_categories", "old": ["counterfeit_goods"], "new": []})
    );
    let shown = ws.run(&["case", "show", &code]).ok().json();
    assert_eq!(shown["case"]["violation_categories"], json!([]));
    ws.assert_verifies();
}

#[test]
fn edit_errors() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ");
    ws.run(&["case", "edit", "NOPE-1", "--title", "x"])
        .fails_with(3, "case_not_found");
    ws.run(&["case", "edit", &code, "--title", ""])
        .fails_with(3, "invalid_input");
    ws.run(&["case", "edit", &code, "--origin", "nowhere"])
        .fails_with(3, "invalid_input");
    assert!(field_edits(&ws, &code).is_empty());
}
