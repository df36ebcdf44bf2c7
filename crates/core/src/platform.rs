//! Which selling platform a URL belongs to. Periodic reports count cases per platform
//! and the watch list labels its targets with it, so both must agree on one mapping:
//! the registrable domain ("eTLD+1", from the Public Suffix List) decides, never a
//! substring of the host, so `shopee.vn.evil.example` is not Shopee.

/// Known platforms by the first label of their registrable domain. Country domains of
/// the same brand (`shopee.vn`, `shopee.com.my`) share the label.
const BY_LABEL: &[(&str, &str)] = &[
    ("shopee", "shopee"),
    ("lazada", "lazada"),
    ("tiki", "tiki"),
    ("tiktok", "tiktok"),
    ("tiktokshop", "tiktok"),
    ("facebook", "facebook"),
    ("fb", "facebook"),
    ("messenger", "facebook"),
    ("zalo", "zalo"),
    ("sendo", "sendo"),
    ("instagram", "instagram"),
    ("youtube", "youtube"),
    ("youtu", "youtube"),
];

/// Registrable domains whose first label is too generic to match on its own.
const BY_DOMAIN: &[(&str, &str)] = &[("t.me", "telegram"), ("telegram.org", "telegram")];

/// The platform of a URL when it is one of the known ones (`"shopee"`, `"lazada"`,
/// `"tiki"`, `"tiktok"`, `"facebook"`, `"zalo"`, `"sendo"`, …); `None` otherwise. For
/// the registrable domain of any other site see [`platform_or_domain`].
pub fn platform_of_url(url: &str) -> Option<&'static str> {
    let domain = registrable_domain(&host_of(url)?)?;
    if let Some((_, p)) = BY_DOMAIN.iter().find(|(d, _)| *d == domain) {
        return Some(p);
    }
    let label = domain.split('.').next()?;
    BY_LABEL.iter().find(|(l, _)| *l == label).map(|(_, p)| *p)
}

/// The known platform of a URL, else its registrable domain (`"example.vn"`), else
/// `None` (an IP address, `localhost`, or not a URL).
pub fn platform_or_domain(url: &str) -> Option<String> {
    if let Some(p) = platform_of_url(url) {
        return Some(p.to_string());
    }
    registrable_domain(&host_of(url)?)
}

/// The lower-case host of an absolute http(s) URL, without user info or port.
fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.starts_with('[') {
        return None; // an IPv6 literal has no platform
    }
    let host = host_port.split(':').next()?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

fn registrable_domain(host: &str) -> Option<String> {
    let valid = host.len() <= 253
        && host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        && !host.split('.').any(|l| l.is_empty() || l.len() > 63)
        && !host
            .rsplit('.')
            .next()
            .is_some_and(|t| t.bytes().all(|c| c.is_ascii_digit()));
    if !valid {
        return None;
    }
    let d = psl::domain(host.as_bytes())?;
    if !d.suffix().is_known() {
        return None;
    }
    String::from_utf8(d.as_bytes().to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_platforms() {
        assert_eq!(
            platform_of_url("https://shopee.vn/product/1/2"),
            Some("shopee")
        );
        assert_eq!(platform_of_url("https://SHOPEE.COM.MY/x"), Some("shopee"));
        assert_eq!(
            platform_of_url("https://www.lazada.vn/products/a.html"),
            Some("lazada")
        );
        assert_eq!(platform_of_url("http://tiki.vn"), Some("tiki"));
        assert_eq!(
            platform_of_url("https://vt.tiktok.com/ZS123/"),
            Some("tiktok")
        );
        assert_eq!(
            platform_of_url("https://m.facebook.com/groups/1"),
            Some("facebook")
        );
        assert_eq!(platform_of_url("https://fb.com/x"), Some("facebook"));
        assert_eq!(platform_of_url("https://zalo.me/0912345678"), Some("zalo"));
        assert_eq!(
            platform_of_url("https://www.sendo.vn:443/a?b#c"),
            Some("sendo")
        );
        assert_eq!(platform_of_url("https://t.me/shopname"), Some("telegram"));
        assert_eq!(
            platform_of_url("https://user:pw@shopee.vn/"),
            Some("shopee")
        );
    }

    #[test]
    fn lookalikes_and_others() {
        assert_eq!(platform_of_url("https://shopee.vn.evil.example/"), None);
        assert_eq!(platform_of_url("https://myshopee.vn/"), None);
        assert_eq!(platform_of_url("https://example.vn/"), None);
        assert_eq!(platform_of_url("ftp://shopee.vn/"), None);
        assert_eq!(platform_of_url("shopee.vn"), None);
        assert_eq!(
            platform_or_domain("https://shop.banhang.com.vn/x").as_deref(),
            Some("banhang.com.vn")
        );
        assert_eq!(
            platform_or_domain("https://tiki.vn/").as_deref(),
            Some("tiki")
        );
        assert_eq!(platform_or_domain("http://127.0.0.1:8080/a"), None);
        assert_eq!(platform_or_domain("http://[::1]:8080/a"), None);
        assert_eq!(platform_or_domain("http://localhost/a"), None);
    }
}
