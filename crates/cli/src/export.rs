//! `truyvet export CODE --out FILE.wacz`: a sealed case as one WACZ bundle (capture
//! WARCs, custody log, seal, keys, timestamp tokens, imported files, CASE/UCO JSON-LD
//! and the PDF report), written beside FILE and renamed into place.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use truyvet_core::{Result, Workspace};

use crate::run::emit;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The case code; the case must be sealed.
    pub code: String,
    /// The bundle to write (e.g. CASE.wacz); replaced if it exists.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(ws: &Workspace, args: ExportArgs, json: bool) -> Result<ExitCode> {
    let summary = truyvet_export::export_case(ws, &args.code, &args.out)?;
    emit(json, &summary, || {
        format!(
            "đã xuất gói hồ sơ {}: {}\nSHA-256: {}\nkích thước: {} byte",
            summary.case_code,
            summary.path.display(),
            summary.sha256,
            summary.size
        )
    })
}
