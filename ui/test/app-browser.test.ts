import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { en as enCatalog } from "../src/lib/i18n/en";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryOptions } from "../src/lib/backend-memory";
import { click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

const SHOP = "https://shop.example.vn/p/1";
const OTHER = "https://shop.example.vn/p/2";

async function setup(options: Partial<MemoryOptions> = {}) {
  let code = "";
  let other = "";
  const app = await renderApp(
    {
      profile: PROFILE,
      pages: { [SHOP]: { title: "Đồng hồ Rolex" }, [OTHER]: { title: "Túi xách" } },
      ...options,
    },
    async (backend) => {
      code = (await newCase(backend, "Đồng hồ giả")).code;
      other = (await newCase(backend, "Túi xách giả")).code;
    },
  );
  await openCase(code);
  return { ...app, code, other };
}

const rows = () => screen.queryAllByTestId("evidence-row");
const entries = () => screen.queryAllByTestId("browser-entry") as HTMLElement[];
const panel = () => screen.getByTestId("browser-panel") as HTMLElement;

async function openBrowser() {
  await click("browser-open");
  await waitFor(() => expect(panel().dataset.open).toBe("true"));
}

describe("capture browser panel", () => {
  it("captures every visited page into the case, live", async () => {
    const { backend, code } = await setup();
    expect(within(panel()).getByText(viCatalog["browser.title"])).toBeTruthy();
    await openBrowser();
    expect(backend.calls.find((c) => c.method === "browserOpen")?.args).toEqual([code]);
    expect(screen.getByTestId("browser-state").textContent?.trim()).toBe(viCatalog["browser.state_active"]);
    expect(screen.getByTestId("browser-log-empty")).toBeTruthy();

    // The investigator browses: no click in the app, the evidence table fills itself.
    await backend.visit(SHOP);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const row = rows()[0] as HTMLElement;
    expect(row.dataset.kind).toBe("web_capture");
    expect(within(row).getByTestId("evidence-name").textContent).toBe("Đồng hồ Rolex");
    await waitFor(() => expect(entries()).toHaveLength(1));
    expect(entries()[0]?.dataset.kind).toBe("captured");
    expect(entries()[0]?.dataset.evidenceId).toBe(row.dataset.id);
    expect(entries()[0]?.textContent).toContain("Đồng hồ Rolex");
    expect(screen.getByTestId("browser-current-url").textContent).toBe(SHOP);
    const kinds = screen.getAllByTestId("custody-event").map((e) => (e as HTMLElement).dataset.kind);
    expect(kinds).toContain("capture_added");
  });

  it("does not capture while paused; capture now does", async () => {
    const { backend } = await setup();
    await openBrowser();
    await click("browser-pause");
    await waitFor(() => expect(panel().dataset.paused).toBe("true"));
    expect(backend.calls.find((c) => c.method === "browserSetPaused")?.args).toEqual([true]);
    expect(screen.getByTestId("browser-state").textContent?.trim()).toBe(viCatalog["browser.state_paused"]);

    await backend.visit(OTHER);
    await waitFor(() => expect(screen.getByTestId("browser-current-url").textContent).toBe(OTHER));
    expect(rows()).toHaveLength(0);
    expect(entries()).toHaveLength(0);

    await click("browser-capture-now");
    await waitFor(() => expect(rows()).toHaveLength(1));
    // Answered and announced: listed once.
    await waitFor(() => expect(entries()).toHaveLength(1));
    expect(entries()[0]?.textContent).toContain("Túi xách");
    expect(entries()[0]?.dataset.url).toBe(OTHER);

    await click("browser-pause");
    await waitFor(() => expect(panel().dataset.paused).toBe("false"));
    await backend.visit(SHOP);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(entries().map((e) => e.dataset.url)).toEqual([SHOP, OTHER]);
  });

  it("goes to an address through the policy, and lists a refused visit as not captured", async () => {
    const { backend } = await setup();
    await openBrowser();
    await type("browser-url", "  ");
    await click("browser-go");
    expect(screen.getByTestId("browser-url-error").textContent).toBe(viCatalog["validation.url_required"]);

    await type("browser-url", "http://169.254.169.254/latest/meta-data/");
    await click("browser-go");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("capture_failed");
    expect(within(banner).getByTestId("error-reason").dataset.reason).toBe("policy_refused");
    expect((screen.getByTestId("browser-url") as HTMLInputElement).value).toBe(
      "http://169.254.169.254/latest/meta-data/",
    );

    await type("browser-url", SHOP);
    await click("browser-go");
    expect(backend.calls.filter((c) => c.method === "browserNavigate").map((c) => c.args)).toEqual([
      ["http://169.254.169.254/latest/meta-data/"],
      [SHOP],
    ]);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect((screen.getByTestId("browser-url") as HTMLInputElement).value).toBe("");

    // A page that leads somewhere internal (a link): reported, not stored.
    await backend.visit("http://10.0.0.5/quan-tri");
    await waitFor(() => expect(entries()[0]?.dataset.kind).toBe("failed"));
    const failed = entries()[0] as HTMLElement;
    expect(failed.dataset.url).toBe("http://10.0.0.5/quan-tri");
    expect(failed.textContent).toContain(viCatalog["browser.failed"]);
    expect(failed.textContent).toContain(viCatalog["capture.reason.policy_refused"]);
    expect(rows()).toHaveLength(1);
  });

  it("explains a missing Chromium in Vietnamese and English", async () => {
    await setup({ chromiumMissing: true });
    await click("browser-open");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("chromium_missing");
    expect(banner.textContent).toContain(viCatalog["errors.chromium_missing"]);
    expect(viCatalog["errors.chromium_missing"]).toContain("chromium");
    expect(panel().dataset.open).toBe("false");
    await click("lang-switch");
    expect(screen.getByTestId("error-banner").textContent).toContain(enCatalog["errors.chromium_missing"]);
  });

  it("is open for one case at a time and follows the browser being closed", async () => {
    const { backend, other } = await setup();
    await openBrowser();
    await click("back-to-list");
    await openCase(other);
    expect((await screen.findByTestId("browser-other-case")).textContent).toContain(
      viCatalog["browser.other_case"].split("{code}")[0] as string,
    );
    // A visit goes to the case the browser was opened for, not the one on screen.
    await backend.visit(SHOP);
    await new Promise((r) => setTimeout(r, 20));
    expect(rows()).toHaveLength(0);

    // The investigator closes Chromium's window: the panel follows.
    await backend.browserClose();
    await screen.findByTestId("browser-open");
    await openBrowser();
    await click("browser-close");
    await screen.findByTestId("browser-open");
    expect(backend.calls.filter((c) => c.method === "browserClose")).toHaveLength(2);
  });

  it("refreshes the open detail when a background timestamp is stored", async () => {
    const { backend } = await setup();
    await openBrowser();
    await backend.visit(SHOP);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const id = (rows()[0] as HTMLElement).dataset.id ?? "";
    await click("evidence-open");
    await waitFor(() => expect(screen.getByTestId("detail-stamp").dataset.status).toBe("pending"));
    const marker = within(rows()[0] as HTMLElement).getByTestId("evidence-stamp");
    expect(marker.dataset.status).toBe("pending");

    backend.stampInBackground(id);
    await waitFor(() => expect(screen.getByTestId("detail-stamp").dataset.status).toBe("stamped"));
    await waitFor(() =>
      expect(within(rows()[0] as HTMLElement).getByTestId("evidence-stamp").dataset.status).toBe("stamped"),
    );
  });

  it("stops listening when the case is left", async () => {
    const { backend } = await setup();
    await openBrowser();
    // The case view (captures, stamps) and the panel (captures).
    expect(backend.eventListenerCount).toBe(3);
    await fireEvent.click(screen.getByTestId("back-to-list"));
    await screen.findAllByTestId("case-row");
    expect(screen.queryByTestId("browser-panel")).toBeNull();
    expect(backend.eventListenerCount).toBe(0);
  });
});
