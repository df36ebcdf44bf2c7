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
    /// Encrypt the bundle to this age X25519 recipient (age1…): only the holder of the
    /// matching identity can read it (`age -d -i KEY FILE`).
    #[arg(long, value_name = "RECIPIENT")]
    pub encrypt_to: Option<String>,
}

pub fn run(ws: &Workspace, args: ExportArgs, json: bool) -> Result<ExitCode> {
    if let Some(recipient) = &args.encrypt_to {
        let done = crate::export_age::export(ws, &args.code, &args.out, recipient)?;
        return emit(json, &done, || {
            format!(
                "đã xuất gói hồ sơ {} (mã hóa cho {}): {}\nSHA-256 tệp mã hóa: {}\n\
                 SHA-256 gói bên trong: {}\nkích thước gói: {} byte",
                done.case_code,
                done.encrypted_to,
                done.path.display(),
                done.sha256,
                done.bundle_sha256,
                done.bundle_size
            )
        });
    }
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
