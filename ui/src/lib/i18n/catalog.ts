// Catalog lookup as pure functions of (locale, key). The reactive current locale
// lives in index.svelte.ts.

import { en } from "./en";
import { vi, type MessageKey } from "./vi";

export type { MessageKey };
export type Locale = "vi" | "en";
export const LOCALES: readonly Locale[] = ["vi", "en"];
export const DEFAULT_LOCALE: Locale = "vi";

export type Params = Record<string, string | number>;

const CATALOGS: Record<Locale, Record<MessageKey, string>> = { vi, en };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(vi, key);
}

/** The message for `key` with `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = CATALOGS[locale][key] ?? vi[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Catalog key for an error code: `errors.<code>`, or the generic fallback. */
export function errorKey(code: string): MessageKey {
  const key = `errors.${code}`;
  return isMessageKey(key) && key !== "errors.banner_code" ? key : "errors.fallback";
}

/** Keys that exist in a `.one` and an `.other` form. */
export type PluralBase<K extends string = MessageKey> = K extends `${infer B}.other` ? B : never;

/** The plural form of `base` for `count` (Vietnamese has one form; English two). */
export function translatePlural(locale: Locale, base: PluralBase, count: number, params?: Params): string {
  const form = new Intl.PluralRules(locale).select(count) === "one" ? "one" : "other";
  return translate(locale, `${base}.${form}`, { count, ...params });
}

/**
 * Label for an enum value under `prefix` (e.g. "status", "draft"). Values the catalog
 * does not know (a newer backend) are shown raw rather than hidden.
 */
export function labelFor(locale: Locale, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? translate(locale, key) : value;
}

/** Why a capture failed, from its sub-code; sub-codes the catalog lacks are shown raw. */
export function captureReasonFor(locale: Locale, reason: string): string {
  const key = `capture.reason.${reason}`;
  return isMessageKey(key) ? translate(locale, key) : translate(locale, "capture.reason_unknown", { reason });
}
