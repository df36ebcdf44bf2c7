//! The exclusion list: identifier values that say nothing about a seller (marketplace
//! hotlines, platform and payment-gateway domains). Excluded values are not suggested
//! and never make a cross-case hit; `lookup` still finds them, flagged.
//!
//! The default list ships with the program (`exclusions_default.txt`, versioned with the
//! code); the database holds only the user's changes to it, so a program update can
//! extend the defaults without touching workspaces.

use std::collections::HashSet;
use std::sync::OnceLock;

use rusqlite::params;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::identifiers::{IdKind, normalize};
use crate::time_fmt;
use crate::workspace::Workspace;

const DEFAULT_LIST: &str = include_str!("exclusions_default.txt");

string_enum!(
    /// Where an exclusion comes from.
    ExclusionSource { Default = "default", User = "user" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub kind: IdKind,
    pub value: String,
    pub source: ExclusionSource,
    pub note: String,
}

/// The effective list, for matching: values keyed by kind family, so excluding a
/// hotline also excludes the same number as an e-wallet.
#[derive(Debug, Default)]
pub(crate) struct ExclusionSet(HashSet<(&'static str, String)>);

impl ExclusionSet {
    pub(crate) fn contains(&self, kind: IdKind, value: &str) -> bool {
        self.0.contains(&(kind.family(), value.to_string()))
    }
}

/// The shipped defaults, normalized. A line that does not parse is a bug in the file,
/// caught by the unit test below; at run time it is skipped rather than fatal.
fn defaults() -> &'static [Exclusion] {
    static DEFAULTS: OnceLock<Vec<Exclusion>> = OnceLock::new();
    DEFAULTS.get_or_init(|| parse_defaults(DEFAULT_LIST).into_iter().flatten().collect())
}

fn parse_defaults(text: &str) -> Vec<Result<Exclusion>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let (entry, note) = line.split_once('#').unwrap_or((line, ""));
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let parsed = entry
            .split_once(char::is_whitespace)
            .ok_or_else(|| Error::invalid(format!("exclusion line without a value: {line}")))
            .and_then(|(kind, value)| {
                let kind = IdKind::parse(kind)?;
                Ok(Exclusion {
                    kind,
                    value: normalize(kind, value)?,
                    source: ExclusionSource::Default,
                    note: note.trim().to_string(),
                })
            });
        out.push(parsed);
    }
    out
}

fn is_default(kind: IdKind, value: &str) -> bool {
    defaults()
        .iter()
        .any(|d| d.kind == kind && d.value == value)
}

/// Whether one value is excluded, without building the whole list: the per-lookup
/// check, so `lookup` stays a couple of indexed reads.
pub(crate) fn value_excluded(
    conn: &rusqlite::Connection,
    kind: IdKind,
    value: &str,
) -> Result<bool> {
    let mut stmt =
        conn.prepare_cached("SELECT id_kind, excluded FROM exclusions WHERE value = ?1")?;
    let rows = stmt.query_map([value], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })?;
    let mut switched_off: Vec<IdKind> = Vec::new();
    for row in rows {
        let (k, excluded) = row?;
        let Ok(k) = IdKind::parse(&k) else {
            continue;
        };
        if k.family() != kind.family() {
            continue;
        }
        if excluded {
            return Ok(true);
        }
        switched_off.push(k);
    }
    Ok(defaults().iter().any(|d| {
        d.kind.family() == kind.family() && d.value == value && !switched_off.contains(&d.kind)
    }))
}

impl Workspace {
    /// The effective list: the defaults not switched off, then the user's entries.
    pub fn exclusions(&self) -> Result<Vec<Exclusion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id_kind, value, excluded, note FROM exclusions ORDER BY id_kind, value",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut off: HashSet<(IdKind, String)> = HashSet::new();
        let mut user = Vec::new();
        for row in rows {
            let (kind, value, excluded, note) = row?;
            // A kind this version does not know cannot match anything it stores.
            let Ok(kind) = IdKind::parse(&kind) else {
                continue;
            };
            if excluded {
                user.push(Exclusion {
                    kind,
                    value,
                    source: ExclusionSource::User,
                    note,
                });
            } else {
                off.insert((kind, value));
            }
        }
        let mut out: Vec<Exclusion> = defaults()
            .iter()
            .filter(|d| !off.contains(&(d.kind, d.value.clone())))
            .cloned()
            .collect();
        out.extend(user);
        Ok(out)
    }

    pub(crate) fn exclusion_set(&self) -> Result<ExclusionSet> {
        Ok(ExclusionSet(
            self.exclusions()?
                .into_iter()
                .map(|e| (e.kind.family(), e.value))
                .collect(),
        ))
    }

    /// Excludes a value (normalized first). Adding a default that was switched off
    /// switches it on again; adding what is already excluded changes nothing.
    pub fn add_exclusion(&mut self, kind: IdKind, value: &str, note: &str) -> Result<Exclusion> {
        let profile = self.require_profile()?;
        let value = normalize(kind, value)?;
        let note = note.trim().to_string();
        let default = is_default(kind, &value);
        self.write(|conn| {
            if default {
                conn.execute(
                    "DELETE FROM exclusions WHERE id_kind = ?1 AND value = ?2",
                    params![kind.as_str(), value],
                )?;
            } else {
                conn.execute(
                    "INSERT INTO exclusions (id_kind, value, excluded, note, changed_at, changed_by)
                     VALUES (?1, ?2, 1, ?3, ?4, ?5)
                     ON CONFLICT (id_kind, value) DO UPDATE SET excluded = 1, note = ?3,
                       changed_at = ?4, changed_by = ?5",
                    params![
                        kind.as_str(),
                        value,
                        note,
                        time_fmt::now_utc(),
                        profile.display_name
                    ],
                )?;
            }
            Ok(())
        })?;
        let found = self
            .exclusions()?
            .into_iter()
            .find(|e| e.kind == kind && e.value == value);
        found.ok_or_else(|| Error::internal("an added exclusion is not in the list"))
    }

    /// Stops excluding a value: a user entry is removed, a default is switched off.
    /// A value that is not excluded is bad input and changes nothing.
    pub fn remove_exclusion(&mut self, kind: IdKind, value: &str) -> Result<Exclusion> {
        let profile = self.require_profile()?;
        let value = normalize(kind, value)?;
        let current = self
            .exclusions()?
            .into_iter()
            .find(|e| e.kind == kind && e.value == value)
            .ok_or_else(|| {
                Error::invalid(format!("{kind} {value} is not on the exclusion list"))
            })?;
        self.write(|conn| {
            match current.source {
                ExclusionSource::Default => conn.execute(
                    "INSERT INTO exclusions (id_kind, value, excluded, note, changed_at, changed_by)
                     VALUES (?1, ?2, 0, '', ?3, ?4)
                     ON CONFLICT (id_kind, value) DO UPDATE SET excluded = 0,
                       changed_at = ?3, changed_by = ?4",
                    params![
                        kind.as_str(),
                        value,
                        time_fmt::now_utc(),
                        profile.display_name
                    ],
                )?,
                ExclusionSource::User => conn.execute(
                    "DELETE FROM exclusions WHERE id_kind = ?1 AND value = ?2",
                    params![kind.as_str(), value],
                )?,
            };
            Ok(())
        })?;
        Ok(current)
    }

    /// Whether a value is excluded right now (used by suggestions).
    pub fn is_excluded(&self, kind: IdKind, value: &str) -> Result<bool> {
        let value = normalize(kind, value)?;
        Ok(self.exclusion_set()?.contains(kind, &value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_line_parses() {
        let parsed = parse_defaults(DEFAULT_LIST);
        assert!(parsed.len() > 30);
        for entry in &parsed {
            assert!(entry.is_ok(), "{entry:?}");
        }
        assert!(is_default(IdKind::Phone, "+8419001221"));
        assert!(is_default(IdKind::Domain, "shopee.vn"));
        assert!(is_default(IdKind::Domain, "napas.com.vn"));
    }
}
