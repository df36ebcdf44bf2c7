//! Tips and complaints (tin báo, khiếu nại): intake, triage, assignment, a case opened
//! from a tip, closing with an outcome. The reporter's contact lives in its own table and
//! leaves the core masked unless a reveal is asked for, which the tip's log records.
//! Every change and its log event commit together (log.rs).

pub mod dedupe;
pub mod import;
pub mod log;
pub mod mask;
pub mod model;
mod ops;
mod store;
pub mod text;

pub use model::*;

/// Vietnamese name of a channel, as printed in reports.
pub fn channel_label_vi(channel: TipChannel) -> &'static str {
    match channel {
        TipChannel::Hotline => "đường dây nóng",
        TipChannel::Letter => "thư, đơn",
        TipChannel::Email => "thư điện tử",
        TipChannel::WebForm => "biểu mẫu trên cổng thông tin",
        TipChannel::Referral => "cơ quan khác chuyển đến",
        TipChannel::Other => "kênh khác",
    }
}

/// The case's origin line for its report ("Tin báo TIP-…, tiếp nhận ngày …, qua …"),
/// read from the `case_from_tip` custody event, so a bundle carries it in its own log.
pub fn origin_line(custody: &[crate::CustodyEvent]) -> Option<String> {
    let event = custody
        .iter()
        .find(|e| e.kind == ops::CASE_FROM_TIP_EVENT)?;
    let code = event.payload.get("tip_code")?.as_str()?;
    let received = event
        .payload
        .get("received_at")
        .and_then(|v| v.as_str())
        .map(text::local_date)
        .unwrap_or_default();
    let channel = event
        .payload
        .get("channel")
        .and_then(|v| v.as_str())
        .and_then(|c| TipChannel::parse(c).ok())
        .map(channel_label_vi)
        .unwrap_or("kênh khác");
    Some(format!(
        "Tin báo {code}, tiếp nhận ngày {received}, qua {channel}"
    ))
}

pub use ops::CASE_FROM_TIP_EVENT;
