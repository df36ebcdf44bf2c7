// The review workflow of the in-memory backend: several profiles with a "key" each (a
// passphrase and a fingerprint), the transitions the core allows by role and state, the
// review texts and the seal. It mirrors the core's rules and error codes so component
// tests of the workflow buttons and the queue mean something; signatures are not real.

import { BackendError } from "./ipc";
import type {
  Case,
  CaseReview,
  CaseReviewView,
  CaseStatus,
  Profile,
  ProfileEntry,
  ProfileInput,
  Role,
  Seal,
  TransitionAction,
} from "./types";

export interface WorkflowHooks {
  findCase(code: string): Case;
  cases(): Case[];
  current(): Profile | null;
  setCurrent(profile: Profile): void;
  log(c: Case, kind: string, payload: Record<string, unknown>): Promise<void>;
  head(c: Case): string;
  now(): string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

const ROLE_OF: Record<TransitionAction, Role> = {
  submit: "investigator",
  return: "supervisor",
  approve: "supervisor",
  seal: "supervisor",
};

const MOVES: Record<TransitionAction, [CaseStatus[], CaseStatus]> = {
  submit: [["draft", "returned"], "submitted"],
  return: [["submitted"], "returned"],
  approve: [["submitted"], "approved"],
  seal: [["approved"], "sealed"],
};

/** Only draft and returned cases can be changed (the core's `ensure_editable`). */
export function ensureEditable(c: Case): void {
  if (c.status !== "draft" && c.status !== "returned") {
    fail("invalid_transition", `case ${c.code} is ${c.status} and cannot be changed`);
  }
}

export class MemoryWorkflow {
  private readonly profiles = new Map<string, Profile>();
  private readonly keys = new Map<string, { passphrase: string; fingerprint: string }>();
  private readonly reviews = new Map<string, CaseReview>();
  private readonly seals = new Map<string, Seal>();

  constructor(private readonly hooks: WorkflowHooks) {}

  /** Records a profile created or updated elsewhere (`profileSave`). */
  remember(profile: Profile): void {
    this.profiles.set(profile.name, profile);
  }

  /** Takes over the review texts and seal of a case imported from a bundle. */
  adopt(caseId: string, review: CaseReviewView): void {
    this.reviews.set(caseId, { legal_basis: review.legal_basis, proposed_measures: review.proposed_measures });
    if (review.seal) this.seals.set(caseId, structuredClone(review.seal));
  }

  private entry(profile: Profile): ProfileEntry {
    return {
      ...structuredClone(profile),
      fingerprint: this.keys.get(profile.name)?.fingerprint ?? null,
      current: this.hooks.current()?.name === profile.name,
    };
  }

  list(): ProfileEntry[] {
    return [...this.profiles.values()].sort((a, b) => a.name.localeCompare(b.name)).map((p) => this.entry(p));
  }

  async createKey(passphrase: string): Promise<ProfileEntry> {
    const profile = this.hooks.current() ?? fail("profile_missing", "no profile");
    if (passphrase.length < 8) fail("invalid_input", "the passphrase must be at least 8 characters");
    if (this.keys.has(profile.name)) fail("invalid_input", `profile ${profile.name} already has a key`);
    const fingerprint = await sha256Hex(`key:${profile.name}`);
    this.keys.set(profile.name, { passphrase, fingerprint });
    return this.entry(profile);
  }

  async add(input: ProfileInput, passphrase: string, name?: string): Promise<ProfileEntry> {
    const display_name = input.display_name.trim();
    if (!display_name) fail("invalid_input", "the display name is required");
    if (passphrase.length < 8) fail("invalid_input", "the passphrase must be at least 8 characters");
    const slug = (name ?? display_name)
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/đ/gi, "d")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ".")
      .replace(/^\.|\.$/g, "");
    if (this.profiles.has(slug)) fail("invalid_input", `a profile named ${slug} already exists`);
    const profile: Profile = { ...input, display_name, name: slug, created_at: this.hooks.now() };
    this.profiles.set(slug, profile);
    this.hooks.setCurrent(profile);
    return this.createKey(passphrase);
  }

  /** The acting profile and its key's fingerprint, once `passphrase` opened the key (`key_missing`, `bad_passphrase`). */
  unlock(passphrase: string): { profile: Profile; fingerprint: string } {
    const profile = this.hooks.current() ?? fail("profile_missing", "no profile");
    const key = this.keys.get(profile.name) ?? fail("key_missing", `profile ${profile.name} has no signing key`);
    if (key.passphrase !== passphrase) fail("bad_passphrase", "wrong passphrase");
    return { profile: structuredClone(profile), fingerprint: key.fingerprint };
  }

  use(name: string): ProfileEntry {
    const profile = this.profiles.get(name.trim()) ?? fail("profile_missing", `no profile named '${name}'`);
    this.hooks.setCurrent(profile);
    return this.entry(profile);
  }

  queue(): Case[] {
    return this.hooks
      .cases()
      .filter((c) => c.status === "submitted")
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at))
      .map((c) => structuredClone(c));
  }

  private reviewOf(c: Case): CaseReview {
    return this.reviews.get(c.id) ?? { legal_basis: "", proposed_measures: "" };
  }

  review(code: string): CaseReviewView {
    const c = this.hooks.findCase(code);
    return { ...structuredClone(this.reviewOf(c)), seal: structuredClone(this.seals.get(c.id) ?? null) };
  }

  async edit(code: string, legalBasis?: string, proposedMeasures?: string): Promise<CaseReview> {
    this.hooks.current() ?? fail("profile_missing", "no profile");
    const c = this.hooks.findCase(code);
    ensureEditable(c);
    const old = this.reviewOf(c);
    const next = {
      legal_basis: legalBasis === undefined ? old.legal_basis : legalBasis.trim(),
      proposed_measures: proposedMeasures === undefined ? old.proposed_measures : proposedMeasures.trim(),
    };
    for (const field of ["legal_basis", "proposed_measures"] as const) {
      if (old[field] !== next[field]) {
        await this.hooks.log(c, "field_edited", { field, old: old[field], new: next[field] });
      }
    }
    this.reviews.set(c.id, next);
    c.updated_at = this.hooks.now();
    return { ...next };
  }

  async transition(code: string, action: TransitionAction, passphrase: string, comment?: string): Promise<Case> {
    const profile = this.hooks.current() ?? fail("profile_missing", "no profile");
    const c = this.hooks.findCase(code);
    if (profile.role !== ROLE_OF[action]) fail("forbidden_role", `a ${profile.role} cannot ${action}`);
    const [from, to] = MOVES[action];
    if (!from.includes(c.status)) fail("invalid_transition", `cannot ${action} a ${c.status} case`);
    const text = (comment ?? "").trim();
    if (action === "return" && !text) fail("invalid_input", "a comment is required to return a case");
    if (action === "submit") {
      const review = this.reviewOf(c);
      const missing = [
        c.violation_categories.length === 0 && "violation categories",
        !c.product_group.trim() && "product group",
        !review.legal_basis && "legal basis",
        !review.proposed_measures && "proposed measures",
      ].filter(Boolean);
      if (missing.length) fail("case_incomplete", `missing: ${missing.join(", ")}`);
    }
    const key = this.keys.get(profile.name) ?? fail("key_missing", `profile ${profile.name} has no signing key`);
    if (key.passphrase !== passphrase) fail("bad_passphrase", "wrong passphrase");
    const at = this.hooks.now();
    const head = this.hooks.head(c);
    const fromStatus = c.status;
    c.status = to;
    c.updated_at = at;
    const signature = await sha256Hex(`${c.id}|${fromStatus}|${to}|${text}|${head}|${at}`);
    await this.hooks.log(c, "case_transition", {
      action,
      from: fromStatus,
      to,
      comment: text,
      head,
      at,
      profile: profile.name,
      fingerprint: key.fingerprint,
      public_key: key.fingerprint,
      signature: signature + signature,
    });
    if (action === "seal") {
      const seal: Seal = {
        case_id: c.id,
        root: await sha256Hex(`root:${c.id}:${head}`),
        leaf_count: 1,
        head: this.hooks.head(c),
        at,
        fingerprint: key.fingerprint,
        signature: signature + signature,
      };
      this.seals.set(c.id, seal);
      await this.hooks.log(c, "case_sealed", { ...seal });
    }
    return structuredClone(c);
  }
}
