//! `truyvet exclusion`: the values kept out of suggestions and cross-case hits
//! (marketplace hotlines, platform and payment-gateway domains). The shipped defaults
//! can be switched off and user entries added, per workspace.

use std::process::ExitCode;

use clap::Subcommand;
use truyvet_core::{ExclusionSource, IdKind, OpenMode, Result, Workspace};

use crate::run::emit;

#[derive(Debug, Subcommand)]
pub enum ExclusionCmd {
    /// Print the effective list (defaults not switched off, then user entries).
    List,
    /// Exclude a value (normalized first: phones to +84…, domains to their registrable part).
    Add {
        /// phone, bank_account, ewallet, email, domain, social_profile, …
        #[arg(long = "type", value_name = "TYPE")]
        id_type: String,
        value: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Stop excluding a value (a shipped default is switched off).
    Remove {
        #[arg(long = "type", value_name = "TYPE")]
        id_type: String,
        value: String,
    },
}

pub fn open_mode(cmd: &ExclusionCmd) -> OpenMode {
    match cmd {
        ExclusionCmd::List => OpenMode::ReadOnly,
        ExclusionCmd::Add { .. } | ExclusionCmd::Remove { .. } => OpenMode::Existing,
    }
}

pub fn run(ws: &mut Workspace, cmd: ExclusionCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        ExclusionCmd::List => {
            let list = ws.exclusions()?;
            emit(json, &list, || {
                list.iter()
                    .map(|e| {
                        let source = match e.source {
                            ExclusionSource::Default => "mặc định",
                            ExclusionSource::User => "người dùng",
                        };
                        format!(
                            "{:<14}  {:<24}  {:<10}  {}",
                            e.kind, e.value, source, e.note
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ExclusionCmd::Add {
            id_type,
            value,
            note,
        } => {
            let entry = ws.add_exclusion(IdKind::parse(id_type.trim())?, &value, &note)?;
            emit(json, &entry, || {
                format!("đã loại trừ {} {}", entry.kind, entry.value)
            })
        }
        ExclusionCmd::Remove { id_type, value } => {
            let entry = ws.remove_exclusion(IdKind::parse(id_type.trim())?, &value)?;
            emit(json, &entry, || {
                format!("đã bỏ loại trừ {} {}", entry.kind, entry.value)
            })
        }
    }
}
