//! `truyvet report build`: a periodic report (PDF or XLSX) over a period and scope.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;
use truyvet_core::{Error, Result, Workspace};
use truyvet_periodic::{
    Figures, Format, Preset, RegistryFigures, ReportRequest, ReportSummary, Scope,
};

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Build a periodic report: cases opened, sealed and referred, by category,
    /// platform and product group, per month; tips and repeat identifiers.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// First day of the period (YYYY-MM-DD, Vietnam time).
    #[arg(long, value_name = "DATE", conflicts_with = "preset")]
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE", conflicts_with = "preset")]
    pub to: Option<String>,
    /// A usual period ending today: 6m, 1y, 2y or 3y (whole months back from this one).
    #[arg(long, value_name = "6m|1y|2y|3y")]
    pub preset: Option<String>,
    /// Only cases and tips of this agency.
    #[arg(long)]
    pub agency: Option<String>,
    /// Only cases and tips of this unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// Only cases and tips of this province.
    #[arg(long)]
    pub province: Option<String>,
    /// pdf or xlsx (default: from the --out extension, else pdf).
    #[arg(long, value_name = "pdf|xlsx")]
    pub format: Option<String>,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Do not ask the central registry for its cross-agency figures.
    #[arg(long)]
    pub offline: bool,
}

/// How long the report waits for the registry's figures (one attempt).
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Serialize)]
struct Output<'a> {
    summary: &'a ReportSummary,
    figures: &'a Figures,
}

pub fn run(ws: &Workspace, cmd: ReportCmd, json: bool) -> Result<ExitCode> {
    let ReportCmd::Build(args) = cmd;
    let req = request(&args)?;
    let registry = registry_figures(ws, &req, args.offline)?;
    if registry.status == "unreachable" {
        eprintln!(
            "Lưu ý: không lấy được số liệu liên ngành từ hệ thống trung tâm \
             (registry unreachable); báo cáo vẫn được lập không có phần này. {}",
            registry.note
        );
    }
    let (summary, figures) = truyvet_periodic::build_with_registry(
        ws,
        &req,
        registry,
        &args.out,
        truyvet_periodic::generation_time(),
    )?;
    crate::run::emit(
        json,
        &Output {
            summary: &summary,
            figures: &figures,
        },
        || human(&summary, &figures),
    )
}

/// The registry's figures for the period: fetched when a registry is configured and
/// `offline` is not asked; a failed fetch is `unreachable`, never an error.
fn registry_figures(ws: &Workspace, req: &ReportRequest, offline: bool) -> Result<RegistryFigures> {
    if offline {
        return Ok(RegistryFigures::offline());
    }
    let Some(config) = ws.registry_config()? else {
        return Ok(RegistryFigures::offline());
    };
    let fetched = truyvet_sync::fetch_stats(ws, req.from, req.to, REGISTRY_TIMEOUT);
    Ok(RegistryFigures::from_fetch(&config.url, fetched))
}

fn request(args: &BuildArgs) -> Result<ReportRequest> {
    let (from, to) = match (&args.preset, &args.from, &args.to) {
        (Some(p), _, _) => Preset::parse(p)?.range(truyvet_periodic::today_vn()),
        (None, Some(from), Some(to)) => (
            truyvet_periodic::parse_date(from)?,
            truyvet_periodic::parse_date(to)?,
        ),
        _ => {
            return Err(Error::invalid(
                "give the period: --from DATE --to DATE, or --preset 6m|1y|2y|3y",
            ));
        }
    };
    let format = match &args.format {
        Some(f) => Format::parse(f)?,
        None => match args.out.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => Format::Xlsx,
            _ => Format::Pdf,
        },
    };
    Ok(ReportRequest {
        from,
        to,
        scope: Scope {
            agency: args.agency.clone(),
            unit: args.unit.clone(),
            province: args.province.clone(),
        },
        format,
    })
}

fn human(s: &ReportSummary, f: &Figures) -> String {
    let t = &f.totals;
    let mut out = String::new();
    if f.empty {
        out.push_str(
            "Lưu ý: không có dữ liệu trong kỳ báo cáo (no data in this period and scope); \
             báo cáo vẫn được lập.\n",
        );
    }
    out.push_str(&format!(
        "Báo cáo định kỳ {} – {} ({}): {}\n\
         SHA-256 {}  {} byte\n\
         mã băm số liệu {}\n\
         vụ việc đã lập {}, đã niêm phong {}, đã chuyển giao {} ({} lượt), tin báo {}, \
         định danh lặp lại {}",
        s.from,
        s.to,
        s.format.as_str(),
        s.path,
        s.sha256,
        s.size,
        s.figures_sha256,
        t.cases_opened,
        t.cases_sealed,
        t.cases_referred,
        t.referrals,
        t.tips_received,
        t.repeat_identifiers,
    ));
    let reg = &f.registry;
    match reg.total_cases {
        Some(total) => out.push_str(&format!(
            "\nsố liệu liên ngành ({}): {} vụ việc đã niêm phong",
            reg.host.as_deref().unwrap_or(""),
            total
        )),
        None => out.push_str(&format!("\nsố liệu liên ngành: {}", reg.status)),
    }
    out
}
