//! The text pipeline: every matcher over one folded view, in an order where the more
//! specific readings claim their characters first (a URL before the numbers inside it,
//! an account or a wallet before the phone it looks like, a tax code before both).

use std::collections::BTreeMap;

use crate::fold::Doc;
use crate::{Hit, Kind, Location};

/// Hits in plain text; locations are byte ranges of `text`.
pub fn extract_text(text: &str) -> Vec<Hit> {
    let doc = Doc::new(text);
    let mut hits = Vec::new();
    let mut claimed = Claims::default();
    scan(&doc, &mut hits, &mut claimed);
    hits.sort_by_key(|h| match h.location {
        Location::Span { start, .. } => start,
        Location::Image { .. } => 0,
    });
    hits
}

/// Hits in an HTML page: its visible text and its link targets. Locations are byte
/// ranges of `html`.
pub fn extract_html(html: &str) -> Vec<Hit> {
    let visible = crate::html::visible_text(html);
    let mut hits: Vec<Hit> = extract_text(&visible.text)
        .into_iter()
        .map(|mut h| {
            if let Location::Span { start, end } = h.location {
                let s = visible.source_offset(start);
                let e = visible.source_offset(end.saturating_sub(1)) + 1;
                h.location = Location::Span {
                    start: s,
                    end: e.max(s).min(html.len()),
                };
            }
            h
        })
        .collect();
    for (href, s, e) in &visible.links {
        let (s, e) = (*s, *e);
        let target = href.trim();
        let snippet = crate::fold::snippet(html, s, e);
        // Offsets inside the link are exact only when the attribute holds the URL as
        // written (no entities, no leading space, not protocol-relative); otherwise a
        // hit points at the whole attribute value.
        let verbatim = html.get(s..e) == Some(target) && !target.starts_with("//");
        let shift = |h: &mut Hit| {
            if let Location::Span { start, end } = &mut h.location {
                if verbatim {
                    *start += s;
                    *end += s;
                } else {
                    (*start, *end) = (s, e);
                }
            }
            h.snippet.clone_from(&snippet);
        };
        let lower = target.to_ascii_lowercase();
        if let Some(num) = lower.strip_prefix("tel:") {
            if let Some(e164) = crate::normalize_phone(num) {
                hits.push(hit(Kind::Phone, target, e164, s, e, &snippet));
            }
            continue;
        }
        if let Some(addr) = lower.strip_prefix("mailto:") {
            let addr = addr.split('?').next().unwrap_or("");
            if let Some(email) = crate::normalize_email(addr) {
                hits.push(hit(Kind::Email, target, email, s, e, &snippet));
            }
            continue;
        }
        if !(lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("//"))
        {
            continue;
        }
        let absolute = if lower.starts_with("//") {
            format!("https:{target}")
        } else {
            target.to_string()
        };
        let mut found = Vec::new();
        url_hits(&absolute, 0, &mut found);
        for mut h in found {
            shift(&mut h);
            hits.push(h);
        }
    }
    hits.sort_by_key(|h| match h.location {
        Location::Span { start, .. } => start,
        Location::Image { .. } => 0,
    });
    hits
}

fn hit(kind: Kind, raw: &str, normalized: String, start: usize, end: usize, snippet: &str) -> Hit {
    Hit {
        kind,
        raw: raw.to_string(),
        normalized,
        location: Location::Span { start, end },
        snippet: snippet.to_string(),
        details: BTreeMap::new(),
    }
}

/// Text already taken by a more specific reading: disjoint ranges by start, so the
/// only range that can overlap `s..e` is the last one starting before `e` (a page with
/// a hundred thousand hits stays linear).
#[derive(Default)]
struct Claims(BTreeMap<usize, usize>);

impl Claims {
    fn overlaps(&self, s: usize, e: usize) -> bool {
        self.0
            .range(..e)
            .next_back()
            .is_some_and(|(_, &end)| end > s)
    }

    fn push(&mut self, (s, e): (usize, usize)) {
        if !self.overlaps(s, e) {
            self.0.insert(s, e);
        }
    }
}

fn overlaps(claimed: &Claims, s: usize, e: usize) -> bool {
    claimed.overlaps(s, e)
}

/// The hits of one URL written at text offset `at` (snippets filled by the caller).
fn url_hits(raw: &str, at: usize, out: &mut Vec<Hit>) {
    let Some(normalized) = crate::normalize_url(raw) else {
        return;
    };
    let end = at + raw.len();
    out.push(hit(Kind::Url, raw, normalized, at, end, ""));
    if let Some(p) = crate::web::parse_url(raw)
        && let Some(domain) = crate::registrable_domain(&p.host)
    {
        let hs = at + p.host_at;
        let host_raw = raw
            .get(p.host_at..p.host_at + p.host.len())
            .unwrap_or(&p.host);
        out.push(hit(
            Kind::Domain,
            host_raw,
            domain,
            hs,
            hs + p.host.len(),
            "",
        ));
    }
    for part in crate::web::url_parts(raw) {
        let (ps, pe) = part.at;
        let mut h = hit(part.kind, &raw[ps..pe], part.value, at + ps, at + pe, "");
        h.details.extend(part.details);
        out.push(h);
    }
}

static EMV_START: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"000201").expect("valid regex"));
static EMV_CRC: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"6304[0-9A-Fa-f]{4}").expect("valid regex"));

/// Text ranges holding an EMVCo payload: from "000201" to the first "6304" + CRC that
/// closes a well-framed payload (the CRC itself is judged later), at most 512 bytes.
fn emv_payloads(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(m) = EMV_START.find_at(text, from) {
        let s = m.start();
        // A payload is a token of its own: "…1000201…" inside a longer number is not one.
        if text[..s]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            from = s + 6;
            continue;
        }
        let limit = (s + 512).min(text.len());
        let limit = (limit..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let window = &text[s..limit];
        let end = EMV_CRC
            .find_iter(window)
            .map(|c| s + c.end())
            .find(|&e| !matches!(crate::parse_qr_payload(&text[s..e]), crate::QrPayload::Text));
        match end {
            Some(e) => {
                out.push((s, e));
                from = e;
            }
            None => from = s + 6,
        }
    }
    out
}

fn scan(doc: &Doc<'_>, hits: &mut Vec<Hit>, claimed: &mut Claims) {
    let b = doc.bytes();
    let folded = doc.folded.as_str();
    let push = |hits: &mut Vec<Hit>,
                kind: Kind,
                fs: usize,
                fe: usize,
                normalized: String,
                details: Vec<(&'static str, String)>| {
        let (s, e) = doc.span(fs, fe);
        hits.push(Hit {
            kind,
            raw: doc.raw(fs, fe).to_string(),
            normalized,
            location: Location::Span {
                start: s,
                end: e.max(s),
            },
            snippet: doc.snippet(fs, fe),
            details: details.into_iter().collect(),
        });
    };

    // EMVCo payloads pasted as text (a VietQR string copied from an app or a page's
    // data): the payload is one token, nothing inside it is an identifier of its own.
    for (s, e) in emv_payloads(doc.text) {
        let mut found = Vec::new();
        crate::image_qr::code_hits(
            &doc.text[s..e],
            Location::Span { start: s, end: e },
            &mut found,
        );
        for mut h in found {
            h.snippet = crate::fold::snippet(doc.text, s, e);
            hits.push(h);
        }
        claimed.push((doc.folded_at(s), doc.folded_at(e)));
    }

    // Emails, then URLs (which contain numbers and names that are not identifiers of
    // their own), then bare domains.
    for (fs, fe) in crate::web::find_emails(folded) {
        if let Some(email) = crate::normalize_email(doc.raw(fs, fe)) {
            push(hits, Kind::Email, fs, fe, email, Vec::new());
            claimed.push((fs, fe));
        }
    }
    for (fs, fe) in crate::web::find_urls(folded) {
        if overlaps(claimed, fs, fe) {
            continue;
        }
        let (s, _) = doc.span(fs, fe);
        let raw = doc.raw(fs, fe);
        let mut found = Vec::new();
        url_hits(raw, s, &mut found);
        for mut h in found {
            if let Location::Span { start, end } = h.location {
                h.snippet = crate::fold::snippet(doc.text, start, end);
            }
            hits.push(h);
        }
        claimed.push((fs, fe));
    }
    for (fs, fe, domain) in crate::web::find_bare_domains(folded) {
        if !overlaps(claimed, fs, fe) {
            push(hits, Kind::Domain, fs, fe, domain, Vec::new());
            claimed.push((fs, fe));
        }
    }

    let runs = crate::numbers::runs(b);
    for t in crate::tax::find(b, &runs) {
        if !overlaps(claimed, t.start, t.end) {
            push(hits, Kind::TaxCode, t.start, t.end, t.code, Vec::new());
            claimed.push((t.start, t.end));
        }
    }

    let phones: Vec<_> = crate::phone::find(b, &runs)
        .into_iter()
        .filter(|p| !overlaps(claimed, p.start, p.end))
        .collect();
    for w in crate::payment::find_wallets(b, &phones) {
        push(
            hits,
            Kind::Ewallet,
            w.start,
            w.end,
            format!("{}:{}", w.provider, w.e164),
            vec![
                ("provider", w.provider.to_string()),
                ("phone", w.e164.clone()),
            ],
        );
        claimed.push((w.start, w.end));
    }
    for a in crate::payment::find_accounts(b, &runs) {
        if overlaps(claimed, a.start, a.end) {
            continue;
        }
        let mut details = vec![("account", a.digits.clone())];
        if let Some(bank) = a.bank {
            details.push(("bank", bank.code.to_string()));
            details.push(("bank_name", bank.name.to_string()));
            details.push(("bin", bank.bin.to_string()));
        }
        push(
            hits,
            Kind::BankAccount,
            a.start,
            a.end,
            crate::payment::account_value(a.bank, &a.digits),
            details,
        );
        claimed.push((a.start, a.end));
    }
    for p in phones {
        if !overlaps(claimed, p.start, p.end) {
            push(hits, Kind::Phone, p.start, p.end, p.e164, Vec::new());
            claimed.push((p.start, p.end));
        }
    }
    for p in crate::phone::find_spelled(b) {
        if !overlaps(claimed, p.start, p.end) {
            push(
                hits,
                Kind::Phone,
                p.start,
                p.end,
                p.e164,
                vec![("form", "spelled".to_string())],
            );
            claimed.push((p.start, p.end));
        }
    }
    for p in crate::listing::find_prices(b) {
        if !overlaps(claimed, p.start, p.end) {
            push(
                hits,
                Kind::Price,
                p.start,
                p.end,
                p.value.to_string(),
                vec![("currency", "VND".to_string())],
            );
        }
    }
    for u in crate::listing::find_units_sold(b) {
        if !overlaps(claimed, u.start, u.end) {
            push(
                hits,
                Kind::UnitsSold,
                u.start,
                u.end,
                u.value.to_string(),
                Vec::new(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(hits: &[Hit]) -> Vec<(Kind, &str)> {
        hits.iter()
            .map(|h| (h.kind, h.normalized.as_str()))
            .collect()
    }

    #[test]
    fn a_seller_post() {
        let t = "Shop Đồng Hồ Xịn - Zalo: 0912.345.678\nSTK: 0011001234567 Vietcombank (NGUYEN VAN A)\n\
                 MoMo: 0987 654 321. Giá 1.250.000đ, đã bán 1,2k. MST 0100233488. Mã đơn 0909123456\n\
                 Web: https://dongho.vn/san-pham?id=1 fb.com/donghoxin email: Ban@DongHo.vn";
        let hits = extract_text(t);
        let k = kinds(&hits);
        use Kind::*;
        for want in [
            (Phone, "+84912345678"),
            (BankAccount, "VCB:0011001234567"),
            (Ewallet, "momo:+84987654321"),
            (Price, "1250000"),
            (UnitsSold, "1200"),
            (TaxCode, "0100233488"),
            (Url, "https://dongho.vn/san-pham?id=1"),
            (Domain, "dongho.vn"),
            (SocialProfile, "facebook:donghoxin"),
            (Email, "ban@dongho.vn"),
        ] {
            assert!(k.contains(&want), "{want:?} missing from {k:?}");
        }
        assert!(!k.iter().any(|x| x.1 == "+84909123456"), "{k:?}");
        assert!(
            !k.iter().any(|x| x.0 == Phone && x.1 == "+84987654321"),
            "{k:?}"
        );
        for h in &hits {
            let Location::Span { start, end } = h.location else {
                continue;
            };
            assert_eq!(t[start..end].trim_end(), h.raw, "{h:?}");
        }
    }

    #[test]
    fn vietqr_payload_pasted_as_text() {
        let good = crate::build_payload("970436", "0011001234567", Some("150000"), None);
        let bad = format!("{}0000", &good[..good.len() - 4]);
        let t = format!("Quét mã: {good}\nhoặc {bad} hết");
        let hits = extract_text(&t);
        let k = kinds(&hits);
        assert!(k.contains(&(Kind::Vietqr, "VCB:0011001234567")), "{k:?}");
        let qr = hits
            .iter()
            .find(|h| h.kind == Kind::QrCode)
            .expect("bad crc reported");
        assert_eq!(qr.details["status"], "crc_mismatch");
        // Nothing inside the payloads is reported on its own.
        assert_eq!(hits.len(), 2, "{k:?}");
        let Location::Span { start, end } = hits[0].location else {
            panic!()
        };
        assert_eq!(&t[start..end], good);
    }

    #[test]
    fn html_offsets_point_into_the_source() {
        let h = "<p>Liên hệ <b>0912</b> 345 678</p><a href=\"https://shopee.vn/abc-i.11.22\">x</a>";
        let hits = extract_html(h);
        let phone = hits.iter().find(|x| x.kind == Kind::Phone).expect("phone");
        let Location::Span { start, end } = phone.location else {
            panic!()
        };
        assert!(h[start..end].starts_with("0912"), "{}", &h[start..end]);
        assert!(
            hits.iter()
                .any(|x| x.kind == Kind::MarketplaceListing && x.normalized == "shopee:11.22")
        );
        let domain = hits
            .iter()
            .find(|x| x.kind == Kind::Domain)
            .expect("domain");
        let Location::Span { start, end } = domain.location else {
            panic!()
        };
        assert_eq!(&h[start..end], "shopee.vn");
    }

    #[test]
    fn rewritten_links_point_at_the_attribute() {
        let h =
            "<a href=\"//zalo.me/0912345678\">z</a><a href=\"https://fb.com/x?a=1&amp;b=2\">f</a>";
        for hit in extract_html(h) {
            let Location::Span { start, end } = hit.location else {
                panic!()
            };
            let value = &h[start..end];
            assert!(
                value == "//zalo.me/0912345678" || value == "https://fb.com/x?a=1&amp;b=2",
                "{hit:?} -> {value}"
            );
        }
    }
}
