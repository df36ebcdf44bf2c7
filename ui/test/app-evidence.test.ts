import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

// Known answers, so the test does not trust the code under test to hash.
const SHA_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA_EMPTY_LINE = "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"; // "\n"

function files() {
  return {
    "/evidence/listing.png": "abc",
    "/evidence/big.bin": new Uint8Array(1572864),
    "/evidence/newline.txt": "\n",
    "/evidence/empty.txt": "",
  };
}

async function setup() {
  let code = "";
  const app = await renderApp({ profile: PROFILE, files: files() }, async (backend) => {
    code = (await newCase(backend, "Vụ có chứng cứ")).code;
  });
  await openCase(code);
  return { ...app, code };
}

const shas = () => screen.queryAllByTestId("evidence-row").map((row) => row.dataset.sha256);

describe("evidence", () => {
  it("adds pasted paths through evidence_add and shows the full SHA-256", async () => {
    const { backend, code } = await setup();
    await type("evidence-paths", "/evidence/listing.png\n\n  /evidence/big.bin  \n");
    await click("evidence-add-paths");

    await waitFor(() => expect(shas()).toHaveLength(2));
    expect(backend.calls.find((c) => c.method === "evidenceAdd")?.args).toEqual([
      code,
      ["/evidence/listing.png", "/evidence/big.bin"],
      undefined,
    ]);
    const row = screen.getAllByTestId("evidence-row")[0] as HTMLElement;
    expect(row.dataset.sha256).toBe(SHA_ABC);
    expect(screen.getAllByTestId("evidence-sha256")[0]?.textContent).toBe(SHA_ABC);
    expect(screen.getAllByTestId("evidence-name").map((c) => c.textContent)).toEqual(["listing.png", "big.bin"]);
    expect(screen.getByText("1,5 MB")).toBeTruthy();
    expect((screen.getByTestId("evidence-paths") as HTMLTextAreaElement).value).toBe("");
    const kinds = screen.getAllByTestId("custody-event").map((e) => e.dataset.kind);
    expect(kinds).toEqual(["case_created", "evidence_added", "evidence_added"]);
  });

  it("shows the English size format after switching language", async () => {
    await setup();
    await type("evidence-paths", "/evidence/big.bin");
    await click("evidence-add-paths");
    await screen.findByText("1,5 MB");
    await click("lang-switch");
    expect(await screen.findByText("1.5 MB")).toBeTruthy();
  });

  it("refuses relative paths before calling the backend", async () => {
    const { backend } = await setup();
    await type("evidence-paths", "listing.png");
    await click("evidence-add-paths");
    expect(await screen.findByText("Không phải đường dẫn tuyệt đối: listing.png")).toBeTruthy();
    expect(backend.calls.some((c) => c.method === "evidenceAdd")).toBe(false);
  });

  it("shows the backend's error code for a missing file and keeps the text", async () => {
    await setup();
    await type("evidence-paths", "/evidence/khong-co.png");
    await click("evidence-add-paths");

    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("file_not_found");
    expect(banner.textContent).toContain(viCatalog["errors.file_not_found"]);
    expect(banner.textContent).toContain("file_not_found");
    expect((screen.getByTestId("evidence-paths") as HTMLTextAreaElement).value).toBe("/evidence/khong-co.png");
    expect(shas()).toEqual([]);
  });

  it("maps empty files to their own message", async () => {
    await setup();
    await type("evidence-paths", "/evidence/empty.txt");
    await click("evidence-add-paths");
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.code).toBe("empty_file");
    expect(banner.textContent).toContain(viCatalog["errors.empty_file"]);
  });

  it("adds the files chosen in the dialog", async () => {
    const { desktop } = await setup();
    desktop.picked = ["/evidence/newline.txt"];
    await click("evidence-add-dialog");
    await waitFor(() => expect(shas()).toEqual([SHA_EMPTY_LINE]));
  });

  it("does nothing when the dialog is cancelled", async () => {
    const { backend, desktop } = await setup();
    desktop.picked = [];
    await click("evidence-add-dialog");
    expect(backend.calls.some((c) => c.method === "evidenceAdd")).toBe(false);
  });

  it("highlights the drop zone while dragging and adds dropped files", async () => {
    const { desktop } = await setup();
    await waitFor(() => expect(desktop.listenerCount).toBe(1));
    const zone = screen.getByTestId("evidence-drop-zone");

    desktop.emit({ type: "enter" });
    await waitFor(() => expect(zone.classList.contains("active")).toBe(true));
    desktop.emit({ type: "leave" });
    await waitFor(() => expect(zone.classList.contains("active")).toBe(false));

    desktop.emit({ type: "over" });
    desktop.emit({ type: "drop", paths: ["/evidence/listing.png"] });
    await waitFor(() => expect(shas()).toEqual([SHA_ABC]));
    expect(zone.classList.contains("active")).toBe(false);
  });

  it("stops listening for drops when the case is closed", async () => {
    const { desktop } = await setup();
    await waitFor(() => expect(desktop.listenerCount).toBe(1));
    await click("back-to-list");
    await waitFor(() => expect(desktop.listenerCount).toBe(0));
  });
});
