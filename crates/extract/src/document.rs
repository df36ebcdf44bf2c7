//! A file's bytes to its hits, whatever it is: an image (by its magic bytes, or by its
//! name — a file named `.png` must be one), a PDF, a saved web page (MHTML), an HTML
//! page, or text. The one entry point for the CLI and the app, so both read a file the
//! same way.
//!
//! Containers keep the hit shape: a hit in an MHTML part has its byte range in that
//! part's decoded HTML (or its image region) and `details.part`, the part's index in
//! the message (0 is the first); a hit in a PDF has its byte range in that page's text
//! and `details.page` (1 is the first page).

use serde::Serialize;

use crate::{Error, ErrorCode, Hit, PdfLimits};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Html,
    Text,
    Image,
    Mhtml,
    Pdf,
}

impl Media {
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Html => "html",
            Media::Text => "text",
            Media::Image => "image",
            Media::Mhtml => "mhtml",
            Media::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub media: Media,
    /// The character encoding the text was read in (absent for images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// How many pages a PDF has, how many parts an MHTML message has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<usize>,
    pub identifiers: Vec<Hit>,
}

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp"];
const HTML_EXTENSIONS: &[&str] = &["html", "htm", "xhtml", "xht"];
const MHTML_EXTENSIONS: &[&str] = &["mhtml", "mht"];
/// Images inside one MHTML message scanned for QR codes; a page with more is a
/// gallery, and its first images are the ones a seller's payment code sits among.
const MAX_MHTML_IMAGES: usize = 300;

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
            parts: None,
            identifiers: crate::extract_image(bytes)?,
        });
    }
    if ext == "pdf" || crate::pdf::looks_like_pdf(bytes) {
        if !crate::pdf::has_pdf_header(bytes) {
            return Err(Error::new(
                ErrorCode::PdfUnreadable,
                "the file is named as a PDF but has no PDF header",
            ));
        }
        return extract_pdf(bytes, PdfLimits::default());
    }
    if MHTML_EXTENSIONS.contains(&ext.as_str()) || crate::mhtml::looks_like_mhtml(bytes) {
        return extract_mhtml(bytes);
    }
    let decoded = crate::decode_bytes(bytes);
    let html = HTML_EXTENSIONS.contains(&ext.as_str()) || looks_like_html(&decoded.text);
    Ok(Document {
        media: if html { Media::Html } else { Media::Text },
        encoding: Some(decoded.encoding),
        parts: None,
        identifiers: if html {
            crate::extract_html(&decoded.text)
        } else {
            crate::extract_text(&decoded.text)
        },
    })
}

/// Hits of every page of a PDF, each located in its page's text.
pub fn extract_pdf(bytes: &[u8], limits: PdfLimits) -> Result<Document, Error> {
    let pages = crate::pdf::page_texts(bytes, limits)?;
    let mut identifiers = Vec::new();
    for (i, text) in pages.iter().enumerate() {
        for mut h in crate::extract_text(text) {
            h.details.insert("page", (i + 1).to_string());
            identifiers.push(h);
        }
    }
    Ok(Document {
        media: Media::Pdf,
        encoding: None,
        parts: Some(pages.len()),
        identifiers,
    })
}

/// Hits of a saved web page: every HTML part (the page and its frames) read as HTML in
/// the charset its part names, and QR codes in its images. The document's encoding is
/// that of the first HTML part.
fn extract_mhtml(bytes: &[u8]) -> Result<Document, Error> {
    let parts = crate::mhtml::parse(bytes)?;
    let mut identifiers = Vec::new();
    let mut encoding = None;
    let mut images = 0;
    for (i, part) in parts.iter().enumerate() {
        let mut found = match part.media_type.as_str() {
            "text/html" | "application/xhtml+xml" => {
                let decoded =
                    crate::decode::decode_with_charset(&part.body, part.charset.as_deref());
                encoding.get_or_insert(decoded.encoding);
                crate::extract_html(&decoded.text)
            }
            t if t.starts_with("image/") && images < MAX_MHTML_IMAGES => {
                images += 1;
                // An image the page carried but that does not decode is not a reason
                // to refuse the page.
                crate::extract_image(&part.body).unwrap_or_default()
            }
            _ => continue,
        };
        for h in &mut found {
            h.details.insert("part", i.to_string());
        }
        identifiers.append(&mut found);
    }
    Ok(Document {
        media: Media::Mhtml,
        encoding,
        parts: Some(parts.len()),
        identifiers,
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
        assert_eq!(e.code, ErrorCode::PdfUnreadable);
        let e = extract_document(b"SDT 0912345678", Some("a.pdf")).expect_err("not a pdf");
        assert_eq!(e.code, ErrorCode::PdfUnreadable);
        let e = extract_document(b"SDT 0912345678", Some("a.mht")).expect_err("not mhtml");
        assert_eq!(e.code, ErrorCode::MhtmlUnreadable);
    }
}
