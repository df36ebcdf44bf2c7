// Words for what the bundle verifier reports and for the paths the bundle screens take.
// Pure functions, tested directly.

import { isMessageKey, translate, type Locale, type MessageKey } from "./i18n/catalog";

/**
 * The catalog key explaining a verifier problem kind: its own entry when the catalog
 * has one, else the family's (`zip_*`, `wacz_*`, `addendum_*`), else the generic one.
 * Kinds the catalog does not know yet are never hidden: the kind itself is shown too.
 */
export function problemKey(kind: string): MessageKey {
  const own = `bundle.problem.${kind}`;
  if (isMessageKey(own)) return own;
  for (const family of ["zip", "wacz", "addendum"]) {
    const key = `bundle.problem.${family}_other`;
    if (kind.startsWith(`${family}_`) && isMessageKey(key)) return key;
  }
  return "bundle.problem_unknown";
}

export function problemText(locale: Locale, kind: string): string {
  return translate(locale, problemKey(kind));
}

/** Why a bundle path typed by hand cannot be used, or `null` when it can. */
export function bundlePathProblem(path: string): { key: MessageKey; path: string } | null {
  const p = path.trim();
  if (!p) return { key: "bundle.path_required", path: p };
  if (!(p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\"))) {
    return { key: "bundle.path_not_absolute", path: p };
  }
  if (!/\.wacz$/i.test(p)) return { key: "bundle.path_not_wacz", path: p };
  return null;
}
