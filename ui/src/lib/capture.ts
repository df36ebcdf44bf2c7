// Web capture helpers: the form's URL check and the reason a capture failed.

import type { AppError } from "./types";

/**
 * The trimmed URL when it is an absolute http(s) URL with a host, else null. The
 * backend checks again (and applies the network policy); this only catches typos early.
 */
export function captureUrlOrNull(text: string): string | null {
  const trimmed = text.trim();
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    return url.hostname ? trimmed : null;
  } catch {
    return null;
  }
}

/**
 * A `capture_failed` message starts with the capture's own code, then ": "
 * (`policy_refused: address 10.0.0.1 is private…`). Returns that sub-code, or null.
 */
export function captureReason(error: AppError): string | null {
  if (error.code !== "capture_failed") return null;
  return /^([a-z][a-z0-9_]*):\s/.exec(error.message)?.[1] ?? null;
}
