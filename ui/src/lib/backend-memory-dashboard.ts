// The supervisor's overview in the in-memory backend, computed like the core's
// `Workspace::dashboard`: local cases by status, open ones by age since creation and
// since the last change (< 7, 7–30, 30–90, > 90 days), the review queue longest wait
// first, tips waiting for triage oldest first, cases opened from a tip in the last 30
// days, watched items changed or failing, and the outbox by state. Tips and watched
// items are test data set on this object (the tip and watch screens keep their own).

import { CASE_STATUSES, type AgeBuckets, type Case, type Dashboard, type WatchEntry } from "./types";

export interface DashboardHooks {
  cases(): Case[];
  /** When a case was last submitted (its newest transition), if known. */
  submittedAt(c: Case): string | null;
  /** Outbox states of the sync outbox. */
  outboxStates(): string[];
  now(): string;
}

/** A tip as the dashboard needs it. */
export interface MemoryTip {
  id: string;
  code: string;
  channel: string;
  summary: string;
  status: string;
  received_at: string;
}

export interface MemoryWatchItem extends WatchEntry {
  active: boolean;
  changed_unseen: boolean;
}

const DAY = 86_400_000;
const LIMIT = 50;

function buckets(times: string[], now: number): AgeBuckets {
  const out: AgeBuckets = { under_7: 0, from_7_to_30: 0, from_30_to_90: 0, over_90: 0 };
  for (const time of times) {
    const age = now - Date.parse(time);
    if (age < 7 * DAY) out.under_7 += 1;
    else if (age < 30 * DAY) out.from_7_to_30 += 1;
    else if (age < 90 * DAY) out.from_30_to_90 += 1;
    else out.over_90 += 1;
  }
  return out;
}

function waited(since: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
}

export class MemoryDashboard {
  /** Tips in the workspace (test data). */
  readonly tips: MemoryTip[] = [];
  /** Watched items (test data). */
  readonly watch: MemoryWatchItem[] = [];
  /** Case code → id of the tip it was opened from (test data). */
  readonly caseOrigins = new Map<string, string>();
  /** When set, the dashboard's "now" instead of the backend's clock. */
  clock: string | null = null;

  constructor(private readonly hooks: DashboardHooks) {}

  get(): Dashboard {
    const generated_at = this.clock ?? this.hooks.now();
    const now = Date.parse(generated_at);
    const local = this.hooks.cases().filter((c) => !c.imported);
    const open = local.filter((c) => c.status !== "sealed");
    const queue = local
      .filter((c) => c.status === "submitted")
      .map((c) => ({ c, at: this.hooks.submittedAt(c) ?? c.updated_at }))
      .sort((a, b) => a.at.localeCompare(b.at) || a.c.code.localeCompare(b.c.code));
    const waiting = this.tips
      .filter((t) => t.status === "new")
      .sort((a, b) => a.received_at.localeCompare(b.received_at) || a.code.localeCompare(b.code));
    const since30 = now - 30 * DAY;
    const fromTips = local
      .filter((c) => this.caseOrigins.has(c.code) && Date.parse(c.created_at) > since30)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    const changed = this.watch
      .filter((w) => w.changed_unseen)
      .sort((a, b) => (b.last_changed_at ?? "").localeCompare(a.last_changed_at ?? ""));
    const errors = this.watch
      .filter((w) => w.active && w.last_error)
      .sort((a, b) => (b.last_checked_at ?? "").localeCompare(a.last_checked_at ?? ""));
    const entry = ({ active: _a, changed_unseen: _c, ...rest }: MemoryWatchItem): WatchEntry => ({ ...rest });
    const states = this.hooks.outboxStates();
    const count = (state: string) => states.filter((s) => s === state).length;
    return {
      generated_at,
      open_cases: open.length,
      by_status: CASE_STATUSES.map((status) => ({ status, count: local.filter((c) => c.status === status).length })),
      age_since_created: buckets(
        open.map((c) => c.created_at),
        now,
      ),
      age_since_change: buckets(
        open.map((c) => c.updated_at),
        now,
      ),
      review_queue: queue.slice(0, LIMIT).map(({ c, at }) => ({
        code: c.code,
        title: c.title,
        created_by: c.created_by,
        submitted_at: at,
        waiting_secs: waited(at, now),
      })),
      review_queue_total: queue.length,
      tips_available: true,
      tips_waiting: waiting.slice(0, LIMIT).map((t) => ({
        id: t.id,
        code: t.code,
        channel: t.channel,
        summary: t.summary,
        received_at: t.received_at,
        waiting_secs: waited(t.received_at, now),
      })),
      tips_waiting_total: waiting.length,
      recent_tip_cases: fromTips.slice(0, LIMIT).map((c) => {
        const tipId = this.caseOrigins.get(c.code) ?? "";
        return {
          case_code: c.code,
          case_title: c.title,
          status: c.status,
          tip_id: tipId,
          tip_code: this.tips.find((t) => t.id === tipId)?.code ?? "",
          created_at: c.created_at,
        };
      }),
      recent_tip_cases_total: fromTips.length,
      watch_available: true,
      watch_changed: changed.slice(0, LIMIT).map(entry),
      watch_changed_total: changed.length,
      watch_errors: errors.slice(0, LIMIT).map(entry),
      watch_errors_total: errors.length,
      outbox: {
        queued: count("queued"),
        uploading: count("uploading"),
        verified: count("verified"),
        rejected: count("rejected"),
      },
    };
  }
}
