//! The supervisor's overview: open cases by status and age, the review queue, tips
//! waiting for triage, cases opened from tips, watched items that changed, and the sync
//! outbox. Everything is read in one transaction so the figures agree with each other.
//!
//! Tips (`tips`, `cases.origin_tip_id`) and watched items (`watch_items`) come from
//! later migrations; each part is read only when its table or column exists, and says
//! whether it was available, so the overview works on any workspace version.
//!
//! Ages compare stored RFC 3339 strings with thresholds formatted the same way (string
//! order is time order, see `time_fmt`), so each count is one pass over `cases`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::error::Result;
use crate::model::CaseStatus;
use crate::time_fmt;
use crate::workspace::Workspace;

/// How many rows each list carries; the totals say how many there are in all.
pub const LIST_LIMIT: usize = 50;

/// Local cases only: an imported case is another agency's and read-only here.
const LOCAL: &str = "NOT EXISTS (SELECT 1 FROM case_imports i WHERE i.case_id = c.id)";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: CaseStatus,
    pub count: u64,
}

/// Open cases by how long ago something happened: under 7 days, 7–30, 30–90, over 90.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgeBuckets {
    pub under_7: u64,
    pub from_7_to_30: u64,
    pub from_30_to_90: u64,
    pub over_90: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedCase {
    pub code: String,
    pub title: String,
    pub created_by: String,
    /// When it was last submitted (the newest transition), else its last change.
    pub submitted_at: String,
    pub waiting_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingTip {
    pub id: String,
    pub code: String,
    pub channel: String,
    pub summary: String,
    pub received_at: String,
    pub waiting_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipCase {
    pub case_code: String,
    pub case_title: String,
    pub status: CaseStatus,
    pub tip_id: String,
    /// Empty when the tip row is missing.
    pub tip_code: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchEntry {
    pub id: String,
    pub label: String,
    pub target: String,
    pub platform: String,
    pub last_checked_at: Option<String>,
    pub last_changed_at: Option<String>,
    pub last_error: Option<String>,
    pub risk_score: i64,
}

/// Outbox rows by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: u64,
    pub uploading: u64,
    pub verified: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// The "now" every age is measured from (UTC RFC 3339).
    pub generated_at: String,
    /// Local cases not sealed yet.
    pub open_cases: u64,
    /// Every status of local cases, sealed included, in workflow order.
    pub by_status: Vec<StatusCount>,
    /// Open cases by time since they were created.
    pub age_since_created: AgeBuckets,
    /// Open cases by time since their last change.
    pub age_since_change: AgeBuckets,
    /// Submitted cases waiting for a supervisor, longest wait first.
    pub review_queue: Vec<QueuedCase>,
    pub review_queue_total: u64,
    /// False when the workspace has no tips table yet.
    pub tips_available: bool,
    /// Tips with status `new`, oldest first.
    pub tips_waiting: Vec<WaitingTip>,
    pub tips_waiting_total: u64,
    /// Cases opened from a tip in the last 30 days, newest first.
    pub recent_tip_cases: Vec<TipCase>,
    pub recent_tip_cases_total: u64,
    /// False when the workspace has no watch list yet.
    pub watch_available: bool,
    /// Watched items changed since a user last looked, newest change first.
    pub watch_changed: Vec<WatchEntry>,
    pub watch_changed_total: u64,
    /// Active watched items whose last check failed.
    pub watch_errors: Vec<WatchEntry>,
    pub watch_errors_total: u64,
    pub outbox: OutboxCounts,
}

impl Workspace {
    /// The overview as of now.
    pub fn dashboard(&self) -> Result<Dashboard> {
        self.dashboard_at(OffsetDateTime::now_utc())
    }

    /// The overview as of `now` (tests pass a fixed time).
    pub fn dashboard_at(&self, now: OffsetDateTime) -> Result<Dashboard> {
        // A read transaction: one snapshot for every figure, even while the app writes.
        let tx = self.connection().unchecked_transaction()?;
        let dash = read(&tx, now)?;
        tx.finish()?;
        Ok(dash)
    }
}

fn read(conn: &Connection, now: OffsetDateTime) -> Result<Dashboard> {
    let ago = |days: i64| time_fmt::format_utc(now - Duration::days(days));
    let (d7, d30, d90) = (ago(7), ago(30), ago(90));

    let mut counts = std::collections::HashMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT c.status, count(*) FROM cases c WHERE {LOCAL} GROUP BY c.status"
    ))?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))? {
        let (status, n) = row?;
        counts.insert(status, n);
    }
    let by_status: Vec<StatusCount> = CaseStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: counts.get(s.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let open_cases = by_status
        .iter()
        .filter(|s| s.status != CaseStatus::Sealed)
        .map(|s| s.count)
        .sum();
    let age_since_created = ages(conn, "created_at", &d7, &d30, &d90)?;
    let age_since_change = ages(conn, "updated_at", &d7, &d30, &d90)?;

    let (review_queue, review_queue_total) = review_queue(conn, now)?;

    let tips_available = table_exists(conn, "tips")?;
    let (tips_waiting, tips_waiting_total) = if tips_available {
        tips_waiting(conn, now)?
    } else {
        (Vec::new(), 0)
    };
    let (recent_tip_cases, recent_tip_cases_total) =
        if tips_available && column_exists(conn, "cases", "origin_tip_id")? {
            recent_tip_cases(conn, &d30)?
        } else {
            (Vec::new(), 0)
        };

    let watch_available = table_exists(conn, "watch_items")?;
    let (watch_changed, watch_changed_total, watch_errors, watch_errors_total) = if watch_available
    {
        let (changed, changed_total) =
            watch_list(conn, "changed_unseen = 1", "last_changed_at DESC, id")?;
        let (errors, errors_total) = watch_list(
            conn,
            "active = 1 AND last_error IS NOT NULL AND last_error <> ''",
            "last_checked_at DESC, id",
        )?;
        (changed, changed_total, errors, errors_total)
    } else {
        (Vec::new(), 0, Vec::new(), 0)
    };

    Ok(Dashboard {
        generated_at: time_fmt::format_utc(now),
        open_cases,
        by_status,
        age_since_created,
        age_since_change,
        review_queue,
        review_queue_total,
        tips_available,
        tips_waiting,
        tips_waiting_total,
        recent_tip_cases,
        recent_tip_cases_total,
        watch_available,
        watch_changed,
        watch_changed_total,
        watch_errors,
        watch_errors_total,
        outbox: outbox(conn)?,
    })
}

fn ages(conn: &Connection, column: &str, d7: &str, d30: &str, d90: &str) -> Result<AgeBuckets> {
    // `column` is one of two fixed names, never user input.
    let sql = format!(
        "SELECT coalesce(sum(c.{column} > ?1), 0),
                coalesce(sum(c.{column} <= ?1 AND c.{column} > ?2), 0),
                coalesce(sum(c.{column} <= ?2 AND c.{column} > ?3), 0),
                coalesce(sum(c.{column} <= ?3), 0)
         FROM cases c WHERE c.status <> 'sealed' AND {LOCAL}"
    );
    Ok(conn.query_row(&sql, params![d7, d30, d90], |r| {
        Ok(AgeBuckets {
            under_7: r.get(0)?,
            from_7_to_30: r.get(1)?,
            from_30_to_90: r.get(2)?,
            over_90: r.get(3)?,
        })
    })?)
}

/// Seconds from an RFC 3339 time to `now`; 0 for an unreadable or future time.
fn waited(since: &str, now: OffsetDateTime) -> i64 {
    OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
        .map(|t| (now - t).whole_seconds().max(0))
        .unwrap_or(0)
}

fn review_queue(conn: &Connection, now: OffsetDateTime) -> Result<(Vec<QueuedCase>, u64)> {
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM cases c WHERE c.status = 'submitted' AND {LOCAL}"),
        [],
        |r| r.get(0),
    )?;
    // The submission time is that of the newest transition event (the custody log's
    // primary key starts with case_id, so each lookup reads one case's events).
    let mut stmt = conn.prepare(&format!(
        "SELECT code, title, created_by, submitted_at FROM (
             SELECT c.code, c.title, c.created_by,
                    coalesce((SELECT max(e.at) FROM custody_events e
                              WHERE e.case_id = c.id AND e.kind = 'case_transition'),
                             c.updated_at) AS submitted_at
             FROM cases c WHERE c.status = 'submitted' AND {LOCAL})
         ORDER BY submitted_at, code LIMIT ?1"
    ))?;
    let rows = stmt
        .query_map([LIST_LIMIT as i64], |r| {
            let submitted_at: String = r.get(3)?;
            Ok(QueuedCase {
                code: r.get(0)?,
                title: r.get(1)?,
                created_by: r.get(2)?,
                waiting_secs: waited(&submitted_at, now),
                submitted_at,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

fn tips_waiting(conn: &Connection, now: OffsetDateTime) -> Result<(Vec<WaitingTip>, u64)> {
    let total: u64 = conn.query_row("SELECT count(*) FROM tips WHERE status = 'new'", [], |r| {
        r.get(0)
    })?;
    let mut stmt = conn.prepare(
        "SELECT id, code, coalesce(channel, ''), coalesce(summary, ''), received_at
         FROM tips WHERE status = 'new' ORDER BY received_at, code LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([LIST_LIMIT as i64], |r| {
            let received_at: String = r.get(4)?;
            Ok(WaitingTip {
                id: r.get(0)?,
                code: r.get(1)?,
                channel: r.get(2)?,
                summary: r.get(3)?,
                waiting_secs: waited(&received_at, now),
                received_at,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

fn recent_tip_cases(conn: &Connection, since: &str) -> Result<(Vec<TipCase>, u64)> {
    let filter = format!("c.origin_tip_id IS NOT NULL AND c.created_at > ?1 AND {LOCAL}");
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM cases c WHERE {filter}"),
        [since],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT c.code, c.title, c.status, c.origin_tip_id, coalesce(t.code, ''), c.created_at
         FROM cases c LEFT JOIN tips t ON t.id = c.origin_tip_id
         WHERE {filter} ORDER BY c.created_at DESC, c.code LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![since, LIST_LIMIT as i64], |r| {
            let status: String = r.get(2)?;
            Ok((
                TipCase {
                    case_code: r.get(0)?,
                    case_title: r.get(1)?,
                    status: CaseStatus::Draft,
                    tip_id: r.get(3)?,
                    tip_code: r.get(4)?,
                    created_at: r.get(5)?,
                },
                status,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let rows = rows
        .into_iter()
        .map(|(mut row, status)| {
            row.status = CaseStatus::parse(&status)?;
            Ok(row)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, total))
}

fn watch_entry(r: &Row<'_>) -> rusqlite::Result<WatchEntry> {
    Ok(WatchEntry {
        id: r.get(0)?,
        label: r.get(1)?,
        target: r.get(2)?,
        platform: r.get(3)?,
        last_checked_at: r.get(4)?,
        last_changed_at: r.get(5)?,
        last_error: r.get(6)?,
        risk_score: r.get(7)?,
    })
}

fn watch_list(conn: &Connection, filter: &str, order: &str) -> Result<(Vec<WatchEntry>, u64)> {
    // `filter` and `order` are fixed strings from this module.
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM watch_items WHERE {filter}"),
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, coalesce(label, ''), target, coalesce(platform, ''), last_checked_at,
                last_changed_at, last_error, coalesce(risk_score, 0)
         FROM watch_items WHERE {filter} ORDER BY {order} LIMIT ?1"
    ))?;
    let rows = stmt
        .query_map([LIST_LIMIT as i64], watch_entry)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

fn outbox(conn: &Connection) -> Result<OutboxCounts> {
    let mut counts = OutboxCounts::default();
    let mut stmt = conn.prepare("SELECT state, count(*) FROM sync_outbox GROUP BY state")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (state, n) in rows {
        match state.as_str() {
            "queued" => counts.queued = n,
            "uploading" => counts.uploading = n,
            "verified" => counts.verified = n,
            "rejected" => counts.rejected = n,
            _ => {}
        }
    }
    Ok(counts)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn column_exists(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
            [table, column],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}
