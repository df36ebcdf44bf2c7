import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import { en as enCatalog } from "../src/lib/i18n/en";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryOptions } from "../src/lib/backend-memory";
import { click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

const LISTING = "https://shop.example.vn/p/123";
const FINAL = "https://shop.example.vn/san-pham/kem-duong-da-123";
const TITLE = "Kem dưỡng da chính hãng";

async function setup(options: Partial<MemoryOptions> = {}) {
  let code = "";
  const app = await renderApp(
    { profile: PROFILE, pages: { [LISTING]: { title: TITLE, final_url: FINAL } }, ...options },
    async (backend) => {
      code = (await newCase(backend, "Vụ bán hàng trên mạng")).code;
    },
  );
  await openCase(code);
  return { ...app, code };
}

const rows = () => screen.queryAllByTestId("evidence-row");
const button = () => screen.getByTestId("capture-button") as HTMLButtonElement;
const urlInput = () => screen.getByTestId("capture-url") as HTMLInputElement;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("web capture", () => {
  it("captures a URL into a web-page row with its badge, title and final URL", async () => {
    const { backend, code } = await setup();
    await type("capture-url", `  ${LISTING}  `);
    await click("capture-button");

    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(backend.calls.find((c) => c.method === "captureUrl")?.args).toEqual([code, LISTING, undefined, undefined]);
    const row = rows()[0] as HTMLElement;
    expect(row.dataset.kind).toBe("web_capture");
    expect(row.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(within(row).getByTestId("evidence-web-badge").textContent).toBe(viCatalog["evidence.kind_web"]);
    expect(within(row).getByTestId("evidence-name").textContent).toBe(TITLE);
    const url = within(row).getByTestId("evidence-url");
    expect(url.textContent?.trim()).toBe(FINAL);
    expect(url.title).toBe(FINAL);
    expect(within(row).getByText("application/vnd.truyvet.capture+json")).toBeTruthy();
    expect(urlInput().value).toBe("");
    expect(screen.getByTestId("capture-done").textContent).toContain(TITLE);

    const capture = screen.getAllByTestId("custody-event").find((e) => e.dataset.kind === "capture_added");
    const text = capture?.textContent?.replace(/\s+/g, " ") ?? "";
    expect(text).toContain(viCatalog["custody.kind.capture_added"]);
    expect(text).toContain(`${viCatalog["custody.field.final_url"]}: ${FINAL}`);
    expect(text).toContain(`${viCatalog["custody.field.http_status"]}: 200`);
    expect(text).toContain(`${viCatalog["custody.field.server_ip"]}: 203.0.113.10`);
    expect(text).toContain(`SHA-256: ${row.dataset.sha256?.slice(0, 16)}…`);
    expect(text).not.toContain(viCatalog["custody.field.partial_reason"]);
  });

  it("shows English labels after switching language", async () => {
    await setup();
    await type("capture-url", LISTING);
    await click("capture-button");
    await waitFor(() => expect(rows()).toHaveLength(1));
    await click("lang-switch");
    expect((await screen.findByTestId("evidence-web-badge")).textContent).toBe(enCatalog["evidence.kind_web"]);
    expect(screen.getByText(enCatalog["custody.kind.capture_added"])).toBeTruthy();
  });

  it("names an untitled page by its final URL and passes the insecure flag", async () => {
    const { backend, code } = await setup();
    await type("capture-url", "https://khong-tieu-de.example.vn/");
    await click("capture-insecure");
    await click("capture-button");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(backend.calls.find((c) => c.method === "captureUrl")?.args).toEqual([
      code,
      "https://khong-tieu-de.example.vn/",
      true,
      undefined,
    ]);
    expect(screen.getByTestId("evidence-name").textContent).toBe("https://khong-tieu-de.example.vn/");
    expect((screen.getByTestId("capture-insecure") as HTMLInputElement).checked).toBe(false);
  });

  it("refuses an internal address with the Vietnamese reason and stores nothing", async () => {
    const { backend, code } = await setup();
    await type("capture-url", "http://10.0.0.1/admin");
    await click("capture-button");

    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("capture_failed");
    expect(banner.textContent).toContain(viCatalog["errors.capture_failed"]);
    const reason = within(banner).getByTestId("error-reason");
    expect(reason.dataset.reason).toBe("policy_refused");
    expect(reason.textContent).toBe(
      "Địa chỉ nội bộ hoặc bị cấm (chống SSRF). Thêm máy chủ vào danh sách cho phép trong cài đặt nếu đây là máy chủ nội bộ hợp lệ.",
    );
    expect(rows()).toEqual([]);
    expect((await backend.caseGet(code)).evidence).toEqual([]);
    expect((await backend.custodyLog(code)).map((e) => e.kind)).toEqual(["case_created"]);
    expect(urlInput().value).toBe("http://10.0.0.1/admin");
    expect(button().disabled).toBe(false);
  });

  it("captures an internal host that the allow-list names", async () => {
    await setup({ captureAllowList: ["192.168.1.20"] });
    await type("capture-url", "http://192.168.1.20/noi-bo");
    await click("capture-button");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("shows an unknown sub-code raw and no reason for other codes", async () => {
    const { backend } = await setup();
    backend.failNext("captureUrl", { code: "capture_failed", message: "quantum_flux: the page evaporated" });
    await type("capture-url", LISTING);
    await click("capture-button");
    const reason = await screen.findByTestId("error-reason");
    expect(reason.textContent).toBe("Lý do: quantum_flux");

    backend.failNext("captureUrl", { code: "io_error", message: "io_error: disk full" });
    await click("capture-button");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("io_error"));
    expect(screen.queryByTestId("error-reason")).toBeNull();
  });

  it("checks the URL before calling the backend", async () => {
    const { backend } = await setup();
    await click("capture-button");
    expect((await screen.findByTestId("capture-url-error")).textContent).toBe(viCatalog["validation.url_required"]);
    await type("capture-url", "shop.example.vn/p/123");
    await click("capture-button");
    await waitFor(() =>
      expect(screen.getByTestId("capture-url-error").textContent).toBe(viCatalog["validation.url_invalid"]),
    );
    await type("capture-url", "ftp://shop.example.vn/");
    await click("capture-button");
    expect(screen.getByTestId("capture-url-error").textContent).toBe(viCatalog["validation.url_invalid"]);
    expect(backend.calls.some((c) => c.method === "captureUrl")).toBe(false);
  });

  it("locks the form and shows progress while a capture runs", async () => {
    const { backend } = await setup();
    const gate = deferred();
    backend.captureGate = gate.promise;
    await type("capture-url", LISTING);
    expect(screen.queryByTestId("capture-progress")).toBeNull();
    await click("capture-button");

    expect((await screen.findByTestId("capture-progress")).textContent).toContain(viCatalog["capture.running"]);
    expect(button().disabled).toBe(true);
    expect(urlInput().disabled).toBe(true);
    await click("capture-button");
    expect(backend.calls.filter((c) => c.method === "captureUrl")).toHaveLength(1);

    gate.resolve();
    await waitFor(() => expect(rows()).toHaveLength(1));
    await waitFor(() => expect(button().disabled).toBe(false));
    expect(screen.queryByTestId("capture-progress")).toBeNull();
  });
});
