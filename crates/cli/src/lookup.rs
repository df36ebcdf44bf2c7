//! `truyvet lookup VALUE`: every occurrence of an identifier across the workspace's
//! cases, whichever way it was written ("0912 345 678" finds "+84912345678"), flagged
//! when another agency's case holds it too (the registry's watchlist, pulled by `truyvet
//! sync`, so this works offline). With `--registry`, the registry is asked live instead.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use truyvet_core::watchlist::AgencySighting;
use truyvet_core::{Occurrence, Result, Workspace};

use crate::run::emit;

fn sighting_line(s: &AgencySighting) -> String {
    format!(
        "cơ quan khác: {}\t{}\t{}\t{}\t{}{}",
        s.agency,
        s.case_code,
        s.case_date,
        s.kind,
        s.value,
        if s.qualifier.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.qualifier)
        }
    )
}

fn occurrence_line(o: &Occurrence) -> String {
    let mut text = format!(
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
    );
    if !o.seen_by_other_agency.is_empty() {
        let agencies: Vec<String> = o
            .seen_by_other_agency
            .iter()
            .map(|s| format!("{} {}", s.agency, s.case_code))
            .collect();
        text.push_str(&format!("\t(cơ quan khác đã gặp: {})", agencies.join(", ")));
    }
    text
}

pub fn run(ws: &Workspace, value: &str, registry: bool, json: bool) -> Result<ExitCode> {
    if registry {
        return live(ws, value, json);
    }
    let found = ws.lookup(value)?;
    // Watchlist entries whose value no local case holds: shown after the local ones.
    let elsewhere: Vec<AgencySighting> = ws
        .watchlist_lookup(value)?
        .into_iter()
        .filter(|s| {
            !found
                .iter()
                .any(|o| o.seen_by_other_agency.iter().any(|x| x.cursor == s.cursor))
        })
        .collect();
    emit(json, &found, || {
        let mut lines: Vec<String> = found.iter().map(occurrence_line).collect();
        lines.extend(elsewhere.iter().map(sighting_line));
        if lines.is_empty() {
            return "(không thấy ở vụ việc nào)".to_string();
        }
        lines.join("\n")
    })
}

#[derive(Serialize)]
struct Live<'a> {
    registry: &'a str,
    #[serde(flatten)]
    answer: &'a truyvet_sync::LookupResponse,
}

fn live(ws: &Workspace, value: &str, json: bool) -> Result<ExitCode> {
    let config = ws.require_registry()?;
    let answer = truyvet_sync::lookup(ws, value, Duration::from_secs(30))?;
    emit(
        json,
        &Live {
            registry: &config.url,
            answer: &answer,
        },
        || {
            if answer.hits.is_empty() {
                return "(máy chủ đăng ký không có vụ việc nào chứa giá trị này)".to_string();
            }
            answer
                .hits
                .iter()
                .map(|h| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}{}\t{} — {} ({})",
                        h.agency,
                        h.case_code,
                        h.case_date,
                        h.kind,
                        h.value,
                        if h.qualifier.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", h.qualifier)
                        },
                        h.unit.name,
                        h.unit.contact,
                        h.categories.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
}
