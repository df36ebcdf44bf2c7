// Words for the outbox's reason codes: the registry's own refusals (`token_revoked`,
// `agency_mismatch`, …) and the client's (`registry_unreachable`). A code the catalog
// does not know yet gets a generic sentence; the code itself is always shown beside it.

import { isMessageKey } from "./i18n/catalog";
import { t } from "./i18n/index.svelte";

export function syncReasonText(code: string): string {
  const key = `sync.reason.${code}`;
  return isMessageKey(key) ? t(key) : t("sync.reason_unknown");
}
