//! Referrals: a finished case handed to another agency (police, prosecution, tax) under
//! that agency's reference number. Only a sealed or approved case is referred — what is
//! handed over must be what was reviewed — and only by a supervisor. The referral row and
//! its `case_referred` custody event commit together; the row is never rewritten.
//!
//! A referral sits after the seal on the case's chain, like an addendum: the seal covers
//! the chain up to its own head, so later events leave it valid. An imported case is the
//! other agency's, read-only here, and is never referred from this workspace.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::custody;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{CaseStatus, Role};
use crate::time_fmt;
use crate::workspace::Workspace;

pub const REFERRAL_EVENT: &str = "case_referred";
const MAX_FIELD_CHARS: usize = 200;
const MAX_NOTE_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub id: String,
    pub case_id: String,
    pub case_code: String,
    pub referred_at: String,
    /// The receiving agency, as the user wrote it (e.g. "Công an tỉnh Hà Nội").
    pub referred_to: String,
    /// The receiving agency's reference (dispatch) number.
    pub reference: String,
    /// Display name of the referring profile.
    pub referred_by: String,
    pub note: String,
}

fn field(name: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if v.is_empty() && required {
        return Err(Error::invalid(format!("the referral needs {name}")));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(format!(
            "{name} holds at most {max} characters"
        )));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(format!(
            "{name} contains control characters"
        )));
    }
    Ok(v.to_string())
}

pub(crate) fn referrals_of(conn: &Connection, case_id: &str) -> Result<Vec<Referral>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.case_id, c.code, r.referred_at, r.referred_to, r.reference,
                r.referred_by, r.note
         FROM case_referrals r JOIN cases c ON c.id = r.case_id
         WHERE r.case_id = ?1 ORDER BY r.referred_at, r.id",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        Ok(Referral {
            id: r.get(0)?,
            case_id: r.get(1)?,
            case_code: r.get(2)?,
            referred_at: r.get(3)?,
            referred_to: r.get(4)?,
            reference: r.get(5)?,
            referred_by: r.get(6)?,
            note: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Workspace {
    /// Refers a sealed or approved case to another agency as the current profile (a
    /// supervisor). Refused: `case_not_sealed` for a case still being worked on,
    /// `forbidden_role` for an investigator, `invalid_input` for an imported case, an
    /// empty agency or reference, or the same agency and reference twice.
    pub fn refer_case(
        &mut self,
        code: &str,
        to: &str,
        reference: &str,
        note: Option<&str>,
    ) -> Result<Referral> {
        let profile = self.require_profile()?;
        if profile.role != Role::Supervisor {
            return Err(Error::new(
                ErrorCode::ForbiddenRole,
                "only a supervisor refers a case to another agency",
            ));
        }
        let case = self.case_by_code(code)?;
        if let Some(origin) = &case.imported {
            return Err(Error::invalid(format!(
                "case {} was imported from {} and is read-only here; the agency that made it \
                 refers it",
                case.code, origin.agency
            )));
        }
        if !matches!(case.status, CaseStatus::Sealed | CaseStatus::Approved) {
            return Err(Error::new(
                ErrorCode::CaseNotSealed,
                format!(
                    "case {} is {}: only a sealed or approved case is referred to another agency",
                    case.code, case.status
                ),
            ));
        }
        let to = field("the receiving agency", to, MAX_FIELD_CHARS, true)?;
        let reference = field("a reference number", reference, MAX_FIELD_CHARS, true)?;
        let note = field("the note", note.unwrap_or(""), MAX_NOTE_CHARS, false)?;
        if referrals_of(&self.conn, &case.id)?
            .iter()
            .any(|r| r.referred_to == to && r.reference == reference)
        {
            return Err(Error::invalid(format!(
                "case {} was already referred to {to} under {reference}",
                case.code
            )));
        }
        let referral = Referral {
            id: uuid::Uuid::now_v7().to_string(),
            case_id: case.id.clone(),
            case_code: case.code.clone(),
            referred_at: time_fmt::now_utc(),
            referred_to: to,
            reference,
            referred_by: profile.display_name.clone(),
            note,
        };
        self.write(|conn| {
            conn.execute(
                "INSERT INTO case_referrals
                 (id, case_id, referred_at, referred_to, reference, referred_by, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    referral.id,
                    referral.case_id,
                    referral.referred_at,
                    referral.referred_to,
                    referral.reference,
                    referral.referred_by,
                    referral.note
                ],
            )?;
            custody::append(
                conn,
                &referral.case_id,
                &referral.referred_by,
                REFERRAL_EVENT,
                &json!({
                    "id": referral.id,
                    "referred_to": referral.referred_to,
                    "reference": referral.reference,
                    "note": referral.note,
                    "at": referral.referred_at,
                }),
            )?;
            Ok(())
        })?;
        Ok(referral)
    }

    /// A case's referrals, oldest first.
    pub fn case_referrals(&self, code: &str) -> Result<Vec<Referral>> {
        let case = self.case_by_code(code)?;
        referrals_of(&self.conn, &case.id)
    }
}
