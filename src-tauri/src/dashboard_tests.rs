//! The overview and the periodic report through the shell on Tauri's mock runtime,
//! against a real workspace: `dashboard_get` counts what the workspace holds (a case
//! opened from a waiting tip, a watched item that changed) in shapes that match
//! `ui/src/lib/types.ts`; `report_figures` and `report_build` check the period, format
//! and destination before anything is written, and the written XLSX is what the summary
//! says it is.

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::contract_tests::assert_shape;
use crate::ipc_tests::{app_with, invoke};
use crate::{AppState, CaptureBrowser};

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;
type MockApp = (tauri::App<tauri::test::MockRuntime>, Window);

pub(crate) const DASHBOARD_COMMANDS: &[&str] = &[
    "dashboard_get",
    "report_figures",
    "report_build",
    "report_build_dialog",
];

fn app(dir: &Path) -> MockApp {
    app_with(
        AppState::open(Ok(dir.to_path_buf())),
        CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    )
}

/// A supervisor, two cases (one opened from a waiting tip) and one watched item that
/// changed, made through the commands and, for tips and watch rows, the database.
fn seeded(w: &Window, ws: &Path) -> (String, String) {
    invoke(
        w,
        "profile_save",
        json!({"profile": {"display_name": "Phạm Thu Hà", "agency": "QLTT", "unit": "Đội 3",
                            "province": "HN", "role": "supervisor"}}),
    )
    .unwrap();
    let a = invoke(
        w,
        "case_create",
        json!({"input": {"title": "Mỹ phẩm giả", "origin": "tip"}}),
    )
    .unwrap();
    let b = invoke(
        w,
        "case_create",
        json!({"input": {"title": "Đồng hồ giả", "origin": "patrol"}}),
    )
    .unwrap();
    let now = truyvet_core::time_fmt::now_utc();
    // A second handle beside the app's, as the CLI would open it.
    let other = truyvet_core::Workspace::open_with(ws, truyvet_core::OpenMode::Existing).unwrap();
    let conn = other.connection();
    for (id, code, status) in [("tip-1", "TB-1", "new"), ("tip-2", "TB-2", "case_opened")] {
        conn.execute(
            "INSERT INTO tips (id, code, received_at, channel, summary, status, agency, unit,
                 province, created_at, created_by, updated_at, fingerprint)
             VALUES (?1, ?2, ?3, 'hotline', 'Bán hàng giả', ?4, 'QLTT', 'Đội 3', 'HN', ?3,
                 'tester', ?3, ?1)",
            [id, code, now.as_str(), status],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE cases SET origin_tip_id = 'tip-2' WHERE code = ?1",
        [a["code"].as_str().unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO watch_items (id, target, kind, label, platform, interval_secs, created_at,
             created_by, last_checked_at, last_changed_at, changed_unseen, risk_score)
         VALUES ('watch-1', 'https://shopee.vn/x', 'url', 'Shop X', 'shopee', 3600, ?1,
             'tester', ?1, ?1, 1, 55)",
        [&now],
    )
    .unwrap();
    (
        a["code"].as_str().unwrap().to_string(),
        b["code"].as_str().unwrap().to_string(),
    )
}

fn list<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not a list"))
}

#[test]
fn dashboard_counts_the_workspace_in_the_contract_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let (from_tip, other) = seeded(&w, dir.path());

    let dash = invoke(&w, "dashboard_get", json!({})).unwrap();
    assert_shape("Dashboard", &dash);
    assert_eq!(dash["open_cases"], 2);
    let draft = list(&dash, "by_status")
        .iter()
        .find(|s| s["status"] == "draft")
        .unwrap();
    assert_shape("StatusCount", draft);
    assert_eq!(draft["count"], 2);
    assert_shape("AgeBuckets", &dash["age_since_created"]);
    assert_eq!(dash["age_since_created"]["under_7"], 2);
    assert_shape("OutboxCounts", &dash["outbox"]);
    assert_eq!(dash["review_queue_total"], 0);

    let tips = list(&dash, "tips_waiting");
    assert_eq!(tips.len(), 1);
    assert_shape("WaitingTip", &tips[0]);
    assert_eq!(tips[0]["code"], "TB-1");
    let recent = list(&dash, "recent_tip_cases");
    assert_eq!(recent.len(), 1);
    assert_shape("TipCase", &recent[0]);
    assert_eq!(recent[0]["case_code"], from_tip.as_str());
    assert_eq!(recent[0]["tip_code"], "TB-2");
    assert_ne!(recent[0]["case_code"], other.as_str());
    let changed = list(&dash, "watch_changed");
    assert_eq!(changed.len(), 1);
    assert_shape("WatchEntry", &changed[0]);
    assert_eq!(changed[0]["risk_score"], 55);
}

#[test]
fn reports_check_their_input_and_write_what_the_summary_says() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    seeded(&w, dir.path());
    let out = tempfile::tempdir().unwrap();

    let figures = invoke(
        &w,
        "report_figures",
        json!({"params": {"preset": "6m", "agency": "QLTT"}}),
    )
    .unwrap();
    assert_shape("ReportFigures", &figures);
    assert_shape("ReportTotals", &figures["totals"]);
    assert_shape("ReportScope", &figures["scope"]);
    assert_shape("ReportTipFigures", &figures["tips"]);
    assert_shape("RegistryFigures", &figures["registry"]);
    assert_shape("ReportMonthRow", &list(&figures, "per_month")[0]);
    assert_eq!(figures["totals"]["cases_opened"], 2);
    assert_eq!(list(&figures, "per_month").len(), 6);

    // Bad input: refused with a stable code, nothing written.
    for params in [
        json!({"preset": "5y"}),
        json!({"preset": "custom", "from": "2026-10-01", "to": "2026-09-01"}),
        json!({"preset": "custom", "from": "2026-10-01"}),
        json!({"preset": "custom", "from": "01/10/2026", "to": "2026-11-01"}),
        json!({"preset": "1y", "format": "docx"}),
    ] {
        let err = invoke(&w, "report_figures", json!({ "params": params })).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{params}");
    }
    let wrong = out.path().join("bao-cao.pdf");
    let err = invoke(
        &w,
        "report_build",
        json!({"params": {"preset": "1y", "format": "xlsx"}, "path": wrong.to_str().unwrap()}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let err = invoke(
        &w,
        "report_build",
        json!({"params": {"preset": "1y", "format": "xlsx"}, "path": "bao-cao.xlsx"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);

    let target = out.path().join("bao-cao.xlsx");
    let summary = invoke(
        &w,
        "report_build",
        json!({"params": {"preset": "1y", "format": "xlsx"}, "path": target.to_str().unwrap()}),
    )
    .unwrap();
    assert_shape("ReportSummary", &summary);
    let bytes = std::fs::read(&target).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip file");
    assert_eq!(summary["size"], bytes.len());
    assert_eq!(summary["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(summary["format"], "xlsx");

    // No path: the workspace's reports folder.
    let summary = invoke(&w, "report_build", json!({"params": {"preset": "6m"}})).unwrap();
    let path = summary["path"].as_str().unwrap();
    assert!(path.ends_with(".pdf"), "{path}");
    assert!(Path::new(path).starts_with(dir.path().join("reports")));
    assert!(std::fs::read(path).unwrap().starts_with(b"%PDF"));
}

#[test]
fn the_window_may_call_the_dashboard_and_report_commands() {
    let caps = include_str!("../capabilities/main.json");
    for cmd in DASHBOARD_COMMANDS {
        let permission = format!("\"allow-{}\"", cmd.replace('_', "-"));
        assert!(caps.contains(&permission), "{permission} missing");
    }
}
