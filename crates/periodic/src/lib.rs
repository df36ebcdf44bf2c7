//! `truyvet-periodic`: periodic reports for a unit's management — how many cases were
//! opened, sealed and referred in a period, by violation category, platform and product
//! group, month by month; tips received and what came of them; identifiers behind more
//! than one case. The figures are aggregated in SQLite ([`figures`]) and written as a
//! Vietnamese PDF through the case report's typst pipeline or as an XLSX workbook with
//! native Excel charts ([`build`]).
//!
//! Periods are whole days in Vietnam time (UTC+07:00, no daylight saving): a case
//! opened at 20:00 UTC on 31 January counts in February, as the inspector saw it.

mod figures;
mod pdf;
mod period;
mod xlsx;

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};
use truyvet_core::{Error, Result, Workspace};

pub use figures::{
    Count, Figures, MonthRow, RegistryFigures, RepeatOffender, TipFigures, Totals, registry_host,
};
pub use period::{MAX_PERIOD_DAYS, parse_date};
pub use truyvet_wire::api::Stats;

/// What to report on and how to write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// First day of the period (inclusive, Vietnam time); `"YYYY-MM-DD"` in JSON.
    #[serde(with = "period::date_text")]
    pub from: Date,
    /// Last day of the period (inclusive, Vietnam time); `"YYYY-MM-DD"` in JSON.
    #[serde(with = "period::date_text")]
    pub to: Date,
    pub scope: Scope,
    pub format: Format,
}

/// Which cases and tips count: those whose agency, unit and province equal the given
/// ones (each optional; `None` or blank = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub agency: Option<String>,
    pub unit: Option<String>,
    pub province: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pdf,
    Xlsx,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdf" => Ok(Format::Pdf),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(Error::invalid(format!(
                "unknown report format {other:?}: use pdf or xlsx"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The usual periods: the current month and the months before it, so every month of
/// the series is a whole one except the current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    #[serde(rename = "6m")]
    SixMonths,
    #[serde(rename = "1y")]
    OneYear,
    #[serde(rename = "2y")]
    TwoYears,
    #[serde(rename = "3y")]
    ThreeYears,
}

impl Preset {
    pub fn parse(text: &str) -> Result<Preset> {
        match text.trim().to_ascii_lowercase().as_str() {
            "6m" => Ok(Preset::SixMonths),
            "1y" | "12m" => Ok(Preset::OneYear),
            "2y" | "24m" => Ok(Preset::TwoYears),
            "3y" | "36m" => Ok(Preset::ThreeYears),
            other => Err(Error::invalid(format!(
                "unknown period preset {other:?}: use 6m, 1y, 2y or 3y"
            ))),
        }
    }

    pub fn months(self) -> u32 {
        match self {
            Preset::SixMonths => 6,
            Preset::OneYear => 12,
            Preset::TwoYears => 24,
            Preset::ThreeYears => 36,
        }
    }

    /// `(first day, today)`: from the first day of the month `months() - 1` months before
    /// `today`'s month, to `today`.
    pub fn range(self, today: Date) -> (Date, Date) {
        (period::months_back(today, self.months() - 1), today)
    }
}

/// Today's date in Vietnam time, for [`Preset::range`].
pub fn today_vn() -> Date {
    OffsetDateTime::now_utc().to_offset(period::VN).date()
}

/// What [`build`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    pub path: String,
    pub format: Format,
    /// Hex SHA-256 of the written file.
    pub sha256: String,
    pub size: u64,
    pub from: String,
    pub to: String,
    pub scope: Scope,
    /// True when the period holds no case, referral or tip in the scope.
    pub empty: bool,
    /// Hex SHA-256 of the figures (canonical JSON), printed in the report: the same data
    /// gives the same hash whatever the format or the time of generation.
    pub figures_sha256: String,
    pub generated_at: String,
}

/// Computes the figures of a period and scope. `invalid_input` for `from > to` or a
/// period longer than [`MAX_PERIOD_DAYS`].
pub fn figures(ws: &Workspace, req: &ReportRequest) -> Result<Figures> {
    period::check(req.from, req.to)?;
    figures::compute(ws, req)
}

/// Computes the figures and writes the report to `out` (replacing it atomically). The
/// generation time printed in it is now, or `SOURCE_DATE_EPOCH` when set, so a build
/// can be reproduced byte for byte.
pub fn build(ws: &Workspace, req: &ReportRequest, out: &Path) -> Result<ReportSummary> {
    build_at(ws, req, out, generation_time())
}

/// [`build`] with an explicit generation time: the same data and time give the same bytes.
pub fn build_at(
    ws: &Workspace,
    req: &ReportRequest,
    out: &Path,
    generated_at: OffsetDateTime,
) -> Result<ReportSummary> {
    Ok(build_with_figures(ws, req, out, generated_at)?.0)
}

/// [`figures`] with the central registry's cross-agency figures (fetched by the caller,
/// or the reason they are missing) in place of "offline".
pub fn figures_with_registry(
    ws: &Workspace,
    req: &ReportRequest,
    registry: RegistryFigures,
) -> Result<Figures> {
    figures::with_registry(figures(ws, req)?, registry)
}

/// [`build_at`] that also hands back the figures it wrote (the CLI's `--json`).
pub fn build_with_figures(
    ws: &Workspace,
    req: &ReportRequest,
    out: &Path,
    generated_at: OffsetDateTime,
) -> Result<(ReportSummary, Figures)> {
    build_with_registry(ws, req, RegistryFigures::offline(), out, generated_at)
}

/// [`build_with_figures`] with the central registry's figures (see
/// [`figures_with_registry`]).
pub fn build_with_registry(
    ws: &Workspace,
    req: &ReportRequest,
    registry: RegistryFigures,
    out: &Path,
    generated_at: OffsetDateTime,
) -> Result<(ReportSummary, Figures)> {
    let figures = figures_with_registry(ws, req, registry)?;
    let generated = period::format_vn(generated_at);
    let bytes = match req.format {
        Format::Pdf => pdf::render(&figures, &generated)?,
        Format::Xlsx => xlsx::render(&figures, &generated, generated_at)?,
    };
    write_atomic(out, &bytes)?;
    let summary = ReportSummary {
        path: out.display().to_string(),
        format: req.format,
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        from: figures.from.clone(),
        to: figures.to.clone(),
        scope: figures.scope.clone(),
        empty: figures.empty,
        figures_sha256: figures.figures_sha256.clone(),
        generated_at: generated,
    };
    Ok((summary, figures))
}

/// Now, or `SOURCE_DATE_EPOCH` (seconds) when set.
pub fn generation_time() -> OffsetDateTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(OffsetDateTime::now_utc)
}

/// Temp file in the same folder, then rename: a failed build never leaves half a report
/// where an old one was.
fn write_atomic(out: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if out.is_dir() {
        return Err(Error::invalid(format!(
            "{} is a folder: give a file name for the report",
            out.display()
        )));
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("cannot write the report to", out, &e)
    })
}
