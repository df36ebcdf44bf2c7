import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import { vi as viCatalog } from "../src/lib/i18n/vi";
import { MemoryBackend } from "../src/lib/backend-memory";
import { sha256Hex } from "../src/lib/backend-memory";
import { problemKey } from "../src/lib/bundle";
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

/** A case taken through submit, approve and seal by two profiles with keys; the investigator acts again after. */
async function sealedCase(backend: MemoryBackend, investigator: Profile, supervisor: ProfileInput, title: string) {
  await backend.profileKeyCreate(AN_PASS);
  const boss = await backend.profileAdd(supervisor, HA_PASS);
  await backend.profileUse(investigator.name);
  const c = await newCase(backend, title, "Mỹ phẩm");
  await backend.evidenceAdd(c.code, ["/home/canbo/tin-dang.txt"]);
  await backend.caseReviewEdit(c.code, "Nghị định 98/2020/NĐ-CP", "Phạt tiền");
  await backend.caseTransition(c.code, "submit", AN_PASS);
  await backend.profileUse(boss.name);
  await backend.caseTransition(c.code, "approve", HA_PASS);
  await backend.caseTransition(c.code, "seal", HA_PASS);
  await backend.profileUse(investigator.name);
  return c.code;
}

const EVIDENCE = { "/home/canbo/tin-dang.txt": "Kem trộn giá 150.000đ" };

/** Another agency's workspace, with a sealed case exported to `path`; returns the bundle's bytes. */
async function otherAgencyBundle(path: string): Promise<{ bytes: Uint8Array; code: string }> {
  const police: Profile = { ...PROFILE, name: "tran.van.binh", display_name: "Trần Văn Bình", agency: "CA", province: "HCM" };
  const other = new MemoryBackend({ profile: police, files: EVIDENCE, idTag: "ca" });
  const code = await sealedCase(other, police, { ...SUPERVISOR, agency: "CA", province: "HCM" }, "Điện thoại nhập lậu");
  await other.bundleExport(code, path);
  const bytes = other.readFile(path);
  if (!bytes) throw new Error("no bundle written");
  return { bytes, code };
}

const text = (testId: string) => screen.getByTestId(testId).textContent ?? "";

describe("case bundles", () => {
  it("offers the export only on a sealed case, and writes where the path field says", async () => {
    const { backend } = await renderApp({ profile: PROFILE, files: EVIDENCE }, async (b) => {
      await sealedCase(b, PROFILE, SUPERVISOR, "Mỹ phẩm giả");
      await newCase(b, "Giày giả", "Giày dép");
    });
    const [draft, sealed] = (await backend.caseList()).sort((a, b) => a.code.localeCompare(b.code)).reverse();
    if (!draft || !sealed) throw new Error("two cases");
    expect(draft.status).toBe("draft");
    await openCase(draft.code);
    expect(screen.queryByTestId("bundle-export-open")).toBeNull();

    await click("back-to-list");
    await openCase(sealed.code);
    expect(text("bundle-export-open")).toBe(viCatalog["bundle.export_button"]);
    await click("bundle-export-open");

    // A relative path or another extension is refused before the shell is asked.
    await type("bundle-export-path", "ho-so.wacz");
    await click("bundle-export-run");
    expect(text("bundle-export-path-error")).toContain("ho-so.wacz");
    await type("bundle-export-path", "/home/canbo/ho-so.zip");
    await click("bundle-export-run");
    expect(text("bundle-export-path-error")).toContain(".wacz");
    expect(backend.calls.some((c) => c.method === "bundleExport")).toBe(false);

    const path = "/home/canbo/gửi viện kiểm sát.wacz";
    await type("bundle-export-path", path);
    await click("bundle-export-run");
    await screen.findByTestId("bundle-export-result");
    const bytes = backend.readFile(path);
    if (!bytes) throw new Error("nothing written");
    expect(text("bundle-export-result-path")).toBe(path);
    expect(text("bundle-export-result-sha256")).toBe(await sha256Hex(bytes));
    expect(screen.getByTestId("bundle-export-result-size").dataset.bytes).toBe(String(bytes.length));
    const review = await backend.caseReview(sealed.code);
    expect(text("bundle-export-result-root")).toBe(review.seal?.root);

    // "Kiểm tra gói" checks the file just written.
    await click("bundle-verify-exported");
    const report = await screen.findByTestId("bundle-report");
    expect(report.dataset.ok).toBe("true");
    expect(text("bundle-report-title")).toBe(viCatalog["bundle.report_ok_title"]);
    expect(text("bundle-report-case")).toContain(sealed.code);
    expect(backend.calls.filter((c) => c.method === "bundleVerify").map((c) => c.args[0])).toEqual([path]);

    // Empty path: the workspace's exports folder.
    await type("bundle-export-path", "");
    await click("bundle-export-run");
    await waitFor(() =>
      expect(text("bundle-export-result-path")).toBe(`/memory/workspace/exports/${sealed.code}.wacz`),
    );

    // The native save dialog: cancelled changes nothing, a choice exports there.
    await click("bundle-export-dialog");
    await waitFor(() => expect(backend.calls.filter((c) => c.method === "bundleExportDialog")).toHaveLength(1));
    expect(text("bundle-export-result-path")).toBe(`/memory/workspace/exports/${sealed.code}.wacz`);
    backend.saveDialogAnswer = "/media/usb/ho-so.wacz";
    await click("bundle-export-dialog");
    await waitFor(() => expect(text("bundle-export-result-path")).toBe("/media/usb/ho-so.wacz"));
    expect(backend.readFile("/media/usb/ho-so.wacz")).toEqual(bytes);
  });

  it("refuses to export a case that is not sealed, with its stable code", async () => {
    const backend = new MemoryBackend({ profile: PROFILE });
    const c = await newCase(backend, "Giày giả");
    await expect(backend.bundleExport(c.code)).rejects.toMatchObject({ code: "case_not_sealed" });
    await expect(backend.bundleExportDialog(c.code)).rejects.toMatchObject({ code: "case_not_sealed" });
    expect(backend.readFile(`/memory/workspace/exports/${c.code}.wacz`)).toBeUndefined();
  });

  it("shows every problem of a bundle that does not verify, and offers no import", async () => {
    const { bytes } = await otherAgencyBundle("/nhan/ho-so.wacz");
    const tampered = new TextDecoder().decode(bytes).replace("Điện thoại nhập lậu", "Điện thoại chính hãng");
    const { backend } = await renderApp({ profile: PROFILE }, async (b) => {
      b.addFile("/nhan/sua.wacz", tampered);
      b.addFile("/nhan/rac.wacz", "PK\u0003\u0004 không phải gói");
    });
    await click("nav-bundle-open");
    await screen.findByTestId("bundle-open-screen");

    await type("bundle-open-path", "/nhan/sua.wacz");
    await click("bundle-open-verify");
    const report = await screen.findByTestId("bundle-report");
    expect(report.dataset.ok).toBe("false");
    const rows = screen.getAllByTestId("bundle-problem");
    expect(rows.map((r) => r.dataset.kind)).toEqual(["wacz_resource_hash_mismatch"]);
    const row = rows[0] as HTMLElement;
    expect(within(row).getByTestId("bundle-problem-text").textContent).toBe(
      viCatalog["bundle.problem.wacz_resource_hash_mismatch"],
    );
    expect(row.textContent).toContain("wacz_resource_hash_mismatch");
    expect(screen.queryByTestId("bundle-import")).toBeNull();
    expect(text("bundle-import-blocked")).toBe(viCatalog["bundle.import_needs_ok"]);

    await type("bundle-open-path", "/nhan/rac.wacz");
    await click("bundle-open-verify");
    await waitFor(() =>
      expect(screen.getAllByTestId("bundle-problem").map((r) => r.dataset.kind)).toEqual(["zip_corrupt"]),
    );

    // A missing file is an error of the command, shown in the banner with its code.
    await type("bundle-open-path", "/nhan/khong-co.wacz");
    await click("bundle-open-verify");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("file_not_found"));
    expect(backend.calls.some((c) => c.method === "bundleImport")).toBe(false);
    // The shell refuses an import of a bundle that does not verify, whatever the window does.
    await expect(backend.bundleImport("/nhan/sua.wacz")).rejects.toMatchObject({ code: "bundle_invalid" });
  });

  it("imports a verified bundle as a read-only case from another agency and opens it", async () => {
    const { bytes, code } = await otherAgencyBundle("/nhan/ca-hcm.wacz");
    const { backend, desktop } = await renderApp({ profile: PROFILE }, async (b) => {
      b.addFile("/nhan/ca-hcm.wacz", bytes);
    });
    await click("nav-bundle-open");
    // The open dialog picks the file and the check runs at once.
    desktop.pickedBundle = "/nhan/ca-hcm.wacz";
    await click("bundle-pick");
    const report = await screen.findByTestId("bundle-report");
    expect(report.dataset.ok).toBe("true");
    expect(text("bundle-report-case")).toContain(code);
    expect(screen.queryAllByTestId("bundle-problem")).toHaveLength(0);
    expect((screen.getByTestId("bundle-open-path") as HTMLInputElement).value).toBe("/nhan/ca-hcm.wacz");

    // Changing the path drops the verdict: only the checked file can be imported.
    await type("bundle-open-path", "/nhan/khac.wacz");
    expect(screen.queryByTestId("bundle-import")).toBeNull();
    await type("bundle-open-path", "/nhan/ca-hcm.wacz");
    await click("bundle-import");

    await waitFor(() => expect(text("case-code")).toBe(code));
    expect(text("case-imported-badge")).toBe(viCatalog["bundle.imported_badge"]);
    expect(text("case-imported-from")).toContain(await sha256Hex(bytes));
    expect(text("case-status")).toBe(viCatalog["status.sealed"]);
    screen.getByTestId("case-read-only");
    for (const gone of ["case-edit", "note-input", "evidence-drop-zone", "workflow-actions", "bundle-export-open"]) {
      expect(screen.queryByTestId(gone), gone).toBeNull();
    }
    await screen.findByTestId("seal-info");

    await click("back-to-list");
    const row = await waitFor(() => {
      const found = screen.getAllByTestId("case-row").find((r) => r.dataset.code === code);
      if (!found) throw new Error("no row");
      return found;
    });
    expect(within(row).getByTestId("case-row-imported").textContent).toBe(viCatalog["bundle.imported_badge"]);

    // A second import of the same case is refused with its own code.
    await click("nav-bundle-open");
    await type("bundle-open-path", "/nhan/ca-hcm.wacz");
    await click("bundle-open-verify");
    await click("bundle-import");
    await waitFor(() => expect(screen.getByTestId("error-banner").dataset.code).toBe("case_already_exists"));
    expect(backend.calls.filter((c) => c.method === "bundleImport")).toHaveLength(2);
  });

  it("explains every problem kind, falling back by family", () => {
    expect(problemKey("seal_signature_invalid")).toBe("bundle.problem.seal_signature_invalid");
    expect(problemKey("zip_name_backslash")).toBe("bundle.problem.zip_other");
    expect(problemKey("wacz_pages_invalid")).toBe("bundle.problem.wacz_other");
    expect(problemKey("addendum_missing")).toBe("bundle.problem.addendum_other");
    expect(problemKey("something_new")).toBe("bundle.problem_unknown");
  });
});
