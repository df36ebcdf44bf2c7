// Display helpers for tips: dates are shown as the Vietnamese calendar day (UTC+7), as
// the core's `tips::text::local_date` prints them in reports.

import { label } from "./i18n/index.svelte";

export function localDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const local = new Date(ms + 7 * 3_600_000);
  const dd = String(local.getUTCDate()).padStart(2, "0");
  const mm = String(local.getUTCMonth() + 1).padStart(2, "0");
  return `${dd}/${mm}/${local.getUTCFullYear()}`;
}

/** Lines of a textarea, trimmed, without blanks. */
export function lines(text: string): string[] {
  return text
    .split(/\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The channel's name in the current language ("other" is a plural form's key name). */
export function channelLabel(channel: string): string {
  return label("tip_channel", channel === "other" ? "other_kind" : channel);
}
