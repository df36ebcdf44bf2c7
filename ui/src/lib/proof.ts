// Checks on the paths the seal-proof screens take, before the shell is asked. Pure
// functions, tested directly.

import type { MessageKey } from "./i18n/catalog";

const isAbsolute = (p: string) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\");

/** Why a proof destination typed by hand cannot be used, or `null` when it can. */
export function proofPathProblem(path: string): { key: MessageKey; path: string } | null {
  const p = path.trim();
  if (!p) return { key: "proof.path_required", path: p };
  if (!isAbsolute(p)) return { key: "proof.path_not_absolute", path: p };
  if (!/.\.json$/i.test(p.split(/[\\/]/).pop() ?? "")) return { key: "proof.path_not_json", path: p };
  return null;
}

/** Why a file to read, typed by hand, cannot be used, or `null` when it can. */
export function readPathProblem(path: string): { key: MessageKey; path: string } | null {
  const p = path.trim();
  if (!p) return { key: "proof.path_required", path: p };
  if (!isAbsolute(p)) return { key: "proof.path_not_absolute", path: p };
  return null;
}
