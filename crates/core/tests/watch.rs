//! The watch list in the core: snapshots and change detection, check errors that are
//! not changes, the back-off, flags when a watched item turns up in a new case or in
//! the registry watchlist, classification and the risk score's reasons. Against a real
//! workspace; the network side is tested through the CLI (tests/src/watch.rs).

#![allow(clippy::unwrap_used)]

use serde_json::json;
use truyvet_core::model::{NewCase, ProfileInput, Role, ViolationCategory};
use truyvet_core::watch::{CheckOutcome, NewWatch, PageSeen};
use truyvet_core::watchlist::AgencySighting;
use truyvet_core::{
    ArtifactInput, CaptureMethod, ErrorCode, IdKind, IdentifierHit, WebCaptureInput, Workspace,
};

fn setup() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Đặng Thu Trang".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HCM".into(),
        role: Role::Investigator,
    })
    .unwrap();
    (dir, ws)
}

fn case(ws: &mut Workspace, title: &str, cats: &[ViolationCategory], group: &str) -> String {
    ws.create_case(&NewCase {
        title: title.into(),
        violation_categories: cats.to_vec(),
        product_group: group.into(),
        ..NewCase::default()
    })
    .unwrap()
    .code
}

fn capture(url: &str, phone: Option<&str>) -> WebCaptureInput {
    WebCaptureInput {
        method: CaptureMethod::Http,
        url: url.into(),
        final_url: url.into(),
        title: "Shop".into(),
        http_status: Some(200),
        server_ip: Some("203.0.113.7".into()),
        partial_reason: None,
        metadata: json!({"tool": "test"}),
        text: Some("Đồng hồ".into()),
        artifacts: vec![ArtifactInput {
            role: "warc".into(),
            media_type: "application/warc".into(),
            bytes: format!("WARC for {url}").into_bytes(),
        }],
        note: None,
        identifiers: phone
            .map(|p| IdentifierHit {
                kind: Some(IdKind::Phone),
                raw: p.into(),
                normalized: None,
                qualifier: String::new(),
                location: "0".into(),
                snippet: p.into(),
            })
            .into_iter()
            .collect(),
    }
}

fn page(status: u16, text: &str, screenshot: Option<&[u8]>) -> CheckOutcome {
    CheckOutcome::Page(PageSeen {
        http_status: Some(status),
        final_url: "https://dongho-sang.vn/".into(),
        title: "Đồng hồ Sang".into(),
        text: Some(text.into()),
        partial_reason: None,
        warc: Some(format!("WARC {text}").into_bytes()),
        screenshot: screenshot.map(<[u8]>::to_vec),
    })
}

fn add(ws: &mut Workspace, target: &str) -> String {
    ws.watch_add(&NewWatch {
        target: target.into(),
        label: "Shop đồng hồ".into(),
        interval_secs: Some(3600),
        ..NewWatch::default()
    })
    .unwrap()
    .id
}

#[test]
fn a_changed_page_is_flagged_until_seen_and_diffed_line_by_line() {
    let (_dir, mut ws) = setup();
    let id = add(&mut ws, "https://dongho-sang.vn/");
    let item = ws.watch_get(&id).unwrap();
    assert_eq!(item.kind, "url");
    assert_eq!(item.platform, "dongho-sang.vn");
    assert_eq!(ws.watch_due(false).unwrap().len(), 1);

    let first = ws
        .watch_record_check(&id, page(200, "Rolex\nGiá 1.000.000đ", Some(b"png-1")))
        .unwrap();
    assert_eq!(first.outcome, "ok");
    assert!(!first.changed, "the first check is the baseline");
    assert!(!ws.watch_get(&id).unwrap().changed_unseen);
    assert!(
        ws.watch_due(false).unwrap().is_empty(),
        "next check in an hour"
    );
    assert_eq!(ws.watch_due(true).unwrap().len(), 1);

    // Only whitespace moved: no change.
    let same = ws
        .watch_record_check(&id, page(200, "  Rolex \n\n Giá   1.000.000đ", None))
        .unwrap();
    assert!(!same.changed);
    assert_eq!(same.text_sha256, first.text_sha256);

    let second = ws
        .watch_record_check(
            &id,
            page(200, "Rolex\nGiá 900.000đ\nHết hàng", Some(b"png-2")),
        )
        .unwrap();
    assert!(second.changed);
    let item = ws.watch_get(&id).unwrap();
    assert!(item.changed_unseen);
    assert_eq!(
        item.last_changed_at.as_deref(),
        Some(second.checked_at.as_str())
    );
    assert_eq!(ws.watch_unseen_count().unwrap(), 1);

    let diff = ws.watch_diff(&id, None, None).unwrap();
    assert_eq!(diff.from.id, same.id);
    assert_eq!(diff.to.id, second.id);
    let changed: Vec<(&str, &str)> = diff
        .lines
        .iter()
        .filter(|l| l.tag != "same")
        .map(|l| (l.tag, l.text.as_str()))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("removed", "Giá 1.000.000đ"),
            ("added", "Giá 900.000đ"),
            ("added", "Hết hàng")
        ]
    );
    // Both screenshots are in the blob store for the side-by-side view.
    let shots = ws.watch_diff(&id, Some(first.id), Some(second.id)).unwrap();
    for s in [&shots.from, &shots.to] {
        let sha = s.screenshot_sha256.as_deref().unwrap();
        assert!(ws.blobs().path_for(sha).exists());
    }
    assert!(
        ws.blobs()
            .path_for(second.warc_sha256.as_deref().unwrap())
            .exists()
    );

    ws.watch_mark_seen(&id).unwrap();
    assert!(!ws.watch_get(&id).unwrap().changed_unseen);
    assert_eq!(ws.watch_unseen_count().unwrap(), 0);
    // The change stays in the history and in the score.
    let detail = ws.watch_detail(&id[..8]).unwrap();
    assert_eq!(detail.snapshots.len(), 3);
    let recent = detail
        .item
        .risk_reasons
        .iter()
        .find(|r| r.code == "recent_changes")
        .unwrap();
    assert_eq!((recent.count, recent.points), (1, 5));
}

#[test]
fn blocks_and_outages_are_check_errors_not_changes() {
    let (_dir, mut ws) = setup();
    let id = add(&mut ws, "https://dongho-sang.vn/");
    let base = ws
        .watch_record_check(&id, page(200, "Rolex", None))
        .unwrap();
    for (outcome, code) in [
        (page(403, "Forbidden", None), "blocked"),
        (page(429, "Too many requests", None), "rate_limited"),
        (page(503, "Service unavailable", None), "server_error"),
        (
            page(200, "Please solve the captcha to continue", None),
            "captcha",
        ),
        (
            CheckOutcome::Failed {
                code: "connect_failed".into(),
                message: "connection refused".into(),
            },
            "connect_failed",
        ),
    ] {
        let s = ws.watch_record_check(&id, outcome).unwrap();
        assert_eq!(s.outcome, "error");
        assert_eq!(s.error_code.as_deref(), Some(code));
        assert!(!s.changed);
        let item = ws.watch_get(&id).unwrap();
        assert!(!item.changed_unseen, "{code} must not look like a change");
        assert!(item.last_error.as_deref().unwrap().starts_with(code));
    }
    let item = ws.watch_get(&id).unwrap();
    assert_eq!(item.failures, 5);
    // Backed off: interval × 16 from the last check, not one interval.
    let next = item.next_check_at.unwrap();
    let in_fifteen_hours = truyvet_core::time_fmt::format_utc(
        time::OffsetDateTime::now_utc() + time::Duration::hours(15),
    );
    assert!(next > in_fifteen_hours, "{next}");
    // The same text after the outage is not a change; success clears the error.
    let again = ws
        .watch_record_check(&id, page(200, "Rolex", None))
        .unwrap();
    assert!(!again.changed);
    assert_eq!(again.text_sha256, base.text_sha256);
    let item = ws.watch_get(&id).unwrap();
    assert_eq!((item.failures, item.last_error), (0, None));
    // A failed check has no text to compare.
    let failed = ws.watch_detail(&id).unwrap().snapshots[1].id;
    let err = ws.watch_diff(&id, Some(failed), None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn a_watched_host_in_a_new_case_raises_a_flag_and_feeds_the_score() {
    let (_dir, mut ws) = setup();
    let old = case(
        &mut ws,
        "Trước khi theo dõi",
        &[ViolationCategory::CounterfeitGoods],
        "đồng hồ",
    );
    ws.add_web_capture(
        &old,
        &capture("https://www.dongho-sang.vn/a", Some("0912345678")),
    )
    .unwrap();
    let id = add(&mut ws, "https://dongho-sang.vn");
    let item = ws.watch_get(&id).unwrap();
    assert_eq!(item.new_flags, 0, "what was known when added is not news");
    assert_eq!(ws.watch_detail(&id).unwrap().flags.len(), 1);

    // An unrelated host, and a host that merely contains the name, do not match.
    let other = case(&mut ws, "Khác", &[], "");
    ws.add_web_capture(&other, &capture("https://notdongho-sang.vn/", None))
        .unwrap();
    assert_eq!(ws.watch_refresh().unwrap(), 0);

    let new = case(
        &mut ws,
        "Vụ mới",
        &[
            ViolationCategory::SmuggledGoods,
            ViolationCategory::CounterfeitGoods,
        ],
        "mỹ phẩm",
    );
    ws.add_web_capture(&new, &capture("http://dongho-sang.vn:8080/shop/1", None))
        .unwrap();
    // The same phone in a third case, not tied to the site: a repeat identifier.
    let third = case(&mut ws, "Cùng số điện thoại", &[], "");
    ws.add_web_capture(
        &third,
        &capture("https://elsewhere.vn/", Some("0912 345 678")),
    )
    .unwrap();
    assert_eq!(ws.watch_refresh().unwrap(), 1);
    assert_eq!(ws.watch_refresh().unwrap(), 0, "raised once");

    let detail = ws.watch_detail(&id).unwrap();
    assert_eq!(detail.item.new_flags, 1);
    let fresh: Vec<&str> = detail
        .flags
        .iter()
        .filter(|f| !f.seen)
        .map(|f| f.label.as_str())
        .collect();
    assert_eq!(fresh, vec![new.as_str()]);
    let c = &detail.classification;
    assert_eq!(c.cases.len(), 2);
    assert_eq!(c.product_groups, vec!["mỹ phẩm", "đồng hồ"]);
    assert_eq!(
        c.violation_categories,
        vec!["counterfeit_goods", "smuggled_goods"]
    );
    let reasons: Vec<(&str, u32, u32)> = detail
        .item
        .risk_reasons
        .iter()
        .map(|r| (r.code.as_str(), r.count, r.points))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("cases", 2, 30),
            ("repeat_identifiers", 1, 5),
            ("categories", 2, 10)
        ]
    );
    assert_eq!(detail.item.risk_score, 45);
    assert_eq!(ws.watch_unseen_count().unwrap(), 1);
    ws.watch_mark_seen(&id).unwrap();
    assert_eq!(ws.watch_get(&id).unwrap().new_flags, 0);
}

#[test]
fn an_identifier_on_the_registry_watchlist_is_flagged() {
    let (_dir, mut ws) = setup();
    let id = add(&mut ws, "0912.345.678");
    let item = ws.watch_get(&id).unwrap();
    assert_eq!(item.kind, "identifier");
    assert_eq!(item.target, "0912.345.678");
    assert!(
        ws.watch_due(true).unwrap().is_empty(),
        "identifiers are not fetched"
    );
    ws.merge_watchlist(
        &[AgencySighting {
            cursor: 7,
            kind: "phone".into(),
            value: "+84912345678".into(),
            qualifier: String::new(),
            agency: "CA".into(),
            case_id: "x".into(),
            case_code: "CA-HN-2026-0001".into(),
            categories: vec!["prohibited_goods".into()],
            case_date: "2026-01-02".into(),
        }],
        8,
    )
    .unwrap();
    assert_eq!(ws.watch_refresh().unwrap(), 1);
    let detail = ws.watch_detail(&id).unwrap();
    assert_eq!(detail.flags[0].source, "registry");
    assert_eq!(detail.flags[0].label, "CA · CA-HN-2026-0001");
    assert_eq!(detail.classification.registry_agencies, vec!["CA"]);
    let reasons: Vec<(&str, u32)> = detail
        .item
        .risk_reasons
        .iter()
        .map(|r| (r.code.as_str(), r.points))
        .collect();
    assert_eq!(reasons, vec![("categories", 5), ("registry_hit", 20)]);
}

#[test]
fn bad_input_is_refused_with_stable_codes() {
    let (_dir, mut ws) = setup();
    for (target, kind) in [
        ("", None),
        ("ftp://x.vn/", Some("url")),
        ("https://", None),
        ("not an identifier at all ???", None),
        ("https://x.vn/", Some("page")),
    ] {
        let err = ws
            .watch_add(&NewWatch {
                target: target.into(),
                kind: kind.map(str::to_string),
                ..NewWatch::default()
            })
            .map(|i| i.target)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{target}");
    }
    let err = ws
        .watch_add(&NewWatch {
            target: "https://x.vn/".into(),
            interval_secs: Some(5),
            ..NewWatch::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    add(&mut ws, "https://x.vn/");
    let err = ws
        .watch_add(&NewWatch {
            target: "https://x.vn/".into(),
            ..NewWatch::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(ws.watch_list().unwrap().len(), 1, "nothing stored was lost");
    assert_eq!(
        ws.watch_get("ffffffff").unwrap_err().code,
        ErrorCode::WatchNotFound
    );
    assert_eq!(
        ws.watch_diff("ffffffff", None, None).unwrap_err().code,
        ErrorCode::WatchNotFound
    );
}
