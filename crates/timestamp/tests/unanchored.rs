//! Re-checking a stored token without trust anchors (`verify_token_unanchored`), as
//! `verify-workspace` does when `tsa.trust` is not configured. Tokens come from a local
//! `openssl ts` authority, asked directly (no HTTP), so this also runs without the
//! `client` feature: `cargo test -p truyvet-timestamp --no-default-features`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sha2::Digest as _;
use truyvet_tests::tsa::{TestCa, TsaFiles, TsaSpec, flip};
use truyvet_timestamp::{
    Expectation, TrustAnchors, build_request, token_from_response, verify_token,
    verify_token_unanchored,
};

fn digest_of(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// A bare token (what the workspace stores) for `digest` from `tsa`.
fn token_for(tsa: &TsaFiles, digest: &[u8; 32]) -> Vec<u8> {
    let request = build_request(digest).unwrap();
    token_from_response(&tsa.reply(&request.der)).unwrap()
}

fn expect(digest: &[u8; 32]) -> Expectation<'_> {
    Expectation {
        digest,
        nonce: None,
    }
}

fn code<T: std::fmt::Debug>(r: truyvet_timestamp::Result<T>) -> &'static str {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

#[test]
fn genuine_token_verifies_unanchored_with_no_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
    let tsa = TsaFiles::new(&ca, "tsa", &TsaSpec::rsa());
    let digest = digest_of("trang tin đăng đồng hồ giả".as_bytes());
    let token = token_for(&tsa, &digest);

    let unanchored = verify_token_unanchored(&token, &expect(&digest)).unwrap();
    assert!(unanchored.chain_sha256.is_empty());
    assert_eq!(unanchored.digest, digest);
    assert_eq!(unanchored.signer_cert_sha256, digest_of(&tsa.cert_der));

    // With the anchor, the same token proves the same things plus its chain.
    let anchors = TrustAnchors::from_pem(&ca.pem()).unwrap();
    let anchored = verify_token(&token, &expect(&digest), &anchors).unwrap();
    assert_eq!(
        anchored.chain_sha256,
        vec![digest_of(&tsa.cert_der), digest_of(&ca.der())]
    );
    assert_eq!(anchored.gen_time, unanchored.gen_time);
    assert_eq!(anchored.serial, unanchored.serial);
}

#[test]
fn unanchored_still_rejects_another_digest_and_altered_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
    let tsa = TsaFiles::new(&ca, "tsa", &TsaSpec::ec_p256());
    let digest = digest_of(b"capture manifest");
    let token = token_for(&tsa, &digest);

    let other = digest_of(b"another capture");
    assert_eq!(
        code(verify_token_unanchored(&token, &expect(&other))),
        "imprint_mismatch"
    );
    // The signature value is the last field of the token: one bit of it.
    let last = token.len() - 1;
    assert_eq!(
        code(verify_token_unanchored(
            &flip(&token, last, 0),
            &expect(&digest)
        )),
        "bad_signature"
    );
    // A bit of the stamped digest inside the signed TSTInfo.
    let at = truyvet_tests::tsa::find(&token, &digest);
    assert_eq!(
        code(verify_token_unanchored(
            &flip(&token, at, 3),
            &expect(&digest)
        )),
        "content_digest_mismatch"
    );
}

#[test]
fn unanchored_accepts_any_issuer_which_anchors_then_refuse() {
    // Why the caller must say "not checked": a self-made authority passes unanchored.
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::root(tmp.path(), "ca", "TruyVet Test Root");
    let rogue_dir = tempfile::tempdir().unwrap();
    let rogue = TestCa::root(rogue_dir.path(), "ca", "TruyVet Test Root");
    let rogue_tsa = TsaFiles::new(&rogue, "tsa", &TsaSpec::rsa());
    let digest = digest_of(b"rogue");
    let token = token_for(&rogue_tsa, &digest);

    verify_token_unanchored(&token, &expect(&digest)).unwrap();
    let anchors = TrustAnchors::from_pem(&ca.pem()).unwrap();
    assert_eq!(
        code(verify_token(&token, &expect(&digest), &anchors)),
        "untrusted_chain"
    );
}
