//! The bundle of a sealed case written into any seekable writer rather than a named
//! file, for callers that transform it on the way out (`truyvet export --encrypt-to`
//! writes it into an encrypted scratch file, then encrypts it to a recipient).

use std::io::{Seek, Write};

use serde::Serialize;
use truyvet_bundle::write_wacz;
use truyvet_core::model::CaseStatus;
use truyvet_core::{Error, ErrorCode, Result, Workspace};

use crate::{bundle_code, gather, members, report_map, uco_map};

/// What [`export_case_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenBundle {
    pub case_code: String,
    /// Hex SHA-256 of `datapackage.json`.
    pub datapackage_sha256: String,
    pub seal_root: String,
    pub evidence: usize,
    pub warcs: usize,
}

/// Writes the bundle of the sealed case `code` into `out` (the same bytes
/// [`crate::export_case`] writes to a file) and hands `out` back.
pub fn export_case_to<W: Write + Seek>(
    ws: &Workspace,
    code: &str,
    out: W,
) -> Result<(W, WrittenBundle)> {
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
    let (out, written) =
        write_wacz(out, &input).map_err(|e| Error::new(bundle_code(&e), format!("bundle: {e}")))?;
    Ok((
        out,
        WrittenBundle {
            case_code: case.code.clone(),
            datapackage_sha256: written.datapackage_sha256,
            seal_root: data.seal.root.clone(),
            evidence: data.evidence.len(),
            warcs: input.warcs.len(),
        },
    ))
}
