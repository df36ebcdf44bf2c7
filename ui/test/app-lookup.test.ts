import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryBackend } from "../src/lib/backend-memory";
import { click, newCase, PROFILE, renderApp, type } from "./harness";

interface Seeded {
  a: string;
  b: string;
}

/** One phone number written two ways in two cases, and a hotline in case A. */
async function seed(backend: MemoryBackend, out: Seeded) {
  out.a = (await newCase(backend, "Mỹ phẩm giả")).code;
  out.b = (await newCase(backend, "Đồng hồ lậu")).code;
  backend.addFile("/tmp/trang-a.html", "<p>Zalo 0912 345 678 — CSKH 1900 1234</p>");
  backend.addFile("/tmp/trang-b.html", "<p>LH 0912.345.678</p>");
  const evidenceA = (await backend.evidenceAdd(out.a, ["/tmp/trang-a.html"]))[0]!.id;
  const evidenceB = (await backend.evidenceAdd(out.b, ["/tmp/trang-b.html"]))[0]!.id;
  await backend.entities.suggest(out.a, evidenceA, "phone", "0912 345 678", "", "8-20");
  await backend.entities.suggest(out.a, evidenceA, "phone", "1900 1234 5", "", "28-39");
  await backend.entities.suggest(out.b, evidenceB, "phone", "+84 912 345 678", "", "6-18");
}

async function setup() {
  const ids: Seeded = { a: "", b: "" };
  const app = await renderApp({ profile: PROFILE }, (backend) => seed(backend, ids));
  await click("nav-lookup");
  await screen.findByTestId("lookup-screen");
  return { ...app, ...ids };
}

async function lookUp(value: string) {
  await type("lookup-input", value);
  await click("lookup-submit");
}

const rows = () => screen.queryAllByTestId("lookup-row") as HTMLElement[];

describe("identifier lookup screen", () => {
  it("lists every occurrence across cases, whichever way the value is written, and opens a case", async () => {
    const { backend, a, b } = await setup();
    expect(screen.getByTestId("nav-lookup").textContent).toBe(viCatalog["nav.lookup"]);
    await lookUp("(+84) 91-234-5678");
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().map((r) => r.dataset.case).sort()).toEqual([a, b].sort());
    expect(backend.calls.find((c) => c.method === "identifierLookup")?.args).toEqual(["(+84) 91-234-5678"]);
    const summary = screen.getByTestId("lookup-summary").textContent ?? "";
    expect(summary).toContain("số lần xuất hiện: 2");
    expect(summary).toContain("số vụ việc: 2");
    const rowB = rows().find((r) => r.dataset.case === b)!;
    expect(rowB.textContent).toContain(viCatalog["status.draft"]);
    expect(rowB.textContent).toContain(viCatalog["id_kind.phone"]);
    expect(rowB.textContent).toContain("+84912345678");
    expect(rowB.textContent).toContain("+84 912 345 678");
    expect(screen.queryByTestId("lookup-excluded")).toBeNull();

    await fireEvent.click(within(rows().find((r) => r.dataset.case === a)!).getByTestId("lookup-open-case"));
    await waitFor(() => expect(screen.getByTestId("case-code").textContent).toBe(a));
  });

  it("says when nothing was found, when the field is empty and when the value cannot be read", async () => {
    const { backend } = await setup();
    await click("lookup-submit");
    expect(screen.getByTestId("lookup-validation").textContent).toBe(viCatalog["lookup.validation"]);
    expect(backend.calls.some((c) => c.method === "identifierLookup")).toBe(false);

    await lookUp("0987 654 321");
    const empty = await screen.findByTestId("lookup-empty");
    expect(empty.textContent).toContain("0987 654 321");
    expect(screen.queryByTestId("lookup-validation")).toBeNull();
    expect(screen.queryByTestId("error-banner")).toBeNull();

    await lookUp("???");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("invalid_input");
    expect(banner.textContent).toContain(viCatalog["errors.invalid_input"]);
    expect((await screen.findByTestId("lookup-invalid")).textContent).toContain("???");
    expect(screen.queryByTestId("lookup-empty")).toBeNull();
  });

  it("flags a value on the exclusion list", async () => {
    const { backend } = await setup();
    await backend.exclusionAdd("phone", "1900 1234 5", "tổng đài của sàn");
    await lookUp("19001234 5");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]!.dataset.excluded).toBe("true");
    const notice = screen.getByTestId("lookup-excluded");
    expect(notice.dataset.value).toBe("+84190012345");
    expect(notice.textContent).toContain("danh sách loại trừ");
    expect(within(rows()[0]!).getByTestId("lookup-excluded-badge").textContent).toBe(viCatalog["lookup.excluded_badge"]);
  });
});
