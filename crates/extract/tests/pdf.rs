//! PDF input: PDFs written in the test with lopdf (one page with a phone and an STK
//! line, two pages, password-protected, owner-only protection) yield their hits located
//! by page and offset in that page's text; truncated files and garbage behind a `%PDF`
//! header give a stable error code, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use truyvet_extract::{
    ErrorCode, Hit, Kind, Location, Media, PdfLimits, extract_document, extract_pdf, pdf_page_texts,
};

/// A PDF whose pages each hold the given lines (Helvetica, WinAnsi), placed one under
/// the other with `Td` as word processors do.
fn pdf_doc(pages: &[&[&str]]) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for lines in pages {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 720.into()]),
        ];
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                ops.push(Operation::new("Td", vec![0.into(), (-18).into()]));
            }
            ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("content encodes"),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    doc
}

fn save(doc: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saves");
    out
}

fn pdf(pages: &[&[&str]]) -> Vec<u8> {
    save(&mut pdf_doc(pages))
}

fn find<'a>(hits: &'a [Hit], kind: Kind, normalized: &str) -> &'a Hit {
    hits.iter()
        .find(|h| h.kind == kind && h.normalized == normalized)
        .unwrap_or_else(|| panic!("{kind} {normalized} not in {hits:#?}"))
}

fn span(h: &Hit) -> (usize, usize) {
    match h.location {
        Location::Span { start, end } => (start, end),
        Location::Image { .. } => panic!("a PDF hit is a text span: {h:?}"),
    }
}

#[test]
fn page_with_a_phone_and_an_account() {
    let bytes = pdf(&[&[
        "Dong ho chinh hang - Lien he Zalo: 0912 345 678",
        "STK 0011001234567 Vietcombank",
        "Ma don hang 0911222333",
    ]]);
    let doc = extract_document(&bytes, Some("bao-cao.pdf")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((doc.media, doc.parts), (Media::Pdf, Some(1)));
    let texts = pdf_page_texts(&bytes, PdfLimits::default()).unwrap();
    // Lines placed with Td stay lines: the phone does not run into "STK".
    assert!(texts[0].contains("678\nSTK"), "{:?}", texts[0]);
    let phone = find(&doc.identifiers, Kind::Phone, "+84912345678");
    let account = find(&doc.identifiers, Kind::BankAccount, "VCB:0011001234567");
    for h in [phone, account] {
        assert_eq!(h.details.get("page").map(String::as_str), Some("1"));
        let (s, e) = span(h);
        assert_eq!(&texts[0][s..e], h.raw, "{h:?}");
    }
    assert!(
        !doc.identifiers
            .iter()
            .any(|h| h.normalized == "+84911222333"),
        "an order number is no phone: {:?}",
        doc.identifiers
    );
    // Found by its header alone, whatever the name.
    let unnamed = extract_document(&bytes, None).unwrap();
    assert_eq!(unnamed.identifiers, doc.identifiers);
}

#[test]
fn two_pages_locate_by_page() {
    let bytes = pdf(&[
        &["Cua hang dong ho", "Hotline: 0912 345 678"],
        &[
            "Chuyen khoan",
            "STK: 19034567890123 Techcombank",
            "MoMo 0987654321",
        ],
    ]);
    let doc = extract_document(&bytes, Some("two.pdf")).unwrap();
    assert_eq!(doc.parts, Some(2));
    let texts = pdf_page_texts(&bytes, PdfLimits::default()).unwrap();
    assert_eq!(texts.len(), 2);
    let account = find(&doc.identifiers, Kind::BankAccount, "TCB:19034567890123");
    let wallet = find(&doc.identifiers, Kind::Ewallet, "momo:+84987654321");
    for h in [account, wallet] {
        assert_eq!(
            h.details.get("page").map(String::as_str),
            Some("2"),
            "{h:?}"
        );
        let (s, e) = span(h);
        // Offsets are in the page's own text, not the whole document's.
        assert_eq!(&texts[1][s..e], h.raw, "{h:?}");
    }
    let phone = find(&doc.identifiers, Kind::Phone, "+84912345678");
    assert_eq!(phone.details.get("page").map(String::as_str), Some("1"));
}

#[test]
fn password_protected_is_a_clear_error_owner_only_is_read() {
    use lopdf::{EncryptionState, EncryptionVersion, Permissions};
    let lines: &[&[&str]] = &[&["Lien he 0912 345 678"]];
    for (user, want_encrypted) in [("mat-khau", true), ("", false)] {
        let mut doc = pdf_doc(lines);
        let id = Object::string_literal(&b"truyvet-test-id1"[..]);
        doc.trailer.set("ID", vec![id.clone(), id]);
        let state = EncryptionState::try_from(EncryptionVersion::V2 {
            document: &doc,
            owner_password: "chu-so-huu",
            user_password: user,
            key_length: 128,
            permissions: Permissions::all(),
        })
        .unwrap();
        doc.encrypt(&state).unwrap();
        let bytes = save(&mut doc);
        let result = extract_document(&bytes, Some("khoa.pdf"));
        if want_encrypted {
            let e = result.expect_err("needs a password");
            assert_eq!(e.code, ErrorCode::PdfEncrypted, "{e}");
        } else {
            let d = result.unwrap_or_else(|e| panic!("owner-only protection opens: {e}"));
            find(&d.identifiers, Kind::Phone, "+84912345678");
        }
    }
}

#[test]
fn truncated_and_garbage_pdfs_fail_cleanly() {
    let bytes = pdf(&[&["Lien he 0912 345 678", "STK 0011001234567 Vietcombank"]]);
    // Cut anywhere: either what survives is read (lopdf rebuilds a lost
    // cross-reference table) or the file is reported damaged. Never a panic.
    let mut read = 0;
    for cut in (9..bytes.len()).step_by(7) {
        match extract_document(&bytes[..cut], Some("cut.pdf")) {
            Ok(d) => {
                read += 1;
                assert_eq!(d.media, Media::Pdf);
            }
            Err(e) => assert_eq!(e.code, ErrorCode::PdfUnreadable, "cut at {cut}: {e}"),
        }
    }
    assert!(read > 0, "a PDF missing only its tail is still read");

    let mut garbage = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..4096 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        garbage.push((x >> 16) as u8);
    }
    for sample in [
        &garbage[..],
        b"%PDF-1.4\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        b"%PDF-",
    ] {
        let e = extract_document(sample, None).expect_err("garbage is no PDF");
        assert_eq!(e.code, ErrorCode::PdfUnreadable, "{e}");
    }
    let e = extract_document(b"<html>0912345678</html>", Some("fake.pdf")).expect_err("named");
    assert_eq!(e.code, ErrorCode::PdfUnreadable);
    // Junk before the header: read when the name says PDF.
    let mut prefixed = b"\xef\xbb\xbfjunk\r\n".to_vec();
    prefixed.extend_from_slice(&bytes);
    let d = extract_document(&prefixed, Some("junk.pdf")).unwrap();
    assert_eq!(d.media, Media::Pdf);
    // A text that only mentions the header stays text.
    let d = extract_document(b"Gui file %PDF-1.7 qua Zalo 0912 345 678", None).unwrap();
    assert_eq!(d.media, Media::Text);
}

#[test]
fn limits_are_enforced() {
    let bytes = pdf(&[&["a"], &["b"], &["c"]]);
    let limits = PdfLimits {
        max_pages: 2,
        ..PdfLimits::default()
    };
    assert_eq!(
        extract_pdf(&bytes, limits).expect_err("3 pages").code,
        ErrorCode::PdfTooLarge
    );
    let limits = PdfLimits {
        max_bytes: 100,
        ..PdfLimits::default()
    };
    assert_eq!(
        extract_pdf(&bytes, limits).expect_err("too big").code,
        ErrorCode::PdfTooLarge
    );
}

/// Vietnamese as browsers and office suites write it: a Type0 font with two-byte glyph
/// codes (`Identity-H`) and a `/ToUnicode` map, each line its own `BT … Tm … TJ ET`
/// with kerning inside `TJ` arrays.
fn cid_pdf(lines: &[&str]) -> Vec<u8> {
    let mut chars: Vec<char> = lines.iter().flat_map(|l| l.chars()).collect();
    chars.sort_unstable();
    chars.dedup();
    let code = |c: char| chars.iter().position(|&x| x == c).unwrap() as u16 + 1;
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in chars.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for &c in chunk {
            let mut units = [0u16; 2];
            let utf16: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            cmap.push_str(&format!("<{:04X}> <{utf16}>\n", code(c)));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");

    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()));
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "AAAAAA+Arial",
        "Encoding" => "Identity-H",
        "ToUnicode" => to_unicode,
    });
    let mut ops = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // Each word its own string, with a small kern between words as well as the
        // word space: the gap, not the kern, makes the space.
        let mut items: Vec<Object> = Vec::new();
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                items.push(Object::Integer(-250));
            }
            let bytes: Vec<u8> = word.chars().flat_map(|c| code(c).to_be_bytes()).collect();
            let (a, b) = bytes.split_at(bytes.len() / 4 * 2);
            items.push(Object::String(a.to_vec(), lopdf::StringFormat::Hexadecimal));
            items.push(Object::Integer(-12));
            items.push(Object::String(b.to_vec(), lopdf::StringFormat::Hexadecimal));
        }
        let y = 800 - 20 * i as i64;
        ops.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 11.into()]),
            Operation::new(
                "Tm",
                vec![1.into(), 0.into(), 0.into(), 1.into(), 40.into(), y.into()],
            ),
            Operation::new("TJ", vec![Object::Array(items)]),
            Operation::new("ET", vec![]),
        ]);
    }
    let content = Content { operations: ops };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    // Compressed, as real files are.
    doc.compress();
    save(&mut doc)
}

#[test]
fn vietnamese_text_through_to_unicode_maps() {
    let bytes = cid_pdf(&[
        "Đồng hồ nam chính hãng",
        "Liên hệ Zalo: 0912 345 678",
        "Số tài khoản: 0011001234567 (Vietcombank)",
        "Ngày 12/03/2025",
    ]);
    let texts = pdf_page_texts(&bytes, PdfLimits::default()).unwrap();
    assert!(
        texts[0].contains("Liên hệ Zalo: 0912 345 678\nSố tài khoản:"),
        "{:?}",
        texts[0]
    );
    let doc = extract_document(&bytes, Some("in-tu-trinh-duyet.pdf")).unwrap();
    let account = find(&doc.identifiers, Kind::BankAccount, "VCB:0011001234567");
    let (s, e) = span(account);
    assert_eq!(&texts[0][s..e], "0011001234567");
    assert!(account.snippet.contains("Số tài khoản"), "{account:?}");
    find(&doc.identifiers, Kind::Phone, "+84912345678");
}
