//! `truyvet watch add|list|show|run|diff|remove`: the watch list of sites, shops and
//! identifiers. `run` re-captures the due URL items (politely: one page at a time per
//! host, a gap between requests to a host, a few hosts at once) and prints one line per
//! check; a site that is down or blocks us is a check error on its line, not a failure
//! of the command.

use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Args, Subcommand};
use truyvet_capture::watch::{HostGate, WatchRunOptions, run_due};
use truyvet_core::watch::{NewWatch, SnapshotSummary, WatchItem};
use truyvet_core::{Error, OpenMode, Result, Workspace};

use crate::run::emit;

#[derive(Debug, Subcommand)]
pub enum WatchCmd {
    /// Watch a URL (re-captured on a schedule) or an identifier (phone, account, shop…).
    Add(WatchAdd),
    /// Every watched item: changed/flagged first, then by risk score.
    List,
    /// An item with its checks, the cases and registry entries it appears in, and its
    /// risk score with the reasons (marks it seen).
    Show { id: String },
    /// Re-capture the URL items that are due (all active ones with --all).
    Run(WatchRunArgs),
    /// What changed in a page's text between two checks (default: the last two good
    /// ones). Marks the item seen.
    Diff {
        id: String,
        #[arg(long, value_name = "SNAPSHOT")]
        from: Option<i64>,
        #[arg(long, value_name = "SNAPSHOT")]
        to: Option<i64>,
    },
    /// Stop watching an item (its checks are removed; stored blobs stay).
    Remove { id: String },
}

#[derive(Debug, Args)]
pub struct WatchAdd {
    /// An http(s) URL, or an identifier such as 0912345678 or bank_account:0123456789.
    pub target: String,
    #[arg(long, default_value = "")]
    pub label: String,
    /// url or identifier (guessed when absent).
    #[arg(long)]
    pub kind: Option<String>,
    /// How often to check: seconds, or 30m, 6h, 1d (default: watch.interval_secs).
    #[arg(long, value_name = "INTERVAL")]
    pub interval: Option<String>,
}

#[derive(Debug, Args)]
pub struct WatchRunArgs {
    /// Check every active URL item now, not only the due ones.
    #[arg(long)]
    pub all: bool,
    /// Capture with Chromium and keep a screenshot of each page.
    #[arg(long)]
    pub browser: bool,
    /// Hosts fetched at once (1-8).
    #[arg(long, default_value_t = truyvet_capture::watch::DEFAULT_WORKERS)]
    pub workers: usize,
}

pub fn open_mode(_cmd: &WatchCmd) -> OpenMode {
    // Even `list` and `show` write: they raise new flags and mark items seen.
    OpenMode::Existing
}

fn parse_interval(text: &str) -> Result<u64> {
    let t = text.trim().to_ascii_lowercase();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t.as_str(), "s"),
    };
    let n: u64 = digits.parse().map_err(|_| {
        Error::invalid(format!(
            "'{text}' is not an interval (e.g. 3600, 30m, 6h, 1d)"
        ))
    })?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(Error::invalid(format!(
                "'{text}' is not an interval (e.g. 3600, 30m, 6h, 1d)"
            )));
        }
    };
    Ok(n.saturating_mul(factor))
}

fn item_line(i: &WatchItem) -> String {
    let mut marks = Vec::new();
    if i.changed_unseen {
        marks.push("ĐÃ THAY ĐỔI".to_string());
    }
    if i.new_flags > 0 {
        marks.push(format!("{} cảnh báo mới", i.new_flags));
    }
    if let Some(e) = &i.last_error {
        marks.push(format!("lỗi: {e}"));
    }
    format!(
        "{}\t{}\t{}\t{}\trủi ro {}\t{}{}",
        i.id,
        i.kind,
        i.target,
        if i.label.is_empty() { "-" } else { &i.label },
        i.risk_score,
        i.last_checked_at.as_deref().unwrap_or("chưa kiểm tra"),
        if marks.is_empty() {
            String::new()
        } else {
            format!("\t{}", marks.join("; "))
        }
    )
}

fn snapshot_line(s: &SnapshotSummary) -> String {
    match s.outcome.as_str() {
        "ok" => format!(
            "#{}\t{}\tHTTP {}\t{}{}",
            s.id,
            s.checked_at,
            s.http_status.map_or("-".into(), |c| c.to_string()),
            if s.changed {
                "THAY ĐỔI"
            } else {
                "không đổi"
            },
            s.screenshot_sha256
                .as_deref()
                .map_or(String::new(), |h| format!("\tảnh {}", &h[..16]))
        ),
        _ => format!(
            "#{}\t{}\tLỖI {}\t{}",
            s.id,
            s.checked_at,
            s.error_code.as_deref().unwrap_or(""),
            s.error_message.as_deref().unwrap_or("")
        ),
    }
}

pub fn run(ws: &mut Workspace, cmd: WatchCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        WatchCmd::Add(a) => {
            let interval = a.interval.as_deref().map(parse_interval).transpose()?;
            let item = ws.watch_add(&NewWatch {
                target: a.target,
                kind: a.kind,
                label: a.label,
                interval_secs: interval,
            })?;
            emit(json, &item, || {
                format!("đang theo dõi {}", item_line(&item))
            })
        }
        WatchCmd::List => {
            if !ws.is_read_only() {
                ws.watch_refresh()?;
            }
            let items = ws.watch_list()?;
            emit(json, &items, || {
                if items.is_empty() {
                    "chưa theo dõi mục nào".into()
                } else {
                    items.iter().map(item_line).collect::<Vec<_>>().join("\n")
                }
            })
        }
        WatchCmd::Show { id } => {
            if !ws.is_read_only() {
                ws.watch_refresh()?;
            }
            let detail = ws.watch_detail(&id)?;
            if !ws.is_read_only() {
                ws.watch_mark_seen(&detail.item.id)?;
            }
            emit(json, &detail, || {
                let c = &detail.classification;
                let mut out = vec![
                    item_line(&detail.item),
                    format!(
                        "nền tảng: {}",
                        if c.platform.is_empty() {
                            "-"
                        } else {
                            &c.platform
                        }
                    ),
                    format!("nhóm hàng: {}", c.product_groups.join(", ")),
                    format!("loại vi phạm: {}", c.violation_categories.join(", ")),
                    format!("điểm rủi ro: {}", detail.item.risk_score),
                ];
                for r in &detail.item.risk_reasons {
                    out.push(format!("  +{}\t{}\t{}", r.points, r.code, r.detail));
                }
                for f in &detail.flags {
                    out.push(format!(
                        "xuất hiện: {}\t{}\t{}{}",
                        f.source,
                        f.label,
                        f.found_at,
                        if f.seen { "" } else { "\tMỚI" }
                    ));
                }
                out.extend(detail.snapshots.iter().map(snapshot_line));
                out.join("\n")
            })
        }
        WatchCmd::Run(a) => {
            let options = WatchRunOptions {
                all: a.all,
                browser: a.browser.then(truyvet_browser::BrowserOptions::default),
                max_workers: a.workers,
                host_gap: None,
            };
            let gate = HostGate::default();
            let shared = Mutex::new(&mut *ws);
            let report = run_due(&shared, &options, &gate, &|| true)?;
            emit(json, &report, || {
                let mut out: Vec<String> = report
                    .checked
                    .iter()
                    .map(|c| format!("{}\t{}\t{}", c.item_id, c.url, snapshot_line(&c.snapshot)))
                    .collect();
                if out.is_empty() {
                    out.push("không có mục nào đến hạn kiểm tra".into());
                }
                if report.flags_raised > 0 {
                    out.push(format!(
                        "{} cảnh báo mới: mục theo dõi xuất hiện trong vụ việc hoặc danh sách của cơ quan khác",
                        report.flags_raised
                    ));
                }
                out.join("\n")
            })
        }
        WatchCmd::Diff { id, from, to } => {
            let diff = ws.watch_diff(&id, from, to)?;
            if !ws.is_read_only() {
                ws.watch_mark_seen(&diff.item_id)?;
            }
            emit(json, &diff, || {
                let mut out = vec![format!(
                    "#{} ({}) → #{} ({}): +{} −{} dòng",
                    diff.from.id,
                    diff.from.checked_at,
                    diff.to.id,
                    diff.to.checked_at,
                    diff.added,
                    diff.removed
                )];
                for l in &diff.lines {
                    let sign = match l.tag {
                        "added" => '+',
                        "removed" => '-',
                        _ => ' ',
                    };
                    out.push(format!("{sign} {}", l.text));
                }
                out.join("\n")
            })
        }
        WatchCmd::Remove { id } => {
            let item = ws.watch_remove(&id)?;
            emit(json, &item, || format!("đã ngừng theo dõi {}", item.target))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_interval;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("3600").ok(), Some(3600));
        assert_eq!(parse_interval("30m").ok(), Some(1800));
        assert_eq!(parse_interval("6h").ok(), Some(21_600));
        assert_eq!(parse_interval("1d").ok(), Some(86_400));
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("5w").is_err());
    }
}
