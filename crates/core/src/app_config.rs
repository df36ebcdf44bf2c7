//! Settings of the app on this computer rather than of a workspace: where the workspace
//! is, the interface language and the idle lock. They are needed before any workspace is
//! open (the location chooses it; the lock guards the unlock screen), so they live in a
//! small JSON file under the OS config folder (`~/.config/truyvet/app.json` on Linux,
//! `%APPDATA%\truyvet\app.json` on Windows), or at `$TRUYVET_APP_CONFIG` when set.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::settings::invalid_setting;

/// Overrides where the app config file is (tests, portable installs).
pub const CONFIG_ENV: &str = "TRUYVET_APP_CONFIG";

/// Folder of the workspace the app opens at its next start (when `$TRUYVET_HOME` is unset).
pub const WORKSPACE_LOCATION: &str = "app.workspace";
/// Interface language: `vi` or `en`.
pub const LANGUAGE: &str = "app.language";
/// Minutes without keyboard or mouse in the window before the app locks itself.
pub const IDLE_LOCK_MINUTES: &str = "lock.idle_minutes";

pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;
pub const MAX_IDLE_LOCK_MINUTES: u32 = 240;

pub const APP_KEYS: &[(&str, &str)] = &[
    (
        WORKSPACE_LOCATION,
        "folder of the workspace the app opens (absolute path; applied at the next start)",
    ),
    (LANGUAGE, "interface language: vi or en (default vi)"),
    (
        IDLE_LOCK_MINUTES,
        "minutes without input before the app locks itself (1-240, default 10)",
    ),
];

/// The file's content. Unknown fields are kept out; missing ones take their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_lock_minutes: Option<u32>,
}

pub fn is_app_key(key: &str) -> bool {
    APP_KEYS.iter().any(|(k, _)| *k == key)
}

impl AppConfig {
    /// Where the file is: `$TRUYVET_APP_CONFIG`, else `<config dir>/truyvet/app.json`.
    pub fn path() -> Result<PathBuf> {
        if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        dirs::config_dir()
            .map(|d| d.join("truyvet").join("app.json"))
            .ok_or_else(|| Error::invalid("no config folder is known for this user"))
    }

    /// Reads the file; a missing file is the defaults. A damaged one is an error rather
    /// than silently the defaults, so a save never overwrites what the user wrote.
    pub fn load_from(path: &Path) -> Result<AppConfig> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidSetting,
                    format!("{} is not a valid app config file: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppConfig::default()),
            Err(e) => Err(Error::io("cannot read", path, &e)),
        }
    }

    pub fn load() -> Result<AppConfig> {
        AppConfig::load_from(&AppConfig::path()?)
    }

    /// Writes the file whole: temp file, fsync, rename, so a crash leaves the old or the
    /// new file, never half of one.
    pub fn save_to(&self, path: &Path) -> Result<()> {
        let io = |e: std::io::Error| Error::io("cannot write", path, &e);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(&serde_json::to_vec_pretty(self)?).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(())
    }

    pub fn idle_lock_minutes(&self) -> u32 {
        self.idle_lock_minutes.unwrap_or(DEFAULT_IDLE_LOCK_MINUTES)
    }

    pub fn language(&self) -> &str {
        self.language.as_deref().unwrap_or("vi")
    }

    /// The value of an app key as text (`None` when unset).
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        match key {
            WORKSPACE_LOCATION => Ok(self.workspace.as_ref().map(|p| p.display().to_string())),
            LANGUAGE => Ok(self.language.clone()),
            IDLE_LOCK_MINUTES => Ok(self.idle_lock_minutes.map(|m| m.to_string())),
            _ => Err(unknown(key)),
        }
    }

    /// Checks and sets one key; an empty value returns it to its default.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let empty = value.is_empty();
        match key {
            WORKSPACE_LOCATION => {
                self.workspace = if empty {
                    None
                } else {
                    let path = PathBuf::from(value);
                    if !path.is_absolute() {
                        return Err(invalid_setting(key, "the folder must be an absolute path"));
                    }
                    if path.exists() && !path.is_dir() {
                        return Err(invalid_setting(key, "that path is a file, not a folder"));
                    }
                    Some(path)
                };
            }
            LANGUAGE => {
                self.language = match value {
                    "" => None,
                    "vi" | "en" => Some(value.to_string()),
                    _ => return Err(invalid_setting(key, "the language must be vi or en")),
                };
            }
            IDLE_LOCK_MINUTES => {
                self.idle_lock_minutes = if empty {
                    None
                } else {
                    let n: u32 = value.parse().map_err(|_| {
                        invalid_setting(key, format!("'{value}' is not a whole number of minutes"))
                    })?;
                    if !(1..=MAX_IDLE_LOCK_MINUTES).contains(&n) {
                        return Err(invalid_setting(
                            key,
                            format!("{n} is outside 1-{MAX_IDLE_LOCK_MINUTES}"),
                        ));
                    }
                    Some(n)
                };
            }
            _ => return Err(unknown(key)),
        }
        Ok(())
    }
}

fn unknown(key: &str) -> Error {
    Error::new(
        ErrorCode::InvalidSetting,
        format!("'{key}' is not an app setting"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated_and_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("app.json");
        let mut cfg = AppConfig::load_from(&path).unwrap();
        assert_eq!(cfg, AppConfig::default());
        assert_eq!(cfg.idle_lock_minutes(), 10);
        for (key, bad) in [
            (IDLE_LOCK_MINUTES, "0"),
            (IDLE_LOCK_MINUTES, "241"),
            (IDLE_LOCK_MINUTES, "ten"),
            (LANGUAGE, "fr"),
            (WORKSPACE_LOCATION, "relative/dir"),
        ] {
            let err = cfg.set(key, bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidSetting, "{key}={bad}");
        }
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(cfg.set(WORKSPACE_LOCATION, file.to_str().unwrap()).is_err());
        assert_eq!(cfg, AppConfig::default(), "refused values change nothing");
        cfg.set(IDLE_LOCK_MINUTES, "3").unwrap();
        cfg.set(LANGUAGE, "en").unwrap();
        cfg.set(WORKSPACE_LOCATION, dir.path().to_str().unwrap())
            .unwrap();
        cfg.save_to(&path).unwrap();
        let back = AppConfig::load_from(&path).unwrap();
        assert_eq!(back, cfg);
        assert_eq!(back.get(IDLE_LOCK_MINUTES).unwrap().as_deref(), Some("3"));
        cfg.set(IDLE_LOCK_MINUTES, "").unwrap();
        assert_eq!(cfg.idle_lock_minutes(), 10);
    }

    #[test]
    fn a_damaged_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.json");
        std::fs::write(&path, b"{not json").unwrap();
        let err = AppConfig::load_from(&path).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSetting);
    }
}
