//! The reading endpoints: receipts, the log (tree head, consistency and inclusion
//! proofs), identifier lookup, the watchlist, statistics and the audit log.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, State};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, Duration};
use truyvet_core::identifiers::{IdKind, lookup_keys, normalize, normalize_qualifier};
use truyvet_wire::api::{
    AuditPage, ConsistencyProof, InclusionProof, LookupHit, LookupKey, LookupResponse, Receipt,
    Stats, WatchlistPage, hex_hashes, parse_hash,
};
use truyvet_wire::tree_head::TreeHead;

use crate::auth::Caller;
use crate::clock;
use crate::error::{Code, Error, Result};
use crate::ingest::INDEXED_KINDS;
use crate::log_tree::LogTree;
use crate::server::{AppState, blocking, query_rejection};
use crate::store::Role;

type QueryResult<T> = std::result::Result<Query<T>, QueryRejection>;

const SEARCHERS: &[Role] = &[Role::Investigator, Role::Supervisor];
const PAGE_DEFAULT: u64 = 1000;
const PAGE_MAX: u64 = 5000;

/// `GET /v1/cases/{case_id}/receipt`: the receipt as first answered, for the case's
/// own agency only.
pub async fn receipt(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    UrlPath(case_id): UrlPath<String>,
) -> Result<Json<Receipt>> {
    let store = state.store.clone();
    let key = case_id.clone();
    let receipt = blocking(move || store.receipt(&key))
        .await?
        .ok_or_else(|| Error::new(Code::CaseNotFound, format!("no published case {case_id}")))?;
    if receipt.agency != caller.agency() {
        return Err(Error::new(
            Code::AgencyMismatch,
            "a receipt is given to the agency that pushed the case",
        ));
    }
    Ok(Json(receipt))
}

/// Runs `f` on the log as committed now, on the blocking pool.
async fn with_log<T, F>(state: &AppState, f: F) -> Result<T>
where
    F: FnOnce(&LogTree) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let store = state.store.clone();
    blocking(move || {
        let (mut f, mut out) = (Some(f), None);
        store.log_read(&mut |tree| {
            if let Some(f) = f.take() {
                out = Some(f(tree));
            }
        })?;
        out.unwrap_or_else(|| Err(Error::internal("the log was not read")))
    })
    .await
}

/// `size` itself when the log has at least that many leaves; None means the whole log.
fn tree_size(tree: &LogTree, size: Option<u64>) -> Result<u64> {
    let current = tree.size();
    let size = size.unwrap_or(current);
    if size > current {
        return Err(Error::new(
            Code::InvalidRange,
            format!("the log has {current} leaves, not {size}"),
        ));
    }
    Ok(size)
}

/// `GET /v1/log/head`: the current size and root, signed now.
pub async fn tree_head(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<TreeHead>> {
    let (size, root) = with_log(&state, |tree| Ok((tree.size(), tree.root(tree.size())))).await?;
    Ok(Json(TreeHead::sign(size, &root, &clock::now(), &state.key)))
}

#[derive(Debug, Deserialize)]
pub struct ConsistencyQuery {
    first: u64,
    second: u64,
}

pub async fn consistency(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    query: QueryResult<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>> {
    let Query(q) = query.map_err(query_rejection)?;
    if q.first == 0 || q.first > q.second {
        return Err(Error::new(
            Code::InvalidRange,
            "consistency needs 1 <= first <= second",
        ));
    }
    let proof = with_log(&state, move |tree| {
        let size = tree_size(tree, Some(q.second))?;
        Ok(tree.consistency_proof(q.first, size))
    })
    .await?;
    Ok(Json(ConsistencyProof {
        first: q.first,
        second: q.second,
        proof: hex_hashes(&proof),
    }))
}

#[derive(Debug, Deserialize)]
pub struct InclusionQuery {
    index: Option<u64>,
    leaf_hash: Option<String>,
    size: Option<u64>,
}

pub async fn inclusion(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    query: QueryResult<InclusionQuery>,
) -> Result<Json<InclusionProof>> {
    let Query(q) = query.map_err(query_rejection)?;
    let index = match (q.index, q.leaf_hash.as_deref()) {
        (Some(i), None) => i,
        (None, Some(h)) => {
            let hash = parse_hash(&h.to_ascii_lowercase())
                .ok_or_else(|| Error::invalid("leaf_hash must be 64 hex digits"))?;
            let store = state.store.clone();
            blocking(move || store.leaf_index(&hash))
                .await?
                .ok_or_else(|| Error::new(Code::LeafNotFound, format!("no leaf {h}")))?
        }
        _ => return Err(Error::invalid("give either index or leaf_hash")),
    };
    let requested = q.size;
    let (size, leaf, proof) = with_log(&state, move |tree| {
        let size = tree_size(tree, requested)?;
        if index >= size {
            let code = if index >= tree.size() {
                Code::LeafNotFound
            } else {
                Code::InvalidRange
            };
            return Err(Error::new(
                code,
                format!("leaf {index} is not in a tree of {size}"),
            ));
        }
        Ok((size, tree.leaf(index), tree.inclusion_proof(index, size)))
    })
    .await?;
    Ok(Json(InclusionProof {
        leaf_index: index,
        leaf_hash: hex::encode(leaf),
        tree_size: size,
        proof: hex_hashes(&proof),
    }))
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    value: String,
    kind: Option<String>,
    /// Bank or wallet provider; when both sides know it, it must agree.
    qualifier: Option<String>,
}

/// Sets `shared` on the hits whose bundle the asker's agency may fetch: its own cases
/// and those granted to it (one query per other agency's case, only when there are hits).
async fn mark_shared(state: &Arc<AppState>, agency: &str, hits: &mut [LookupHit]) -> Result<()> {
    let others: BTreeSet<String> = hits
        .iter()
        .filter(|h| h.agency != agency)
        .map(|h| h.case_id.clone())
        .collect();
    let granted = if others.is_empty() {
        BTreeSet::new()
    } else {
        let store = state.store.clone();
        let agency = agency.to_string();
        blocking(move || {
            let mut granted = BTreeSet::new();
            for case_id in others {
                if store.is_shared(&case_id, &agency)? {
                    granted.insert(case_id);
                }
            }
            Ok(granted)
        })
        .await?
    };
    for hit in hits.iter_mut() {
        hit.shared = hit.agency == agency || granted.contains(&hit.case_id);
    }
    Ok(())
}

/// `GET /v1/lookup`: every published case holding the value, whichever agency.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    query: QueryResult<LookupQuery>,
) -> Result<Json<LookupResponse>> {
    caller.require(SEARCHERS, "a lookup")?;
    let Query(q) = query.map_err(query_rejection)?;
    let readings = match q.kind.as_deref() {
        Some(kind) => {
            let kind = IdKind::parse(kind)
                .map_err(|_| Error::invalid(format!("unknown identifier kind '{kind}'")))?;
            vec![(kind, normalize(kind, &q.value).map_err(core_invalid)?)]
        }
        None => lookup_keys(&q.value).map_err(core_invalid)?,
    };
    let readings: Vec<(IdKind, String)> = readings
        .into_iter()
        .filter(|(k, _)| INDEXED_KINDS.contains(k))
        .collect();
    let mut families = BTreeSet::new();
    for (kind, value) in &readings {
        families.insert((kind.family().to_string(), value.clone()));
    }
    let keys: Vec<(String, String)> = families.into_iter().collect();
    let store = state.store.clone();
    let rows = blocking(move || store.lookup(&keys)).await?;
    let wanted = q
        .qualifier
        .as_deref()
        .map(normalize_qualifier)
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut hits: Vec<LookupHit> = rows
        .into_iter()
        .filter(|r| wanted.is_empty() || r.qualifier.is_empty() || r.qualifier == wanted)
        .filter(|r| {
            seen.insert((
                r.case_id.clone(),
                r.kind.clone(),
                r.value.clone(),
                r.qualifier.clone(),
            ))
        })
        .map(|r| LookupHit {
            kind: r.kind,
            value: r.value,
            qualifier: r.qualifier,
            agency: r.agency,
            case_id: r.case_id,
            case_code: r.case_code,
            categories: r.categories,
            case_date: r.case_date,
            unit: r.unit,
            shared: false,
        })
        .collect();
    mark_shared(&state, caller.agency(), &mut hits).await?;
    state
        .audit(
            &caller,
            "lookup",
            &q.value,
            200,
            format!("{} hits", hits.len()),
        )
        .await?;
    Ok(Json(LookupResponse {
        keys: readings
            .into_iter()
            .map(|(k, v)| LookupKey {
                kind: k.as_str().to_string(),
                value: v,
            })
            .collect(),
        hits,
    }))
}

fn core_invalid(e: truyvet_core::Error) -> Error {
    Error::invalid(e.message)
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    cursor: u64,
    limit: Option<u64>,
}

fn page_limit(limit: Option<u64>) -> Result<u64> {
    match limit.unwrap_or(PAGE_DEFAULT) {
        0 => Err(Error::invalid("limit must be at least 1")),
        n => Ok(n.min(PAGE_MAX)),
    }
}

/// `GET /v1/watchlist`: identifiers of other agencies' cases after the cursor.
pub async fn watchlist(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    query: QueryResult<PageQuery>,
) -> Result<Json<WatchlistPage>> {
    caller.require(SEARCHERS, "the watchlist")?;
    let Query(q) = query.map_err(query_rejection)?;
    let limit = page_limit(q.limit)?;
    let store = state.store.clone();
    let agency = caller.agency().to_string();
    let mut entries = blocking(move || store.watchlist(&agency, q.cursor, limit + 1)).await?;
    let more = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    let next_cursor = entries.last().map_or(q.cursor, |e| e.cursor);
    state
        .audit(
            &caller,
            "watchlist",
            &q.cursor.to_string(),
            200,
            format!("{} entries, next cursor {next_cursor}", entries.len()),
        )
        .await?;
    Ok(Json(WatchlistPage {
        entries,
        next_cursor,
        more,
    }))
}

#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    from: String,
    to: String,
}

/// `GET /v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD`: cases sealed on those days.
pub async fn stats(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    query: QueryResult<StatsQuery>,
) -> Result<Json<Stats>> {
    caller.require(&[Role::Supervisor, Role::Admin], "statistics")?;
    let Query(q) = query.map_err(query_rejection)?;
    let f = format_description!("[year]-[month]-[day]");
    let day = |text: &str| {
        Date::parse(text, &f).map_err(|_| Error::invalid(format!("'{text}' is not YYYY-MM-DD")))
    };
    let (from, to) = (day(&q.from)?, day(&q.to)?);
    if from > to {
        return Err(Error::new(Code::InvalidRange, "from is after to"));
    }
    let after = to
        .checked_add(Duration::days(1))
        .ok_or_else(|| Error::new(Code::InvalidRange, "to is too far"))?;
    let (lo, hi) = (
        from.format(&f).unwrap_or_default(),
        after.format(&f).unwrap_or_default(),
    );
    let store = state.store.clone();
    let mut stats = blocking(move || store.stats(&lo, &hi)).await?;
    stats.from = q.from;
    stats.to = q.to;
    Ok(Json(stats))
}

/// `GET /v1/audit`: the audit log, admins only.
pub async fn audit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    query: QueryResult<PageQuery>,
) -> Result<Json<AuditPage>> {
    caller.require(&[Role::Admin], "the audit log")?;
    let Query(q) = query.map_err(query_rejection)?;
    let limit = page_limit(q.limit)?;
    let store = state.store.clone();
    let mut entries = blocking(move || store.audit_page(q.cursor, limit + 1)).await?;
    let more = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    let next_cursor = entries.last().map_or(q.cursor, |e| e.id);
    Ok(Json(AuditPage {
        entries,
        next_cursor,
        more,
    }))
}
