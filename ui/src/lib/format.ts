// Locale-aware formatting of sizes and times. Pure functions of their inputs and the
// locale, so they are tested directly.

import type { Locale } from "./i18n/catalog";

const INTL_LOCALE: Record<Locale, string> = { vi: "vi-VN", en: "en-GB" };
const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** Human-readable size in binary multiples: 1572864 → "1,5 MB" (vi) / "1.5 MB" (en). */
export function formatSize(bytes: number, locale: Locale): string {
  if (!Number.isFinite(bytes) || bytes < 0) return String(bytes);
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  const number = new Intl.NumberFormat(INTL_LOCALE[locale], {
    maximumFractionDigits: digits,
  }).format(value);
  return `${number} ${UNITS[unit]}`;
}

/** Whole number with the locale's grouping: 1572864 → "1.572.864" (vi) / "1,572,864" (en). */
export function formatInteger(value: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 0 }).format(value);
}

/**
 * An RFC 3339 instant in the computer's local time zone, to the second:
 * "28/11/2026 14:03:05" (vi) / "28 Nov 2026, 14:03:05" (en). Unparseable input is
 * returned unchanged rather than hidden.
 */
export function formatDateTime(iso: string, locale: Locale): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    day: "2-digit",
    month: locale === "vi" ? "2-digit" : "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  };
  const parts = new Intl.DateTimeFormat(INTL_LOCALE[locale], options).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? "";
  const time = `${part("hour")}:${part("minute")}:${part("second")}`;
  if (locale === "vi") return `${part("day")}/${part("month")}/${part("year")} ${time}`;
  return `${part("day")} ${part("month")} ${part("year")}, ${time}`;
}
