//! `truyvet workspace init [--encrypt] | status | passphrase`, and the one way every
//! other command opens a workspace: an encrypted one is unlocked with the passphrase
//! from `TRUYVET_WORKSPACE_PASSPHRASE`, or asked for on the terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use truyvet_core::{EncryptionStatus, Error, ErrorCode, OpenMode, Result, Workspace};
use zeroize::Zeroizing;

use crate::run::emit;

/// The workspace passphrase for non-interactive use (scripts, tests).
pub const WORKSPACE_PASSPHRASE_ENV: &str = "TRUYVET_WORKSPACE_PASSPHRASE";
/// The new passphrase for `truyvet workspace passphrase` without a terminal.
pub const NEW_WORKSPACE_PASSPHRASE_ENV: &str = "TRUYVET_NEW_WORKSPACE_PASSPHRASE";

#[derive(Debug, Subcommand)]
pub enum WorkspaceCmd {
    /// Create a workspace in the folder (--workspace, $TRUYVET_HOME or the default).
    Init {
        /// Encrypt it at rest (database and every evidence file) under a passphrase,
        /// from TRUYVET_WORKSPACE_PASSPHRASE or asked twice on the terminal.
        #[arg(long)]
        encrypt: bool,
    },
    /// Whether the workspace is encrypted, its key id and key-derivation parameters.
    Status,
    /// Change the passphrase of an encrypted workspace (the old one from
    /// TRUYVET_WORKSPACE_PASSPHRASE, the new one from TRUYVET_NEW_WORKSPACE_PASSPHRASE,
    /// else both asked on the terminal). Only the key file is rewritten.
    Passphrase,
}

/// Opens the workspace at `root` for any command: unencrypted as before; encrypted
/// with its passphrase (environment, else terminal prompt, else `workspace_locked`).
pub fn open(root: &Path, mode: OpenMode) -> Result<Workspace> {
    if !Workspace::is_encrypted_at(root) {
        return Workspace::open_with(root, mode);
    }
    let passphrase = current_passphrase(root)?;
    Workspace::open_with_passphrase(root, mode, &passphrase)
}

fn current_passphrase(root: &Path) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(WORKSPACE_PASSPHRASE_ENV) {
        return Ok(Zeroizing::new(p));
    }
    if std::io::stdin().is_terminal() {
        return prompt("Mật khẩu không gian làm việc / workspace passphrase: ");
    }
    Err(Error::new(
        ErrorCode::WorkspaceLocked,
        format!(
            "{} is encrypted: set {WORKSPACE_PASSPHRASE_ENV} or run the command in a terminal",
            root.display()
        ),
    ))
}

/// A new passphrase: from `env`, else asked twice on the terminal.
fn new_passphrase(env: &str) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(env) {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid(format!(
            "no terminal to ask for the new passphrase: set {env}"
        )));
    }
    let first = prompt("Mật khẩu mới / new passphrase: ")?;
    let again = prompt("Nhập lại / again: ")?;
    if *first != *again {
        return Err(Error::invalid("the two passphrases differ"));
    }
    Ok(first)
}

fn prompt(text: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| Error::invalid(format!("cannot read the passphrase: {e}")))
}

#[derive(Serialize)]
struct StatusOut<'a> {
    workspace: &'a Path,
    #[serde(flatten)]
    status: EncryptionStatus,
}

pub fn run(workspace: Option<&Path>, cmd: &WorkspaceCmd, json: bool) -> Result<ExitCode> {
    let root: PathBuf = match workspace {
        Some(dir) => dir.to_path_buf(),
        None => Workspace::default_location()?,
    };
    match cmd {
        WorkspaceCmd::Init { encrypt } => {
            if root.join(truyvet_core::DB_FILE).exists() || Workspace::is_encrypted_at(&root) {
                return Err(Error::invalid(format!(
                    "{} already holds a TruyVết workspace",
                    root.display()
                )));
            }
            if *encrypt {
                let passphrase = new_passphrase(WORKSPACE_PASSPHRASE_ENV)?;
                Workspace::create_encrypted(&root, &passphrase)?;
            } else {
                Workspace::open_with(&root, OpenMode::CreateIfMissing)?;
            }
            print_status(&root, json)
        }
        WorkspaceCmd::Status => {
            if !root.join(truyvet_core::DB_FILE).is_file() && !Workspace::is_encrypted_at(&root) {
                return Err(Error::new(
                    ErrorCode::WorkspaceNotFound,
                    format!("there is no TruyVết workspace at {}", root.display()),
                ));
            }
            print_status(&root, json)
        }
        WorkspaceCmd::Passphrase => {
            if !Workspace::is_encrypted_at(&root) {
                return Err(Error::invalid(format!(
                    "{} is not encrypted; it has no passphrase",
                    root.display()
                )));
            }
            let old = current_passphrase(&root)?;
            let ws = Workspace::open_with_passphrase(&root, OpenMode::ReadOnly, &old)?;
            let new = new_passphrase(NEW_WORKSPACE_PASSPHRASE_ENV)?;
            ws.change_passphrase(&old, &new)?;
            drop(ws);
            print_status(&root, json)
        }
    }
}

fn print_status(root: &Path, json: bool) -> Result<ExitCode> {
    let status = Workspace::encryption_status_at(root)?;
    let out = StatusOut {
        workspace: root,
        status,
    };
    emit(json, &out, || {
        let s = &out.status;
        if !s.encrypted {
            return format!("{}: không mã hóa (not encrypted)", root.display());
        }
        if !s.key_file {
            return format!(
                "{}: đã mã hóa nhưng THIẾU tệp khóa workspace.key (encrypted, key file missing)",
                root.display()
            );
        }
        let kdf = s
            .kdf
            .as_ref()
            .map(|k| {
                format!(
                    "{} (m = {} MiB, t = {}, p = {})",
                    k.algorithm,
                    k.memory_kib / 1024,
                    k.iterations,
                    k.parallelism
                )
            })
            .unwrap_or_default();
        format!(
            "{}: đã mã hóa (encrypted)\nkhóa (key id): {}\nKDF: {kdf}\nlần mở sai liên tiếp: {}",
            root.display(),
            s.key_id.as_deref().unwrap_or(""),
            s.failed_unlocks
        )
    })
}
