//! `truyvet-export`: a sealed case leaves the laptop as one WACZ file. This crate reads
//! the case from the core and hands plain data to the three writers that do not know the
//! core: `truyvet-bundle` (the WACZ, with the capture WARCs replayable by any web-archive
//! player), `truyvet-report` (the PDF) and `truyvet-caseuco` (the JSON-LD).
//!
//! Deterministic: every time in the bundle comes from the data (the seal time), never the
//! clock, and every list is in a stable order, so exporting the same sealed case twice
//! gives identical bytes. The file is written beside its destination and renamed into
//! place, so a failed export leaves nothing half-written.

mod gather;
mod import;
mod members;
mod report_map;
mod to_writer;
mod uco_map;
mod verify;
mod verify_seal;

pub use import::{ImportSummary, import_bundle};
pub use to_writer::{WrittenBundle, export_case_to};
pub use verify::{BundleProblem, BundleReport, verify_bundle, verify_bundle_in};

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use truyvet_bundle::write_wacz;
use truyvet_core::model::CaseStatus;
use truyvet_core::{Error, ErrorCode, Result, Workspace};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub case_code: String,
    pub path: PathBuf,
    /// Hex SHA-256 of the whole bundle file.
    pub sha256: String,
    pub size: u64,
    /// Hex SHA-256 of `datapackage.json` (what `datapackage-digest.json` records).
    pub datapackage_sha256: String,
    pub seal_root: String,
    pub evidence: usize,
    pub warcs: usize,
}

/// Exports the sealed case `code` to `out_path` (a `.wacz` file). Refuses a case that
/// is not sealed with `case_not_sealed`, before anything is written.
pub fn export_case(ws: &Workspace, code: &str, out_path: &Path) -> Result<ExportSummary> {
    let case = ws.case_by_code(code)?;
    if case.status != CaseStatus::Sealed {
        return Err(Error::new(
            ErrorCode::CaseNotSealed,
            format!(
                "case {} is {}; only a sealed case can be exported",
                case.code, case.status
            ),
        ));
    }
    let data = gather::gather(ws, &case)?;
    let pdf = truyvet_report::render_pdf(&report_map::report(&data))
        .map_err(|e| Error::internal(format!("report: {e}")))?;
    let jsonld = truyvet_caseuco::to_jsonld_bytes(&uco_map::description(&data));
    let input = members::wacz_input(ws, &data, pdf, jsonld)?;

    let dir = match out_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".truyvet-export-")
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("cannot create a file in", &dir, &e))?;
    let (file, written) = write_wacz(tmp.as_file(), &input)
        .map_err(|e| Error::new(bundle_code(&e), format!("bundle: {e}")))?;
    file.sync_all()
        .map_err(|e| Error::io("cannot flush", tmp.path(), &e))?;
    tmp.persist(out_path)
        .map_err(|e| Error::io("cannot write", out_path, &e.error))?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    let (sha256, size) = hash_file(out_path)?;
    Ok(ExportSummary {
        case_code: case.code.clone(),
        path: out_path.to_path_buf(),
        sha256,
        size,
        datapackage_sha256: written.datapackage_sha256,
        seal_root: data.seal.root.clone(),
        evidence: data.evidence.len(),
        warcs: input.warcs.len(),
    })
}

fn bundle_code(err: &truyvet_bundle::WaczError) -> ErrorCode {
    if err.message.contains("I/O") || err.message.contains("os error") {
        ErrorCode::IoError
    } else {
        ErrorCode::Internal
    }
}

fn hash_file(path: &Path) -> Result<(String, u64)> {
    let file = File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let mut reader = BufReader::with_capacity(1 << 17, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 17];
    let mut size = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| Error::io("cannot read", path, &e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
