//! Where a watched item turns up: in a case of this workspace (a capture of the watched
//! URL, or the identifier among the case's identifiers) or in the registry's watchlist
//! (another agency's sealed case). Each match is a flag, raised once; and from the cases
//! it appears in, the item's classification (product groups, violation categories).

use std::collections::BTreeSet;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::url_host;
use crate::error::Result;
use crate::identifiers::{IdKind, lookup_keys};
use crate::time_fmt;

#[derive(Debug, Clone, Serialize)]
pub struct WatchFlag {
    /// `case` or `registry`.
    pub source: String,
    /// The case id, or the registry watchlist cursor.
    pub reference: String,
    /// Case code, or "agency · case code" for the registry.
    pub label: String,
    pub found_at: String,
    pub seen: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseSeen {
    pub case_id: String,
    pub code: String,
    pub title: String,
    pub status: String,
}

/// An item's classification from the cases and registry entries it appears in.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    pub platform: String,
    pub cases: Vec<CaseSeen>,
    pub product_groups: Vec<String>,
    pub violation_categories: Vec<String>,
    /// Agencies whose sealed cases (from the registry watchlist) hold the item.
    pub registry_agencies: Vec<String>,
}

struct Target {
    kind: String,
    target: String,
}

/// The (identifier kind, normalized value) pairs that mean this item.
pub(super) fn identifier_keys(kind: &str, target: &str) -> Vec<(IdKind, String)> {
    let Ok(keys) = lookup_keys(target) else {
        return Vec::new();
    };
    if kind == "identifier" {
        return keys;
    }
    // A URL with a path (a shop on a marketplace) is that shop, not the marketplace's
    // whole domain; a bare site URL is its domain.
    let bare = url_path(target).is_empty();
    keys.into_iter()
        .filter(|(k, _)| *k != IdKind::Domain || bare)
        .collect()
}

/// The lower-case path of a URL without a trailing slash, query or fragment.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest
        .find('/')
        .map_or("", |i| &rest[i..])
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    path.trim_end_matches('/').to_lowercase()
}

fn capture_matches(item_host: &str, item_path: &str, url: &str) -> bool {
    url_host(url).is_some_and(|h| h == item_host) && {
        let path = url_path(url);
        item_path.is_empty() || path == item_path || path.starts_with(&format!("{item_path}/"))
    }
}

/// Case ids (with codes) the item appears in.
fn matching_cases(conn: &Connection, t: &Target) -> Result<Vec<(String, String)>> {
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    if t.kind == "url"
        && let Some(host) = url_host(&t.target)
    {
        let path = url_path(&t.target);
        let mut stmt = conn.prepare(
            "SELECT e.case_id, c.code, w.url, w.final_url
             FROM web_captures w JOIN evidence e ON e.id = w.evidence_id
             JOIN cases c ON c.id = e.case_id
             WHERE instr(lower(w.url), ?1) > 0 OR instr(lower(w.final_url), ?1) > 0",
        )?;
        let rows = stmt.query_map([&host], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (case_id, code, url, final_url) = row?;
            if capture_matches(&host, &path, &url) || capture_matches(&host, &path, &final_url) {
                found.insert((case_id, code));
            }
        }
    }
    for (kind, value) in identifier_keys(&t.kind, &t.target) {
        let mut stmt = conn.prepare_cached(
            "SELECT o.case_id, c.code FROM identifier_occurrences o
                 JOIN cases c ON c.id = o.case_id
             WHERE o.value = ?1 AND o.id_kind = ?2
             UNION
             SELECT n.case_id, c.code FROM entities n JOIN cases c ON c.id = n.case_id
             WHERE n.value = ?1 AND n.id_kind = ?2 AND n.state IN ('suggested', 'confirmed')",
        )?;
        let rows = stmt.query_map(params![value, kind.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            found.insert(row?);
        }
    }
    Ok(found.into_iter().collect())
}

/// Registry watchlist entries (cursor, agency, case code) that hold the item.
fn matching_registry(conn: &Connection, t: &Target) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for (kind, value) in identifier_keys(&t.kind, &t.target) {
        let mut stmt = conn.prepare_cached(
            "SELECT cursor, agency, case_code FROM watchlist WHERE value = ?1 AND id_kind = ?2",
        )?;
        let rows = stmt.query_map(params![value, kind.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        for row in rows {
            let row = row?;
            if !out.contains(&row) {
                out.push(row);
            }
        }
    }
    Ok(out)
}

fn target(conn: &Connection, id: &str) -> Result<Target> {
    Ok(conn.query_row(
        "SELECT kind, target FROM watch_items WHERE id = ?1",
        [id],
        |r| {
            Ok(Target {
                kind: r.get(0)?,
                target: r.get(1)?,
            })
        },
    )?)
}

/// Raises a flag for every match not flagged before; `baseline` marks them seen (the
/// matches that existed when the item was added are not news). Returns how many.
pub(super) fn refresh_item(conn: &Connection, id: &str, baseline: bool) -> Result<u32> {
    let t = target(conn, id)?;
    let now = time_fmt::now_utc();
    let mut raised = 0;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO watch_flags (item_id, source, ref, label, found_at, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (case_id, code) in matching_cases(conn, &t)? {
        raised += insert.execute(params![id, "case", case_id, code, now, baseline])?;
    }
    for (cursor, agency, code) in matching_registry(conn, &t)? {
        raised += insert.execute(params![
            id,
            "registry",
            cursor.to_string(),
            format!("{agency} · {code}"),
            now,
            baseline
        ])?;
    }
    Ok(u32::try_from(raised).unwrap_or(u32::MAX))
}

pub(super) fn list(conn: &Connection, id: &str) -> Result<Vec<WatchFlag>> {
    let mut stmt = conn.prepare(
        "SELECT source, ref, label, found_at, seen FROM watch_flags
         WHERE item_id = ?1 ORDER BY found_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(WatchFlag {
            source: r.get(0)?,
            reference: r.get(1)?,
            label: r.get(2)?,
            found_at: r.get(3)?,
            seen: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn classify(conn: &Connection, id: &str) -> Result<Classification> {
    let platform: String = conn.query_row(
        "SELECT platform FROM watch_items WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let mut cases = Vec::new();
    let mut groups = BTreeSet::new();
    let mut categories = BTreeSet::new();
    {
        let mut stmt = conn.prepare(
            "SELECT c.id, c.code, c.title, c.status, c.product_group, c.violation_categories
             FROM watch_flags f JOIN cases c ON c.id = f.ref
             WHERE f.item_id = ?1 AND f.source = 'case' ORDER BY c.created_at",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                CaseSeen {
                    case_id: r.get(0)?,
                    code: r.get(1)?,
                    title: r.get(2)?,
                    status: r.get(3)?,
                },
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for row in rows {
            let (case, group, cats) = row?;
            if !group.trim().is_empty() {
                groups.insert(group.trim().to_string());
            }
            categories.extend(serde_json::from_str::<Vec<String>>(&cats).unwrap_or_default());
            cases.push(case);
        }
    }
    let mut agencies = BTreeSet::new();
    {
        let mut stmt = conn.prepare(
            "SELECT w.agency, w.categories FROM watch_flags f
                 JOIN watchlist w ON CAST(w.cursor AS TEXT) = f.ref
             WHERE f.item_id = ?1 AND f.source = 'registry'",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (agency, cats) = row?;
            agencies.insert(agency);
            categories.extend(serde_json::from_str::<Vec<String>>(&cats).unwrap_or_default());
        }
    }
    Ok(Classification {
        platform,
        cases,
        product_groups: groups.into_iter().collect(),
        violation_categories: categories.into_iter().collect(),
        registry_agencies: agencies.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_url_matches_its_own_pages_only() {
        assert!(capture_matches(
            "shopee.vn",
            "/shop123",
            "https://shopee.vn/shop123"
        ));
        assert!(capture_matches(
            "shopee.vn",
            "/shop123",
            "https://www.shopee.vn/shop123/item?x"
        ));
        assert!(!capture_matches(
            "shopee.vn",
            "/shop123",
            "https://shopee.vn/shop1234"
        ));
        assert!(!capture_matches(
            "shopee.vn",
            "/shop123",
            "https://shopee.vn/other"
        ));
        assert!(capture_matches(
            "fake.vn",
            "",
            "http://fake.vn:8080/any/page"
        ));
        assert!(!capture_matches("fake.vn", "", "http://notfake.vn/"));
    }
}
