//! Rows in and out of the tip tables; shared by single entry and bulk import.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use crate::error::{Error, ErrorCode, Result};
use crate::exclusions::value_excluded;
use crate::fold::fold;
use crate::identifiers::IdKind;
use crate::model::ViolationCategory;

use super::log;
use super::model::{
    NewTip, Tip, TipAttachment, TipChannel, TipContact, TipIdentifier, TipOutcome, TipStatus,
};
use super::text;

/// A tip checked and normalized, ready to insert.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub received_at: String,
    pub channel: TipChannel,
    pub summary: String,
    pub allegation: String,
    pub violation_categories: Vec<ViolationCategory>,
    pub product_group: String,
    pub contact: TipContact,
    /// (as written, normalized)
    pub links: Vec<(String, String)>,
    /// (kind, normalized value, source)
    pub identifiers: Vec<(IdKind, String, &'static str)>,
    pub fingerprint: String,
}

/// A field-level problem: a stable code (the import's per-row code) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub message: String,
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Error {
        Error::invalid(format!("{}: {}", e.code, e.message))
    }
}

fn field(code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        code,
        message: message.into(),
    }
}

const SUMMARY_MAX: usize = 500;

pub fn prepare(input: &NewTip) -> std::result::Result<Prepared, FieldError> {
    let received_at = match input.received_at.as_deref().map(str::trim) {
        None | Some("") => crate::time_fmt::now_utc(),
        Some(t) => text::parse_received(t).map_err(|e| field("bad_date", e.message))?,
    };
    let channel = input
        .channel
        .ok_or_else(|| field("bad_channel", "the channel is missing"))?;
    let allegation = input.allegation.trim().to_string();
    let mut summary = input.summary.trim().to_string();
    if summary.is_empty() {
        summary = allegation
            .chars()
            .take(160)
            .collect::<String>()
            .trim()
            .to_string();
    }
    if summary.is_empty() {
        return Err(field(
            "missing_content",
            "the tip says nothing: a summary or the allegation text is required",
        ));
    }
    if summary.chars().count() > SUMMARY_MAX {
        summary = summary.chars().take(SUMMARY_MAX).collect();
    }
    let mut contact = TipContact {
        name: input.contact.name.trim().to_string(),
        phone: input.contact.phone.trim().to_string(),
        email: input.contact.email.trim().to_string(),
        address: input.contact.address.trim().to_string(),
        organization: input.contact.organization.trim().to_string(),
    };
    let mut identifiers: Vec<(IdKind, String, &'static str)> = Vec::new();
    let mut push = |k: IdKind, v: String, s: &'static str| {
        if !identifiers
            .iter()
            .any(|(k2, v2, s2)| k2.family() == k.family() && *v2 == v && *s2 == s)
        {
            identifiers.push((k, v, s));
        }
    };
    let mut contact_key = String::new();
    if !contact.phone.is_empty() {
        let v = crate::identifiers::normalize(IdKind::Phone, &contact.phone).map_err(|_| {
            field(
                "bad_phone",
                format!("'{}' is not a Vietnamese phone number", contact.phone),
            )
        })?;
        contact_key = v.clone();
        push(IdKind::Phone, v, "reporter");
    }
    if !contact.email.is_empty() {
        let v = crate::identifiers::normalize(IdKind::Email, &contact.email).map_err(|_| {
            field(
                "bad_email",
                format!("'{}' is not an e-mail address", contact.email),
            )
        })?;
        if contact_key.is_empty() {
            contact_key = v.clone();
        }
        contact.email = v.clone();
        push(IdKind::Email, v, "reporter");
    }
    if contact_key.is_empty() {
        contact_key = fold(&contact.name);
    }
    for raw in &input.identifiers {
        if raw.trim().is_empty() {
            continue;
        }
        let (k, v) = text::identifier_of(raw).map_err(|e| field("bad_identifier", e.message))?;
        push(k, v, "allegation");
    }
    for (k, v) in text::identifiers_in_text(&allegation) {
        push(k, v, "allegation");
    }
    let mut links: Vec<(String, String)> = Vec::new();
    let written: Vec<String> = input
        .links
        .iter()
        .flat_map(|l| text::split_links(l))
        .chain(text::links_in_text(&allegation))
        .collect();
    for raw in written {
        let n = text::normalize_url(&raw)
            .ok_or_else(|| field("bad_url", format!("'{raw}' is not a web address")))?;
        if let Ok(d) = crate::identifiers::normalize(IdKind::Domain, text::host_of(&n)) {
            push(IdKind::Domain, d, "allegation");
        }
        if !links.iter().any(|(_, m)| *m == n) {
            links.push((raw, n));
        }
    }
    let mut categories: Vec<ViolationCategory> = Vec::new();
    for c in &input.violation_categories {
        if !categories.contains(c) {
            categories.push(*c);
        }
    }
    let fingerprint = text::fingerprint(
        &received_at,
        &contact_key,
        if allegation.is_empty() {
            &summary
        } else {
            &allegation
        },
    );
    Ok(Prepared {
        received_at,
        channel,
        summary,
        allegation,
        violation_categories: categories,
        product_group: input.product_group.trim().to_string(),
        contact,
        links,
        identifiers,
        fingerprint,
    })
}

/// Who records the tip and where it belongs.
pub struct Recorder {
    pub actor: String,
    pub agency: String,
    pub unit: String,
    pub province: String,
}

/// Tip codes: `TIP-YYYY-NNNNNN`, numbered per year of recording.
pub fn next_number(conn: &Connection, year: i32) -> Result<u32> {
    let prefix = format!("TIP-{year}-");
    let last: Option<String> = conn
        .query_row(
            "SELECT code FROM tips WHERE code LIKE ?1 ORDER BY length(code) DESC, code DESC LIMIT 1",
            [format!("{prefix}%")],
            |r| r.get(0),
        )
        .optional()?;
    Ok(last
        .and_then(|c| c[prefix.len()..].parse::<u32>().ok())
        .map_or(1, |n| n + 1))
}

pub fn code_for(year: i32, number: u32) -> String {
    format!("TIP-{year}-{number:06}")
}

/// Inserts one prepared tip with its first log event; returns its id.
pub fn insert(
    conn: &Connection,
    p: &Prepared,
    code: &str,
    by: &Recorder,
    event: &str,
    extra: serde_json::Value,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::time_fmt::now_utc();
    conn.prepare_cached(
        "INSERT INTO tips (id, code, received_at, channel, summary, allegation,
           violation_categories, product_group, status, agency, unit, province,
           created_at, created_by, updated_at, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'new', ?9, ?10, ?11, ?12, ?13, ?12, ?14)",
    )?
    .execute(params![
        id,
        code,
        p.received_at,
        p.channel.as_str(),
        p.summary,
        p.allegation,
        serde_json::to_string(&p.violation_categories)?,
        p.product_group,
        by.agency,
        by.unit,
        by.province,
        now,
        by.actor,
        p.fingerprint,
    ])?;
    let c = &p.contact;
    conn.prepare_cached(
        "INSERT INTO tip_contacts (tip_id, name, phone, email, address, organization)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        c.name,
        c.phone,
        c.email,
        c.address,
        c.organization
    ])?;
    let mut kept = Vec::new();
    for (kind, value, source) in &p.identifiers {
        // Platform hotlines and marketplace domains name every shop: no evidence of a
        // shared seller (the exclusion list of cross-case hits).
        if *source == "allegation" && value_excluded(conn, *kind, value)? {
            continue;
        }
        conn.prepare_cached(
            "INSERT OR IGNORE INTO tip_identifiers (tip_id, id_kind, family, value, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, kind.as_str(), kind.family(), value, source])?;
        if *source == "allegation" {
            kept.push(json!({ "kind": kind.as_str(), "value": value }));
        }
    }
    for (url, normalized) in &p.links {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO tip_links (tip_id, url, normalized) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, url, normalized])?;
    }
    let mut payload = json!({
        "code": code,
        "received_at": p.received_at,
        "channel": p.channel,
        "summary": p.summary,
        "allegation_sha256": crate::tips::text::sha256_hex(p.allegation.as_bytes()),
        "links": p.links.iter().map(|(_, n)| n).collect::<Vec<_>>(),
        "identifiers": kept,
        "fingerprint": p.fingerprint,
    });
    if let (Some(map), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra) {
        map.extend(more);
    }
    log::append_first(conn, &id, &by.actor, event, &payload)?;
    Ok(id)
}

pub fn add_attachment(
    conn: &Connection,
    tip_id: &str,
    a: &TipAttachment,
    actor: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO tip_attachments (id, tip_id, sha256, size, name, media_type, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![a.id, tip_id, a.sha256, a.size, a.name, a.media_type, a.added_at, actor],
    )?;
    Ok(())
}

pub const TIP_COLUMNS: &str = "t.id, t.code, t.received_at, t.channel, t.summary, t.allegation, \
     t.violation_categories, t.product_group, t.status, t.assignee, t.case_id, \
     (SELECT c.code FROM cases c WHERE c.id = t.case_id), t.outcome, t.closed_at, t.agency, \
     t.unit, t.province, t.created_at, t.created_by, t.updated_at";

pub fn read_tip(r: &Row<'_>) -> rusqlite::Result<Result<Tip>> {
    let channel: String = r.get(3)?;
    let categories: String = r.get(6)?;
    let status: String = r.get(8)?;
    let outcome: Option<String> = r.get(12)?;
    let build = || -> Result<Tip> {
        let corrupt = |e: Error| Error::new(ErrorCode::DatabaseCorrupt, e.message);
        Ok(Tip {
            id: r.get(0)?,
            code: r.get(1)?,
            received_at: r.get(2)?,
            channel: TipChannel::parse(&channel).map_err(corrupt)?,
            summary: r.get(4)?,
            allegation: r.get(5)?,
            violation_categories: serde_json::from_str(&categories).map_err(|e| {
                Error::new(ErrorCode::DatabaseCorrupt, format!("bad categories: {e}"))
            })?,
            product_group: r.get(7)?,
            status: TipStatus::parse(&status).map_err(corrupt)?,
            assignee: r.get(9)?,
            case_id: r.get(10)?,
            case_code: r.get(11)?,
            outcome: outcome
                .as_deref()
                .map(TipOutcome::parse)
                .transpose()
                .map_err(corrupt)?,
            closed_at: r.get(13)?,
            agency: r.get(14)?,
            unit: r.get(15)?,
            province: r.get(16)?,
            created_at: r.get(17)?,
            created_by: r.get(18)?,
            updated_at: r.get(19)?,
        })
    };
    Ok(build())
}

pub fn tip_by_code(conn: &Connection, code: &str) -> Result<Tip> {
    let found = conn
        .query_row(
            &format!("SELECT {TIP_COLUMNS} FROM tips t WHERE t.code = ?1 COLLATE NOCASE"),
            [code.trim()],
            read_tip,
        )
        .optional()?;
    match found {
        Some(tip) => tip,
        None => Err(Error::new(
            ErrorCode::TipNotFound,
            format!("no tip with code '{}' in this workspace", code.trim()),
        )),
    }
}

pub fn contact_of(conn: &Connection, tip_id: &str) -> Result<TipContact> {
    Ok(conn
        .query_row(
            "SELECT name, phone, email, address, organization FROM tip_contacts WHERE tip_id = ?1",
            [tip_id],
            |r| {
                Ok(TipContact {
                    name: r.get(0)?,
                    phone: r.get(1)?,
                    email: r.get(2)?,
                    address: r.get(3)?,
                    organization: r.get(4)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

pub fn links_of(conn: &Connection, tip_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare_cached("SELECT url, normalized FROM tip_links WHERE tip_id = ?1 ORDER BY url")?;
    let rows = stmt.query_map([tip_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn identifiers_of(conn: &Connection, tip_id: &str) -> Result<Vec<TipIdentifier>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id_kind, value, source FROM tip_identifiers WHERE tip_id = ?1
         ORDER BY source, id_kind, value",
    )?;
    let rows = stmt.query_map([tip_id], |r| {
        Ok(TipIdentifier {
            id_kind: r.get(0)?,
            value: r.get(1)?,
            source: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn attachments_of(conn: &Connection, tip_id: &str) -> Result<Vec<TipAttachment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sha256, size, name, media_type, added_at, added_by FROM tip_attachments
         WHERE tip_id = ?1 ORDER BY added_at, id",
    )?;
    let rows = stmt.query_map([tip_id], |r| {
        Ok(TipAttachment {
            id: r.get(0)?,
            sha256: r.get(1)?,
            size: r.get(2)?,
            name: r.get(3)?,
            media_type: r.get(4)?,
            added_at: r.get(5)?,
            added_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
