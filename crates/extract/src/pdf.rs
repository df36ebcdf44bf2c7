//! The text of each page of a PDF, through `lopdf` (pure Rust). lopdf parses the file,
//! decrypts what opens without a password and maps glyph codes to Unicode (font
//! encodings and `/ToUnicode` maps); walking the content operators is ours, because
//! lopdf's own text extraction glues lines that are placed with `Td`/`Tm` (so a phone at
//! the end of one line would run into the word starting the next, and be refused as a
//! number glued to letters).
//!
//! PDFs are hostile input: size, page count, decompressed content per page and time
//! are bounded, and a panic inside the parser becomes `pdf_unreadable`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use lopdf::content::Content;
use lopdf::{Document, Object};
use unicode_normalization::UnicodeNormalization;

use crate::{Error, ErrorCode};

/// Bounds on what a PDF may cost to read.
#[derive(Debug, Clone, Copy)]
pub struct PdfLimits {
    pub max_bytes: usize,
    pub max_pages: usize,
    /// Decompressed size of one stream (object streams while loading, a page's content).
    pub max_stream: usize,
    /// Wall time for reading the pages' text (checked between pages).
    pub max_time: Duration,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_bytes: 64 << 20,
            max_pages: 2_000,
            max_stream: 32 << 20,
            max_time: Duration::from_secs(30),
        }
    }
}

/// Whether the bytes are a PDF by their content alone: the header first (a text that
/// only mentions "%PDF-" stays text).
pub(crate) fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"%PDF-")
}

/// Whether a file named `.pdf` has the header where readers accept it: anywhere in the
/// first KiB (some writers put junk before it).
pub(crate) fn has_pdf_header(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// The text of every page, in page order (page 1 first): what the locations of a PDF's
/// hits index into.
pub fn page_texts(bytes: &[u8], limits: PdfLimits) -> Result<Vec<String>, Error> {
    if bytes.len() > limits.max_bytes {
        return Err(Error::new(
            ErrorCode::PdfTooLarge,
            format!(
                "the PDF is {} bytes; PDFs are read up to {}",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    catch_unwind(AssertUnwindSafe(|| read_pages(bytes, limits))).unwrap_or_else(|_| {
        Err(Error::new(
            ErrorCode::PdfUnreadable,
            "the PDF is damaged (the parser gave up on it)",
        ))
    })
}

fn read_pages(bytes: &[u8], limits: PdfLimits) -> Result<Vec<String>, Error> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(limits.max_stream),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_) => encrypted(),
        other => Error::new(
            ErrorCode::PdfUnreadable,
            format!("the PDF is damaged: {other}"),
        ),
    })?;
    // lopdf opens what decrypts with the empty user password (owner-only protection);
    // other encrypted files load without a decryption state and stay unreadable.
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(encrypted());
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(Error::new(
            ErrorCode::PdfUnreadable,
            "the PDF has no readable page tree",
        ));
    }
    if pages.len() > limits.max_pages {
        return Err(Error::new(
            ErrorCode::PdfTooLarge,
            format!(
                "the PDF has {} pages; PDFs are read up to {}",
                pages.len(),
                limits.max_pages
            ),
        ));
    }
    let started = Instant::now();
    let mut out = Vec::with_capacity(pages.len());
    for (_, page_id) in pages {
        if started.elapsed() > limits.max_time {
            return Err(Error::new(
                ErrorCode::PdfTooLarge,
                format!(
                    "reading the PDF took longer than {} s",
                    limits.max_time.as_secs()
                ),
            ));
        }
        // A damaged page yields no text; the other pages are still read.
        out.push(page_text(&doc, page_id, limits.max_stream).unwrap_or_default());
    }
    Ok(out)
}

fn encrypted() -> Error {
    Error::new(
        ErrorCode::PdfEncrypted,
        "the PDF is encrypted with a password; open it and save an unprotected copy",
    )
}

/// One page's text: lines where the content moves to a new line, a space where a `TJ`
/// gap or a move along the line separates words.
fn page_text(doc: &Document, page_id: lopdf::ObjectId, limit: usize) -> Option<String> {
    let fonts = doc.get_page_fonts(page_id).ok()?;
    let encodings: std::collections::BTreeMap<Vec<u8>, lopdf::Encoding> = fonts
        .into_iter()
        .filter_map(|(name, font)| {
            Some((name, font.get_font_encoding_with_limit(doc, limit).ok()?))
        })
        .collect();
    let content = Content::decode(&doc.get_page_content_with_limit(page_id, limit).ok()?).ok()?;
    let mut text = String::new();
    let mut font = None;
    let mut line_y: Option<f32> = None;
    for op in &content.operations {
        let args = &op.operands;
        match op.operator.as_str() {
            "Tf" => {
                font = args
                    .first()
                    .and_then(|n| n.as_name().ok())
                    .and_then(|n| encodings.get(n))
            }
            "Tj" => show(&mut text, font, args.first()),
            "'" => {
                newline(&mut text);
                show(&mut text, font, args.first());
            }
            "\"" => {
                newline(&mut text);
                show(&mut text, font, args.get(2));
            }
            "TJ" => {
                for item in args
                    .first()
                    .and_then(|a| a.as_array().ok())
                    .into_iter()
                    .flatten()
                {
                    match item {
                        Object::String(..) => show(&mut text, font, Some(item)),
                        // Thousandths of an em to the left: a wide gap is a word space.
                        n => {
                            if number(n).is_some_and(|v| v < -180.0) {
                                space(&mut text);
                            }
                        }
                    }
                }
            }
            "Td" | "TD" => {
                if args.get(1).and_then(number).is_some_and(|dy| dy != 0.0) {
                    newline(&mut text);
                } else {
                    space(&mut text);
                }
            }
            "Tm" => {
                let y = args.get(5).and_then(number);
                if y.is_some() && line_y.is_some() && y != line_y {
                    newline(&mut text);
                } else {
                    space(&mut text);
                }
                line_y = y;
            }
            "T*" | "ET" => newline(&mut text),
            _ => {}
        }
    }
    Some(text.nfc().collect())
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn show(text: &mut String, font: Option<&lopdf::Encoding>, s: Option<&Object>) {
    let Some(Object::String(bytes, _)) = s else {
        return;
    };
    match font {
        Some(enc) => {
            let _ = enc.write_to_string(bytes, text);
        }
        // No usable font encoding: printable ASCII is still worth reading.
        None if bytes.iter().all(|b| (0x20..0x7f).contains(b)) => {
            text.extend(bytes.iter().map(|&b| b as char));
        }
        None => {}
    }
}

fn newline(text: &mut String) {
    while text.ends_with(' ') {
        text.pop();
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

fn space(text: &mut String) {
    if !text.is_empty() && !text.ends_with([' ', '\n']) {
        text.push(' ');
    }
}
