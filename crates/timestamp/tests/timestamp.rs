//! End-to-end tests against a local `openssl ts` authority on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sha2::Digest as _;
use time::OffsetDateTime;
use truyvet_tests::tsa::*;
use truyvet_timestamp::queue::{self, QueueState, RetryPolicy};
use truyvet_timestamp::{
    ClientConfig, Expectation, TrustAnchors, TsaClient, build_request, token_from_response,
    verify_response, verify_token,
};

fn digest_of(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// One authority under one root CA, served on loopback.
struct Fixture {
    _tmp: tempfile::TempDir,
    ca: TestCa,
    tsa: TsaFiles,
    server: TsaServer,
}

impl Fixture {
    fn new(spec: TsaSpec) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
        let tsa = TsaFiles::new(&ca, "tsa", &spec);
        let server = TsaServer::start(tsa.clone());
        Fixture {
            _tmp: tmp,
            ca,
            tsa,
            server,
        }
    }

    fn anchors(&self) -> TrustAnchors {
        TrustAnchors::from_pem(&self.ca.pem()).unwrap()
    }

    fn client(&self) -> TsaClient {
        TsaClient::new(
            ClientConfig::new(self.server.url().parse().unwrap()),
            self.anchors(),
        )
        .unwrap()
    }

    /// A raw response for `digest` via HTTP, with the nonce that was sent.
    async fn response_for(&self, digest: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
        let req = build_request(digest).unwrap();
        let resp = self.client().send(&req).await.unwrap();
        (resp, req.nonce)
    }

    fn openssl_accepts(&self, response: &[u8], digest: &[u8; 32]) -> bool {
        openssl_verify(
            &self.tsa.dir,
            response,
            &hex::encode(digest),
            &self.ca.pem_path(),
            Some(&self.tsa.cert_pem),
        )
    }
}

fn code<T: std::fmt::Debug>(r: truyvet_timestamp::Result<T>) -> &'static str {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

async fn good_token_verifies_with_us_and_openssl(spec: TsaSpec) {
    let fx = Fixture::new(spec);
    let digest = digest_of("ảnh chụp tin đăng đồng hồ giả".as_bytes());
    let before = OffsetDateTime::now_utc() - Duration::from_secs(2);
    let (resp, nonce) = fx.response_for(&digest).await;
    let expected = Expectation {
        digest: &digest,
        nonce: Some(&nonce),
    };
    let (token, v) = verify_response(&resp, &expected, &fx.anchors()).unwrap();

    assert_eq!(v.digest, digest);
    assert_eq!(v.nonce.as_deref(), Some(nonce.as_slice()));
    assert_eq!(v.policy, "1.3.6.1.4.1.99999.1.1");
    assert!(
        v.gen_time >= before && v.gen_time <= OffsetDateTime::now_utc() + Duration::from_secs(2)
    );
    assert_eq!(v.signer_cert_sha256, digest_of(&fx.tsa.cert_der));
    assert_eq!(
        v.chain_sha256,
        vec![digest_of(&fx.tsa.cert_der), digest_of(&fx.ca.der())]
    );
    assert!(
        v.signer_subject.contains("tsa Timestamp Authority"),
        "{}",
        v.signer_subject
    );
    assert_eq!(v.tsa_name.as_deref(), Some(v.signer_subject.as_str()));
    assert!(!v.serial.is_empty());
    // `accuracy = secs:1, millisecs:500, microsecs:100` in the authority's config.
    assert_eq!(v.accuracy_micros, Some(1_500_100));
    // The bare token verifies the same way (what the core stores and the bundle carries).
    assert_eq!(verify_token(&token, &expected, &fx.anchors()).unwrap(), v);
    assert_eq!(token_from_response(&resp).unwrap(), token);

    // And an independent implementation agrees.
    assert!(
        fx.openssl_accepts(&resp, &digest),
        "openssl ts -verify rejected a good token"
    );
    // …and is not a rubber stamp: it rejects the same token for another digest.
    assert!(!fx.openssl_accepts(&resp, &digest_of(b"other")));
}

#[tokio::test]
async fn rsa_token_verifies_with_us_and_openssl() {
    good_token_verifies_with_us_and_openssl(TsaSpec::rsa()).await;
}

#[tokio::test]
async fn rsa_sha512_essv2_token_verifies_with_us_and_openssl() {
    good_token_verifies_with_us_and_openssl(TsaSpec {
        signer_digest: "sha512",
        ess_cert_id_alg: "sha256",
        ..TsaSpec::rsa()
    })
    .await;
}

#[tokio::test]
async fn ecdsa_p256_token_verifies_with_us_and_openssl() {
    good_token_verifies_with_us_and_openssl(TsaSpec::ec_p256()).await;
}

#[tokio::test]
async fn ecdsa_p384_sha384_token_verifies_with_us_and_openssl() {
    good_token_verifies_with_us_and_openssl(TsaSpec {
        key: KeyKind::EcP384,
        signer_digest: "sha384",
        ..TsaSpec::ec_p256()
    })
    .await;
}

#[tokio::test]
async fn stamp_returns_a_verified_token() {
    let fx = Fixture::new(TsaSpec::rsa());
    let digest = digest_of(b"evidence");
    let stamp = fx.client().stamp(&digest).await.unwrap();
    assert_eq!(stamp.verified.digest, digest);
    let again = verify_token(
        &stamp.token_der,
        &Expectation {
            digest: &digest,
            nonce: stamp.verified.nonce.as_deref(),
        },
        &fx.anchors(),
    )
    .unwrap();
    assert_eq!(again, stamp.verified);
    assert_eq!(
        fx.server.requests.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn token_for_another_digest_is_imprint_mismatch() {
    let fx = Fixture::new(TsaSpec::rsa());
    let digest = digest_of(b"what we stamped");
    let (resp, nonce) = fx.response_for(&digest).await;
    let other = digest_of(b"what we claim");
    let r = verify_response(
        &resp,
        &Expectation {
            digest: &other,
            nonce: Some(&nonce),
        },
        &fx.anchors(),
    );
    assert_eq!(code(r), "imprint_mismatch");
    assert!(!fx.openssl_accepts(&resp, &other));
}

#[tokio::test]
async fn wrong_nonce_is_nonce_mismatch() {
    let fx = Fixture::new(TsaSpec::rsa());
    let digest = digest_of(b"nonce");
    let (resp, mut nonce) = fx.response_for(&digest).await;
    // Without a known nonce (stored token) it verifies; with a different one it does not.
    let anchors = fx.anchors();
    verify_response(
        &resp,
        &Expectation {
            digest: &digest,
            nonce: None,
        },
        &anchors,
    )
    .unwrap();
    *nonce.last_mut().unwrap() ^= 1;
    let r = verify_response(
        &resp,
        &Expectation {
            digest: &digest,
            nonce: Some(&nonce),
        },
        &anchors,
    );
    assert_eq!(code(r), "nonce_mismatch");
}

#[tokio::test]
async fn flipped_bits_are_rejected_with_the_right_reason() {
    for spec in [TsaSpec::rsa(), TsaSpec::ec_p256()] {
        let fx = Fixture::new(spec.clone());
        let digest = digest_of(b"tamper");
        let (resp, nonce) = fx.response_for(&digest).await;
        let anchors = fx.anchors();
        let exp = Expectation {
            digest: &digest,
            nonce: Some(&nonce),
        };
        verify_response(&resp, &exp, &anchors).unwrap();

        // The signature is the last field of the token (no unsigned attributes).
        let bad_sig = flip(&resp, resp.len() - 1, 0);
        assert_eq!(
            code(verify_response(&bad_sig, &exp, &anchors)),
            "bad_signature",
            "{spec:?}"
        );
        assert!(!fx.openssl_accepts(&bad_sig, &digest));

        // The evidence digest occurs once, inside the TSTInfo's message imprint: altering
        // it breaks the signed messageDigest before any meaning is read.
        let at = find(&resp, &digest);
        let bad_tst = flip(&resp, at + 5, 3);
        assert_eq!(
            code(verify_response(&bad_tst, &exp, &anchors)),
            "content_digest_mismatch"
        );
        assert!(!fx.openssl_accepts(&bad_tst, &digest));
        // genTime too (its last digit before 'Z').
        // (tag 0x18, length 15: "YYYYMMDDHHMMSSZ"; certificates use UTCTime before 2050).
        let gen_time = find(&resp, &[0x18, 0x0f]) + 2;
        assert_eq!(resp[gen_time + 14], b'Z');
        let bad_time = flip(&resp, gen_time + 13, 0);
        assert_eq!(
            code(verify_response(&bad_time, &exp, &anchors)),
            "content_digest_mismatch"
        );

        // One bit of the embedded signer certificate (in its own signature, so it still
        // parses): it is no longer the certificate the signer committed to.
        let cert_at = find(&resp, &fx.tsa.cert_der);
        let bad_cert = flip(&resp, cert_at + fx.tsa.cert_der.len() - 1, 1);
        assert_eq!(
            code(verify_response(&bad_cert, &exp, &anchors)),
            "signer_cert_mismatch"
        );
        // openssl too, when it has only the token's certificate (given the genuine one
        // with -untrusted it uses that instead and accepts).
        let dir = &fx.tsa.dir;
        let hexd = hex::encode(digest);
        assert!(openssl_verify(dir, &resp, &hexd, &fx.ca.pem_path(), None));
        assert!(!openssl_verify(
            dir,
            &bad_cert,
            &hexd,
            &fx.ca.pem_path(),
            None
        ));
    }
}

#[tokio::test]
async fn tsa_under_another_ca_is_untrusted_chain() {
    let fx = Fixture::new(TsaSpec::rsa());
    // A rogue root with the very same subject name as the trusted one: only the
    // signature on the TSA certificate tells them apart.
    let rogue_dir = tempfile::tempdir().unwrap();
    let rogue = TestCa::root(rogue_dir.path(), "ca", "TruyVet Test Root");
    let rogue_tsa = TsaFiles::new(&rogue, "tsa", &TsaSpec::rsa());
    let rogue_server = TsaServer::start(rogue_tsa.clone());

    let digest = digest_of(b"rogue");
    let req = build_request(&digest).unwrap();
    let client = TsaClient::new(
        ClientConfig::new(rogue_server.url().parse().unwrap()),
        fx.anchors(),
    )
    .unwrap();
    let resp = client.send(&req).await.unwrap();
    let exp = Expectation {
        digest: &digest,
        nonce: Some(&req.nonce),
    };
    assert_eq!(
        code(verify_response(&resp, &exp, &fx.anchors())),
        "untrusted_chain"
    );
    assert_eq!(code(client.stamp(&digest).await), "untrusted_chain");
    assert_eq!(
        code(verify_response(&resp, &exp, &TrustAnchors::new())),
        "untrusted_chain"
    );
    // openssl agrees: not under our CA, but fine under the rogue one.
    assert!(!openssl_verify(
        rogue_dir.path(),
        &resp,
        &hex::encode(digest),
        &fx.ca.pem_path(),
        Some(&rogue_tsa.cert_pem)
    ));
    assert!(openssl_verify(
        rogue_dir.path(),
        &resp,
        &hex::encode(digest),
        &rogue.pem_path(),
        Some(&rogue_tsa.cert_pem)
    ));
    // And our code accepts it given the rogue root as anchor (the test can tell apart).
    verify_response(&resp, &exp, &TrustAnchors::from_pem(&rogue.pem()).unwrap()).unwrap();
}

#[tokio::test]
async fn tsa_certificate_expired_at_gen_time_is_untrusted_chain() {
    // OpenSSL's TSA signs with whatever certificate it is given; the verifier must notice.
    let fx = Fixture::new(TsaSpec {
        validity: Some(("20200101000000Z", "20210101000000Z")),
        ..TsaSpec::ec_p256()
    });
    let digest = digest_of(b"expired");
    let (resp, nonce) = fx.response_for(&digest).await;
    let exp = Expectation {
        digest: &digest,
        nonce: Some(&nonce),
    };
    let err = verify_response(&resp, &exp, &fx.anchors()).unwrap_err();
    assert_eq!(err.code(), "untrusted_chain");
    assert!(err.to_string().contains("not valid at genTime"), "{err}");
    assert!(!fx.openssl_accepts(&resp, &digest));
}

#[tokio::test]
async fn chain_through_an_intermediate_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let root = TestCa::root(tmp.path(), "root", "TruyVet Test Root");
    let inter = root.intermediate("inter", "TruyVet Test Issuing CA");
    let tsa = TsaFiles::new(
        &inter,
        "tsa",
        &TsaSpec {
            extra_certs: Some("inter.pem".into()),
            ..TsaSpec::ec_p256()
        },
    );
    let server = TsaServer::start(tsa.clone());
    let anchors = TrustAnchors::from_pem(&root.pem()).unwrap();
    let client = TsaClient::new(
        ClientConfig::new(server.url().parse().unwrap()),
        anchors.clone(),
    )
    .unwrap();
    let digest = digest_of(b"intermediate");
    let req = build_request(&digest).unwrap();
    let resp = client.send(&req).await.unwrap();
    let exp = Expectation {
        digest: &digest,
        nonce: Some(&req.nonce),
    };
    let (_, v) = verify_response(&resp, &exp, &anchors).unwrap();
    assert_eq!(
        v.chain_sha256,
        vec![
            digest_of(&tsa.cert_der),
            digest_of(&inter.der()),
            digest_of(&root.der())
        ]
    );
    // Trusting only the intermediate also works (it is an anchor then).
    let only_inter = TrustAnchors::from_pem(&inter.pem()).unwrap();
    assert_eq!(
        verify_response(&resp, &exp, &only_inter)
            .unwrap()
            .1
            .chain_sha256
            .len(),
        2
    );
    let mut untrusted = std::fs::read(&tsa.cert_pem).unwrap();
    untrusted.extend(inter.pem());
    let untrusted_path = tmp.path().join("untrusted.pem");
    std::fs::write(&untrusted_path, untrusted).unwrap();
    assert!(openssl_verify(
        tmp.path(),
        &resp,
        &hex::encode(digest),
        &root.pem_path(),
        Some(&untrusted_path)
    ));
}

#[tokio::test]
async fn refused_request_is_not_granted() {
    // This authority only takes SHA-384 imprints; our SHA-256 request is refused (badAlg).
    let fx = Fixture::new(TsaSpec {
        digests: "sha384",
        ..TsaSpec::rsa()
    });
    let err = fx.client().stamp(&digest_of(b"x")).await.unwrap_err();
    assert_eq!(err.code(), "not_granted");
    assert!(err.to_string().contains("badAlg"), "{err}");
}

#[tokio::test]
async fn non_timestamp_http_answers_are_bad_responses() {
    let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".to_vec();
    let (addr, stop) = canned_server(html);
    let url: reqwest::Url = format!("http://{addr}/").parse().unwrap();
    let client = TsaClient::new(ClientConfig::new(url.clone()), TrustAnchors::new()).unwrap();
    assert_eq!(code(client.stamp(&[1; 32]).await), "bad_response");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);

    let big = vec![0u8; 4096];
    let mut resp =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nConnection: close\r\n\r\n"
            .to_vec();
    resp.extend(&big); // no Content-Length: the cap must hold while streaming
    let (addr, stop) = canned_server(resp);
    let mut cfg = ClientConfig::new(format!("http://{addr}/").parse().unwrap());
    cfg.max_response_bytes = 1024;
    let client = TsaClient::new(cfg, TrustAnchors::new()).unwrap();
    let err = client.stamp(&[1; 32]).await.unwrap_err();
    assert_eq!(err.code(), "bad_response");
    assert!(err.to_string().contains("larger than 1024"), "{err}");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(60),
        max_attempts: None,
    }
}

#[tokio::test]
async fn queue_stamps_once_the_authority_is_reachable_closed_port_first() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
    let tsa = TsaFiles::new(&ca, "tsa", &TsaSpec::rsa());
    // A port with nobody listening: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url: reqwest::Url = format!("http://127.0.0.1:{port}/tsa").parse().unwrap();
    let anchors = TrustAnchors::from_pem(&ca.pem()).unwrap();
    let client = TsaClient::new(ClientConfig::new(url), anchors).unwrap();
    let digest = digest_of(b"captured offline");
    let t0 = OffsetDateTime::now_utc();
    let state = queue::enqueue(digest, t0);
    let state = queue::attempt(&client, state, t0, &fast_policy()).await;
    let QueueState::Pending {
        attempts: 1,
        next_attempt_at,
        ref last_error,
        ..
    } = state
    else {
        panic!("expected pending after a refused connection, got {state:?}");
    };
    assert_eq!(last_error.as_ref().unwrap().0, "transport");
    assert!(next_attempt_at <= t0 + Duration::from_secs(1));

    // The authority comes up on that port.
    let server = TsaServer::serve(
        std::net::TcpListener::bind(("127.0.0.1", port)).unwrap(),
        tsa,
    );
    let state = queue::attempt(&client, state, next_attempt_at, &fast_policy()).await;
    let QueueState::Stamped {
        attempts: 2,
        ref stamp,
        ..
    } = state
    else {
        panic!("expected stamped, got {state:?}");
    };
    assert_eq!(stamp.verified.digest, digest);
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn queue_waits_for_a_bound_but_silent_authority() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
    let tsa = TsaFiles::new(&ca, "tsa", &TsaSpec::ec_p256());
    // Bound, not accepting: the request times out.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url: reqwest::Url = format!("http://{}/tsa", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let mut cfg = ClientConfig::new(url);
    cfg.timeout = Duration::from_millis(500);
    let client = TsaClient::new(cfg, TrustAnchors::from_pem(&ca.pem()).unwrap()).unwrap();
    let digest = digest_of(b"slow network");
    let t0 = OffsetDateTime::now_utc();
    let state = queue::attempt(&client, queue::enqueue(digest, t0), t0, &fast_policy()).await;
    assert!(
        matches!(state, QueueState::Pending { attempts: 1, .. }),
        "{state:?}"
    );
    // Not due yet: no request is made, state unchanged.
    let QueueState::Pending {
        next_attempt_at, ..
    } = state
    else {
        unreachable!()
    };
    let early = next_attempt_at - Duration::from_millis(1);
    let same = queue::attempt(&client, state.clone(), early, &fast_policy()).await;
    assert_eq!(same, state);

    let _server = TsaServer::serve(listener, tsa);
    let state = queue::attempt(&client, state, next_attempt_at, &fast_policy()).await;
    assert!(
        matches!(state, QueueState::Stamped { attempts: 2, .. }),
        "{state:?}"
    );
}

#[tokio::test]
async fn mutated_and_truncated_tokens_never_panic() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let fx = Fixture::new(TsaSpec::ec_p256());
    let digest = digest_of(b"fuzz");
    let (resp, nonce) = fx.response_for(&digest).await;
    let anchors = fx.anchors();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    let len = resp.len();
    runner
        .run(&(0..len, 0u8..8, 0..len), |(i, bit, cut)| {
            let exp = Expectation {
                digest: &digest,
                nonce: Some(&nonce),
            };
            let flipped = flip(&resp, i, bit);
            let _ = verify_response(&flipped, &exp, &anchors);
            let _ = verify_response(&resp[..cut], &exp, &anchors);
            prop_assert!(verify_response(&resp[..cut], &exp, &anchors).is_err());
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn token_signed_by_a_trusted_non_tsa_key_is_rejected() {
    // Re-sign a genuine TSTInfo as CMS with the *root CA* key (trusted, but not a
    // timestamping certificate): a forgery by someone holding some trusted key.
    let fx = Fixture::new(TsaSpec::rsa());
    let digest = digest_of(b"forged");
    let (resp, nonce) = fx.response_for(&digest).await;
    let token = token_from_response(&resp).unwrap();
    let dir = &fx.tsa.dir;
    std::fs::write(dir.join("token.der"), &token).unwrap();
    run(std::process::Command::new("openssl")
        .current_dir(dir)
        .args([
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            "token.der",
            "-out",
            "tst.der",
        ]));
    run(std::process::Command::new("openssl")
        .current_dir(dir)
        .args([
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "tst.der",
            "-econtent_type",
            "1.2.840.113549.1.9.16.1.4",
            "-signer",
            "ca.pem",
            "-inkey",
            "ca.key",
            "-md",
            "sha256",
            "-nosmimecap",
            "-outform",
            "DER",
            "-out",
            "forged.der",
        ]));
    let forged = std::fs::read(dir.join("forged.der")).unwrap();
    let exp = Expectation {
        digest: &digest,
        nonce: Some(&nonce),
    };
    let err = verify_token(&forged, &exp, &fx.anchors()).unwrap_err();
    assert_eq!(err.code(), "not_timestamping_cert", "{err}");
    // openssl agrees.
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(["ts", "-verify", "-token_in", "-in", "forged.der", "-digest"])
        .arg(hex::encode(digest))
        .args(["-CAfile", "ca.pem"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    verify_token(&token, &exp, &fx.anchors()).unwrap();
}
