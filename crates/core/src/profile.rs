//! User profiles: who is acting, for the custody log and for case defaults.

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, ErrorCode, Result};
use crate::fold::fold;
use crate::model::{Profile, ProfileInput};
use crate::time_fmt;
use crate::workspace::Workspace;

const CURRENT_KEY: &str = "current_profile";

impl Workspace {
    pub fn current_profile(&self) -> Result<Option<Profile>> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [CURRENT_KEY],
                |r| r.get(0),
            )
            .optional()?;
        match name {
            Some(name) => self.profile(&name),
            None => Ok(None),
        }
    }

    pub fn profile(&self, name: &str) -> Result<Option<Profile>> {
        self.conn
            .query_row(
                "SELECT name, display_name, agency, unit, province, role, created_at
                 FROM profiles WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()?
            .map(
                |(name, display_name, agency, unit, province, role, created_at)| {
                    Ok::<_, Error>(Profile {
                        name,
                        display_name,
                        agency,
                        unit,
                        province,
                        role: crate::model::Role::parse(&role)?,
                        created_at,
                    })
                },
            )
            .transpose()
    }

    /// Creates or updates the current profile. The profile's `name` is fixed when it is
    /// first created, so earlier custody events keep naming the same person.
    pub fn save_profile(&mut self, input: &ProfileInput) -> Result<Profile> {
        let display_name = input.display_name.trim().to_string();
        if display_name.is_empty() {
            return Err(Error::invalid("the display name is required"));
        }
        let agency = normalize_code(&input.agency, "agency")?;
        let province = if input.province.trim().is_empty() {
            String::new()
        } else {
            normalize_code(&input.province, "province")?
        };
        let unit = input.unit.trim().to_string();
        let existing = self.current_profile()?;
        let name = match &existing {
            Some(p) => p.name.clone(),
            None => slug(&display_name),
        };
        let created_at = existing
            .as_ref()
            .map(|p| p.created_at.clone())
            .unwrap_or_else(time_fmt::now_utc);
        let role = input.role;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO profiles (name, display_name, agency, unit, province, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name,
                   agency = excluded.agency, unit = excluded.unit,
                   province = excluded.province, role = excluded.role",
                params![name, display_name, agency, unit, province, role.as_str(), created_at],
            )?;
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![CURRENT_KEY, name],
            )?;
            Ok(())
        })?;
        self.require_profile()
    }

    /// Adds another profile to the workspace (a supervisor beside an investigator on a
    /// shared laptop) and makes it the current one. `name` defaults to a slug of the
    /// display name; an existing name is refused rather than overwritten.
    pub fn add_profile(&mut self, name: Option<&str>, input: &ProfileInput) -> Result<Profile> {
        let display_name = input.display_name.trim().to_string();
        if display_name.is_empty() {
            return Err(Error::invalid("the display name is required"));
        }
        let name = slug(name.unwrap_or(&display_name));
        if self.profile(&name)?.is_some() {
            return Err(Error::invalid(format!(
                "a profile named {name} already exists"
            )));
        }
        // Insert the row under its name and make it current; save_profile then fills
        // in and validates the remaining fields as for any update.
        let agency = normalize_code(&input.agency, "agency")?;
        let now = time_fmt::now_utc();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO profiles (name, display_name, agency, unit, province, role, created_at)
                 VALUES (?1, ?2, ?3, '', '', ?4, ?5)",
                params![name, display_name, agency, input.role.as_str(), now],
            )?;
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![CURRENT_KEY, name],
            )?;
            Ok(())
        })?;
        self.save_profile(input)
    }

    /// Makes an existing profile the current one.
    pub fn use_profile(&mut self, name: &str) -> Result<Profile> {
        let Some(profile) = self.profile(name.trim())? else {
            return Err(Error::new(
                ErrorCode::ProfileMissing,
                format!("no profile named '{}' in this workspace", name.trim()),
            ));
        };
        self.write(|conn| {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![CURRENT_KEY, profile.name],
            )?;
            Ok(())
        })?;
        Ok(profile)
    }

    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        let names: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT name FROM profiles ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for name in names {
            if let Some(p) = self.profile(&name)? {
                out.push(p);
            }
        }
        Ok(out)
    }
}

/// Agency and province codes appear in case codes: 2–8 ASCII letters, upper case.
pub(crate) fn normalize_code(value: &str, what: &str) -> Result<String> {
    let code = fold(value.trim()).to_ascii_uppercase();
    if (2..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "the {what} code must be 2 to 8 letters (for example QLTT, HN), not '{value}'"
        )))
    }
}

fn slug(display_name: &str) -> String {
    let folded = fold(display_name);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "user".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(super::slug("Nguyễn Văn Đức"), "nguyen-van-duc");
        assert_eq!(super::slug("  !! "), "user");
    }
}
