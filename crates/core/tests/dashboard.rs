//! The supervisor's overview on a fixture workspace with fixed dates: exact counts per
//! status and age bucket, the review queue by wait, waiting tips, cases from tips,
//! watched items and the outbox.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use rusqlite::params;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use truyvet_core::model::CaseStatus;
use truyvet_core::{Transition, Workspace, time_fmt};

mod common;

use common::{INV_PASS, complete_case, workspace};

const DAY: i64 = 86_400;

/// Stored-time form of `now - days`.
fn ago(now: OffsetDateTime, days: i64) -> String {
    time_fmt::format_utc(now - Duration::days(days))
}

/// A case row as an older workspace holds it: creation and change dates are the
/// fixture's (the API would stamp the present, and creation dates are fixed once written).
fn insert_case(ws: &Workspace, id: &str, status: &str, created: &str, updated: &str) {
    ws.connection()
        .execute(
            "INSERT INTO cases (id, code, title, agency, unit, province, status, origin,
                 created_at, created_by, updated_at, search_folded)
             VALUES (?1, ?1, ?1, 'QLTT', 'Đội 5', 'HN', ?2, 'patrol', ?3, 'tester', ?4, ?1)",
            params![id, status, created, updated],
        )
        .unwrap();
}

fn add_tip(ws: &Workspace, id: &str, code: &str, status: &str, received: &str) {
    let (outcome, closed) = if status == "closed" {
        (Some("duplicate"), Some(received))
    } else {
        (None, None)
    };
    ws.connection()
        .execute(
            "INSERT INTO tips (id, code, received_at, channel, summary, status, outcome,
                 closed_at, agency, unit, province, created_at, created_by, updated_at,
                 fingerprint)
             VALUES (?1, ?2, ?3, 'hotline', ?4, ?5, ?6, ?7, 'QLTT', 'Đội 5', 'HN', ?3,
                 'tester', ?3, ?1)",
            params![
                id,
                code,
                received,
                format!("tin {code}"),
                status,
                outcome,
                closed
            ],
        )
        .unwrap();
}

fn add_watch(ws: &Workspace, id: &str, changed: bool, error: Option<&str>, active: bool) {
    ws.connection()
        .execute(
            "INSERT INTO watch_items (id, target, kind, label, platform, interval_secs, active,
                 created_at, created_by, last_checked_at, last_changed_at, changed_unseen,
                 last_error, risk_score)
             VALUES (?1, ?2, 'url', ?3, 'shopee', 3600, ?4, '2026-12-01T00:00:00.000Z',
                 'tester', ?5, ?6, ?7, ?8, 40)",
            params![
                id,
                format!("https://shopee.vn/{id}"),
                format!("Shop {id}"),
                active,
                format!("2026-12-3{}T00:00:00.000Z", id.len() % 2),
                changed.then_some(format!("2026-12-2{}T00:00:00.000Z", id.len() % 10)),
                changed,
                error,
            ],
        )
        .unwrap();
}

#[test]
fn figures_on_a_fixture_workspace_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);

    // G is submitted through the workflow (a signed transition); "now" is two days
    // after it was created, and every other date of the fixture is relative to that.
    let g = complete_case(&mut ws);
    ws.transition_case(&g, Transition::Submit, None, INV_PASS)
        .unwrap();
    let created = ws.case_by_code(&g).unwrap().created_at;
    let now = OffsetDateTime::parse(&created, &Rfc3339).unwrap() + Duration::days(2);
    let submitted_at = ws.custody_log(&g).unwrap().last().unwrap().at.clone();

    insert_case(&ws, "A", "draft", &ago(now, 3), &ago(now, 1));
    insert_case(&ws, "B", "draft", &ago(now, 12), &ago(now, 4));
    // Exactly 7 days: counted as 7–30, not under 7.
    insert_case(&ws, "C", "returned", &ago(now, 7), &ago(now, 7));
    insert_case(&ws, "D", "approved", &ago(now, 92), &ago(now, 22));
    insert_case(&ws, "E", "draft", &ago(now, 214), &ago(now, 153));
    // Submitted without a transition event: waits since its last change.
    insert_case(&ws, "F", "submitted", &ago(now, 122), &ago(now, 61));
    // Sealed: counted by status, not open.
    insert_case(&ws, "S", "sealed", &ago(now, 300), &ago(now, 299));

    // Tips: two waiting (oldest first), one turned into cases, one closed.
    add_tip(&ws, "t2", "TB-2", "new", &ago(now, 2));
    add_tip(&ws, "t1", "TB-1", "new", &ago(now, 12));
    add_tip(&ws, "t3", "TB-3", "case_opened", &ago(now, 31));
    add_tip(&ws, "t4", "TB-4", "closed", &ago(now, 100));
    // A, B and D came from tips; D was opened more than 30 days ago.
    for (id, tip) in [("A", "t3"), ("B", "t3"), ("D", "t4")] {
        ws.connection()
            .execute(
                "UPDATE cases SET origin_tip_id = ?2 WHERE id = ?1",
                params![id, tip],
            )
            .unwrap();
    }

    add_watch(&ws, "w1", true, None, true);
    add_watch(&ws, "w22", true, Some("network_error: timed out"), true);
    add_watch(&ws, "w333", false, Some("http_status: 404"), true);
    add_watch(&ws, "w4444", false, Some("http_status: 500"), false);
    add_watch(&ws, "w55555", false, None, true);

    ws.connection()
        .execute(
            "INSERT INTO sync_outbox (case_id, state, queued_at, updated_at)
             VALUES (?1, 'queued', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')",
            ["S"],
        )
        .unwrap();

    let dash = ws.dashboard_at(now).unwrap();
    assert_eq!(dash.generated_at, time_fmt::format_utc(now));
    let counts: Vec<(CaseStatus, u64)> =
        dash.by_status.iter().map(|s| (s.status, s.count)).collect();
    assert_eq!(
        counts,
        [
            (CaseStatus::Draft, 3),
            (CaseStatus::Submitted, 2),
            (CaseStatus::Returned, 1),
            (CaseStatus::Approved, 1),
            (CaseStatus::Sealed, 1),
        ]
    );
    assert_eq!(dash.open_cases, 7);
    let created = &dash.age_since_created;
    assert_eq!(
        (
            created.under_7,
            created.from_7_to_30,
            created.from_30_to_90,
            created.over_90
        ),
        (2, 2, 0, 3), // A, G (2 d) | B, C (7 d) | — | D (92 d), E, F
    );
    let changed = &dash.age_since_change;
    assert_eq!(
        (
            changed.under_7,
            changed.from_7_to_30,
            changed.from_30_to_90,
            changed.over_90
        ),
        (3, 2, 1, 1), // A, B, G | C (7 d), D (22 d) | F (61 d) | E (153 d)
    );

    let queue: Vec<&str> = dash.review_queue.iter().map(|q| q.code.as_str()).collect();
    assert_eq!(queue, ["F", g.as_str()]);
    assert_eq!(dash.review_queue_total, 2);
    assert_eq!(dash.review_queue[0].submitted_at, ago(now, 61));
    assert_eq!(dash.review_queue[0].waiting_secs, 61 * DAY);
    assert_eq!(dash.review_queue[1].submitted_at, submitted_at);
    let at = OffsetDateTime::parse(&submitted_at, &Rfc3339).unwrap();
    assert_eq!(
        dash.review_queue[1].waiting_secs,
        (now - at).whole_seconds()
    );

    assert!(dash.tips_available);
    let tips: Vec<(&str, i64)> = dash
        .tips_waiting
        .iter()
        .map(|t| (t.code.as_str(), t.waiting_secs))
        .collect();
    assert_eq!(tips, [("TB-1", 12 * DAY), ("TB-2", 2 * DAY)]);
    assert_eq!(dash.tips_waiting_total, 2);
    assert_eq!(dash.tips_waiting[0].channel, "hotline");

    let from_tips: Vec<(String, &str)> = dash
        .recent_tip_cases
        .iter()
        .map(|t| (t.case_title.clone(), t.tip_code.as_str()))
        .collect();
    assert_eq!(
        from_tips,
        [("A".to_string(), "TB-3"), ("B".to_string(), "TB-3")]
    );
    assert_eq!(dash.recent_tip_cases[0].case_code, "A");
    assert_eq!(dash.recent_tip_cases[0].status, CaseStatus::Draft);
    assert_eq!(dash.recent_tip_cases_total, 2);

    assert!(dash.watch_available);
    let changed: Vec<&str> = dash.watch_changed.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(changed, ["w22", "w1"]);
    assert_eq!(dash.watch_changed_total, 2);
    let errors: Vec<&str> = dash.watch_errors.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(errors, ["w22", "w333"]);
    assert_eq!(
        dash.watch_errors[1].last_error.as_deref(),
        Some("http_status: 404")
    );

    assert_eq!(dash.outbox.queued, 1);
    assert_eq!(dash.outbox.verified, 0);
}

#[test]
fn an_empty_workspace_has_an_empty_overview() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(dir.path().join("ws")).unwrap();
    let dash = ws.dashboard().unwrap();
    assert_eq!(dash.open_cases, 0);
    assert!(dash.by_status.iter().all(|s| s.count == 0));
    assert_eq!(dash.by_status.len(), 5);
    assert!(dash.review_queue.is_empty());
    assert!(dash.tips_waiting.is_empty());
    assert!(dash.watch_changed.is_empty());
    assert_eq!(dash.outbox, Default::default());
}
