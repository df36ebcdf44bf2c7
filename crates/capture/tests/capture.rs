//! HTTP capture against the loopback test site; every WARC is checked by our reader
//! and by warcio (`check` and `index`), and the digests must agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::*;
use truyvet_capture::warc::{Digest, read_warc, verify_warc};
use truyvet_capture::{CaptureOptions, ErrorCode, HttpCapture, NetworkPolicy, WarcWriter, capture};

fn policy() -> NetworkPolicy {
    NetworkPolicy::default().allow("127.0.0.1/32").unwrap()
}

fn opts() -> CaptureOptions {
    CaptureOptions {
        investigator: Some("Nguyễn Văn An (QLTT Hà Nội)".into()),
        device: Some("LAPTOP-QLTT-07".into()),
        ..CaptureOptions::default()
    }
}

struct Run {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    result: truyvet_capture::Result<HttpCapture>,
}

async fn run(url: &str, o: &CaptureOptions, p: &NetworkPolicy) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.warc.gz");
    let mut w = WarcWriter::create(&path).unwrap();
    w.write_warcinfo(&[("operator", "Đội QLTT số 1")]).unwrap();
    let result = capture(url, o, p, &mut w).await;
    let fin = w.finish().unwrap();
    assert_eq!(fin.sha256, Digest::of(&std::fs::read(&path).unwrap()));
    Run {
        _dir: dir,
        path,
        result,
    }
}

/// Our reader and warcio agree on every record, offset and digest.
fn validate(path: &Path, cap: Option<&HttpCapture>) -> Vec<truyvet_capture::warc::ReadRecord> {
    let ours = verify_warc(path).unwrap();
    let index = warcio_validate(path, ours.len());
    for (r, line) in ours.iter().zip(&index) {
        assert_eq!(
            line["offset"].as_str().unwrap().parse::<u64>().unwrap(),
            r.offset
        );
        assert_eq!(line["warc-record-id"].as_str(), r.header("WARC-Record-ID"));
        assert_eq!(
            line["warc-block-digest"].as_str(),
            r.header("WARC-Block-Digest")
        );
        assert_eq!(
            line["warc-payload-digest"].as_str(),
            r.header("WARC-Payload-Digest")
        );
        assert_eq!(r.block_digest_ok, Some(true));
    }
    if let Some(cap) = cap {
        for hop in &cap.hops {
            for rec in [&hop.request, &hop.response] {
                let line = index
                    .iter()
                    .find(|l| l["warc-record-id"].as_str() == Some(rec.id.as_str()))
                    .expect("record in warcio index");
                assert_eq!(
                    line["offset"].as_str().unwrap().parse::<u64>().unwrap(),
                    rec.offset
                );
                assert_eq!(
                    line["warc-block-digest"].as_str().unwrap(),
                    rec.block_digest.to_warc()
                );
                assert_eq!(
                    line["warc-payload-digest"].as_str().unwrap(),
                    rec.payload_digest.unwrap().to_warc()
                );
                assert_eq!(
                    line["warc-ip-address"].as_str().unwrap(),
                    hop.server_addr.ip().to_string()
                );
            }
        }
        let meta = ours
            .iter()
            .find(|r| r.header("WARC-Record-ID") == Some(cap.metadata_record.id.as_str()));
        let meta = meta.expect("metadata record");
        assert_eq!(
            meta.header("WARC-Refers-To"),
            Some(cap.hops.last().unwrap().response.id.as_str())
        );
        let json: serde_json::Value = serde_json::from_slice(&meta.block).unwrap();
        assert_eq!(json, cap.metadata);
    }
    ours
}

#[tokio::test]
async fn utf8_page_and_metadata() {
    let site = Site::start();
    let r = run(&site.url("/listing"), &opts(), &policy()).await;
    let cap = r.result.unwrap();
    assert_eq!(cap.status, 200);
    assert!(cap.partial.is_none());
    assert_eq!(cap.server_addr, site.addr);
    assert_eq!(cap.content_digest, Some(Digest::of(PAGE_UTF8.as_bytes())));
    assert_eq!(cap.payload_digest, Digest::of(PAGE_UTF8.as_bytes()));
    assert!(
        cap.text
            .as_deref()
            .unwrap()
            .contains("Đồng hồ Rolex Submariner")
    );
    let m = &cap.metadata;
    assert_eq!(m["outcome"], "complete");
    assert_eq!(m["investigator"], "Nguyễn Văn An (QLTT Hà Nội)");
    assert_eq!(m["device"], "LAPTOP-QLTT-07");
    assert_eq!(m["server_ip"], "127.0.0.1");
    assert_eq!(m["status"], 200);
    assert!(m["tool"].as_str().unwrap().starts_with("TruyVet/"));
    assert!(m["started_utc"].as_str().unwrap().ends_with('Z'));
    assert!(m["started_local"].is_string());
    let recs = validate(&r.path, Some(&cap));
    let types: Vec<_> = recs.iter().map(|r| r.warc_type().to_string()).collect();
    assert_eq!(types, ["warcinfo", "request", "response", "metadata"]);
    // The response record holds the exact bytes the server sent, head included.
    let resp = &recs[2];
    assert!(resp.block.starts_with(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: TestSite/1\r\n"
    ));
    assert_eq!(resp.payload(), PAGE_UTF8.as_bytes());
    assert_eq!(
        resp.header("WARC-Warcinfo-ID"),
        recs[0].header("WARC-Record-ID")
    );
    assert_eq!(
        resp.header("WARC-Concurrent-To"),
        recs[1].header("WARC-Record-ID")
    );
    assert_eq!(
        recs[1].header("WARC-Concurrent-To"),
        resp.header("WARC-Record-ID")
    );
    assert!(
        recs[1]
            .block
            .starts_with(b"GET /listing HTTP/1.1\r\nHost: 127.0.0.1:")
    );
}

#[tokio::test]
async fn redirect_chain_301_302_307_relative_and_absolute_with_gzip() {
    let site = Site::start();
    let r = run(&site.url("/r302"), &opts(), &policy()).await;
    let cap = r.result.unwrap();
    let statuses: Vec<u16> = cap.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [302, 307, 200]);
    assert_eq!(cap.final_url, site.url("/gzip"));
    // Stored raw (gzip as on the wire); decoded separately for search.
    assert_ne!(cap.payload_digest, Digest::of(PAGE_UTF8.as_bytes()));
    assert_eq!(cap.content_digest, Some(Digest::of(PAGE_UTF8.as_bytes())));
    assert!(cap.text.unwrap().contains("Shop Hàng Hiệu Giá Tốt"));
    let recs = validate(&r.path, None);
    assert_eq!(recs.len(), 1 + 3 * 2 + 1);

    let r = run(&site.url("/r301"), &opts(), &policy()).await;
    let cap = r.result.unwrap();
    assert_eq!(
        cap.hops.iter().map(|h| h.status).collect::<Vec<_>>(),
        [301, 200]
    );
    assert_eq!(cap.final_url, site.url("/listing"));
    validate(&r.path, Some(&cap));
}

#[tokio::test]
async fn windows_1258_page_is_decoded_for_search() {
    let site = Site::start();
    let r = run(&site.url("/1258"), &opts(), &policy()).await;
    let cap = r.result.unwrap();
    assert_eq!(cap.text_encoding, Some("windows-1258"));
    assert!(
        cap.text.as_deref().unwrap().contains(TEXT_1258),
        "{:?}",
        cap.text
    );
    assert_eq!(cap.payload_digest, Digest::of(&page_1258()));
    validate(&r.path, Some(&cap));
}

#[tokio::test]
async fn chunked_and_gzip_chunked_are_kept_raw_and_decoded() {
    let site = Site::start();
    for path in ["/chunked", "/gzip-chunked"] {
        let r = run(&site.url(path), &opts(), &policy()).await;
        let cap = r.result.unwrap();
        assert!(cap.partial.is_none(), "{path}");
        assert_eq!(
            cap.content_digest,
            Some(Digest::of(PAGE_UTF8.as_bytes())),
            "{path}"
        );
        assert!(cap.text.as_deref().unwrap().contains("STK Vietcombank"));
        let recs = validate(&r.path, Some(&cap));
        let payload = recs[2].payload();
        assert!(
            payload.windows(8).any(|w| w == b";ext=v\r\n"),
            "chunk framing kept"
        );
        assert!(payload.ends_with(b"0\r\nX-Trailer: xong\r\n\r\n"));
    }
}

#[tokio::test]
async fn http10_body_until_close() {
    let site = Site::start();
    let r = run(&site.url("/until-close"), &opts(), &policy()).await;
    let cap = r.result.unwrap();
    assert_eq!(cap.text.as_deref(), Some("Hàng giả, hàng nhái"));
    validate(&r.path, Some(&cap));
}

#[tokio::test]
async fn pdf_and_png_are_stored_as_is() {
    let site = Site::start();
    for (path, bytes, ct) in [
        ("/pdf", pdf_bytes(), "application/pdf"),
        ("/png", PNG_1X1.to_vec(), "image/png"),
    ] {
        let r = run(&site.url(path), &opts(), &policy()).await;
        let cap = r.result.unwrap();
        assert_eq!(cap.content_type.as_deref(), Some(ct));
        assert!(cap.text.is_none());
        assert_eq!(cap.payload_digest, Digest::of(&bytes));
        let recs = validate(&r.path, Some(&cap));
        assert_eq!(recs[2].payload(), &bytes[..]);
    }
}

#[tokio::test]
async fn huge_page_is_kept_partial_and_marked() {
    let site = Site::start();
    let o = CaptureOptions {
        max_response_bytes: 2 * 1024 * 1024,
        ..opts()
    };
    let r = run(&site.url("/huge"), &o, &policy()).await;
    let cap = r.result.unwrap();
    let p = cap.partial.as_ref().expect("must be marked partial");
    assert_eq!(p.code, ErrorCode::ResponseTooLarge);
    assert!(p.message.contains("max_response_bytes"));
    assert_eq!(cap.metadata["outcome"], "partial");
    let recs = validate(&r.path, Some(&cap));
    let resp = &recs[2];
    assert_eq!(resp.header("WARC-Truncated"), Some("length"));
    assert_eq!(resp.block.len() as u64, o.max_response_bytes);
}

#[tokio::test]
async fn redirect_loop_names_the_limit() {
    let site = Site::start();
    let r = run(&site.url("/loop"), &opts(), &policy()).await;
    let err = r.result.unwrap_err();
    assert_eq!(err.code, ErrorCode::TooManyRedirects);
    assert!(err.message.contains("max_redirects = 10"), "{err}");
    assert!(err.message.contains("loops"), "{err}");
    // The hops seen are kept and explained by a failure metadata record.
    let recs = validate(&r.path, None);
    assert_eq!(recs.len(), 1 + 11 * 2 + 1);
    let meta: serde_json::Value = serde_json::from_slice(&recs.last().unwrap().block).unwrap();
    assert_eq!(meta["outcome"], "failed");
    assert_eq!(meta["error"]["code"], "too_many_redirects");

    let o = CaptureOptions {
        max_redirects: 1,
        ..opts()
    };
    let r = run(&site.url("/r302"), &o, &policy()).await;
    assert_eq!(r.result.unwrap_err().code, ErrorCode::TooManyRedirects);
}

#[tokio::test]
async fn slow_loris_is_cut_within_the_bounds() {
    let site = Site::start();
    // Body trickles a byte every 150 ms: the idle timeout never fires, the total does.
    let o = CaptureOptions {
        total_timeout: Duration::from_millis(1500),
        idle_timeout: Duration::from_secs(1),
        ..opts()
    };
    let t = Instant::now();
    let r = run(&site.url("/slow"), &o, &policy()).await;
    let elapsed = t.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    let cap = r.result.unwrap();
    let p = cap.partial.as_ref().expect("partial");
    assert_eq!(p.code, ErrorCode::TotalTimeout);
    let recs = validate(&r.path, Some(&cap));
    assert_eq!(recs[2].header("WARC-Truncated"), Some("time"));

    // The head itself trickles: nothing usable, an error.
    let t = Instant::now();
    let r = run(&site.url("/slowhead"), &o, &policy()).await;
    assert_eq!(r.result.unwrap_err().code, ErrorCode::TotalTimeout);
    assert!(t.elapsed() < Duration::from_millis(2500));

    // The server stalls mid-head: the idle timeout fires.
    let o = CaptureOptions {
        total_timeout: Duration::from_secs(8),
        idle_timeout: Duration::from_millis(400),
        ..opts()
    };
    let t = Instant::now();
    let r = run(&site.url("/stall"), &o, &policy()).await;
    assert_eq!(r.result.unwrap_err().code, ErrorCode::IdleTimeout);
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn tls_chain_is_recorded_verified_or_not() {
    let pki = make_pki();

    // A CA-signed chain with our test CA as an extra root: verified.
    let addr = start_tls_site(
        vec![pki.leaf_der.clone(), pki.ca_der.clone()],
        pki.leaf_key_der.clone(),
    );
    let o = CaptureOptions {
        extra_root_certs_der: vec![pki.ca_der.clone()],
        ..opts()
    };
    let r = run(&format!("https://{addr}/listing"), &o, &policy()).await;
    let cap = r.result.unwrap();
    let tls = cap.tls.as_ref().unwrap();
    assert!(tls.verified && !cap.tls_unverified);
    assert_eq!(tls.protocol.as_deref(), Some("TLSv1_3"));
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    let fps: Vec<_> = tls.chain.iter().map(|c| c.sha256.clone()).collect();
    assert_eq!(
        fps,
        [
            Digest::of(&pki.leaf_der).hex(),
            Digest::of(&pki.ca_der).hex()
        ]
    );
    assert_eq!(
        cap.metadata["tls"]["chain"][0]["sha256"],
        Digest::of(&pki.leaf_der).hex()
    );
    assert!(cap.text.as_deref().unwrap().contains("Đồng hồ"));
    validate(&r.path, Some(&cap));

    // A self-signed certificate: refused, but the chain is recorded.
    let addr = start_tls_site(
        vec![pki.self_signed_der.clone()],
        pki.self_signed_key_der.clone(),
    );
    let url = format!("https://{addr}/listing");
    let r = run(&url, &opts(), &policy()).await;
    let err = r.result.unwrap_err();
    assert_eq!(err.code, ErrorCode::TlsError, "{err}");
    let recs = validate(&r.path, None);
    let meta: serde_json::Value = serde_json::from_slice(&recs.last().unwrap().block).unwrap();
    assert_eq!(meta["outcome"], "failed");
    assert_eq!(
        meta["tls"]["chain"][0]["sha256"],
        Digest::of(&pki.self_signed_der).hex()
    );
    assert!(
        meta["tls"]["verify_error"]
            .as_str()
            .unwrap()
            .contains("UnknownIssuer"),
        "{meta}"
    );

    // "Capture anyway": succeeds, marked, chain recorded.
    let o = CaptureOptions {
        accept_invalid_certs: true,
        ..opts()
    };
    let r = run(&url, &o, &policy()).await;
    let cap = r.result.unwrap();
    assert!(cap.tls_unverified);
    assert_eq!(cap.metadata["tls_unverified"], true);
    let tls = cap.tls.as_ref().unwrap();
    assert!(!tls.verified);
    assert_eq!(tls.chain[0].sha256, Digest::of(&pki.self_signed_der).hex());
    validate(&r.path, Some(&cap));
}

#[tokio::test]
async fn connection_errors_and_policy_errors() {
    // A closed port on an allowed address: a connect error, no records but warcinfo.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let r = run(&format!("http://{free}/"), &opts(), &policy()).await;
    assert_eq!(r.result.unwrap_err().code, ErrorCode::ConnectFailed);
    assert_eq!(read_warc(&r.path).unwrap().len(), 1);

    // Loopback without the allow-list entry is refused before connecting.
    let site = Site::start();
    let r = run(&site.url("/"), &opts(), &NetworkPolicy::default()).await;
    assert_eq!(r.result.unwrap_err().code, ErrorCode::PolicyRefused);
    assert_eq!(site.hits.load(std::sync::atomic::Ordering::SeqCst), 0);

    for (u, code) in [
        ("ftp://127.0.0.1/", ErrorCode::SchemeNotAllowed),
        ("http://", ErrorCode::InvalidUrl),
        ("http://[::1", ErrorCode::InvalidUrl),
    ] {
        assert_eq!(
            run(u, &opts(), &policy()).await.result.unwrap_err().code,
            code,
            "{u}"
        );
    }
}
