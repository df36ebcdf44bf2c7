//! What a tip's free text is turned into: the received time, normalized links, the
//! identifiers it names (normalized exactly as `identifiers.rs` does for cases, so a tip
//! and a case meet on the same value) and the fingerprint that finds a repeated report.

use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Error, Result};
use crate::fold::fold;
use crate::identifiers::{self, IdKind};
use crate::time_fmt;

/// Vietnam's offset: a date written without a time or zone is a local date.
const LOCAL: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The received time as stored (RFC 3339 UTC). Accepts RFC 3339, `yyyy-mm-dd`,
/// `dd/mm/yyyy` (either with an optional ` HH:MM[:SS]`), local time when no zone is given.
/// More than a day in the future is refused: a swapped day and month usually is.
pub fn parse_received(text: &str) -> Result<String> {
    let t = text.trim();
    let bad = || {
        Error::invalid(format!(
            "'{t}' is not a date: write dd/mm/yyyy (e.g. 20/11/2026) or yyyy-mm-dd, \
             optionally followed by HH:MM"
        ))
    };
    if t.is_empty() {
        return Err(Error::invalid("the received date is empty"));
    }
    let when =
        if let Ok(dt) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
            dt
        } else {
            let (date_part, time_part) = match t.split_once([' ', 'T']) {
                Some((d, rest)) => (d, Some(rest.trim())),
                None => (t, None),
            };
            let date = parse_date(date_part).ok_or_else(bad)?;
            let time = match time_part {
                None | Some("") => Time::MIDNIGHT,
                Some(tp) => parse_time(tp).ok_or_else(bad)?,
            };
            PrimitiveDateTime::new(date, time).assume_offset(LOCAL)
        };
    if when > OffsetDateTime::now_utc() + time::Duration::days(1) {
        return Err(Error::invalid(format!(
            "the received date '{t}' is in the future (dates are read as dd/mm/yyyy)"
        )));
    }
    if when.year() < 1990 {
        return Err(Error::invalid(format!(
            "the received date '{t}' is before 1990"
        )));
    }
    Ok(time_fmt::format_utc(when))
}

fn parse_date(text: &str) -> Option<Date> {
    let iso = format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(text, &iso) {
        return Some(d);
    }
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    if parts.len() != 3 || parts[2].len() != 4 || parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    let day: u8 = parts[0].parse().ok()?;
    let month: u8 = parts[1].parse().ok()?;
    let year: i32 = parts[2].parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn parse_time(text: &str) -> Option<Time> {
    let mut it = text.split(':');
    let h: u8 = it.next()?.trim().parse().ok()?;
    let m: u8 = it.next()?.trim().parse().ok()?;
    let s: u8 = match it.next() {
        Some(s) => s.trim().split('.').next()?.parse().ok()?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    Time::from_hms(h, m, s).ok()
}

/// An Excel serial date (days since 1899-12-30, fraction = time of day), local time.
pub fn from_excel_serial(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let days = serial.trunc() as i64;
    let secs = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let date = base.checked_add(time::Duration::days(days))?;
    let dt = PrimitiveDateTime::new(date, Time::MIDNIGHT)
        .assume_offset(LOCAL)
        .checked_add(time::Duration::seconds(secs))?;
    Some(time_fmt::format_utc(dt))
}

/// The received date in local time, `dd/mm/yyyy`, for reports and lists.
pub fn local_date(received_at: &str) -> String {
    match OffsetDateTime::parse(received_at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let l = t.to_offset(LOCAL);
            format!("{:02}/{:02}/{}", l.day(), u8::from(l.month()), l.year())
        }
        Err(_) => received_at.to_string(),
    }
}

/// Query parameters that only say where a click came from.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "spm", "ref", "zarsrc", "utm_id", "igshid",
];

/// One form per page: scheme dropped (http = https), host lower-cased without `www.`/`m.`
/// and default port, fragment and tracking parameters dropped, the rest sorted, no
/// trailing slash. `None` for what is not a web address.
pub fn normalize_url(raw: &str) -> Option<String> {
    let t = raw.trim().trim_end_matches(['.', ',', ';', ')']);
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        return None;
    }
    let rest = match t.split_once("://") {
        Some((scheme, rest)) => {
            let s = scheme.to_ascii_lowercase();
            if s != "http" && s != "https" {
                return None;
            }
            rest
        }
        None => t,
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    for port in [":80", ":443"] {
        if let Some(h) = host.strip_suffix(port) {
            host = h.to_string();
        }
    }
    while let Some(h) = ["www.", "m."]
        .iter()
        .find_map(|p| host.strip_prefix(p).filter(|h| h.contains('.')))
    {
        host = h.to_string();
    }
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return None;
    }
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_query, ""),
    };
    let path = path.trim_end_matches('/');
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|kv| {
            let key = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
            !kv.is_empty() && !key.starts_with("utm_") && !TRACKING.contains(&key.as_str())
        })
        .collect();
    params.sort_unstable();
    let mut out = format!("{host}{path}");
    if !params.is_empty() {
        out.push('?');
        out.push_str(&params.join("&"));
    }
    Some(out)
}

/// The host of a normalized URL.
pub fn host_of(normalized: &str) -> &str {
    normalized.split(['/', '?']).next().unwrap_or(normalized)
}

/// Splits a cell or argument holding several links.
pub fn split_links(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == '|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An identifier given by hand: `kind:value`, or the kind guessed from its shape.
pub fn identifier_of(raw: &str) -> Result<(IdKind, String)> {
    let text = raw.trim();
    if let Some((prefix, rest)) = text.split_once(':')
        && let Ok(kind) = IdKind::parse(prefix.trim())
    {
        return Ok((kind, identifiers::normalize(kind, rest)?));
    }
    for &kind in guesses(text) {
        if let Ok(value) = identifiers::normalize(kind, text) {
            return Ok((kind, value));
        }
    }
    Err(Error::invalid(format!(
        "'{text}' is not a phone number, bank account, e-mail or domain (write kind:value, \
         e.g. bank_account:0123456789)"
    )))
}

fn guesses(text: &str) -> &'static [IdKind] {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || " .-()+/".contains(c));
    if numeric && digits > 0 {
        &[IdKind::Phone, IdKind::BankAccount]
    } else if text.contains('@') {
        &[IdKind::Email]
    } else {
        &[IdKind::Domain]
    }
}

/// Phones, bank accounts and e-mails written in a free text (an allegation): runs of
/// digits with the separators people type, and words with an `@`.
pub fn identifiers_in_text(text: &str) -> Vec<(IdKind, String)> {
    let mut out: Vec<(IdKind, String)> = Vec::new();
    let mut push = |k: IdKind, v: String| {
        if !out.contains(&(k, v.clone())) {
            out.push((k, v));
        }
    };
    let mut run = String::new();
    let flush = |run: &mut String, push: &mut dyn FnMut(IdKind, String)| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if digits >= 8 {
            let candidate = run.trim().trim_end_matches(['.', '-', '/']).to_string();
            if let Ok(v) = identifiers::normalize(IdKind::Phone, &candidate) {
                push(IdKind::Phone, v);
            } else if (6..=20).contains(&digits)
                && let Ok(v) = identifiers::normalize(IdKind::BankAccount, &candidate)
            {
                push(IdKind::BankAccount, v);
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit()
            || (!run.is_empty() && " .-+()".contains(c))
            || (run.is_empty() && c == '+')
        {
            run.push(c);
        } else {
            flush(&mut run, &mut push);
        }
    }
    flush(&mut run, &mut push);
    for word in text.split_whitespace() {
        if word.contains('@') {
            let w = word.trim_matches(|c: char| {
                !c.is_alphanumeric() && c != '@' && c != '.' && c != '_' && c != '-'
            });
            let w = w.trim_end_matches('.');
            if let Ok(v) = identifiers::normalize(IdKind::Email, w) {
                push(IdKind::Email, v);
            }
        }
    }
    out
}

/// Links written in a free text.
pub fn links_in_text(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| {
            let l = w.to_ascii_lowercase();
            l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.")
        })
        .map(|w| w.trim_end_matches(['.', ',', ';', ')']).to_string())
        .collect()
}

/// Same day, same reporter, same words → the same report.
pub fn fingerprint(received_at: &str, contact_key: &str, allegation: &str) -> String {
    let day = local_date(received_at);
    let words = fold(allegation)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut h = Sha256::new();
    for part in ["truyvet.tip.fp.v1", &day, contact_key, &words] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_received("20/11/2026").unwrap(),
            "2026-11-19T17:00:00.000Z"
        );
        assert_eq!(
            parse_received("2026-11-20").unwrap(),
            "2026-11-19T17:00:00.000Z"
        );
        assert_eq!(
            parse_received("20/11/2026 08:30").unwrap(),
            "2026-11-20T01:30:00.000Z"
        );
        assert_eq!(
            parse_received("2026-11-20T08:30:00+07:00").unwrap(),
            "2026-11-20T01:30:00.000Z"
        );
        for bad in [
            "11/20/2026",
            "20-11-26",
            "hôm qua",
            "2026/11/20",
            "31/02/2026",
            "3000-01-01",
        ] {
            assert!(parse_received(bad).is_err(), "{bad}");
        }
        assert_eq!(local_date("2026-11-19T17:00:00.000Z"), "20/11/2026");
    }

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("HTTPS://www.Shopee.vn/shop/123/?utm_source=fb&b=2&a=1#x").as_deref(),
            Some("shopee.vn/shop/123?a=1&b=2")
        );
        assert_eq!(
            normalize_url("http://shopee.vn/shop/123").as_deref(),
            Some("shopee.vn/shop/123")
        );
        assert_eq!(normalize_url("ftp://x.vn"), None);
        assert_eq!(normalize_url("khong phai"), None);
    }

    #[test]
    fn identifiers_from_text() {
        let found = identifiers_in_text(
            "Shop bán hàng giả, gọi 0912 345 678 hoặc chuyển khoản STK 1903 1234 5678 90 \
             Techcombank, email banhang@gmail.com.",
        );
        assert!(
            found.contains(&(IdKind::Phone, "+84912345678".into())),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(k, _)| *k == IdKind::BankAccount),
            "{found:?}"
        );
        assert!(
            found.contains(&(IdKind::Email, "banhang@gmail.com".into())),
            "{found:?}"
        );
    }
}
