import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
const listen = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));

const { BackendError, captureFrameUrl, screenshotUrl, tauriBackend, toAppError, UNKNOWN_ERROR_CODE } = await import(
  "../src/lib/ipc"
);

describe("toAppError", () => {
  it("keeps the contract shape", () => {
    expect(toAppError({ code: "case_not_found", message: "no case X" })).toEqual({
      code: "case_not_found",
      message: "no case X",
    });
    expect(toAppError(new BackendError("io_error", "disk"))).toEqual({ code: "io_error", message: "disk" });
  });

  it("tolerates a missing message", () => {
    expect(toAppError({ code: "internal" })).toEqual({ code: "internal", message: "" });
  });

  it("turns strings, Errors and other values into the unknown code", () => {
    expect(toAppError("Command case_list not allowed by ACL")).toEqual({
      code: UNKNOWN_ERROR_CODE,
      message: "Command case_list not allowed by ACL",
    });
    expect(toAppError(new TypeError("boom"))).toEqual({ code: UNKNOWN_ERROR_CODE, message: "boom" });
    expect(toAppError(null).code).toBe(UNKNOWN_ERROR_CODE);
    expect(toAppError({ code: 42 }).code).toBe(UNKNOWN_ERROR_CODE);
  });
});

describe("tauriBackend", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("calls the contract's command names with camelCase arguments", async () => {
    invoke.mockResolvedValue([]);
    await tauriBackend.caseList({ query: "hang gia", status: "draft" });
    await tauriBackend.caseList({ query: "" });
    await tauriBackend.evidenceAdd("QLTT-HN-2026-0001", ["/a.png"]);
    await tauriBackend.caseEdit("C1", { title: "T" });
    await tauriBackend.workspaceVerify();
    await tauriBackend.captureUrl("C1", "https://a.example/");
    await tauriBackend.captureUrl("C1", "https://b.example/", true);
    await tauriBackend.captureUrl("C1", "https://c.example/", undefined, true);
    await tauriBackend.evidenceDetail("C1", "ev-1");
    await tauriBackend.timestampList("C1");
    await tauriBackend.timestampRun();
    expect(invoke.mock.calls).toEqual([
      ["case_list", { query: "hang gia", status: "draft" }],
      ["case_list", {}],
      ["evidence_add", { code: "QLTT-HN-2026-0001", paths: ["/a.png"] }],
      ["case_edit", { code: "C1", edit: { title: "T" } }],
      ["workspace_verify", undefined],
      ["capture_url", { code: "C1", url: "https://a.example/" }],
      ["capture_url", { code: "C1", url: "https://b.example/", insecure: true }],
      ["capture_url", { code: "C1", url: "https://c.example/", browser: true }],
      ["evidence_detail", { code: "C1", evidenceId: "ev-1" }],
      ["timestamp_list", { code: "C1" }],
      ["timestamp_run", undefined],
    ]);
  });

  it("calls the bundle commands, leaving out an empty destination", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.bundleExport("C1");
    await tauriBackend.bundleExport("C1", "  ");
    await tauriBackend.bundleExport("C1", "/home/a/C1.wacz");
    await tauriBackend.bundleExportDialog("C1");
    await tauriBackend.bundleVerify("/home/a/C1.wacz");
    await tauriBackend.bundleImport("/home/a/C1.wacz");
    expect(invoke.mock.calls).toEqual([
      ["bundle_export", { code: "C1" }],
      ["bundle_export", { code: "C1" }],
      ["bundle_export", { code: "C1", path: "/home/a/C1.wacz" }],
      ["bundle_export_dialog", { code: "C1" }],
      ["bundle_verify", { path: "/home/a/C1.wacz" }],
      ["bundle_import", { path: "/home/a/C1.wacz" }],
    ]);
  });

  it("calls the addenda and seal proof commands, leaving out an empty evidence file", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.caseAddenda("C1");
    await tauriBackend.caseAddendumAdd("C1", "Đính chính", "mật khẩu");
    await tauriBackend.sealProofExport("C1", "ev-1");
    await tauriBackend.sealProofExportTo("C1", "ev-1", " /home/a/p.json ");
    await tauriBackend.sealProofVerify("/home/a/p.json");
    await tauriBackend.sealProofVerify("/home/a/p.json", "  ");
    await tauriBackend.sealProofVerify("/home/a/p.json", "/home/a/anh.png");
    expect(invoke.mock.calls).toEqual([
      ["case_addenda", { code: "C1" }],
      ["case_addendum_add", { code: "C1", text: "Đính chính", passphrase: "mật khẩu" }],
      ["seal_proof_export", { code: "C1", evidenceId: "ev-1" }],
      ["seal_proof_export_to", { code: "C1", evidenceId: "ev-1", path: "/home/a/p.json" }],
      ["seal_proof_verify", { path: "/home/a/p.json" }],
      ["seal_proof_verify", { path: "/home/a/p.json" }],
      ["seal_proof_verify", { path: "/home/a/p.json", filePath: "/home/a/anh.png" }],
    ]);
  });

  it("calls the capture browser's commands", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.browserOpen("C1");
    await tauriBackend.browserStatus();
    await tauriBackend.browserSetPaused(true);
    await tauriBackend.browserCaptureNow();
    await tauriBackend.browserNavigate("https://a.example/");
    await tauriBackend.browserClose();
    expect(invoke.mock.calls).toEqual([
      ["browser_open", { code: "C1" }],
      ["browser_status", undefined],
      ["browser_set_paused", { paused: true }],
      ["browser_capture_now", undefined],
      ["browser_navigate", { url: "https://a.example/" }],
      ["browser_close", undefined],
    ]);
  });

  it("calls the entity and graph commands with the shell's argument names", async () => {
    invoke.mockResolvedValue(null);
    await tauriBackend.entityOverview("C1");
    await tauriBackend.entityConfirm("e1");
    await tauriBackend.entityReject("e1");
    await tauriBackend.entityReject("e1", "trùng");
    await tauriBackend.entityMerge("e2", "e1");
    await tauriBackend.entityCreate("C1", { kind: "subject", label: "A" });
    await tauriBackend.linkAdd({ kind: "uses", from_id: "s", to_id: "e1", evidence_ids: ["ev"] });
    await tauriBackend.identifierLookup("0912 345 678");
    await tauriBackend.exclusionList();
    await tauriBackend.exclusionAdd("phone", "1900 1221");
    await tauriBackend.exclusionRemove("domain", "shopee.vn");
    await tauriBackend.caseGraph("C1");
    await tauriBackend.caseGraph("C1", true);
    await tauriBackend.graphExport("C1", "csv", false);
    expect(invoke.mock.calls).toEqual([
      ["entity_overview", { code: "C1" }],
      ["entity_confirm", { entityId: "e1" }],
      ["entity_reject", { entityId: "e1" }],
      ["entity_reject", { entityId: "e1", reason: "trùng" }],
      ["entity_merge", { entityId: "e2", intoId: "e1" }],
      ["entity_create", { code: "C1", input: { kind: "subject", label: "A" } }],
      ["link_add", { input: { kind: "uses", from_id: "s", to_id: "e1", evidence_ids: ["ev"] } }],
      ["identifier_lookup", { value: "0912 345 678" }],
      ["exclusion_list", undefined],
      ["exclusion_add", { kind: "phone", value: "1900 1221" }],
      ["exclusion_remove", { kind: "domain", value: "shopee.vn" }],
      ["case_graph", { code: "C1" }],
      ["case_graph", { code: "C1", expand: true }],
      ["graph_export", { code: "C1", format: "csv", expand: false }],
    ]);
  });

  it("listens to the shell's events by name and hands on their payloads", async () => {
    const unlisten = vi.fn();
    listen.mockReset();
    listen.mockResolvedValue(unlisten);
    const browser = vi.fn();
    const stamped = vi.fn();
    const stopBrowser = await tauriBackend.onCaptureBrowser(browser);
    await tauriBackend.onEvidenceStamped(stamped);
    expect(listen.mock.calls.map((c) => c[0])).toEqual(["capture-browser", "evidence-stamped"]);
    const payload = { kind: "visited", case_code: "C1", url: "https://a.example/" };
    listen.mock.calls[0]?.[1]({ event: "capture-browser", id: 1, payload });
    listen.mock.calls[1]?.[1]({ event: "evidence-stamped", id: 2, payload: { evidence_id: "ev-1" } });
    expect(browser).toHaveBeenCalledWith(payload);
    expect(stamped).toHaveBeenCalledWith({ evidence_id: "ev-1" });
    stopBrowser();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it("points screenshots and captured pages at their own schemes, by evidence id", () => {
    expect(screenshotUrl("0190-ab")).toBe("evidence://localhost/0190-ab");
    expect(captureFrameUrl("0190-ab")).toBe("capture://localhost/0190-ab");
    expect(screenshotUrl("../truyvet.db")).toBe("evidence://localhost/..%2Ftruyvet.db");
  });

  it("rejects with a BackendError carrying the code", async () => {
    invoke.mockRejectedValue({ code: "database_locked", message: "busy" });
    let caught: unknown;
    try {
      await tauriBackend.caseGet("X");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendError);
    expect(toAppError(caught)).toEqual({ code: "database_locked", message: "busy" });
  });
});
