//! `truyvet extract`: identifiers from HTML, text, image, MHTML and PDF files as JSON lines, no
//! workspace needed, and bad input (a missing file, a text file named .png) reported
//! with a stable code and exit 3 while the other files are still read.

use serde_json::Value;
use truyvet_tests::TestWorkspace;

pub(crate) fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let img = code
        .render::<image::Luma<u8>>()
        .module_dimensions(6, 6)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn identifiers(line: &Value) -> Vec<(String, String)> {
    line["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            for field in ["type", "raw", "normalized", "location"] {
                assert!(h.get(field).is_some(), "{field} missing in {h}");
            }
            (
                h["type"].as_str().unwrap().to_string(),
                h["normalized"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn html_text_and_image_files() {
    let ws = TestWorkspace::new();
    let html = ws.write_file(
        "listing.html",
        "<html><head><title>Đồng hồ</title></head><body><p>Giá: 1.250.000đ</p>\
         <p>Zalo: <b>0912</b> 345 678</p><p>STK 0011001234567 Vietcombank</p>\
         <a href=\"https://shopee.vn/dong-ho-i.12345.67890\">Mua</a>\
         <script>var id = '0987654321';</script></body></html>"
            .as_bytes(),
    );
    let text = ws.write_file(
        "post.txt",
        "MoMo: 0987 654 321. MST 0100233488. Mã đơn hàng 0911222333. fb.com/donghoxin".as_bytes(),
    );
    let payload = truyvet_extract::build_payload("970422", "0987654321", Some("50000"), None);
    let image = ws.write_file("qr.png", &qr_png(&payload));
    let run = ws.run(&[
        "extract".as_ref(),
        html.as_os_str(),
        text.as_os_str(),
        image.as_os_str(),
    ]);
    let run = run.ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 3, "{run}");
    assert_eq!(lines[0]["media"], "html");
    assert_eq!(lines[0]["encoding"], "UTF-8");
    let found = identifiers(&lines[0]);
    for want in [
        ("phone", "+84912345678"),
        ("bank_account", "VCB:0011001234567"),
        ("price", "1250000"),
        ("marketplace_listing", "shopee:12345.67890"),
        ("marketplace_shop", "shopee:12345"),
        ("domain", "shopee.vn"),
    ] {
        assert!(
            found.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {found:?}"
        );
    }
    // The number in the script is not visible text.
    assert!(!found.iter().any(|f| f.1 == "+84987654321"), "{found:?}");
    // Locations are byte offsets into the file.
    let phone = lines[0]["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["type"] == "phone")
        .unwrap();
    let source = std::fs::read_to_string(&html).unwrap();
    let start = phone["location"]["start"].as_u64().unwrap() as usize;
    assert!(source[start..].starts_with("0912"), "{phone}");

    assert_eq!(lines[1]["media"], "text");
    let found = identifiers(&lines[1]);
    for want in [
        ("ewallet", "momo:+84987654321"),
        ("tax_code", "0100233488"),
        ("social_profile", "facebook:donghoxin"),
    ] {
        assert!(
            found.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {found:?}"
        );
    }
    assert!(
        !found.iter().any(|f| f.1 == "+84911222333"),
        "an order number is no phone: {found:?}"
    );

    assert_eq!(lines[2]["media"], "image");
    let qr = &lines[2]["identifiers"][0];
    assert_eq!(qr["type"], "vietqr", "{run}");
    assert_eq!(qr["normalized"], "MB:0987654321");
    assert_eq!(qr["details"]["amount"], "50000");
    assert!(qr["location"]["region"]["width"].as_u64().unwrap() > 0);
}

#[test]
fn legacy_windows_1258_page() {
    let ws = TestWorkspace::new();
    // "Số tài khoản 123456789 ngân hàng ACB" with tones as Windows-1258 combining marks.
    let page = ws.write_file(
        "old.htm",
        b"<html><body><p>S\xF4\xEC t\x61\xCCi kho\x61\xD2n 123456789 ng\x61n h\x61\xCCng ACB</p></body></html>",
    );
    let lines = ws
        .run(&["extract".as_ref(), page.as_os_str()])
        .ok()
        .json_lines();
    assert_eq!(lines[0]["encoding"], "windows-1258");
    assert_eq!(
        identifiers(&lines[0]),
        [("bank_account".to_string(), "ACB:123456789".to_string())]
    );
}

#[test]
fn needs_no_workspace_and_creates_none() {
    let ws = TestWorkspace::new();
    let file = ws.write_file("a.txt", b"SDT 0912345678");
    assert!(!ws.root.exists());
    ws.run(&["extract".as_ref(), file.as_os_str()]).ok();
    assert!(!ws.root.exists(), "extract must not create a workspace");
}

#[test]
fn bad_input_has_stable_codes() {
    let ws = TestWorkspace::new();
    let missing = ws.files.join("khong-co.html");
    ws.run(&["extract".as_ref(), missing.as_os_str()])
        .fails_with(3, "file_not_found");
    let fake = ws.write_file("anh.png", b"SDT 0912345678, not a picture");
    ws.run(&["extract".as_ref(), fake.as_os_str()])
        .fails_with(3, "not_an_image");
    let mut truncated = qr_png("hello");
    truncated.truncate(truncated.len() / 2);
    let broken = ws.write_file("hong.png", &truncated);
    ws.run(&["extract".as_ref(), broken.as_os_str()])
        .fails_with(3, "image_unreadable");
    ws.run(&["extract".as_ref(), ws.files.as_os_str()])
        .fails_with(3, "not_a_file");
    let pdf = ws.write_file("report.pdf", b"%PDF-1.7\n%");
    ws.run(&["extract".as_ref(), pdf.as_os_str()])
        .fails_with(3, "pdf_unreadable");
    let mht = ws.write_file("trang.mht", b"SDT 0912345678, not a MIME message");
    ws.run(&["extract".as_ref(), mht.as_os_str()])
        .fails_with(3, "mhtml_unreadable");
    assert_eq!(ws.run(&["extract"]).code, 2, "no file is a usage error");
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let ws = TestWorkspace::new();
    let good = ws.write_file("a.txt", b"Zalo 0912 345 678");
    let fake = ws.write_file("b.png", b"text");
    let run = ws.run(&["extract".as_ref(), fake.as_os_str(), good.as_os_str()]);
    assert_eq!(run.code, 3, "{run}");
    assert_eq!(run.error_code(), "not_an_image");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "{run}");
    assert_eq!(
        identifiers(&lines[0]),
        [("phone".to_string(), "+84912345678".to_string())]
    );
    // Human errors lead with Vietnamese and name the code.
    let plain = ws.run_plain(&["extract".as_ref(), fake.as_os_str()]);
    assert_eq!(plain.code, 3);
    assert!(
        plain.stderr.contains("[not_an_image]") && plain.stderr.contains("Tệp không phải là ảnh"),
        "{plain}"
    );
}

/// A one-page PDF written by hand (uncompressed, with a correct cross-reference table)
/// whose lines are placed with `Td`, as word processors do.
fn simple_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 720 Td");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            content.push_str(" 0 -18 Td");
        }
        content.push_str(&format!(" ({line}) Tj"));
    }
    content.push_str(" ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[test]
fn mhtml_and_pdf_files() {
    let ws = TestWorkspace::new();
    // A saved page: the HTML as quoted-printable UTF-8 ("Liên hệ", "Số tài khoản").
    let mhtml = ws.write_file(
        "trang.mhtml",
        b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\
          \ttype=\"text/html\";\r\n\tboundary=\"----MultipartBoundary--abc----\"\r\n\r\n\
          ------MultipartBoundary--abc----\r\nContent-Type: text/html\r\n\
          Content-Transfer-Encoding: quoted-printable\r\n\r\n\
          <html><body><p>Li=C3=AAn h=E1=BB=87 Zalo: 0912 345 =\r\n678</p><p>S=E1=BB=91 t=C3=A0i kho=E1=BA=A3n: \
          0011001234567 Vietcombank</p></body></html>\r\n\
          ------MultipartBoundary--abc------\r\n",
    );
    let pdf = ws.write_file(
        "bao-cao.pdf",
        &simple_pdf(&[
            "Lien he Zalo: 0912 345 678",
            "STK 0011001234567 Vietcombank",
        ]),
    );
    let run = ws.run(&["extract".as_ref(), mhtml.as_os_str(), pdf.as_os_str()]);
    let run = run.ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{run}");
    for (line, media, place) in [(&lines[0], "mhtml", "part"), (&lines[1], "pdf", "page")] {
        assert_eq!(line["media"], media, "{run}");
        assert_eq!(line["parts"], 1, "{run}");
        let found = identifiers(line);
        for want in [
            ("phone", "+84912345678"),
            ("bank_account", "VCB:0011001234567"),
        ] {
            assert!(
                found.contains(&(want.0.into(), want.1.into())),
                "{media}: {want:?} not in {found:?}"
            );
        }
        let hit = &line["identifiers"][0];
        assert!(hit["details"][place].is_string(), "{media}: {hit}");
        assert!(hit["location"]["start"].is_u64(), "{media}: {hit}");
    }
    assert_eq!(lines[1]["identifiers"][0]["details"]["page"], "1");
    assert_eq!(lines[0]["identifiers"][0]["details"]["part"], "0");
}
