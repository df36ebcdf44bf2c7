//! `truyvet lookup VALUE`: every occurrence of an identifier across the workspace's
//! cases, whichever way it was written ("0912 345 678" finds "+84912345678").

use std::process::ExitCode;

use truyvet_core::{Result, Workspace};

use crate::run::emit;

pub fn run(ws: &Workspace, value: &str, json: bool) -> Result<ExitCode> {
    let found = ws.lookup(value)?;
    emit(json, &found, || {
        if found.is_empty() {
            return "(không thấy ở vụ việc nào)".to_string();
        }
        found
            .iter()
            .map(|o| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}{}{}",
                    o.case_code,
                    o.case_status,
                    o.recorded_at,
                    o.evidence_id,
                    o.id_kind,
                    o.value,
                    if o.qualifier.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", o.qualifier)
                    },
                    if o.excluded { "\t(loại trừ)" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}
