//! QR images for the tests: VietQR codes of several banks, a damaged CRC, another EMVCo
//! scheme, a plain link; drawn clean, rotated, scaled down, inside a larger
//! "screenshot", with photographic noise and as JPEG.

use image::{GrayImage, Luma};
use qrcode::QrCode;
use truyvet_extract::{Kind, build_payload, crc16_ccitt};

use super::{Rng, Truth};

pub struct QrImage {
    pub name: String,
    pub bytes: Vec<u8>,
    pub truth: Truth,
    /// What the single code should read as: "vietqr", "crc_mismatch", "emvco_other",
    /// "text".
    pub status: &'static str,
}

pub fn render(text: &str, module: u32) -> GrayImage {
    let code = QrCode::new(text.as_bytes()).expect("encodable");
    code.render::<Luma<u8>>()
        .module_dimensions(module, module)
        .quiet_zone(true)
        .build()
}

/// Rotation by any angle about the centre (nearest neighbour), white outside.
pub fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let size = ((w as f64 * c.abs() + h as f64 * s.abs()).ceil() as u32).max(1);
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let half = size as f64 / 2.0;
    GrayImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f64 - half, y as f64 - half);
        let sx = c * dx + s * dy + cx;
        let sy = -s * dx + c * dy + cy;
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *img.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([255])
        }
    })
}

/// Lower contrast, uneven light and speckle, as a phone photo of a printed code.
pub fn photo_noise(img: &GrayImage, r: &mut Rng) -> GrayImage {
    let (w, h) = img.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let v = f64::from(img.get_pixel(x, y).0[0]);
        let light = 0.75 + 0.2 * (x as f64 / w as f64) + 0.05 * (y as f64 / h as f64);
        let base = 40.0 + v * 0.7 * light;
        let noise = (r.below(61) as f64) - 30.0;
        let speckle = if r.chance(2) {
            120.0 * if r.chance(50) { 1.0 } else { -1.0 }
        } else {
            0.0
        };
        Luma([(base + noise + speckle).clamp(0.0, 255.0) as u8])
    })
}

/// The code placed in a larger grey page with text-like bars around it.
pub fn in_screenshot(img: &GrayImage, r: &mut Rng) -> GrayImage {
    let (w, h) = img.dimensions();
    let (pw, ph) = (w * 2 + 80, h + 300);
    let mut page = GrayImage::from_fn(pw, ph, |_, _| Luma([236]));
    for line in 0..12 {
        let y = 20 + line * 22;
        let len = 100 + r.below((pw - 140) as usize) as u32;
        for yy in y..(y + 8).min(ph) {
            for xx in 20..(20 + len).min(pw) {
                if xx % 9 != 0 {
                    page.put_pixel(xx, yy, Luma([60]));
                }
            }
        }
    }
    image::imageops::overlay(&mut page, img, i64::from(w / 2 + 40), 290 - 10);
    page
}

pub fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

pub fn jpeg(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(img)
        .expect("jpeg");
    out.into_inner()
}

/// An EMVCo payload of another scheme (a card network GUID), with a correct CRC.
pub fn other_emvco() -> String {
    // Tag 26: GUID A000000004 (a card scheme), merchant id 12345678.
    let mai = "0010A000000004010812345678";
    let p = format!(
        "00020101021126{:02}{mai}5303704540450005802VN5910SHOP ABCXY6005HANOI6304",
        mai.len()
    );
    format!("{p}{:04X}", crc16_ccitt(p.as_bytes()))
}

const QR_BANKS: &[(&str, &str)] = &[
    ("970436", "VCB"),
    ("970407", "TCB"),
    ("970422", "MB"),
    ("970416", "ACB"),
    ("970418", "BIDV"),
    ("970415", "ICB"),
    ("970432", "VPB"),
    ("970423", "TPB"),
];

pub fn images(seed: u64) -> Vec<QrImage> {
    let mut r = Rng::new(seed);
    let mut out = Vec::new();
    let variants = [
        "clean",
        "rot90",
        "rot17",
        "small",
        "screenshot",
        "noisy",
        "jpeg",
        "rot180",
    ];
    for (i, variant) in variants.iter().enumerate() {
        for k in 0..2 {
            let (bin, code) = QR_BANKS[(i * 2 + k) % QR_BANKS.len()];
            let (first, len) = (1 + r.below(9), 8 + r.below(5));
            let account = format!("{first}{}", r.digits(len));
            let amount = r.chance(50).then(|| format!("{}000", 10 + r.below(990)));
            let name = r.chance(50).then_some("NGUYEN VAN AN");
            let payload = build_payload(bin, &account, amount.as_deref(), name);
            let mut truth = Truth::new();
            truth.insert((Kind::Vietqr, format!("{code}:{account}")));
            let bytes = draw(&payload, variant, &mut r);
            out.push(QrImage {
                name: format!(
                    "vietqr_{variant}_{k}.{}",
                    if *variant == "jpeg" { "jpg" } else { "png" }
                ),
                bytes,
                truth,
                status: "vietqr",
            });
        }
    }
    // A damaged CRC, another EMVCo scheme, a link: each a QR code but no bank account.
    let good = build_payload("970436", "0011001234567", Some("500000"), None);
    let bad_crc = format!(
        "{}{}",
        &good[..good.len() - 4],
        if good.ends_with("0000") {
            "FFFF"
        } else {
            "0000"
        }
    );
    let zalo = format!("https://zalo.me/0{}", super::mobile(&mut r));
    let n164 = format!("+84{}", &zalo[zalo.len() - 9..]);
    for (name, payload, status, variant) in [
        ("bad_crc", bad_crc.clone(), "crc_mismatch", "clean"),
        ("bad_crc_rot", bad_crc, "crc_mismatch", "rot17"),
        ("other_emvco", other_emvco(), "emvco_other", "clean"),
        ("other_emvco_noisy", other_emvco(), "emvco_other", "noisy"),
        ("zalo_link", zalo.clone(), "text", "screenshot"),
    ] {
        let mut truth = Truth::new();
        truth.insert((Kind::QrCode, payload.clone()));
        if status == "text" {
            truth.insert((Kind::Url, zalo.clone()));
            truth.insert((Kind::Domain, "zalo.me".into()));
            truth.insert((Kind::SocialProfile, format!("zalo:{n164}")));
            truth.insert((Kind::Phone, n164.clone()));
        }
        let bytes = draw(&payload, variant, &mut r);
        out.push(QrImage {
            name: format!("{name}.png"),
            bytes,
            truth,
            status,
        });
    }
    out
}

fn draw(payload: &str, variant: &str, r: &mut Rng) -> Vec<u8> {
    let img = render(payload, 6);
    match variant {
        "rot90" => png(&image::imageops::rotate90(&img)),
        "rot180" => png(&image::imageops::rotate180(&img)),
        "rot17" => png(&rotate(&img, 17.0)),
        "small" => png(&render(payload, 3)),
        "screenshot" => png(&in_screenshot(&img, r)),
        "noisy" => png(&photo_noise(&render(payload, 8), r)),
        "jpeg" => jpeg(&photo_noise(&img, r)),
        _ => png(&img),
    }
}
