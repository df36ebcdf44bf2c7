// Types of the IPC contract (docs/ipc-contract.md). Field names are the JSON names
// (snake_case); times are RFC 3339 UTC strings. Keep this file a literal copy of the
// contract: the shell serializes exactly these shapes.

export type Role = "investigator" | "supervisor";
export type CaseStatus = "draft" | "submitted" | "returned" | "approved" | "sealed";
export type CaseOrigin = "tip" | "complaint" | "patrol" | "referral";
export type ViolationCategory =
  | "prohibited_goods"
  | "smuggled_goods"
  | "counterfeit_goods"
  | "ip_infringing_goods"
  | "poor_quality_goods"
  | "restricted_goods"
  | "conditional_goods_unmet"
  | "expired_goods"
  | "unknown_origin_goods"
  | "false_information"
  | "undeclared_business_tax_evasion";

export interface Profile {
  name: string;
  display_name: string;
  agency: string;
  unit: string;
  province: string;
  role: Role;
  created_at: string;
}

export interface ProfileInput {
  display_name: string;
  agency: string;
  unit: string;
  province: string;
  role: Role;
}

/** What the window shows first (`app_status`): the workspace, the lock or a start screen. */
export type AppPhase = "open" | "locked" | "needs_create" | "failed";

export interface AppStatus {
  state: AppPhase;
  path: string | null;
  encrypted: boolean;
  /** Unlocking asks for a passphrase (the workspace's, or the profile's signing-key one). */
  passphrase_required: boolean;
  error: AppError | null;
  idle_lock_minutes: number;
  language: "vi" | "en";
  min_passphrase_chars: number;
}

/** One setting of the settings screen and `truyvet config` (`settings_get`, `settings_set`). */
export interface SettingEntry {
  key: string;
  value: string | null;
  scope: "workspace" | "app";
  description: string;
}

export interface SettingsView {
  entries: SettingEntry[];
  workspace_path: string | null;
  encrypted: boolean;
  app_config_path: string | null;
}

export interface WorkspaceInfo {
  path: string;
  schema_version: number;
  app_version: string;
  device: string;
  profile: Profile | null;
}

export interface Case {
  id: string;
  code: string;
  title: string;
  agency: string;
  unit: string;
  province: string;
  violation_categories: ViolationCategory[];
  product_group: string;
  status: CaseStatus;
  origin: CaseOrigin;
  created_at: string;
  created_by: string;
  updated_at: string;
  /** Only for a case imported from another agency's bundle: it is read-only here. */
  imported?: CaseImport;
}

/** Where an imported case comes from and who brought it in. */
export interface CaseImport {
  /** The agency that made and sealed the case. */
  agency: string;
  unit: string;
  bundle_sha256: string;
  seal_root: string;
  imported_at: string;
  /** The local profile that imported it. */
  imported_by: string;
}

export interface CaseSummary extends Case {
  evidence_count: number;
}

export interface NewCase {
  title: string;
  violation_categories: ViolationCategory[];
  product_group: string;
  origin: CaseOrigin;
  unit?: string;
  province?: string;
}

export interface CaseEdit {
  title?: string;
  unit?: string;
  province?: string;
  violation_categories?: ViolationCategory[];
  product_group?: string;
  origin?: CaseOrigin;
}

export interface EvidenceItem {
  id: string;
  case_id: string;
  kind: "file" | "web_capture";
  sha256: string;
  size: number;
  original_filename: string;
  media_type: string;
  acquired_at: string;
  acquired_by: string;
  device: string;
  source_path: string | null;
  note: string | null;
  /** Only when the file name was not valid UTF-8: its exact bytes, hex. */
  original_filename_hex?: string;
}

export interface Note {
  id: string;
  case_id: string;
  text: string;
  author: string;
  created_at: string;
}

export interface CaseDetail {
  case: Case;
  evidence: EvidenceItem[];
  notes: Note[];
}

export type KnownCustodyKind = "case_created" | "field_edited" | "evidence_added" | "note_added";

export interface CustodyEvent {
  seq: number;
  case_id: string;
  actor: string;
  at: string;
  // Known kinds are listed for readers; the log may grow new kinds before the UI does.
  kind: KnownCustodyKind | (string & {});
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface Problem {
  kind: string;
  case_code: string | null;
  sha256: string | null;
  seq: number | null;
  detail: string;
}

export type TimestampChain = "trust_anchor" | "not_checked";

export interface VerifyReport {
  ok: boolean;
  cases_checked: number;
  events_checked: number;
  evidence_checked: number;
  blobs_checked: number;
  bytes_hashed: number;
  /** Stored blobs no evidence refers to (an interrupted add); harmless. */
  orphan_blobs: number;
  /** Stamped RFC 3161 tokens verified again. */
  timestamps_checked: number;
  /** Whether the tokens' certificate chains were checked against `tsa.trust`. */
  timestamp_chain: TimestampChain;
  problems: Problem[];
}

/** One stored part of a web capture (`warc`, `screenshot`, `mhtml`, `dom`, …). */
export interface ArtifactRef {
  role: string;
  sha256: string;
  size: number;
  media_type: string;
}

export type StampState = "pending" | "stamped" | "failed";

/** The RFC 3161 timestamp of an evidence item's digest. */
export interface StampStatus {
  evidence_id: string;
  digest: string;
  status: StampState;
  attempts: number;
  last_error: string | null;
  tsa_url: string | null;
  gen_time: string | null;
}

/** What was recorded about a web capture. */
export interface WebCaptureInfo {
  method: "http" | "browser";
  url: string;
  final_url: string;
  title: string;
  http_status: number | null;
  server_ip: string | null;
  partial_reason: string | null;
  metadata: Record<string, unknown>;
}

export interface EvidenceDetail {
  item: EvidenceItem;
  artifacts: ArtifactRef[];
  timestamp: StampStatus | null;
  capture: WebCaptureInfo | null;
}

export interface StampPending {
  evidence_id: string;
  error: string;
}

/** What one `timestamp_run` did. */
export interface StampRun {
  stamped: string[];
  still_pending: StampPending[];
}

export interface AppError {
  code: string;
  message: string;
}

/** The capture browser (`browser_status` and the other `browser_*` commands). */
export interface BrowserStatus {
  open: boolean;
  paused: boolean;
  /** The case its captures go into. */
  case_code: string | null;
  /** The page of the latest visit. */
  url: string | null;
}

export type CaptureBrowserEventKind = "visited" | "captured" | "failed" | "closed";

/** Payload of the `capture-browser` event. */
export interface CaptureBrowserEvent {
  kind: CaptureBrowserEventKind;
  case_code: string;
  /** The page concerned; null for `closed`. */
  url: string | null;
  /** Only for `captured`: the stored evidence. */
  evidence?: EvidenceItem;
  /** Only for `failed`. */
  error?: AppError;
}

/** Payload of the `evidence-stamped` event: a timestamp was stored in the background. */
export interface EvidenceStamped {
  evidence_id: string;
}

export interface CaseFilter {
  query?: string;
  status?: CaseStatus;
}

/** Every value of the closed enums, in display order. */
export const ROLES: readonly Role[] = ["investigator", "supervisor"];
export const CASE_STATUSES: readonly CaseStatus[] = [
  "draft",
  "submitted",
  "returned",
  "approved",
  "sealed",
];
export const CASE_ORIGINS: readonly CaseOrigin[] = ["tip", "complaint", "patrol", "referral"];
export const VIOLATION_CATEGORIES: readonly ViolationCategory[] = [
  "prohibited_goods",
  "smuggled_goods",
  "counterfeit_goods",
  "ip_infringing_goods",
  "poor_quality_goods",
  "restricted_goods",
  "conditional_goods_unmet",
  "expired_goods",
  "unknown_origin_goods",
  "false_information",
  "undeclared_business_tax_evasion",
];

export const CAPTURE_BROWSER_EVENT_KINDS: readonly CaptureBrowserEventKind[] = [
  "visited",
  "captured",
  "failed",
  "closed",
];

/** Stable error codes of the contract (the core's, then the shell's own); the UI has a catalog message for each. */
export const ERROR_CODES = [
  "invalid_input",
  "profile_missing",
  "case_not_found",
  "duplicate_case_code",
  "file_not_found",
  "not_a_file",
  "file_unreadable",
  "empty_file",
  "capture_failed",
  "workspace_not_found",
  "workspace_not_writable",
  "workspace_in_use",
  "database_locked",
  "database_corrupt",
  "database_too_new",
  "io_error",
  "internal",
  "bad_passphrase",
  "key_missing",
  "forbidden_role",
  "invalid_transition",
  "case_incomplete",
  "case_not_sealed",
  "bundle_invalid",
  "case_already_exists",
  "proof_invalid",
  "registry_not_configured",
  "registry_unreachable",
  "registry_refused",
  "registry_receipt_invalid",
  "registry_log_inconsistent",
  "tip_not_found",
  "import_invalid",
  "watch_not_found",
  "invalid_setting",
  "app_locked",
  "workspace_locked",
  "workspace_key_missing",
  "workspace_key_too_new",
  "unlock_throttled",
  "backup_invalid",
  "backup_disk_full",
  "restore_target_not_empty",
  "browser_already_open",
  "browser_not_open",
  "chromium_missing",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ── Backup (`backup_run`, `backup_run_dialog`, event `backup-progress`) ─────────────

/** What a finished backup wrote (`truyvet_core::backup::BackupSummary`). */
export interface BackupSummary {
  /** `archive` (one .tar file) or `folder` (incremental snapshots). */
  kind: "archive" | "folder";
  path: string;
  snapshot: string;
  /** SHA-256 of the manifest: one value that commits to the whole snapshot. */
  manifest_sha256: string;
  created_at: string;
  schema_version: number;
  cases: number;
  evidence: number;
  blobs: number;
  blobs_copied: number;
  bytes: number;
  bytes_written: number;
}

/** Payload of the `backup-progress` event: bytes copied of all to copy. */
export interface BackupProgress {
  done: number;
  total: number;
}

// ── Entities, links, cross-case hits and the case graph ─────────────────────────────

export type EntityKind = "subject" | "listing" | "payment_account" | "identifier" | "website";
export type EntityState = "suggested" | "confirmed" | "rejected" | "merged";
export type IdKind =
  | "phone"
  | "bank_account"
  | "ewallet"
  | "email"
  | "domain"
  | "social_profile"
  | "marketplace_shop"
  | "marketplace_listing"
  | "tax_code"
  | "vietqr";
export type LinkKind = "offers" | "operates" | "lists" | "uses" | "receives" | "shows" | "related";
export type EdgeKind = LinkKind | "same_identifier";
export type ExclusionSource = "default" | "user";
export type GraphFormat = "graphml" | "csv";

/** A subject, listing, payment account, identifier or website of a case. */
export interface Entity {
  id: string;
  case_id: string;
  kind: EntityKind;
  /** Set for entities made from an extracted identifier. */
  id_kind: IdKind | null;
  /** The normalized identifier value (`+84…`, account digits, …). */
  value: string | null;
  /** Bank of an account or provider of an e-wallet; empty when unknown. */
  qualifier: string;
  label: string;
  attrs: Record<string, unknown>;
  state: EntityState;
  merged_into: string | null;
  aliases: string[];
  /** How many times the identifier was found in the case's evidence. */
  occurrences: number;
  created_at: string;
  created_by: string;
  updated_at: string;
}

/** A hand-made subject, listing or website (`entity_create`). */
export interface NewEntity {
  kind: EntityKind;
  label: string;
  aliases?: string[];
  attrs?: Record<string, string | number>;
}

/** A typed link between two entities of a case, backed by evidence items. */
export interface Link {
  id: string;
  case_id: string;
  kind: LinkKind;
  from_id: string;
  to_id: string;
  evidence_ids: string[];
  created_at: string;
  created_by: string;
}

export interface NewLink {
  kind: LinkKind;
  from_id: string;
  to_id: string;
  evidence_ids: string[];
}

/** "Seen in case X (date, status)". */
export interface CrossCaseHit {
  entity_id: string;
  id_kind: IdKind;
  value: string;
  qualifier: string;
  other_case_code: string;
  other_case_title: string;
  other_case_status: CaseStatus;
  other_entity_id: string;
  other_id_kind: IdKind;
  other_qualifier: string;
  other_seen_at: string;
  other_evidence_count: number;
}

/** What the entities panel shows for a case (`entity_overview`). */
export interface EntityOverview {
  entities: Entity[];
  links: Link[];
  hits: CrossCaseHit[];
}

/** One place an identifier was found (`identifier_lookup`). */
export interface Occurrence {
  case_code: string;
  case_title: string;
  case_status: CaseStatus;
  recorded_at: string;
  evidence_id: string;
  id_kind: IdKind;
  value: string;
  qualifier: string;
  raw: string;
  location: string;
  snippet: string;
  entity_id: string;
  entity_state: EntityState;
  excluded: boolean;
  /** Other agencies' cases holding the value (the registry's watchlist); absent when none. */
  seen_by_other_agency?: AgencySighting[];
}

/** One identifier of another agency's sealed case, from the registry's watchlist. */
export interface AgencySighting {
  cursor: number;
  kind: string;
  value: string;
  qualifier: string;
  agency: string;
  case_id: string;
  case_code: string;
  categories: string[];
  case_date: string;
}

export interface Exclusion {
  kind: IdKind;
  value: string;
  source: ExclusionSource;
  note: string;
}

export interface GraphNode {
  id: string;
  kind: EntityKind;
  id_kind: IdKind | null;
  label: string;
  value: string | null;
  qualifier: string;
  state: EntityState;
  case_code: string;
  case_status: CaseStatus;
  /** The node belongs to another case (the graph was expanded). */
  other_case: boolean;
  evidence_ids: string[];
}

export interface GraphEdge {
  id: string;
  kind: EdgeKind;
  source: string;
  target: string;
  evidence_ids: string[];
}

/** The case graph (`case_graph`). */
export interface Graph {
  case_code: string;
  expanded: boolean;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const ENTITY_KINDS: readonly EntityKind[] = [
  "subject",
  "listing",
  "payment_account",
  "identifier",
  "website",
];
export const ENTITY_STATES: readonly EntityState[] = ["suggested", "confirmed", "rejected", "merged"];
export const ID_KINDS: readonly IdKind[] = [
  "phone",
  "bank_account",
  "ewallet",
  "email",
  "domain",
  "social_profile",
  "marketplace_shop",
  "marketplace_listing",
  "tax_code",
  "vietqr",
];
export const LINK_KINDS: readonly LinkKind[] = [
  "offers",
  "operates",
  "lists",
  "uses",
  "receives",
  "shows",
  "related",
];
export const EDGE_KINDS: readonly EdgeKind[] = [
  "offers",
  "operates",
  "lists",
  "uses",
  "receives",
  "shows",
  "related",
  "same_identifier",
];
export const EXCLUSION_SOURCES: readonly ExclusionSource[] = ["default", "user"];

// ── Profiles and the review workflow ────────────────────────────────────────────────

/** A profile in the switcher: its signing key's fingerprint and whether it is acting. */
export interface ProfileEntry extends Profile {
  fingerprint: string | null;
  current: boolean;
}

export type TransitionAction = "submit" | "return" | "approve" | "seal";
export const TRANSITION_ACTIONS: readonly TransitionAction[] = ["submit", "return", "approve", "seal"];

export interface CaseReview {
  legal_basis: string;
  proposed_measures: string;
}

/** The signed Merkle root over a sealed case's contents. */
export interface Seal {
  case_id: string;
  root: string;
  leaf_count: number;
  head: string;
  at: string;
  fingerprint: string;
  signature: string;
}

export interface CaseReviewView extends CaseReview {
  seal: Seal | null;
}

// ── Case bundles (export, verify, import) ───────────────────────────────────────────

/** What `bundle_export` wrote. */
export interface ExportSummary {
  case_code: string;
  path: string;
  /** SHA-256 of the whole bundle file. */
  sha256: string;
  size: number;
  /** SHA-256 of `datapackage.json`, as `datapackage-digest.json` records it. */
  datapackage_sha256: string;
  seal_root: string;
  evidence: number;
  warcs: number;
}

/** One thing wrong with a bundle; `kind` is stable (`zip_crc_mismatch`, `seal_signature_invalid`, …). */
export interface BundleProblem {
  kind: string;
  detail: string;
}

/** What `bundle_verify` found: `ok` only when every check passed. */
export interface BundleReport {
  ok: boolean;
  case_code: string | null;
  seal_root: string | null;
  files: number;
  warc_records: number;
  custody_events: number;
  signatures: number;
  timestamps: number;
  /** Whether the seal's Merkle root was recomputed from the bundle's contents. */
  seal_root_recomputed: string;
  problems: BundleProblem[];
}

/** What `bundle_import` brought into the workspace. */
export interface ImportSummary {
  case_code: string;
  case_id: string;
  origin_agency: string;
  evidence: number;
  bundle_sha256: string;
  seal_root: string;
}

// ── Addenda and seal proofs ─────────────────────────────────────────────────────────

/** A signed correction of a sealed case (`case_addenda`, `case_addendum_add`). */
export interface Addendum {
  id: string;
  case_id: string;
  /** The Merkle root of the seal it amends. */
  seal_root: string;
  body: string;
  /** The author's profile name and display name. */
  profile: string;
  author: string;
  at: string;
  /** The author's signing-key fingerprint. */
  fingerprint: string;
  signature: string;
}

/** What a checked seal proof establishes (`seal_proof_verify`). */
export interface ProvenItem {
  case_code: string;
  case_id: string;
  evidence_id: string;
  sha256: string;
  seal_root: string;
  sealed_at: string;
  /** The sealing key's fingerprint: to compare with the one the agency publishes. */
  fingerprint: string;
}

// ── Sync with the central registry ──────────────────────────────────────────────────

export type SyncState = "queued" | "uploading" | "verified" | "rejected";
export const SYNC_STATES: readonly SyncState[] = ["queued", "uploading", "verified", "rejected"];

/** The registry settings (`registry_settings_get`); never the token, only its end. */
export interface RegistrySettings {
  url: string;
  log_key: string;
  /** Hex SHA-256 of the log key: compare with what the registry's administrator announced. */
  key_fingerprint: string;
  /** `…` and the token's last four characters. */
  token_hint: string;
  set_at: string;
  tree_size: number | null;
}

/** The registry's signed tree head. */
export interface TreeHead {
  size: number;
  root: string;
  timestamp: string;
  key_fingerprint: string;
  signature: string;
}

/** What `registry_settings_set` stored and checked. */
export interface RegistrySetResult {
  settings: RegistrySettings;
  /** `null` when the registry could not be reached (the first sync checks the key). */
  checked_head: TreeHead | null;
  unreachable: string | null;
}

/** One sealed case's place in the outbox. */
export interface SyncCase {
  case_id: string;
  case_code: string;
  state: SyncState;
  attempts: number;
  next_attempt_at: string | null;
  /** The registry's (or client's) code of the last failure; empty when none. */
  reason_code: string;
  reason: string;
  confirmed_offset: number;
  bundle_size: number | null;
  /** From the verified receipt. */
  leaf_index: number | null;
  tree_size: number | null;
  updated_at: string;
}

/** What a finished sync run did. */
export interface SyncRunSummary {
  started_at: string;
  finished_at: string;
  background: boolean;
  verified: number;
  rejected: number;
  pending: number;
  watchlist_added: number | null;
  error: AppError | null;
}

/** The sync screen in one read (`sync_status`, also the answer of `sync_now`). */
export interface SyncStatus {
  configured: boolean;
  running: boolean;
  cases: SyncCase[];
  watchlist_pulled_at: string | null;
  watchlist_entries: number;
  tree_size: number | null;
  last_run: SyncRunSummary | null;
}

export type SyncProgressKind = "started" | "case" | "finished";
export const SYNC_PROGRESS_KINDS: readonly SyncProgressKind[] = ["started", "case", "finished"];

/** The `sync-progress` event. */
export interface SyncProgress {
  kind: SyncProgressKind;
  case: SyncCase | null;
  run: SyncRunSummary | null;
}

/** The unit of another agency that recorded a case (asked of the registry live). */
export interface UnitContact {
  agency: string;
  code: string;
  name: string;
  contact: string;
}

/** An identifier of the case that another agency's sealed case holds (`watchlist_hits`). */
export interface WatchlistHit {
  entity_id: string;
  id_kind: IdKind;
  value: string;
  qualifier: string;
  seen_by: AgencySighting;
  unit: UnitContact | null;
}

/** Local cases with one status (`Dashboard.by_status`). */
export interface StatusCount {
  status: CaseStatus;
  count: number;
}

/** Open cases by days since a date: < 7, 7–30, 30–90, > 90. */
export interface AgeBuckets {
  under_7: number;
  from_7_to_30: number;
  from_30_to_90: number;
  over_90: number;
}

/** A submitted case waiting for a supervisor. */
export interface QueuedCase {
  code: string;
  title: string;
  created_by: string;
  submitted_at: string;
  waiting_secs: number;
}

/** A tip with status `new` (waiting for triage). */
export interface WaitingTip {
  id: string;
  code: string;
  channel: string;
  summary: string;
  received_at: string;
  waiting_secs: number;
}

/** A case opened from a tip in the last 30 days. */
export interface TipCase {
  case_code: string;
  case_title: string;
  status: CaseStatus;
  tip_id: string;
  tip_code: string;
  created_at: string;
}

/** A watched item on the dashboard (changed, or its last check failed). */
export interface WatchEntry {
  id: string;
  label: string;
  target: string;
  platform: string;
  last_checked_at: string | null;
  last_changed_at: string | null;
  last_error: string | null;
  risk_score: number;
}

/** One reason of a watched item's risk score, with its points (`code`: cases, repeat_identifiers, categories, registry_hit, recent_changes). */
export interface RiskReason {
  code: string;
  points: number;
  count: number;
  detail: string;
}

/** A watched URL or identifier (`watch_list`, `watch_add`). */
export interface WatchItem {
  id: string;
  target: string;
  kind: "url" | "identifier";
  label: string;
  platform: string;
  interval_secs: number;
  active: boolean;
  created_at: string;
  created_by: string;
  last_checked_at: string | null;
  last_changed_at: string | null;
  changed_unseen: boolean;
  last_error: string | null;
  risk_score: number;
  risk_reasons: RiskReason[];
  failures: number;
  next_check_at: string | null;
  new_flags: number;
}

/** One check of a watched page, without its text. */
export interface WatchSnapshot {
  id: number;
  item_id: string;
  checked_at: string;
  outcome: "ok" | "error";
  http_status: number | null;
  final_url: string | null;
  title: string;
  text_sha256: string | null;
  screenshot_sha256: string | null;
  warc_sha256: string | null;
  changed: boolean;
  error_code: string | null;
  error_message: string | null;
}

/** Where a watched item turned up: a case here, or another agency's case in the registry. */
export interface WatchFlag {
  source: "case" | "registry";
  reference: string;
  label: string;
  found_at: string;
  seen: boolean;
}

export interface WatchCaseSeen {
  case_id: string;
  code: string;
  title: string;
  status: string;
}

export interface WatchClassification {
  platform: string;
  cases: WatchCaseSeen[];
  product_groups: string[];
  violation_categories: string[];
  registry_agencies: string[];
}

export interface WatchDetail {
  item: WatchItem;
  snapshots: WatchSnapshot[];
  flags: WatchFlag[];
  classification: WatchClassification;
}

export interface WatchDiffLine {
  tag: "same" | "added" | "removed";
  text: string;
}

export interface WatchDiff {
  item_id: string;
  from: WatchSnapshot;
  to: WatchSnapshot;
  lines: WatchDiffLine[];
  added: number;
  removed: number;
}

export interface WatchChecked {
  item_id: string;
  url: string;
  snapshot: WatchSnapshot;
}

export interface WatchRun {
  checked: WatchChecked[];
  skipped: number;
  flags_raised: number;
}

export interface WatchRunSummary {
  finished_at: string;
  background: boolean;
  checked: number;
  changed: number;
  errors: number;
  flags_raised: number;
  error: string | null;
}

export interface WatchRunStatus {
  running: boolean;
  last: WatchRunSummary | null;
}

/** Sync outbox rows by state. */
export interface OutboxCounts {
  queued: number;
  uploading: number;
  verified: number;
  rejected: number;
}

/** The supervisor's overview (`dashboard_get`); lists hold at most 50 rows, `*_total` the full count. */
export interface Dashboard {
  generated_at: string;
  open_cases: number;
  by_status: StatusCount[];
  age_since_created: AgeBuckets;
  age_since_change: AgeBuckets;
  review_queue: QueuedCase[];
  review_queue_total: number;
  tips_available: boolean;
  tips_waiting: WaitingTip[];
  tips_waiting_total: number;
  recent_tip_cases: TipCase[];
  recent_tip_cases_total: number;
  watch_available: boolean;
  watch_changed: WatchEntry[];
  watch_changed_total: number;
  watch_errors: WatchEntry[];
  watch_errors_total: number;
  outbox: OutboxCounts;
}

export type ReportFormat = "pdf" | "xlsx";
export type ReportPreset = "6m" | "1y" | "2y" | "3y" | "custom";
export const REPORT_PRESETS: readonly ReportPreset[] = ["6m", "1y", "2y", "3y", "custom"];

/** What the report screen asks for (`report_figures`, `report_build`, `report_build_dialog`). */
export interface ReportParams {
  preset?: ReportPreset;
  /** `YYYY-MM-DD`, with preset `custom`. */
  from?: string;
  to?: string;
  agency?: string;
  unit?: string;
  province?: string;
  format?: ReportFormat;
}

export interface ReportScope {
  agency: string | null;
  unit: string | null;
  province: string | null;
}

export interface ReportCount {
  key: string;
  label: string;
  count: number;
}

export interface ReportMonthRow {
  month: string;
  opened: number;
  sealed: number;
  referred: number;
}

export interface ReportTotals {
  cases_opened: number;
  cases_sealed: number;
  cases_referred: number;
  referrals: number;
  tips_received: number;
  repeat_identifiers: number;
}

export interface ReportTipFigures {
  available: boolean;
  received: number;
  case_opened: number;
  by_channel: ReportCount[];
  by_status: ReportCount[];
  by_outcome: ReportCount[];
}

export interface RepeatOffender {
  kind: string;
  value: string;
  case_count: number;
  case_codes: string[];
}

export interface RegistryFigures {
  /** `online`, `offline` (no registry, or built without asking it) or `unreachable`. */
  status: string;
  note: string;
  /** `online` only: when the figures were fetched, and from which host. */
  fetched_at: string | null;
  host: string | null;
  /** Sealed cases of every agency in the period; `online` only. */
  total_cases: number | null;
  by_category: ReportCount[];
  by_platform: ReportCount[];
  by_province: ReportCount[];
  by_month: ReportCount[];
}

/** The figures of a period and scope (`report_figures`). */
export interface ReportFigures {
  from: string;
  to: string;
  scope: ReportScope;
  empty: boolean;
  totals: ReportTotals;
  per_month: ReportMonthRow[];
  by_category: ReportCount[];
  by_platform: ReportCount[];
  by_product_group: ReportCount[];
  referrals_by_agency: ReportCount[];
  tips: ReportTipFigures;
  repeat_offenders: RepeatOffender[];
  registry: RegistryFigures;
  figures_sha256: string;
}

/** What `report_build` wrote. */
export interface ReportSummary {
  path: string;
  format: ReportFormat;
  sha256: string;
  size: number;
  from: string;
  to: string;
  scope: ReportScope;
  empty: boolean;
  figures_sha256: string;
  generated_at: string;
}

// ── Tips and complaints (`tip_*`, `case_origin_tip`) ───────────────────────────────

export const TIP_CHANNELS = ["hotline", "letter", "email", "web_form", "referral", "other"] as const;
export type TipChannel = (typeof TIP_CHANNELS)[number];
export const TIP_STATUSES = ["new", "triaged", "assigned", "case_opened", "closed"] as const;
export type TipStatus = (typeof TIP_STATUSES)[number];
export const TIP_OUTCOMES = ["case_opened", "no_violation", "duplicate", "forwarded", "insufficient_info"] as const;
export type TipOutcome = (typeof TIP_OUTCOMES)[number];

/** The reporter's contact; masked ("09******12") unless revealed. */
export interface TipContact {
  name: string;
  phone: string;
  email: string;
  address: string;
  organization: string;
}

export interface NewTip {
  received_at?: string | null;
  channel: TipChannel | null;
  summary: string;
  allegation: string;
  violation_categories: ViolationCategory[];
  product_group: string;
  contact: TipContact;
  links: string[];
  identifiers: string[];
  attachments: string[];
}

export interface Tip {
  id: string;
  code: string;
  received_at: string;
  channel: TipChannel;
  summary: string;
  allegation: string;
  violation_categories: ViolationCategory[];
  product_group: string;
  status: TipStatus;
  assignee: string | null;
  case_id: string | null;
  case_code: string | null;
  outcome: TipOutcome | null;
  closed_at: string | null;
  agency: string;
  unit: string;
  province: string;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface TipAttachment {
  id: string;
  sha256: string;
  size: number;
  name: string;
  media_type: string;
  added_at: string;
  added_by: string;
}

export interface TipIdentifier {
  id_kind: string;
  value: string;
  /** `allegation` (the reported seller) or `reporter`. */
  source: string;
}

export interface TipEvent {
  seq: number;
  actor: string;
  at: string;
  kind: string;
  payload: unknown;
  hash: string;
}

export interface MatchReason {
  /** Identifier family (`phone`, `bank`, `email`, `domain`, …) or `url`. */
  kind: string;
  value: string;
  source: string;
}

export interface DuplicateMatch {
  target: "tip" | "case";
  code: string;
  title: string;
  status: string;
  reasons: MatchReason[];
}

export interface TipDetail {
  tip: Tip;
  contact: TipContact;
  contact_revealed: boolean;
  links: string[];
  identifiers: TipIdentifier[];
  attachments: TipAttachment[];
  events: TipEvent[];
  duplicates: DuplicateMatch[];
}

export interface TipFilter {
  status?: TipStatus;
  query?: string;
  limit?: number;
}

export interface TipOrigin {
  tip_id: string;
  tip_code: string;
  received_at: string;
  channel: TipChannel;
}

export interface ImportRowResult {
  row: number;
  status: "ok" | "error" | "duplicate_in_file" | "duplicate_existing";
  code?: string;
  message?: string;
  tip_code?: string;
  duplicate_of?: string;
  summary: string;
}

export interface TipImportReport {
  format: string;
  dry_run: boolean;
  committed: boolean;
  total: number;
  accepted: number;
  rejected: number;
  columns: string[];
  ignored_columns: string[];
  rows: ImportRowResult[];
  ok_rows_omitted: number;
  first_code: string | null;
  last_code: string | null;
}
