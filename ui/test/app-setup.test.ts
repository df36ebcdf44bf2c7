import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { en } from "../src/lib/i18n/en";
import { LOCALE_STORAGE_KEY } from "../src/lib/i18n/index.svelte";
import { choose, click, PROFILE, renderApp, type } from "./harness";

describe("first run", () => {
  it("asks for a profile, validates it, saves it and shows the case list", async () => {
    const { backend } = await renderApp({ profile: null });
    await screen.findByTestId("profile-save");
    expect(screen.queryByTestId("new-case-button")).toBeNull();

    await click("profile-save");
    expect(await screen.findByText(viCatalog["validation.display_name_required"])).toBeTruthy();
    expect(screen.getByText(viCatalog["validation.province_required"])).toBeTruthy();
    expect(backend.calls.some((c) => c.method === "profileSave")).toBe(false);

    await type("profile-display-name", "  Trần Thị Bình ");
    await choose("profile-agency", "CA");
    await type("profile-unit", "Phòng Cảnh sát kinh tế");
    await choose("profile-province", "DNA");
    await choose("profile-role", "supervisor");
    await click("profile-save");

    await screen.findByTestId("new-case-button");
    expect(await screen.findByText(viCatalog["cases.empty"])).toBeTruthy();
    expect(screen.getByTestId("profile-name").textContent).toBe("Trần Thị Bình");
    const saved = backend.calls.find((c) => c.method === "profileSave");
    expect(saved?.args[0]).toEqual({
      display_name: "Trần Thị Bình",
      agency: "CA",
      unit: "Phòng Cảnh sát kinh tế",
      province: "DNA",
      role: "supervisor",
    });
    expect((await backend.workspaceInfo()).profile?.display_name).toBe("Trần Thị Bình");
  });
});

describe("language switch", () => {
  it("switches to English, persists the choice and sets <html lang>", async () => {
    await renderApp({ profile: PROFILE });
    const button = await screen.findByTestId("lang-switch");
    expect(document.documentElement.lang).toBe("vi");
    expect(screen.getByTestId("new-case-button").textContent?.trim()).toBe(viCatalog["cases.new"]);

    await fireEvent.click(button);
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe("en");
    expect(screen.getByTestId("new-case-button").textContent?.trim()).toBe(en["cases.new"]);

    await fireEvent.click(button);
    expect(document.documentElement.lang).toBe("vi");
  });
});

describe("errors", () => {
  it("shows the Vietnamese message and the stable code, and can be dismissed", async () => {
    const { backend } = await renderApp({ profile: PROFILE });
    backend.failNext("caseList", { code: "database_locked", message: "database is locked" });
    // The list loads once on start; make it load again through the filter.
    await screen.findByTestId("case-status-filter");
    await choose("case-status-filter", "draft");

    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("database_locked");
    expect(banner.textContent).toContain(viCatalog["errors.database_locked"]);
    expect(banner.textContent).toContain("Mã lỗi: database_locked");

    await fireEvent.click(screen.getByRole("button", { name: viCatalog["common.dismiss"] }));
    await waitFor(() => expect(screen.queryByTestId("error-banner")).toBeNull());
  });

  it("shows a generic message that still names an unknown code", async () => {
    const { backend } = await renderApp({ profile: PROFILE });
    backend.failNext("caseList", { code: "quantum_flux", message: "?" });
    await screen.findByTestId("case-status-filter");
    await choose("case-status-filter", "sealed");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain(viCatalog["errors.fallback"]);
    expect(banner.textContent).toContain("quantum_flux");
  });

  it("reports a failure to open the workspace", async () => {
    const { MemoryBackend, MemoryDesktop } = await import("../src/lib/backend-memory");
    const { render } = await import("@testing-library/svelte");
    const App = (await import("../src/App.svelte")).default;
    const backend = new MemoryBackend();
    backend.failNext("workspaceInfo", { code: "workspace_in_use", message: "locked by pid 7" });
    render(App, { props: { backend, desktop: new MemoryDesktop() } });
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("workspace_in_use");
    expect(banner.textContent).toContain(viCatalog["errors.workspace_in_use"]);
  });
});
