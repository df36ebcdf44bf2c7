//! Emails, URLs, registrable domains (Public Suffix List compiled into the binary, no
//! download), social profiles and marketplace shops and listings read from URL shapes.

use std::sync::LazyLock;

use regex::Regex;

use crate::Kind;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}")
        .expect("valid regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:https?://|\bwww\.)[^\s<>\x22'\x1a\x1b`]+",
        r"|\b(?:[a-z0-9-]+\.)*(?:facebook\.com|fb\.com|fb\.me|zalo\.me|tiktok\.com|t\.me|",
        r"instagram\.com|shopee\.vn|lazada\.vn|tiki\.vn|sendo\.vn)/[^\s<>\x22'\x1a\x1b`]*"
    ))
    .expect("valid regex")
});
static BARE_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,12}")
        .expect("valid regex")
});

/// Top-level domains accepted for a domain written without scheme or "www.": prose has
/// too many "word.word" accidents ("Tp.HCM", "v.v") for the whole list.
const BARE_TLDS: &[&str] = &[
    "vn", "com", "net", "org", "info", "biz", "shop", "store", "online", "site", "xyz", "top",
    "me", "io", "co", "asia", "club", "app", "live", "link", "website", "pro",
];

/// Emails in folded text: (start, end).
pub(crate) fn find_emails(folded: &str) -> Vec<(usize, usize)> {
    EMAIL
        .find_iter(folded)
        .map(|m| (m.start(), m.end()))
        .collect()
}

pub fn normalize_email(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_lowercase();
    let m = EMAIL.find(&t)?;
    (m.start() == 0 && m.end() == t.len()).then_some(t)
}

/// Longer "URLs" are not links anyone typed or clicked (data blobs, hostile pages).
const MAX_URL: usize = 4096;

/// URLs in folded text: (start, end), trailing punctuation and an unbalanced closing
/// parenthesis left out ("(xem https://a.vn/x)").
pub(crate) fn find_urls(folded: &str) -> Vec<(usize, usize)> {
    URL.find_iter(folded)
        .filter(|m| m.len() <= MAX_URL)
        .map(|m| {
            let b = m.as_str().as_bytes();
            let open = b.iter().filter(|&&c| c == b'(').count();
            let mut close = b.iter().filter(|&&c| c == b')').count();
            let mut end = b.len();
            while end > 0 {
                let c = b[end - 1];
                if matches!(c, b'.' | b',' | b';' | b':' | b'!' | b'?' | b']' | b'}')
                    || (c == b')' && open < close)
                {
                    if c == b')' {
                        close -= 1;
                    }
                    end -= 1;
                } else {
                    break;
                }
            }
            (m.start(), m.start() + end)
        })
        .filter(|(s, e)| e > s)
        .collect()
}

/// Domains written bare ("shopdongho.vn"): (start, end, registrable domain).
pub(crate) fn find_bare_domains(folded: &str) -> Vec<(usize, usize, String)> {
    let b = folded.as_bytes();
    BARE_DOMAIN
        .find_iter(folded)
        .filter_map(|m| {
            let before = m.start().checked_sub(1).map(|i| b[i]);
            let after = b.get(m.end()).copied();
            if before.is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'@' | b'.' | b'/' | b'-' | b'_')
            }) || after
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'@' | b'-' | b'_'))
            {
                return None;
            }
            let host = m.as_str();
            let tld = host.rsplit('.').next()?;
            if !BARE_TLDS.contains(&tld) {
                return None;
            }
            registrable_domain(host).map(|d| (m.start(), m.end(), d))
        })
        .collect()
}

/// The registrable domain ("eTLD+1") of a host, from the Public Suffix List.
pub fn registrable_domain(host: &str) -> Option<String> {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty()
        || h.len() > 253
        || !h
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        || h.split('.').any(|l| l.is_empty() || l.len() > 63)
        || h.rsplit('.')
            .next()
            .is_some_and(|t| t.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let d = psl::domain(h.as_bytes())?;
    if !d.suffix().is_known() {
        return None;
    }
    String::from_utf8(d.as_bytes().to_vec()).ok()
}

/// A URL split into the parts we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub scheme: String,
    pub host: String,
    /// Byte offset of the host in the input.
    pub host_at: usize,
    pub path: String,
    pub query: String,
}

pub(crate) fn parse_url(raw: &str) -> Option<Parsed> {
    let (scheme, rest, off) = match raw.find("://") {
        Some(i) => (raw[..i].to_ascii_lowercase(), &raw[i + 3..], i + 3),
        None => ("https".to_string(), raw, 0),
    };
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..auth_end];
    let (host_at, hostport) = match auth.rfind('@') {
        Some(i) => (off + i + 1, &auth[i + 1..]),
        None => (off, auth),
    };
    let host = hostport.split(':').next()?.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let tail = &rest[auth_end..];
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (tail.to_string(), String::new()),
    };
    Some(Parsed {
        scheme,
        host,
        host_at,
        path,
        query,
    })
}

/// Lower-case scheme and host, no fragment, no port, no lone trailing slash.
pub fn normalize_url(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        return None;
    }
    let p = parse_url(t)?;
    registrable_domain(&p.host)?;
    let path = if p.path == "/" { "" } else { p.path.as_str() };
    let mut out = format!("{}://{}{}", p.scheme, p.host, path);
    if !p.query.is_empty() {
        out.push('?');
        out.push_str(&p.query);
    }
    Some(out)
}

/// An identifier read from a URL: kind, normalized value, the byte range inside the
/// URL it came from, and details.
pub(crate) struct UrlPart {
    pub kind: Kind,
    pub value: String,
    pub at: (usize, usize),
    pub details: Vec<(&'static str, String)>,
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn query_param<'a>(q: &'a str, key: &str) -> Option<&'a str> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn is_handle(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

const FACEBOOK_RESERVED: &[&str] = &[
    "sharer",
    "sharer.php",
    "share",
    "share.php",
    "watch",
    "events",
    "hashtag",
    "login",
    "login.php",
    "photo",
    "photo.php",
    "photos",
    "story.php",
    "permalink.php",
    "marketplace",
    "help",
    "policies",
    "privacy",
    "dialog",
    "plugins",
    "tr",
    "ads",
    "business",
    "gaming",
    "reel",
    "reels",
    "l.php",
    "home.php",
    "search",
    "settings",
    "notifications",
    "messages",
    "friends",
    "bookmarks",
    "legal",
    "terms",
    "about",
    "pages",
    "people",
    "groups",
    "stories",
    "video.php",
    "videos",
    "media",
    "fundraisers",
    "recover",
    "checkpoint",
    "r.php",
    "v",
];
const INSTAGRAM_RESERVED: &[&str] = &[
    "p", "reel", "reels", "explore", "stories", "accounts", "tv", "direct", "about", "legal",
];
const SHOPEE_RESERVED: &[&str] = &[
    "search",
    "cart",
    "m",
    "mall",
    "flash_sale",
    "daily_discover",
    "buyer",
    "user",
    "universal-link",
    "product",
    "shop",
    "api",
    "checkout",
    "verify",
    "seller",
    "deals",
    "landing",
    "event",
    "events",
    "campaign",
    "login",
    "signup",
    "docs",
    "legal",
    "policies",
];

/// Social profiles, marketplace shops and listings, and a phone in a Zalo link.
pub(crate) fn url_parts(raw: &str) -> Vec<UrlPart> {
    let Some(p) = parse_url(raw) else {
        return Vec::new();
    };
    let host = p.host.trim_start_matches("www.");
    let segs = segments(&p.path);
    let path_at = p.host_at
        + raw[p.host_at..]
            .find(['/', '?', '#'])
            .unwrap_or(raw.len() - p.host_at);
    let whole = (0, raw.len());
    let mut out = Vec::new();
    let mut push = |kind, value: String, details: Vec<(&'static str, String)>| {
        out.push(UrlPart {
            kind,
            value,
            at: whole,
            details,
        });
    };
    let first = segs.first().copied().unwrap_or("");
    let social = |platform: &'static str| vec![("platform", platform.to_string())];
    match host {
        "facebook.com"
        | "m.facebook.com"
        | "web.facebook.com"
        | "mobile.facebook.com"
        | "fb.com"
        | "fb.me"
        | "mbasic.facebook.com" => {
            if first == "profile.php" {
                if let Some(id) = query_param(&p.query, "id")
                    .filter(|i| i.bytes().all(|c| c.is_ascii_digit()) && !i.is_empty())
                {
                    push(
                        Kind::SocialProfile,
                        format!("facebook:{id}"),
                        social("facebook"),
                    );
                }
            } else if (first == "people" || first == "pages") && segs.len() >= 3 {
                let id = segs[2];
                if id.bytes().all(|c| c.is_ascii_digit()) {
                    push(
                        Kind::SocialProfile,
                        format!("facebook:{id}"),
                        social("facebook"),
                    );
                }
            } else if first == "groups" && segs.len() >= 2 && is_handle(segs[1]) {
                push(
                    Kind::SocialProfile,
                    format!("facebook:groups/{}", segs[1].to_ascii_lowercase()),
                    social("facebook"),
                );
            } else if !first.is_empty()
                && is_handle(first)
                && !FACEBOOK_RESERVED.contains(&first.to_ascii_lowercase().as_str())
            {
                push(
                    Kind::SocialProfile,
                    format!("facebook:{}", first.to_ascii_lowercase()),
                    social("facebook"),
                );
            }
        }
        "zalo.me" => {
            if first == "g" && segs.len() >= 2 && is_handle(segs[1]) {
                push(
                    Kind::SocialProfile,
                    format!("zalo:g/{}", segs[1]),
                    social("zalo"),
                );
            } else if let Some(e164) = crate::phone::normalize_phone(first)
                .filter(|_| first.bytes().all(|c| c.is_ascii_digit()))
            {
                push(Kind::SocialProfile, format!("zalo:{e164}"), social("zalo"));
                let s = raw[path_at..].find(first).map_or(0, |i| path_at + i);
                out.push(UrlPart {
                    kind: Kind::Phone,
                    value: e164,
                    at: (s, s + first.len()),
                    details: Vec::new(),
                });
            } else if is_handle(first) && !matches!(first, "pc" | "s" | "app") {
                push(Kind::SocialProfile, format!("zalo:{first}"), social("zalo"));
            }
        }
        "tiktok.com" | "m.tiktok.com" | "shop.tiktok.com" | "vt.tiktok.com" => {
            if let Some(user) = first.strip_prefix('@').filter(|u| is_handle(u)) {
                push(
                    Kind::SocialProfile,
                    format!("tiktok:@{}", user.to_ascii_lowercase()),
                    social("tiktok"),
                );
            } else if segs.len() >= 3 && segs[0] == "view" && segs[1] == "product" {
                tiktok_listing(segs[2], &mut push);
            } else if segs.len() >= 3 && segs[0] == "shop" && segs[1] == "pdp" {
                tiktok_listing(segs[segs.len() - 1], &mut push);
            } else if segs.len() >= 3 && segs[0] == "shop" && segs[1] == "store" {
                let id = segs[segs.len() - 1];
                if id.bytes().all(|c| c.is_ascii_digit()) {
                    push(
                        Kind::MarketplaceShop,
                        format!("tiktokshop:{id}"),
                        social("tiktokshop"),
                    );
                }
            }
        }
        "t.me" | "telegram.me"
            if is_handle(first) && !matches!(first, "s" | "share" | "joinchat" | "addstickers") =>
        {
            push(
                Kind::SocialProfile,
                format!("telegram:{}", first.to_ascii_lowercase()),
                social("telegram"),
            );
        }
        "instagram.com" if is_handle(first) && !INSTAGRAM_RESERVED.contains(&first) => {
            push(
                Kind::SocialProfile,
                format!("instagram:{}", first.to_ascii_lowercase()),
                social("instagram"),
            );
        }
        "shopee.vn" => shopee(&segs, &mut push),
        "lazada.vn" => {
            if segs.len() >= 2 && segs[0] == "products" {
                if let Some(id) = between(segs[1], "-i", &['-', '.']) {
                    push(
                        Kind::MarketplaceListing,
                        format!("lazada:{id}"),
                        social("lazada"),
                    );
                }
            } else if segs.len() >= 2 && segs[0] == "shop" && is_handle(segs[1]) {
                push(
                    Kind::MarketplaceShop,
                    format!("lazada:{}", segs[1].to_ascii_lowercase()),
                    social("lazada"),
                );
            }
        }
        "tiki.vn" => {
            if segs.len() >= 2 && segs[0] == "cua-hang" && is_handle(segs[1]) {
                push(
                    Kind::MarketplaceShop,
                    format!("tiki:{}", segs[1].to_ascii_lowercase()),
                    social("tiki"),
                );
            } else if segs.len() == 1
                && let Some(id) = last_between(first, "-p", ".html")
            {
                push(
                    Kind::MarketplaceListing,
                    format!("tiki:{id}"),
                    social("tiki"),
                );
            }
        }
        "sendo.vn" => {
            if segs.len() >= 2 && segs[0] == "shop" && is_handle(segs[1]) {
                push(
                    Kind::MarketplaceShop,
                    format!("sendo:{}", segs[1].to_ascii_lowercase()),
                    social("sendo"),
                );
            } else if segs.len() == 1
                && let Some(id) = last_between(first, "-", ".html")
            {
                push(
                    Kind::MarketplaceListing,
                    format!("sendo:{id}"),
                    social("sendo"),
                );
            }
        }
        _ => {}
    }
    out
}

fn tiktok_listing(id: &str, push: &mut impl FnMut(Kind, String, Vec<(&'static str, String)>)) {
    if !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()) {
        push(
            Kind::MarketplaceListing,
            format!("tiktokshop:{id}"),
            vec![("platform", "tiktokshop".into())],
        );
    }
}

fn shopee(segs: &[&str], push: &mut impl FnMut(Kind, String, Vec<(&'static str, String)>)) {
    let platform = || vec![("platform", "shopee".to_string())];
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let Some(first) = segs.first().copied() else {
        return;
    };
    if first == "product" && segs.len() >= 3 && digits(segs[1]) && digits(segs[2]) {
        push(
            Kind::MarketplaceListing,
            format!("shopee:{}.{}", segs[1], segs[2]),
            platform(),
        );
        push(
            Kind::MarketplaceShop,
            format!("shopee:{}", segs[1]),
            platform(),
        );
    } else if first == "shop" && segs.len() >= 2 && digits(segs[1]) {
        push(
            Kind::MarketplaceShop,
            format!("shopee:{}", segs[1]),
            platform(),
        );
    } else if segs.len() == 1 && first.contains("-i.") {
        let tail = &first[first.rfind("-i.").map_or(0, |i| i + 3)..];
        if let Some((shop, item)) = tail.split_once('.')
            && digits(shop)
            && digits(item)
        {
            push(
                Kind::MarketplaceListing,
                format!("shopee:{shop}.{item}"),
                platform(),
            );
            push(Kind::MarketplaceShop, format!("shopee:{shop}"), platform());
        }
    } else if segs.len() == 1
        && first.len() >= 3
        && first.len() <= 30
        && first
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_')
        && !SHOPEE_RESERVED.contains(&first)
    {
        push(
            Kind::MarketplaceShop,
            format!("shopee:{}", first.to_ascii_lowercase()),
            platform(),
        );
    }
}

/// The digits after the last `marker` in `s`, up to one of `stops` or the end.
fn between<'a>(s: &'a str, marker: &str, stops: &[char]) -> Option<&'a str> {
    let i = s.rfind(marker)? + marker.len();
    let rest = &s[i..];
    let end = rest.find(stops).unwrap_or(rest.len());
    let id = &rest[..end];
    (!id.is_empty() && id.bytes().all(|c| c.is_ascii_digit())).then_some(id)
}

/// The digits between the last `marker` and the `suffix` that ends `s`.
fn last_between<'a>(s: &'a str, marker: &str, suffix: &str) -> Option<&'a str> {
    let body = s.strip_suffix(suffix)?;
    let i = body.rfind(marker)? + marker.len();
    let id = &body[i..];
    (!id.is_empty() && id.bytes().all(|c| c.is_ascii_digit())).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(u: &str) -> Vec<(Kind, String)> {
        url_parts(u)
            .into_iter()
            .map(|p| (p.kind, p.value))
            .collect()
    }

    #[test]
    fn domains() {
        assert_eq!(
            registrable_domain("shop.abc.com.vn").as_deref(),
            Some("abc.com.vn")
        );
        assert_eq!(
            registrable_domain("www.shopee.vn").as_deref(),
            Some("shopee.vn")
        );
        assert_eq!(registrable_domain("127.0.0.1"), None);
        assert_eq!(registrable_domain("localhost"), None);
        let found: Vec<String> = find_bare_domains("xem dongho24h.vn, tp.hcm, v.v. file.txt")
            .into_iter()
            .map(|d| d.2)
            .collect();
        assert_eq!(found, ["dongho24h.vn"]);
    }

    #[test]
    fn marketplace_and_social() {
        use Kind::*;
        assert_eq!(
            parts("https://shopee.vn/Dong-ho-nam-i.123456.7890123"),
            [
                (MarketplaceListing, "shopee:123456.7890123".into()),
                (MarketplaceShop, "shopee:123456".into())
            ]
        );
        assert_eq!(
            parts("https://shopee.vn/dongho.chinhhang"),
            [(MarketplaceShop, "shopee:dongho.chinhhang".into())]
        );
        assert_eq!(
            parts("https://www.lazada.vn/products/dong-ho-i123456789-s987654321.html"),
            [(MarketplaceListing, "lazada:123456789".into())]
        );
        assert_eq!(
            parts("https://tiki.vn/dong-ho-p2345678.html?spid=1"),
            [(MarketplaceListing, "tiki:2345678".into())]
        );
        assert_eq!(
            parts("https://www.sendo.vn/dong-ho-nam-12345678.html"),
            [(MarketplaceListing, "sendo:12345678".into())]
        );
        assert_eq!(
            parts("https://shop.tiktok.com/view/product/1729384756"),
            [(MarketplaceListing, "tiktokshop:1729384756".into())]
        );
        assert_eq!(
            parts("https://www.facebook.com/profile.php?id=100012345678"),
            [(SocialProfile, "facebook:100012345678".into())]
        );
        assert_eq!(
            parts("fb.com/Shop.DongHo"),
            [(SocialProfile, "facebook:shop.dongho".into())]
        );
        assert_eq!(parts("https://www.facebook.com/sharer.php?u=x"), []);
        assert_eq!(
            parts("https://www.tiktok.com/@dongho.sg/video/1"),
            [(SocialProfile, "tiktok:@dongho.sg".into())]
        );
        assert_eq!(
            parts("https://zalo.me/0912345678"),
            [
                (SocialProfile, "zalo:+84912345678".into()),
                (Phone, "+84912345678".into())
            ]
        );
    }

    #[test]
    fn urls_in_text() {
        let t = "xem (https://abc.vn/x?y=1). hoac shopee.vn/abc, het";
        let found: Vec<&str> = find_urls(t).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(found, ["https://abc.vn/x?y=1", "shopee.vn/abc"]);
        assert_eq!(
            normalize_url("HTTPS://ABC.vn/#x").as_deref(),
            Some("https://abc.vn")
        );
    }
}
