import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import type { MemoryBackend } from "../src/lib/backend-memory";
import type { ProfileInput } from "../src/lib/types";
import { choose, click, newCase, openCase, PROFILE, renderApp, type } from "./harness";

const AN_PASS = "mật khẩu của An";
const HA_PASS = "mật khẩu của Hà";
const SUPERVISOR: ProfileInput = {
  display_name: "Phạm Thu Hà",
  agency: "QLTT",
  unit: "Đội QLTT số 1",
  province: "HN",
  role: "supervisor",
};

/** An investigator with a key and a supervisor with a key; the investigator acts. */
async function twoProfiles(backend: MemoryBackend) {
  await backend.profileKeyCreate(AN_PASS);
  await backend.profileAdd(SUPERVISOR, HA_PASS);
  await backend.profileUse(PROFILE.name);
}

/** A case ready for submission (categories, product group, legal basis, measures). */
async function readyCase(backend: MemoryBackend) {
  const c = await newCase(backend, "Mỹ phẩm giả trên sàn", "Mỹ phẩm");
  await backend.caseReviewEdit(c.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền, tịch thu hàng");
  return c.code;
}

async function firstCode(backend: MemoryBackend): Promise<string> {
  const [first] = await backend.caseList();
  if (!first) throw new Error("no case");
  return first.code;
}

const status = () => screen.getByTestId("case-status").textContent;
const workflowButtons = () =>
  screen.queryAllByTestId(/^workflow-(submit|return|approve|seal)$/).map((b) => b.dataset.testid);

async function sign(passphrase: string, comment?: string) {
  await screen.findByTestId("passphrase-dialog");
  if (comment !== undefined) await type("workflow-comment", comment);
  await type("passphrase-input", passphrase);
  await click("passphrase-confirm");
}

async function switchTo(name: string) {
  await choose("profile-switch", name);
  await waitFor(() => expect((screen.getByTestId("profile-switch") as HTMLSelectElement).value).toBe(name));
}

describe("review workflow", () => {
  it("fills the legal basis in the edit form, then submits with the passphrase", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await twoProfiles(b);
      await newCase(b, "Giày giả", "Giày dép");
    });
    const code = await firstCode(backend);
    await openCase(code);
    expect(workflowButtons()).toEqual(["workflow-submit"]);

    // Incomplete: the core's case_incomplete crosses as a message, nothing changes.
    await click("workflow-submit");
    await sign(AN_PASS);
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("case_incomplete"));
    await click("passphrase-cancel");
    expect(status()).toBe(viCatalog["status.draft"]);

    await click("case-edit");
    await type("case-legal-basis", "Nghị định 98/2020/NĐ-CP, Điều 9");
    await type("case-proposed-measures", "Phạt tiền");
    await click("case-save");
    await waitFor(() =>
      expect(screen.getByTestId("review-legal-basis").textContent).toBe("Nghị định 98/2020/NĐ-CP, Điều 9"),
    );

    await click("workflow-submit");
    await sign(AN_PASS);
    await waitFor(() => expect(status()).toBe(viCatalog["status.submitted"]));
    expect(screen.queryByTestId("passphrase-dialog")).toBeNull();
    expect(workflowButtons()).toEqual([]);
    // Past submission the case is read-only: no edit, no note, no evidence forms.
    expect(screen.queryByTestId("case-edit")).toBeNull();
    expect(screen.queryByTestId("note-input")).toBeNull();
    expect(screen.getByTestId("case-read-only")).toBeTruthy();
    const steps = await screen.findAllByTestId("review-step");
    expect(steps.map((s) => s.dataset.action)).toEqual(["submit"]);
    // The passphrase never reaches the recorded calls.
    expect(JSON.stringify(backend.calls)).not.toContain(AN_PASS);
  });

  it("keeps the dialog open on a wrong passphrase and shows the error", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await twoProfiles(b);
      await readyCase(b);
    });
    await openCase(await firstCode(backend));
    await click("workflow-submit");
    await sign("không đúng mật khẩu");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("bad_passphrase"));
    expect(screen.getByText(viCatalog["errors.bad_passphrase"])).toBeTruthy();
    expect((screen.getByTestId("passphrase-input") as HTMLInputElement).value).toBe("");
    expect(status()).toBe(viCatalog["status.draft"]);
  });

  it("gates buttons by role: return needs a comment, resubmit, approve, seal, then read-only", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await twoProfiles(b);
      const code = await readyCase(b);
      await b.caseTransition(code, "submit", AN_PASS);
    });
    const code = await firstCode(backend);
    await openCase(code);
    expect(workflowButtons()).toEqual([]);

    await switchTo("pham.thu.ha");
    await waitFor(() => expect(workflowButtons()).toEqual(["workflow-return", "workflow-approve"]));
    await click("workflow-return");
    await screen.findByTestId("passphrase-dialog");
    await type("passphrase-input", HA_PASS);
    await click("passphrase-confirm");
    expect(await screen.findByTestId("passphrase-problem")).toBeTruthy();
    expect(backend.calls.some((c) => c.method === "caseTransition" && c.args[1] === "return")).toBe(false);
    await sign(HA_PASS, "Bổ sung ảnh chụp gian hàng");
    await waitFor(() => expect(status()).toBe(viCatalog["status.returned"]));
    expect((await screen.findByTestId("review-comment")).textContent).toBe("Bổ sung ảnh chụp gian hàng");
    expect(workflowButtons()).toEqual([]);

    await switchTo(PROFILE.name);
    await waitFor(() => expect(screen.getByTestId("workflow-submit").textContent?.trim()).toBe(viCatalog["workflow.resubmit"]));
    // A returned case can be changed again.
    expect(screen.getByTestId("case-edit")).toBeTruthy();
    await click("workflow-submit");
    await sign(AN_PASS);
    await waitFor(() => expect(status()).toBe(viCatalog["status.submitted"]));

    await switchTo("pham.thu.ha");
    await click("workflow-approve");
    await sign(HA_PASS);
    await waitFor(() => expect(status()).toBe(viCatalog["status.approved"]));
    expect(workflowButtons()).toEqual(["workflow-seal"]);
    await click("workflow-seal");
    await sign(HA_PASS);
    await waitFor(() => expect(status()).toBe(viCatalog["status.sealed"]));

    const ha = (await backend.profileList()).find((p) => p.name === "pham.thu.ha");
    const seal = (await backend.caseReview(code)).seal;
    expect(screen.getByTestId("seal-root").textContent).toContain(seal?.root ?? "missing");
    expect(screen.getByTestId("seal-fingerprint").textContent).toContain(ha?.fingerprint ?? "missing");
    expect(workflowButtons()).toEqual([]);
    expect(screen.queryByTestId("case-edit")).toBeNull();
    expect(screen.queryByTestId("note-add")).toBeNull();
    expect(screen.queryByTestId("evidence-drop-zone")).toBeNull();
    const steps = screen.getAllByTestId("review-step").map((s) => s.dataset.action);
    expect(steps).toEqual(["submit", "return", "submit", "approve", "seal"]);
    await fireEvent.click(screen.getByTestId("tab-entities"));
    expect(screen.queryByTestId("suggestion-confirm")).toBeNull();
  });

  it("lists submitted cases in the review queue and opens one", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await twoProfiles(b);
      const first = await readyCase(b);
      await readyCase(b);
      await b.caseTransition(first, "submit", AN_PASS);
    });
    const submitted = (await backend.reviewQueue()).map((c) => c.code);
    expect(submitted).toHaveLength(1);
    await switchTo("pham.thu.ha");
    await click("nav-queue");
    const rows = await screen.findAllByTestId("queue-row");
    expect(rows.map((r) => r.dataset.code)).toEqual(submitted);
    expect(screen.queryByTestId("queue-not-supervisor")).toBeNull();
    await click("queue-open");
    await waitFor(() => expect(screen.getByTestId("case-code").textContent).toBe(submitted[0]));
    expect(workflowButtons()).toEqual(["workflow-return", "workflow-approve"]);
  });

  it("adds a profile with a passphrase from the sidebar and makes it current", async () => {
    const { backend } = await renderApp();
    await click("profile-add-button");
    await type("profile-display-name", SUPERVISOR.display_name);
    await choose("profile-agency", "QLTT");
    await type("profile-unit", SUPERVISOR.unit);
    await choose("profile-province", "HN");
    await choose("profile-role", "supervisor");
    await type("profile-passphrase", HA_PASS);
    await type("profile-passphrase-again", "khác hẳn");
    await click("profile-save");
    expect(await screen.findByTestId("profile-passphrase-problem")).toBeTruthy();
    expect(backend.calls.some((c) => c.method === "profileAdd")).toBe(false);
    await type("profile-passphrase", HA_PASS);
    await type("profile-passphrase-again", HA_PASS);
    await click("profile-save");
    await waitFor(() => expect(screen.getByTestId("profile-name").textContent).toBe(SUPERVISOR.display_name));
    const entries = await backend.profileList();
    expect(entries.map((p) => [p.name, p.current])).toEqual([
      ["nguyen.van.an", false],
      ["pham.thu.ha", true],
    ]);
    expect(screen.getByTestId("profile-key").textContent).toContain(entries[1]?.fingerprint?.slice(0, 16));
    expect(JSON.stringify(backend.calls)).not.toContain(HA_PASS);
  });

  it("creates the signing key on first signature when the profile has none", async () => {
    const { backend } = await renderApp(undefined, async (b) => {
      await readyCase(b);
    });
    await openCase(await firstCode(backend));
    expect(screen.getByTestId("profile-key").textContent).toBe(viCatalog["profiles.no_key"]);
    await click("workflow-submit");
    await screen.findByTestId("passphrase-again");
    await type("passphrase-input", AN_PASS);
    await type("passphrase-again", AN_PASS);
    await click("passphrase-confirm");
    await waitFor(() => expect(status()).toBe(viCatalog["status.submitted"]));
    expect((await backend.profileList())[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
