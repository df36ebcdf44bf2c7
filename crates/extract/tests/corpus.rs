//! Precision and recall per identifier type over the generated corpus: 80 pages
//! (marketplace listings, social posts, classifieds, shop sites; HTML and text; UTF-8,
//! Windows-1258 and TCVN3) and 21 QR images. Fails below precision 0.95 or recall 0.90
//! for any type.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use truyvet_extract::{Kind, decode_bytes, extract_html, extract_image, extract_text};

#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn score(
    scores: &mut BTreeMap<Kind, Score>,
    truth: &support::Truth,
    found: &support::Truth,
    name: &str,
    misses: &mut Vec<String>,
) {
    for t in truth {
        let s = scores.entry(t.0).or_default();
        if found.contains(t) {
            s.tp += 1;
        } else {
            s.fn_ += 1;
            misses.push(format!("{name}: missed {:?} {}", t.0, t.1));
        }
    }
    for f in found.difference(truth) {
        scores.entry(f.0).or_default().fp += 1;
        misses.push(format!("{name}: bogus {:?} {}", f.0, f.1));
    }
}

fn report(title: &str, scores: &BTreeMap<Kind, Score>, misses: &[String]) {
    println!("{title}");
    println!(
        "{:<22} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "type", "tp", "fp", "fn", "precision", "recall"
    );
    let mut failed = Vec::new();
    for (kind, s) in scores {
        let precision = if s.tp + s.fp == 0 {
            1.0
        } else {
            s.tp as f64 / (s.tp + s.fp) as f64
        };
        let recall = if s.tp + s.fn_ == 0 {
            1.0
        } else {
            s.tp as f64 / (s.tp + s.fn_) as f64
        };
        println!(
            "{:<22} {:>5} {:>5} {:>5} {:>9.3} {:>7.3}",
            kind.as_str(),
            s.tp,
            s.fp,
            s.fn_,
            precision,
            recall
        );
        if precision < 0.95 || recall < 0.90 {
            failed.push(format!(
                "{kind}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    for m in misses {
        println!("  {m}");
    }
    assert!(failed.is_empty(), "below the bar: {failed:?}");
}

#[test]
fn pages_precision_and_recall() {
    // TRUYVET_CORPUS_SEED explores other corpora; the default one is what CI checks.
    let seed = std::env::var("TRUYVET_CORPUS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7275_7976_6574);
    let pages = support::pages(seed, 80);
    assert!(pages.len() >= 60);
    let mut scores = BTreeMap::new();
    let mut misses = Vec::new();
    let mut encodings = BTreeMap::new();
    for page in &pages {
        let decoded = decode_bytes(&page.bytes);
        *encodings.entry(decoded.encoding).or_insert(0) += 1;
        let expected_encoding = match page.encoding {
            support::Encoding::Utf8 => "UTF-8",
            support::Encoding::Windows1258 { .. } => "windows-1258",
            support::Encoding::Tcvn3 { .. } => "TCVN3",
        };
        assert_eq!(decoded.encoding, expected_encoding, "{}", page.name);
        let hits = if page.html {
            extract_html(&decoded.text)
        } else {
            extract_text(&decoded.text)
        };
        // Every location points at the text it claims to.
        for h in &hits {
            if let truyvet_extract::Location::Span { start, end } = h.location {
                assert!(
                    start <= end && end <= decoded.text.len(),
                    "{}: {h:?}",
                    page.name
                );
            }
        }
        let found: support::Truth = hits.into_iter().map(|h| (h.kind, h.normalized)).collect();
        score(&mut scores, &page.truth, &found, &page.name, &mut misses);
    }
    println!("encodings: {encodings:?}");
    for kind in [
        Kind::Phone,
        Kind::BankAccount,
        Kind::Ewallet,
        Kind::Email,
        Kind::Url,
        Kind::Domain,
        Kind::SocialProfile,
        Kind::MarketplaceShop,
        Kind::MarketplaceListing,
        Kind::TaxCode,
        Kind::Price,
        Kind::UnitsSold,
    ] {
        assert!(
            scores.get(&kind).is_some_and(|s| s.tp + s.fn_ >= 5),
            "too few {kind} in the corpus"
        );
    }
    report("pages", &scores, &misses);
}

#[test]
fn images_precision_and_recall() {
    let images = support::images::images(0x5152);
    assert!(images.len() >= 20);
    let mut scores = BTreeMap::new();
    let mut misses = Vec::new();
    for img in &images {
        let hits = extract_image(&img.bytes).unwrap_or_else(|e| panic!("{}: {e}", img.name));
        let found: support::Truth = hits
            .iter()
            .map(|h| (h.kind, h.normalized.clone()))
            .collect();
        // A code that is not a valid VietQR never becomes a bank account.
        if img.status != "vietqr" {
            assert!(
                !hits
                    .iter()
                    .any(|h| matches!(h.kind, Kind::Vietqr | Kind::BankAccount)),
                "{}: {hits:?}",
                img.name
            );
            let statuses: Vec<&str> = hits
                .iter()
                .filter(|h| h.kind == Kind::QrCode)
                .filter_map(|h| h.details.get("status").map(String::as_str))
                .collect();
            assert_eq!(statuses, [img.status], "{}", img.name);
        }
        score(&mut scores, &img.truth, &found, &img.name, &mut misses);
    }
    report("images", &scores, &misses);
}
