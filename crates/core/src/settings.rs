//! Workspace settings the user can change (`truyvet config get|set`, the settings
//! screen). Only known keys are accepted, each with its own validation, so a typo cannot
//! silently configure nothing; a refused value is `invalid_setting` and changes nothing.
//!
//! Three kinds of keys share one name space: the ones stored in the workspace's
//! `settings` table ([`KNOWN`]), the registry's URL and token, which live in
//! `registry_settings` ([`REGISTRY_KEYS`]), and the app-level ones of
//! [`crate::app_config`] (workspace location, language, idle lock), which exist before
//! any workspace is open.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::workspace::Workspace;

/// Hosts, IPs or CIDRs the capture network policy lets through (comma-separated):
/// internal servers that would otherwise be refused as private addresses.
pub const CAPTURE_ALLOW: &str = "capture.allow";
/// The RFC 3161 timestamp authority's URL.
pub const TSA_URL: &str = "tsa.url";
/// A PEM file with the certificate(s) that a timestamp authority's chain must lead to.
pub const TSA_TRUST: &str = "tsa.trust";
/// Time limit for one captured page, in seconds.
pub const CAPTURE_TIMEOUT: &str = "capture.timeout_secs";
/// Largest response kept per page, in MiB; beyond it the capture is kept partial.
pub const CAPTURE_MAX_RESPONSE: &str = "capture.max_response_mib";
/// How many pages of a batch are fetched at once.
pub const CAPTURE_IN_FLIGHT: &str = "capture.pages_in_flight";
/// The central registry's URL (stored with the registry settings).
pub const REGISTRY_URL: &str = "registry.url";
/// This device's registry token (stored beside the database, shown only by its tail).
pub const REGISTRY_TOKEN: &str = "registry.token";

pub const KNOWN: &[(&str, &str)] = &[
    (
        CAPTURE_ALLOW,
        "hosts, IPs or CIDRs the capture may reach despite the network policy, comma-separated",
    ),
    (TSA_URL, "URL of the RFC 3161 timestamp authority"),
    (
        TSA_TRUST,
        "PEM file of the certificates the authority's chain must lead to",
    ),
    (
        CAPTURE_TIMEOUT,
        "time limit for one captured page, in seconds (5-3600, default 120)",
    ),
    (
        CAPTURE_MAX_RESPONSE,
        "largest response kept per page, in MiB (1-4096, default 100)",
    ),
    (
        CAPTURE_IN_FLIGHT,
        "pages of a capture batch fetched at once (1-16, default 4)",
    ),
    (
        crate::watch::DEFAULT_INTERVAL_KEY,
        "how often a new watched page is checked, in seconds (60-31622400, default 86400)",
    ),
    (
        crate::watch::HOST_GAP_KEY,
        "least time between two watch checks on the same host, in seconds (0-3600, default 10)",
    ),
];

pub const REGISTRY_KEYS: &[(&str, &str)] = &[
    (REGISTRY_URL, "URL of the central registry"),
    (
        REGISTRY_TOKEN,
        "this device's registry token (shown only by its last characters)",
    ),
];

/// The capture limits the capture commands honour, from the settings or their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaptureLimits {
    pub timeout_secs: u64,
    pub max_response_mib: u64,
    pub pages_in_flight: u64,
}

impl Default for CaptureLimits {
    fn default() -> Self {
        CaptureLimits {
            timeout_secs: 120,
            max_response_mib: 100,
            pages_in_flight: 4,
        }
    }
}

fn range_of(key: &str) -> Option<(u64, u64)> {
    match key {
        CAPTURE_TIMEOUT => Some((5, 3600)),
        CAPTURE_MAX_RESPONSE => Some((1, 4096)),
        CAPTURE_IN_FLIGHT => Some((1, 16)),
        crate::watch::DEFAULT_INTERVAL_KEY => Some((60, 31_622_400)),
        crate::watch::HOST_GAP_KEY => Some((0, 3600)),
        _ => None,
    }
}

pub(crate) fn invalid_setting(key: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InvalidSetting, format!("{key}: {why}"))
}

/// An http(s) URL with a host and no whitespace (checked before anything is stored).
pub(crate) fn check_url(key: &str, value: &str) -> Result<()> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| invalid_setting(key, "the URL must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(invalid_setting(key, "the URL names no host"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid_setting(key, "the URL must not contain spaces"));
    }
    Ok(())
}

/// Checks `value` for the workspace key `key` and returns it as it will be stored
/// (trimmed; empty means "remove, use the default").
pub fn validate(key: &str, value: &str) -> Result<String> {
    known(key)?;
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    if value.chars().any(char::is_control) {
        return Err(invalid_setting(
            key,
            "the value must not contain control characters",
        ));
    }
    if let Some((min, max)) = range_of(key) {
        let n: u64 = value
            .parse()
            .map_err(|_| invalid_setting(key, format!("'{value}' is not a whole number")))?;
        if n < min || n > max {
            return Err(invalid_setting(key, format!("{n} is outside {min}-{max}")));
        }
        return Ok(n.to_string());
    }
    match key {
        TSA_URL => check_url(key, value)?,
        CAPTURE_ALLOW => {
            for entry in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let ok = entry
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:/[]_".contains(c));
                if !ok {
                    return Err(invalid_setting(
                        key,
                        format!("'{entry}' is not a host name, IP address or CIDR"),
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(value.to_string())
}

impl Workspace {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        known(key)?;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let value = validate(key, value)?;
        self.write(|conn| {
            if value.is_empty() {
                conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
            } else {
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
            }
            Ok(())
        })
    }

    /// The capture allow-list as entries.
    pub fn capture_allow_list(&self) -> Result<Vec<String>> {
        Ok(self
            .setting(CAPTURE_ALLOW)?
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// The capture limits in force (a stored value outside its range counts as unset).
    pub fn capture_limits(&self) -> Result<CaptureLimits> {
        let mut limits = CaptureLimits::default();
        for (key, slot) in [
            (CAPTURE_TIMEOUT, &mut limits.timeout_secs),
            (CAPTURE_MAX_RESPONSE, &mut limits.max_response_mib),
            (CAPTURE_IN_FLIGHT, &mut limits.pages_in_flight),
        ] {
            if let Some(v) = self.setting(key)?
                && let Ok(v) = validate(key, &v)
                && let Ok(n) = v.parse()
            {
                *slot = n;
            }
        }
        Ok(limits)
    }

    /// Any workspace-scoped key: the settings table or the registry's URL and token
    /// (the token only by its last characters).
    pub fn config_value(&self, key: &str) -> Result<Option<String>> {
        match key {
            REGISTRY_URL => Ok(self.registry_config()?.map(|c| c.url)),
            REGISTRY_TOKEN => Ok(self
                .registry_config()?
                .map(|c| c.token_hint)
                .filter(|h| !h.is_empty())),
            _ => self.setting(key),
        }
    }

    /// Sets any workspace-scoped key. The registry's URL and token change one at a time
    /// only once a registry is set up (its log key is pinned with `truyvet registry set`).
    pub fn set_config_value(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            REGISTRY_URL | REGISTRY_TOKEN => {
                let value = value.trim();
                let Some(current) = self.registry_config()? else {
                    return Err(invalid_setting(
                        key,
                        "no registry is set up yet; run `truyvet registry set URL --token TOKEN --key HEX` first",
                    ));
                };
                let (url, token) = if key == REGISTRY_URL {
                    check_url(key, value)?;
                    (value.to_string(), self.registry_token()?)
                } else {
                    if value.is_empty()
                        || value.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        return Err(invalid_setting(key, "the token must be one word"));
                    }
                    (current.url.clone(), value.to_string())
                };
                self.set_registry(&url, &token, &current.log_key)?;
                Ok(())
            }
            _ => self.set_setting(key, value),
        }
    }
}

fn known(key: &str) -> Result<()> {
    if KNOWN.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        let keys: Vec<&str> = KNOWN
            .iter()
            .chain(REGISTRY_KEYS)
            .chain(crate::app_config::APP_KEYS)
            .map(|(k, _)| *k)
            .collect();
        Err(Error::new(
            ErrorCode::InvalidSetting,
            format!("unknown setting '{key}' (known: {})", keys.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_against_their_range() {
        assert_eq!(validate(CAPTURE_TIMEOUT, " 60 ").unwrap(), "60");
        for bad in ["4", "3601", "-1", "abc", "1.5"] {
            let err = validate(CAPTURE_TIMEOUT, bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidSetting, "{bad}");
        }
        assert_eq!(validate(CAPTURE_IN_FLIGHT, "16").unwrap(), "16");
        assert!(validate(CAPTURE_IN_FLIGHT, "17").is_err());
        assert!(validate(CAPTURE_MAX_RESPONSE, "0").is_err());
        assert_eq!(validate(CAPTURE_MAX_RESPONSE, "").unwrap(), "");
    }

    #[test]
    fn urls_and_hosts_are_checked() {
        assert!(validate(TSA_URL, "http://127.0.0.1:3180/tsr").is_ok());
        for bad in ["ftp://x", "http://", "https:// x", "x.vn"] {
            let err = validate(TSA_URL, bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidSetting, "{bad}");
        }
        assert!(validate(CAPTURE_ALLOW, "127.0.0.1, 10.0.0.0/8, intranet.local").is_ok());
        assert!(validate(CAPTURE_ALLOW, "a b").is_err());
    }

    #[test]
    fn unknown_keys_are_refused_with_the_known_ones_named() {
        let err = validate("tsa.uri", "x").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSetting);
        assert!(err.message.contains("tsa.url"));
        assert!(err.message.contains("lock.idle_minutes"));
    }

    #[test]
    fn limits_come_from_settings_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.capture_limits().unwrap(), CaptureLimits::default());
        ws.set_setting(CAPTURE_TIMEOUT, "30").unwrap();
        ws.set_setting(CAPTURE_IN_FLIGHT, "2").unwrap();
        let err = ws.set_setting(CAPTURE_IN_FLIGHT, "99").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSetting);
        let limits = ws.capture_limits().unwrap();
        assert_eq!((limits.timeout_secs, limits.pages_in_flight), (30, 2));
        assert_eq!(limits.max_response_mib, 100);
        let err = ws
            .set_config_value(REGISTRY_URL, "https://r.example")
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSetting);
    }
}
