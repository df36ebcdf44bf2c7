//! Extraction benchmark, run by `bench/extract.py` (release build): HTML throughput over
//! the generated corpus, one large page, and VietQR decode time per image variant.
//! With `--out DIR` it also writes the corpus pages and their phone ground truth there,
//! so a peer can be timed over the very same bytes. Prints one JSON object.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use truyvet_extract::{Kind, decode_bytes, extract_html, extract_image, extract_text};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Runs `f` until at least `min` has passed (and at least `runs` times): seconds per run.
fn time_per_run(min: Duration, runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    let mut out = Vec::new();
    let start = Instant::now();
    while out.len() < runs || start.elapsed() < min {
        let t = Instant::now();
        f();
        out.push(t.elapsed().as_secs_f64());
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let pages_n: usize = arg("--pages").map_or(400, |s| s.parse().unwrap());
    let pages = support::pages(0x6265_6e63, pages_n);
    if let Some(dir) = arg("--out") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        for p in &pages {
            std::fs::write(dir.join(&p.name), &p.bytes).unwrap();
            let phones: Vec<&str> = p
                .truth
                .iter()
                .filter(|t| t.0 == Kind::Phone)
                .map(|t| t.1.as_str())
                .collect();
            let truth = format!(
                "[{}]",
                phones
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            std::fs::write(dir.join(format!("{}.phones.json", p.name)), truth).unwrap();
        }
    }
    // Phone precision and recall on this corpus, to set beside a peer's.
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for p in &pages {
        let d = decode_bytes(&p.bytes);
        let hits = if p.html {
            extract_html(&d.text)
        } else {
            extract_text(&d.text)
        };
        let found: std::collections::BTreeSet<String> = hits
            .into_iter()
            .filter(|h| h.kind == Kind::Phone)
            .map(|h| h.normalized)
            .collect();
        let truth: std::collections::BTreeSet<String> = p
            .truth
            .iter()
            .filter(|t| t.0 == Kind::Phone)
            .map(|t| t.1.clone())
            .collect();
        tp += found.intersection(&truth).count();
        fp += found.difference(&truth).count();
        fneg += truth.difference(&found).count();
    }
    let total: usize = pages.iter().map(|p| p.bytes.len()).sum();
    let html_bytes: usize = pages.iter().filter(|p| p.html).map(|p| p.bytes.len()).sum();

    // Corpus: decode + extract every page.
    let mut hits = 0;
    let mut corpus = time_per_run(Duration::from_secs(3), 3, || {
        hits = 0;
        for p in &pages {
            let d = decode_bytes(&p.bytes);
            hits += if p.html {
                extract_html(&d.text).len()
            } else {
                extract_text(&d.text).len()
            };
        }
    });
    let corpus_s = median(&mut corpus);

    // One large page: the corpus bodies concatenated into one HTML document.
    let mut big = String::from("<html><body>");
    while big.len() < 20 << 20 {
        for p in pages
            .iter()
            .filter(|p| p.html && p.encoding == support::Encoding::Utf8)
        {
            big.push_str(std::str::from_utf8(&p.bytes).unwrap());
        }
    }
    big.push_str("</body></html>");
    let mut big_hits = 0;
    let mut big_t = time_per_run(Duration::from_secs(3), 2, || {
        big_hits = extract_html(&big).len()
    });
    let big_s = median(&mut big_t);

    // VietQR: each image variant, decode time per image.
    let images = if std::env::args().any(|a| a == "--no-qr") {
        Vec::new()
    } else {
        support::images::images(0x7172)
    };
    let mut images = images;
    if !images.is_empty() {
        // A phone screenshot at full size (1080×2340) with the code in the lower half.
        let code = support::images::render(
            &truyvet_extract::build_payload("970436", "0011001234567", Some("250000"), None),
            8,
        );
        let mut page = image::GrayImage::from_pixel(1080, 2340, image::Luma([245]));
        image::imageops::overlay(&mut page, &code, 200, 1300);
        let mut truth = support::Truth::new();
        truth.insert((Kind::Vietqr, "VCB:0011001234567".into()));
        images.push(support::images::QrImage {
            name: "phone_screenshot_1080x2340.png".into(),
            bytes: support::images::png(&page),
            truth,
            status: "vietqr",
        });
    }
    let mut qr = Vec::new();
    for img in &images {
        let mut found = 0;
        let mut t = time_per_run(Duration::from_millis(400), 5, || {
            found = extract_image(&img.bytes).unwrap().len();
        });
        qr.push(format!(
            "{{\"name\":\"{}\",\"bytes\":{},\"ms\":{:.2},\"hits\":{found}}}",
            img.name,
            img.bytes.len(),
            median(&mut t) * 1e3
        ));
    }
    println!(
        "{{\"pages\":{},\"corpus_bytes\":{total},\"html_bytes\":{html_bytes},\"corpus_hits\":{hits},\
         \"corpus_s\":{corpus_s:.4},\"corpus_mb_s\":{:.2},\"big_bytes\":{},\"big_hits\":{big_hits},\
         \"big_s\":{big_s:.4},\"big_mb_s\":{:.2},\"phone_tp\":{tp},\"phone_fp\":{fp},\"phone_fn\":{fneg},\"qr\":[{}]}}",
        pages.len(),
        total as f64 / corpus_s / 1e6,
        big.len(),
        big.len() as f64 / big_s / 1e6,
        qr.join(",")
    );
}
