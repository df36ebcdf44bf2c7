// The current UI language: Vietnamese by default, the user's choice persisted in
// localStorage, mirrored on <html lang> so fonts and screen readers follow.

import {
  captureReasonFor,
  DEFAULT_LOCALE,
  errorKey,
  labelFor,
  translate,
  translatePlural,
  type Locale,
  type PluralBase,
  type MessageKey,
  type Params,
} from "./catalog";

export type { Locale, MessageKey };

export const LOCALE_STORAGE_KEY = "truyvet.locale";

function storedLocale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY);
    if (saved === "vi" || saved === "en") return saved;
  } catch {
    // Storage may be unavailable (private mode, tests); the default is fine.
  }
  return DEFAULT_LOCALE;
}

const state = $state<{ locale: Locale }>({ locale: storedLocale() });

export function currentLocale(): Locale {
  return state.locale;
}

function applyToDocument(locale: Locale): void {
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

export function setLocale(locale: Locale): void {
  state.locale = locale;
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Not persisted; the choice still applies to this session.
  }
  applyToDocument(locale);
}

/** Re-reads the persisted choice (start-up and tests). */
export function loadLocale(): void {
  state.locale = storedLocale();
  applyToDocument(state.locale);
}

export function t(key: MessageKey, params?: Params): string {
  return translate(state.locale, key, params);
}

/** A message that depends on a count: `tn("cases.count", 3)`. */
export function tn(base: PluralBase, count: number, params?: Params): string {
  return translatePlural(state.locale, base, count, params);
}

export function errorText(code: string): string {
  return translate(state.locale, errorKey(code));
}

export function label(prefix: string, value: string): string {
  return labelFor(state.locale, prefix, value);
}

export function captureReasonText(reason: string): string {
  return captureReasonFor(state.locale, reason);
}
