// Addenda and seal proofs in the in-memory backend. The rules the UI relies on are the
// shell's, with the same error codes: addenda only on sealed local cases, signed with the
// acting profile's key (`key_missing`, `bad_passphrase`), non-empty, logged as
// `addendum_added`; proofs only for an item of a sealed case, written to an absolute
// `.json` path, and checked alone (`proof_invalid` for anything doctored, for another
// file, for what is not a proof). The proof's "path" is a digest over what it claims,
// not a Merkle path.

import { BackendError } from "./ipc";
import type { Addendum, Case, EvidenceItem, ProvenItem, Seal } from "./types";
import type { Profile } from "./types";

export const MEMORY_PROOF_FORMAT = "truyvet.seal-proof.v1";
/** The shell's size cap for a proof document. */
export const MAX_PROOF_BYTES = 1 << 20;
const MAX_ADDENDUM_CHARS = 20_000;

export interface AddendaHooks {
  findCase(code: string): Case;
  seal(c: Case): Seal | null;
  evidenceOf(c: Case): EvidenceItem[];
  unlock(passphrase: string): { profile: Profile; fingerprint: string };
  log(c: Case, kind: string, payload: Record<string, unknown>): Promise<void>;
  readFile(path: string): Uint8Array | undefined;
  writeFile(path: string, data: Uint8Array): void;
  isDirectory(path: string): boolean;
  id(prefix: string): string;
  now(): string;
}

interface MemoryProof {
  format: string;
  case_code: string;
  leaf: { kind: string; body: string };
  proof: { check: string };
  seal: Seal;
  public_key: string;
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

/** What a memory proof's `check` commits to. */
function claim(p: Pick<MemoryProof, "case_code" | "leaf" | "seal" | "public_key">): Uint8Array {
  return encode(JSON.stringify([p.case_code, p.leaf.kind, p.leaf.body, p.seal, p.public_key]));
}

export class MemoryAddenda {
  private readonly byCase = new Map<string, Addendum[]>();

  constructor(private readonly hooks: AddendaHooks) {}

  list(code: string): Addendum[] {
    const c = this.hooks.findCase(code);
    return structuredClone(this.byCase.get(c.id) ?? []);
  }

  async add(code: string, text: string, passphrase: string): Promise<Addendum> {
    const c = this.hooks.findCase(code);
    if (c.status !== "sealed") {
      fail("case_not_sealed", `case ${c.code} is ${c.status}: edit it directly; addenda are for sealed cases`);
    }
    if (c.imported) fail("invalid_input", `case ${c.code} was imported from ${c.imported.agency} and is read-only here`);
    const body = text.trim();
    if (!body) fail("invalid_input", "the addendum is empty");
    if ([...body].length > MAX_ADDENDUM_CHARS) fail("invalid_input", `at most ${MAX_ADDENDUM_CHARS} characters`);
    const seal = this.hooks.seal(c) ?? fail("internal", `case ${c.code} is sealed but has no seal`);
    const { profile, fingerprint } = this.hooks.unlock(passphrase);
    const addendum: Addendum = {
      id: this.hooks.id("addendum"),
      case_id: c.id,
      seal_root: seal.root,
      body,
      profile: profile.name,
      author: profile.display_name,
      at: this.hooks.now(),
      fingerprint,
      signature: "",
    };
    const signature = await sha256Hex(encode(JSON.stringify(addendum)));
    addendum.signature = signature + signature;
    this.byCase.set(c.id, [...(this.byCase.get(c.id) ?? []), addendum]);
    await this.hooks.log(c, "addendum_added", { ...addendum });
    return structuredClone(addendum);
  }

  private destination(path: string): string {
    const named = path.trim();
    if (!isAbsolute(named)) fail("invalid_input", `the proof destination must be an absolute path: ${named}`);
    const name = named.split(/[\\/]/).pop() ?? "";
    if (!/^.+\.json$/i.test(name)) fail("invalid_input", `the proof destination must be a .json file: ${named}`);
    if (this.hooks.isDirectory(named)) fail("not_a_file", `${named} is a folder`);
    return named;
  }

  /** The proof document of one item, before anything is written (the shell's order). */
  async proof(code: string, evidenceId: string): Promise<Uint8Array> {
    const c = this.hooks.findCase(code);
    const seal = this.hooks.seal(c) ?? fail("case_not_sealed", `case ${c.code} is ${c.status}; only a sealed case has proofs`);
    const item =
      this.hooks.evidenceOf(c).find((e) => e.id === evidenceId) ??
      fail("invalid_input", `evidence ${evidenceId} is not part of the seal of case ${c.code}`);
    const base = {
      format: MEMORY_PROOF_FORMAT,
      case_code: c.code,
      leaf: { kind: "evidence", body: `${item.id}:${item.sha256}` },
      seal: structuredClone(seal),
      public_key: seal.fingerprint,
    };
    const doc: MemoryProof = { ...base, proof: { check: await sha256Hex(claim(base)) } };
    return encode(`${JSON.stringify(doc, null, 2)}\n`);
  }

  async exportTo(code: string, evidenceId: string, path: string): Promise<string> {
    const out = this.destination(path);
    this.hooks.writeFile(out, await this.proof(code, evidenceId));
    return out;
  }

  private readable(path: string): Uint8Array {
    const named = path.trim();
    if (!isAbsolute(named)) fail("invalid_input", `the path must be absolute: ${named}`);
    if (this.hooks.isDirectory(named)) fail("not_a_file", `${named} is not a file`);
    return this.hooks.readFile(named) ?? fail("file_not_found", `${named} does not exist`);
  }

  async verify(path: string, filePath?: string): Promise<ProvenItem> {
    const bytes = this.readable(path);
    const file = filePath?.trim() ? this.readable(filePath) : null;
    if (bytes.length > MAX_PROOF_BYTES) fail("proof_invalid", `${path} is larger than ${MAX_PROOF_BYTES} bytes`);
    let doc: MemoryProof;
    try {
      doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as MemoryProof;
    } catch {
      fail("proof_invalid", `${path} is not a seal proof`);
    }
    if (doc?.format !== MEMORY_PROOF_FORMAT || !doc.leaf || !doc.seal || !doc.proof) {
      fail("proof_invalid", `not a ${MEMORY_PROOF_FORMAT} document`);
    }
    const [evidenceId, sha256] = doc.leaf.body.split(":");
    if (doc.leaf.kind !== "evidence" || !evidenceId || !sha256) fail("proof_invalid", "the evidence leaf is malformed");
    if (doc.proof.check !== (await sha256Hex(claim(doc)))) {
      fail("proof_invalid", "the item does not lead to the sealed Merkle root: it is not part of this seal");
    }
    if (file) {
      const actual = await sha256Hex(file);
      if (actual !== sha256) fail("proof_invalid", `${filePath} hashes to ${actual}; the sealed item is ${sha256}`);
    }
    return {
      case_code: doc.case_code,
      case_id: doc.seal.case_id,
      evidence_id: evidenceId,
      sha256,
      seal_root: doc.seal.root,
      sealed_at: doc.seal.at,
      fingerprint: doc.seal.fingerprint,
    };
  }
}
