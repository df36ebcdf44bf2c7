//! `truyvet tip`: tips and complaints (tin báo, khiếu nại) — record, list, show (contact
//! masked unless `--reveal`, which is logged), triage, bulk import from CSV/XLSX, assign,
//! open a case from a tip, close with an outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use truyvet_core::model::ViolationCategory;
use truyvet_core::tips::{
    NewTip, TipChannel, TipContact, TipDetail, TipFilter, TipOutcome, TipStatus, text,
};
use truyvet_core::{OpenMode, Result, Workspace};

use crate::run::emit;

#[derive(Debug, Subcommand)]
pub enum TipCmd {
    /// Record a tip or complaint.
    Add(Box<TipAddArgs>),
    /// List tips, newest received first.
    List {
        /// new, triaged, assigned, case_opened or closed.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// A tip with its log and the open tips and cases it may repeat.
    Show {
        code: String,
        /// Show the reporter's contact in clear (recorded in the tip's log).
        #[arg(long)]
        reveal: bool,
    },
    /// Mark a new tip as triaged (the duplicates seen are recorded).
    Triage {
        code: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Import tips from a CSV or XLSX export; `--dry-run` only checks every row.
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Assign a tip to an investigator (supervisors only).
    Assign {
        code: String,
        /// The investigator's profile name.
        #[arg(long = "to", value_name = "PROFILE")]
        to: String,
    },
    /// Open a case from a tip; its attachments become the case's evidence.
    OpenCase {
        code: String,
        /// The case title (default: the tip's summary).
        #[arg(long)]
        title: Option<String>,
    },
    /// Close a tip: case_opened, no_violation, duplicate, forwarded, insufficient_info.
    Close {
        code: String,
        #[arg(long)]
        outcome: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Args)]
pub struct TipAddArgs {
    /// hotline, letter, email, web_form, referral or other.
    #[arg(long)]
    pub channel: String,
    /// One line saying what is reported.
    #[arg(long, default_value = "")]
    pub summary: String,
    /// The full text of the report.
    #[arg(long, default_value = "")]
    pub allegation: String,
    /// When it was received: dd/mm/yyyy, yyyy-mm-dd or RFC 3339 (default: now).
    #[arg(long, value_name = "DATE")]
    pub received: Option<String>,
    /// Reporter's name (stored apart, shown masked).
    #[arg(long, default_value = "")]
    pub name: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[arg(long, default_value = "")]
    pub address: String,
    /// The referring agency (for a referral).
    #[arg(long, default_value = "")]
    pub organization: String,
    /// A link to the reported shop, listing or page (repeatable).
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<String>,
    /// A phone, bank account, e-mail or domain of the reported seller (repeatable;
    /// `kind:value` picks the kind).
    #[arg(long = "identifier", value_name = "VALUE")]
    pub identifiers: Vec<String>,
    /// Violation category code (repeatable).
    #[arg(long = "category", value_name = "CODE")]
    pub categories: Vec<String>,
    #[arg(long, default_value = "")]
    pub product_group: String,
    /// A file sent with the tip, kept as evidence (repeatable).
    #[arg(long = "attach", value_name = "FILE")]
    pub attachments: Vec<PathBuf>,
}

pub fn open_mode(cmd: &TipCmd) -> OpenMode {
    match cmd {
        TipCmd::List { .. } | TipCmd::Show { reveal: false, .. } => OpenMode::ReadOnly,
        TipCmd::Import { dry_run: true, .. } => OpenMode::ReadOnly,
        _ => OpenMode::Existing,
    }
}

pub fn run(ws: &mut Workspace, cmd: TipCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        TipCmd::Add(args) => {
            let TipAddArgs {
                channel,
                summary,
                allegation,
                received,
                name,
                phone,
                email,
                address,
                organization,
                links,
                identifiers,
                categories,
                product_group,
                attachments,
            } = *args;
            let input = NewTip {
                received_at: received,
                channel: Some(TipChannel::parse(&channel)?),
                summary,
                allegation,
                violation_categories: categories
                    .iter()
                    .map(|c| ViolationCategory::parse(c))
                    .collect::<Result<_>>()?,
                product_group,
                contact: TipContact {
                    name,
                    phone,
                    email,
                    address,
                    organization,
                },
                links,
                identifiers,
                attachments,
            };
            let detail = ws.record_tip(&input)?;
            emit(json, &detail, || show(&detail))
        }
        TipCmd::List {
            status,
            query,
            limit,
        } => {
            let status = status.as_deref().map(TipStatus::parse).transpose()?;
            let tips = ws.list_tips(&TipFilter {
                status,
                query,
                limit,
            })?;
            emit(json, &tips, || {
                let mut out = String::new();
                for t in &tips {
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}{}\n",
                        t.code,
                        text::local_date(&t.received_at),
                        t.channel,
                        t.status,
                        t.summary,
                        t.case_code
                            .as_deref()
                            .map(|c| format!("\t→ {c}"))
                            .unwrap_or_default()
                    ));
                }
                if tips.is_empty() {
                    out.push_str("(không có tin báo nào)\n");
                }
                out.trim_end().to_string()
            })
        }
        TipCmd::Show { code, reveal } => {
            let detail = if reveal {
                ws.reveal_tip_contact(&code)?
            } else {
                ws.tip_detail(&code)?
            };
            emit(json, &detail, || show(&detail))
        }
        TipCmd::Triage { code, note } => {
            let detail = ws.triage_tip(&code, &note)?;
            emit(json, &detail, || show(&detail))
        }
        TipCmd::Import { file, dry_run } => {
            let report = ws.import_tips(&file, dry_run)?;
            emit(json, &report, || {
                let mut out = format!(
                    "{}: {} dòng, {} hợp lệ, {} bị loại{}\n",
                    if report.committed {
                        "Đã nhập"
                    } else {
                        "Kiểm tra (chưa nhập)"
                    },
                    report.total,
                    report.accepted,
                    report.rejected,
                    match (&report.first_code, &report.last_code) {
                        (Some(a), Some(b)) => format!(" — {a} … {b}"),
                        _ => String::new(),
                    }
                );
                for r in report.rows.iter().filter(|r| r.status != "ok") {
                    out.push_str(&format!(
                        "dòng {}\t{}{}\t{}\n",
                        r.row,
                        r.status,
                        r.code
                            .as_deref()
                            .map(|c| format!(" [{c}]"))
                            .unwrap_or_default(),
                        r.message.as_deref().unwrap_or("")
                    ));
                }
                out.trim_end().to_string()
            })
        }
        TipCmd::Assign { code, to } => {
            let detail = ws.assign_tip(&code, &to)?;
            emit(json, &detail, || show(&detail))
        }
        TipCmd::OpenCase { code, title } => {
            let detail = ws.open_case_from_tip(&code, title.as_deref())?;
            emit(json, &detail, || show(&detail))
        }
        TipCmd::Close {
            code,
            outcome,
            note,
        } => {
            let detail = ws.close_tip(&code, TipOutcome::parse(&outcome)?, &note)?;
            emit(json, &detail, || show(&detail))
        }
    }
}

fn show(d: &TipDetail) -> String {
    let t = &d.tip;
    let c = &d.contact;
    let mut out = format!(
        "{}  {}\ntiếp nhận: {} qua {}  trạng thái: {}{}{}{}\n",
        t.code,
        t.summary,
        text::local_date(&t.received_at),
        t.channel,
        t.status,
        t.assignee
            .as_deref()
            .map(|a| format!("  giao cho: {a}"))
            .unwrap_or_default(),
        t.case_code
            .as_deref()
            .map(|c| format!("  vụ việc: {c}"))
            .unwrap_or_default(),
        t.outcome
            .map(|o| format!("  kết quả: {o}"))
            .unwrap_or_default(),
    );
    out.push_str(&format!(
        "người báo{}: {} | {} | {} | {}{}\n",
        if d.contact_revealed {
            ""
        } else {
            " (đã che)"
        },
        c.name,
        c.phone,
        c.email,
        c.address,
        if c.organization.is_empty() {
            String::new()
        } else {
            format!(" | {}", c.organization)
        }
    ));
    if !t.allegation.is_empty() {
        out.push_str(&format!("nội dung: {}\n", t.allegation));
    }
    for l in &d.links {
        out.push_str(&format!("đường dẫn: {l}\n"));
    }
    for a in &d.attachments {
        out.push_str(&format!("tệp: {}  {}  {} byte\n", a.name, a.sha256, a.size));
    }
    if d.duplicates.is_empty() {
        out.push_str("trùng lặp: không\n");
    }
    for m in &d.duplicates {
        let reasons: Vec<String> = m
            .reasons
            .iter()
            .map(|r| format!("{} {} ({})", r.kind, r.value, r.source))
            .collect();
        out.push_str(&format!(
            "có thể trùng {} {} ({}): {}\n",
            if m.target == "tip" {
                "tin báo"
            } else {
                "vụ việc"
            },
            m.code,
            m.status,
            reasons.join("; ")
        ));
    }
    for e in &d.events {
        out.push_str(&format!("#{} {} {} {}\n", e.seq, e.at, e.actor, e.kind));
    }
    out.trim_end().to_string()
}
