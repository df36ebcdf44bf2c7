//! `truyvet capture` of several URLs at once: pages are fetched ahead while earlier ones
//! are stored, yet every acknowledgement comes after its page is stored, in the order
//! the URLs were given, with failed pages reported in their place. With `--browser`,
//! one Chromium serves the batch while each page keeps a fresh context of its own
//! (no cookie or storage from an earlier page) and its own list of refused requests.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use truyvet_tests::TestWorkspace;

/// What a request to the test site looked like.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    cookie: Option<String>,
}

/// A loopback site answering from `route` (path → status, extra headers, body, delay),
/// one thread per connection, recording every request and the most requests it had
/// in progress at once.
struct Site {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    most_at_once: Arc<AtomicUsize>,
}

type Route = fn(&str) -> (u16, Vec<(&'static str, String)>, String, Duration);

impl Site {
    fn start(route: Route) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let (log, most) = (seen.clone(), most_at_once.clone());
        let now = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, most, now) = (log.clone(), most.clone(), now.clone());
                std::thread::spawn(move || {
                    let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(at_once, Ordering::SeqCst);
                    answer(stream, route, &log);
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Site {
            base,
            seen,
            most_at_once,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(stream: TcpStream, route: Route, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut cookie = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("cookie")
        {
            cookie = Some(value.trim().to_string());
        }
    }
    log.lock().unwrap().push(Seen {
        path: path.clone(),
        cookie,
    });
    let (status, headers, body, delay) = route(&path);
    std::thread::sleep(delay);
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn listing(path: &str) -> (u16, Vec<(&'static str, String)>, String, Duration) {
    // The first page is slow: the pages after it are fetched meanwhile and must
    // still be acknowledged after it.
    let delay = if path == "/tin/0" {
        Duration::from_millis(400)
    } else {
        Duration::ZERO
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tin đăng {path}</title></head>\
         <body><p>Đồng hồ giả, trang {path}</p></body></html>"
    );
    (200, Vec::new(), body, delay)
}

#[test]
fn a_batch_is_acknowledged_in_url_order_each_page_after_it_is_stored() {
    let site = Site::start(listing);
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Lô tin đăng");
    let mut urls: Vec<String> = (0..10).map(|i| site.url(&format!("/tin/{i}"))).collect();
    // Two pages fail, in the middle of the batch: one refused by the policy (only
    // 127.0.0.1 is allowed), one whose server is gone.
    urls[2] = "http://127.0.0.2:9/bi-chan".into();
    urls[5] = format!("http://127.0.0.1:{closed_port}/mat-ket-noi");
    let mut args = vec!["capture".to_string()];
    args.extend(urls.iter().cloned());
    args.extend(["--case", &code, "--allow", "127.0.0.1"].map(String::from));
    let run = ws.run(&args);
    assert_eq!(run.code, 6, "some pages failed: {run}");

    let acks = run.json_lines();
    let expected: Vec<&String> = urls
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2 && *i != 5)
        .map(|(_, u)| u)
        .collect();
    let acked: Vec<&str> = acks.iter().map(|a| a["url"].as_str().unwrap()).collect();
    assert_eq!(acked, expected, "acknowledged in URL order: {run}");
    let errors: Vec<Value> = run
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(errors.len(), 2, "{run}");
    assert!(
        errors[0].to_string().contains("policy_refused"),
        "{errors:?}"
    );
    assert!(
        errors[1].to_string().contains("connect_failed"),
        "{errors:?}"
    );
    assert!(
        site.most_at_once.load(Ordering::SeqCst) >= 2,
        "pages were fetched ahead while the slow first page was still loading"
    );

    // Every acknowledged page is stored, logged in the same order, and verifies.
    let shown = ws.run(&["case", "show", &code]).ok().json();
    let items = shown["evidence"].as_array().unwrap();
    assert_eq!(items.len(), expected.len(), "{shown}");
    let log = ws.run(&["log", "--case", &code]).ok().json();
    let logged: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "capture_added")
        .map(|e| e["payload"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(logged, expected, "custody events in URL order");
    for ack in &acks {
        let id = ack["evidence"]["id"].as_str().unwrap();
        assert!(
            items.iter().any(|i| i["id"] == id),
            "acknowledged {id} is in the case"
        );
    }
    ws.assert_verifies();
    let hits = ws.run(&["search", "dong ho gia"]).ok().json();
    assert_eq!(hits.as_array().unwrap().len(), expected.len(), "{hits}");
}

/// Pages for the browser batch: the first leaves a cookie and local storage behind,
/// the second tries to reach a refused address, the third shows what it inherited.
fn browser_pages(path: &str) -> (u16, Vec<(&'static str, String)>, String, Duration) {
    let page = |title: &str, body: &str| {
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body>{body}</body></html>"
        )
    };
    let none = Vec::new;
    let zero = Duration::ZERO;
    match path {
        "/de-lai-dau-vet" => (
            200,
            vec![("Set-Cookie", "phien=dang-nhap; Path=/".into())],
            page(
                "Trang một",
                "<p>Trang một</p><script>localStorage.setItem('gio-hang', 'đầy');\
                 document.cookie = 'theo-doi=1; path=/';</script>",
            ),
            zero,
        ),
        "/xem-dau-vet" => (
            200,
            none(),
            page(
                "Trang ba",
                "<p id=\"v\"></p><script>document.getElementById('v').textContent = \
                 'cookie=[' + document.cookie + '] kho=[' + (localStorage.getItem('gio-hang') || '') + ']';</script>",
            ),
            zero,
        ),
        _ => (404, none(), page("Không có", "<p>Không có</p>"), zero),
    }
}

#[test]
fn a_browser_batch_shares_one_chromium_but_no_state_between_pages() {
    let forbidden = TcpListener::bind("127.0.0.2:0").unwrap();
    let forbidden_addr = forbidden.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in forbidden.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let site = Site::start(browser_pages);
    // The hostile page is served by a second site, so its HTML can name the address.
    let hostile: &'static str = Box::leak(
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Trang hai</title></head>\
             <body><img src=\"http://{forbidden_addr}/latest/meta-data/\"><p>Trang hai</p></body></html>"
        )
        .into_boxed_str(),
    );
    let (hostile_url, _) = crate::capture::serve_page(hostile);
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Lô trang bằng trình duyệt");
    let urls = [
        site.url("/de-lai-dau-vet"),
        hostile_url.clone(),
        site.url("/xem-dau-vet"),
    ];
    let mut args = vec!["capture".to_string(), "--browser".to_string()];
    args.extend(urls.iter().cloned());
    args.extend(["--case", &code, "--allow", "127.0.0.1"].map(String::from));
    let run = ws.run(&args).ok();
    let acks = run.json_lines();
    assert_eq!(acks.len(), 3, "{run}");
    let manifests: Vec<Value> = acks
        .iter()
        .map(|a| {
            serde_json::from_slice(
                &std::fs::read(ws.blob_path(a["evidence"]["sha256"].as_str().unwrap())).unwrap(),
            )
            .unwrap()
        })
        .collect();
    for (i, (ack, manifest)) in acks.iter().zip(&manifests).enumerate() {
        assert_eq!(ack["url"], urls[i].as_str(), "acknowledged in URL order");
        let session = &manifest["metadata"]["browser_session"];
        assert_eq!(session["page_in_session"], i + 1, "{session}");
        assert_eq!(session["browser_reused"], i > 0, "{session}");
        assert_eq!(session["fresh_context"], true, "{session}");
    }

    // Nothing of the first page reached the third: no cookie sent, none visible, no
    // local storage.
    let third = site
        .seen()
        .into_iter()
        .find(|s| s.path == "/xem-dau-vet")
        .expect("the third page was requested");
    assert_eq!(third.cookie, None, "a cookie from the first page was sent");
    let shown = ws.run(&["search", "cookie"]).ok().json();
    let snippet = shown[0]["snippet"].as_str().unwrap_or_default();
    assert!(snippet.contains("cookie=[] kho=[]"), "{shown}");

    // Each page lists only what the policy refused for it.
    let refused: Vec<String> = manifests
        .iter()
        .map(|m| m["metadata"]["refused_by_policy"].to_string())
        .collect();
    assert!(
        refused[1].contains(&forbidden_addr.to_string()),
        "{refused:?}"
    );
    assert_eq!(refused[0], "[]", "{refused:?}");
    assert_eq!(refused[2], "[]", "{refused:?}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the refused address was reached"
    );
    ws.assert_verifies();
}
