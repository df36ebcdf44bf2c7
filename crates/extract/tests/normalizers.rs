//! Property tests of the normalizers: idempotent (a normalized value normalizes to
//! itself) and total (no input panics), and the extractors never panic or report a
//! location outside their input.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use truyvet_extract::{
    Location, decode_bytes, extract_html, extract_text, normalize_account, normalize_email,
    normalize_phone, normalize_tax_code, normalize_url, registrable_domain,
};

fn idempotent(f: fn(&str) -> Option<String>, s: &str) -> Result<(), TestCaseError> {
    if let Some(n) = f(s) {
        prop_assert_eq!(f(&n), Some(n.clone()), "input {:?}", s);
    }
    Ok(())
}

/// Strings that look like what sellers write: digits, separators, Vietnamese letters.
fn textish() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[0-9 .\-+()oOaăâđêôơưAĐ@:/_kK₫STKstk]{0,40}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn normalizers_are_idempotent(s in textish()) {
        idempotent(normalize_phone, &s)?;
        idempotent(normalize_account, &s)?;
        idempotent(normalize_email, &s)?;
        idempotent(normalize_tax_code, &s)?;
        idempotent(normalize_url, &s)?;
        idempotent(registrable_domain, &s)?;
    }

    #[test]
    fn normalizers_are_idempotent_on_any_string(s in any::<String>()) {
        idempotent(normalize_phone, &s)?;
        idempotent(normalize_account, &s)?;
        idempotent(normalize_email, &s)?;
        idempotent(normalize_tax_code, &s)?;
        idempotent(normalize_url, &s)?;
        idempotent(registrable_domain, &s)?;
    }

    #[test]
    fn phone_forms_agree(n in "(9[0-4]|3[2-9]|8[1-9])[0-9]{7}") {
        let e164 = format!("+84{n}");
        for form in [format!("0{n}"), format!("+84 {n}"), format!("84{n}"), format!("0{} {} {}", &n[..3], &n[3..6], &n[6..])] {
            prop_assert_eq!(normalize_phone(&form), Some(e164.clone()));
        }
    }

    #[test]
    fn extractors_do_not_panic(s in any::<String>()) {
        for h in extract_text(&s).into_iter().chain(extract_html(&s)) {
            if let Location::Span { start, end } = h.location {
                prop_assert!(start <= end && end <= s.len());
                prop_assert!(s.is_char_boundary(start) && s.is_char_boundary(end));
            }
        }
    }

    #[test]
    fn decoding_does_not_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let d = decode_bytes(&b);
        let _ = extract_html(&d.text);
    }

    #[test]
    fn html_like_input_does_not_panic(s in r#"(<[a-z/!]{0,4}[^>]{0,10}>?|&#?[a-z0-9]{0,6};?|[0-9 .]{0,12}|[^<&]{0,8})*"#) {
        let _ = extract_html(&s);
    }
}
