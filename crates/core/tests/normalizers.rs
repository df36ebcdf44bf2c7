//! Property tests for the identifier normalizers behind cross-case matching and
//! `lookup`: they never panic, and a normalized value normalizes to itself (otherwise
//! the same identifier stored twice could fail to match).

use proptest::prelude::*;
use truyvet_core::IdKind;
use truyvet_core::identifiers::{lookup_keys, normalize, normalize_qualifier};

/// Text shaped like identifiers (digits, separators, URL and e-mail punctuation,
/// Vietnamese letters) so that many inputs get past the first checks.
fn identifier_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9 .()+-]{0,24}",
        "(\\+84|84|0|0084)?[ .-]?[0-9]{2,4}([ .-]?[0-9]{2,4}){0,3}",
        "(https?://)?(www\\.|m\\.)?[a-zA-Z0-9đĐàÀ-]{1,12}(\\.[a-zA-Z]{2,4}){1,3}(:[0-9]{1,5})?(/[a-zA-Z0-9@._?=&-]{0,16}){0,3}",
        "[a-zA-Z0-9._%+-]{1,12}@[a-zA-Z0-9-]{1,10}\\.[a-zA-Z.]{2,8}",
        "[a-z_]{2,20}:.{0,24}",
        ".{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalizing_is_idempotent_and_never_panics(text in identifier_like()) {
        for kind in IdKind::ALL {
            if let Ok(value) = normalize(*kind, &text) {
                prop_assert!(!value.is_empty());
                prop_assert_eq!(
                    normalize(*kind, &value),
                    Ok(value.clone()),
                    "{} of {:?}",
                    kind,
                    text
                );
            }
        }
    }

    #[test]
    fn every_lookup_reading_is_a_fixed_point(text in identifier_like()) {
        if let Ok(keys) = lookup_keys(&text) {
            prop_assert!(!keys.is_empty());
            for (kind, value) in keys {
                prop_assert_eq!(normalize(kind, &value), Ok(value.clone()));
            }
        }
    }

    #[test]
    fn qualifiers_are_idempotent(text in ".{0,40}") {
        let q = normalize_qualifier(&text);
        prop_assert_eq!(normalize_qualifier(&q), q);
    }
}
