//! Renders real reports and reads them back with poppler's `pdftotext`: the Vietnamese
//! text must come out exactly (NFC), markup in the data must print literally, and the
//! same report must give the same bytes.

use std::io::Cursor;
use std::process::Command;
use std::time::Instant;

use truyvet_report::{
    Addendum, CaseInfo, CustodyRow, Entity, ErrorCode, EvidenceRow, Link, Person, Report,
    Screenshot, Seal, Signature, TimestampInfo, TimestampStatus, render_pdf,
};
use unicode_normalization::UnicodeNormalization;

/// Every tone (ngang, huyền, sắc, hỏi, ngã, nặng) and đ/Đ.
const TITLE: &str = "Bán hàng giả nhãn hiệu mỹ phẩm Đông Á trên sàn thương mại điện tử";
const DIACRITIC_WORDS: &[&str] = &[
    "Cục Quản lý thị trường tỉnh Đắk Lắk",
    "Nguyễn Thị Hằng",
    "Trần Đức Lộc",
    "Nghị định 98/2020/NĐ-CP",
    "Tịch thu hàng hóa vi phạm; xử phạt vi phạm hành chính",
    "Thực phẩm chức năng, mỹ phẩm",
    "Ảnh chụp trang bán hàng trên Shopee",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "HỒ SƠ VỤ VIỆC",
    "NHẬT KÝ LƯU GIỮ CHỨNG CỨ",
    "Sơ đồ liên hệ",
];
const BUNDLE_DIGEST: &str = "9f2c4e1ab37d5c60e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

fn sample(title: &str, custody_rows: u64) -> Report {
    let investigator = Person {
        name: "Nguyễn Thị Hằng".into(),
        key_fingerprint: "ed25519:4a1f0c9d2b7e3f8a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
            .into(),
    };
    let supervisor = Person {
        name: "Trần Đức Lộc".into(),
        key_fingerprint: "ed25519:b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
            .into(),
    };
    Report {
        case: CaseInfo {
            code: "QLTT-DLK-2026-0042".into(),
            title: title.into(),
            agency: "Cục Quản lý thị trường tỉnh Đắk Lắk".into(),
            unit: "Đội Quản lý thị trường số 3".into(),
            province: "Đắk Lắk".into(),
            status: "Đã niêm phong".into(),
            categories: vec!["Hàng giả".into(), "Xâm phạm quyền sở hữu trí tuệ".into()],
            product_group: "Thực phẩm chức năng, mỹ phẩm".into(),
            legal_basis: "Nghị định 98/2020/NĐ-CP".into(),
            proposed_measures: "Tịch thu hàng hóa vi phạm; xử phạt vi phạm hành chính".into(),
            created_at: "2026-11-02T08:15:00Z".into(),
            sealed_at: Some("2026-11-20T16:40:12Z".into()),
            origin: Some(
                "Tin báo TIP-2026-000042, tiếp nhận ngày 01/11/2026, qua đường dây nóng".into(),
            ),
        },
        investigator: investigator.clone(),
        supervisor: Some(supervisor.clone()),
        evidence: vec![
            EvidenceRow {
                label: "Trang bán kem dưỡng da “Đông Á” giá rẻ".into(),
                source: "https://shop.example.vn/san-pham/kem-duong-da-dong-a-chinh-hang-gia-re-khuyen-mai-thang-11?id=1842&utm_source=facebook&utm_campaign=sale".into(),
                acquired_at: "2026-11-03T09:01:44Z".into(),
                sha256: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".into(),
                size: 1_843_201,
                timestamp: TimestampInfo {
                    status: TimestampStatus::Stamped,
                    gen_time: Some("2026-11-03T09:01:47Z".into()),
                },
            },
            EvidenceRow {
                label: "Hóa đơn nhập hàng (ảnh chụp)".into(),
                source: "hoa-don-nhap-hang.jpg".into(),
                acquired_at: "2026-11-04T14:22:00Z".into(),
                sha256: "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e".into(),
                size: 402_113,
                timestamp: TimestampInfo {
                    status: TimestampStatus::Pending,
                    gen_time: None,
                },
            },
        ],
        screenshots: vec![Screenshot {
            caption: "Ảnh chụp trang bán hàng trên Shopee".into(),
            png: png(),
        }],
        entities: vec![
            Entity {
                id: "e1".into(),
                kind: "Số điện thoại".into(),
                value: "0912 345 678".into(),
            },
            Entity {
                id: "e2".into(),
                kind: "Tài khoản ngân hàng".into(),
                value: "Vietcombank 0071000123456".into(),
            },
            Entity {
                id: "e3".into(),
                kind: "Cửa hàng trực tuyến".into(),
                value: "Mỹ phẩm Đông Á".into(),
            },
            Entity {
                id: "e4".into(),
                kind: "Người bán".into(),
                value: "Lê Văn Đạt".into(),
            },
        ],
        links: vec![
            Link {
                from: "e4".into(),
                to: "e1".into(),
                kind: "dùng số điện thoại".into(),
            },
            Link {
                from: "e4".into(),
                to: "e2".into(),
                kind: "nhận tiền qua".into(),
            },
            Link {
                from: "e3".into(),
                to: "e4".into(),
                kind: "do người này quản lý".into(),
            },
        ],
        custody: (1..=custody_rows)
            .map(|seq| CustodyRow {
                seq,
                at: format!("2026-11-{:02}T10:{:02}:00Z", 2 + seq % 18, seq % 60),
                actor: if seq % 2 == 0 {
                    "Nguyễn Thị Hằng"
                } else {
                    "Trần Đức Lộc"
                }
                .into(),
                kind: if seq == 1 {
                    "Tạo hồ sơ"
                } else {
                    "Thêm chứng cứ"
                }
                .into(),
                hash: custody_hash(seq),
            })
            .collect(),
        seal: Some(Seal {
            root: "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc".into(),
            signatures: vec![Signature {
                role: "Người phê duyệt".into(),
                name: supervisor.name.clone(),
                key_fingerprint: supervisor.key_fingerprint.clone(),
                signed_at: "2026-11-20T16:40:12Z".into(),
            }],
            addenda: vec![Addendum {
                at: "2026-11-21T08:00:00Z".into(),
                author: supervisor.name.clone(),
                body: "Đính chính: số tài khoản đúng là 0451000123456.".into(),
                key_fingerprint: supervisor.key_fingerprint.clone(),
            }],
        }),
        bundle_digest: BUNDLE_DIGEST.into(),
    }
}

/// A hash-like hex string that differs from row to row.
fn custody_hash(seq: u64) -> String {
    format!("{:016x}{seq:048x}", seq.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// `pdftotext -layout`-free text of the PDF, whitespace runs collapsed to one space so a
/// line break inside a wrapped title does not matter.
fn pdf_text(pdf: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    // For looking at the layout: TRUYVET_KEEP_PDF=/tmp/report.pdf keeps a copy.
    if let Some(keep) = std::env::var_os("TRUYVET_KEEP_PDF") {
        std::fs::write(keep, pdf).expect("keep pdf");
    }
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = String::from_utf8(out.stdout).expect("pdftotext gives UTF-8");
    let pages = raw.matches('\u{c}').count();
    (raw.split_whitespace().collect::<Vec<_>>().join(" "), pages)
}

#[test]
fn vietnamese_text_comes_out_exactly() {
    let report = sample(TITLE, 200);
    let started = Instant::now();
    let pdf = render_pdf(&report).expect("render");
    eprintln!(
        "render: {} ms, {} bytes, 200 custody rows",
        started.elapsed().as_millis(),
        pdf.len()
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let (text, pages) = pdf_text(&pdf);
    assert_eq!(
        text,
        text.nfc().collect::<String>(),
        "pdftotext output is NFC"
    );
    assert!(text.contains(TITLE), "title missing from: {text}");
    for word in DIACRITIC_WORDS {
        assert!(text.contains(word), "{word:?} missing");
    }
    // 200 custody rows span several pages; every page carries the footer.
    assert!(pages >= 6, "only {pages} pages");
    assert_eq!(text.matches(BUNDLE_DIGEST).count(), pages);
    assert!(text.contains(&format!("Trang {pages} / {pages}")));
    // The log is complete: the last row and its hash prefix are there.
    assert!(text.contains(&format!("200 2026-11-{:02}T10:20:00Z", 2 + 200 % 18)));
    assert!(text.contains(&custody_hash(200)[..16]));
    assert!(
        !text.contains(&custody_hash(200)[..17]),
        "only a prefix is printed"
    );
    assert!(text.contains("Đắk Lắk, ngày 02 tháng 11 năm 2026"));
    // A case opened from a tip names it (the value may wrap).
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Nguồn vụ việc"));
    assert!(
        flat.contains("Tin báo TIP-2026-000042, tiếp nhận ngày 01/11/2026, qua đường dây nóng"),
        "origin missing from: {flat}"
    );
    // Evidence digests, timestamp status and the seal.
    assert!(text.contains("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"));
    assert!(text.contains("Đã đóng dấu thời gian"));
    assert!(text.contains("PHỤ LỤC ĐÍNH CHÍNH SAU NIÊM PHONG"));
    assert!(text.contains("Đính chính: số tài khoản đúng là 0451000123456."));
    assert!(text.contains("c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"));
}

#[test]
fn same_report_same_bytes() {
    let report = sample(TITLE, 20);
    let first = render_pdf(&report).expect("render");
    let started = Instant::now();
    let second = render_pdf(&report).expect("render again");
    eprintln!(
        "second render (20 custody rows): {} ms",
        started.elapsed().as_millis()
    );
    assert!(first == second, "two renders differ");
    let other = render_pdf(&sample("Vụ việc khác", 20)).expect("render other");
    assert!(first != other);
}

#[test]
fn markup_in_data_prints_literally() {
    let title = "#let x = 1 *[]* _nghiêng_ $x^2$ <nhãn> @tham-chiếu = Đề mục";
    let mut report = sample(title, 3);
    report.entities[0].value = "#panic(\"x\")".into();
    report.custody[0].actor = "#read(\"/data.json\")".into();
    let pdf = render_pdf(&report).expect("render");
    let (text, _) = pdf_text(&pdf);
    assert!(text.contains(title), "title not literal in: {text}");
    assert!(text.contains("#panic(\"x\")"));
    assert!(text.contains("#read(\"/data.json\")"));
}

#[test]
fn broken_screenshot_is_a_layout_error() {
    let mut report = sample(TITLE, 3);
    report.screenshots[0].png = b"not a png".to_vec();
    let err = render_pdf(&report).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::ReportLayout);
}

#[test]
fn minimal_report_renders() {
    let report = Report {
        case: CaseInfo {
            code: "QLTT-0001".into(),
            title: "Hồ sơ trống".into(),
            agency: "Chi cục Quản lý thị trường".into(),
            ..Default::default()
        },
        investigator: Person {
            name: "Phạm Đăng Khoa".into(),
            key_fingerprint: String::new(),
        },
        ..Default::default()
    };
    let (text, pages) = pdf_text(&render_pdf(&report).expect("render"));
    assert!(text.contains("Hồ sơ trống"));
    assert!(text.contains("Hồ sơ chưa được niêm phong."));
    assert!(
        !text.contains("Nguồn vụ việc"),
        "no origin row without a tip"
    );
    assert!(pages >= 2);
}
