import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryBackend } from "../src/lib/backend-memory";
import { choose, click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

interface Seeded {
  a: string;
  b: string;
  evidenceA: string;
}

async function seed(backend: MemoryBackend, out: Seeded) {
  out.a = (await newCase(backend, "Mỹ phẩm giả")).code;
  out.b = (await newCase(backend, "Đồng hồ lậu")).code;
  backend.addFile("/tmp/trang-a.html", "<p>Zalo 0912 345 678</p>");
  backend.addFile("/tmp/trang-b.html", "<p>LH 0912.345.678</p>");
  out.evidenceA = (await backend.evidenceAdd(out.a, ["/tmp/trang-a.html"]))[0]!.id;
  const evidenceB = (await backend.evidenceAdd(out.b, ["/tmp/trang-b.html"]))[0]!.id;
  await backend.entities.suggest(out.a, out.evidenceA, "phone", "0912 345 678", "", "3-15");
  await backend.entities.suggest(out.a, out.evidenceA, "phone", "0912 345 679", "", "20-32");
  await backend.entities.suggest(out.a, out.evidenceA, "email", "ban@shop.vn");
  await backend.entities.suggest(out.b, evidenceB, "phone", "+84 912 345 678");
}

async function setup() {
  const ids: Seeded = { a: "", b: "", evidenceA: "" };
  const app = await renderApp({ profile: PROFILE }, (backend) => seed(backend, ids));
  await openCase(ids.a);
  await click("tab-entities");
  await screen.findByTestId("entities-panel");
  return { ...app, ...ids };
}

const suggestion = (value: string) =>
  screen.getAllByTestId("suggestion").find((s) => s.dataset.value === value) as HTMLElement;
const graphNodes = () => screen.queryAllByTestId("graph-node") as HTMLElement[];

describe("entities panel", () => {
  it("confirms a suggestion, logs it, shows the cross-case hit and draws the node", async () => {
    const { backend, b } = await setup();
    await waitFor(() => expect(screen.getAllByTestId("suggestion")).toHaveLength(3));
    const hit = await screen.findByTestId("cross-case-hit");
    expect(hit.dataset.case).toBe(b);
    expect(hit.textContent).toContain(`đã thấy ở vụ việc ${b}`);
    expect(hit.textContent).toContain(viCatalog["status.draft"]);
    await waitFor(() => expect(graphNodes()).toHaveLength(3));

    await fireEvent.click(within(suggestion("+84912345678")).getByTestId("suggestion-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("suggestion")).toHaveLength(2));
    const entity = await screen.findByTestId("entity");
    expect(entity.textContent).toContain("+84912345678");
    await waitFor(() => {
      const node = graphNodes().find((n) => n.dataset.id === entity.dataset.id);
      expect(node?.dataset.state).toBe("confirmed");
    });
    // The custody log of the case view shows the confirmation the backend wrote.
    await waitFor(() =>
      expect(screen.getAllByTestId("custody-event").map((e) => e.dataset.kind)).toContain("entity_confirmed"),
    );
    expect(screen.getAllByTestId("custody-event").some((e) => e.textContent?.includes(viCatalog["custody.kind.entity_confirmed"]))).toBe(true);
    expect(backend.calls.filter((c) => c.method === "entityConfirm")).toHaveLength(1);
  });

  it("rejects with a reason and merges into an entity of the same kind", async () => {
    const { backend } = await setup();
    await waitFor(() => expect(screen.getAllByTestId("suggestion")).toHaveLength(3));
    await fireEvent.click(within(suggestion("ban@shop.vn")).getByTestId("suggestion-reject"));
    await type("reject-reason", "thư của sàn");
    await click("reject-do");
    await waitFor(() => expect(screen.getAllByTestId("suggestion")).toHaveLength(2));
    expect(backend.calls.find((c) => c.method === "entityReject")?.args[1]).toBe("thư của sàn");

    const keep = suggestion("+84912345678").dataset.id ?? "";
    await fireEvent.click(within(suggestion("+84912345679")).getByTestId("suggestion-merge"));
    await choose("merge-into", keep);
    await click("merge-do");
    await waitFor(() => expect(screen.getAllByTestId("suggestion")).toHaveLength(1));
    await waitFor(() => expect(graphNodes()).toHaveLength(1));
    const kinds = (await backend.custodyLog(screen.getByTestId("case-code").textContent ?? "")).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["entity_rejected", "entity_merged"]));
  });

  it("adds a subject and an evidence-backed link, and opens a node's evidence", async () => {
    const { evidenceA } = await setup();
    await click("subject-add");
    expect(screen.getByText(viCatalog["entities.validation.name"])).toBeTruthy();
    await type("subject-name", "Nguyễn Văn Bán");
    await choose("subject-type", "business");
    await click("subject-add");
    const subject = await screen.findByTestId("entity");
    expect(subject.dataset.kind).toBe("subject");

    const phone = suggestion("+84912345678").dataset.id ?? "";
    await click("link-add");
    expect(screen.getByText(viCatalog["entities.validation.link"])).toBeTruthy();
    await choose("link-from", subject.dataset.id ?? "");
    await choose("link-to", phone);
    const select = screen.getByTestId("link-evidence") as HTMLSelectElement;
    select.options[0]!.selected = true;
    await fireEvent.change(select);
    await click("link-add");
    const link = await screen.findByTestId("link");
    expect(link.textContent).toContain("Nguyễn Văn Bán");
    expect(link.textContent).toContain(viCatalog["edge_kind.uses"]);

    const node = await waitFor(() => {
      const found = graphNodes().find((n) => n.dataset.id === subject.dataset.id);
      if (!found) throw new Error("no subject node");
      return found;
    });
    await fireEvent.click(within(node).getByRole("button"));
    const list = await screen.findByTestId("graph-node-evidence");
    await fireEvent.click(within(list).getByTestId("graph-evidence-open"));
    const detail = await screen.findByTestId("evidence-detail");
    await waitFor(() => expect(within(detail).getByTestId("detail-sha256").textContent).toMatch(/^[0-9a-f]{64}$/));
    expect((within(list).getByTestId("graph-evidence-open") as HTMLElement).dataset.id).toBe(evidenceA);
  });

  it("expands into other cases and exports through the save dialog", async () => {
    const { backend, b } = await setup();
    await waitFor(() => expect(graphNodes()).toHaveLength(3));
    await click("graph-expand");
    await waitFor(() => expect(graphNodes()).toHaveLength(4));
    const other = graphNodes().find((n) => n.dataset.other === "true") as HTMLElement;
    expect(other.dataset.case).toBe(b);
    expect(other.textContent).toContain(`vụ việc ${b}`);
    expect(backend.calls.filter((c) => c.method === "caseGraph").at(-1)?.args[1]).toBe(true);

    await click("graph-export-csv");
    const done = await screen.findByTestId("graph-exported");
    expect(done.textContent).toContain("/home/user/do-thi-entities.csv, /home/user/do-thi-links.csv");
    expect(backend.calls.find((c) => c.method === "graphExport")?.args).toEqual([
      screen.getByTestId("case-code").textContent,
      "csv",
      true,
    ]);
    // A cancelled dialog writes nothing and says nothing.
    backend.entities.exportChoice = null;
    await click("graph-export-graphml");
    await waitFor(() => expect(backend.calls.filter((c) => c.method === "graphExport")).toHaveLength(2));
    await waitFor(() => expect(screen.queryByTestId("graph-exported")).toBeNull());
  });
});
