//! Runs one parsed command against the workspace and prints its result.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use truyvet_core::model::{
    CaseEdit, CaseOrigin, CaseStatus, NewCase, ProfileInput, Role, ViolationCategory,
};
use truyvet_core::{AddOptions, CaseFilter, Error, OpenMode, Result, TimestampChain, Workspace};

use crate::args::{CaseCmd, Cli, Command, EvidenceCmd, NoteCmd, ProfileCmd, TimestampCmd};
use crate::messages::EXIT_VERIFY_FAILED;

pub fn run(cli: Cli) -> Result<ExitCode> {
    // Extraction reads only the files it is given: no workspace is needed or opened.
    if let Command::Extract { files } = &cli.command {
        return Ok(crate::extract::run(files, cli.json));
    }
    if let Command::Verify(args) = &cli.command {
        return crate::verify::run(args, cli.json);
    }
    if let Command::VerifyProof(args) = &cli.command {
        return crate::proof::verify(args, cli.json);
    }
    // Backups open the workspace themselves (read-only); restores need none.
    if let Command::Backup(args) = &cli.command {
        return crate::backup_cmd::run_backup(cli.workspace.as_deref(), args, cli.json);
    }
    if let Command::Restore(args) = &cli.command {
        return crate::backup_cmd::run_restore(args, cli.json);
    }
    // App-level settings need no workspace; workspace ones open it themselves.
    if let Command::Config(cmd) = &cli.command {
        return crate::config_cmd::run(cli.workspace.as_deref(), cmd, cli.json);
    }
    if let Command::Workspace(cmd) = &cli.command {
        return crate::workspace_cmd::run(cli.workspace.as_deref(), cmd, cli.json);
    }
    let root = match &cli.workspace {
        Some(dir) => dir.clone(),
        None => Workspace::default_location()?,
    };
    // Unlocks an encrypted workspace with its passphrase (environment or terminal).
    let mut ws = crate::workspace_cmd::open(&root, open_mode(&cli.command))?;
    let json = cli.json;
    match cli.command {
        Command::Profile(ProfileCmd::Set(p)) => {
            let profile = ws.save_profile(&ProfileInput {
                display_name: p.display_name,
                agency: p.agency,
                unit: p.unit,
                province: p.province,
                role: Role::parse(&p.role)?,
            })?;
            let key = crate::workflow::key_if_passphrase(&mut ws)?;
            emit(json, &profile, || {
                format!(
                    "Hồ sơ: {} ({}, {}) — {}{}",
                    profile.display_name,
                    profile.agency,
                    profile.province,
                    profile.role,
                    crate::workflow::key_line(key.as_ref())
                )
            })
        }
        Command::Profile(ProfileCmd::Show) => crate::workflow::show_profile(&ws, json),
        Command::Profile(
            cmd
            @ (ProfileCmd::Add(_) | ProfileCmd::Use { .. } | ProfileCmd::List | ProfileCmd::Key),
        ) => crate::workflow::run_profile(&mut ws, cmd, json),
        Command::Case(
            cmd @ (CaseCmd::Submit(_)
            | CaseCmd::Return(_)
            | CaseCmd::Approve(_)
            | CaseCmd::Seal(_)
            | CaseCmd::Queue),
        ) => crate::workflow::run_case(&mut ws, cmd, json),
        Command::Case(CaseCmd::Addendum(a)) => crate::workflow::add_addendum(&mut ws, a, json),
        Command::Case(CaseCmd::Prove(a)) => crate::proof::prove(&ws, a, json),
        Command::Case(CaseCmd::Refer(a)) => crate::refer_cmd::run(&mut ws, a, json),
        Command::Case(CaseCmd::New(c)) => {
            let case = ws.create_case(&NewCase {
                title: c.title,
                violation_categories: categories(&c.categories)?,
                product_group: c.product_group,
                origin: Some(CaseOrigin::parse(&c.origin)?),
                unit: c.unit,
                province: c.province,
                code: c.code,
            })?;
            emit(json, &case, || format!("{}\t{}", case.code, case.title))
        }
        Command::Case(CaseCmd::List { query, status }) => {
            let status = status.as_deref().map(CaseStatus::parse).transpose()?;
            let cases = ws.list_cases(&CaseFilter { query, status })?;
            emit(json, &cases, || {
                let mut out = String::new();
                for s in &cases {
                    let origin = match &s.case.imported {
                        Some(i) => format!(" (nhập từ {})", i.agency),
                        None => String::new(),
                    };
                    out.push_str(&format!(
                        "{}\t{}{origin}\t{}\t{} chứng cứ\t{}\n",
                        s.case.code,
                        s.case.status,
                        s.case.updated_at,
                        s.evidence_count,
                        s.case.title
                    ));
                }
                if cases.is_empty() {
                    out.push_str("(không có vụ việc nào)\n");
                }
                out.trim_end().to_string()
            })
        }
        Command::Case(CaseCmd::Show { code }) => {
            let detail = ws.case_detail(&code)?;
            let review = crate::workflow::review_lines(&ws, &code)?;
            emit(json, &detail, || {
                let c = &detail.case;
                let mut out = format!(
                    "{}  {}\ntrạng thái: {}  nguồn: {}  cơ quan: {}  đơn vị: {}  tỉnh/thành: {}\n\
                     hành vi vi phạm: {}\nnhóm hàng: {}\ntạo lúc {} bởi {}\n\nchứng cứ ({}):\n",
                    c.code,
                    c.title,
                    c.status,
                    c.origin,
                    c.agency,
                    c.unit,
                    c.province,
                    c.violation_categories
                        .iter()
                        .map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.product_group,
                    c.created_at,
                    c.created_by,
                    detail.evidence.len()
                );
                if let Some(i) = &c.imported {
                    let from = match i.unit.as_str() {
                        "" => i.agency.clone(),
                        unit => format!("{} ({unit})", i.agency),
                    };
                    let head = format!(
                        "nhập từ {from} lúc {} bởi {}, gói hồ sơ SHA-256 {} — chỉ đọc\n\n",
                        i.imported_at, i.imported_by, i.bundle_sha256
                    );
                    out = out.replacen("\n\nchứng cứ", &format!("\n{head}chứng cứ"), 1);
                }
                for e in &detail.evidence {
                    out.push_str(&format!(
                        "  {}  {:>12}  {}  {}\n",
                        e.sha256, e.size, e.acquired_at, e.original_filename
                    ));
                }
                out.push_str(&review);
                out.push_str(&format!("\nghi chú ({}):\n", detail.notes.len()));
                for n in &detail.notes {
                    out.push_str(&format!("  [{}] {}: {}\n", n.created_at, n.author, n.text));
                }
                out.trim_end().to_string()
            })
        }
        Command::Case(CaseCmd::Edit(e)) => {
            let violation_categories = if e.clear_categories {
                Some(Vec::new())
            } else if e.categories.is_empty() {
                None
            } else {
                Some(categories(&e.categories)?)
            };
            if e.legal_basis.is_some() || e.measures.is_some() {
                ws.edit_case_review(&e.code, e.legal_basis.as_deref(), e.measures.as_deref())?;
            }
            let case = ws.edit_case(
                &e.code,
                &CaseEdit {
                    title: e.title,
                    unit: e.unit,
                    province: e.province,
                    violation_categories,
                    product_group: e.product_group,
                    origin: e.origin.as_deref().map(CaseOrigin::parse).transpose()?,
                },
            )?;
            emit(json, &case, || {
                format!(
                    "{}\t{}\t(cập nhật {})",
                    case.code, case.title, case.updated_at
                )
            })
        }
        Command::Evidence(EvidenceCmd::Add {
            files,
            case,
            note,
            allow_empty,
        }) => {
            let options = AddOptions { note, allow_empty };
            // Each line is printed (and flushed) only after the file is durably stored
            // and logged: a script may treat every printed line as acknowledged.
            let mut stdout = std::io::stdout().lock();
            let mut added = Vec::new();
            let mut print = |item: &truyvet_core::model::EvidenceItem| {
                added.push(item.clone());
                let line = if json {
                    serde_json::to_string(item).unwrap_or_default()
                } else {
                    format!(
                        "đã thêm  {}  {:>12}  {}",
                        item.sha256, item.size, item.original_filename
                    )
                };
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            };
            ws.add_files(&case, &files, &options, &mut print)?;
            // Identifiers in the files become suggestions of the case, after the files
            // themselves are stored: a scan never holds up or undoes an acknowledgement.
            truyvet_capture::identify::suggest_for_files(&mut ws, &case, &added)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Note(NoteCmd::Add { case, text }) => {
            let note = ws.add_note(&case, &text)?;
            emit(json, &note, || format!("đã thêm ghi chú {}", note.id))
        }
        Command::Log { case } => {
            let events = ws.custody_log(&case)?;
            emit(json, &events, || {
                events
                    .iter()
                    .map(|e| {
                        format!(
                            "{:>4}  {}  {}  {}  {}  {}",
                            e.seq,
                            e.at,
                            e.actor,
                            e.kind,
                            &e.hash[..16],
                            e.payload
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Capture(args) => crate::capture::run(&mut ws, args, json),
        Command::Lookup { value, registry } => crate::lookup::run(&ws, &value, registry, json),
        Command::Dashboard => crate::dashboard::run(&ws, json),
        Command::Report(cmd) => crate::report_cmd::run(&ws, cmd, json),
        Command::Registry(cmd) => crate::registry::run(&mut ws, cmd, json),
        Command::Sync(args) => crate::sync::run(&mut ws, args, json),
        Command::Watch(cmd) => crate::watch::run(&mut ws, cmd, json),
        Command::Tip(cmd) => crate::tip::run(&mut ws, cmd, json),
        Command::Entity(cmd) => crate::entity::run(&mut ws, cmd, json),
        Command::Exclusion(cmd) => crate::exclusion::run(&mut ws, cmd, json),
        Command::Graph(args) => crate::graph::run(&ws, args, json),
        Command::Export(args) => crate::export::run(&ws, args, json),
        Command::Verify(args) => crate::verify::run(&args, json),
        Command::VerifyProof(args) => crate::proof::verify(&args, json),
        Command::Import(args) => crate::import::run(&ws, &args, json),
        Command::Extract { files } => Ok(crate::extract::run(&files, json)),
        Command::Backup(args) => crate::backup_cmd::run_backup(Some(ws.root()), &args, json),
        Command::Restore(args) => crate::backup_cmd::run_restore(&args, json),
        Command::Timestamp(TimestampCmd::Run { now }) => crate::timestamp::run(&mut ws, now, json),
        Command::Timestamp(TimestampCmd::Status { case }) => {
            crate::timestamp::status(&ws, &case, json)
        }
        Command::Config(_) => unreachable!("config runs before a workspace is opened"),
        Command::Workspace(_) => unreachable!("workspace commands open it themselves"),
        Command::Search { query, case, limit } => {
            let hits = ws.search(&query, case.as_deref(), limit)?;
            emit(json, &hits, || {
                if hits.is_empty() {
                    return "(không tìm thấy trang nào)".to_string();
                }
                hits.iter()
                    .map(|h| format!("{}\t{}\t{}\n    {}", h.case_code, h.url, h.title, h.snippet))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::VerifyWorkspace => {
            let report = ws.verify()?;
            let failed = !report.ok;
            emit(json, &report, || {
                let mut out = format!(
                    "{} vụ việc, {} sự kiện nhật ký, {} chứng cứ, {} blob ({} byte) đã kiểm tra",
                    report.cases_checked,
                    report.events_checked,
                    report.evidence_checked,
                    report.blobs_checked,
                    report.bytes_hashed
                );
                if report.timestamps_checked > 0 {
                    out.push_str(&format!(
                        "\n{} dấu thời gian RFC 3161 đã xác minh lại",
                        report.timestamps_checked
                    ));
                    if report.timestamp_chain == TimestampChain::NotChecked {
                        out.push_str(
                            "; chuỗi chứng thư chưa đối chiếu với gốc tin cậy \
                             (not checked against a trust anchor: truyvet config set tsa.trust FILE.pem)",
                        );
                    }
                }
                if report.orphan_blobs > 0 {
                    out.push_str(&format!(
                        "\n{} blob không được tham chiếu (vô hại)",
                        report.orphan_blobs
                    ));
                }
                if report.ok {
                    out.push_str("\nKẾT QUẢ: toàn vẹn (OK)");
                } else {
                    out.push_str(&format!(
                        "\nKẾT QUẢ: phát hiện {} vấn đề (FAILED)",
                        report.problems.len()
                    ));
                    for p in &report.problems {
                        out.push_str(&format!(
                            "\n  [{}] vụ việc {} {}{}: {}",
                            p.kind,
                            p.case_code.as_deref().unwrap_or("-"),
                            p.sha256
                                .as_deref()
                                .map(|s| format!("blob {s} "))
                                .unwrap_or_default(),
                            p.seq.map(|s| format!("sự kiện #{s}")).unwrap_or_default(),
                            p.detail
                        ));
                    }
                }
                out
            })?;
            Ok(if failed {
                ExitCode::from(EXIT_VERIFY_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Only `profile set`, a new user's first command, may create a workspace; commands that
/// only read open it read-only, so inspecting a workspace never alters it.
fn open_mode(command: &Command) -> OpenMode {
    match command {
        Command::Profile(ProfileCmd::Set(_)) => OpenMode::CreateIfMissing,
        Command::Lookup { .. } | Command::Graph(_) | Command::Export(_) => OpenMode::ReadOnly,
        Command::Dashboard => OpenMode::ReadOnly,
        Command::Report(_) => OpenMode::ReadOnly,
        Command::Entity(cmd) => crate::entity::open_mode(cmd),
        Command::Registry(cmd) => crate::registry::open_mode(cmd),
        Command::Sync(args) => crate::sync::open_mode(args),
        Command::Watch(cmd) => crate::watch::open_mode(cmd),
        Command::Tip(cmd) => crate::tip::open_mode(cmd),
        Command::Exclusion(cmd) => crate::exclusion::open_mode(cmd),
        Command::Profile(ProfileCmd::Show | ProfileCmd::List)
        | Command::Case(
            CaseCmd::List { .. } | CaseCmd::Show { .. } | CaseCmd::Queue | CaseCmd::Prove(_),
        )
        | Command::Log { .. }
        | Command::VerifyWorkspace
        | Command::Search { .. }
        | Command::Config(_)
        | Command::Timestamp(TimestampCmd::Status { .. })
        | Command::Extract { .. }
        | Command::Verify(_)
        | Command::VerifyProof(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Workspace(_) => OpenMode::ReadOnly,
        Command::Profile(ProfileCmd::Add(_) | ProfileCmd::Use { .. } | ProfileCmd::Key)
        | Command::Case(
            CaseCmd::New(_)
            | CaseCmd::Edit(_)
            | CaseCmd::Submit(_)
            | CaseCmd::Return(_)
            | CaseCmd::Approve(_)
            | CaseCmd::Seal(_)
            | CaseCmd::Addendum(_)
            | CaseCmd::Refer(_),
        )
        | Command::Capture(_)
        | Command::Timestamp(TimestampCmd::Run { .. })
        | Command::Evidence(_)
        | Command::Import(_)
        | Command::Note(_) => OpenMode::Existing,
    }
}

fn categories(values: &[String]) -> Result<Vec<ViolationCategory>> {
    values
        .iter()
        .map(|v| ViolationCategory::parse(v.trim()))
        .collect()
}

/// Prints `value` as JSON, or the human text, and reports success.
pub(crate) fn emit<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<ExitCode> {
    let text = if json {
        serde_json::to_string_pretty(value).map_err(Error::from)?
    } else {
        human()
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    Ok(ExitCode::SUCCESS)
}
