// The watch list in the in-memory backend, following the core's rules
// (crates/core/src/watch): URL or identifier targets, an interval of 60 s to a year, one
// item per target, snapshots whose normalized text decides "changed", check errors that
// are never changes, seen-marking on detail, and a line diff. Tests record checks with
// `recordCheck` (the network side is the shell's).

import { BackendError } from "./ipc";
import type {
  Profile,
  WatchDetail,
  WatchDiff,
  WatchDiffLine,
  WatchItem,
  WatchRun,
  WatchRunStatus,
  WatchSnapshot,
} from "./types";

export interface WatchHooks {
  profile(): Profile;
  now(): string;
  id(prefix: string): string;
}

/** What a test says one check of a page saw. */
export interface MemoryCheck {
  status?: number;
  text?: string;
  screenshot?: string | null;
  error?: { code: string; message: string };
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

function normalize(text: string): string {
  return text
    .normalize("NFC")
    .split("\n")
    .map((l) => l.split(/\s+/).filter(Boolean).join(" "))
    .filter(Boolean)
    .join("\n");
}

/** Line diff by longest common subsequence (the core uses Myers; same result here). */
export function diffLines(from: string, to: string): WatchDiffLine[] {
  const a = from ? from.split("\n") : [];
  const b = to ? to.split("\n") : [];
  const width = b.length + 1;
  const lcs = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number) => lcs[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * width + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
  const out: WatchDiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ tag: "same", text: a[i] ?? "" });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || at(i, j + 1) >= at(i + 1, j))) {
      out.push({ tag: "added", text: b[j++] ?? "" });
    } else {
      out.push({ tag: "removed", text: a[i++] ?? "" });
    }
  }
  return out;
}

interface Stored {
  item: WatchItem;
  snapshots: (WatchSnapshot & { text: string | null; shot: string | null })[];
}

export class MemoryWatch {
  private readonly items: Stored[] = [];
  private snapshotSeq = 0;

  constructor(private readonly hooks: WatchHooks) {}

  private find(id: string): Stored {
    const found = this.items.filter((s) => id.length >= 4 && s.item.id.startsWith(id));
    const [one] = found;
    if (!one || found.length !== 1) fail("watch_not_found", `no watched item or snapshot '${id}'`);
    return one;
  }

  list(): WatchItem[] {
    return this.items
      .map((s) => ({ ...s.item }))
      .sort((x, y) => Number(y.changed_unseen) - Number(x.changed_unseen) || y.risk_score - x.risk_score);
  }

  add(target: string, label = "", intervalSecs?: number): WatchItem {
    const t = target.trim();
    if (!t) fail("invalid_input", "the URL or identifier to watch is empty");
    const kind = t.includes("://") ? "url" : "identifier";
    if (kind === "url" && !/^https?:\/\/[^\s/]+/i.test(t)) fail("invalid_input", `'${t}' is not a valid URL`);
    const interval = intervalSecs ?? 86_400;
    if (interval < 60 || interval > 366 * 86_400) fail("invalid_input", "the interval must be between 60 seconds and a year");
    if (this.items.some((s) => s.item.target === t)) fail("invalid_input", `'${t}' is already watched`);
    const host = kind === "url" ? (t.split("://")[1] ?? "").split(/[/?#:]/)[0]?.replace(/^www\./, "") ?? "" : "";
    const item: WatchItem = {
      id: this.hooks.id("watch"),
      target: t,
      kind,
      label: label.trim(),
      platform: host,
      interval_secs: interval,
      active: true,
      created_at: this.hooks.now(),
      created_by: this.hooks.profile().name,
      last_checked_at: null,
      last_changed_at: null,
      changed_unseen: false,
      last_error: null,
      risk_score: 0,
      risk_reasons: [],
      failures: 0,
      next_check_at: null,
      new_flags: 0,
    };
    this.items.push({ item, snapshots: [] });
    return { ...item };
  }

  /** Records one check of an item (test data), as the core's `watch_record_check`. */
  recordCheck(id: string, check: MemoryCheck): WatchSnapshot {
    const s = this.find(id);
    const now = this.hooks.now();
    const blocked =
      check.status === 403 ? "blocked" : check.status === 429 ? "rate_limited" : (check.status ?? 200) >= 500 ? "server_error" : null;
    const error = check.error ?? (blocked ? { code: blocked, message: `HTTP ${check.status}` } : null);
    const text = error ? null : normalize(check.text ?? "");
    const previous = [...s.snapshots].reverse().find((p) => p.outcome === "ok");
    const changed = text !== null && previous !== undefined && previous.text !== text;
    const snap = {
      id: ++this.snapshotSeq,
      item_id: s.item.id,
      checked_at: now,
      outcome: error ? ("error" as const) : ("ok" as const),
      http_status: check.status ?? null,
      final_url: s.item.target,
      title: "",
      text_sha256: text === null ? null : `sha-${text.length}-${this.snapshotSeq}`,
      screenshot_sha256: check.screenshot ? `shot-${this.snapshotSeq}` : null,
      warc_sha256: null,
      changed,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      text,
      shot: check.screenshot ?? null,
    };
    s.snapshots.push(snap);
    s.item.last_checked_at = now;
    if (error) {
      s.item.failures += 1;
      s.item.last_error = `${error.code}: ${error.message}`;
    } else {
      s.item.failures = 0;
      s.item.last_error = null;
      if (changed) {
        s.item.changed_unseen = true;
        s.item.last_changed_at = now;
      }
    }
    const { text: _t, shot: _s, ...summary } = snap;
    return summary;
  }

  detail(id: string): WatchDetail {
    const s = this.find(id);
    const detail: WatchDetail = {
      item: { ...s.item },
      snapshots: [...s.snapshots].reverse().map(({ text: _t, shot: _s, ...summary }) => summary),
      flags: [],
      classification: { platform: s.item.platform, cases: [], product_groups: [], violation_categories: [], registry_agencies: [] },
    };
    s.item.changed_unseen = false;
    s.item.new_flags = 0;
    return detail;
  }

  diff(id: string, from?: number, to?: number): WatchDiff {
    const s = this.find(id);
    const ok = s.snapshots.filter((p) => p.outcome === "ok");
    const toSnap = to === undefined ? ok.at(-1) : s.snapshots.find((p) => p.id === to);
    if (!toSnap) fail(to === undefined ? "invalid_input" : "watch_not_found", "nothing to compare");
    const fromSnap = from === undefined ? [...ok].reverse().find((p) => p.id < toSnap.id) : s.snapshots.find((p) => p.id === from);
    if (!fromSnap) fail(from === undefined ? "invalid_input" : "watch_not_found", "nothing to compare");
    if (fromSnap.text === null || toSnap.text === null) fail("invalid_input", "a failed check has no text to compare");
    const lines = diffLines(fromSnap.text, toSnap.text);
    const strip = ({ text: _t, shot: _s, ...summary }: Stored["snapshots"][number]) => summary;
    return {
      item_id: s.item.id,
      from: strip(fromSnap),
      to: strip(toSnap),
      lines,
      added: lines.filter((l) => l.tag === "added").length,
      removed: lines.filter((l) => l.tag === "removed").length,
    };
  }

  screenshot(id: string, snapshot: number): string | null {
    const snap = this.find(id).snapshots.find((p) => p.id === snapshot);
    if (!snap) fail("watch_not_found", `no snapshot ${snapshot}`);
    return snap.shot;
  }

  remove(id: string): WatchItem {
    const s = this.find(id);
    this.items.splice(this.items.indexOf(s), 1);
    return { ...s.item };
  }

  setActive(id: string, active: boolean): WatchItem {
    const s = this.find(id);
    s.item.active = active;
    return { ...s.item };
  }

  /** No network here: a run checks nothing (tests record checks themselves). */
  runNow(): WatchRun {
    return { checked: [], skipped: 0, flags_raised: 0 };
  }

  status(): WatchRunStatus {
    return { running: false, last: null };
  }
}
