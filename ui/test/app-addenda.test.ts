import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { MemoryBackend } from "../src/lib/backend-memory";
import { proofPathProblem, readPathProblem } from "../src/lib/proof";
import type { Profile, ProfileInput } from "../src/lib/types";
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
const EVIDENCE = { [EVIDENCE_PATH]: "Kem trộn giá 150.000đ" };

/** A case sealed by a supervisor; the investigator acts again after. */
async function sealedCase(backend: MemoryBackend, investigator: Profile, title = "Mỹ phẩm giả") {
  await backend.profileKeyCreate(AN_PASS);
  const boss = await backend.profileAdd(SUPERVISOR, HA_PASS);
  await backend.profileUse(investigator.name);
  const c = await newCase(backend, title, "Mỹ phẩm");
  await backend.evidenceAdd(c.code, [EVIDENCE_PATH]);
  await backend.caseReviewEdit(c.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền");
  await backend.caseTransition(c.code, "submit", AN_PASS);
  await backend.profileUse(boss.name);
  await backend.caseTransition(c.code, "approve", HA_PASS);
  await backend.caseTransition(c.code, "seal", HA_PASS);
  await backend.profileUse(investigator.name);
  return c.code;
}

const text = (testId: string) => screen.getByTestId(testId).textContent ?? "";

async function sign(passphrase: string) {
  await screen.findByTestId("passphrase-dialog");
  await type("passphrase-input", passphrase);
  await click("passphrase-confirm");
}

describe("correction addenda", () => {
  it("adds a signed addendum to a sealed case and shows it with the custody event", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = await sealedCase(b, PROFILE);
    });
    await openCase(code);
    await screen.findByTestId("addenda-panel");
    expect(text("addenda-empty")).toBe(viCatalog["addenda.empty"]);

    // No text: refused before anything is asked.
    await click("addendum-add");
    expect(text("addendum-problem")).toBe(viCatalog["addenda.text_required"]);
    expect(screen.queryByTestId("passphrase-dialog")).toBeNull();

    const correction = "Số điện thoại đúng là 0912 345 679 (ghi chú gõ nhầm).";
    await type("addendum-input", correction);
    await click("addendum-add");
    // A wrong passphrase: the dialog stays, the error is shown, nothing is stored.
    await sign("không đúng");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("bad_passphrase"));
    screen.getByTestId("passphrase-dialog");
    expect(await backend.caseAddenda(code)).toEqual([]);
    expect((await backend.custodyLog(code)).some((e) => e.kind === "addendum_added")).toBe(false);

    await type("passphrase-input", AN_PASS);
    await click("passphrase-confirm");
    const item = await screen.findByTestId("addendum-item");
    await waitFor(() => expect(screen.queryByTestId("passphrase-dialog")).toBeNull());
    expect(within(item).getByTestId("addendum-body").textContent).toBe(correction);
    expect(within(item).getByTestId("addendum-author").textContent).toBe(PROFILE.display_name);
    const me = (await backend.profileList()).find((p) => p.current);
    expect(within(item).getByTestId("addendum-fingerprint").textContent).toContain(me?.fingerprint ?? "?");
    expect((screen.getByTestId("addendum-input") as HTMLInputElement).value).toBe("");

    // The custody log shown has the new event, without a click.
    await waitFor(() =>
      expect(screen.getAllByTestId("custody-event").some((e) => e.dataset.kind === "addendum_added")).toBe(true),
    );
    const [stored] = await backend.caseAddenda(code);
    expect(stored?.seal_root).toBe((await backend.caseReview(code)).seal?.root);
    // The passphrase never reaches the recorded calls.
    const calls = JSON.stringify(backend.calls);
    expect(calls).not.toContain(AN_PASS);
    expect(calls).not.toContain("không đúng");
  });

  it("shows no addenda on a case still editable, and the backend refuses one", async () => {
    let code = "";
    const { backend } = await renderApp({ profile: PROFILE }, async (b) => {
      code = (await newCase(b, "Giày giả", "Giày dép")).code;
      await b.profileKeyCreate(AN_PASS);
    });
    await openCase(code);
    expect(screen.queryByTestId("addenda-panel")).toBeNull();
    await expect(backend.caseAddendumAdd(code, "x", AN_PASS)).rejects.toMatchObject({ code: "case_not_sealed" });
    await expect(backend.sealProofExportTo(code, "x", "/p.json")).rejects.toMatchObject({ code: "case_not_sealed" });
  });

  it("lists another agency's addenda without a form", async () => {
    const police: Profile = { ...PROFILE, name: "tran.van.binh", display_name: "Trần Văn Bình", agency: "CA" };
    const other = new MemoryBackend({ profile: police, files: EVIDENCE, idTag: "ca" });
    const code = await sealedCase(other, police, "Điện thoại nhập lậu");
    await other.bundleExport(code, "/nhan/ca.wacz");
    const bytes = other.readFile("/nhan/ca.wacz");
    if (!bytes) throw new Error("no bundle");
    const { backend } = await renderApp({ profile: PROFILE }, async (b) => {
      b.addFile("/nhan/ca.wacz", bytes);
      await b.bundleImport("/nhan/ca.wacz");
      await b.profileKeyCreate(AN_PASS);
    });
    await openCase(code);
    await screen.findByTestId("addenda-panel");
    expect(text("addenda-imported")).toBe(viCatalog["addenda.imported_note"]);
    expect(screen.queryByTestId("addendum-input")).toBeNull();
    // Corrections to another agency's case are theirs to make: the backend refuses too.
    await expect(backend.caseAddendumAdd(code, "x", AN_PASS)).rejects.toMatchObject({ code: "invalid_input" });
  });
});

describe("seal proofs", () => {
  it("checks typed paths before the shell is asked", () => {
    expect(proofPathProblem("")?.key).toBe("proof.path_required");
    expect(proofPathProblem("p.json")?.key).toBe("proof.path_not_absolute");
    expect(proofPathProblem("/a/p.txt")?.key).toBe("proof.path_not_json");
    expect(proofPathProblem("/a/.json")?.key).toBe("proof.path_not_json");
    expect(proofPathProblem("/a/bằng chứng.JSON")).toBeNull();
    expect(proofPathProblem("C:\\a\\p.json")).toBeNull();
    expect(readPathProblem("anh.png")?.key).toBe("proof.path_not_absolute");
    expect(readPathProblem("/a/anh.png")).toBeNull();
  });

  it("exports one item's proof from its detail and checks it on the bundle screen", async () => {
    let code = "";
    const { backend, desktop } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      code = await sealedCase(b, PROFILE);
      b.addFile("/home/canbo/khac.txt", "Kem trộn giá 150.000đ.");
    });
    await openCase(code);
    await click("evidence-open");
    await click("proof-export-open");
    expect(screen.getByTestId("proof-export").textContent).toContain(viCatalog["proof.export_intro"]);

    await type("proof-export-path", "bang-chung.json");
    await click("proof-export-run");
    expect(text("proof-export-path-error")).toContain("bang-chung.json");
    expect(backend.calls.some((c) => c.method === "sealProofExportTo")).toBe(false);

    const path = "/home/canbo/gửi viện kiểm sát.json";
    await type("proof-export-path", path);
    await click("proof-export-run");
    await waitFor(() => expect(text("proof-export-result-path")).toBe(path));
    expect(backend.readFile(path)).toBeDefined();

    // The save dialog: cancelled writes nothing; a choice without .json gets it.
    await click("proof-export-dialog");
    await waitFor(() => expect(backend.calls.filter((c) => c.method === "sealProofExport")).toHaveLength(1));
    expect(text("proof-export-result-path")).toBe(path);
    backend.saveDialogAnswer = "/media/usb/bang-chung";
    await click("proof-export-dialog");
    await waitFor(() => expect(text("proof-export-result-path")).toBe("/media/usb/bang-chung.json"));

    // Checking it: the proof alone, then with the evidence file.
    const [item] = (await backend.caseGet(code)).evidence;
    const seal = (await backend.caseReview(code)).seal;
    await click("nav-bundle-open");
    desktop.pickedProof = path;
    await click("proof-pick");
    await waitFor(() => expect((screen.getByTestId("proof-path") as HTMLInputElement).value).toBe(path));
    await click("proof-check-run");
    await screen.findByTestId("proof-ok");
    expect(text("proof-case")).toBe(code);
    expect(text("proof-evidence-id")).toBe(item?.id);
    expect(text("proof-sha256")).toBe(item?.sha256);
    expect(text("proof-seal-root")).toBe(seal?.root);
    expect(text("proof-fingerprint")).toBe(seal?.fingerprint);
    expect(screen.getByTestId("proof-sealed-at").getAttribute("datetime")).toBe(seal?.at);
    expect(text("proof-fingerprint-note")).toBe(viCatalog["proof.fingerprint_note"]);
    expect(screen.getByTestId("proof-ok").textContent).toContain(viCatalog["proof.ok_no_file"]);

    desktop.pickedFile = EVIDENCE_PATH;
    await click("proof-pick-file");
    // A changed path drops the verdict until checked again.
    await waitFor(() => expect(screen.queryByTestId("proof-ok")).toBeNull());
    await click("proof-check-run");
    await waitFor(() => expect(screen.getByTestId("proof-ok").textContent).toContain(viCatalog["proof.ok_file"]));

    // Another file: not the sealed item.
    await type("proof-file-path", "/home/canbo/khac.txt");
    await click("proof-check-run");
    await screen.findByTestId("proof-invalid");
    expect(screen.getByTestId("proof-invalid").textContent).toContain(viCatalog["proof.invalid_title"]);
    expect(screen.queryByTestId("proof-ok")).toBeNull();

    // A doctored proof: another digest for the item.
    const doctored = new TextDecoder()
      .decode(backend.readFile(path))
      .replace(item?.sha256 ?? "?", "0".repeat(64));
    backend.addFile("/home/canbo/sua.json", doctored);
    await type("proof-file-path", "");
    await type("proof-path", "/home/canbo/sua.json");
    await click("proof-check-run");
    await waitFor(() => expect(text("proof-invalid-detail")).toContain("not part of this seal"));

    // A missing file is an error of the command, in the banner with its code.
    await type("proof-path", "/home/canbo/khong-co.json");
    await click("proof-check-run");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("file_not_found"));
    await type("proof-path", "tuong-doi.json");
    await click("proof-check-run");
    expect(text("proof-path-error")).toContain("tuong-doi.json");
  });
});
