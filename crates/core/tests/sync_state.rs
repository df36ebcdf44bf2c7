//! The sync state the core keeps for the registry client: settings with the token out of
//! the database, the outbox's states and their rules, the watchlist merged by cursor,
//! and tree heads that never go back.

#![allow(clippy::unwrap_used)]

use truyvet_core::outbox::{OutboxState, RECEIPT_EVENT};
use truyvet_core::watchlist::AgencySighting;
use truyvet_core::{ErrorCode, Transition, Workspace};

mod common;

use common::{INV_PASS, SUP_PASS, complete_case as case, workspace};

const KEY: &str = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";

fn seal(ws: &mut Workspace, code: &str) {
    ws.use_profile("tran-van-dieu-tra").unwrap();
    ws.transition_case(code, Transition::Submit, None, INV_PASS)
        .unwrap();
    ws.use_profile("kiem-soat").unwrap();
    ws.transition_case(code, Transition::Approve, None, SUP_PASS)
        .unwrap();
    ws.transition_case(code, Transition::Seal, None, SUP_PASS)
        .unwrap();
}

fn sighting(cursor: u64, kind: &str, value: &str, qualifier: &str) -> AgencySighting {
    AgencySighting {
        cursor,
        kind: kind.into(),
        value: value.into(),
        qualifier: qualifier.into(),
        agency: "CA".into(),
        case_id: format!("case-{cursor}"),
        case_code: format!("CA-HN-2026-{cursor:04}"),
        categories: vec!["smuggled_goods".into()],
        case_date: "2026-11-28T10:00:00.000Z".into(),
    }
}

#[test]
fn the_token_stays_out_of_the_database_and_is_shown_only_by_its_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    assert_eq!(
        ws.require_registry().unwrap_err().code,
        ErrorCode::RegistryNotConfigured
    );
    let token = "tvr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abwxyz";
    for (url, token, key) in [
        ("ftp://registry", token, KEY),
        ("https://registry", "two words", KEY),
        ("https://registry", token, "abcd"),
        ("https://registry", token, &"zz".repeat(32)),
    ] {
        let err = ws.set_registry(url, token, key).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{url} {token} {key}");
    }
    let config = ws
        .set_registry("https://registry.example/", token, KEY)
        .unwrap();
    assert_eq!(config.url, "https://registry.example");
    assert_eq!(config.token_hint, "…wxyz");
    assert_eq!(ws.registry_token().unwrap(), token);
    let file = dir.path().join("ws").join("registry-token");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    for name in ["truyvet.db", "truyvet.db-wal"] {
        let path = dir.path().join("ws").join(name);
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the token is in {name}"
            );
        }
    }
}

#[test]
fn tree_heads_never_go_back_and_a_new_registry_forgets_the_old_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    ws.set_registry("https://a.example", "tvr_a", KEY).unwrap();
    ws.record_registry_tree_head(5, r#"{"size":5}"#).unwrap();
    ws.record_registry_tree_head(3, r#"{"size":3}"#).unwrap();
    assert_eq!(ws.registry_tree_head().unwrap().unwrap(), r#"{"size":5}"#);
    ws.merge_watchlist(&[sighting(1, "phone", "+84912345678", "")], 1)
        .unwrap();
    // The same registry again keeps what it knows; another one starts afresh.
    ws.set_registry("https://a.example", "tvr_b", KEY).unwrap();
    assert_eq!(ws.registry_config().unwrap().unwrap().tree_size, Some(5));
    assert_eq!(ws.watchlist_cursor().unwrap(), 1);
    ws.set_registry("https://b.example", "tvr_b", KEY).unwrap();
    assert_eq!(ws.registry_tree_head().unwrap(), None);
    assert_eq!(ws.watchlist_cursor().unwrap(), 0);
    assert!(ws.watchlist_lookup("0912345678").unwrap().is_empty());
}

#[test]
fn the_outbox_takes_sealed_local_cases_and_a_verified_push_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let open = case(&mut ws);
    let sealed = case(&mut ws);
    seal(&mut ws, &sealed);
    assert_eq!(
        ws.queue_case(&open).unwrap_err().code,
        ErrorCode::CaseNotSealed
    );
    assert_eq!(ws.queue_sealed_cases().unwrap(), 1);
    assert_eq!(ws.queue_sealed_cases().unwrap(), 0);
    let entry = &ws.outbox().unwrap()[0];
    assert_eq!(entry.case_code, sealed);
    assert_eq!(entry.state, OutboxState::Queued);
    let id = entry.case_id.clone();

    ws.outbox_set_bundle(&id, "/tmp/b.wacz", &"ab".repeat(32), 1000)
        .unwrap();
    ws.outbox_uploading(&id, "up-1", 400).unwrap();
    ws.outbox_retry_later(
        &id,
        1,
        "2026-11-28T10:00:01.000Z",
        "registry_unreachable",
        "reset",
    )
    .unwrap();
    let e = ws.outbox_entry(&id).unwrap();
    assert_eq!(
        (
            e.state,
            e.upload_id.as_deref(),
            e.confirmed_offset,
            e.attempts
        ),
        (OutboxState::Uploading, Some("up-1"), 400, 1)
    );
    ws.outbox_reject(&id, 2, "agency_mismatch", "403 agency_mismatch: not yours")
        .unwrap();
    let e = ws.outbox_entry(&id).unwrap();
    assert_eq!(e.state, OutboxState::Rejected);
    assert_eq!((e.upload_id, e.confirmed_offset), (None, 0));
    // Queued again by hand: attempts start over.
    let e = ws.queue_case(&sealed).unwrap();
    assert_eq!((e.state, e.attempts), (OutboxState::Queued, 0));

    let receipt = serde_json::json!({"case_id": id, "leaf_index": 0});
    let done = ws
        .outbox_verified(&id, "https://registry.example", &receipt)
        .unwrap();
    assert_eq!(done.state, OutboxState::Verified);
    assert_eq!(done.receipt, Some(receipt.clone()));
    let log = ws.custody_log(&sealed).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.kind, RECEIPT_EVENT);
    assert_eq!(last.payload["receipt"], receipt);
    assert!(ws.verify().unwrap().problems.is_empty());
    // A second sync that got the same receipt adds no second event.
    let again = ws
        .outbox_verified(&id, "https://registry.example", &receipt)
        .unwrap();
    assert_eq!(again.state, OutboxState::Verified);
    let receipts = ws
        .custody_log(&sealed)
        .unwrap()
        .iter()
        .filter(|e| e.kind == RECEIPT_EVENT)
        .count();
    assert_eq!(receipts, 1);
    // Final: neither the core nor raw SQL moves it again.
    assert!(ws.outbox_reject(&id, 3, "x", "y").is_err());
    assert_eq!(ws.queue_case(&sealed).unwrap().state, OutboxState::Verified);
    let raw = rusqlite::Connection::open(dir.path().join("ws").join("truyvet.db")).unwrap();
    assert!(
        raw.execute("UPDATE sync_outbox SET state = 'queued'", [])
            .is_err()
    );
}

#[test]
fn watchlist_pages_merge_once_and_match_like_local_hits() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let page = [
        sighting(3, "phone", "+84912345678", ""),
        sighting(4, "bank_account", "0011001234567", "VCB"),
        sighting(5, "domain", "dongho-gia.vn", ""),
    ];
    assert_eq!(ws.merge_watchlist(&page, 5).unwrap(), 3);
    assert_eq!(ws.merge_watchlist(&page, 5).unwrap(), 0);
    // A stale page never moves the cursor back.
    assert_eq!(ws.merge_watchlist(&page[..1], 3).unwrap(), 0);
    assert_eq!(ws.watchlist_cursor().unwrap(), 5);

    let phone = ws.watchlist_lookup("0912 345 678").unwrap();
    assert_eq!(phone.len(), 1);
    assert_eq!(phone[0].agency, "CA");
    assert_eq!(
        ws.watchlist_lookup("https://www.dongho-gia.vn/x")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(ws.watchlist_lookup("0011001234567").unwrap().len(), 1);
    assert!(ws.watchlist_lookup("0987654321").unwrap().is_empty());
}
