//! The figures of a period and scope, aggregated in SQLite. Each query starts from a
//! time-range index (`cases_by_created`, `case_seals_by_at`, `case_referrals_by_time`,
//! migration 0009) and groups in the database; only the platform count reads rows (one
//! per case and captured URL), because the platform of a URL comes from the Public
//! Suffix List in Rust.
//!
//! Counted: the workspace's own cases (imported ones are another agency's work and are
//! left out); a case is "opened" in the period by its creation time, "sealed" by its
//! seal's time, "referred" by the time of a referral. Categories, platforms, product
//! groups and repeat identifiers are those of the cases opened in the period.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use truyvet_core::identifiers::IdKind;
use truyvet_core::model::ViolationCategory;
use truyvet_core::{Result, Workspace};
use truyvet_wire::api::Stats;

use crate::period::{self, VN_SQL_SHIFT};
use crate::{ReportRequest, Scope};

/// How many repeat identifiers a report lists (the most frequent first); the total is
/// always given.
pub const REPEAT_LIMIT: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// First and last day, `YYYY-MM-DD` (Vietnam time).
    pub from: String,
    pub to: String,
    pub scope: Scope,
    /// Nothing in the period: no case opened, sealed or referred, and no tip received.
    pub empty: bool,
    pub totals: Totals,
    /// One row per month the period touches, zeros included, oldest first.
    pub per_month: Vec<MonthRow>,
    /// Cases opened per violation category (a case with several counts in each; key
    /// `""` = no category recorded). Every category is listed, zeros included.
    pub by_category: Vec<Count>,
    /// Cases opened per platform of their captured URLs (a case on several platforms
    /// counts in each; key `""` = no web capture).
    pub by_platform: Vec<Count>,
    /// Cases opened per product group (key `""` = not recorded).
    pub by_product_group: Vec<Count>,
    /// Referrals made in the period per receiving agency.
    pub referrals_by_agency: Vec<Count>,
    pub tips: TipFigures,
    /// Identifiers found in two or more cases opened in the period, most cases first
    /// (at most [`REPEAT_LIMIT`]; `totals.repeat_identifiers` has the full count).
    pub repeat_offenders: Vec<RepeatOffender>,
    pub registry: RegistryFigures,
    /// Hex SHA-256 of these figures as canonical JSON with this field empty.
    pub figures_sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub cases_opened: u64,
    pub cases_sealed: u64,
    /// Distinct cases with at least one referral in the period.
    pub cases_referred: u64,
    /// Referrals made in the period (a case may be referred to several agencies).
    pub referrals: u64,
    pub tips_received: u64,
    pub repeat_identifiers: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    /// Vietnamese label for reports.
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    pub opened: u64,
    pub sealed: u64,
    pub referred: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TipFigures {
    /// False when this workspace has no tips table yet (an older schema).
    pub available: bool,
    pub received: u64,
    /// Tips of the period that led to a case.
    pub case_opened: u64,
    pub by_channel: Vec<Count>,
    pub by_status: Vec<Count>,
    /// Outcome of the period's tips (key `""` = still open).
    pub by_outcome: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatOffender {
    /// Identifier family (`phone`, `bank_account`, `domain`, …).
    pub kind: String,
    pub value: String,
    pub case_count: u64,
    pub case_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryFigures {
    /// `online`: the central registry's figures were fetched for this period;
    /// `offline`: no registry configured, or the report was built without asking it;
    /// `unreachable`: asking it failed (`note` says why); the report is still built.
    pub status: String,
    pub note: String,
    /// When the figures were fetched (Vietnam time, as printed); `online` only.
    pub fetched_at: Option<String>,
    /// The registry's host (no path, no token).
    pub host: Option<String>,
    /// Sealed cases across agencies in the period; `online` only.
    pub total_cases: Option<u64>,
    /// By violation category, platform, province and month (`YYYY-MM`), as the registry
    /// answered (a case with several categories or platforms counts in each); empty
    /// unless `online`.
    pub by_category: Vec<Count>,
    pub by_platform: Vec<Count>,
    pub by_province: Vec<Count>,
    pub by_month: Vec<Count>,
}

impl RegistryFigures {
    /// Not asked: no registry configured, or built offline on purpose.
    pub fn offline() -> RegistryFigures {
        RegistryFigures {
            status: "offline".into(),
            note: "Báo cáo chỉ dùng dữ liệu của máy này; số liệu liên ngành từ hệ thống \
                   trung tâm không được đưa vào (ngoại tuyến)."
                .into(),
            fetched_at: None,
            host: None,
            total_cases: None,
            by_category: Vec::new(),
            by_platform: Vec::new(),
            by_province: Vec::new(),
            by_month: Vec::new(),
        }
    }

    /// Fetched from the registry at `host` at `fetched_at`.
    pub fn online(host: &str, fetched_at: OffsetDateTime, stats: Stats) -> RegistryFigures {
        let fetched_at = period::format_vn(fetched_at);
        RegistryFigures {
            status: "online".into(),
            note: format!(
                "Số vụ việc đã niêm phong của mọi cơ quan trên hệ thống trung tâm {host}, \
                 lấy lúc {fetched_at}."
            ),
            fetched_at: Some(fetched_at),
            host: Some(host.to_string()),
            total_cases: Some(stats.total_cases),
            by_category: wire_counts(&stats.by_category, |k| category_label(k).to_string()),
            by_platform: wire_counts(&stats.by_platform, platform_label),
            by_province: wire_counts(&stats.by_province, |k| {
                if k.is_empty() {
                    "Không rõ".into()
                } else {
                    k.to_string()
                }
            }),
            by_month: wire_counts(&stats.by_month, str::to_string),
        }
    }

    /// The outcome of asking the registry at `url` just now: `online` with its figures,
    /// or `unreachable` with the error's message.
    pub fn from_fetch<E: std::fmt::Display>(
        url: &str,
        fetched: std::result::Result<Stats, E>,
    ) -> RegistryFigures {
        let host = registry_host(url);
        match fetched {
            Ok(stats) => RegistryFigures::online(&host, OffsetDateTime::now_utc(), stats),
            Err(e) => RegistryFigures::unreachable(Some(&host), &e.to_string()),
        }
    }

    /// Asking the registry at `host` failed with `message`.
    pub fn unreachable(host: Option<&str>, message: &str) -> RegistryFigures {
        let at = host.map(|h| format!(" {h}")).unwrap_or_default();
        RegistryFigures {
            status: "unreachable".into(),
            note: format!("Không lấy được số liệu liên ngành từ hệ thống trung tâm{at}: {message}"),
            fetched_at: None,
            host: host.map(str::to_string),
            total_cases: None,
            by_category: Vec::new(),
            by_platform: Vec::new(),
            by_province: Vec::new(),
            by_month: Vec::new(),
        }
    }
}

fn wire_counts(rows: &[truyvet_wire::api::Count], label: impl Fn(&str) -> String) -> Vec<Count> {
    rows.iter()
        .map(|r| Count {
            key: r.key.clone(),
            label: label(&r.key),
            count: r.cases,
        })
        .collect()
}

/// The host (and port) of a registry URL, never its path or anything secret.
pub fn registry_host(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or("").to_string()
}

/// Puts the registry's figures in and recomputes [`Figures::figures_sha256`] (with the
/// fetch time left out, so the same data still gives the same hash).
pub(crate) fn with_registry(mut figures: Figures, registry: RegistryFigures) -> Result<Figures> {
    figures.registry = registry;
    seal(&mut figures)?;
    Ok(figures)
}

fn seal(figures: &mut Figures) -> Result<()> {
    figures.figures_sha256 = String::new();
    let fetched = figures.registry.fetched_at.take();
    let note = figures.registry.note.clone();
    if fetched.is_some() {
        figures.registry.note = String::new();
    }
    figures.figures_sha256 = hex::encode(Sha256::digest(serde_json::to_vec(&*figures)?));
    figures.registry.fetched_at = fetched;
    figures.registry.note = note;
    Ok(())
}

/// The scope and import filter as SQL over `cases AS c`, with its parameters.
fn scope_sql(scope: &Scope) -> (String, Vec<Value>) {
    let mut sql =
        String::from(" AND NOT EXISTS (SELECT 1 FROM case_imports i WHERE i.case_id = c.id)");
    let mut args = Vec::new();
    for (column, value) in [
        ("agency", &scope.agency),
        ("unit", &scope.unit),
        ("province", &scope.province),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            sql.push_str(&format!(" AND c.{column} = ? COLLATE NOCASE"));
            args.push(Value::Text(v.to_string()));
        }
    }
    (sql, args)
}

/// Scope filter over a table with its own agency/unit/province columns (tips).
fn tip_scope_sql(scope: &Scope) -> (String, Vec<Value>) {
    let (sql, args) = scope_sql(scope);
    let sql = sql
        .replace(
            " AND NOT EXISTS (SELECT 1 FROM case_imports i WHERE i.case_id = c.id)",
            "",
        )
        .replace("c.", "t.");
    (sql, args)
}

fn with_bounds(start: &str, end: &str, rest: &[Value]) -> Vec<Value> {
    let mut v = vec![Value::Text(start.into()), Value::Text(end.into())];
    v.extend(rest.iter().cloned());
    v
}

fn grouped(conn: &Connection, sql: &str, args: &[Value]) -> Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok((
            r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            r.get::<_, u64>(1)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn scalar(conn: &Connection, sql: &str, args: &[Value]) -> Result<u64> {
    Ok(conn.query_row(sql, params_from_iter(args), |r| r.get(0))?)
}

pub(crate) fn compute(ws: &Workspace, req: &ReportRequest) -> Result<Figures> {
    let conn = ws.connection();
    let (start, end) = period::bounds(req.from, req.to);
    let (scope, scope_args) = scope_sql(&req.scope);
    let args = with_bounds(&start, &end, &scope_args);
    let opened_where = format!("c.created_at >= ? AND c.created_at < ?{scope}");

    let mut totals = Totals {
        cases_opened: scalar(
            conn,
            &format!("SELECT count(*) FROM cases c WHERE {opened_where}"),
            &args,
        )?,
        cases_sealed: scalar(
            conn,
            &format!(
                "SELECT count(*) FROM case_seals s JOIN cases c ON c.id = s.case_id
                 WHERE s.at >= ? AND s.at < ?{scope}"
            ),
            &args,
        )?,
        ..Totals::default()
    };
    let referral_rows = format!(
        "FROM case_referrals r JOIN cases c ON c.id = r.case_id
         WHERE r.referred_at >= ? AND r.referred_at < ?{scope}"
    );
    (totals.cases_referred, totals.referrals) = conn.query_row(
        &format!("SELECT count(DISTINCT r.case_id), count(*) {referral_rows}"),
        params_from_iter(&args),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;

    let per_month = months(conn, req, &scope, &args)?;
    let by_category = categories(conn, &opened_where, &args)?;
    let by_platform = platforms(conn, &opened_where, &args)?;
    let by_product_group = labelled(
        grouped(
            conn,
            &format!(
                "SELECT trim(c.product_group), count(*) FROM cases c WHERE {opened_where}
                 GROUP BY 1 ORDER BY 2 DESC, 1"
            ),
            &args,
        )?,
        "Chưa ghi nhóm hàng",
    );
    let referrals_by_agency = labelled(
        grouped(
            conn,
            &format!(
                "SELECT r.referred_to, count(*) {referral_rows} GROUP BY 1 ORDER BY 2 DESC, 1"
            ),
            &args,
        )?,
        "",
    );
    let tips = tips(conn, &start, &end, &req.scope)?;
    totals.tips_received = tips.received;
    let (repeat_offenders, repeat_total) = repeats(ws, &opened_where, &args)?;
    totals.repeat_identifiers = repeat_total;

    let empty = totals.cases_opened == 0
        && totals.cases_sealed == 0
        && totals.referrals == 0
        && totals.tips_received == 0;
    let mut figures = Figures {
        from: req.from.to_string(),
        to: req.to.to_string(),
        scope: normalized(&req.scope),
        empty,
        totals,
        per_month,
        by_category,
        by_platform,
        by_product_group,
        referrals_by_agency,
        tips,
        repeat_offenders,
        registry: RegistryFigures::offline(),
        figures_sha256: String::new(),
    };
    seal(&mut figures)?;
    Ok(figures)
}

fn normalized(scope: &Scope) -> Scope {
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Scope {
        agency: clean(&scope.agency),
        unit: clean(&scope.unit),
        province: clean(&scope.province),
    }
}

/// Opened, sealed and referred per month (Vietnam time), every month of the period.
fn months(
    conn: &Connection,
    req: &ReportRequest,
    scope: &str,
    args: &[Value],
) -> Result<Vec<MonthRow>> {
    let month = |col: &str| format!("strftime('%Y-%m', {col}, '{VN_SQL_SHIFT}')");
    let opened = grouped(
        conn,
        &format!(
            "SELECT {m}, count(*) FROM cases c WHERE c.created_at >= ? AND c.created_at < ?{scope}
             GROUP BY 1",
            m = month("c.created_at")
        ),
        args,
    )?;
    let sealed = grouped(
        conn,
        &format!(
            "SELECT {m}, count(*) FROM case_seals s JOIN cases c ON c.id = s.case_id
             WHERE s.at >= ? AND s.at < ?{scope} GROUP BY 1",
            m = month("s.at")
        ),
        args,
    )?;
    let referred = grouped(
        conn,
        &format!(
            "SELECT {m}, count(DISTINCT r.case_id) FROM case_referrals r
             JOIN cases c ON c.id = r.case_id
             WHERE r.referred_at >= ? AND r.referred_at < ?{scope} GROUP BY 1",
            m = month("r.referred_at")
        ),
        args,
    )?;
    let (opened, sealed, referred): (HashMap<_, _>, HashMap<_, _>, HashMap<_, _>) = (
        opened.into_iter().collect(),
        sealed.into_iter().collect(),
        referred.into_iter().collect(),
    );
    Ok(period::months(req.from, req.to)
        .into_iter()
        .map(|m| MonthRow {
            opened: opened.get(&m).copied().unwrap_or(0),
            sealed: sealed.get(&m).copied().unwrap_or(0),
            referred: referred.get(&m).copied().unwrap_or(0),
            month: m,
        })
        .collect())
}

pub(crate) fn category_label(key: &str) -> &'static str {
    match key {
        "prohibited_goods" => "Hàng cấm",
        "smuggled_goods" => "Hàng nhập lậu",
        "counterfeit_goods" => "Hàng giả",
        "ip_infringing_goods" => "Hàng xâm phạm quyền sở hữu trí tuệ",
        "poor_quality_goods" => "Hàng kém chất lượng",
        "restricted_goods" => "Hàng hạn chế kinh doanh",
        "conditional_goods_unmet" => "Hàng kinh doanh có điều kiện không đáp ứng điều kiện",
        "expired_goods" => "Hàng quá hạn sử dụng",
        "unknown_origin_goods" => "Hàng không rõ nguồn gốc xuất xứ",
        "false_information" => "Thông tin sai lệch, lừa dối người tiêu dùng",
        "undeclared_business_tax_evasion" => "Kinh doanh trực tuyến không đăng ký, trốn thuế",
        "" => "Chưa phân loại",
        _ => "Khác",
    }
}

/// Every category in the plan's order with its count, then "no category" when any.
fn categories(conn: &Connection, opened_where: &str, args: &[Value]) -> Result<Vec<Count>> {
    let counted: HashMap<String, u64> = grouped(
        conn,
        &format!(
            "SELECT j.value, count(DISTINCT c.id) FROM cases c, json_each(c.violation_categories) j
             WHERE {opened_where} GROUP BY 1"
        ),
        args,
    )?
    .into_iter()
    .collect();
    let none = scalar(
        conn,
        &format!(
            "SELECT count(*) FROM cases c WHERE {opened_where}
             AND json_array_length(c.violation_categories) = 0"
        ),
        args,
    )?;
    let mut out: Vec<Count> = ViolationCategory::ALL
        .iter()
        .map(|c| Count {
            key: c.as_str().to_string(),
            label: category_label(c.as_str()).to_string(),
            count: counted.get(c.as_str()).copied().unwrap_or(0),
        })
        .collect();
    if none > 0 {
        out.push(Count {
            key: String::new(),
            label: category_label("").to_string(),
            count: none,
        });
    }
    Ok(out)
}

pub(crate) fn platform_label(key: &str) -> String {
    match key {
        "shopee" => "Shopee".into(),
        "lazada" => "Lazada".into(),
        "tiki" => "Tiki".into(),
        "tiktok" => "TikTok".into(),
        "facebook" => "Facebook".into(),
        "zalo" => "Zalo".into(),
        "sendo" => "Sendo".into(),
        "instagram" => "Instagram".into(),
        "youtube" => "YouTube".into(),
        "telegram" => "Telegram".into(),
        "" => "Không có bản chụp web".into(),
        "other" => "Khác (địa chỉ IP, máy nội bộ)".into(),
        domain => domain.to_string(),
    }
}

/// Cases per platform: one row per case and distinct captured URL, mapped in Rust (a
/// host is looked up once).
fn platforms(conn: &Connection, opened_where: &str, args: &[Value]) -> Result<Vec<Count>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT c.id, w.url FROM cases c
         JOIN evidence e ON e.case_id = c.id
         JOIN web_captures w ON w.evidence_id = e.id
         WHERE {opened_where}"
    ))?;
    let mut per_case: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut cache: HashMap<String, String> = HashMap::new();
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        let case: String = row.get(0)?;
        let url: String = row.get(1)?;
        let host_key = url.split('/').take(3).collect::<Vec<_>>().join("/");
        let platform = cache
            .entry(host_key)
            .or_insert_with(|| {
                truyvet_core::platform::platform_or_domain(&url).unwrap_or_else(|| "other".into())
            })
            .clone();
        per_case.entry(case).or_default().insert(platform);
    }
    let with_capture = per_case.len() as u64;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for set in per_case.into_values() {
        for p in set {
            *counts.entry(p).or_default() += 1;
        }
    }
    let opened = scalar(
        conn,
        &format!("SELECT count(*) FROM cases c WHERE {opened_where}"),
        args,
    )?;
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count {
            label: platform_label(&key),
            key,
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    if opened > with_capture {
        out.push(Count {
            key: String::new(),
            label: platform_label(""),
            count: opened - with_capture,
        });
    }
    Ok(out)
}

fn labelled(rows: Vec<(String, u64)>, empty_label: &str) -> Vec<Count> {
    rows.into_iter()
        .map(|(key, count)| Count {
            label: if key.is_empty() {
                empty_label.to_string()
            } else {
                key.clone()
            },
            key,
            count,
        })
        .collect()
}

fn tip_label(key: &str) -> String {
    match key {
        "hotline" => "Đường dây nóng",
        "letter" => "Đơn thư",
        "email" => "Thư điện tử",
        "web_form" => "Biểu mẫu trên web",
        "referral" => "Cơ quan khác chuyển đến",
        "other" => "Khác",
        "new" => "Chờ phân loại",
        "triaged" => "Đã phân loại",
        "assigned" => "Đã giao xử lý",
        "case_opened" => "Đã lập vụ việc",
        "closed" => "Đã đóng",
        "no_violation" => "Không có vi phạm",
        "duplicate" => "Trùng lặp",
        "forwarded" => "Đã chuyển cơ quan khác",
        "insufficient_info" => "Không đủ thông tin",
        "" => "Đang xử lý",
        other => other,
    }
    .to_string()
}

fn tip_counts(rows: Vec<(String, u64)>) -> Vec<Count> {
    rows.into_iter()
        .map(|(key, count)| Count {
            label: tip_label(&key),
            key,
            count,
        })
        .collect()
}

/// Tips received in the period. The `tips` table comes with a later migration; on a
/// workspace without it the figures say so instead of failing.
fn tips(conn: &Connection, start: &str, end: &str, scope: &Scope) -> Result<TipFigures> {
    let exists: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tips'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(TipFigures::default());
    }
    let (scope_sql, scope_args) = tip_scope_sql(scope);
    let args = with_bounds(start, end, &scope_args);
    let base = format!("FROM tips t WHERE t.received_at >= ? AND t.received_at < ?{scope_sql}");
    let group = |col: &str| -> Result<Vec<Count>> {
        Ok(tip_counts(grouped(
            conn,
            &format!("SELECT coalesce({col}, ''), count(*) {base} GROUP BY 1 ORDER BY 2 DESC, 1"),
            &args,
        )?))
    };
    Ok(TipFigures {
        available: true,
        received: scalar(conn, &format!("SELECT count(*) {base}"), &args)?,
        case_opened: scalar(
            conn,
            &format!("SELECT count(*) {base} AND t.case_id IS NOT NULL"),
            &args,
        )?,
        by_channel: group("t.channel")?,
        by_status: group("t.status")?,
        by_outcome: group("t.outcome")?,
    })
}

/// Identifiers (not rejected, not on the exclusion list) present in two or more cases
/// opened in the period. Values match within an identifier family, as cross-case hits
/// do (a MoMo wallet on a number matches that phone number). SQLite narrows to values
/// seen in two cases; Rust applies the family rule.
fn repeats(
    ws: &Workspace,
    opened_where: &str,
    args: &[Value],
) -> Result<(Vec<RepeatOffender>, u64)> {
    let conn = ws.connection();
    // The effective exclusion list, keyed by family as cross-case hits match it.
    let excluded: BTreeSet<(&'static str, String)> = ws
        .exclusions()?
        .into_iter()
        .map(|e| (e.kind.family(), e.value))
        .collect();
    let mut stmt = conn.prepare(&format!(
        "WITH ent AS (
            SELECT e.id_kind AS kind, e.value AS value, c.code AS code
            FROM cases c JOIN entities e ON e.case_id = c.id
            WHERE {opened_where} AND e.value IS NOT NULL AND e.state != 'rejected'),
         multi AS (SELECT value FROM ent GROUP BY value HAVING count(DISTINCT code) >= 2)
         SELECT DISTINCT ent.kind, ent.value, ent.code FROM ent JOIN multi USING (value)"
    ))?;
    let mut groups: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        let value: String = row.get(1)?;
        let code: String = row.get(2)?;
        let Ok(kind) = IdKind::parse(&kind) else {
            continue;
        };
        if excluded.contains(&(kind.family(), value.clone())) {
            continue;
        }
        groups
            .entry((kind.family().to_string(), value))
            .or_default()
            .insert(code);
    }
    let mut out: Vec<RepeatOffender> = groups
        .into_iter()
        .filter(|(_, codes)| codes.len() >= 2)
        .map(|((kind, value), codes)| RepeatOffender {
            kind,
            value,
            case_count: codes.len() as u64,
            case_codes: codes.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.case_count
            .cmp(&a.case_count)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.value.cmp(&b.value))
    });
    let total = out.len() as u64;
    out.truncate(REPEAT_LIMIT);
    Ok((out, total))
}
