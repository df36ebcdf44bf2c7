//! Identifiers found in what is captured or imported arrive as suggestions of the case,
//! in the same transaction as the capture; two cases that captured the same seller's
//! bank account, written differently, show each other as cross-case hits.

use serde_json::Value;
use truyvet_tests::TestWorkspace;

use crate::capture::serve_page;

const SHOP_A: &str = "<html><head><meta charset=\"utf-8\"><title>Đồng hồ Rolex giá rẻ</title></head>\
    <body><h1>Đồng hồ nam cao cấp</h1><p>Giá 1.250.000đ — đã bán 2,3k</p>\
    <p>Liên hệ Zalo 0912 345 678</p>\
    <p>Chuyển khoản STK 0011 0012 34567 Vietcombank, chủ TK NGUYEN VAN A</p>\
    <p>Hotline Shopee 1900 1221</p></body></html>";

const SHOP_B: &str = "<html><head><meta charset=\"utf-8\"><title>Túi xách hàng hiệu</title></head>\
    <body><h1>Túi xách</h1><p>Mã đơn 20261128123456</p>\
    <p>CK vào số tài khoản 0011001234567 ngân hàng VCB</p>\
    <p>Gọi +84 98 765 4321</p></body></html>";

fn suggestions(ws: &TestWorkspace, code: &str) -> Vec<(String, String)> {
    let list = ws
        .run(&["entity", "list", "--case", code, "--state", "suggested"])
        .ok()
        .json();
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id_kind"].as_str().unwrap_or_default().to_string(),
                e["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn capture(ws: &TestWorkspace, code: &str, page: &'static str) -> Value {
    let (url, _) = serve_page(page);
    let run = ws
        .run(&["capture", &url, "--case", code, "--allow", "127.0.0.1"])
        .ok();
    run.json_lines().remove(0)
}

#[test]
fn a_capture_brings_its_identifiers_as_suggestions_and_links_cases() {
    let ws = TestWorkspace::with_profile();
    let a = ws.new_case("Đồng hồ giả");
    let b = ws.new_case("Túi xách giả");
    let captured = capture(&ws, &a, SHOP_A);
    let found = suggestions(&ws, &a);
    assert!(
        found.contains(&("phone".into(), "+84912345678".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("bank_account".into(), "0011001234567".into())),
        "{found:?}"
    );
    // The marketplace hotline is on the shipped exclusion list; a price is no identifier.
    assert!(
        !found.iter().any(|(_, v)| v.contains("19001221")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, v)| v.contains("1250000")),
        "{found:?}"
    );

    // The suggestions were logged with the capture, and point at its evidence item.
    let log = ws.run(&["log", "--case", &a]).ok().json();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let added = kinds.iter().position(|k| *k == "capture_added").unwrap();
    assert_eq!(
        kinds.get(added + 1),
        Some(&"identifiers_suggested"),
        "{kinds:?}"
    );
    let suggested = &log.as_array().unwrap()[added + 1]["payload"];
    assert_eq!(suggested["evidence_id"], captured["evidence"]["id"]);

    capture(&ws, &b, SHOP_B);
    let found_b = suggestions(&ws, &b);
    // An order number is not a phone.
    assert!(
        !found_b.iter().any(|(_, v)| v.contains("2026112812")),
        "{found_b:?}"
    );
    assert!(
        found_b.contains(&("phone".into(), "+84987654321".into())),
        "{found_b:?}"
    );
    let hits = ws.run(&["entity", "hits", "--case", &b]).ok().json();
    let hits = hits.as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["value"] == "0011001234567" && h["other_case_code"] == a.as_str()),
        "{hits:?}"
    );
    let lookup = ws.run(&["lookup", "0011 0012 34567"]).ok().json();
    assert_eq!(
        lookup
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["id_kind"] == "bank_account")
            .count(),
        2,
        "{lookup}"
    );
    ws.run(&["verify-workspace"]).ok();
}

#[test]
fn an_imported_page_brings_its_identifiers_too() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Trang lưu từ máy");
    let file = ws.write_file("trang.html", SHOP_A.as_bytes());
    let big = ws.write_file("video.bin", &[b'0'; 64]);
    ws.add(&code, &[&file, &big]);
    let found = suggestions(&ws, &code);
    assert!(
        found.contains(&("phone".into(), "+84912345678".into())),
        "{found:?}"
    );
    ws.run(&["verify-workspace"]).ok();
}

/// Serves a listing whose payment details are only in a VietQR image, as sellers post
/// them to stay out of text filters.
fn serve_listing_with_qr() -> String {
    use std::io::{Read, Write};
    let payload =
        truyvet_extract::build_payload("970436", "0011009988776", None, Some("TRAN THI B"));
    let png = crate::extract::qr_png(&payload);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let (kind, body): (&str, Vec<u8>) = if head.starts_with("GET /qr.png") {
                ("image/png", png.clone())
            } else {
                (
                    "text/html; charset=utf-8",
                    "<html><head><meta charset=\"utf-8\"><title>Giày thể thao</title></head>\
                     <body style=\"margin:0;background:#fff\"><h1>Giày thể thao nam</h1>\
                     <p>Quét mã để thanh toán</p><img src=\"/qr.png\" width=\"300\"></body></html>"
                        .as_bytes()
                        .to_vec(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    format!("{base}/giay")
}

#[test]
fn a_vietqr_code_in_the_screenshot_becomes_a_payment_account() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Giày giả");
    let url = serve_listing_with_qr();
    ws.run(&[
        "capture",
        "--browser",
        &url,
        "--case",
        &code,
        "--allow",
        "127.0.0.1",
    ])
    .ok();
    let found = suggestions(&ws, &code);
    assert!(
        found.contains(&("vietqr".into(), "0011009988776".into())),
        "{found:?}"
    );
    let list = ws.run(&["entity", "list", "--case", &code]).ok().json();
    let qr = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id_kind"] == "vietqr")
        .unwrap();
    assert_eq!(qr["kind"], "payment_account", "{qr}");
    assert!(
        qr["qualifier"].as_str().unwrap().contains("VCB"),
        "the bank comes from the BIN table: {qr}"
    );
}

#[test]
fn a_suggestion_from_a_saved_page_says_which_part_it_is_in() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Trang lưu MHTML");
    let mhtml = "From: <Saved by Blink>\r\nSubject: Shop\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/related; type=\"text/html\"; boundary=\"----B\"\r\n\r\n\
        ------B\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
        <html><body><p>Liên hệ 0912 345 678</p></body></html>\r\n------B--\r\n";
    let file = ws.write_file("shop.mhtml", mhtml.as_bytes());
    ws.add(&code, &[&file]);
    let found = ws.run(&["lookup", "0912345678"]).ok().json();
    let phone = found
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id_kind"] == "phone")
        .unwrap_or_else(|| panic!("{found}"));
    assert!(
        phone["location"]
            .as_str()
            .unwrap()
            .starts_with("file:part 0:"),
        "{phone}"
    );
}
