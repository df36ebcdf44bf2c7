//! Throughput of the container readers: a saved page (MHTML, quoted-printable UTF-8)
//! against the same HTML read directly, and a compressed many-page PDF.
//!
//! `cargo run --release -p truyvet-extract --example containers`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use truyvet_extract::extract_document;

fn listing(i: usize) -> String {
    format!(
        "<div class=\"item\"><h3>Đồng hồ nam chính hãng mẫu {i}</h3><p>Giá: {}.000đ – đã bán {}</p>\
         <p>Liên hệ Zalo: 09{:02} {:03} {:03}</p><p>Số tài khoản: 00110{:08} Vietcombank</p>\
         <p>Mã đơn hàng 0911{:06}, giao hàng toàn quốc.</p></div>\n",
        100 + i % 900,
        i % 500,
        i % 100,
        i % 1000,
        (i * 7) % 1000,
        i,
        i
    )
}

fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut line = 0;
    for &b in bytes {
        let piece = if (b' '..=b'~').contains(&b) && b != b'=' {
            (b as char).to_string()
        } else if b == b'\n' {
            line = 0;
            out.push_str("\r\n");
            continue;
        } else {
            format!("={b:02X}")
        };
        if line + piece.len() > 75 {
            out.push_str("=\r\n");
            line = 0;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

fn pdf(pages: usize, lines: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for p in 0..pages {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 10.into()]),
            Operation::new("Td", vec![40.into(), 800.into()]),
        ];
        for l in 0..lines {
            let i = p * lines + l;
            let text = match l % 3 {
                0 => format!(
                    "Dong ho nam mau {i} - Lien he Zalo: 09{:02} {:03} {:03}",
                    i % 100,
                    i % 1000,
                    (i * 7) % 1000
                ),
                1 => format!("STK 00110{i:08} Vietcombank - chu tai khoan Nguyen Van A"),
                _ => format!(
                    "Ma don hang 0911{:06}, gia {}.000d, giao hang toan quoc",
                    i,
                    100 + i % 900
                ),
            };
            ops.push(Operation::new("Td", vec![0.into(), (-14).into()]));
            ops.push(Operation::new("Tj", vec![Object::string_literal(text)]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops }.encode().unwrap();
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Median seconds per run over at least `min` of wall time (and 3 runs).
fn time(min: Duration, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut runs = Vec::new();
    let started = Instant::now();
    let mut hits = 0;
    while runs.len() < 3 || started.elapsed() < min {
        let t = Instant::now();
        hits = f();
        runs.push(t.elapsed().as_secs_f64());
    }
    runs.sort_by(f64::total_cmp);
    (runs[runs.len() / 2], hits)
}

fn main() {
    let min = Duration::from_secs(3);
    let html: String = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{}</body></html>",
        (0..8000).map(listing).collect::<String>()
    );
    let mhtml = format!(
        "From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\
         \ttype=\"text/html\";\r\n\tboundary=\"----B----\"\r\n\r\n------B----\r\n\
         Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n------B------\r\n",
        quoted_printable(html.as_bytes())
    );
    let (s, hits) = time(min, || {
        extract_document(html.as_bytes(), Some("a.html"))
            .unwrap()
            .identifiers
            .len()
    });
    println!(
        "html   {:>6.2} MB  {:>7.1} MB/s  {hits} hits",
        html.len() as f64 / 1e6,
        html.len() as f64 / 1e6 / s
    );
    let (s, hits) = time(min, || {
        extract_document(mhtml.as_bytes(), Some("a.mhtml"))
            .unwrap()
            .identifiers
            .len()
    });
    println!(
        "mhtml  {:>6.2} MB  {:>7.1} MB/s  {hits} hits",
        mhtml.len() as f64 / 1e6,
        mhtml.len() as f64 / 1e6 / s
    );
    let (pages, lines) = (500, 45);
    let pdf = pdf(pages, lines);
    let (s, hits) = time(min, || {
        extract_document(&pdf, Some("a.pdf"))
            .unwrap()
            .identifiers
            .len()
    });
    println!(
        "pdf    {:>6.2} MB  {:>7.1} MB/s  {:>6.0} pages/s  {hits} hits ({pages} pages, flate)",
        pdf.len() as f64 / 1e6,
        pdf.len() as f64 / 1e6 / s,
        pages as f64 / s
    );
}
