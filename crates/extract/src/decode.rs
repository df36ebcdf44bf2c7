//! Bytes of a page or text file → text. UTF-8 (with or without BOM) first; else the
//! charset the page declares; else, for legacy Vietnamese pages that declare nothing
//! (or Latin-1 while using the old ".VnTime" fonts), whichever of Windows-1258 and
//! TCVN3 (ABC) reads as more Vietnamese. The text is NFC: Windows-1258 writes tones as
//! combining marks.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    /// "UTF-8", "windows-1258", "TCVN3", or another WHATWG encoding name.
    pub encoding: &'static str,
}

/// TCVN3 (TCVN 5712:1993, "ABC") bytes 0xA1..=0xFE → Unicode; 0 where unused.
const TCVN3: [char; 94] = {
    let mut t = ['\0'; 94];
    let pairs: [(u8, char); 74] = [
        (0xA1, 'Ă'),
        (0xA2, 'Â'),
        (0xA3, 'Ê'),
        (0xA4, 'Ô'),
        (0xA5, 'Ơ'),
        (0xA6, 'Ư'),
        (0xA7, 'Đ'),
        (0xA8, 'ă'),
        (0xA9, 'â'),
        (0xAA, 'ê'),
        (0xAB, 'ô'),
        (0xAC, 'ơ'),
        (0xAD, 'ư'),
        (0xAE, 'đ'),
        (0xB5, 'à'),
        (0xB6, 'ả'),
        (0xB7, 'ã'),
        (0xB8, 'á'),
        (0xB9, 'ạ'),
        (0xBB, 'ằ'),
        (0xBC, 'ẳ'),
        (0xBD, 'ẵ'),
        (0xBE, 'ắ'),
        (0xC6, 'ặ'),
        (0xC7, 'ầ'),
        (0xC8, 'ẩ'),
        (0xC9, 'ẫ'),
        (0xCA, 'ấ'),
        (0xCB, 'ậ'),
        (0xCC, 'è'),
        (0xCE, 'ẻ'),
        (0xCF, 'ẽ'),
        (0xD0, 'é'),
        (0xD1, 'ẹ'),
        (0xD2, 'ề'),
        (0xD3, 'ể'),
        (0xD4, 'ễ'),
        (0xD5, 'ế'),
        (0xD6, 'ệ'),
        (0xD7, 'ì'),
        (0xD8, 'ỉ'),
        (0xDC, 'ĩ'),
        (0xDD, 'í'),
        (0xDE, 'ị'),
        (0xDF, 'ò'),
        (0xE1, 'ỏ'),
        (0xE2, 'õ'),
        (0xE3, 'ó'),
        (0xE4, 'ọ'),
        (0xE5, 'ồ'),
        (0xE6, 'ổ'),
        (0xE7, 'ỗ'),
        (0xE8, 'ố'),
        (0xE9, 'ộ'),
        (0xEA, 'ờ'),
        (0xEB, 'ở'),
        (0xEC, 'ỡ'),
        (0xED, 'ớ'),
        (0xEE, 'ợ'),
        (0xEF, 'ù'),
        (0xF1, 'ủ'),
        (0xF2, 'ũ'),
        (0xF3, 'ú'),
        (0xF4, 'ụ'),
        (0xF5, 'ừ'),
        (0xF6, 'ử'),
        (0xF7, 'ữ'),
        (0xF8, 'ứ'),
        (0xF9, 'ự'),
        (0xFA, 'ỳ'),
        (0xFB, 'ỷ'),
        (0xFC, 'ỹ'),
        (0xFD, 'ý'),
        (0xFE, 'ỵ'),
    ];
    let mut i = 0;
    while i < pairs.len() {
        t[(pairs[i].0 - 0xA1) as usize] = pairs[i].1;
        i += 1;
    }
    t
};

/// Decodes TCVN3 bytes; ASCII as is, unmapped high bytes as Latin-1.
pub(crate) fn decode_tcvn3(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0xA1..=0xFE if TCVN3[(b - 0xA1) as usize] != '\0' => TCVN3[(b - 0xA1) as usize],
            _ => char::from(b),
        })
        .collect()
}

/// Encodes text as TCVN3 (characters it lacks become '?'); for tests and benchmarks.
#[doc(hidden)]
pub fn encode_tcvn3(text: &str) -> Vec<u8> {
    text.nfc()
        .map(|c| {
            if c.is_ascii() {
                return c as u8;
            }
            TCVN3
                .iter()
                .position(|&t| t == c)
                .map_or(b'?', |i| 0xA1 + i as u8)
        })
        .collect()
}

/// Common Vietnamese words: the decoding that yields more of them is the right one.
const COMMON: &[&str] = &[
    "của", "và", "không", "được", "người", "có", "là", "một", "các", "cho", "những", "với", "này",
    "đã", "tài", "khoản", "số", "giá", "hàng", "bán", "ngân", "liên", "hệ", "điện", "thoại",
    "chuyển", "đồng", "mua", "sản", "phẩm", "cửa",
];

fn vietnamese_score(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            let lw = w.to_lowercase();
            COMMON.contains(&lw.as_str())
        })
        .count()
}

fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let i = head.find("charset=")?;
    let rest = head[i + 8..].trim_start_matches(['"', '\'', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

fn uses_vn3_fonts(bytes: &[u8]) -> bool {
    let n = b".vn";
    bytes.windows(4).any(|w| {
        w[..3].eq_ignore_ascii_case(n)
            && matches!(w[3].to_ascii_lowercase(), b't' | b'a' | b'c' | b'h')
    })
}

/// NFC, skipping the work for text that is already composed (nearly all UTF-8 pages).
fn nfc(s: &str) -> String {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

pub fn decode_bytes(bytes: &[u8]) -> Decoded {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.nfc().collect(),
            encoding: enc.name(),
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Decoded {
            text: nfc(s),
            encoding: "UTF-8",
        };
    }
    let declared = declared_charset(bytes);
    let declared_enc = declared
        .as_deref()
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8);
    let latin = declared_enc.is_some_and(|e| e == encoding_rs::WINDOWS_1252);
    if let Some(enc) = declared_enc
        && !(latin && uses_vn3_fonts(bytes))
    {
        let (text, _, _) = enc.decode(bytes);
        return Decoded {
            text: text.nfc().collect(),
            encoding: enc.name(),
        };
    }
    let (w1258, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
    let w1258: String = w1258.nfc().collect();
    let tcvn3 = decode_tcvn3(bytes);
    if vietnamese_score(&tcvn3) > vietnamese_score(&w1258) || (latin && uses_vn3_fonts(bytes)) {
        Decoded {
            text: tcvn3,
            encoding: "TCVN3",
        }
    } else {
        Decoded {
            text: w1258,
            encoding: "windows-1258",
        }
    }
}

/// Bytes whose charset a container names (an MHTML part's `Content-Type`): that charset
/// when it is a known one, else the same guesses as [`decode_bytes`].
pub(crate) fn decode_with_charset(bytes: &[u8], charset: Option<&str>) -> Decoded {
    let named = charset
        .and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8);
    match named {
        Some(enc) if encoding_rs::Encoding::for_bom(bytes).is_none() => {
            let (text, _, _) = enc.decode(bytes);
            Decoded {
                text: nfc(&text),
                encoding: enc.name(),
            }
        }
        _ => decode_bytes(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Số tài khoản của cửa hàng: liên hệ điện thoại để mua sản phẩm";

    #[test]
    fn tcvn3_round_trip_and_detection() {
        let bytes = encode_tcvn3(SAMPLE);
        assert!(!bytes.contains(&b'?'));
        let d = decode_bytes(&bytes);
        assert_eq!(d.encoding, "TCVN3");
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn windows_1258_detected_without_declaration() {
        // "Số tài khoản": S, ô (0xF4) + acute (0xEC), t, a + grave (0xCC), i, k, h, o, a + hook (0xD2), n
        let bytes = b"S\xF4\xEC t\x61\xCCi kho\x61\xD2n c\xFD\xD2a h\xE0ng";
        let d = decode_bytes(bytes);
        assert_eq!(d.encoding, "windows-1258");
        assert!(d.text.starts_with("Số tài khoản"), "{}", d.text);
    }

    #[test]
    fn utf8_wins() {
        assert_eq!(decode_bytes(SAMPLE.as_bytes()).text, SAMPLE);
    }
}
