//! `truyvet config get|set|list`: every setting of the settings screen. Workspace keys
//! go to the workspace (the `settings` table, or the registry settings for
//! `registry.url` / `registry.token`); app keys (`app.*`, `lock.*`) go to the app config
//! file and need no workspace at all.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use truyvet_core::app_config::{self, AppConfig};
use truyvet_core::settings::{KNOWN, REGISTRY_KEYS};
use truyvet_core::{OpenMode, Result, Workspace};

use crate::args::ConfigCmd;
use crate::run::emit;

#[derive(Serialize)]
struct Entry {
    key: &'static str,
    value: Option<String>,
    /// `workspace` or `app`.
    scope: &'static str,
    description: &'static str,
}

fn open(workspace: Option<&Path>, mode: OpenMode) -> Result<Workspace> {
    let root = match workspace {
        Some(dir) => dir.to_path_buf(),
        None => Workspace::default_location()?,
    };
    crate::workspace_cmd::open(&root, mode)
}

/// Every key with its value: the app keys always, the workspace keys when a workspace
/// is there (else they are left out, so `config list` works on a fresh machine).
fn entries(workspace: Option<&Path>) -> Result<Vec<Entry>> {
    let app = AppConfig::load()?;
    let mut out = Vec::new();
    let ws = open(workspace, OpenMode::ReadOnly);
    match &ws {
        Ok(ws) => {
            for (key, description) in KNOWN.iter().chain(REGISTRY_KEYS) {
                out.push(Entry {
                    key,
                    value: ws.config_value(key)?,
                    scope: "workspace",
                    description,
                });
            }
        }
        Err(e) if e.code == truyvet_core::ErrorCode::WorkspaceNotFound => {}
        Err(e) => return Err(e.clone()),
    }
    for (key, description) in app_config::APP_KEYS {
        out.push(Entry {
            key,
            value: app.get(key)?,
            scope: "app",
            description,
        });
    }
    Ok(out)
}

pub fn run(workspace: Option<&Path>, cmd: &ConfigCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        ConfigCmd::Get { key: Some(key) } => {
            let value = if app_config::is_app_key(key) {
                AppConfig::load()?.get(key)?
            } else {
                open(workspace, OpenMode::ReadOnly)?.config_value(key)?
            };
            let shown = serde_json::json!({ key.as_str(): value });
            emit(json, &shown, || {
                format!("{key} = {}", value.unwrap_or_default())
            })
        }
        ConfigCmd::Get { key: None } => {
            let all = entries(workspace)?;
            let map: serde_json::Map<String, serde_json::Value> = all
                .iter()
                .map(|e| (e.key.to_string(), e.value.clone().into()))
                .collect();
            emit(json, &map, || {
                all.iter()
                    .map(|e| format!("{} = {}", e.key, e.value.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ConfigCmd::List => {
            let all = entries(workspace)?;
            emit(json, &all, || {
                all.iter()
                    .map(|e| {
                        format!(
                            "{} = {}\n    ({}) {}",
                            e.key,
                            e.value.as_deref().unwrap_or(""),
                            e.scope,
                            e.description
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ConfigCmd::Set { key, value } => {
            let stored = if app_config::is_app_key(key) {
                let path = AppConfig::path()?;
                let mut app = AppConfig::load_from(&path)?;
                app.set(key, value)?;
                app.save_to(&path)?;
                app.get(key)?
            } else {
                let mut ws = open(workspace, OpenMode::Existing)?;
                ws.set_config_value(key, value)?;
                ws.config_value(key)?
            };
            let shown = serde_json::json!({ "key": key, "value": stored });
            emit(json, &shown, || {
                format!("{key} = {}", stored.unwrap_or_default())
            })
        }
    }
}
