//! `lookup`, `entity …` and `exclusion …`: a shared bank account found across two cases,
//! the review of suggestions, links, and the exit codes of bad input (nothing changes).

use serde_json::Value;
use truyvet_tests::{TestWorkspace, assert_fields};

const OCCURRENCE_FIELDS: &[&str] = &[
    "case_code",
    "case_title",
    "case_status",
    "recorded_at",
    "evidence_id",
    "id_kind",
    "value",
    "qualifier",
    "raw",
    "location",
    "snippet",
    "entity_id",
    "entity_state",
    "excluded",
];

const ENTITY_FIELDS: &[&str] = &[
    "id",
    "case_id",
    "kind",
    "id_kind",
    "value",
    "qualifier",
    "label",
    "attrs",
    "state",
    "merged_into",
    "aliases",
    "occurrences",
    "created_at",
    "created_by",
    "updated_at",
];

/// A case with one evidence file: (code, evidence id).
fn case_with_evidence(ws: &TestWorkspace, title: &str) -> (String, String) {
    let code = ws.new_case(title);
    let file = ws.write_file(format!("{title}.html"), title.as_bytes());
    let item = ws.add(&code, &[&file]).remove(0);
    (code, item["id"].as_str().unwrap().to_string())
}

fn suggest(ws: &TestWorkspace, code: &str, evidence: &str, kind: &str, value: &str) -> Value {
    ws.run(&[
        "entity",
        "suggest",
        "--case",
        code,
        "--evidence",
        evidence,
        "--type",
        kind,
        "--value",
        value,
        "--bank",
        "VCB",
        "--location",
        "offset:42",
    ])
    .ok()
    .json()
}

fn log_len(ws: &TestWorkspace, code: &str) -> usize {
    ws.run(&["log", "--case", code])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn lookup_finds_one_account_written_two_ways_in_two_cases() {
    let ws = TestWorkspace::with_profile();
    let (a, ev_a) = case_with_evidence(&ws, "Vụ túi xách");
    let (b, ev_b) = case_with_evidence(&ws, "Vụ đồng hồ");
    let out = suggest(&ws, &a, &ev_a, "bank_account", "0123 456 789");
    assert_eq!(out["new_entities"], 1);
    assert_fields(&out["entities"][0], ENTITY_FIELDS);
    suggest(&ws, &b, &ev_b, "bank_account", "0123456789");

    let found = ws.run(&["lookup", "0123.456.789"]).ok().json();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 2);
    for o in found {
        assert_fields(o, OCCURRENCE_FIELDS);
        assert_eq!(o["value"], "0123456789");
        assert_eq!(o["id_kind"], "bank_account");
        assert_eq!(o["case_status"], "draft");
    }
    let codes: Vec<&str> = found
        .iter()
        .map(|o| o["case_code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&a.as_str()) && codes.contains(&b.as_str()));
    assert_eq!(found[0]["evidence_id"], ev_a.as_str());

    let plain = ws.run_plain(&["lookup", "0123456789"]).ok();
    assert!(
        plain.stdout.contains(&a) && plain.stdout.contains(&b),
        "{plain}"
    );
    let none = ws.run_plain(&["lookup", "0999 000 111"]).ok();
    assert!(none.stdout.contains("không thấy"), "{none}");

    let hits = ws.run(&["entity", "hits", "--case", &a]).ok().json();
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["other_case_code"], b.as_str());

    // Excluding the value removes the hit; lookup still finds it, flagged.
    ws.run(&["exclusion", "add", "--type", "bank_account", "0123456789"])
        .ok();
    let hits = ws.run(&["entity", "hits", "--case", &a]).ok().json();
    assert!(hits.as_array().unwrap().is_empty());
    let found = ws.run(&["lookup", "0123456789"]).ok().json();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["excluded"] == true)
    );
    let list = ws.run(&["exclusion", "list"]).ok().json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["value"] == "shopee.vn")
    );
    ws.run(&[
        "exclusion",
        "remove",
        "--type",
        "bank_account",
        "0123-456-789",
    ])
    .ok();
    ws.assert_verifies();
}

#[test]
fn entity_review_and_links_are_logged() {
    let ws = TestWorkspace::with_profile();
    let (code, ev) = case_with_evidence(&ws, "Vụ mỹ phẩm");
    let phone = suggest(&ws, &code, &ev, "phone", "0912 345 678")["entities"][0].clone();
    let phone_id = phone["id"].as_str().unwrap();
    assert_eq!(phone["state"], "suggested");
    assert_eq!(phone["value"], "+84912345678");

    let confirmed = ws.run(&["entity", "confirm", phone_id]).ok().json();
    assert_eq!(confirmed["state"], "confirmed");
    let seller = ws
        .run(&[
            "entity",
            "add",
            "--case",
            &code,
            "--kind",
            "subject",
            "--name",
            "Shop Mỹ Phẩm Xách Tay",
            "--attr",
            "subject_type=business",
        ])
        .ok()
        .json();
    let other = ws
        .run(&[
            "entity",
            "add",
            "--case",
            &code,
            "--kind",
            "subject",
            "--name",
            "Hà Mỹ Phẩm",
        ])
        .ok()
        .json();
    let seller_id = seller["id"].as_str().unwrap();
    let merged = ws
        .run(&[
            "entity",
            "merge",
            other["id"].as_str().unwrap(),
            "--into",
            seller_id,
        ])
        .ok()
        .json();
    assert_eq!(merged["aliases"], serde_json::json!(["Hà Mỹ Phẩm"]));
    let link = ws
        .run(&[
            "entity",
            "link",
            "--kind",
            "uses",
            "--from",
            seller_id,
            "--to",
            phone_id,
            "--evidence",
            &ev,
        ])
        .ok()
        .json();
    assert_eq!(link["evidence_ids"], serde_json::json!([ev]));
    let links = ws.run(&["entity", "links", "--case", &code]).ok().json();
    assert_eq!(links.as_array().unwrap().len(), 1);
    let suggested = ws
        .run(&["entity", "list", "--case", &code, "--state", "suggested"])
        .ok()
        .json();
    assert!(suggested.as_array().unwrap().is_empty());

    let log = ws.run(&["log", "--case", &code]).ok().json();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[kinds.len() - 6..],
        [
            "identifiers_suggested",
            "entity_confirmed",
            "entity_created",
            "entity_created",
            "entity_merged",
            "link_added"
        ]
    );
    ws.assert_verifies();
}

#[test]
fn bad_input_exits_3_and_changes_nothing() {
    let ws = TestWorkspace::with_profile();
    let (a, ev_a) = case_with_evidence(&ws, "Vụ một");
    let (b, ev_b) = case_with_evidence(&ws, "Vụ hai");
    let ea = suggest(&ws, &a, &ev_a, "phone", "0987 654 321")["entities"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let eb = suggest(&ws, &b, &ev_b, "phone", "0977 654 321")["entities"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rejected = suggest(&ws, &a, &ev_a, "email", "a@b.vn")["entities"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ws.run(&["entity", "reject", &rejected, "--reason", "không liên quan"])
        .ok();
    let before = (log_len(&ws, &a), log_len(&ws, &b), ws.snapshot());

    for args in [
        vec![
            "entity",
            "suggest",
            "--case",
            &a,
            "--evidence",
            &ev_a,
            "--type",
            "fax",
            "--value",
            "1",
        ],
        vec![
            "entity",
            "suggest",
            "--case",
            &a,
            "--evidence",
            &ev_a,
            "--type",
            "phone",
            "--value",
            " ",
        ],
        vec![
            "entity",
            "suggest",
            "--case",
            &a,
            "--evidence",
            &ev_b,
            "--type",
            "phone",
            "--value",
            "0911111111",
        ],
        vec!["entity", "merge", &ea, "--into", &ea],
        vec!["entity", "merge", &ea, "--into", &eb],
        vec!["entity", "confirm", &rejected],
        vec!["entity", "reject", &rejected],
        vec!["entity", "confirm", "khong-co-id"],
        vec![
            "entity", "add", "--case", &a, "--kind", "robot", "--name", "x",
        ],
        vec![
            "entity", "add", "--case", &a, "--kind", "listing", "--name", "x", "--attr", "mau",
        ],
        vec![
            "entity",
            "link",
            "--kind",
            "offers",
            "--from",
            &ea,
            "--to",
            &eb,
            "--evidence",
            &ev_a,
        ],
        vec![
            "entity",
            "link",
            "--kind",
            "friends",
            "--from",
            &ea,
            "--to",
            &eb,
            "--evidence",
            &ev_a,
        ],
        vec!["lookup", "   "],
        vec!["lookup", "phone:abc"],
        vec!["exclusion", "add", "--type", "phone", "12"],
        vec!["exclusion", "remove", "--type", "domain", "khong-co.vn"],
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 3, "{args:?}:\n{run}");
        run.fails_with(3, "invalid_input");
    }
    ws.run(&["entity", "list", "--case", "KHONG-CO"])
        .fails_with(3, "case_not_found");
    // Usage errors (a missing argument) are exit 2.
    let run = ws.run(&[
        "entity", "link", "--kind", "uses", "--from", &ea, "--to", &eb,
    ]);
    assert_eq!(run.code, 2, "{run}");
    let run = ws.run(&["lookup"]);
    assert_eq!(run.code, 2, "{run}");

    let after = (log_len(&ws, &a), log_len(&ws, &b), ws.snapshot());
    assert_eq!(before.0, after.0);
    assert_eq!(before.1, after.1);
    after.2.assert_same_as(&before.2);
    ws.assert_verifies();
}
