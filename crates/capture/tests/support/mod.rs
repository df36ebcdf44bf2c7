//! The loopback test site (plain and TLS) and the warcio runner shared by the
//! integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

pub const PAGE_UTF8: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Đồng hồ Rolex giá rẻ</title></head><body><h1>Shop Hàng Hiệu Giá Tốt</h1><p>Đồng hồ Rolex Submariner, hàng chính hãng 100%, giá 1.500.000 đ. Liên hệ Zalo 0912345678, STK Vietcombank 0071000123456.</p></body></html>";

/// The text of the Windows-1258 page, and the page itself (tones as combining marks).
pub const TEXT_1258: &str = "Túi xách Gucci giá rẻ - hàng nhập khẩu, Đồng Nai";
pub fn page_1258() -> Vec<u8> {
    let mut v = b"<html><head><title>Shop</title></head><body><p>".to_vec();
    v.extend_from_slice(
        b"T\xFAi x\xE1ch Gucci gi\xE1 re\xD2 - h\xE0ng nh\xE2\xF2p kh\xE2\xD2u, \xD0\xF4\xCCng Nai",
    );
    v.extend_from_slice(b"</p></body></html>");
    v
}

pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n\x00\xff\xfe binary tail".to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn respond(w: &mut dyn Write, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let _ = w.write_all(head.as_bytes());
    let _ = w.write_all(body);
    let _ = w.flush();
}

fn redirect(w: &mut dyn Write, status: &str, to: &str) {
    respond(w, status, &[("Location", to.to_string())], b"");
}

/// Serves one request on `w`. `base` is `http://127.0.0.1:PORT`.
pub fn route(path: &str, base: &str, w: &mut dyn Write) {
    let html = ("Content-Type", "text/html; charset=utf-8".to_string());
    match path {
        "/" | "/listing" => respond(
            w,
            "200 OK",
            &[html, ("Server", "TestSite/1".into())],
            PAGE_UTF8.as_bytes(),
        ),
        "/1258" => respond(
            w,
            "200 OK",
            &[("Content-Type", "text/html; charset=windows-1258".into())],
            &page_1258(),
        ),
        "/r301" => redirect(w, "301 Moved Permanently", "/listing"),
        "/r302" => redirect(w, "302 Found", &format!("{base}/r307")),
        "/r307" => redirect(w, "307 Temporary Redirect", "gzip"),
        "/loop" => redirect(w, "302 Found", "/loop2"),
        "/loop2" => redirect(w, "302 Found", &format!("{base}/loop")),
        "/gzip" => respond(
            w,
            "200 OK",
            &[
                html,
                ("Content-Encoding", "gzip".into()),
                ("Vary", "Accept-Encoding".into()),
            ],
            &gzip(PAGE_UTF8.as_bytes()),
        ),
        "/chunked" | "/gzip-chunked" => {
            let body = if path == "/chunked" {
                PAGE_UTF8.as_bytes().to_vec()
            } else {
                gzip(PAGE_UTF8.as_bytes())
            };
            let mut head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n".to_string();
            if path == "/gzip-chunked" {
                head.push_str("Content-Encoding: gzip\r\n");
            }
            head.push_str("Connection: close\r\n\r\n");
            let _ = w.write_all(head.as_bytes());
            for part in body.chunks(37) {
                let _ = w.write_all(format!("{:x};ext=v\r\n", part.len()).as_bytes());
                let _ = w.write_all(part);
                let _ = w.write_all(b"\r\n");
                let _ = w.flush();
            }
            let _ = w.write_all(b"0\r\nX-Trailer: xong\r\n\r\n");
        }
        "/slow" => {
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n",
            );
            for _ in 0..200 {
                if w.write_all(b"x").and_then(|_| w.flush()).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(150));
            }
        }
        "/slowhead" => {
            for b in b"HTTP/1.1 200 OK\r\nX-Slow: " {
                if w.write_all(&[*b]).and_then(|_| w.flush()).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(150));
            }
            thread::sleep(Duration::from_secs(10));
        }
        "/stall" => {
            let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Le");
            let _ = w.flush();
            thread::sleep(Duration::from_secs(10));
        }
        "/huge" => {
            // 300 MiB announced, generated on the fly; stops when the client hangs up.
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 314572800\r\n\r\n",
            );
            let block = vec![b'a'; 64 * 1024];
            for _ in 0..4800 {
                if w.write_all(&block).is_err() {
                    return;
                }
            }
        }
        "/pdf" => respond(
            w,
            "200 OK",
            &[("Content-Type", "application/pdf".into())],
            &pdf_bytes(),
        ),
        "/png" => respond(
            w,
            "200 OK",
            &[("Content-Type", "image/png".into())],
            PNG_1X1,
        ),
        "/until-close" => {
            let _ =
                w.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
            let _ = w.write_all("Hàng giả, hàng nhái".as_bytes());
        }
        _ => respond(w, "404 Not Found", &[], b"not found"),
    }
}

fn read_request_path(r: &mut dyn Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut b).ok()? == 0 {
            return None;
        }
        buf.push(b[0]);
        if buf.len() > 16 * 1024 {
            return None;
        }
    }
    let line = String::from_utf8_lossy(&buf).lines().next()?.to_string();
    line.split(' ').nth(1).map(|s| s.to_string())
}

/// A plain-HTTP test site on 127.0.0.1.
pub struct Site {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
}

impl Site {
    pub fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut s) = conn else { continue };
                h.fetch_add(1, Ordering::SeqCst);
                let base = format!("http://{addr}");
                thread::spawn(move || {
                    if let Some(path) = read_request_path(&mut s) {
                        route(&path, &base, &mut s);
                    }
                });
            }
        });
        Site { addr, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Certificates made at test time with rcgen.
pub struct TestPki {
    pub ca_der: Vec<u8>,
    pub leaf_der: Vec<u8>,
    pub leaf_key_der: Vec<u8>,
    pub self_signed_der: Vec<u8>,
    pub self_signed_key_der: Vec<u8>,
}

pub fn make_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "TruyVet Test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "shop.test");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let ss = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    TestPki {
        ca_der: ca_cert.der().to_vec(),
        leaf_der: leaf.der().to_vec(),
        leaf_key_der: leaf_key.serialize_der(),
        self_signed_der: ss.cert.der().to_vec(),
        self_signed_key_der: ss.signing_key.serialize_der(),
    }
}

/// An HTTPS test site on 127.0.0.1 presenting `chain` (leaf first).
pub fn start_tls_site(chain: Vec<Vec<u8>>, key_der: Vec<u8>) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            chain.into_iter().map(CertificateDer::from).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
        )
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(tcp) = conn else { continue };
            let config = config.clone();
            thread::spawn(move || {
                let Ok(server) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(server, tcp);
                if let Some(path) = read_request_path(&mut tls) {
                    route(&path, &format!("https://{addr}"), &mut tls);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    addr
}

/// The warcio executable from the test venv; panics (never skips) when missing.
pub fn warcio() -> PathBuf {
    let venv = std::env::var_os("TRUYVET_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is not set"))
                .join(".cache/truyvet/venv")
        });
    let exe = venv.join("bin/warcio");
    assert!(
        exe.is_file(),
        "warcio not found at {}: run `make test` (or scripts/install-deps.sh --test) once to install the \
         test validators",
        exe.display()
    );
    exe
}

/// Runs `warcio check -v` and `warcio index` on `path`; asserts every record's
/// digests were actually verified, and returns the index lines as JSON.
pub fn warcio_validate(path: &Path, expected_records: usize) -> Vec<serde_json::Value> {
    let exe = warcio();
    let out = Command::new(&exe)
        .args(["check", "-v"])
        .arg(path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "warcio check failed for {}:\n{stdout}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let passes = stdout.matches("digest pass").count();
    assert_eq!(
        passes, expected_records,
        "warcio must verify the digests of every record (not skip them):\n{stdout}"
    );
    assert!(
        !stdout.contains("not checked") && !stdout.contains("failed"),
        "{stdout}"
    );

    let out = Command::new(&exe)
        .args([
            "index",
            "-f",
            "warc-type,warc-record-id,warc-target-uri,warc-block-digest,warc-payload-digest,warc-ip-address,offset,length,http:status",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "warcio index failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        expected_records,
        "warcio index saw a different number of records"
    );
    lines
}

/// Connects and immediately closes, to check a port is still served.
pub fn port_open(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}
