//! VietQR from images, case by case: what a valid code yields (bank from the BIN
//! table, account, name, amount), and that a damaged CRC, another EMVCo scheme and
//! files that are not images are each reported as what they are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::Rng;
use support::images::{in_screenshot, other_emvco, photo_noise, png, render, rotate};
use truyvet_extract::{ErrorCode, Kind, Location, build_payload, extract_image};

fn only(hits: &[truyvet_extract::Hit], kind: Kind) -> &truyvet_extract::Hit {
    let of_kind: Vec<_> = hits.iter().filter(|h| h.kind == kind).collect();
    assert_eq!(of_kind.len(), 1, "{hits:?}");
    of_kind[0]
}

#[test]
fn valid_vietqr_yields_bank_account_name_and_amount() {
    let payload = build_payload(
        "970436",
        "0011001234567",
        Some("150000"),
        Some("NGUYEN VAN AN"),
    );
    let img = render(&payload, 6);
    let hits = extract_image(&png(&img)).unwrap();
    let h = only(&hits, Kind::Vietqr);
    assert_eq!(h.normalized, "VCB:0011001234567");
    assert_eq!(h.details["bank"], "VCB");
    assert_eq!(h.details["bank_name"], "Vietcombank");
    assert_eq!(h.details["bin"], "970436");
    assert_eq!(h.details["account"], "0011001234567");
    assert_eq!(h.details["amount"], "150000");
    assert_eq!(h.details["name"], "NGUYEN VAN AN");
    assert_eq!(h.details["bank_table"], truyvet_extract::BANK_TABLE_VERSION);
    let Location::Image { region } = h.location else {
        panic!("{h:?}")
    };
    assert!(region.width > 100 && region.x < 60, "{region:?}");
}

#[test]
fn rotated_noisy_and_embedded_codes_decode() {
    let mut r = Rng::new(7);
    let payload = build_payload("970422", "0987654321", None, None);
    for (name, img) in [
        ("rot33", rotate(&render(&payload, 6), 33.0)),
        ("rot90", image::imageops::rotate90(&render(&payload, 6))),
        ("noisy", photo_noise(&render(&payload, 8), &mut r)),
        ("screenshot", in_screenshot(&render(&payload, 5), &mut r)),
    ] {
        let hits = extract_image(&png(&img)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            only(&hits, Kind::Vietqr).normalized,
            "MB:0987654321",
            "{name}"
        );
    }
}

#[test]
fn wrong_crc_is_reported_and_is_no_account() {
    let good = build_payload("970407", "19036543210011", Some("99000"), None);
    let bad = format!(
        "{}{}",
        &good[..good.len() - 4],
        if good.ends_with("ABCD") {
            "1234"
        } else {
            "ABCD"
        }
    );
    let hits = extract_image(&png(&render(&bad, 6))).unwrap();
    let h = only(&hits, Kind::QrCode);
    assert_eq!(h.details["status"], "crc_mismatch");
    assert_eq!(h.details["crc_expected"], &bad[bad.len() - 4..]);
    assert_eq!(h.details["crc_computed"], &good[good.len() - 4..]);
    assert!(
        !hits
            .iter()
            .any(|h| matches!(h.kind, Kind::Vietqr | Kind::BankAccount)),
        "{hits:?}"
    );
}

#[test]
fn other_emvco_is_reported_as_such() {
    let hits = extract_image(&png(&render(&other_emvco(), 6))).unwrap();
    let h = only(&hits, Kind::QrCode);
    assert_eq!(h.details["status"], "emvco_other");
    assert_eq!(h.details["guids"], "A000000004");
    assert!(
        !hits
            .iter()
            .any(|h| matches!(h.kind, Kind::Vietqr | Kind::BankAccount))
    );
}

#[test]
fn unknown_bin_is_still_vietqr_without_a_bank_name() {
    let payload = build_payload("970999", "123456789", None, None);
    let hits = extract_image(&png(&render(&payload, 6))).unwrap();
    let h = only(&hits, Kind::Vietqr);
    assert_eq!(h.normalized, "BIN970999:123456789");
    assert!(!h.details.contains_key("bank"));
}

#[test]
fn an_image_without_codes_yields_nothing() {
    let blank = image::GrayImage::from_pixel(300, 200, image::Luma([200]));
    assert!(extract_image(&png(&blank)).unwrap().is_empty());
}

#[test]
fn not_images_are_clear_errors() {
    for (bytes, code) in [
        (
            &b"<html><body>0912345678</body></html>"[..],
            ErrorCode::NotAnImage,
        ),
        (b"", ErrorCode::NotAnImage),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ErrorCode::ImageUnreadable),
        (b"\xff\xd8\xff\xe0garbage", ErrorCode::ImageUnreadable),
    ] {
        let err = extract_image(bytes).expect_err("must fail");
        assert_eq!(err.code, code, "{err}");
    }
    // A truncated real PNG.
    let full = png(&render("hello", 4));
    let err = extract_image(&full[..full.len() / 2]).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::ImageUnreadable);
}

#[test]
fn oversized_images_are_refused_before_decoding() {
    let img = png(&image::GrayImage::from_pixel(1000, 10, image::Luma([255])));
    let limits = truyvet_extract::ImageLimits {
        max_width: 500,
        ..Default::default()
    };
    let err = truyvet_extract::extract_image_with(&img, limits).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::ImageTooLarge);
}
