//! The tip operations, each an `impl Workspace` method whose change and log event commit
//! in one transaction.

use std::path::Path;

use rusqlite::params;
use serde_json::json;

use crate::custody;
use crate::error::{Error, ErrorCode, Result};
use crate::fold::fold;
use crate::model::{CaseOrigin, EvidenceItem, EvidenceKind, NewCase, Profile, Role};
use crate::time_fmt;
use crate::workspace::Workspace;

use super::log::{self, kind};
use super::model::{
    NewTip, Tip, TipAttachment, TipDetail, TipFilter, TipOrigin, TipOutcome, TipStatus,
};
use super::{dedupe, mask, store};

/// The custody event of a case opened from a tip; it names the tip.
pub const CASE_FROM_TIP_EVENT: &str = "case_from_tip";

impl Workspace {
    /// Records a tip (status `new`). Attachments are hashed into the blob store first;
    /// the rows and the `created` event then commit together.
    pub fn record_tip(&mut self, input: &NewTip) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        let prepared = store::prepare(input)?;
        for path in &input.attachments {
            precheck(path)?;
        }
        self.write(|_| Ok(()))?;
        let mut attachments = Vec::new();
        for path in &input.attachments {
            let stored = self.blobs.put_file(path)?;
            attachments.push(TipAttachment {
                id: uuid::Uuid::now_v7().to_string(),
                sha256: stored.sha256,
                size: stored.size,
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                media_type: mime_guess::from_path(path)
                    .first()
                    .map(|m| m.essence_str().to_string())
                    .unwrap_or_else(|| "application/octet-stream".to_string()),
                added_at: time_fmt::now_utc(),
                added_by: profile.display_name.clone(),
            });
        }
        let by = recorder(&profile);
        let code = self.write(|conn| {
            let year = time_fmt::current_year();
            let code = store::code_for(year, store::next_number(conn, year)?);
            let files: Vec<_> = attachments
                .iter()
                .map(|a| json!({ "name": a.name, "sha256": a.sha256, "size": a.size }))
                .collect();
            let id = store::insert(
                conn,
                &prepared,
                &code,
                &by,
                kind::CREATED,
                json!({ "attachments": files }),
            )?;
            for a in &attachments {
                store::add_attachment(conn, &id, a, &by.actor)?;
            }
            Ok(code)
        })?;
        self.tip_detail(&code)
    }

    pub fn list_tips(&self, filter: &TipFilter) -> Result<Vec<Tip>> {
        let mut sql = format!("SELECT {} FROM tips t WHERE 1 = 1", store::TIP_COLUMNS);
        let mut args: Vec<String> = Vec::new();
        if let Some(status) = filter.status {
            args.push(status.as_str().to_string());
            sql.push_str(&format!(" AND t.status = ?{}", args.len()));
        }
        let words = filter.query.as_deref().map(fold).unwrap_or_default();
        sql.push_str(" ORDER BY t.received_at DESC, t.code DESC");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), store::read_tip)?;
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for row in rows {
            let tip = row??;
            let hay = fold(&format!(
                "{} {} {}",
                tip.code, tip.summary, tip.product_group
            ));
            if words.split_whitespace().all(|w| hay.contains(w)) {
                out.push(tip);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    pub fn tip(&self, code: &str) -> Result<Tip> {
        store::tip_by_code(&self.conn, code)
    }

    /// The tip with its contact masked, links, identifiers, attachments, log and the
    /// open tips and cases it may repeat.
    pub fn tip_detail(&self, code: &str) -> Result<TipDetail> {
        let tip = self.tip(code)?;
        let contact = mask::mask(&store::contact_of(&self.conn, &tip.id)?);
        self.detail_with(tip, contact, false)
    }

    /// The tip with its contact in clear; the reveal is recorded in the tip's log.
    pub fn reveal_tip_contact(&mut self, code: &str) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        let tip = self.tip(code)?;
        let contact = self.write(|conn| {
            log::append(
                conn,
                &tip.id,
                &profile.display_name,
                kind::CONTACT_REVEALED,
                &json!({ "profile": profile.name }),
            )?;
            store::contact_of(conn, &tip.id)
        })?;
        self.detail_with(tip, contact, true)
    }

    fn detail_with(
        &self,
        tip: Tip,
        contact: super::model::TipContact,
        revealed: bool,
    ) -> Result<TipDetail> {
        let (events, intact) = log::events(&self.conn, &tip.id)?;
        if !intact {
            return Err(Error::new(
                ErrorCode::DatabaseCorrupt,
                format!(
                    "the log of tip {} does not verify (edited outside TruyVết)",
                    tip.code
                ),
            ));
        }
        Ok(TipDetail {
            links: store::links_of(&self.conn, &tip.id)?
                .into_iter()
                .map(|(u, _)| u)
                .collect(),
            identifiers: store::identifiers_of(&self.conn, &tip.id)?,
            attachments: store::attachments_of(&self.conn, &tip.id)?,
            duplicates: dedupe::duplicates_of(&self.conn, &tip.id)?,
            events,
            contact,
            contact_revealed: revealed,
            tip,
        })
    }

    /// Marks a new tip as triaged, recording the duplicates seen at that moment.
    pub fn triage_tip(&mut self, code: &str, note: &str) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        let tip = self.tip(code)?;
        expect_status(&tip, &[TipStatus::New], "triage")?;
        let dups = dedupe::duplicates_of(&self.conn, &tip.id)?;
        self.write(|conn| {
            set_status(conn, &tip.id, TipStatus::Triaged)?;
            let found: Vec<_> = dups
                .iter()
                .map(|d| json!({ "target": d.target, "code": d.code, "reasons": d.reasons.len() }))
                .collect();
            log::append(
                conn,
                &tip.id,
                &profile.display_name,
                kind::TRIAGED,
                &json!({ "duplicates": found, "note": note.trim() }),
            )
        })?;
        self.tip_detail(code)
    }

    /// Supervisors assign a tip to an investigator (a profile name of this workspace).
    pub fn assign_tip(&mut self, code: &str, assignee: &str) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        if profile.role != Role::Supervisor {
            return Err(Error::new(
                ErrorCode::ForbiddenRole,
                format!(
                    "only a supervisor may assign a tip; the current profile is a {}",
                    profile.role
                ),
            ));
        }
        let tip = self.tip(code)?;
        expect_status(
            &tip,
            &[TipStatus::New, TipStatus::Triaged, TipStatus::Assigned],
            "assign",
        )?;
        let target = self.profile(assignee.trim())?.ok_or_else(|| {
            Error::invalid(format!(
                "no profile named '{}' in this workspace",
                assignee.trim()
            ))
        })?;
        self.write(|conn| {
            conn.execute(
                "UPDATE tips SET status = 'assigned', assignee = ?2, updated_at = ?3 WHERE id = ?1",
                params![tip.id, target.name, time_fmt::now_utc()],
            )?;
            log::append(
                conn,
                &tip.id,
                &profile.display_name,
                kind::ASSIGNED,
                &json!({ "assignee": target.name, "previous": tip.assignee }),
            )
        })?;
        self.tip_detail(code)
    }

    /// Opens a case from a tip: the case's origin is `tip` with `origin_tip_id` set, its
    /// first events name the tip, and the tip's attachments become evidence with their
    /// hashes unchanged — all in one transaction.
    pub fn open_case_from_tip(&mut self, code: &str, title: Option<&str>) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        let tip = self.tip(code)?;
        may_act(&profile, &tip, "open a case from")?;
        expect_status(
            &tip,
            &[TipStatus::New, TipStatus::Triaged, TipStatus::Assigned],
            "open a case from",
        )?;
        let attachments = store::attachments_of(&self.conn, &tip.id)?;
        let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => tip.summary.chars().take(500).collect(),
        };
        let input = NewCase {
            title,
            violation_categories: tip.violation_categories.clone(),
            product_group: tip.product_group.clone(),
            origin: Some(CaseOrigin::Tip),
            ..NewCase::default()
        };
        let actor = profile.display_name.clone();
        let device = self.device().to_string();
        self.create_case_then(&input, |conn, case| {
            conn.execute(
                "UPDATE cases SET origin_tip_id = ?2 WHERE id = ?1",
                params![case.id, tip.id],
            )?;
            custody::append(
                conn,
                &case.id,
                &actor,
                CASE_FROM_TIP_EVENT,
                &json!({
                    "tip_id": tip.id,
                    "tip_code": tip.code,
                    "received_at": tip.received_at,
                    "channel": tip.channel,
                }),
            )?;
            for a in &attachments {
                let item = EvidenceItem {
                    id: uuid::Uuid::now_v7().to_string(),
                    case_id: case.id.clone(),
                    kind: EvidenceKind::File,
                    sha256: a.sha256.clone(),
                    size: a.size,
                    original_filename: a.name.clone(),
                    original_filename_hex: None,
                    media_type: a.media_type.clone(),
                    acquired_at: a.added_at.clone(),
                    acquired_by: a.added_by.clone(),
                    device: device.clone(),
                    source_path: None,
                    note: Some(format!("Tệp đính kèm tin báo {}", tip.code)),
                };
                crate::evidence::insert(conn, &item)?;
                custody::append(
                    conn,
                    &case.id,
                    &actor,
                    custody::kind::EVIDENCE_ADDED,
                    &json!({
                        "evidence_id": item.id,
                        "kind": item.kind,
                        "sha256": item.sha256,
                        "size": item.size,
                        "original_filename": item.original_filename,
                        "original_filename_hex": item.original_filename_hex,
                        "media_type": item.media_type,
                        "acquired_at": item.acquired_at,
                        "device": item.device,
                        "source_path": item.source_path,
                        "note": item.note,
                        "tip_code": tip.code,
                    }),
                )?;
            }
            conn.execute(
                "UPDATE tips SET status = 'case_opened', case_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![tip.id, case.id, time_fmt::now_utc()],
            )?;
            log::append(
                conn,
                &tip.id,
                &actor,
                kind::CASE_OPENED,
                &json!({ "case_id": case.id, "case_code": case.code }),
            )
        })?;
        self.tip_detail(code)
    }

    /// Closes a tip with its outcome. `case_opened` needs a case opened from the tip; a
    /// tip with a case can close only as `case_opened`.
    pub fn close_tip(&mut self, code: &str, outcome: TipOutcome, note: &str) -> Result<TipDetail> {
        let profile = self.require_profile()?;
        let tip = self.tip(code)?;
        may_act(&profile, &tip, "close")?;
        if tip.status == TipStatus::Closed {
            return Err(Error::new(
                ErrorCode::InvalidTransition,
                format!("tip {} is already closed", tip.code),
            ));
        }
        match (outcome, &tip.case_id) {
            (TipOutcome::CaseOpened, None) => {
                return Err(Error::new(
                    ErrorCode::InvalidTransition,
                    format!("no case was opened from tip {}; open one first", tip.code),
                ));
            }
            (o, Some(_)) if o != TipOutcome::CaseOpened => {
                return Err(Error::new(
                    ErrorCode::InvalidTransition,
                    format!(
                        "a case was opened from tip {}; its outcome is case_opened",
                        tip.code
                    ),
                ));
            }
            _ => {}
        }
        self.write(|conn| {
            let now = time_fmt::now_utc();
            conn.execute(
                "UPDATE tips SET status = 'closed', outcome = ?2, closed_at = ?3, updated_at = ?3
                 WHERE id = ?1",
                params![tip.id, outcome.as_str(), now],
            )?;
            log::append(
                conn,
                &tip.id,
                &profile.display_name,
                kind::CLOSED,
                &json!({ "outcome": outcome, "note": note.trim() }),
            )
        })?;
        self.tip_detail(code)
    }

    /// The tip a case was opened from, if any.
    pub fn case_origin_tip(&self, case_code: &str) -> Result<Option<TipOrigin>> {
        let case = self.case_by_code(case_code)?;
        use rusqlite::OptionalExtension;
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT t.id, t.code, t.received_at, t.channel FROM cases c
                 JOIN tips t ON t.id = c.origin_tip_id WHERE c.id = ?1",
                [&case.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(tip_id, tip_code, received_at, channel)| {
            Ok(TipOrigin {
                tip_id,
                tip_code,
                received_at,
                channel: super::model::TipChannel::parse(&channel)?,
            })
        })
        .transpose()
    }
}

pub(super) fn recorder(profile: &Profile) -> store::Recorder {
    store::Recorder {
        actor: profile.display_name.clone(),
        agency: profile.agency.clone(),
        unit: profile.unit.clone(),
        province: profile.province.clone(),
    }
}

fn expect_status(tip: &Tip, allowed: &[TipStatus], action: &str) -> Result<()> {
    if allowed.contains(&tip.status) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "cannot {action} tip {} while it is {}",
                tip.code, tip.status
            ),
        ))
    }
}

/// A tip assigned to someone is theirs to act on (and their supervisors').
fn may_act(profile: &Profile, tip: &Tip, action: &str) -> Result<()> {
    match &tip.assignee {
        Some(a) if *a != profile.name && profile.role != Role::Supervisor => Err(Error::new(
            ErrorCode::ForbiddenRole,
            format!(
                "tip {} is assigned to {a}; only they or a supervisor may {action} it",
                tip.code
            ),
        )),
        _ => Ok(()),
    }
}

fn set_status(conn: &rusqlite::Connection, tip_id: &str, status: TipStatus) -> Result<()> {
    conn.execute(
        "UPDATE tips SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![tip_id, status.as_str(), time_fmt::now_utc()],
    )?;
    Ok(())
}

fn precheck(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => ErrorCode::FileNotFound,
            _ => ErrorCode::FileUnreadable,
        };
        Error::new(code, format!("{}: {e}", path.display()))
    })?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorCode::NotAFile,
            format!("{} is not a regular file", path.display()),
        ));
    }
    if meta.len() == 0 {
        return Err(Error::new(
            ErrorCode::EmptyFile,
            format!("{} is empty (0 bytes); nothing to preserve", path.display()),
        ));
    }
    Ok(())
}
