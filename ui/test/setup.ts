// Every test starts in Vietnamese with empty storage.
import { beforeEach } from "vitest";
import { loadLocale } from "../src/lib/i18n/index.svelte";

beforeEach(() => {
  localStorage.clear();
  loadLocale();
});
