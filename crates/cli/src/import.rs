//! `truyvet import FILE.wacz`: another agency's sealed case bundle into this workspace,
//! as a read-only case. The bundle is verified completely first (as `truyvet verify`);
//! any problem refuses it with `bundle_invalid` and nothing written.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use truyvet_core::{Result, Workspace};

use crate::run::emit;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The bundle to import (a `.wacz` from `truyvet export`).
    pub file: PathBuf,
}

pub fn run(ws: &Workspace, args: &ImportArgs, json: bool) -> Result<ExitCode> {
    let summary = truyvet_export::import_bundle(ws, &args.file)?;
    emit(json, &summary, || {
        format!(
            "đã nhập vụ việc {} của {} ({} chứng cứ, chỉ đọc)\n\
             gói hồ sơ: {}\nSHA-256: {}\ngốc niêm phong: {}",
            summary.case_code,
            summary.origin_agency,
            summary.evidence,
            args.file.display(),
            summary.bundle_sha256,
            summary.seal_root
        )
    })
}
