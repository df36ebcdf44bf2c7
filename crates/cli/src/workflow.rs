//! Profiles, signing keys and the review workflow from the terminal: `profile add|use|
//! list|key`, `case submit|return|approve|seal|queue`. Transitions are signed with the
//! current profile's key; the passphrase comes from `TRUYVET_PASSPHRASE` or, on a
//! terminal, from a prompt without echo.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use truyvet_core::model::{ProfileInput, Role};
use truyvet_core::{
    Error, ErrorCode, PASSPHRASE_ENV, PublicKeyInfo, Result, Transition, Workspace,
};

use crate::args::{CaseCmd, ProfileCmd};
use crate::run::emit;

#[derive(Debug, Args)]
pub struct ProfileAdd {
    /// Short name used by `profile use` (default: derived from the display name).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub display_name: String,
    /// Agency code: QLTT, CA, HQ, THUE, NHNN, KHCN…
    #[arg(long)]
    pub agency: String,
    #[arg(long, default_value = "")]
    pub unit: String,
    #[arg(long, default_value = "")]
    pub province: String,
    /// investigator or supervisor.
    #[arg(long, default_value = "investigator")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct TransitionArgs {
    pub code: String,
    /// The reviewer's comment (required to return a case).
    #[arg(long)]
    pub comment: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddendumArgs {
    pub code: String,
    /// The correction, in full.
    #[arg(long)]
    pub text: String,
}

/// The passphrase from the environment, else from a prompt when a person is there.
fn passphrase(prompt: &str) -> Result<String> {
    if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        return Ok(value);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| Error::new(ErrorCode::IoError, format!("reading the passphrase: {e}")));
    }
    Err(Error::invalid(format!(
        "no passphrase: set {PASSPHRASE_ENV} or run from a terminal"
    )))
}

/// Creates the current profile's key when it has none and the passphrase is in the
/// environment (setting a profile never stops to prompt); returns the key if any.
pub fn key_if_passphrase(ws: &mut Workspace) -> Result<Option<PublicKeyInfo>> {
    let profile = ws.require_profile()?;
    if let Some(key) = ws.profile_key(&profile.name)? {
        return Ok(Some(key));
    }
    match std::env::var(PASSPHRASE_ENV) {
        Ok(pass) => Ok(Some(ws.create_profile_key(&pass)?)),
        Err(_) => Ok(None),
    }
}

pub fn key_line(key: Option<&PublicKeyInfo>) -> String {
    match key {
        Some(k) => format!(
            "\n  khóa công khai: {}\n  dấu vân tay: {}",
            k.public_key, k.fingerprint
        ),
        None => "\n  chưa có khóa ký (chạy `truyvet profile key`)".to_string(),
    }
}

#[derive(Serialize)]
struct ProfileView<'a> {
    #[serde(flatten)]
    profile: &'a truyvet_core::model::Profile,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<PublicKeyInfo>,
}

pub fn show_profile(ws: &Workspace, json: bool) -> Result<ExitCode> {
    let profile = ws.require_profile()?;
    let key = ws.profile_key(&profile.name)?;
    let view = ProfileView {
        profile: &profile,
        key: key.clone(),
    };
    emit(json, &view, || {
        format!(
            "{}\n  mã: {}\n  cơ quan: {}  đơn vị: {}  tỉnh/thành: {}\n  vai trò: {}{}",
            profile.display_name,
            profile.name,
            profile.agency,
            profile.unit,
            profile.province,
            profile.role,
            key_line(key.as_ref())
        )
    })
}

pub fn run_profile(ws: &mut Workspace, cmd: ProfileCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        ProfileCmd::Add(p) => {
            ws.add_profile(
                p.name.as_deref(),
                &ProfileInput {
                    display_name: p.display_name,
                    agency: p.agency,
                    unit: p.unit,
                    province: p.province,
                    role: Role::parse(&p.role)?,
                },
            )?;
            key_if_passphrase(ws)?;
            show_profile(ws, json)
        }
        ProfileCmd::Use { name } => {
            ws.use_profile(&name)?;
            show_profile(ws, json)
        }
        ProfileCmd::Key => {
            ws.require_profile()?;
            let pass = passphrase("Mật khẩu mới cho khóa ký: ")?;
            let key = ws.create_profile_key(&pass)?;
            emit(json, &key, || {
                format!(
                    "Đã tạo khóa ký cho hồ sơ {}{}",
                    key.profile,
                    key_line(Some(&key))
                )
            })
        }
        ProfileCmd::List => {
            let current = ws.current_profile()?.map(|p| p.name);
            let profiles = ws.list_profiles()?;
            emit(json, &profiles, || {
                profiles
                    .iter()
                    .map(|p| {
                        let mark = if Some(&p.name) == current.as_ref() {
                            "*"
                        } else {
                            " "
                        };
                        format!(
                            "{mark} {}\t{}\t{}\t{}",
                            p.name, p.role, p.agency, p.display_name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ProfileCmd::Set(_) | ProfileCmd::Show => Err(Error::internal("handled in run.rs")),
    }
}

pub fn run_case(ws: &mut Workspace, cmd: CaseCmd, json: bool) -> Result<ExitCode> {
    let (action, args) = match cmd {
        CaseCmd::Submit(a) => (Transition::Submit, a),
        CaseCmd::Return(a) => (Transition::Return, a),
        CaseCmd::Approve(a) => (Transition::Approve, a),
        CaseCmd::Seal(a) => (Transition::Seal, a),
        CaseCmd::Queue => {
            let queue = ws.review_queue()?;
            return emit(json, &queue, || {
                if queue.is_empty() {
                    return "(không có vụ việc nào chờ duyệt)".to_string();
                }
                queue
                    .iter()
                    .map(|c| {
                        format!(
                            "{}\t{}\t{}\t{}",
                            c.code, c.updated_at, c.created_by, c.title
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        _ => return Err(Error::internal("handled in run.rs")),
    };
    let (profile, pass) = signing_passphrase(ws)?;
    let case = ws.transition_case(&args.code, action, args.comment.as_deref(), &pass)?;
    let verb = match action {
        Transition::Submit => "đã trình duyệt",
        Transition::Return => "đã trả lại",
        Transition::Approve => "đã phê duyệt",
        Transition::Seal => "đã niêm phong",
    };
    emit(json, &case, || {
        format!(
            "{}: {verb} (trạng thái: {}), ký bởi {}",
            case.code, case.status, profile.name
        )
    })
}

/// The current profile and its key's passphrase; refused before any prompt when the
/// profile has no key.
fn signing_passphrase(ws: &Workspace) -> Result<(truyvet_core::model::Profile, String)> {
    let profile = ws.require_profile()?;
    if ws.profile_key(&profile.name)?.is_none() {
        return Err(Error::new(
            ErrorCode::KeyMissing,
            format!("profile {} has no signing key", profile.name),
        ));
    }
    let pass = passphrase(&format!("Mật khẩu khóa ký của {}: ", profile.name))?;
    Ok((profile, pass))
}

pub fn add_addendum(ws: &mut Workspace, args: AddendumArgs, json: bool) -> Result<ExitCode> {
    let (profile, pass) = signing_passphrase(ws)?;
    let addendum = ws.add_addendum(&args.code, &args.text, &pass)?;
    emit(json, &addendum, || {
        format!(
            "{}: đã thêm phụ lục đính chính {} (tham chiếu niêm phong {}), ký bởi {}",
            args.code, addendum.id, addendum.seal_root, profile.name
        )
    })
}

/// The review texts and the seal of a case, for `case show`'s human output.
pub fn review_lines(ws: &Workspace, code: &str) -> Result<String> {
    let review = ws.case_review(code)?;
    let mut out = format!(
        "\ncăn cứ pháp lý: {}\nbiện pháp đề xuất: {}\n",
        review.legal_basis, review.proposed_measures
    );
    if let Some(seal) = ws.case_seal(code)? {
        out.push_str(&format!(
            "niêm phong lúc {}: gốc Merkle {} ({} mục), khóa {}\n",
            seal.at, seal.root, seal.leaf_count, seal.fingerprint
        ));
    }
    for a in ws.case_addenda(code)? {
        out.push_str(&format!(
            "phụ lục đính chính {} lúc {} bởi {}: {}\n",
            a.id, a.at, a.author, a.body
        ));
    }
    Ok(out)
}
