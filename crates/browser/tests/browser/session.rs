//! The visible capture browser under a private Xvfb display: visits are reported,
//! captured automatically unless paused, "capture now" works, new tabs and history-API
//! navigations are followed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use truyvet_browser::{
    BrowserOptions, BrowserSession, PageCapture, SessionEvent, Visit, VisitKind, launch_visible,
};

use crate::site::{self, Site};
use crate::{Image, test_options};

const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A private X server; `-displayfd` makes it pick a free display number itself.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1440x960x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}): `sudo apt-get install xvfb`"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not report a display");
        Xvfb {
            display: format!(":{number}"),
            child,
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn next(session: &mut BrowserSession) -> SessionEvent {
    tokio::time::timeout(EVENT_TIMEOUT, session.next_event())
        .await
        .expect("no session event in time")
        .expect("the capture browser went away")
}

async fn next_visit(session: &mut BrowserSession) -> Visit {
    match next(session).await {
        SessionEvent::Visited(visit) => visit,
        other => panic!("expected a visit, got {other:?}"),
    }
}

async fn next_capture(session: &mut BrowserSession) -> (Visit, PageCapture) {
    match next(session).await {
        SessionEvent::Captured { visit, result } => (visit, (*result).unwrap()),
        other => panic!("expected a capture, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capture_browser_reports_and_captures_every_visit() {
    let site = Site::start();
    let xvfb = Xvfb::start();
    let profile = tempfile::tempdir().unwrap();
    let opts = BrowserOptions {
        display: Some(xvfb.display.clone()),
        ..test_options()
    };
    let mut session = launch_visible(profile.path(), &opts).await.unwrap();
    assert!(session.is_running());
    assert!(!session.is_paused());

    // A visit is reported, then captured automatically with its page load's traffic.
    let listing = site.url("/cho");
    session.navigate(&listing).await.unwrap();
    let visit = next_visit(&mut session).await;
    assert_eq!(visit.url, listing);
    assert_eq!(visit.kind, VisitKind::Load);
    let (captured_visit, capture) = next_capture(&mut session).await;
    assert_eq!(captured_visit, visit);
    assert_eq!(capture.requested_url, listing);
    assert_eq!(capture.final_url, listing);
    assert_eq!(capture.title, site::LISTING_TITLE);
    assert_eq!(capture.main_status, Some(200));
    assert!(
        capture
            .dom_html
            .as_deref()
            .unwrap()
            .contains(site::SCRIPT_NOTE)
    );
    for path in [
        "/cho",
        "/style.css",
        "/app.js",
        "/api/listing.json",
        "/img/logo.png",
    ] {
        let e = capture
            .exchanges
            .iter()
            .find(|e| e.request.url == site.url(path))
            .unwrap_or_else(|| panic!("{path} not recorded"));
        assert_eq!(
            e.body.bytes(),
            Some(site::content(path).unwrap().as_slice()),
            "{path}"
        );
    }
    // Scrolling in the visible window triggers the lazy images too.
    assert!(
        capture
            .exchanges
            .iter()
            .any(|e| e.request.url == site.url("/lazy/2.png"))
    );
    let image = Image::decode(&capture.screenshot.as_ref().unwrap().png);
    assert!(image.height > 3000, "{}", image.height);
    assert!(
        image.count(site::TOP_COLOUR) > 0,
        "top block not in the screenshot"
    );
    let first_tab = visit.tab.clone();

    // Paused: visits are still reported, nothing is captured.
    session.pause();
    assert!(session.is_paused());
    let second = site.url("/page2");
    session.navigate(&second).await.unwrap();
    let visit = next_visit(&mut session).await;
    assert_eq!(visit.url, second);
    let quiet = tokio::time::timeout(Duration::from_secs(2), session.next_event()).await;
    assert!(quiet.is_err(), "an event while paused: {quiet:?}");

    // "Capture now" takes the current page, paused or not, with its own traffic only.
    let now = session.capture_now().await.unwrap();
    assert_eq!(now.final_url, second);
    assert_eq!(now.title, "Trang thứ hai");
    assert_eq!(now.main_status, Some(200));
    assert!(
        now.exchanges
            .iter()
            .all(|e| !e.request.url.contains("/cho"))
    );
    assert!(
        now.exchanges
            .iter()
            .any(|e| e.request.url == site.url("/img/logo.png"))
    );
    assert_eq!(
        session.current_page(),
        Some((first_tab.clone(), Some(second.clone())))
    );

    // Resumed: a new tab is followed from its first request, and a history-API
    // navigation in it is a visit of its own.
    session.resume();
    let tab = session.open_tab(&site.url("/spa")).await.unwrap();
    assert_ne!(tab, first_tab);
    let visit = next_visit(&mut session).await;
    assert_eq!(
        (visit.tab.as_str(), visit.url.as_str()),
        (tab.as_str(), site.url("/spa").as_str())
    );
    let mut saw_item = false;
    let mut captures = 0;
    while !(saw_item && captures == 2) {
        match next(&mut session).await {
            SessionEvent::Captured { visit, result } => {
                let capture = (*result).unwrap();
                assert_eq!(capture.requested_url, visit.url);
                // The page may push its new URL before the snapshot is taken.
                assert!(
                    capture.final_url.starts_with(&site.url("/spa")),
                    "{}",
                    capture.final_url
                );
                if visit.kind == VisitKind::Load {
                    assert_eq!(capture.main_status, Some(200));
                    assert!(
                        capture
                            .exchanges
                            .iter()
                            .any(|e| e.request.url == site.url("/spa"))
                    );
                }
                captures += 1;
            }
            SessionEvent::Visited(visit) => {
                assert_eq!(visit.url, site.url("/spa/item-42"));
                assert_eq!(visit.kind, VisitKind::SameDocument);
                assert_eq!(visit.tab, tab);
                saw_item = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    session.close().await;
    drop(xvfb);
}
