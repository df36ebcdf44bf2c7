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
  "browser_already_open",
  "browser_not_open",
  "chromium_missing",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
