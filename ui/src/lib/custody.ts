// Turns a custody event payload (free-form JSON) into short readable lines for the
// timeline. Unknown shapes degrade to "key: value" rather than being hidden.

const MAX_VALUE = 80;

function short(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "∅";
  else if (Array.isArray(value)) text = value.map((v) => short(v)).join(", ");
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** A hex digest shortened for display; the full value goes in a tooltip. */
export function hashPrefix(hash: string, length = 12): string {
  return hash.length > length ? `${hash.slice(0, length)}…` : hash;
}

/**
 * The keys worth reading in the timeline for the kinds the core writes; the whole
 * payload stays available in the CLI (`truyvet log`) and in exports. Unknown kinds show
 * every key.
 */
const SUMMARY_KEYS: Record<string, string[]> = {
  case_created: ["code", "title", "violation_categories"],
  evidence_added: ["original_filename", "size", "sha256", "note"],
  note_added: ["text"],
  capture_added: ["final_url", "http_status", "server_ip", "sha256", "partial_reason"],
  timestamp_added: ["gen_time", "tsa_url"],
  identifiers_suggested: ["evidence_id"],
  entity_created: ["kind", "label"],
  entity_confirmed: ["entity_id"],
  entity_rejected: ["entity_id", "reason"],
  entity_merged: ["entity_id", "into", "aliases_added"],
  link_added: ["kind", "from", "to", "evidence_ids"],
  link_evidence_added: ["link_id", "evidence_ids"],
  case_transition: ["action", "comment", "fingerprint"],
  case_sealed: ["root", "fingerprint"],
};

/** One line of an event's details; `key` is translated by the timeline when it can be. */
export interface DetailLine {
  key: string;
  value: string;
  /** The elements when the value is a list of strings (so codes can be translated). */
  items?: string[];
}

/** Lines for one event: the summary keys of a known kind, else everything. */
export function eventLines(kind: string, payload: Record<string, unknown> | null | undefined): DetailLine[] {
  const keys = SUMMARY_KEYS[kind];
  if (!keys || !payload || typeof payload !== "object") return payloadLines(payload);
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    if (payload[key] !== undefined && payload[key] !== null) picked[key] = payload[key];
  }
  return payloadLines(picked);
}

export function payloadLines(payload: Record<string, unknown> | null | undefined): DetailLine[] {
  if (!payload || typeof payload !== "object") return [];
  const entries = Object.entries(payload);
  if ("field" in payload && "new" in payload) {
    const { field, old, new: next, ...rest } = payload;
    return [{ key: short(field), value: `${short(old)} → ${short(next)}` }, ...payloadLines(rest)];
  }
  return entries.map(([key, value]) => {
    const shown = /sha256|hash/i.test(key) && typeof value === "string" ? hashPrefix(value, 16) : short(value);
    const items = Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
    return items ? { key, value: shown, items } : { key, value: shown };
  });
}
