//! `truyvet-report`: the case report as a PDF in Vietnamese, typeset by typst used as a
//! library with a bundled font (Noto Serif), so the output is the same on every machine
//! and needs no fonts installed.
//!
//! The data goes to the template as JSON (`/data.json`, read with `json()`), never
//! spliced into markup: a title such as `#let x = 1` or `*[]` is printed as written.
//! The same [`Report`] always renders to the same bytes: no clock, no creation date,
//! a document id derived from the case code.

mod model;
mod view;
mod world;

use std::fmt;

use typst::diag::SourceDiagnostic;
use typst::foundations::Smart;
use typst::layout::PagedDocument;

pub use model::{
    Addendum, CaseInfo, CustodyRow, Entity, EvidenceRow, Link, Person, Report, Screenshot, Seal,
    Signature, TimestampInfo, TimestampStatus,
};
pub use view::GRAPH_MAX_NODES;

const TEMPLATE: &str = include_str!("../templates/report.typ");

/// Stable error codes of report rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The data could not be serialized for the template.
    ReportData,
    /// Typesetting failed (e.g. a screenshot that is not a valid PNG).
    ReportLayout,
    /// Writing the PDF failed.
    ReportPdf,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ReportData => "report_data",
            ErrorCode::ReportLayout => "report_layout",
            ErrorCode::ReportPdf => "report_pdf",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn error(code: ErrorCode, message: impl Into<String>) -> Error {
    Error {
        code,
        message: message.into(),
    }
}

/// Renders the report to PDF bytes.
pub fn render_pdf(report: &Report) -> Result<Vec<u8>> {
    let data = serde_json::to_vec(&view::build(report))
        .map_err(|e| error(ErrorCode::ReportData, e.to_string()))?;
    let mut files = vec![("/data.json".to_owned(), data)];
    for (i, shot) in report.screenshots.iter().enumerate() {
        files.push((view::screenshot_path(i), shot.png.clone()));
    }
    // A stable document id: derived from the case code, not from a random value.
    render_template_pdf(TEMPLATE, files, &report.case.code)
}

/// Renders another typst template with this crate's bundled fonts and the same
/// reproducible PDF settings (periodic reports use it). `files` are what the template
/// reads (e.g. `/data.json`); `ident` fixes the PDF document id.
pub fn render_template_pdf(
    template: &str,
    files: Vec<(String, Vec<u8>)>,
    ident: &str,
) -> Result<Vec<u8>> {
    let world = world::ReportWorld::new(template, files);
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|diags| error(ErrorCode::ReportLayout, describe(&world, &diags)))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident),
        // No creation date: the template sets `date: none` as well.
        timestamp: None,
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|diags| error(ErrorCode::ReportPdf, describe(&world, &diags)));
    // typst memoizes across compilations in a process-wide cache; a report is rendered
    // rarely, so drop it rather than let a long-running app keep every layout.
    typst::comemo::evict(0);
    pdf
}

/// The diagnostics as one line each, with the template line when there is one.
fn describe(world: &world::ReportWorld, diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| match world.template_line(d.span) {
            Some(line) => format!("template line {line}: {}", d.message),
            None => d.message.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
