//! Listening: TLS with a certificate and key from PEM files (a real rustls handshake from
//! a client that trusts only that certificate), and plain HTTP refused off loopback.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::support::{Registry, admin, setup};

#[tokio::test]
async fn tls_serves_with_the_given_certificate() {
    let data = tempfile::tempdir().unwrap();
    let tokens = setup(data.path());
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = data.path().join("cert.pem");
    let key_pem = data.path().join("key.pem");
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let registry = Registry::start(
        data.path(),
        &[
            "--tls-cert",
            cert_pem.to_str().unwrap(),
            "--tls-key",
            key_pem.to_str().unwrap(),
        ],
    );
    let addr = registry
        .url
        .strip_prefix("https://")
        .expect("an https URL")
        .to_string();

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(cert.cert.pem().as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("the handshake succeeds");
    let request = format!(
        "GET /v1/log/head HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Connection: close\r\n\r\n",
        tokens.inv
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"size\":0"), "{answer}");

    // Plain HTTP to the TLS port gets no answer.
    let mut plain = TcpStream::connect(&addr).await.unwrap();
    plain
        .write_all(b"GET /v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    plain.read_to_end(&mut buf).await.ok();
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let data = tempfile::tempdir().unwrap();
    let run = admin(data.path(), &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(run.code, 3, "{run}");
    assert_eq!(run.error_code(), "plain_http_refused");
    let run = admin(data.path(), &["serve", "--listen", "[::]:0"]);
    assert_eq!(run.error_code(), "plain_http_refused");
    // A certificate that is not one.
    let bad = data.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let run = admin(
        data.path(),
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            bad.to_str().unwrap(),
            "--tls-key",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 3, "{run}");
    assert_eq!(run.error_code(), "invalid_input");
}
