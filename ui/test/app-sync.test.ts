import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { en as enCatalog } from "../src/lib/i18n/en";
import { MemoryBackend } from "../src/lib/backend-memory";
import { MEMORY_REGISTRY_FINGERPRINT, MEMORY_REGISTRY_KEY } from "../src/lib/backend-memory-sync";
import { SYNC_STATES, type Profile, type ProfileInput } from "../src/lib/types";
import { click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

const AN_PASS = "mật khẩu của An";
const HA_PASS = "mật khẩu của Hà";
const SUPERVISOR: ProfileInput = {
  display_name: "Phạm Thu Hà",
  agency: "QLTT",
  unit: "Đội QLTT số 1",
  province: "HN",
  role: "supervisor",
};
const EVIDENCE_PATH = "/home/canbo/tin-dang.txt";
const EVIDENCE = { [EVIDENCE_PATH]: "Kem trộn giá 150.000đ, liên hệ 0912 345 678" };
const TOKEN = "tvr_memory_token";
const URL = "https://registry.example.gov.vn";

/** A case with a suggested phone, sealed by a supervisor; the investigator acts again after. */
async function sealedCase(backend: MemoryBackend, investigator: Profile, title = "Mỹ phẩm giả") {
  await backend.profileKeyCreate(AN_PASS);
  const boss = await backend.profileAdd(SUPERVISOR, HA_PASS);
  await backend.profileUse(investigator.name);
  const c = await newCase(backend, title, "Mỹ phẩm");
  const items = await backend.evidenceAdd(c.code, [EVIDENCE_PATH]);
  await backend.entities.suggest(c.code, items[0]!.id, "phone", "0912 345 678", "", "30-42");
  await backend.caseReviewEdit(c.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền");
  await backend.caseTransition(c.code, "submit", AN_PASS);
  await backend.profileUse(boss.name);
  await backend.caseTransition(c.code, "approve", HA_PASS);
  await backend.caseTransition(c.code, "seal", HA_PASS);
  await backend.profileUse(investigator.name);
  return c;
}

const text = (testId: string) => screen.getByTestId(testId).textContent ?? "";

async function configure(token = TOKEN, key = MEMORY_REGISTRY_KEY) {
  await click("nav-sync");
  await screen.findByTestId("sync-screen");
  await type("sync-url", URL);
  await type("sync-token", token);
  await type("sync-key", key);
  await click("sync-save");
}

describe("sync with the central registry", () => {
  it("has words for every outbox state in both languages", () => {
    for (const state of SYNC_STATES) {
      expect(viCatalog[`sync.state.${state}`]).toBeTruthy();
      expect(enCatalog[`sync.state.${state}`]).toBeTruthy();
    }
    expect(viCatalog["sync.state.verified"]).toBe("Đã được sổ đăng ký xác nhận");
    expect(viCatalog["nav.sync"]).toBe("Đồng bộ");
  });

  it("checks the settings, syncs a sealed case to verified and shows it in the case header", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = (await sealedCase(b, PROFILE)).code;
    });
    await click("nav-sync");
    await screen.findByTestId("sync-not-configured");
    expect((screen.getByTestId("sync-now") as HTMLButtonElement).disabled).toBe(true);

    // A key that did not sign the registry's head: refused with its code, nothing kept.
    await configure(TOKEN, "7".repeat(64));
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("registry_receipt_invalid"));
    expect(await backend.registrySettingsGet()).toBeNull();

    await configure();
    await waitFor(() => expect(text("sync-fingerprint")).toContain(MEMORY_REGISTRY_FINGERPRINT));
    expect(text("sync-checked")).toContain("0 mục");
    // The token is never shown back, only its last characters.
    expect((screen.getByTestId("sync-token") as HTMLInputElement).value).toBe("");
    expect(document.body.textContent).not.toContain(TOKEN);
    expect(text("sync-watchlist")).toBe(viCatalog["sync.watchlist_never"]);

    // Held in flight: the list shows the case uploading, the button says it is running.
    let release = () => {};
    backend.sync.gate = new Promise<void>((resolve) => (release = resolve));
    await click("sync-now");
    await waitFor(() => expect(text("sync-now")).toBe(viCatalog["sync.running"]));
    // A second request while running starts nothing.
    const again = await backend.syncNow();
    expect(again.running).toBe(true);
    backend.sync.gate = null;
    release();
    await waitFor(() => expect(text(`sync-state-${code}`)).toBe("Đã được sổ đăng ký xác nhận"));
    expect(text(`sync-detail-${code}`)).toContain("Mục nhật ký số 0");
    await waitFor(() => expect(text("sync-now")).toBe(viCatalog["sync.now"]));
    expect(text("sync-tree-size")).toContain("1 mục");
    expect(text("sync-watchlist")).toContain("0 mục");

    // The case header of the sealed case says where it stands.
    await fireEvent.click(screen.getByRole("button", { name: code }));
    await waitFor(() => expect(text("case-sync-state")).toBe("Sổ đăng ký: Đã được sổ đăng ký xác nhận"));
    expect(backend.eventListenerCount).toBeGreaterThan(0);
  });

  it("shows a refused case with the reason in Vietnamese and its code, and sends it again", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = (await sealedCase(b, PROFILE)).code;
    });
    await configure();
    await screen.findByTestId("sync-fingerprint");
    backend.sync.refusal = { code: "agency_mismatch", reason: "403 agency_mismatch: the case belongs to CA" };
    await click("sync-now");
    await waitFor(() => expect(text(`sync-state-${code}`)).toBe("Bị từ chối"));
    expect(text(`sync-detail-${code}`)).toContain(
      `${viCatalog["sync.reason.agency_mismatch"]} [agency_mismatch]`,
    );
    // A code the catalog does not know: a generic sentence, the code still shown.
    backend.sync.refusal = { code: "quota_exceeded", reason: "429 quota_exceeded" };
    await click(`sync-retry-${code}`);
    await waitFor(() => expect(text(`sync-detail-${code}`)).toContain("[quota_exceeded]"));
    expect(text(`sync-detail-${code}`)).toContain(viCatalog["sync.reason_unknown"]);
    backend.sync.refusal = null;
    await click(`sync-retry-${code}`);
    await waitFor(() => expect(text(`sync-state-${code}`)).toBe("Đã được sổ đăng ký xác nhận"));
    expect(backend.calls.filter((c) => c.method === "syncNow").at(-1)?.args).toEqual([code]);
  });

  it("says so when a case cannot reach the registry, and keeps the settings", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = (await sealedCase(b, PROFILE)).code;
      b.sync.reachable = false;
    });
    await configure();
    await waitFor(() => expect(text("sync-unreachable")).toContain("connection refused"));
    expect((await backend.registrySettingsGet())?.url).toBe(URL);
    await click("sync-now");
    await waitFor(() => expect(text(`sync-detail-${code}`)).toContain("[registry_unreachable]"));
    expect(text(`sync-state-${code}`)).toBe("Chờ gửi");
    expect(text(`sync-detail-${code}`)).toContain("Số lần thử: 1");
  });

  it("flags an identifier another agency recorded, with its case code and the unit's contact", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = (await sealedCase(b, PROFILE)).code;
      await b.registrySettingsSet(URL, TOKEN, MEMORY_REGISTRY_KEY);
      b.sync.remoteWatchlist.push({
        cursor: 3,
        kind: "phone",
        value: "+84912345678",
        qualifier: "",
        agency: "CA",
        case_id: "ca-case-1",
        case_code: "CA-2026-0042",
        categories: ["counterfeit_goods"],
        case_date: "2026-11-01T08:00:00Z",
      });
      b.sync.units.set("ca-case-1", { agency: "CA", code: "PC03", name: "Phòng PC03", contact: "pc03@ca.gov.vn" });
      b.syncNow();
      await b.sync.idle;
    });
    await openCase(code);
    await click("tab-entities");
    const hit = await screen.findByTestId("agency-hit");
    expect(hit.dataset.case).toBe("CA-2026-0042");
    expect(text("agency-hit-flag")).toBe("Đơn vị khác đã ghi nhận");
    await waitFor(() => expect(text("agency-hit-unit")).toBe("Đơn vị: Phòng PC03 — liên hệ: pc03@ca.gov.vn"));

    // Offline: the flag stands from the watchlist kept here, without the contact.
    backend.sync.reachable = false;
    expect((await backend.watchlistHits(code, true))[0]?.unit).toBeNull();
    expect((await backend.watchlistHits(code))[0]?.seen_by.agency).toBe("CA");
  });
});
