//! `truyvet verify FILE.wacz`: checks a case bundle (ours or another agency's) without a
//! workspace: every file hash, the manifest, the WARC digests and index, the custody
//! chain, every signature and timestamp token. Exit 0 only when everything verifies.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use truyvet_core::Result;

use crate::messages::EXIT_VERIFY_FAILED;
use crate::run::emit;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle to check.
    pub file: PathBuf,
}

pub fn run(args: &VerifyArgs, json: bool) -> Result<ExitCode> {
    let report = truyvet_export::verify_bundle(&args.file)?;
    emit(json, &report, || {
        let mut lines = vec![format!(
            "gói hồ sơ {}: {} tệp, {} bản ghi WARC, {} sự kiện lưu vết, {} chữ ký, {} dấu thời gian hợp lệ",
            args.file.display(),
            report.files,
            report.warc_records,
            report.custody_events,
            report.signatures,
            report.timestamps
        )];
        if let Some(root) = &report.seal_root {
            let recomputed = if report.seal_root_recomputed == "ok" {
                "đã tính lại cây Merkle từ các lá trong gói: khớp"
            } else {
                "chưa tính lại được cây Merkle"
            };
            lines.push(format!("gốc niêm phong: {root} ({recomputed})"));
        }
        for p in &report.problems {
            lines.push(format!("LỖI [{}]: {}", p.kind, p.detail));
        }
        lines.push(if report.ok {
            "KẾT QUẢ: hợp lệ".to_string()
        } else {
            "KẾT QUẢ: KHÔNG hợp lệ".to_string()
        });
        lines.join("\n")
    })?;
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_VERIFY_FAILED)
    })
}
