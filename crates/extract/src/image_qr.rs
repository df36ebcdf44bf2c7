//! QR codes in screenshots and photos. Decoding is rqrr (pure Rust, finds codes at any
//! rotation); a photo that does not decode at full size is tried again smoothed and at
//! half size, which removes the speckle that breaks the binarizer. Each code's text is
//! read as VietQR/EMVCo first; other text (a Zalo link, a phone) goes through the text
//! extractors, located at the code's region.

use std::collections::BTreeMap;
use std::io::Cursor;

use image::{GrayImage, ImageReader};

use crate::vietqr::{QrPayload, parse_qr_payload};
use crate::{Error, ErrorCode, Hit, Kind, Location, Region};

/// Bounds on what an image may cost to decode.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_width: 20_000,
            max_height: 40_000,
            max_alloc: 512 << 20,
        }
    }
}

pub fn extract_image(bytes: &[u8]) -> Result<Vec<Hit>, Error> {
    extract_image_with(bytes, ImageLimits::default())
}

/// QR codes in a screenshot the browser rendered: the pixels are exact, so the one
/// full-size pass finds every code, and the photo fallbacks (each a pass over a page that
/// may be 1280×16384) are skipped.
pub fn extract_screenshot(bytes: &[u8]) -> Result<Vec<Hit>, Error> {
    let gray = load_gray(bytes, ImageLimits::default())?;
    Ok(hits_of(decode_codes(&gray, 1)))
}

pub fn extract_image_with(bytes: &[u8], limits: ImageLimits) -> Result<Vec<Hit>, Error> {
    let gray = load_gray(bytes, limits)?;
    let mut codes = decode_codes(&gray, 1);
    // Photographed codes: noise, uneven light and JPEG blocks break the binarizer.
    // Smoothing, halving the size and a global threshold each remove some of it; the
    // first that finds a code wins, so a clean screenshot pays for one pass only.
    let fallbacks: [&dyn Fn() -> Option<(GrayImage, u32)>; 4] = [
        &|| Some((image::imageops::blur(&gray, 1.2), 1)),
        &|| half(&gray).map(|h| (h, 2)),
        &|| Some((binarize(&image::imageops::blur(&gray, 1.5)), 1)),
        &|| half(&image::imageops::blur(&gray, 2.0)).map(|h| (h, 2)),
    ];
    for attempt in fallbacks {
        if !codes.is_empty() {
            break;
        }
        if let Some((img, scale)) = attempt() {
            codes = decode_codes(&img, scale);
        }
    }
    Ok(hits_of(codes))
}

fn hits_of(codes: Vec<(Region, String)>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (region, text) in codes {
        code_hits(&text, Location::Image { region }, &mut hits);
    }
    hits
}

fn half(img: &GrayImage) -> Option<GrayImage> {
    (img.width() >= 200 && img.height() >= 200).then(|| {
        image::imageops::resize(
            img,
            img.width() / 2,
            img.height() / 2,
            image::imageops::FilterType::Triangle,
        )
    })
}

/// Black and white at Otsu's threshold.
fn binarize(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut best, mut best_t, mut w_b, mut sum_b) = (0.0, 128u8, 0u64, 0.0);
    for (t, &c) in hist.iter().enumerate() {
        w_b += c;
        if w_b == 0 || w_b == total {
            continue;
        }
        sum_b += t as f64 * c as f64;
        let w_f = total - w_b;
        let (m_b, m_f) = (sum_b / w_b as f64, (sum_all - sum_b) / w_f as f64);
        let between = w_b as f64 * w_f as f64 * (m_b - m_f).powi(2);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0[0] = if p.0[0] > best_t { 255 } else { 0 };
    }
    out
}

fn load_gray(bytes: &[u8], limits: ImageLimits) -> Result<GrayImage, Error> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::new(ErrorCode::ImageUnreadable, e.to_string()))?;
    if reader.format().is_none() {
        return Err(Error::new(
            ErrorCode::NotAnImage,
            "the data is not in an image format (PNG, JPEG, GIF, BMP, WebP)",
        ));
    }
    let mut reader = reader;
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Error::new(ErrorCode::ImageTooLarge, e.to_string()),
        image::ImageError::Unsupported(_) => Error::new(ErrorCode::NotAnImage, e.to_string()),
        _ => Error::new(ErrorCode::ImageUnreadable, e.to_string()),
    })?;
    Ok(img.to_luma8())
}

/// Every QR code rqrr finds and decodes: (region in original pixels, text). Images
/// are hostile input: should the decoder panic on a crafted one, that image yields no
/// code instead of ending the process.
fn decode_codes(img: &GrayImage, scale: u32) -> Vec<(Region, String)> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_codes_inner(img, scale)
    }))
    .unwrap_or_default()
}

fn decode_codes_inner(img: &GrayImage, scale: u32) -> Vec<(Region, String)> {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    let mut out = Vec::new();
    for grid in prepared.detect_grids() {
        let Ok((_, text)) = grid.decode() else {
            continue;
        };
        let xs = grid.bounds.iter().map(|p| p.x.max(0) as u32);
        let ys = grid.bounds.iter().map(|p| p.y.max(0) as u32);
        let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0));
        out.push((
            Region {
                x: x0 * scale,
                y: y0 * scale,
                width: (x1 - x0) * scale,
                height: (y1 - y0) * scale,
            },
            text,
        ));
    }
    out
}

/// The hits of one QR payload found at `location` (an image region, or the place in a
/// text where the payload was pasted).
pub(crate) fn code_hits(text: &str, location: Location, hits: &mut Vec<Hit>) {
    let snippet: String = text.chars().take(120).collect();
    let mut details = BTreeMap::new();
    match parse_qr_payload(text) {
        QrPayload::Vietqr(v) => {
            let normalized = match &v.bank_code {
                Some(code) => format!("{code}:{}", v.account),
                None => format!("BIN{}:{}", v.bin, v.account),
            };
            details.insert("bin", v.bin.clone());
            details.insert("account", v.account.clone());
            details.insert("bank_table", v.bank_table.to_string());
            let optional = [
                ("bank", v.bank_code.clone()),
                ("bank_name", v.bank_name.clone()),
                ("name", v.name.clone()),
                ("amount", v.amount.clone()),
                ("currency", v.currency.clone()),
                ("purpose", v.purpose.clone()),
                ("service", v.service.clone()),
            ];
            for (k, val) in optional {
                if let Some(val) = val {
                    details.insert(k, val);
                }
            }
            hits.push(Hit {
                kind: Kind::Vietqr,
                raw: text.to_string(),
                normalized,
                location,
                snippet,
                details,
            });
        }
        other => {
            let status = match &other {
                QrPayload::EmvcoOther { guids } => {
                    details.insert("guids", guids.join(","));
                    "emvco_other"
                }
                QrPayload::CrcMismatch { expected, computed } => {
                    details.insert("crc_expected", expected.clone().unwrap_or_default());
                    details.insert("crc_computed", computed.clone());
                    "crc_mismatch"
                }
                _ => "text",
            };
            details.insert("status", status.to_string());
            hits.push(Hit {
                kind: Kind::QrCode,
                raw: text.to_string(),
                normalized: text.to_string(),
                location,
                snippet: snippet.clone(),
                details,
            });
            if status == "text" {
                for mut h in crate::extract_text(text) {
                    h.location = location;
                    hits.push(h);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_an_image_is_a_clear_error() {
        let e = extract_image(b"<html>not a png</html>").expect_err("must fail");
        assert_eq!(e.code, ErrorCode::NotAnImage);
        let e = extract_image(b"").expect_err("must fail");
        assert_eq!(e.code, ErrorCode::NotAnImage);
        // A PNG signature with nothing after it.
        let e = extract_image(b"\x89PNG\r\n\x1a\n\0\0").expect_err("must fail");
        assert_eq!(e.code, ErrorCode::ImageUnreadable);
    }
}
