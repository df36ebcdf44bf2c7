//! A file's bytes to its hits, whatever it is: an image (by its magic bytes, or by its
//! name — a file named `.png` must be one), an HTML page, or text. The one entry point
//! for the CLI and the app, so both read a file the same way.

use serde::Serialize;

use crate::{Error, ErrorCode, Hit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Html,
    Text,
    Image,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub media: Media,
    /// The character encoding the text was read in (absent for images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    pub identifiers: Vec<Hit>,
}

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp"];
const HTML_EXTENSIONS: &[&str] = &["html", "htm", "xhtml", "xht"];

/// Extracts from a file's bytes; `file_name` (or just its extension) helps tell HTML
/// from text and says when the bytes must be an image.
pub fn extract_document(bytes: &[u8], file_name: Option<&str>) -> Result<Document, Error> {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if IMAGE_EXTENSIONS.contains(&ext.as_str()) || image::guess_format(bytes).is_ok() {
        return Ok(Document {
            media: Media::Image,
            encoding: None,
            identifiers: crate::extract_image(bytes)?,
        });
    }
    if bytes.starts_with(b"%PDF-") {
        return Err(Error::new(
            ErrorCode::UnsupportedFormat,
            "PDF files are not read yet; extract their text first",
        ));
    }
    let decoded = crate::decode_bytes(bytes);
    let html = HTML_EXTENSIONS.contains(&ext.as_str()) || looks_like_html(&decoded.text);
    Ok(Document {
        media: if html { Media::Html } else { Media::Text },
        encoding: Some(decoded.encoding),
        identifiers: if html {
            crate::extract_html(&decoded.text)
        } else {
            crate::extract_text(&decoded.text)
        },
    })
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    head.trim_start().starts_with('<')
        && ["<html", "<!doctype html", "<body", "<head", "<div", "<p>"]
            .iter()
            .any(|t| head.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_files() {
        let d = extract_document(b"<!doctype html><p>SDT 0912345678</p>", None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.media, Media::Html);
        let d =
            extract_document(b"SDT 0912345678", Some("a.txt")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((d.media, d.identifiers.len()), (Media::Text, 1));
        let e = extract_document(b"SDT 0912345678", Some("a.PNG")).expect_err("named as an image");
        assert_eq!(e.code, ErrorCode::NotAnImage);
        let e = extract_document(b"%PDF-1.7", Some("a.pdf")).expect_err("pdf");
        assert_eq!(e.code, ErrorCode::UnsupportedFormat);
    }
}
