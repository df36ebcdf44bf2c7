//! Parsing arbitrary bytes never panics.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use truyvet_timestamp::{
    Expectation, TrustAnchors, token_from_response, verify_response, verify_token,
};

fn der_like() -> impl Strategy<Value = Vec<u8>> {
    // Mostly SEQUENCE-headed bytes so the parser gets past the first byte.
    (
        prop_oneof![Just(0x30u8), any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..512),
    )
        .prop_map(|(first, mut rest)| {
            rest.insert(0, first);
            rest
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in der_like()) {
        let digest = [0u8; 32];
        let exp = Expectation { digest: &digest, nonce: Some(&[1]) };
        let anchors = TrustAnchors::new();
        prop_assert!(verify_token(&bytes, &exp, &anchors).is_err());
        prop_assert!(verify_response(&bytes, &exp, &anchors).is_err());
        let _ = token_from_response(&bytes);
        let _ = TrustAnchors::from_pem(&bytes);
    }
}
