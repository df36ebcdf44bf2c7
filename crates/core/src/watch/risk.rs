//! The risk score of a watched item: a sum of reasons, each with its points, so an
//! officer sees why an item ranks high and can disagree with a reason rather than with
//! an opaque number. Capped at 100.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::time_fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReason {
    /// `cases`, `repeat_identifiers`, `categories`, `registry_hit`, `recent_changes`.
    pub code: String,
    pub points: u32,
    /// How many of the thing the reason counts.
    pub count: u32,
    /// English explanation; the UI words it from `code` and `count`.
    pub detail: String,
}

pub const MAX_SCORE: u32 = 100;
/// Points per case the item appears in, and their cap.
const PER_CASE: u32 = 15;
const CASES_CAP: u32 = 45;
/// Points per identifier of those cases also found in another case.
const PER_REPEAT: u32 = 5;
const REPEAT_CAP: u32 = 20;
const PER_CATEGORY: u32 = 5;
const CATEGORY_CAP: u32 = 15;
const REGISTRY_HIT: u32 = 20;
const PER_RECENT_CHANGE: u32 = 5;
const RECENT_CAP: u32 = 15;
const RECENT_DAYS: i64 = 30;

fn reason(code: &str, per: u32, cap: u32, count: u32, detail: String) -> Option<RiskReason> {
    (count > 0).then(|| RiskReason {
        code: code.into(),
        points: per.saturating_mul(count).min(cap),
        count,
        detail,
    })
}

/// The reasons for an item, from its flags, the cases and its snapshots.
pub fn reasons(conn: &Connection, id: &str) -> Result<Vec<RiskReason>> {
    let cases: u32 = conn.query_row(
        "SELECT count(*) FROM watch_flags WHERE item_id = ?1 AND source = 'case'",
        [id],
        |r| r.get(0),
    )?;
    // Identifiers of the item's cases that also occur in a case it is not (yet) tied to:
    // the same phone or account behind several shops.
    let repeats: u32 = conn.query_row(
        "SELECT count(*) FROM (
             SELECT DISTINCT o.id_kind, o.value FROM identifier_occurrences o
             WHERE o.case_id IN (SELECT ref FROM watch_flags
                                 WHERE item_id = ?1 AND source = 'case')
               AND o.id_kind IN ('phone', 'bank_account', 'ewallet', 'email', 'tax_code', 'vietqr')
               AND EXISTS (SELECT 1 FROM identifier_occurrences p
                           WHERE p.value = o.value AND p.id_kind = o.id_kind
                             AND p.case_id != o.case_id))",
        [id],
        |r| r.get(0),
    )?;
    let categories = super::flags::classify(conn, id)?.violation_categories.len();
    let categories = u32::try_from(categories).unwrap_or(u32::MAX);
    let registry: u32 = conn.query_row(
        "SELECT count(*) FROM watch_flags WHERE item_id = ?1 AND source = 'registry'",
        [id],
        |r| r.get(0),
    )?;
    let since =
        time_fmt::format_utc(time::OffsetDateTime::now_utc() - time::Duration::days(RECENT_DAYS));
    let changes: u32 = conn.query_row(
        "SELECT count(*) FROM watch_snapshots WHERE item_id = ?1 AND changed = 1
             AND checked_at >= ?2",
        params![id, since],
        |r| r.get(0),
    )?;
    Ok([
        reason(
            "cases",
            PER_CASE,
            CASES_CAP,
            cases,
            format!("appears in {cases} case(s) of this workspace"),
        ),
        reason(
            "repeat_identifiers",
            PER_REPEAT,
            REPEAT_CAP,
            repeats,
            format!("{repeats} identifier(s) of its cases also occur in other cases"),
        ),
        reason(
            "categories",
            PER_CATEGORY,
            CATEGORY_CAP,
            categories,
            format!("{categories} violation categor(ies) seen"),
        ),
        reason(
            "registry_hit",
            REGISTRY_HIT,
            REGISTRY_HIT,
            registry,
            format!("on the registry watchlist ({registry} sealed case(s) of other agencies)"),
        ),
        reason(
            "recent_changes",
            PER_RECENT_CHANGE,
            RECENT_CAP,
            changes,
            format!("changed {changes} time(s) in the last {RECENT_DAYS} days"),
        ),
    ]
    .into_iter()
    .flatten()
    .collect())
}

pub fn score(reasons: &[RiskReason]) -> u32 {
    reasons.iter().map(|r| r.points).sum::<u32>().min(MAX_SCORE)
}

/// Recomputes and stores an item's score and reasons.
pub(super) fn rescore(conn: &Connection, id: &str) -> Result<()> {
    let reasons = reasons(conn, id)?;
    conn.execute(
        "UPDATE watch_items SET risk_score = ?2, risk_reasons = ?3 WHERE id = ?1",
        params![id, score(&reasons), serde_json::to_string(&reasons)?],
    )?;
    Ok(())
}
