// Case bundles in the in-memory backend: export of a sealed case into the virtual file
// system, verification that notices any change to the file, and import of a verified
// bundle as a read-only case from another agency. The rules the UI relies on are the
// shell's (only sealed cases export, only `.wacz` destinations by absolute path, an
// import needs a passing verification and a case not already present) with the same
// error codes; the file is JSON with a digest over its body, not a real WACZ.

import { BackendError } from "./ipc";
import type {
  BundleProblem,
  BundleReport,
  Case,
  CaseReviewView,
  CustodyEvent,
  EvidenceItem,
  ExportSummary,
  ImportSummary,
  Note,
} from "./types";

export const MEMORY_BUNDLE_FORMAT = "truyvet.bundle.memory/1";

/** What a memory bundle carries: the case as the exporting workspace had it. */
export interface MemoryBundleBody {
  case: Case;
  evidence: EvidenceItem[];
  notes: Note[];
  events: CustodyEvent[];
  review: CaseReviewView;
}

export interface BundleHooks {
  findCase(code: string): Case;
  contents(c: Case): { evidence: EvidenceItem[]; notes: Note[]; events: CustodyEvent[] };
  review(code: string): CaseReviewView;
  workspacePath(): string;
  readFile(path: string): Uint8Array | undefined;
  writeFile(path: string, data: Uint8Array): void;
  isDirectory(path: string): boolean;
  hasCaseId(id: string): boolean;
  /** Adds an imported case with everything it carries. */
  adopt(body: MemoryBundleBody): void;
  actor(): string;
  now(): string;
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const encode = (text: string) => new TextEncoder().encode(text);
const isAbsolute = (path: string) => path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);

export class MemoryBundles {
  constructor(private readonly hooks: BundleHooks) {}

  private destination(code: string, path?: string): string {
    const named = path?.trim();
    if (!named) return `${this.hooks.workspacePath()}/exports/${code}.wacz`;
    if (!isAbsolute(named)) fail("invalid_input", `the bundle destination must be an absolute path: ${named}`);
    const name = named.split(/[\\/]/).pop() ?? "";
    if (!/^.+\.wacz$/i.test(name)) fail("invalid_input", `the bundle destination must be a .wacz file: ${named}`);
    if (this.hooks.isDirectory(named)) fail("not_a_file", `${named} is a folder`);
    return named;
  }

  async export(code: string, path?: string): Promise<ExportSummary> {
    const c = this.hooks.findCase(code);
    if (c.status !== "sealed") fail("case_not_sealed", `case ${c.code} is ${c.status}; only a sealed case can be exported`);
    const out = this.destination(c.code, path);
    const review = this.hooks.review(c.code);
    const seal = review.seal ?? fail("internal", `sealed case ${c.code} has no seal`);
    const body: MemoryBundleBody = { case: structuredClone(c), ...structuredClone(this.hooks.contents(c)), review };
    const bodyText = JSON.stringify(body);
    const digest = await sha256Hex(encode(bodyText));
    const bytes = encode(JSON.stringify({ format: MEMORY_BUNDLE_FORMAT, digest, body }));
    this.hooks.writeFile(out, bytes);
    return {
      case_code: c.code,
      path: out,
      sha256: await sha256Hex(bytes),
      size: bytes.length,
      datapackage_sha256: digest,
      seal_root: seal.root,
      evidence: body.evidence.length,
      warcs: body.evidence.filter((e) => e.kind === "web_capture").length,
    };
  }

  private read(path: string): Uint8Array {
    const named = path.trim();
    if (!isAbsolute(named)) fail("invalid_input", `the bundle path must be absolute: ${named}`);
    if (this.hooks.isDirectory(named)) fail("not_a_file", `${named} is not a file`);
    return this.hooks.readFile(named) ?? fail("file_not_found", `${named} does not exist`);
  }

  /** The report and, when the body could be read, the body. */
  private async check(path: string): Promise<{ report: BundleReport; body: MemoryBundleBody | null }> {
    const bytes = this.read(path);
    const report: BundleReport = {
      ok: false,
      case_code: null,
      seal_root: null,
      files: 0,
      warc_records: 0,
      custody_events: 0,
      signatures: 0,
      timestamps: 0,
      seal_root_recomputed: "not_checked",
      problems: [],
    };
    const problem = (kind: string, detail: string) => report.problems.push({ kind, detail } satisfies BundleProblem);
    let parsed: { format?: unknown; digest?: unknown; body?: MemoryBundleBody };
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      problem("zip_corrupt", "not a ZIP archive: no end of central directory record");
      return { report, body: null };
    }
    if (parsed.format !== MEMORY_BUNDLE_FORMAT || !parsed.body) {
      problem("wacz_manifest_missing", "datapackage.json is missing");
      return { report, body: null };
    }
    const body = parsed.body;
    if (parsed.digest !== (await sha256Hex(encode(JSON.stringify(body))))) {
      problem("wacz_resource_hash_mismatch", "truyvet/case.json does not match its SHA-256 in datapackage.json");
    }
    report.case_code = body.case?.code ?? null;
    report.seal_root = body.review?.seal?.root ?? null;
    report.files = 6 + (body.evidence?.length ?? 0);
    report.warc_records = (body.evidence ?? []).filter((e) => e.kind === "web_capture").length;
    report.custody_events = body.events?.length ?? 0;
    report.signatures = (body.events ?? []).filter((e) => e.kind === "case_transition").length + 1;
    if (!body.review?.seal) problem("seal_key_unknown", "the bundle holds no seal");
    report.ok = report.problems.length === 0;
    return { report, body };
  }

  async verify(path: string): Promise<BundleReport> {
    return (await this.check(path)).report;
  }

  async import(path: string): Promise<ImportSummary> {
    const { report, body } = await this.check(path);
    if (!report.ok || !body) {
      const first = report.problems[0];
      fail("bundle_invalid", `the bundle did not verify: ${first ? `${first.kind}: ${first.detail}` : "unknown"}`);
    }
    if (this.hooks.hasCaseId(body.case.id)) {
      fail("case_already_exists", `case ${body.case.code} (${body.case.id}) is already in this workspace`);
    }
    const bundle_sha256 = await sha256Hex(this.read(path));
    const seal = body.review.seal ?? fail("bundle_invalid", "no seal");
    const imported: MemoryBundleBody = structuredClone(body);
    imported.case.imported = {
      agency: body.case.agency,
      unit: body.case.unit,
      bundle_sha256,
      seal_root: seal.root,
      imported_at: this.hooks.now(),
      imported_by: this.hooks.actor(),
    };
    this.hooks.adopt(imported);
    return {
      case_code: body.case.code,
      case_id: body.case.id,
      origin_agency: body.case.agency,
      evidence: body.evidence.length,
      bundle_sha256,
      seal_root: seal.root,
    };
  }
}
