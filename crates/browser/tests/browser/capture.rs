//! Headless capture of the loopback site: exchanges with bodies, lazy loading by
//! scrolling, full-page screenshots, MHTML, rendered DOM, partial and failed captures.

use std::time::{Duration, Instant};

use truyvet_browser::{
    BrowserOptions, Error, HeaderSource, HeadlessBrowser, NetworkExchange, PartialReason,
    ProxySettings, ResponseBody, capture_page,
};

use crate::site::{self, Site};
use crate::{Image, mhtml_text, test_options};

fn exchange<'a>(exchanges: &'a [NetworkExchange], url: &str) -> &'a NetworkExchange {
    exchanges
        .iter()
        .find(|e| e.request.url == url)
        .unwrap_or_else(|| {
            let seen: Vec<&str> = exchanges.iter().map(|e| e.request.url.as_str()).collect();
            panic!("no exchange for {url}; recorded: {seen:#?}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketplace_listing_is_captured_whole() {
    let site = Site::start();
    let opts = test_options();
    let capture = capture_page(&site.url("/go"), &opts).await.unwrap();

    assert!(
        !capture.partial,
        "unexpected partial capture: {:?}",
        capture.partial_reasons
    );
    assert!(capture.partial_reasons.is_empty());
    assert_eq!(capture.requested_url, site.url("/go"));
    assert_eq!(capture.final_url, site.url("/cho"));
    assert_eq!(capture.title, site::LISTING_TITLE);
    assert_eq!(capture.main_status, Some(200));
    assert!(
        capture.user_agent.contains("Chrome/"),
        "{}",
        capture.user_agent
    );
    assert!(
        capture.browser_version.contains("Chrome/"),
        "{}",
        capture.browser_version
    );
    assert!(!capture.protocol_version.is_empty());
    assert!(capture.finished_at >= capture.started_at);

    // The redirect hop is its own exchange, without a body.
    let hop = &capture.exchanges[0];
    assert_eq!(hop.request.url, site.url("/go"));
    assert_eq!(hop.status(), Some(302));
    assert_eq!(
        hop.redirected_to.as_deref(),
        Some(site.url("/cho").as_str())
    );
    assert!(matches!(hop.body, ResponseBody::Unavailable { .. }));

    // Every resource of the page, with status, the exact body, and where it came from.
    for path in [
        "/cho",
        "/style.css",
        "/app.js",
        "/api/listing.json",
        "/img/logo.png",
        "/lazy/1.png",
        "/lazy/2.png",
    ] {
        let e = exchange(&capture.exchanges, &site.url(path));
        let response = e
            .response
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no response"));
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(e.request.method, "GET", "{path}");
        assert!(!e.pending, "{path}");
        assert_eq!(
            e.body.bytes(),
            Some(site::content(path).unwrap().as_slice()),
            "{path}: body differs from what the server sent ({:?})",
            e.body
        );
        assert_eq!(response.remote_ip.as_deref(), Some("127.0.0.1"), "{path}");
        assert_eq!(response.remote_port, Some(site.port), "{path}");
        assert_eq!(response.http_version, "HTTP/1.1", "{path}");
        assert_eq!(response.headers_source, HeaderSource::WireText, "{path}");
        let text = response.headers_text.as_deref().unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{path}: {text}");
        // The raw block keeps the server's order: Content-Type, Content-Length, X-Test-Site.
        let names: Vec<&str> = response.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "Content-Length",
                "X-Test-Site",
                "Connection"
            ],
            "{path}"
        );
        let request_headers = site::header_map(&e.request.headers);
        assert!(
            request_headers.contains_key("user-agent"),
            "{path}: {:?}",
            e.request.headers
        );
        assert!(e.timing.wall_time.is_some_and(|t| t > 1.6e9), "{path}");
        assert!(e.timing.finished_time.is_some(), "{path}");
    }
    assert_eq!(
        exchange(&capture.exchanges, &site.url("/api/listing.json"))
            .resource_type
            .as_deref(),
        Some("Fetch")
    );
    // Nothing left without a body except the redirect hop.
    for e in &capture.exchanges {
        if e.status() == Some(200) {
            assert!(e.body.bytes().is_some(), "{}: {:?}", e.request.url, e.body);
        }
    }

    // The rendered DOM, not the HTML the server sent: text added by script after load.
    let dom = capture.dom_html.as_deref().unwrap();
    assert!(dom.starts_with("<!DOCTYPE html>"), "{}", &dom[..40]);
    assert!(
        dom.contains(site::SCRIPT_NOTE),
        "script-inserted text missing from DOM"
    );
    assert!(dom.contains(site::API_NOTE));
    let raw_html = String::from_utf8(site::content("/cho").unwrap()).unwrap();
    assert!(!raw_html.contains(site::SCRIPT_NOTE));
    let text = capture.visible_text.as_deref().unwrap();
    assert!(text.contains(site::SELLER_TEXT), "{text}");
    assert!(text.contains(site::API_NOTE), "{text}");

    // MHTML with the page's (Vietnamese) text.
    let mhtml = capture.mhtml.as_deref().unwrap();
    let mhtml = mhtml_text(mhtml);
    assert!(
        mhtml.contains("Content-Type: multipart/related"),
        "{}",
        &mhtml[..300]
    );
    assert!(
        mhtml.contains(site::SELLER_TEXT),
        "seller text missing from MHTML"
    );
    assert!(
        mhtml.contains(site::SCRIPT_NOTE),
        "MHTML is not the rendered page"
    );

    // A full-page PNG: taller than the viewport, with both colour blocks painted.
    let shot = capture.screenshot.as_ref().unwrap();
    let image = Image::decode(&shot.png);
    assert_eq!((image.width, image.height), (shot.width, shot.height));
    assert_eq!(image.width, opts.viewport.width);
    assert!(!shot.clipped);
    assert_eq!(shot.height, shot.page_height);
    assert!(
        image.height > 3000,
        "not full-page: {} px high",
        image.height
    );
    assert!(image.variance() > 100.0, "blank screenshot");
    assert!(
        image.count(site::TOP_COLOUR) >= 600 * 300 * 95 / 100,
        "top block not painted"
    );
    let bottom_rows = image.rows_with(site::BOTTOM_COLOUR, 500);
    assert!(
        bottom_rows.len() >= 190,
        "bottom block not painted: {} rows",
        bottom_rows.len()
    );
    assert!(
        bottom_rows[0] > 3000,
        "bottom block at row {}",
        bottom_rows[0]
    );

    assert!(capture.scroll.reached_bottom, "{:?}", capture.scroll);
    assert!(capture.scroll.steps >= 3, "{:?}", capture.scroll);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lazy_images_are_requested_only_because_of_the_scroll() {
    let site = Site::start();
    let no_scroll = BrowserOptions {
        max_scroll_steps: 0,
        ..test_options()
    };
    let capture = capture_page(&site.url("/cho"), &no_scroll).await.unwrap();
    assert_eq!(capture.scroll.steps, 0);
    assert!(!capture.partial, "{:?}", capture.partial_reasons);
    let lazy: Vec<&str> = capture
        .exchanges
        .iter()
        .map(|e| e.request.url.as_str())
        .filter(|u| u.contains("/lazy/"))
        .collect();
    assert!(
        lazy.is_empty(),
        "lazy images loaded without scrolling: {lazy:?}"
    );
    assert!(!site.served().iter().any(|p| p.starts_with("/lazy/")));
    // The eager image is there, so the recorder was working.
    exchange(&capture.exchanges, &site.url("/img/logo.png"));

    let scrolled = capture_page(&site.url("/cho"), &test_options())
        .await
        .unwrap();
    exchange(&scrolled.exchanges, &site.url("/lazy/1.png"));
    exchange(&scrolled.exchanges, &site.url("/lazy/2.png"));
}

/// The product's own pacing (a short pause after a step, a longer one only when the
/// step started requests) still gets every lazy image.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_scroll_pacing_keeps_lazy_images() {
    let site = Site::start();
    let defaults = BrowserOptions::default();
    let opts = BrowserOptions {
        scroll_settle: defaults.scroll_settle,
        scroll_step_delay: defaults.scroll_step_delay,
        ..test_options()
    };
    assert!(opts.scroll_settle < opts.scroll_step_delay);
    let capture = capture_page(&site.url("/cho"), &opts).await.unwrap();
    assert!(capture.scroll.reached_bottom, "{:?}", capture.scroll);
    assert!(!capture.partial, "{:?}", capture.partial_reasons);
    for lazy in ["/lazy/1.png", "/lazy/2.png"] {
        let e = exchange(&capture.exchanges, &site.url(lazy));
        assert_eq!(e.body.bytes(), site::content(lazy).as_deref(), "{lazy}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_finishes_loading_is_captured_and_marked_partial() {
    let site = Site::start();
    let opts = BrowserOptions {
        load_timeout: Duration::from_secs(3),
        network_idle_timeout: Duration::from_secs(1),
        ..test_options()
    };
    let started = Instant::now();
    let capture = capture_page(&site.url("/hang"), &opts).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );

    assert!(capture.partial);
    assert!(
        capture
            .partial_reasons
            .contains(&PartialReason::LoadTimeout { waited_ms: 3000 }),
        "{:?}",
        capture.partial_reasons
    );
    let never = site.url("/never.png");
    assert!(
        capture.partial_reasons.iter().any(|r| matches!(
            r,
            PartialReason::NetworkNotIdle { pending } if pending.contains(&never)
        )),
        "{:?}",
        capture.partial_reasons
    );
    let stalled = exchange(&capture.exchanges, &never);
    assert!(stalled.pending);
    assert!(stalled.body.bytes().is_none());
    // What the page did show is kept.
    assert_eq!(capture.main_status, Some(200));
    assert!(
        capture
            .dom_html
            .as_deref()
            .unwrap()
            .contains("Trang đang tải mãi")
    );
    let image = Image::decode(&capture.screenshot.as_ref().unwrap().png);
    assert!(image.count(site::TOP_COLOUR) >= 300 * 200 * 95 / 100);
    assert!(capture.mhtml.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_errors_and_a_404_is_a_capture() {
    let site = Site::start();
    let opts = BrowserOptions {
        load_timeout: Duration::from_secs(3),
        ..test_options()
    };
    // One browser for several captures (each in its own context).
    let browser = HeadlessBrowser::launch(&opts).await.unwrap();

    let silent = browser.capture(&site.url("/silent")).await.unwrap_err();
    assert!(
        matches!(
            silent,
            Error::NoResponse {
                waited_ms: 3000,
                ..
            }
        ),
        "{silent:?}"
    );

    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = browser
        .capture(&format!("http://127.0.0.1:{closed_port}/"))
        .await
        .unwrap_err();
    match &refused {
        Error::Navigation { reason, .. } => {
            assert!(reason.contains("ERR_CONNECTION_REFUSED"), "{reason}")
        }
        other => panic!("expected a navigation error, got {other:?}"),
    }

    let missing = browser.capture(&site.url("/khong-co")).await.unwrap();
    assert_eq!(missing.main_status, Some(404));
    assert_eq!(missing.title, "Không tìm thấy");
    assert!(!missing.partial, "{:?}", missing.partial_reasons);

    // After all that, the same browser still captures normally.
    let fine = browser.capture(&site.url("/page2")).await.unwrap();
    assert_eq!(fine.main_status, Some(200));
    assert_eq!(fine.title, "Trang thứ hai");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_very_tall_page_is_cut_at_the_height_limit() {
    let site = Site::start();
    let opts = BrowserOptions {
        max_screenshot_height: 5000,
        max_scroll_steps: 3,
        ..test_options()
    };
    let capture = capture_page(&site.url("/tall"), &opts).await.unwrap();
    let shot = capture.screenshot.as_ref().unwrap();
    assert!(shot.clipped);
    assert!(shot.page_height >= 30_000, "{}", shot.page_height);
    let image = Image::decode(&shot.png);
    assert_eq!((image.width, image.height), (1280, 5000));
    assert!(image.count(site::TOP_COLOUR) >= 600 * 300 * 95 / 100);
    assert!(!capture.scroll.reached_bottom);
    assert_eq!(capture.scroll.steps, 3);
    assert!(
        capture
            .scroll
            .stopped_by
            .as_deref()
            .unwrap()
            .contains("step limit"),
        "{:?}",
        capture.scroll
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_resolver_rules_keep_a_named_host_on_loopback() {
    let site = Site::start();
    let opts = BrowserOptions {
        proxy: ProxySettings {
            host_resolver_rules: Some("MAP cho-pho-co.test 127.0.0.1".into()),
            ..ProxySettings::default()
        },
        ..test_options()
    };
    let url = format!("http://cho-pho-co.test:{}/page2", site.port);
    let capture = capture_page(&url, &opts).await.unwrap();
    assert_eq!(capture.main_status, Some(200));
    let main = exchange(&capture.exchanges, &url);
    assert_eq!(
        main.response.as_ref().unwrap().remote_ip.as_deref(),
        Some("127.0.0.1")
    );
    let host = site::header_map(&main.request.headers).get("host").cloned();
    assert_eq!(host, Some(format!("cho-pho-co.test:{}", site.port)));
}
