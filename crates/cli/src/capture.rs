//! `truyvet capture`: each URL is captured, then stored and acknowledged before the next
//! one starts, so an interrupted batch keeps every page it reported.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use truyvet_capture::{
    CaptureOptions, NetworkPolicy, browser_capture_for_evidence, capture_for_evidence,
};
use truyvet_core::{Error, ErrorCode, Result, Workspace};

use crate::args::CaptureArgs;

pub fn run(ws: &mut Workspace, args: CaptureArgs, json: bool) -> Result<ExitCode> {
    let profile = ws.require_profile()?;
    ws.case_by_code(&args.case)?; // an unknown case fails before any request is made
    let mut policy = NetworkPolicy::default();
    for entry in ws.capture_allow_list()?.iter().chain(&args.allow) {
        policy = policy.allow(entry).map_err(capture_error)?;
    }
    let options = CaptureOptions {
        max_response_bytes: args.max_size_mib.saturating_mul(1024 * 1024),
        total_timeout: Duration::from_secs(args.timeout.max(1)),
        accept_invalid_certs: args.insecure,
        investigator: Some(profile.display_name.clone()),
        device: Some(ws.device().to_string()),
        ..CaptureOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the capture runtime: {e}")))?;
    let mut failures = 0usize;
    let mut stdout = std::io::stdout().lock();
    for url in &args.urls {
        let captured = if args.browser {
            let browser = truyvet_browser::BrowserOptions::default();
            runtime.block_on(browser_capture_for_evidence(
                url,
                &browser,
                &policy,
                &profile.display_name,
                ws.device(),
            ))
        } else {
            runtime.block_on(capture_for_evidence(url, &options, &policy))
        };
        let mut input = match captured {
            Ok(input) => input,
            Err(e) => {
                failures += 1;
                crate::messages::print_error(&capture_error(e), json);
                continue;
            }
        };
        input.note = args.note.clone();
        let item = ws.add_web_capture(&args.case, &input)?;
        let line = if json {
            serde_json::json!({
                "evidence": item,
                "url": input.url,
                "final_url": input.final_url,
                "http_status": input.http_status,
                "server_ip": input.server_ip,
                "title": input.title,
                "partial_reason": input.partial_reason,
            })
            .to_string()
        } else {
            let partial = input
                .partial_reason
                .as_deref()
                .map(|r| format!("  [MỘT PHẦN: {r}]"))
                .unwrap_or_default();
            format!(
                "đã thu thập  {}  {}  {}{partial}",
                item.sha256,
                input.http_status.map_or("-".into(), |s| s.to_string()),
                input.final_url
            )
        };
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }
    drop(stdout);
    // With an authority configured, stamp right away; offline, the captures stay queued.
    if ws.setting(truyvet_core::settings::TSA_URL)?.is_some() {
        match crate::timestamp::stamp_due(ws, false) {
            Ok(report) if !report.still_pending.is_empty() => eprintln!(
                "{} bản thu thập đang chờ đóng dấu thời gian (sẽ thử lại: truyvet timestamp run)",
                report.still_pending.len()
            ),
            Ok(_) => {}
            Err(e) => eprintln!("chưa đóng dấu thời gian: {e}"),
        }
    }
    if failures == 0 {
        Ok(ExitCode::SUCCESS)
    } else {
        // Every page that was captured is stored; say the batch was incomplete.
        Ok(ExitCode::from(crate::messages::EXIT_CAPTURE_FAILED))
    }
}

/// Capture failures keep their own stable code in the message; they are bad input from
/// the user's point of view (a URL that cannot be captured), except for I/O.
fn capture_error(e: truyvet_capture::Error) -> Error {
    let code = match e.code {
        truyvet_capture::ErrorCode::IoError => ErrorCode::IoError,
        _ => ErrorCode::CaptureFailed,
    };
    Error::new(code, format!("{}: {}", e.code.as_str(), e.message))
}
