//! `truyvet backup --out FILE|DIR`, `truyvet backup list DIR`, `truyvet backup verify FROM`
//! and `truyvet restore FROM --to DIR`: the command-line face of `truyvet_core::backup`.
//! Only `backup --out` opens the workspace (read-only: a backup changes nothing in it).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use truyvet_core::backup::{self, BackupProgress, RestoreOptions};
use truyvet_core::{OpenMode, Result, Workspace};

use crate::run::emit;

/// Environment variable holding the passphrase of an encrypted workspace.
const WORKSPACE_PASSPHRASE_ENV: &str = "TRUYVET_WORKSPACE_PASSPHRASE";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCmd>,
    /// A new FILE (one tar archive, written as FILE.partial and renamed when complete)
    /// or an existing folder / a path ending in `/` (incremental: a new snapshot that
    /// copies only blobs the folder lacks).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// The snapshots of a backup folder, oldest first.
    List { dir: PathBuf },
    /// Check every member of a backup against its manifest; writes nothing.
    Verify {
        from: PathBuf,
        /// A snapshot of a backup folder (default: the newest).
        #[arg(long, value_name = "ID")]
        snapshot: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup file or backup folder.
    pub from: PathBuf,
    /// The folder to restore the workspace into (new or empty, or any with --force).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// A snapshot of a backup folder (default: the newest).
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<String>,
    /// Replace a folder that is not empty (the old one is removed only once the restored
    /// workspace is in place).
    #[arg(long)]
    pub force: bool,
}

pub fn run_backup(workspace: Option<&Path>, args: &BackupArgs, json: bool) -> Result<ExitCode> {
    match (&args.command, &args.out) {
        (Some(BackupCmd::List { dir }), _) => list(dir, json),
        (Some(BackupCmd::Verify { from, snapshot }), _) => {
            let summary = backup::verify_backup(from, snapshot.as_deref())?;
            emit(json, &summary, || {
                format!(
                    "bản sao lưu hợp lệ: ảnh chụp {} ({}), {} thành phần, {} byte, {} vụ việc, {} chứng cứ\nSHA-256 manifest: {}",
                    summary.snapshot,
                    summary.created_at,
                    summary.members,
                    summary.bytes,
                    summary.cases,
                    summary.evidence,
                    summary.manifest_sha256
                )
            })
        }
        (None, Some(out)) => {
            let root = match workspace {
                Some(dir) => dir.to_path_buf(),
                None => Workspace::default_location()?,
            };
            let ws = open_read_only(&root)?;
            let show = !json && std::io::stderr().is_terminal();
            let mut last = u64::MAX;
            let mut progress = |p: BackupProgress| {
                let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
                if show && pct != last {
                    last = pct;
                    let _ = write!(std::io::stderr(), "\rđang sao lưu… {pct}%");
                }
            };
            let summary = backup::backup(&ws, out, &mut progress)?;
            if show {
                let _ = writeln!(std::io::stderr());
            }
            emit(json, &summary, || {
                format!(
                    "đã sao lưu vào {} (ảnh chụp {}): {} vụ việc, {} chứng cứ, {} blob ({} mới chép), {} byte\nSHA-256 manifest: {}",
                    summary.path.display(),
                    summary.snapshot,
                    summary.cases,
                    summary.evidence,
                    summary.blobs,
                    summary.blobs_copied,
                    summary.bytes,
                    summary.manifest_sha256
                )
            })
        }
        (None, None) => Err(truyvet_core::Error::invalid(
            "say where to write the backup: `truyvet backup --out FILE|DIR`",
        )),
    }
}

/// The workspace, read-only; an encrypted one with its passphrase from
/// TRUYVET_WORKSPACE_PASSPHRASE or the terminal.
fn open_read_only(root: &Path) -> Result<Workspace> {
    if !Workspace::is_encrypted_at(root) {
        return Workspace::open_with(root, OpenMode::ReadOnly);
    }
    let passphrase = match std::env::var(WORKSPACE_PASSPHRASE_ENV) {
        Ok(p) => p,
        Err(_) if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("Mật khẩu không gian làm việc: ").map_err(|e| {
                truyvet_core::Error::invalid(format!("cannot read the passphrase: {e}"))
            })?
        }
        Err(_) => {
            return Workspace::open_with(root, OpenMode::ReadOnly);
        }
    };
    Workspace::open_with_passphrase(root, OpenMode::ReadOnly, &passphrase)
}

fn list(dir: &Path, json: bool) -> Result<ExitCode> {
    let snapshots = backup::list_snapshots(dir)?;
    emit(json, &snapshots, || {
        if snapshots.is_empty() {
            return "(chưa có ảnh chụp nào)".to_string();
        }
        snapshots
            .iter()
            .map(|s| {
                format!(
                    "{}\t{}\t{} vụ việc\t{} chứng cứ\t{} byte\t{}",
                    s.id, s.created_at, s.cases, s.evidence, s.bytes, s.manifest_sha256
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

pub fn run_restore(args: &RestoreArgs, json: bool) -> Result<ExitCode> {
    let opts = RestoreOptions {
        snapshot: args.snapshot.clone(),
        force: args.force,
        passphrase: std::env::var(WORKSPACE_PASSPHRASE_ENV).ok(),
    };
    let summary = backup::restore(&args.from, &args.to, &opts)?;
    emit(json, &summary, || {
        format!(
            "đã khôi phục ảnh chụp {} ({}) vào {}: {} vụ việc, {} chứng cứ; mọi thành phần và không gian làm việc đều đã được kiểm tra\nSHA-256 manifest: {}",
            summary.snapshot,
            summary.created_at,
            args.to.display(),
            summary.cases,
            summary.evidence,
            summary.manifest_sha256
        )
    })
}
