import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { choose, click, PROFILE, renderApp, type } from "./harness";

async function setup() {
  const app = await renderApp({ profile: PROFILE });
  await click("nav-exclusions");
  await screen.findByTestId("exclusions-screen");
  await screen.findByTestId("exclusions-defaults");
  return app;
}

const row = (value: string) =>
  (screen.queryAllByTestId("exclusion-row") as HTMLElement[]).find((r) => r.dataset.value === value);
const inTable = (testid: string) =>
  within(screen.getByTestId(testid))
    .queryAllByTestId("exclusion-row")
    .map((r) => (r as HTMLElement).dataset.value);

describe("exclusion list screen", () => {
  it("shows the shipped defaults apart from the users' entries", async () => {
    await setup();
    expect(screen.getByTestId("nav-exclusions").textContent).toBe(viCatalog["nav.exclusions"]);
    expect(inTable("exclusions-defaults")).toEqual(["+8419001221", "shopee.vn"]);
    expect(row("shopee.vn")!.dataset.source).toBe("default");
    expect(row("shopee.vn")!.textContent).toContain(viCatalog["exclusions.source.default"]);
    expect(within(row("shopee.vn")!).getByTestId("exclusion-remove").textContent?.trim()).toBe(viCatalog["exclusions.switch_off"]);
    expect(screen.getByTestId("exclusions-user-empty").textContent).toBe(viCatalog["exclusions.user_empty"]);
  });

  it("adds a value normalized with its note, and removes it again", async () => {
    const { backend } = await setup();
    await click("exclusion-add");
    expect(screen.getByTestId("exclusion-validation").textContent).toBe(viCatalog["exclusions.validation"]);
    expect(backend.calls.some((c) => c.method === "exclusionAdd")).toBe(false);

    await choose("exclusion-kind", "phone");
    await type("exclusion-value", "0912.345.678");
    await type("exclusion-note", "số của shipper");
    await click("exclusion-add");
    await waitFor(() => expect(inTable("exclusions-user")).toEqual(["+84912345678"]));
    expect(backend.calls.find((c) => c.method === "exclusionAdd")?.args).toEqual(["phone", "0912.345.678", "số của shipper"]);
    const added = row("+84912345678")!;
    expect(added.dataset.source).toBe("user");
    expect(added.textContent).toContain("số của shipper");
    expect(added.textContent).toContain(viCatalog["exclusions.source.user"]);
    expect(screen.getByTestId("exclusion-done").textContent).toBe("Đã loại trừ Số điện thoại +84912345678.");
    expect((screen.getByTestId("exclusion-value") as HTMLInputElement).value).toBe("");

    await fireEvent.click(within(added).getByTestId("exclusion-remove"));
    await waitFor(() => expect(row("+84912345678")).toBeUndefined());
    expect(await screen.findByTestId("exclusions-user-empty")).toBeTruthy();
    // A user entry is gone for good: nothing to re-enable.
    expect(screen.queryByTestId("exclusion-off")).toBeNull();
  });

  it("switches a default off and on again", async () => {
    const { backend } = await setup();
    await fireEvent.click(within(row("shopee.vn")!).getByTestId("exclusion-remove"));
    await waitFor(() => expect(inTable("exclusions-defaults")).toEqual(["+8419001221"]));
    const off = await screen.findByTestId("exclusion-off");
    expect(off.dataset.value).toBe("shopee.vn");
    expect((await backend.exclusionList()).some((e) => e.value === "shopee.vn")).toBe(false);

    // Left and opened again, the switched-off default can still be re-enabled.
    await click("nav-cases");
    await click("nav-exclusions");
    await fireEvent.click(within(await screen.findByTestId("exclusion-off")).getByTestId("exclusion-reenable"));
    await waitFor(() => expect(inTable("exclusions-defaults")).toEqual(["+8419001221", "shopee.vn"]));
    expect(row("shopee.vn")!.dataset.source).toBe("default");
    expect(screen.queryByTestId("exclusion-off")).toBeNull();
    expect(screen.getByTestId("exclusion-done").textContent).toBe("Đã bật lại Tên miền shopee.vn.");
  });

  it("shows a refused value through the error banner by its code", async () => {
    await setup();
    await choose("exclusion-kind", "phone");
    await type("exclusion-value", "12");
    await click("exclusion-add");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("invalid_input");
    expect(banner.textContent).toContain(viCatalog["errors.invalid_input"]);
    expect(banner.textContent).toContain("Mã lỗi: invalid_input");
    // What was typed stays, to be corrected.
    expect((screen.getByTestId("exclusion-value") as HTMLInputElement).value).toBe("12");
    expect(screen.queryByTestId("exclusions-user")).toBeNull();
  });
});
