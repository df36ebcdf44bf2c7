//! `truyvet extract FILE…`: the identifiers in HTML, text, image, MHTML and PDF files,
//! without a workspace. One result per file (with `--json`, one JSON line per file, as soon as it
//! is read); a file that cannot be read is reported on stderr with a stable code and
//! the others are still processed; the exit code is then 3 (bad input).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use truyvet_extract::{Document, extract_document};

/// Larger files are refused rather than read into memory (images have their own
/// pixel and memory limits inside the extractor).
const MAX_BYTES: u64 = 256 << 20;

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a str,
    #[serde(flatten)]
    document: Document,
}

struct Failure {
    code: &'static str,
    message: String,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

pub fn run(files: &[std::path::PathBuf], json: bool) -> ExitCode {
    let mut failed = false;
    for path in files {
        let shown = path.display().to_string();
        match extract_file(path) {
            Ok(document) => print_result(
                &FileResult {
                    file: &shown,
                    document,
                },
                json,
            ),
            Err(f) => {
                failed = true;
                print_failure(&shown, &f, json);
            }
        }
    }
    if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

fn extract_file(path: &Path) -> Result<Document, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Failure::new(
            "file_not_found",
            format!("{}: no such file", path.display()),
        ),
        _ => Failure::new("file_unreadable", format!("{}: {e}", path.display())),
    })?;
    if !meta.is_file() {
        return Err(Failure::new(
            "not_a_file",
            format!("{} is not a regular file", path.display()),
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(Failure::new(
            "file_too_large",
            format!(
                "{} is {} bytes; files are read up to {MAX_BYTES}",
                path.display(),
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::new("file_unreadable", format!("{}: {e}", path.display())))?;
    let name = path.file_name().and_then(|n| n.to_str());
    extract_document(&bytes, name).map_err(|e| {
        Failure::new(
            e.code.as_str(),
            format!("{}: {}", path.display(), e.message),
        )
    })
}

fn print_result(result: &FileResult<'_>, json: bool) {
    // Buffered, and JSON written straight to it: a huge page's hits are not held twice.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let _ = serde_json::to_writer(&mut out, result);
        let _ = writeln!(out);
    } else {
        let _ = writeln!(
            out,
            "{} ({}{}): {} định danh",
            result.file,
            result.document.media.as_str(),
            result
                .document
                .encoding
                .map(|e| format!(", {e}"))
                .unwrap_or_default(),
            result.document.identifiers.len()
        );
        for h in &result.document.identifiers {
            let place = match h.location {
                truyvet_extract::Location::Span { start, end } => format!("@{start}-{end}"),
                truyvet_extract::Location::Image { region } => {
                    format!(
                        "@{}x{}+{}+{}",
                        region.width, region.height, region.x, region.y
                    )
                }
            };
            let raw: String = h.raw.chars().take(60).collect();
            let _ = writeln!(
                out,
                "  {:<20} {:<32} {:?} {place}",
                h.kind.as_str(),
                h.normalized,
                raw
            );
        }
    }
    let _ = out.flush();
}

fn headline(code: &str) -> &'static str {
    match code {
        "file_not_found" => "Không tìm thấy tệp",
        "not_a_file" => "Đường dẫn không phải là tệp",
        "file_unreadable" => "Không đọc được tệp",
        "file_too_large" => "Tệp quá lớn",
        "not_an_image" => "Tệp không phải là ảnh",
        "image_unreadable" => "Ảnh bị hỏng, không đọc được",
        "image_too_large" => "Ảnh quá lớn",
        "unsupported_format" => "Chưa hỗ trợ loại tệp này",
        "mhtml_unreadable" => "Tệp MHTML bị hỏng, không đọc được",
        "pdf_encrypted" => "Tệp PDF có mật khẩu",
        "pdf_unreadable" => "Tệp PDF bị hỏng, không đọc được",
        "pdf_too_large" => "Tệp PDF quá lớn",
        _ => "Lỗi",
    }
}

fn print_failure(file: &str, f: &Failure, json: bool) {
    if json {
        let value =
            serde_json::json!({ "error": { "code": f.code, "message": f.message, "file": file } });
        eprintln!("{value}");
    } else {
        eprintln!("lỗi [{}]: {}. {}", f.code, headline(f.code), f.message);
    }
}
