// Sync with the central registry in the in-memory backend: a virtual registry with one
// log key and a set of valid tokens, the shell's checks and error codes
// (`invalid_input`, `registry_receipt_invalid` for a key that did not sign the head,
// `registry_refused` for an unknown token, `registry_not_configured`), an outbox that
// takes every local sealed case, runs one at a time that report each case's step as a
// `sync-progress` event, and a watchlist of other agencies' identifiers for the flags.

import { BackendError } from "./ipc";
import type {
  AgencySighting,
  Case,
  Entity,
  RegistrySetResult,
  RegistrySettings,
  SyncCase,
  SyncProgress,
  SyncRunSummary,
  SyncStatus,
  UnitContact,
  WatchlistHit,
} from "./types";

export interface SyncHooks {
  cases(): Case[];
  entitiesOf(code: string): Entity[];
  now(): string;
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

/** The virtual registry's log key and the fingerprint the shell would compute. */
export const MEMORY_REGISTRY_KEY = "5".repeat(64);
export const MEMORY_REGISTRY_FINGERPRINT = "f".repeat(64);

export class MemorySync {
  /** Tokens the virtual registry accepts. */
  validTokens = new Set<string>(["tvr_memory_token"]);
  /** Whether the virtual registry answers at all. */
  reachable = true;
  /** When set, every push is refused with this registry code and reason. */
  refusal: { code: string; reason: string } | null = null;
  /** While set, a run waits for it before pushing (so tests can watch it in flight). */
  gate: Promise<unknown> | null = null;
  /** Other agencies' identifiers the next pull brings, and their units. */
  readonly remoteWatchlist: AgencySighting[] = [];
  readonly units = new Map<string, UnitContact>();

  private config: { url: string; log_key: string; token: string; set_at: string } | null = null;
  private readonly outbox = new Map<string, SyncCase>();
  private readonly watchlist: AgencySighting[] = [];
  private pulledAt: string | null = null;
  private treeSize: number | null = null;
  private running = false;
  private lastRun: SyncRunSummary | null = null;
  private readonly listeners = new Set<(event: SyncProgress) => void>();
  /** Resolves when the run in progress has finished. */
  idle: Promise<void> = Promise.resolve();

  constructor(private readonly hooks: SyncHooks) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  listen(handler: (event: SyncProgress) => void): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  private emit(event: SyncProgress): void {
    for (const l of this.listeners) l(event);
  }

  settings(): RegistrySettings | null {
    const c = this.config;
    if (!c) return null;
    return {
      url: c.url,
      log_key: c.log_key,
      key_fingerprint: c.log_key === MEMORY_REGISTRY_KEY ? MEMORY_REGISTRY_FINGERPRINT : "0".repeat(64),
      token_hint: `…${c.token.slice(-4)}`,
      set_at: c.set_at,
      tree_size: this.treeSize,
    };
  }

  set(url: string, token: string, key: string): RegistrySetResult {
    const cleanUrl = url.trim().replace(/\/+$/, "");
    const cleanKey = key.trim().toLowerCase();
    const cleanToken = token.trim() || this.config?.token || "";
    if (!/^https?:\/\//.test(cleanUrl)) fail("invalid_input", "the registry URL must start with http:// or https://");
    if (!/^[0-9a-f]{64}$/.test(cleanKey)) fail("invalid_input", "the registry's log key must be 64 hex digits");
    if (!cleanToken || /\s/.test(cleanToken)) fail("invalid_input", "the registry token must be one word");
    let unreachable: string | null = null;
    if (!this.reachable) {
      unreachable = "connection refused";
    } else {
      if (cleanKey !== MEMORY_REGISTRY_KEY) fail("registry_receipt_invalid", "the tree head is signed by another key");
      if (!this.validTokens.has(cleanToken)) fail("registry_refused", "401 token_invalid: unknown token");
    }
    this.config = { url: cleanUrl, log_key: cleanKey, token: cleanToken, set_at: this.hooks.now() };
    if (!unreachable) this.treeSize ??= 0;
    const settings = this.settings()!;
    return {
      settings,
      checked_head: unreachable
        ? null
        : {
            size: this.treeSize ?? 0,
            root: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            timestamp: this.hooks.now(),
            key_fingerprint: MEMORY_REGISTRY_FINGERPRINT,
            signature: "0".repeat(128),
          },
      unreachable,
    };
  }

  status(): SyncStatus {
    return {
      configured: this.config !== null,
      running: this.running,
      cases: [...this.outbox.values()].map((c) => ({ ...c })),
      watchlist_pulled_at: this.pulledAt,
      watchlist_entries: this.watchlist.length,
      tree_size: this.treeSize,
      last_run: this.lastRun,
    };
  }

  private queueSealed(): void {
    for (const c of this.hooks.cases()) {
      if (c.status !== "sealed" || c.imported || this.outbox.has(c.id)) continue;
      this.outbox.set(c.id, {
        case_id: c.id,
        case_code: c.code,
        state: "queued",
        attempts: 0,
        next_attempt_at: null,
        reason_code: "",
        reason: "",
        confirmed_offset: 0,
        bundle_size: null,
        leaf_index: null,
        tree_size: null,
        updated_at: this.hooks.now(),
      });
    }
  }

  private change(row: SyncCase, patch: Partial<SyncCase>): void {
    Object.assign(row, patch, { updated_at: this.hooks.now() });
    this.emit({ kind: "case", case: { ...row }, run: null });
  }

  start(caseCode?: string): SyncStatus {
    if (!this.config) fail("registry_not_configured", "no registry is set up");
    if (this.running) return this.status();
    this.queueSealed();
    if (caseCode !== undefined) {
      const c = this.hooks.cases().find((x) => x.code === caseCode) ?? fail("case_not_found", `no case ${caseCode}`);
      if (c.status !== "sealed") fail("case_not_sealed", `case ${caseCode} is not sealed`);
      if (c.imported) fail("invalid_input", `case ${caseCode} was imported`);
      const row = this.outbox.get(c.id)!;
      if (row.state === "rejected") {
        Object.assign(row, { state: "queued", attempts: 0, reason_code: "", reason: "", next_attempt_at: null });
      }
    }
    this.running = true;
    const snapshot = this.status();
    this.idle = this.run(caseCode);
    return snapshot;
  }

  private async run(caseCode?: string): Promise<void> {
    // Like the shell's thread, the run goes on after `sync_now` has answered.
    await Promise.resolve();
    const started_at = this.hooks.now();
    this.emit({ kind: "started", case: null, run: null });
    if (this.gate) await this.gate;
    const summary: SyncRunSummary = {
      started_at,
      finished_at: "",
      background: false,
      verified: 0,
      rejected: 0,
      pending: 0,
      watchlist_added: null,
      error: null,
    };
    const cfg = this.config!;
    const tokenOk = this.validTokens.has(cfg.token);
    for (const row of this.outbox.values()) {
      if (row.state !== "queued" && row.state !== "uploading") continue;
      if (caseCode !== undefined && row.case_code !== caseCode) continue;
      if (!this.reachable) {
        this.change(row, {
          attempts: row.attempts + 1,
          reason_code: "registry_unreachable",
          reason: "connection refused",
          next_attempt_at: this.hooks.now(),
        });
        summary.pending += 1;
        continue;
      }
      this.change(row, { state: "uploading", bundle_size: 4096, confirmed_offset: 4096 });
      await Promise.resolve();
      const refusal = !tokenOk ? { code: "token_invalid", reason: "401 token_invalid: unknown token" } : this.refusal;
      if (refusal) {
        this.change(row, {
          state: "rejected",
          attempts: row.attempts + 1,
          reason_code: refusal.code,
          reason: refusal.reason,
          confirmed_offset: 0,
        });
        summary.rejected += 1;
      } else {
        const leaf = this.treeSize ?? 0;
        this.treeSize = leaf + 1;
        this.change(row, { state: "verified", leaf_index: leaf, tree_size: leaf + 1, reason_code: "", reason: "" });
        summary.verified += 1;
      }
    }
    if (this.reachable && tokenOk) {
      const before = this.watchlist.length;
      for (const s of this.remoteWatchlist) {
        if (!this.watchlist.some((w) => w.cursor === s.cursor)) this.watchlist.push(s);
      }
      summary.watchlist_added = this.watchlist.length - before;
      this.pulledAt = this.hooks.now();
    }
    summary.finished_at = this.hooks.now();
    this.lastRun = summary;
    this.running = false;
    this.emit({ kind: "finished", case: null, run: summary });
  }

  /** The state of one case in the outbox, if it is there. */
  caseState(caseId: string): SyncCase | undefined {
    return this.outbox.get(caseId);
  }

  hits(code: string, contact: boolean): WatchlistHit[] {
    const out: WatchlistHit[] = [];
    for (const e of this.hooks.entitiesOf(code)) {
      if (e.state === "rejected" || !e.value || !e.id_kind) continue;
      for (const s of this.watchlist) {
        if (s.value !== e.value) continue;
        if (e.qualifier && s.qualifier && e.qualifier !== s.qualifier) continue;
        const unit = contact && this.reachable && this.config ? (this.units.get(s.case_id) ?? null) : null;
        out.push({ entity_id: e.id, id_kind: e.id_kind, value: e.value, qualifier: e.qualifier ?? "", seen_by: s, unit });
      }
    }
    return out;
  }
}
