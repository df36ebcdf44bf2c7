//! MHTML input (a page saved as "web page, single file"), built in the test as a
//! browser writes it: the page as quoted-printable UTF-8 with soft line breaks cutting
//! through words and numbers, a frame in Windows-1258, a VietQR PNG in base64 and a
//! damaged image. Hits carry the part they were found in and byte offsets into that
//! part's decoded HTML.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use support::images::{png, render};
use truyvet_extract::{
    ErrorCode, Hit, Kind, Location, Media, build_payload, decode_bytes, extract_document,
};

const BOUNDARY: &str = "----MultipartBoundary--x7Yq2Lp0RzT9----";

const PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Đồng hồ chính hãng \
giá rẻ</title></head><body><h1>Đồng hồ nam chính hãng – bảo hành 12 tháng</h1>\
<p>Liên hệ Zalo: <b>0912 345 678</b> (anh Tuấn)</p>\
<p>Số tài khoản: 0011001234567 Vietcombank – chủ tài khoản Nguyễn Văn A</p>\
<p>Mã đơn hàng 0911222333</p><img src=\"cid:qr@mhtml.blink\"></body></html>";

/// Quoted-printable as Chromium writes it: lines of at most 76 characters ending in a
/// soft break, every byte outside printable ASCII (and `=`) escaped.
fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut line = 0;
    for &b in bytes {
        let piece = if (b' '..=b'~').contains(&b) && b != b'=' {
            (b as char).to_string()
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

fn base64_lines(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    b64.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn qr_png() -> Vec<u8> {
    let payload = build_payload("970422", "0987654321", Some("50000"), None);
    png(&render(&payload, 6))
}

/// Windows-1258 for "Số tài khoản 123456789 ngân hàng ACB" (tones as combining marks).
const FRAME_1258: &[u8] =
    b"<html><body><p>S\xF4\xEC t\x61\xCCi kho\x61\xD2n 123456789 ng\x61n h\x61\xCCng ACB</p></body></html>";

fn mhtml() -> Vec<u8> {
    let mut m = format!(
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: https://shop.example.vn/dong-ho\r\n\
         Subject: =?utf-8?Q?=C4=90=E1=BB=93ng_h=E1=BB=93?=\r\nDate: Sat, 28 Nov 2026 09:00:00 +0700\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n\
         \tboundary=\"{BOUNDARY}\"\r\n\r\n\r\n"
    );
    let part = |m: &mut String, headers: &str, body: &str| {
        m.push_str(&format!("--{BOUNDARY}\r\n{headers}\r\n\r\n{body}\r\n"));
    };
    part(
        &mut m,
        "Content-Type: text/html\r\nContent-ID: <frame-0@mhtml.blink>\r\n\
         Content-Transfer-Encoding: quoted-printable\r\nContent-Location: https://shop.example.vn/dong-ho",
        &quoted_printable(PAGE.as_bytes()),
    );
    part(
        &mut m,
        "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Location: cid:qr@mhtml.blink",
        &base64_lines(&qr_png()),
    );
    part(
        &mut m,
        "Content-Type: text/html; charset=windows-1258\r\nContent-Transfer-Encoding: quoted-printable\r\n\
         Content-Location: https://shop.example.vn/frame",
        &quoted_printable(FRAME_1258),
    );
    part(
        &mut m,
        "Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64",
        &base64_lines(b"\xff\xd8\xff\xe0 not really a jpeg"),
    );
    m.push_str(&format!("--{BOUNDARY}--\r\n"));
    m.into_bytes()
}

fn find<'a>(hits: &'a [Hit], kind: Kind, normalized: &str) -> &'a Hit {
    hits.iter()
        .find(|h| h.kind == kind && h.normalized == normalized)
        .unwrap_or_else(|| panic!("{kind} {normalized} not in {hits:#?}"))
}

fn part(h: &Hit) -> &str {
    h.details.get("part").map(String::as_str).unwrap_or("-")
}

#[test]
fn saved_page_yields_page_frame_and_qr_hits() {
    let bytes = mhtml();
    let doc = extract_document(&bytes, Some("trang.mhtml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.media, Media::Mhtml);
    assert_eq!(doc.parts, Some(4));
    assert_eq!(doc.encoding, Some("UTF-8"));

    // Offsets index the decoded HTML of the part the hit names.
    let phone = find(&doc.identifiers, Kind::Phone, "+84912345678");
    let account = find(&doc.identifiers, Kind::BankAccount, "VCB:0011001234567");
    for h in [phone, account] {
        assert_eq!(part(h), "0", "{h:?}");
        let Location::Span { start, end } = h.location else {
            panic!("{h:?}")
        };
        assert!(PAGE[start..end].starts_with(&h.raw[..4]), "{h:?}");
    }
    assert!(account.snippet.contains("Số tài khoản"), "{account:?}");
    assert!(
        !doc.identifiers
            .iter()
            .any(|h| h.normalized == "+84911222333"),
        "an order number is no phone"
    );

    let qr = find(&doc.identifiers, Kind::Vietqr, "MB:0987654321");
    assert_eq!(part(qr), "1");
    assert_eq!(qr.details.get("amount").map(String::as_str), Some("50000"));
    assert!(matches!(qr.location, Location::Image { .. }));

    // The frame is read in the charset its part header names.
    let frame = find(&doc.identifiers, Kind::BankAccount, "ACB:123456789");
    assert_eq!(part(frame), "2");
    let frame_text = decode_bytes(FRAME_1258).text;
    let Location::Span { start, end } = frame.location else {
        panic!("{frame:?}")
    };
    assert_eq!(&frame_text[start..end], "123456789");

    // Recognised by its content without a name, and with LF line ends too.
    let unnamed = extract_document(&bytes, None).unwrap();
    assert_eq!(unnamed.media, Media::Mhtml);
    assert_eq!(unnamed.identifiers, doc.identifiers);
    let lf = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("\r\n", "\n");
    let lf = extract_document(lf.as_bytes(), Some("trang.mht")).unwrap();
    let kinds = |d: &truyvet_extract::Document| {
        d.identifiers
            .iter()
            .map(|h| (h.kind, h.normalized.clone(), part(h).to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&lf), kinds(&doc));

    // The JSON keeps the shape consumers read, with the part among the details.
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["media"], "mhtml");
    let first = &json["identifiers"][0];
    for field in ["type", "raw", "normalized", "location"] {
        assert!(first.get(field).is_some(), "{field} missing in {first}");
    }
    assert!(first["details"]["part"].is_string(), "{first}");
}

#[test]
fn damaged_messages_fail_cleanly() {
    let bytes = mhtml();
    // Cut anywhere: what survives is read, or the message is reported damaged.
    for cut in (0..bytes.len()).step_by(97) {
        match extract_document(&bytes[..cut], Some("cut.mhtml")) {
            Ok(d) => assert_eq!(d.media, Media::Mhtml),
            Err(e) => assert_eq!(e.code, ErrorCode::MhtmlUnreadable, "cut at {cut}: {e}"),
        }
    }
    let long_boundary = format!(
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary={}\r\n\r\n--{0}\r\n\r\nx",
        "-".repeat(5000)
    );
    for (sample, what) in [
        (
            &b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\nno boundary"[..],
            "boundary",
        ),
        (
            b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=zz\r\n\r\nno parts",
            "parts",
        ),
        (b"just some text", "not MIME"),
        (long_boundary.as_bytes(), "boundary too long"),
    ] {
        let e = extract_document(sample, Some("x.mht")).expect_err(what);
        assert_eq!(e.code, ErrorCode::MhtmlUnreadable, "{what}: {e}");
    }
    // Not named MHTML and not shaped like it: plain text as before.
    let d = extract_document(b"MIME-Version: 1.0 SDT 0912345678", None).unwrap();
    assert_eq!(d.media, Media::Text);
}
