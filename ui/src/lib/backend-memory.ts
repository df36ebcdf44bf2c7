// In-memory implementation of `Backend` for component tests (and for running the UI in
// a plain browser). It follows the contract's rules that the UI relies on — diacritic
// folding in search, error codes, custody events for every change — so tests against
// it mean something. Files live in a virtual file system keyed by absolute path.

import { fold } from "./fold";
import { MemoryAddenda } from "./backend-memory-addenda";
import { MemoryBackup } from "./backend-memory-backup";
import { MemoryBundles } from "./backend-memory-bundles";
import { MemoryDashboard } from "./backend-memory-dashboard";
import { MemoryTips } from "./backend-memory-tips";
import { MemoryWatch } from "./backend-memory-watch";
import type { NewTip, Tip, TipDetail, TipFilter, TipImportReport, TipOrigin, TipOutcome } from "./types";
import { MemoryEntities } from "./backend-memory-entities";
import { MemoryReports } from "./backend-memory-reports";
import { MemorySync } from "./backend-memory-sync";
import { MemoryAppShell, SHELL_METHODS, type AppShellOptions } from "./backend-memory-settings";
import type { AppStatus, SettingEntry, SettingsView } from "./types";
import type { BackupProgress, BackupSummary } from "./types";
import { MemoryWorkflow, ensureEditable } from "./backend-memory-workflow";
import type { Unlisten } from "./events";
import { BackendError, toAppError, type Backend, type Desktop, type FileDropEvent } from "./ipc";
import type {
  Addendum,
  AppError,
  Dashboard,
  ReportFigures,
  ReportParams,
  ReportSummary,
  RegistrySetResult,
  RegistrySettings,
  SyncProgress,
  SyncStatus,
  WatchlistHit,
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
  ArtifactRef,
  CustodyEvent,
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
  Occurrence,
  Note,
  Problem,
  Profile,
  ProfileEntry,
  ProfileInput,
  ProvenItem,
  StampRun,
  StampStatus,
  TransitionAction,
  VerifyReport,
  WebCaptureInfo,
  WorkspaceInfo,
} from "./types";

export interface MemoryOptions {
  profile?: Profile | null;
  /** Virtual files: absolute path → content. */
  files?: Record<string, string | Uint8Array>;
  /** Paths that exist but are directories. */
  directories?: string[];
  /** Virtual web pages for `captureUrl`, keyed by the requested URL (`new URL(…).href`). */
  pages?: Record<string, MemoryPage>;
  /** Hosts `captureUrl` may reach although they are internal (the settings' allow-list). */
  captureAllowList?: string[];
  /** URL of the virtual timestamp authority; absent: `timestampRun` says none is configured. */
  tsaUrl?: string | null;
  /** Chromium is not installed: `browserOpen` fails with `chromium_missing`. */
  chromiumMissing?: boolean;
  /** Put in every id (`case-<tag>-000001`), so two backends (two agencies) never share ids, as UUIDs would not. */
  idTag?: string;
  /** The app shell: start state, lock passphrase (see backend-memory-settings.ts). */
  shell?: AppShellOptions;
}

/** What a virtual web server answers; unknown URLs answer 200 with no title. */
export interface MemoryPage {
  title?: string;
  /** Where redirects ended; defaults to the requested URL. */
  final_url?: string;
  http_status?: number;
  server_ip?: string;
  body?: string;
  partial_reason?: string;
}

export interface RecordedCall {
  method: keyof Backend;
  args: unknown[];
}

const GENESIS_HASH = "0".repeat(64);
const WORKSPACE_PATH = "/memory/workspace";
const START_TIME = Date.parse("2026-11-28T07:00:00Z");

const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  pdf: "application/pdf",
  txt: "text/plain",
  html: "text/html",
  json: "application/json",
  mp4: "video/mp4",
};

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

export const CAPTURE_MEDIA_TYPE = "application/vnd.truyvet.capture+json";

/** Loopback, private and link-local hosts the real capture refuses (SSRF policy). */
export function isInternalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "::" || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe80:/.test(h)) return true;
  const v4 = h.match(/^(\d+)\.(\d+)\.\d+\.\d+$/);
  if (!v4) return false;
  const [a, b] = [Number(v4[1]), Number(v4[2])];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export class MemoryBackend implements Backend {
  readonly calls: RecordedCall[] = [];
  /** Problems the next `workspaceVerify` reports (to exercise the failure view). */
  problems: Problem[] = [];

  private profile: Profile | null;
  private readonly files = new Map<string, Uint8Array>();
  private readonly directories: Set<string>;
  private readonly cases: Case[] = [];
  private readonly evidence: EvidenceItem[] = [];
  private readonly notes: Note[] = [];
  private readonly events: CustodyEvent[] = [];
  private readonly failures = new Map<keyof Backend, AppError>();
  private readonly pages: Map<string, MemoryPage>;
  private readonly artifacts = new Map<string, ArtifactRef[]>();
  private readonly captures = new Map<string, WebCaptureInfo>();
  private readonly stamps = new Map<string, StampStatus>();
  /** The virtual timestamp authority; `null` when none is configured. */
  tsaUrl: string | null;
  /** Hosts exempt from the internal-address refusal (compared case-insensitively). */
  captureAllowList: string[];
  /** While set, `captureUrl` waits for it after its checks (the "network" part), so tests can watch a capture in flight. */
  captureGate: Promise<unknown> | null = null;
  /** What the native save dialog of `bundleExportDialog` answers; `null` is "cancelled". */
  saveDialogAnswer: string | null = null;
  /** Whether `browserOpen` finds Chromium. */
  chromiumMissing: boolean;
  /** The capture browser while it is open. */
  private browser: { case_code: string; paused: boolean; url: string | null } | null = null;
  private readonly browserListeners = new Set<(event: CaptureBrowserEvent) => void>();
  private readonly stampListeners = new Set<(event: EvidenceStamped) => void>();
  private tick = 0;
  private readonly idTag: string;
  private nextId = 1;
  /** Start screens, the lock and the settings (see backend-memory-settings.ts). */
  shell = new MemoryAppShell();
  /** Entities, links, exclusions and the graph (see backend-memory-entities.ts). */
  readonly entities = new MemoryEntities({
    findCase: (code) => this.findCase(code),
    caseById: (id) => this.cases.find((c) => c.id === id) ?? fail("case_not_found", `no case ${id}`),
    evidenceOf: (caseId) => this.evidence.filter((e) => e.case_id === caseId),
    log: (c, kind, payload) => this.log(c, kind, payload),
    now: () => this.now(),
    id: (prefix) => this.id(prefix),
    actor: () => this.requireProfile().display_name,
  });

  /** Profiles, keys, transitions, review texts and seals (see backend-memory-workflow.ts). */
  readonly workflow = new MemoryWorkflow({
    findCase: (code) => this.findCase(code),
    cases: () => this.cases,
    current: () => this.profile,
    setCurrent: (profile) => (this.profile = profile),
    log: (c, kind, payload) => this.log(c, kind, payload),
    head: (c) => this.events.filter((e) => e.case_id === c.id).at(-1)?.hash ?? GENESIS_HASH,
    now: () => this.now(),
  });

  /** Export, verification and import of case bundles (see backend-memory-bundles.ts). */
  readonly bundles = new MemoryBundles({
    findCase: (code) => this.findCase(code),
    contents: (c) => ({
      evidence: this.evidence.filter((e) => e.case_id === c.id),
      notes: this.notes.filter((n) => n.case_id === c.id),
      events: this.events.filter((e) => e.case_id === c.id),
    }),
    review: (code) => this.workflow.review(code),
    workspacePath: () => WORKSPACE_PATH,
    readFile: (path) => this.files.get(path),
    writeFile: (path, data) => this.files.set(path, data),
    isDirectory: (path) => this.directories.has(path),
    hasCaseId: (id) => this.cases.some((c) => c.id === id),
    adopt: (body) => {
      this.cases.push(body.case);
      this.evidence.push(...body.evidence);
      this.notes.push(...body.notes);
      this.events.push(...body.events);
      this.workflow.adopt(body.case.id, body.review);
    },
    actor: () => this.requireProfile().display_name,
    now: () => this.now(),
  });

  /** Addenda of sealed cases and seal proofs (see backend-memory-addenda.ts). */
  readonly addenda = new MemoryAddenda({
    findCase: (code) => this.findCase(code),
    seal: (c) => (c.status === "sealed" ? this.workflow.review(c.code).seal : null),
    evidenceOf: (c) => this.evidence.filter((e) => e.case_id === c.id),
    unlock: (passphrase) => this.workflow.unlock(passphrase),
    log: (c, kind, payload) => this.log(c, kind, payload),
    readFile: (path) => this.files.get(path),
    writeFile: (path, data) => this.files.set(path, data),
    isDirectory: (path) => this.directories.has(path),
    id: (prefix) => this.id(prefix),
    now: () => this.now(),
  });

  /** The central registry, the outbox and the watchlist (see backend-memory-sync.ts). */
  readonly sync = new MemorySync({
    cases: () => this.cases,
    entitiesOf: (code) => this.entities.overview(code).entities,
    now: () => this.now(),
  });

  /** The supervisor's overview (see backend-memory-dashboard.ts). */
  readonly dashboard = new MemoryDashboard({
    cases: () => this.cases,
    submittedAt: (c) =>
      this.events.filter((e) => e.case_id === c.id && e.kind === "case_transition").at(-1)?.at ?? null,
    outboxStates: () => this.sync.status().cases.map((c) => c.state),
    now: () => this.now(),
  });

  /** The watch list (see backend-memory-watch.ts). */
  readonly watch = new MemoryWatch({
    profile: () => this.requireProfile(),
    now: () => this.now(),
    id: (prefix) => this.id(prefix),
  });

  /** Tips and complaints (see backend-memory-tips.ts). */
  readonly tips = new MemoryTips({
    profile: () => this.requireProfile(),
    profileNames: () => this.workflow.list().map((p) => p.name),
    createCase: (input) => this.caseCreate(input),
    logCase: (c, kind, payload) => this.log(c, kind, payload),
    readFile: (path) => this.files.get(path),
    dashboard: this.dashboard,
    now: () => this.now(),
    id: (prefix) => this.id(prefix),
  });

  /** Backups with progress (see backend-memory-backup.ts). */
  readonly backup = new MemoryBackup({
    contents: () => ({
      cases: this.cases.length,
      evidence: this.evidence.length,
      blobs: new Map(this.evidence.map((e) => [e.sha256, e.size])),
    }),
    readFile: (path) => this.files.get(path),
    writeFile: (path, data) => this.files.set(path, data),
    isDirectory: (path) => this.directories.has(path),
    now: () => this.now(),
  });

  /** Periodic reports (see backend-memory-reports.ts). */
  readonly reports = new MemoryReports({
    cases: () => this.cases,
    workspacePath: () => WORKSPACE_PATH,
    writeFile: (path, data) => this.files.set(path, data),
    isDirectory: (path) => this.directories.has(path),
    now: () => this.now(),
  });

  constructor(options: MemoryOptions = {}) {
    this.profile = options.profile ?? null;
    this.shell = new MemoryAppShell(options.shell);
    if (this.profile) this.workflow.remember(this.profile);
    this.pages = new Map(Object.entries(options.pages ?? {}));
    this.captureAllowList = [...(options.captureAllowList ?? [])];
    this.tsaUrl = options.tsaUrl ?? null;
    this.chromiumMissing = options.chromiumMissing ?? false;
    this.idTag = options.idTag ?? "";
    this.directories = new Set(options.directories ?? []);
    for (const [path, content] of Object.entries(options.files ?? {})) this.addFile(path, content);
  }

  addFile(path: string, content: string | Uint8Array): void {
    this.files.set(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
  }

  /** Test control: the bytes of a virtual file (an exported bundle), a copy. */
  readFile(path: string): Uint8Array | undefined {
    const data = this.files.get(path);
    return data ? data.slice() : undefined;
  }

  /** Makes the next call of `method` reject with `error`. */
  failNext(method: keyof Backend, error: AppError): void {
    this.failures.set(method, error);
  }

  private enter(method: keyof Backend, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.shell.locked && !SHELL_METHODS.has(method)) fail("app_locked", "the app is locked");
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      fail(failure.code, failure.message);
    }
  }

  /** A deterministic clock: one second per change, so ordering is stable in tests. */
  private now(): string {
    this.tick += 1;
    return new Date(START_TIME + this.tick * 1000).toISOString();
  }

  private id(prefix: string): string {
    const tag = this.idTag ? `${this.idTag}-` : "";
    return `${prefix}-${tag}${String(this.nextId++).padStart(6, "0")}`;
  }

  private requireProfile(): Profile {
    return this.profile ?? fail("profile_missing", "no profile");
  }

  private findCase(code: string): Case {
    return this.cases.find((c) => c.code === code) ?? fail("case_not_found", `no case ${code}`);
  }

  private async log(c: Case, kind: string, payload: Record<string, unknown>): Promise<void> {
    const previous = this.events.filter((e) => e.case_id === c.id).at(-1);
    const base = {
      seq: (previous?.seq ?? 0) + 1,
      case_id: c.id,
      actor: this.requireProfile().display_name,
      at: this.now(),
      kind,
      payload,
      prev_hash: previous?.hash ?? GENESIS_HASH,
    };
    const hash = await sha256Hex(new TextEncoder().encode(JSON.stringify(base)));
    this.events.push({ ...base, hash });
  }

  private summary(c: Case): CaseSummary {
    const evidence_count = this.evidence.filter((e) => e.case_id === c.id).length;
    return { ...structuredClone(c), evidence_count };
  }

  async appStatus(): Promise<AppStatus> {
    this.enter("appStatus", []);
    return this.shell.status();
  }

  async appLock(): Promise<AppStatus> {
    this.enter("appLock", []);
    return this.shell.lock();
  }

  async appUnlock(passphrase: string): Promise<AppStatus> {
    this.enter("appUnlock", [passphrase]);
    return this.shell.unlock(passphrase);
  }

  async appActivity(): Promise<void> {
    this.enter("appActivity", []);
  }

  async workspaceCreate(passphrase?: string): Promise<AppStatus> {
    this.enter("workspaceCreate", [passphrase]);
    return this.shell.create(passphrase);
  }

  async settingsGet(): Promise<SettingsView> {
    this.enter("settingsGet", []);
    return this.shell.settings();
  }

  async settingsSet(key: string, value: string): Promise<SettingEntry> {
    this.enter("settingsSet", [key, value]);
    return this.shell.set(key, value);
  }

  async workspaceChangePassphrase(old: string, next: string): Promise<void> {
    this.enter("workspaceChangePassphrase", [old, next]);
    this.shell.changePassphrase(old, next);
  }

  async workspaceInfo(): Promise<WorkspaceInfo> {
    this.enter("workspaceInfo", []);
    return {
      path: WORKSPACE_PATH,
      schema_version: 1,
      app_version: "0.0.0-memory",
      device: "memory",
      profile: this.profile ? { ...this.profile } : null,
    };
  }

  async profileSave(input: ProfileInput): Promise<Profile> {
    this.enter("profileSave", [input]);
    const display_name = input.display_name.trim();
    if (!display_name || !input.agency || !input.unit.trim() || !input.province) {
      fail("invalid_input", "profile fields are required");
    }
    const name = fold(display_name).replace(/[^a-z0-9]+/g, ".").replace(/^\.|\.$/g, "");
    this.profile = { ...input, display_name, unit: input.unit.trim(), name, created_at: this.now() };
    this.workflow.remember(this.profile);
    return { ...this.profile };
  }

  async caseList(filter: CaseFilter = {}): Promise<CaseSummary[]> {
    this.enter("caseList", [filter]);
    const terms = fold(filter.query ?? "").split(/\s+/).filter(Boolean);
    return this.cases
      .filter((c) => !filter.status || c.status === filter.status)
      .filter((c) => {
        const haystack = fold(`${c.code} ${c.title} ${c.product_group}`);
        return terms.every((term) => haystack.includes(term));
      })
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
      .map((c) => this.summary(c));
  }

  async caseCreate(input: NewCase): Promise<Case> {
    this.enter("caseCreate", [input]);
    const profile = this.requireProfile();
    const title = input.title.trim();
    if (!title) fail("invalid_input", "title is required");
    const at = this.now();
    const province = input.province ?? profile.province;
    const serial = String(this.cases.length + 1).padStart(4, "0");
    const c: Case = {
      id: this.id("case"),
      code: `${profile.agency}-${province}-${at.slice(0, 4)}-${serial}`,
      title,
      agency: profile.agency,
      unit: input.unit ?? profile.unit,
      province,
      violation_categories: [...input.violation_categories],
      product_group: input.product_group.trim(),
      status: "draft",
      origin: input.origin,
      created_at: at,
      created_by: profile.display_name,
      updated_at: at,
    };
    this.cases.push(c);
    await this.log(c, "case_created", { code: c.code, title: c.title });
    return structuredClone(c);
  }

  async caseGet(code: string): Promise<CaseDetail> {
    this.enter("caseGet", [code]);
    const c = this.findCase(code);
    return structuredClone({
      case: c,
      evidence: this.evidence.filter((e) => e.case_id === c.id),
      notes: this.notes.filter((n) => n.case_id === c.id),
    });
  }

  async caseEdit(code: string, edit: CaseEdit): Promise<Case> {
    this.enter("caseEdit", [code, edit]);
    this.requireProfile();
    const c = this.findCase(code);
    ensureEditable(c);
    if (edit.title !== undefined && !edit.title.trim()) fail("invalid_input", "title is required");
    for (const [field, value] of Object.entries(edit)) {
      if (value === undefined) continue;
      const key = field as keyof CaseEdit;
      const old = c[key];
      if (JSON.stringify(old) === JSON.stringify(value)) continue;
      Object.assign(c, { [key]: value });
      await this.log(c, "field_edited", { field, old, new: value });
    }
    c.updated_at = this.now();
    return structuredClone(c);
  }

  async evidenceAdd(code: string, paths: string[], note?: string): Promise<EvidenceItem[]> {
    this.enter("evidenceAdd", [code, paths, note]);
    const profile = this.requireProfile();
    const c = this.findCase(code);
    ensureEditable(c);
    if (paths.length === 0) fail("invalid_input", "no paths");
    // Check every path before storing anything: one bad path adds nothing.
    const contents = paths.map((path) => {
      if (this.directories.has(path)) fail("not_a_file", `${path} is a directory`);
      const data = this.files.get(path) ?? fail("file_not_found", `${path} not found`);
      if (data.length === 0) fail("empty_file", `${path} is empty`);
      return data;
    });
    const added: EvidenceItem[] = [];
    for (const [index, path] of paths.entries()) {
      const data = contents[index] as Uint8Array;
      const name = basename(path);
      const item: EvidenceItem = {
        id: this.id("ev"),
        case_id: c.id,
        kind: "file",
        sha256: await sha256Hex(data),
        size: data.length,
        original_filename: name,
        media_type: MEDIA_TYPES[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream",
        acquired_at: this.now(),
        acquired_by: profile.display_name,
        device: "memory",
        source_path: path,
        note: note ?? null,
      };
      this.evidence.push(item);
      added.push(item);
      await this.log(c, "evidence_added", {
        sha256: item.sha256,
        original_filename: item.original_filename,
        size: item.size,
      });
    }
    c.updated_at = this.now();
    return structuredClone(added);
  }

  async captureUrl(code: string, url: string, insecure?: boolean, browser?: boolean): Promise<EvidenceItem> {
    this.enter("captureUrl", [code, url, insecure, browser]);
    return this.capture(code, url, insecure, browser);
  }

  /** The capture itself, shared by `captureUrl` and the capture browser. */
  private async capture(code: string, url: string, insecure?: boolean, browser?: boolean): Promise<EvidenceItem> {
    const profile = this.requireProfile();
    const c = this.findCase(code);
    ensureEditable(c);
    const refuse = (reason: string): never => fail("capture_failed", reason);
    let parsed: URL;
    try {
      parsed = new URL(url.trim());
    } catch {
      return refuse(`invalid_url: cannot parse ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      refuse(`scheme_not_allowed: ${parsed.protocol} is not http or https`);
    }
    const host = parsed.hostname.toLowerCase();
    const allowed = this.captureAllowList.some((entry) => entry.toLowerCase() === host);
    if (isInternalHost(host) && !allowed) {
      refuse(`policy_refused: address ${host} is private, loopback or link-local`);
    }
    if (host.endsWith(".invalid")) refuse(`dns_failed: ${host} does not resolve`);
    if (this.captureGate) await this.captureGate;

    const page = this.pages.get(parsed.href) ?? {};
    const finalUrl = page.final_url ?? parsed.href;
    const title = page.title?.trim() ?? "";
    const body = page.body ?? `<html><head><title>${title}</title></head><body></body></html>`;
    const acquiredAt = this.now();
    const id = this.id("ev");
    const manifest = {
      format: "truyvet.capture.memory/1",
      evidence_id: id,
      case_id: c.id,
      method: "http",
      url: parsed.href,
      final_url: finalUrl,
      title,
      http_status: page.http_status ?? 200,
      server_ip: page.server_ip ?? "203.0.113.10",
      partial_reason: page.partial_reason ?? null,
      captured_at: acquiredAt,
      captured_by: profile.display_name,
      device: "memory",
      body_sha256: await sha256Hex(new TextEncoder().encode(body)),
      metadata: { tls_unverified: insecure === true && parsed.protocol === "https:" },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const item: EvidenceItem = {
      id,
      case_id: c.id,
      kind: "web_capture",
      sha256: await sha256Hex(bytes),
      size: bytes.length,
      original_filename: title || finalUrl,
      media_type: CAPTURE_MEDIA_TYPE,
      acquired_at: acquiredAt,
      acquired_by: profile.display_name,
      device: "memory",
      source_path: finalUrl,
      note: null,
    };
    this.evidence.push(item);
    const parts: [string, string, string][] = [["warc", "application/warc", `WARC/1.1 ${body}`]];
    if (browser) {
      parts.push(["dom", "text/html; charset=utf-8", body], ["screenshot", "image/png", `PNG ${finalUrl}`]);
    }
    const artifacts: ArtifactRef[] = [];
    for (const [role, media_type, content] of parts) {
      const data = new TextEncoder().encode(content);
      artifacts.push({ role, media_type, size: data.length, sha256: await sha256Hex(data) });
    }
    this.artifacts.set(id, artifacts.sort((a, b) => a.role.localeCompare(b.role)));
    this.captures.set(id, {
      method: browser ? "browser" : "http",
      url: manifest.url,
      final_url: finalUrl,
      title,
      http_status: manifest.http_status,
      server_ip: manifest.server_ip,
      partial_reason: manifest.partial_reason,
      metadata: manifest.metadata,
    });
    this.stamps.set(id, {
      evidence_id: id,
      digest: item.sha256,
      status: "pending",
      attempts: 0,
      last_error: null,
      tsa_url: null,
      gen_time: null,
    });
    await this.log(c, "capture_added", {
      evidence_id: item.id,
      kind: item.kind,
      sha256: item.sha256,
      size: item.size,
      method: manifest.method,
      url: manifest.url,
      final_url: manifest.final_url,
      http_status: manifest.http_status,
      server_ip: manifest.server_ip,
      partial_reason: manifest.partial_reason,
    });
    c.updated_at = this.now();
    return structuredClone(item);
  }

  /** The network policy's refusals, as the capture's `capture_failed` sub-codes. */
  private checkPolicy(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url.trim());
    } catch {
      return fail("capture_failed", `invalid_url: cannot parse ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      fail("capture_failed", `scheme_not_allowed: ${parsed.protocol} is not http or https`);
    }
    const host = parsed.hostname.toLowerCase();
    if (isInternalHost(host) && !this.captureAllowList.some((entry) => entry.toLowerCase() === host)) {
      fail("capture_failed", `policy_refused: address ${host} is private, loopback or link-local`);
    }
  }

  private browserStatusNow(): BrowserStatus {
    const b = this.browser;
    return b
      ? { open: true, paused: b.paused, case_code: b.case_code, url: b.url }
      : { open: false, paused: false, case_code: null, url: null };
  }

  private requireBrowser() {
    return this.browser ?? fail("browser_not_open", "the capture browser is not open");
  }

  private emitBrowser(event: CaptureBrowserEvent): void {
    for (const listener of this.browserListeners) listener(structuredClone(event));
  }

  async browserOpen(code: string): Promise<BrowserStatus> {
    this.enter("browserOpen", [code]);
    this.requireProfile();
    const c = this.findCase(code);
    if (this.chromiumMissing) {
      fail("chromium_missing", "Chromium not found at /usr/bin/chromium; install it with `sudo apt-get install chromium`");
    }
    if (this.browser) fail("browser_already_open", `the capture browser is already open for case ${this.browser.case_code}`);
    this.browser = { case_code: c.code, paused: false, url: null };
    return this.browserStatusNow();
  }

  async browserStatus(): Promise<BrowserStatus> {
    this.enter("browserStatus", []);
    return this.browserStatusNow();
  }

  async browserSetPaused(paused: boolean): Promise<BrowserStatus> {
    this.enter("browserSetPaused", [paused]);
    this.requireBrowser().paused = paused;
    return this.browserStatusNow();
  }

  async browserCaptureNow(): Promise<EvidenceItem> {
    this.enter("browserCaptureNow", []);
    const b = this.requireBrowser();
    const url = b.url ?? fail("capture_failed", "no_page: the capture browser has no page open to capture");
    return this.browserCapture(b.case_code, url);
  }

  async browserNavigate(url: string): Promise<void> {
    this.enter("browserNavigate", [url]);
    this.requireBrowser();
    this.checkPolicy(url);
    // Like Chromium: the command returns once the navigation started; the visit follows.
    setTimeout(() => void this.visit(url), 0);
  }

  async browserClose(): Promise<BrowserStatus> {
    this.enter("browserClose", []);
    const b = this.browser;
    this.browser = null;
    if (b) this.emitBrowser({ kind: "closed", case_code: b.case_code, url: null });
    return this.browserStatusNow();
  }

  async onCaptureBrowser(handler: (event: CaptureBrowserEvent) => void): Promise<Unlisten> {
    this.browserListeners.add(handler);
    return () => this.browserListeners.delete(handler);
  }

  async onEvidenceStamped(handler: (event: EvidenceStamped) => void): Promise<Unlisten> {
    this.stampListeners.add(handler);
    return () => this.stampListeners.delete(handler);
  }

  async onSyncProgress(handler: (event: SyncProgress) => void): Promise<Unlisten> {
    return this.sync.listen(handler);
  }

  async backupRun(out: string): Promise<BackupSummary> {
    this.enter("backupRun", [out]);
    return this.backup.run(out);
  }

  async backupRunDialog(folder: boolean): Promise<BackupSummary | null> {
    this.enter("backupRunDialog", [folder]);
    const chosen = this.backup.dialogAnswer;
    return chosen === null ? null : this.backup.run(chosen);
  }

  async onBackupProgress(handler: (event: BackupProgress) => void): Promise<Unlisten> {
    return this.backup.listen(handler);
  }

  /** How many event subscriptions are active (components must end theirs). */
  get eventListenerCount(): number {
    return this.browserListeners.size + this.stampListeners.size + this.sync.listenerCount + this.backup.listenerCount;
  }

  /** Test control: the investigator visits `url` in the capture browser (a link, a typed address). */
  async visit(url: string): Promise<void> {
    const b = this.browser;
    if (!b) return;
    b.url = url;
    this.emitBrowser({ kind: "visited", case_code: b.case_code, url });
    if (b.paused) return;
    try {
      await this.browserCapture(b.case_code, url);
    } catch {
      // Announced as `failed` already.
    }
  }

  /** A capture-browser capture: stored like a browser capture, announced as an event. */
  private async browserCapture(code: string, url: string): Promise<EvidenceItem> {
    try {
      this.checkPolicy(url);
      const evidence = await this.capture(code, url, undefined, true);
      this.emitBrowser({ kind: "captured", case_code: code, url, evidence });
      return evidence;
    } catch (error) {
      this.emitBrowser({ kind: "failed", case_code: code, url, error: toAppError(error) });
      throw error;
    }
  }

  /** Test control: a background timestamp run stamped `evidenceId` (`evidence-stamped`). */
  stampInBackground(evidenceId: string): void {
    const stamp = this.stamps.get(evidenceId);
    if (!stamp) throw new Error(`no queued timestamp for ${evidenceId}`);
    stamp.attempts += 1;
    stamp.status = "stamped";
    stamp.tsa_url = this.tsaUrl ?? "http://tsa.memory.test/";
    stamp.gen_time = this.now();
    for (const listener of this.stampListeners) listener({ evidence_id: evidenceId });
  }

  async evidenceDetail(code: string, evidenceId: string): Promise<EvidenceDetail> {
    this.enter("evidenceDetail", [code, evidenceId]);
    const c = this.findCase(code);
    const item =
      this.evidence.find((e) => e.case_id === c.id && e.id === evidenceId) ??
      fail("invalid_input", `case ${code} has no evidence ${evidenceId}`);
    return structuredClone({
      item,
      artifacts: this.artifacts.get(item.id) ?? [],
      timestamp: this.stamps.get(item.id) ?? null,
      capture: this.captures.get(item.id) ?? null,
    });
  }

  async timestampList(code: string): Promise<StampStatus[]> {
    this.enter("timestampList", [code]);
    const c = this.findCase(code);
    return structuredClone(
      this.evidence.flatMap((e) => {
        const stamp = e.case_id === c.id ? this.stamps.get(e.id) : undefined;
        return stamp ? [stamp] : [];
      }),
    );
  }

  async timestampRun(): Promise<StampRun> {
    this.enter("timestampRun", []);
    const url = this.tsaUrl ?? fail("invalid_input", "no timestamp authority is configured");
    const run: StampRun = { stamped: [], still_pending: [] };
    for (const stamp of this.stamps.values()) {
      if (stamp.status !== "pending") continue;
      stamp.attempts += 1;
      stamp.status = "stamped";
      stamp.tsa_url = url;
      stamp.gen_time = this.now();
      stamp.last_error = null;
      run.stamped.push(stamp.evidence_id);
    }
    return structuredClone(run);
  }

  async noteAdd(code: string, text: string): Promise<Note> {
    this.enter("noteAdd", [code, text]);
    const profile = this.requireProfile();
    const c = this.findCase(code);
    ensureEditable(c);
    if (!text.trim()) fail("invalid_input", "note is empty");
    const note: Note = { id: this.id("note"), case_id: c.id, text, author: profile.display_name, created_at: this.now() };
    this.notes.push(note);
    await this.log(c, "note_added", { note_id: note.id });
    c.updated_at = this.now();
    return { ...note };
  }

  async custodyLog(code: string): Promise<CustodyEvent[]> {
    this.enter("custodyLog", [code]);
    const c = this.findCase(code);
    return structuredClone(this.events.filter((e) => e.case_id === c.id));
  }

  async entityOverview(code: string): Promise<EntityOverview> {
    this.enter("entityOverview", [code]);
    return this.entities.overview(code);
  }

  async entityConfirm(entityId: string): Promise<Entity> {
    this.enter("entityConfirm", [entityId]);
    this.requireProfile();
    return this.entities.confirm(entityId);
  }

  async entityReject(entityId: string, reason?: string): Promise<Entity> {
    this.enter("entityReject", [entityId, reason]);
    this.requireProfile();
    return this.entities.reject(entityId, reason);
  }

  async entityMerge(entityId: string, intoId: string): Promise<Entity> {
    this.enter("entityMerge", [entityId, intoId]);
    this.requireProfile();
    return this.entities.merge(entityId, intoId);
  }

  async entityCreate(code: string, input: NewEntity): Promise<Entity> {
    this.enter("entityCreate", [code, input]);
    this.requireProfile();
    return this.entities.create(code, input);
  }

  async linkAdd(input: NewLink): Promise<Link> {
    this.enter("linkAdd", [input]);
    this.requireProfile();
    return this.entities.link(input);
  }

  async identifierLookup(value: string): Promise<Occurrence[]> {
    this.enter("identifierLookup", [value]);
    return this.entities.lookup(value);
  }

  async exclusionList(): Promise<Exclusion[]> {
    this.enter("exclusionList", []);
    return this.entities.exclusionList();
  }

  async exclusionAdd(kind: IdKind, value: string, note?: string): Promise<Exclusion> {
    this.enter("exclusionAdd", [kind, value, note]);
    this.requireProfile();
    return this.entities.exclusionAdd(kind, value, note);
  }

  async exclusionRemove(kind: IdKind, value: string): Promise<Exclusion> {
    this.enter("exclusionRemove", [kind, value]);
    this.requireProfile();
    return this.entities.exclusionRemove(kind, value);
  }

  async caseGraph(code: string, expand?: boolean): Promise<Graph> {
    this.enter("caseGraph", [code, expand]);
    return this.entities.graph(code, expand ?? false);
  }

  async graphExport(code: string, format: GraphFormat, expand?: boolean): Promise<string[] | null> {
    this.enter("graphExport", [code, format, expand]);
    return this.entities.graphExport(code, format);
  }

  async profileList(): Promise<ProfileEntry[]> {
    this.enter("profileList", []);
    return this.workflow.list();
  }

  async profileAdd(profile: ProfileInput, passphrase: string, name?: string): Promise<ProfileEntry> {
    this.enter("profileAdd", [profile, "<passphrase>", name]);
    return this.workflow.add(profile, passphrase, name);
  }

  async profileKeyCreate(passphrase: string): Promise<ProfileEntry> {
    this.enter("profileKeyCreate", ["<passphrase>"]);
    return this.workflow.createKey(passphrase);
  }

  async profileUse(name: string): Promise<ProfileEntry> {
    this.enter("profileUse", [name]);
    return this.workflow.use(name);
  }

  async caseTransition(code: string, action: TransitionAction, passphrase: string, comment?: string): Promise<Case> {
    // The passphrase is not recorded: tests check calls, and it must not linger anywhere.
    this.enter("caseTransition", [code, action, "<passphrase>", comment]);
    return this.workflow.transition(code, action, passphrase, comment);
  }

  async reviewQueue(): Promise<Case[]> {
    this.enter("reviewQueue", []);
    return this.workflow.queue();
  }

  async caseReview(code: string): Promise<CaseReviewView> {
    this.enter("caseReview", [code]);
    return this.workflow.review(code);
  }

  async caseReviewEdit(code: string, legalBasis?: string, proposedMeasures?: string): Promise<CaseReview> {
    this.enter("caseReviewEdit", [code, legalBasis, proposedMeasures]);
    return this.workflow.edit(code, legalBasis, proposedMeasures);
  }

  async bundleExport(code: string, path?: string): Promise<ExportSummary> {
    this.enter("bundleExport", [code, path]);
    return this.bundles.export(code, path);
  }

  async bundleExportDialog(code: string): Promise<ExportSummary | null> {
    this.enter("bundleExportDialog", [code]);
    const c = this.findCase(code);
    if (c.status !== "sealed") fail("case_not_sealed", `case ${c.code} is ${c.status}; only a sealed case can be exported`);
    const chosen = this.saveDialogAnswer;
    return chosen === null ? null : this.bundles.export(code, chosen);
  }

  async bundleVerify(path: string): Promise<BundleReport> {
    this.enter("bundleVerify", [path]);
    return this.bundles.verify(path);
  }

  async bundleImport(path: string): Promise<ImportSummary> {
    this.enter("bundleImport", [path]);
    this.requireProfile();
    return this.bundles.import(path);
  }

  async caseAddenda(code: string): Promise<Addendum[]> {
    this.enter("caseAddenda", [code]);
    return this.addenda.list(code);
  }

  async caseAddendumAdd(code: string, text: string, passphrase: string): Promise<Addendum> {
    // The passphrase is not recorded, as for transitions.
    this.enter("caseAddendumAdd", [code, text, "<passphrase>"]);
    this.requireProfile();
    return this.addenda.add(code, text, passphrase);
  }

  async sealProofExport(code: string, evidenceId: string): Promise<string | null> {
    this.enter("sealProofExport", [code, evidenceId]);
    // The proof is built first: an unsealed case is refused before the dialog opens.
    const bytes = await this.addenda.proof(code, evidenceId);
    const chosen = this.saveDialogAnswer;
    if (chosen === null) return null;
    const path = /\.json$/i.test(chosen) ? chosen : `${chosen.replace(/\.[^./\\]*$/, "")}.json`;
    this.files.set(path, bytes);
    return path;
  }

  async sealProofExportTo(code: string, evidenceId: string, path: string): Promise<string> {
    this.enter("sealProofExportTo", [code, evidenceId, path]);
    return this.addenda.exportTo(code, evidenceId, path);
  }

  async sealProofVerify(path: string, filePath?: string): Promise<ProvenItem> {
    this.enter("sealProofVerify", [path, filePath]);
    return this.addenda.verify(path, filePath);
  }

  async registrySettingsGet(): Promise<RegistrySettings | null> {
    this.enter("registrySettingsGet", []);
    return this.sync.settings();
  }

  async registrySettingsSet(url: string, token: string, key: string): Promise<RegistrySetResult> {
    this.enter("registrySettingsSet", [url, token.length > 0 ? "<token>" : "", key]);
    return this.sync.set(url, token, key);
  }

  async syncStatus(): Promise<SyncStatus> {
    this.enter("syncStatus", []);
    return this.sync.status();
  }

  async syncNow(caseCode?: string): Promise<SyncStatus> {
    this.enter("syncNow", [caseCode]);
    return this.sync.start(caseCode);
  }

  async watchlistHits(code: string, contact?: boolean): Promise<WatchlistHit[]> {
    this.enter("watchlistHits", [code, contact]);
    this.findCase(code);
    return this.sync.hits(code, contact ?? false);
  }

  async dashboardGet(): Promise<Dashboard> {
    this.enter("dashboardGet", []);
    return this.dashboard.get();
  }

  async watchList() {
    this.enter("watchList", []);
    return this.watch.list();
  }

  async watchAdd(target: string, label?: string, intervalSecs?: number) {
    this.enter("watchAdd", [target, label, intervalSecs]);
    return this.watch.add(target, label, intervalSecs);
  }

  async watchDetail(id: string) {
    this.enter("watchDetail", [id]);
    return this.watch.detail(id);
  }

  async watchDiff(id: string, from?: number, to?: number) {
    this.enter("watchDiff", [id, from, to]);
    return this.watch.diff(id, from, to);
  }

  async watchScreenshot(id: string, snapshot: number) {
    this.enter("watchScreenshot", [id, snapshot]);
    return this.watch.screenshot(id, snapshot);
  }

  async watchRemove(id: string) {
    this.enter("watchRemove", [id]);
    return this.watch.remove(id);
  }

  async watchSetActive(id: string, active: boolean) {
    this.enter("watchSetActive", [id, active]);
    return this.watch.setActive(id, active);
  }

  async watchRunNow(all: boolean, browser?: boolean) {
    this.enter("watchRunNow", [all, browser]);
    return this.watch.runNow();
  }

  async watchStatus() {
    this.enter("watchStatus", []);
    return this.watch.status();
  }

  async tipList(filter?: TipFilter): Promise<Tip[]> {
    this.enter("tipList", [filter]);
    return this.tips.list(filter);
  }

  async tipCreate(input: NewTip): Promise<TipDetail> {
    this.enter("tipCreate", [input]);
    return this.tips.create(input);
  }

  async tipGet(code: string): Promise<TipDetail> {
    this.enter("tipGet", [code]);
    return this.tips.get(code);
  }

  async tipRevealContact(code: string): Promise<TipDetail> {
    this.enter("tipRevealContact", [code]);
    return this.tips.reveal(code);
  }

  async tipTriage(code: string, note?: string): Promise<TipDetail> {
    this.enter("tipTriage", [code, note]);
    return this.tips.triage(code, note);
  }

  async tipAssign(code: string, assignee: string): Promise<TipDetail> {
    this.enter("tipAssign", [code, assignee]);
    return this.tips.assign(code, assignee);
  }

  async tipOpenCase(code: string, title?: string): Promise<TipDetail> {
    this.enter("tipOpenCase", [code, title]);
    return this.tips.openCase(code, title);
  }

  async tipClose(code: string, outcome: TipOutcome, note?: string): Promise<TipDetail> {
    this.enter("tipClose", [code, outcome, note]);
    return this.tips.close(code, outcome, note);
  }

  async tipImport(path: string, dryRun: boolean): Promise<TipImportReport> {
    this.enter("tipImport", [path, dryRun]);
    return this.tips.import(path, dryRun);
  }

  async caseOriginTip(code: string): Promise<TipOrigin | null> {
    this.enter("caseOriginTip", [code]);
    const c = this.findCase(code);
    return this.tips.originOf(c.code, c.id);
  }

  async reportFigures(params: ReportParams): Promise<ReportFigures> {
    this.enter("reportFigures", [params]);
    return this.reports.figures(params);
  }

  async reportBuild(params: ReportParams, path?: string): Promise<ReportSummary> {
    this.enter("reportBuild", [params, path]);
    return this.reports.build(params, path);
  }

  async reportBuildDialog(params: ReportParams): Promise<ReportSummary | null> {
    this.enter("reportBuildDialog", [params]);
    this.reports.destination(params);
    const chosen = this.saveDialogAnswer;
    return chosen === null ? null : this.reports.build(params, chosen);
  }

  async workspaceVerify(): Promise<VerifyReport> {
    this.enter("workspaceVerify", []);
    const blobs = new Set(this.evidence.map((e) => e.sha256));
    const bytes = this.evidence.reduce((sum, e) => sum + e.size, 0);
    return {
      ok: this.problems.length === 0,
      cases_checked: this.cases.length,
      events_checked: this.events.length,
      evidence_checked: this.evidence.length,
      blobs_checked: blobs.size,
      bytes_hashed: bytes,
      orphan_blobs: 0,
      timestamps_checked: [...this.stamps.values()].filter((s) => s.status === "stamped").length,
      timestamp_chain: "not_checked",
      problems: structuredClone(this.problems),
    };
  }
}

/** `Desktop` for tests: scripted file-picker answers and simulated drops. */
export class MemoryDesktop implements Desktop {
  /** What the next `pickFiles` returns. */
  picked: string[] = [];
  private handlers = new Set<(event: FileDropEvent) => void>();

  async pickFiles(): Promise<string[]> {
    return [...this.picked];
  }

  /** What the next `pickBundle` returns (`null`: cancelled). */
  pickedBundle: string | null = null;

  async pickBundle(): Promise<string | null> {
    return this.pickedBundle;
  }

  /** What the next `pickProof` returns (`null`: cancelled). */
  pickedProof: string | null = null;

  async pickProof(): Promise<string | null> {
    return this.pickedProof;
  }

  /** What the next `pickFile` returns (`null`: cancelled). */
  pickedFile: string | null = null;

  async pickFile(): Promise<string | null> {
    return this.pickedFile;
  }

  async onFileDrop(handler: (event: FileDropEvent) => void): Promise<() => void> {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  emit(event: FileDropEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  get listenerCount(): number {
    return this.handlers.size;
  }
}
