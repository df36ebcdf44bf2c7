// Periodic reports in the in-memory backend: the shell's checks (a known preset or a
// custom period with both dates as YYYY-MM-DD, start not after end; `pdf` or `xlsx`;
// an absolute destination with the format's extension) with the same error codes, and
// figures counted from the memory cases opened in the period and scope. The written
// file is a small JSON stand-in, not a real PDF or workbook.

import { BackendError } from "./ipc";
import type { Case, ReportCount, ReportFigures, ReportFormat, ReportParams, ReportSummary } from "./types";

export interface ReportHooks {
  cases(): Case[];
  workspacePath(): string;
  writeFile(path: string, data: Uint8Array): void;
  isDirectory(path: string): boolean;
  now(): string;
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

const MONTHS: Record<string, number> = { "6m": 6, "1y": 12, "2y": 24, "3y": 36 };

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function parseDate(text: string | undefined): string {
  const t = (text ?? "").trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t) || isoDate(new Date(`${t}T00:00:00Z`)) !== t) {
    fail("invalid_input", `${JSON.stringify(t)} is not a date: write it as YYYY-MM-DD`);
  }
  return t;
}

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function counts(values: string[]): ReportCount[] {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, count]) => ({ key, label: key, count }));
}

export class MemoryReports {
  constructor(private readonly hooks: ReportHooks) {}

  /** The period and format a request names (Vietnam days are approximated by UTC here). */
  private resolve(params: ReportParams): { from: string; to: string; format: ReportFormat } {
    const format = (params.format ?? "pdf").trim().toLowerCase();
    if (format !== "pdf" && format !== "xlsx") fail("invalid_input", `unknown report format ${JSON.stringify(format)}`);
    const preset = params.preset ?? "custom";
    let from: string;
    let to: string;
    if (preset !== "custom") {
      const months = MONTHS[preset] ?? fail("invalid_input", `unknown period preset ${JSON.stringify(preset)}`);
      const today = new Date(this.hooks.now());
      to = isoDate(today);
      from = isoDate(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - (months - 1), 1)));
    } else {
      if (!params.from?.trim() || !params.to?.trim()) {
        fail("invalid_input", "a custom period needs both a start and an end date (YYYY-MM-DD)");
      }
      from = parseDate(params.from);
      to = parseDate(params.to);
      if (from > to) fail("invalid_input", `the period starts (${from}) after it ends (${to})`);
    }
    return { from, to, format };
  }

  figures(params: ReportParams): ReportFigures {
    const { from, to } = this.resolve(params);
    const scope = {
      agency: params.agency?.trim() || null,
      unit: params.unit?.trim() || null,
      province: params.province?.trim() || null,
    };
    const inScope = (c: Case) =>
      !c.imported &&
      (!scope.agency || c.agency.toLowerCase() === scope.agency.toLowerCase()) &&
      (!scope.unit || c.unit.toLowerCase() === scope.unit.toLowerCase()) &&
      (!scope.province || c.province.toLowerCase() === scope.province.toLowerCase());
    const opened = this.hooks.cases().filter((c) => {
      const day = c.created_at.slice(0, 10);
      return inScope(c) && day >= from && day <= to;
    });
    const months: string[] = [];
    for (let y = +from.slice(0, 4), m = +from.slice(5, 7); `${y}-${String(m).padStart(2, "0")}` <= to.slice(0, 7); ) {
      months.push(`${y}-${String(m).padStart(2, "0")}`);
      m += 1;
      if (m === 13) [y, m] = [y + 1, 1];
    }
    return {
      from,
      to,
      scope,
      empty: opened.length === 0,
      totals: {
        cases_opened: opened.length,
        cases_sealed: opened.filter((c) => c.status === "sealed").length,
        cases_referred: 0,
        referrals: 0,
        tips_received: 0,
        repeat_identifiers: 0,
      },
      per_month: months.map((month) => ({
        month,
        opened: opened.filter((c) => c.created_at.startsWith(month)).length,
        sealed: opened.filter((c) => c.status === "sealed" && c.updated_at.startsWith(month)).length,
        referred: 0,
      })),
      by_category: counts(opened.flatMap((c) => (c.violation_categories.length ? c.violation_categories : [""]))),
      by_platform: [],
      by_product_group: counts(opened.map((c) => c.product_group)),
      referrals_by_agency: [],
      tips: { available: false, received: 0, case_opened: 0, by_channel: [], by_status: [], by_outcome: [] },
      repeat_offenders: [],
      registry: {
        status: "offline",
        note: "",
        fetched_at: null,
        host: null,
        total_cases: null,
        by_category: [],
        by_platform: [],
        by_province: [],
        by_month: [],
      },
      figures_sha256: "",
    };
  }

  /** Where a report goes: the named absolute path, else `<workspace>/reports/`. */
  destination(params: ReportParams, path?: string): string {
    const { from, to, format } = this.resolve(params);
    const named = path?.trim();
    if (!named) return `${this.hooks.workspacePath()}/reports/bao-cao-${from}-${to}.${format}`;
    if (!named.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(named)) {
      fail("invalid_input", `the destination must be an absolute path: ${named}`);
    }
    if (!new RegExp(`^.+\\.${format}$`, "i").test(named.split(/[\\/]/).pop() ?? "")) {
      fail("invalid_input", `the destination must be a .${format} file: ${named}`);
    }
    if (this.hooks.isDirectory(named)) fail("not_a_file", `${named} is a folder`);
    return named;
  }

  async build(params: ReportParams, path?: string): Promise<ReportSummary> {
    const out = this.destination(params, path);
    const { format } = this.resolve(params);
    const figures = this.figures(params);
    const data = new TextEncoder().encode(JSON.stringify({ format, figures }));
    this.hooks.writeFile(out, data);
    return {
      path: out,
      format,
      sha256: await sha256(data),
      size: data.length,
      from: figures.from,
      to: figures.to,
      scope: figures.scope,
      empty: figures.empty,
      figures_sha256: figures.figures_sha256,
      generated_at: this.hooks.now(),
    };
  }
}
