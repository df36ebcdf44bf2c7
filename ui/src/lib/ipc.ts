// The one place the UI talks to the desktop shell. Components receive a `Backend`
// (and a `Desktop` for OS integration) through context, so tests can swap in the
// in-memory implementation from `backend-memory.ts`.

import { invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { getContext, setContext } from "svelte";
import { onCaptureBrowser, onEvidenceStamped, onSyncProgress, type Unlisten } from "./events";
import { onBackupProgress } from "./events";
import type { BackupProgress, BackupSummary } from "./types";
import type { WatchDetail, WatchDiff, WatchItem, WatchRun, WatchRunStatus } from "./types";
import type {
  Addendum,
  AppError,
  BrowserStatus,
  BundleReport,
  CaptureBrowserEvent,
  Case,
  CaseDetail,
  CaseEdit,
  CaseFilter,
  CaseReview,
  CaseReviewView,
  CaseSummary,
  CustodyEvent,
  Dashboard,
  Entity,
  EntityOverview,
  EvidenceDetail,
  EvidenceItem,
  EvidenceStamped,
  Exclusion,
  ExportSummary,
  Graph,
  GraphFormat,
  IdKind,
  ImportSummary,
  Link,
  NewCase,
  NewEntity,
  NewLink,
  Note,
  Occurrence,
  Profile,
  ProfileEntry,
  ProfileInput,
  ProvenItem,
  RegistrySetResult,
  ReportFigures,
  ReportParams,
  ReportSummary,
  RegistrySettings,
  StampRun,
  StampStatus,
  SyncProgress,
  SyncStatus,
  TransitionAction,
  VerifyReport,
  WatchlistHit,
  WorkspaceInfo,
} from "./types";
import type { AppStatus, SettingEntry, SettingsView } from "./types";
import type { NewTip, Tip, TipDetail, TipFilter, TipImportReport, TipOrigin, TipOutcome } from "./types";

/** One method per command of docs/ipc-contract.md. Every rejection is a `BackendError`. */
export interface Backend {
  /** Which screen comes first: open, locked, needs_create or failed (`app_status`). */
  appStatus(): Promise<AppStatus>;
  /** Locks the app: the shell drops the workspace; every command is `app_locked` until unlocked (`app_lock`). */
  appLock(): Promise<AppStatus>;
  /** Unlocks with the workspace passphrase (or the profile's signing-key passphrase); `bad_passphrase`, `unlock_throttled` (`app_unlock`). */
  appUnlock(passphrase: string): Promise<AppStatus>;
  /** Tells the shell there was keyboard or mouse input (the idle lock's clock, `app_activity`). */
  appActivity(): Promise<void>;
  /** Creates the workspace from the start screen, encrypted when a passphrase is given (`workspace_create`). */
  workspaceCreate(passphrase?: string): Promise<AppStatus>;
  /** Every setting with its value (`settings_get`). */
  settingsGet(): Promise<SettingsView>;
  /** Sets one setting; an empty value restores its default; `invalid_setting` (`settings_set`). */
  settingsSet(key: string, value: string): Promise<SettingEntry>;
  /** Re-wraps an encrypted workspace's key under a new passphrase (`workspace_change_passphrase`). */
  workspaceChangePassphrase(old: string, next: string): Promise<void>;
  workspaceInfo(): Promise<WorkspaceInfo>;
  profileSave(profile: ProfileInput): Promise<Profile>;
  caseList(filter?: CaseFilter): Promise<CaseSummary[]>;
  caseCreate(input: NewCase): Promise<Case>;
  caseGet(code: string): Promise<CaseDetail>;
  caseEdit(code: string, edit: CaseEdit): Promise<Case>;
  evidenceAdd(code: string, paths: string[], note?: string): Promise<EvidenceItem[]>;
  noteAdd(code: string, text: string): Promise<Note>;
  custodyLog(code: string): Promise<CustodyEvent[]>;
  workspaceVerify(): Promise<VerifyReport>;
  /** Captures a web page as evidence (`capture_url`); failures carry `capture_failed`. */
  captureUrl(code: string, url: string, insecure?: boolean, browser?: boolean): Promise<EvidenceItem>;
  /** One evidence item with its artifacts, capture facts and timestamp (`evidence_detail`). */
  evidenceDetail(code: string, evidenceId: string): Promise<EvidenceDetail>;
  /** The timestamp status of each evidence item of a case that has one (`timestamp_list`). */
  timestampList(code: string): Promise<StampStatus[]>;
  /** Stamps every due entry against the configured authority (`timestamp_run`). */
  timestampRun(): Promise<StampRun>;
  /** Opens the capture browser for a case (`browser_open`); `chromium_missing`, `browser_already_open`. */
  browserOpen(code: string): Promise<BrowserStatus>;
  browserStatus(): Promise<BrowserStatus>;
  /** Pauses or resumes automatic capture (`browser_set_paused`). */
  browserSetPaused(paused: boolean): Promise<BrowserStatus>;
  /** Captures the page shown now, paused or not (`browser_capture_now`). */
  browserCaptureNow(): Promise<EvidenceItem>;
  /** Goes to an address in the capture browser after the network policy accepted it (`browser_navigate`). */
  browserNavigate(url: string): Promise<void>;
  browserClose(): Promise<BrowserStatus>;
  /** A case's entities (suggestions included), links and cross-case hits (`entity_overview`). */
  entityOverview(code: string): Promise<EntityOverview>;
  /** Accepts a suggestion (`entity_confirm`). */
  entityConfirm(entityId: string): Promise<Entity>;
  /** Sets a suggestion or entity aside for good, with an optional reason (`entity_reject`). */
  entityReject(entityId: string, reason?: string): Promise<Entity>;
  /** Merges an entity into another of the same case and kind (`entity_merge`). */
  entityMerge(entityId: string, intoId: string): Promise<Entity>;
  /** Creates a subject, listing or website by hand (`entity_create`). */
  entityCreate(code: string, input: NewEntity): Promise<Entity>;
  /** Links two entities of a case, backed by evidence (`link_add`). */
  linkAdd(input: NewLink): Promise<Link>;
  /** Every occurrence of an identifier across cases (`identifier_lookup`). */
  identifierLookup(value: string): Promise<Occurrence[]>;
  exclusionList(): Promise<Exclusion[]>;
  exclusionAdd(kind: IdKind, value: string, note?: string): Promise<Exclusion>;
  exclusionRemove(kind: IdKind, value: string): Promise<Exclusion>;
  /** The case's nodes and edges, optionally one step into other cases (`case_graph`). */
  caseGraph(code: string, expand?: boolean): Promise<Graph>;
  /** Asks for a file in the native save dialog and writes the graph there (`graph_export`); `null` when cancelled. */
  graphExport(code: string, format: GraphFormat, expand?: boolean): Promise<string[] | null>;
  /** Every profile of the workspace with its key fingerprint and the acting one (`profile_list`). */
  profileList(): Promise<ProfileEntry[]>;
  /** Adds a profile, makes it current and creates its signing key under `passphrase` (`profile_add`). */
  profileAdd(profile: ProfileInput, passphrase: string, name?: string): Promise<ProfileEntry>;
  /** Creates the signing key of the current profile (`profile_key_create`). */
  profileKeyCreate(passphrase: string): Promise<ProfileEntry>;
  /** Switches who is acting (`profile_use`). */
  profileUse(name: string): Promise<ProfileEntry>;
  /** A signed review transition by the current profile (`case_transition`); submit also resubmits. */
  caseTransition(code: string, action: TransitionAction, passphrase: string, comment?: string): Promise<Case>;
  /** Submitted cases waiting for a supervisor, oldest first (`review_queue`). */
  reviewQueue(): Promise<Case[]>;
  /** Legal basis, proposed measures and the seal once sealed (`case_review`). */
  caseReview(code: string): Promise<CaseReviewView>;
  /** Edits legal basis and/or proposed measures (`case_review_edit`). */
  caseReviewEdit(code: string, legalBasis?: string, proposedMeasures?: string): Promise<CaseReview>;
  /** Exports a sealed case as a `.wacz` bundle to `path`, or to `<workspace>/exports/<CODE>.wacz` (`bundle_export`). */
  bundleExport(code: string, path?: string): Promise<ExportSummary>;
  /** Asks for a destination in the native save dialog and exports there (`bundle_export_dialog`); `null` when cancelled. */
  bundleExportDialog(code: string): Promise<ExportSummary | null>;
  /** Checks a bundle file without trusting it (`bundle_verify`); problems are in the report, not errors. */
  bundleVerify(path: string): Promise<BundleReport>;
  /** Verifies a bundle again and imports it as a read-only case from another agency (`bundle_import`). */
  bundleImport(path: string): Promise<ImportSummary>;
  /** A sealed case's signed corrections, oldest first (`case_addenda`). */
  caseAddenda(code: string): Promise<Addendum[]>;
  /** Signs and adds a correction to a sealed case as the current profile (`case_addendum_add`). */
  caseAddendumAdd(code: string, text: string, passphrase: string): Promise<Addendum>;
  /** Asks for a destination in the native save dialog and writes the seal proof of one item there (`seal_proof_export`); the path, `null` when cancelled. */
  sealProofExport(code: string, evidenceId: string): Promise<string | null>;
  /** Writes the seal proof of one item to an absolute `.json` path (`seal_proof_export_to`); the path written. */
  sealProofExportTo(code: string, evidenceId: string, path: string): Promise<string>;
  /** Checks a seal proof file, and optionally that a file is the sealed item (`seal_proof_verify`); `proof_invalid` when it does not check out. */
  sealProofVerify(path: string, filePath?: string): Promise<ProvenItem>;
  /** The central registry's settings, `null` when none is set (`registry_settings_get`). */
  registrySettingsGet(): Promise<RegistrySettings | null>;
  /** Checks the registry's signed tree head with `key`, then stores the settings (`registry_settings_set`); an empty token keeps the stored one. */
  registrySettingsSet(url: string, token: string, key: string): Promise<RegistrySetResult>;
  /** Each sealed case's place in the outbox, the watchlist and the last run (`sync_status`). */
  syncStatus(): Promise<SyncStatus>;
  /** Starts a sync (of one case, queued again if rejected) and answers at once (`sync_now`); `running` when one already runs. */
  syncNow(caseCode?: string): Promise<SyncStatus>;
  /** The case's identifiers other agencies' sealed cases hold (`watchlist_hits`); `contact` asks the registry for the units. */
  watchlistHits(code: string, contact?: boolean): Promise<WatchlistHit[]>;
  /** The supervisor's overview: cases by status and age, review queue, tips, watch, outbox (`dashboard_get`). */
  dashboardGet(): Promise<Dashboard>;
  /** Watched items, changed/flagged first (`watch_list`). */
  watchList(): Promise<WatchItem[]>;
  /** Watches a URL or identifier (`watch_add`); bad target or interval: `invalid_input`. */
  watchAdd(target: string, label?: string, intervalSecs?: number): Promise<WatchItem>;
  /** An item with checks, flags, classification; marks it seen (`watch_detail`). */
  watchDetail(id: string): Promise<WatchDetail>;
  /** Text diff between two good checks, default the last two (`watch_diff`). */
  watchDiff(id: string, from?: number, to?: number): Promise<WatchDiff>;
  /** A check's screenshot as a data: URL, or null (`watch_screenshot`). */
  watchScreenshot(id: string, snapshot: number): Promise<string | null>;
  watchRemove(id: string): Promise<WatchItem>;
  watchSetActive(id: string, active: boolean): Promise<WatchItem>;
  /** Checks due items now, every active one with `all` (`watch_run_now`). */
  watchRunNow(all: boolean, browser?: boolean): Promise<WatchRun>;
  watchStatus(): Promise<WatchRunStatus>;
  /** Tips, newest received first (`tip_list`). */
  tipList(filter?: TipFilter): Promise<Tip[]>;
  /** Records a tip; contact masked in the answer (`tip_create`). */
  tipCreate(input: NewTip): Promise<TipDetail>;
  /** A tip with its duplicates and log, contact masked (`tip_get`); `tip_not_found`. */
  tipGet(code: string): Promise<TipDetail>;
  /** The tip with its contact in clear; the reveal is logged (`tip_reveal_contact`). */
  tipRevealContact(code: string): Promise<TipDetail>;
  tipTriage(code: string, note?: string): Promise<TipDetail>;
  /** Supervisors only: `forbidden_role` (`tip_assign`). */
  tipAssign(code: string, assignee: string): Promise<TipDetail>;
  /** Opens a case from the tip; its attachments become evidence (`tip_open_case`). */
  tipOpenCase(code: string, title?: string): Promise<TipDetail>;
  tipClose(code: string, outcome: TipOutcome, note?: string): Promise<TipDetail>;
  /** Checks (`dryRun`) or imports a CSV/XLSX file in one transaction (`tip_import`). */
  tipImport(path: string, dryRun: boolean): Promise<TipImportReport>;
  /** The tip a case was opened from, if any (`case_origin_tip`). */
  caseOriginTip(code: string): Promise<TipOrigin | null>;
  /** The figures of a period and scope for the preview (`report_figures`). */
  reportFigures(params: ReportParams): Promise<ReportFigures>;
  /** Writes the report to `path` (absolute `.pdf`/`.xlsx`) or to `<workspace>/reports/` (`report_build`). */
  reportBuild(params: ReportParams, path?: string): Promise<ReportSummary>;
  /** Asks where to save in the native dialog and writes the report there; `null` when cancelled (`report_build_dialog`). */
  reportBuildDialog(params: ReportParams): Promise<ReportSummary | null>;
  /** Subscribes to the `capture-browser` event; resolves to an unsubscribe function. */
  onCaptureBrowser(handler: (event: CaptureBrowserEvent) => void): Promise<Unlisten>;
  /** Subscribes to the `evidence-stamped` event (a background timestamp was stored). */
  onEvidenceStamped(handler: (event: EvidenceStamped) => void): Promise<Unlisten>;
  /** Subscribes to the `sync-progress` event (a run started, a case moved, a run finished). */
  onSyncProgress(handler: (event: SyncProgress) => void): Promise<Unlisten>;
  /** Backs the workspace up to an absolute `.tar` path or an existing folder (`backup_run`). */
  backupRun(out: string): Promise<BackupSummary>;
  /** Asks for a `.tar` file (or with `folder` a folder) in the native dialog, then backs up there; `null` when cancelled (`backup_run_dialog`). */
  backupRunDialog(folder: boolean): Promise<BackupSummary | null>;
  /** Subscribes to the `backup-progress` event (bytes copied of all to copy). */
  onBackupProgress(handler: (event: BackupProgress) => void): Promise<Unlisten>;
}

/** Where the shell serves a capture's screenshot (an image, never app content). */
export function screenshotUrl(evidenceId: string): string {
  return schemeUrl("evidence", evidenceId);
}

/** Where the shell serves a capture's rendered HTML, for a sandboxed frame only. */
export function captureFrameUrl(evidenceId: string): string {
  return schemeUrl("capture", evidenceId);
}

/** Custom schemes are `scheme://localhost/…` on Linux and macOS, `http://scheme.localhost/…` on Windows. */
function schemeUrl(scheme: string, evidenceId: string): string {
  const windows = typeof navigator !== "undefined" && /Windows/.test(navigator.userAgent);
  const base = windows ? `http://${scheme}.localhost` : `${scheme}://localhost`;
  return `${base}/${encodeURIComponent(evidenceId)}`;
}

export type FileDropEvent = { type: "enter" | "over" | "leave" } | { type: "drop"; paths: string[] };

/** Operating-system integration that is not a backend command: file picker, drag and drop. */
export interface Desktop {
  /** Asks the user for files; resolves to absolute paths (empty when cancelled). */
  pickFiles(): Promise<string[]>;
  /** Asks the user for one case bundle (`.wacz`); resolves to its absolute path, `null` when cancelled. */
  pickBundle(): Promise<string | null>;
  /** Asks the user for one seal proof (`.json`); its absolute path, `null` when cancelled. */
  pickProof(): Promise<string | null>;
  /** Asks the user for any one file; its absolute path, `null` when cancelled. */
  pickFile(): Promise<string | null>;
  /** Subscribes to files dragged over the window; resolves to an unsubscribe function. */
  onFileDrop(handler: (event: FileDropEvent) => void): Promise<() => void>;
}

/** A rejected backend call, carrying the stable contract error code. */
export class BackendError extends Error implements AppError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** Code used when a rejection does not carry a contract code (shell or plugin failure). */
export const UNKNOWN_ERROR_CODE = "unknown";

/**
 * Normalises anything a promise may reject with into `{ code, message }`.
 * The shell rejects with `{ code, message }`; Tauri itself (ACL denials, missing
 * commands) and plugins reject with plain strings or `Error`s.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof BackendError) return { code: error.code, message: error.message };
  if (typeof error === "object" && error !== null) {
    const record = error as Record<string, unknown>;
    if (typeof record.code === "string" && record.code !== "") {
      const message = typeof record.message === "string" ? record.message : "";
      return { code: record.code, message };
    }
    if (error instanceof Error) return { code: UNKNOWN_ERROR_CODE, message: error.message };
  }
  if (typeof error === "string") return { code: UNKNOWN_ERROR_CODE, message: error };
  return { code: UNKNOWN_ERROR_CODE, message: String(error) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    const { code, message } = toAppError(error);
    throw new BackendError(code, message);
  }
}

/** Drops keys whose value is `undefined` so optional arguments are absent, not null. */
function defined(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
}

export const tauriBackend: Backend = {
  appStatus: () => call("app_status"),
  appLock: () => call("app_lock"),
  appUnlock: (passphrase) => call("app_unlock", { passphrase }),
  appActivity: () => call("app_activity"),
  workspaceCreate: (passphrase) => call("workspace_create", defined({ passphrase })),
  settingsGet: () => call("settings_get"),
  settingsSet: (key, value) => call("settings_set", { key, value }),
  workspaceChangePassphrase: (old, next) => call("workspace_change_passphrase", { old, new: next }),
  workspaceInfo: () => call("workspace_info"),
  profileSave: (profile) => call("profile_save", { profile }),
  caseList: (filter = {}) =>
    call("case_list", defined({ query: filter.query || undefined, status: filter.status })),
  caseCreate: (input) => call("case_create", { input }),
  caseGet: (code) => call("case_get", { code }),
  caseEdit: (code, edit) => call("case_edit", { code, edit }),
  evidenceAdd: (code, paths, note) => call("evidence_add", defined({ code, paths, note })),
  noteAdd: (code, text) => call("note_add", { code, text }),
  custodyLog: (code) => call("custody_log", { code }),
  workspaceVerify: () => call("workspace_verify"),
  captureUrl: (code, url, insecure, browser) => call("capture_url", defined({ code, url, insecure, browser })),
  evidenceDetail: (code, evidenceId) => call("evidence_detail", { code, evidenceId }),
  timestampList: (code) => call("timestamp_list", { code }),
  timestampRun: () => call("timestamp_run"),
  browserOpen: (code) => call("browser_open", { code }),
  browserStatus: () => call("browser_status"),
  browserSetPaused: (paused) => call("browser_set_paused", { paused }),
  browserCaptureNow: () => call("browser_capture_now"),
  browserNavigate: (url) => call("browser_navigate", { url }),
  browserClose: () => call("browser_close"),
  entityOverview: (code) => call("entity_overview", { code }),
  entityConfirm: (entityId) => call("entity_confirm", { entityId }),
  entityReject: (entityId, reason) => call("entity_reject", defined({ entityId, reason })),
  entityMerge: (entityId, intoId) => call("entity_merge", { entityId, intoId }),
  entityCreate: (code, input) => call("entity_create", { code, input }),
  linkAdd: (input) => call("link_add", { input }),
  identifierLookup: (value) => call("identifier_lookup", { value }),
  exclusionList: () => call("exclusion_list"),
  exclusionAdd: (kind, value, note) => call("exclusion_add", defined({ kind, value, note })),
  exclusionRemove: (kind, value) => call("exclusion_remove", { kind, value }),
  caseGraph: (code, expand) => call("case_graph", defined({ code, expand })),
  graphExport: (code, format, expand) => call("graph_export", defined({ code, format, expand })),
  profileList: () => call("profile_list"),
  profileAdd: (profile, passphrase, name) => call("profile_add", defined({ profile, passphrase, name })),
  profileKeyCreate: (passphrase) => call("profile_key_create", { passphrase }),
  profileUse: (name) => call("profile_use", { name }),
  caseTransition: (code, action, passphrase, comment) =>
    call("case_transition", defined({ code, action, passphrase, comment })),
  reviewQueue: () => call("review_queue"),
  caseReview: (code) => call("case_review", { code }),
  caseReviewEdit: (code, legalBasis, proposedMeasures) =>
    call("case_review_edit", defined({ code, legalBasis, proposedMeasures })),
  bundleExport: (code, path) => call("bundle_export", defined({ code, path: path?.trim() || undefined })),
  bundleExportDialog: (code) => call("bundle_export_dialog", { code }),
  bundleVerify: (path) => call("bundle_verify", { path }),
  bundleImport: (path) => call("bundle_import", { path }),
  caseAddenda: (code) => call("case_addenda", { code }),
  caseAddendumAdd: (code, text, passphrase) => call("case_addendum_add", { code, text, passphrase }),
  sealProofExport: (code, evidenceId) => call("seal_proof_export", { code, evidenceId }),
  sealProofExportTo: (code, evidenceId, path) => call("seal_proof_export_to", { code, evidenceId, path: path.trim() }),
  sealProofVerify: (path, filePath) =>
    call("seal_proof_verify", defined({ path: path.trim(), filePath: filePath?.trim() || undefined })),
  registrySettingsGet: () => call("registry_settings_get"),
  registrySettingsSet: (url, token, key) => call("registry_settings_set", { url, token, key }),
  syncStatus: () => call("sync_status"),
  syncNow: (caseCode) => call("sync_now", defined({ caseCode })),
  watchlistHits: (code, contact) => call("watchlist_hits", defined({ code, contact })),
  dashboardGet: () => call("dashboard_get"),
  watchList: () => call("watch_list"),
  watchAdd: (target, label, intervalSecs) => call("watch_add", defined({ target, label, intervalSecs })),
  watchDetail: (id) => call("watch_detail", { id }),
  watchDiff: (id, from, to) => call("watch_diff", defined({ id, from, to })),
  watchScreenshot: (id, snapshot) => call("watch_screenshot", { id, snapshot }),
  watchRemove: (id) => call("watch_remove", { id }),
  watchSetActive: (id, active) => call("watch_set_active", { id, active }),
  watchRunNow: (all, browser) => call("watch_run_now", defined({ all, browser })),
  watchStatus: () => call("watch_status"),
  tipList: (filter) => call("tip_list", defined({ ...filter })),
  tipCreate: (input) => call("tip_create", { input }),
  tipGet: (code) => call("tip_get", { code }),
  tipRevealContact: (code) => call("tip_reveal_contact", { code }),
  tipTriage: (code, note) => call("tip_triage", defined({ code, note })),
  tipAssign: (code, assignee) => call("tip_assign", { code, assignee }),
  tipOpenCase: (code, title) => call("tip_open_case", defined({ code, title })),
  tipClose: (code, outcome, note) => call("tip_close", defined({ code, outcome, note })),
  tipImport: (path, dryRun) => call("tip_import", { path: path.trim(), dryRun }),
  caseOriginTip: (code) => call("case_origin_tip", { code }),
  reportFigures: (params) => call("report_figures", { params }),
  reportBuild: (params, path) => call("report_build", defined({ params, path: path?.trim() || undefined })),
  reportBuildDialog: (params) => call("report_build_dialog", { params }),
  onCaptureBrowser,
  onEvidenceStamped,
  onSyncProgress,
  backupRun: (out) => call("backup_run", { out: out.trim() }),
  backupRunDialog: (folder) => call("backup_run_dialog", { folder }),
  onBackupProgress,
};

async function pickOne(filters?: { name: string; extensions: string[] }[]): Promise<string | null> {
  try {
    const picked = await open({ multiple: false, directory: false, filters });
    return typeof picked === "string" ? picked : null;
  } catch (error) {
    const { code, message } = toAppError(error);
    throw new BackendError(code, message);
  }
}

export const tauriDesktop: Desktop = {
  async pickFiles() {
    try {
      const picked = await open({ multiple: true, directory: false });
      if (picked === null) return [];
      return Array.isArray(picked) ? picked : [picked];
    } catch (error) {
      const { code, message } = toAppError(error);
      throw new BackendError(code, message);
    }
  },
  async pickBundle() {
    try {
      const picked = await open({ multiple: false, directory: false, filters: [{ name: "WACZ", extensions: ["wacz"] }] });
      return typeof picked === "string" ? picked : null;
    } catch (error) {
      const { code, message } = toAppError(error);
      throw new BackendError(code, message);
    }
  },
  pickProof: () => pickOne([{ name: "JSON", extensions: ["json"] }]),
  pickFile: () => pickOne(),
  async onFileDrop(handler) {
    return getCurrentWebview().onDragDropEvent((event) => {
      const payload = event.payload;
      if (payload.type === "drop") handler({ type: "drop", paths: payload.paths });
      else handler({ type: payload.type });
    });
  },
};

const BACKEND_KEY = Symbol("backend");
const DESKTOP_KEY = Symbol("desktop");

export function provideBackend(backend: Backend, desktop: Desktop): void {
  setContext(BACKEND_KEY, backend);
  setContext(DESKTOP_KEY, desktop);
}

export function useBackend(): Backend {
  return getContext<Backend>(BACKEND_KEY);
}

export function useDesktop(): Desktop {
  return getContext<Desktop>(DESKTOP_KEY);
}
