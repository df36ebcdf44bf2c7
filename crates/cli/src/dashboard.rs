//! `truyvet dashboard [--json]`: the supervisor's overview (open cases by status and age,
//! the review queue, tips waiting for triage, cases opened from tips, watched items that
//! changed, the sync outbox). Read-only.

use std::process::ExitCode;

use truyvet_core::dashboard::{AgeBuckets, Dashboard};
use truyvet_core::model::CaseStatus;
use truyvet_core::{Result, Workspace};

use crate::run::emit;

fn status_vi(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Draft => "nháp",
        CaseStatus::Submitted => "chờ duyệt",
        CaseStatus::Returned => "trả lại",
        CaseStatus::Approved => "đã duyệt",
        CaseStatus::Sealed => "đã niêm phong",
    }
}

/// "3 ngày" / "5 giờ": how long something has waited, roughly.
pub fn waited_vi(secs: i64) -> String {
    let days = secs / 86_400;
    if days > 0 {
        format!("{days} ngày")
    } else {
        format!("{} giờ", secs / 3600)
    }
}

fn ages(label: &str, a: &AgeBuckets) -> String {
    format!(
        "{label}: < 7 ngày {}, 7–30 ngày {}, 30–90 ngày {}, > 90 ngày {}",
        a.under_7, a.from_7_to_30, a.from_30_to_90, a.over_90
    )
}

fn more(shown: usize, total: u64) -> Option<String> {
    (total > shown as u64).then(|| format!("  … và {} mục khác", total - shown as u64))
}

fn human(d: &Dashboard) -> String {
    let mut out = vec![format!("Tổng quan lúc {}", d.generated_at)];
    out.push(format!("Vụ việc đang mở: {}", d.open_cases));
    out.push(
        d.by_status
            .iter()
            .map(|s| format!("{} {}", status_vi(s.status), s.count))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push(ages("Kể từ khi tạo", &d.age_since_created));
    out.push(ages("Kể từ thay đổi cuối", &d.age_since_change));

    out.push(format!("Chờ duyệt: {}", d.review_queue_total));
    for q in &d.review_queue {
        out.push(format!(
            "  {}\t{}\t{}\tchờ {}",
            q.code,
            q.title,
            q.created_by,
            waited_vi(q.waiting_secs)
        ));
    }
    out.extend(more(d.review_queue.len(), d.review_queue_total));

    if d.tips_available {
        out.push(format!("Tin báo chờ phân loại: {}", d.tips_waiting_total));
        for t in &d.tips_waiting {
            out.push(format!(
                "  {}\t{}\t{}\tchờ {}",
                t.code,
                t.channel,
                t.summary,
                waited_vi(t.waiting_secs)
            ));
        }
        out.extend(more(d.tips_waiting.len(), d.tips_waiting_total));
        out.push(format!(
            "Vụ việc mở từ tin báo trong 30 ngày: {}",
            d.recent_tip_cases_total
        ));
        for c in &d.recent_tip_cases {
            out.push(format!(
                "  {}\t← {}\t{}",
                c.case_code, c.tip_code, c.case_title
            ));
        }
        out.extend(more(d.recent_tip_cases.len(), d.recent_tip_cases_total));
    }
    if d.watch_available {
        out.push(format!(
            "Mục theo dõi có thay đổi: {}",
            d.watch_changed_total
        ));
        for w in &d.watch_changed {
            out.push(format!(
                "  {}\t{}\t{}",
                w.label,
                w.target,
                w.last_changed_at.as_deref().unwrap_or("")
            ));
        }
        out.extend(more(d.watch_changed.len(), d.watch_changed_total));
        out.push(format!("Mục theo dõi bị lỗi: {}", d.watch_errors_total));
        for w in &d.watch_errors {
            out.push(format!(
                "  {}\t{}\t{}",
                w.label,
                w.target,
                w.last_error.as_deref().unwrap_or("")
            ));
        }
        out.extend(more(d.watch_errors.len(), d.watch_errors_total));
    }
    let o = &d.outbox;
    out.push(format!(
        "Đồng bộ: chờ gửi {}, đang tải lên {}, đã xác nhận {}, bị từ chối {}",
        o.queued, o.uploading, o.verified, o.rejected
    ));
    out.join("\n")
}

pub fn run(ws: &Workspace, json: bool) -> Result<ExitCode> {
    let dash = ws.dashboard()?;
    emit(json, &dash, || human(&dash))
}
