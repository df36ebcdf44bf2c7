//! Identifier kinds and their normalizers: the one written form under which a phone
//! number, bank account, e-mail or domain is stored, matched across cases and looked up.
//!
//! Sellers write the same number in many ways ("0912 345 678", "+84 912.345.678"); a
//! cross-case hit exists only if both spellings normalize to the same text, so every
//! normalizer here is idempotent (checked by property tests) and never panics. The
//! extractor crate produces hits in these kinds; the core normalizes again on the way in,
//! so stored values never depend on which extractor version wrote them.

use crate::error::{Error, Result};

string_enum!(
    /// What an extracted identifier is. The names match the extractor's hit types.
    IdKind {
        Phone = "phone",
        BankAccount = "bank_account",
        Ewallet = "ewallet",
        Email = "email",
        Domain = "domain",
        SocialProfile = "social_profile",
        MarketplaceShop = "marketplace_shop",
        MarketplaceListing = "marketplace_listing",
        TaxCode = "tax_code",
        Vietqr = "vietqr",
    }
);

/// Longest input any normalizer accepts; identifiers are short, a page is not one.
const MAX_INPUT: usize = 512;

/// Second-level suffixes under which the registrable domain has three labels
/// (`shop.com.vn`, not `com.vn`). Vietnamese ones first; a few common foreign ones.
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "com.vn",
    "net.vn",
    "org.vn",
    "edu.vn",
    "gov.vn",
    "int.vn",
    "ac.vn",
    "biz.vn",
    "info.vn",
    "name.vn",
    "pro.vn",
    "health.vn",
    "co.uk",
    "org.uk",
    "com.au",
    "com.cn",
    "com.sg",
    "com.my",
    "co.jp",
    "co.kr",
    "co.th",
    "com.tw",
    "com.hk",
];

impl IdKind {
    /// Kinds whose values are comparable: a MoMo wallet is a phone number, a VietQR code
    /// names a bank account. Cross-case hits and exclusions match within a family.
    pub fn family(self) -> &'static str {
        match self {
            IdKind::Phone | IdKind::Ewallet => "phone",
            IdKind::BankAccount | IdKind::Vietqr => "bank",
            other => other.as_str(),
        }
    }

    /// Whether values of this kind carry a qualifier (the bank of an account, the
    /// provider of an e-wallet) that must agree, when both sides know it, for a match.
    pub fn has_qualifier(self) -> bool {
        matches!(self, IdKind::BankAccount | IdKind::Vietqr | IdKind::Ewallet)
    }
}

/// The normalized form of `raw` as an identifier of `kind`, or `invalid_input`.
pub fn normalize(kind: IdKind, raw: &str) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::invalid(format!("empty {kind} value")));
    }
    if text.len() > MAX_INPUT {
        return Err(Error::invalid(format!(
            "{kind} value longer than {MAX_INPUT} bytes"
        )));
    }
    match kind {
        IdKind::Phone | IdKind::Ewallet => phone(text),
        IdKind::BankAccount | IdKind::Vietqr => bank_account(text),
        IdKind::Email => email(text),
        IdKind::Domain => domain(text),
        IdKind::SocialProfile => social_profile(text),
        IdKind::TaxCode => tax_code(text),
        IdKind::MarketplaceShop | IdKind::MarketplaceListing => generic(text),
    }
    .ok_or_else(|| Error::invalid(format!("'{text}' is not a valid {kind}")))
}

/// The bank of an account or the provider of an e-wallet: upper-case letters and
/// digits only, diacritics folded ("Vietcombank" → `VIETCOMBANK`, "MoMo" → `MOMO`).
/// Mapping names to bank codes is the extractor's job (its BIN table).
pub fn normalize_qualifier(raw: &str) -> String {
    crate::fold::fold(raw)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(64)
        .collect()
}

/// Every (kind, normalized value) a free-text lookup may mean. Digits alone may be a
/// phone, a wallet, an account or a tax code, so all readings are returned; a `kind:`
/// prefix (`bank_account:0123 456 789`) asks for one reading only.
pub fn lookup_keys(input: &str) -> Result<Vec<(IdKind, String)>> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Error::invalid("the value to look up is empty"));
    }
    if let Some((prefix, rest)) = text.split_once(':')
        && let Ok(kind) = IdKind::parse(prefix.trim())
    {
        return Ok(vec![(kind, normalize(kind, rest)?)]);
    }
    let mut keys = Vec::new();
    let mut push = |kind: IdKind| {
        if let Ok(value) = normalize(kind, text)
            && !keys.contains(&(kind, value.clone()))
        {
            keys.push((kind, value));
        }
    };
    let digits_only = text
        .chars()
        .all(|c| c.is_ascii_digit() || " .-()+/".contains(c));
    if digits_only {
        for kind in [
            IdKind::Phone,
            IdKind::Ewallet,
            IdKind::BankAccount,
            IdKind::Vietqr,
            IdKind::TaxCode,
        ] {
            push(kind);
        }
    } else if text.contains('@') && !text.starts_with('@') && !text.contains('/') {
        push(IdKind::Email);
    } else {
        push(IdKind::SocialProfile);
        push(IdKind::Domain);
        push(IdKind::MarketplaceShop);
        push(IdKind::MarketplaceListing);
    }
    if keys.is_empty() {
        return Err(Error::invalid(format!(
            "'{text}' is not a phone number, account, e-mail, domain or other identifier"
        )));
    }
    Ok(keys)
}

/// Vietnamese numbers to E.164 (`+84…`): mobiles (9 digits after the 0), landlines
/// (10 digits, area code 2x) and 1800/1900 service numbers.
fn phone(text: &str) -> Option<String> {
    let mut digits = String::new();
    let mut plus = false;
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '.' | '-' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
    }
    let national = if plus {
        digits.strip_prefix("84")?
    } else if let Some(rest) = digits.strip_prefix("0084") {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else if digits.len() == 11 && digits.starts_with("84") {
        &digits[2..]
    } else {
        &digits
    };
    // "+84 0912 345 678": a trunk zero written after the country code.
    let national = national.strip_prefix('0').unwrap_or(national);
    let service = national.starts_with("1800") || national.starts_with("1900");
    let ok = if service {
        national.len() == 8 || national.len() == 10
    } else {
        match national.as_bytes().first() {
            Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
            Some(b'2') => national.len() == 10,
            _ => false,
        }
    };
    ok.then(|| format!("+84{national}"))
}

/// Digits only; separators people type (spaces, dots, dashes) are dropped.
fn bank_account(text: &str) -> Option<String> {
    let mut digits = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '\u{a0}' => {}
            _ => return None,
        }
    }
    (6..=20).contains(&digits.len()).then_some(digits)
}

fn email(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let lower = lower.strip_prefix("mailto:").unwrap_or(&lower);
    let (local, host) = lower.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\"\\".contains(c));
    let host = host_name(host)?;
    local_ok.then(|| format!("{local}@{host}"))
}

/// The registrable part of a host or URL: `https://www.Shop.com.vn/x` → `shop.com.vn`.
fn domain(text: &str) -> Option<String> {
    let host = url_host(&text.to_lowercase())?;
    let labels: Vec<&str> = host.split('.').collect();
    let take = if labels.len() >= 3
        && TWO_LABEL_SUFFIXES.contains(&labels[labels.len() - 2..].join(".").as_str())
    {
        3
    } else {
        2
    };
    Some(labels[labels.len().saturating_sub(take)..].join("."))
}

/// `facebook.com/ten.shop`, `tiktok.com/@shop`, `facebook.com/profile.php?id=1`: the
/// platform's host (without `www.`/`m.`) and the first path segment.
fn social_profile(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let (host_part, path) = rest.split_once('/')?;
    let mut host = url_host(host_part)?;
    // Until none applies: `m.m.shop.vn` must come out as what `m.shop.vn` does, or a
    // normalized value would normalize to something else.
    while let Some(h) = ["www.", "m.", "mobile.", "web."]
        .iter()
        .find_map(|p| host.strip_prefix(p).filter(|h| h.contains('.')))
    {
        host = h.to_string();
    }
    if host == "fb.com" {
        host = "facebook.com".to_string();
    }
    let segment = path.split(['/', '#']).next().unwrap_or("");
    let segment = match segment.split_once('?') {
        // Numeric Facebook profiles live in the query string.
        Some(("profile.php", query)) => {
            let id = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("id="))
                .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))?;
            format!("profile.php?id={id}")
        }
        Some((seg, _)) => seg.to_string(),
        None if segment == "profile.php" => return None,
        None => segment.to_string(),
    };
    let ok = !segment.is_empty()
        && segment
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control());
    ok.then(|| format!("{host}/{segment}"))
}

/// Ten digits, or ten plus a three-digit branch suffix (`0101234567-001`).
fn tax_code(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        10 => Some(digits),
        13 => Some(format!("{}-{}", &digits[..10], &digits[10..])),
        _ => None,
    }
}

/// Shop and listing ids (`shopee:12345`): trimmed, lower case, whitespace collapsed.
fn generic(text: &str) -> Option<String> {
    if text.chars().any(char::is_control) {
        return None;
    }
    let out = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!out.is_empty()).then_some(out)
}

/// The host of a URL or bare host name, lower case, without port, user info or a
/// trailing dot; `None` for IP addresses and malformed names.
fn url_host(text: &str) -> Option<String> {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    host_name(host)
}

fn host_name(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return None;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c == '-' || c.is_alphanumeric())
            && l.chars().all(|c| c.to_lowercase().eq(std::iter::once(c)))
    };
    let tld = labels[labels.len() - 1];
    let ok = labels.iter().all(label_ok) && !tld.chars().all(|c| c.is_ascii_digit());
    ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: IdKind, raw: &str) -> String {
        normalize(kind, raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn repeated_host_prefixes_normalize_once() {
        let once = normalize(IdKind::SocialProfile, "m.M.Aa.Aa/a").unwrap();
        assert_eq!(once, "aa.aa/a");
        assert_eq!(normalize(IdKind::SocialProfile, &once).unwrap(), once);
    }

    #[test]
    fn phone_forms() {
        for raw in [
            "0912 345 678",
            "0912.345.678",
            "+84 912345678",
            "84912345678",
            "(+84) 91-234-5678",
            "+84 0912 345 678",
            "0084912345678",
        ] {
            assert_eq!(n(IdKind::Phone, raw), "+84912345678", "{raw}");
        }
        assert_eq!(n(IdKind::Phone, "024 3826 1234"), "+842438261234");
        assert_eq!(n(IdKind::Phone, "1900 1221"), "+8419001221");
        for bad in ["12345", "+1 650 253 0000", "0912 345 67a", "0612345678", ""] {
            assert!(normalize(IdKind::Phone, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accounts_domains_emails() {
        assert_eq!(n(IdKind::BankAccount, "0123 456 789"), "0123456789");
        assert_eq!(n(IdKind::BankAccount, "0123-456-789"), "0123456789");
        assert!(normalize(IdKind::BankAccount, "12ab34").is_err());
        assert_eq!(
            n(IdKind::Domain, "https://WWW.Shop-Dep.com.vn:8443/sp?id=1"),
            "shop-dep.com.vn"
        );
        assert_eq!(n(IdKind::Domain, "m.facebook.com"), "facebook.com");
        assert!(normalize(IdKind::Domain, "192.168.1.1").is_err());
        assert_eq!(
            n(IdKind::Email, " Ban.Hang@Gmail.COM "),
            "ban.hang@gmail.com"
        );
        assert!(normalize(IdKind::Email, "no-at-sign.com").is_err());
        assert_eq!(
            n(
                IdKind::SocialProfile,
                "https://m.facebook.com/Shop.Dep/posts/1"
            ),
            "facebook.com/shop.dep"
        );
        assert_eq!(
            n(IdKind::SocialProfile, "fb.com/profile.php?id=1000&ref=x"),
            "facebook.com/profile.php?id=1000"
        );
        assert_eq!(n(IdKind::TaxCode, "0101234567 001"), "0101234567-001");
        assert_eq!(normalize_qualifier("Vietcombank"), "VIETCOMBANK");
        assert_eq!(normalize_qualifier(" Ví MoMo "), "VIMOMO");
    }

    #[test]
    fn lookup_readings() {
        let keys = lookup_keys("0123 456 789").unwrap();
        assert!(keys.contains(&(IdKind::BankAccount, "0123456789".into())));
        assert!(!keys.iter().any(|(k, _)| *k == IdKind::Phone));
        let keys = lookup_keys("0912 345 678").unwrap();
        assert!(keys.contains(&(IdKind::Phone, "+84912345678".into())));
        assert!(keys.contains(&(IdKind::Ewallet, "+84912345678".into())));
        assert_eq!(
            lookup_keys("bank_account: 0912 345 678").unwrap(),
            vec![(IdKind::BankAccount, "0912345678".into())]
        );
        assert_eq!(
            lookup_keys("Shop@Example.VN").unwrap(),
            vec![(IdKind::Email, "shop@example.vn".into())]
        );
        assert!(lookup_keys("   ").is_err());
        assert!(lookup_keys("phone:abc").is_err());
    }
}
