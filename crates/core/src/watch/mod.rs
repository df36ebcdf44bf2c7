//! The watch list: URLs of sites and shops, and identifiers (phone numbers, accounts,
//! shop ids…), that an agency keeps an eye on. URL items are re-captured on a schedule
//! (the network side is `truyvet_capture::watch`); each check is a snapshot, a change of
//! the normalized visible text marks the item "changed, not yet seen"; every item is
//! matched against the workspace's cases and the registry's watchlist (`flags.rs`) and
//! scored (`risk.rs`).

mod check;
pub mod diff;
mod flags;
pub mod risk;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

pub use check::{CheckOutcome, PageSeen, page_error};
pub use diff::DiffLine;
pub use flags::{Classification, WatchFlag};
pub use risk::RiskReason;

use crate::error::{Error, ErrorCode, Result};
use crate::time_fmt;
use crate::workspace::Workspace;

/// Settings: the interval of a new item, and the least time between two requests to
/// the same host.
pub const DEFAULT_INTERVAL_KEY: &str = "watch.interval_secs";
pub const HOST_GAP_KEY: &str = "watch.host_gap_secs";
pub const DEFAULT_INTERVAL_SECS: u64 = 24 * 3600;
pub const DEFAULT_HOST_GAP_SECS: u64 = 10;
/// Checks more often than this would be impolite to the site and useless to an officer.
pub const MIN_INTERVAL_SECS: u64 = 60;
const MAX_INTERVAL_SECS: u64 = 366 * 24 * 3600;
/// After consecutive failures the next check waits interval × 2^failures, at most ×16.
const MAX_BACKOFF_SHIFT: u32 = 4;

#[derive(Debug, Clone, Serialize)]
pub struct WatchItem {
    pub id: String,
    pub target: String,
    /// `url` or `identifier`.
    pub kind: String,
    pub label: String,
    pub platform: String,
    pub interval_secs: u64,
    pub active: bool,
    pub created_at: String,
    pub created_by: String,
    pub last_checked_at: Option<String>,
    pub last_changed_at: Option<String>,
    pub changed_unseen: bool,
    pub last_error: Option<String>,
    pub risk_score: u32,
    pub risk_reasons: Vec<RiskReason>,
    pub failures: u32,
    pub next_check_at: Option<String>,
    /// Flags (cases, registry) not yet seen by a user.
    pub new_flags: u32,
}

/// What `watch add` takes. `kind` is guessed when absent: `http(s)://…` is a URL,
/// anything else must read as an identifier.
#[derive(Debug, Clone, Default)]
pub struct NewWatch {
    pub target: String,
    pub kind: Option<String>,
    pub label: String,
    pub interval_secs: Option<u64>,
}

/// One check of an item, without its text.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotSummary {
    pub id: i64,
    pub item_id: String,
    pub checked_at: String,
    /// `ok` or `error`.
    pub outcome: String,
    pub http_status: Option<u16>,
    pub final_url: Option<String>,
    pub title: String,
    pub text_sha256: Option<String>,
    pub screenshot_sha256: Option<String>,
    pub warc_sha256: Option<String>,
    pub changed: bool,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WatchDetail {
    pub item: WatchItem,
    /// Newest first.
    pub snapshots: Vec<SnapshotSummary>,
    pub flags: Vec<WatchFlag>,
    pub classification: Classification,
}

/// The difference between two successful snapshots of an item.
#[derive(Debug, Clone, Serialize)]
pub struct WatchDiff {
    pub item_id: String,
    pub from: SnapshotSummary,
    pub to: SnapshotSummary,
    pub lines: Vec<DiffLine>,
    pub added: usize,
    pub removed: usize,
}

/// A URL item whose check is due.
#[derive(Debug, Clone, Serialize)]
pub struct DueWatch {
    pub id: String,
    pub url: String,
}

const ITEM_COLUMNS: &str = "id, target, kind, label, platform, interval_secs, active, created_at,
    created_by, last_checked_at, last_changed_at, changed_unseen, last_error, risk_score,
    risk_reasons, failures, next_check_at,
    (SELECT count(*) FROM watch_flags f WHERE f.item_id = watch_items.id AND f.seen = 0)";

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<WatchItem> {
    let reasons: String = r.get(14)?;
    Ok(WatchItem {
        id: r.get(0)?,
        target: r.get(1)?,
        kind: r.get(2)?,
        label: r.get(3)?,
        platform: r.get(4)?,
        interval_secs: r.get(5)?,
        active: r.get(6)?,
        created_at: r.get(7)?,
        created_by: r.get(8)?,
        last_checked_at: r.get(9)?,
        last_changed_at: r.get(10)?,
        changed_unseen: r.get(11)?,
        last_error: r.get(12)?,
        risk_score: r.get(13)?,
        risk_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        failures: r.get(15)?,
        next_check_at: r.get(16)?,
        new_flags: r.get(17)?,
    })
}

const SNAPSHOT_COLUMNS: &str = "id, item_id, checked_at, outcome, http_status, final_url, title,
    text_sha256, screenshot_sha256, warc_sha256, changed, error_code, error_message";

fn snapshot_from_row(r: &Row<'_>) -> rusqlite::Result<SnapshotSummary> {
    Ok(SnapshotSummary {
        id: r.get(0)?,
        item_id: r.get(1)?,
        checked_at: r.get(2)?,
        outcome: r.get(3)?,
        http_status: r.get(4)?,
        final_url: r.get(5)?,
        title: r.get(6)?,
        text_sha256: r.get(7)?,
        screenshot_sha256: r.get(8)?,
        warc_sha256: r.get(9)?,
        changed: r.get(10)?,
        error_code: r.get(11)?,
        error_message: r.get(12)?,
    })
}

fn not_found(what: &str) -> Error {
    Error::new(
        ErrorCode::WatchNotFound,
        format!("no watched item or snapshot '{what}'"),
    )
}

/// The host of an http(s) URL, lower-case, without port or a leading `www.`.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?.to_string()
    } else {
        authority.split(':').next()?.to_string()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

fn check_url_shape(target: &str) -> Result<()> {
    let lower = target.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Error::invalid(format!(
            "'{target}' is not an http:// or https:// URL"
        )));
    }
    if target.chars().any(char::is_whitespace) || url_host(target).is_none() {
        return Err(Error::invalid(format!("'{target}' is not a valid URL")));
    }
    Ok(())
}

/// `interval × 2^failures` (capped), in whole seconds from now.
fn next_check(interval_secs: u64, failures: u32) -> String {
    let shift = failures.min(MAX_BACKOFF_SHIFT);
    let secs = interval_secs.saturating_mul(1 << shift);
    let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2);
    time_fmt::format_utc(time::OffsetDateTime::now_utc() + time::Duration::seconds(secs))
}

impl Workspace {
    /// A watch setting as a number of seconds (its default when unset).
    pub fn watch_setting_secs(&self, key: &str) -> Result<u64> {
        let default = if key == HOST_GAP_KEY {
            DEFAULT_HOST_GAP_SECS
        } else {
            DEFAULT_INTERVAL_SECS
        };
        Ok(self
            .setting(key)?
            .and_then(|v| crate::settings::validate(key, &v).ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(default))
    }

    /// Adds an item; the same target twice is refused.
    pub fn watch_add(&mut self, new: &NewWatch) -> Result<WatchItem> {
        let profile = self.require_profile()?;
        let target = new.target.trim().to_string();
        if target.is_empty() {
            return Err(Error::invalid("the URL or identifier to watch is empty"));
        }
        let kind = match new.kind.as_deref() {
            Some(k @ ("url" | "identifier")) => k.to_string(),
            Some(other) => {
                return Err(Error::invalid(format!(
                    "unknown watch kind '{other}' (expected url or identifier)"
                )));
            }
            None if target.contains("://") => "url".into(),
            None => "identifier".into(),
        };
        let platform = if kind == "url" {
            check_url_shape(&target)?;
            crate::platform::platform_or_domain(&target)
                .or_else(|| url_host(&target))
                .unwrap_or_default()
        } else {
            // Spaces belong only in written-out numbers ("0912 345 678"); free text is
            // not an identifier, however the lenient shop-id reading would take it.
            let value = target.split_once(':').map_or(target.as_str(), |(_, v)| v);
            let numeric = value
                .chars()
                .all(|c| c.is_ascii_digit() || " .-()+/".contains(c));
            if value.chars().any(char::is_whitespace) && !numeric {
                return Err(Error::invalid(format!(
                    "'{target}' is not a phone number, account, e-mail, domain or shop id"
                )));
            }
            let keys = crate::identifiers::lookup_keys(&target)?;
            keys.iter()
                .find(|(k, _)| {
                    matches!(
                        k,
                        crate::identifiers::IdKind::SocialProfile
                            | crate::identifiers::IdKind::MarketplaceShop
                    )
                })
                .and_then(|(_, v)| crate::platform::platform_of_url(&format!("https://{v}")))
                .map(str::to_string)
                .unwrap_or_default()
        };
        let interval = match new.interval_secs {
            Some(s) => s,
            None => self.watch_setting_secs(DEFAULT_INTERVAL_KEY)?,
        };
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&interval) {
            return Err(Error::invalid(format!(
                "the interval must be between {MIN_INTERVAL_SECS} seconds and a year, not {interval}"
            )));
        }
        let label = new.label.trim().to_string();
        if label.chars().count() > 200 {
            return Err(Error::invalid("the label is longer than 200 characters"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let now = time_fmt::now_utc();
        self.write(|conn| {
            let exists: Option<String> = conn
                .query_row(
                    "SELECT id FROM watch_items WHERE kind = ?1 AND target = ?2",
                    params![kind, target],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(existing) = exists {
                return Err(Error::invalid(format!(
                    "'{target}' is already watched (item {existing})"
                )));
            }
            conn.execute(
                "INSERT INTO watch_items (id, target, kind, label, platform, interval_secs,
                     created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    target,
                    kind,
                    label,
                    platform,
                    interval,
                    now,
                    profile.name
                ],
            )?;
            // What is already known about the item is the baseline, not news.
            flags::refresh_item(conn, &id, true)?;
            risk::rescore(conn, &id)?;
            Ok(())
        })?;
        self.watch_get(&id)
    }

    pub fn watch_list(&self) -> Result<Vec<WatchItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM watch_items
             ORDER BY changed_unseen DESC, risk_score DESC, created_at"
        ))?;
        let rows = stmt.query_map([], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The full id of an item given its id or a unique prefix of at least 4 characters.
    pub fn watch_resolve(&self, id: &str) -> Result<String> {
        resolve(&self.conn, id)
    }

    pub fn watch_get(&self, id: &str) -> Result<WatchItem> {
        let id = resolve(&self.conn, id)?;
        Ok(self.conn.query_row(
            &format!("SELECT {ITEM_COLUMNS} FROM watch_items WHERE id = ?1"),
            [&id],
            item_from_row,
        )?)
    }

    /// The item with its snapshots (newest first), flags and classification.
    pub fn watch_detail(&self, id: &str) -> Result<WatchDetail> {
        let item = self.watch_get(id)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM watch_snapshots WHERE item_id = ?1 ORDER BY id DESC"
        ))?;
        let snapshots = stmt
            .query_map([&item.id], snapshot_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let flags = flags::list(&self.conn, &item.id)?;
        let classification = flags::classify(&self.conn, &item.id)?;
        Ok(WatchDetail {
            item,
            snapshots,
            flags,
            classification,
        })
    }

    /// A user has looked at the item: its change and its flags are no longer news.
    pub fn watch_mark_seen(&mut self, id: &str) -> Result<()> {
        let id = resolve(&self.conn, id)?;
        self.write(|conn| {
            conn.execute(
                "UPDATE watch_items SET changed_unseen = 0 WHERE id = ?1",
                [&id],
            )?;
            conn.execute("UPDATE watch_flags SET seen = 1 WHERE item_id = ?1", [&id])?;
            Ok(())
        })
    }

    /// Stops watching: the item, its snapshots and flags go (the blobs stay in the store).
    pub fn watch_remove(&mut self, id: &str) -> Result<WatchItem> {
        let item = self.watch_get(id)?;
        self.write(|conn| {
            conn.execute("DELETE FROM watch_snapshots WHERE item_id = ?1", [&item.id])?;
            conn.execute("DELETE FROM watch_flags WHERE item_id = ?1", [&item.id])?;
            conn.execute("DELETE FROM watch_items WHERE id = ?1", [&item.id])?;
            Ok(())
        })?;
        Ok(item)
    }

    /// Pauses or resumes checks of an item.
    pub fn watch_set_active(&mut self, id: &str, active: bool) -> Result<WatchItem> {
        let id = resolve(&self.conn, id)?;
        self.write(|conn| {
            conn.execute(
                "UPDATE watch_items SET active = ?2, next_check_at = NULL WHERE id = ?1",
                params![id, active],
            )?;
            Ok(())
        })?;
        self.watch_get(&id)
    }

    /// Active URL items whose next check has come (every active URL item when `all`).
    pub fn watch_due(&self, all: bool) -> Result<Vec<DueWatch>> {
        let now = time_fmt::now_utc();
        let mut stmt = self.conn.prepare(
            "SELECT id, target FROM watch_items
             WHERE kind = 'url' AND active = 1
               AND (?1 OR next_check_at IS NULL OR next_check_at <= ?2)
             ORDER BY coalesce(next_check_at, ''), created_at",
        )?;
        let rows = stmt.query_map(params![all, now], |r| {
            Ok(DueWatch {
                id: r.get(0)?,
                url: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the result of one check: a snapshot (its WARC and screenshot as blobs), the
    /// item's state (changed / error / back-off) and its score.
    pub fn watch_record_check(
        &mut self,
        id: &str,
        outcome: CheckOutcome,
    ) -> Result<SnapshotSummary> {
        let item = self.watch_get(id)?;
        let now = time_fmt::now_utc();
        let mut row = SnapshotSummary {
            id: 0,
            item_id: item.id.clone(),
            checked_at: now.clone(),
            outcome: "ok".into(),
            http_status: None,
            final_url: None,
            title: String::new(),
            text_sha256: None,
            screenshot_sha256: None,
            warc_sha256: None,
            changed: false,
            error_code: None,
            error_message: None,
        };
        let mut text = None;
        match outcome {
            CheckOutcome::Failed { code, message } => {
                row.outcome = "error".into();
                row.error_code = Some(code);
                row.error_message = Some(message);
            }
            CheckOutcome::Page(page) => {
                let buffers: Vec<&[u8]> = [page.warc.as_deref(), page.screenshot.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                let stored = self.blobs.put_all(&buffers)?;
                let mut stored = stored.into_iter();
                if page.warc.is_some() {
                    row.warc_sha256 = stored.next().map(|b| b.sha256);
                }
                if page.screenshot.is_some() {
                    row.screenshot_sha256 = stored.next().map(|b| b.sha256);
                }
                row.http_status = page.http_status;
                row.final_url = Some(page.final_url.clone());
                row.title = page.title.clone();
                if let Some((code, message)) = page_error(&page) {
                    row.outcome = "error".into();
                    row.error_code = Some(code.into());
                    row.error_message = Some(message);
                } else {
                    let normalized = diff::normalize_text(&format!(
                        "{}\n{}",
                        page.title,
                        page.text.as_deref().unwrap_or("")
                    ));
                    row.text_sha256 = Some(diff::text_sha256(&normalized));
                    text = Some(normalized);
                }
            }
        }
        let id = self.write(|conn| {
            if row.outcome == "ok" {
                let previous: Option<String> = conn
                    .query_row(
                        "SELECT text_sha256 FROM watch_snapshots
                         WHERE item_id = ?1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
                        [&item.id],
                        |r| r.get(0),
                    )
                    .optional()?;
                row.changed = previous.is_some_and(|p| Some(p) != row.text_sha256);
            }
            conn.execute(
                "INSERT INTO watch_snapshots (item_id, checked_at, outcome, http_status,
                     final_url, title, text, text_sha256, screenshot_sha256, warc_sha256,
                     changed, error_code, error_message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    row.item_id,
                    row.checked_at,
                    row.outcome,
                    row.http_status,
                    row.final_url,
                    row.title,
                    text,
                    row.text_sha256,
                    row.screenshot_sha256,
                    row.warc_sha256,
                    row.changed,
                    row.error_code,
                    row.error_message
                ],
            )?;
            let snapshot_id = conn.last_insert_rowid();
            if row.outcome == "ok" {
                conn.execute(
                    "UPDATE watch_items SET last_checked_at = ?2, last_error = NULL,
                         failures = 0, next_check_at = ?3,
                         last_changed_at = CASE WHEN ?4 THEN ?2 ELSE last_changed_at END,
                         changed_unseen = CASE WHEN ?4 THEN 1 ELSE changed_unseen END
                     WHERE id = ?1",
                    params![item.id, now, next_check(item.interval_secs, 0), row.changed],
                )?;
            } else {
                let failures = item.failures.saturating_add(1);
                conn.execute(
                    "UPDATE watch_items SET last_checked_at = ?2, last_error = ?3,
                         failures = ?4, next_check_at = ?5
                     WHERE id = ?1",
                    params![
                        item.id,
                        now,
                        format!(
                            "{}: {}",
                            row.error_code.as_deref().unwrap_or(""),
                            row.error_message.as_deref().unwrap_or("")
                        ),
                        failures,
                        next_check(item.interval_secs, failures)
                    ],
                )?;
            }
            risk::rescore(conn, &item.id)?;
            Ok(snapshot_id)
        })?;
        row.id = id;
        Ok(row)
    }

    /// Text diff between two successful snapshots of an item: by default the newest
    /// one and the successful one before it.
    pub fn watch_diff(&self, id: &str, from: Option<i64>, to: Option<i64>) -> Result<WatchDiff> {
        let item_id = resolve(&self.conn, id)?;
        let ok_ids: Vec<i64> = {
            let mut stmt = self.conn.prepare(
                "SELECT id FROM watch_snapshots WHERE item_id = ?1 AND outcome = 'ok'
                 ORDER BY id DESC",
            )?;
            stmt.query_map([&item_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let to = match to {
            Some(t) => t,
            None => *ok_ids.first().ok_or_else(|| {
                Error::invalid("the item has no successful check yet; nothing to compare")
            })?,
        };
        let from = match from {
            Some(f) => f,
            None => *ok_ids.iter().find(|&&i| i < to).ok_or_else(|| {
                Error::invalid("the item has only one successful check; nothing to compare")
            })?,
        };
        let (from_row, from_text) = snapshot_with_text(&self.conn, &item_id, from)?;
        let (to_row, to_text) = snapshot_with_text(&self.conn, &item_id, to)?;
        let lines = diff::diff_lines(&from_text, &to_text);
        let added = lines.iter().filter(|l| l.tag == "added").count();
        let removed = lines.iter().filter(|l| l.tag == "removed").count();
        Ok(WatchDiff {
            item_id,
            from: from_row,
            to: to_row,
            lines,
            added,
            removed,
        })
    }

    /// Matches every item against the cases and the registry watchlist (new matches
    /// become unseen flags) and scores it again. Returns how many new flags were raised.
    pub fn watch_refresh(&mut self) -> Result<u32> {
        self.write(|conn| {
            let ids: Vec<String> = {
                let mut stmt = conn.prepare("SELECT id FROM watch_items")?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut raised = 0;
            for id in ids {
                raised += flags::refresh_item(conn, &id, false)?;
                risk::rescore(conn, &id)?;
            }
            Ok(raised)
        })
    }

    /// How many items changed or were flagged and not yet seen (for the dashboard).
    pub fn watch_unseen_count(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM watch_items i WHERE i.changed_unseen = 1
                OR EXISTS (SELECT 1 FROM watch_flags f WHERE f.item_id = i.id AND f.seen = 0)",
            [],
            |r| r.get(0),
        )?)
    }
}

fn resolve(conn: &Connection, id: &str) -> Result<String> {
    let id = id.trim();
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(not_found(id));
    }
    let mut stmt =
        conn.prepare("SELECT id FROM watch_items WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2")?;
    let found: Vec<String> = stmt
        .query_map([id.to_ascii_lowercase()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(not_found(id)),
        _ => Err(Error::invalid(format!(
            "'{id}' is the start of several items' ids; give more of it"
        ))),
    }
}

fn snapshot_with_text(
    conn: &Connection,
    item_id: &str,
    snapshot: i64,
) -> Result<(SnapshotSummary, String)> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {SNAPSHOT_COLUMNS}, text FROM watch_snapshots
                 WHERE id = ?1 AND item_id = ?2"
            ),
            params![snapshot, item_id],
            |r| Ok((snapshot_from_row(r)?, r.get::<_, Option<String>>(13)?)),
        )
        .optional()?
        .ok_or_else(|| not_found(&snapshot.to_string()))?;
    match row {
        (summary, Some(text)) => Ok((summary, text)),
        (summary, None) => Err(Error::invalid(format!(
            "snapshot {} is a failed check ({}); it has no text to compare",
            summary.id,
            summary.error_code.as_deref().unwrap_or("error")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://www.Shop.vn:8443/a?b").as_deref(),
            Some("shop.vn")
        );
        assert_eq!(
            url_host("http://127.0.0.1:80/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("shop.vn"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let a = next_check(60, 0);
        let b = next_check(60, 10);
        assert!(b > a);
    }
}
