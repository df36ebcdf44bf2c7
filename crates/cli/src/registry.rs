//! `truyvet registry set|show`: which central registry this workspace syncs with. The
//! log key is pinned here — given by the registry's administrator (`truyvet-registry
//! key`) — and checked at once against the registry's signed tree head, whose key
//! fingerprint and size are shown for the user to compare with what the administrator
//! announced. The token is stored outside the database and never printed back whole.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;
use truyvet_core::outbox::OutboxState;
use truyvet_core::registry_settings::RegistryConfig;
use truyvet_core::{ErrorCode, Result, Workspace};

use crate::run::emit;

#[derive(Debug, Subcommand)]
pub enum RegistryCmd {
    /// Set the registry URL, this device's token and the registry's log key.
    Set(RegistrySet),
    /// Show the registry settings (the token only by its last characters).
    Show,
}

#[derive(Debug, Args)]
pub struct RegistrySet {
    /// e.g. https://registry.example.gov.vn (plain http only for loopback tests).
    pub url: String,
    /// The device token `truyvet-registry token issue` printed.
    #[arg(long)]
    pub token: String,
    /// The registry's log public key, 64 hex digits (`truyvet-registry key`).
    #[arg(long, value_name = "HEX")]
    pub key: String,
}

pub fn open_mode(cmd: &RegistryCmd) -> truyvet_core::OpenMode {
    match cmd {
        RegistryCmd::Set(_) => truyvet_core::OpenMode::Existing,
        RegistryCmd::Show => truyvet_core::OpenMode::ReadOnly,
    }
}

#[derive(Serialize)]
struct SetOutput<'a> {
    #[serde(flatten)]
    config: &'a RegistryConfig,
    key_fingerprint: String,
    /// The registry's current head, checked against the key; absent when it could not
    /// be reached (the settings are kept: the first sync checks it).
    checked_head: Option<truyvet_sync::TreeHead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreachable: Option<String>,
}

#[derive(Serialize)]
struct ShowOutput<'a> {
    #[serde(flatten)]
    config: &'a RegistryConfig,
    key_fingerprint: String,
    watchlist_cursor: u64,
    queued: usize,
    uploading: usize,
    verified: usize,
    rejected: usize,
}

fn fingerprint(hex_key: &str) -> String {
    truyvet_sync::key_fingerprint(hex_key).unwrap_or_default()
}

pub fn run(ws: &mut Workspace, cmd: RegistryCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        RegistryCmd::Set(args) => {
            let (checked_head, unreachable) = match truyvet_sync::fetch_head(
                &args.url,
                &args.token,
                &args.key,
                Duration::from_secs(15),
            ) {
                Ok(head) => (Some(head), None),
                Err(e) if e.code == ErrorCode::RegistryUnreachable => (None, Some(e.message)),
                Err(e) => return Err(e),
            };
            let config = ws.set_registry(&args.url, &args.token, &args.key)?;
            let out = SetOutput {
                key_fingerprint: fingerprint(&config.log_key),
                config: &config,
                checked_head,
                unreachable,
            };
            emit(json, &out, || {
                let mut text = format!(
                    "máy chủ đăng ký: {}\nkhóa nhật ký (dấu vân tay): {}\nmã thiết bị: {}",
                    out.config.url, out.key_fingerprint, out.config.token_hint
                );
                match (&out.checked_head, &out.unreachable) {
                    (Some(h), _) => text.push_str(&format!(
                        "\nđã kiểm tra đầu cây: {} mục, gốc {}, lúc {} — hãy so dấu vân tay với \
                         thông báo của quản trị viên",
                        h.size, h.root, h.timestamp
                    )),
                    (None, Some(why)) => text.push_str(&format!(
                        "\nchưa kết nối được máy chủ ({why}); khóa sẽ được kiểm tra ở lần đồng bộ đầu"
                    )),
                    (None, None) => {}
                }
                text
            })
        }
        RegistryCmd::Show => {
            let config = ws.require_registry()?;
            let outbox = ws.outbox()?;
            let count = |s| outbox.iter().filter(|e| e.state == s).count();
            let out = ShowOutput {
                key_fingerprint: fingerprint(&config.log_key),
                config: &config,
                watchlist_cursor: ws.watchlist_cursor()?,
                queued: count(OutboxState::Queued),
                uploading: count(OutboxState::Uploading),
                verified: count(OutboxState::Verified),
                rejected: count(OutboxState::Rejected),
            };
            emit(json, &out, || {
                format!(
                    "máy chủ đăng ký: {}\nkhóa nhật ký: {} (dấu vân tay {})\nmã thiết bị: {}\n\
                     đầu cây đã xác minh: {}\ncon trỏ danh sách theo dõi: {}\n\
                     hàng chờ: {} chờ gửi, {} đang tải lên, {} đã xác nhận, {} bị từ chối",
                    out.config.url,
                    out.config.log_key,
                    out.key_fingerprint,
                    out.config.token_hint,
                    out.config
                        .tree_size
                        .map_or("(chưa có)".to_string(), |s| format!("{s} mục")),
                    out.watchlist_cursor,
                    out.queued,
                    out.uploading,
                    out.verified,
                    out.rejected
                )
            })
        }
    }
}
