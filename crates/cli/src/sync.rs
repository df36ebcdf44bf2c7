//! `truyvet sync [--case CODE]` and `truyvet sync status`: push the outbox of sealed
//! cases to the central registry (receipts verified and logged in each case's custody
//! log), then pull the watchlist. One line per case with its state; exit 1 when a case
//! was rejected or is still waiting (the registry could not be reached).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use truyvet_core::outbox::{OutboxEntry, OutboxState};
use truyvet_core::{OpenMode, Result, Workspace};
use truyvet_sync::{Backoff, SyncOptions};

use crate::messages::EXIT_VERIFY_FAILED;
use crate::run::emit;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub cmd: Option<SyncCmd>,
    /// Only this case (queued again if it was rejected).
    #[arg(long = "case", value_name = "CODE")]
    pub case: Option<String>,
    /// First retry waits up to this long (full-jitter exponential backoff).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub retry_base_ms: u64,
    /// No wait is longer than this.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub retry_cap_ms: u64,
    /// Attempts per case in one sync before it waits for the next sync.
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// Upload chunk size in KiB (1024–8192; the registry may lower it).
    #[arg(long, value_name = "KIB", default_value_t = 4096)]
    pub chunk_kib: u64,
    /// Seconds per request.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Every case in the outbox with its state, without contacting the registry.
    Status,
}

pub fn open_mode(args: &SyncArgs) -> OpenMode {
    match args.cmd {
        Some(SyncCmd::Status) => OpenMode::ReadOnly,
        None => OpenMode::Existing,
    }
}

fn state_vi(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Queued => "chờ gửi",
        OutboxState::Uploading => "đang tải lên",
        OutboxState::Verified => "đã được máy chủ xác nhận",
        OutboxState::Rejected => "bị từ chối",
    }
}

fn line(e: &OutboxEntry) -> String {
    let mut text = format!("{}\t{}\t{}", e.case_code, e.state, state_vi(e.state));
    match e.state {
        OutboxState::Verified => {
            if let Some(index) = e.receipt.as_ref().and_then(|r| r["leaf_index"].as_u64()) {
                text.push_str(&format!("\tmục nhật ký {index}"));
            }
        }
        OutboxState::Uploading => {
            text.push_str(&format!(
                "\t{}/{} byte",
                e.confirmed_offset,
                e.bundle_size.unwrap_or(0)
            ));
        }
        _ => {}
    }
    if e.state != OutboxState::Verified && !e.reason_code.is_empty() {
        text.push_str(&format!("\t[{}] {}", e.reason_code, e.reason));
    }
    text
}

pub fn run(ws: &mut Workspace, args: SyncArgs, json: bool) -> Result<ExitCode> {
    if let Some(SyncCmd::Status) = args.cmd {
        let outbox = ws.outbox()?;
        return emit(json, &outbox, || {
            if outbox.is_empty() {
                return "(hàng chờ đồng bộ trống)".to_string();
            }
            outbox.iter().map(line).collect::<Vec<_>>().join("\n")
        });
    }
    let options = SyncOptions {
        backoff: Backoff {
            base: Duration::from_millis(args.retry_base_ms),
            cap: Duration::from_millis(args.retry_cap_ms),
            max_attempts: args.max_attempts,
        },
        chunk: args.chunk_kib.clamp(1024, 8192) * 1024,
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let report = truyvet_sync::sync(ws, args.case.as_deref(), &options)?;
    emit(json, &report, || {
        let mut lines: Vec<String> = report.cases.iter().map(line).collect();
        if lines.is_empty() {
            lines.push("(không có vụ việc nào cần gửi)".to_string());
        }
        lines.push(format!(
            "đã xác nhận {}, bị từ chối {}, còn chờ {}",
            report.verified, report.rejected, report.pending
        ));
        match (&report.watchlist_added, &report.watchlist_error) {
            (Some(n), _) => lines.push(format!(
                "danh sách theo dõi: {n} mục mới (con trỏ {})",
                report.watchlist_cursor
            )),
            (None, Some(why)) => lines.push(format!("không tải được danh sách theo dõi: {why}")),
            (None, None) => {}
        }
        lines.join("\n")
    })?;
    Ok(if report.rejected > 0 || report.pending > 0 {
        ExitCode::from(EXIT_VERIFY_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
