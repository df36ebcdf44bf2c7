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

export function payloadLines(payload: Record<string, unknown> | null | undefined): string[] {
  if (!payload || typeof payload !== "object") return [];
  const entries = Object.entries(payload);
  if ("field" in payload && "new" in payload) {
    const { field, old, new: next, ...rest } = payload;
    return [`${short(field)}: ${short(old)} → ${short(next)}`, ...payloadLines(rest)];
  }
  return entries.map(([key, value]) => {
    const shown = /sha256|hash/i.test(key) && typeof value === "string" ? hashPrefix(value, 16) : short(value);
    return `${key}: ${shown}`;
  });
}
