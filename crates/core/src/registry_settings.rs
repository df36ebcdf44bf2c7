//! Which central registry this workspace syncs with: its URL, the log key pinned when it
//! was set, the device token, and the newest tree head verified so far.
//!
//! The token is kept out of the database, in `registry-token` (mode 0600) beside it: the
//! database is what gets copied into backups and exports, the token is the device's
//! credential. Anything shown back prints only its last four characters.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::time_fmt;
use crate::workspace::Workspace;

/// The token file's name in the workspace folder.
pub const TOKEN_FILE: &str = "registry-token";

/// The registry settings as shown to the user (never the whole token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryConfig {
    pub url: String,
    /// Hex Ed25519 public key of the registry's log, pinned at `registry set`.
    pub log_key: String,
    pub set_at: String,
    /// `…` and the token's last four characters; empty when no token is stored.
    pub token_hint: String,
    /// Size of the newest verified tree head, if one was seen.
    pub tree_size: Option<u64>,
}

pub fn token_hint(token: &str) -> String {
    let tail: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if token.is_empty() {
        String::new()
    } else {
        format!("…{tail}")
    }
}

fn not_configured() -> Error {
    Error::new(
        ErrorCode::RegistryNotConfigured,
        "no registry is set up; run `truyvet registry set URL --token TOKEN --key HEX`",
    )
}

impl Workspace {
    fn token_path(&self) -> PathBuf {
        self.root().join(TOKEN_FILE)
    }

    /// The configured registry, if any.
    pub fn registry_config(&self) -> Result<Option<RegistryConfig>> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT url, log_key, set_at FROM registry_config WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((url, log_key, set_at)) = row else {
            return Ok(None);
        };
        let token = self.read_token().unwrap_or_default();
        let tree_size = self
            .conn
            .query_row(
                "SELECT size FROM registry_tree_head WHERE id = 1",
                [],
                |r| r.get::<_, u64>(0),
            )
            .optional()?;
        Ok(Some(RegistryConfig {
            url,
            log_key,
            set_at,
            token_hint: token_hint(&token),
            tree_size,
        }))
    }

    /// The configured registry or `registry_not_configured`.
    pub fn require_registry(&self) -> Result<RegistryConfig> {
        self.registry_config()?.ok_or_else(not_configured)
    }

    /// The device token, read from its file.
    pub fn registry_token(&self) -> Result<String> {
        self.read_token().ok_or_else(not_configured)
    }

    fn read_token(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.token_path()).ok()?;
        let token = text.trim().to_string();
        (!token.is_empty()).then_some(token)
    }

    /// Sets the registry. `log_key` is the hex public key the caller has checked (given
    /// by the registry's administrator, or fetched and shown for comparison). Pointing
    /// at another registry or key forgets the old one's tree head and watchlist: they
    /// belong to a different log.
    pub fn set_registry(
        &mut self,
        url: &str,
        token: &str,
        log_key: &str,
    ) -> Result<RegistryConfig> {
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid(
                "the registry URL must start with http:// or https://",
            ));
        }
        let token = token.trim();
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(
                "the registry token must be one word (as `truyvet-registry token issue` printed it)",
            ));
        }
        let log_key = log_key.trim().to_ascii_lowercase();
        if log_key.len() != 64 || !log_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(
                "the registry's log key must be 64 hex digits (`truyvet-registry key`)",
            ));
        }
        self.write_token(token)?;
        let at = time_fmt::now_utc();
        self.write(|conn| {
            let old: Option<(String, String)> = conn
                .query_row(
                    "SELECT url, log_key FROM registry_config WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if old.as_ref() != Some(&(url.clone(), log_key.clone())) {
                conn.execute_batch(
                    "DELETE FROM registry_tree_head; DELETE FROM watchlist;
                     DELETE FROM watchlist_cursor;",
                )?;
            }
            conn.execute(
                "INSERT INTO registry_config (id, url, log_key, set_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url,
                   log_key = excluded.log_key, set_at = excluded.set_at",
                params![url, log_key, at],
            )?;
            Ok(())
        })?;
        self.require_registry()
    }

    fn write_token(&self, token: &str) -> Result<()> {
        use std::io::Write as _;
        let path = self.token_path();
        let tmp = self.root().join(format!(".{TOKEN_FILE}.part"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let written = options.open(&tmp).and_then(|mut f| {
            f.write_all(token.as_bytes())?;
            f.sync_all()
        });
        written
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io("cannot store the registry token in", &path, &e))
    }

    /// The newest verified tree head (its JSON), if any.
    pub fn registry_tree_head(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT head FROM registry_tree_head WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records a tree head the caller has verified (signature, and consistency with the
    /// previous one). A smaller head never replaces a larger one.
    pub fn record_registry_tree_head(&mut self, size: u64, head_json: &str) -> Result<()> {
        let at = time_fmt::now_utc();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO registry_tree_head (id, size, head, seen_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET size = excluded.size, head = excluded.head,
                   seen_at = excluded.seen_at
                 WHERE excluded.size >= registry_tree_head.size",
                params![size, head_json, at],
            )?;
            Ok(())
        })
    }
}
