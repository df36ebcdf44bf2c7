// Tips and complaints in the in-memory backend, following the core's rules
// (crates/core/src/tips): contact masked unless revealed (and the reveal logged), only a
// supervisor assigns, a case opened from a tip records its origin, closing needs an
// outcome, duplicates by shared phone / e-mail and by link, and CSV import with per-row
// results (dd/mm/yyyy or ISO dates, known channels, a valid phone, some content).

import { BackendError } from "./ipc";
import type { MemoryDashboard } from "./backend-memory-dashboard";
import type {
  Case,
  DuplicateMatch,
  ImportRowResult,
  NewCase,
  NewTip,
  Profile,
  Tip,
  TipChannel,
  TipContact,
  TipDetail,
  TipEvent,
  TipFilter,
  TipImportReport,
  TipOrigin,
  TipOutcome,
} from "./types";
import { TIP_CHANNELS } from "./types";

export interface TipsHooks {
  profile(): Profile;
  /** Every profile name of the workspace, for assignment. */
  profileNames(): string[];
  createCase(input: NewCase): Promise<Case>;
  logCase(c: Case, kind: string, payload: Record<string, unknown>): Promise<void>;
  readFile(path: string): Uint8Array | undefined;
  dashboard: MemoryDashboard;
  now(): string;
  id(prefix: string): string;
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

interface Stored {
  tip: Tip;
  contact: TipContact;
  links: string[];
  phones: string[];
  events: TipEvent[];
}

/** `0912 345 678`, `+84912345678` → `+84912345678`; null when not a phone. */
export function normalizePhone(raw: string): string | null {
  let digits = raw.replace(/[\s.\-()/]/g, "");
  if (!/^\+?\d+$/.test(digits)) return null;
  if (digits.startsWith("+84")) digits = digits.slice(3);
  else if (digits.startsWith("0084")) digits = digits.slice(4);
  else if (digits.startsWith("0")) digits = digits.slice(1);
  digits = digits.replace(/^0/, "");
  return /^[35789]\d{8}$/.test(digits) || /^2\d{9}$/.test(digits) ? `+84${digits}` : null;
}

export function normalizeUrl(raw: string): string | null {
  let t = raw.trim();
  if (!t || /\s/.test(t)) return null;
  const scheme = /^([a-z]+):\/\//i.exec(t);
  if (scheme && !/^https?$/i.test(scheme[1] ?? "")) return null;
  t = t.replace(/^https?:\/\//i, "").split("#")[0] ?? "";
  const cut = t.search(/[/?]/);
  let host = (cut < 0 ? t : t.slice(0, cut)).toLowerCase();
  const rest = cut < 0 ? "" : t.slice(cut);
  host = host.replace(/^(www\.|m\.)/, "");
  if (!host.includes(".")) return null;
  const [path = "", query = ""] = rest.split("?");
  const params = query
    .split("&")
    .filter((kv) => kv && !/^utm_/i.test(kv) && !/^(fbclid|gclid)=/i.test(kv))
    .sort();
  return host + path.replace(/\/+$/, "") + (params.length ? `?${params.join("&")}` : "");
}

export function maskMiddle(text: string): string {
  const chars = [...text.trim()];
  if (chars.length === 0) return "";
  if (chars.length <= 4) return "*".repeat(chars.length);
  return chars.slice(0, 2).join("") + "*".repeat(chars.length - 4) + chars.slice(-2).join("");
}

function mask(c: TipContact): TipContact {
  const [local = "", host] = c.email.split("@");
  return {
    name: c.name
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => [...w][0] + "*".repeat([...w].length - 1))
      .join(" "),
    phone: maskMiddle(c.phone),
    email: host === undefined ? maskMiddle(c.email) : `${[...local].slice(0, 2).join("")}${"*".repeat(Math.max(1, [...local].length - 2))}@${host}`,
    address: c.address.trim() ? "***" : "",
    organization: c.organization,
  };
}

/** dd/mm/yyyy or yyyy-mm-dd (local time, +07:00) → ISO UTC; null when neither. */
export function parseReceived(text: string): string | null {
  const t = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if (/^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(Date.parse(t))) return new Date(t).toISOString();
  else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return new Date(date.getTime() - 7 * 3_600_000).toISOString();
}

const CHANNEL_WORDS: Record<string, TipChannel> = {
  hotline: "hotline",
  "đường dây nóng": "hotline",
  letter: "letter",
  thư: "letter",
  email: "email",
  "thư điện tử": "email",
  web_form: "web_form",
  "biểu mẫu web": "web_form",
  referral: "referral",
  "chuyển đến": "referral",
  other: "other",
  khác: "other",
};

const HEADERS: Record<string, string> = {
  "ngày tiếp nhận": "received",
  received_at: "received",
  kênh: "channel",
  channel: "channel",
  "người báo": "name",
  reporter: "name",
  "số điện thoại": "phone",
  phone: "phone",
  email: "email",
  "nội dung": "allegation",
  allegation: "allegation",
  "tóm tắt": "summary",
  summary: "summary",
  "đường dẫn": "links",
  links: "links",
};

function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\n") row.push(cell.replace(/\r$/, "")), rows.push(row), (row = []), (cell = "");
    else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

export class MemoryTips {
  private readonly tips: Stored[] = [];

  constructor(private readonly hooks: TipsHooks) {}

  private find(code: string): Stored {
    const s = this.tips.find((t) => t.tip.code.toLowerCase() === code.trim().toLowerCase());
    if (!s) fail("tip_not_found", `no tip with code '${code}'`);
    return s;
  }

  private event(s: Stored, kind: string, payload: Record<string, unknown>): void {
    s.events.push({
      seq: s.events.length + 1,
      actor: this.hooks.profile().display_name,
      at: this.hooks.now(),
      kind,
      payload,
      hash: this.hooks.id("hash"),
    });
    s.tip.updated_at = this.hooks.now();
    const mirror = this.hooks.dashboard.tips.find((t) => t.id === s.tip.id);
    if (mirror) mirror.status = s.tip.status;
  }

  private duplicates(s: Stored): DuplicateMatch[] {
    const out: DuplicateMatch[] = [];
    for (const o of this.tips) {
      if (o === s || o.tip.status === "closed") continue;
      const reasons = [
        ...s.phones.filter((p) => o.phones.includes(p)).map((value) => ({ kind: "phone", value, source: "allegation" })),
        ...s.links.filter((l) => o.links.includes(l)).map((value) => ({ kind: "url", value, source: "allegation" })),
      ];
      if (reasons.length) out.push({ target: "tip", code: o.tip.code, title: o.tip.summary, status: o.tip.status, reasons });
    }
    return out;
  }

  private detail(s: Stored, revealed = false): TipDetail {
    return structuredClone({
      tip: s.tip,
      contact: revealed ? s.contact : mask(s.contact),
      contact_revealed: revealed,
      links: s.links,
      identifiers: s.phones.map((value) => ({ id_kind: "phone", value, source: "allegation" })),
      attachments: [],
      events: s.events,
      duplicates: this.duplicates(s),
    });
  }

  private prepare(input: NewTip): Omit<Stored, "events" | "tip"> & { received: string; summary: string } {
    const received = input.received_at?.trim() ? parseReceived(input.received_at) : this.hooks.now();
    if (!received) fail("invalid_input", `bad_date: '${input.received_at}' is not dd/mm/yyyy or yyyy-mm-dd`);
    if (!input.channel || !TIP_CHANNELS.includes(input.channel)) fail("invalid_input", "bad_channel: the channel is missing");
    const summary = (input.summary.trim() || input.allegation.trim().slice(0, 160)).trim();
    if (!summary) fail("invalid_input", "missing_content: a summary or the allegation text is required");
    if (input.contact.phone.trim() && !normalizePhone(input.contact.phone))
      fail("invalid_input", `bad_phone: '${input.contact.phone}' is not a Vietnamese phone number`);
    const phones = new Set<string>();
    for (const raw of [...input.identifiers, ...(input.allegation.match(/\+?\d[\d .-]{7,}\d/g) ?? [])]) {
      const p = normalizePhone(raw);
      if (p) phones.add(p);
    }
    const links: string[] = [];
    for (const raw of input.links.flatMap((l) => l.split(/[\s,;]+/)).filter(Boolean)) {
      const n = normalizeUrl(raw);
      if (!n) fail("invalid_input", `bad_url: '${raw}' is not a web address`);
      if (!links.includes(n)) links.push(n);
    }
    return { received, summary, contact: { ...input.contact }, links, phones: [...phones] };
  }

  private insert(input: NewTip, kind: string): Stored {
    const p = this.prepare(input);
    const profile = this.hooks.profile();
    const at = this.hooks.now();
    const tip: Tip = {
      id: this.hooks.id("tip"),
      code: `TIP-${at.slice(0, 4)}-${String(this.tips.length + 1).padStart(6, "0")}`,
      received_at: p.received,
      channel: input.channel as TipChannel,
      summary: p.summary,
      allegation: input.allegation.trim(),
      violation_categories: [...input.violation_categories],
      product_group: input.product_group.trim(),
      status: "new",
      assignee: null,
      case_id: null,
      case_code: null,
      outcome: null,
      closed_at: null,
      agency: profile.agency,
      unit: profile.unit,
      province: profile.province,
      created_at: at,
      created_by: profile.display_name,
      updated_at: at,
    };
    const stored: Stored = { tip, contact: p.contact, links: p.links, phones: p.phones, events: [] };
    this.tips.push(stored);
    this.hooks.dashboard.tips.push({
      id: tip.id,
      code: tip.code,
      channel: tip.channel,
      summary: tip.summary,
      status: tip.status,
      received_at: tip.received_at,
    });
    this.event(stored, kind, { code: tip.code });
    return stored;
  }

  create(input: NewTip): TipDetail {
    return this.detail(this.insert(input, "created"));
  }

  list(filter: TipFilter = {}): Tip[] {
    const words = (filter.query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    return structuredClone(
      this.tips
        .map((s) => s.tip)
        .filter((t) => !filter.status || t.status === filter.status)
        .filter((t) => words.every((w) => `${t.code} ${t.summary}`.toLowerCase().includes(w)))
        .sort((a, b) => b.received_at.localeCompare(a.received_at) || b.code.localeCompare(a.code))
        .slice(0, filter.limit ?? Infinity),
    );
  }

  get(code: string): TipDetail {
    return this.detail(this.find(code));
  }

  reveal(code: string): TipDetail {
    const s = this.find(code);
    this.event(s, "contact_revealed", { profile: this.hooks.profile().name });
    return this.detail(s, true);
  }

  triage(code: string, note = ""): TipDetail {
    const s = this.find(code);
    if (s.tip.status !== "new") fail("invalid_transition", `cannot triage tip ${s.tip.code} while it is ${s.tip.status}`);
    s.tip.status = "triaged";
    this.event(s, "triaged", { duplicates: this.duplicates(s).length, note });
    return this.detail(s);
  }

  assign(code: string, assignee: string): TipDetail {
    const profile = this.hooks.profile();
    if (profile.role !== "supervisor") fail("forbidden_role", "only a supervisor may assign a tip");
    const s = this.find(code);
    if (!["new", "triaged", "assigned"].includes(s.tip.status))
      fail("invalid_transition", `cannot assign tip ${s.tip.code} while it is ${s.tip.status}`);
    if (!this.hooks.profileNames().includes(assignee.trim())) fail("invalid_input", `no profile named '${assignee}'`);
    s.tip.status = "assigned";
    s.tip.assignee = assignee.trim();
    this.event(s, "assigned", { assignee: s.tip.assignee });
    return this.detail(s);
  }

  private mayAct(s: Stored): void {
    const profile = this.hooks.profile();
    if (s.tip.assignee && s.tip.assignee !== profile.name && profile.role !== "supervisor")
      fail("forbidden_role", `tip ${s.tip.code} is assigned to ${s.tip.assignee}`);
  }

  async openCase(code: string, title?: string): Promise<TipDetail> {
    const s = this.find(code);
    this.mayAct(s);
    if (!["new", "triaged", "assigned"].includes(s.tip.status))
      fail("invalid_transition", `cannot open a case from tip ${s.tip.code} while it is ${s.tip.status}`);
    const c = await this.hooks.createCase({
      title: title?.trim() || s.tip.summary,
      violation_categories: s.tip.violation_categories,
      product_group: s.tip.product_group,
      origin: "tip",
    });
    await this.hooks.logCase(c, "case_from_tip", { tip_code: s.tip.code, received_at: s.tip.received_at, channel: s.tip.channel });
    this.hooks.dashboard.caseOrigins.set(c.code, s.tip.id);
    s.tip.status = "case_opened";
    s.tip.case_id = c.id;
    s.tip.case_code = c.code;
    this.event(s, "case_opened", { case_code: c.code });
    return this.detail(s);
  }

  close(code: string, outcome: TipOutcome, note = ""): TipDetail {
    const s = this.find(code);
    this.mayAct(s);
    if (s.tip.status === "closed") fail("invalid_transition", `tip ${s.tip.code} is already closed`);
    if (outcome === "case_opened" && !s.tip.case_id) fail("invalid_transition", "no case was opened from this tip");
    if (outcome !== "case_opened" && s.tip.case_id) fail("invalid_transition", "a case was opened from this tip");
    s.tip.status = "closed";
    s.tip.outcome = outcome;
    s.tip.closed_at = this.hooks.now();
    this.event(s, "closed", { outcome, note });
    return this.detail(s);
  }

  originOf(caseCode: string, caseId: string): TipOrigin | null {
    const s = this.tips.find((t) => t.tip.case_id === caseId && t.tip.case_code === caseCode);
    return s ? { tip_id: s.tip.id, tip_code: s.tip.code, received_at: s.tip.received_at, channel: s.tip.channel } : null;
  }

  import(path: string, dryRun: boolean): TipImportReport {
    const bytes = this.hooks.readFile(path.trim());
    if (!bytes) fail("file_not_found", `${path}: not found`);
    if (bytes.length === 0) fail("import_invalid", `${path} is empty (0 bytes)`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
    } catch {
      fail("import_invalid", 'the file is not UTF-8 text: save it as "CSV UTF-8"');
    }
    const [header = [], ...rows] = csvRows(text);
    const cols = (header ?? []).map((h) => HEADERS[h.trim().toLowerCase()] ?? null);
    const missing = ["received", "channel", "allegation"].filter((c) => !cols.includes(c));
    if (missing.length) fail("import_invalid", `missing column(s): ${missing.join(", ")}`);
    const report: TipImportReport = {
      format: "csv",
      dry_run: dryRun,
      committed: false,
      total: 0,
      accepted: 0,
      rejected: 0,
      columns: header.map((h) => h.trim()),
      ignored_columns: header.filter((_, i) => cols[i] === null).map((h) => h.trim()),
      rows: [],
      ok_rows_omitted: 0,
      first_code: null,
      last_code: null,
    };
    const seen = new Map<string, number>();
    const inserts: { input: NewTip; result: ImportRowResult }[] = [];
    rows.forEach((cells, index) => {
      if (cells.every((c) => !c.trim())) return;
      const line = index + 2;
      const cell = (name: string) => (cols.indexOf(name) >= 0 ? (cells[cols.indexOf(name)] ?? "").trim() : "");
      report.total += 1;
      const result: ImportRowResult = { row: line, status: "ok", summary: (cell("summary") || cell("allegation")).slice(0, 120) };
      const channel = CHANNEL_WORDS[cell("channel").toLowerCase()];
      const input: NewTip = {
        received_at: cell("received"),
        channel: channel ?? null,
        summary: cell("summary"),
        allegation: cell("allegation"),
        violation_categories: [],
        product_group: "",
        contact: { name: cell("name"), phone: cell("phone"), email: cell("email"), address: "", organization: "" },
        links: [cell("links")],
        identifiers: [],
        attachments: [],
      };
      try {
        if (!parseReceived(cell("received"))) fail("invalid_input", `bad_date: '${cell("received")}'`);
        if (!channel) fail("invalid_input", `bad_channel: unknown channel '${cell("channel")}'`);
        this.prepare(input);
        const key = `${cell("received")}|${normalizePhone(cell("phone")) ?? cell("email")}|${cell("allegation").toLowerCase().split(/\s+/).join(" ")}`;
        const first = seen.get(key);
        const existing = this.tips.find((t) => t.events[0]?.payload && (t.events[0].payload as { key?: string }).key === key);
        if (first) Object.assign(result, { status: "duplicate_in_file", duplicate_of: `row ${first}`, message: `same report as row ${first}` });
        else if (existing) Object.assign(result, { status: "duplicate_existing", duplicate_of: existing.tip.code, message: `already recorded as ${existing.tip.code}` });
        else {
          seen.set(key, line);
          inserts.push({ input: { ...input, identifiers: [key] }, result });
        }
      } catch (error) {
        const message = error instanceof BackendError ? error.message : String(error);
        const [code, ...rest] = message.split(": ");
        Object.assign(result, { status: "error", code, message: rest.join(": ") });
      }
      if (result.status === "ok") report.accepted += 1;
      else report.rejected += 1;
      report.rows.push(result);
    });
    if (report.total === 0) fail("import_invalid", `${path} has a header but no rows of tips`);
    if (!dryRun) {
      for (const { input, result } of inserts) {
        const key = input.identifiers[0];
        const stored = this.insert({ ...input, identifiers: [] }, "imported");
        const first = stored.events[0];
        if (first) (first.payload as { key?: string }).key = key;
        result.tip_code = stored.tip.code;
        report.first_code ??= stored.tip.code;
        report.last_code = stored.tip.code;
      }
      report.committed = true;
    }
    return report;
  }
}
