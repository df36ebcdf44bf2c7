//! Workspace settings the user can change (`truyvet config get|set`, and later the
//! settings screen). Only known keys are accepted, each with its own validation, so a
//! typo cannot silently configure nothing.

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// Hosts, IPs or CIDRs the capture network policy lets through (comma-separated):
/// internal servers that would otherwise be refused as private addresses.
pub const CAPTURE_ALLOW: &str = "capture.allow";
/// The RFC 3161 timestamp authority's URL.
pub const TSA_URL: &str = "tsa.url";
/// A PEM file with the certificate(s) that a timestamp authority's chain must lead to.
pub const TSA_TRUST: &str = "tsa.trust";

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
];

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
        known(key)?;
        let value = value.trim();
        if key == TSA_URL
            && !value.is_empty()
            && !(value.starts_with("http://") || value.starts_with("https://"))
        {
            return Err(Error::invalid(
                "the timestamp authority URL must start with http:// or https://",
            ));
        }
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
}

fn known(key: &str) -> Result<()> {
    if KNOWN.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        let keys: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).collect();
        Err(Error::invalid(format!(
            "unknown setting '{key}' (known: {})",
            keys.join(", ")
        )))
    }
}
