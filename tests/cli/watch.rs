//! `truyvet watch` against sites served on loopback by the test: a page that changes
//! between two checks shows the diff; a site that is down or blocks us (403, 429) is a
//! check error, not a change, and the other items are checked all the same; a watched
//! host that turns up in a new case is flagged with the risk score's reasons; private
//! addresses are refused by the capture's network policy.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use truyvet_tests::{TestWorkspace, truyvet_bin};

/// What the test site answers: status line and HTML body.
type Page = Arc<Mutex<(u16, String)>>;

/// Serves the current `Page` to every connection until the test ends; returns the
/// URL, the page to change, and a counter of connections served.
fn site(status: u16, body: &str) -> (String, Page, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/shop/dongho", listener.local_addr().unwrap());
    let page: Page = Arc::new(Mutex::new((status, body.to_string())));
    let hits = Arc::new(AtomicUsize::new(0));
    let (served, counter) = (page.clone(), hits.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let (status, body) = served.lock().unwrap().clone();
            let html = format!(
                "<html><head><meta charset=\"utf-8\"><title>Shop Đồng Hồ</title></head><body>{body}</body></html>"
            );
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, page, hits)
}

/// A workspace that may reach loopback, with no wait between requests to a host.
fn workspace() -> TestWorkspace {
    let ws = TestWorkspace::with_profile();
    ws.run(&["config", "set", "capture.allow", "127.0.0.1"])
        .ok();
    ws.run(&["config", "set", "watch.host_gap_secs", "0"]).ok();
    ws
}

fn add(ws: &TestWorkspace, url: &str) -> String {
    let item = ws
        .run(&[
            "watch",
            "add",
            url,
            "--label",
            "Shop đồng hồ",
            "--interval",
            "1h",
        ])
        .ok()
        .json();
    assert_eq!(item["kind"], "url");
    assert_eq!(item["interval_secs"], 3600);
    item["id"].as_str().unwrap().to_string()
}

fn item(ws: &TestWorkspace, id: &str) -> Value {
    let list = ws.run(&["watch", "list"]).ok().json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
        .unwrap()
}

fn checked(run: &Value) -> Vec<Value> {
    run["checked"].as_array().unwrap().clone()
}

#[test]
fn a_page_that_changes_between_two_checks_shows_the_diff() {
    let ws = workspace();
    let (url, page, hits) = site(200, "<p>Rolex</p><p>Giá 1.200.000đ</p>");
    let id = add(&ws, &url);

    let first = ws.run(&["watch", "run"]).ok().json();
    let first = checked(&first);
    assert_eq!(first.len(), 1, "{first:?}");
    let snap = &first[0]["snapshot"];
    assert_eq!(snap["outcome"], "ok");
    assert_eq!(snap["http_status"], 200);
    assert_eq!(snap["changed"], false);
    let warc = snap["warc_sha256"].as_str().unwrap();
    assert!(ws.blob_path(warc).exists());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Checked an hour from now: a second run right away fetches nothing.
    let idle = ws.run(&["watch", "run"]).ok().json();
    assert!(checked(&idle).is_empty());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    page.lock().unwrap().1 = "<p>Rolex</p><p>Giá 990.000đ</p><p>Sắp hết hàng</p>".into();
    let second = ws.run(&["watch", "run", "--all"]).ok().json();
    let second = checked(&second);
    assert_eq!(second[0]["snapshot"]["changed"], true, "{second:?}");
    let listed = item(&ws, &id);
    assert_eq!(listed["changed_unseen"], true);
    assert!(listed["last_changed_at"].is_string());

    let diff = ws.run(&["watch", "diff", &id]).ok().json();
    assert_eq!(diff["from"]["id"], snap["id"]);
    assert_eq!(diff["to"]["id"], second[0]["snapshot"]["id"]);
    let changes: Vec<(String, String)> = diff["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["tag"] != "same")
        .map(|l| {
            (
                l["tag"].as_str().unwrap().to_string(),
                l["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        changes.contains(&("added".into(), "Sắp hết hàng".into())),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|(t, l)| t == "removed" && l.contains("1.200.000đ"))
    );
    assert!(
        changes
            .iter()
            .any(|(t, l)| t == "added" && l.contains("990.000đ"))
    );
    // Looking at the diff is seeing the change.
    assert_eq!(item(&ws, &id)["changed_unseen"], false);

    // Human output marks the lines.
    let text = ws.run_plain(&["watch", "diff", &id]).ok().stdout;
    assert!(text.contains("+ Sắp hết hàng"), "{text}");

    // An explicit pair, and an unknown snapshot.
    let from = snap["id"].as_i64().unwrap().to_string();
    ws.run(&["watch", "diff", &id, "--from", &from]).ok();
    ws.run(&["watch", "diff", &id, "--from", "999999"])
        .fails_with(3, "watch_not_found");
    ws.assert_verifies();
}

#[test]
fn down_and_blocking_sites_are_check_errors_and_the_rest_is_checked() {
    let ws = workspace();
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    let (forbidden, _, _) = site(403, "Access denied");
    let (limited, _, _) = site(429, "Too many requests");
    let (captcha, _, _) = site(200, "Please complete the captcha");
    let (good, _, _) = site(200, "<p>Rolex</p>");
    let ids: Vec<String> = [&down, &forbidden, &limited, &captcha, &good]
        .iter()
        .map(|u| add(&ws, u))
        .collect();
    // Everything as before: a baseline first, so an error could pass for a change.
    let run = ws.run(&["watch", "run", "--all"]).ok().json();
    assert_eq!(checked(&run).len(), 5, "{run}");
    let run = ws.run(&["watch", "run", "--all"]).ok().json();
    let by_id = |id: &str| {
        checked(&run)
            .into_iter()
            .find(|c| c["item_id"] == id)
            .unwrap()["snapshot"]
            .clone()
    };
    for (id, code) in ids
        .iter()
        .zip(["connect_failed", "blocked", "rate_limited", "captcha"])
    {
        let s = by_id(id);
        assert_eq!(s["outcome"], "error", "{s}");
        assert_eq!(s["error_code"], code, "{s}");
        assert_eq!(s["changed"], false);
        let listed = item(&ws, id);
        assert_eq!(listed["changed_unseen"], false);
        assert!(listed["last_error"].as_str().unwrap().starts_with(code));
        assert_eq!(listed["failures"], 2);
    }
    let ok = by_id(&ids[4]);
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(item(&ws, &ids[4])["failures"], 0);
    // Failed items back off: interval × 4 after two failures, the good one an interval.
    let next = |id: &str| item(&ws, id)["next_check_at"].as_str().unwrap().to_string();
    assert!(next(&ids[0]) > next(&ids[4]));
    let shown = ws.run_plain(&["watch", "show", &ids[1]]).ok().stdout;
    assert!(shown.contains("LỖI blocked"), "{shown}");
    ws.assert_verifies();
}

#[test]
fn a_watched_host_in_a_new_case_is_flagged_with_reasons() {
    let ws = workspace();
    let (url, _, _) = site(200, "<p>Rolex</p>");
    let id = add(&ws, &url);
    assert_eq!(item(&ws, &id)["new_flags"], 0);
    let code = ws
        .run(&[
            "case",
            "new",
            "--title",
            "Đồng hồ giả",
            "--category",
            "counterfeit_goods",
            "--product-group",
            "đồng hồ",
        ])
        .ok()
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    ws.run(&["capture", &url, "--case", &code]).ok();
    let listed = item(&ws, &id);
    assert_eq!(listed["new_flags"], 1, "{listed}");
    assert_eq!(listed["risk_score"], 20, "{listed}");

    let detail = ws.run(&["watch", "show", &id]).ok().json();
    assert_eq!(detail["flags"][0]["source"], "case");
    assert_eq!(detail["flags"][0]["label"], code.as_str());
    assert_eq!(detail["flags"][0]["seen"], false);
    assert_eq!(
        detail["classification"]["violation_categories"],
        serde_json::json!(["counterfeit_goods"])
    );
    assert_eq!(
        detail["classification"]["product_groups"],
        serde_json::json!(["đồng hồ"])
    );
    let reasons: Vec<(String, u64)> = detail["item"]["risk_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().into(),
                r["points"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![("cases".to_string(), 15), ("categories".to_string(), 5)]
    );
    // `show` was the user looking at it.
    assert_eq!(item(&ws, &id)["new_flags"], 0);
    let removed = ws.run(&["watch", "remove", &id[..8]]).ok().json();
    assert_eq!(removed["id"], id.as_str());
    ws.run(&["watch", "show", &id])
        .fails_with(3, "watch_not_found");
}

#[test]
fn loopback_is_refused_unless_allowed() {
    let ws = TestWorkspace::with_profile();
    let (url, _, hits) = site(200, "<p>Rolex</p>");
    let id = add(&ws, &url);
    let run = ws.run(&["watch", "run"]).ok().json();
    let s = &checked(&run)[0]["snapshot"];
    assert_eq!(s["error_code"], "policy_refused", "{s}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no request reached the site"
    );
    assert_eq!(item(&ws, &id)["changed_unseen"], false);
}

/// Private, link-local (cloud metadata) and CGNAT addresses, checked in a network
/// namespace of their own (`unshare -rn`: only a loopback interface), so a broken guard
/// could not reach a real network either.
#[test]
fn private_addresses_are_refused_by_the_network_policy() {
    let ws = TestWorkspace::with_profile();
    let targets = [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://192.168.1.1:8080/admin",
    ];
    for t in targets {
        add(&ws, t);
    }
    let out = Command::new("unshare")
        .args(["-rn"])
        .arg(truyvet_bin())
        .arg("--json")
        .arg("--workspace")
        .arg(&ws.root)
        .args(["watch", "run"])
        .env_remove(truyvet_tests::HOME_ENV)
        .output()
        .expect("running `unshare` (util-linux) failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_str(&stdout).unwrap();
    let checked = checked(&run);
    assert_eq!(checked.len(), targets.len());
    for c in checked {
        assert_eq!(c["snapshot"]["error_code"], "policy_refused", "{c}");
    }
}

#[test]
fn bad_watch_input_is_refused_and_nothing_is_lost() {
    let ws = TestWorkspace::with_profile();
    add(&ws, "https://dongho-sang.vn/");
    ws.run(&["watch", "add", "ftp://x.vn/"])
        .fails_with(3, "invalid_input");
    ws.run(&["watch", "add", "https://dongho-sang.vn/"])
        .fails_with(3, "invalid_input");
    ws.run(&["watch", "add", "https://x.vn/", "--interval", "10"])
        .fails_with(3, "invalid_input");
    ws.run(&["watch", "add", "https://x.vn/", "--interval", "soon"])
        .fails_with(3, "invalid_input");
    ws.run(&["watch", "show", "0000"])
        .fails_with(3, "watch_not_found");
    ws.run(&["config", "set", "watch.host_gap_secs", "99999"])
        .fails_with(3, "invalid_setting");
    let list = ws.run(&["watch", "list"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
