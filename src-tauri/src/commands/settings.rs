//! The settings screen: every setting of `truyvet config` read and changed one key at a
//! time, validated by the core (`invalid_setting` with the rule in the message).
//! Workspace keys go to the open workspace, app keys (`app.*`, `lock.*`) to the app
//! config file; the idle lock takes a new time at once, a new workspace location at the
//! next start.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tauri::State;
use truyvet_core::app_config::{self, AppConfig};
use truyvet_core::settings::{KNOWN, REGISTRY_KEYS};
use truyvet_core::{Result, Workspace};

use super::CmdResult;
use super::lock::IdleLock;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct SettingEntry {
    pub key: String,
    pub value: Option<String>,
    /// `workspace` or `app`.
    pub scope: &'static str,
    pub description: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub entries: Vec<SettingEntry>,
    /// The folder of the open workspace.
    pub workspace_path: Option<String>,
    pub encrypted: bool,
    /// Where the app-level settings are kept.
    pub app_config_path: Option<String>,
}

fn describe(key: &str) -> &'static str {
    KNOWN
        .iter()
        .chain(REGISTRY_KEYS)
        .chain(app_config::APP_KEYS)
        .find(|(k, _)| *k == key)
        .map(|(_, d)| *d)
        .unwrap_or("")
}

fn workspace_entries(ws: &Workspace) -> Result<Vec<SettingEntry>> {
    KNOWN
        .iter()
        .chain(REGISTRY_KEYS)
        .map(|(key, description)| {
            Ok(SettingEntry {
                key: key.to_string(),
                value: ws.config_value(key)?,
                scope: "workspace",
                description,
            })
        })
        .collect()
}

fn app_entries(config: &AppConfig) -> Result<Vec<SettingEntry>> {
    app_config::APP_KEYS
        .iter()
        .map(|(key, description)| {
            Ok(SettingEntry {
                key: key.to_string(),
                value: config.get(key)?,
                scope: "app",
                description,
            })
        })
        .collect()
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> CmdResult<SettingsView> {
    let (mut entries, path) =
        state.with(|ws| Ok((workspace_entries(ws)?, ws.root().display().to_string())))?;
    entries.extend(app_entries(&AppConfig::load()?)?);
    Ok(SettingsView {
        entries,
        workspace_path: Some(path),
        encrypted: state.slot().is_encrypted(),
        app_config_path: AppConfig::path().ok().map(|p| p.display().to_string()),
    })
}

/// Sets one key (an empty value returns it to its default) and returns it as stored.
#[tauri::command]
pub fn settings_set(
    state: State<'_, AppState>,
    idle: State<'_, Arc<IdleLock>>,
    key: String,
    value: String,
) -> CmdResult<SettingEntry> {
    let stored = if app_config::is_app_key(&key) {
        // Settings change only in an unlocked app, whatever their scope.
        state.workspace()?;
        let path = AppConfig::path()?;
        let mut config = AppConfig::load_from(&path)?;
        config.set(&key, &value)?;
        config.save_to(&path)?;
        if key == app_config::IDLE_LOCK_MINUTES {
            idle.set_limit(Duration::from_secs(
                u64::from(config.idle_lock_minutes()) * 60,
            ));
        }
        config.get(&key)?
    } else {
        state.with(|ws| {
            ws.set_config_value(&key, &value)?;
            ws.config_value(&key)
        })?
    };
    let scope = if app_config::is_app_key(&key) {
        "app"
    } else {
        "workspace"
    };
    Ok(SettingEntry {
        description: describe(&key),
        key,
        value: stored,
        scope,
    })
}

/// Changes the passphrase of an encrypted workspace (the key is re-wrapped only).
#[tauri::command]
pub async fn workspace_change_passphrase(
    state: State<'_, AppState>,
    old: String,
    new: String,
) -> CmdResult<()> {
    super::lock::check_new_passphrase(&new)?;
    let ws = state.workspace()?;
    super::blocking(move || {
        let ws = crate::state::lock(&ws)?;
        super::lock::encryption::change_passphrase(&ws, &old, &new)
    })
    .await
}
