import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryOptions } from "../src/lib/backend-memory";
import { click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

const LISTING = "https://shop.example.vn/p/9";
const FINAL = "https://shop.example.vn/san-pham/dong-ho-9";
const HOSTILE =
  "<html><head><title>Đồng hồ</title></head><body><p>TRANG-DOC-HAI</p>" +
  "<script>window.__TAURI_INTERNALS__.invoke('case_create', {})</script></body></html>";

async function setup(options: Partial<MemoryOptions> = {}) {
  let code = "";
  const app = await renderApp(
    {
      profile: PROFILE,
      pages: {
        [LISTING]: { title: "Đồng hồ", final_url: FINAL, http_status: 200, server_ip: "203.0.113.7", body: HOSTILE },
      },
      ...options,
    },
    async (backend) => {
      code = (await newCase(backend, "Đồng hồ giả")).code;
    },
  );
  await openCase(code);
  return { ...app, code };
}

async function capture(browser: boolean) {
  await type("capture-url", LISTING);
  if (browser) await click("capture-browser");
  await click("capture-button");
  await screen.findByTestId("capture-done");
}

const marker = () => screen.getByTestId("evidence-stamp") as HTMLElement;

describe("evidence detail", () => {
  it("shows a browser capture: facts, hashes, timestamp, screenshot image and a sandboxed frame", async () => {
    const { backend, code } = await setup();
    await capture(true);
    expect(backend.calls.find((c) => c.method === "captureUrl")?.args).toEqual([code, LISTING, undefined, true]);
    await waitFor(() => expect(marker().dataset.status).toBe("pending"));

    await click("evidence-open");
    const detail = await screen.findByTestId("evidence-detail");
    const id = (screen.getByTestId("evidence-row") as HTMLElement).dataset.id ?? "";
    await waitFor(() => expect(within(detail).getByTestId("detail-final-url").textContent).toBe(FINAL));
    expect(within(detail).getByTestId("detail-http-status").textContent).toBe("200");
    expect(within(detail).getByTestId("detail-server-ip").textContent).toBe("203.0.113.7");
    expect(within(detail).getByTestId("detail-method").textContent).toBe(viCatalog["detail.method.browser"]);
    const sha = (screen.getByTestId("evidence-row") as HTMLElement).dataset.sha256;
    expect(within(detail).getByTestId("detail-sha256").textContent).toBe(sha);
    const roles = within(detail)
      .getAllByTestId("detail-artifact")
      .map((r) => (r as HTMLElement).dataset.role);
    expect(roles).toEqual(["dom", "screenshot", "warc"]);
    for (const row of within(detail).getAllByTestId("detail-artifact")) {
      expect((row as HTMLElement).dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(within(detail).getByTestId("detail-stamp").dataset.status).toBe("pending");

    const img = within(detail).getByTestId("detail-screenshot") as HTMLImageElement;
    expect(img.getAttribute("src")).toBe(`evidence://localhost/${id}`);
    const frame = within(detail).getByTestId("detail-frame") as HTMLIFrameElement;
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("referrerpolicy")).toBe("no-referrer");
    expect(frame.getAttribute("src")).toBe(`capture://localhost/${id}`);
    // The captured HTML never enters the app's own document.
    expect(document.body.innerHTML).not.toContain("TRANG-DOC-HAI");
    expect(document.querySelectorAll("script").length).toBe(0);

    await click("evidence-detail-close");
    expect(screen.queryByTestId("evidence-detail")).toBeNull();
  });

  it("an HTTP capture has neither screenshot nor frame", async () => {
    await setup();
    await capture(false);
    await click("evidence-open");
    const detail = await screen.findByTestId("evidence-detail");
    await waitFor(() => expect(within(detail).getByTestId("detail-method").textContent).toBe("HTTP"));
    expect(within(detail).queryByTestId("detail-screenshot")).toBeNull();
    expect(within(detail).queryByTestId("detail-frame")).toBeNull();
  });

  it("a plain file shows its hash and no timestamp", async () => {
    await setup({ files: { "/home/a/anh.png": "png" } });
    await type("evidence-paths", "/home/a/anh.png");
    await click("evidence-add-paths");
    await click("evidence-open");
    const detail = await screen.findByTestId("evidence-detail");
    await waitFor(() => expect(within(detail).getByTestId("detail-stamp").dataset.status).toBe("none"));
    expect(within(detail).queryByTestId("detail-final-url")).toBeNull();
    expect(screen.queryByTestId("timestamp-run")).toBeNull();
  });
});

describe("timestamping from the case", () => {
  it("stamps pending captures and shows the authority", async () => {
    const { backend } = await setup({ tsaUrl: "http://tsa.example.vn/" });
    await capture(false);
    await click("evidence-open");
    await click("timestamp-run");
    await waitFor(() => expect(marker().dataset.status).toBe("stamped"));
    expect(backend.calls.some((c) => c.method === "timestampRun")).toBe(true);
    expect(screen.getByTestId("timestamp-run-result").textContent).toBe(
      viCatalog["evidence.stamp_done"].replace("{stamped}", "1").replace("{pending}", "0"),
    );
    const stamp = await waitFor(() => {
      const line = screen.getByTestId("detail-stamp");
      expect(line.dataset.status).toBe("stamped");
      return line;
    });
    expect(stamp.textContent).toContain("http://tsa.example.vn/");
  });

  it("without an authority, says so and leaves the capture pending", async () => {
    await setup();
    await capture(false);
    await click("timestamp-run");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("invalid_input"));
    expect(marker().dataset.status).toBe("pending");
  });
});
