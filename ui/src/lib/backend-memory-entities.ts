// The entity half of the in-memory backend: suggestions, review, links, cross-case hits,
// lookup, exclusions and the case graph, following the core's rules the UI relies on
// (state moves, same-case merges, evidence-backed links, custody events, error codes).
// Normalization is a small subset of the core's: enough for the tests' values.

import { BackendError } from "./ipc";
import type {
  Case,
  CrossCaseHit,
  Entity,
  EntityKind,
  EntityOverview,
  EvidenceItem,
  Exclusion,
  Graph,
  GraphEdge,
  GraphFormat,
  GraphNode,
  IdKind,
  Link,
  NewEntity,
  NewLink,
  Occurrence,
} from "./types";

function fail(code: string, message: string): never {
  throw new BackendError(code, message);
}

/** What the entity half needs from the rest of the memory backend. */
export interface EntityHost {
  findCase(code: string): Case;
  caseById(id: string): Case;
  evidenceOf(caseId: string): EvidenceItem[];
  log(c: Case, kind: string, payload: Record<string, unknown>): Promise<void>;
  now(): string;
  id(prefix: string): string;
  actor(): string;
}

interface MemoryOccurrence {
  entity_id: string;
  evidence_id: string;
  raw: string;
  location: string;
  snippet: string;
  recorded_at: string;
}

const FAMILY: Partial<Record<IdKind, string>> = { ewallet: "phone", vietqr: "bank_account" };
const family = (kind: IdKind) => FAMILY[kind] ?? kind;

/** Phones to +84…, accounts to digits, e-mails and domains lower case. */
export function normalizeValue(kind: IdKind, raw: string): string {
  const text = raw.trim();
  if (!text) fail("invalid_input", `empty ${kind} value`);
  if (kind === "phone" || kind === "ewallet") {
    let digits = text.replace(/\D/g, "");
    if (digits.startsWith("84")) digits = digits.slice(2);
    else if (digits.startsWith("0")) digits = digits.slice(1);
    if (digits.length !== 9) fail("invalid_input", `'${text}' is not a valid ${kind}`);
    return `+84${digits}`;
  }
  if (kind === "bank_account" || kind === "vietqr" || kind === "tax_code") {
    const digits = text.replace(/[\s.-]/g, "");
    if (!/^\d{6,19}$/.test(digits)) fail("invalid_input", `'${text}' is not a valid ${kind}`);
    return digits;
  }
  return text.toLowerCase();
}

const ENTITY_FOR: Partial<Record<IdKind, EntityKind>> = {
  bank_account: "payment_account",
  ewallet: "payment_account",
  vietqr: "payment_account",
  marketplace_listing: "listing",
};

export class MemoryEntities {
  private readonly entities: Entity[] = [];
  private readonly occurrences: MemoryOccurrence[] = [];
  private readonly links: Link[] = [];
  /** The shipped defaults, as the core's `exclusions_default.txt` (a small subset). */
  private readonly defaults: Exclusion[] = [
    { kind: "phone", value: "+8419001221", source: "default", note: "Shopee" },
    { kind: "domain", value: "shopee.vn", source: "default", note: "Shopee" },
  ];
  /** Defaults the user switched off, as `kind value`. */
  private readonly switchedOff = new Set<string>();
  private readonly userExclusions: Exclusion[] = [];
  /** Where the save dialog "chooses" (without extension), or `null`: the dialog is cancelled. */
  exportChoice: string | null = "/home/user/do-thi";

  constructor(private readonly host: EntityHost) {}

  /** The effective list: the defaults not switched off, then the user's entries. */
  private get exclusions(): Exclusion[] {
    return [...this.defaults.filter((d) => !this.switchedOff.has(`${d.kind} ${d.value}`)), ...this.userExclusions];
  }

  private excluded(kind: IdKind, value: string): boolean {
    return this.exclusions.some((e) => family(e.kind) === family(kind) && e.value === value);
  }

  private find(id: string): Entity {
    return this.entities.find((e) => e.id === id) ?? fail("invalid_input", `no entity with id '${id}'`);
  }

  private editable(c: Case): void {
    if (c.status === "sealed" || c.status === "approved" || c.status === "submitted")
      fail("invalid_input", `case ${c.code} is ${c.status} and cannot change`);
  }

  private withCount(e: Entity): Entity {
    const occurrences = this.occurrences.filter((o) => o.entity_id === e.id).length;
    return structuredClone({ ...e, occurrences });
  }

  /** Records an identifier found in an evidence item, as `truyvet entity suggest` does. */
  async suggest(
    code: string,
    evidenceId: string,
    kind: IdKind,
    raw: string,
    qualifier = "",
    location = "",
  ): Promise<Entity | null> {
    const c = this.host.findCase(code);
    this.editable(c);
    if (!this.host.evidenceOf(c.id).some((e) => e.id === evidenceId))
      fail("invalid_input", `no evidence with id '${evidenceId}' in ${code}`);
    const value = normalizeValue(kind, raw);
    if (this.excluded(kind, value)) return null;
    let entity = this.entities.find(
      (e) => e.case_id === c.id && e.id_kind === kind && e.value === value && e.qualifier === qualifier,
    );
    const now = this.host.now();
    const fresh = !entity;
    if (!entity) {
      entity = {
        id: this.host.id("entity"),
        case_id: c.id,
        kind: ENTITY_FOR[kind] ?? "identifier",
        id_kind: kind,
        value,
        qualifier,
        label: qualifier ? `${qualifier} ${value}` : value,
        attrs: {},
        state: "suggested",
        merged_into: null,
        aliases: [],
        occurrences: 0,
        created_at: now,
        created_by: this.host.actor(),
        updated_at: now,
      };
      this.entities.push(entity);
    }
    this.occurrences.push({ entity_id: entity.id, evidence_id: evidenceId, raw, location, snippet: raw, recorded_at: now });
    await this.host.log(c, "identifiers_suggested", {
      evidence_id: evidenceId,
      new_entities: fresh ? [{ entity_id: entity.id, id_kind: kind, value }] : [],
      occurrences: [{ entity_id: entity.id, value, raw, location }],
    });
    return this.withCount(entity);
  }

  overview(code: string): EntityOverview {
    const c = this.host.findCase(code);
    return {
      entities: this.entities.filter((e) => e.case_id === c.id).map((e) => this.withCount(e)),
      links: structuredClone(this.links.filter((l) => l.case_id === c.id)),
      hits: this.hits(c),
    };
  }

  private hits(c: Case): CrossCaseHit[] {
    const out: CrossCaseHit[] = [];
    for (const e of this.entities) {
      if (e.case_id !== c.id || !e.id_kind || !e.value || e.state === "rejected") continue;
      if (this.excluded(e.id_kind, e.value)) continue;
      for (const o of this.entities) {
        if (o.case_id === c.id || !o.id_kind || o.value !== e.value || o.state === "rejected") continue;
        if (family(o.id_kind) !== family(e.id_kind)) continue;
        if (e.qualifier && o.qualifier && e.qualifier !== o.qualifier) continue;
        const other = this.host.caseById(o.case_id);
        const found = this.occurrences.filter((x) => x.entity_id === o.id);
        out.push({
          entity_id: e.id,
          id_kind: e.id_kind,
          value: e.value,
          qualifier: e.qualifier,
          other_case_code: other.code,
          other_case_title: other.title,
          other_case_status: other.status,
          other_entity_id: o.id,
          other_id_kind: o.id_kind,
          other_qualifier: o.qualifier,
          other_seen_at: found[0]?.recorded_at ?? o.created_at,
          other_evidence_count: new Set(found.map((x) => x.evidence_id)).size,
        });
      }
    }
    return out;
  }

  private async move(id: string, to: "confirmed" | "rejected", reason = ""): Promise<Entity> {
    const e = this.find(id);
    const c = this.host.caseById(e.case_id);
    this.editable(c);
    const allowed = to === "confirmed" ? e.state === "suggested" : e.state === "suggested" || e.state === "confirmed";
    if (!allowed) fail("invalid_input", `entity ${id} is ${e.state} and cannot become ${to}`);
    const from = e.state;
    e.state = to;
    e.updated_at = this.host.now();
    const payload: Record<string, unknown> = { entity_id: id, from, to };
    if (reason.trim()) payload.reason = reason.trim();
    await this.host.log(c, to === "confirmed" ? "entity_confirmed" : "entity_rejected", payload);
    return this.withCount(e);
  }

  confirm(id: string): Promise<Entity> {
    return this.move(id, "confirmed");
  }

  reject(id: string, reason?: string): Promise<Entity> {
    return this.move(id, "rejected", reason);
  }

  async merge(fromId: string, intoId: string): Promise<Entity> {
    const from = this.find(fromId);
    const into = this.find(intoId);
    if (from.id === into.id) fail("invalid_input", "an entity cannot be merged into itself");
    if (from.case_id !== into.case_id) fail("invalid_input", "entities of different cases cannot be merged");
    if (from.kind !== into.kind) fail("invalid_input", `a ${from.kind} cannot be merged into a ${into.kind}`);
    for (const e of [from, into])
      if (e.state === "rejected" || e.state === "merged")
        fail("invalid_input", `entity ${e.id} is ${e.state} and cannot take part in a merge`);
    const c = this.host.caseById(from.case_id);
    this.editable(c);
    const added: string[] = [];
    for (const alias of [from.label, from.value, ...from.aliases]) {
      if (!alias || alias === into.label || alias === into.value || into.aliases.includes(alias) || added.includes(alias))
        continue;
      added.push(alias);
    }
    from.state = "merged";
    from.merged_into = into.id;
    into.aliases.push(...added);
    await this.host.log(c, "entity_merged", { entity_id: from.id, into: into.id, aliases_added: added });
    return this.withCount(into);
  }

  async create(code: string, input: NewEntity): Promise<Entity> {
    const c = this.host.findCase(code);
    this.editable(c);
    if (!["subject", "listing", "website"].includes(input.kind))
      fail("invalid_input", `${input.kind} entities come from evidence`);
    const label = input.label.trim();
    if (!label) fail("invalid_input", "an entity needs a name");
    const now = this.host.now();
    const entity: Entity = {
      id: this.host.id("entity"),
      case_id: c.id,
      kind: input.kind,
      id_kind: null,
      value: null,
      qualifier: "",
      label,
      attrs: { ...(input.attrs ?? {}) },
      state: "confirmed",
      merged_into: null,
      aliases: (input.aliases ?? []).map((a) => a.trim()).filter((a) => a && a !== label),
      occurrences: 0,
      created_at: now,
      created_by: this.host.actor(),
      updated_at: now,
    };
    this.entities.push(entity);
    await this.host.log(c, "entity_created", { entity_id: entity.id, kind: entity.kind, label, attrs: entity.attrs });
    return this.withCount(entity);
  }

  async link(input: NewLink): Promise<Link> {
    const from = this.find(input.from_id);
    const to = this.find(input.to_id);
    if (from.id === to.id) fail("invalid_input", "an entity cannot be linked to itself");
    if (from.case_id !== to.case_id) fail("invalid_input", "links join entities of the same case");
    const c = this.host.caseById(from.case_id);
    this.editable(c);
    const evidence = [...new Set(input.evidence_ids)];
    if (evidence.length === 0) fail("invalid_input", "a link needs at least one evidence item that shows it");
    const own = new Set(this.host.evidenceOf(c.id).map((e) => e.id));
    for (const id of evidence) if (!own.has(id)) fail("invalid_input", `no evidence ${id} in ${c.code}`);
    let link = this.links.find((l) => l.case_id === c.id && l.kind === input.kind && l.from_id === from.id && l.to_id === to.id);
    if (!link) {
      link = {
        id: this.host.id("link"),
        case_id: c.id,
        kind: input.kind,
        from_id: from.id,
        to_id: to.id,
        evidence_ids: evidence,
        created_at: this.host.now(),
        created_by: this.host.actor(),
      };
      this.links.push(link);
      await this.host.log(c, "link_added", { link_id: link.id, kind: link.kind, from: from.id, to: to.id, evidence_ids: evidence });
    } else {
      const added = evidence.filter((id) => !link!.evidence_ids.includes(id));
      link.evidence_ids.push(...added);
      if (added.length) await this.host.log(c, "link_evidence_added", { link_id: link.id, evidence_ids: added });
    }
    return structuredClone(link);
  }

  lookup(value: string): Occurrence[] {
    // Like the core: nothing to read (empty, or no letter or digit) is bad input.
    if (!/[\p{L}\p{N}]/u.test(value)) fail("invalid_input", `'${value.trim()}' is no identifier`);
    const out: Occurrence[] = [];
    for (const o of this.occurrences) {
      const e = this.find(o.entity_id);
      if (!e.id_kind || !e.value) continue;
      let wanted: string;
      try {
        wanted = normalizeValue(e.id_kind, value);
      } catch {
        continue;
      }
      if (wanted !== e.value) continue;
      const c = this.host.caseById(e.case_id);
      out.push({
        case_code: c.code,
        case_title: c.title,
        case_status: c.status,
        recorded_at: o.recorded_at,
        evidence_id: o.evidence_id,
        id_kind: e.id_kind,
        value: e.value,
        qualifier: e.qualifier,
        raw: o.raw,
        location: o.location,
        snippet: o.snippet,
        entity_id: e.id,
        entity_state: e.state,
        excluded: this.excluded(e.id_kind, e.value),
      });
    }
    return out;
  }

  exclusionList(): Exclusion[] {
    return structuredClone(this.exclusions);
  }

  /** Adding a default that was switched off switches it on again (source stays `default`). */
  exclusionAdd(kind: IdKind, raw: string, note = ""): Exclusion {
    const value = normalizeValue(kind, raw);
    this.switchedOff.delete(`${kind} ${value}`);
    let found = this.exclusions.find((e) => e.kind === kind && e.value === value);
    if (!found) {
      found = { kind, value, source: "user", note: note.trim() };
      this.userExclusions.push(found);
    } else if (found.source === "user") {
      found.note = note.trim();
    }
    return structuredClone(found);
  }

  /** A user entry is removed, a default switched off; what is not listed is bad input. */
  exclusionRemove(kind: IdKind, raw: string): Exclusion {
    const value = normalizeValue(kind, raw);
    const found = this.exclusions.find((e) => e.kind === kind && e.value === value);
    if (!found) fail("invalid_input", `${kind} ${value} is not on the exclusion list`);
    if (found.source === "default") this.switchedOff.add(`${kind} ${value}`);
    else this.userExclusions.splice(this.userExclusions.indexOf(found), 1);
    return structuredClone(found);
  }

  /** The live entity an id stands for (following merges); undefined when rejected. */
  private resolve(id: string): Entity | undefined {
    let e = this.entities.find((x) => x.id === id);
    while (e && e.state === "merged" && e.merged_into) e = this.entities.find((x) => x.id === e!.merged_into);
    return e && (e.state === "suggested" || e.state === "confirmed") ? e : undefined;
  }

  graph(code: string, expand = false): Graph {
    const c = this.host.findCase(code);
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    const addNode = (e: Entity, other: boolean) => {
      if (nodes.some((n) => n.id === e.id)) return;
      const owner = this.host.caseById(e.case_id);
      const merged = this.entities.filter((x) => x.merged_into === e.id).map((x) => x.id);
      const evidence = new Set(
        this.occurrences.filter((o) => o.entity_id === e.id || merged.includes(o.entity_id)).map((o) => o.evidence_id),
      );
      for (const l of this.links)
        if (this.resolve(l.from_id)?.id === e.id || this.resolve(l.to_id)?.id === e.id)
          l.evidence_ids.forEach((id) => evidence.add(id));
      nodes.push({
        id: e.id,
        kind: e.kind,
        id_kind: e.id_kind,
        label: e.label,
        value: e.value,
        qualifier: e.qualifier,
        state: e.state,
        case_code: owner.code,
        case_status: owner.status,
        other_case: other,
        evidence_ids: [...evidence].sort(),
      });
    };
    const addLink = (l: Link) => {
      const from = this.resolve(l.from_id);
      const to = this.resolve(l.to_id);
      if (!from || !to || from.id === to.id || edges.some((e) => e.id === l.id)) return;
      edges.push({ id: l.id, kind: l.kind, source: from.id, target: to.id, evidence_ids: [...l.evidence_ids] });
    };
    for (const e of this.entities) if (e.case_id === c.id && this.resolve(e.id) === e) addNode(e, false);
    for (const l of this.links) if (l.case_id === c.id) addLink(l);
    if (expand) {
      for (const hit of this.hits(c)) {
        const own = this.resolve(hit.entity_id);
        const other = this.resolve(hit.other_entity_id);
        if (!own || !other) continue;
        addNode(other, true);
        const id = `same:${own.id}:${other.id}`;
        if (!edges.some((e) => e.id === id))
          edges.push({ id, kind: "same_identifier", source: own.id, target: other.id, evidence_ids: [] });
        for (const l of this.links) {
          if (l.case_id !== other.case_id) continue;
          const ends = [this.resolve(l.from_id), this.resolve(l.to_id)];
          if (!ends.some((x) => x?.id === other.id)) continue;
          for (const end of ends) if (end) addNode(end, true);
          addLink(l);
        }
      }
    }
    return { case_code: c.code, expanded: expand, nodes, edges };
  }

  graphExport(code: string, format: GraphFormat): string[] | null {
    this.host.findCase(code);
    const stem = this.exportChoice;
    if (stem === null) return null;
    if (format === "graphml") return [`${stem}.graphml`];
    return [`${stem}-entities.csv`, `${stem}-links.csv`];
  }
}
