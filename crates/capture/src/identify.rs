//! Identifiers found in what a capture (or an imported file) holds, turned into the
//! suggestions the core records with the evidence: the page's HTML (visible text and
//! link targets), its address, and QR codes in its screenshot.
//!
//! The extractor reports more than the case stores: URLs, prices and units sold describe
//! a listing but are not identifiers that tie sellers together, and a QR code that is not
//! a valid VietQR must never become a bank account. Each remaining hit is checked with
//! the core's own normalizer here, so one odd hit cannot refuse the whole batch.

use truyvet_core::IdentifierHit;
use truyvet_core::identifiers::{IdKind, normalize, normalize_qualifier};
use truyvet_extract::{Hit, Kind, Location};

/// Hits from a captured page. `html` is the page source (HTTP body or rendered DOM);
/// without it the visible `text` is scanned. `url` is the final address, which names a
/// marketplace shop or listing by its shape. `screenshot` is searched for VietQR codes.
pub fn page_identifiers(
    html: Option<&str>,
    text: Option<&str>,
    url: &str,
    screenshot: Option<&[u8]>,
) -> Vec<IdentifierHit> {
    let mut hits = match (html, text) {
        (Some(html), _) => truyvet_extract::extract_html(html),
        (None, Some(text)) => truyvet_extract::extract_text(text),
        (None, None) => Vec::new(),
    };
    // The address is scanned as text of its own; its offsets are not offsets of the page.
    hits.extend(
        truyvet_extract::extract_text(url)
            .into_iter()
            .filter(|h| matches!(h.kind, Kind::MarketplaceShop | Kind::MarketplaceListing))
            .map(|mut h| {
                h.location = Location::Span { start: 0, end: 0 };
                h.snippet = url.to_string();
                h
            }),
    );
    if let Some(png) = screenshot {
        // An unreadable screenshot is not a capture failure: it only yields no QR hits.
        hits.extend(truyvet_extract::extract_screenshot(png).unwrap_or_default());
    }
    to_suggestions(&hits, url_location(html.is_some()))
}

/// Hits from an imported file (HTML, text or image), for `evidence add`.
pub fn file_identifiers(bytes: &[u8], file_name: Option<&str>) -> Vec<IdentifierHit> {
    match truyvet_extract::extract_document(bytes, file_name) {
        Ok(doc) => to_suggestions(&doc.identifiers, "file"),
        Err(_) => Vec::new(),
    }
}

/// Largest imported file scanned for identifiers; bigger files (videos, disk images,
/// archives) are evidence too, but not pages or pictures of a seller.
pub const MAX_SCANNED_FILE: u64 = 32 * 1024 * 1024;

/// Suggests the identifiers found in imported evidence items, each read back from the
/// blob store (what is scanned is what was stored). Items too large, of other types, or
/// with nothing found are skipped. Returns how many identifiers were recorded.
pub fn suggest_for_files(
    ws: &mut truyvet_core::Workspace,
    case: &str,
    items: &[truyvet_core::model::EvidenceItem],
) -> truyvet_core::Result<u64> {
    let mut recorded = 0;
    for item in items.iter().filter(|i| i.size <= MAX_SCANNED_FILE) {
        // The plaintext, decrypted where the workspace is encrypted.
        let Ok(bytes) = ws.blobs().read_plain(&item.sha256) else {
            continue;
        };
        let hits = file_identifiers(&bytes, Some(&item.original_filename));
        if !hits.is_empty() {
            recorded += ws
                .suggest_identifiers(case, &item.id, &hits)?
                .occurrences_added;
        }
    }
    Ok(recorded)
}

fn url_location(from_html: bool) -> &'static str {
    if from_html { "html" } else { "text" }
}

fn to_suggestions(hits: &[Hit], source: &str) -> Vec<IdentifierHit> {
    let mut out: Vec<IdentifierHit> = Vec::new();
    for hit in hits {
        let Some(s) = suggestion(hit, source) else {
            continue;
        };
        let duplicate = out.iter().any(|o| {
            o.kind == s.kind
                && o.normalized == s.normalized
                && o.qualifier == s.qualifier
                && o.location == s.location
        });
        if !duplicate {
            out.push(s);
        }
    }
    out
}

fn suggestion(hit: &Hit, source: &str) -> Option<IdentifierHit> {
    let detail = |k: &str| hit.details.get(k).cloned().unwrap_or_default();
    let (kind, value, qualifier) = match hit.kind {
        Kind::Phone => (IdKind::Phone, hit.normalized.clone(), String::new()),
        Kind::Ewallet => {
            let phone = detail("phone");
            let value = if phone.is_empty() {
                hit.normalized.clone()
            } else {
                phone
            };
            (IdKind::Ewallet, value, detail("provider"))
        }
        Kind::BankAccount => (IdKind::BankAccount, detail("account"), detail("bank")),
        Kind::Vietqr => (IdKind::Vietqr, detail("account"), detail("bank")),
        Kind::Email => (IdKind::Email, hit.normalized.clone(), String::new()),
        Kind::Domain => (IdKind::Domain, hit.normalized.clone(), String::new()),
        Kind::SocialProfile => (IdKind::SocialProfile, hit.normalized.clone(), String::new()),
        Kind::MarketplaceShop => (
            IdKind::MarketplaceShop,
            hit.normalized.clone(),
            String::new(),
        ),
        Kind::MarketplaceListing => (
            IdKind::MarketplaceListing,
            hit.normalized.clone(),
            String::new(),
        ),
        Kind::TaxCode => (IdKind::TaxCode, hit.normalized.clone(), String::new()),
        // Descriptions of a listing, or a QR code that is not a valid VietQR.
        Kind::Url | Kind::Price | Kind::UnitsSold | Kind::QrCode => return None,
    };
    let value = normalize(kind, &value).ok()?;
    let location = match hit.location {
        Location::Span { start, end } if start == 0 && end == 0 => "url".to_string(),
        // A PDF hit is placed in its page's text, an MHTML hit in its part's HTML.
        Location::Span { start, end } => match (hit.details.get("page"), hit.details.get("part")) {
            (Some(page), _) => format!("{source}:page {page}:{start}-{end}"),
            (None, Some(part)) => format!("{source}:part {part}:{start}-{end}"),
            (None, None) => format!("{source}:{start}-{end}"),
        },
        Location::Image { region } => format!(
            "image:{},{} {}x{}",
            region.x, region.y, region.width, region.height
        ),
    };
    Some(IdentifierHit {
        kind: Some(kind),
        raw: hit.raw.clone(),
        normalized: Some(value),
        qualifier: normalize_qualifier(&qualifier),
        location,
        snippet: hit.snippet.chars().take(240).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_yields_phones_accounts_and_its_listing() {
        let html = "<html><body><p>Liên hệ 0912 345 678 (Zalo)</p>\
            <p>STK 0011001234567 Vietcombank</p>\
            <p>Giá 1.250.000đ, đã bán 1,2k</p></body></html>";
        let hits = page_identifiers(
            Some(html),
            None,
            "https://shopee.vn/dong-ho-nam-i.123456.7891011",
            None,
        );
        let found: Vec<(IdKind, String)> = hits
            .iter()
            .map(|h| (h.kind.unwrap(), h.normalized.clone().unwrap()))
            .collect();
        assert!(
            found.contains(&(IdKind::Phone, "+84912345678".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(IdKind::BankAccount, "0011001234567".into())),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(k, _)| *k == IdKind::MarketplaceListing),
            "{found:?}"
        );
        // A price is not an identifier.
        assert!(
            !found.iter().any(|(_, v)| v.contains("1250000")),
            "{found:?}"
        );
        let account = hits
            .iter()
            .find(|h| h.kind == Some(IdKind::BankAccount))
            .unwrap();
        assert!(!account.qualifier.is_empty(), "bank kept: {account:?}");
        assert!(account.location.starts_with("html:"), "{account:?}");
    }

    #[test]
    fn garbage_yields_nothing_and_does_not_panic() {
        assert!(page_identifiers(None, None, "not a url", Some(b"not a png")).is_empty());
        assert!(file_identifiers(b"\xff\xfe\x00garbage", Some("x.png")).is_empty());
    }
}
