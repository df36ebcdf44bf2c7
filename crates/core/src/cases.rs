//! Cases: creation with a human code (`QLTT-HN-2026-0001`), listing with
//! diacritic-insensitive search, reading and field edits. Every change is logged in the
//! case's custody chain inside the same transaction.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use crate::custody::{self, kind};
use crate::error::{Error, ErrorCode, Result};
use crate::fold::fold;
use crate::model::{
    Case, CaseDetail, CaseEdit, CaseOrigin, CaseStatus, CaseSummary, NewCase, ViolationCategory,
};
use crate::profile::normalize_code;
use crate::time_fmt;
use crate::workspace::Workspace;

const CASE_COLUMNS: &str = "id, code, title, agency, unit, province, violation_categories, \
     product_group, status, origin, created_at, created_by, updated_at, \
     (SELECT json_object('agency', i.agency, 'unit', i.unit, 'bundle_sha256', i.bundle_sha256, \
        'seal_root', i.seal_root, 'imported_at', i.imported_at, 'imported_by', i.imported_by) \
      FROM case_imports i WHERE i.case_id = cases.id)";

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Words that must all appear in the code, title, product group or unit, compared
    /// without diacritics.
    pub query: Option<String>,
    pub status: Option<CaseStatus>,
}

impl Workspace {
    pub fn create_case(&mut self, input: &NewCase) -> Result<Case> {
        Ok(self.create_case_then(input, |_, _| Ok(()))?.0)
    }

    /// Creates a case and runs `then` in the same transaction, after its
    /// `case_created` event (a case opened from a tip records its origin this way).
    pub(crate) fn create_case_then<T>(
        &mut self,
        input: &NewCase,
        then: impl FnOnce(&Connection, &Case) -> Result<T>,
    ) -> Result<(Case, T)> {
        let profile = self.require_profile()?;
        let title = required_title(&input.title)?;
        let unit = input
            .unit
            .clone()
            .unwrap_or_else(|| profile.unit.clone())
            .trim()
            .to_string();
        let province = match input
            .province
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => normalize_code(p, "province")?,
            None if !profile.province.is_empty() => profile.province.clone(),
            None => "VN".to_string(),
        };
        let categories = dedup(&input.violation_categories);
        let origin = input.origin.unwrap_or(CaseOrigin::Patrol);
        let product_group = input.product_group.trim().to_string();
        let explicit_code = match &input.code {
            Some(code) => Some(validate_code(code)?),
            None => None,
        };
        let agency = profile.agency.clone();
        let actor = profile.display_name.clone();
        self.write(|conn| {
            let code = match explicit_code {
                Some(code) => code,
                None => next_code(conn, &agency, &province)?,
            };
            let exists: bool = conn
                .query_row("SELECT 1 FROM cases WHERE code = ?1", [&code], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if exists {
                return Err(Error::new(
                    ErrorCode::DuplicateCaseCode,
                    format!("a case with code {code} already exists"),
                ));
            }
            let now = time_fmt::now_utc();
            let case = Case {
                id: uuid::Uuid::now_v7().to_string(),
                code,
                title,
                agency,
                unit,
                province,
                violation_categories: categories,
                product_group,
                status: CaseStatus::Draft,
                origin,
                created_at: now.clone(),
                created_by: actor.clone(),
                updated_at: now,
                imported: None,
            };
            conn.execute(
                "INSERT INTO cases (id, code, title, agency, unit, province, violation_categories,
                   product_group, status, origin, created_at, created_by, updated_at, search_folded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    case.id,
                    case.code,
                    case.title,
                    case.agency,
                    case.unit,
                    case.province,
                    serde_json::to_string(&case.violation_categories)?,
                    case.product_group,
                    case.status.as_str(),
                    case.origin.as_str(),
                    case.created_at,
                    case.created_by,
                    case.updated_at,
                    search_text(&case),
                ],
            )?;
            custody::append(conn, &case.id, &actor, kind::CASE_CREATED, &json!(case))?;
            let extra = then(conn, &case)?;
            Ok((case, extra))
        })
    }

    pub fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
        let mut sql = format!(
            "SELECT {CASE_COLUMNS},
               (SELECT count(*) FROM evidence e WHERE e.case_id = cases.id)
             FROM cases WHERE 1 = 1"
        );
        let mut args: Vec<String> = Vec::new();
        if let Some(status) = filter.status {
            args.push(status.as_str().to_string());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        for word in filter
            .query
            .as_deref()
            .map(fold)
            .unwrap_or_default()
            .split(' ')
        {
            if word.is_empty() {
                continue;
            }
            args.push(format!("%{}%", escape_like(word)));
            sql.push_str(&format!(
                " AND search_folded LIKE ?{} ESCAPE '\\'",
                args.len()
            ));
        }
        sql.push_str(" ORDER BY updated_at DESC, code");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((read_case(r)?, r.get::<_, u64>(14)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case, evidence_count) = row?;
            out.push(CaseSummary {
                case: case?,
                evidence_count,
            });
        }
        Ok(out)
    }

    pub fn case_by_code(&self, code: &str) -> Result<Case> {
        let found = self
            .conn
            .query_row(
                &format!("SELECT {CASE_COLUMNS} FROM cases WHERE code = ?1 COLLATE NOCASE"),
                [code.trim()],
                read_case,
            )
            .optional()?;
        match found {
            Some(case) => case,
            None => Err(Error::new(
                ErrorCode::CaseNotFound,
                format!("no case with code '{}' in this workspace", code.trim()),
            )),
        }
    }

    pub fn case_detail(&self, code: &str) -> Result<CaseDetail> {
        let case = self.case_by_code(code)?;
        let evidence = self.evidence_of(&case.id)?;
        let notes = self.notes_of(&case.id)?;
        Ok(CaseDetail {
            case,
            evidence,
            notes,
        })
    }

    /// Applies the fields that are set; each change is its own custody event with the
    /// old and new value. Returns the updated case.
    pub fn edit_case(&mut self, code: &str, edit: &CaseEdit) -> Result<Case> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        let mut updated = case.clone();
        if let Some(title) = &edit.title {
            updated.title = required_title(title)?;
        }
        if let Some(unit) = &edit.unit {
            updated.unit = unit.trim().to_string();
        }
        if let Some(province) = &edit.province {
            updated.province = normalize_code(province, "province")?;
        }
        if let Some(categories) = &edit.violation_categories {
            updated.violation_categories = dedup(categories);
        }
        if let Some(group) = &edit.product_group {
            updated.product_group = group.trim().to_string();
        }
        if let Some(origin) = edit.origin {
            updated.origin = origin;
        }
        let changes = changed_fields(&case, &updated)?;
        if changes.is_empty() {
            return Ok(case);
        }
        ensure_editable(&case)?;
        let actor = profile.display_name;
        self.write(|conn| {
            updated.updated_at = time_fmt::now_utc();
            conn.execute(
                "UPDATE cases SET title = ?2, unit = ?3, province = ?4, violation_categories = ?5,
                   product_group = ?6, origin = ?7, updated_at = ?8, search_folded = ?9
                 WHERE id = ?1",
                params![
                    updated.id,
                    updated.title,
                    updated.unit,
                    updated.province,
                    serde_json::to_string(&updated.violation_categories)?,
                    updated.product_group,
                    updated.origin.as_str(),
                    updated.updated_at,
                    search_text(&updated),
                ],
            )?;
            for (field, old, new) in &changes {
                custody::append(
                    conn,
                    &updated.id,
                    &actor,
                    kind::FIELD_EDITED,
                    &json!({ "field": field, "old": old, "new": new }),
                )?;
            }
            Ok(())
        })?;
        Ok(updated)
    }

    pub fn custody_log(&self, code: &str) -> Result<Vec<custody::CustodyEvent>> {
        let case = self.case_by_code(code)?;
        custody::events(&self.conn, &case.id)
    }

    /// Marks the case as changed now (evidence and notes call this inside their write).
    pub(crate) fn touch(conn: &Connection, case_id: &str) -> Result<()> {
        conn.execute(
            "UPDATE cases SET updated_at = ?2 WHERE id = ?1",
            params![case_id, time_fmt::now_utc()],
        )?;
        Ok(())
    }
}

/// Only drafts and returned cases can change; review and sealing come with the
/// workflow capability.
pub(crate) fn ensure_editable(case: &Case) -> Result<()> {
    if let Some(origin) = &case.imported {
        return Err(Error::invalid(format!(
            "case {} was imported from {} and is read-only here",
            case.code, origin.agency
        )));
    }
    match case.status {
        CaseStatus::Draft | CaseStatus::Returned => Ok(()),
        status => Err(Error::invalid(format!(
            "case {} is {status} and can no longer be changed",
            case.code
        ))),
    }
}

fn changed_fields(
    old: &Case,
    new: &Case,
) -> Result<Vec<(&'static str, serde_json::Value, serde_json::Value)>> {
    let mut out = Vec::new();
    let pairs: [(&'static str, serde_json::Value, serde_json::Value); 6] = [
        ("title", json!(old.title), json!(new.title)),
        ("unit", json!(old.unit), json!(new.unit)),
        ("province", json!(old.province), json!(new.province)),
        (
            "violation_categories",
            json!(old.violation_categories),
            json!(new.violation_categories),
        ),
        (
            "product_group",
            json!(old.product_group),
            json!(new.product_group),
        ),
        ("origin", json!(old.origin), json!(new.origin)),
    ];
    for (field, a, b) in pairs {
        if a != b {
            out.push((field, a, b));
        }
    }
    Ok(out)
}

fn required_title(title: &str) -> Result<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::invalid("the case title is required"));
    }
    if title.chars().count() > 500 {
        return Err(Error::invalid(
            "the case title is longer than 500 characters",
        ));
    }
    Ok(title.to_string())
}

fn dedup(categories: &[ViolationCategory]) -> Vec<ViolationCategory> {
    let mut out: Vec<ViolationCategory> = Vec::new();
    for c in categories {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    out
}

/// `AGENCY-PROVINCE-YEAR-NNNN`, numbered per prefix and year within the workspace.
fn next_code(conn: &Connection, agency: &str, province: &str) -> Result<String> {
    let prefix = format!("{agency}-{province}-{}-", time_fmt::current_year());
    let last: Option<String> = conn
        .query_row(
            "SELECT code FROM cases WHERE code LIKE ?1 ESCAPE '\\' ORDER BY length(code) DESC, code DESC LIMIT 1",
            [format!("{}%", escape_like(&prefix))],
            |r| r.get(0),
        )
        .optional()?;
    let next = last
        .and_then(|c| c[prefix.len()..].parse::<u32>().ok())
        .map_or(1, |n| n + 1);
    Ok(format!("{prefix}{next:04}"))
}

fn validate_code(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    let ok = (3..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/' || b == b'.');
    if ok {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "case code '{code}' may only hold letters, digits, '-', '/' and '.' (3 to 64)"
        )))
    }
}

pub(crate) fn search_text(case: &Case) -> String {
    fold(&format!(
        "{} {} {} {}",
        case.code, case.title, case.product_group, case.unit
    ))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Reads the `CASE_COLUMNS` of a row. Bad enum text in the database is reported as a
/// corrupt database rather than a panic.
fn read_case(r: &Row<'_>) -> rusqlite::Result<Result<Case>> {
    let categories: String = r.get(6)?;
    let status: String = r.get(8)?;
    let origin: String = r.get(9)?;
    let imported: Option<String> = r.get(13)?;
    let build = || -> Result<Case> {
        Ok(Case {
            id: r.get(0)?,
            code: r.get(1)?,
            title: r.get(2)?,
            agency: r.get(3)?,
            unit: r.get(4)?,
            province: r.get(5)?,
            violation_categories: serde_json::from_str(&categories).map_err(|e| {
                Error::new(ErrorCode::DatabaseCorrupt, format!("bad categories: {e}"))
            })?,
            product_group: r.get(7)?,
            status: CaseStatus::parse(&status)?,
            origin: CaseOrigin::parse(&origin)?,
            created_at: r.get(10)?,
            created_by: r.get(11)?,
            updated_at: r.get(12)?,
            imported: match imported {
                Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                    Error::new(
                        ErrorCode::DatabaseCorrupt,
                        format!("bad import record: {e}"),
                    )
                })?),
                None => None,
            },
        })
    };
    Ok(build())
}
