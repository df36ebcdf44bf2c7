//! Sync with the central registry from the app: the registry settings (the token is
//! never sent back, only its last four characters), each sealed case's place in the
//! outbox, "sync now", and the identifiers of a case that other agencies' sealed cases
//! hold. The runs and the background loop live in `sync/runner.rs`.

pub(crate) mod runner;

use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use truyvet_core::outbox::{OutboxEntry, OutboxState};
use truyvet_core::registry_settings::RegistryConfig;
use truyvet_core::watchlist::AgencySighting;
use truyvet_core::{ErrorCode, IdKind, OpenMode, Workspace};
use truyvet_sync::TreeHead;

pub use runner::{SyncPacing, SyncRunSummary, SyncRunner};

use super::{CmdResult, blocking};
use crate::events::Notifier;
use crate::state::{AppState, lock};

/// How long `registry_settings_set` waits for the registry's tree head.
const CHECK_TIMEOUT: Duration = Duration::from_secs(15);
/// Live look-ups for unit contacts in one `watchlist_hits` call (each is audited by the
/// registry; a case rarely has more distinct flagged values than this).
const MAX_CONTACT_LOOKUPS: usize = 20;

/// The registry settings as the window sees them.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrySettings {
    pub url: String,
    pub log_key: String,
    /// Hex SHA-256 of the log key, as tree heads name it: compare it with the one the
    /// registry's administrator announced.
    pub key_fingerprint: String,
    /// `…` and the token's last four characters.
    pub token_hint: String,
    pub set_at: String,
    /// Size of the newest verified tree head, `null` before the first check.
    pub tree_size: Option<u64>,
}

impl From<RegistryConfig> for RegistrySettings {
    fn from(c: RegistryConfig) -> Self {
        RegistrySettings {
            key_fingerprint: truyvet_sync::key_fingerprint(&c.log_key).unwrap_or_default(),
            url: c.url,
            log_key: c.log_key,
            token_hint: c.token_hint,
            set_at: c.set_at,
            tree_size: c.tree_size,
        }
    }
}

/// What `registry_settings_set` stored and what it checked.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrySetResult {
    pub settings: RegistrySettings,
    /// The registry's current head, verified with the given key; `null` when the
    /// registry could not be reached (the settings are kept; the first sync checks).
    pub checked_head: Option<TreeHead>,
    pub unreachable: Option<String>,
}

/// One case's place in the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct SyncCase {
    pub case_id: String,
    pub case_code: String,
    pub state: OutboxState,
    pub attempts: u32,
    /// Not tried again by the background loop before this time (UTC RFC 3339).
    pub next_attempt_at: Option<String>,
    /// The registry's (or the client's) error code of the last failure; empty if none.
    pub reason_code: String,
    pub reason: String,
    /// Bytes the registry confirmed, and of how many.
    pub confirmed_offset: u64,
    pub bundle_size: Option<u64>,
    /// From the verified receipt: the case's index in the registry's log and the size
    /// of the tree head that proved it.
    pub leaf_index: Option<u64>,
    pub tree_size: Option<u64>,
    pub updated_at: String,
}

impl From<&OutboxEntry> for SyncCase {
    fn from(e: &OutboxEntry) -> Self {
        let receipt = e.receipt.as_ref();
        SyncCase {
            case_id: e.case_id.clone(),
            case_code: e.case_code.clone(),
            state: e.state,
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at.clone(),
            reason_code: e.reason_code.clone(),
            reason: e.reason.clone(),
            confirmed_offset: e.confirmed_offset,
            bundle_size: e.bundle_size,
            leaf_index: receipt.and_then(|r| r["leaf_index"].as_u64()),
            tree_size: receipt.and_then(|r| r["tree_head"]["size"].as_u64()),
            updated_at: e.updated_at.clone(),
        }
    }
}

/// The sync screen in one read.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub configured: bool,
    pub running: bool,
    pub cases: Vec<SyncCase>,
    /// When the watchlist was last pulled, `null` before the first pull.
    pub watchlist_pulled_at: Option<String>,
    pub watchlist_entries: u64,
    /// Size of the newest verified tree head.
    pub tree_size: Option<u64>,
    pub last_run: Option<SyncRunSummary>,
}

/// An identifier of the case that another agency's sealed case holds.
#[derive(Debug, Clone, Serialize)]
pub struct WatchlistHit {
    pub entity_id: String,
    pub id_kind: IdKind,
    pub value: String,
    pub qualifier: String,
    pub seen_by: AgencySighting,
    /// The owning unit (name and contact), asked of the registry live; `null` offline.
    pub unit: Option<UnitContact>,
}

/// The registry's unit that recorded a case, as its live lookup names it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitContact {
    pub agency: String,
    pub code: String,
    pub name: String,
    pub contact: String,
}

pub(crate) fn status(ws: &Workspace, runner: &SyncRunner) -> truyvet_core::Result<SyncStatus> {
    let config = ws.registry_config()?;
    let watchlist = ws.watchlist_summary()?;
    Ok(SyncStatus {
        configured: config.is_some(),
        running: runner.running(),
        cases: ws.outbox()?.iter().map(SyncCase::from).collect(),
        watchlist_pulled_at: watchlist.0,
        watchlist_entries: watchlist.1,
        tree_size: config.and_then(|c| c.tree_size),
        last_run: runner.last_run(),
    })
}

#[tauri::command]
pub fn registry_settings_get(state: State<'_, AppState>) -> CmdResult<Option<RegistrySettings>> {
    Ok(state.with(|ws| Ok(ws.registry_config()?.map(RegistrySettings::from)))?)
}

/// Validates like `truyvet registry set`: the registry's current tree head must be
/// signed by the given key, else nothing is stored; an unreachable registry keeps the
/// settings for the first sync to check. An empty token keeps the stored one, so the
/// URL or key can be corrected without pasting the token again.
#[tauri::command]
pub async fn registry_settings_set(
    state: State<'_, AppState>,
    url: String,
    token: String,
    key: String,
) -> CmdResult<RegistrySetResult> {
    let ws = state.workspace()?;
    blocking(move || {
        let token = if token.trim().is_empty() {
            lock(&ws)?.registry_token()?
        } else {
            token.trim().to_string()
        };
        let (checked_head, unreachable) =
            match truyvet_sync::fetch_head(&url, &token, &key, CHECK_TIMEOUT) {
                Ok(head) => (Some(head), None),
                Err(e) if e.code == ErrorCode::RegistryUnreachable => (None, Some(e.message)),
                Err(e) => return Err(e),
            };
        let config = lock(&ws)?.set_registry(&url, &token, &key)?;
        Ok(RegistrySetResult {
            settings: config.into(),
            checked_head,
            unreachable,
        })
    })
    .await
}

#[tauri::command]
pub fn sync_status(
    state: State<'_, AppState>,
    runner: State<'_, SyncRunner>,
) -> CmdResult<SyncStatus> {
    Ok(state.with(|ws| status(ws, &runner))?)
}

/// Starts a sync of the whole outbox, or of one case (a rejected one is queued again),
/// and answers at once with the status: progress follows as `sync-progress` events. A
/// call while a run is in progress starts nothing and answers `running: true`.
#[tauri::command]
pub fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    runner: State<'_, SyncRunner>,
    case_code: Option<String>,
) -> CmdResult<SyncStatus> {
    let ws = state.workspace()?;
    {
        let mut guard = lock(&ws)?;
        guard.require_registry()?;
        guard.registry_token()?;
        if let Some(code) = &case_code {
            // Refusals (not sealed, imported) come back now, not as a failed run.
            if !runner.running() {
                guard.queue_case(code)?;
            }
        }
    }
    runner.start(ws.clone(), Notifier::for_app(app), vec![case_code], false);
    let guard = lock(&ws)?;
    Ok(status(&guard, &runner)?)
}

/// The case's identifiers that other agencies' sealed cases hold, from the watchlist
/// kept on this laptop (works offline). With `contact`, the registry is asked live for
/// the owning units' names and contacts (the watchlist carries none); an unreachable
/// registry leaves `unit` empty rather than failing.
#[tauri::command]
pub async fn watchlist_hits(
    state: State<'_, AppState>,
    code: String,
    contact: Option<bool>,
) -> CmdResult<Vec<WatchlistHit>> {
    let ws = state.workspace()?;
    let (hits, root) = {
        let guard = lock(&ws)?;
        (guard.agency_hits(&code)?, guard.root().to_path_buf())
    };
    let mut out: Vec<WatchlistHit> = hits
        .into_iter()
        .map(|h| WatchlistHit {
            entity_id: h.entity_id,
            id_kind: h.id_kind,
            value: h.value,
            qualifier: h.qualifier,
            seen_by: h.seen_by,
            unit: None,
        })
        .collect();
    if !contact.unwrap_or(false) || out.is_empty() {
        return Ok(out);
    }
    let values: Vec<String> = {
        let mut v: Vec<String> = out.iter().map(|h| h.value.clone()).collect();
        v.dedup();
        v.truncate(MAX_CONTACT_LOOKUPS);
        v
    };
    let found = blocking(move || {
        let reader = Workspace::open_with(&root, OpenMode::Existing)?;
        let mut units = Vec::new();
        for value in values {
            match truyvet_sync::lookup(&reader, &value, CHECK_TIMEOUT) {
                Ok(resp) => units.extend(resp.hits),
                // Offline or refused: the flags stand without contacts.
                Err(_) => break,
            }
        }
        Ok(units)
    })
    .await
    .unwrap_or_default();
    for hit in &mut out {
        hit.unit = found
            .iter()
            .find(|f| f.case_id == hit.seen_by.case_id)
            .map(|f| UnitContact {
                agency: f.unit.agency.clone(),
                code: f.unit.code.clone(),
                name: f.unit.name.clone(),
                contact: f.unit.contact.clone(),
            });
    }
    Ok(out)
}
